/* test_l2cap_coc.h - LE credit-based channels (Core v5.4 Vol 3 Part A 4.22-4.24, 10)
 * against the socket of test_l2cap.c standing in for the controller (its setup,
 * take, pending and deliver): every connection result, data both ways with
 * segmentation and reassembly, credits, each protocol violation, the RTX, and
 * disconnection every way. Included by test_l2cap.c. */

#define PSM 0x0080
#define SIG L2CAP_CID_LE_SIGNALING

/* The next L2CAP PDU the host sent (its payload in p, its CID in *cid): the payload
 * length, or -1 when there is none. Its ACL buffer is completed at once. */
static int next_pdu(uint16_t *cid, uint8_t *p)
{
    uint8_t hdr[5], pkt[260];
    if (take(hdr, 5) != 5)
        return -1;
    size_t n = get_le16(hdr + 3);
    CHECK_EQ(take(pkt, n), n);
    *cid = get_le16(pkt + 2);
    memcpy(p, pkt + 4, n - 4);
    acl_on_completed(h, 0x0042, 1);
    return (int)get_le16(pkt);
}

/* The next PDU, a signalling command with code: its data (at p), its identifier. */
static uint8_t next_sig(uint8_t code, uint8_t *data)
{
    uint8_t p[260];
    uint16_t cid = 0;
    CHECK(next_pdu(&cid, p) >= 4);
    CHECK_EQ(cid, SIG);
    CHECK_EQ(p[0], code);
    memcpy(data, p + 4, get_le16(p + 2));
    return p[1];
}

static void send_sig(uint8_t code, uint8_t ident, const uint8_t *data, size_t len)
{
    uint8_t cmd[4 + 16] = {code, ident};
    put_le16(cmd + 2, (uint16_t)len);
    memcpy(cmd + 4, data, len);
    deliver(SIG, cmd, 4 + len, 251);
}

/* The peer asks for a channel: the response's result (its data in rsp). */
static uint16_t peer_connects(uint16_t psm, uint16_t scid, uint16_t mtu, uint16_t mps,
                              uint16_t credits, uint8_t *rsp)
{
    uint8_t req[10];
    put_le16(req, psm);
    put_le16(req + 2, scid);
    put_le16(req + 4, mtu);
    put_le16(req + 6, mps);
    put_le16(req + 8, credits);
    send_sig(0x14, 0x21, req, sizeof req);
    CHECK_EQ(next_sig(0x15, rsp), 0x21);
    return get_le16(rsp + 8);
}

/* An accepted channel from the peer's CID scid: our CID. */
static uint16_t open_from_peer(uint16_t scid, uint16_t mps, uint16_t credits)
{
    uint8_t rsp[10];
    CHECK_EQ(peer_connects(PSM, scid, 512, mps, credits, rsp), 0);
    return get_le16(rsp);
}

static const struct mpble_event *last_event(void)
{
    CHECK(nev > 0);
    return &evs[nev ? nev - 1 : 0];
}

static void check_disconnect_req(uint16_t dcid, uint16_t scid)
{
    uint8_t d[4];
    next_sig(0x06, d);
    CHECK_EQ(get_le16(d), dcid);
    CHECK_EQ(get_le16(d + 2), scid);
}

