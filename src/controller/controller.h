/* controller.h - a virtual LE controller: HCI (H4 packets) on one side, a radio on
 * the air on the other (radio/radio.h).
 *
 * Implemented: the LE controller commands for advertising, scanning, initiating
 * and connections (Core v5.4 Vol 4 Part E 7.1, 7.3, 7.4, 7.8), the advertising
 * (legacy PDUs, undirected and low duty cycle directed), scanning, initiating and
 * connection states of the link layer (Vol 6 Part B 4.4, 4.5) with the LL control
 * procedures of 5.1 but encryption, and Zephyr's vendor command Write BD_ADDR
 * (controller_set_address_claim). Not yet: high duty cycle directed advertising
 * (enabling it answers Invalid HCI Command Parameters), encryption. */
#ifndef MPBLE_CONTROLLER_H
#define MPBLE_CONTROLLER_H

#include <stddef.h>
#include <stdint.h>

#include "radio/radio.h"

struct controller;

/* Receives one whole H4 packet (indicator first) for the host. */
typedef void (*controller_output_fn)(void *ctx, const uint8_t *h4, size_t len);
/* Octets the host's output can take now (ctx as for the output). */
typedef size_t (*controller_room_fn)(void *ctx);

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

/* Flow control towards the host. With a room check set, the controller produces
 * for the host only what fits, as a controller with full buffers to its host does:
 * a data PDU from a peer is taken (and acknowledged on the air) only if its ACL
 * packet fits with CONTROLLER_EVENT_RESERVE octets left, an advertising report
 * goes out only then too (else it is dropped and counted), an LL control PDU only
 * if CONTROLLER_CTRL_EVENT_ROOM octets are left; what is not taken comes again.
 * Every other event (Command Complete and Status, Number Of Completed Packets,
 * Disconnection Complete...) always goes out: the output must keep the reserve
 * for them. Without a room check the host always has room. */
#define CONTROLLER_EVENT_RESERVE (128 * 1024)
#define CONTROLLER_CTRL_EVENT_ROOM 1024 /* the events one LL control PDU raises */
void controller_set_host_room(struct controller *c, controller_room_fn room);
/* The host's room grew: links that refused data for want of it run again now (fast
 * timing; in real timing the peer sends it again at its next exchange). */
void controller_host_ready(struct controller *c);

/* Whom a controller asks before it takes a public address the host writes (Zephyr's
 * vendor Write BD_ADDR, hci_defs.h), ctx as for the output: HCI_SUCCESS grants it
 * (the controller then has it), another status refuses it and is the command's.
 * Without a claim every address is granted. The address written stays across HCI
 * Reset, until the controller is destroyed. */
typedef uint8_t (*controller_claim_fn)(void *ctx, const uint8_t addr[6]);
void controller_set_address_claim(struct controller *c, controller_claim_fn claim);

/* Largest ACL payload the controller accepts (LE Read Buffer Size). */
#define CONTROLLER_ACL_MTU 251
#define CONTROLLER_ACL_BUFFERS 128

#endif
