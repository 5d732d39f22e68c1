/* host_timer.c - the host's timers. */
#include "host/host_timer.h"

#include <stddef.h>

void host_timer_start(struct host *h, struct host_timer *t, uint64_t delay_us)
{
    struct host_base *b = host_base(h);
    host_timer_stop(h, t);
    t->due_us = b->now() + delay_us;
    t->armed = true;
    t->next = b->timers;
    b->timers = t;
    b->timers_changed = true; /* the loop's poll timeout may be too long now */
}

void host_timer_stop(struct host *h, struct host_timer *t)
{
    for (struct host_timer **p = &host_base(h)->timers; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->armed = false;
    t->next = NULL;
}

int host_timers_run(struct host *h)
{
    struct host_base *b = host_base(h);
    for (;;) {
        uint64_t now = b->now();
        struct host_timer *due = NULL;
        uint64_t next = UINT64_MAX;
        for (struct host_timer *t = b->timers; t; t = t->next) {
            if (t->due_us <= now)
                due = t;
            else if (t->due_us < next)
                next = t->due_us;
        }
        if (due == NULL)
            return next == UINT64_MAX ? -1 : (int)((next - now + 999) / 1000);
        host_timer_stop(h, due);
        due->fire(h, due);
    }
}
