/* host.h - the host stack's state and the interfaces between its layers.
 *
 * One `struct host` exists per active device. It is created at activation and
 * owned by the device's event-loop thread: nothing here is locked. The public API
 * (ble.c) reaches it only by running functions on that thread (loop.c).
 */
#ifndef MPBLE_HOST_H
#define MPBLE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/conn.h"
#include "host/host_timer.h"
#include "host/snoop.h"
#include "mpble/mpble.h"
#include "transport/h4.h"

struct host;


/* ---- HCI (hci.c) ---- */

/* Packets read while a command waits for its completion are queued here and
 * dispatched afterwards, in order. */
struct hci_queue {
    uint8_t *buf;
    size_t cap, head, used;
    unsigned dropped_reports; /* advertising reports dropped while the queue was full */
};

/* Sends a command and waits for its Command Complete or Command Status. Returns the
 * HCI status (>= 0), or a negative errno: -ETIMEDOUT when the controller does not
 * answer within HCI_CMD_TIMEOUT_US, -EIO when the transport failed. The return
 * parameters after the status (Command Complete) go to rsp, up to rsp_cap bytes;
 * *rsp_len (if not NULL) gets their length. */
int hci_cmd(struct host *h, uint16_t opcode, const void *params, uint8_t plen, uint8_t *rsp,
            size_t rsp_cap, size_t *rsp_len);
#define HCI_CMD_TIMEOUT_US 2000000u

/* Writes one H4 packet to the controller (and the capture). 0 or a negative errno
 * (the transport is then dead). */
int hci_send_packet(struct host *h, const uint8_t *pkt, size_t len);

/* Maps an HCI status to the errno the API reports (Invalid parameters -> EINVAL,
 * Command disallowed -> EBUSY, others -> EIO); a negative argument passes through. */
int hci_status_to_errno(int status);

/* Reads what the transport has and queues whole packets. 0, or a negative errno when
 * the transport failed (the host is then dead). */
int hci_read(struct host *h);
/* Dispatches the queued packets to the layers above, oldest first. */
void hci_dispatch(struct host *h);
/* Marks the transport failed: why goes to the error message; idempotent. */
void hci_fail(struct host *h, int err, const char *why);

/* ---- GAP (gap.c) ---- */

int gap_start(struct host *h);         /* after the controller is up: choose the address */
void gap_stop(struct host *h);         /* deactivation: stop advertising and scanning */
void gap_on_transport_lost(struct host *h);
struct hci_evt;
void gap_on_adv_reports(struct host *h, const struct hci_evt *ev);

int gap_set_addr_mode(struct host *h, int mode);
void gap_get_mac(struct host *h, mpble_addr_t *out);

struct gap_adv_args {
    uint32_t interval_us;
    const uint8_t *adv, *resp; /* NULL: keep */
    size_t adv_len, resp_len;
    bool connectable;
};
int gap_advertise(struct host *h, const struct gap_adv_args *a);
int gap_advertise_stop(struct host *h);

struct gap_scan_args {
    uint32_t duration_ms, interval_us, window_us;
    bool active;
};
int gap_scan(struct host *h, const struct gap_scan_args *a);
int gap_scan_stop(struct host *h);

/* ---- events up to the application (ble.c) ---- */

/* Delivers an event through the device's callback unless the device is being
 * deactivated (SCAN_DONE is still delivered then). */
int host_emit(struct host *h, const struct mpble_event *ev);

/* ---- the state ---- */

struct host {
    struct mpble *dev;
    host_clock_fn now;
    struct host_timer *timers;
    bool loop_must_look; /* timers changed: the loop thread's poll timeout is stale */

    /* transport */
    int fd;
    bool dead;
    char dead_reason[160];
    struct h4_deframer rx;
    struct hci_queue queue;
    uint8_t *rx_dispatch; /* H4_MAX_PACKET bytes: the packet being dispatched */
    struct snoop snoop;

    /* HCI command flow control: Num_HCI_Command_Packets (Vol 4 Part E 4.4) */
    uint8_t cmd_credits;
    struct {
        bool waiting;
        uint16_t opcode;
        int status; /* -1 until the answer arrives */
        uint8_t *rsp;
        size_t rsp_cap, rsp_len;
    } cmd;

    /* what the controller told us at start-up */
    uint8_t hci_version;
    uint8_t commands[64];
    uint8_t le_features[8];
    uint16_t acl_mtu, acl_pkts;
    uint8_t public_addr[6]; /* HCI order */
    bool has_public;

    /* connections (conn.c) and their data (acl.c) */
    struct conn conns[HOST_MAX_CONNS];
    bool connecting;
    bool connect_cancelled;
    struct host_timer connect_timer;
    uint16_t acl_credits; /* controller ACL buffers free (Vol 4 Part E 4.1.1) */
    unsigned tx_next;     /* round robin over the links */

    /* GATT server (gatts.c): the attribute database and the stored values */
    struct gatts_db *gatts;

    /* GAP */
    bool stopping;
    uint8_t own_addr_type;
    uint8_t random_addr[6]; /* HCI order */
    bool advertising;
    bool scanning;
    struct host_timer scan_timer;
};

#endif
