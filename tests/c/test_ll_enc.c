/* test_ll_enc.c - LE encryption between two virtual controllers (Core v5.4 Vol 6
 * Part B 5.1.3.1-2, Vol 4 Part E 7.8.24-26), in virtual time: the start with the
 * LTK from the peripheral's host (Encryption Change on both), data both ways that
 * a sniffer on the medium sees only as ciphertext with a MIC while both hosts get
 * the plaintext; a negative reply, or a host that masked the LTK request (0x06 to
 * the central, the link unencrypted); different LTKs and a flipped ciphertext bit
 * (MIC failure: the receiver ends the link at once with 0x3D, the sender times
 * out), and a data PDU during the start (the same); a key refresh under traffic
 * (Encryption Key Refresh Complete); the v2 Encryption Change; an encrypted stream
 * in real timing with the MIC in its air time; the HCI commands' parameter errors;
 * the air's capture of an encrypted link. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "air/capture.h"

#include "common/log.h"
#include "controller/ll_pdu.h"
#include "test_ll_dev.h"

#define LE_MASK_ALL 0x00000fffu
#define LE_MASK_NO_LTK (LE_MASK_ALL & ~(1u << (HCI_LE_EV_LTK_REQUEST - 1)))

/* 23 octets: with the L2CAP header, one 27-octet PDU. */
static const uint8_t marker[] = "plaintext marker 01234";

/* ---- a sniffer on the medium: every data channel PDU of the connection events ---- */

static struct {
    const struct radio_air_ops *ops; /* the medium's own */
    struct radio_air_ops wrapped;
    int plain, sealed; /* PDUs with the marker in the clear, of its encrypted length */
    int max_len;       /* the largest payload length field seen */
    bool flip_c2p;     /* flip a bit of the next central's non-empty data PDU */
    bool inject;       /* make the central's empty PDUs data PDUs in the clear */
    bool bad_duration; /* a PDU's air time was not that of its length */
} sniff;

static void sniff_pdu(const struct air_pdu *p)
{
    if (p->len < 2 || p->pdu[1] == 0)
        return;
    if (memmem(p->pdu + 2, p->pdu[1], marker, sizeof(marker)))
        sniff.plain++;
    if ((p->pdu[0] & LL_LLID_MASK) == LL_LLID_START && p->pdu[1] == sizeof(marker) + 4 + LL_MIC_LEN)
        sniff.sealed++;
    if (p->pdu[1] > sniff.max_len)
        sniff.max_len = p->pdu[1];
    if (p->duration != air_time(p->phy, p->len))
        sniff.bad_duration = true;
}

static bool sniff_exchange(struct radio *central, int link, const struct air_pdu *pdu,
                           struct air_pdu *reply, uint8_t buf[AIR_PDU_MAX])
{
    uint8_t copy[AIR_PDU_MAX];
    struct air_pdu tx = *pdu;
    memcpy(copy, pdu->pdu, pdu->len);
    tx.pdu = copy;
    if (sniff.flip_c2p && tx.len > 2 + LL_MIC_LEN && (copy[0] & LL_LLID_MASK) == LL_LLID_START) {
        copy[2] ^= 0x01;
        sniff.flip_c2p = false;
    }
    if (sniff.inject && tx.len == 2) { /* an L2CAP frame with one octet */
        static const uint8_t frame[5] = {1, 0, 0x40, 0, 0x55};
        copy[0] = (uint8_t)((copy[0] & ~LL_LLID_MASK) | LL_LLID_START);
        copy[1] = sizeof(frame);
        memcpy(copy + 2, frame, sizeof(frame));
        tx.len = 2 + sizeof(frame);
        tx.duration = air_time(tx.phy, tx.len);
    }
    sniff_pdu(&tx);
    bool heard = sniff.ops->link_exchange(central, link, &tx, reply, buf);
    if (heard)
        sniff_pdu(reply);
    return heard;
}

static void sniff_on(struct medium *m)
{
    memset(&sniff, 0, sizeof(sniff));
    sniff.ops = m->air.ops;
    sniff.wrapped = *m->air.ops;
    sniff.wrapped.link_exchange = sniff_exchange;
    m->air.ops = &sniff.wrapped;
}

/* ---- the devices ---- */

static const uint8_t ltk1[16] = {0xbf, 0x01, 0xfb, 0x9d, 0x4e, 0xf3, 0xbc, 0x36,
                                 0xd8, 0x74, 0xf5, 0x39, 0x41, 0x38, 0x68, 0x4c};
