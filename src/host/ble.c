/* ble.c - the device object: configuration, activation, and the public API, which
 * runs every stack operation on the device's event loop (loop.c). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/ble_priv.h"
#include "host/gatts.h"
#include "host/host.h"
#include "host/loop.h"
#include "host/startup.h"
#include "transport/transport.h"

/* Defaults of the reference (MicroPython's unix port with NimBLE). */
#define DEFAULT_GAP_NAME "MPY NIMBLE"
#define DEFAULT_MTU 256
#define DEFAULT_RXBUF 128
#define DEFAULT_IO 3 /* NoInputNoOutput */
#define MTU_MIN 23
#define MTU_MAX 527
#define RXBUF_MIN 16
#define RXBUF_MAX 65535
/* Packets queued while a command waits: room for many maximum-size events. */
#define HCI_QUEUE_BYTES (256 * 1024)

struct mpble {
    mpble_event_fn fn;
    void *ctx;
    pthread_mutex_t mu; /* the settings and `active` */
    struct loop loop;
    struct host *host; /* while the loop thread exists */
    bool active;
    bool log;

    char *transport_uri;
    uint8_t gap_name[MPBLE_GAP_NAME_MAX];
    size_t gap_name_len;
    int mtu, rxbuf, io;
    bool bond, mitm, le_secure;

    char err[256];
};

/* ---- diagnostics ---- */

void ble_set_error(struct mpble *dev, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dev->err, sizeof dev->err, fmt, ap);
    va_end(ap);
}

void ble_log(struct mpble *dev, const char *fmt, ...)
{
    if (!dev->log)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "mpble: %s\n", line);
}

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
    dev->fn = fn;
    dev->ctx = ctx;
    pthread_mutex_init(&dev->mu, NULL);
    loop_init(&dev->loop);
    const char *log = getenv("MPBLE_LOG");
    dev->log = !(log && strcmp(log, "0") == 0);
    dev->gap_name_len = strlen(DEFAULT_GAP_NAME);
    memcpy(dev->gap_name, DEFAULT_GAP_NAME, dev->gap_name_len);
    dev->mtu = DEFAULT_MTU;
    dev->rxbuf = DEFAULT_RXBUF;
    dev->io = DEFAULT_IO;
    dev->le_secure = false; /* as documented (DECISIONS.md) */
    return dev;
}

static void host_free(struct host *h)
{
    if (h == NULL)
        return;
    gatts_stop(h);
    conn_free(h);
    if (h->fd >= 0)
        close(h->fd);
    snoop_close(&h->snoop);
    free(h->queue.buf);
    free(h->rx_dispatch);
    free(h);
}

/* Joins a loop thread that ended by itself (deactivated from inside a handler). */
static void reap_stopped_loop(struct mpble *dev)
{
    if (dev->loop.running && !dev->active) {
        loop_join(&dev->loop);
        host_free(dev->host);
        dev->host = NULL;
    }
}

