/* loop.c - the host's event loop thread, its clock and timers. */
#include "host/loop.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "host/host.h"

struct loop_request {
    loop_fn fn;
    void *arg;
    int result;
    bool done;
};

uint64_t host_clock_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void host_timer_start(struct host *h, struct host_timer *t, uint64_t delay_us)
{
    host_timer_stop(h, t);
    t->due_us = h->now() + delay_us;
    t->armed = true;
    t->next = h->timers;
    h->timers = t;
}

void host_timer_stop(struct host *h, struct host_timer *t)
{
    for (struct host_timer **p = &h->timers; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->armed = false;
    t->next = NULL;
}

/* Fires due timers; returns the poll timeout until the next one (-1: none). */
static int run_timers(struct host *h)
{
    for (;;) {
        uint64_t now = h->now();
        struct host_timer *due = NULL;
        uint64_t next = UINT64_MAX;
        for (struct host_timer *t = h->timers; t; t = t->next) {
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

void loop_init(struct loop *l)
{
    l->running = false;
    l->quit = false;
    l->wake_fd = -1;
    l->req = NULL;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    pthread_mutex_init(&l->call_mu, NULL);
}

void loop_destroy(struct loop *l)
{
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->call_mu);
}

bool loop_is_current(const struct loop *l)
{
    return l->running && pthread_equal(pthread_self(), l->thread);
}

static void run_posted_request(struct loop *l)
{
    uint64_t n;
    if (read(l->wake_fd, &n, sizeof n) < 0 && errno != EAGAIN)
        return;
    pthread_mutex_lock(&l->mu);
    struct loop_request *r = l->req;
    pthread_mutex_unlock(&l->mu);
    if (r == NULL || r->done)
        return;
    int result = r->fn(l->host, r->arg);
    pthread_mutex_lock(&l->mu);
    r->result = result;
    r->done = true;
    l->req = NULL;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static bool should_quit(struct loop *l)
{
    pthread_mutex_lock(&l->mu);
    bool q = l->quit;
    pthread_mutex_unlock(&l->mu);
    return q;
}

static void *loop_main(void *arg)
{
    struct loop *l = arg;
    struct host *h = l->host;
    while (!should_quit(l)) {
        hci_dispatch(h);
        int timeout = run_timers(h);
        if (should_quit(l))
            break;
        if (h->queue.used > 0 && !h->stopping)
            continue; /* a handler's command queued more packets */
        struct pollfd p[2] = {{.fd = l->wake_fd, .events = POLLIN},
                              {.fd = h->dead ? -1 : h->fd, .events = POLLIN}};
        int r = poll(p, 2, timeout);
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0)
            continue;
        if (p[0].revents & POLLIN)
            run_posted_request(l);
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
            hci_read(h);
    }
    /* Anyone still waiting gets an answer. */
    pthread_mutex_lock(&l->mu);
    if (l->req && !l->req->done) {
        l->req->result = -ENODEV;
        l->req->done = true;
        l->req = NULL;
        pthread_cond_broadcast(&l->cv);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

int loop_start(struct loop *l, struct host *h)
{
    l->host = h;
    l->quit = false;
    l->req = NULL;
    l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (l->wake_fd < 0)
        return -errno;
    int rc = pthread_create(&l->thread, NULL, loop_main, l);
    if (rc != 0) {
        close(l->wake_fd);
        l->wake_fd = -1;
        return -rc;
    }
    l->running = true;
    return 0;
}

int loop_call(struct loop *l, loop_fn fn, void *arg)
{
    if (loop_is_current(l))
        return fn(l->host, arg);
    struct loop_request r = {.fn = fn, .arg = arg, .result = 0, .done = false};
    pthread_mutex_lock(&l->call_mu);
    pthread_mutex_lock(&l->mu);
    if (l->quit || !l->running) {
        pthread_mutex_unlock(&l->mu);
        pthread_mutex_unlock(&l->call_mu);
        return -ENODEV;
    }
    l->req = &r;
    uint64_t one = 1;
    if (write(l->wake_fd, &one, sizeof one) < 0) {
        l->req = NULL;
        pthread_mutex_unlock(&l->mu);
        pthread_mutex_unlock(&l->call_mu);
        return -EIO;
    }
    while (!r.done)
        pthread_cond_wait(&l->cv, &l->mu);
    pthread_mutex_unlock(&l->mu);
    pthread_mutex_unlock(&l->call_mu);
    return r.result;
}

void loop_quit(struct loop *l)
{
    pthread_mutex_lock(&l->mu);
    l->quit = true;
    pthread_mutex_unlock(&l->mu);
    if (l->wake_fd >= 0) {
        uint64_t one = 1;
        (void)!write(l->wake_fd, &one, sizeof one);
    }
}

void loop_join(struct loop *l)
{
    if (!l->running)
        return;
    pthread_join(l->thread, NULL);
    l->running = false;
    close(l->wake_fd);
    l->wake_fd = -1;
}
