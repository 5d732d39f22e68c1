/* base.c - the host's ground floor: diagnostics, error messages, events. */
#include "host/base.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

uint64_t host_clock_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void host_log(struct host *h, const char *fmt, ...)
{
    if (!host_base(h)->log)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "mpble: %s\n", line);
}

void host_error(struct host *h, const char *fmt, ...)
{
    struct host_base *b = host_base(h);
    if (b->err == NULL || b->err_cap == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, b->err_cap, fmt, ap);
    va_end(ap);
}

int host_emit_reply(struct host *h, const struct mpble_event *ev, struct mpble_reply *reply)
{
    struct host_base *b = host_base(h);
    if (b->fn == NULL || (b->stopping && ev->code != MPBLE_IRQ_SCAN_DONE))
        return 0;
    return b->fn(b->ctx, ev, reply);
}
