/* gap.c - GAP broadcaster and observer roles and the device address
 * (Core v5.4 Vol 3 Part C 9 and 10.8; HCI commands Vol 4 Part E 7.8). */
#include <errno.h>
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "host/gap.h"
#include "host/hci.h"
#include "host/hci_evt.h"
#include "host/host.h"

/* 625 us units of advertising and scanning intervals (Vol 4 Part E 7.8.5, 7.8.10). */
#define UNIT_US 625u
/* The reference's defaults when the interval rounds to 0 (NimBLE: 30-60 ms
 * connectable, 100-150 ms non-connectable). */
#define ADV_DEFAULT_CONN_MIN 48
#define ADV_DEFAULT_CONN_MAX 96
#define ADV_DEFAULT_NONCONN_MIN 160
#define ADV_DEFAULT_NONCONN_MAX 240
#define ADV_CHANNELS_ALL 0x07
#define SCAN_UNITS_MIN 4
#define SCAN_UNITS_MAX 16384

enum addr_mode { ADDR_PUBLIC = 0, ADDR_RANDOM = 1, ADDR_RPA = 2, ADDR_NRPA = 3 };

/* A command whose only answer is its status, mapped to an errno. */
static int simple_cmd(struct host *h, uint16_t op, const void *p, uint8_t plen)
{
    return hci_status_to_errno(hci_cmd(h, op, p, plen, NULL, 0, NULL));
}

static int le_rand(struct host *h, uint8_t out[8])
{
    size_t got = 0;
    int st = hci_cmd(h, HCI_OP_LE_RAND, NULL, 0, out, 8, &got);
    if (st == HCI_SUCCESS && got < 8)
        return -EIO;
    return hci_status_to_errno(st);
}

/* Random device addresses (Vol 6 Part B 1.3.2): the two most significant bits give
 * the kind (11 static, 00 non-resolvable private), and the random part is neither
 * all zeros nor all ones. */
static int new_random_addr(struct host *h, uint8_t addr[6], uint8_t top_bits)
{
    for (int tries = 0; tries < 8; tries++) {
        uint8_t r[8];
        int rc = le_rand(h, r);
        if (rc < 0)
            return rc;
        memcpy(addr, r, 6);
        addr[5] = (uint8_t)((addr[5] & 0x3f) | top_bits);
        bool zeros = true, ones = true;
        for (int i = 0; i < 6; i++) {
            uint8_t v = i == 5 ? addr[i] & 0x3f : addr[i];
            uint8_t full = i == 5 ? 0x3f : 0xff;
            zeros = zeros && v == 0;
            ones = ones && v == full;
        }
        if (!zeros && !ones && memcmp(addr, h->public_addr, 6) != 0)
            return 0;
    }
    return -EIO;
}

static int use_random_addr(struct host *h, uint8_t top_bits)
{
    uint8_t addr[6];
    int rc = new_random_addr(h, addr, top_bits);
    if (rc < 0)
        return rc;
    rc = simple_cmd(h, HCI_OP_LE_SET_RANDOM_ADDRESS, addr, 6);
    if (rc < 0) {
        if (rc == -EBUSY)
            host_error(h, "the address cannot change while advertising or scanning");
        return rc;
    }
    memcpy(h->random_addr, addr, 6);
    h->own_addr_type = HCI_ADDR_RANDOM;
    return 0;
}

int gap_start(struct host *h)
{
    /* Public if the controller has one, else a fresh random static address. */
    if (h->has_public) {
        h->own_addr_type = HCI_ADDR_PUBLIC;
        return 0;
    }
    return use_random_addr(h, 0xc0);
}

int gap_set_addr_mode(struct host *h, int mode)
{
    switch (mode) {
    case ADDR_PUBLIC:
        if (!h->has_public) {
            host_error(h, "the controller has no public address");
            return -EINVAL;
        }
        h->own_addr_type = HCI_ADDR_PUBLIC;
        return 0;
    case ADDR_RANDOM:
        return use_random_addr(h, 0xc0);
    case ADDR_NRPA:
        return use_random_addr(h, 0x00);
    case ADDR_RPA:
        host_error(h, "addr_mode 2 (resolvable private addresses) needs privacy "
                      "support, which this version does not have");
        return -EOPNOTSUPP;
    default:
        return 0; /* the reference ignores other values */
    }
}

