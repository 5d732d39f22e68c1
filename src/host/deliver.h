/* deliver.h - events on their way to the application. By default the callback runs on
 * the thread that raised the event (the loop thread, or a caller inside its call). Once
 * a dispatch thread is chosen, the callback runs only there: what other threads raise
 * waits in a queue that the dispatch thread empties (mpble_dispatch), which is
 * MicroPython's rule (handlers on the main thread) for the Python binding.
 *
 * A thread that queues an event holds the host lock at the point it raised it; when it
 * must wait (the queue is over its bound, or the event wants the handler's answer) it
 * lends the lock (loop_lend) for the wait, so that the handler's own calls, and any
 * other thread's, get in as they would from inside a callback. */
#ifndef MPBLE_HOST_DELIVER_H
#define MPBLE_HOST_DELIVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/byte_ring.h"
#include "mpble/mpble.h"

struct loop;
struct deliver_wait;

struct deliver {
    mpble_event_fn fn; /* the application's callback (may be NULL) */
    void *ctx;
    struct loop *loop; /* the host lock that waiting producers lend */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* producers wait here: room, an answer, the release */

    /* the dispatch thread, when one is chosen */
    bool threaded;
    pthread_t thread;
    mpble_wake_fn wake;
    void *wake_ctx;
    unsigned depth;   /* callbacks running on the dispatch thread (only it touches this) */
    pthread_t rewake; /* wakes the dispatch thread again when a wake went unheard */
    pthread_cond_t rewake_cv;
    bool rewake_running, rewake_quit, rewake_idle;
    uint64_t popped; /* events the dispatcher has taken */

    /* the queue: [struct queued][data] records */
    struct byte_ring q;
    size_t cost, limit; /* what the queued events count (deliver.c) and its bound */
    bool woken;         /* wake() called since the dispatcher last found the queue empty */
    bool retry;         /* the dispatcher found the host lock taken: wake it when free */
    bool released;      /* deactivating: producers wait for nothing */
    unsigned lent;      /* producers waiting with the host lock lent */
    uint64_t seq_in;    /* events queued so far: each record's number */
    struct deliver_wait *waits;

    /* the dispatch thread's copies of the event being delivered */
    uint8_t *data, *answer;
    size_t data_cap, answer_cap;
};

void deliver_init(struct deliver *d, mpble_event_fn fn, void *ctx, struct loop *loop, size_t limit);
void deliver_destroy(struct deliver *d);
/* The host's event callback (ctx: the struct deliver). */
int deliver_event(void *ctx, const struct mpble_event *ev, struct mpble_reply *reply);

/* mpble_set_dispatch_thread and mpble_dispatch (mpble.h). */
int deliver_set_thread(struct deliver *d, pthread_t thread, mpble_wake_fn wake, void *ctx);
int deliver_dispatch(struct deliver *d);
/* Delivers what is queued if called on the dispatch thread outside any callback. */
void deliver_flush(struct deliver *d);
void deliver_set_limit(struct deliver *d, size_t limit);
/* The host lock's release hook (loop_on_release; ctx: the struct deliver). */
void deliver_lock_free(void *ctx);

/* Activation: producers may wait again. Deactivation: deliver_release makes every
 * waiting producer go on (an event waiting for an answer gets 0); once the host's
 * loop thread has ended, deliver_wait_lenders returns when none of them is still
 * waiting to take the host lock back. */
void deliver_start(struct deliver *d);
void deliver_release(struct deliver *d);
void deliver_wait_lenders(struct deliver *d);
/* In the child of fork(): an empty queue and fresh locks; the dispatch thread is
 * forgotten (the child's threads are not the parent's). */
void deliver_after_fork_child(struct deliver *d);

#endif
