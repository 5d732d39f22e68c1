/* l2cap_coc.h - LE credit-based connection-oriented channels (Core v5.4 Vol 3
 * Part A 4.22-4.24, 10.1). No channel server exists yet: every request is
 * refused, as "SPSM not supported". */
#ifndef MPBLE_L2CAP_COC_H
#define MPBLE_L2CAP_COC_H

#include <stdint.h>

struct host;
struct conn;

#define L2CAP_COC_CONN_REQ_LEN 10 /* SPSM, source CID, MTU, MPS, initial credits */
#define L2CAP_COC_CONN_RSP_LEN 10 /* destination CID, MTU, MPS, initial credits, result */

/* An LE Credit Based Connection Request's data (4.22): writes the response's data
 * (4.23) to rsp. */
void l2cap_coc_conn_req(struct host *h, struct conn *c, const uint8_t *req, uint8_t *rsp);

#endif
