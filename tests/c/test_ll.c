/* test_ll.c - connections between virtual controllers on one medium, in virtual
 * time: establishment, cancel, failure to establish, data both ways, completed
 * packets, LL control procedures, termination, supervision, many connections,
 * malformed HCI input and LL control PDUs from a scripted peer. */
#include <errno.h>
#include <stdio.h>

#include "common/log.h"
#include "controller/ll_conn.h"
#include "controller/ll_pdu.h"
#include "test_ll_dev.h"

#define LE_MASK_ALL 0x00000fffu    /* subevents 0x01..0x0C */
#define LE_MASK_LEGACY 0x000001ffu /* without Enhanced Connection Complete */

static int disconn_reason(const struct dev *d, int from)
{
    int i = dev_find(d, from, HCI_EV_DISCONN_COMPLETE, -1);
    return i < 0 ? -1 : d->ev[i].p[3];
}

/* ---- establishment ---- */

static void test_connect(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 11), 0);
    struct dev *a = dev_new(&m, 1, LE_MASK_LEGACY), *b = dev_new(&m, 2, LE_MASK_ALL);
    int ph, ch = dev_connect(b, a, 24, 200, &ph);
    /* b: the enhanced event (unmasked), 31 octets, role central. */
    int i = dev_find(b, 0, HCI_EV_LE_META, HCI_LE_EV_ENHANCED_CONN_COMPLETE);
    CHECK(i >= 0 && dev_find(b, 0, HCI_EV_LE_META, HCI_LE_EV_CONN_COMPLETE) < 0);
    if (i >= 0) {
        const uint8_t *p = b->ev[i].p;
        CHECK_EQ(b->ev[i].len, 31);
        CHECK_EQ(p[4], HCI_ROLE_CENTRAL);
        CHECK_EQ(p[5], HCI_ADDR_PUBLIC);
        CHECK_MEM(p + 6, a->addr, 6);
        CHECK_EQ(get_le16(p + 24), 24);
        CHECK_EQ(get_le16(p + 26), 0);
        CHECK_EQ(get_le16(p + 28), 200);
        CHECK_EQ(p[30], 0); /* clock accuracy: 0 on the central */
    }
    /* a: the legacy event, role peripheral, b's address, the central's SCA. */
    i = dev_find(a, 0, HCI_EV_LE_META, HCI_LE_EV_CONN_COMPLETE);
    CHECK(i >= 0);
    if (i >= 0) {
        const uint8_t *p = a->ev[i].p;
        CHECK_EQ(a->ev[i].len, 19);
        CHECK_EQ(get_le16(p + 2), ph);
        CHECK_EQ(p[4], HCI_ROLE_PERIPHERAL);
        CHECK_MEM(p + 6, b->addr, 6);
        CHECK_EQ(get_le16(p + 12), 24);
        CHECK_EQ(get_le16(p + 16), 200);
        CHECK_EQ(p[18], 7);
    }
    CHECK(ch >= 0 && ch <= HCI_CONN_HANDLE_MAX);
    /* Advertising stopped: disabling it is fine, and another initiator hears
     * nothing: it stays initiating (cancel succeeds). */
    struct dev *c = dev_new(&m, 3, LE_MASK_ALL);
    uint8_t p[25];
    conn_params(p, a->addr, 24, 0, 200);
    CHECK_EQ(dev_cmd(c, HCI_OP_LE_CREATE_CONN, p, 25), 0);
    run_for(&m, 100000);
    CHECK_EQ(dev_cmd(c, HCI_OP_LE_CREATE_CONN_CANCEL, NULL, 0), 0);
    /* A second connection to the same peer is refused. */
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CREATE_CONN, (conn_params(p, a->addr, 24, 0, 200), p), 25),
             HCI_ERR_CONN_EXISTS);
    /* Still connected after a while (idle events keep supervision happy). */
    run_for(&m, 5000000);
    CHECK_EQ(dev_count(a, HCI_EV_DISCONN_COMPLETE, -1), 0);
    CHECK_EQ(dev_count(b, HCI_EV_DISCONN_COMPLETE, -1), 0);
    dev_free(a);
    dev_free(b);
    dev_free(c);
    medium_free(&m);
}