void gap_get_mac(struct host *h, mpble_addr_t *out)
{
    out->type = h->own_addr_type;
    bdaddr_reverse(out->val, h->own_addr_type == HCI_ADDR_PUBLIC ? h->public_addr : h->random_addr);
}

/* ---- broadcaster ---- */

static int set_adv_enable(struct host *h, bool on)
{
    uint8_t p = on;
    int rc = simple_cmd(h, HCI_OP_LE_SET_ADV_ENABLE, &p, 1);
    if (rc == 0)
        h->advertising = on;
    return rc;
}

/* LE Set Advertising Data / Scan Response Data: a length and always 31 octets, the
 * unused ones zero (7.8.7, 7.8.8). */
static int set_adv_payload(struct host *h, uint16_t op, const uint8_t *data, size_t len)
{
    uint8_t p[1 + HCI_ADV_DATA_MAX] = {0};
    p[0] = (uint8_t)len;
    memcpy(p + 1, data, len);
    return simple_cmd(h, op, p, sizeof p);
}

int gap_advertise(struct host *h, const struct gap_adv_args *a)
{
    if ((a->adv && a->adv_len > HCI_ADV_DATA_MAX) || (a->resp && a->resp_len > HCI_ADV_DATA_MAX)) {
        host_error(h, "advertising data is limited to %d bytes", HCI_ADV_DATA_MAX);
        return -EINVAL;
    }
    int rc;
    h->adv_held = false;
    if (h->advertising && (rc = set_adv_enable(h, false)) < 0)
        return rc;

    uint32_t units = a->interval_us / UNIT_US;
    uint16_t min = (uint16_t)units, max = (uint16_t)units;
    if (units == 0) {
        min = a->connectable ? ADV_DEFAULT_CONN_MIN : ADV_DEFAULT_NONCONN_MIN;
        max = a->connectable ? ADV_DEFAULT_CONN_MAX : ADV_DEFAULT_NONCONN_MAX;
    } else if (units > 0xffff) {
        min = max = 0xffff; /* out of range: the controller says so */
    }
    /* 7.8.5: intervals, type, own address type, peer address type and address,
     * channel map, filter policy. */
    uint8_t p[15] = {0};
    put_le16(p, min);
    put_le16(p + 2, max);
    p[4] = a->connectable ? HCI_ADV_IND : HCI_ADV_SCAN_IND;
    p[5] = h->own_addr_type;
    p[13] = ADV_CHANNELS_ALL;
    if ((rc = simple_cmd(h, HCI_OP_LE_SET_ADV_PARAMS, p, sizeof p)) < 0) {
        if (rc == -EINVAL)
            host_error(h, "the controller refused the advertising interval %u us",
                       (unsigned)a->interval_us);
        return rc;
    }
    if (a->adv && (rc = set_adv_payload(h, HCI_OP_LE_SET_ADV_DATA, a->adv, a->adv_len)) < 0)
        return rc;
    if (a->resp && (rc = set_adv_payload(h, HCI_OP_LE_SET_SCAN_RSP_DATA, a->resp, a->resp_len)) < 0)
        return rc;
    h->adv_connectable = a->connectable;
    if (a->connectable && h->links_full) {
        h->adv_held = true; /* starts when a link slot frees */
        return 0;
    }
    return set_adv_enable(h, true);
}

int gap_advertise_stop(struct host *h)
{
    h->adv_held = false;
    if (!h->advertising)
        return 0;
    return set_adv_enable(h, false);
}

/* Advertising again as last set up (held, or ended by a link refused). */
static void resume_advertising(struct host *h)
{
    int rc = set_adv_enable(h, true);
    if (rc < 0)
        host_log(h, "advertising could not resume: %s", strerror(-rc));
}

