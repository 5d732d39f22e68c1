/* acl.h - HCI ACL data for LE: host-to-controller flow control and fragmentation,
 * reassembly of what the controller delivers (Core v5.4 Vol 4 Part E 4.1.1, 5.4.2). */
#ifndef MPBLE_ACL_H
#define MPBLE_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct host;
struct conn;

/* Queues one L2CAP PDU, given as a header and a payload, for c; sends what the
 * controller's buffers allow at once. 0, -ENOMEM (no room: nothing queued),
 * -ENOTCONN. */
int acl_queue(struct host *h, struct conn *c, const uint8_t *hdr, size_t hdr_len,
              const uint8_t *payload, size_t len);
bool acl_has_room(const struct conn *c, size_t pdu_len);
/* Sends queued L2CAP PDUs as ACL packets while the controller has buffers. */
void acl_kick(struct host *h);
/* An ACL packet from the controller (H4 indicator included). */
void acl_on_packet(struct host *h, const uint8_t *pkt, size_t len);
/* Number Of Completed Packets: buffers freed in the controller. */
void acl_on_completed(struct host *h, uint16_t handle, uint16_t count);
/* The connection is gone: its packets in the controller count as completed
 * (Vol 4 Part E 4.3), its queues are emptied. */
void acl_on_disconnect(struct host *h, struct conn *c);

#endif
