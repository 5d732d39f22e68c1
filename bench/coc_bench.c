/* coc_bench.c - L2CAP credit-based channel throughput and latency between two
 * processes on the virtual air, through the whole stack (C API, host, HCI over a
 * socket, the air's controllers and link layer). A child process listens; this one
 * connects the channels and sends. Prints:
 *  (a) the stream in fast timing with 4 KiB SDUs (our MPS 247), MB/s, and CPU time
 *      per SDU on each side;
 *  (b) SDU ping-pong (the child echoes each 64-byte SDU), median and p99;
 *  (c) the stream in real timing at 1M and 2M, 27- and 251-octet data length, 7.5
 *      and 30 ms, beside the air's limit with the K-frame overheads (the SDU length,
 *      each K-frame's basic header, each K-frame's last LL PDU partly filled);
 *  (d) eight channels on one link at once: aggregate, and each channel's rate
 *      against half its share.
 *
 * usage: coc_bench [a|b|c|d ...]   (default: all; MPBLE_AIR_BIN names mpble-air)
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_air.h"
#include "mpble/mpble.h"
#include "radio/radio.h"

#define PSM 0x80
#define MTU 4096
#define MPS 247 /* the host's (l2cap_coc.h) */
#define MAX_CHANS 8
#define WAIT_S 30

/* ---- one side: its device and what its callback saw ---- */

struct side {
    mpble_t *h;
    bool echo; /* the child: answer each SDU with itself */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int conn; /* -1 until connected, -2 once disconnected */
    unsigned nchan;
    uint16_t cid[MAX_CHANS];
    uint64_t ready[MAX_CHANS];   /* SEND_READY events per channel */
    uint64_t rx[MAX_CHANS];      /* bytes received per channel */
    uint64_t want;               /* per channel: the time it arrived goes in done_ns */
    uint64_t done_ns[MAX_CHANS]; /* when rx reached want */
};

static struct side me;

static int chan_index(uint16_t cid)
{
    for (unsigned i = 0; i < me.nchan; i++)
        if (me.cid[i] == cid)
            return (int)i;
    return -1;
}

/* An SDU arrived: taken at once; echoed, or counted. */
static void on_recv(uint16_t conn, uint16_t cid)
{
    static uint8_t buf[2 * MTU];
    int n, i = chan_index(cid);
    while ((n = mpble_l2cap_recvinto(me.h, conn, cid, buf, sizeof buf)) > 0) {
        if (me.echo)
            mpble_l2cap_send(me.h, conn, cid, buf, (size_t)n);
        else if (i >= 0 && (me.rx[i] += (uint64_t)n) >= me.want && me.done_ns[i] == 0)
            me.done_ns[i] = now_ns();
    }
}

static int on_event(void *ctx, const struct mpble_event *ev, struct mpble_reply *reply)
{
    pthread_mutex_lock(&me.mu);
    switch (ev->code) {
    case MPBLE_IRQ_CENTRAL_CONNECT:
    case MPBLE_IRQ_PERIPHERAL_CONNECT:
        me.conn = ev->u.conn.conn_handle;
        break;
    case MPBLE_IRQ_CENTRAL_DISCONNECT:
    case MPBLE_IRQ_PERIPHERAL_DISCONNECT:
        me.conn = -2;
        break;
    case MPBLE_IRQ_L2CAP_CONNECT:
        if (me.nchan < MAX_CHANS)
            me.cid[me.nchan++] = ev->u.l2cap.cid;
        break;
    case MPBLE_IRQ_L2CAP_SEND_READY:
        if (chan_index(ev->u.l2cap.cid) >= 0)
            me.ready[chan_index(ev->u.l2cap.cid)]++;
        break;
    case MPBLE_IRQ_L2CAP_RECV:
        on_recv(ev->u.l2cap.conn_handle, ev->u.l2cap.cid);
        break;
    default:
        break;
    }
    pthread_cond_broadcast(&me.cv);
    pthread_mutex_unlock(&me.mu);
    return 0;
}

static void die(const char *what, int rc)
{
    bench_fail("coc_bench", what, rc);
}

/* Waits (bounded) until done(arg) holds, under me.mu. */
static void wait_for(bool (*done)(unsigned), unsigned arg, const char *what)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += WAIT_S;
    pthread_mutex_lock(&me.mu);
    while (!done(arg))
        if (pthread_cond_timedwait(&me.cv, &me.mu, &deadline) == ETIMEDOUT) {
            pthread_mutex_unlock(&me.mu);
            die(what, ETIMEDOUT);
        }
    pthread_mutex_unlock(&me.mu);
}

static bool connected(unsigned unused)
{
    return me.conn >= 0;
}

static bool disconnected(unsigned unused)
{
    return me.conn == -2;
}

static bool channels_open(unsigned n)
{
    return me.nchan >= n;
}

static bool all_arrived(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (me.done_ns[i] == 0)
            return false;
    return true;
}

/* The channel and the SEND_READY count it waits to pass (wait_for takes one word). */
static unsigned ready_chan;

static bool ready_after(unsigned count)
{
    return me.ready[ready_chan] > count;
}

