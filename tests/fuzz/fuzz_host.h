/* fuzz_host.h - the host the L2CAP fuzz targets drive: made once, its transport dead
 * (commands fail at once, nothing is written, so every code path runs without a
 * controller), with acl_pkts ACL buffers of acl_mtu bytes. */
#ifndef MPBLE_FUZZ_HOST_H
#define MPBLE_FUZZ_HOST_H

#include <stdlib.h>
#include <string.h>

#include "host/host.h"

static inline struct host *fuzz_dead_host(struct host_base *base, uint16_t acl_mtu)
{
    struct host *h = host_new(base);
    if (h == NULL)
        abort();
    h->dead = true;
    strcpy(h->dead_reason, "fuzzing");
    h->acl_mtu = acl_mtu;
    h->acl_pkts = 4;
    h->acl_credits = 4;
    return h;
}

#endif
