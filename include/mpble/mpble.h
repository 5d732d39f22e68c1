/* mpble.h - the mpble host: the C twin of MicroPython's `bluetooth` module.
 *
 * One `mpble_t` is one BLE device (the Python `BLE` singleton wraps one). Its
 * configuration lives as long as the object; `mpble_active(h, true)` opens the
 * controller chosen by MPBLE_HCI (or mpble_set_transport) and starts an event-loop
 * thread that owns all stack state until `mpble_active(h, false)`.
 *
 * Threads: every function may be called from any thread. Each host has a loop
 * thread that reads the controller, dispatches what it sends and runs timers; the
 * host's state belongs to whoever holds the host's lock. A function called from
 * another thread runs on that thread, under the lock (the loop thread gets the lock
 * first when both wait): a call costs a mutex, not two context switches. Events go
 * through the callback given to mpble_new(), one at a time: by default from the loop
 * thread, holding the lock, or from the calling thread for events that a call raises
 * itself (scan_stop's SCAN_DONE, say), inside that call. The lock is recursive: the
 * callback may call any function. With mpble_set_dispatch_thread() the callback runs
 * only on the thread chosen, as MicroPython runs handlers on its main thread.
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

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the API: the library is built with -fvisibility=hidden, so these functions are
 * the only ones libmpble.so exports. */
#if defined(__GNUC__)
#define MPBLE_API __attribute__((visibility("default")))
#else
#define MPBLE_API
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
    MPBLE_IRQ_GATTC_SERVICE_RESULT = 9,
    MPBLE_IRQ_GATTC_SERVICE_DONE = 10,
    MPBLE_IRQ_GATTC_CHARACTERISTIC_RESULT = 11,
    MPBLE_IRQ_GATTC_CHARACTERISTIC_DONE = 12,
    MPBLE_IRQ_GATTC_DESCRIPTOR_RESULT = 13,
    MPBLE_IRQ_GATTC_DESCRIPTOR_DONE = 14,
    MPBLE_IRQ_GATTC_READ_RESULT = 15,
    MPBLE_IRQ_GATTC_READ_DONE = 16,
    MPBLE_IRQ_GATTC_WRITE_DONE = 17,
    MPBLE_IRQ_GATTC_NOTIFY = 18,
    MPBLE_IRQ_GATTC_INDICATE = 19,
    MPBLE_IRQ_GATTS_INDICATE_DONE = 20,
    MPBLE_IRQ_MTU_EXCHANGED = 21,
    /* L2CAP LE credit-based channels: u.l2cap (the fields each has are listed there). */
    MPBLE_IRQ_L2CAP_ACCEPT = 22,
    MPBLE_IRQ_L2CAP_CONNECT = 23,
    MPBLE_IRQ_L2CAP_DISCONNECT = 24,
    MPBLE_IRQ_L2CAP_RECV = 25,
    MPBLE_IRQ_L2CAP_SEND_READY = 26,
    MPBLE_IRQ_CONNECTION_UPDATE = 27,
    /* Reserved for the Security Manager and the secret store; not delivered yet. */
    MPBLE_IRQ_ENCRYPTION_UPDATE = 28,
    MPBLE_IRQ_GET_SECRET = 29,
    MPBLE_IRQ_SET_SECRET = 30,
    MPBLE_IRQ_PASSKEY_ACTION = 31,
};

/* A 16-, 32- or 128-bit UUID: len is 2, 4 or 16, bytes little-endian (as on ATT). */
typedef struct {
    uint8_t len;
    uint8_t le[16];
} mpble_uuid_t;

/* Status values in events (the reference's): 0 success; ATT error responses
 * 0x100 + the ATT error code; a procedure that timed out; the link was lost. */
#define MPBLE_STATUS_ATT_ERR(code) (0x100 + (code))
#define MPBLE_STATUS_TIMEOUT 13
#define MPBLE_STATUS_LINK_LOST 7
/* Why the peer refused our L2CAP channel (the reference's NimBLE codes for the
 * LE Credit Based Connection Response results, Core v5.4 Vol 3 Part A 4.23). */
