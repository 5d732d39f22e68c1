/* test_controller.c - HCI command handling of the virtual controller, through its
 * API with an event collector (no air traffic: see test_air.c). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "air/medium.h"
#include "check.h"
#include "common/bytes.h"
#include "common/log.h"
#include "common/hci_defs.h"
#include "controller/controller.h"
#include "crypto/aes.h"
#include "crypto/rng.h"

static uint8_t last[300];
static size_t last_len;
static int events;

static void collect(void *ctx, const uint8_t *pkt, size_t len)
{
    memcpy(last, pkt, len);
    last_len = len;
    events++;
}

/* Sends a command; returns the status of its Command Complete (or -1). */
static int cmd(struct controller *c, uint16_t op, const uint8_t *p, uint8_t plen)
{
    uint8_t pkt[260] = {H4_CMD, (uint8_t)op, (uint8_t)(op >> 8), plen};
    if (plen)
        memcpy(pkt + 4, p, plen);
    events = 0;
    last_len = 0;
    if (controller_receive(c, pkt, 4u + plen) != 0 || events != 1 || last[0] != H4_EVT ||
        last[1] != HCI_EV_CMD_COMPLETE || last[3] != 1 || get_le16(last + 4) != op)
        return -1;
    return last[6];
}

/* Return parameters after the status. */
static const uint8_t *ret(void)
{
    return last + 7;
}
static size_t ret_len(void)
{
    return last_len - 7;
}

static const uint8_t addr[6] = {0x01, 0x00, 0x00, 0x00, 0xad, 0xde};

static void test_basics(struct controller *c)
{
    CHECK_EQ(cmd(c, HCI_OP_RESET, NULL, 0), 0);
    CHECK_EQ(ret_len(), 0);
    CHECK_EQ(cmd(c, HCI_OP_READ_LOCAL_VERSION, NULL, 0), 0);
    CHECK_EQ(ret_len(), 8);
    CHECK_EQ(ret()[0], 0x0d);
    CHECK_EQ(ret()[3], 0x0d);
    CHECK_EQ(cmd(c, HCI_OP_READ_BD_ADDR, NULL, 0), 0);
    CHECK_MEM(ret(), addr, 6);
    CHECK_EQ(cmd(c, HCI_OP_READ_LOCAL_FEATURES, NULL, 0), 0);
    CHECK_EQ(ret_len(), 8);
    CHECK_EQ(ret()[4], 0x60); /* BR/EDR Not Supported (37), LE Supported (38) */
    CHECK_EQ(cmd(c, HCI_OP_READ_BUFFER_SIZE, NULL, 0), 0);
    CHECK_EQ(ret_len(), 7);
    CHECK_EQ(cmd(c, HCI_OP_LE_READ_BUFFER_SIZE, NULL, 0), 0);
    CHECK_EQ(ret_len(), 3);
    CHECK_EQ(get_le16(ret()), 251);
    CHECK_EQ(ret()[2], CONTROLLER_ACL_BUFFERS);
    CHECK_EQ(cmd(c, HCI_OP_LE_READ_LOCAL_FEATURES, NULL, 0), 0);
    CHECK_EQ(ret_len(), 8);
    CHECK_EQ(ret()[0], 0x2f); /* Encryption, Conn Param Req, Ext Reject, Periph Features, DLE */
    CHECK_EQ(ret()[1], 0x01); /* LE 2M PHY */
    CHECK_EQ(cmd(c, HCI_OP_LE_READ_SUPPORTED_STATES, NULL, 0), 0);
    CHECK_EQ(ret_len(), 8);
    CHECK_EQ(ret()[0], 0xf7); /* with initiating (6) and peripheral connection (7) */
    CHECK_EQ(ret()[3], 0x20); /* low duty cycle directed advertising (29) */
    CHECK_EQ(cmd(c, HCI_OP_LE_READ_ACCEPT_LIST_SIZE, NULL, 0), 0);
    CHECK_EQ(ret()[0], 8);
    CHECK_EQ(cmd(c, HCI_OP_LE_READ_ADV_TX_POWER, NULL, 0), 0);
    CHECK_EQ(ret_len(), 1);
    uint8_t mask[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f};
    CHECK_EQ(cmd(c, HCI_OP_SET_EVENT_MASK, mask, 8), 0);
    CHECK_EQ(cmd(c, HCI_OP_SET_EVENT_MASK_PAGE2, mask, 8), 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_EVENT_MASK, mask, 8), 0);
    uint8_t host[2] = {1, 0};
    CHECK_EQ(cmd(c, HCI_OP_WRITE_LE_HOST_SUPPORTED, host, 2), 0);
    host[0] = 2;
    CHECK_EQ(cmd(c, HCI_OP_WRITE_LE_HOST_SUPPORTED, host, 2), HCI_ERR_INVALID_PARAMS);
}

