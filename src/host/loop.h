/* loop.h - the thread that drives a host, and the lock that owns its state (the
 * threading rule is mpble.h's). The loop thread holds the lock while it works and
 * gives it up while it waits in poll, and while an event it raised waits for the
 * thread that delivers events (loop_lend). */
#ifndef MPBLE_LOOP_H
#define MPBLE_LOOP_H

#include <pthread.h>
#include <stdbool.h>

struct host;

struct loop {
    struct host *host; /* NULL once freed */
    pthread_t thread;
    bool running;       /* the thread exists (until joined) */
    bool quit;          /* the thread is to end at its next step */
    int wake_fd;        /* eventfd: the loop thread must look again (timers, queued packets) */
    pthread_mutex_t mu; /* the host lock */
    bool loop_waiting;  /* the loop thread waits for the lock: callers let it go first */
    pthread_t owner;    /* valid while depth > 0 */
    unsigned depth;
    void (*on_release)(void *ctx); /* called whenever the lock comes free (may be NULL) */
    void *release_ctx;
};

void loop_init(struct loop *l);
void loop_destroy(struct loop *l);
/* Starts the thread for host h. 0 or a negative errno. */
int loop_start(struct loop *l, struct host *h);
/* Takes the host lock for an operation: 0, or -ENODEV (not taken) once the loop has
 * been told to quit. loop_leave gives it back and wakes the loop thread if the
 * operation left it work. */
int loop_enter(struct loop *l);
void loop_leave(struct loop *l);
/* Takes the lock whether or not the loop runs (for a handler: loop_leave after). */
void loop_hold(struct loop *l);
/* The same, waiting at most ns nanoseconds: whether it took it. */
bool loop_hold_within(struct loop *l, long ns);
/* fn(ctx) runs, on the thread that gave the lock up, each time the lock comes free
 * (cheap: it must only look at a flag and signal). Set before the loop starts. */
void loop_on_release(struct loop *l, void (*fn)(void *ctx), void *ctx);
/* Whether this thread holds the host lock (it is inside an operation or handler). */
bool loop_holds(struct loop *l);
/* Gives the lock up however deeply this thread holds it, for a wait at a point where
 * any call may come in (an event's emission, where a handler's calls come in too);
 * returns what loop_reclaim needs to take it back as it was. */
unsigned loop_lend(struct loop *l);
void loop_reclaim(struct loop *l, unsigned depth);
/* Forgets the host of a loop thread that has ended, once no other thread holds the
 * lock (not while this one holds it); the host may then be freed. */
void loop_detach(struct loop *l);
/* Makes the loop thread look at the host again (after timers or the receive queue
 * changed outside it). */
void loop_wake(struct loop *l);
/* Asks the thread to end (from any thread). */
void loop_quit(struct loop *l);
/* Waits for the thread to end; not while holding the host lock. */
void loop_join(struct loop *l);

#endif