static void test_create_params_and_cancel(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 12), 0);
    struct dev *b = dev_new(&m, 2, LE_MASK_LEGACY);
    static const uint8_t nobody[6] = {9, 9, 9, 9, 9, 9};
    uint8_t p[25];
    struct {
        int off, size;
        uint16_t value;
    } bad[] = {
        {0, 2, 0x0003},  {0, 2, 0x4001},  {2, 2, 0x0011},  /* scan interval, window */
        {4, 1, 2},       {5, 1, 4},       {12, 1, 4},      /* policy, peer, own types */
        {13, 2, 0x0005}, {15, 2, 0x0c81}, {13, 2, 0x0030}, /* interval range, min > max */
        {17, 2, 0x01f4}, {19, 2, 0x0009}, {19, 2, 0x0c81}, /* latency, timeout */
        {15, 2, 0x0c80},                                   /* timeout <= 2 * interval */
        {21, 2, 5},                                        /* CE min > max */
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        conn_params(p, nobody, 24, 0, 200);
        if (bad[k].size == 1)
            p[bad[k].off] = (uint8_t)bad[k].value;
        else
            put_le16(p + bad[k].off, bad[k].value);
        CHECK_EQ(dev_cmd(b, HCI_OP_LE_CREATE_CONN, p, 25), HCI_ERR_INVALID_PARAMS);
    }
    conn_params(p, nobody, 24, 0, 200);
    p[12] = 1; /* random own address, none set */
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CREATE_CONN, p, 25), HCI_ERR_INVALID_PARAMS);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CREATE_CONN, p, 24), HCI_ERR_INVALID_PARAMS);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CREATE_CONN_CANCEL, NULL, 0), HCI_ERR_COMMAND_DISALLOWED);
    conn_params(p, nobody, 24, 0, 200);
    p[4] = 1; /* accept list: then it may not change */
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CREATE_CONN, p, 25), 0);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CREATE_CONN, p, 25), HCI_ERR_COMMAND_DISALLOWED);
    uint8_t entry[7] = {0};
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_ADD_TO_ACCEPT_LIST, entry, 7), HCI_ERR_COMMAND_DISALLOWED);
    run_for(&m, 50000);
    int n0 = b->nev;
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CREATE_CONN_CANCEL, NULL, 0), 0);
    /* Command Complete first, then LE Connection Complete with 0x02. */
    CHECK_EQ(b->nev, n0 + 2);
    CHECK_EQ(b->ev[n0].code, HCI_EV_CMD_COMPLETE);
    CHECK_EQ(b->ev[n0 + 1].code, HCI_EV_LE_META);
    CHECK_EQ(b->ev[n0 + 1].p[0], HCI_LE_EV_CONN_COMPLETE);
    CHECK_EQ(b->ev[n0 + 1].p[1], HCI_ERR_UNKNOWN_CONN_ID);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CREATE_CONN_CANCEL, NULL, 0), HCI_ERR_COMMAND_DISALLOWED);
    dev_free(b);
    medium_free(&m);
}

/* ---- a scripted peer: a bare radio that advertises, takes the CONNECT_IND and
 * answers connection events with PDUs the test gives ---- */

struct puppet {
    struct radio radio;
    uint8_t addr[6];
    int link;
    uint8_t ind[LL_CONNECT_IND_PAYLOAD];
    int answer;       /* 0: stay silent (never attach) */
    uint8_t sn, nesn; /* acknowledgement, kept as a peer would */
    uint8_t script[8][40], script_len[8];
    int nscript, heard;
    uint8_t last_ctrl[AIR_PDU_MAX]; /* the last LL control PDU heard */
    size_t last_ctrl_len;
};

static void puppet_receive(struct radio *r, const struct air_pdu *pdu)
{
    struct puppet *p = (struct puppet *)r;
    if ((pdu->pdu[0] & 0x0f) != LL_CONNECT_IND || pdu->len != 2 + LL_CONNECT_IND_PAYLOAD ||
        memcmp(pdu->pdu + 8, p->addr, 6) != 0)
        return;
    memcpy(p->ind, pdu->pdu + 2, LL_CONNECT_IND_PAYLOAD);
    if (p->answer)
        p->link = radio_link_attach(r, get_le32(p->ind + 12));
}

static void puppet_nothing(struct radio *r)
{
}

/* Answers with the next scripted PDU (an empty one when the script is done). */
static size_t puppet_link_receive(struct radio *r, int link, const struct air_pdu *pdu,
                                  uint8_t *reply, uint8_t *phy)
{
    struct puppet *p = (struct puppet *)r;
    p->heard++;
    if ((pdu->pdu[0] & LL_LLID_MASK) == LL_LLID_CTRL) {
        memcpy(p->last_ctrl, pdu->pdu, pdu->len);
        p->last_ctrl_len = pdu->len;
    }
    if (!!(pdu->pdu[0] & LL_NESN) != p->sn)
        p->sn ^= 1;
    if (!!(pdu->pdu[0] & LL_SN) == p->nesn)
        p->nesn ^= 1;
    size_t len = 2;
    reply[0] = LL_LLID_CONT;
    reply[1] = 0;
    if (p->nscript > 0) {
        len = p->script_len[0];
        memcpy(reply, p->script[0], len);
        memmove(p->script[0], p->script[1], sizeof(p->script[0]) * 7);
        memmove(p->script_len, p->script_len + 1, 7);
        p->nscript--;
    }
    reply[0] = (uint8_t)((reply[0] & 0xe3) | (p->sn ? LL_SN : 0) | (p->nesn ? LL_NESN : 0));
    *phy = AIR_PHY_1M;
    return len;
}

static const struct radio_ops puppet_ops = {
    .receive = puppet_receive,
    .advertise_now = puppet_nothing,
    .link_receive = puppet_link_receive,
};

static void puppet_advertise(struct puppet *p, struct medium *m)
{
    uint8_t adv[8] = {LL_ADV_IND, 6};
    memcpy(adv + 2, p->addr, 6);
    radio_listen(&p->radio, true); /* for the CONNECT_IND */
    radio_transmit(&p->radio, 37, medium_now(m), adv, sizeof(adv));
    radio_listen(&p->radio, false);
}

static void puppet_script(struct puppet *p, uint8_t llid, const uint8_t *payload, uint8_t len)
{
    p->script[p->nscript][0] = llid;
    p->script[p->nscript][1] = len;
    memcpy(p->script[p->nscript] + 2, payload, len);
    p->script_len[p->nscript++] = (uint8_t)(2 + len);
}

/* Not established: the advertiser never answers (it vanished after the
 * CONNECT_IND): 0x3E after 6 connection intervals (Vol 6 Part B 4.5.2). */
