/* controller_int.h - inside the virtual controller: its state and the interfaces
 * between the HCI command layer (controller.c) and the link-layer states
 * (ll_adv.c: advertising, ll_scan.c: scanning). Initiating and connection states
 * will sit beside these two, each with its own struct and file. */
#ifndef MPBLE_CONTROLLER_INT_H
#define MPBLE_CONTROLLER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "air/medium.h"
#include "controller/accept_list.h"
#include "controller/controller.h"

/* Advertising state with legacy PDUs (Vol 6 Part B 4.4.2), parameters from
 * LE Set Advertising Parameters (Vol 4 Part E 7.8.5). */
struct ll_adv {
    bool enabled;
    uint16_t interval_min, interval_max; /* units of 0.625 ms */
    uint8_t type, own_addr_type, peer_addr_type, peer_addr[6];
    uint8_t channel_map, filter_policy;
    uint8_t data_len, data[31];
    uint8_t scan_rsp_len, scan_rsp[31];
    struct timer event_timer; /* the next advertising event */
    /* While one PDU is on the air: where and until when a SCAN_REQ may answer it. */
    bool listening;
    uint8_t listen_channel;
    uint64_t listen_after; /* end of the advertising PDU */
};

#define LL_DUP_FILTER_SIZE 64

/* Scanning state (Vol 6 Part B 4.4.3), parameters from LE Set Scan Parameters
 * (Vol 4 Part E 7.8.10). */
struct ll_scan {
    bool enabled, filter_duplicates;
    uint8_t type, own_addr_type, filter_policy;
    uint16_t interval, window; /* units of 0.625 ms */
    uint64_t started;          /* medium time scanning began: window 0 on channel 37 */
    /* Active scanning backoff (Vol 6 Part B 4.4.3.2). */
    uint16_t upper_limit, backoff_count;
    uint8_t consecutive_ok, consecutive_fail;
    bool awaiting_rsp;
    uint8_t awaiting_addr_type, awaiting_addr[6];
    /* Reports already sent in this scan: (event type, address type, address). */
    unsigned dup_count, dup_next;
    struct {
        uint8_t event_type, addr_type, addr[6];
    } dups[LL_DUP_FILTER_SIZE];
};

struct controller {
    struct radio radio; /* first: the medium hands back this pointer */
    controller_output_fn output;
    void *output_ctx;
    uint8_t public_addr[6]; /* LSB first throughout */
    uint8_t random_addr[6];
    bool random_addr_set;
    bool le_host_supported;
    uint64_t event_mask, event_mask_page2, le_event_mask;
    struct accept_list accept_list;
    struct ll_adv adv;
    struct ll_scan scan;
};

/* Events to the host. ctrl_send_le_event applies the event masks: an LE event
 * goes out only if the LE Meta event is enabled in the event mask and its subevent
 * in the LE event mask (Vol 4 Part E 7.8.1). */
void ctrl_send_event(struct controller *c, uint8_t code, const uint8_t *params, uint8_t len);
void ctrl_send_le_event(struct controller *c, const uint8_t *params, uint8_t len);

/* The address a state uses for Own_Address_Type 0..3. With an empty resolving list,
 * types 2 and 3 fall back to the public and random address (Vol 4 Part E 7.8.5).
 * Returns false when the random address is needed and was never set. */
bool ctrl_own_address(const struct controller *c, uint8_t own_type, uint8_t *addr_type,
                      uint8_t addr[6]);

/* Command handlers: params have the length the command defines; ret (zeroed) takes
 * the return parameters after the status; they return the status. */
uint8_t ll_adv_set_params(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_adv_set_data(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_adv_set_scan_rsp_data(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_adv_set_enable(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_scan_set_params(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_scan_set_enable(struct controller *c, const uint8_t *p, uint8_t *ret);

void ll_adv_reset(struct controller *c);
void ll_scan_reset(struct controller *c);
/* Fast timing: start the next advertising event now, if advertising. */
void ll_adv_now(struct controller *c);
/* PDUs from the air. */
void ll_adv_receive(struct controller *c, const struct air_pdu *pdu);
void ll_scan_receive(struct controller *c, const struct air_pdu *pdu);

/* Whether the accept list is in use by an enabled state (Vol 4 Part E 7.8.15). */
bool ll_adv_uses_accept_list(const struct controller *c);
bool ll_scan_uses_accept_list(const struct controller *c);

#endif
