/* acl.h - HCI ACL data for LE: host-to-controller flow control and fragmentation,
 * reassembly of what the controller delivers (Core v5.4 Vol 4 Part E 4.1.1, 5.4.2). */
#ifndef MPBLE_ACL_H
#define MPBLE_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct host;
struct conn;

/* What the layer above does with a link's data (host.c registers it): a whole
 * reassembled L2CAP PDU (header included), and room freed in the link's transmit
 * queue after a queueing found it full. */
struct acl_upper {
    void (*pdu)(struct host *h, struct conn *c, const uint8_t *pdu, size_t len);
    void (*room)(struct host *h, struct conn *c);
};

/* What a PDU is to a link's transmit queue (conn.h): data, bounded to the
 * HOST_TX_DATA_BLOCKS allowance, or what must not be lost, which may also use the
 * reserve. */
enum acl_class { ACL_CONTROL, ACL_DATA };

/* Queues one L2CAP PDU, given as a header and a payload, for c; sends what the
 * controller's buffers allow at once. 0, -ENOMEM (no room: nothing queued; room
 * is reported when it frees), -EMSGSIZE (larger than the queue), -ENOTCONN. */
int acl_queue(struct host *h, struct conn *c, enum acl_class cls, const uint8_t *hdr,
              size_t hdr_len, const uint8_t *payload, size_t len);
/* Whether a PDU of pdu_len and class cls fits in c's transmit queue now; if not,
 * room is reported (acl_upper.room) when it does. */
bool acl_room(struct conn *c, enum acl_class cls, size_t pdu_len);
/* An ACL packet from the controller (H4 indicator included). */
void acl_on_packet(struct host *h, const uint8_t *pkt, size_t len);
/* Number Of Completed Packets: buffers freed in the controller. */
void acl_on_completed(struct host *h, uint16_t handle, uint16_t count);
/* A link came up: its queues are empty. */
void acl_link_up(struct host *h, struct conn *c);
/* The link is gone: its packets in the controller count as completed (Vol 4
 * Part E 4.3), its queues are emptied, the other links may use the buffers. */
void acl_link_down(struct host *h, struct conn *c);

#endif
