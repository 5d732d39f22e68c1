/* fuzz_ll_pdu.c - arbitrary data channel PDUs into a connected controller pair.
 *
 * Two virtual controllers are connected in fast timing (one ACL packet queued
 * each way). The first input byte picks the side: even, each PDU goes to the
 * peripheral as if the central sent it; odd, the peripheral's radio is replaced
 * by one that answers the central's connection events with the PDUs. The rest
 * is a series of [length][octets] records, one PDU each (header + payload, the
 * header's length octet as the input has it); 5 ms of fast timing run after
 * each so procedures, instants and timeouts move on. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "air/medium.h"
#include "common/hci_defs.h"
#include "common/log.h"
#include "controller/controller_int.h"

static void discard(void *ctx, const uint8_t *pkt, size_t len)
{
}

static const uint8_t *script;
static size_t script_left;

/* The next record of the input, or an empty PDU once it is used up. */
static size_t next_pdu(uint8_t *out)
{
    if (script_left == 0) {
        out[0] = LL_LLID_CONT;
        out[1] = 0;
        return 2;
    }
    size_t len = script[0];
    if (len > script_left - 1)
        len = script_left - 1;
    if (len > AIR_PDU_MAX)
        len = AIR_PDU_MAX;
    memcpy(out, script + 1, len);
    script += 1 + len;
    script_left -= 1 + len;
    return len;
}

static size_t fuzz_link_receive(struct radio *r, int link, const struct air_pdu *pdu,
                                uint8_t *reply, uint8_t *phy)
{
    *phy = AIR_PHY_1M;
    return next_pdu(reply);
}

static void cmd(struct controller *c, uint16_t op, const uint8_t *p, uint8_t len)
{
    uint8_t pkt[64] = {H4_CMD, (uint8_t)op, (uint8_t)(op >> 8), len};
    memcpy(pkt + 4, p, len);
    controller_receive(c, pkt, 4u + len);
}

static void setup(struct controller *central, struct controller *peripheral, const uint8_t peer[6])
{
    static const uint8_t mask[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f};
    static const uint8_t le_mask[8] = {0xff, 0x0f};
    struct controller *both[2] = {central, peripheral};
    for (int i = 0; i < 2; i++) {
        cmd(both[i], HCI_OP_SET_EVENT_MASK, mask, 8);
        cmd(both[i], HCI_OP_LE_SET_EVENT_MASK, le_mask, 8);
    }
    uint8_t adv[15] = {0x20, 0, 0x20, 0, HCI_ADV_IND, 0, 0, 0, 0, 0, 0, 0, 0, 0x07, 0};
    cmd(peripheral, HCI_OP_LE_SET_ADV_PARAMS, adv, 15);
    uint8_t on = 1;
    cmd(peripheral, HCI_OP_LE_SET_ADV_ENABLE, &on, 1);
    uint8_t cc[25] = {0x10, 0, 0x10, 0, 0, 0};
    memcpy(cc + 6, peer, 6);
    cc[13] = cc[15] = 6; /* 7.5 ms */
    cc[19] = 100;        /* 1 s */
    cmd(central, HCI_OP_LE_CREATE_CONN, cc, 25);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t a1[6] = {1, 0, 0, 0, 0xaa, 0xbb}, a2[6] = {2, 0, 0, 0, 0xaa, 0xbb};
    static const struct radio_ops puppet_ops = {.link_receive = fuzz_link_receive};
    if (size < 1)
        return 0;
    log_setup("mpble-air", stderr, LOG_LEVEL_ERROR);
    struct medium m;
    if (medium_init(&m, MEDIUM_TIMING_FAST, 1) < 0)
        return 0;
    struct controller *central = controller_create(&m.air, a1, discard, NULL);
    struct controller *peripheral = controller_create(&m.air, a2, discard, NULL);
    if (central && peripheral) {
        setup(central, peripheral, a2);
        timerq_run_until(&m.air.timers, medium_now(&m) + 2000);
        struct ll_conn *cn = &central->conns[0];
        if (cn->in_use) {
            /* Some data each way, so acknowledgements matter. */
            uint8_t acl[9] = {H4_ACL, 0, 0, 4, 0, 1, 2, 3, 4};
            controller_receive(central, acl, sizeof(acl));
            controller_receive(peripheral, acl, sizeof(acl));
            script = data + 1;
            script_left = size - 1;
            const struct radio_ops *saved = peripheral->radio.ops;
            if (data[0] & 1)
                peripheral->radio.ops = &puppet_ops;
            while (script_left > 0 && cn->in_use) {
                if (!(data[0] & 1)) {
                    uint8_t pdu[AIR_PDU_MAX], buf[AIR_PDU_MAX];
                    size_t len = next_pdu(pdu);
                    struct air_pdu tx = {.channel = 0,
                                         .start = medium_now(&m),
                                         .phy = 1,
                                         .event = cn->event,
                                         .pdu = pdu,
                                         .len = len};
                    struct air_pdu rx;
                    radio_link_exchange(&central->radio, cn->link, &tx, &rx, buf);
                }
                timerq_run_until(&m.air.timers, medium_now(&m) + 5000);
            }
            peripheral->radio.ops = saved;
            timerq_run_until(&m.air.timers, medium_now(&m) + 2000000);
        }
    }
    controller_destroy(central);
    controller_destroy(peripheral);
    medium_free(&m);
    return 0;
}
