/* air_client.h - finding (or starting) the virtual air server. */
#ifndef MPBLE_AIR_CLIENT_H
#define MPBLE_AIR_CLIENT_H

#include <stddef.h>

/* Connects to the air at path (NULL: the per-user default socket). When nothing
 * listens there, starts `mpble-air --socket PATH --exit-when-idle N` detached, under
 * a lock file beside the socket so that processes starting together share one air,
 * and connects to it. The server binary: $MPBLE_AIR_BIN, else bin/mpble-air beside
 * the directory holding this library's Python module, else mpble-air on PATH.
 * Returns a non-blocking fd or a negative errno with a message in err. */
int air_client_open(const char *path, char *err, size_t errlen);

/* Connects a non-blocking close-on-exec Unix stream socket; fd or negative errno. */
int transport_connect_unix(const char *path);

#endif