static void test_coc_request_results(void)
{
    setup(251, 8);
    uint8_t rsp[10];
    CHECK_EQ(l2cap_coc_listen(h, PSM, 100), 0);
    CHECK_EQ(l2cap_coc_listen(h, PSM, 100), -EALREADY);
    CHECK_EQ(l2cap_coc_listen(h, 0x100, 100), -EINVAL);
    CHECK_EQ(peer_connects(0x81, 0x40, 100, 100, 1, rsp), 0x0002); /* SPSM not supported */
    CHECK_EQ(get_le16(rsp), 0);                                    /* refused: fields 0 */
    CHECK_EQ(peer_connects(PSM, 0x3f, 100, 100, 1, rsp), 0x0009);  /* invalid source CID */
    CHECK_EQ(peer_connects(PSM, 0x80, 100, 100, 1, rsp), 0x0009);
    CHECK_EQ(peer_connects(PSM, 0x40, 22, 100, 1, rsp), 0x000b); /* unacceptable parameters */
    CHECK_EQ(peer_connects(PSM, 0x40, 100, 22, 1, rsp), 0x000b);
    CHECK_EQ(peer_connects(PSM, 0x40, 100, 65534, 1, rsp), 0x000b);
    accept_result = 1; /* the application refuses: no resources, no connect event */
    CHECK_EQ(peer_connects(PSM, 0x40, 100, 100, 1, rsp), 0x0004);
    CHECK_EQ(last_event()->code, MPBLE_IRQ_L2CAP_ACCEPT);
    accept_result = 0;
    nev = 0;
    CHECK_EQ(peer_connects(PSM, 0x40, 300, 100, 1, rsp), 0x0000);
    CHECK_EQ(get_le16(rsp), 0x40);                                       /* our CID */
    CHECK_EQ(get_le16(rsp + 2), 100);                                    /* our MTU */
    CHECK_EQ(get_le16(rsp + 4), L2CAP_COC_MPS);                          /* our MPS */
    CHECK_EQ(get_le16(rsp + 6), l2cap_coc_rx_size(100) / L2CAP_COC_MPS); /* the room's */
    CHECK_EQ(nev, 2);
    CHECK_EQ(evs[0].code, MPBLE_IRQ_L2CAP_ACCEPT);
    CHECK_EQ(evs[1].code, MPBLE_IRQ_L2CAP_CONNECT);
    CHECK_EQ(evs[1].u.l2cap.cid, 0x40);
    CHECK_EQ(evs[1].u.l2cap.psm, PSM);
    CHECK_EQ(evs[1].u.l2cap.our_mtu, 100);
    CHECK_EQ(evs[1].u.l2cap.peer_mtu, 300);
    CHECK_EQ(peer_connects(PSM, 0x40, 100, 100, 1, rsp), 0x000a); /* source CID allocated */
    for (uint16_t scid = 0x41; scid < 0x40 + L2CAP_DYN_PER_LINK; scid++)
        CHECK_EQ(peer_connects(PSM, scid, 100, 100, 1, rsp), 0x0000);
    CHECK_EQ(peer_connects(PSM, 0x70, 100, 100, 1, rsp), 0x0004); /* no resources */
    CHECK_EQ(l2cap_coc_connect(h, &h->conns[0], PSM, 100), -ENOMEM);
    CHECK_EQ(pending(), 0);
    teardown();
}

/* Our request: its fields; the peer's answers, each result and malformed ones. */
static void test_coc_connect_out(void)
{
    setup(251, 8);
    struct conn *c = &h->conns[0];
    uint8_t req[10], rsp[10] = {0};
    CHECK_EQ(l2cap_coc_connect(h, c, 0, 100), -EINVAL);
    CHECK_EQ(l2cap_coc_connect(h, c, PSM, 500), 0);
    uint8_t ident = next_sig(0x14, req);
    CHECK_EQ(get_le16(req), PSM);
    CHECK_EQ(get_le16(req + 2), 0x40);
    CHECK_EQ(get_le16(req + 4), 500);
    CHECK_EQ(get_le16(req + 6), L2CAP_COC_MPS);
    CHECK_EQ(get_le16(req + 8), l2cap_coc_rx_size(500) / L2CAP_COC_MPS);
    put_le16(rsp + 8, 0x0002);
    send_sig(0x15, (uint8_t)(ident + 1), rsp, sizeof rsp); /* another identifier: ignored */
    CHECK_EQ(nev, 0);
    send_sig(0x15, ident, rsp, sizeof rsp);
    CHECK_EQ(last_event()->code, MPBLE_IRQ_L2CAP_DISCONNECT);
    CHECK_EQ(last_event()->u.l2cap.status, MPBLE_STATUS_L2CAP_NOT_SUPPORTED);
    /* Refused with a Command Reject; then a response with a CID out of range. */
    CHECK_EQ(l2cap_coc_connect(h, c, PSM, 500), 0);
    send_sig(0x01, next_sig(0x14, req), (const uint8_t[]){0, 0}, 2);
    CHECK_EQ(last_event()->u.l2cap.status, MPBLE_STATUS_L2CAP_NOT_SUPPORTED);
    CHECK_EQ(l2cap_coc_connect(h, c, PSM, 500), 0);
    ident = next_sig(0x14, req);
    const uint8_t bad[10] = {0x30, 0, 100, 0, 100, 0, 1, 0, 0, 0};
    send_sig(0x15, ident, bad, sizeof bad);
    CHECK_EQ(last_event()->u.l2cap.status, MPBLE_STATUS_L2CAP_INVALID);
    CHECK_EQ(pending(), 0);
    /* Success: both MTUs in the connect event. */
    CHECK_EQ(l2cap_coc_connect(h, c, PSM, 500), 0);
    ident = next_sig(0x14, req);
    const uint8_t ok[10] = {0x55, 0, 0x2c, 1, 50, 0, 3, 0, 0, 0};
    send_sig(0x15, ident, ok, sizeof ok);
    const struct mpble_event *ev = last_event();
    CHECK_EQ(ev->code, MPBLE_IRQ_L2CAP_CONNECT);
    CHECK_EQ(ev->u.l2cap.cid, 0x40);
    CHECK_EQ(ev->u.l2cap.our_mtu, 500);
    CHECK_EQ(ev->u.l2cap.peer_mtu, 300);
    CHECK_EQ(coc_open_by_cid(c, 0x40)->peer_credits, 3);
    teardown();
}

