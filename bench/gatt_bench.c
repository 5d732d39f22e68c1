/* gatt_bench.c - GATT notification throughput and latency between two processes on
 * the virtual air, through the whole stack (C API, host, HCI over a socket, the air's
 * controllers and link layer). Prints:
 *  (a) notifications per second and MB/s at ATT MTU 247 with 244-byte values, fast
 *      timing, and CPU time per notification on each side;
 *  (b) notify ping-pong round trip (each side notifies the other), median and p99,
 *      fast timing;
 *  (c) the stream in real timing at 1M and 2M, 27- and 251-octet data length, 7.5 and
 *      30 ms intervals, beside the air's physical limit for those settings.
 *
 * usage: gatt_bench [a|b|c ...]   (default: all; MPBLE_AIR_BIN names mpble-air)
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_air.h"
#include "mpble/mpble.h"
#include "radio/radio.h"

#define FLAG_READ 0x0002
#define FLAG_WRITE_NO_RESPONSE 0x0004
#define FLAG_NOTIFY 0x0010
#define WAIT_S 30

static void die(const char *what, int rc)
{
    bench_fail("gatt_bench", what, rc);
}

/* ---- one device ---- */

struct dev {
    mpble_t *h;
    bool echo; /* answer every notification with the same notification */
    uint16_t value_handle;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int conn; /* -1 until connected, -2 once disconnected */
    bool mtu_done;
    bool go;
    uint32_t go_count, go_len;
    atomic_uint_fast64_t notes;
    uint64_t target, last_ns;
};

static struct dev dev;

static void signal_dev(void)
{
    pthread_mutex_lock(&dev.mu);
    pthread_cond_broadcast(&dev.cv);
    pthread_mutex_unlock(&dev.mu);
}

static int on_event(void *ctx, const struct mpble_event *ev, struct mpble_reply *reply)
{
    switch (ev->code) {
    case MPBLE_IRQ_CENTRAL_CONNECT:
    case MPBLE_IRQ_PERIPHERAL_CONNECT:
        dev.conn = ev->u.conn.conn_handle;
        signal_dev();
        break;
    case MPBLE_IRQ_CENTRAL_DISCONNECT:
    case MPBLE_IRQ_PERIPHERAL_DISCONNECT:
        dev.conn = -2;
        signal_dev();
        break;
    case MPBLE_IRQ_MTU_EXCHANGED:
        dev.mtu_done = true;
        signal_dev();
        break;
    case MPBLE_IRQ_GATTS_WRITE: {
        uint8_t *v;
        size_t n;
        if (mpble_gatts_read(dev.h, ev->u.gatts.attr_handle, &v, &n) == 0 && n == 8) {
            memcpy(&dev.go_count, v, 4);
            memcpy(&dev.go_len, v + 4, 4);
            dev.go = true;
            signal_dev();
        }
        free(v);
        break;
    }
    case MPBLE_IRQ_GATTC_NOTIFY:
        if (dev.echo) {
            mpble_gatts_notify(dev.h, ev->u.data.conn_handle, dev.value_handle, ev->u.data.data,
                               ev->u.data.len);
            break;
        }
        if (atomic_fetch_add(&dev.notes, 1) + 1 == dev.target) {
            dev.last_ns = now_ns();
            signal_dev();
        }
        break;
    default:
        break;
    }
    return 0;
}

