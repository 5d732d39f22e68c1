/* controller.h - a virtual LE controller: HCI (H4 packets) on one side, a radio on
 * the air on the other (radio/radio.h).
 *
 * Implemented: the LE controller commands for advertising, scanning, initiating
 * and connections (Core v5.4 Vol 4 Part E 7.1, 7.3, 7.4, 7.8), the advertising
 * (legacy PDUs, undirected and low duty cycle directed), scanning, initiating and
 * connection states of the link layer (Vol 6 Part B 4.4, 4.5) with the LL control
 * procedures of 5.1 but encryption. Not yet: high duty cycle directed advertising
 * (enabling it answers Invalid HCI Command Parameters), encryption. */
#ifndef MPBLE_CONTROLLER_H
#define MPBLE_CONTROLLER_H

#include <stddef.h>
#include <stdint.h>

#include "radio/radio.h"

struct controller;

/* Receives one whole H4 packet (indicator first) for the host. */
typedef void (*controller_output_fn)(void *ctx, const uint8_t *h4, size_t len);

/* A controller with public address addr (LSB first, as on HCI) on air, its
 * events going to out(ctx, ...). Returns NULL when out of memory or randomness. */
struct controller *controller_create(struct radio_air *air, const uint8_t addr[6],
                                     controller_output_fn out, void *ctx);
/* Leaves the air and frees it. */
void controller_destroy(struct controller *c);

/* One whole H4 packet from the host: a command, ACL or ISO data (ISO data are
 * dropped; ACL data for a bad handle or with bad flags are dropped with a log line). Returns 0, or -EPROTO when the packet is not a whole,
 * well-formed host-to-controller packet (the caller should drop the host). */
int controller_receive(struct controller *c, const uint8_t *h4, size_t len);

struct radio *controller_radio(struct controller *c);

/* Largest ACL payload the controller accepts (LE Read Buffer Size). */
#define CONTROLLER_ACL_MTU 251
#define CONTROLLER_ACL_BUFFERS 128

#endif