static const uint8_t ltk2[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t rand_ediv[10] = {0x90, 0x78, 0x56, 0x34, 0x12, 0xef, 0xcd, 0xab, 0x74, 0x24};

/* Marker ACL packets that arrived at each device. */
static int marker_rx[2];
static struct dev *devs[2];

static void marker_output(void *ctx, const uint8_t *pkt, size_t len)
{
    if (pkt[0] == H4_ACL && len == 5 + sizeof(marker) + 4 &&
        memcmp(pkt + 9, marker, sizeof(marker)) == 0)
        marker_rx[ctx == devs[1]]++;
    dev_output(ctx, pkt, len);
}

struct pair {
    struct medium m;
    struct dev *p, *c; /* peripheral, central */
    int ph, ch;
};

/* A connection on a fresh medium; cap: its capture, or NULL. */
static void pair_up_cap(struct pair *pr, enum medium_timing timing, uint64_t seed, uint32_t mask_p,
                        struct air_capture *cap)
{
    CHECK_EQ(medium_init(&pr->m, timing, seed), 0);
    pr->m.capture = cap;
    sniff_on(&pr->m);
    marker_rx[0] = marker_rx[1] = 0;
    devs[0] = pr->p = dev_new_out(&pr->m, 1, mask_p, marker_output);
    devs[1] = pr->c = dev_new_out(&pr->m, 2, LE_MASK_ALL, marker_output);
    pr->ch = dev_connect(pr->c, pr->p, 6, 100, &pr->ph);
    run_for(&pr->m, 20000);
}

static void pair_up(struct pair *pr, enum medium_timing timing, uint64_t seed, uint32_t mask_p)
{
    pair_up_cap(pr, timing, seed, mask_p, NULL);
}

static void pair_free(struct pair *pr)
{
    dev_free(pr->p);
    dev_free(pr->c);
    medium_free(&pr->m);
}

/* An L2CAP frame (basic header, CID 0x0040) carrying the marker. */
static void send_marker(struct dev *d, int handle)
{
    uint8_t pkt[5 + 4 + sizeof(marker)] = {H4_ACL, (uint8_t)handle, (uint8_t)(handle >> 8)};
    put_le16(pkt + 3, 4 + sizeof(marker));
    put_le16(pkt + 5, sizeof(marker));
    put_le16(pkt + 7, 0x0040);
    memcpy(pkt + 9, marker, sizeof(marker));
    CHECK_EQ(controller_receive(d->c, pkt, sizeof(pkt)), 0);
    d->credits--;
}

static int enable_encryption(struct dev *c, int handle, const uint8_t ltk[16])
{
    uint8_t p[28];
    put_le16(p, (uint16_t)handle);
    memcpy(p + 2, rand_ediv, 10);
    memcpy(p + 12, ltk, 16);
    return dev_cmd(c, HCI_OP_LE_ENABLE_ENCRYPTION, p, sizeof(p));
}

/* The peripheral's host answers the latest LTK request (checked) with ltk, or
 * negatively when NULL. */
static void answer_ltk(struct dev *p, int handle, const uint8_t *ltk, int from)
{
    int i = dev_find(p, from, HCI_EV_LE_META, HCI_LE_EV_LTK_REQUEST);
    CHECK(i >= 0);
    if (i < 0)
        return;
    CHECK_EQ(p->ev[i].len, 13);
    CHECK_EQ(get_le16(p->ev[i].p + 1), handle);
    CHECK_MEM(p->ev[i].p + 3, rand_ediv, 10); /* Random_Number, EDIV */
    uint8_t q[18];
    put_le16(q, (uint16_t)handle);
    if (ltk)
        memcpy(q + 2, ltk, 16);
    CHECK_EQ(dev_cmd(p, ltk ? HCI_OP_LE_LTK_REPLY : HCI_OP_LE_LTK_NEG_REPLY, q, ltk ? 18 : 2), 0);
}

/* The Encryption Change (code) after from: status and Encryption_Enabled. */
static void check_change(const struct dev *d, int from, uint8_t code, int handle, uint8_t status)
{
    int i = dev_find(d, from, code, -1);
    CHECK(i >= 0);
    if (i < 0)
        return;
    CHECK_EQ(d->ev[i].p[0], status);
    CHECK_EQ(get_le16(d->ev[i].p + 1), handle);
    CHECK_EQ(d->ev[i].p[3], status == HCI_SUCCESS);
    CHECK_EQ(d->ev[i].len, code == HCI_EV_ENCRYPT_CHANGE_V2 ? 5 : 4);
    if (code == HCI_EV_ENCRYPT_CHANGE_V2)
        CHECK_EQ(d->ev[i].p[4], status == HCI_SUCCESS ? 16 : 0);
}

/* The central starts encryption, the peripheral's host answers with ltk. */
static void encrypt(struct pair *pr, const uint8_t *ltk)
{
    int p0 = pr->p->nev;
    CHECK_EQ(enable_encryption(pr->c, pr->ch, ltk1), 0);
    run_for(&pr->m, 20000);
    answer_ltk(pr->p, pr->ph, ltk, p0);
    run_for(&pr->m, 20000);
}

static int disconn_reason(const struct dev *d)
{
    int i = dev_find(d, 0, HCI_EV_DISCONN_COMPLETE, -1);
    return i < 0 ? -1 : d->ev[i].p[3];
}

/* ---- tests ---- */

/* The start, then markers and numbered streams both ways, encrypted. */
static void test_start(void)
{
    struct pair pr;
    pair_up(&pr, MEDIUM_TIMING_FAST, 61, LE_MASK_ALL);
    send_marker(pr.c, pr.ch); /* in the clear: the sniffer sees it */
    run_for(&pr.m, 20000);
    CHECK_EQ(sniff.plain, 1);
    CHECK_EQ(marker_rx[0], 1);
    int p0 = pr.p->nev, c0 = pr.c->nev;
    encrypt(&pr, ltk1);
    check_change(pr.c, c0, HCI_EV_ENCRYPT_CHANGE, pr.ch, HCI_SUCCESS);
    check_change(pr.p, p0, HCI_EV_ENCRYPT_CHANGE, pr.ph, HCI_SUCCESS);
    send_marker(pr.c, pr.ch);
    send_marker(pr.p, pr.ph);
    run_for(&pr.m, 20000);
    CHECK_EQ(marker_rx[0], 2);
    CHECK_EQ(marker_rx[1], 1);
    CHECK_EQ(sniff.plain, 1);  /* nothing more in the clear */
    CHECK_EQ(sniff.sealed, 2); /* the two markers, with a MIC each */
    run_traffic(pr.p, pr.ph, pr.c, pr.ch, 300, 700, 251);
    CHECK_EQ(sniff.plain, 1);
    CHECK_EQ(sniff.max_len, 27 + LL_MIC_LEN);
    CHECK_EQ(dev_count(pr.c, HCI_EV_DISCONN_COMPLETE, -1), 0);
    CHECK_EQ(dev_count(pr.p, HCI_EV_DISCONN_COMPLETE, -1), 0);
    pair_free(&pr);
}

/* The v2 event where the host unmasked it (Vol 4 Part E 7.3.69 bit 25). */
static void test_change_v2(void)
{
    struct pair pr;
    pair_up(&pr, MEDIUM_TIMING_FAST, 62, LE_MASK_ALL);
    uint8_t page2[8] = {0, 0, 0, 0x02};
    CHECK_EQ(dev_cmd(pr.p, HCI_OP_SET_EVENT_MASK_PAGE2, page2, 8), 0);
    encrypt(&pr, ltk1);
    check_change(pr.p, 0, HCI_EV_ENCRYPT_CHANGE_V2, pr.ph, HCI_SUCCESS);
    CHECK_EQ(dev_count(pr.p, HCI_EV_ENCRYPT_CHANGE, -1), 0);
    check_change(pr.c, 0, HCI_EV_ENCRYPT_CHANGE, pr.ch, HCI_SUCCESS);
    pair_free(&pr);
}

/* No LTK (negative reply, or the request masked): LL_REJECT_EXT_IND with 0x06 PIN
 * or Key Missing, the central's host told so (5.1.3.1); the link goes on in the
 * clear. */
static void test_no_key(bool masked)
{
    struct pair pr;
    pair_up(&pr, MEDIUM_TIMING_FAST, 63, masked ? LE_MASK_NO_LTK : LE_MASK_ALL);
    int p0 = pr.p->nev;
    CHECK_EQ(enable_encryption(pr.c, pr.ch, ltk1), 0);
    run_for(&pr.m, 20000);
    if (masked)
        CHECK_EQ(dev_count(pr.p, HCI_EV_LE_META, HCI_LE_EV_LTK_REQUEST), 0);
    else
        answer_ltk(pr.p, pr.ph, NULL, p0);
    run_for(&pr.m, 20000);
    check_change(pr.c, 0, HCI_EV_ENCRYPT_CHANGE, pr.ch, HCI_ERR_PIN_OR_KEY_MISSING);
    CHECK_EQ(dev_count(pr.p, HCI_EV_ENCRYPT_CHANGE, -1), 0);
    send_marker(pr.c, pr.ch);
    send_marker(pr.p, pr.ph);
    run_for(&pr.m, 20000);
    CHECK_EQ(marker_rx[0] + marker_rx[1], 2);
    CHECK_EQ(sniff.plain, 2);
    CHECK_EQ(dev_count(pr.c, HCI_EV_DISCONN_COMPLETE, -1), 0);
    CHECK_EQ(enable_encryption(pr.c, pr.ch, ltk1), 0); /* may be tried again */
    pair_free(&pr);
}

/* A MIC failure (different LTKs; one flipped ciphertext bit): the receiving side
 * leaves the connection at once with 0x3D, the other one's supervision timeout
 * (1 s) follows. Nothing else is delivered. */
static void test_mic_failure(bool flip)
{
    struct pair pr;
    pair_up(&pr, MEDIUM_TIMING_FAST, flip ? 65 : 64, LE_MASK_ALL);
    encrypt(&pr, flip ? ltk1 : ltk2);
    if (flip) {
        check_change(pr.p, 0, HCI_EV_ENCRYPT_CHANGE, pr.ph, HCI_SUCCESS);
        sniff.flip_c2p = true;
        send_marker(pr.c, pr.ch);
    }
    run_for(&pr.m, 2000000);
    CHECK_EQ(disconn_reason(pr.p), HCI_ERR_MIC_FAILURE);
    CHECK_EQ(disconn_reason(pr.c), HCI_ERR_CONN_TIMEOUT);
    CHECK_EQ(marker_rx[0], 0);
    CHECK_EQ(dev_count(pr.p, HCI_EV_ENCRYPT_CHANGE, -1), flip ? 1 : 0);
    CHECK_EQ(dev_count(pr.c, HCI_EV_ENCRYPT_CHANGE, -1), flip ? 1 : 0);
    pair_free(&pr);
}

/* A data PDU while the encryption start allows none (here: while the peripheral's
 * host is asked for the LTK): the peripheral leaves the connection at once with
 * 0x3D (Vol 6 Part B 5.1.3.1). */
static void test_unexpected_data(void)
{
    struct pair pr;
    pair_up(&pr, MEDIUM_TIMING_FAST, 70, LE_MASK_ALL);
    CHECK_EQ(enable_encryption(pr.c, pr.ch, ltk1), 0);
    run_for(&pr.m, 20000);
    CHECK_EQ(dev_count(pr.p, HCI_EV_LE_META, HCI_LE_EV_LTK_REQUEST), 1);
    sniff.inject = true;
    run_for(&pr.m, 2000000);
    CHECK_EQ(disconn_reason(pr.p), HCI_ERR_MIC_FAILURE);
    CHECK_EQ(disconn_reason(pr.c), HCI_ERR_CONN_TIMEOUT);
    CHECK_EQ(pr.p->acl_in, 0); /* nothing reached the host */
    pair_free(&pr);
}

/* A key refresh (pause, then a start with a new key) while streams run both ways:
 * Encryption Key Refresh Complete on both (7.7.39), no new Encryption Change; no
 * data lost, none in the clear. */
#define REFRESH_MSGS 3000

static void test_refresh(void)
{
    struct pair pr;
    pair_up(&pr, MEDIUM_TIMING_FAST, 66, LE_MASK_ALL);
    encrypt(&pr, ltk1);
    struct dev *a = pr.p, *b = pr.c;
    traffic_streams(a, pr.ph, b, pr.ch, 500);
    for (int i = 0; i < 30; i++) {
        dev_pump(a, pr.ph, REFRESH_MSGS, 251);
        dev_pump(b, pr.ch, REFRESH_MSGS, 251);
        run_for(&pr.m, 1000);
    }
    int p0 = a->nev;
    CHECK_EQ(enable_encryption(b, pr.ch, ltk2), 0);
    CHECK_EQ(enable_encryption(b, pr.ch, ltk2), HCI_ERR_COMMAND_DISALLOWED); /* running */
    for (int i = 0; i < 30 && dev_find(a, p0, HCI_EV_LE_META, HCI_LE_EV_LTK_REQUEST) < 0; i++) {
        dev_pump(a, pr.ph, REFRESH_MSGS, 251);
        dev_pump(b, pr.ch, REFRESH_MSGS, 251);
        run_for(&pr.m, 1000);
    }
    answer_ltk(a, pr.ph, ltk2, p0);
    int sent = (int)(a->tx[pr.ph].msg + b->tx[pr.ch].msg);
    traffic_finish(a, pr.ph, b, pr.ch, REFRESH_MSGS, 251);
    CHECK(sent < 2 * REFRESH_MSGS); /* the refresh came in the middle */
    run_for(&pr.m, 20000);
    for (int k = 0; k < 2; k++) {
        struct dev *d = k ? a : b;
        int i = dev_find(d, 0, HCI_EV_ENCRYPT_KEY_REFRESH_COMPLETE, -1);
        CHECK(i >= 0);
        CHECK(i >= 0 && d->ev[i].p[0] == HCI_SUCCESS && d->ev[i].len == 3);
        CHECK_EQ(dev_count(d, HCI_EV_ENCRYPT_CHANGE, -1), 1);
    }
    send_marker(a, pr.ph);
    run_for(&pr.m, 20000);
    CHECK_EQ(marker_rx[1], 1);
    CHECK_EQ(sniff.plain, 0);
    CHECK_EQ(dev_count(b, HCI_EV_DISCONN_COMPLETE, -1), 0);
    pair_free(&pr);
}

/* Real timing, 251-octet PDUs: 255 octets on the air with the MIC, each PDU's air
 * time that of its length, every message through. */
static void test_real_timing(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_REAL, 67), 0);
    sniff_on(&m);
    struct dev *a = dev_new(&m, 1, LE_MASK_ALL), *b = dev_new(&m, 2, LE_MASK_ALL);
    set_default_length(a, 251);
    set_default_length(b, 251);
    int ah, bh = dev_connect(b, a, 24, 100, &ah);
    run_for(&m, 200000);
    int p0 = a->nev;
    CHECK_EQ(enable_encryption(b, bh, ltk1), 0);
    run_for(&m, 200000);
    answer_ltk(a, ah, ltk1, p0);
    run_for(&m, 200000);
    check_change(b, 0, HCI_EV_ENCRYPT_CHANGE, bh, HCI_SUCCESS);
    run_traffic(a, ah, b, bh, 100, 700, 251);
    CHECK_EQ(sniff.max_len, 251 + LL_MIC_LEN);
    CHECK(!sniff.bad_duration);
    dev_free(a);
    dev_free(b);
    medium_free(&m);
}

