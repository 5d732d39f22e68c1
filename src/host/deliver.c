/* deliver.c - events straight through the callback, or queued for the dispatch thread. */
#include "host/deliver.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/loop.h"

#define QUEUE_INITIAL 4096
/* A wake can come just before the dispatch thread starts a wait that nothing else
 * would end (a signal before the system call that would have been interrupted):
 * while the queue holds events the dispatcher has not started on, it is woken again,
 * first after a millisecond (the reference's pump runs every millisecond), then less
 * and less often while it is busy elsewhere. */
#define REWAKE_FIRST_NS 1000000L
#define REWAKE_MAX_NS 64000000L
/* How long the dispatcher waits for the host lock before it leaves the events for the
 * lock's release to bring it back (hold_or_retry). */
#define HOLD_WAIT_NS 1000000L
/* What an event counts against the bound (rxbuf, "the size in bytes of the internal
 * buffer used to store incoming events"): its data and 8 bytes for its fields, about
 * what the reference's event ring takes for it. */
#define EVENT_FIELDS_COST 8

/* The code of a queued event that is not to be delivered after all. */
#define CANCELLED 0

/* One queued event; its data follows it in the ring. */
struct queued {
    struct mpble_event ev;
    uint64_t seq;
    size_t len;        /* data bytes */
    size_t reply_cap;  /* the producer's reply buffer (0: no data back) */
    bool wants_answer; /* the producer waits for the callback's result */
};

/* A producer waiting for the answer to its event. */
struct deliver_wait {
    uint64_t seq;
    bool answered;
    int status;
    struct mpble_reply *reply;
    struct deliver_wait *next;
};

/* The lock and the conditions (their timed waits on the monotonic clock). */
static void init_sync(struct deliver *d)
{
    pthread_mutex_init(&d->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&d->cv, &attr);
    pthread_cond_init(&d->rewake_cv, &attr);
    pthread_condattr_destroy(&attr);
}

void deliver_init(struct deliver *d, mpble_event_fn fn, void *ctx, struct loop *loop, size_t limit)
{
    memset(d, 0, sizeof *d);
    d->fn = fn;
    d->ctx = ctx;
    d->loop = loop;
    d->limit = limit;
    init_sync(d);
}

static void rewake_stop(struct deliver *d);

void deliver_destroy(struct deliver *d)
{
    rewake_stop(d);
    pthread_cond_destroy(&d->rewake_cv);
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    free(d->q.buf);
    free(d->data);
    free(d->answer);
}

/* The event's data, where it has some: its pointer and length fields. */
static bool event_payload(struct mpble_event *ev, const uint8_t ***data, size_t **len)
{
    switch (ev->code) {
    case MPBLE_IRQ_SCAN_RESULT:
        *data = &ev->u.scan_result.data;
        *len = &ev->u.scan_result.len;
        return true;
    case MPBLE_IRQ_GATTC_READ_RESULT:
    case MPBLE_IRQ_GATTC_NOTIFY:
    case MPBLE_IRQ_GATTC_INDICATE:
        *data = &ev->u.data.data;
        *len = &ev->u.data.len;
        return true;
    default:
        return false;
    }
}

static size_t payload_len(const struct mpble_event *ev)
{
    const uint8_t **data;
    size_t *len;
    return event_payload((struct mpble_event *)ev, &data, &len) ? *len : 0;
}

/* Events whose producer waits until the callback returned (mpble.h): those whose result
 * the stack uses, and GATTS_WRITE, whose handler reads the value written from the
 * stack (gatts_read), which the next write would overwrite. */
static bool wants_answer(const struct mpble_event *ev, const struct mpble_reply *reply)
{
    switch (ev->code) {
    case MPBLE_IRQ_GATTS_WRITE:
    case MPBLE_IRQ_GATTS_READ_REQUEST:
    case MPBLE_IRQ_L2CAP_ACCEPT:
    case MPBLE_IRQ_SET_SECRET:
        return true;
    default:
        return reply != NULL;
    }
}

/* Makes room for n more bytes in the ring (it only grows, and only for an event larger
 * than any so far or a burst beyond the bound). */
static int ring_room(struct byte_ring *q, size_t n)
{
    if (q->cap - q->used >= n)
        return 0;
    size_t cap = q->cap ? q->cap : QUEUE_INITIAL;
    while (cap - q->used < n)
        cap *= 2;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return -ENOMEM;
    if (q->used > 0)
        byte_ring_read(q, 0, buf, q->used);
    free(q->buf);
    *q = (struct byte_ring){.buf = buf, .cap = cap, .head = 0, .used = q->used};
    return 0;
}

