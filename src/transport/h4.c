/* h4.c - H4 deframer (Core v5.4 Vol 4 Part A section 2). */
#include "transport/h4.h"

#include <errno.h>
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"

void h4_init(struct h4_deframer *d, enum h4_side side, size_t max_acl)
{
    d->side = side;
    d->max_acl = max_acl > 65535 ? 65535 : max_acl;
    d->have = 0;
    d->need = 0;
    d->err = NULL;
}

const char *h4_error(const struct h4_deframer *d)
{
    return d->err ? d->err : "no error";
}

/* Header length (indicator included) of a packet type this side may receive, or 0. */
static size_t header_len(const struct h4_deframer *d, uint8_t type)
{
    switch (type) {
    case H4_CMD:
        return d->side == H4_FROM_HOST ? 1 + HCI_CMD_HDR : 0;
    case H4_EVT:
        return d->side == H4_FROM_CONTROLLER ? 1 + HCI_EVT_HDR : 0;
    case H4_ACL:
        return 1 + HCI_ACL_HDR;
    case H4_ISO:
        return 1 + 4;
    default:
        return 0;
    }
}

/* Total length once the header is in, or 0 if the length is impossible. */
static size_t total_len(struct h4_deframer *d)
{
    const uint8_t *b = d->buf;
    switch (b[0]) {
    case H4_CMD:
        return 1 + HCI_CMD_HDR + b[3];
    case H4_EVT:
        return 1 + HCI_EVT_HDR + b[2];
    case H4_ACL: {
        size_t len = get_le16(b + 3);
        if (len > d->max_acl) {
            d->err = "ACL packet longer than the buffer size";
            return 0;
        }
        return 1 + HCI_ACL_HDR + len;
    }
    default: /* H4_ISO: 14-bit length (Vol 4 Part E 5.4.5) */
        return 1 + 4 + (get_le16(b + 3) & 0x3fff);
    }
}

int h4_next(struct h4_deframer *d, const uint8_t **data, size_t *len, const uint8_t **pkt,
            size_t *pkt_len)
{
    if (d->err)
        return -EPROTO;
    while (*len > 0) {
        if (d->have == 0) {
            size_t hdr = header_len(d, (*data)[0]);
            if (hdr == 0) {
                d->err = d->side == H4_FROM_HOST ? "unknown H4 packet type from host"
                                                 : "unknown H4 packet type from controller";
                return -EPROTO;
            }
            d->need = hdr; /* first collect the header */
        }
        size_t take = d->need - d->have;
        if (take > *len)
            take = *len;
        memcpy(d->buf + d->have, *data, take);
        d->have += take;
        *data += take;
        *len -= take;
        if (d->have < d->need)
            break;
        if (d->need == header_len(d, d->buf[0]) && d->have == d->need) {
            size_t total = total_len(d);
            if (total == 0)
                return -EPROTO;
            if (total > d->need) {
                d->need = total;
                continue;
            }
        }
        /* A whole packet. */
        *pkt = d->buf;
        *pkt_len = d->have;
        d->have = 0;
        d->need = 0;
        return 1;
    }
    return 0;
}

int h4_feed(struct h4_deframer *d, const uint8_t *data, size_t len, h4_packet_fn fn, void *ctx)
{
    const uint8_t *pkt;
    size_t n;
    int rc;
    while ((rc = h4_next(d, &data, &len, &pkt, &n)) == 1) {
        rc = fn(ctx, pkt, n);
        if (rc < 0)
            return rc;
    }
    return rc;
}
