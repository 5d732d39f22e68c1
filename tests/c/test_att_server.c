/* test_att_server.c - the attribute database and the ATT server: the reference's
 * layout and handles, every request with good and bad input and the exact
 * response, the value store, permissions, queued writes, MTU, notifications and
 * indications. */
#include "check.h"
#include "common/bytes.h"
#include "test_att_fake.h"

#define CONN 0x40

/* The reference's examples: Heart Rate, and the Nordic UART service. */
/* 6E40000b-B5A3-F393-E0A9-E50E24DCCA9E, little-endian. */
#define UART_BYTES(b) \
    0x9e, 0xca, 0xdc, 0x24, 0x0e, 0xe5, 0xa9, 0xe0, 0x93, 0xf3, 0xa3, 0xb5, b, 0x00, 0x40, 0x6e
#define UART(b)           \
    {                     \
        16,               \
        {                 \
            UART_BYTES(b) \
        }                 \
    }

static const struct mpble_gatts_characteristic hr_chars[] = {
    {U16(0x2a37), GATTS_F_READ | GATTS_F_NOTIFY, NULL, 0},
};
static const struct mpble_gatts_characteristic uart_chars[] = {
    {UART(3), GATTS_F_READ | GATTS_F_NOTIFY, NULL, 0},
    {UART(2), GATTS_F_WRITE, NULL, 0},
};
static const struct mpble_gatts_service hr_uart[] = {
    {U16(0x180d), hr_chars, 1},
    {UART(1), uart_chars, 2},
};
/* HR: service 10, declaration 11, value 12, CCCD 13; UART: service 14, TX 15/16/17,
 * RX 18/19. */
#define HR 12
#define HR_CCCD 13
#define TX 16
#define RX_H 19

static struct conn *setup_hr_uart(void)
{
    fake_setup();
    uint16_t handles[3];
    CHECK_EQ(gatts_register(&fk.h, hr_uart, 2, handles, 3), 3);
    CHECK_EQ(handles[0], HR);
    CHECK_EQ(handles[1], TX);
    CHECK_EQ(handles[2], RX_H);
    return fake_connect(0, CONN);
}

static void expect_gatts(int code, uint16_t conn, uint16_t handle, int line)
{
    const struct mpble_event *e = expect_ev(code, line);
    if (e) {
        CHECK_EQ(e->u.gatts.conn_handle, conn);
        CHECK_EQ(e->u.gatts.attr_handle, handle);
    }
}
#define EXPECT_READ_REQ(conn, handle) \
    expect_gatts(MPBLE_IRQ_GATTS_READ_REQUEST, conn, handle, __LINE__)
#define EXPECT_WRITE_EV(handle) expect_gatts(MPBLE_IRQ_GATTS_WRITE, CONN, handle, __LINE__)

static void expect_ind_done(uint16_t handle, uint16_t status, int line)
{
    const struct mpble_event *e = expect_ev(MPBLE_IRQ_GATTS_INDICATE_DONE, line);
    if (e) {
        CHECK_EQ(e->u.value_done.conn_handle, CONN);
        CHECK_EQ(e->u.value_done.value_handle, handle);
        CHECK_EQ(e->u.value_done.status, status);
    }
}
#define EXPECT_IND_DONE(handle, status) expect_ind_done(handle, status, __LINE__)

static void local_write(uint16_t handle, const char *s)
{
    CHECK_EQ(gatts_local_write(&fk.h, handle, (const uint8_t *)s, strlen(s), false), 0);
}

static void check_local(uint16_t handle, const char *want)
{
    uint8_t *d;
    size_t n;
    CHECK_EQ(gatts_local_read(&fk.h, handle, &d, &n), 0);
    CHECK_EQ(n, strlen(want));
    CHECK(n == 0 || memcmp(d, want, n) == 0);
    free(d);
}

/* ---- the database ---- */