static void test_establish_timeout(enum medium_timing timing)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, timing, 13), 0);
    struct dev *b = dev_new(&m, 2, LE_MASK_LEGACY);
    struct puppet pp = {.addr = {1, 2, 3, 4, 5, 6}};
    CHECK_EQ(medium_join(&m, &pp.radio, &puppet_ops), 0);
    uint8_t p[25];
    conn_params(p, pp.addr, 40, 0, 400); /* 50 ms */
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CREATE_CONN, p, 25), 0);
    run_for(&m, 1000);
    uint64_t t0 = medium_now(&m);
    puppet_advertise(&pp, &m);
    CHECK(dev_find(b, 0, HCI_EV_LE_META, HCI_LE_EV_CONN_COMPLETE) >= 0);
    run_for(&m, 1000000);
    int i = dev_find(b, 0, HCI_EV_DISCONN_COMPLETE, -1);
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK_EQ(b->ev[i].p[3], HCI_ERR_CONN_FAILED_TO_ESTABLISH);
        /* 6 intervals after the first anchor (at most 1.25 ms + air time later). */
        CHECK(b->ev[i].at >= t0 + 6 * 50000 && b->ev[i].at <= t0 + 6 * 50000 + 3000);
    }
    radio_leave(&pp.radio);
    dev_free(b);
    medium_free(&m);
}

/* ---- data ---- */

static void test_data(uint16_t length, uint32_t n)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 14), 0);
    struct dev *a = dev_new(&m, 1, LE_MASK_ALL), *b = dev_new(&m, 2, LE_MASK_ALL);
    set_default_length(a, length);
    set_default_length(b, length);
    int ah, bh = dev_connect(b, a, 6, 100, &ah);
    run_for(&m, 1000);
    if (length > 27) /* negotiated at once: a Data Length Change on both sides */
        CHECK(dev_find(a, 0, HCI_EV_LE_META, HCI_LE_EV_DATA_LENGTH_CHANGE) >= 0 &&
              dev_find(b, 0, HCI_EV_LE_META, HCI_LE_EV_DATA_LENGTH_CHANGE) >= 0);
    else
        CHECK_EQ(dev_count(a, HCI_EV_LE_META, HCI_LE_EV_DATA_LENGTH_CHANGE), 0);
    run_traffic(a, ah, b, bh, n, 700, 251);
    /* LL fragments: a 251-octet host fragment takes ceil(251/27) = 10 PDUs at 27
     * octets, 1 at 251; the receiver gets one ACL packet per LL PDU. */
    double per = (double)b->rx[bh].fragments / (double)a->tx[ah].bytes * 251.0;
    if (length == 27)
        CHECK(per > 9.0);
    else
        CHECK(per < 2.0);
    /* Every credit came back. */
    run_for(&m, 100000);
    CHECK_EQ(a->credits, CONTROLLER_ACL_BUFFERS);
    CHECK_EQ(b->credits, CONTROLLER_ACL_BUFFERS);
    CHECK_EQ(a->bad_acl + b->bad_acl, 0);
    dev_free(a);
    dev_free(b);
    medium_free(&m);
}

/* Number Of Completed Packets: one credit per host packet, after the peer's
 * acknowledgement; a host over its credits loses the packet, nothing else. */
static void test_credits(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 15), 0);
    struct dev *a = dev_new(&m, 1, LE_MASK_ALL), *b = dev_new(&m, 2, LE_MASK_ALL);
    int ah, bh = dev_connect(b, a, 6, 100, &ah);
    run_for(&m, 1000);
    uint8_t pkt[5 + 100] = {H4_ACL};
    put_le16(pkt + 1, (uint16_t)bh);
    put_le16(pkt + 3, 100);
    for (int i = 0; i < CONTROLLER_ACL_BUFFERS + 3; i++)
        CHECK_EQ(controller_receive(b->c, pkt, sizeof(pkt)), 0);
    CHECK_EQ(b->completed, 0); /* nothing acknowledged before an event runs */
    run_for(&m, 1000);
    CHECK_EQ(b->completed, CONTROLLER_ACL_BUFFERS);
    CHECK_EQ(a->acl_in, CONTROLLER_ACL_BUFFERS * 4); /* 100 octets: 27+27+27+19 */
    dev_free(a);
    dev_free(b);
    medium_free(&m);
}

/* Asked for a range, the controller takes its maximum, as NimBLE's and Zephyr's do:
 * both hosts are told 50 ms for 30..50 ms. */
static void test_interval_choice(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 17), 0);
    struct dev *a = dev_new(&m, 1, LE_MASK_LEGACY), *b = dev_new(&m, 2, LE_MASK_LEGACY);
    dev_advertise(a, HCI_ADV_IND, 0x20);
    uint8_t p[25];
    conn_params(p, a->addr, 24, 0, 200);
    put_le16(p + 15, 40);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CREATE_CONN, p, 25), 0);
    run_for(&m, 100000);
    int i = dev_find(b, 0, HCI_EV_LE_META, HCI_LE_EV_CONN_COMPLETE);
    int j = dev_find(a, 0, HCI_EV_LE_META, HCI_LE_EV_CONN_COMPLETE);
    CHECK(i >= 0 && j >= 0);
    if (i >= 0 && j >= 0) {
        CHECK_EQ(get_le16(b->ev[i].p + 12), 40);
        CHECK_EQ(get_le16(a->ev[j].p + 12), 40);
    }
    dev_free(a);
    dev_free(b);
    medium_free(&m);
}

/* ---- procedures ---- */

