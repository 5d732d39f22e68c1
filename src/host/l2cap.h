/* l2cap.h - L2CAP on LE: the fixed channels (Core v5.4 Vol 3 Part A 2.1) over the
 * host's ACL links, and the LE signalling channel. */
#ifndef MPBLE_L2CAP_H
#define MPBLE_L2CAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct host;
struct conn;

#define L2CAP_CID_ATT 0x0004
#define L2CAP_CID_LE_SIGNALING 0x0005
#define L2CAP_CID_SMP 0x0006
#define L2CAP_HDR 4 /* length(2) channel id(2): a B-frame, Vol 3 Part A 3.1 */

/* Sends one PDU on a fixed channel of c: framed, fragmented into ACL packets and
 * queued until the controller has buffers for them. 0, -ENOMEM when the link's
 * transmit queue cannot take it now (nothing is queued then), -ENOTCONN when c is
 * not connected. */
int l2cap_send(struct host *h, struct conn *c, uint16_t cid, const uint8_t *payload, size_t len);

/* Whether a PDU of len payload bytes fits in c's transmit queue now. */
bool l2cap_can_send(struct host *h, struct conn *c, size_t len);

/* From the ACL layer: one whole reassembled L2CAP PDU (header included). */
void l2cap_on_pdu(struct host *h, struct conn *c, const uint8_t *pdu, size_t len);

#endif