/* Each refusal the peer answers with: the status the initiator's application sees. */
static void test_coc_refusal_statuses(void)
{
    static const uint16_t result_status[][2] = {
        {0x0002, MPBLE_STATUS_L2CAP_NOT_SUPPORTED}, {0x0004, MPBLE_STATUS_L2CAP_NO_RESOURCES},
        {0x0005, MPBLE_STATUS_L2CAP_AUTHEN},        {0x0006, MPBLE_STATUS_L2CAP_AUTHOR},
        {0x0007, MPBLE_STATUS_L2CAP_KEY_SIZE},      {0x0008, MPBLE_STATUS_L2CAP_ENCRYPT},
        {0x0009, MPBLE_STATUS_L2CAP_UNKNOWN},       {0x000a, MPBLE_STATUS_L2CAP_UNKNOWN},
        {0x000b, MPBLE_STATUS_L2CAP_INVALID},       {0x7777, MPBLE_STATUS_L2CAP_UNKNOWN},
    };
    setup(251, 8);
    uint8_t req[10], rsp[10] = {0};
    for (unsigned i = 0; i < sizeof result_status / sizeof result_status[0]; i++) {
        CHECK_EQ(l2cap_coc_connect(h, &h->conns[0], PSM, 100), 0);
        put_le16(rsp + 8, result_status[i][0]);
        send_sig(0x15, next_sig(0x14, req), rsp, sizeof rsp);
        CHECK_EQ(last_event()->code, MPBLE_IRQ_L2CAP_DISCONNECT);
        CHECK_EQ(last_event()->u.l2cap.cid, 0x40); /* freed each time */
        CHECK_EQ(last_event()->u.l2cap.status, result_status[i][1]);
    }
    teardown();
}

/* 6.2.1: no response within the RTX; the attempt fails, and so does a late answer. */
static void test_coc_rtx(void)
{
    setup(251, 8);
    uint8_t req[10];
    CHECK_EQ(l2cap_coc_connect(h, &h->conns[0], PSM, 100), 0);
    uint8_t ident = next_sig(0x14, req);
    now_us += L2CAP_RTX_US - 1;
    host_timers_run(h);
    CHECK_EQ(nev, 0);
    now_us += 1;
    host_timers_run(h);
    CHECK_EQ(last_event()->code, MPBLE_IRQ_L2CAP_DISCONNECT);
    CHECK_EQ(last_event()->u.l2cap.status, MPBLE_STATUS_TIMEOUT);
    const uint8_t ok[10] = {0x55, 0, 100, 0, 100, 0, 3, 0, 0, 0};
    send_sig(0x15, ident, ok, sizeof ok);
    CHECK_EQ(nev, 1);
    teardown();
}

/* The peer's K-frame on our channel cid: an SDU's first (with its length) or not. */
static void peer_kframe(uint16_t cid, const uint8_t *data, size_t len, int sdu_len)
{
    uint8_t f[600];
    size_t off = 0;
    if (sdu_len >= 0) {
        put_le16(f, (uint16_t)sdu_len);
        off = 2;
    }
    memcpy(f + off, data, len);
    deliver(cid, f, off + len, 251);
}

