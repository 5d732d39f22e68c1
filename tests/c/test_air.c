/* test_air.c - controllers on one medium in virtual time (advertising, scanning,
 * scan requests, duplicate filter, event masks, report rates in real timing), and
 * the server over a real Unix socket. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "air/medium.h"
#include "air/server.h"
#include "check.h"
#include "common/bytes.h"
#include "common/hci_defs.h"
#include "common/log.h"
#include "controller/controller.h"
#include "transport/air_path.h"

/* ---- a device: a controller and what its host received ---- */

struct report {
    uint8_t type, addr_type, addr[6], len, data[31];
    int8_t rssi;
};

struct dev {
    struct controller *c;
    uint8_t addr[6];
    int status; /* of the last Command Complete */
    int nreports;
    struct report reports[4096];
};

static void dev_output(void *ctx, const uint8_t *pkt, size_t len)
{
    struct dev *d = ctx;
    if (pkt[1] == HCI_EV_CMD_COMPLETE) {
        d->status = pkt[6];
        return;
    }
    if (pkt[1] != HCI_EV_LE_META || pkt[3] != HCI_LE_EV_ADV_REPORT || pkt[4] != 1)
        return;
    if (d->nreports == 4096)
        return;
    struct report *r = &d->reports[d->nreports++];
    r->type = pkt[5];
    r->addr_type = pkt[6];
    memcpy(r->addr, pkt + 7, 6);
    r->len = pkt[13];
    memcpy(r->data, pkt + 14, r->len);
    r->rssi = (int8_t)pkt[14 + r->len];
    CHECK_EQ(len, 15u + r->len);
}

static int dev_cmd(struct dev *d, uint16_t op, const uint8_t *p, uint8_t plen)
{
    uint8_t pkt[260] = {H4_CMD, (uint8_t)op, (uint8_t)(op >> 8), plen};
    if (plen)
        memcpy(pkt + 4, p, plen);
    d->status = -1;
    CHECK_EQ(controller_receive(d->c, pkt, 4u + plen), 0);
    return d->status;
}

static struct dev *dev_new(struct medium *m, uint32_t ordinal, int le_meta)
{
    struct dev *d = calloc(1, sizeof(*d));
    medium_public_address(m, ordinal, d->addr);
    d->c = controller_create(&m->air, d->addr, dev_output, d);
    CHECK(d->c != NULL);
    if (le_meta) {
        uint8_t mask[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f};
        CHECK_EQ(dev_cmd(d, HCI_OP_SET_EVENT_MASK, mask, 8), 0);
    }
    return d;
}

static void dev_free(struct dev *d)
{
    controller_destroy(d->c);
    free(d);
}

static void dev_advertise(struct dev *d, uint8_t type, uint16_t interval, const char *data,
                          const char *rsp)
{
    uint8_t p[32] = {0};
    put_le16(p, interval);
    put_le16(p + 2, interval);
    p[4] = type;
    p[13] = 0x07;
    CHECK_EQ(dev_cmd(d, HCI_OP_LE_SET_ADV_PARAMS, p, 15), 0);
    memset(p, 0, sizeof(p));
    p[0] = (uint8_t)strlen(data);
    memcpy(p + 1, data, p[0]);
    CHECK_EQ(dev_cmd(d, HCI_OP_LE_SET_ADV_DATA, p, 32), 0);
    memset(p, 0, sizeof(p));
    p[0] = (uint8_t)strlen(rsp);
    memcpy(p + 1, rsp, p[0]);
    CHECK_EQ(dev_cmd(d, HCI_OP_LE_SET_SCAN_RSP_DATA, p, 32), 0);
    uint8_t on = 1;
    CHECK_EQ(dev_cmd(d, HCI_OP_LE_SET_ADV_ENABLE, &on, 1), 0);
}

static void dev_scan(struct dev *d, uint8_t type, uint16_t interval, uint16_t window,
                     uint8_t filter_dup)
{
    uint8_t p[7] = {type};
    put_le16(p + 1, interval);
    put_le16(p + 3, window);
    CHECK_EQ(dev_cmd(d, HCI_OP_LE_SET_SCAN_PARAMS, p, 7), 0);
    uint8_t en[2] = {1, filter_dup};
    CHECK_EQ(dev_cmd(d, HCI_OP_LE_SET_SCAN_ENABLE, en, 2), 0);
}

