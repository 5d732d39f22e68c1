/* att_pdu.c - ATT PDU length rules and UUIDs (Core v5.4 Vol 3 Part F 3.4). */
#include "host/att_pdu.h"

#include <string.h>

#include "common/bytes.h"

/* How the bytes after a PDU's fixed part are laid out. */
enum shape {
    SHAPE_NONE,         /* min..max bytes, nothing more to check */
    SHAPE_UUID,         /* handles then a 16- or 128-bit UUID: 7 or 21 bytes */
    SHAPE_HANDLES,      /* opcode then two or more handles */
    SHAPE_INFO,         /* format byte then (handle, 16-bit UUID) or (handle, 128-bit UUID) pairs */
    SHAPE_HANDLES_INFO, /* opcode then (found, group end) handle pairs */
    SHAPE_ATTR_DATA,    /* length byte then entries of that length, at least `aux` each */
};

struct rule {
    uint8_t present; /* the opcode is known */
    uint8_t shape;
    uint8_t aux;
    uint16_t min, max; /* max 0: up to the MTU */
};

/* Lengths from the PDU definitions in 3.4.1 - 3.4.7. */
static const struct rule rules[256] = {
    [ATT_ERROR_RSP] = {1, SHAPE_NONE, 0, 5, 5},
    [ATT_MTU_REQ] = {1, SHAPE_NONE, 0, 3, 3},
    [ATT_MTU_RSP] = {1, SHAPE_NONE, 0, 3, 3},
    [ATT_FIND_INFO_REQ] = {1, SHAPE_NONE, 0, 5, 5},
    [ATT_FIND_INFO_RSP] = {1, SHAPE_INFO, 0, 6, 0},
    [ATT_FIND_BY_TYPE_REQ] = {1, SHAPE_NONE, 0, 7, 0},
    [ATT_FIND_BY_TYPE_RSP] = {1, SHAPE_HANDLES_INFO, 0, 5, 0},
    [ATT_READ_BY_TYPE_REQ] = {1, SHAPE_UUID, 0, 7, 21},
    [ATT_READ_BY_TYPE_RSP] = {1, SHAPE_ATTR_DATA, 2, 4, 0},
    [ATT_READ_REQ] = {1, SHAPE_NONE, 0, 3, 3},
    [ATT_READ_RSP] = {1, SHAPE_NONE, 0, 1, 0},
    [ATT_READ_BLOB_REQ] = {1, SHAPE_NONE, 0, 5, 5},
    [ATT_READ_BLOB_RSP] = {1, SHAPE_NONE, 0, 1, 0},
    [ATT_READ_MULT_REQ] = {1, SHAPE_HANDLES, 0, 5, 0},
    [ATT_READ_MULT_RSP] = {1, SHAPE_NONE, 0, 1, 0},
    [ATT_READ_BY_GROUP_REQ] = {1, SHAPE_UUID, 0, 7, 21},
    [ATT_READ_BY_GROUP_RSP] = {1, SHAPE_ATTR_DATA, 4, 6, 0},
    [ATT_WRITE_REQ] = {1, SHAPE_NONE, 0, 3, 0},
    [ATT_WRITE_RSP] = {1, SHAPE_NONE, 0, 1, 1},
    [ATT_PREP_WRITE_REQ] = {1, SHAPE_NONE, 0, 5, 0},
    [ATT_PREP_WRITE_RSP] = {1, SHAPE_NONE, 0, 5, 0},
    [ATT_EXEC_WRITE_REQ] = {1, SHAPE_NONE, 0, 2, 2},
    [ATT_EXEC_WRITE_RSP] = {1, SHAPE_NONE, 0, 1, 1},
    [ATT_NOTIFY] = {1, SHAPE_NONE, 0, 3, 0},
    [ATT_INDICATE] = {1, SHAPE_NONE, 0, 3, 0},
    [ATT_CONFIRM] = {1, SHAPE_NONE, 0, 1, 1},
    [ATT_WRITE_CMD] = {1, SHAPE_NONE, 0, 3, 0},
    [ATT_SIGNED_WRITE_CMD] = {1, SHAPE_NONE, 0, 15, 0}, /* handle, value, 12-byte signature */
};