static void test_coc_data_both_ways(void)
{
    setup(251, 8);
    struct conn *c = &h->conns[0];
    CHECK_EQ(l2cap_coc_listen(h, PSM, 600), 0);
    uint16_t cid = open_from_peer(0x47, 50, 3);
    uint8_t sdu[600], got[700], p[260];
    for (unsigned i = 0; i < sizeof sdu; i++)
        sdu[i] = (uint8_t)(i * 7 + 1);
    /* Send: 120 octets to a peer's MPS of 50 in three K-frames, its 3 credits. */
    nev = 0;
    CHECK_EQ(l2cap_coc_send(h, c, cid, sdu, 513), -EINVAL); /* over the peer's MTU */
    CHECK_EQ(l2cap_coc_send(h, c, cid, sdu, 120), 0);       /* out of credits: stalled */
    CHECK_EQ(l2cap_coc_send(h, c, cid, sdu, 1), -EBUSY);
    uint16_t to;
    CHECK_EQ(next_pdu(&to, p), 50);
    CHECK_EQ(to, 0x47);
    CHECK_EQ(get_le16(p), 120);
    CHECK_MEM(p + 2, sdu, 48);
    CHECK_EQ(next_pdu(&to, p), 50);
    CHECK_MEM(p, sdu + 48, 50);
    CHECK_EQ(next_pdu(&to, p), 22);
    CHECK_MEM(p, sdu + 98, 22);
    CHECK_EQ(pending(), 0);
    send_sig(0x16, 0x30, (const uint8_t[]){0x47, 0, 2, 0}, 4); /* 2 credits */
    CHECK_EQ(last_event()->code, MPBLE_IRQ_L2CAP_SEND_READY);
    CHECK_EQ(last_event()->u.l2cap.cid, cid);
    CHECK_EQ(l2cap_coc_send(h, c, cid, sdu, 10), 1);
    CHECK_EQ(next_pdu(&to, p), 12);
    /* Receive: an SDU of our MTU in three K-frames (the first holding its length). */
    nev = 0;
    peer_kframe(cid, sdu, 245, 600);
    peer_kframe(cid, sdu + 245, 247, -1);
    CHECK_EQ(nev, 0);
    peer_kframe(cid, sdu + 492, 108, -1);
    CHECK_EQ(last_event()->code, MPBLE_IRQ_L2CAP_RECV);
    peer_kframe(cid, sdu, 10, 10);
    CHECK_EQ(l2cap_coc_recvinto(h, c, cid, NULL, 0), 610);
    CHECK_EQ(pending(), 0); /* no credits while data waits */
    CHECK_EQ(l2cap_coc_recvinto(h, c, cid, got, 300), 300);
    CHECK_EQ(pending(), 0);
    CHECK_EQ(l2cap_coc_recvinto(h, c, cid, got + 300, 400), 310);
    CHECK_MEM(got, sdu, 600);
    CHECK_MEM(got + 600, sdu, 10);
    CHECK_EQ(pending(), 0); /* drained, but the peer holds over half its credits */
    /* The peer spends more than half: once drained, the room's worth goes back. */
    unsigned credits = l2cap_coc_rx_size(600) / L2CAP_COC_MPS, spent = 4 + credits / 2;
    for (unsigned i = 4; i < spent; i++)
        peer_kframe(cid, sdu, 245, 245);
    CHECK_EQ(pending(), 0);
    for (unsigned i = 4; i < spent; i++) {
        CHECK_EQ(l2cap_coc_recvinto(h, c, cid, got, 245), 245);
        CHECK_MEM(got, sdu, 245);
    }
    uint8_t ind[4];
    next_sig(0x16, ind);
    CHECK_EQ(get_le16(ind), cid);
    CHECK_EQ(get_le16(ind + 2), spent);
    CHECK_EQ(l2cap_coc_recvinto(h, c, cid, got, sizeof got), 0);
    CHECK_EQ(l2cap_coc_recvinto(h, c, 0x4f, got, sizeof got), -EINVAL);
    teardown();
}

/* Each violation ends its channel (a Disconnection Request) and nothing else. */
static void violate(int kind, uint16_t cid)
{
    uint8_t big[300] = {0};
    switch (kind) {
    case 0: /* beyond the credits (none returned while data waits) */
        for (unsigned i = 0; i <= l2cap_coc_rx_size(600) / L2CAP_COC_MPS; i++)
            peer_kframe(cid, big, 1, 1);
        break;
    case 1: /* a K-frame longer than our MPS */
        peer_kframe(cid, big, L2CAP_COC_MPS - 1, 600);
        break;
    case 2: /* an SDU longer than our MTU */
        peer_kframe(cid, big, 10, 601);
        break;
    case 3: /* more than the SDU announced */
        peer_kframe(cid, big, 10, 5);
        break;
    case 4: /* a credit count over 65535 (the peer's CID 0x50) */
        send_sig(0x16, 0x31, (const uint8_t[]){0x50, 0, 0xff, 0xff}, 4);
        break;
    default: /* a first K-frame too short to hold the SDU length */
        deliver(cid, big, 1, 251);
        break;
    }
}