static void dev_scan_stop(struct dev *d)
{
    uint8_t en[2] = {0, 0};
    CHECK_EQ(dev_cmd(d, HCI_OP_LE_SET_SCAN_ENABLE, en, 2), 0);
}

static int count_reports(const struct dev *d, int type, const uint8_t addr[6])
{
    int n = 0;
    for (int i = 0; i < d->nreports; i++)
        if ((type < 0 || d->reports[i].type == type) &&
            (!addr || memcmp(d->reports[i].addr, addr, 6) == 0))
            n++;
    return n;
}

static void run_for(struct medium *m, uint64_t us)
{
    timerq_run_until(&m->air.timers, medium_now(m) + us);
}

/* ---- a sniffer: a bare radio that counts PDU types it hears ---- */

struct sniffer {
    struct radio radio;
    int by_type[16];
};

static void sniff(struct radio *r, const struct air_pdu *pdu)
{
    ((struct sniffer *)r)->by_type[pdu->pdu[0] & 0x0f]++;
}

static void sniff_nothing(struct radio *r)
{
}

static const struct radio_ops sniffer_ops = {.receive = sniff, .advertise_now = sniff_nothing};

/* ---- tests in virtual time ---- */

static void test_passive_and_self(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 5), 0);
    struct dev *a = dev_new(&m, 1, 1), *b = dev_new(&m, 2, 1);
    dev_advertise(a, HCI_ADV_IND, 0x100, "\x02\x01\x06", "rsp");
    dev_scan(b, HCI_SCAN_PASSIVE, 0x10, 0x10, 0);
    dev_scan(a, HCI_SCAN_PASSIVE, 0x10, 0x10, 0); /* a scans too: never hears itself */
    run_for(&m, 0);
    CHECK_EQ(b->nreports, 3); /* the event at once, on 37, 38, 39 */
    run_for(&m, 10000);
    CHECK_EQ(b->nreports, 3 * 11);
    const struct report *r = &b->reports[0];
    CHECK_EQ(r->type, HCI_ADV_IND);
    CHECK_EQ(r->addr_type, HCI_ADDR_PUBLIC);
    CHECK_MEM(r->addr, a->addr, 6);
    CHECK_EQ(r->len, 3);
    CHECK_MEM(r->data, "\x02\x01\x06", 3);
    CHECK(r->rssi < -20 && r->rssi > -45);
    CHECK_EQ(count_reports(b, HCI_ADV_REPORT_SCAN_RSP, NULL), 0);
    CHECK_EQ(a->nreports, 0);
    dev_free(a);
    dev_free(b);
    medium_free(&m);
}

static void test_masks(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 5), 0);
    struct dev *a = dev_new(&m, 1, 1), *b = dev_new(&m, 2, 0);
    dev_advertise(a, HCI_ADV_NONCONN_IND, 0x100, "x", "");
    /* The default event mask leaves the LE Meta event off (Vol 4 Part E 7.3.1). */
    dev_scan(b, HCI_SCAN_PASSIVE, 0x10, 0x10, 0);
    run_for(&m, 5000);
    CHECK_EQ(b->nreports, 0);
    /* LE Meta on, the advertising report off in the LE event mask. */
    uint8_t mask[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f};
    CHECK_EQ(dev_cmd(b, HCI_OP_SET_EVENT_MASK, mask, 8), 0);
    uint8_t le_mask[8] = {0xfd};
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_SET_EVENT_MASK, le_mask, 8), 0);
    run_for(&m, 5000);
    CHECK_EQ(b->nreports, 0);
    le_mask[0] = 0x02;
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_SET_EVENT_MASK, le_mask, 8), 0);
    run_for(&m, 5000);
    CHECK(b->nreports > 0);
    dev_free(a);
    dev_free(b);
    medium_free(&m);
}

