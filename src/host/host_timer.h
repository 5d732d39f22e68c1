/* host_timer.h - timers on the host's clock (base.h). The loop thread runs them;
 * tests drive them with a clock of their own. */
#ifndef MPBLE_HOST_TIMER_H
#define MPBLE_HOST_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "host/base.h"

struct host_timer {
    uint64_t due_us;
    bool armed;
    void (*fire)(struct host *h, struct host_timer *t);
    struct host_timer *next; /* armed timers, unordered: there are only a few */
};

/* (Re)arms t to fire after delay_us; t->fire must be set. */
void host_timer_start(struct host *h, struct host_timer *t, uint64_t delay_us);
void host_timer_stop(struct host *h, struct host_timer *t);
/* Fires the due timers (and those they arm that are due); returns the milliseconds
 * until the next one, or -1 when none is armed. */
int host_timers_run(struct host *h);

#endif