/* Supported_Commands (Vol 4 Part E 6.27) has exactly the implemented commands. */
static void test_supported_commands(struct controller *c)
{
    CHECK_EQ(cmd(c, HCI_OP_READ_LOCAL_COMMANDS, NULL, 0), 0);
    CHECK_EQ(ret_len(), 64);
    uint8_t want[64] = {0};
    want[0] = 0x20;  /* Disconnect */
    want[2] = 0x80;  /* Read Remote Version Information */
    want[5] = 0xc0;  /* Set Event Mask, Reset */
    want[14] = 0xa8; /* Read Local Version, Read Local Features, Read Buffer Size */
    want[15] = 0x02; /* Read BD_ADDR */
    want[22] = 0x04; /* Set Event Mask Page 2 */
    want[24] = 0x40; /* Write LE Host Supported */
    want[25] = 0xf7; /* LE Set Event Mask .. LE Set Advertising Data, no bit 3 */
    want[26] = 0xff; /* .. LE Set Scan Enable, Create Connection (Cancel), Accept List */
    want[27] = 0xe7; /* Accept List, Connection Update, Read Remote Features, Encrypt, Rand */
    want[28] = 0x0f; /* LE Enable Encryption, LTK Reply / Negative Reply, Supported States */
    want[33] = 0xf0; /* Remote Conn Param Reply / Negative Reply, Set/Read Data Length */
    want[34] = 0x01; /* LE Write Suggested Default Data Length */
    want[35] = 0x78; /* LE Read Maximum Data Length, Read PHY, Set Default PHY, Set PHY */
    CHECK_MEM(ret(), want, 64);
}

static void test_errors(struct controller *c)
{
    uint8_t p[40] = {0};
    /* Unknown opcodes. */
    CHECK_EQ(cmd(c, 0xfc01, NULL, 0), HCI_ERR_UNKNOWN_COMMAND);
    CHECK_EQ(ret_len(), 0);
    /* Wrong parameter lengths: 0x12 with the return parameters zeroed. */
    CHECK_EQ(cmd(c, HCI_OP_RESET, p, 1), HCI_ERR_INVALID_PARAMS);
    CHECK_EQ(cmd(c, HCI_OP_READ_BD_ADDR, p, 1), HCI_ERR_INVALID_PARAMS);
    CHECK_EQ(ret_len(), 6);
    CHECK_EQ(ret()[0] | ret()[5], 0);
    CHECK_EQ(cmd(c, HCI_OP_SET_EVENT_MASK, p, 7), HCI_ERR_INVALID_PARAMS);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_DATA, p, 31), HCI_ERR_INVALID_PARAMS);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 16), HCI_ERR_INVALID_PARAMS);
    CHECK_EQ(cmd(c, HCI_OP_LE_ENCRYPT, p, 31), HCI_ERR_INVALID_PARAMS);
    CHECK_EQ(ret_len(), 16);
    CHECK_EQ(cmd(c, HCI_OP_LE_RAND, p, 8), HCI_ERR_INVALID_PARAMS);
    /* Malformed packets are refused without an event. */
    uint8_t bad[] = {H4_CMD, 0x03, 0x0c, 0x02, 0x00};
    events = 0;
    CHECK_EQ(controller_receive(c, bad, sizeof(bad)), -EPROTO);
    CHECK_EQ(controller_receive(c, bad, 0), -EPROTO);
    bad[0] = H4_EVT;
    CHECK_EQ(controller_receive(c, bad, 3), -EPROTO);
    uint8_t acl[] = {H4_ACL, 0x01, 0x00, 0x01, 0x00, 0xaa};
    CHECK_EQ(controller_receive(c, acl, sizeof(acl)), 0);
    CHECK_EQ(controller_receive(c, acl, sizeof(acl) - 1), -EPROTO);
    CHECK_EQ(events, 0);
}