static void side_start(const char *uri, bool echo, uint64_t want)
{
    memset(&me, 0, sizeof me);
    me.conn = -1;
    me.echo = echo;
    me.want = want;
    pthread_mutex_init(&me.mu, NULL);
    pthread_cond_init(&me.cv, NULL);
    me.h = bench_device("coc_bench", uri, on_event);
}

/* ---- the listener (child process): reports each channel's arrival time ---- */

struct listener_args {
    bool echo;
    uint64_t want; /* bytes per channel */
    unsigned nchan;
};

static void listener(const char *uri, int out_fd, const void *arg)
{
    const struct listener_args *a = arg;
    bool echo = a->echo;
    side_start(uri, echo, a->want);
    int rc = mpble_l2cap_listen(me.h, PSM, MTU);
    if (rc < 0)
        die("listen", rc);
    bench_advertise_to("coc_bench", me.h, out_fd);
    wait_for(connected, 0, "a connection");
    if (!echo) {
        wait_for(all_arrived, a->nchan, "the data");
        double cpu = cpu_s();
        if (write(out_fd, me.done_ns, sizeof me.done_ns) != sizeof me.done_ns ||
            write(out_fd, &cpu, sizeof cpu) != sizeof cpu)
            exit(1);
    }
    wait_for(disconnected, 0, "the disconnection");
    mpble_active(me.h, false);
    exit(0);
}

/* ---- a run: an air, the listener, this process connected with nchan channels ---- */

static void run_start(struct bench_run *r, const char *air_bin, const char *timing, bool echo,
                      uint64_t want, unsigned nchan, uint32_t interval_us)
{
    const struct listener_args args = {echo, want, nchan};
    bench_run_start(r, "coc_bench", air_bin, timing, listener, &args);
    side_start(r->air.uri, false, 0);
    int rc = mpble_gap_connect(me.h, &r->peer, 5000, interval_us, interval_us);
    if (rc < 0)
        die("connect", rc);
    wait_for(connected, 0, "a connection");
    for (unsigned i = 0; i < nchan; i++)
        if ((rc = mpble_l2cap_connect(me.h, (uint16_t)me.conn, PSM, MTU)) < 0)
            die("l2cap connect", rc);
    wait_for(channels_open, nchan, "the channels");
}

static void run_finish(struct bench_run *r)
{
    mpble_gap_disconnect(me.h, (uint16_t)me.conn);
    wait_for(disconnected, 0, "the disconnection");
    bench_run_end(r, me.h);
}

/* Sends one SDU on channel i; when that stalls the channel, waits for its
 * SEND_READY. The callback takes me.mu under the host's lock: it is not held here
 * across the call, and the count taken before it tells a SEND_READY that came
 * meanwhile. */
static void send_sdu(unsigned i, const uint8_t *sdu, size_t len)
{
    pthread_mutex_lock(&me.mu);
    unsigned before = (unsigned)me.ready[i];
    pthread_mutex_unlock(&me.mu);
    int rc = mpble_l2cap_send(me.h, (uint16_t)me.conn, me.cid[i], sdu, len);
    if (rc < 0)
        die("send", rc);
    ready_chan = i;
    if (rc == 0)
        wait_for(ready_after, before, "SEND_READY");
}

/* Streams count SDUs of len on each of nchan channels, round robin; the listener's
 * arrival times (ns) and CPU seconds come back. Returns the start time. */
static uint64_t stream(struct bench_run *r, unsigned nchan, uint32_t count, uint32_t len,
                       uint64_t *done_ns, double *cpu_listener)
{
    static uint8_t sdu[MTU];
    uint64_t t0 = now_ns();
    for (uint32_t k = 0; k < count; k++)
        for (unsigned i = 0; i < nchan; i++)
            send_sdu(i, sdu, len);
    if (read(r->from_child, done_ns, sizeof me.done_ns) != sizeof me.done_ns ||
        read(r->from_child, cpu_listener, sizeof *cpu_listener) != sizeof *cpu_listener)
        die("the listener's result", EIO);
    return t0;
}

static void bench_a(const char *air)
{
    const uint32_t n = 20000;
    struct bench_run r;
    run_start(&r, air, "fast", false, (uint64_t)n * MTU, 1, 7500);
    uint64_t done[MAX_CHANS];
    double cpu_listener, c0 = cpu_s();
    uint64_t t0 = stream(&r, 1, n, MTU, done, &cpu_listener);
    double cpu_sender = cpu_s() - c0, s = (double)(done[0] - t0) / 1e9;
    run_finish(&r);
    printf("(a) fast timing, one channel, %d-byte SDUs, MPS %d\n", MTU, MPS);
    printf("    %u SDUs in %.3f s: %.1f MB/s (target >= 60)\n", n, s, n * (double)MTU / s / 1e6);
    printf("    CPU per SDU: sender %.2f us, receiver %.2f us (its whole run)\n",
           cpu_sender / n * 1e6, cpu_listener / n * 1e6);
}

static bool got_bytes(unsigned n)
{
    return me.rx[0] >= n;
}