/* Reads the capture back: every data channel PDU's CRC is over what went on the
 * air, the encrypted PDU; counts those of the marker's encrypted length, and those
 * with the marker in the clear. */
static void check_capture(const char *path, int *sealed, int *plain)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    *sealed = *plain = 0;
    if (!f)
        return;
    uint8_t h[24], rec[16], pkt[512];
    uint32_t crc_init = 0;
    CHECK_EQ(fread(h, 1, 24, f), 24);
    while (fread(rec, 1, 16, f) == 16) {
        uint32_t n = get_le32(rec + 8);
        if (n < 19 || n > sizeof(pkt) || fread(pkt, 1, n, f) != n)
            break;
        const uint8_t *pdu = pkt + 14;
        size_t len = n - 17;
        bool adv = ((get_le16(pkt + 8) >> 7) & 7) == AIR_DIR_ADV;
        if (adv && (pdu[0] & LL_HDR_TYPE_MASK) == LL_CONNECT_IND)
            crc_init = get_le24(pdu + 18);
        if (adv)
            continue;
        CHECK_EQ(get_le24(pdu + len), air_crc24(crc_init, pdu, len));
        *sealed += pdu[1] == sizeof(marker) + 4 + LL_MIC_LEN;
        *plain += memmem(pdu, len, marker, sizeof(marker)) != NULL;
    }
    fclose(f);
}