static void adv_params(uint8_t *p, uint16_t min, uint16_t max, uint8_t type, uint8_t own,
                       uint8_t map, uint8_t policy)
{
    memset(p, 0, 15);
    put_le16(p, min);
    put_le16(p + 2, max);
    p[4] = type;
    p[5] = own;
    p[13] = map;
    p[14] = policy;
}

static void test_advertising_commands(struct controller *c)
{
    uint8_t p[32];
    CHECK_EQ(cmd(c, HCI_OP_RESET, NULL, 0), 0);
    adv_params(p, 0x20, 0x4000, 0, 0, 7, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), 0);
    adv_params(p, 0x1f, 0x30, 0, 0, 7, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), HCI_ERR_INVALID_PARAMS);
    adv_params(p, 0x20, 0x4001, 0, 0, 7, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), HCI_ERR_INVALID_PARAMS);
    adv_params(p, 0x40, 0x30, 0, 0, 7, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), HCI_ERR_INVALID_PARAMS);
    adv_params(p, 0x20, 0x30, 5, 0, 7, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), HCI_ERR_INVALID_PARAMS);
    adv_params(p, 0x20, 0x30, 0, 4, 7, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), HCI_ERR_INVALID_PARAMS);
    adv_params(p, 0x20, 0x30, 0, 0, 0, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), HCI_ERR_INVALID_PARAMS);
    adv_params(p, 0x20, 0x30, 0, 0, 8, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), HCI_ERR_INVALID_PARAMS);
    adv_params(p, 0x20, 0x30, 0, 0, 7, 4);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), HCI_ERR_INVALID_PARAMS);
    adv_params(p, 0x20, 0x30, 0, 0, 7, 0);
    p[6] = 2; /* peer address type */
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), HCI_ERR_INVALID_PARAMS);
    /* High duty cycle directed ignores the interval, but enabling it is refused. */
    adv_params(p, 0, 0, HCI_ADV_DIRECT_IND_HIGH, 0, 7, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), 0);
    uint8_t on = 1, off = 0, two = 2;
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_ENABLE, &on, 1), HCI_ERR_INVALID_PARAMS);
    /* Random own address without a random address. */
    adv_params(p, 0x20, 0x30, HCI_ADV_NONCONN_IND, 1, 7, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_ENABLE, &on, 1), HCI_ERR_INVALID_PARAMS);
    uint8_t rnd[6] = {1, 2, 3, 4, 5, 0xc6};
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_RANDOM_ADDRESS, rnd, 6), 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_ENABLE, &two, 1), HCI_ERR_INVALID_PARAMS);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_ENABLE, &on, 1), 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_ENABLE, &on, 1), 0);
    /* Disallowed while advertising. */
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), HCI_ERR_COMMAND_DISALLOWED);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_RANDOM_ADDRESS, rnd, 6), HCI_ERR_COMMAND_DISALLOWED);
    /* Data may change while advertising; at most 31 octets. */
    memset(p, 0, sizeof(p));
    p[0] = 31;
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_DATA, p, 32), 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_RSP_DATA, p, 32), 0);
    p[0] = 32;
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_DATA, p, 32), HCI_ERR_INVALID_PARAMS);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_RSP_DATA, p, 32), HCI_ERR_INVALID_PARAMS);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_ENABLE, &off, 1), 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_ENABLE, &off, 1), 0);
    adv_params(p, 0x20, 0x30, HCI_ADV_IND, 0, 7, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), 0);
    /* Reset forgets the random address. */
    CHECK_EQ(cmd(c, HCI_OP_RESET, NULL, 0), 0);
    adv_params(p, 0x20, 0x30, HCI_ADV_IND, 3, 7, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_PARAMS, p, 15), 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_ENABLE, &on, 1), HCI_ERR_INVALID_PARAMS);
}

