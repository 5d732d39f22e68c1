/* ble.c - the device object: its configuration, activation, and the public API.
 * Each function enters the host's lock (loop.h) itself, calls the layer that does
 * the work, and leaves (ble_priv.h). */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "host/ble_priv.h"
#include "host/deliver.h"
#include "host/gap.h"
#include "host/host.h"
#include "host/loop.h"
#include "transport/transport.h"

/* Defaults of the reference (MicroPython's unix port with NimBLE). */
#define DEFAULT_GAP_NAME "MPY NIMBLE"
#define DEFAULT_MTU 256
#define DEFAULT_IO 3 /* NoInputNoOutput */
/* The event queue's bound (deliver.h). The reference's unix port has none (it runs
 * handlers as it reads the controller) and its ring-buffer ports default to 128 bytes,
 * which here would hand the loop thread and the main thread a few events at a time. */
#define DEFAULT_RXBUF 4096
#define MTU_MIN 23
#define MTU_MAX 527
#define RXBUF_MIN 16
#define RXBUF_MAX 65535

struct mpble {
    pthread_mutex_t mu; /* the settings and `active` */
    struct loop loop;
    struct deliver deliver; /* the events on their way to fn */
    struct host *host;      /* while the loop thread exists */
    bool active;

    char *transport_uri;
    struct host_settings settings;
    /* Public addresses, HCI order: mpble_set_address's; the last activation's. */
    bool addr_set, addr_kept;
    uint8_t set_addr[6], kept_addr[6];

    char err[256];
};

const char *mpble_last_error(mpble_t *dev)
{
    return dev->err;
}

/* ---- the device object ---- */

mpble_t *mpble_new(mpble_event_fn fn, void *ctx)
{
    struct mpble *dev = calloc(1, sizeof *dev);
    if (dev == NULL)
        return NULL;
    pthread_mutex_init(&dev->mu, NULL);
    loop_init(&dev->loop);
    deliver_init(&dev->deliver, fn, ctx, &dev->loop, DEFAULT_RXBUF);
    loop_on_release(&dev->loop, deliver_lock_free, &dev->deliver);
    struct host_settings *set = &dev->settings;
    set->gap_name_len = strlen(DEFAULT_GAP_NAME);
    memcpy(set->gap_name, DEFAULT_GAP_NAME, set->gap_name_len);
    set->mtu = DEFAULT_MTU;
    set->rxbuf = DEFAULT_RXBUF;
    set->io = DEFAULT_IO;
    set->le_secure = false; /* as documented (DECISIONS.md) */
    return dev;
}

/* Frees the host of a loop thread that has ended, once no thread that raised an
 * event is still inside it (deliver.h): those wait for the host lock, which they hold
 * until they leave. */
static void free_host(struct mpble *dev)
{
    deliver_wait_lenders(&dev->deliver);
    loop_detach(&dev->loop);
    host_free(dev->host);
    dev->host = NULL;
}

/* Joins a loop thread that ended by itself (deactivated from inside a handler). */
static void reap_stopped_loop(struct mpble *dev)
{
    if (dev->loop.running && !dev->active) {
        loop_join(&dev->loop);
        free_host(dev);
    }
}

void mpble_free(mpble_t *dev)
{
    if (dev == NULL)
        return;
    mpble_active(dev, false);
    reap_stopped_loop(dev);
    loop_destroy(&dev->loop);
    deliver_destroy(&dev->deliver);
    pthread_mutex_destroy(&dev->mu);
    free(dev->transport_uri);
    free(dev);
}

int mpble_set_transport(mpble_t *dev, const char *uri)
{
    char *copy = NULL;
    if (uri && (copy = strdup(uri)) == NULL)
        return -ENOMEM;
    pthread_mutex_lock(&dev->mu);
    free(dev->transport_uri);
    dev->transport_uri = copy;
    pthread_mutex_unlock(&dev->mu);
    return 0;
}

/* ---- the public address ---- */

static bool addr_zero(const uint8_t addr[6])
{
    static const uint8_t zero[6];
    return memcmp(addr, zero, 6) == 0;
}

int mpble_set_address(mpble_t *dev, const mpble_addr_t *addr)
{
    if (addr && (addr->type != 0 || addr_zero(addr->val)))
        return -EINVAL;
    pthread_mutex_lock(&dev->mu);
    dev->addr_set = addr != NULL;
    if (addr)
        bdaddr_reverse(dev->set_addr, addr->val);
    pthread_mutex_unlock(&dev->mu);
    return 0;
}

/* "XX:XX:XX:XX:XX:XX", most significant first, into addr (HCI order); not all zero. */
static bool parse_address(const char *text, uint8_t addr[6])
{
    for (int i = 0; i < 17; i++)
        if (i % 3 == 2 ? text[i] != ':' : !isxdigit((unsigned char)text[i]))
            return false;
    if (text[17] != '\0')
        return false;
    for (int i = 0; i < 6; i++)
        addr[5 - i] = (uint8_t)strtoul(text + 3 * i, NULL, 16);
    return !addr_zero(addr);
}