static void test_conn_update(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 16), 0);
    struct dev *a = dev_new(&m, 1, LE_MASK_ALL), *b = dev_new(&m, 2, LE_MASK_ALL);
    int ah, bh = dev_connect(b, a, 24, 200, &ah);
    run_for(&m, 1000);
    /* Central: LE Connection Update; both hosts told at the instant. */
    uint8_t p[14] = {0};
    put_le16(p, (uint16_t)bh);
    put_le16(p + 2, 40);
    put_le16(p + 4, 48);
    put_le16(p + 6, 2);
    put_le16(p + 8, 500);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CONN_UPDATE, p, 14), 0);
    run_for(&m, 1000);
    int i = dev_find(b, 0, HCI_EV_LE_META, HCI_LE_EV_CONN_UPDATE_COMPLETE);
    int j = dev_find(a, 0, HCI_EV_LE_META, HCI_LE_EV_CONN_UPDATE_COMPLETE);
    CHECK(i >= 0 && j >= 0);
    if (i >= 0 && j >= 0) {
        CHECK_EQ(b->ev[i].p[1], 0);
        CHECK_EQ(get_le16(b->ev[i].p + 4), 48); /* the maximum of 40..48 */
        CHECK_EQ(get_le16(b->ev[i].p + 6), 2);
        CHECK_EQ(get_le16(b->ev[i].p + 8), 500);
        CHECK_MEM(a->ev[j].p + 1, b->ev[i].p + 1, 1);
        CHECK_MEM(a->ev[j].p + 4, b->ev[i].p + 4, 6);
        CHECK_EQ(get_le16(a->ev[j].p + 2), ah);
    }
    /* The same parameters again: no event on either side. */
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CONN_UPDATE, p, 14), 0);
    run_for(&m, 1000);
    CHECK_EQ(dev_count(b, HCI_EV_LE_META, HCI_LE_EV_CONN_UPDATE_COMPLETE), 1);
    CHECK_EQ(dev_count(a, HCI_EV_LE_META, HCI_LE_EV_CONN_UPDATE_COMPLETE), 1);
    /* Bad parameters and handles. */
    put_le16(p + 8, 10); /* timeout too short for the interval */
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CONN_UPDATE, p, 14), HCI_ERR_INVALID_PARAMS);
    put_le16(p + 8, 500);
    put_le16(p, 0x0eff);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CONN_UPDATE, p, 14), HCI_ERR_UNKNOWN_CONN_ID);

    /* Peripheral: the connection parameters request; b's host accepts. */
    put_le16(p, (uint16_t)ah);
    put_le16(p + 2, 12);
    put_le16(p + 4, 16);
    put_le16(p + 6, 0);
    put_le16(p + 8, 300);
    CHECK_EQ(dev_cmd(a, HCI_OP_LE_CONN_UPDATE, p, 14), 0);
    run_for(&m, 1000);
    i = dev_find(b, 0, HCI_EV_LE_META, HCI_LE_EV_REMOTE_CONN_PARAM_REQ);
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK_EQ(get_le16(b->ev[i].p + 1), bh);
        CHECK_EQ(get_le16(b->ev[i].p + 3), 12);
        CHECK_EQ(get_le16(b->ev[i].p + 5), 16);
        CHECK_EQ(get_le16(b->ev[i].p + 9), 300);
    }
    put_le16(p, (uint16_t)bh);
    put_le16(p + 2, 14);
    put_le16(p + 4, 14);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_REMOTE_CONN_PARAM_REPLY, p, 14), 0);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_REMOTE_CONN_PARAM_REPLY, p, 14), HCI_ERR_COMMAND_DISALLOWED);
    run_for(&m, 1000);
    CHECK_EQ(dev_count(a, HCI_EV_LE_META, HCI_LE_EV_CONN_UPDATE_COMPLETE), 2);
    CHECK_EQ(dev_count(b, HCI_EV_LE_META, HCI_LE_EV_CONN_UPDATE_COMPLETE), 2);
    j = dev_find(a, j + 1, HCI_EV_LE_META, HCI_LE_EV_CONN_UPDATE_COMPLETE);
    if (j >= 0)
        CHECK_EQ(get_le16(a->ev[j].p + 4), 14);

    /* Rejected by b's host: a's host gets the reason. */
    put_le16(p, (uint16_t)ah);
    put_le16(p + 2, 30);
    put_le16(p + 4, 30);
    CHECK_EQ(dev_cmd(a, HCI_OP_LE_CONN_UPDATE, p, 14), 0);
    run_for(&m, 1000);
    uint8_t neg[3] = {0, 0, HCI_ERR_UNACCEPTABLE_CONN_PARAMS};
    put_le16(neg, (uint16_t)bh);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_REMOTE_CONN_PARAM_NEG_REPLY, neg, 3), 0);
    run_for(&m, 1000);
    j = dev_find(a, j + 1, HCI_EV_LE_META, HCI_LE_EV_CONN_UPDATE_COMPLETE);
    CHECK(j >= 0);
    if (j >= 0)
        CHECK_EQ(a->ev[j].p[1], HCI_ERR_UNACCEPTABLE_CONN_PARAMS);

    /* With the request event masked, b's controller accepts by itself. */
    uint8_t le[8] = {0};
    put_le32(le, LE_MASK_ALL & ~(1u << (HCI_LE_EV_REMOTE_CONN_PARAM_REQ - 1)));
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_SET_EVENT_MASK, le, 8), 0);
    CHECK_EQ(dev_cmd(a, HCI_OP_LE_CONN_UPDATE, p, 14), 0);
    run_for(&m, 1000);
    j = dev_find(a, j + 1, HCI_EV_LE_META, HCI_LE_EV_CONN_UPDATE_COMPLETE);
    CHECK(j >= 0);
    if (j >= 0) {
        CHECK_EQ(a->ev[j].p[1], 0);
        CHECK_EQ(get_le16(a->ev[j].p + 4), 30);
    }
    CHECK_EQ(dev_count(b, HCI_EV_LE_META, HCI_LE_EV_REMOTE_CONN_PARAM_REQ), 2);
    CHECK_EQ(dev_count(a, HCI_EV_DISCONN_COMPLETE, -1), 0);
    dev_free(a);
    dev_free(b);
    medium_free(&m);
}