static int push(struct deliver *d, const struct mpble_event *ev, const struct mpble_reply *reply,
                uint64_t *seq)
{
    struct queued rec = {.ev = *ev,
                         .seq = ++d->seq_in,
                         .len = payload_len(ev),
                         .reply_cap = reply ? reply->cap : 0,
                         .wants_answer = wants_answer(ev, reply)};
    if (ring_room(&d->q, sizeof rec + rec.len) < 0)
        return -ENOMEM;
    byte_ring_write(&d->q, d->q.used, &rec, sizeof rec);
    const uint8_t **data;
    size_t *len;
    if (event_payload(&rec.ev, &data, &len))
        byte_ring_write(&d->q, d->q.used + sizeof rec, *data, rec.len);
    d->q.used += sizeof rec + rec.len;
    d->cost += EVENT_FIELDS_COST + rec.len;
    *seq = rec.seq;
    if (!d->woken) {
        d->woken = true;
        d->wake(d->wake_ctx);
        if (d->rewake_idle)
            pthread_cond_signal(&d->rewake_cv);
    }

    return 0;
}

/* A producer that found the queue over its bound waits until it has drained to half,
 * so that both threads then work on batches. */
static bool must_wait(const struct deliver *d, const struct deliver_wait *w, bool waiting)
{
    if (d->released)
        return false;
    if (w != NULL)
        return !w->answered;
    return d->cost > (waiting ? d->limit / 2 : d->limit);
}

static void wait_lending(struct deliver *d, const struct deliver_wait *w)
{
    bool lend = loop_holds(d->loop);
    unsigned depth = 0;
    d->lent++;
    if (lend)
        depth = loop_lend(d->loop);
    while (must_wait(d, w, true))
        pthread_cond_wait(&d->cv, &d->mu);
    if (lend) {
        /* The host lock before ours, as everywhere. */
        pthread_mutex_unlock(&d->mu);
        loop_reclaim(d->loop, depth);
        pthread_mutex_lock(&d->mu);
    }
    d->lent--;
    pthread_cond_broadcast(&d->cv);
}

static void unlink_wait(struct deliver *d, struct deliver_wait *w)
{
    for (struct deliver_wait **p = &d->waits; *p != NULL; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            return;
        }
    }
}

/* An event raised on a thread other than the dispatch thread. */
static int queue_event(struct deliver *d, const struct mpble_event *ev, struct mpble_reply *reply)
{
    struct deliver_wait w = {.reply = reply};
    bool answer = wants_answer(ev, reply);
    pthread_mutex_lock(&d->mu);
    if ((answer && d->released) || push(d, ev, reply, &w.seq) < 0) {
        pthread_mutex_unlock(&d->mu);
        return 0; /* deactivating (or out of memory): the default answer */
    }
    if (answer) {
        w.next = d->waits;
        d->waits = &w;
    }
    if (must_wait(d, answer ? &w : NULL, false))
        wait_lending(d, answer ? &w : NULL);
    if (answer)
        unlink_wait(d, &w);
    pthread_mutex_unlock(&d->mu);
    return w.status;
}

static int call(struct deliver *d, const struct mpble_event *ev, struct mpble_reply *reply)
{
    if (d->fn == NULL)
        return 0;
    d->depth++;
    int status = d->fn(d->ctx, ev, reply);
    d->depth--;
    return status;
}

static bool on_dispatch_thread(const struct deliver *d)
{
    return d->threaded && pthread_equal(pthread_self(), d->thread);
}

/* Marks the queued events of this code as not to be delivered; under d->mu. */
static void cancel_queued(struct deliver *d, int code)
{
    struct queued rec;
    for (size_t off = 0; off < d->q.used; off += sizeof rec + rec.len) {
        byte_ring_read(&d->q, off, &rec, sizeof rec);
        if (rec.ev.code == code && !rec.wants_answer) {
            rec.ev.code = CANCELLED;
            byte_ring_write(&d->q, off, &rec, sizeof rec);
        }
    }
}

