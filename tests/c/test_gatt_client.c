/* test_gatt_client.c - the GATT client procedures against canned server answers:
 * the requests on the wire, the RESULT and DONE events, end handles and UUID
 * filters, errors, malformed answers, serialization, timeouts and link loss. */
#include "check.h"
#include "common/bytes.h"
#include "host/gattc.h"
#include "test_att_fake.h"

#define CONN 0x40

static struct conn *setup(void)
{
    fake_setup();
    return fake_connect(0, CONN);
}

static void expect_done(int code, uint16_t status, int line)
{
    const struct mpble_event *e = expect_ev(code, line);
    if (e) {
        CHECK_EQ(e->u.done.conn_handle, CONN);
        CHECK_EQ(e->u.done.status, status);
    }
}
#define EXPECT_DONE(code, status) expect_done(code, status, __LINE__)

static void expect_value_done(int code, uint16_t handle, uint16_t status, int line)
{
    const struct mpble_event *e = expect_ev(code, line);
    if (e) {
        CHECK_EQ(e->u.value_done.conn_handle, CONN);
        CHECK_EQ(e->u.value_done.value_handle, handle);
        CHECK_EQ(e->u.value_done.status, status);
    }
}
#define EXPECT_VALUE_DONE(code, handle, status) expect_value_done(code, handle, status, __LINE__)

static void expect_service(uint16_t start, uint16_t end, uint16_t uuid16, int line)
{
    const struct mpble_event *e = expect_ev(MPBLE_IRQ_GATTC_SERVICE_RESULT, line);
    if (e) {
        CHECK_EQ(e->u.service.start_handle, start);
        CHECK_EQ(e->u.service.end_handle, end);
        if (uuid16)
            CHECK(e->u.service.uuid.len == 2 && get_le16(e->u.service.uuid.le) == uuid16);
        else
            CHECK_EQ(e->u.service.uuid.len, 16);
    }
}
#define EXPECT_SERVICE(start, end, uuid) expect_service(start, end, uuid, __LINE__)

static void expect_chr(uint16_t end, uint16_t value, uint8_t props, uint16_t uuid16, int line)
{
    const struct mpble_event *e = expect_ev(MPBLE_IRQ_GATTC_CHARACTERISTIC_RESULT, line);
    if (e) {
        CHECK_EQ(e->u.characteristic.end_handle, end);
        CHECK_EQ(e->u.characteristic.value_handle, value);
        CHECK_EQ(e->u.characteristic.properties, props);
        CHECK(e->u.characteristic.uuid.len == 2 && get_le16(e->u.characteristic.uuid.le) == uuid16);
    }
}
#define EXPECT_CHR(end, value, props, uuid) expect_chr(end, value, props, uuid, __LINE__)

