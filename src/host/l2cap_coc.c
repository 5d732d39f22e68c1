/* l2cap_coc.c - LE credit-based channels (Core v5.4 Vol 3 Part A 4.22-4.24). */
#include "host/l2cap_coc.h"

#include <string.h>

#include "common/bytes.h"

/* LE Credit Based Connection results (4.23). */
#define LE_CREDIT_SPSM_NOT_SUPPORTED 0x0002

void l2cap_coc_conn_req(struct host *h, struct conn *c, const uint8_t *req, uint8_t *rsp)
{
    /* No server listens on any SPSM: the other fields are 0 (4.23). */
    memset(rsp, 0, L2CAP_COC_CONN_RSP_LEN);
    put_le16(rsp + 8, LE_CREDIT_SPSM_NOT_SUPPORTED);
}