static void test_layout(void)
{
    struct conn *c = setup_hr_uart();
    /* Find Information over everything, 23-byte MTU: one format per response. */
    RX(c, 0x04, 0x01, 0x00, 0xff, 0xff);
    EXPECT_TX(0x05, 0x01, 0x01, 0x00, 0x00, 0x28, 0x02, 0x00, 0x03, 0x28, 0x03, 0x00, 0x00, 0x2a,
              0x04, 0x00, 0x03, 0x28, 0x05, 0x00, 0x01, 0x2a);
    RX(c, 0x04, 0x06, 0x00, 0xff, 0xff);
    EXPECT_TX(0x05, 0x01, 0x06, 0x00, 0x00, 0x28, 0x07, 0x00, 0x03, 0x28, 0x08, 0x00, 0x05, 0x2a,
              0x09, 0x00, 0x02, 0x29, 0x0a, 0x00, 0x00, 0x28);
    RX(c, 0x04, 0x0b, 0x00, 0xff, 0xff);
    EXPECT_TX(0x05, 0x01, 0x0b, 0x00, 0x03, 0x28, 0x0c, 0x00, 0x37, 0x2a, 0x0d, 0x00, 0x02, 0x29,
              0x0e, 0x00, 0x00, 0x28, 0x0f, 0x00, 0x03, 0x28);
    RX(c, 0x04, 0x10, 0x00, 0xff, 0xff);
    EXPECT_TX(0x05, 0x02, 0x10, 0x00, UART_BYTES(3));
    RX(c, 0x04, 0x14, 0x00, 0xff, 0xff);
    EXPECT_ERR(0x04, 0x14, 0x0a);

    /* Primary services with their group ends: one value length per response. */
    RX(c, 0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28);
    EXPECT_TX(0x11, 0x06, 0x01, 0x00, 0x05, 0x00, 0x00, 0x18, 0x06, 0x00, 0x09, 0x00, 0x01, 0x18,
              0x0a, 0x00, 0x0d, 0x00, 0x0d, 0x18);
    RX(c, 0x10, 0x0e, 0x00, 0xff, 0xff, 0x00, 0x28);
    EXPECT_TX(0x11, 0x14, 0x0e, 0x00, 0x13, 0x00, UART_BYTES(1));
    RX(c, 0x10, 0x14, 0x00, 0xff, 0xff, 0x00, 0x28);
    EXPECT_ERR(0x10, 0x14, 0x0a);

    /* Characteristic declarations: properties (low byte of the flags), value handle. */
    RX(c, 0x08, 0x01, 0x00, 0xff, 0xff, 0x03, 0x28);
    EXPECT_TX(0x09, 0x07, 0x02, 0x00, 0x02, 0x03, 0x00, 0x00, 0x2a, 0x04, 0x00, 0x02, 0x05, 0x00,
              0x01, 0x2a, 0x07, 0x00, 0x20, 0x08, 0x00, 0x05, 0x2a);
    RX(c, 0x08, 0x08, 0x00, 0xff, 0xff, 0x03, 0x28);
    EXPECT_TX(0x09, 0x07, 0x0b, 0x00, 0x12, 0x0c, 0x00, 0x37, 0x2a);
    RX(c, 0x08, 0x0c, 0x00, 0xff, 0xff, 0x03, 0x28);
    EXPECT_TX(0x09, 0x15, 0x0f, 0x00, 0x12, 0x10, 0x00, UART_BYTES(3));
    RX(c, 0x08, 0x10, 0x00, 0xff, 0xff, 0x03, 0x28);
    EXPECT_TX(0x09, 0x15, 0x12, 0x00, 0x08, 0x13, 0x00, UART_BYTES(2));

    /* Find By Type Value: the service by UUID, with its group end. */
    RX(c, 0x06, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28, 0x0d, 0x18);
    EXPECT_TX(0x07, 0x0a, 0x00, 0x0d, 0x00);
    RX(c, 0x06, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28, UART_BYTES(1));
    EXPECT_TX(0x07, 0x0e, 0x00, 0x13, 0x00);
    RX(c, 0x06, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28, 0x0f, 0x18);
    EXPECT_ERR(0x06, 0x01, 0x0a);
    /* A non-grouping type: the group end is the handle itself. */
    RX(c, 0x06, 0x01, 0x00, 0xff, 0xff, 0x02, 0x29, 0x00, 0x00);
    EXPECT_TX(0x07, 0x09, 0x00, 0x09, 0x00, 0x0d, 0x00, 0x0d, 0x00, 0x11, 0x00, 0x11, 0x00);
    EXPECT_NO_EV();
}

static void test_register(void)
{
    fake_setup();
    uint16_t handles[3] = {0};
    /* Numbering starts again at every registration (DECISIONS.md). */
    CHECK_EQ(gatts_register(&fk.h, hr_uart, 2, handles, 3), 3);
    CHECK_EQ(gatts_register(&fk.h, hr_uart, 2, handles, 3), 3);
    CHECK_EQ(handles[0], HR);
    CHECK_EQ(gatts_last_handle(&fk.h), 19);
    CHECK_EQ(gatts_register(&fk.h, NULL, 0, handles, 0), 0);
    CHECK_EQ(gatts_last_handle(&fk.h), 9);
    CHECK_EQ(gatts_register(&fk.h, hr_uart, 2, handles, 2), -EINVAL);

    /* Descriptors follow the CCCD; their handles follow the value's. */
    const struct mpble_gatts_descriptor descs[] = {{U16(0x2901), GATTS_F_READ},
                                                   {U16(0x2904), GATTS_F_READ}};
    const struct mpble_gatts_characteristic chars[] = {
        {U16(0x2a19), GATTS_F_READ | GATTS_F_INDICATE, descs, 2},
        {U16(0x2a1a), GATTS_F_READ, descs, 1},
    };
    const struct mpble_gatts_service svc[] = {{U16(0x180f), chars, 2}, {U16(0x1810), NULL, 0}};
    uint16_t hs[5];
    CHECK_EQ(gatts_register(&fk.h, svc, 2, hs, 5), 5);
    CHECK_EQ(hs[0], 12);
    CHECK_EQ(hs[1], 14);
    CHECK_EQ(hs[2], 15);
    CHECK_EQ(hs[3], 17);
    CHECK_EQ(hs[4], 18);
    CHECK_EQ(gatts_group_end(&fk.h, 10), 18);
    CHECK_EQ(gatts_group_end(&fk.h, 19), 19); /* an empty service is one handle */
    CHECK_EQ(gatts_type(&fk.h, 13).le[0], 0x02);

    /* A 32-bit UUID is carried as 128 bits on ATT. */
    const struct mpble_gatts_service s32[] = {{{4, {0x78, 0x56, 0x34, 0x12}}, NULL, 0}};
    CHECK_EQ(gatts_register(&fk.h, s32, 1, hs, 0), 0);
    CHECK_EQ(gatts_type(&fk.h, 10).le[0], 0x00);
    const uint8_t *v;
    size_t n;
    CHECK_EQ(gatts_read(&fk.h, NULL, 10, false, &v, &n), 0);
    CHECK_EQ(n, 16);
    CHECK_EQ(v[12], 0x78);
    CHECK_EQ(v[15], 0x12);
    CHECK_EQ(v[0], 0xfb);

    const struct mpble_gatts_service bad[] = {{{3, {1, 2, 3}}, NULL, 0}};
    CHECK_EQ(gatts_register(&fk.h, bad, 1, hs, 0), -EINVAL);
    struct mpble_gatts_service nine[9];
    for (int i = 0; i < 9; i++)
        nine[i] = (struct mpble_gatts_service){U16(0x1800 + i), NULL, 0};
    CHECK_EQ(gatts_register(&fk.h, nine, 9, hs, 0), -E2BIG);
    CHECK_EQ(gatts_register(&fk.h, nine, 8, hs, 0), 0);

    /* Not while GAP is busy. */
    fk.h.advertising = true;
    CHECK_EQ(gatts_register(&fk.h, hr_uart, 2, handles, 3), -EBUSY);
    fk.h.advertising = false;
    fake_connect(3, 1);
    CHECK_EQ(gatts_register(&fk.h, hr_uart, 2, handles, 3), -EBUSY);
    CHECK_EQ(gatts_last_handle(&fk.h), 17); /* the old database stays */
}

