/* gatts.h - the GATT server's attribute database (Core v5.4 Vol 3 Part G 3), the
 * stored values, and the per-connection Client Characteristic Configuration. */
#ifndef MPBLE_GATTS_H
#define MPBLE_GATTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpble/mpble.h"

struct host;
struct conn;

/* The module's FLAG_* bits; the low byte is the characteristic properties
 * (Vol 3 Part G 3.3.1.1). */
#define GATTS_F_READ 0x0002
#define GATTS_F_WRITE_NO_RESPONSE 0x0004
#define GATTS_F_WRITE 0x0008
#define GATTS_F_NOTIFY 0x0010
#define GATTS_F_INDICATE 0x0020
#define GATTS_F_READ_ENCRYPTED 0x0200
#define GATTS_F_READ_AUTHENTICATED 0x0400
#define GATTS_F_READ_AUTHORIZED 0x0800
#define GATTS_F_WRITE_ENCRYPTED 0x1000
#define GATTS_F_WRITE_AUTHENTICATED 0x2000
#define GATTS_F_WRITE_AUTHORIZED 0x4000

/* The reference's limit on services per registration. */
#define GATTS_MAX_SERVICES 8
/* A new value's buffer (reference). */
#define GATTS_DEFAULT_BUFFER 20

/* Activation builds the database with the stack's own services only; deactivation
 * frees it (safe when gatts_start never ran). */
int gatts_start(struct host *h);
void gatts_stop(struct host *h);

/* mpble_gatts_register_services. */
int gatts_register(struct host *h, const struct mpble_gatts_service *services, size_t n,
                   uint16_t *handles, size_t handles_cap);

/* The API's access to stored values (mpble_gatts_read/write/set_buffer). */
int gatts_local_read(struct host *h, uint16_t handle, uint8_t **data, size_t *len);
int gatts_local_write(struct host *h, uint16_t handle, const uint8_t *data, size_t len,
                      bool send_update);
int gatts_set_buffer(struct host *h, uint16_t handle, size_t len, bool append);

/* ---- the ATT server's view ---- */

/* The last handle in use. */
uint16_t gatts_last_handle(const struct host *h);
/* Type of an existing attribute (1 <= handle <= gatts_last_handle). */
mpble_uuid_t gatts_type(const struct host *h, uint16_t handle);
/* Group end of a primary service declaration; 0 for other attributes. */
uint16_t gatts_group_end(const struct host *h, uint16_t handle);
/* Whether the attribute has a fixed length (declarations, CCCDs): Read Blob answers
 * Attribute Not Long for them (Vol 3 Part F 3.4.4.5). */
bool gatts_fixed_length(const struct host *h, uint16_t handle);

/* Reads an attribute as the server does for c (NULL: a local read for a
 * notification): permissions (remote only), then _IRQ_GATTS_READ_REQUEST for user
 * values when ask_app (conn_handle 0xffff for a local read) - its non-zero result
 * denies - then the value. Returns 0 with *val and *len (valid until the database
 * changes) or an ATT error code. */
uint8_t gatts_read(struct host *h, struct conn *c, uint16_t handle, bool ask_app,
                   const uint8_t **val, size_t *len);

/* Whether c may write the attribute: a value whose characteristic has WRITE or
 * WRITE_NO_RESPONSE (by a Write Request or a Write Command alike), a descriptor with
 * either, a CCCD; then the security the flags ask for. 0 or an ATT error code. */
uint8_t gatts_write_allowed(struct host *h, struct conn *c, uint16_t handle);
/* Whether a whole new value is acceptable (length, CCCD bits). 0 or an ATT error. */
uint8_t gatts_value_ok(struct host *h, uint16_t handle, const uint8_t *data, size_t len);
/* Stores a remote write that passed both checks: user values are truncated to their
 * buffer (or appended in append mode), CCCDs set for c. */
void gatts_store(struct host *h, struct conn *c, uint16_t handle, const uint8_t *data, size_t len);
/* After the write's response went out: _IRQ_GATTS_WRITE for a user value or
 * descriptor (never for CCCDs). */
void gatts_written(struct host *h, struct conn *c, uint16_t handle);

/* A connection went away: its CCCDs read as 0 again. */
void gatts_conn_reset(struct host *h, struct conn *c);
/* The link's indication was confirmed (or queued ones sent): pending updates may go. */
void gatts_kick_updates(struct host *h);

#endif
