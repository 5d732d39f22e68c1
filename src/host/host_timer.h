/* host_timer.h - timers on the host's clock (loop.c runs them). */
#ifndef MPBLE_HOST_TIMER_H
#define MPBLE_HOST_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct host;

/* Every timeout in the host comes from this clock (microseconds, monotonic). */
typedef uint64_t (*host_clock_fn)(void);
uint64_t host_clock_monotonic(void);

struct host_timer {
    uint64_t due_us;
    bool armed;
    void (*fire)(struct host *h, struct host_timer *t);
    struct host_timer *next; /* armed timers, unordered: there are only a few */
};

/* (Re)arms t to fire after delay_us; t->fire must be set. */
void host_timer_start(struct host *h, struct host_timer *t, uint64_t delay_us);
void host_timer_stop(struct host *h, struct host_timer *t);

#endif