static void test_active(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 6), 0);
    struct dev *a = dev_new(&m, 1, 1), *n = dev_new(&m, 2, 1);
    struct dev *s1 = dev_new(&m, 3, 1), *s2 = dev_new(&m, 4, 1);
    struct sniffer sn = {0};
    CHECK_EQ(medium_join(&m, &sn.radio, &sniffer_ops), 0);
    radio_listen(&sn.radio, true);
    dev_advertise(a, HCI_ADV_SCAN_IND, 0x100, "adv", "scan response");
    dev_advertise(n, HCI_ADV_NONCONN_IND, 0x100, "nc", "unused");
    dev_scan(s1, HCI_SCAN_ACTIVE, 0x10, 0x10, 0);
    dev_scan(s2, HCI_SCAN_ACTIVE, 0x10, 0x10, 0);
    run_for(&m, 200000);
    /* Both scanners get scan responses despite colliding requests (backoff). */
    /* Both scanners get scan responses despite colliding requests (backoff); the
     * backoff lets whoever wins first keep winning, so only "some" for each. */
    CHECK(count_reports(s1, HCI_ADV_REPORT_SCAN_RSP, a->addr) > 0);
    CHECK(count_reports(s2, HCI_ADV_REPORT_SCAN_RSP, a->addr) > 0);
    CHECK(count_reports(s1, HCI_ADV_REPORT_SCAN_RSP, a->addr) +
              count_reports(s2, HCI_ADV_REPORT_SCAN_RSP, a->addr) >
          100);
    CHECK_EQ(count_reports(s1, HCI_ADV_SCAN_IND, a->addr), 3 * 201);
    int i;
    for (i = 0; i < s1->nreports && s1->reports[i].type != HCI_ADV_REPORT_SCAN_RSP; i++)
        ;
    CHECK(i < s1->nreports);
    if (i < s1->nreports) {
        CHECK_EQ(s1->reports[i].len, 13);
        CHECK_MEM(s1->reports[i].data, "scan response", 13);
        CHECK_MEM(s1->reports[i].addr, a->addr, 6);
    }
    /* The non-scannable advertiser is reported, never asked. */
    CHECK_EQ(count_reports(s1, HCI_ADV_NONCONN_IND, n->addr), 3 * 201);
    CHECK_EQ(count_reports(s1, HCI_ADV_REPORT_SCAN_RSP, n->addr), 0);
    CHECK(sn.by_type[0x3] > 0); /* SCAN_REQs for a only */
    CHECK_EQ(sn.by_type[0x4], count_reports(s1, 4, NULL) + count_reports(s2, 4, NULL));
    /* Scan requests go to a alone: stop a, and no request is sent any more. */
    uint8_t off = 0;
    CHECK_EQ(dev_cmd(a, HCI_OP_LE_SET_ADV_ENABLE, &off, 1), 0);
    int reqs = sn.by_type[0x3];
    run_for(&m, 50000);
    CHECK_EQ(sn.by_type[0x3], reqs);
    radio_leave(&sn.radio);
    dev_free(a);
    dev_free(n);
    dev_free(s1);
    dev_free(s2);
    medium_free(&m);
}

static void test_duplicates(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 7), 0);
    struct dev *a = dev_new(&m, 1, 1), *b = dev_new(&m, 2, 1), *s = dev_new(&m, 3, 1);
    dev_advertise(a, HCI_ADV_IND, 0x100, "a", "ra");
    dev_advertise(b, HCI_ADV_NONCONN_IND, 0x100, "b", "");
    dev_scan(s, HCI_SCAN_ACTIVE, 0x10, 0x10, 1);
    run_for(&m, 100000);
    CHECK_EQ(count_reports(s, HCI_ADV_IND, a->addr), 1);
    CHECK_EQ(count_reports(s, HCI_ADV_REPORT_SCAN_RSP, a->addr), 1);
    CHECK_EQ(count_reports(s, HCI_ADV_NONCONN_IND, b->addr), 1);
    CHECK_EQ(s->nreports, 3);
    /* Enabling again while enabled keeps the filter; a new scan clears it. */
    uint8_t en[2] = {1, 1};
    CHECK_EQ(dev_cmd(s, HCI_OP_LE_SET_SCAN_ENABLE, en, 2), 0);
    run_for(&m, 10000);
    CHECK_EQ(s->nreports, 3);
    dev_scan_stop(s);
    CHECK_EQ(dev_cmd(s, HCI_OP_LE_SET_SCAN_ENABLE, en, 2), 0);
    run_for(&m, 10000);
    CHECK_EQ(s->nreports, 6);
    dev_free(a);
    dev_free(b);
    dev_free(s);
    medium_free(&m);
}