/* ---- values ---- */

static void test_read(void)
{
    struct conn *c = setup_hr_uart();
    RX(c, 0x0a, HR, 0x00);
    EXPECT_READ_REQ(CONN, HR);
    EXPECT_TX(0x0b); /* never written: empty */
    local_write(HR, "hello");
    RX(c, 0x0a, HR, 0x00);
    EXPECT_READ_REQ(CONN, HR);
    EXPECT_TX(0x0b, 'h', 'e', 'l', 'l', 'o');
    /* The application denies with its code. */
    fk.read_request_result = 0x0e;
    RX(c, 0x0a, HR, 0x00);
    EXPECT_READ_REQ(CONN, HR);
    EXPECT_ERR(0x0a, HR, 0x0e);
    fk.read_request_result = 0x100; /* no ATT code in it: still a denial */
    RX(c, 0x0a, HR, 0x00);
    EXPECT_READ_REQ(CONN, HR);
    EXPECT_ERR(0x0a, HR, 0x0e);
    fk.read_request_result = 0;

    /* The stack's values: no events. */
    RX(c, 0x0a, 0x03, 0x00);
    EXPECT_TX(0x0b, 'M', 'P', 'Y', ' ', 'N', 'I', 'M', 'B', 'L', 'E');
    RX(c, 0x0a, 0x05, 0x00);
    EXPECT_TX(0x0b, 0x00, 0x00);
    RX(c, 0x0a, 0x08, 0x00);
    EXPECT_ERR(0x0a, 0x08, 0x02);
    RX(c, 0x0a, HR_CCCD, 0x00);
    EXPECT_TX(0x0b, 0x00, 0x00);
    RX(c, 0x0a, 0x0a, 0x00);
    EXPECT_TX(0x0b, 0x0d, 0x18);
    EXPECT_NO_EV();
    /* Not readable: no event either. */
    RX(c, 0x0a, RX_H, 0x00);
    EXPECT_ERR(0x0a, RX_H, 0x02);
    RX(c, 0x0a, 0x00, 0x00);
    EXPECT_ERR(0x0a, 0x00, 0x01);
    RX(c, 0x0a, 0x14, 0x00);
    EXPECT_ERR(0x0a, 0x14, 0x01);
    EXPECT_NO_EV();

    /* Long values: ATT_MTU-1 per read, the rest with Read Blob. */
    local_write(HR, "0123456789abcdefghijklmnopqrstuvwxyzABCD");
    RX(c, 0x0a, HR, 0x00);
    EXPECT_READ_REQ(CONN, HR);
    EXPECT_TX(0x0b, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f',
              'g', 'h', 'i', 'j', 'k', 'l');
    RX(c, 0x0c, HR, 0x00, 22, 0x00);
    EXPECT_READ_REQ(CONN, HR);
    EXPECT_TX(0x0d, 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'A', 'B',
              'C', 'D');
    RX(c, 0x0c, HR, 0x00, 40, 0x00);
    EXPECT_READ_REQ(CONN, HR);
    EXPECT_TX(0x0d);
    RX(c, 0x0c, HR, 0x00, 41, 0x00);
    EXPECT_READ_REQ(CONN, HR);
    EXPECT_ERR(0x0c, HR, 0x07);
    RX(c, 0x0c, 0x0b, 0x00, 0x00, 0x00);
    EXPECT_ERR(0x0c, 0x0b, 0x0b);
    RX(c, 0x0c, RX_H, 0x00, 0x00, 0x00);
    EXPECT_ERR(0x0c, RX_H, 0x02);

    /* Read Multiple: the values concatenated, cut to ATT_MTU-1. */
    local_write(HR, "abc");
    local_write(TX, "de");
    RX(c, 0x0e, HR, 0x00, TX, 0x00, 0x05, 0x00);
    EXPECT_READ_REQ(CONN, HR);
    EXPECT_READ_REQ(CONN, TX);
    EXPECT_TX(0x0f, 'a', 'b', 'c', 'd', 'e', 0x00, 0x00);
    RX(c, 0x0e, HR, 0x00, RX_H, 0x00);
    EXPECT_READ_REQ(CONN, HR);
    EXPECT_ERR(0x0e, RX_H, 0x02);

    /* Read By Type of a characteristic UUID reads its value. */
    RX(c, 0x08, 0x01, 0x00, 0xff, 0xff, 0x37, 0x2a);
    EXPECT_READ_REQ(CONN, HR);
    EXPECT_TX(0x09, 0x05, 0x0c, 0x00, 'a', 'b', 'c');
    RX(c, 0x08, 0x01, 0x00, 0xff, 0xff, UART_BYTES(2));
    EXPECT_ERR(0x08, RX_H, 0x02);
    RX(c, 0x08, 0x01, 0x00, 0xff, 0xff, 0x99, 0x2a);
    EXPECT_ERR(0x08, 0x01, 0x0a);
    EXPECT_NO_EV();
}

