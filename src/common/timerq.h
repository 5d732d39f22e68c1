/* timerq.h - a timer queue in microseconds of a clock its driver sets.
 *
 * Timers are embedded in their owners (no allocation); the queue is a list sorted by
 * due time, timers due at the same time fire in the order they were armed. Arming
 * searches from the latest end: a periodic timer re-armed one period on lands near
 * it, so arming costs the timers due after it, not all of them. Time is
 * whatever the driver says it is: the server feeds the monotonic clock, tests feed a
 * virtual one. */
#ifndef MPBLE_TIMERQ_H
#define MPBLE_TIMERQ_H

#include <stdbool.h>
#include <stdint.h>

struct timer;
typedef void (*timer_fn)(struct timer *t, void *ctx);

struct timer {
    struct timer *prev, *next;
    uint64_t when;
    bool armed;
    timer_fn fn;
    void *ctx;
};

struct timerq {
    struct timer *head, *tail;
    uint64_t now;
};

void timerq_init(struct timerq *q, uint64_t now);
void timer_init(struct timer *t, timer_fn fn, void *ctx);

/* Arms (or re-arms) t to fire at when; a time in the past fires on the next run. */
void timerq_arm(struct timerq *q, struct timer *t, uint64_t when);
void timerq_cancel(struct timerq *q, struct timer *t);

/* Due time of the earliest armed timer; false if none is armed. */
bool timerq_next(const struct timerq *q, uint64_t *when);

/* Fires, in order, every timer due at or before until (including timers armed by
 * the callbacks), with q->now set to each one's due time, then sets q->now to until.
 * Time never goes backwards: an until before q->now only fires what is due. */
void timerq_run_until(struct timerq *q, uint64_t until);

#endif