static void test_services(void)
{
    struct conn *c = setup();
    CHECK_EQ(gattc_discover_services(&fk.h, c, NULL), 0);
    EXPECT_TX(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28);
    RX(c, 0x11, 0x06, 0x01, 0x00, 0x05, 0x00, 0x00, 0x18, 0x06, 0x00, 0x09, 0x00, 0x01, 0x18, 0x0a,
       0x00, 0x0d, 0x00, 0x0d, 0x18);
    EXPECT_SERVICE(1, 5, 0x1800);
    EXPECT_SERVICE(6, 9, 0x1801);
    EXPECT_SERVICE(10, 13, 0x180d);
    EXPECT_TX(0x10, 0x0e, 0x00, 0xff, 0xff, 0x00, 0x28);
    uint8_t rsp[22] = {0x11, 0x14, 0x0e, 0x00, 0x13, 0x00};
    memset(rsp + 6, 0xab, 16);
    att_on_pdu(&fk.h, c, rsp, sizeof rsp);
    EXPECT_SERVICE(14, 19, 0);
    EXPECT_TX(0x10, 0x14, 0x00, 0xff, 0xff, 0x00, 0x28);
    RX(c, 0x01, 0x10, 0x14, 0x00, 0x0a);
    EXPECT_DONE(MPBLE_IRQ_GATTC_SERVICE_DONE, 0);
    EXPECT_NO_EV();
    EXPECT_NO_TX();

    /* A group ending at 0xffff ends the procedure without another request. */
    CHECK_EQ(gattc_discover_services(&fk.h, c, NULL), 0);
    fake_drain();
    RX(c, 0x11, 0x06, 0x01, 0x00, 0xff, 0xff, 0x00, 0x18);
    EXPECT_SERVICE(1, 0xffff, 0x1800);
    EXPECT_DONE(MPBLE_IRQ_GATTC_SERVICE_DONE, 0);
    EXPECT_NO_TX();
    /* Other errors: 0x100 + the code. */
    CHECK_EQ(gattc_discover_services(&fk.h, c, NULL), 0);
    fake_drain();
    RX(c, 0x01, 0x10, 0x01, 0x00, 0x05);
    EXPECT_DONE(MPBLE_IRQ_GATTC_SERVICE_DONE, 0x105);

    /* By UUID: Find By Type Value; 32-bit UUIDs go as 128 bits. */
    mpble_uuid_t hr = {2, {0x0d, 0x18}};
    CHECK_EQ(gattc_discover_services(&fk.h, c, &hr), 0);
    EXPECT_TX(0x06, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28, 0x0d, 0x18);
    RX(c, 0x07, 0x0a, 0x00, 0x0d, 0x00);
    EXPECT_SERVICE(10, 13, 0x180d);
    EXPECT_TX(0x06, 0x0e, 0x00, 0xff, 0xff, 0x00, 0x28, 0x0d, 0x18);
    RX(c, 0x01, 0x06, 0x0e, 0x00, 0x0a);
    EXPECT_DONE(MPBLE_IRQ_GATTC_SERVICE_DONE, 0);
    mpble_uuid_t u32 = {4, {0x78, 0x56, 0x34, 0x12}};
    CHECK_EQ(gattc_discover_services(&fk.h, c, &u32), 0);
    const struct fake_pdu *t = fake_tx();
    CHECK(t && t->len == 7 + 16 && t->data[7 + 12] == 0x78 && t->data[7] == 0xfb);
    mpble_uuid_t bad = {3, {0}};
    CHECK_EQ(gattc_discover_services(&fk.h, c, &bad), -EINVAL);
}

static void test_characteristics(void)
{
    struct conn *c = setup();
    CHECK_EQ(gattc_discover_characteristics(&fk.h, c, 1, 0xffff, NULL), 0);
    EXPECT_TX(0x08, 0x01, 0x00, 0xff, 0xff, 0x03, 0x28);
    RX(c, 0x09, 0x07, 0x02, 0x00, 0x02, 0x03, 0x00, 0x00, 0x2a, 0x04, 0x00, 0x02, 0x05, 0x00, 0x01,
       0x2a, 0x07, 0x00, 0x20, 0x08, 0x00, 0x05, 0x2a);
    /* Each result once the next declaration shows where it ends. */
    EXPECT_CHR(3, 3, 0x02, 0x2a00);
    EXPECT_CHR(6, 5, 0x02, 0x2a01);
    EXPECT_NO_EV();
    EXPECT_TX(0x08, 0x08, 0x00, 0xff, 0xff, 0x03, 0x28);
    RX(c, 0x09, 0x07, 0x0b, 0x00, 0x12, 0x0c, 0x00, 0x37, 0x2a);
    EXPECT_CHR(10, 8, 0x20, 0x2a05);
    EXPECT_TX(0x08, 0x0c, 0x00, 0xff, 0xff, 0x03, 0x28);
    RX(c, 0x01, 0x08, 0x0c, 0x00, 0x0a);
    /* The last ends at the end of the requested range. */
    EXPECT_CHR(0xffff, 12, 0x12, 0x2a37);
    EXPECT_DONE(MPBLE_IRQ_GATTC_CHARACTERISTIC_DONE, 0);
    EXPECT_NO_EV();

    /* A UUID filter after discovery: end handles stay right. */
    mpble_uuid_t want = {2, {0x01, 0x2a}};
    CHECK_EQ(gattc_discover_characteristics(&fk.h, c, 1, 9, &want), 0);
    EXPECT_TX(0x08, 0x01, 0x00, 0x09, 0x00, 0x03, 0x28);
    RX(c, 0x09, 0x07, 0x02, 0x00, 0x02, 0x03, 0x00, 0x00, 0x2a, 0x04, 0x00, 0x02, 0x05, 0x00, 0x01,
       0x2a, 0x07, 0x00, 0x20, 0x08, 0x00, 0x05, 0x2a);
    EXPECT_CHR(6, 5, 0x02, 0x2a01);
    RX(c, 0x01, 0x08, 0x08, 0x00, 0x0a);
    EXPECT_DONE(MPBLE_IRQ_GATTC_CHARACTERISTIC_DONE, 0);
    EXPECT_NO_EV();
    /* A declaration at the end of the range ends the procedure. */
    CHECK_EQ(gattc_discover_characteristics(&fk.h, c, 10, 11, NULL), 0);
    fake_drain();
    RX(c, 0x09, 0x07, 0x0b, 0x00, 0x12, 0x0c, 0x00, 0x37, 0x2a);
    EXPECT_CHR(11, 12, 0x12, 0x2a37);
    EXPECT_DONE(MPBLE_IRQ_GATTC_CHARACTERISTIC_DONE, 0);
    EXPECT_NO_TX();
    /* 128-bit UUIDs. */
    CHECK_EQ(gattc_discover_characteristics(&fk.h, c, 1, 0xffff, NULL), 0);
    fake_drain();
    uint8_t rsp[23] = {0x09, 21, 0x0f, 0x00, 0x12, 0x10, 0x00};
    memset(rsp + 7, 0x6e, 16);
    att_on_pdu(&fk.h, c, rsp, sizeof rsp);
    fake_tx();
    RX(c, 0x01, 0x08, 0x10, 0x00, 0x0a);
    const struct mpble_event *e = EXPECT_EV(MPBLE_IRQ_GATTC_CHARACTERISTIC_RESULT);
    CHECK(e && e->u.characteristic.uuid.len == 16 && e->u.characteristic.uuid.le[15] == 0x6e);
    EXPECT_DONE(MPBLE_IRQ_GATTC_CHARACTERISTIC_DONE, 0);

    /* One characteristic discovery at a time, on any link. */
    struct conn *c2 = fake_connect(1, 0x41);
    CHECK_EQ(gattc_discover_characteristics(&fk.h, c, 1, 0xffff, NULL), 0);
    CHECK_EQ(gattc_discover_characteristics(&fk.h, c2, 1, 0xffff, NULL), -EBUSY);
    CHECK_EQ(gattc_discover_characteristics(&fk.h, c, 1, 0xffff, NULL), -EBUSY);
    fake_drain();
    RX(c, 0x01, 0x08, 0x01, 0x00, 0x0a);
    EXPECT_DONE(MPBLE_IRQ_GATTC_CHARACTERISTIC_DONE, 0);
    CHECK_EQ(gattc_discover_characteristics(&fk.h, c2, 1, 0xffff, NULL), 0);
}