static void test_write(void)
{
    struct conn *c = setup_hr_uart();
    RX(c, 0x02, 0x00, 0x01); /* MTU 256: room for long writes */
    fake_drain();
    RX(c, 0x12, RX_H, 0x00, 'a', 'b', 'c');
    EXPECT_TX(0x13);
    EXPECT_WRITE_EV(RX_H);
    check_local(RX_H, "abc");
    /* Remote writes are cut to the buffer (20 bytes by default). */
    RX(c, 0x12, RX_H, 0x00, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd',
       'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l');
    EXPECT_TX(0x13);
    EXPECT_WRITE_EV(RX_H);
    check_local(RX_H, "0123456789abcdefghij");
    /* Zero length: accepted, reported. */
    RX(c, 0x12, RX_H, 0x00);
    EXPECT_TX(0x13);
    EXPECT_WRITE_EV(RX_H);
    check_local(RX_H, "");
    /* A local write grows the buffer; a remote write then fits. */
    local_write(RX_H, "0123456789012345678901234");
    RX(c, 0x12, RX_H, 0x00, '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd',
       'e', 'f', 'g', 'h', 'i', 'j');
    EXPECT_TX(0x13);
    EXPECT_WRITE_EV(RX_H);
    check_local(RX_H, "0123456789abcdefghij");
    /* Append mode accumulates up to the buffer, and a local read empties it. */
    CHECK_EQ(gatts_set_buffer(&fk.h, RX_H, 10, true), 0);
    check_local(RX_H, "");
    for (int i = 0; i < 3; i++) {
        RX(c, 0x12, RX_H, 0x00, 'c', 'e', 'n', 't');
        EXPECT_TX(0x13);
        EXPECT_WRITE_EV(RX_H);
    }
    check_local(RX_H, "centcentce");
    check_local(RX_H, "");
    local_write(RX_H, "xy"); /* a local write replaces, even in append mode */
    local_write(RX_H, "z");
    check_local(RX_H, "z");

    /* Not writable. */
    RX(c, 0x12, TX, 0x00, 0x01);
    EXPECT_ERR(0x12, TX, 0x03);
    RX(c, 0x12, 0x0b, 0x00, 0x01);
    EXPECT_ERR(0x12, 0x0b, 0x03);
    RX(c, 0x12, 0x03, 0x00, 'x');
    EXPECT_ERR(0x12, 0x03, 0x03);
    RX(c, 0x12, 0x30, 0x00, 'x');
    EXPECT_ERR(0x12, 0x30, 0x01);
    /* A Write Command is taken where the attribute may be written, WRITE alone
     * included (the reference's permission check), and silently ignored elsewhere. */
    RX(c, 0x52, RX_H, 0x00, 'q');
    EXPECT_NO_TX();
    EXPECT_WRITE_EV(RX_H);
    check_local(RX_H, "q");
    RX(c, 0x52, TX, 0x00, 'q');
    EXPECT_NO_TX();
    EXPECT_NO_EV();

    /* CCCDs: per connection, no write event, two bytes, only the supported bits. */
    RX(c, 0x12, HR_CCCD, 0x00, 0x01, 0x00);
    EXPECT_TX(0x13);
    EXPECT_NO_EV();
    RX(c, 0x0a, HR_CCCD, 0x00);
    EXPECT_TX(0x0b, 0x01, 0x00);
    struct conn *c2 = fake_connect(1, 0x41);
    RX(c2, 0x0a, HR_CCCD, 0x00);
    EXPECT_TX(0x0b, 0x00, 0x00);
    RX(c, 0x12, HR_CCCD, 0x00, 0x01);
    EXPECT_ERR(0x12, HR_CCCD, 0x0d);
    RX(c, 0x12, HR_CCCD, 0x00, 0x02, 0x00);
    EXPECT_ERR(0x12, HR_CCCD, 0x06);
    RX(c, 0x12, HR_CCCD, 0x00, 0x04, 0x00);
    EXPECT_ERR(0x12, HR_CCCD, 0x06);
    gatts_local_write(&fk.h, HR_CCCD, (const uint8_t *)"\1\0", 2, false);
    CHECK_EQ(gatts_local_write(&fk.h, HR_CCCD, (const uint8_t *)"\1\0", 2, false), -EINVAL);
    CHECK_EQ(gatts_set_buffer(&fk.h, 0x0b, 4, false), -EINVAL);
    /* The stack's own values take local writes without effect (reference). */
    CHECK_EQ(gatts_local_write(&fk.h, 0x03, (const uint8_t *)"x", 1, false), 0);
    /* Unknown: an empty value. */
    check_local(0x99, "");
    /* The subscription goes with the connection. */
    fake_disconnect(c);
    fake_connect(0, CONN);
    RX(c, 0x0a, HR_CCCD, 0x00);
    EXPECT_TX(0x0b, 0x00, 0x00);
    EXPECT_NO_EV();
}

static void test_write_no_response(void)
{
    fake_setup();
    const struct mpble_gatts_descriptor descs[] = {
        {U16(0x2901), GATTS_F_WRITE | GATTS_F_READ_ENCRYPTED}};
    const struct mpble_gatts_characteristic chars[] = {
        {U16(0x2a3d), GATTS_F_WRITE_NO_RESPONSE, descs, 1},
    };
    const struct mpble_gatts_service svc[] = {{U16(0x1234), chars, 1}};
    uint16_t hs[2];
    CHECK_EQ(gatts_register(&fk.h, svc, 1, hs, 2), 2);
    struct conn *c = fake_connect(0, CONN);
    RX(c, 0x52, hs[0] & 0xff, 0x00, 'w');
    EXPECT_NO_TX();
    EXPECT_WRITE_EV(hs[0]);
    check_local(hs[0], "w");
    RX(c, 0x12, hs[0] & 0xff, 0x00, 'r'); /* a request is allowed too (NimBLE) */
    EXPECT_TX(0x13);
    EXPECT_WRITE_EV(hs[0]);
    /* Descriptors: security bits ignored; no READ flag, no reading. */
    RX(c, 0x12, hs[1] & 0xff, 0x00, 'd');
    EXPECT_TX(0x13);
    EXPECT_WRITE_EV(hs[1]);
    RX(c, 0x0a, hs[1] & 0xff, 0x00);
    EXPECT_ERR(0x0a, hs[1], 0x02);
    EXPECT_NO_EV();
}

