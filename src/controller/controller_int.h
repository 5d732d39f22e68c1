/* controller_int.h - inside the virtual controller: its state and the interfaces
 * between the HCI command layer (controller.c) and the link-layer states
 * (ll_adv.c: advertising, ll_scan.c: scanning, ll_init.c: initiating, ll_conn.h:
 * connections), each with its own struct and file. */
#ifndef MPBLE_CONTROLLER_INT_H
#define MPBLE_CONTROLLER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "controller/accept_list.h"
#include "controller/controller.h"
#include "controller/ll_conn.h"
#include "radio/radio.h"

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
    uint64_t started;          /* air time scanning began: window 0 on channel 37 */
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

/* Initiating state (Vol 6 Part B 4.4.4), parameters from LE Create Connection
 * (Vol 4 Part E 7.8.12). */
struct ll_init {
    bool enabled;
    uint16_t scan_interval, scan_window; /* units of 0.625 ms */
    uint8_t filter_policy, peer_addr_type, peer_addr[6], own_addr_type;
    struct ll_conn_params params; /* interval: the minimum asked for */
    uint64_t started;
};

/* One host ACL packet held until the peer acknowledged all of it. */
struct ll_acl_buf {
    bool used;
    bool start;        /* Packet_Boundary_Flag 00: the first fragment of a message */
    uint8_t len, sent; /* octets, octets acknowledged */
    uint8_t data[CONTROLLER_ACL_MTU];
};

#define CTRL_HELD_MAX 2048 /* events held while a command runs */

struct controller {
    struct radio radio; /* first: the air hands back this pointer */
    controller_output_fn output;
    controller_room_fn room;   /* NULL: the host always has room */
    controller_claim_fn claim; /* NULL: every address written is granted */
    void *output_ctx;
    bool host_refused;        /* a link refused a PDU for want of host room */
    uint64_t reports_dropped; /* advertising reports, for want of host room */
    uint8_t public_addr[6];   /* LSB first throughout */
    uint8_t random_addr[6];
    bool random_addr_set;
    bool le_host_supported;
    uint64_t event_mask, event_mask_page2, le_event_mask;
    struct accept_list accept_list;
    struct ll_adv adv;
    struct ll_scan scan;
    struct ll_init init;
    struct ll_conn conns[LL_MAX_CONNS];
    uint16_t next_handle;
    struct ll_acl_buf acl[CONTROLLER_ACL_BUFFERS];
    struct timer completed_timer; /* reports completed packets for all links at once */
    uint16_t default_tx_octets, default_tx_time; /* LE Write Suggested Default Data Length */
    uint8_t default_tx_phys, default_rx_phys;    /* LE Set Default PHY */
    /* Events raised while a command runs go out after its Command Complete or
     * Command Status (Vol 4 Part E 4.4): held here meanwhile. */
    bool holding;
    size_t held_len;
    uint8_t held[CTRL_HELD_MAX];
};

/* Events to the host. ctrl_send_le_event applies the event masks: an LE event
 * goes out only if the LE Meta event is enabled in the event mask and its subevent
 * in the LE event mask (Vol 4 Part E 7.8.1). */
void ctrl_send_event(struct controller *c, uint8_t code, const uint8_t *params, uint8_t len);
void ctrl_send_le_event(struct controller *c, const uint8_t *params, uint8_t len);
/* A whole H4 packet to the host (ACL data), held like events while a command runs. */
void ctrl_send_packet(struct controller *c, const uint8_t *pkt, size_t len);
/* Whether the host can take len octets now and still have reserve octets left. */
bool ctrl_host_room(const struct controller *c, size_t len, size_t reserve);
/* Whether the LE Meta event and its subevent are both unmasked. */
bool ctrl_le_event_enabled(const struct controller *c, uint8_t subevent);

/* Tells the air whether c listens on the advertising channels: scanning,
 * initiating, or its advertiser awaiting an answer (radio_listen); after each
 * change of those. */
void ctrl_listen_update(struct controller *c);

/* Whether a state that sends the device's address is on (advertising, scanning,
 * initiating): the addresses may not change then (Vol 4 Part E 7.8.4). */
bool ctrl_addressing(const struct controller *c);

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
uint8_t ll_init_create(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_init_cancel(struct controller *c, const uint8_t *p, uint8_t *ret);
/* Connection commands (ll_conn_cmd.c). */
uint8_t ll_cmd_disconnect(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_cmd_read_remote_version(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_cmd_conn_update(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_cmd_read_remote_features(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_cmd_param_reply(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_cmd_param_neg_reply(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_cmd_set_data_length(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_cmd_read_default_data_length(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_cmd_write_default_data_length(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_cmd_read_max_data_length(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_cmd_read_phy(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_cmd_set_default_phy(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_cmd_set_phy(struct controller *c, const uint8_t *p, uint8_t *ret);
/* Encryption commands (ll_enc.c). */
uint8_t ll_cmd_enable_encryption(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_cmd_ltk_reply(struct controller *c, const uint8_t *p, uint8_t *ret);
uint8_t ll_cmd_ltk_neg_reply(struct controller *c, const uint8_t *p, uint8_t *ret);
/* Checks connection parameters as LE Create Connection and LE Connection Update
 * give them (interval min, max, latency, timeout, CE lengths: 12 octets at p). */
bool ll_conn_params_valid(const uint8_t *p);

void ll_adv_reset(struct controller *c);
void ll_scan_reset(struct controller *c);
void ll_init_reset(struct controller *c);
/* Fast timing: start the next advertising event now, if advertising. */
void ll_adv_now(struct controller *c);
/* PDUs from the air. */
void ll_adv_receive(struct controller *c, const struct air_pdu *pdu);
void ll_scan_receive(struct controller *c, const struct air_pdu *pdu);
void ll_init_receive(struct controller *c, const struct air_pdu *pdu);
/* Whether the initiator or scanner, started at started with this interval and
 * window (0.625 ms units), hears pdu: in real timing one primary channel per
 * interval (37, 38, 39 in turn), during the window; in fast timing always. */
bool ll_listening(const struct controller *c, uint64_t started, uint16_t interval, uint16_t window,
                  const struct air_pdu *pdu);
/* Advertising stops: a connection was made as peripheral (Vol 6 Part B 4.4.2). */
void ll_adv_stop(struct controller *c);

/* Whether the accept list is in use by an enabled state (Vol 4 Part E 7.8.15). */
bool ll_adv_uses_accept_list(const struct controller *c);
bool ll_scan_uses_accept_list(const struct controller *c);
bool ll_init_uses_accept_list(const struct controller *c);

#endif
