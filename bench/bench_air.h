/* bench_air.h - a private mpble-air for a benchmark: started on a socket in a fresh
 * directory, and stopped, with the processes the benchmark registered beside it,
 * when the benchmark ends, on success and on every failure (bench_fail). */
#ifndef MPBLE_BENCH_AIR_H
#define MPBLE_BENCH_AIR_H

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_MAX_CHILDREN 4

struct bench_air {
    pid_t pid;
    pid_t children[BENCH_MAX_CHILDREN]; /* stopped with the air */
    char dir[64], sock[80], uri[96];
};

static inline uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The air in use, and the process that started it (children do not stop it). */
static struct bench_air *bench_air_current;
static pid_t bench_air_owner;

static inline void bench_stop_process(pid_t *pid)
{
    int st;
    if (*pid > 0) {
        kill(*pid, SIGTERM);
        waitpid(*pid, &st, 0);
    }
    *pid = 0;
}

/* Stops the air and the registered processes (in the process that started them). */
static inline void bench_air_stop(void)
{
    struct bench_air *a = bench_air_current;
    if (a == NULL || getpid() != bench_air_owner)
        return;
    for (int i = 0; i < BENCH_MAX_CHILDREN; i++)
        bench_stop_process(&a->children[i]);
    bench_stop_process(&a->pid);
    unlink(a->sock);
    rmdir(a->dir);
    bench_air_current = NULL;
}

/* Fails the benchmark: message, the air stopped, exit status 1. */
static inline void bench_fail(const char *prog, const char *what, int rc)
{
    fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(rc < 0 ? -rc : rc));
    bench_air_stop();
    exit(1);
}

/* Starts bin (mpble-air) with its socket in a new directory under $TMPDIR (else
 * /tmp) and the options opts (NULL-terminated, at most 8); waits until it accepts. */
static inline void bench_air_start(struct bench_air *a, const char *prog, const char *bin,
                                   const char *const *opts)
{
    memset(a, 0, sizeof *a);
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || *tmp == '\0' || strlen(tmp) > sizeof a->dir - 20)
        tmp = "/tmp";
    snprintf(a->dir, sizeof a->dir, "%s/mpble-bench-XXXXXX", tmp);
    if (mkdtemp(a->dir) == NULL)
        bench_fail(prog, "mkdtemp", errno);
    snprintf(a->sock, sizeof a->sock, "%s/air.sock", a->dir);
    snprintf(a->uri, sizeof a->uri, "unix:%s", a->sock);
    bench_air_current = a;
    bench_air_owner = getpid();
    const char *argv[16] = {"mpble-air", "--socket", a->sock};
    int n = 3;
    for (int i = 0; opts && opts[i] && n < 15; i++)
        argv[n++] = opts[i];
    fflush(stdout);
    a->pid = fork();
    if (a->pid == 0) {
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    struct stat st;
    for (int i = 0; i < 500 && stat(a->sock, &st) != 0; i++)
        usleep(10000);
    if (stat(a->sock, &st) != 0)
        bench_fail(prog, "mpble-air did not start", ETIMEDOUT);
}

/* Registers a child process to stop with the air. */
static inline void bench_air_adopt(struct bench_air *a, pid_t pid)
{
    for (int i = 0; i < BENCH_MAX_CHILDREN; i++) {
        if (a->children[i] <= 0) {
            a->children[i] = pid;
            return;
        }
    }
}

/* MPBLE_AIR_BIN, else mpble-air beside the benchmark's own folder (build/bin). */
static inline const char *bench_air_bin(char *buf, size_t cap, const char *prog, const char *argv0)
{
    const char *env = getenv("MPBLE_AIR_BIN");
    if (env && *env)
        return env;
    char self[PATH_MAX];
    if (realpath(argv0, self) == NULL)
        bench_fail(prog, "realpath", errno);
    snprintf(buf, cap, "%s/../bin/mpble-air", dirname(self));
    return buf;
}

#endif