static void test_accept_list_and_rssi(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 8), 0);
    struct dev *a = dev_new(&m, 1, 1), *b = dev_new(&m, 2, 1), *s = dev_new(&m, 3, 1);
    uint8_t entry[7] = {HCI_ADDR_PUBLIC};
    memcpy(entry + 1, b->addr, 6);
    CHECK_EQ(dev_cmd(s, HCI_OP_LE_ADD_TO_ACCEPT_LIST, entry, 7), 0);
    uint8_t p[7] = {HCI_SCAN_PASSIVE, 0x10, 0, 0x10, 0, 0, 1};
    CHECK_EQ(dev_cmd(s, HCI_OP_LE_SET_SCAN_PARAMS, p, 7), 0);
    uint8_t en[2] = {1, 0};
    CHECK_EQ(dev_cmd(s, HCI_OP_LE_SET_SCAN_ENABLE, en, 2), 0);
    medium_place(controller_radio(s->c), 0, 0);
    medium_place(controller_radio(b->c), 10, 0);
    dev_advertise(a, HCI_ADV_NONCONN_IND, 0x100, "a", "");
    dev_advertise(b, HCI_ADV_NONCONN_IND, 0x100, "b", "");
    run_for(&m, 10000);
    CHECK_EQ(count_reports(s, -1, a->addr), 0);
    CHECK(count_reports(s, -1, b->addr) > 0);
    /* 10 m: 40 dB + 20 dB of path loss, +-2 dB. */
    for (int i = 0; i < s->nreports; i++)
        CHECK(s->reports[i].rssi >= -62 && s->reports[i].rssi <= -58);
    dev_free(a);
    dev_free(b);
    dev_free(s);
    medium_free(&m);
}

/* Real timing: reports per second of virtual time for one advertiser at 20 ms. */
static double real_rate(uint64_t seed, uint16_t scan_interval, uint16_t scan_window)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_REAL, seed), 0);
    struct dev *a = dev_new(&m, 1, 1), *s = dev_new(&m, 2, 1);
    dev_advertise(a, HCI_ADV_NONCONN_IND, 0x20, "rate", "");
    dev_scan(s, HCI_SCAN_PASSIVE, scan_interval, scan_window, 0);
    run_for(&m, 20 * 1000000ull);
    double rate = s->nreports / 20.0;
    dev_free(a);
    dev_free(s);
    medium_free(&m);
    return rate;
}

static void test_real_timing(void)
{
    double full = real_rate(11, 0x20, 0x20);
    double tenth = real_rate(12, 0x64, 0x0a);
    printf("real timing, 20 ms advertising: %.1f reports/s with window == interval, "
           "%.1f with window = interval / 10\n",
           full, tenth);
    CHECK(full >= 35 && full <= 45);
    CHECK(tenth >= full / 10 * 0.6 && tenth <= full / 10 * 1.4);
}

static void test_seeded_repeatable(void)
{
    int32_t sums[2] = {0, 0};
    uint8_t addrs[2][6];
    for (int k = 0; k < 2; k++) {
        struct medium m;
        CHECK_EQ(medium_init(&m, MEDIUM_TIMING_REAL, 99), 0);
        struct dev *a = dev_new(&m, 1, 1), *s = dev_new(&m, 2, 1);
        dev_advertise(a, HCI_ADV_IND, 0x20, "x", "y");
        dev_scan(s, HCI_SCAN_ACTIVE, 0x20, 0x20, 0);
        run_for(&m, 2000000);
        for (int i = 0; i < s->nreports; i++)
            sums[k] += s->reports[i].rssi * (i + 1) + s->reports[i].type;
        memcpy(addrs[k], a->addr, 6);
        dev_free(a);
        dev_free(s);
        medium_free(&m);
    }
    CHECK_EQ(sums[0], sums[1]);
    CHECK_MEM(addrs[0], addrs[1], 6);
}

/* ---- the server over a Unix socket ---- */

/* A new directory under $TMPDIR (else /tmp) for a socket. */
static bool temp_dir(char *dir, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || *tmp == '\0' || strlen(tmp) + 24 > cap)
        tmp = "/tmp";
    snprintf(dir, cap, "%s/mpble-test-air-XXXXXX", tmp);
    return mkdtemp(dir) != NULL;
}

static void *serve(void *arg)
{
    air_server_run(arg);
    return NULL;
}

