/* adv_ramp.c - what one mpble-air costs as its advertisers grow in number: starts a
 * private air in real timing, then adds advertisers (raw HCI over H4 on the air's
 * socket: Reset, LE Set Advertising Parameters / Data / Enable; ADV_NONCONN_IND
 * every 100 ms) in steps, with a few observers scanning passively throughout; per
 * step it prints the air's CPU use over the measuring window (utime + stime of
 * /proc/PID/stat) and each observer's report rate against the model.
 *
 * The model: an advertising event every advInterval + advDelay, advDelay 0..10 ms
 * (Core v5.4 Vol 6 Part B 4.4.2.2.1), 105 ms on average; the observer hears one of
 * the event's three channels while its scan window is open (4.4.3), so of each
 * event it reports window / interval on average.
 *
 * usage: adv_ramp [--air PATH] [--seconds S] [--observers K] [N ...]
 *        (default: the mpble-air beside this build, 5 s, 2 observers, 100 500 1000) */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_air.h"

#define ADV_INTERVAL 0x00a0  /* 100 ms in 0.625 ms units */
#define SCAN_INTERVAL 0x0060 /* 60 ms */
#define SCAN_WINDOW 0x0030   /* 30 ms: half of it */
#define ADV_DELAY_MEAN_US 5000
#define MAX_OBSERVERS 16
#define WARMUP_US 1000000

struct conn {
    int fd;
    size_t have;
    uint8_t buf[8192];
};

static struct bench_air air_run;

static void on_signal(int sig)
{
    bench_air_stop(); /* kill, waitpid, unlink, rmdir: async-signal-safe */
    _exit(128 + sig);
}

static void fail(const char *what)
{
    fprintf(stderr, "adv_ramp: %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
    bench_air_stop();
    exit(1);
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* utime + stime of pid, in clock ticks. */
static unsigned long long cpu_ticks(pid_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(line, sizeof(line), f))
        fail("cannot read the air's /proc stat");
    fclose(f);
    const char *p = strrchr(line, ')');
    unsigned long long utime = 0, stime = 0;
    /* After the command: state, then fields 4..13, utime is 14, stime 15. */
    if (!p ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        fail("cannot parse the air's /proc stat");
    return utime + stime;
}

static void dial(struct conn *c, const char *sock)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    c->have = 0;
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        fail("connect to the air");
}

/* Whole H4 events at the front of c->buf: calls fn on each, drops them. */
static void take_events(struct conn *c, void (*fn)(const uint8_t *ev, void *ctx), void *ctx)
{
    size_t off = 0;
    while (c->have - off >= 3 && c->buf[off] == 0x04 && c->have - off >= 3u + c->buf[off + 2]) {
        fn(c->buf + off + 1, ctx);
        off += 3u + c->buf[off + 2];
    }
    if (c->have - off >= 1 && c->buf[off] != 0x04) {
        errno = 0;
        fail("unexpected packet from the air");
    }
    memmove(c->buf, c->buf + off, c->have - off);
    c->have -= off;
}

static bool conn_read(struct conn *c, int flags)
{
    ssize_t n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - c->have, flags);
    if (n == 0) {
        errno = 0;
        fail("the air closed a connection");
    }
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return false;
        fail("read from the air");
    }
    c->have += (size_t)n;
    return true;
}

struct await {
    uint16_t opcode;
    bool done;
};

static void on_complete(const uint8_t *ev, void *ctx)
{
    struct await *w = ctx;
    /* Command Complete (Vol 4 Part E 7.7.14): code, len, ncmd, opcode, status. */
    if (ev[0] == 0x0e && ev[1] >= 4 && (ev[3] | ev[4] << 8) == w->opcode) {
        if (ev[5] != 0) {
            errno = 0;
            fail("a command failed");
        }
        w->done = true;
    }
}

/* Sends one HCI command and waits for its Command Complete. */
static void command(struct conn *c, uint16_t opcode, const uint8_t *p, uint8_t plen)
{
    uint8_t pkt[4 + 255] = {0x01, (uint8_t)opcode, (uint8_t)(opcode >> 8), plen};
    memcpy(pkt + 4, p, plen);
    if (send(c->fd, pkt, 4u + plen, MSG_NOSIGNAL) != 4 + plen)
        fail("write to the air");
    struct await w = {opcode, false};
    while (!w.done) {
        conn_read(c, 0);
        take_events(c, on_complete, &w);
    }
}

static void advertiser(struct conn *c, const char *sock)
{
    dial(c, sock);
    command(c, 0x0c03, NULL, 0); /* Reset */
    uint8_t params[15] = {ADV_INTERVAL & 0xff, ADV_INTERVAL >> 8, ADV_INTERVAL & 0xff,
                          ADV_INTERVAL >> 8, 0x03 /* ADV_NONCONN_IND */};
    params[13] = 0x07; /* all three channels */
    command(c, 0x2006, params, sizeof(params));
    uint8_t data[32] = {10, 2, 0x01, 0x06, 6, 0x09, 'r', 'a', 'm', 'p', '!'};
    command(c, 0x2008, data, sizeof(data));
    command(c, 0x200a, (const uint8_t[]){1}, 1);
}

