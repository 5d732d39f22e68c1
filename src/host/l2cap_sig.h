/* l2cap_sig.h - the LE signalling channel (Core v5.4 Vol 3 Part A 4), fixed CID
 * 0x0005: its channel operations, opened on every link. */
#ifndef MPBLE_L2CAP_SIG_H
#define MPBLE_L2CAP_SIG_H

#include "host/l2cap.h"

#define L2CAP_SIG_MTU 23 /* MTU_sig for LE (Vol 3 Part A 4) */

extern const struct l2cap_chan_ops l2cap_sig_ops;

/* LE signalling codes this host sends (Vol 3 Part A 4, Table 4.2). */
#define L2CAP_SIG_DISCONN_REQ 0x06
#define L2CAP_SIG_LE_CREDIT_CONN_REQ 0x14
#define L2CAP_SIG_LE_CREDIT_CONN_RSP 0x15
#define L2CAP_SIG_FLOW_CONTROL_CREDIT_IND 0x16

/* Sends one command (at most 16 octets of data) with identifier ident on c. */
void l2cap_sig_send(struct host *h, struct conn *c, uint8_t code, uint8_t ident,
                    const uint8_t *data, size_t len);
/* Sends a request with the link's next identifier, which it returns. */
uint8_t l2cap_sig_request(struct host *h, struct conn *c, uint8_t code, const uint8_t *data,
                          size_t len);

#endif