static void test_descriptors(void)
{
    struct conn *c = setup();
    CHECK_EQ(gattc_discover_descriptors(&fk.h, c, 10, 13), 0);
    EXPECT_TX(0x04, 0x0b, 0x00, 0x0d, 0x00);
    RX(c, 0x05, 0x01, 0x0b, 0x00, 0x03, 0x28, 0x0c, 0x00, 0x37, 0x2a);
    const struct mpble_event *e = EXPECT_EV(MPBLE_IRQ_GATTC_DESCRIPTOR_RESULT);
    CHECK(e && e->u.descriptor.handle == 11 && get_le16(e->u.descriptor.uuid.le) == 0x2803);
    e = EXPECT_EV(MPBLE_IRQ_GATTC_DESCRIPTOR_RESULT);
    CHECK(e && e->u.descriptor.handle == 12 && get_le16(e->u.descriptor.uuid.le) == 0x2a37);
    EXPECT_TX(0x04, 0x0d, 0x00, 0x0d, 0x00);
    RX(c, 0x05, 0x01, 0x0d, 0x00, 0x02, 0x29);
    e = EXPECT_EV(MPBLE_IRQ_GATTC_DESCRIPTOR_RESULT);
    CHECK(e && e->u.descriptor.handle == 13 && e->u.descriptor.uuid.len == 2);
    EXPECT_DONE(MPBLE_IRQ_GATTC_DESCRIPTOR_DONE, 0);
    EXPECT_NO_TX();
    /* An empty range: done at once, nothing asked. */
    CHECK_EQ(gattc_discover_descriptors(&fk.h, c, 12, 12), 0);
    EXPECT_DONE(MPBLE_IRQ_GATTC_DESCRIPTOR_DONE, 0);
    CHECK_EQ(gattc_discover_descriptors(&fk.h, c, 0xffff, 0xffff), 0);
    EXPECT_DONE(MPBLE_IRQ_GATTC_DESCRIPTOR_DONE, 0);
    EXPECT_NO_TX();
    /* 128-bit types; Attribute Not Found ends it. */
    CHECK_EQ(gattc_discover_descriptors(&fk.h, c, 15, 0xffff), 0);
    EXPECT_TX(0x04, 0x10, 0x00, 0xff, 0xff);
    uint8_t rsp[20] = {0x05, 0x02, 0x10, 0x00};
    att_on_pdu(&fk.h, c, rsp, sizeof rsp);
    e = EXPECT_EV(MPBLE_IRQ_GATTC_DESCRIPTOR_RESULT);
    CHECK(e && e->u.descriptor.handle == 16 && e->u.descriptor.uuid.len == 16);
    EXPECT_TX(0x04, 0x11, 0x00, 0xff, 0xff);
    RX(c, 0x01, 0x04, 0x11, 0x00, 0x0a);
    EXPECT_DONE(MPBLE_IRQ_GATTC_DESCRIPTOR_DONE, 0);
    EXPECT_NO_EV();
}