void mpble_free(mpble_t *dev)
{
    if (dev == NULL)
        return;
    mpble_active(dev, false);
    reap_stopped_loop(dev);
    loop_destroy(&dev->loop);
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

bool mpble_is_active(mpble_t *dev)
{
    pthread_mutex_lock(&dev->mu);
    bool a = dev->active;
    pthread_mutex_unlock(&dev->mu);
    return a;
}

int host_emit(struct host *h, const struct mpble_event *ev)
{
    if (h->stopping && ev->code != MPBLE_IRQ_SCAN_DONE)
        return 0;
    return h->dev->fn ? h->dev->fn(h->dev->ctx, ev) : 0;
}

/* ---- activation ---- */

static struct host *host_new(struct mpble *dev)
{
    struct host *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->dev = dev;
    h->fd = -1;
    h->now = host_clock_monotonic;
    h->cmd_credits = 1; /* Vol 4 Part E 4.4: one command may be sent after power-on */
    h->queue.cap = HCI_QUEUE_BYTES;
    h->queue.buf = malloc(h->queue.cap);
    h->rx_dispatch = malloc(H4_MAX_PACKET);
    h4_init(&h->rx, H4_FROM_CONTROLLER, 65535);
    if (h->queue.buf == NULL || h->rx_dispatch == NULL) {
        host_free(h);
        return NULL;
    }
    return h;
}

static int do_shutdown(struct host *h, void *arg)
{
    gap_stop(h);
    h->stopping = true; /* from here on, no events but SCAN_DONE */
    conn_stop(h);
    return 0;
}

static int do_startup(struct host *h, void *arg)
{
    int rc = startup_controller(h);
    if (rc == 0)
        rc = conn_start(h);
    if (rc == 0)
        rc = gatts_start(h);
    if (rc == 0)
        rc = gap_start(h);
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

    struct host *h = host_new(dev);
    if (h == NULL)
        return -ENOMEM;
    const char *snoop = getenv("MPBLE_SNOOP");
    if (snoop && *snoop && (rc = snoop_open(&h->snoop, snoop)) < 0) {
        ble_set_error(dev, "MPBLE_SNOOP=%s: %s", snoop, strerror(-rc));
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
    rc = loop_start(&dev->loop, h);
    if (rc == 0)
        rc = loop_call(&dev->loop, do_startup, NULL);
    if (rc < 0) {
        if (dev->loop.running) {
            loop_quit(&dev->loop);
            loop_join(&dev->loop);
        }
        host_free(h);
        dev->host = NULL;
        return rc;
    }
    pthread_mutex_lock(&dev->mu);
    dev->active = true;
    pthread_mutex_unlock(&dev->mu);
    return 0;
}

static void deactivate(struct mpble *dev)
{
    bool inside = loop_holds(&dev->loop);
    loop_call(&dev->loop, do_shutdown, NULL);
    pthread_mutex_lock(&dev->mu);
    dev->active = false;
    pthread_mutex_unlock(&dev->mu);
    loop_quit(&dev->loop);
    if (inside)
        return; /* called from a handler: the thread ends when it can; reaped later */
    loop_join(&dev->loop);
    host_free(dev->host);
    dev->host = NULL;
}

int mpble_active(mpble_t *dev, bool on)
{
    dev->err[0] = '\0';
    if (!on) {
        if (mpble_is_active(dev))
            deactivate(dev);
        return 0;
    }
    if (loop_holds(&dev->loop)) {
        ble_set_error(dev, "active(True) cannot restart the stack from inside its event handler");
        return -EDEADLK;
    }
    if (mpble_is_active(dev))
        deactivate(dev);
    reap_stopped_loop(dev);
    return activate(dev);
}

int ble_call(struct mpble *dev, loop_fn fn, void *arg)
{
    dev->err[0] = '\0';
    if (!mpble_is_active(dev))
        return -ENODEV;
    return loop_call(&dev->loop, fn, arg);
}

/* ---- configuration ---- */

static int do_get_mac(struct host *h, void *arg)
{
    gap_get_mac(h, arg);
    return 0;
}

int mpble_get_mac(mpble_t *dev, mpble_addr_t *out)
{
    return ble_call(dev, do_get_mac, out);
}

static int do_set_addr_mode(struct host *h, void *arg)
{
    return gap_set_addr_mode(h, *(int *)arg);
}

int mpble_set_addr_mode(mpble_t *dev, int mode)
{
    return ble_call(dev, do_set_addr_mode, &mode);
}

int mpble_set_gap_name(mpble_t *dev, const uint8_t *name, size_t len)
{
    if (len > MPBLE_GAP_NAME_MAX)
        return -EINVAL;
    pthread_mutex_lock(&dev->mu);
    memcpy(dev->gap_name, name, len);
    dev->gap_name_len = len;
    pthread_mutex_unlock(&dev->mu);
    return 0;
}

size_t mpble_get_gap_name(mpble_t *dev, uint8_t *buf, size_t cap)
{
    return ble_gap_name(dev, buf, cap);
}

size_t ble_gap_name(struct mpble *dev, uint8_t *buf, size_t cap)
{
    pthread_mutex_lock(&dev->mu);
    size_t len = dev->gap_name_len;
    memcpy(buf, dev->gap_name, len < cap ? len : cap);
    pthread_mutex_unlock(&dev->mu);
    return len;
}

int mpble_get_mtu(mpble_t *dev)
{
    if (!mpble_is_active(dev))
        return -ENODEV;
    return ble_preferred_mtu(dev);
}

int ble_preferred_mtu(struct mpble *dev)
{
    pthread_mutex_lock(&dev->mu);
    int mtu = dev->mtu;
    pthread_mutex_unlock(&dev->mu);
    return mtu;
}

int mpble_set_mtu(mpble_t *dev, int mtu)
{
    if (!mpble_is_active(dev))
        return -ENODEV;
    if (mtu < MTU_MIN || mtu > MTU_MAX)
        return -EINVAL;
    pthread_mutex_lock(&dev->mu);
    dev->mtu = mtu;
    pthread_mutex_unlock(&dev->mu);
    return 0;
}

int mpble_get_rxbuf(mpble_t *dev)
{
    pthread_mutex_lock(&dev->mu);
    int v = dev->rxbuf;
    pthread_mutex_unlock(&dev->mu);
    return v;
}

int mpble_set_rxbuf(mpble_t *dev, int size)
{
    if (size < RXBUF_MIN || size > RXBUF_MAX)
        return -EINVAL;
    pthread_mutex_lock(&dev->mu);
    dev->rxbuf = size;
    pthread_mutex_unlock(&dev->mu);
    return 0;
}

#define SETTER(name, field, type)                                                          \
    void mpble_set_##name(mpble_t *dev, type v)                                            \
    {                                                                                      \
        pthread_mutex_lock(&dev->mu);                                                      \
        dev->field = v;                                                                    \
        pthread_mutex_unlock(&dev->mu);                                                    \
    }
SETTER(bond, bond, bool)
SETTER(mitm, mitm, bool)
SETTER(io, io, int)
SETTER(le_secure, le_secure, bool)

/* ---- GAP ---- */

static int do_advertise(struct host *h, void *arg)
{
    return gap_advertise(h, arg);
}

int mpble_gap_advertise(mpble_t *dev, uint32_t interval_us, const uint8_t *adv, size_t adv_len,
                        const uint8_t *resp, size_t resp_len, bool connectable)
{
    struct gap_adv_args a = {interval_us, adv, resp, adv_len, resp_len, connectable};
    return ble_call(dev, do_advertise, &a);
}

static int do_advertise_stop(struct host *h, void *arg)
{
    return gap_advertise_stop(h);
}

int mpble_gap_advertise_stop(mpble_t *dev)
{
    int rc = ble_call(dev, do_advertise_stop, NULL);
    return rc == -ENODEV ? 0 : rc;
}

static int do_scan(struct host *h, void *arg)
{
    return gap_scan(h, arg);
}

int mpble_gap_scan(mpble_t *dev, uint32_t duration_ms, uint32_t interval_us, uint32_t window_us,
                   bool active)
{
    struct gap_scan_args a = {duration_ms, interval_us, window_us, active};
    return ble_call(dev, do_scan, &a);
}

static int do_scan_stop(struct host *h, void *arg)
{
    return gap_scan_stop(h);
}

int mpble_gap_scan_stop(mpble_t *dev)
{
    return ble_call(dev, do_scan_stop, NULL);
}

/* ---- connections ---- */

static int do_connect(struct host *h, void *arg)
{
    return conn_connect(h, arg);
}

int mpble_gap_connect(mpble_t *dev, const mpble_addr_t *peer, uint32_t scan_duration_ms,
                      uint32_t min_interval_us, uint32_t max_interval_us)
{
    struct conn_connect_args a = {*peer, scan_duration_ms, min_interval_us, max_interval_us};
    return ble_call(dev, do_connect, &a);
}

static int do_connect_cancel(struct host *h, void *arg)
{
    return conn_connect_cancel(h);
}

int mpble_gap_connect_cancel(mpble_t *dev)
{
    return ble_call(dev, do_connect_cancel, NULL);
}

static int do_disconnect(struct host *h, void *arg)
{
    return conn_disconnect(h, *(uint16_t *)arg);
}

int mpble_gap_disconnect(mpble_t *dev, uint16_t conn_handle)
{
    return ble_call(dev, do_disconnect, &conn_handle);
}

struct link_setting {
    uint16_t handle;
    int value;
};

static int do_set_phy(struct host *h, void *arg)
{
    struct link_setting *s = arg;
    return conn_set_phy(h, s->handle, s->value);
}

int mpble_gap_set_phy(mpble_t *dev, uint16_t conn_handle, int phy)
{
    struct link_setting s = {conn_handle, phy};
    return ble_call(dev, do_set_phy, &s);
}

static int do_set_data_length(struct host *h, void *arg)
{
    struct link_setting *s = arg;
    return conn_set_data_length(h, s->handle, (uint16_t)s->value);
}

int mpble_gap_set_data_length(mpble_t *dev, uint16_t conn_handle, uint16_t tx_octets)
{
    struct link_setting s = {conn_handle, tx_octets};
    return ble_call(dev, do_set_data_length, &s);
}