static void scan_params(uint8_t *p, uint8_t type, uint16_t interval, uint16_t window, uint8_t own,
                        uint8_t policy)
{
    p[0] = type;
    put_le16(p + 1, interval);
    put_le16(p + 3, window);
    p[5] = own;
    p[6] = policy;
}

static void test_scanning_commands(struct controller *c)
{
    uint8_t p[7];
    CHECK_EQ(cmd(c, HCI_OP_RESET, NULL, 0), 0);
    scan_params(p, 1, 0x4000, 0x4000, 0, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_PARAMS, p, 7), 0);
    scan_params(p, 2, 0x10, 0x10, 0, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_PARAMS, p, 7), HCI_ERR_INVALID_PARAMS);
    scan_params(p, 0, 0x03, 0x03, 0, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_PARAMS, p, 7), HCI_ERR_INVALID_PARAMS);
    scan_params(p, 0, 0x4001, 0x10, 0, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_PARAMS, p, 7), HCI_ERR_INVALID_PARAMS);
    scan_params(p, 0, 0x10, 0x11, 0, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_PARAMS, p, 7), HCI_ERR_INVALID_PARAMS);
    scan_params(p, 0, 0x10, 0x10, 4, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_PARAMS, p, 7), HCI_ERR_INVALID_PARAMS);
    scan_params(p, 0, 0x10, 0x10, 0, 4);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_PARAMS, p, 7), HCI_ERR_INVALID_PARAMS);
    scan_params(p, 0, 0x10, 0x10, 1, 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_PARAMS, p, 7), 0);
    uint8_t en[2] = {1, 0};
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_ENABLE, en, 2), HCI_ERR_INVALID_PARAMS); /* no random */
    scan_params(p, 0, 0x10, 0x10, 0, 1);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_PARAMS, p, 7), 0);
    en[1] = 2;
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_ENABLE, en, 2), HCI_ERR_INVALID_PARAMS);
    en[1] = 1;
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_ENABLE, en, 2), 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_ENABLE, en, 2), 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_PARAMS, p, 7), HCI_ERR_COMMAND_DISALLOWED);
    uint8_t rnd[6] = {1, 2, 3, 4, 5, 0xc6};
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_RANDOM_ADDRESS, rnd, 6), HCI_ERR_COMMAND_DISALLOWED);
    /* The accept list is in use by the scan filter policy. */
    uint8_t entry[7] = {0, 1, 2, 3, 4, 5, 6};
    CHECK_EQ(cmd(c, HCI_OP_LE_ADD_TO_ACCEPT_LIST, entry, 7), HCI_ERR_COMMAND_DISALLOWED);
    en[0] = 0;
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_SCAN_ENABLE, en, 2), 0);
    for (int i = 0; i < 8; i++) {
        entry[1] = (uint8_t)i;
        CHECK_EQ(cmd(c, HCI_OP_LE_ADD_TO_ACCEPT_LIST, entry, 7), 0);
    }
    CHECK_EQ(cmd(c, HCI_OP_LE_ADD_TO_ACCEPT_LIST, entry, 7), 0); /* already there */
    entry[1] = 9;
    CHECK_EQ(cmd(c, HCI_OP_LE_ADD_TO_ACCEPT_LIST, entry, 7), HCI_ERR_MEMORY_EXCEEDED);
    entry[0] = 2;
    CHECK_EQ(cmd(c, HCI_OP_LE_ADD_TO_ACCEPT_LIST, entry, 7), HCI_ERR_INVALID_PARAMS);
    entry[0] = 0;
    entry[1] = 3;
    CHECK_EQ(cmd(c, HCI_OP_LE_REMOVE_FROM_ACCEPT_LIST, entry, 7), 0);
    entry[1] = 9;
    CHECK_EQ(cmd(c, HCI_OP_LE_ADD_TO_ACCEPT_LIST, entry, 7), 0);
    CHECK_EQ(cmd(c, HCI_OP_LE_CLEAR_ACCEPT_LIST, NULL, 0), 0);
}