static void test_read_write(void)
{
    struct conn *c = setup();
    CHECK_EQ(gattc_read(&fk.h, c, 12), 0);
    EXPECT_TX(0x0a, 0x0c, 0x00);
    RX(c, 0x0b, 'h', 'i');
    const struct mpble_event *e = EXPECT_EV(MPBLE_IRQ_GATTC_READ_RESULT);
    CHECK(e && e->u.data.value_handle == 12 && e->u.data.len == 2 && e->u.data.data[1] == 'i');
    EXPECT_VALUE_DONE(MPBLE_IRQ_GATTC_READ_DONE, 12, 0);
    CHECK_EQ(gattc_read(&fk.h, c, 12), 0);
    fake_drain();
    RX(c, 0x0b);
    e = EXPECT_EV(MPBLE_IRQ_GATTC_READ_RESULT);
    CHECK(e && e->u.data.len == 0);
    EXPECT_VALUE_DONE(MPBLE_IRQ_GATTC_READ_DONE, 12, 0);
    CHECK_EQ(gattc_read(&fk.h, c, 12), 0);
    RX(c, 0x01, 0x0a, 0x0c, 0x00, 0x0f);
    EXPECT_VALUE_DONE(MPBLE_IRQ_GATTC_READ_DONE, 12, 0x10f);
    EXPECT_NO_EV();

    /* Write request: cut to ATT_MTU-3. */
    uint8_t data[40];
    for (int i = 0; i < 40; i++)
        data[i] = (uint8_t)i;
    fake_drain();
    CHECK_EQ(gattc_write(&fk.h, c, 19, data, sizeof data, true), 0);
    const struct fake_pdu *t = fake_tx();
    CHECK(t && t->len == 23 && t->data[0] == 0x12 && t->data[1] == 19 && t->data[22] == 19);
    RX(c, 0x13);
    EXPECT_VALUE_DONE(MPBLE_IRQ_GATTC_WRITE_DONE, 19, 0);
    CHECK_EQ(gattc_write(&fk.h, c, 19, data, 1, true), 0);
    EXPECT_TX(0x12, 0x13, 0x00, 0x00);
    RX(c, 0x01, 0x12, 0x13, 0x00, 0x03);
    EXPECT_VALUE_DONE(MPBLE_IRQ_GATTC_WRITE_DONE, 19, 0x103);
    /* Write command: sent now, no event; no room is the caller's to retry. */
    CHECK_EQ(gattc_write(&fk.h, c, 19, data, 2, false), 0);
    EXPECT_TX(0x52, 0x13, 0x00, 0x00, 0x01);
    fk.tx_fail = -ENOMEM;
    CHECK_EQ(gattc_write(&fk.h, c, 19, data, 2, false), -ENOMEM);
    fk.tx_fail = 0;
    CHECK_EQ(gattc_write(&fk.h, c, 19, NULL, 0, false), 0);
    EXPECT_TX(0x52, 0x13, 0x00);
    EXPECT_NO_EV();
}