#define MPBLE_STATUS_L2CAP_INVALID 3 /* unacceptable parameters, or a bad response */
#define MPBLE_STATUS_L2CAP_NO_RESOURCES 6
#define MPBLE_STATUS_L2CAP_NOT_SUPPORTED 8 /* SPSM not supported, or the request rejected */
#define MPBLE_STATUS_L2CAP_UNKNOWN 17      /* invalid or already allocated source CID */
#define MPBLE_STATUS_L2CAP_AUTHEN 23
#define MPBLE_STATUS_L2CAP_AUTHOR 24
#define MPBLE_STATUS_L2CAP_ENCRYPT 25
#define MPBLE_STATUS_L2CAP_KEY_SIZE 26

/* The conn_handle of a PERIPHERAL_DISCONNECT for a connection attempt that timed out
 * or was cancelled (with addr type 255 and an all-zero address). */
#define MPBLE_CONN_HANDLE_NONE 0xffff
#define MPBLE_ADDR_TYPE_NONE 0xff

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
            uint8_t adv_type;    /* enum mpble_adv_type */
            int8_t rssi;         /* dBm */
            const uint8_t *data; /* valid only during the callback */
            size_t len;
        } scan_result;
        /* CENTRAL_CONNECT, CENTRAL_DISCONNECT, PERIPHERAL_CONNECT, PERIPHERAL_DISCONNECT */
        struct {
            uint16_t conn_handle;
            mpble_addr_t addr; /* the peer */
        } conn;
        /* GATTS_WRITE, GATTS_READ_REQUEST (the callback's return value: 0 allows the
         * read, non-zero denies it with that ATT error code) */
        struct {
            uint16_t conn_handle;
            uint16_t attr_handle;
        } gatts;
        struct {
            uint16_t conn_handle;
            uint16_t start_handle, end_handle;
            mpble_uuid_t uuid;
        } service;
        struct {
            uint16_t conn_handle;
            uint16_t end_handle, value_handle;
            uint8_t properties;
            mpble_uuid_t uuid;
        } characteristic;
        struct {
            uint16_t conn_handle;
            uint16_t handle;
            mpble_uuid_t uuid;
        } descriptor;
        /* SERVICE_DONE, CHARACTERISTIC_DONE, DESCRIPTOR_DONE */
        struct {
            uint16_t conn_handle;
            uint16_t status;
        } done;
        /* GATTC_READ_RESULT, GATTC_NOTIFY, GATTC_INDICATE */
        struct {
            uint16_t conn_handle;
            uint16_t value_handle;
            const uint8_t *data; /* valid only during the callback */
            size_t len;
        } data;
        /* GATTC_READ_DONE, GATTC_WRITE_DONE, GATTS_INDICATE_DONE */
        struct {
            uint16_t conn_handle;
            uint16_t value_handle;
            uint16_t status;
        } value_done;
        struct {
            uint16_t conn_handle;
            uint16_t mtu;
        } mtu;
        struct {
            uint16_t conn_handle;
            uint16_t interval; /* 1.25 ms units */
            uint16_t latency;  /* connection events */
            uint16_t timeout;  /* 10 ms units */
            uint16_t status;   /* 0 ok, 1 failed (reference) */
        } conn_update;
        /* L2CAP_ACCEPT (a peer asks for a channel on a PSM we listen on; the callback's
         * return value: 0 accepts, non-zero refuses it) and L2CAP_CONNECT (the channel
         * is open, on both sides): conn_handle, cid, psm, our_mtu, peer_mtu.
         * L2CAP_DISCONNECT: conn_handle, cid, psm, status (0 for a channel that was
         * open, however it closed; for our connection attempt that failed, the reason:
         * the MPBLE_STATUS_L2CAP_* below, MPBLE_STATUS_TIMEOUT or _LINK_LOST).
         * L2CAP_RECV (an SDU arrived: mpble_l2cap_recvinto takes it): conn_handle, cid.
         * L2CAP_SEND_READY (the channel takes the next mpble_l2cap_send): conn_handle,
         * cid, status 0. cid is always ours (the local channel ID). */
        struct {
            uint16_t conn_handle;
            uint16_t cid;
            uint16_t psm;
            uint16_t our_mtu, peer_mtu;
            uint16_t status;
        } l2cap;
    } u;
};

/* Data the callback hands back to the stack with an event that asks for some (a
 * secret the store holds, say): the callback copies at most cap bytes to buf and
 * sets len to their number. */
struct mpble_reply {
    uint8_t *buf;
    size_t cap;
    size_t len;
};