static void bench_b(const char *air)
{
    enum { ROUNDS = 5000, LEN = 64 };
    static uint64_t rtt[ROUNDS];
    struct bench_run r;
    run_start(&r, air, "fast", true, 0, 1, 7500);
    static const uint8_t ping[LEN];
    for (int i = -500; i < ROUNDS; i++) { /* the first 500: warm-up */
        uint64_t t0 = now_ns();
        send_sdu(0, ping, LEN);
        wait_for(got_bytes, (unsigned)((i + 501) * LEN), "the echo");
        if (i >= 0)
            rtt[i] = now_ns() - t0;
    }
    run_finish(&r);
    qsort(rtt, ROUNDS, sizeof rtt[0], cmp_u64);
    printf("(b) fast timing, %d-byte SDU ping-pong, %d rounds\n", LEN, ROUNDS);
    printf("    round trip: median %.1f us, p99 %.1f us\n", rtt[ROUNDS / 2] / 1e3,
           rtt[ROUNDS * 99 / 100] / 1e3);
}

/* The air's limit for SDUs of len over octets-long LL PDUs: each K-frame (at most MPS
 * of payload, the first carrying the SDU length) with its 4-octet header fills
 * ceil(frame / octets) PDUs, each counted whole. */
static double coc_limit_kbps(int phy, uint32_t octets, uint32_t interval_us, uint32_t len)
{
    uint32_t left = len + 2, pdus = 0;
    while (left > 0) {
        uint32_t frame = left < MPS ? left : MPS;
        pdus += (frame + 4 + octets - 1) / octets;
        left -= frame;
    }
    double ll = air_link_limit_kbps(phy == MPBLE_PHY_2M ? AIR_PHY_2M : AIR_PHY_1M, octets,
                                    interval_us);
    return ll * len / ((double)pdus * octets);
}

static void bench_c_one(const char *air, int phy, int octets, uint32_t interval_us)
{
    double limit = coc_limit_kbps(phy, (uint32_t)octets, interval_us, MTU);
    uint32_t n = (uint32_t)(limit * 1000 / 8 / MTU * 3) + 1; /* about 3 s */
    struct bench_run r;
    run_start(&r, air, "real", false, (uint64_t)n * MTU, 1, interval_us);
    int rc = mpble_gap_set_phy(me.h, (uint16_t)me.conn, phy);
    usleep(300000); /* the LL procedures take a few connection events */
    if (rc == 0)
        rc = mpble_gap_set_data_length(me.h, (uint16_t)me.conn, (uint16_t)octets);
    if (rc < 0)
        die("PHY and data length", rc);
    usleep(300000);
    uint64_t done[MAX_CHANS];
    double cpu;
    uint64_t t0 = stream(&r, 1, n, MTU, done, &cpu);
    run_finish(&r);
    double kbps = n * (double)MTU * 8 / ((double)(done[0] - t0) / 1e9) / 1000;
    printf("    %s   %3d octets   %4.1f ms   %10.1f  %12.1f  %7.1f%%\n",
           phy == MPBLE_PHY_2M ? "2M" : "1M", octets, interval_us / 1000.0, kbps, limit,
           kbps / limit * 100);
    fflush(stdout);
}

static void bench_c(const char *air)
{
    printf("(c) real timing, one channel, %d-byte SDUs, vs the air's limit for them\n", MTU);
    printf("    PHY  data length  interval   SDU kbit/s  limit kbit/s  of limit\n");
    static const int phys[] = {MPBLE_PHY_1M, MPBLE_PHY_2M}, lens[] = {27, 251};
    static const uint32_t intervals[] = {7500, 30000};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 2; k++)
                bench_c_one(air, phys[i], lens[j], intervals[k]);
}

static void bench_d(const char *air)
{
    const uint32_t n = 2500;
    struct bench_run r;
    run_start(&r, air, "fast", false, (uint64_t)n * MTU, MAX_CHANS, 7500);
    uint64_t done[MAX_CHANS], last = 0;
    double cpu;
    uint64_t t0 = stream(&r, MAX_CHANS, n, MTU, done, &cpu);
    run_finish(&r);
    for (int i = 0; i < MAX_CHANS; i++)
        last = done[i] > last ? done[i] : last;
    double total = (double)MAX_CHANS * n * MTU / ((double)(last - t0) / 1e9) / 1e6;
    printf("(d) fast timing, %d channels on one link, %u SDUs of %d bytes each\n", MAX_CHANS, n,
           MTU);
    printf("    aggregate %.1f MB/s; per channel (MB/s over its own time, half a share %.1f):",
           total, total / MAX_CHANS / 2);
    for (int i = 0; i < MAX_CHANS; i++)
        printf(" %.1f", n * (double)MTU / ((double)(done[i] - t0) / 1e9) / 1e6);
    printf("\n");
}

int main(int argc, char **argv)
{
    char buf[PATH_MAX];
    const char *air = bench_air_bin(buf, sizeof buf, "coc_bench", argv[0]);
    setenv("MPBLE_LOG", "0", 0);
    static void (*const parts[])(const char *) = {bench_a, bench_b, bench_c, bench_d};
    bench_parts(argc, argv, air, parts, 4);
    return 0;
}
