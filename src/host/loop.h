/* loop.h - the event loop that owns a host: one thread that polls the transport,
 * runs timers and runs requests posted by other threads. */
#ifndef MPBLE_LOOP_H
#define MPBLE_LOOP_H

#include <pthread.h>
#include <stdbool.h>

struct host;
struct loop_request;

typedef int (*loop_fn)(struct host *h, void *arg);

struct loop {
    struct host *host;
    pthread_t thread;
    bool running;  /* the thread exists (until joined) */
    bool quit;     /* the thread is to end after the current step */
    int wake_fd;   /* eventfd: a request was posted */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_mutex_t call_mu; /* one caller at a time from other threads */
    struct loop_request *req;
};

void loop_init(struct loop *l);
void loop_destroy(struct loop *l);
/* Starts the thread for host h. 0 or a negative errno. */
int loop_start(struct loop *l, struct host *h);
/* Runs fn on the loop thread and returns its result: inline when called on the loop
 * thread, else posted and waited for. */
int loop_call(struct loop *l, loop_fn fn, void *arg);
bool loop_is_current(const struct loop *l);
/* Asks the thread to end after the current step (from any thread). */
void loop_quit(struct loop *l);
/* Waits for the thread to end (not from the loop thread itself). */
void loop_join(struct loop *l);

#endif