/* The air's pcap shows what a sniffer would: after the start, ciphertext and MICs
 * with CRCs over them. Not left for the runner's tshark check: tshark 4.0, without
 * the key, dissects ciphertext as plaintext and may call a frame malformed, as it
 * would in a real sniffer's capture. */
static void test_capture(void)
{
    char path[4096];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof(path), "%s/test_ll_enc.%d.pcap", dir ? dir : "/tmp", (int)getpid());
    struct air_capture *cap;
    CHECK_EQ(air_capture_open(&cap, path, 1700000000000000ull), 0);
    struct pair pr;
    pair_up_cap(&pr, MEDIUM_TIMING_FAST, 69, LE_MASK_ALL, cap);
    send_marker(pr.c, pr.ch);
    run_for(&pr.m, 20000);
    encrypt(&pr, ltk1);
    send_marker(pr.c, pr.ch);
    send_marker(pr.p, pr.ph);
    run_for(&pr.m, 20000);
    uint8_t disc[3] = {(uint8_t)pr.ch, (uint8_t)(pr.ch >> 8), 0x13};
    CHECK_EQ(dev_cmd(pr.c, HCI_OP_DISCONNECT, disc, 3), 0);
    run_for(&pr.m, 100000);
    CHECK_EQ(disconn_reason(pr.p), HCI_ERR_REMOTE_USER_TERM);
    pair_free(&pr);
    air_capture_close(cap);
    int sealed = -1, plain = -1;
    check_capture(path, &sealed, &plain);
    CHECK_EQ(sealed, 2);
    CHECK_EQ(plain, 1);
    unlink(path);
}

