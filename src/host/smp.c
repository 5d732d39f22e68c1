/* smp.c - the Security Manager's channel (Core v5.4 Vol 3 Part H 3). */
#include "host/smp.h"

#include <stddef.h>
#include <stdint.h>

/* SMP codes and reasons (3.3, 3.5.5). */
#define SMP_PAIRING_REQUEST 0x01
#define SMP_PAIRING_FAILED 0x05
#define SMP_SECURITY_REQUEST 0x0b
#define SMP_REASON_PAIRING_NOT_SUPPORTED 0x05

static void on_smp(struct host *h, struct conn *c, struct l2cap_chan *ch, const uint8_t *p,
                   size_t len)
{
    if (len < 1 || (p[0] != SMP_PAIRING_REQUEST && p[0] != SMP_SECURITY_REQUEST))
        return;
    uint8_t r[2] = {SMP_PAIRING_FAILED, SMP_REASON_PAIRING_NOT_SUPPORTED};
    l2cap_send(h, c, L2CAP_CID_SMP, ACL_CONTROL, r, sizeof r);
}

const struct l2cap_chan_ops smp_chan_ops = {.recv = on_smp};
