/* timerq.c - sorted intrusive timer list. */
#include "common/timerq.h"

#include <stddef.h>

void timerq_init(struct timerq *q, uint64_t now)
{
    q->head = q->tail = NULL;
    q->now = now;
}

void timer_init(struct timer *t, timer_fn fn, void *ctx)
{
    t->prev = t->next = NULL;
    t->when = 0;
    t->armed = false;
    t->fn = fn;
    t->ctx = ctx;
}

void timerq_cancel(struct timerq *q, struct timer *t)
{
    if (!t->armed)
        return;
    if (t->prev)
        t->prev->next = t->next;
    else
        q->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        q->tail = t->prev;
    t->prev = t->next = NULL;
    t->armed = false;
}

void timerq_arm(struct timerq *q, struct timer *t, uint64_t when)
{
    timerq_cancel(q, t);
    t->when = when;
    t->armed = true;
    /* After the last one due at or before when: ties keep the order of arming. */
    struct timer *prev = q->tail, *next = NULL;
    while (prev && prev->when > when) {
        next = prev;
        prev = prev->prev;
    }
    t->prev = prev;
    t->next = next;
    if (prev)
        prev->next = t;
    else
        q->head = t;
    if (next)
        next->prev = t;
    else
        q->tail = t;
}

bool timerq_next(const struct timerq *q, uint64_t *when)
{
    if (!q->head)
        return false;
    *when = q->head->when;
    return true;
}

void timerq_run_until(struct timerq *q, uint64_t until)
{
    while (q->head && q->head->when <= until) {
        struct timer *t = q->head;
        if (t->when > q->now)
            q->now = t->when;
        timerq_cancel(q, t);
        t->fn(t, t->ctx);
    }
    if (until > q->now)
        q->now = until;
}
