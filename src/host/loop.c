/* loop.c - the host's loop thread and its lock. */
#include "host/loop.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "host/host.h"

void loop_init(struct loop *l)
{
    l->running = false;
    l->quit = false;
    l->wake_fd = -1;
    l->depth = 0;
    l->on_release = NULL;
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

/* Gives the mutex up, and tells whoever asked (loop_on_release) that it is free. */
static void release(struct loop *l)
{
    pthread_mutex_unlock(&l->mu);
    if (l->on_release != NULL)
        l->on_release(l->release_ctx);
}

static void unlock(struct loop *l)
{
    unsigned d = l->depth - 1;
    __atomic_store_n(&l->depth, d, __ATOMIC_RELAXED);
    if (d == 0)
        release(l);
}

bool loop_hold_within(struct loop *l, long ns)
{
    if (loop_holds(l)) {
        l->depth++;
        return true;
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += ns;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    if (pthread_mutex_clocklock(&l->mu, CLOCK_MONOTONIC, &until) != 0)
        return false;
    l->owner = pthread_self();
    __atomic_store_n(&l->depth, 1, __ATOMIC_RELAXED);
    return true;
}

void loop_on_release(struct loop *l, void (*fn)(void *ctx), void *ctx)
{
    l->on_release = fn;
    l->release_ctx = ctx;
}

unsigned loop_lend(struct loop *l)
{
    unsigned d = l->depth;
    __atomic_store_n(&l->depth, 0, __ATOMIC_RELAXED);
    release(l);
    return d;
}

void loop_reclaim(struct loop *l, unsigned depth)
{
    pthread_mutex_lock(&l->mu);
    l->owner = pthread_self();
    __atomic_store_n(&l->depth, depth, __ATOMIC_RELAXED);
}

void loop_detach(struct loop *l)
{
    pthread_mutex_lock(&l->mu);
    l->host = NULL;
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
    bool readable = false;
    lock(l);
    while (!l->quit) {
        h->base.timers_changed = false;
        hci_run(h, readable);
        int timeout = host_timers_run(h);
        if (l->quit)
            break;
        readable = false;
        if (hci_pending(h))
            continue; /* a handler's command parked packets */
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
        readable = r > 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR));
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

void loop_hold(struct loop *l)
{
    /* A caller calling in a tight loop would otherwise keep the lock from the loop
     * thread, which brings the controller's answers (buffers freed, say). */
    while (__atomic_load_n(&l->loop_waiting, __ATOMIC_RELAXED) && !loop_holds(l))
        sched_yield();
    lock(l);
}

int loop_enter(struct loop *l)
{
    loop_hold(l);
    if (l->quit || !l->running) {
        unlock(l);
        return -ENODEV;
    }
    return 0;
}

void loop_leave(struct loop *l)
{
    /* Packets parked while the operation waited for a command, or a timer it armed,
     * are the loop thread's to handle: make sure it is not asleep on them. */
    struct host *h = l->host;
    bool look = h != NULL && (h->base.timers_changed || hci_pending(h));
    unlock(l);
    if (look && !loop_holds(l))
        loop_wake(l);
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