static void test_features_version(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 17), 0);
    struct dev *a = dev_new(&m, 1, LE_MASK_ALL), *b = dev_new(&m, 2, LE_MASK_ALL);
    int ah, bh = dev_connect(b, a, 24, 200, &ah);
    uint8_t h[2];
    put_le16(h, (uint16_t)ah); /* the peripheral asks first */
    CHECK_EQ(dev_cmd(a, HCI_OP_LE_READ_REMOTE_FEATURES, h, 2), 0);
    CHECK_EQ(dev_cmd(a, HCI_OP_READ_REMOTE_VERSION, h, 2), 0);
    run_for(&m, 1000);
    put_le16(h, (uint16_t)bh);
    int n0 = b->nev;
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_READ_REMOTE_FEATURES, h, 2), 0);
    /* b learnt a's features from a's request: Command Status, then the event. */
    CHECK_EQ(b->ev[n0].code, HCI_EV_CMD_STATUS);
    CHECK_EQ(dev_cmd(b, HCI_OP_READ_REMOTE_VERSION, h, 2), 0);
    run_for(&m, 1000);
    const struct dev *devs[2] = {a, b};
    for (int k = 0; k < 2; k++) {
        const struct dev *d = devs[k];
        int i = dev_find(d, 0, HCI_EV_LE_META, HCI_LE_EV_READ_REMOTE_FEATURES_COMPLETE);
        CHECK(i >= 0);
        if (i >= 0) {
            CHECK_EQ(d->ev[i].p[1], 0);
            CHECK_EQ(d->ev[i].p[4], LL_FEATURES_0);
            CHECK_EQ(d->ev[i].p[5], LL_FEATURES_1);
        }
        i = dev_find(d, 0, HCI_EV_READ_REMOTE_VERSION_COMPLETE, -1);
        CHECK(i >= 0);
        if (i >= 0) {
            CHECK_EQ(d->ev[i].p[0], 0);
            CHECK_EQ(d->ev[i].p[3], HCI_VERSION_5_4);
            CHECK_EQ(get_le16(d->ev[i].p + 4), 0xffff);
        }
    }
    put_le16(h, 0x0abc);
    CHECK_EQ(dev_cmd(b, HCI_OP_READ_REMOTE_VERSION, h, 2), HCI_ERR_UNKNOWN_CONN_ID);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_READ_REMOTE_FEATURES, h, 2), HCI_ERR_UNKNOWN_CONN_ID);
    dev_free(a);
    dev_free(b);
    medium_free(&m);
}

static void test_length_and_phy(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 18), 0);
    struct dev *a = dev_new(&m, 1, LE_MASK_ALL), *b = dev_new(&m, 2, LE_MASK_ALL);
    CHECK_EQ(dev_cmd(a, HCI_OP_LE_READ_MAX_DATA_LENGTH, NULL, 0), 0);
    CHECK_EQ(dev_cmd(a, HCI_OP_LE_READ_DEFAULT_DATA_LENGTH, NULL, 0), 0);
    uint8_t p[7] = {0};
    put_le16(p, 26);
    put_le16(p + 2, 328);
    CHECK_EQ(dev_cmd(a, HCI_OP_LE_WRITE_DEFAULT_DATA_LENGTH, p, 4), HCI_ERR_INVALID_PARAMS);
    int ah, bh = dev_connect(b, a, 24, 200, &ah);
    run_for(&m, 1000);
    put_le16(p, (uint16_t)bh);
    put_le16(p + 2, 251);
    put_le16(p + 4, 2120);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_SET_DATA_LENGTH, p, 6), 0);
    run_for(&m, 1000);
    int i = dev_find(b, 0, HCI_EV_LE_META, HCI_LE_EV_DATA_LENGTH_CHANGE);
    int j = dev_find(a, 0, HCI_EV_LE_META, HCI_LE_EV_DATA_LENGTH_CHANGE);
    CHECK(i >= 0 && j >= 0);
    if (i >= 0 && j >= 0) {
        CHECK_EQ(get_le16(b->ev[i].p + 3), 251); /* b may send 251 */
        CHECK_EQ(get_le16(b->ev[i].p + 5), 2120);
        CHECK_EQ(get_le16(b->ev[i].p + 7), 27); /* a still sends 27 */
        CHECK_EQ(get_le16(a->ev[j].p + 3), 27);
        CHECK_EQ(get_le16(a->ev[j].p + 7), 251);
    }
    put_le16(p + 2, 252);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_SET_DATA_LENGTH, p, 6), HCI_ERR_INVALID_PARAMS);

    /* PHY: a (peripheral) asks for 2M both ways. */
    uint8_t phy[7] = {0, 0, 0, AIR_PHY_2M, AIR_PHY_2M, 0, 0};
    put_le16(phy, (uint16_t)ah);
    CHECK_EQ(dev_cmd(a, HCI_OP_LE_SET_PHY, phy, 7), 0);
    run_for(&m, 1000);
    i = dev_find(a, 0, HCI_EV_LE_META, HCI_LE_EV_PHY_UPDATE_COMPLETE);
    j = dev_find(b, 0, HCI_EV_LE_META, HCI_LE_EV_PHY_UPDATE_COMPLETE);
    CHECK(i >= 0 && j >= 0);
    if (i >= 0 && j >= 0) {
        CHECK_EQ(a->ev[i].p[1], 0);
        CHECK_EQ(a->ev[i].p[4], AIR_PHY_2M);
        CHECK_EQ(a->ev[i].p[5], AIR_PHY_2M);
        CHECK_EQ(b->ev[j].p[4], AIR_PHY_2M);
    }
    put_le16(phy, (uint16_t)bh);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_READ_PHY, phy, 2), 0);
    /* Asking again for what is: only the asking host hears, with success. */
    phy[3] = phy[4] = AIR_PHY_2M;
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_SET_PHY, phy, 7), 0);
    run_for(&m, 1000);
    CHECK_EQ(dev_count(b, HCI_EV_LE_META, HCI_LE_EV_PHY_UPDATE_COMPLETE), 2);
    CHECK_EQ(dev_count(a, HCI_EV_LE_META, HCI_LE_EV_PHY_UPDATE_COMPLETE), 1);
    phy[3] = 4; /* LE Coded */
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_SET_PHY, phy, 7), HCI_ERR_UNSUPPORTED_FEATURE);
    uint8_t def[3] = {0, 0, AIR_PHY_1M};
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_SET_DEFAULT_PHY, def, 3), HCI_ERR_INVALID_PARAMS);
    def[1] = AIR_PHY_1M;
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_SET_DEFAULT_PHY, def, 3), 0);
    /* Data still flows at 2M with 251 one way, 27 the other. */
    run_traffic(a, ah, b, bh, 300, 600, 251);
    dev_free(a);
    dev_free(b);
    medium_free(&m);
}

