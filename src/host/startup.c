/* startup.c - controller initialisation (Core v5.4 Vol 4 Part E 7.3, 7.4, 7.8). */
#include "host/startup.h"

#include <errno.h>
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "host/host.h"

/* Set Event Mask (7.3.1): Disconnection Complete (bit 4), Encryption Change (7),
 * Read Remote Version Information Complete (11), Hardware Error (15), Data Buffer
 * Overflow (25), Encryption Key Refresh Complete (47), LE Meta (61). */
#define EVENT_MASK 0x2000800002008890ULL
/* LE Set Event Mask (7.8.1): Connection Complete, Advertising Report, Connection
 * Update Complete, Read Remote Features Complete, Long Term Key Request, Remote
 * Connection Parameter Request, Data Length Change (bits 0-6), PHY Update Complete
 * (bit 11). */
#define LE_EVENT_MASK 0x000000000000087fULL

/* LMP features (Vol 2 Part C 3.3): bit 38 "LE Supported (Controller)". */
#define FEATURE_LE_BYTE 4
#define FEATURE_LE_BIT 0x40

/* A command's status (>= 0), or a negative errno with a message set. */
static int command(struct host *h, uint16_t op, const void *p, uint8_t plen, uint8_t *rsp,
                   size_t cap, size_t *got, const char *what)
{
    int st = hci_cmd(h, op, p, plen, rsp, cap, got);
    if (st == -ETIMEDOUT)
        host_error(h, "the controller did not answer %s", what);
    return st;
}

static int step(struct host *h, uint16_t op, const void *p, uint8_t plen, uint8_t *rsp, size_t cap,
                size_t need, const char *what)
{
    size_t got = 0;
    int st = command(h, op, p, plen, rsp, cap, &got, what);
    if (st < 0)
        return st;
    if (st != HCI_SUCCESS) {
        host_error(h, "the controller refused %s (HCI status 0x%02x)", what, st);
        return -EIO;
    }
    if (got < need) {
        host_error(h, "the controller's answer to %s is too short", what);
        return -EIO;
    }
    return 0;
}

/* Whether the controller's maker (Company_Identifier, 7.4.1) is one whose controllers
 * know Zephyr's Write BD_ADDR: vendor opcodes (OGF 0x3F) mean what each vendor
 * decides, so another's controller never gets it. */
static bool knows_write_bd_addr(uint16_t company)
{
    return company == HCI_COMPANY_ZEPHYR || company == HCI_COMPANY_TEST;
}

/* A requested address that cannot be had fails the activation; a kept one gives way
 * to the controller's own. The air refuses one another device has with 0x0D. */
static int address_refused(struct host *h, int status)
{
    if (h->want_addr_source != STARTUP_ADDR_REQUESTED)
        return 0;
    char text[BDADDR_TEXT_LEN];
    bdaddr_text(h->want_addr, text);
    if (status == HCI_ERR_LIMITED_RESOURCES) {
        host_error(h, "address %s is in use by another device", text);
        return -EADDRINUSE;
    }
    if (status == HCI_ERR_UNKNOWN_COMMAND) {
        host_error(h, "the controller cannot set its address (to %s)", text);
        return -EOPNOTSUPP;
    }
    host_error(h, "the controller refused address %s (HCI status 0x%02x)", text, status);
    return -EIO;
}

/* Sets the public address asked for, if any, after Reset (which keeps it). */
static int write_address(struct host *h, uint16_t company)
{
    if (h->want_addr_source == STARTUP_ADDR_OWN)
        return 0;
    if (!knows_write_bd_addr(company))
        return address_refused(h, HCI_ERR_UNKNOWN_COMMAND);
    size_t got = 0;
    int st = command(h, HCI_OP_VS_WRITE_BD_ADDR, h->want_addr, 6, NULL, 0, &got, "Write BD_ADDR");
    return st <= 0 ? st : address_refused(h, st);
}

/* The ACL data buffers (7.8.2, 7.4.5). */
static int read_buffer_size(struct host *h)
{
    uint8_t r[8];
    int rc;
    if ((rc = step(h, HCI_OP_LE_READ_BUFFER_SIZE, NULL, 0, r, sizeof r, 3, "LE Read Buffer Size")) <
        0)
        return rc;
    h->acl_mtu = get_le16(r);
    h->acl_pkts = r[2];
    if (h->acl_mtu == 0) {
        /* 7.8.2: zero means the LE traffic shares the BR/EDR buffers. */
        if ((rc = step(h, HCI_OP_READ_BUFFER_SIZE, NULL, 0, r, sizeof r, 7, "Read Buffer Size")) <
            0)
            return rc;
        h->acl_mtu = get_le16(r);
        h->acl_pkts = (uint16_t)get_le16(r + 3);
    }
    if (h->acl_mtu == 0 || h->acl_pkts == 0) {
        host_error(h,
                   "the controller reports no ACL data buffers (%u of %u octets): it "
                   "could carry no data",
                   h->acl_pkts, h->acl_mtu);
        return -EIO;
    }
    return 0;
}

int startup_controller(struct host *h)
{
    uint8_t r[64];
    uint8_t p[8];
    int rc;

    if ((rc = step(h, HCI_OP_RESET, NULL, 0, NULL, 0, 0, "Reset")) < 0) {
        if (h->dead) /* it took the connection and closed it: it refuses hosts */
            host_error(h,
                       "%s, before answering HCI Reset: an air does so at its limit "
                       "of open files or memory (see its log)",
                       h->dead_reason);
        return rc;
    }
    if ((rc = step(h, HCI_OP_READ_LOCAL_VERSION, NULL, 0, r, sizeof r, 8,
                   "Read Local Version Information")) < 0)
        return rc;
    h->hci_version = r[0];
    if ((rc = write_address(h, get_le16(r + 4))) < 0)
        return rc;
    if ((rc = step(h, HCI_OP_READ_LOCAL_COMMANDS, NULL, 0, h->commands, sizeof h->commands, 64,
                   "Read Local Supported Commands")) < 0)
        return rc;
    if ((rc = step(h, HCI_OP_READ_LOCAL_FEATURES, NULL, 0, r, sizeof r, 8,
                   "Read Local Supported Features")) < 0)
        return rc;
    if (!(r[FEATURE_LE_BYTE] & FEATURE_LE_BIT)) {
        host_error(h, "the controller does not support Bluetooth Low Energy");
        return -ENODEV;
    }
    put_le32(p, (uint32_t)EVENT_MASK);
    put_le32(p + 4, (uint32_t)(EVENT_MASK >> 32));
    if ((rc = step(h, HCI_OP_SET_EVENT_MASK, p, 8, NULL, 0, 0, "Set Event Mask")) < 0)
        return rc;
    put_le32(p, (uint32_t)LE_EVENT_MASK);
    put_le32(p + 4, (uint32_t)(LE_EVENT_MASK >> 32));
    if ((rc = step(h, HCI_OP_LE_SET_EVENT_MASK, p, 8, NULL, 0, 0, "LE Set Event Mask")) < 0)
        return rc;
    if ((rc = read_buffer_size(h)) < 0)
        return rc;
    if ((rc = step(h, HCI_OP_LE_READ_LOCAL_FEATURES, NULL, 0, h->le_features, sizeof h->le_features,
                   8, "LE Read Local Supported Features")) < 0)
        return rc;
    if ((rc = step(h, HCI_OP_READ_BD_ADDR, NULL, 0, h->public_addr, 6, 6, "Read BD_ADDR")) < 0)
        return rc;
    static const uint8_t zero[6];
    h->has_public = memcmp(h->public_addr, zero, 6) != 0;
    return 0;
}
