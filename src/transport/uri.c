/* uri.c - MPBLE_HCI transport URIs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/transport.h"

#define URI_FORMS "air, air:PATH, unix:PATH or tcp:HOST:PORT"

static int fail(char *err, size_t errlen, const char *uri, const char *why)
{
    snprintf(err, errlen, "MPBLE_HCI='%s': %s (expected " URI_FORMS ")", uri, why);
    return -EINVAL;
}

static int copy_path(char *dst, size_t cap, const char *src, char *err, size_t errlen,
                     const char *uri)
{
    if (*src == '\0')
        return fail(err, errlen, uri, "empty path");
    if (strlen(src) >= cap)
        return fail(err, errlen, uri, "socket path too long");
    strcpy(dst, src);
    return 0;
}

int transport_parse_uri(const char *uri, struct transport_uri *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (uri == NULL || *uri == '\0' || strcmp(uri, "air") == 0) {
        out->kind = TRANSPORT_AIR;
        return 0;
    }
    const char *colon = strchr(uri, ':');
    if (colon == NULL)
        return fail(err, errlen, uri, "unknown transport");
    size_t scheme = (size_t)(colon - uri);
    const char *rest = colon + 1;
    if (scheme == 3 && strncmp(uri, "air", 3) == 0) {
        out->kind = TRANSPORT_AIR;
        return copy_path(out->path, sizeof out->path, rest, err, errlen, uri);
    }
    if (scheme == 4 && strncmp(uri, "unix", 4) == 0) {
        out->kind = TRANSPORT_UNIX;
        return copy_path(out->path, sizeof out->path, rest, err, errlen, uri);
    }
    if (scheme == 3 && strncmp(uri, "tcp", 3) == 0) {
        const char *pc = strrchr(rest, ':');
        if (pc == NULL || pc == rest || pc[1] == '\0')
            return fail(err, errlen, uri, "tcp needs HOST:PORT");
        size_t hl = (size_t)(pc - rest);
        if (hl >= sizeof out->host || strlen(pc + 1) >= sizeof out->port)
            return fail(err, errlen, uri, "host or port too long");
        char *end;
        long port = strtol(pc + 1, &end, 10);
        if (*end != '\0' || port < 1 || port > 65535)
            return fail(err, errlen, uri, "port must be a number 1..65535");
        out->kind = TRANSPORT_TCP;
        memcpy(out->host, rest, hl);
        strcpy(out->port, pc + 1);
        return 0;
    }
    return fail(err, errlen, uri, "unknown transport");
}