/* Parameter errors of the three commands (Vol 4 Part E 7.8.24-26). */
static void test_hci_errors(void)
{
    struct pair pr;
    pair_up(&pr, MEDIUM_TIMING_FAST, 68, LE_MASK_ALL);
    uint8_t q[28] = {0};
    CHECK_EQ(enable_encryption(pr.c, 0x0abc, ltk1), HCI_ERR_UNKNOWN_CONN_ID);
    CHECK_EQ(enable_encryption(pr.p, pr.ph, ltk1), HCI_ERR_COMMAND_DISALLOWED); /* not central */
    CHECK_EQ(dev_cmd(pr.c, HCI_OP_LE_ENABLE_ENCRYPTION, q, 27), HCI_ERR_INVALID_PARAMS);
    /* The replies: unknown handle, the central, no request pending, wrong lengths;
     * the handle is returned each time. */
    struct {
        struct dev *d;
        uint16_t handle;
        uint8_t status;
    } cases[] = {{pr.p, 0x0abc, HCI_ERR_UNKNOWN_CONN_ID},
                 {pr.c, (uint16_t)pr.ch, HCI_ERR_COMMAND_DISALLOWED},
                 {pr.p, (uint16_t)pr.ph, HCI_ERR_COMMAND_DISALLOWED}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        put_le16(q, cases[i].handle);
        CHECK_EQ(dev_cmd(cases[i].d, HCI_OP_LE_LTK_REPLY, q, 18), cases[i].status);
        int e = cases[i].d->nev - 1;
        CHECK_EQ(get_le16(cases[i].d->ev[e].p + 4), cases[i].handle);
        CHECK_EQ(dev_cmd(cases[i].d, HCI_OP_LE_LTK_NEG_REPLY, q, 2), cases[i].status);
    }
    CHECK_EQ(dev_cmd(pr.p, HCI_OP_LE_LTK_REPLY, q, 17), HCI_ERR_INVALID_PARAMS);
    CHECK_EQ(dev_cmd(pr.p, HCI_OP_LE_LTK_NEG_REPLY, q, 3), HCI_ERR_INVALID_PARAMS);
    /* Once asked, a second answer is disallowed. */
    encrypt(&pr, ltk1);
    put_le16(q, (uint16_t)pr.ph);
    CHECK_EQ(dev_cmd(pr.p, HCI_OP_LE_LTK_REPLY, q, 18), HCI_ERR_COMMAND_DISALLOWED);
    check_change(pr.c, 0, HCI_EV_ENCRYPT_CHANGE, pr.ch, HCI_SUCCESS);
    pair_free(&pr);
}

int main(void)
{
    log_setup("mpble-air", stderr, LOG_LEVEL_ERROR);
    RUN(test_start());
    RUN(test_change_v2());
    RUN(test_no_key(false));
    RUN(test_no_key(true));
    RUN(test_mic_failure(false));
    RUN(test_mic_failure(true));
    RUN(test_unexpected_data());
    RUN(test_refresh());
    RUN(test_real_timing());
    RUN(test_hci_errors());
    RUN(test_capture());
    return check_summary("ll_enc");
}