/* Waits (bounded) until cond holds. */
#define WAIT_UNTIL(cond)                                                       \
    do {                                                                       \
        struct timespec dl_;                                                   \
        clock_gettime(CLOCK_REALTIME, &dl_);                                   \
        dl_.tv_sec += WAIT_S;                                                  \
        pthread_mutex_lock(&dev.mu);                                           \
        while (!(cond))                                                        \
            if (pthread_cond_timedwait(&dev.cv, &dev.mu, &dl_) == ETIMEDOUT) { \
                pthread_mutex_unlock(&dev.mu);                                 \
                die("timed out waiting for " #cond, ETIMEDOUT);                \
            }                                                                  \
        pthread_mutex_unlock(&dev.mu);                                         \
    } while (0)

static void dev_start(const char *uri, int mtu, bool echo)
{
    memset(&dev, 0, sizeof dev);
    dev.conn = -1;
    dev.echo = echo;
    pthread_mutex_init(&dev.mu, NULL);
    pthread_cond_init(&dev.cv, NULL);
    dev.h = bench_device("gatt_bench", uri, on_event);
    mpble_set_mtu(dev.h, mtu);
    struct mpble_gatts_characteristic chr = {
        .uuid = {2, {0x01, 0xff}},
        .flags = FLAG_READ | FLAG_WRITE_NO_RESPONSE | FLAG_NOTIFY,
    };
    struct mpble_gatts_service svc = {
        .uuid = {2, {0x00, 0xff}}, .characteristics = &chr, .num_characteristics = 1};
    int rc = mpble_gatts_register_services(dev.h, &svc, 1, &dev.value_handle, 1);
    if (rc < 0)
        die("register", rc);
    /* Room for the go message and the largest value. */
    static const uint8_t zero[512];
    mpble_gatts_write(dev.h, dev.value_handle, zero, sizeof zero, false);
}

/* Notifies on the link, waiting out back-pressure: the host refuses (-ENOMEM) once
 * the controller's ACL buffers and its small queue are full, and takes more as
 * completed packets free them; a short sleep lets the link drain without spinning
 * on the host's lock. */
static int notify(const uint8_t *value, size_t len)
{
    int rc;
    while ((rc = mpble_gatts_notify(dev.h, (uint16_t)dev.conn, dev.value_handle, value, len)) ==
           -ENOMEM)
        usleep(50);
    return rc;
}

/* ---- the peripheral (child process) ---- */

struct peripheral_args {
    bool echo;
    int mtu;
};

static void peripheral(const char *uri, int out_fd, const void *arg)
{
    const struct peripheral_args *a = arg;
    bool echo = a->echo;
    dev_start(uri, a->mtu, echo);
    bench_advertise_to("gatt_bench", dev.h, out_fd);
    WAIT_UNTIL(dev.conn >= 0);
    while (!echo) {
        WAIT_UNTIL(dev.go || dev.conn == -2);
        if (dev.conn == -2)
            break;
        dev.go = false;
        static uint8_t value[512];
        double c0 = cpu_s();
        for (uint32_t i = 0; i < dev.go_count; i++) {
            memcpy(value, &i, sizeof i);
            int rc = notify(value, dev.go_len);
            if (rc < 0)
                die("notify", rc);
        }
        double used = cpu_s() - c0;
        if (write(out_fd, &used, sizeof used) != sizeof used)
            exit(1);
    }
    WAIT_UNTIL(dev.conn == -2);
    mpble_active(dev.h, false);
    exit(0);
}

/* ---- the scenario runner: an air, a peripheral child, this process central ---- */

static void start(struct bench_run *r, const char *air_bin, const char *timing, bool echo, int mtu,
                  uint32_t interval_us)
{
    const struct peripheral_args args = {echo, mtu};
    bench_run_start(r, "gatt_bench", air_bin, timing, peripheral, &args);
    dev_start(r->air.uri, mtu, false);
    int rc = mpble_gap_connect(dev.h, &r->peer, 5000, interval_us, interval_us);
    if (rc < 0)
        die("connect", rc);
    WAIT_UNTIL(dev.conn >= 0);
    if (mtu > 23) {
        if ((rc = mpble_gattc_exchange_mtu(dev.h, (uint16_t)dev.conn)) < 0)
            die("exchange mtu", rc);
        WAIT_UNTIL(dev.mtu_done);
    }
}

static void finish(struct bench_run *r)
{
    mpble_gap_disconnect(dev.h, (uint16_t)dev.conn);
    WAIT_UNTIL(dev.conn == -2);
    bench_run_end(r, dev.h);
}

/* Streams count notifications of len bytes from the peripheral; returns seconds. */
static double stream(struct bench_run *r, uint32_t count, uint32_t len, double *cpu_central,
                     double *cpu_peripheral)
{
    uint8_t go[8];
    memcpy(go, &count, 4);
    memcpy(go + 4, &len, 4);
    atomic_store(&dev.notes, 0);
    dev.target = count;
    double c0 = cpu_s();
    uint64_t t0 = now_ns();
    int rc = mpble_gattc_write(dev.h, (uint16_t)dev.conn, dev.value_handle, go, sizeof go, 0);
    if (rc < 0)
        die("write", rc);
    WAIT_UNTIL(atomic_load(&dev.notes) >= count);
    *cpu_central = cpu_s() - c0;
    if (read(r->from_child, cpu_peripheral, sizeof *cpu_peripheral) != sizeof *cpu_peripheral)
        die("peripheral result", EIO);
    return (double)(dev.last_ns - t0) / 1e9;
}

static void bench_a(const char *air)
{
    struct bench_run r;
    start(&r, air, "fast", false, 247, 7500);
    double cc, cp;
    stream(&r, 20000, 244, &cc, &cp); /* warm-up */
    const uint32_t n = 200000;
    double s = stream(&r, n, 244, &cc, &cp);
    finish(&r);
    printf("(a) fast timing, ATT MTU 247, 244-byte notifications, one link\n");
    printf("    %u notifications in %.3f s: %.0f notifications/s (target >= 100000), "
           "%.1f MB/s of values\n",
           n, s, n / s, n * 244.0 / s / 1e6);
    printf("    CPU per notification: sender %.2f us, receiver %.2f us\n", cp / n * 1e6,
           cc / n * 1e6);
}

static void bench_b(const char *air)
{
    struct bench_run r;
    start(&r, air, "fast", true, 23, 7500);
    enum { ROUNDS = 20000 };
    static uint64_t rtt[ROUNDS];
    for (int i = -1000; i < ROUNDS; i++) { /* the first 1000: warm-up */
        uint64_t base = atomic_load(&dev.notes);
        dev.target = base + 1;
        uint64_t t0 = now_ns();
        uint8_t ping[8];
        memcpy(ping, &t0, 8);
        int rc = notify(ping, sizeof ping);
        if (rc < 0)
            die("notify", rc);
        WAIT_UNTIL(atomic_load(&dev.notes) > base);
        if (i >= 0)
            rtt[i] = dev.last_ns - t0;
    }
    finish(&r);
    qsort(rtt, ROUNDS, sizeof rtt[0], cmp_u64);
    printf("(b) fast timing, notify ping-pong (each side notifies the other), %d rounds\n", ROUNDS);
    printf("    round trip: median %.1f us (target <= 50), p99 %.1f us\n", rtt[ROUNDS / 2] / 1e3,
           rtt[ROUNDS * 99 / 100] / 1e3);
}

static void bench_c(const char *air)
{
    printf("(c) real timing, one-way notification stream vs the air's limit\n");
    printf("    PHY  data length  interval   values kbit/s  LL payload kbit/s  limit kbit/s  "
           "of limit\n");
    static const int phys[] = {MPBLE_PHY_1M, MPBLE_PHY_2M};
    static const int lens[] = {27, 251};
    static const uint32_t intervals[] = {7500, 30000};
    for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 2; j++) {
            for (int k = 0; k < 2; k++) {
                /* One notification fills one LL PDU: 20-byte values at MTU 23 over
                 * 27 octets, 244-byte values at MTU 247 over 251. */
                int octets = lens[j], mtu = octets - 4;
                uint32_t value = (uint32_t)mtu - 3;
                struct bench_run r;
                start(&r, air, "real", false, mtu, intervals[k]);
                int rc = mpble_gap_set_phy(dev.h, (uint16_t)dev.conn, phys[i]);
                if (rc < 0)
                    die("set PHY", rc);
                usleep(300000); /* the LL procedures take a few connection events */
                if ((rc = mpble_gap_set_data_length(dev.h, (uint16_t)dev.conn, (uint16_t)octets)) <
                    0)
                    die("set data length", rc);
                usleep(300000);
                double limit = air_link_limit_kbps(phys[i] == MPBLE_PHY_2M ? AIR_PHY_2M
                                                                           : AIR_PHY_1M,
                                                   (uint32_t)octets, intervals[k]);
                uint32_t n = (uint32_t)(limit * 1000 / 8 / octets * 3); /* about 3 s */
                double cc, cp;
                double s = stream(&r, n, value, &cc, &cp);
                finish(&r);
                double ll = n * (double)octets * 8 / s / 1000;
                printf("    %s   %3d octets   %4.1f ms   %13.1f  %17.1f  %12.1f  %7.1f%%\n",
                       phys[i] == MPBLE_PHY_2M ? "2M" : "1M", octets, intervals[k] / 1000.0,
                       n * (double)value * 8 / s / 1000, ll, limit, ll / limit * 100);
                fflush(stdout);
            }
        }
    }
}

int main(int argc, char **argv)
{
    char buf[PATH_MAX];
    const char *air = bench_air_bin(buf, sizeof buf, "gatt_bench", argv[0]);
    setenv("MPBLE_LOG", "0", 0);
    static void (*const parts[])(const char *) = {bench_a, bench_b, bench_c};
    bench_parts(argc, argv, air, parts, 3);
    return 0;
}
