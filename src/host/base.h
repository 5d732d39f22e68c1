/* base.h - the host's ground floor: diagnostics, error messages, events up to the
 * application, the settings snapshot, and the clock. Every layer of the host may
 * use it; it uses none of them.
 *
 * Every `struct host` begins with its `struct host_base`, so these functions take
 * the host itself and need to know nothing else of it. */
#ifndef MPBLE_HOST_BASE_H
#define MPBLE_HOST_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mpble/mpble.h"

struct host;

/* Every timeout in the host comes from this clock (microseconds, monotonic). */
typedef uint64_t (*host_clock_fn)(void);
uint64_t host_clock_monotonic(void);

/* The device's settings as the layers read them while active: copied from the
 * device at activation, and updated by the API under the host lock. */
struct host_settings {
    uint8_t gap_name[MPBLE_GAP_NAME_MAX];
    size_t gap_name_len;
    int mtu, rxbuf, io;
    bool bond, mitm, le_secure;
};

struct host_timer;

struct host_base {
    mpble_event_fn fn; /* the application's event callback (may be NULL) */
    void *ctx;
    bool log;      /* diagnostics on stderr */
    bool stopping; /* deactivating: no events but SCAN_DONE */
    char *err;     /* the device's error message buffer */
    size_t err_cap;
    struct host_settings settings;

    /* timers (host_timer.c) */
    host_clock_fn now;
    struct host_timer *timers;
    bool timers_changed; /* the loop thread's poll timeout may be stale */
};

static inline struct host_base *host_base(struct host *h)
{
    return (struct host_base *)h; /* its first member */
}

static inline const struct host_settings *host_settings(struct host *h)
{
    return &host_base(h)->settings;
}

static inline uint64_t host_now(struct host *h)
{
    return host_base(h)->now();
}

/* A diagnostic line on stderr ("mpble: ..."), unless logging is off (MPBLE_LOG=0). */
void host_log(struct host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets the message mpble_last_error() returns. */
void host_error(struct host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Delivers an event through the application's callback, unless the device is
 * being deactivated (SCAN_DONE is still delivered then). Returns the callback's
 * status (0 when not delivered). reply is NULL for events that take no data back. */
int host_emit_reply(struct host *h, const struct mpble_event *ev, struct mpble_reply *reply);
static inline int host_emit(struct host *h, const struct mpble_event *ev)
{
    return host_emit_reply(h, ev, NULL);
}

#endif