static void test_permissions(void)
{
    fake_setup();
    const struct mpble_gatts_characteristic chars[] = {
        {U16(0x2a01), GATTS_F_READ | GATTS_F_READ_ENCRYPTED, NULL, 0},
        {U16(0x2a02), GATTS_F_READ | GATTS_F_READ_AUTHENTICATED, NULL, 0},
        {U16(0x2a03), GATTS_F_READ | GATTS_F_READ_AUTHORIZED, NULL, 0},
        {U16(0x2a04), GATTS_F_WRITE | GATTS_F_WRITE_ENCRYPTED, NULL, 0},
        {U16(0x2a05), GATTS_F_WRITE | GATTS_F_WRITE_AUTHENTICATED, NULL, 0},
        {U16(0x2a06), GATTS_F_WRITE | GATTS_F_WRITE_AUTHORIZED, NULL, 0},
        {U16(0x2a07), GATTS_F_READ_ENCRYPTED, NULL, 0},
    };
    const struct mpble_gatts_service svc[] = {{U16(0x1234), chars, 7}};
    uint16_t hs[7];
    CHECK_EQ(gatts_register(&fk.h, svc, 1, hs, 7), 7);
    struct conn *c = fake_connect(0, CONN);
    const uint8_t want[] = {0x0f, 0x05, 0x08};
    for (int i = 0; i < 3; i++) {
        RX(c, 0x0a, hs[i] & 0xff, 0x00);
        EXPECT_ERR(0x0a, hs[i], want[i]);
        RX(c, 0x12, hs[3 + i] & 0xff, 0x00, 0x00);
        EXPECT_ERR(0x12, hs[3 + i], want[i]);
        RX(c, 0x16, hs[3 + i] & 0xff, 0x00, 0x00, 0x00, 0x00);
        EXPECT_ERR(0x16, hs[3 + i], want[i]);
    }
    RX(c, 0x0a, hs[6] & 0xff, 0x00);
    EXPECT_ERR(0x0a, hs[6], 0x02); /* security bits alone do not make it readable */
    EXPECT_NO_EV();
    c->sec.encrypted = true;
    RX(c, 0x0a, hs[0] & 0xff, 0x00);
    EXPECT_READ_REQ(CONN, hs[0]);
    EXPECT_TX(0x0b);
    RX(c, 0x0a, hs[1] & 0xff, 0x00);
    EXPECT_ERR(0x0a, hs[1], 0x05);
    c->sec.authenticated = true;
    RX(c, 0x0a, hs[1] & 0xff, 0x00);
    EXPECT_READ_REQ(CONN, hs[1]);
    EXPECT_TX(0x0b);
}

/* ---- queued writes ---- */

static void test_queued_writes(void)
{
    struct conn *c = setup_hr_uart();
    CHECK_EQ(gatts_set_buffer(&fk.h, RX_H, 100, false), 0);
    /* Out of order on the wire, reassembled by offset. */
    RX(c, 0x16, RX_H, 0x00, 0x04, 0x00, 'e', 'f', 'g');
    EXPECT_TX(0x17, RX_H, 0x00, 0x04, 0x00, 'e', 'f', 'g');
    RX(c, 0x16, RX_H, 0x00, 0x00, 0x00, 'a', 'b', 'c', 'd');
    EXPECT_TX(0x17, RX_H, 0x00, 0x00, 0x00, 'a', 'b', 'c', 'd');
    RX(c, 0x16, HR_CCCD, 0x00, 0x00, 0x00, 0x01, 0x00);
    EXPECT_TX(0x17, HR_CCCD, 0x00, 0x00, 0x00, 0x01, 0x00);
    EXPECT_NO_EV();
    check_local(RX_H, "");
    RX(c, 0x18, 0x01);
    EXPECT_TX(0x19);
    EXPECT_WRITE_EV(RX_H); /* none for the CCCD */
    EXPECT_NO_EV();
    check_local(RX_H, "abcdefg");
    RX(c, 0x0a, HR_CCCD, 0x00);
    EXPECT_TX(0x0b, 0x01, 0x00);
    /* The queue was emptied: executing again writes nothing. */
    RX(c, 0x18, 0x01);
    EXPECT_TX(0x19);
    EXPECT_NO_EV();

    /* Cancel. */
    RX(c, 0x16, RX_H, 0x00, 0x00, 0x00, 'x');
    EXPECT_TX(0x17, RX_H, 0x00, 0x00, 0x00, 'x');
    RX(c, 0x18, 0x00);
    EXPECT_TX(0x19);
    EXPECT_NO_EV();
    check_local(RX_H, "abcdefg");

    /* A gap, a start past 0: Invalid Offset, nothing written, queue emptied. */
    RX(c, 0x16, RX_H, 0x00, 0x00, 0x00, 'x');
    EXPECT_TX(0x17, RX_H, 0x00, 0x00, 0x00, 'x');
    RX(c, 0x16, RX_H, 0x00, 0x02, 0x00, 'y');
    EXPECT_TX(0x17, RX_H, 0x00, 0x02, 0x00, 'y');
    RX(c, 0x18, 0x01);
    EXPECT_ERR(0x18, RX_H, 0x07);
    RX(c, 0x18, 0x01);
    EXPECT_TX(0x19);
    EXPECT_NO_EV();
    check_local(RX_H, "abcdefg");
    /* A bad CCCD value found at execution. */
    RX(c, 0x16, HR_CCCD, 0x00, 0x00, 0x00, 0x01);
    EXPECT_TX(0x17, HR_CCCD, 0x00, 0x00, 0x00, 0x01);
    RX(c, 0x18, 0x01);
    EXPECT_ERR(0x18, HR_CCCD, 0x0d);

    /* Permission and handle at preparation. */
    RX(c, 0x16, TX, 0x00, 0x00, 0x00, 'x');
    EXPECT_ERR(0x16, TX, 0x03);
    RX(c, 0x16, 0x50, 0x00, 0x00, 0x00, 'x');
    EXPECT_ERR(0x16, 0x50, 0x01);
    RX(c, 0x18, 0x02);
    EXPECT_ERR(0x18, 0x00, 0x04);

    /* Longer than 512 bytes in all: Invalid Attribute Value Length. */
    uint8_t pdu[23] = {0x16, RX_H, 0x00};
    for (unsigned off = 0; off < 522; off += 18) {
        put_le16(pdu + 3, (uint16_t)off);
        att_on_pdu(&fk.h, c, pdu, sizeof pdu);
        const struct fake_pdu *t = fake_tx();
        CHECK(t && t->data[0] == 0x17);
    }
    RX(c, 0x18, 0x01);
    EXPECT_ERR(0x18, RX_H, 0x0d);
    /* The queue's room: Prepare Queue Full. */
    unsigned n = 0;
    for (;; n++) {
        put_le16(pdu + 3, (uint16_t)(n * 18));
        att_on_pdu(&fk.h, c, pdu, sizeof pdu);
        const struct fake_pdu *t = fake_tx();
        if (!t || t->data[0] != 0x17)
            break;
    }
    CHECK_EQ(n, ATT_PREP_BYTES / 24);
    CHECK_EQ(fk.tx[(fk.ntx - 1) % FAKE_MAX].data[4], 0x09);
    RX(c, 0x18, 0x00);
    EXPECT_TX(0x19);
    /* A disconnection empties it too. */
    RX(c, 0x16, RX_H, 0x00, 0x00, 0x00, 'x');
    fake_drain();
    fake_disconnect(c);
    c = fake_connect(0, CONN);
    RX(c, 0x18, 0x01);
    EXPECT_TX(0x19);
    EXPECT_NO_EV();
}