int deliver_event(void *ctx, const struct mpble_event *ev, struct mpble_reply *reply)
{
    struct deliver *d = ctx;
    if (!d->threaded)
        return d->fn ? d->fn(d->ctx, ev, reply) : 0;
    if (!on_dispatch_thread(d))
        return queue_event(d, ev, reply);
    /* Raised inside a call on the dispatch thread: delivered inside it, after what
     * was queued before, unless a handler is running. No handler runs inside another
     * but for the events its own calls raise, so this one goes first; a scan it ended
     * then reports nothing more (NimBLE drops the reports that come after it). */
    if (d->depth > 0 && ev->code == MPBLE_IRQ_SCAN_DONE) {
        pthread_mutex_lock(&d->mu);
        cancel_queued(d, MPBLE_IRQ_SCAN_RESULT);
        pthread_mutex_unlock(&d->mu);
    }
    deliver_flush(d);
    return call(d, ev, reply);
}

static int grow(uint8_t **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    uint8_t *b = realloc(*buf, n);
    if (b == NULL)
        return -ENOMEM;
    *buf = b;
    *cap = n;
    return 0;
}

/* Takes the oldest record into rec and its data into d->data; under d->mu. */
static bool pop(struct deliver *d, struct queued *rec)
{
    if (d->q.used == 0)
        return false;
    byte_ring_read(&d->q, 0, rec, sizeof *rec);
    size_t len = rec->len;
    if (grow(&d->data, &d->data_cap, len) == 0 &&
        grow(&d->answer, &d->answer_cap, rec->reply_cap) == 0)
        byte_ring_read(&d->q, sizeof *rec, d->data, len);
    else
        rec->len = rec->reply_cap = 0; /* delivered without them rather than not at all */
    byte_ring_consume(&d->q, sizeof *rec + len);
    const uint8_t **data;
    size_t *plen;
    if (event_payload(&rec->ev, &data, &plen)) {
        *data = d->data;
        *plen = rec->len;
    }
    d->popped++;
    bool was_full = d->cost > d->limit / 2;
    d->cost -= EVENT_FIELDS_COST + len;
    if (was_full && d->cost <= d->limit / 2)
        pthread_cond_broadcast(&d->cv);
    return true;
}

/* Gives the producer waiting for record seq (if it still waits) the callback's result
 * and reply data; under d->mu. */
static void answer(struct deliver *d, uint64_t seq, int status, const struct mpble_reply *got)
{
    for (struct deliver_wait *w = d->waits; w != NULL; w = w->next) {
        if (w->seq != seq)
            continue;
        w->status = status;
        if (w->reply != NULL && got != NULL) {
            size_t n = got->len < w->reply->cap ? got->len : w->reply->cap;
            memcpy(w->reply->buf, got->buf, n);
            w->reply->len = n;
        }
        w->answered = true;
        pthread_cond_broadcast(&d->cv);
        return;
    }
}

/* Takes the host lock for a handler without waiting long for it: the dispatch thread
 * may be anywhere in its program, holding locks of its own that the lock's holder may
 * be waiting for (an in-process controller's, say). When it stays taken, the flag
 * makes its release wake the dispatcher again. */
static bool hold_or_retry(struct deliver *d)
{
    if (loop_hold_within(d->loop, HOLD_WAIT_NS))
        return true;
    __atomic_store_n(&d->retry, true, __ATOMIC_RELEASE);
    if (!loop_hold_within(d->loop, 0)) /* the holder may have let go before the flag */
        return false;
    __atomic_store_n(&d->retry, false, __ATOMIC_RELAXED);
    return true;
}

void deliver_lock_free(void *ctx)
{
    struct deliver *d = ctx;
    if (__atomic_load_n(&d->retry, __ATOMIC_ACQUIRE) &&
        __atomic_exchange_n(&d->retry, false, __ATOMIC_ACQ_REL) && d->wake != NULL)
        d->wake(d->wake_ctx);
}

/* Delivers the oldest record, holding the host lock: the stack stands still while a
 * handler runs, as on MicroPython (where it runs only between handlers), so what the
 * handler sees and does is not overtaken by the loop thread. 1 when it delivered one,
 * 0 for a cancelled one, -1 when the queue is empty. */
static int deliver_one(struct deliver *d)
{
    struct queued rec;
    pthread_mutex_lock(&d->mu);
    if (!pop(d, &rec)) {
        d->woken = false;
        pthread_mutex_unlock(&d->mu);
        return -1;
    }
    pthread_mutex_unlock(&d->mu);
    if (rec.ev.code == CANCELLED)
        return 0;
    struct mpble_reply reply = {.buf = d->answer, .cap = rec.reply_cap, .len = 0};
    int status = call(d, &rec.ev, rec.reply_cap ? &reply : NULL);
    if (rec.wants_answer) {
        pthread_mutex_lock(&d->mu);
        answer(d, rec.seq, status, rec.reply_cap ? &reply : NULL);
        pthread_mutex_unlock(&d->mu);
    }
    return 1;
}