void gap_set_links_full(struct host *h, bool full)
{
    if (full == h->links_full)
        return;
    h->links_full = full;
    if (full && h->advertising && h->adv_connectable) {
        if (set_adv_enable(h, false) == 0)
            h->adv_held = true;
    } else if (!full && h->adv_held) {
        h->adv_held = false;
        resume_advertising(h);
    }
}

/* ---- observer ---- */

static uint16_t scan_units(uint32_t us)
{
    uint32_t u = us / UNIT_US;
    return (uint16_t)(u < SCAN_UNITS_MIN   ? SCAN_UNITS_MIN
                      : u > SCAN_UNITS_MAX ? SCAN_UNITS_MAX
                                           : u);
}

static void scan_finished(struct host *h)
{
    h->scanning = false;
    host_timer_stop(h, &h->scan_timer);
    struct mpble_event ev = {.code = MPBLE_IRQ_SCAN_DONE};
    host_emit(h, &ev);
}

static void scan_timer_fired(struct host *h, struct host_timer *t)
{
    gap_scan_stop(h);
}

int gap_scan(struct host *h, const struct gap_scan_args *a)
{
    if (h->scanning)
        return -EALREADY;
    uint16_t interval = scan_units(a->interval_us), window = scan_units(a->window_us);
    if (window > interval) {
        host_error(h, "the scan window is longer than the scan interval");
        return -EINVAL;
    }
    /* 7.8.10: type, interval, window, own address type, filter policy. */
    uint8_t p[7];
    p[0] = a->active ? 0x01 : 0x00;
    put_le16(p + 1, interval);
    put_le16(p + 3, window);
    p[5] = h->own_addr_type;
    p[6] = 0x00;
    int rc = simple_cmd(h, HCI_OP_LE_SET_SCAN_PARAMS, p, sizeof p);
    if (rc < 0)
        return rc;
    /* 7.8.11: enable, no duplicate filtering (every advertisement is reported). */
    uint8_t e[2] = {0x01, 0x00};
    if ((rc = simple_cmd(h, HCI_OP_LE_SET_SCAN_ENABLE, e, sizeof e)) < 0)
        return rc;
    h->scanning = true;
    h->scan_timer.fire = scan_timer_fired;
    if (a->duration_ms > 0)
        host_timer_start(h, &h->scan_timer, (uint64_t)a->duration_ms * 1000u);
    return 0;
}

int gap_scan_stop(struct host *h)
{
    if (!h->scanning)
        return 0;
    uint8_t e[2] = {0x00, 0x00};
    int rc = h->dead ? 0 : simple_cmd(h, HCI_OP_LE_SET_SCAN_ENABLE, e, sizeof e);
    scan_finished(h);
    return h->dead ? 0 : rc;
}

void gap_on_adv_reports(struct host *h, const struct hci_evt *ev)
{
    struct hci_adv_report r;
    size_t off = 0;
    while (h->scanning && hci_adv_report_next(ev, &off, &r)) {
        struct mpble_event e = {.code = MPBLE_IRQ_SCAN_RESULT};
        e.u.scan_result.addr.type = r.addr_type;
        bdaddr_reverse(e.u.scan_result.addr.val, r.addr);
        e.u.scan_result.adv_type = r.event_type;
        e.u.scan_result.rssi = r.rssi;
        e.u.scan_result.data = r.data;
        e.u.scan_result.len = r.data_len;
        host_emit(h, &e);
    }
}

void gap_stop(struct host *h)
{
    gap_scan_stop(h);
    if (!h->dead)
        gap_advertise_stop(h);
    h->advertising = false;
    h->adv_held = false;
}

void gap_on_peripheral_link(struct host *h, bool taken)
{
    bool was = h->advertising;
    h->advertising = false; /* legacy advertising ends with the connection */
    if (taken || !was)
        return;
    /* A link the host could not take ended it: it goes on now, or once a slot frees. */
    if (h->links_full)
        h->adv_held = true;
    else
        resume_advertising(h);
}

void gap_on_transport_lost(struct host *h)
{
    h->advertising = false;
    h->adv_held = false;
    if (h->scanning)
        scan_finished(h);
}