/* ---- MTU ---- */

static void test_mtu(void)
{
    struct conn *c = setup_hr_uart();
    RX(c, 0x02, 0x00, 0x02); /* 512 */
    EXPECT_TX(0x03, 0x00, 0x01);
    const struct mpble_event *e = EXPECT_EV(MPBLE_IRQ_MTU_EXCHANGED);
    CHECK(e && e->u.mtu.conn_handle == CONN && e->u.mtu.mtu == 256);
    CHECK_EQ(c->att.mtu, 256);
    /* Once per link. */
    RX(c, 0x02, 0x40, 0x00);
    EXPECT_TX(0x03, 0x00, 0x01);
    EXPECT_NO_EV();
    CHECK_EQ(c->att.mtu, 256);
    /* Never below 23. */
    fake_disconnect(c);
    c = fake_connect(0, CONN);
    fk.h.base.settings.mtu = 100;
    RX(c, 0x02, 0x05, 0x00);
    EXPECT_TX(0x03, 100, 0x00);
    e = EXPECT_EV(MPBLE_IRQ_MTU_EXCHANGED);
    CHECK(e && e->u.mtu.mtu == 23);
    /* Responses use the MTU: a 40-byte value read whole at MTU 50. */
    fake_disconnect(c);
    c = fake_connect(0, CONN);
    RX(c, 0x02, 50, 0x00);
    fake_drain();
    uint8_t v[60];
    memset(v, 'v', sizeof v);
    CHECK_EQ(gatts_local_write(&fk.h, HR, v, sizeof v, false), 0);
    RX(c, 0x0a, HR, 0x00);
    const struct fake_pdu *t = fake_tx();
    CHECK(t && t->len == 50);
    /* A request longer than the MTU is invalid. */
    uint8_t big[51] = {0x12, RX_H, 0x00};
    att_on_pdu(&fk.h, c, big, sizeof big);
    EXPECT_ERR(0x12, 0x00, 0x04);
    att_on_pdu(&fk.h, c, big, 50);
    EXPECT_TX(0x13);
}

/* ---- malformed and unknown PDUs ---- */

static void test_malformed(void)
{
    struct conn *c = setup_hr_uart();
    /* Every request one byte short (and the fixed-length ones one byte long). */
    static const struct {
        uint8_t op, min, max;
    } reqs[] = {
        {0x02, 3, 3}, {0x04, 5, 5},  {0x06, 7, 0}, {0x08, 7, 21}, {0x0a, 3, 3}, {0x0c, 5, 5},
        {0x0e, 5, 0}, {0x10, 7, 21}, {0x12, 3, 0}, {0x16, 5, 0},  {0x18, 2, 2},
    };
    uint8_t pdu[32] = {0};
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        pdu[0] = reqs[i].op;
        pdu[1] = 0x01; /* a valid-looking start handle */
        att_on_pdu(&fk.h, c, pdu, reqs[i].min - 1u);
        EXPECT_ERR(reqs[i].op, 0x00, 0x04);
        if (reqs[i].max) {
            att_on_pdu(&fk.h, c, pdu, reqs[i].max + 1u);
            EXPECT_ERR(reqs[i].op, 0x00, 0x04);
        }
    }
    /* UUIDs of 16 or 128 bits only; an odd handle list. */
    RX(c, 0x08, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28, 0x00);
    EXPECT_ERR(0x08, 0x00, 0x04);
    RX(c, 0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28, 0x00, 0x00);
    EXPECT_ERR(0x10, 0x00, 0x04);
    RX(c, 0x0e, 0x01, 0x00, 0x02, 0x00, 0x03);
    EXPECT_ERR(0x0e, 0x00, 0x04);
    /* Bad ranges. */
    const uint8_t ranged[] = {0x04, 0x06, 0x08, 0x10};
    for (size_t i = 0; i < sizeof ranged; i++) {
        uint8_t r[7] = {ranged[i], 0x00, 0x00, 0xff, 0xff, 0x00, 0x28};
        size_t n = ranged[i] == 0x04 ? 5 : 7;
        att_on_pdu(&fk.h, c, r, n);
        EXPECT_ERR(ranged[i], 0x0000, 0x01);
        put_le16(r + 1, 5);
        put_le16(r + 3, 4);
        att_on_pdu(&fk.h, c, r, n);
        EXPECT_ERR(ranged[i], 0x0005, 0x01);
    }
    /* Group types: primary only; secondary is valid, there are none. */
    RX(c, 0x10, 0x01, 0x00, 0xff, 0xff, 0x03, 0x28);
    EXPECT_ERR(0x10, 0x01, 0x10);
    RX(c, 0x10, 0x01, 0x00, 0xff, 0xff, 0x01, 0x28);
    EXPECT_ERR(0x10, 0x01, 0x0a);
    /* Unknown and unsupported requests; commands never answered. */
    RX(c, 0x20, 0x0c, 0x00, 0x10, 0x00);
    EXPECT_ERR(0x20, 0x00, 0x06);
    RX(c, 0x3f);
    EXPECT_ERR(0x3f, 0x00, 0x06);
    RX(c, 0x7f, 0x01);
    RX(c, 0xd2, RX_H, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13);
    RX(c, 0x52, RX_H);
    RX(c, 0x1e); /* a confirmation nobody asked for */
    RX(c, 0x1e, 0x00);
    RX(c);
    att_on_pdu(&fk.h, c, pdu, 0);
    EXPECT_NO_TX();
    EXPECT_NO_EV();
}