/* ---- ends ---- */

static void test_terminate(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 19), 0);
    struct dev *a = dev_new(&m, 1, LE_MASK_ALL), *b = dev_new(&m, 2, LE_MASK_ALL);
    int ah, bh = dev_connect(b, a, 24, 200, &ah);
    run_for(&m, 1000);
    uint8_t p[3] = {0, 0, 0x42};
    put_le16(p, (uint16_t)bh);
    CHECK_EQ(dev_cmd(b, HCI_OP_DISCONNECT, p, 3), HCI_ERR_INVALID_PARAMS);
    p[2] = HCI_ERR_REMOTE_USER_TERM;
    CHECK_EQ(dev_cmd(b, HCI_OP_DISCONNECT, p, 3), 0);
    CHECK_EQ(dev_cmd(b, HCI_OP_DISCONNECT, p, 3), HCI_ERR_COMMAND_DISALLOWED);
    run_for(&m, 1000);
    CHECK_EQ(disconn_reason(b, 0), HCI_ERR_LOCAL_HOST_TERM);
    CHECK_EQ(disconn_reason(a, 0), HCI_ERR_REMOTE_USER_TERM);
    CHECK_EQ(dev_cmd(b, HCI_OP_DISCONNECT, p, 3), HCI_ERR_UNKNOWN_CONN_ID);
    /* Now from the peripheral, reason 0x15. */
    int a0 = a->nev, b0 = b->nev;
    bh = dev_connect(b, a, 24, 200, &ah);
    run_for(&m, 1000);
    put_le16(p, (uint16_t)ah);
    p[2] = 0x15;
    CHECK_EQ(dev_cmd(a, HCI_OP_DISCONNECT, p, 3), 0);
    run_for(&m, 1000);
    CHECK_EQ(disconn_reason(a, a0), HCI_ERR_LOCAL_HOST_TERM);
    CHECK_EQ(disconn_reason(b, b0), 0x15);
    dev_free(a);
    dev_free(b);
    medium_free(&m);
}

/* A peer that vanishes: 0x08 after the supervision timeout, either role. */
static void test_supervision(enum medium_timing timing, int vanish_central)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, timing, 20), 0);
    struct dev *a = dev_new(&m, 1, LE_MASK_ALL), *b = dev_new(&m, 2, LE_MASK_ALL);
    int ah, bh = dev_connect(b, a, 24, 100, &ah); /* 30 ms, 1 s */
    (void)ah;
    (void)bh;
    run_for(&m, 200000);
    struct dev *gone = vanish_central ? b : a, *left = vanish_central ? a : b;
    uint64_t t0 = medium_now(&m);
    controller_destroy(gone->c);
    gone->c = NULL;
    run_for(&m, 2000000);
    int i = dev_find(left, 0, HCI_EV_DISCONN_COMPLETE, -1);
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK_EQ(left->ev[i].p[3], HCI_ERR_CONN_TIMEOUT);
        /* Within the timeout after the last PDU heard (at most one interval
         * before the peer vanished). */
        CHECK(left->ev[i].at <= t0 + 1000000 && left->ev[i].at + 30000 >= t0 + 1000000);
    }
    free(gone);
    dev_free(left);
    medium_free(&m);
}

/* One controller as central of half its links and peripheral of the other half,
 * traffic on all of them. */
