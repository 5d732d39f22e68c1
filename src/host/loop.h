/* loop.h - the thread that drives a host, and the lock that owns its state.
 *
 * The loop thread polls the transport, dispatches what arrives and runs timers. All
 * host state belongs to whoever holds the host lock: the loop thread while it works
 * (released only while it waits in poll), or a caller running an operation. An
 * operation from another thread (the application's) therefore runs on that thread,
 * under the lock, with no hand-over to the loop thread: a call costs a mutex, not
 * two context switches. Events raised by such an operation are delivered on the
 * caller's thread, inside the call, as the reference delivers them synchronously.
 * The lock is recursive: an event handler may call any operation.
 */
#ifndef MPBLE_LOOP_H
#define MPBLE_LOOP_H

#include <pthread.h>
#include <stdbool.h>

struct host;

typedef int (*loop_fn)(struct host *h, void *arg);

struct loop {
    struct host *host;
    pthread_t thread;
    bool running; /* the thread exists (until joined) */
    bool quit;    /* the thread is to end at its next step */
    int wake_fd;  /* eventfd: the loop thread must look again (timers, queued packets) */
    pthread_mutex_t mu; /* the host lock */
    bool loop_waiting;  /* the loop thread waits for the lock: callers let it go first */
    pthread_t owner;    /* valid while depth > 0 */
    unsigned depth;
};

void loop_init(struct loop *l);
void loop_destroy(struct loop *l);
/* Starts the thread for host h. 0 or a negative errno. */
int loop_start(struct loop *l, struct host *h);
/* Runs fn holding the host lock; -ENODEV once the loop has been told to quit. */
int loop_call(struct loop *l, loop_fn fn, void *arg);
/* Whether this thread holds the host lock (it is inside an operation or handler). */
bool loop_holds(struct loop *l);
/* Makes the loop thread look at the host again (after timers or the receive queue
 * changed outside it). */
void loop_wake(struct loop *l);
/* Asks the thread to end (from any thread). */
void loop_quit(struct loop *l);
/* Waits for the thread to end; not while holding the host lock. */
void loop_join(struct loop *l);

#endif
