/* soak.c - fault figures: notification streams between a peripheral (a process of
 * its own) and centrals (devices of this process) on a private air in real timing,
 * every byte checked, under faults. Each scenario prints what was sent, what arrived
 * and what was lost (sent - arrived on links that survived):
 *   stream N       full speed on N links (1, 8, 32) for the scenario's time;
 *   stall          the receiver's handler stops for 5 s once, then goes on;
 *   loss 30%       the air loses 30% of transmissions;
 *   air killed     the air is killed mid-stream: both sides must see the links end;
 *   peer killed    the peripheral is killed mid-stream: the centrals see the links
 *                  end by supervision timeout.
 * The advertiser ramp is bench/adv_ramp's.
 *
 * usage: soak [SECONDS]   (each stream's time, default 60; MPBLE_AIR_BIN names
 *                          mpble-air). Bounded: about 5 x SECONDS + 40 s in all. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_air.h"
#include "mpble/mpble.h"

#define MAX_LINKS 32
#define VALUE_LEN 200 /* sequence number (4) + checked bytes */
#define FLAG_READ 0x0002
#define FLAG_NOTIFY 0x0010
#define WAIT_MS 15000

static void die(const char *what, int rc)
{
    bench_fail("soak", what, rc);
}

/* The bytes of notification seq on link k: every one derives from both. */
static void fill(uint8_t *v, uint32_t seq, unsigned k)
{
    memcpy(v, &seq, 4);
    for (unsigned i = 4; i < VALUE_LEN; i++)
        v[i] = (uint8_t)(seq * 31u + i * 7u + k);
}

/* ---- the peripheral (a child process) ---- */

struct peripheral {
    mpble_t *h;
    uint16_t value;
    atomic_int nlinks, want;
    int conns[MAX_LINKS];
};

static struct peripheral per;

static int advertise(void)
{
    return mpble_gap_advertise(per.h, 20000, NULL, 0, NULL, 0, true);
}

static int on_peripheral(void *ctx, const struct mpble_event *ev, struct mpble_reply *reply)
{
    if (ev->code == MPBLE_IRQ_CENTRAL_CONNECT) {
        int n = atomic_load(&per.nlinks);
        if (n < MAX_LINKS)
            per.conns[n] = ev->u.conn.conn_handle;
        atomic_store(&per.nlinks, n + 1);
        if (n + 1 < atomic_load(&per.want))
            advertise(); /* for the next central */
    }
    return 0;
}

/* Streams round robin over the links until a byte arrives on cmd; then writes the
 * counts sent per link to out. */
static void peripheral_stream(int cmd, int out, unsigned links)
{
    uint32_t sent[MAX_LINKS] = {0};
    uint8_t v[VALUE_LEN];
    struct pollfd p = {.fd = cmd, .events = POLLIN};
    for (uint64_t turn = 0;; turn++) {
        unsigned k = (unsigned)(turn % links);
        fill(v, sent[k], k);
        int rc = mpble_gatts_notify(per.h, (uint16_t)per.conns[k], per.value, v, sizeof v);
        if (rc == 0)
            sent[k]++;
        else
            usleep(200); /* back-pressure (the link's queue is full), or the link is gone */
        char stop;
        if ((turn & 63) == 0 && poll(&p, 1, 0) > 0 && read(cmd, &stop, 1) == 1)
            break;
    }
    if (write(out, sent, sizeof sent) != sizeof sent)
        _exit(1);
}

static void peripheral_main(const char *uri, unsigned links, int cmd, int out)
{
    per.h = mpble_new(on_peripheral, NULL);
    atomic_store(&per.want, (int)links);
    static const struct mpble_gatts_characteristic chr = {
        {2, {0x01, 0xbb}}, FLAG_READ | FLAG_NOTIFY, NULL, 0};
    static const struct mpble_gatts_service svc = {{2, {0x00, 0xbb}}, &chr, 1};
    mpble_addr_t me;
    if (mpble_set_transport(per.h, uri) < 0 || mpble_active(per.h, true) < 0 ||
        mpble_gatts_register_services(per.h, &svc, 1, &per.value, 1) != 1 ||
        mpble_get_mac(per.h, &me) < 0 || advertise() < 0)
        _exit(1);
    if (write(out, &me, sizeof me) != sizeof me)
        _exit(1);
    char go;
    if (read(cmd, &go, 1) != 1) /* all links up */
        _exit(1);
    peripheral_stream(cmd, out, links);
    if (read(cmd, &go, 1) < 0) /* until told to go */
        _exit(1);
    _exit(0);
}

/* ---- the centrals ---- */

