/* air_path.c - the default socket path and its private directory. */
#include "transport/air_path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCKET_NAME "air.sock"

static int xdg_runtime_usable(const char *dir)
{
    struct stat st;
    return dir && dir[0] == '/' && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
           st.st_uid == getuid() && access(dir, W_OK | X_OK) == 0;
}

/* The directory must be ours, a real directory, and closed to everyone else. */
static int private_dir_ensure(const char *dir)
{
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return -errno;
    struct stat st;
    if (lstat(dir, &st) < 0)
        return -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    if (st.st_uid != getuid() || (st.st_mode & 077) != 0)
        return -EPERM;
    return 0;
}

int air_default_socket_path(char *buf, size_t cap)
{
    size_t max = sizeof(((struct sockaddr_un *)0)->sun_path);
    if (cap < max)
        max = cap;
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    int n = -1;
    if (xdg_runtime_usable(xdg))
        n = snprintf(dir, sizeof(dir), "%s/mpble", xdg);
    if (n < 0 || (size_t)n + 1 + strlen(SOCKET_NAME) >= max)
        n = snprintf(dir, sizeof(dir), "/tmp/mpble-%u", (unsigned)getuid());
    if ((size_t)n + 1 + strlen(SOCKET_NAME) >= max)
        return -ENAMETOOLONG;
    snprintf(buf, cap, "%s/%s", dir, SOCKET_NAME);
    return private_dir_ensure(dir);
}
