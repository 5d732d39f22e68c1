/* air_path.h - where the air listens by default. Shared by mpble-air and the host's
 * air transport, so both find the same socket. */
#ifndef MPBLE_AIR_PATH_H
#define MPBLE_AIR_PATH_H

#include <stddef.h>

/* Writes the default socket path into buf: $XDG_RUNTIME_DIR/mpble/air.sock when
 * XDG_RUNTIME_DIR is set, absolute, a directory of ours we can write to, and the
 * result fits a Unix socket address; else /tmp/mpble-$UID/air.sock. Creates the
 * socket's directory with mode 0700 if missing. Returns 0; -ENAMETOOLONG if cap
 * is too small; -EPERM if the directory belongs to another user or grants group or
 * other users any access; -ENOTDIR if it is not a directory (symbolic links are
 * refused); or mkdir's error. After a directory error buf still holds the path. */
int air_default_socket_path(char *buf, size_t cap);

#endif
