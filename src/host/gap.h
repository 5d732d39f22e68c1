/* gap.h - GAP broadcaster and observer roles and the device address
 * (Core v5.4 Vol 3 Part C 9 and 10.8). */
#ifndef MPBLE_GAP_H
#define MPBLE_GAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpble/mpble.h"

struct host;
struct hci_evt;

int gap_start(struct host *h); /* after the controller is up: choose the address */
void gap_stop(struct host *h); /* deactivation: stop advertising and scanning */
void gap_on_transport_lost(struct host *h);
void gap_on_adv_reports(struct host *h, const struct hci_evt *ev);
/* A link came up in the peripheral role: legacy advertising ended with it. When the
 * host had no slot for it (taken false), advertising resumes once one frees. */
void gap_on_peripheral_link(struct host *h, bool taken);
/* Every link slot is taken (full), or one freed: connectable advertising is held
 * meanwhile, as no further link could be taken. */
void gap_set_links_full(struct host *h, bool full);

int gap_set_addr_mode(struct host *h, int mode);
void gap_get_mac(struct host *h, mpble_addr_t *out);

struct gap_adv_args {
    uint32_t interval_us;
    const uint8_t *adv, *resp; /* NULL: keep */
    size_t adv_len, resp_len;
    bool connectable;
};
int gap_advertise(struct host *h, const struct gap_adv_args *a);
int gap_advertise_stop(struct host *h);

struct gap_scan_args {
    uint32_t duration_ms, interval_us, window_us;
    bool active;
};
int gap_scan(struct host *h, const struct gap_scan_args *a);
int gap_scan_stop(struct host *h);

#endif
