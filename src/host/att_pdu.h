/* att_pdu.h - Attribute Protocol PDUs (Core v5.4 Vol 3 Part F 3.4): opcodes, error
 * codes, the length rules of every PDU, and UUIDs as ATT carries them. Pure
 * functions, no state. */
#ifndef MPBLE_ATT_PDU_H
#define MPBLE_ATT_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpble/mpble.h"

/* Opcodes (3.4.8, Table 3.37). */
enum att_op {
    ATT_ERROR_RSP = 0x01,
    ATT_MTU_REQ = 0x02,
    ATT_MTU_RSP = 0x03,
    ATT_FIND_INFO_REQ = 0x04,
    ATT_FIND_INFO_RSP = 0x05,
    ATT_FIND_BY_TYPE_REQ = 0x06,
    ATT_FIND_BY_TYPE_RSP = 0x07,
    ATT_READ_BY_TYPE_REQ = 0x08,
    ATT_READ_BY_TYPE_RSP = 0x09,
    ATT_READ_REQ = 0x0a,
    ATT_READ_RSP = 0x0b,
    ATT_READ_BLOB_REQ = 0x0c,
    ATT_READ_BLOB_RSP = 0x0d,
    ATT_READ_MULT_REQ = 0x0e,
    ATT_READ_MULT_RSP = 0x0f,
    ATT_READ_BY_GROUP_REQ = 0x10,
    ATT_READ_BY_GROUP_RSP = 0x11,
    ATT_WRITE_REQ = 0x12,
    ATT_WRITE_RSP = 0x13,
    ATT_PREP_WRITE_REQ = 0x16,
    ATT_PREP_WRITE_RSP = 0x17,
    ATT_EXEC_WRITE_REQ = 0x18,
    ATT_EXEC_WRITE_RSP = 0x19,
    ATT_NOTIFY = 0x1b,
    ATT_INDICATE = 0x1d,
    ATT_CONFIRM = 0x1e,
    ATT_WRITE_CMD = 0x52,
    ATT_SIGNED_WRITE_CMD = 0xd2,
};
/* Bit 6 of an opcode marks a command: never answered (3.3.1). */
#define ATT_OP_COMMAND 0x40

/* Error codes (3.4.1.1, Table 3.4). */
enum att_err {
    ATT_ERR_INVALID_HANDLE = 0x01,
    ATT_ERR_READ_NOT_PERMITTED = 0x02,
    ATT_ERR_WRITE_NOT_PERMITTED = 0x03,
    ATT_ERR_INVALID_PDU = 0x04,
    ATT_ERR_INSUFFICIENT_AUTHEN = 0x05,
    ATT_ERR_REQ_NOT_SUPPORTED = 0x06,
    ATT_ERR_INVALID_OFFSET = 0x07,
    ATT_ERR_INSUFFICIENT_AUTHOR = 0x08,
    ATT_ERR_PREPARE_QUEUE_FULL = 0x09,
    ATT_ERR_ATTR_NOT_FOUND = 0x0a,
    ATT_ERR_ATTR_NOT_LONG = 0x0b,
    ATT_ERR_INVALID_VALUE_LEN = 0x0d,
    ATT_ERR_UNLIKELY = 0x0e,
    ATT_ERR_INSUFFICIENT_ENC = 0x0f,
    ATT_ERR_UNSUPPORTED_GROUP = 0x10,
};

#define ATT_MTU_MIN 23    /* LE default and minimum (3.2.8) */
#define ATT_MTU_MAX 527   /* the largest config('mtu') */
#define ATT_VALUE_MAX 512 /* longest attribute value (3.2.9) */

/* Whether an opcode is one a client sends and expects an answer to (a request). */
bool att_op_is_request(uint8_t op);
/* The response opcode for a request opcode. */
static inline uint8_t att_rsp_op(uint8_t req_op)
{
    return (uint8_t)(req_op + 1);
}

/* Whether a PDU of a known opcode has a length (and, where the PDU says how its
 * list is laid out, a consistent layout) the spec allows. Unknown opcodes: false. */
bool att_pdu_valid(const uint8_t *pdu, size_t len);

/* Writes an Error Response (3.4.1.1); returns its length (5). */
size_t att_error_rsp(uint8_t *out, uint8_t req_op, uint16_t handle, uint8_t code);

/* UUIDs on ATT are 16 or 128 bits (3.2.1). Reads one of len bytes; false for other
 * lengths. */
bool att_uuid_get(mpble_uuid_t *out, const uint8_t *p, size_t len);
/* A 16-bit UUID. */
mpble_uuid_t att_uuid16(uint16_t v);
/* The ATT form: 16 and 128 bits as they are, 32 bits widened to 128 (3.2.1). */
mpble_uuid_t att_uuid_norm(const mpble_uuid_t *u);
/* Equality across forms: a 16-bit UUID equals its 128-bit Bluetooth Base form. */
bool att_uuid_eq(const mpble_uuid_t *a, const mpble_uuid_t *b);
/* Whether u is the 16-bit UUID v (in either form). */
bool att_uuid_is(const mpble_uuid_t *u, uint16_t v);

#endif
