/* hci_evt.h - decoding HCI events from a controller (Core v5.4 Vol 4 Part E 7.7).
 * Pure functions over a byte buffer: every length is checked before it is read. */
#ifndef MPBLE_HCI_EVT_H
#define MPBLE_HCI_EVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hci_evt_kind {
    HCI_EVT_OTHER,            /* well-formed, of no interest to the host yet */
    HCI_EVT_CMD_COMPLETE,     /* 7.7.14 */
    HCI_EVT_CMD_STATUS,       /* 7.7.15 */
    HCI_EVT_HW_ERROR,         /* 7.7.16 */
    HCI_EVT_ADV_REPORT,       /* 7.7.65.2: iterate with hci_adv_report_next */
    HCI_EVT_DISCONN_COMPLETE, /* 7.7.5 */
    HCI_EVT_NUM_COMPLETED,    /* 7.7.19: iterate with hci_num_completed_next */
    HCI_EVT_CONN_COMPLETE,    /* 7.7.65.1 and 7.7.65.10 (enhanced) */
    HCI_EVT_CONN_UPDATE,      /* 7.7.65.3 */
    HCI_EVT_CONN_PARAM_REQ,   /* 7.7.65.6 */
};

/* Connection parameters in HCI units: interval 1.25 ms, latency in events,
 * supervision timeout 10 ms. */
struct hci_conn_params {
    uint16_t interval, latency, timeout;
};

struct hci_evt {
    enum hci_evt_kind kind;
    uint8_t code;
    union {
        struct {
            uint8_t ncmd;
            uint16_t opcode;
            const uint8_t *ret; /* return parameters, status first (may be empty) */
            size_t ret_len;
        } cmd_complete;
        struct {
            uint8_t status;
            uint8_t ncmd;
            uint16_t opcode;
        } cmd_status;
        uint8_t hw_error;
        struct {
            uint8_t num;
            const uint8_t *p; /* the reports */
            size_t len;
        } adv;
        struct {
            uint8_t status;
            uint16_t handle;
            uint8_t reason;
        } disconn;
        struct {
            uint8_t num;
            const uint8_t *p; /* handle(2) count(2) pairs */
        } completed;
        struct {
            uint8_t status;
            uint16_t handle;
            uint8_t role;
            uint8_t peer_type;
            uint8_t peer[6]; /* HCI order */
            struct hci_conn_params params;
        } conn;
        struct {
            uint8_t status;
            uint16_t handle;
            struct hci_conn_params params;
        } update;
        struct {
            uint16_t handle;
            uint16_t interval_min, interval_max, latency, timeout;
        } param_req;
    } u;
};

struct hci_adv_report {
    uint8_t event_type;
    uint8_t addr_type;
    uint8_t addr[6]; /* as on HCI: least significant byte first */
    const uint8_t *data;
    uint8_t data_len;
    int8_t rssi;
};

/* Decodes an event packet (without the H4 indicator). 0, or -EBADMSG when a length
 * is inconsistent (the event is then to be ignored). An advertising report event is
 * validated whole here, so hci_adv_report_next cannot fail afterwards. */
int hci_evt_parse(const uint8_t *pkt, size_t len, struct hci_evt *out);

/* Iterates the reports of an HCI_EVT_ADV_REPORT event: fills *r and returns true
 * while reports remain. *off starts at 0. */
bool hci_adv_report_next(const struct hci_evt *ev, size_t *off, struct hci_adv_report *r);

/* Iterates a Number Of Completed Packets event: handle and count per call. */
bool hci_num_completed_next(const struct hci_evt *ev, unsigned *i, uint16_t *handle,
                            uint16_t *count);

#endif
