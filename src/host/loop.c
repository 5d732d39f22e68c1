/* loop.c - the host's loop thread, its lock, its clock and timers. */
#include "host/loop.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "host/host.h"

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
    h->loop_must_look = true; /* its poll timeout may be too long now */
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
    l->depth = 0;
    pthread_mutex_init(&l->mu, NULL);
}

void loop_destroy(struct loop *l)
{
    pthread_mutex_destroy(&l->mu);
}

bool loop_holds(struct loop *l)
{
    /* Only the owner writes owner and depth while it holds the lock, so only the
     * owner can find both saying it is the owner. */
    return __atomic_load_n(&l->depth, __ATOMIC_RELAXED) > 0 &&
           pthread_equal(l->owner, pthread_self());
}

static void lock(struct loop *l)
{
    if (loop_holds(l)) {
        l->depth++;
        return;
    }
    pthread_mutex_lock(&l->mu);
    l->owner = pthread_self();
    __atomic_store_n(&l->depth, 1, __ATOMIC_RELAXED);
}

static void unlock(struct loop *l)
{
    unsigned d = l->depth - 1;
    __atomic_store_n(&l->depth, d, __ATOMIC_RELAXED);
    if (d == 0)
        pthread_mutex_unlock(&l->mu);
}

void loop_wake(struct loop *l)
{
    uint64_t one = 1;
    if (l->wake_fd >= 0)
        (void)!write(l->wake_fd, &one, sizeof one);
}

static void *loop_main(void *arg)
{
    struct loop *l = arg;
    struct host *h = l->host;
    lock(l);
    while (!l->quit) {
        h->loop_must_look = false;
        hci_dispatch(h);
        int timeout = run_timers(h);
        if (l->quit)
            break;
        if (h->queue.used > 0 && !h->stopping)
            continue; /* a handler's command queued more packets */
        struct pollfd p[2] = {{.fd = l->wake_fd, .events = POLLIN},
                              {.fd = h->dead ? -1 : h->fd, .events = POLLIN}};
        unlock(l);
        int r = poll(p, 2, timeout);
        __atomic_store_n(&l->loop_waiting, true, __ATOMIC_RELAXED);
        lock(l);
        __atomic_store_n(&l->loop_waiting, false, __ATOMIC_RELAXED);
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && (p[0].revents & POLLIN)) {
            uint64_t n;
            (void)!read(l->wake_fd, &n, sizeof n);
        }
        if (r > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
            hci_read(h);
    }
    unlock(l);
    return NULL;
}

int loop_start(struct loop *l, struct host *h)
{
    l->host = h;
    l->quit = false;
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
    /* A caller calling in a tight loop would otherwise keep the lock from the loop
     * thread, which brings the controller's answers (buffers freed, say). */
    while (__atomic_load_n(&l->loop_waiting, __ATOMIC_RELAXED) && !loop_holds(l))
        sched_yield();
    lock(l);
    if (l->quit || !l->running) {
        unlock(l);
        return -ENODEV;
    }
    int rc = fn(l->host, arg);
    /* Packets queued while fn waited for a command, or a timer fn armed, are the
     * loop thread's to handle: make sure it is not asleep on them. */
    bool look = l->host->loop_must_look || l->host->queue.used > 0;
    unlock(l);
    if (look && !loop_holds(l))
        loop_wake(l);
    return rc;
}

void loop_quit(struct loop *l)
{
    lock(l);
    l->quit = true;
    unlock(l);
    loop_wake(l);
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
