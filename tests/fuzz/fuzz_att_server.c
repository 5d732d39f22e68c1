/* fuzz_att_server.c - arbitrary PDUs into the ATT server and the client's answer
 * paths of a host with a registered database, mixed with the API calls that
 * start procedures, notifications, indications, value updates, timeouts and
 * disconnections. Checks: nothing sent is longer than ATT_MTU or goes out after a
 * timeout (the fake's l2cap_send), and every client procedure started ends with
 * exactly one DONE event. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../c/test_att_fake.h"
#include "host/gattc.h"

static const struct mpble_gatts_descriptor descs[] = {
    {U16(0x2901), GATTS_F_READ},
    {U16(0x2902), GATTS_F_WRITE},
};
static const struct mpble_gatts_characteristic chars[] = {
    {U16(0x2a37), GATTS_F_READ | GATTS_F_NOTIFY | GATTS_F_INDICATE, descs, 2},
    {{16, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},
     GATTS_F_WRITE | GATTS_F_WRITE_NO_RESPONSE,
     NULL,
     0},
    {U16(0x2a38), GATTS_F_READ | GATTS_F_READ_ENCRYPTED | GATTS_F_WRITE_AUTHENTICATED, descs, 1},
    {U16(0x2a39), GATTS_F_INDICATE | GATTS_F_WRITE, NULL, 0},
};
static const struct mpble_gatts_service services[] = {
    {U16(0x180d), chars, 4},
    {{4, {1, 2, 3, 4}}, chars, 1},
    {U16(0x1810), NULL, 0},
};

static struct conn *conns[2];
static long started, done;
static bool reenter;

static void on_event(const struct mpble_event *ev)
{
    switch (ev->code) {
    case MPBLE_IRQ_GATTC_SERVICE_DONE:
    case MPBLE_IRQ_GATTC_CHARACTERISTIC_DONE:
    case MPBLE_IRQ_GATTC_DESCRIPTOR_DONE:
    case MPBLE_IRQ_GATTC_READ_DONE:
    case MPBLE_IRQ_GATTC_WRITE_DONE:
        done++;
        break;
    case MPBLE_IRQ_GATTC_SERVICE_RESULT:
        if (reenter && gattc_read(&fk.h, conns[0], ev->u.service.start_handle) == 0)
            started++;
        break;
    case MPBLE_IRQ_GATTS_READ_REQUEST:
        if (reenter)
            gatts_local_write(&fk.h, ev->u.gatts.attr_handle, (const uint8_t *)"again", 5, false);
        break;
    default:
        break;
    }
}

static uint16_t get16(const uint8_t *d, size_t size, size_t *i)
{
    uint16_t v = 0;
    for (int k = 0; k < 2 && *i < size; k++)
        v = (uint16_t)(v | d[(*i)++] << (8 * k));
    return v;
}

/* The API calls: tags 0xf0 and up. */
static void act(uint8_t tag, const uint8_t *d, size_t size, size_t *i)
{
    struct conn *c = conns[0];
    uint16_t a = get16(d, size, i), b = get16(d, size, i);
    mpble_uuid_t u = U16(a);
    uint8_t buf[600];
    memset(buf, (uint8_t)a, sizeof buf);
    size_t len = b % sizeof buf;
    int rc = -1;
    switch (tag) {
    case 0xf0:
        rc = gattc_discover_services(&fk.h, c, a & 1 ? &u : NULL);
        break;
    case 0xf1:
        rc = gattc_discover_characteristics(&fk.h, c, a, b, a & 1 ? &u : NULL);
        break;
    case 0xf2:
        rc = gattc_discover_descriptors(&fk.h, c, a, b);
        break;
    case 0xf3:
        rc = gattc_read(&fk.h, c, a);
        break;
    case 0xf4:
        rc = gattc_write(&fk.h, c, a, buf, len, true);
        break;
    case 0xf5:
        gattc_write(&fk.h, c, a, buf, len, false);
        break;
    case 0xf6:
        gattc_exchange_mtu(&fk.h, c);
        break;
    case 0xf7:
        att_server_send_value(&fk.h, conns[b & 1], a % 32, b & 2 ? NULL : buf, len, b & 4);
        break;
    case 0xf8:
        gatts_local_write(&fk.h, a % 32, buf, len, true);
        break;
    case 0xf9:
        gatts_set_buffer(&fk.h, a % 32, b % 64, b & 0x100);
        break;
    case 0xfa: {
        uint8_t *out;
        size_t n;
        gatts_local_read(&fk.h, a % 32, &out, &n);
        free(out);
        break;
    }
    case 0xfb:
        fake_advance(a & 1 ? ATT_TIMEOUT_US : (uint64_t)b * 100);
        break;
    case 0xfc:
        fk.tx_fail = a & 1 ? -ENOMEM : 0;
        fk.read_request_result = b & 3 ? 0 : a >> 8;
        fk.h.base.settings.mtu = 23 + b % (ATT_MTU_MAX - 22);
        conns[0]->sec.encrypted = b & 0x10;
        break;
    case 0xfd:
        fake_disconnect(conns[b & 1]);
        conns[b & 1] = fake_connect(b & 1, (uint16_t)(0x40 + (b & 1)));
        break;
    case 0xfe: /* the link's transmit queue has room again */
        att_chan_ops.tx_room(&fk.h, conns[b & 1], NULL);
        break;
    default:
        break;
    }
    if (rc == 0 && tag <= 0xf4)
        started++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fake_setup();
    fk.on_event = on_event;
    uint16_t handles[32];
    if (gatts_register(&fk.h, services, 3, handles, 32) < 0)
        abort();
    conns[0] = fake_connect(0, 0x40);
    conns[1] = fake_connect(1, 0x41);
    started = done = 0;
    reenter = size && (data[0] & 1);
    for (size_t i = size ? 1 : 0; i < size;) {
        uint8_t tag = data[i++];
        if (tag >= 0xf0) {
            act(tag, data, size, &i);
            continue;
        }
        /* A PDU of up to 239 bytes (longer ones with a length byte after 0xee/0xef). */
        size_t n = tag;
        struct conn *c = conns[0];
        if (tag >= 0xee) {
            c = conns[tag & 1];
            n = i < size ? data[i++] * 3u : 0;
        }
        if (n > size - i)
            n = size - i;
        uint8_t *pdu = malloc(n ? n : 1); /* exact size, so ASan sees over-reads */
        memcpy(pdu, data + i, n);
        att_on_pdu(&fk.h, c, pdu, n);
        free(pdu);
        i += n;
    }
    fake_disconnect(conns[0]);
    fake_disconnect(conns[1]);
    if (started != done)
        abort(); /* every procedure ends with exactly one DONE */
    gatts_stop(&fk.h);
    return 0;
}
