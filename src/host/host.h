/* host.h - one host's state, and its top: creation, start-up and shutdown, and the
 * dispatch that wires the layers together (host.c).
 *
 * The layers, bottom up (each calls only those below it; what goes up goes through
 * the functions the top registers):
 *   base, host_timer   diagnostics, errors, events, settings, clock and timers
 *   hci, hci_evt       commands, reading and parking, event decoding; startup
 *   gap                advertising, scanning, the own address
 *   conn               LE links: connecting, parameters, disconnecting
 *   acl                ACL flow control, fragmentation, reassembly
 *   l2cap              the channel table; l2cap_sig (signalling), l2cap_coc
 *   att, smp           the ATT bearer (server, client); the Security Manager
 *   gatts, gattc       the GATT server's database, the GATT client procedures
 *                      (the ATT server and the database it serves are one floor:
 *                      att_server reads and writes it, gatts sends its updates)
 * One `struct host` exists per active device; whoever holds the host's lock
 * (loop.h) owns it. */
#ifndef MPBLE_HOST_H
#define MPBLE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/byte_ring.h"
#include "host/acl.h"
#include "host/base.h"
#include "host/conn.h"
#include "host/hci.h"
#include "host/host_timer.h"
#include "host/l2cap_coc.h"
#include "host/snoop.h"
#include "host/startup.h"
#include "mpble/mpble.h"
#include "transport/h4.h"

struct host {
    struct host_base base; /* first: base.h reaches it through the host */

    /* transport */
    int fd;
    bool dead;
    char dead_reason[160];
    struct snoop snoop;

    /* HCI (hci.c): the layer above, received bytes, parked packets */
    struct hci_upper hci_up;
    struct h4_deframer rx;
    uint8_t *rx_in; /* HCI_READ_CHUNK bytes read, from rx_pos to rx_len not deframed */
    size_t rx_pos, rx_len;
    uint8_t *rx_pkt;         /* H4_MAX_PACKET bytes: the packet being dispatched */
    struct byte_ring parked; /* packets that came while a command waited, in order */

    /* HCI command flow control: Num_HCI_Command_Packets (Vol 4 Part E 4.4) */
    uint8_t cmd_credits;
    struct {
        bool waiting;
        uint16_t opcode;
        int status; /* -1 until the answer arrives */
        uint8_t *rsp;
        size_t rsp_cap, rsp_len;
    } cmd;

    /* the public address start-up asks the controller for (startup.h), HCI order */
    enum startup_addr want_addr_source;
    uint8_t want_addr[6];

    /* what the controller told us at start-up */
    uint8_t hci_version;
    uint8_t commands[64];
    uint8_t le_features[8];
    uint16_t acl_mtu, acl_pkts;
    uint8_t public_addr[6]; /* HCI order */
    bool has_public;

    /* GAP (gap.c) */
    uint8_t own_addr_type;
    uint8_t random_addr[6]; /* HCI order */
    bool advertising;
    bool adv_connectable;
    bool adv_held;   /* connectable advertising asked for, held while no link slot is free */
    bool links_full; /* every link slot is taken */
    bool scanning;
    struct host_timer scan_timer;

    /* connections (conn.c) and their data (acl.c) */
    struct conn_upper conn_up;
    struct conn conns[HOST_MAX_CONNS];
    bool connecting;
    bool connect_cancelled;
    struct host_timer connect_timer;
    struct acl_upper acl_up;
    uint16_t acl_credits; /* controller ACL buffers free (Vol 4 Part E 4.1.1) */
    unsigned tx_next;     /* round robin over the links */

    /* L2CAP credit-based channels (l2cap_coc.c): servers and channels */
    struct l2cap_coc coc;

    /* GATT server (gatts.c): the attribute database and the stored values */
    struct gatts_db *gatts;
};

/* A host with its layers wired together and no transport (fd -1), the base's event
 * callback, error buffer and settings taken from base; NULL when out of memory. */
struct host *host_new(const struct host_base *base);
void host_free(struct host *h);
/* Activation, on an open transport: the controller's start-up, then each layer. */
int host_start(struct host *h);
/* Deactivation: stops advertising and scanning, then no events but SCAN_DONE, and
 * every link is disconnected. */
void host_shutdown(struct host *h);

#endif
