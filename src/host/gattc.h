/* gattc.h - the GATT client procedures (Core v5.4 Vol 3 Part G 4) the module
 * offers: discovery, read, write, MTU exchange. Each link runs one ATT request at a
 * time (Vol 3 Part F 3.3.2); further procedures wait in a small queue. */
#ifndef MPBLE_GATTC_H
#define MPBLE_GATTC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/att_pdu.h"
#include "mpble/mpble.h"

struct host;
struct conn;

/* Procedures queued per link (NimBLE has 4 GATT procedures). */
#define GATTC_MAX_PROCS 4

enum gattc_kind {
    GATTC_DISC_SVCS,      /* all primary services: Read By Group Type */
    GATTC_DISC_SVCS_UUID, /* by UUID: Find By Type Value */
    GATTC_DISC_CHRS,      /* Read By Type 0x2803 */
    GATTC_DISC_DSCS,      /* Find Information */
    GATTC_READ,
    GATTC_WRITE,
    GATTC_MTU,
};

struct gattc_proc {
    uint8_t kind; /* enum gattc_kind */
    bool done;    /* finished: its DONE event (with status) is next */
    uint16_t status;
    bool has_uuid;
    mpble_uuid_t uuid; /* the service sought, or the characteristic filter */
    uint16_t handle;   /* discovery: the next handle to ask for; read/write: the value */
    uint16_t end;      /* discovery: the end of the range; MTU: the MTU we offered */
    union {
        struct { /* characteristic discovery: a result held until its end is known */
            bool valid;
            uint16_t value_handle;
            uint8_t properties;
            mpble_uuid_t uuid;
        } held;
        struct {
            uint16_t len;
            uint8_t data[ATT_MTU_MAX - 3];
        } write;
    } u;
};

struct gattc_queue {
    struct gattc_proc procs[GATTC_MAX_PROCS];
    uint8_t head, count;
    bool busy; /* working through the queue: calls from event handlers only queue */
};

/* The module's gattc_* for a connected c. 0, or -ENOMEM when the
 * link's queue is full, -EBUSY for a second characteristic discovery anywhere,
 * -EALREADY for a second MTU exchange, -EINVAL for a UUID of a bad length,
 * -ENOTCONN when the ATT bearer timed out. */
int gattc_discover_services(struct host *h, struct conn *c, const mpble_uuid_t *uuid);
int gattc_discover_characteristics(struct host *h, struct conn *c, uint16_t start, uint16_t end,
                                   const mpble_uuid_t *uuid);
int gattc_discover_descriptors(struct host *h, struct conn *c, uint16_t start, uint16_t end);
int gattc_read(struct host *h, struct conn *c, uint16_t handle);
/* A Write Request (WRITE_DONE follows) or a Write Command (sent now: -ENOMEM when
 * the link's data allowance is full, conn.h). */
int gattc_write(struct host *h, struct conn *c, uint16_t handle, const uint8_t *data, size_t len,
                bool with_response);
int gattc_exchange_mtu(struct host *h, struct conn *c);

/* From the ATT client: the bearer is idle, start the next request if any. */
void gattc_run(struct host *h, struct conn *c);
/* The answer to our request: its response or an Error Response, well-formed. */
void gattc_on_rsp(struct host *h, struct conn *c, const uint8_t *pdu, size_t len);
/* Ends the current procedure with status (a malformed answer). */
void gattc_fail_current(struct host *h, struct conn *c, uint16_t status);
/* Ends every procedure of the link with status (timeout, link loss). */
void gattc_fail_all(struct host *h, struct conn *c, uint16_t status);

#endif