/* ---- notifications and indications ---- */

static void test_notify(void)
{
    struct conn *c = setup_hr_uart();
    CHECK_EQ(att_server_send_value(&fk.h, c, HR, (const uint8_t *)"xyz", 3, false), 0);
    EXPECT_TX(0x1b, HR, 0x00, 'x', 'y', 'z');
    /* Cut to ATT_MTU-3. */
    uint8_t v[64];
    memset(v, 'n', sizeof v);
    CHECK_EQ(att_server_send_value(&fk.h, c, HR, v, sizeof v, false), 0);
    const struct fake_pdu *t = fake_tx();
    CHECK(t && t->len == 23);
    /* No data: the stored value, read through the application first. */
    local_write(HR, "st");
    CHECK_EQ(att_server_send_value(&fk.h, c, HR, NULL, 0, false), 0);
    EXPECT_READ_REQ(0xffff, HR);
    EXPECT_TX(0x1b, HR, 0x00, 's', 't');
    fk.read_request_result = 1;
    CHECK_EQ(att_server_send_value(&fk.h, c, HR, NULL, 0, false), -EACCES);
    EXPECT_READ_REQ(0xffff, HR);
    CHECK_EQ(att_server_send_value(&fk.h, c, HR, NULL, 0, true), -EACCES);
    EXPECT_READ_REQ(0xffff, HR);
    EXPECT_IND_DONE(HR, ATT_STATUS_APP);
    fk.read_request_result = 0;
    CHECK_EQ(att_server_send_value(&fk.h, c, 0x99, NULL, 0, false), -EACCES);
    EXPECT_NO_TX();
    EXPECT_NO_EV();
    /* No room. */
    fk.tx_fail = -ENOMEM;
    CHECK_EQ(att_server_send_value(&fk.h, c, HR, v, 1, false), -ENOMEM);
    CHECK_EQ(att_server_send_value(&fk.h, c, HR, v, 1, true), -ENOMEM);
    EXPECT_IND_DONE(HR, ATT_STATUS_NO_MEM);
    fk.tx_fail = 0;
    EXPECT_NO_EV();
}

/* What the transmit queue bounds (conn.h): what nothing answers; the rest may use
 * its reserve. */
static void test_pdu_class(void)
{
    static const uint8_t data[] = {ATT_NOTIFY, ATT_WRITE_CMD, ATT_SIGNED_WRITE_CMD};
    static const uint8_t control[] = {ATT_ERROR_RSP, ATT_MTU_REQ,   ATT_MTU_RSP,  ATT_READ_REQ,
                                      ATT_READ_RSP,  ATT_WRITE_REQ, ATT_INDICATE, ATT_CONFIRM};
    for (size_t i = 0; i < sizeof data; i++)
        CHECK_EQ(att_class(data[i]), ACL_DATA);
    for (size_t i = 0; i < sizeof control; i++)
        CHECK_EQ(att_class(control[i]), ACL_CONTROL);
}

static void test_indicate(void)
{
    struct conn *c = setup_hr_uart();
    CHECK_EQ(att_server_send_value(&fk.h, c, HR, (const uint8_t *)"1", 1, true), 0);
    EXPECT_TX(0x1d, HR, 0x00, '1');
    /* One at a time: the next waits for the confirmation. */
    CHECK_EQ(att_server_send_value(&fk.h, c, TX, (const uint8_t *)"2", 1, true), 0);
    CHECK_EQ(att_server_send_value(&fk.h, c, HR, (const uint8_t *)"3", 1, true), 0);
    EXPECT_NO_TX();
    RX(c, 0x1e);
    EXPECT_IND_DONE(HR, 0);
    EXPECT_TX(0x1d, TX, 0x00, '2');
    for (int i = 1; i < ATT_IND_QUEUE; i++) /* "3" waits already */
        CHECK_EQ(att_server_send_value(&fk.h, c, HR, (const uint8_t *)"q", 1, true), 0);
    CHECK_EQ(att_server_send_value(&fk.h, c, HR, (const uint8_t *)"q", 1, true), -ENOMEM);
    EXPECT_IND_DONE(HR, ATT_STATUS_NO_MEM);
    /* The next finds the transmit queue full: it waits for room, not failed. */
    fk.tx_fail = -ENOMEM;
    RX(c, 0x1e);
    EXPECT_IND_DONE(TX, 0);
    EXPECT_NO_TX();
    EXPECT_NO_EV();
    fk.tx_fail = 0;
    att_chan_ops.tx_room(&fk.h, c, NULL);
    EXPECT_TX(0x1d, HR, 0x00, '3');
    EXPECT_NO_TX();
    EXPECT_NO_EV();
    /* The link goes: every indication ends with link lost. */
    fake_disconnect(c);
    for (int i = 0; i < ATT_IND_QUEUE; i++)
        EXPECT_IND_DONE(HR, MPBLE_STATUS_LINK_LOST);
    EXPECT_NO_EV();
    CHECK(!c->att.ind_timer.armed);

    /* 30 s without a confirmation: timeout, the bearer is closed, the link dropped. */
    c = fake_connect(0, CONN);
    CHECK_EQ(att_server_send_value(&fk.h, c, HR, (const uint8_t *)"1", 1, true), 0);
    CHECK_EQ(att_server_send_value(&fk.h, c, HR, (const uint8_t *)"2", 1, true), 0);
    fake_drain();
    fake_advance(ATT_TIMEOUT_US - 1);
    EXPECT_NO_EV();
    fake_advance(1);
    EXPECT_IND_DONE(HR, MPBLE_STATUS_TIMEOUT);
    EXPECT_IND_DONE(HR, MPBLE_STATUS_TIMEOUT);
    CHECK_EQ(fk.disconnects, 1);
    CHECK_EQ(att_server_send_value(&fk.h, c, HR, (const uint8_t *)"1", 1, false), -ENOTCONN);
    RX(c, 0x0a, HR, 0x00); /* nothing more on this bearer */
    RX(c, 0x1e);
    EXPECT_NO_TX();
    EXPECT_NO_EV();
}