static void test_many(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 21), 0);
    struct dev *x = dev_new(&m, 1, LE_MASK_ALL);
    struct dev *peers[LL_MAX_CONNS];
    int xh[LL_MAX_CONNS], ph[LL_MAX_CONNS];
    for (int k = 0; k < LL_MAX_CONNS; k++) {
        peers[k] = dev_new(&m, 2 + (uint32_t)k, LE_MASK_ALL);
        if (k < LL_MAX_CONNS / 2)
            xh[k] = dev_connect(x, peers[k], 8, 100, &ph[k]);
        else
            ph[k] = dev_connect(peers[k], x, 8, 100, &xh[k]);
    }
    /* One more: no slot. Connectable advertising is ignored, initiating refused. */
    struct dev *extra = dev_new(&m, 40, LE_MASK_ALL);
    uint8_t p[25];
    conn_params(p, extra->addr, 8, 0, 100);
    CHECK_EQ(dev_cmd(x, HCI_OP_LE_CREATE_CONN, p, 25), HCI_ERR_CONN_LIMIT);
    dev_advertise(x, HCI_ADV_IND, 0x20);
    conn_params(p, x->addr, 8, 0, 100);
    CHECK_EQ(dev_cmd(extra, HCI_OP_LE_CREATE_CONN, p, 25), 0);
    int x0 = x->nev;
    run_for(&m, 100000);
    /* The initiator cannot know: connected, then never established. */
    CHECK_EQ(dev_count(extra, HCI_EV_LE_META, HCI_LE_EV_ENHANCED_CONN_COMPLETE), 1);
    CHECK_EQ(disconn_reason(extra, 0), HCI_ERR_CONN_FAILED_TO_ESTABLISH);
    CHECK_EQ(dev_find(x, x0, HCI_EV_LE_META, -1), -1);
    int handles_seen[LL_MAX_CONNS] = {0};
    for (int k = 0; k < LL_MAX_CONNS; k++) {
        CHECK(xh[k] >= 0 && xh[k] < LL_MAX_CONNS);
        if (xh[k] >= 0 && xh[k] < LL_MAX_CONNS)
            handles_seen[xh[k]]++;
    }
    for (int k = 0; k < LL_MAX_CONNS; k++)
        CHECK_EQ(handles_seen[k], 1);
    /* Traffic on all at once. */
    for (int k = 0; k < LL_MAX_CONNS; k++) {
        x->tx[xh[k]] = (struct stream){.seed = 300u + (uint32_t)k, .max_len = 400};
        peers[k]->rx[ph[k]] = x->tx[xh[k]];
        peers[k]->tx[ph[k]] = (struct stream){.seed = 400u + (uint32_t)k, .max_len = 400};
        x->rx[xh[k]] = peers[k]->tx[ph[k]];
    }
    const uint32_t n = 100;
    for (int guard = 0; guard < 100000; guard++) {
        int busy = 0;
        for (int k = 0; k < LL_MAX_CONNS; k++) {
            dev_pump(x, xh[k], n, 251);
            dev_pump(peers[k], ph[k], n, 251);
            busy |= stream_done(&peers[k]->rx[ph[k]]) < n || stream_done(&x->rx[xh[k]]) < n;
        }
        if (!busy)
            break;
        run_for(&m, 1000);
    }
    for (int k = 0; k < LL_MAX_CONNS; k++) {
        CHECK_EQ(stream_done(&peers[k]->rx[ph[k]]), n);
        CHECK_EQ(stream_done(&x->rx[xh[k]]), n);
        CHECK_EQ(peers[k]->rx[ph[k]].errors + x->rx[xh[k]].errors, 0);
    }
    CHECK_EQ(dev_count(x, HCI_EV_DISCONN_COMPLETE, -1), 0);
    for (int k = 0; k < LL_MAX_CONNS; k++)
        dev_free(peers[k]);
    run_for(&m, 2000000);
    CHECK_EQ(dev_count(x, HCI_EV_DISCONN_COMPLETE, -1), LL_MAX_CONNS);
    dev_free(x);
    dev_free(extra);
    medium_free(&m);
}

/* ---- malformed input ---- */

static void test_malformed_hci(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 22), 0);
    struct dev *a = dev_new(&m, 1, LE_MASK_ALL), *b = dev_new(&m, 2, LE_MASK_ALL);
    int ah, bh = dev_connect(b, a, 6, 100, &ah);
    run_for(&m, 1000);
    uint8_t pkt[5 + 252] = {H4_ACL};
    /* Unknown handle, PB 10 and 11, BC set, empty: dropped (empty: credit back). */
    uint16_t flags[] = {0x0123, (uint16_t)(bh | 0x2000), (uint16_t)(bh | 0x3000),
                        (uint16_t)(bh | 0x4000)};
    for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
        put_le16(pkt + 1, flags[k]);
        put_le16(pkt + 3, 10);
        CHECK_EQ(controller_receive(b->c, pkt, 15), 0);
    }
    put_le16(pkt + 1, (uint16_t)bh);
    put_le16(pkt + 3, 0);
    CHECK_EQ(controller_receive(b->c, pkt, 5), 0);
    b->credits--;
    run_for(&m, 0); /* completions are reported together, right after */
    CHECK_EQ(b->completed, 1);
    /* Length mismatches and oversize: refused as malformed packets. */
    put_le16(pkt + 3, 10);
    CHECK_EQ(controller_receive(b->c, pkt, 14), -EPROTO);
    CHECK_EQ(controller_receive(b->c, pkt, 16), -EPROTO);
    put_le16(pkt + 3, 252);
    CHECK_EQ(controller_receive(b->c, pkt, 5 + 252), -EPROTO);
    CHECK_EQ(controller_receive(b->c, pkt, 3), -EPROTO);
    run_for(&m, 10000);
    CHECK_EQ(a->acl_in, 0);
    /* Commands with wrong lengths: Command Status or Complete with 0x12. */
    static const uint16_t ops[] = {HCI_OP_DISCONNECT,
                                   HCI_OP_READ_REMOTE_VERSION,
                                   HCI_OP_LE_CREATE_CONN,
                                   HCI_OP_LE_CREATE_CONN_CANCEL,
                                   HCI_OP_LE_CONN_UPDATE,
                                   HCI_OP_LE_READ_REMOTE_FEATURES,
                                   HCI_OP_LE_REMOTE_CONN_PARAM_REPLY,
                                   HCI_OP_LE_REMOTE_CONN_PARAM_NEG_REPLY,
                                   HCI_OP_LE_SET_DATA_LENGTH,
                                   HCI_OP_LE_READ_PHY,
                                   HCI_OP_LE_SET_PHY,
                                   HCI_OP_LE_SET_DEFAULT_PHY,
                                   HCI_OP_LE_WRITE_DEFAULT_DATA_LENGTH};
    uint8_t zeros[40] = {0};
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
        CHECK_EQ(dev_cmd(b, ops[k], zeros, 31), HCI_ERR_INVALID_PARAMS);
    /* Replies without a request. */
    put_le16(zeros, (uint16_t)bh);
    put_le16(zeros + 2, 24);
    put_le16(zeros + 4, 24);
    put_le16(zeros + 8, 200);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_REMOTE_CONN_PARAM_REPLY, zeros, 14), HCI_ERR_COMMAND_DISALLOWED);
    CHECK_EQ(get_le16(b->ev[b->nev - 1].p + 4), bh); /* the handle comes back */
    /* Still connected and working. */
    run_traffic(a, ah, b, bh, 50, 300, 251);
    dev_free(a);
    dev_free(b);
    medium_free(&m);
}

