/* fuzz_l2cap.c - ACL reassembly, the L2CAP fixed-channel demultiplexer, the LE
 * signalling channel, the SMP refusal and (behind them) the ATT bearer with the
 * stack's own GATT database, on arbitrary ACL packets from a controller. Input:
 * records of [pb+handle selector][length][data]. */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "host/acl.h"
#include "host/gatts.h"
#include "host/host.h"

#include "fuzz_host.h"

static struct host *setup(void)
{
    static struct host *h;
    if (h)
        return h;
    struct host_base base = {0};
    h = fuzz_dead_host(&base, 27);
    if (gatts_start(h) < 0)
        abort();
    return h;
}

static void connect(struct host *h, unsigned i, uint8_t role)
{
    struct conn *c = &h->conns[i];
    c->used = true;
    c->handle = (uint16_t)(0x40 + i);
    c->role = role;
    h->conn_up.up(h, c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct host *h = setup();
    connect(h, 0, CONN_ROLE_CENTRAL);
    connect(h, 1, CONN_ROLE_PERIPHERAL);
    uint8_t pkt[1 + HCI_ACL_HDR + 256];
    size_t off = 0;
    while (off + 2 <= size) {
        uint8_t sel = data[off], n = data[off + 1];
        off += 2;
        if (n > size - off)
            n = (uint8_t)(size - off);
        pkt[0] = H4_ACL;
        put_le16(pkt + 1, (uint16_t)((0x40 + (sel & 3)) | ((sel >> 2 & 3) << 12)));
        put_le16(pkt + 3, n);
        memcpy(pkt + 1 + HCI_ACL_HDR, data + off, n);
        /* Sometimes lie about the length: the layer must notice. */
        size_t len = 1 + HCI_ACL_HDR + n - ((sel & 0x80) && n ? 1 : 0);
        acl_on_packet(h, pkt, len);
        off += n;
    }
    for (unsigned i = 0; i < 2; i++) {
        h->conn_up.down(h, &h->conns[i]);
        h->conns[i].used = false;
    }
    return 0;
}
