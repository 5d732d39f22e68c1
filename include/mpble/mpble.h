/* mpble.h - the mpble host: the C twin of MicroPython's `bluetooth` module.
 *
 * One `mpble_t` is one BLE device (the Python `BLE` singleton wraps one). Its
 * configuration lives as long as the object; `mpble_active(h, true)` opens the
 * controller chosen by MPBLE_HCI (or mpble_set_transport) and starts an event-loop
 * thread that owns all stack state until `mpble_active(h, false)`.
 *
 * Threads: every function may be called from any thread. A call from another thread
 * is posted to the loop and waits for its result; a call from the loop thread itself
 * (from inside the event callback) runs inline. Events are delivered on the loop
 * thread, one at a time, through the callback given to mpble_new().
 *
 * Errors: functions return 0 (or a non-negative result) on success and a negative
 * errno on failure: -ENODEV when the device is not active, -EINVAL for bad
 * parameters (including ones the controller rejected as invalid), -EIO for other
 * controller failures, -ETIMEDOUT when the controller stops answering, -EALREADY,
 * -EBUSY as documented per function. mpble_last_error() gives a message for the
 * most recent failure where one helps (a bad transport URI, say).
 *
 * Addresses (mpble_addr_t.val) are in display order, most significant byte first,
 * as `config('mac')` shows them; HCI carries them the other way round.
 */
#ifndef MPBLE_MPBLE_H
#define MPBLE_MPBLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mpble mpble_t;

typedef struct {
    uint8_t type; /* 0 public, 1 random */
    uint8_t val[6];
} mpble_addr_t;

/* Event codes: the module's _IRQ_* numbers. */
enum mpble_event_code {
    MPBLE_IRQ_CENTRAL_CONNECT = 1,
    MPBLE_IRQ_CENTRAL_DISCONNECT = 2,
    MPBLE_IRQ_GATTS_WRITE = 3,
    MPBLE_IRQ_GATTS_READ_REQUEST = 4,
    MPBLE_IRQ_SCAN_RESULT = 5,
    MPBLE_IRQ_SCAN_DONE = 6,
    MPBLE_IRQ_PERIPHERAL_CONNECT = 7,
    MPBLE_IRQ_PERIPHERAL_DISCONNECT = 8,
};

/* adv_type of a scan result (Core v5.4 Vol 4 Part E 7.7.65.2 Event_Type). */
enum mpble_adv_type {
    MPBLE_ADV_IND = 0,
    MPBLE_ADV_DIRECT_IND = 1,
    MPBLE_ADV_SCAN_IND = 2,
    MPBLE_ADV_NONCONN_IND = 3,
    MPBLE_SCAN_RSP = 4,
};

struct mpble_event {
    int code; /* enum mpble_event_code */
    union {
        struct {
            mpble_addr_t addr;
            uint8_t adv_type; /* enum mpble_adv_type */
            int8_t rssi;      /* dBm */
            const uint8_t *data; /* valid only during the callback */
            size_t len;
        } scan_result;
    } u;
};

/* The event callback. Its return value is used where the module gives it meaning
 * (none of the events above); return 0 otherwise. */
typedef int (*mpble_event_fn)(void *ctx, const struct mpble_event *ev);

/* Creates a device, inactive. Returns NULL when out of memory. */
mpble_t *mpble_new(mpble_event_fn fn, void *ctx);
/* Deactivates (if active) and frees. */
void mpble_free(mpble_t *h);

/* Message for the most recent failure on this thread's last call, or "". */
const char *mpble_last_error(mpble_t *h);

/* Transport URI for the next activation, overriding MPBLE_HCI; NULL restores the
 * environment/default. Checked at activation. */
int mpble_set_transport(mpble_t *h, const char *uri);

/* Activates (true) or deactivates (false). Activating an active device restarts it
 * (reference semantics). Activation failures: -EINVAL bad URI, -ECONNREFUSED /
 * -ENOENT / other errno from opening the transport, -ETIMEDOUT controller silent,
 * -EIO controller refused a start-up command. Deactivating an inactive device
 * returns 0. No events are delivered for what deactivation tears down, except
 * SCAN_DONE for a scan in progress. */
int mpble_active(mpble_t *h, bool on);
bool mpble_is_active(mpble_t *h);

/* ---- configuration (module `config()`) ---- */

/* Current own address: public, or the random static/private one per addr_mode.
 * -ENODEV inactive. */
int mpble_get_mac(mpble_t *h, mpble_addr_t *out);
/* 0 public (-EINVAL if the controller has none), 1 random static (a new one each
 * call), 2 RPA, 3 NRPA; other values are ignored (reference). -ENODEV inactive. */
int mpble_set_addr_mode(mpble_t *h, int mode);

/* The reference's limit (NimBLE's configured maximum); the spec allows 248. */
#define MPBLE_GAP_NAME_MAX 31
/* Any time, persists across activations. -EINVAL if longer than MPBLE_GAP_NAME_MAX. */
int mpble_set_gap_name(mpble_t *h, const uint8_t *name, size_t len);
/* Copies the name into buf (up to cap bytes); returns its full length. */
size_t mpble_get_gap_name(mpble_t *h, uint8_t *buf, size_t cap);

/* Preferred ATT MTU, 23..527 (else -EINVAL; the reference's range). Default 256.
 * -ENODEV inactive (reference). */
int mpble_get_mtu(mpble_t *h);
int mpble_set_mtu(mpble_t *h, int mtu);

/* Event buffer size in bytes, 16..65535 (else -EINVAL); any time. */
int mpble_get_rxbuf(mpble_t *h);
int mpble_set_rxbuf(mpble_t *h, int size);

/* Pairing settings, stored for the security manager; any time, persist. */
void mpble_set_bond(mpble_t *h, bool on);
void mpble_set_mitm(mpble_t *h, bool on);
void mpble_set_io(mpble_t *h, int io_capability);
void mpble_set_le_secure(mpble_t *h, bool on);

/* ---- broadcaster ---- */

/* Starts (or restarts) legacy advertising. interval_us is rounded down to 625 us
 * units (0 units: the reference's defaults, 30-60 ms connectable, 100-150 ms
 * non-connectable). adv/resp
 * NULL keeps the previously set payload; a zero length clears it; longer than 31
 * bytes -> -EINVAL. connectable: ADV_IND, else ADV_SCAN_IND (reference).
 * Interval out of the controller's range -> -EINVAL. -ENODEV inactive. */
int mpble_gap_advertise(mpble_t *h, uint32_t interval_us, const uint8_t *adv, size_t adv_len,
                        const uint8_t *resp, size_t resp_len, bool connectable);
/* Stops advertising; 0 even when inactive or not advertising. */
int mpble_gap_advertise_stop(mpble_t *h);

/* ---- observer ---- */

/* Scans for duration_ms (0: until stopped), reporting every advertisement received
 * (no duplicate filtering) as SCAN_RESULT and SCAN_DONE at the end. interval and
 * window are rounded down to 625 us units and clamped to 4..16384 units; window >
 * interval -> -EINVAL. Already scanning -> -EALREADY. -ENODEV inactive. */
int mpble_gap_scan(mpble_t *h, uint32_t duration_ms, uint32_t interval_us, uint32_t window_us,
                   bool active);
/* Stops a scan; SCAN_DONE is delivered before this returns. Not scanning: 0, no
 * event. -ENODEV inactive. */
int mpble_gap_scan_stop(mpble_t *h);

#ifdef __cplusplus
}
#endif

#endif