static void test_mtu(void)
{
    struct conn *c = setup();
    CHECK_EQ(gattc_exchange_mtu(&fk.h, c), 0);
    EXPECT_TX(0x02, 0x00, 0x01);
    CHECK_EQ(gattc_exchange_mtu(&fk.h, c), -EALREADY);
    RX(c, 0x03, 50, 0x00);
    const struct mpble_event *e = EXPECT_EV(MPBLE_IRQ_MTU_EXCHANGED);
    CHECK(e && e->u.mtu.conn_handle == CONN && e->u.mtu.mtu == 50);
    CHECK_EQ(c->att.mtu, 50);
    CHECK_EQ(gattc_exchange_mtu(&fk.h, c), -EALREADY);
    /* Writes and notifications follow it. */
    uint8_t data[64] = {0};
    CHECK_EQ(gattc_write(&fk.h, c, 3, data, sizeof data, false), 0);
    const struct fake_pdu *t = fake_tx();
    CHECK(t && t->len == 50);
    /* The peer's preference when smaller than ours, ours when larger, 23 at least. */
    c = setup();
    fk.h.base.settings.mtu = 100;
    CHECK_EQ(gattc_exchange_mtu(&fk.h, c), 0);
    EXPECT_TX(0x02, 100, 0x00);
    RX(c, 0x03, 0x00, 0x02);
    e = EXPECT_EV(MPBLE_IRQ_MTU_EXCHANGED);
    CHECK(e && e->u.mtu.mtu == 100);
    c = setup();
    CHECK_EQ(gattc_exchange_mtu(&fk.h, c), 0);
    RX(c, 0x03, 0x05, 0x00);
    e = EXPECT_EV(MPBLE_IRQ_MTU_EXCHANGED);
    CHECK(e && e->u.mtu.mtu == 23);
    /* Refused by the server: no event, MTU unchanged; after the server side
     * exchanged, the client may not. */
    c = setup();
    CHECK_EQ(gattc_exchange_mtu(&fk.h, c), 0);
    RX(c, 0x01, 0x02, 0x00, 0x00, 0x06);
    EXPECT_NO_EV();
    CHECK_EQ(c->att.mtu, 23);
    RX(c, 0x02, 0x00, 0x01);
    fake_drain();
    CHECK_EQ(gattc_exchange_mtu(&fk.h, c), -EALREADY);
}

static void test_notifications(void)
{
    struct conn *c = setup();
    RX(c, 0x1b, 0x0c, 0x00, 'h', 'i');
    const struct mpble_event *e = EXPECT_EV(MPBLE_IRQ_GATTC_NOTIFY);
    CHECK(e && e->u.data.conn_handle == CONN && e->u.data.value_handle == 12 && e->u.data.len == 2);
    EXPECT_NO_TX();
    RX(c, 0x1d, 0x0c, 0x00);
    e = EXPECT_EV(MPBLE_IRQ_GATTC_INDICATE);
    CHECK(e && e->u.data.len == 0);
    EXPECT_TX(0x1e);
    RX(c, 0x1b, 0x0c);
    RX(c, 0x1d);
    EXPECT_NO_EV();
    EXPECT_NO_TX();
}

/* One request at a time; a full queue; requests from event handlers. */
static struct conn *reentrant_conn;
static void read_on_service(const struct mpble_event *ev)
{
    if (ev->code == MPBLE_IRQ_GATTC_SERVICE_RESULT)
        CHECK_EQ(gattc_read(&fk.h, reentrant_conn, ev->u.service.start_handle), 0);
    if (ev->code == MPBLE_IRQ_GATTC_SERVICE_DONE)
        CHECK_EQ(gattc_discover_characteristics(&fk.h, reentrant_conn, 1, 5, NULL), 0);
}