/* The public address this activation asks for (startup.h): mpble_set_address's,
 * else MPBLE_ADDR's, else the one the device had at its last activation. -EINVAL
 * for a malformed MPBLE_ADDR. */
static int choose_address(struct mpble *dev, struct host *h)
{
    const char *env = getenv("MPBLE_ADDR");
    int rc = 0;
    pthread_mutex_lock(&dev->mu);
    h->want_addr_source = STARTUP_ADDR_REQUESTED;
    if (dev->addr_set) {
        memcpy(h->want_addr, dev->set_addr, 6);
    } else if (env && *env) {
        if (!parse_address(env, h->want_addr)) {
            snprintf(dev->err, sizeof dev->err,
                     "MPBLE_ADDR=%s: not a public address XX:XX:XX:XX:XX:XX", env);
            rc = -EINVAL;
        }
    } else if (dev->addr_kept) {
        memcpy(h->want_addr, dev->kept_addr, 6);
        h->want_addr_source = STARTUP_ADDR_KEPT;
    } else {
        h->want_addr_source = STARTUP_ADDR_OWN;
    }
    pthread_mutex_unlock(&dev->mu);
    return rc;
}

/* The address the device keeps for its next activations, as a board keeps its own. */
static void keep_address(struct mpble *dev, const struct host *h)
{
    pthread_mutex_lock(&dev->mu);
    dev->addr_kept = h->has_public;
    memcpy(dev->kept_addr, h->public_addr, 6);
    pthread_mutex_unlock(&dev->mu);
}

/* Whether the device was activated (and not deactivated since). */
static bool activated(struct mpble *dev)
{
    pthread_mutex_lock(&dev->mu);
    bool a = dev->active;
    pthread_mutex_unlock(&dev->mu);
    return a;
}

bool mpble_is_active(mpble_t *dev)
{
    /* A host whose controller is lost is not active any more, though its calls go on
     * failing with the reason until deactivation. */
    pthread_mutex_lock(&dev->mu);
    bool a = dev->active && !__atomic_load_n(&dev->host->dead, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&dev->mu);
    return a;
}

/* ---- activation ---- */

/* Diagnostics on stderr unless MPBLE_LOG=0, as set when the device activates. */
static bool log_wanted(void)
{
    const char *log = getenv("MPBLE_LOG");
    return !(log && strcmp(log, "0") == 0);
}

static struct host *new_host(struct mpble *dev)
{
    struct host_base base = {.fn = deliver_event,
                             .ctx = &dev->deliver,
                             .log = log_wanted(),
                             .err = dev->err,
                             .err_cap = sizeof dev->err};
    pthread_mutex_lock(&dev->mu);
    base.settings = dev->settings;
    pthread_mutex_unlock(&dev->mu);
    return host_new(&base);
}

static int do_startup(struct mpble *dev)
{
    int rc = loop_enter(&dev->loop);
    if (rc < 0)
        return rc;
    rc = host_start(dev->host);
    loop_leave(&dev->loop);
    return rc;
}

static int activate(struct mpble *dev)
{
    pthread_mutex_lock(&dev->mu);
    const char *uri = dev->transport_uri ? dev->transport_uri : getenv("MPBLE_HCI");
    struct transport_uri tu;
    int rc = transport_parse_uri(uri, &tu, dev->err, sizeof dev->err);
    pthread_mutex_unlock(&dev->mu);
    if (rc < 0)
        return rc;

    struct host *h = new_host(dev);
    if (h == NULL)
        return -ENOMEM;
    if ((rc = choose_address(dev, h)) < 0) {
        host_free(h);
        return rc;
    }
    const char *snoop = getenv("MPBLE_SNOOP");
    if (snoop && *snoop && (rc = snoop_open(&h->snoop, snoop)) < 0) {
        snprintf(dev->err, sizeof dev->err, "MPBLE_SNOOP=%s: %s", snoop, strerror(-rc));
        host_free(h);
        return rc;
    }
    h->fd = transport_open(&tu, dev->err, sizeof dev->err);
    if (h->fd < 0) {
        rc = h->fd;
        h->fd = -1;
        host_free(h);
        return rc;
    }
    dev->host = h;
    deliver_start(&dev->deliver);
    rc = loop_start(&dev->loop, h);
    if (rc == 0)
        rc = do_startup(dev);
    if (rc < 0) {
        deliver_release(&dev->deliver);
        if (dev->loop.running) {
            loop_quit(&dev->loop);
            loop_join(&dev->loop);
        }
        free_host(dev);
        return rc;
    }
    keep_address(dev, h);
    pthread_mutex_lock(&dev->mu);
    dev->active = true;
    pthread_mutex_unlock(&dev->mu);
    return 0;
}

