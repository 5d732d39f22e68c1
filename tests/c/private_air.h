/* private_air.h - an air in the test's own process (fast timing, a fixed seed) on a
 * socket in a fresh directory under $TMPDIR (else /tmp), served by a thread. */
#ifndef MPBLE_PRIVATE_AIR_H
#define MPBLE_PRIVATE_AIR_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "air/server.h"

struct private_air {
    char dir[80], path[96], uri[112]; /* uri: for mpble_set_transport */
    struct air_server *server;
    pthread_t thread;
};

static void *private_air_serve(void *arg)
{
    air_server_run(arg);
    return NULL;
}

/* 0, or a negative errno with a message on stderr. name goes into the directory's. */
static inline int private_air_start(struct private_air *a, const char *name, uint64_t seed)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(a->dir, sizeof a->dir, "%s/mpble-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    if (mkdtemp(a->dir) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    snprintf(a->path, sizeof a->path, "%s/air.sock", a->dir);
    snprintf(a->uri, sizeof a->uri, "unix:%s", a->path);
    struct air_server_config cfg = {
        .socket_path = a->path, .timing = MEDIUM_TIMING_FAST, .seed = seed, .exit_when_idle_s = -1};
    int rc = air_server_open(&a->server, &cfg);
    if (rc < 0) {
        fprintf(stderr, "cannot open the air on %s\n", a->path);
        rmdir(a->dir);
        return rc;
    }
    pthread_create(&a->thread, NULL, private_air_serve, a->server);
    return 0;
}

static inline void private_air_stop(struct private_air *a)
{
    air_server_stop(a->server);
    pthread_join(a->thread, NULL);
    air_server_close(a->server);
    rmdir(a->dir);
}

#endif