struct central {
    mpble_t *h;
    atomic_int conn; /* -1 connecting, -2 gone */
    atomic_bool mtu;
    atomic_uint arrived, corrupt;
    uint64_t gone_ms;    /* when the link ended */
    unsigned k;          /* the link's number at the peripheral */
    atomic_int stall_ms; /* the handler stops this long once */
};

static struct central cen[MAX_LINKS];

static int on_central(void *ctx, const struct mpble_event *ev, struct mpble_reply *reply)
{
    struct central *c = ctx;
    switch (ev->code) {
    case MPBLE_IRQ_PERIPHERAL_CONNECT:
        atomic_store(&c->conn, ev->u.conn.conn_handle);
        break;
    case MPBLE_IRQ_PERIPHERAL_DISCONNECT:
        c->gone_ms = now_ms();
        atomic_store(&c->conn, -2);
        break;
    case MPBLE_IRQ_MTU_EXCHANGED:
        atomic_store(&c->mtu, true);
        break;
    case MPBLE_IRQ_GATTC_NOTIFY: {
        uint8_t want[VALUE_LEN];
        fill(want, atomic_load(&c->arrived), c->k);
        if (ev->u.data.len != VALUE_LEN || memcmp(ev->u.data.data, want, VALUE_LEN) != 0)
            atomic_fetch_add(&c->corrupt, 1);
        atomic_fetch_add(&c->arrived, 1);
        int stall = atomic_exchange(&c->stall_ms, 0);
        if (stall)
            usleep((useconds_t)stall * 1000);
        break;
    }
    default:
        break;
    }
    return 0;
}

#define WAIT_UNTIL(cond, what)                                 \
    do {                                                       \
        uint64_t until_ = now_ms() + WAIT_MS;                  \
        while (!(cond)) {                                      \
            if (now_ms() > until_)                             \
                die("timed out waiting for " what, ETIMEDOUT); \
            usleep(2000);                                      \
        }                                                      \
    } while (0)

static void connect_central(struct central *c, unsigned k, const char *uri,
                            const mpble_addr_t *peer, uint32_t interval_us)
{
    memset(c, 0, sizeof *c);
    c->k = k;
    atomic_store(&c->conn, -1);
    c->h = mpble_new(on_central, c);
    int rc;
    if ((rc = mpble_set_transport(c->h, uri)) < 0 || (rc = mpble_active(c->h, true)) < 0 ||
        (rc = mpble_gap_connect(c->h, peer, 10000, interval_us, interval_us)) < 0)
        die("central", rc);
    WAIT_UNTIL(atomic_load(&c->conn) != -1, "a connection");
    if (atomic_load(&c->conn) < 0)
        die("connect", ETIMEDOUT);
    if ((rc = mpble_gattc_exchange_mtu(c->h, (uint16_t)atomic_load(&c->conn))) < 0)
        die("exchange mtu", rc);
    WAIT_UNTIL(atomic_load(&c->mtu), "the MTU exchange");
}

/* ---- a scenario ---- */

enum fault { NONE, STALL, KILL_AIR, KILL_PEER };

struct scenario {
    const char *name;
    unsigned links;
    const char *loss; /* --loss value, or NULL */
    enum fault fault;
};

static void report(const struct scenario *s, unsigned seconds, const uint32_t *sent,
                   uint64_t fault_ms, bool got_sent)
{
    uint64_t tx = 0, rx = 0, lost = 0, bad = 0;
    unsigned alive = 0;
    uint64_t last_gone = 0;
    for (unsigned k = 0; k < s->links; k++) {
        tx += sent[k];
        rx += atomic_load(&cen[k].arrived);
        bad += atomic_load(&cen[k].corrupt);
        if (atomic_load(&cen[k].conn) >= 0) {
            alive++;
            if (got_sent)
                lost += sent[k] - atomic_load(&cen[k].arrived);
        } else if (cen[k].gone_ms > last_gone) {
            last_gone = cen[k].gone_ms;
        }
    }
    printf("%-12s links %2u  %3u s  sent %9llu  arrived %9llu  lost %llu  corrupt %llu  "
           "links up %u/%u",
           s->name, s->links, seconds, got_sent ? (unsigned long long)tx : 0ull,
           (unsigned long long)rx, (unsigned long long)lost, (unsigned long long)bad, alive,
           s->links);
    if (!got_sent)
        printf("  (the peripheral's counts died with it)");
    if (s->fault == KILL_AIR || s->fault == KILL_PEER)
        printf("  every link ended %.1f s after the kill",
               last_gone >= fault_ms ? (double)(last_gone - fault_ms) / 1000.0 : 0.0);
    printf("\n");
    fflush(stdout);
}

