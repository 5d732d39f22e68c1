/* fuzz_controller_cmd.c - arbitrary bytes into a virtual controller that shares a
 * medium with an advertising, actively scanning peer.
 *
 * The first byte picks the mode: even, the rest is one whole packet given straight
 * to controller_receive (indicator included); odd, the rest is a byte stream cut
 * into packets by the H4 deframer as the air server does. Between packets the
 * medium runs 2 ms of fast timing so advertising and scanning states get exercised. */
#include <stddef.h>
#include <stdint.h>

#include "air/medium.h"
#include "common/hci_defs.h"
#include "controller/controller.h"
#include "transport/h4.h"

static void discard(void *ctx, const uint8_t *pkt, size_t len)
{
}

struct fuzz_ctx {
    struct medium *m;
    struct controller *c;
};

static int feed(void *arg, const uint8_t *pkt, size_t len)
{
    struct fuzz_ctx *f = arg;
    int rc = controller_receive(f->c, pkt, len);
    timerq_run_until(&f->m->air.timers, medium_now(f->m) + 2000);
    return rc;
}

/* The peer: advertising ADV_IND and actively scanning. */
static void peer_setup(struct controller *peer)
{
    static const uint8_t cmds[][20] = {
        {H4_CMD, 0x01, 0x0c, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f},
        {H4_CMD, 0x06, 0x20, 15, 0x20, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07, 0},
        {H4_CMD, 0x0a, 0x20, 1, 1},
        {H4_CMD, 0x0b, 0x20, 7, 1, 0x10, 0, 0x10, 0, 0, 0},
        {H4_CMD, 0x0c, 0x20, 2, 1, 0},
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        controller_receive(peer, cmds[i], 4u + cmds[i][3]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct h4_deframer d;
    static const uint8_t a1[6] = {1, 0, 0, 0, 0xaa, 0xbb}, a2[6] = {2, 0, 0, 0, 0xaa, 0xbb};
    if (size < 1)
        return 0;
    struct medium m;
    if (medium_init(&m, MEDIUM_TIMING_FAST, 1) < 0)
        return 0;
    struct controller *peer = controller_create(&m.air, a2, discard, NULL);
    struct fuzz_ctx f = {&m, controller_create(&m.air, a1, discard, NULL)};
    if (peer && f.c) {
        peer_setup(peer);
        if (data[0] & 1) {
            h4_init(&d, H4_FROM_HOST, CONTROLLER_ACL_MTU);
            h4_feed(&d, data + 1, size - 1, feed, &f);
        } else {
            feed(&f, data + 1, size - 1);
        }
    }
    controller_destroy(f.c);
    controller_destroy(peer);
    medium_free(&m);
    return 0;
}