/* The event callback. Its return value is a status where the module gives it
 * meaning (GATTS_READ_REQUEST); return 0 otherwise. reply is NULL for every event
 * that takes no data back (all of the events above). */
typedef int (*mpble_event_fn)(void *ctx, const struct mpble_event *ev, struct mpble_reply *reply);

/* Creates a device, inactive. Returns NULL when out of memory. */
MPBLE_API mpble_t *mpble_new(mpble_event_fn fn, void *ctx);
/* Deactivates (if active) and frees. */
MPBLE_API void mpble_free(mpble_t *h);

/* ---- event delivery on a thread of the application's ---- */

/* Called when events wait for the dispatch thread: from any thread, with the host's
 * locks held, so it must only signal that thread (write an eventfd, pthread_kill),
 * never call into mpble. It is not called again until mpble_dispatch() has found the
 * queue empty. */
typedef void (*mpble_wake_fn)(void *ctx);

/* Makes thread the only one the callback runs on (wake NULL: back to the default).
 * Events raised on other threads (the loop thread's, mostly) then wait in a queue of
 * at most rxbuf bytes (mpble_set_rxbuf; each event counts its data and 8 bytes) until
 * that thread calls mpble_dispatch(). Nothing is dropped: a thread that finds the
 * queue over its bound waits, with the host lock given up, until it has drained to
 * half (the loop thread then reads nothing from the controller meanwhile, whose flow
 * control holds the peers). An event whose result the stack uses (GATTS_READ_REQUEST,
 * L2CAP_ACCEPT, GET_SECRET, SET_SECRET) makes the thread that raised it wait for the
 * callback's answer the same way, and so does GATTS_WRITE (its callback reads the value
 * written, which the next write would replace). Events raised by a call made on the dispatch thread
 * are delivered inside that call, after the ones already queued (or at once when a
 * callback is running there: nested in it, as MicroPython does). Only while
 * inactive: -EBUSY otherwise. */
MPBLE_API int mpble_set_dispatch_thread(mpble_t *h, pthread_t thread, mpble_wake_fn wake,
                                        void *ctx);
/* Delivers the queued events through the callback, in order, on the dispatch thread:
 * their number, 0 when called inside a callback (the outer call delivers the rest),
 * -EPERM on any other thread. */
MPBLE_API int mpble_dispatch(mpble_t *h);

/* Message for the most recent failure on this thread's last call, or "". */
MPBLE_API const char *mpble_last_error(mpble_t *h);

/* Transport URI for the next activation, overriding MPBLE_HCI; NULL restores the
 * environment/default. Checked at activation. */
MPBLE_API int mpble_set_transport(mpble_t *h, const char *uri);

/* The public address (addr->type 0) for the next activations, overriding MPBLE_ADDR
 * (XX:XX:XX:XX:XX:XX, read at activation); NULL clears it. -EINVAL for a random or
 * all-zero address. Without either, a device keeps across activations the public
 * address it had at its last one, as a board keeps its own (given up, silently, for
 * the controller's own when it cannot be had). The host sets it with Zephyr's vendor
 * command Write BD_ADDR, which Zephyr's controllers and the air's know; the air
 * grants an address unless another live device has it. */
MPBLE_API int mpble_set_address(mpble_t *h, const mpble_addr_t *addr);

/* Activates (true) or deactivates (false). Activating an active device restarts it
 * (reference semantics). Activation failures: -EINVAL bad URI or MPBLE_ADDR,
 * -ECONNREFUSED / -ENOENT / other errno from opening the transport, -ETIMEDOUT
 * controller silent, -EIO controller refused a start-up command; for an address asked
 * for (mpble_set_address, MPBLE_ADDR), -EADDRINUSE when another device has it,
 * -EOPNOTSUPP when the controller cannot set its address. Deactivating an inactive device
 * returns 0. No events are delivered for what deactivation tears down, except
 * SCAN_DONE for a scan in progress. */
MPBLE_API int mpble_active(mpble_t *h, bool on);
/* Activated and its controller still there: false once the controller is lost
 * (calls then fail with -EIO and the reason until deactivation or a new activation). */
MPBLE_API bool mpble_is_active(mpble_t *h);
/* In the child of fork(), before any other call there: the device becomes inactive
 * (its configuration kept) without touching what the parent's activation owns: this
 * process's copies of its descriptors are closed, its memory is left as it is. */