/* Reads exactly n bytes from fd within WAIT_MS; false if they did not come. */
static bool read_within(int fd, void *buf, size_t n)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, WAIT_MS) == 1 && read(fd, buf, n) == (ssize_t)n;
}

/* Streams for seconds, with the scenario's fault half-way; returns when it struck. */
static uint64_t stream_with_fault(const struct scenario *s, unsigned seconds, struct bench_air *air)
{
    uint64_t t0 = now_ms(), fault_ms = 0;
    while (now_ms() - t0 < seconds * 1000ull) {
        usleep(20000);
        if (fault_ms == 0 && now_ms() - t0 >= seconds * 500ull) {
            fault_ms = now_ms();
            if (s->fault == STALL)
                atomic_store(&cen[0].stall_ms, 5000);
            else if (s->fault == KILL_AIR)
                bench_stop_process(&air->pid);
            else if (s->fault == KILL_PEER)
                bench_stop_process(&air->children[0]);
        }
    }
    return fault_ms;
}

/* Stops the peripheral's stream and takes its counts, then lets what is still on
 * its way arrive (a few intervals). False when the counts did not come. */
static bool collect_sent(const struct scenario *s, int cmd, int out, uint32_t *sent)
{
    if (write(cmd, "s", 1) != 1 || !read_within(out, sent, MAX_LINKS * sizeof *sent))
        return false;
    uint64_t until = now_ms() + 3000;
    while (now_ms() < until) {
        uint64_t rx = 0, tx = 0;
        for (unsigned k = 0; k < s->links; k++) {
            rx += atomic_load(&cen[k].arrived);
            tx += atomic_load(&cen[k].conn) >= 0 ? sent[k] : atomic_load(&cen[k].arrived);
        }
        if (rx == tx)
            break;
        usleep(20000);
    }
    return true;
}

static void run(const struct scenario *s, unsigned seconds, const char *air_bin)
{
    struct bench_air air;
    const char *opts[] = {
        "--timing", "real", "--seed", "3", "--log-level", "error", s->loss ? "--loss" : NULL,
        s->loss,    NULL};
    bench_air_start(&air, "soak", air_bin, opts);
    int cmd[2], out[2];
    if (pipe(cmd) < 0 || pipe(out) < 0)
        die("pipe", errno);
    pid_t child = fork();
    if (child == 0) {
        close(cmd[1]);
        close(out[0]);
        peripheral_main(air.uri, s->links, cmd[0], out[1]);
    }
    bench_air_adopt(&air, child);
    close(cmd[0]);
    close(out[1]);
    mpble_addr_t peer;
    if (!read_within(out[0], &peer, sizeof peer))
        die("the peripheral did not start", EIO);
    uint32_t interval = s->links > 8 ? 30000 : 7500;
    for (unsigned k = 0; k < s->links; k++)
        connect_central(&cen[k], k, air.uri, &peer, interval);
    if (write(cmd[1], "g", 1) != 1)
        die("start", EIO);
    uint64_t fault_ms = stream_with_fault(s, seconds, &air);
    uint32_t sent[MAX_LINKS] = {0};
    bool got_sent = s->fault != KILL_PEER && collect_sent(s, cmd[1], out[0], sent);
    if (s->fault == KILL_AIR || s->fault == KILL_PEER)
        for (unsigned k = 0; k < s->links; k++)
            WAIT_UNTIL(atomic_load(&cen[k].conn) == -2, "the links to end");
    report(s, seconds, sent, fault_ms, got_sent);
    for (unsigned k = 0; k < s->links; k++)
        mpble_free(cen[k].h);
    close(cmd[1]);
    close(out[0]);
    bench_air_stop();
}

int main(int argc, char **argv)
{
    unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 60;
    if (seconds < 2)
        seconds = 2;
    setenv("MPBLE_LOG", "0", 1);
    signal(SIGPIPE, SIG_IGN); /* a peripheral that died is an error, not our end */
    char buf[4096];
    const char *air = bench_air_bin(buf, sizeof buf, "soak", argv[0]);
    static const struct scenario scenarios[] = {
        {"stream", 1, NULL, NONE},           {"stream", 8, NULL, NONE},
        {"stream", 32, NULL, NONE},          {"stall 5 s", 1, NULL, STALL},
        {"loss 30%", 1, "0.3", NONE},        {"air killed", 8, NULL, KILL_AIR},
        {"peer killed", 8, NULL, KILL_PEER},
    };
    printf("real timing, %u-byte notifications, every byte checked\n", VALUE_LEN);
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        unsigned t = scenarios[i].links == 32 || scenarios[i].fault == NONE ? seconds
                                                                            : seconds / 4 + 10;
        run(&scenarios[i], t, air);
    }
    return 0;
}