static int connect_to(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* An air (fast timing) on air.sock in a new directory dir (64 octets) under $TMPDIR:
 * path (108 octets) is the socket's. */
static struct air_server *open_server(char *dir, char *path, uint64_t seed)
{
    struct air_server *s = NULL;
    CHECK(temp_dir(dir, 64));
    snprintf(path, 108, "%s/air.sock", dir);
    struct air_server_config cfg = {
        .socket_path = path, .timing = MEDIUM_TIMING_FAST, .seed = seed, .exit_when_idle_s = -1};
    CHECK_EQ(air_server_open(&s, &cfg), 0);
    return s;
}

/* More clients than the 64 the air once took: 100 at once, each a Reset answered. */
static void test_many_clients(void)
{
    enum { N = 100 };
    char dir[64], path[108];
    struct air_server *s = open_server(dir, path, 4);
    pthread_t th;
    pthread_create(&th, NULL, serve, s);
    int fds[N];
    static const uint8_t reset[] = {H4_CMD, 0x03, 0x0c, 0x00};
    for (int i = 0; i < N; i++) {
        fds[i] = connect_to(path);
        CHECK(fds[i] >= 0 && write(fds[i], reset, sizeof(reset)) == 4);
    }
    static const uint8_t want[] = {H4_EVT, HCI_EV_CMD_COMPLETE, 4, 1, 0x03, 0x0c, 0};
    int answered = 0;
    for (int i = 0; i < N; i++) {
        uint8_t buf[sizeof(want)];
        answered += fds[i] >= 0 && read(fds[i], buf, sizeof(buf)) == (ssize_t)sizeof(want) &&
                    memcmp(buf, want, sizeof(want)) == 0;
        close(fds[i]);
    }
    CHECK_EQ(answered, N);
    air_server_stop(s);
    pthread_join(th, NULL);
    air_server_close(s);
    rmdir(dir);
}

static void test_server(void)
{
    char dir[64], path[108];
    CHECK(temp_dir(dir, sizeof dir));
    snprintf(path, sizeof(path), "%s/air.sock", dir);
    FILE *log = fopen("/dev/null", "w");
    log_setup("mpble-air", log, LOG_LEVEL_DEBUG);
    struct air_server_config cfg = {
        .socket_path = path, .timing = MEDIUM_TIMING_FAST, .seed = 3, .exit_when_idle_s = -1};
    struct air_server *s, *s2;
    mode_t old_mask = umask(0); /* the socket is the user's alone whatever the umask */
    CHECK_EQ(air_server_open(&s, &cfg), 0);
    umask(old_mask);
    struct stat sst;
    CHECK(stat(path, &sst) == 0 && (sst.st_mode & 0777) == 0600);
    CHECK_EQ(air_server_open(&s2, &cfg), -EADDRINUSE);
    pthread_t th;
    pthread_create(&th, NULL, serve, s);

    /* A malformed stream closes that client. */
    int bad = connect_to(path);
    CHECK(bad >= 0);
    uint8_t junk[] = {0x09, 0x00, 0x00};
    CHECK_EQ(write(bad, junk, sizeof(junk)), 3);
    uint8_t buf[300];
    CHECK_EQ(read(bad, buf, sizeof(buf)), 0);
    close(bad);

    /* Another client, a Reset sent byte by byte: the event comes back whole. */
    int fd = connect_to(path);
    CHECK(fd >= 0);
    uint8_t reset[] = {H4_CMD, 0x03, 0x0c, 0x00};
    for (size_t i = 0; i < sizeof(reset); i++) {
        CHECK_EQ(write(fd, reset + i, 1), 1);
        usleep(2000);
    }
    uint8_t want[] = {H4_EVT, HCI_EV_CMD_COMPLETE, 4, 1, 0x03, 0x0c, 0};
    CHECK_EQ(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(want));
    CHECK_MEM(buf, want, sizeof(want));
    uint8_t bdaddr[] = {H4_CMD, 0x09, 0x10, 0x00};
    CHECK_EQ(write(fd, bdaddr, sizeof(bdaddr)), 4);
    CHECK_EQ(read(fd, buf, sizeof(buf)), 13);
    /* The second client to send anything (the probe of the second open did not). */
    CHECK_EQ(buf[7], 2);
    close(fd);

    air_server_stop(s);
    pthread_join(th, NULL);
    air_server_close(s);
    struct stat st;
    CHECK(stat(path, &st) < 0); /* unlinked */

    /* A stale socket (nobody accepts) is replaced. */
    int stale = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    CHECK_EQ(bind(stale, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(stale);
    CHECK_EQ(air_server_open(&s, &cfg), 0);
    air_server_close(s);
    rmdir(dir);
    log_setup("mpble-air", stderr, LOG_LEVEL_ERROR); /* what a passing run prints: nothing */
    fclose(log);
}

/* Zephyr's Write BD_ADDR from a client (a raw socket). */
static bool send_write_bd_addr(int fd, const uint8_t addr[6])
{
    uint8_t cmd[10] = {H4_CMD, 0x06, 0xfc, 6};
    memcpy(cmd + 4, addr, 6);
    return write(fd, cmd, sizeof(cmd)) == (ssize_t)sizeof(cmd);
}

/* Runs s (driven here) until the client's Command Complete for it: its status, or -1. */
static int write_bd_addr_status(struct air_server *s, int fd)
{
    uint8_t ev[7];
    for (int i = 0; i < 1000; i++) {
        air_server_turn(s, 1000);
        if (recv(fd, ev, sizeof(ev), MSG_DONTWAIT) == (ssize_t)sizeof(ev))
            return ev[1] == HCI_EV_CMD_COMPLETE && get_le16(ev + 4) == 0xfc06 ? ev[6] : -1;
    }
    return -1;
}

static int write_bd_addr(struct air_server *s, int fd, const uint8_t addr[6])
{
    return send_write_bd_addr(fd, addr) ? write_bd_addr_status(s, fd) : -1;
}

/* One address per live client: a taken one is refused (0x0D); a holder whose host
 * hung up is reaped before the claim is decided, even one the air has not read the
 * end of when the claim comes. */
static void test_address_registry(void)
{
    char dir[64], path[108];
    struct air_server *s = open_server(dir, path, 5);
    static const uint8_t x[6] = {1, 2, 3, 4, 5, 0xc6}, y[6] = {7, 2, 3, 4, 5, 0xc6};
    int a = connect_to(path), b = connect_to(path);
    CHECK_EQ(write_bd_addr(s, a, x), 0);
    CHECK_EQ(write_bd_addr(s, a, x), 0); /* its own already */
    CHECK_EQ(write_bd_addr(s, b, x), HCI_ERR_LIMITED_RESOURCES);
    CHECK_EQ(write_bd_addr(s, b, y), 0);
    CHECK_EQ(write_bd_addr(s, a, y), HCI_ERR_LIMITED_RESOURCES);
    /* b's claim is read in the same turn as a's hang-up, before it. */
    CHECK(send_write_bd_addr(b, x));
    close(a);
    CHECK_EQ(write_bd_addr_status(s, b), 0);
    close(b);
    air_server_close(s);
    rmdir(dir);
}

static void test_default_path(void)
{
    char dir[] = "/tmp/mpble-test-xdg-XXXXXX", path[108], want[160];
    CHECK(mkdtemp(dir) != NULL);
    setenv("XDG_RUNTIME_DIR", dir, 1);
    CHECK_EQ(air_default_socket_path(path, sizeof(path)), 0);
    snprintf(want, sizeof(want), "%s/mpble/air.sock", dir);
    CHECK(strcmp(path, want) == 0);
    snprintf(want, sizeof(want), "%s/mpble", dir);
    struct stat st;
    CHECK(stat(want, &st) == 0 && (st.st_mode & 0777) == 0700);
    chmod(want, 0750);
    CHECK_EQ(air_default_socket_path(path, sizeof(path)), -EPERM);
    CHECK_EQ(air_default_socket_path(path, 10), -ENAMETOOLONG);
    rmdir(want);
    rmdir(dir);
    unsetenv("XDG_RUNTIME_DIR");
}

int main(void)
{
    RUN(test_passive_and_self());
    RUN(test_masks());
    RUN(test_active());
    RUN(test_duplicates());
    RUN(test_accept_list_and_rssi());
    RUN(test_real_timing());
    RUN(test_seeded_repeatable());
    RUN(test_server());
    RUN(test_many_clients());
    RUN(test_address_registry());
    RUN(test_default_path());
    return check_summary("test_air");
}