MPBLE_API void mpble_after_fork_child(mpble_t *h);

/* ---- configuration (module `config()`) ---- */

/* Current own address: public, or the random static/private one per addr_mode.
 * -ENODEV inactive. */
MPBLE_API int mpble_get_mac(mpble_t *h, mpble_addr_t *out);
/* 0 public (-EINVAL if the controller has none), 1 random static (a new one each
 * call), 2 RPA, 3 NRPA; other values are ignored (reference). -ENODEV inactive. */
MPBLE_API int mpble_set_addr_mode(mpble_t *h, int mode);

/* The reference's limit (NimBLE's configured maximum); the spec allows 248. */
#define MPBLE_GAP_NAME_MAX 31
/* Any time, persists across activations. -EINVAL if longer than MPBLE_GAP_NAME_MAX. */
MPBLE_API int mpble_set_gap_name(mpble_t *h, const uint8_t *name, size_t len);
/* Copies the name into buf (up to cap bytes); returns its full length. */
MPBLE_API size_t mpble_get_gap_name(mpble_t *h, uint8_t *buf, size_t cap);

/* Preferred ATT MTU, 23..527 (else -EINVAL; the reference's range). Default 256.
 * -ENODEV inactive (reference). */
MPBLE_API int mpble_get_mtu(mpble_t *h);
MPBLE_API int mpble_set_mtu(mpble_t *h, int mtu);

/* Event buffer size in bytes, 16..65535 (else -EINVAL); any time. It bounds the queue
 * of events waiting for the dispatch thread (mpble_set_dispatch_thread). Default 4096. */
MPBLE_API int mpble_get_rxbuf(mpble_t *h);
MPBLE_API int mpble_set_rxbuf(mpble_t *h, int size);

/* Pairing settings, stored for the security manager; any time, persist. */
MPBLE_API void mpble_set_bond(mpble_t *h, bool on);
MPBLE_API void mpble_set_mitm(mpble_t *h, bool on);
MPBLE_API void mpble_set_io(mpble_t *h, int io_capability);
MPBLE_API void mpble_set_le_secure(mpble_t *h, bool on);

/* Links one host holds at once, both roles together; the next is refused. */
#define MPBLE_MAX_LINKS 32

/* ---- broadcaster ---- */

/* Starts (or restarts) legacy advertising. interval_us is rounded down to 625 us
 * units (0 units: the reference's defaults, 30-60 ms connectable, 100-150 ms
 * non-connectable). adv/resp
 * NULL keeps the previously set payload; a zero length clears it; longer than 31
 * bytes -> -EINVAL. connectable: ADV_IND, else ADV_SCAN_IND (reference).
 * Interval out of the controller's range -> -EINVAL. -ENODEV inactive. While the
 * host holds MPBLE_MAX_LINKS links, connectable advertising is held (set up, not on
 * the air) and starts by itself when one ends. */
MPBLE_API int mpble_gap_advertise(mpble_t *h, uint32_t interval_us, const uint8_t *adv,
                                  size_t adv_len, const uint8_t *resp, size_t resp_len,
                                  bool connectable);
/* Stops advertising; 0 even when inactive or not advertising. */
MPBLE_API int mpble_gap_advertise_stop(mpble_t *h);

/* ---- observer ---- */

/* Scans for duration_ms (0: until stopped), reporting every advertisement received
 * (no duplicate filtering) as SCAN_RESULT and SCAN_DONE at the end. interval and
 * window are rounded down to 625 us units and clamped to 4..16384 units; window >
 * interval -> -EINVAL. Already scanning -> -EALREADY. -ENODEV inactive. */
MPBLE_API int mpble_gap_scan(mpble_t *h, uint32_t duration_ms, uint32_t interval_us,
                             uint32_t window_us, bool active);
/* Stops a scan; SCAN_DONE is delivered before this returns. Not scanning: 0, no
 * event. -ENODEV inactive. */
MPBLE_API int mpble_gap_scan_stop(mpble_t *h);

/* ---- central and peripheral ---- */