static void observer(struct conn *c, const char *sock)
{
    dial(c, sock);
    command(c, 0x0c03, NULL, 0);
    /* Set Event Mask (7.3.1): the default leaves LE Meta events (bit 61) out. */
    command(c, 0x0c01, (const uint8_t[]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f}, 8);
    uint8_t params[7] = {0x00 /* passive */,
                         SCAN_INTERVAL & 0xff,
                         SCAN_INTERVAL >> 8,
                         SCAN_WINDOW & 0xff,
                         SCAN_WINDOW >> 8,
                         0,
                         0};
    command(c, 0x200b, params, sizeof(params));
    command(c, 0x200c, (const uint8_t[]){1, 0}, 2); /* no duplicate filter */
}

static void count_report(const uint8_t *ev, void *ctx)
{
    /* LE Advertising Report (7.7.65.2): 0x3e, len, subevent 0x02, Num_Reports. */
    if (ev[0] == 0x3e && ev[1] >= 2 && ev[2] == 0x02)
        *(unsigned long *)ctx += ev[3];
}

/* Empties the observers' sockets, counting nothing: the air drops a client that
 * reads nothing for long while its output is full. */
static void drain(struct conn *obs, int nobs)
{
    unsigned long ignored;
    for (int i = 0; i < nobs; i++)
        while (conn_read(&obs[i], MSG_DONTWAIT))
            take_events(&obs[i], count_report, &ignored);
}

/* Reads the observers for us microseconds (reports counted into counts) while
 * keeping the advertisers' sockets drained. */
static void listen_for(struct conn *obs, int nobs, unsigned long *counts, uint64_t us)
{
    struct pollfd pfd[MAX_OBSERVERS];
    for (int i = 0; i < nobs; i++)
        pfd[i] = (struct pollfd){.fd = obs[i].fd, .events = POLLIN};
    uint64_t end = now_us() + us;
    for (uint64_t t; (t = now_us()) < end;) {
        int rc = poll(pfd, (nfds_t)nobs, (int)((end - t) / 1000) + 1);
        if (rc < 0 && errno != EINTR)
            fail("poll");
        for (int i = 0; rc > 0 && i < nobs; i++) {
            if (!pfd[i].revents)
                continue;
            while (conn_read(&obs[i], MSG_DONTWAIT))
                take_events(&obs[i], count_report, &counts[i]);
        }
    }
}

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    char airbuf[600];
    const char *air = bench_air_bin(airbuf, sizeof(airbuf), "adv_ramp", argv[0]);
    double seconds = 5;
    int nobs = 2, nsteps = 0;
    long steps[32];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--air") == 0 && i + 1 < argc)
            air = argv[++i];
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--observers") == 0 && i + 1 < argc)
            nobs = atoi(argv[++i]);
        else if (argv[i][0] != '-' && nsteps < 32 && atol(argv[i]) > 0)
            steps[nsteps++] = atol(argv[i]);
        else {
            fprintf(stderr, "usage: adv_ramp [--air PATH] [--seconds S] [--observers K] "
                            "[N ...]\n");
            return 2;
        }
    }
    if (nsteps == 0) {
        steps[0] = 100, steps[1] = 500, steps[2] = 1000;
        nsteps = 3;
    }
    if (nobs < 1 || nobs > MAX_OBSERVERS || seconds <= 0) {
        fprintf(stderr, "adv_ramp: 1..%d observers, seconds above 0\n", MAX_OBSERVERS);
        return 2;
    }
    raise_fd_limit();
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    const char *opts[] = {"--timing", "real", "--seed", "1", "--log-level", "warn", NULL};
    bench_air_start(&air_run, "adv_ramp", air, opts);
    const char *sock = air_run.sock;
    struct conn *obs = calloc((size_t)nobs, sizeof(*obs));
    struct conn *adv = calloc((size_t)steps[nsteps - 1], sizeof(*adv));
    if (!obs || !adv)
        fail("out of memory");
    for (int i = 0; i < nobs; i++)
        observer(&obs[i], sock);
    long have = 0;
    long tick = sysconf(_SC_CLK_TCK);
    double fraction = (double)SCAN_WINDOW / SCAN_INTERVAL;
    printf("air %s, real timing; advertisers ADV_NONCONN_IND every 100 ms; %d passive "
           "observer(s), scan window %.0f%% of the interval; %.1f s per step\n",
           air, nobs, fraction * 100, seconds);
    printf("%8s %10s %14s %14s %8s\n", "devices", "air CPU %", "reports/s", "model /s", "ratio");
    for (int s = 0; s < nsteps; s++) {
        for (; have < steps[s]; have++) {
            advertiser(&adv[have], sock);
            drain(obs, nobs);
        }
        unsigned long counts[MAX_OBSERVERS] = {0};
        listen_for(obs, nobs, counts, WARMUP_US); /* every new advertiser's first events */
        memset(counts, 0, sizeof(counts));
        unsigned long long t0 = cpu_ticks(air_run.pid);
        uint64_t w0 = now_us();
        listen_for(obs, nobs, counts, (uint64_t)(seconds * 1e6));
        double wall = (now_us() - w0) / 1e6;
        double cpu = (double)(cpu_ticks(air_run.pid) - t0) / (double)tick / wall * 100;
        double model = have * 1e6 / (ADV_INTERVAL * 625.0 + ADV_DELAY_MEAN_US) * fraction;
        double sum = 0;
        for (int i = 0; i < nobs; i++)
            sum += counts[i] / wall;
        printf("%8ld %10.1f %14.1f %14.1f %8.3f\n", have, cpu, sum / nobs, model,
               sum / nobs / model);
        fflush(stdout);
    }
    for (long i = 0; i < have; i++)
        close(adv[i].fd);
    for (int i = 0; i < nobs; i++)
        close(obs[i].fd);
    bench_air_stop();
    free(adv);
    free(obs);
    return 0;
}