bool att_op_is_request(uint8_t op)
{
    switch (op) {
    case ATT_MTU_REQ:
    case ATT_FIND_INFO_REQ:
    case ATT_FIND_BY_TYPE_REQ:
    case ATT_READ_BY_TYPE_REQ:
    case ATT_READ_REQ:
    case ATT_READ_BLOB_REQ:
    case ATT_READ_MULT_REQ:
    case ATT_READ_BY_GROUP_REQ:
    case ATT_WRITE_REQ:
    case ATT_PREP_WRITE_REQ:
    case ATT_EXEC_WRITE_REQ:
        return true;
    default:
        return false;
    }
}

bool att_pdu_valid(const uint8_t *pdu, size_t len)
{
    if (len == 0)
        return false;
    const struct rule *r = &rules[pdu[0]];
    if (!r->present || len < r->min || (r->max && len > r->max))
        return false;
    switch (r->shape) {
    case SHAPE_UUID:
        return len == 7 || len == 21;
    case SHAPE_HANDLES:
        return (len - 1) % 2 == 0;
    case SHAPE_INFO: /* 3.4.3.2: format 1 = 16-bit UUIDs, 2 = 128-bit */
        return (pdu[1] == 1 && (len - 2) % 4 == 0) || (pdu[1] == 2 && (len - 2) % 18 == 0);
    case SHAPE_HANDLES_INFO:
        return (len - 1) % 4 == 0;
    case SHAPE_ATTR_DATA:
        return pdu[1] >= r->aux && (len - 2) % pdu[1] == 0;
    default:
        return true;
    }
}

size_t att_error_rsp(uint8_t *out, uint8_t req_op, uint16_t handle, uint8_t code)
{
    out[0] = ATT_ERROR_RSP;
    out[1] = req_op;
    put_le16(out + 2, handle);
    out[4] = code;
    return 5;
}

/* The Bluetooth Base UUID 00000000-0000-1000-8000-00805F9B34FB, little-endian
 * (Vol 3 Part B 2.5.1). */
static const uint8_t base_uuid[16] = {0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00, 0x00, 0x80,
                                      0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

bool att_uuid_get(mpble_uuid_t *out, const uint8_t *p, size_t len)
{
    if (len != 2 && len != 16)
        return false;
    memset(out, 0, sizeof *out);
    out->len = (uint8_t)len;
    memcpy(out->le, p, len);
    return true;
}

mpble_uuid_t att_uuid16(uint16_t v)
{
    mpble_uuid_t u = {.len = 2};
    put_le16(u.le, v);
    return u;
}

/* The 128-bit form of any UUID. */
static void widen(const mpble_uuid_t *u, uint8_t out[16])
{
    if (u->len == 16) {
        memcpy(out, u->le, 16);
        return;
    }
    memcpy(out, base_uuid, 16);
    memcpy(out + 12, u->le, u->len); /* 16 or 32 bits at offset 12 */
}

mpble_uuid_t att_uuid_norm(const mpble_uuid_t *u)
{
    if (u->len != 4)
        return *u;
    mpble_uuid_t w = {.len = 16};
    widen(u, w.le);
    return w;
}

bool att_uuid_eq(const mpble_uuid_t *a, const mpble_uuid_t *b)
{
    uint8_t wa[16], wb[16];
    widen(a, wa);
    widen(b, wb);
    return memcmp(wa, wb, 16) == 0;
}

bool att_uuid_is(const mpble_uuid_t *u, uint16_t v)
{
    mpble_uuid_t x = att_uuid16(v);
    return att_uuid_eq(u, &x);
}