/* Core v5.4 Vol 6 Part C 1.1 sample data, as the HCI bytes carry it. */
static void test_encrypt(struct controller *c)
{
    static const uint8_t key[16] = {0x4c, 0x68, 0x38, 0x41, 0x39, 0xf5, 0x74, 0xd8,
                                    0x36, 0xbc, 0xf3, 0x4e, 0x9d, 0xfb, 0x01, 0xbf};
    static const uint8_t plain[16] = {0x02, 0x13, 0x24, 0x35, 0x46, 0x57, 0x68, 0x79,
                                      0xac, 0xbd, 0xce, 0xdf, 0xe0, 0xf1, 0x02, 0x13};
    static const uint8_t cipher[16] = {0x99, 0xad, 0x1b, 0x52, 0x26, 0xa3, 0x7e, 0x3e,
                                       0x05, 0x8e, 0x3b, 0x8e, 0x27, 0xc2, 0xc6, 0x66};
    uint8_t out[16], p[32];
    CHECK_EQ(aes128_encrypt(key, plain, out), 0);
    CHECK_MEM(out, cipher, 16);
    /* FIPS-197 appendix C.1. */
    uint8_t k[16], pt[16];
    static const uint8_t ct[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                   0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
    for (int i = 0; i < 16; i++) {
        k[i] = (uint8_t)i;
        pt[i] = (uint8_t)(i * 0x11);
    }
    CHECK_EQ(aes128_encrypt(k, pt, out), 0);
    CHECK_MEM(out, ct, 16);
    for (int i = 0; i < 16; i++) {
        p[i] = key[15 - i];
        p[16 + i] = plain[15 - i];
    }
    CHECK_EQ(cmd(c, HCI_OP_LE_ENCRYPT, p, 32), 0);
    CHECK_EQ(ret_len(), 16);
    for (int i = 0; i < 16; i++)
        out[i] = ret()[15 - i];
    CHECK_MEM(out, cipher, 16);
}

static void test_rand(void)
{
    uint8_t a[8], b[8];
    struct medium m1, m2;
    struct controller *c1, *c2;
    CHECK_EQ(medium_init(&m1, MEDIUM_TIMING_FAST, 42), 0);
    CHECK_EQ(medium_init(&m2, MEDIUM_TIMING_FAST, 42), 0);
    c1 = controller_create(&m1.air, addr, collect, NULL);
    c2 = controller_create(&m2.air, addr, collect, NULL);
    CHECK_EQ(cmd(c1, HCI_OP_LE_RAND, NULL, 0), 0);
    memcpy(a, ret(), 8);
    CHECK_EQ(cmd(c2, HCI_OP_LE_RAND, NULL, 0), 0);
    CHECK_MEM(a, ret(), 8);
    CHECK_EQ(cmd(c2, HCI_OP_LE_RAND, NULL, 0), 0);
    memcpy(b, ret(), 8);
    CHECK(memcmp(a, b, 8) != 0);
    controller_destroy(c1);
    controller_destroy(c2);
    medium_free(&m1);
    medium_free(&m2);

    struct rng r;
    CHECK_EQ(rng_init_seeded(&r, 7, 1), 0);
    int counts[3] = {0};
    for (int i = 0; i < 3000; i++) {
        uint32_t v = rng_below(&r, 3);
        CHECK(v < 3);
        counts[v < 3 ? v : 0]++;
    }
    CHECK(counts[0] > 800 && counts[1] > 800 && counts[2] > 800);
    rng_free(&r);
    CHECK_EQ(rng_init_random(&r), 0);
    rng_bytes(&r, a, 8);
    rng_free(&r);
}

/* The air's claim (controller_set_address_claim): this one address is taken. */
static const uint8_t taken[6] = {0x06, 0x05, 0x04, 0x03, 0x02, 0xc1};
static uint8_t claim(void *ctx, const uint8_t want[6])
{
    return memcmp(want, taken, 6) == 0 ? HCI_ERR_LIMITED_RESOURCES : HCI_SUCCESS;
}

/* Zephyr's vendor Write BD_ADDR: exactly 6 octets, not while the address is on the
 * air, refused as the claim says, and kept across HCI Reset. */
static void test_write_bd_addr(struct controller *c)
{
    static const uint8_t mine[6] = {0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
    uint8_t p[7] = {0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
    CHECK_EQ(cmd(c, HCI_OP_RESET, NULL, 0), 0);
    CHECK_EQ(cmd(c, HCI_OP_VS_WRITE_BD_ADDR, p, 5), HCI_ERR_INVALID_PARAMS);
    CHECK_EQ(cmd(c, HCI_OP_VS_WRITE_BD_ADDR, p, 7), HCI_ERR_INVALID_PARAMS);
    CHECK_EQ(cmd(c, HCI_OP_READ_BD_ADDR, NULL, 0), 0);
    CHECK_MEM(ret(), addr, 6);
    CHECK_EQ(cmd(c, HCI_OP_VS_WRITE_BD_ADDR, p, 6), 0);
    CHECK_EQ(ret_len(), 0);
    CHECK_EQ(cmd(c, HCI_OP_RESET, NULL, 0), 0);
    CHECK_EQ(cmd(c, HCI_OP_READ_BD_ADDR, NULL, 0), 0);
    CHECK_MEM(ret(), mine, 6);
    uint8_t on = 1, off = 0;
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_ENABLE, &on, 1), 0);
    CHECK_EQ(cmd(c, HCI_OP_VS_WRITE_BD_ADDR, addr, 6), HCI_ERR_COMMAND_DISALLOWED);
    CHECK_EQ(cmd(c, HCI_OP_LE_SET_ADV_ENABLE, &off, 1), 0);
    controller_set_address_claim(c, claim);
    CHECK_EQ(cmd(c, HCI_OP_VS_WRITE_BD_ADDR, taken, 6), HCI_ERR_LIMITED_RESOURCES);
    CHECK_EQ(cmd(c, HCI_OP_READ_BD_ADDR, NULL, 0), 0);
    CHECK_MEM(ret(), mine, 6);
    CHECK_EQ(cmd(c, HCI_OP_VS_WRITE_BD_ADDR, addr, 6), 0);
    CHECK_EQ(cmd(c, HCI_OP_READ_BD_ADDR, NULL, 0), 0);
    CHECK_MEM(ret(), addr, 6);
    controller_set_address_claim(c, NULL);
}

int main(void)
{
    log_setup("mpble-air", stderr, LOG_LEVEL_ERROR); /* the bad packets are on purpose */
    struct medium m;
    CHECK_EQ(medium_init(&m, MEDIUM_TIMING_FAST, 1), 0);
    struct controller *c = controller_create(&m.air, addr, collect, NULL);
    CHECK(c != NULL);
    RUN(test_basics(c));
    RUN(test_supported_commands(c));
    RUN(test_errors(c));
    RUN(test_advertising_commands(c));
    RUN(test_scanning_commands(c));
    RUN(test_encrypt(c));
    RUN(test_write_bd_addr(c));
    controller_destroy(c);
    medium_free(&m);
    RUN(test_rand());
    return check_summary("test_controller");
}