/* Connects to a peripheral: waits up to scan_duration_ms (0: 30 s) for its
 * connectable advertising. Connection interval bounds in microseconds, 0 for the
 * default (30-50 ms); rounded down to 1.25 ms units. A running scan is stopped first
 * (SCAN_DONE). PERIPHERAL_CONNECT on success; PERIPHERAL_DISCONNECT with
 * MPBLE_CONN_HANDLE_NONE on timeout or cancel, with handle 0 on another failure (a
 * link that came when no slot was left, say). -EALREADY while connecting, -EIO when
 * already connected to that peer, -ENOMEM when no connection slot is free (a host
 * holds MPBLE_MAX_LINKS), -EINVAL for addr type > 3. The controller picks the
 * maximum of the interval range (on the air, as the reference's controllers do). */
MPBLE_API int mpble_gap_connect(mpble_t *h, const mpble_addr_t *peer, uint32_t scan_duration_ms,
                                uint32_t min_interval_us, uint32_t max_interval_us);
/* Cancels a connection attempt (PERIPHERAL_DISCONNECT follows); -EALREADY if none. */
MPBLE_API int mpble_gap_connect_cancel(mpble_t *h);
/* Starts disconnecting: 1 if started, 0 if the handle is not connected; -EALREADY if
 * already disconnecting. The DISCONNECT event follows. */
MPBLE_API int mpble_gap_disconnect(mpble_t *h, uint16_t conn_handle);

/* ---- link settings (C API only: the Python module has no such methods) ---- */

#define MPBLE_PHY_1M 0x01
#define MPBLE_PHY_2M 0x02
/* Asks for a PHY (MPBLE_PHY_1M or MPBLE_PHY_2M) both ways; the controller and the
 * peer settle it shortly after. -ENOTCONN, -EINVAL. */
MPBLE_API int mpble_gap_set_phy(mpble_t *h, uint16_t conn_handle, int phy);
/* Asks for a maximum LL payload (27..251 octets) in our transmit direction. New
 * connections ask for 251 when the controller supports it. -ENOTCONN, -EINVAL. */
MPBLE_API int mpble_gap_set_data_length(mpble_t *h, uint16_t conn_handle, uint16_t tx_octets);

/* ---- GATT server ---- */

struct mpble_gatts_descriptor {
    mpble_uuid_t uuid;
    uint16_t flags; /* the module's FLAG_* bits */
};

struct mpble_gatts_characteristic {
    mpble_uuid_t uuid;
    uint16_t flags;
    const struct mpble_gatts_descriptor *descriptors;
    size_t num_descriptors;
};

struct mpble_gatts_service {
    mpble_uuid_t uuid;
    const struct mpble_gatts_characteristic *characteristics;
    size_t num_characteristics;
};

/* Replaces the GATT database (the stack's GAP and GATT services first, then these)
 * and all stored values. Writes the value handles, flattened: per service, each
 * characteristic's value handle followed by its descriptors' handles (CCCDs, added
 * for notify/indicate characteristics, are not listed). Returns the number of
 * handles written (<= handles_cap), or -EBUSY while advertising, scanning,
 * connecting or connected, -E2BIG for more services than the reference allows (8),
 * -ENOMEM. */
MPBLE_API int mpble_gatts_register_services(mpble_t *h, const struct mpble_gatts_service *services,
                                            size_t num_services, uint16_t *handles,
                                            size_t handles_cap);
/* A malloc'd copy of a local value (free() it); an unknown handle or an inactive
 * device gives an empty value (reference). In append mode the read empties it. */
MPBLE_API int mpble_gatts_read(mpble_t *h, uint16_t value_handle, uint8_t **data, size_t *len);
/* Replaces a local value (growing its buffer if needed); send_update notifies or
 * indicates subscribed clients. -EINVAL for an unknown handle. */
MPBLE_API int mpble_gatts_write(mpble_t *h, uint16_t value_handle, const uint8_t *data, size_t len,
                                bool send_update);
/* Sends a notification/indication regardless of subscription; data NULL sends the
 * stored value (raising GATTS_READ_REQUEST with conn_handle 0xffff first). Truncated
 * to ATT_MTU-3. -ENOTCONN, -ENOMEM when out of buffers: a link takes notifications as
 * far as the controller's free ACL buffers plus 12 PDUs (the reference's pool), more
 * once Number Of Completed Packets frees them. INDICATE_DONE follows an indication. */
MPBLE_API int mpble_gatts_notify(mpble_t *h, uint16_t conn_handle, uint16_t value_handle,
                                 const uint8_t *data, size_t len);