static void test_queue(void)
{
    struct conn *c = setup();
    CHECK_EQ(gattc_read(&fk.h, c, 3), 0);
    CHECK_EQ(gattc_write(&fk.h, c, 4, (const uint8_t *)"w", 1, true), 0);
    CHECK_EQ(gattc_discover_services(&fk.h, c, NULL), 0);
    CHECK_EQ(gattc_exchange_mtu(&fk.h, c), 0);
    CHECK_EQ(gattc_read(&fk.h, c, 5), -ENOMEM);
    EXPECT_TX(0x0a, 0x03, 0x00);
    EXPECT_NO_TX();
    /* Answers that are not for the request out are ignored. */
    RX(c, 0x13);
    RX(c, 0x01, 0x12, 0x04, 0x00, 0x01);
    RX(c, 0x09, 0x07, 0x02, 0x00, 0x02, 0x03, 0x00, 0x00, 0x2a);
    EXPECT_NO_EV();
    RX(c, 0x0b, 'r');
    EXPECT_EV(MPBLE_IRQ_GATTC_READ_RESULT);
    EXPECT_VALUE_DONE(MPBLE_IRQ_GATTC_READ_DONE, 3, 0);
    EXPECT_TX(0x12, 0x04, 0x00, 'w');
    RX(c, 0x13);
    EXPECT_VALUE_DONE(MPBLE_IRQ_GATTC_WRITE_DONE, 4, 0);
    EXPECT_TX(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28);
    reentrant_conn = c;
    fk.on_event = read_on_service;
    RX(c, 0x11, 0x06, 0x01, 0x00, 0xff, 0xff, 0x00, 0x18);
    fk.on_event = NULL;
    EXPECT_SERVICE(1, 0xffff, 0x1800);
    EXPECT_DONE(MPBLE_IRQ_GATTC_SERVICE_DONE, 0);
    EXPECT_TX(0x02, 0x00, 0x01); /* queued before the handler's requests */
    RX(c, 0x03, 0x00, 0x01);
    EXPECT_EV(MPBLE_IRQ_MTU_EXCHANGED);
    EXPECT_TX(0x0a, 0x01, 0x00);
    RX(c, 0x0b);
    EXPECT_EV(MPBLE_IRQ_GATTC_READ_RESULT);
    EXPECT_VALUE_DONE(MPBLE_IRQ_GATTC_READ_DONE, 1, 0);
    EXPECT_TX(0x08, 0x01, 0x00, 0x05, 0x00, 0x03, 0x28);
    EXPECT_NO_EV();

    /* A full transmit queue: sent when room frees (the ATT channel's tx_room),
     * not by a timer, and no transaction timeout runs meanwhile. */
    c = setup();
    fk.tx_fail = -ENOMEM;
    CHECK_EQ(gattc_read(&fk.h, c, 7), 0);
    fk.tx_fail = 0;
    EXPECT_NO_TX();
    fake_advance(ATT_TIMEOUT_US);
    EXPECT_NO_TX();
    EXPECT_NO_EV();
    att_chan_ops.tx_room(&fk.h, c, NULL);
    EXPECT_TX(0x0a, 0x07, 0x00);
    RX(c, 0x0b, 'v');
    EXPECT_EV(MPBLE_IRQ_GATTC_READ_RESULT);
    EXPECT_VALUE_DONE(MPBLE_IRQ_GATTC_READ_DONE, 7, 0);
}