int deliver_dispatch(struct deliver *d)
{
    if (!on_dispatch_thread(d))
        return -EPERM;
    if (d->depth > 0)
        return 0; /* inside a handler: the outer dispatch goes on after it */
    int n = 0;
    while (hold_or_retry(d)) {
        int one = deliver_one(d);
        loop_leave(d->loop);
        if (one < 0)
            break;
        n += one;
    }
    return n;
}

void deliver_flush(struct deliver *d)
{
    if (on_dispatch_thread(d) && d->depth == 0)
        deliver_dispatch(d);
}

static void deadline_after(struct timespec *ts, long ns)
{
    /* rewake_cv waits on this clock (init_sync). */
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_nsec += ns;
    ts->tv_sec += ts->tv_nsec / 1000000000L;
    ts->tv_nsec %= 1000000000L;
}

/* The rewaking thread: while events wait, it looks every interval whether the
 * dispatcher has taken any since it last looked, and wakes it again if not. Idle, it
 * sleeps until an event is queued. */
static void *rewake_main(void *arg)
{
    struct deliver *d = arg;
    long interval = REWAKE_FIRST_NS;
    pthread_mutex_lock(&d->mu);
    uint64_t seen = d->popped;
    while (!d->rewake_quit) {
        if (!d->woken) {
            d->rewake_idle = true;
            pthread_cond_wait(&d->rewake_cv, &d->mu);
            d->rewake_idle = false;
            interval = REWAKE_FIRST_NS;
            seen = d->popped;
            continue;
        }
        struct timespec ts;
        deadline_after(&ts, interval);
        pthread_cond_timedwait(&d->rewake_cv, &d->mu, &ts);
        if (d->woken && d->popped == seen && d->q.used > 0 && d->wake != NULL) {
            d->wake(d->wake_ctx);
            interval = interval * 2 < REWAKE_MAX_NS ? interval * 2 : REWAKE_MAX_NS;
        } else {
            interval = REWAKE_FIRST_NS;
        }
        seen = d->popped;
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

static void rewake_stop(struct deliver *d)
{
    if (!d->rewake_running)
        return;
    pthread_mutex_lock(&d->mu);
    d->rewake_quit = true;
    pthread_cond_signal(&d->rewake_cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->rewake, NULL);
    d->rewake_running = false;
    d->rewake_quit = false;
}

int deliver_set_thread(struct deliver *d, pthread_t thread, mpble_wake_fn wake, void *ctx)
{
    if (wake == NULL)
        rewake_stop(d);
    pthread_mutex_lock(&d->mu);
    d->threaded = wake != NULL;
    d->thread = thread;
    d->wake = wake;
    d->wake_ctx = ctx;
    pthread_mutex_unlock(&d->mu);
    if (wake == NULL || d->rewake_running)
        return 0;
    int rc = pthread_create(&d->rewake, NULL, rewake_main, d);
    d->rewake_running = rc == 0;
    return -rc;
}

void deliver_set_limit(struct deliver *d, size_t limit)
{
    pthread_mutex_lock(&d->mu);
    d->limit = limit;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

void deliver_start(struct deliver *d)
{
    pthread_mutex_lock(&d->mu);
    d->released = false;
    pthread_mutex_unlock(&d->mu);
}

void deliver_release(struct deliver *d)
{
    pthread_mutex_lock(&d->mu);
    d->released = true;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

void deliver_wait_lenders(struct deliver *d)
{
    pthread_mutex_lock(&d->mu);
    while (d->lent > 0)
        pthread_cond_wait(&d->cv, &d->mu);
    pthread_mutex_unlock(&d->mu);
}

void deliver_after_fork_child(struct deliver *d)
{
    free(d->q.buf);
    d->q = (struct byte_ring){0};
    d->cost = 0;
    d->woken = d->released = d->threaded = d->retry = false;
    d->lent = d->depth = 0;
    d->waits = NULL;
    d->wake = NULL;
    d->rewake_running = d->rewake_quit = d->rewake_idle = false; /* the parent's */
    init_sync(d);
}