MPBLE_API int mpble_gatts_indicate(mpble_t *h, uint16_t conn_handle, uint16_t value_handle,
                                   const uint8_t *data, size_t len);
/* Sets a value's buffer size and append mode, and empties it. -EINVAL unknown handle. */
MPBLE_API int mpble_gatts_set_buffer(mpble_t *h, uint16_t value_handle, size_t len, bool append);

/* ---- GATT client (results arrive as events) ---- */

MPBLE_API int mpble_gattc_discover_services(mpble_t *h, uint16_t conn_handle,
                                            const mpble_uuid_t *uuid);
MPBLE_API int mpble_gattc_discover_characteristics(mpble_t *h, uint16_t conn_handle, uint16_t start,
                                                   uint16_t end, const mpble_uuid_t *uuid);
MPBLE_API int mpble_gattc_discover_descriptors(mpble_t *h, uint16_t conn_handle, uint16_t start,
                                               uint16_t end);
MPBLE_API int mpble_gattc_read(mpble_t *h, uint16_t conn_handle, uint16_t value_handle);
/* mode 0: Write Command (no event; -ENOMEM when out of buffers, as for
 * mpble_gatts_notify); 1: Write Request (WRITE_DONE); else -EINVAL. Data longer than
 * ATT_MTU-3 is truncated (reference). */
MPBLE_API int mpble_gattc_write(mpble_t *h, uint16_t conn_handle, uint16_t value_handle,
                                const uint8_t *data, size_t len, int mode);
/* Exchanges the ATT MTU using config('mtu'); -EALREADY if this link already did. */
MPBLE_API int mpble_gattc_exchange_mtu(mpble_t *h, uint16_t conn_handle);

/* ---- L2CAP LE credit-based channels (Core v5.4 Vol 3 Part A 10) ----
 *
 * A channel is (conn_handle, cid), cid ours. A device listens on up to
 * MPBLE_L2CAP_MAX_LISTEN PSMs and, listening or not, opens up to 16 channels per
 * link (64 in all). mtu is the largest SDU we take, clamped to 32..65535
 * (reference); each channel's buffers (two of our SDUs, at least 32 KiB, to receive;
 * one SDU of up to twice our MTU to send) are allocated when it is set up and freed when it
 * closes: nothing is allocated per packet. */

/* Accepts channels on psm (1..255, else -EINVAL); -EALREADY when already listening
 * on it, -ENOMEM when listening on MPBLE_L2CAP_MAX_LISTEN PSMs. */
#define MPBLE_L2CAP_MAX_LISTEN 16
MPBLE_API int mpble_l2cap_listen(mpble_t *h, uint16_t psm, int mtu);
/* Asks the peer for a channel on psm: L2CAP_CONNECT follows, or L2CAP_DISCONNECT
 * with the reason. -EINVAL (psm), -ENOTCONN, -ENOMEM (no channel or CID free). */
MPBLE_API int mpble_l2cap_connect(mpble_t *h, uint16_t conn_handle, uint16_t psm, int mtu);
/* Closes an open channel: L2CAP_DISCONNECT follows on both sides. -EINVAL when cid
 * is no open channel of the link, -ENOTCONN. */
MPBLE_API int mpble_l2cap_disconnect(mpble_t *h, uint16_t conn_handle, uint16_t cid);
/* Sends one SDU (the data is copied): 1 when the channel takes the next one now, 0
 * when it is stalled (the peer is out of credits, or the link's transmit room is
 * low): this SDU goes all the same, and L2CAP_SEND_READY follows when the next one
 * may. -EBUSY while stalled, -EINVAL (no such channel, or len over the peer's MTU
 * or twice ours: reference), -ENOTCONN. */
MPBLE_API int mpble_l2cap_send(mpble_t *h, uint16_t conn_handle, uint16_t cid, const uint8_t *data,
                               size_t len);
/* Takes up to cap bytes of what the channel received, as a byte stream (SDU
 * boundaries are not kept): their number (0: nothing). buf NULL: the number waiting,
 * nothing taken. The peer gets credits again once everything waiting is taken.
 * -EINVAL (no such channel), -ENOTCONN. */
MPBLE_API int mpble_l2cap_recvinto(mpble_t *h, uint16_t conn_handle, uint16_t cid, uint8_t *buf,
                                   size_t cap);

#ifdef __cplusplus
}
#endif

#endif