static void test_send_update(void)
{
    struct conn *c = setup_hr_uart();
    struct conn *c2 = fake_connect(1, 0x41);
    struct conn *c3 = fake_connect(2, 0x42);
    RX(c, 0x12, HR_CCCD, 0x00, 0x01, 0x00);
    RX(c2, 0x12, 0x11, 0x00, 0x01, 0x00); /* c2 subscribes to TX only */
    fake_drain();
    CHECK_EQ(gatts_local_write(&fk.h, HR, (const uint8_t *)"a", 1, true), 0);
    CHECK_EQ(gatts_local_write(&fk.h, HR, (const uint8_t *)"b", 1, true), 0);
    EXPECT_NO_TX(); /* on a later turn, once, with the value then */
    fake_advance(0);
    EXPECT_READ_REQ(0xffff, HR);
    const struct fake_pdu *t = fake_tx();
    CHECK(t && t->conn == CONN && t->len == 4 && t->data[0] == 0x1b && t->data[3] == 'b');
    EXPECT_NO_TX();
    EXPECT_NO_EV();
    /* A full transmit queue: the update waits, nothing is read or dropped, and it
     * goes when the ATT channel has room again. */
    fk.tx_fail = -ENOMEM;
    CHECK_EQ(gatts_local_write(&fk.h, HR, (const uint8_t *)"f", 1, true), 0);
    fake_advance(0);
    EXPECT_NO_TX();
    EXPECT_NO_EV();
    fk.tx_fail = 0;
    att_chan_ops.tx_room(&fk.h, c, NULL);
    fake_advance(0);
    EXPECT_READ_REQ(0xffff, HR);
    t = fake_tx();
    CHECK(t && t->conn == CONN && t->len == 4 && t->data[0] == 0x1b && t->data[3] == 'f');
    EXPECT_NO_TX();
    EXPECT_NO_EV();
    /* Without send_update, or without a CCCD, nothing. */
    CHECK_EQ(gatts_local_write(&fk.h, HR, (const uint8_t *)"c", 1, false), 0);
    CHECK_EQ(gatts_local_write(&fk.h, RX_H, (const uint8_t *)"c", 1, true), 0);
    fake_advance(0);
    EXPECT_NO_TX();

    /* Indicate where only indications are asked for; one at a time per link. */
    const struct mpble_gatts_characteristic chars[] = {
        {U16(0x2a05), GATTS_F_READ | GATTS_F_INDICATE | GATTS_F_NOTIFY, NULL, 0}};
    const struct mpble_gatts_service svc[] = {{U16(0x1234), chars, 1}};
    uint16_t hs[1];
    fake_disconnect(c);
    fake_disconnect(c2);
    fake_disconnect(c3);
    fake_drain();
    CHECK_EQ(gatts_register(&fk.h, svc, 1, hs, 1), 1);
    c = fake_connect(0, CONN);
    RX(c, 0x12, 0x0d, 0x00, 0x02, 0x00);
    fake_drain();
    CHECK_EQ(gatts_local_write(&fk.h, 12, (const uint8_t *)"1", 1, true), 0);
    fake_advance(0);
    EXPECT_READ_REQ(0xffff, 12);
    EXPECT_TX(0x1d, 12, 0x00, '1');
    CHECK_EQ(gatts_local_write(&fk.h, 12, (const uint8_t *)"2", 1, true), 0);
    fake_advance(0);
    EXPECT_NO_TX();
    EXPECT_NO_EV();
    RX(c, 0x1e);
    EXPECT_IND_DONE(12, 0);
    fake_advance(0);
    EXPECT_READ_REQ(0xffff, 12);
    EXPECT_TX(0x1d, 12, 0x00, '2');
    RX(c, 0x1e);
    EXPECT_IND_DONE(12, 0);
    /* Both bits: notify wins. */
    RX(c, 0x12, 0x0d, 0x00, 0x03, 0x00);
    fake_drain();
    CHECK_EQ(gatts_local_write(&fk.h, 12, (const uint8_t *)"3", 1, true), 0);
    fake_advance(0);
    EXPECT_READ_REQ(0xffff, 12);
    EXPECT_TX(0x1b, 12, 0x00, '3');
    EXPECT_NO_EV();
}

int main(void)
{
    RUN(test_layout());
    RUN(test_register());
    RUN(test_read());
    RUN(test_write());
    RUN(test_write_no_response());
    RUN(test_permissions());
    RUN(test_queued_writes());
    RUN(test_mtu());
    RUN(test_malformed());
    RUN(test_notify());
    RUN(test_pdu_class());
    RUN(test_indicate());
    RUN(test_send_update());
    return check_summary("test_att_server");
}