static void test_coc_violations(void)
{
    for (int kind = 0; kind < 6; kind++) {
        setup(251, 8);
        struct conn *c = &h->conns[0];
        CHECK_EQ(l2cap_coc_listen(h, PSM, 600), 0);
        uint16_t cid = open_from_peer(0x50, 100, 5), other = open_from_peer(0x51, 100, 5);
        nev = 0;
        violate(kind, cid);
        check_disconnect_req(0x50, cid);
        CHECK_EQ(l2cap_coc_send(h, c, cid, (const uint8_t *)"x", 1), -EINVAL);
        CHECK_EQ(l2cap_coc_send(h, c, other, (const uint8_t *)"x", 1), 1);
        uint16_t to;
        uint8_t p[260];
        CHECK_EQ(next_pdu(&to, p), 3);
        CHECK_EQ(to, 0x51);
        CHECK_EQ(pending(), 0);
        CHECK_EQ(nev, kind == 0 ? 64 : 0); /* the SDUs that arrived (the recorder keeps 64) */
        teardown();
    }
}

static void test_coc_disconnection(void)
{
    setup(251, 8);
    struct conn *c = &h->conns[0];
    uint8_t d[6];
    CHECK_EQ(l2cap_coc_listen(h, PSM, 100), 0);
    uint16_t a = open_from_peer(0x60, 100, 5), b = open_from_peer(0x61, 100, 5);
    uint16_t e = open_from_peer(0x62, 100, 5);
    /* Ours: the event at the response, with both CIDs. */
    nev = 0;
    CHECK_EQ(l2cap_coc_disconnect(h, c, 0x7f), -EINVAL);
    CHECK_EQ(l2cap_coc_disconnect(h, c, a), 0);
    CHECK_EQ(l2cap_coc_disconnect(h, c, a), -EINVAL); /* closing already */
    uint8_t ident = next_sig(0x06, d);
    CHECK_EQ(nev, 0);
    put_le16(d, 0x60);
    put_le16(d + 2, a);
    send_sig(0x07, ident, d, 4);
    CHECK_EQ(last_event()->code, MPBLE_IRQ_L2CAP_DISCONNECT);
    CHECK_EQ(last_event()->u.l2cap.cid, a);
    CHECK_EQ(last_event()->u.l2cap.status, 0);
    /* The peer's: answered with both CIDs, the event; an unknown CID is rejected. */
    put_le16(d, b);
    put_le16(d + 2, 0x61);
    send_sig(0x06, 0x40, d, 4);
    CHECK_EQ(next_sig(0x07, d), 0x40);
    CHECK_EQ(get_le16(d), b);
    CHECK_EQ(get_le16(d + 2), 0x61);
    CHECK_EQ(last_event()->u.l2cap.cid, b);
    send_sig(0x06, 0x41, d, 4);
    CHECK_EQ(next_sig(0x01, d), 0x41);
    CHECK_EQ(get_le16(d), 0x0002); /* invalid CID in request */
    CHECK_EQ(get_le16(d + 2), b);
    /* Ours without an answer: closed at the RTX. */
    CHECK_EQ(l2cap_coc_disconnect(h, c, e), 0);
    next_sig(0x06, d);
    nev = 0;
    now_us += L2CAP_RTX_US;
    host_timers_run(h);
    CHECK_EQ(last_event()->u.l2cap.cid, e);
    CHECK_EQ(pending(), 0);
    teardown();
}

/* The link goes with channels open and one being asked for: each gets its event. */
static void test_coc_link_lost(void)
{
    setup(251, 8);
    struct conn *c = &h->conns[0];
    uint8_t req[10];
    CHECK_EQ(l2cap_coc_listen(h, PSM, 100), 0);
    open_from_peer(0x60, 100, 5);
    open_from_peer(0x61, 100, 5);
    CHECK_EQ(l2cap_coc_connect(h, c, 0x81, 100), 0);
    next_sig(0x14, req);
    nev = 0;
    h->conn_up.down(h, c);
    CHECK_EQ(nev, 3);
    unsigned lost = 0;
    for (unsigned i = 0; i < nev; i++) {
        CHECK_EQ(evs[i].code, MPBLE_IRQ_L2CAP_DISCONNECT);
        lost += evs[i].u.l2cap.status == MPBLE_STATUS_LINK_LOST;
    }
    CHECK_EQ(lost, 1);
    for (unsigned i = 0; i < L2CAP_COC_MAX_CHANS; i++)
        CHECK_EQ(h->coc.chans[i].state, COC_FREE);
    teardown();
}