static void deactivate(struct mpble *dev)
{
    bool inside = loop_holds(&dev->loop);
    if (loop_enter(&dev->loop) == 0) {
        host_shutdown(dev->host);
        loop_leave(&dev->loop);
    }
    pthread_mutex_lock(&dev->mu);
    dev->active = false;
    pthread_mutex_unlock(&dev->mu);
    deliver_release(&dev->deliver);
    loop_quit(&dev->loop);
    if (inside)
        return; /* called from a handler: the thread ends when it can; reaped later */
    loop_join(&dev->loop);
    free_host(dev);
}

int mpble_active(mpble_t *dev, bool on)
{
    dev->err[0] = '\0';
    /* What the stack raised before the call is delivered before it takes effect. */
    deliver_flush(&dev->deliver);
    if (!on) {
        if (activated(dev))
            deactivate(dev);
        deliver_flush(&dev->deliver);
        return 0;
    }
    if (loop_holds(&dev->loop)) {
        snprintf(dev->err, sizeof dev->err,
                 "active(True) cannot restart the stack from inside its event handler");
        return -EDEADLK;
    }
    if (activated(dev))
        deactivate(dev);
    reap_stopped_loop(dev);
    return activate(dev);
}

void mpble_after_fork_child(mpble_t *dev)
{
    struct host *h = dev->host;
    if (h != NULL && h->fd >= 0)
        close(h->fd);
    if (h != NULL && h->snoop.f != NULL) {
        __fpurge(h->snoop.f); /* the parent's buffered records: exit would flush them */
        close(fileno(h->snoop.f));
    }
    if (dev->loop.wake_fd >= 0)
        close(dev->loop.wake_fd);
    /* The loop thread is the parent's alone; a lock held at the fork stays held. */
    dev->host = NULL;
    dev->active = false;
    dev->addr_kept = false; /* the child is another device: not the parent's address */
    pthread_mutex_init(&dev->mu, NULL);
    loop_init(&dev->loop);
    deliver_after_fork_child(&dev->deliver);
    loop_on_release(&dev->loop, deliver_lock_free, &dev->deliver);
}

int mpble_set_dispatch_thread(mpble_t *dev, pthread_t thread, mpble_wake_fn wake, void *ctx)
{
    if (activated(dev))
        return -EBUSY;
    return deliver_set_thread(&dev->deliver, thread, wake, ctx);
}

int mpble_dispatch(mpble_t *dev)
{
    return deliver_dispatch(&dev->deliver);
}

int ble_enter(struct mpble *dev, struct host **h)
{
    dev->err[0] = '\0';
    if (!activated(dev))
        return -ENODEV;
    int rc = loop_enter(&dev->loop);
    *h = dev->host;
    return rc;
}

void ble_leave(struct mpble *dev)
{
    loop_leave(&dev->loop);
}

int ble_conn_enter(struct mpble *dev, uint16_t conn_handle, struct host **h, struct conn **c)
{
    int rc = ble_enter(dev, h);
    if (rc < 0)
        return rc;
    if ((*c = conn_by_handle(*h, conn_handle)) == NULL) {
        ble_leave(dev);
        return -ENOTCONN;
    }
    return 0;
}

/* Runs a settings change on the device and, while a host exists (activating or
 * active), on its snapshot too, under both locks (the host's first, as everywhere):
 * no change is lost between activation's copy and the end of start-up. */
static void update_settings(struct mpble *dev,
                            void (*change)(struct host_settings *s, const void *arg),
                            const void *arg)
{
    bool host = loop_enter(&dev->loop) == 0;
    pthread_mutex_lock(&dev->mu);
    change(&dev->settings, arg);
    if (host)
        change(&host_base(dev->host)->settings, arg);
    pthread_mutex_unlock(&dev->mu);
    if (host)
        loop_leave(&dev->loop);
}

/* ---- configuration ---- */

int mpble_get_mac(mpble_t *dev, mpble_addr_t *out)
{
    BLE_ON_HOST(dev, (gap_get_mac(h, out), 0));
}

int mpble_set_addr_mode(mpble_t *dev, int mode)
{
    BLE_ON_HOST(dev, gap_set_addr_mode(h, mode));
}

struct name_arg {
    const uint8_t *name;
    size_t len;
};

static void change_name(struct host_settings *s, const void *arg)
{
    const struct name_arg *n = arg;
    memcpy(s->gap_name, n->name, n->len);
    s->gap_name_len = n->len;
}

int mpble_set_gap_name(mpble_t *dev, const uint8_t *name, size_t len)
{
    if (len > MPBLE_GAP_NAME_MAX)
        return -EINVAL;
    struct name_arg n = {name, len};
    update_settings(dev, change_name, &n);
    return 0;
}

