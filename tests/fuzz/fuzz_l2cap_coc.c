/* fuzz_l2cap_coc.c - the LE credit-based channels (l2cap_coc*.c) on arbitrary
 * signalling PDUs and K-frames, interleaved with the application's calls and the
 * clock running out RTXs. Input: records of [selector][length][data]; the selector's
 * low 3 bits pick what the record is, the rest a CID or a size. */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "host/host.h"
#include "host/l2cap.h"
#include "host/l2cap_coc.h"

#include "fuzz_host.h"

static uint64_t now_us;

static uint64_t fuzz_clock(void)
{
    return now_us;
}

static int on_event(void *ctx, const struct mpble_event *ev, struct mpble_reply *reply)
{
    /* Refuses every other channel, and takes what arrives at once or never. */
    if (ev->code == MPBLE_IRQ_L2CAP_ACCEPT)
        return ev->u.l2cap.cid & 1;
    return 0;
}

static struct host *setup(void)
{
    static struct host *h;
    if (h)
        return h;
    struct host_base base = {.fn = on_event, .now = fuzz_clock};
    /* Nothing is written: the queues fill and stall sends. */
    h = fuzz_dead_host(&base, 251);
    return h;
}

/* One L2CAP PDU on cid with the record's data as its payload. */
static void pdu(struct host *h, struct conn *c, uint16_t cid, const uint8_t *d, size_t n)
{
    uint8_t p[L2CAP_HDR + 255];
    put_le16(p, (uint16_t)n);
    put_le16(p + 2, cid);
    memcpy(p + L2CAP_HDR, d, n);
    l2cap_on_pdu(h, c, p, L2CAP_HDR + n);
}

static void record(struct host *h, struct conn *c, uint8_t sel, const uint8_t *d, size_t n)
{
    static uint8_t buf[4096];
    uint16_t cid = (uint16_t)(L2CAP_CID_DYN_FIRST + (sel >> 3 & 7));
    switch (sel & 7) {
    case 0:
    case 1:
        pdu(h, c, L2CAP_CID_LE_SIGNALING, d, n);
        break;
    case 2:
    case 3:
        pdu(h, c, cid, d, n);
        break;
    case 4:
        l2cap_coc_send(h, c, cid, buf, (size_t)n * 16);
        break;
    case 5:
        l2cap_coc_recvinto(h, c, cid, n ? buf : NULL, n);
        break;
    case 6:
        if (sel & 0x80)
            l2cap_coc_disconnect(h, c, cid);
        else
            l2cap_coc_connect(h, c, (uint16_t)(0x80 + (sel >> 6)), 23 + n * 8);
        break;
    default:
        now_us += (uint64_t)n * 1000 * 1000;
        host_timers_run(h);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct host *h = setup();
    struct conn *c = &h->conns[0];
    c->used = true;
    c->handle = 0x40;
    h->conn_up.up(h, c);
    l2cap_coc_listen(h, 0x80, 100);
    l2cap_coc_listen(h, 0x81, 1000);
    size_t off = 0;
    while (off + 2 <= size) {
        uint8_t sel = data[off], n = data[off + 1];
        off += 2;
        if (n > size - off)
            n = (uint8_t)(size - off);
        record(h, c, sel, data + off, n);
        off += n;
    }
    h->conn_up.down(h, c);
    c->used = false;
    memset(&h->coc.servers, 0, sizeof h->coc.servers);
    return 0;
}
