/* hci.h - the host side of HCI (Core v5.4 Vol 4 Part E): commands with flow
 * control (4.4), reading the controller, and handing what it sends to the layer
 * above through the functions registered in struct hci_upper. */
#ifndef MPBLE_HCI_H
#define MPBLE_HCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct host;
struct hci_evt;

/* What the host above HCI does with what the controller sends (host.c registers
 * them). Events other than the answers to commands; ACL packets (H4 indicator
 * included); the transport's failure. */
struct hci_upper {
    void (*event)(struct host *h, const struct hci_evt *ev);
    void (*acl)(struct host *h, const uint8_t *pkt, size_t len);
    void (*lost)(struct host *h);
};

/* Bytes per read of the transport: the work of one loop turn at most. */
#define HCI_READ_CHUNK 4096

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

/* One turn of the loop: dispatches the parked packets, then reads the transport
 * once (at most HCI_READ_CHUNK bytes: the socket holds the rest) and dispatches
 * every whole packet as it comes. Nothing is dispatched while deactivating. */
void hci_run(struct host *h, bool readable);
/* Whether received packets wait to be dispatched (the loop must not sleep). */
bool hci_pending(const struct host *h);
/* Marks the transport failed: why goes to the error message; idempotent. */
void hci_fail(struct host *h, int err, const char *why);

#endif