static void test_failures(void)
{
    /* 30 s without an answer: DONE with the timeout status for it and for the
     * queued ones; the bearer is closed and the link dropped. */
    struct conn *c = setup();
    CHECK_EQ(gattc_read(&fk.h, c, 3), 0);
    CHECK_EQ(gattc_discover_services(&fk.h, c, NULL), 0);
    fake_drain();
    fake_advance(ATT_TIMEOUT_US - 1);
    EXPECT_NO_EV();
    fake_advance(1);
    EXPECT_VALUE_DONE(MPBLE_IRQ_GATTC_READ_DONE, 3, MPBLE_STATUS_TIMEOUT);
    EXPECT_DONE(MPBLE_IRQ_GATTC_SERVICE_DONE, MPBLE_STATUS_TIMEOUT);
    CHECK_EQ(fk.disconnects, 1);
    RX(c, 0x0b, 'l');
    RX(c, 0x1b, 0x03, 0x00, 'n');
    CHECK_EQ(gattc_read(&fk.h, c, 3), -ENOTCONN);
    CHECK_EQ(gattc_write(&fk.h, c, 3, NULL, 0, false), -ENOTCONN);
    EXPECT_NO_EV();
    EXPECT_NO_TX();

    /* The link goes: link lost for everything pending, the pending characteristic
     * result first. */
    c = setup();
    CHECK_EQ(gattc_discover_characteristics(&fk.h, c, 1, 0xffff, NULL), 0);
    CHECK_EQ(gattc_write(&fk.h, c, 9, (const uint8_t *)"x", 1, true), 0);
    RX(c, 0x09, 0x07, 0x02, 0x00, 0x02, 0x03, 0x00, 0x00, 0x2a);
    fake_drain();
    fake_disconnect(c);
    EXPECT_CHR(0xffff, 3, 0x02, 0x2a00);
    EXPECT_DONE(MPBLE_IRQ_GATTC_CHARACTERISTIC_DONE, MPBLE_STATUS_LINK_LOST);
    EXPECT_VALUE_DONE(MPBLE_IRQ_GATTC_WRITE_DONE, 9, MPBLE_STATUS_LINK_LOST);
    EXPECT_NO_EV();
    CHECK(!c->att.req_timer.armed);

    /* Malformed answers end the procedure with bad data. */
    c = setup();
    CHECK_EQ(gattc_discover_services(&fk.h, c, NULL), 0);
    RX(c, 0x11, 0x05, 0x01, 0x00, 0x05, 0x00, 0x00);
    EXPECT_DONE(MPBLE_IRQ_GATTC_SERVICE_DONE, ATT_STATUS_BAD_DATA);
    CHECK_EQ(gattc_discover_services(&fk.h, c, NULL), 0);
    RX(c, 0x11, 0x06, 0x01, 0x00, 0x05, 0x00, 0x00, 0x18, 0x06);
    EXPECT_DONE(MPBLE_IRQ_GATTC_SERVICE_DONE, ATT_STATUS_BAD_DATA);
    CHECK_EQ(gattc_discover_services(&fk.h, c, NULL), 0);
    RX(c, 0x11, 0x06, 0x05, 0x00, 0x01, 0x00, 0x00, 0x18); /* end before start */
    EXPECT_DONE(MPBLE_IRQ_GATTC_SERVICE_DONE, ATT_STATUS_BAD_DATA);
    CHECK_EQ(gattc_discover_services(&fk.h, c, &(mpble_uuid_t){2, {0x0d, 0x18}}), 0);
    RX(c, 0x07, 0x0a, 0x00, 0x0d);
    EXPECT_DONE(MPBLE_IRQ_GATTC_SERVICE_DONE, ATT_STATUS_BAD_DATA);
    CHECK_EQ(gattc_discover_characteristics(&fk.h, c, 5, 0xffff, NULL), 0);
    RX(c, 0x09, 0x06, 0x06, 0x00, 0x02, 0x07, 0x00, 0x00);
    EXPECT_DONE(MPBLE_IRQ_GATTC_CHARACTERISTIC_DONE, ATT_STATUS_BAD_DATA);
    CHECK_EQ(gattc_discover_characteristics(&fk.h, c, 5, 0xffff, NULL), 0);
    RX(c, 0x09, 0x07, 0x04, 0x00, 0x02, 0x05, 0x00, 0x00, 0x2a); /* before the range */
    EXPECT_DONE(MPBLE_IRQ_GATTC_CHARACTERISTIC_DONE, ATT_STATUS_BAD_DATA);
    CHECK_EQ(gattc_discover_descriptors(&fk.h, c, 5, 9), 0);
    RX(c, 0x05, 0x03, 0x06, 0x00, 0x02, 0x29);
    EXPECT_DONE(MPBLE_IRQ_GATTC_DESCRIPTOR_DONE, ATT_STATUS_BAD_DATA);
    CHECK_EQ(gattc_discover_descriptors(&fk.h, c, 5, 9), 0);
    RX(c, 0x05, 0x01, 0x07, 0x00, 0x02, 0x29, 0x06, 0x00, 0x02, 0x29); /* out of order */
    EXPECT_EV(MPBLE_IRQ_GATTC_DESCRIPTOR_RESULT);
    EXPECT_DONE(MPBLE_IRQ_GATTC_DESCRIPTOR_DONE, ATT_STATUS_BAD_DATA);
    CHECK_EQ(gattc_read(&fk.h, c, 3), 0);
    RX(c, 0x01, 0x0a, 0x03, 0x00);
    EXPECT_VALUE_DONE(MPBLE_IRQ_GATTC_READ_DONE, 3, ATT_STATUS_BAD_DATA);
    CHECK_EQ(gattc_write(&fk.h, c, 3, NULL, 0, true), 0);
    RX(c, 0x13, 0x00);
    EXPECT_VALUE_DONE(MPBLE_IRQ_GATTC_WRITE_DONE, 3, ATT_STATUS_BAD_DATA);
    CHECK_EQ(gattc_exchange_mtu(&fk.h, c), 0);
    RX(c, 0x03, 0x00);
    EXPECT_NO_EV();
    CHECK_EQ(c->att.mtu, 23);
}

int main(void)
{
    RUN(test_services());
    RUN(test_characteristics());
    RUN(test_descriptors());
    RUN(test_read_write());
    RUN(test_mtu());
    RUN(test_notifications());
    RUN(test_queue());
    RUN(test_failures());
    return check_summary("test_gatt_client");
}
