/* air_client.c - connect to the virtual air, starting a server on demand. */
#include "transport/air_client.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "transport/air_path.h"

/* An air started on demand exits this long after its last client leaves, unless
 * MPBLE_AIR_IDLE_EXIT gives another number of seconds. */
#define AIR_IDLE_EXIT_S "60"
/* How long a starting air may take to accept connections. */
#define AIR_START_TIMEOUT_MS 5000

static int is_executable(const char *p)
{
    return access(p, X_OK) == 0;
}

/* Finds the mpble-air executable; 0 or -ENOENT. */
static int find_air_binary(char *out, size_t cap)
{
    const char *env = getenv("MPBLE_AIR_BIN");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return is_executable(out) ? 0 : -ENOENT;
    }
    /* In the build tree the module sits in build/python and the server in build/bin. */
    Dl_info info;
    if (dladdr((void *)air_client_open, &info) && info.dli_fname) {
        char so[PATH_MAX];
        if (realpath(info.dli_fname, so)) {
            char *dir = dirname(so);
            snprintf(out, cap, "%s/../bin/mpble-air", dir);
            if (is_executable(out))
                return 0;
            snprintf(out, cap, "%s/mpble-air", dir);
            if (is_executable(out))
                return 0;
        }
    }
    const char *path = getenv("PATH");
    if (path) {
        char buf[4096];
        snprintf(buf, sizeof buf, "%s", path);
        for (char *save, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
            snprintf(out, cap, "%s/mpble-air", d);
            if (is_executable(out))
                return 0;
        }
    }
    return -ENOENT;
}

/* Starts the server detached (its own session, reparented to init), logging to
 * log_path. Everything the child needs is prepared before fork(): the parent may
 * have other threads, so the child only makes async-signal-safe calls. */
static int spawn_air(const char *bin, const char *sock, const char *log_path)
{
    const char *idle = getenv("MPBLE_AIR_IDLE_EXIT");
    char *argv[] = {(char *)"mpble-air",
                    (char *)"--socket",
                    (char *)sock,
                    (char *)"--exit-when-idle",
                    (char *)(idle && *idle ? idle : AIR_IDLE_EXIT_S),
                    NULL};
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        setsid();
        if (fork() != 0)
            _exit(0);
        int nul = open("/dev/null", O_RDWR);
        int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (nul >= 0) {
            dup2(nul, 0);
            dup2(nul, 1);
        }
        if (log >= 0)
            dup2(log, 2);
        execv(bin, argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int air_client_open(const char *path, char *err, size_t errlen)
{
    char sock[108];
    if (path) {
        snprintf(sock, sizeof sock, "%s", path);
    } else {
        int rc = air_default_socket_path(sock, sizeof sock);
        if (rc < 0) {
            snprintf(err, errlen, "air: no usable socket directory: %s", strerror(-rc));
            return rc;
        }
    }
    int fd = transport_connect_unix(sock);
    if (fd >= 0 || (fd != -ENOENT && fd != -ECONNREFUSED)) {
        if (fd < 0)
            snprintf(err, errlen, "air:%s: %s", sock, strerror(-fd));
        return fd;
    }

    /* Nobody listens: start one, holding a lock so concurrent starters share it. */
    char lock_path[128], log_path[128], dir[108];
    snprintf(dir, sizeof dir, "%s", sock);
    snprintf(lock_path, sizeof lock_path, "%s/air.lock", dirname(dir));
    snprintf(log_path, sizeof log_path, "%s/air.log", dir);
    int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0) {
        int e = errno;
        snprintf(err, errlen, "air: cannot open %s: %s", lock_path, strerror(e));
        return -e;
    }
    while (flock(lock, LOCK_EX) < 0 && errno == EINTR)
        ;
    fd = transport_connect_unix(sock);
    if (fd < 0) {
        char bin[PATH_MAX];
        int rc = find_air_binary(bin, sizeof bin);
        if (rc < 0) {
            snprintf(err, errlen,
                     "air: no air server at %s and no mpble-air executable found "
                     "(set MPBLE_AIR_BIN or put mpble-air on PATH)",
                     sock);
            fd = rc;
        } else if ((rc = spawn_air(bin, sock, log_path)) < 0) {
            snprintf(err, errlen, "air: cannot start %s: %s", bin, strerror(-rc));
            fd = rc;
        } else {
            for (int waited = 0; waited < AIR_START_TIMEOUT_MS; waited += 10) {
                fd = transport_connect_unix(sock);
                if (fd >= 0)
                    break;
                sleep_ms(10);
            }
            if (fd < 0)
                snprintf(err, errlen, "air: started %s but it does not accept on %s (see %s)", bin,
                         sock, log_path);
        }
    }
    flock(lock, LOCK_UN);
    close(lock);
    return fd;
}