/* LL control PDUs from a scripted central: unknown opcodes, wrong lengths, the
 * wrong role's opcodes get LL_UNKNOWN_RSP; a past instant ends the connection. */
static void test_malformed_ll(void)
{
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 23), 0);
    struct dev *b = dev_new(&m, 2, LE_MASK_ALL);
    struct puppet pp = {.addr = {1, 2, 3, 4, 5, 6}, .answer = 1};
    CHECK_EQ(medium_join(&m, &pp.radio, &puppet_ops), 0);
    uint8_t p[25];
    conn_params(p, pp.addr, 24, 0, 100);
    CHECK_EQ(dev_cmd(b, HCI_OP_LE_CREATE_CONN, p, 25), 0);
    puppet_advertise(&pp, &m);
    run_for(&m, 1000);
    CHECK(dev_find(b, 0, HCI_EV_LE_META, -1) >= 0);
    static const struct {
        uint8_t len, pdu[30], expect_unknown;
    } cases[] = {
        {1, {0x30}, 1},                      /* reserved opcode */
        {1, {0x03}, 1},                      /* LL_ENC_REQ: no encryption yet */
        {2, {LL_FEATURE_REQ, 0}, 1},         /* too short, and the central's */
        {9, {LL_PERIPHERAL_FEATURE_REQ}, 0}, /* fine: answered with FEATURE_RSP */
        {10, {LL_VERSION_IND}, 1},           /* too long */
        {3, {LL_CONNECTION_UPDATE_IND}, 1},  /* the central's opcode */
        {9, {LL_LENGTH_REQ, 0, 0}, 0},       /* below minimum: ignored */
        {3, {LL_PHY_REQ, 0xff, 0xff}, 0},    /* unknown PHY bits: 1M/2M taken */
        {24, {LL_CONNECTION_PARAM_REQ}, 0},  /* invalid: LL_REJECT_EXT_IND */
    };
    int disconnects = 0;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        pp.nscript = 0;
        puppet_script(&pp, LL_LLID_CTRL, cases[k].pdu, cases[k].len);
        int heard = pp.heard;
        pp.last_ctrl_len = 0;
        run_for(&m, 60000);
        CHECK(pp.heard > heard);
        /* Look for LL_UNKNOWN_RSP naming the opcode in what b sent since. */
        int unknown = pp.last_ctrl_len == 4 && pp.last_ctrl[2] == LL_UNKNOWN_RSP &&
                      pp.last_ctrl[3] == cases[k].pdu[0];
        if (cases[k].expect_unknown)
            CHECK(unknown);
        disconnects += dev_count(b, HCI_EV_DISCONN_COMPLETE, -1);
    }
    CHECK_EQ(disconnects, 0);
    /* Bad data PDUs: length fields beyond the PDU, LLID 0, empty start. */
    uint8_t junk[3] = {1, 2, 3};
    puppet_script(&pp, 0x00, junk, 3);
    puppet_script(&pp, LL_LLID_START, junk, 0);
    run_for(&m, 100000);
    CHECK_EQ(dev_count(b, HCI_EV_DISCONN_COMPLETE, -1), 0);
    CHECK_EQ(b->acl_in, 0);
    dev_free(b);
    radio_leave(&pp.radio);
    medium_free(&m);
}

int main(void)
{
    log_setup("mpble-air", stderr, LOG_LEVEL_ERROR);
    RUN(test_connect());
    RUN(test_create_params_and_cancel());
    RUN(test_establish_timeout(MEDIUM_TIMING_FAST));
    RUN(test_establish_timeout(MEDIUM_TIMING_REAL));
    RUN(test_data(27, 10000));
    RUN(test_data(251, 10000));
    RUN(test_credits());
    RUN(test_interval_choice());
    RUN(test_conn_update());
    RUN(test_features_version());
    RUN(test_length_and_phy());
    RUN(test_terminate());
    RUN(test_supervision(MEDIUM_TIMING_FAST, 0));
    RUN(test_supervision(MEDIUM_TIMING_FAST, 1));
    RUN(test_supervision(MEDIUM_TIMING_REAL, 0));
    RUN(test_supervision(MEDIUM_TIMING_REAL, 1));
    RUN(test_many());
    RUN(test_malformed_hci());
    RUN(test_malformed_ll());
    return check_summary("test_ll");
}