size_t mpble_get_gap_name(mpble_t *dev, uint8_t *buf, size_t cap)
{
    pthread_mutex_lock(&dev->mu);
    size_t len = dev->settings.gap_name_len;
    memcpy(buf, dev->settings.gap_name, len < cap ? len : cap);
    pthread_mutex_unlock(&dev->mu);
    return len;
}

static int get_int(struct mpble *dev, const int *field)
{
    pthread_mutex_lock(&dev->mu);
    int v = *field;
    pthread_mutex_unlock(&dev->mu);
    return v;
}

int mpble_get_mtu(mpble_t *dev)
{
    if (!activated(dev))
        return -ENODEV;
    return get_int(dev, &dev->settings.mtu);
}

/* The setters of one field each: the field's offset in the settings goes as arg. */
struct field_arg {
    size_t offset;
    int value;
};

static void change_int(struct host_settings *s, const void *arg)
{
    const struct field_arg *f = arg;
    *(int *)((char *)s + f->offset) = f->value;
}

static void change_bool(struct host_settings *s, const void *arg)
{
    const struct field_arg *f = arg;
    *(bool *)((char *)s + f->offset) = f->value != 0;
}

int mpble_set_mtu(mpble_t *dev, int mtu)
{
    if (!activated(dev))
        return -ENODEV;
    if (mtu < MTU_MIN || mtu > MTU_MAX)
        return -EINVAL;
    struct field_arg f = {offsetof(struct host_settings, mtu), mtu};
    update_settings(dev, change_int, &f);
    return 0;
}

int mpble_get_rxbuf(mpble_t *dev)
{
    return get_int(dev, &dev->settings.rxbuf);
}

int mpble_set_rxbuf(mpble_t *dev, int size)
{
    if (size < RXBUF_MIN || size > RXBUF_MAX)
        return -EINVAL;
    struct field_arg f = {offsetof(struct host_settings, rxbuf), size};
    update_settings(dev, change_int, &f);
    deliver_set_limit(&dev->deliver, (size_t)size);
    return 0;
}

#define SETTER(name, type, change)                                           \
    void mpble_set_##name(mpble_t *dev, type v)                              \
    {                                                                        \
        struct field_arg f = {offsetof(struct host_settings, name), (int)v}; \
        update_settings(dev, change, &f);                                    \
    }
SETTER(bond, bool, change_bool)
SETTER(mitm, bool, change_bool)
SETTER(io, int, change_int)
SETTER(le_secure, bool, change_bool)

/* ---- GAP ---- */

int mpble_gap_advertise(mpble_t *dev, uint32_t interval_us, const uint8_t *adv, size_t adv_len,
                        const uint8_t *resp, size_t resp_len, bool connectable)
{
    struct gap_adv_args a = {interval_us, adv, resp, adv_len, resp_len, connectable};
    BLE_ON_HOST(dev, gap_advertise(h, &a));
}

int mpble_gap_advertise_stop(mpble_t *dev)
{
    struct host *h;
    if (ble_enter(dev, &h) < 0)
        return 0;
    int rc = gap_advertise_stop(h);
    ble_leave(dev);
    return rc;
}

int mpble_gap_scan(mpble_t *dev, uint32_t duration_ms, uint32_t interval_us, uint32_t window_us,
                   bool active)
{
    struct gap_scan_args a = {duration_ms, interval_us, window_us, active};
    BLE_ON_HOST(dev, gap_scan(h, &a));
}

int mpble_gap_scan_stop(mpble_t *dev)
{
    BLE_ON_HOST(dev, gap_scan_stop(h));
}

/* ---- connections ---- */

int mpble_gap_connect(mpble_t *dev, const mpble_addr_t *peer, uint32_t scan_duration_ms,
                      uint32_t min_interval_us, uint32_t max_interval_us)
{
    struct conn_connect_args a = {*peer, scan_duration_ms, min_interval_us, max_interval_us};
    BLE_ON_HOST(dev, conn_connect(h, &a));
}

int mpble_gap_connect_cancel(mpble_t *dev)
{
    BLE_ON_HOST(dev, conn_connect_cancel(h));
}

int mpble_gap_disconnect(mpble_t *dev, uint16_t conn_handle)
{
    BLE_ON_HOST(dev, conn_disconnect(h, conn_handle));
}

int mpble_gap_set_phy(mpble_t *dev, uint16_t conn_handle, int phy)
{
    BLE_ON_HOST(dev, conn_set_phy(h, conn_handle, phy));
}

int mpble_gap_set_data_length(mpble_t *dev, uint16_t conn_handle, uint16_t tx_octets)
{
    BLE_ON_HOST(dev, conn_set_data_length(h, conn_handle, tx_octets));
}
