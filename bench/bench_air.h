/* bench_air.h - the clocks benchmarks read, and a private mpble-air for a benchmark:
 * started on a socket in a fresh directory, and stopped, with the processes the
 * benchmark registered beside it, when the benchmark ends, on success and on every
 * failure (bench_fail). */
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mpble/mpble.h"

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

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* This process's CPU time (user and system), in seconds. */
static inline double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* qsort's comparison of uint64_t (latencies, for their percentiles). */
static inline int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
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

/* Runs the parts the arguments name by letter (a: parts[0], b: parts[1], ...), or
 * without arguments all of them, each with the air's binary. */
static inline void bench_parts(int argc, char **argv, const char *air,
                               void (*const *parts)(const char *air), int n)
{
    for (int i = 1; i < argc || i == 1; i++) {
        for (int k = 0; k < n; k++) {
            if (argc < 2 || strchr(argv[i], 'a' + k)) {
                parts[k](air);
                fflush(stdout);
            }
        }
    }
}

/* An active device on uri with the callback fn, or the benchmark fails. */
static inline mpble_t *bench_device(const char *prog, const char *uri, mpble_event_fn fn)
{
    mpble_t *h = mpble_new(fn, NULL);
    mpble_set_transport(h, uri);
    int rc = mpble_active(h, true);
    if (rc < 0)
        bench_fail(prog, mpble_last_error(h), rc);
    return h;
}

/* The child's side of bench_run_start: h advertises, connectable, and its address
 * goes to the parent. */
static inline void bench_advertise_to(const char *prog, mpble_t *h, int out_fd)
{
    int rc = mpble_gap_advertise(h, 20000, (const uint8_t *)"\x02\x01\x06", 3, NULL, 0, true);
    if (rc < 0)
        bench_fail(prog, "advertise", rc);
    mpble_addr_t addr;
    mpble_get_mac(h, &addr);
    if (write(out_fd, &addr, sizeof addr) != sizeof addr)
        exit(1);
}

/* A benchmark's two devices: a child process on a private air (its peer), which
 * writes its address to this one first, then whatever results it has. */
struct bench_run {
    struct bench_air air;
    pid_t child;
    int from_child;
    mpble_addr_t peer;
};

/* Starts the air in timing and forks child(the air's URI, the pipe to write to, arg);
 * returns once the child's address came. */
static inline void bench_run_start(struct bench_run *r, const char *prog, const char *air_bin,
                                   const char *timing,
                                   void (*child)(const char *uri, int out_fd, const void *arg),
                                   const void *arg)
{
    const char *opts[] = {"--timing", timing, "--seed", "1", "--log-level", "error", NULL};
    bench_air_start(&r->air, prog, air_bin, opts);
    fflush(stdout); /* or the children print it again */
    int p[2];
    if (pipe(p) < 0)
        bench_fail(prog, "pipe", errno);
    r->child = fork();
    if (r->child == 0) {
        close(p[0]);
        child(r->air.uri, p[1], arg);
        exit(0);
    }
    bench_air_adopt(&r->air, r->child);
    close(p[1]);
    r->from_child = p[0];
    if (read(r->from_child, &r->peer, sizeof r->peer) != sizeof r->peer)
        bench_fail(prog, "the peer did not start", EIO);
}

/* Once the link is down: this device off and freed, the child reaped, the air stopped. */
static inline void bench_run_end(struct bench_run *r, mpble_t *h)
{
    mpble_active(h, false);
    mpble_free(h);
    int st;
    waitpid(r->child, &st, 0);
    r->air.children[0] = 0;
    close(r->from_child);
    bench_air_stop();
}

#endif
