/* medium.c - delivery of PDUs between radios, with a path-loss RSSI. */
#include "air/medium.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "air/capture.h"

#define LOSS_STREAM UINT64_MAX /* radios draw from streams 1, 2, ... */

static const struct radio_air_ops medium_ops;

static struct medium *medium_of(struct radio_air *air)
{
    return (struct medium *)((char *)air - offsetof(struct medium, air));
}

static struct medium *radio_medium(const struct radio *r)
{
    return medium_of(r->air);
}

int medium_init(struct medium *m, enum medium_timing timing, uint64_t seed)
{
    memset(m, 0, sizeof(*m));
    m->air.ops = &medium_ops;
    m->air.fast = timing == MEDIUM_TIMING_FAST;
    m->seed = seed;
    timerq_init(&m->air.timers, 0);
    int rc = rng_init_seeded(&m->rng, seed, 0);
    if (rc < 0)
        return rc;
    if ((rc = rng_init_seeded(&m->loss_rng, seed, LOSS_STREAM)) < 0) {
        rng_free(&m->rng);
        return rc;
    }
    rng_bytes(&m->rng, m->addr_prefix, sizeof(m->addr_prefix));
    return 0;
}

void medium_free(struct medium *m)
{
    rng_free(&m->rng);
    rng_free(&m->loss_rng);
}

void medium_set_loss(struct medium *m, double p)
{
    m->loss_below = (uint64_t)llround(p * 4294967296.0);
}

void medium_set_range(struct medium *m, double metres)
{
    m->range = metres;
}

void medium_public_address(const struct medium *m, uint32_t ordinal, uint8_t addr[6])
{
    addr[0] = (uint8_t)ordinal;
    addr[1] = (uint8_t)(ordinal >> 8);
    addr[2] = (uint8_t)(ordinal >> 16);
    addr[3] = (uint8_t)(ordinal >> 24);
    addr[4] = m->addr_prefix[1];
    addr[5] = m->addr_prefix[0];
}

int medium_join(struct medium *m, struct radio *r, const struct radio_ops *ops)
{
    int rc = rng_init_seeded(&r->rng, m->seed, ++m->joined);
    if (rc < 0)
        return rc;
    r->air = &m->air;
    r->ops = ops;
    r->listening = false;
    r->listen_prev = r->listen_next = NULL;
    r->x = rng_below(&m->rng, 700) / 1000.0;
    r->y = rng_below(&m->rng, 700) / 1000.0;
    r->next = m->radios;
    m->radios = r;
    return 0;
}

static int join_air(struct radio_air *air, struct radio *r, const struct radio_ops *ops)
{
    return medium_join(medium_of(air), r, ops);
}

/* Listeners join at the tail: advertising PDUs reach them in the order they
 * began listening. */
static void set_listening(struct radio *r, bool on)
{
    struct medium *m = radio_medium(r);
    if (r->listening == on)
        return;
    r->listening = on;
    if (on) {
        r->listen_prev = m->listeners_tail;
        r->listen_next = NULL;
        *(m->listeners_tail ? &m->listeners_tail->listen_next : &m->listeners) = r;
        m->listeners_tail = r;
        return;
    }
    *(r->listen_prev ? &r->listen_prev->listen_next : &m->listeners) = r->listen_next;
    *(r->listen_next ? &r->listen_next->listen_prev : &m->listeners_tail) = r->listen_prev;
    r->listen_prev = r->listen_next = NULL;
}

static void link_close(struct radio *r, int link);

static void leave(struct radio *r)
{
    struct medium *m = radio_medium(r);
    set_listening(r, false);
    for (struct radio **p = &m->radios; *p; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            break;
        }
    }
    for (int i = 0; i < AIR_LINKS; i++)
        if (m->links[i].used && (m->links[i].central == r || m->links[i].peripheral == r))
            link_close(r, i);
    /* Nothing it queued may be delivered on its behalf any more. */
    for (unsigned i = 0; i < m->queued; i++)
        if (m->queue[i].from == r)
            m->queue[i].collided = true;
    rng_free(&r->rng);
    r->air = NULL;
}

void medium_place(struct radio *r, double x, double y)
{
    r->x = x;
    r->y = y;
}

/* Log-distance path loss with exponent 2 (free space): 40 dB at 1 m at 2.4 GHz, 20 dB
 * more per decade; distances under 10 cm count as 10 cm. Plus -2..+2 dB of jitter.
 * Clamped to the range an advertising report can carry (Vol 4 Part E 7.7.65.2). */
static int8_t medium_rssi(struct medium *m, const struct radio *a, const struct radio *b)
{
    double d = hypot(a->x - b->x, a->y - b->y);
    if (d < 0.1)
        d = 0.1;
    double rssi = AIR_TX_POWER_DBM - 40.0 - 20.0 * log10(d);
    int v = (int)lround(rssi) + (int)rng_below(&m->rng, 5) - 2;
    if (v < -127)
        v = -127;
    if (v > 20)
        v = 20;
    return (int8_t)v;
}

static bool medium_lost(struct medium *m)
{
    return m->loss_below && rng_u32(&m->loss_rng) < m->loss_below;
}

static bool in_range(const struct medium *m, const struct radio *a, const struct radio *b)
{
    return !m->range || hypot(a->x - b->x, a->y - b->y) <= m->range;
}

static void capture(struct medium *m, uint64_t start, uint8_t channel, uint8_t phy,
                    enum air_dir dir, uint32_t aa, uint32_t crc_init, const uint8_t *pdu,
                    size_t len)
{
    if (!m->capture)
        return;
    struct air_capture_pdu p = {start, channel, phy, dir, aa, crc_init, pdu, len};
    air_capture_pdu(m->capture, &p);
}

static bool tx_overlap(const struct medium_tx *a, const struct medium_tx *b)
{
    return a->channel == b->channel && a->start < b->start + b->duration &&
           b->start < a->start + a->duration;
}

/* To the listeners only; a receiver may stop listening as it hears (an initiator
 * that sends its CONNECT_IND), so the next one is taken first. */
static void medium_deliver(struct medium *m, const struct medium_tx *tx)
{
    for (struct radio *r = m->listeners, *next; r; r = next) {
        next = r->listen_next;
        if (r == tx->from || !in_range(m, tx->from, r))
            continue;
        struct air_pdu pdu = {
            .sender = tx->from,
            .channel = tx->channel,
            .start = tx->start,
            .duration = tx->duration,
            .phy = AIR_PHY_1M,
            .rssi = medium_rssi(m, tx->from, r),
            .pdu = tx->pdu,
            .len = tx->len,
        };
        r->ops->receive(r, &pdu);
    }
}

static void transmit(struct radio *from, uint8_t channel, uint64_t start, const uint8_t *pdu,
                     size_t len)
{
    struct medium *m = radio_medium(from);
    if (len > AIR_PDU_MAX)
        return;
    struct medium_tx cand = {
        .from = from,
        .channel = channel,
        .start = start,
        .duration = air_time_le1m(len),
    };
    if (m->queued == AIR_TX_QUEUE) {
        /* More simultaneous senders than slots: whatever it overlaps is lost anyway. */
        for (unsigned i = 0; i < m->queued; i++)
            if (tx_overlap(&m->queue[i], &cand))
                m->queue[i].collided = true;
        return;
    }
    struct medium_tx *tx = &m->queue[m->queued++];
    *tx = cand;
    tx->len = len;
    memcpy(tx->pdu, pdu, len);
    if (m->delivering)
        return;
    m->delivering = true;
    for (unsigned i = 0; i < m->queued; i++) {
        for (unsigned j = i + 1; j < m->queued; j++) {
            if (m->queue[i].from != m->queue[j].from && tx_overlap(&m->queue[i], &m->queue[j]))
                m->queue[i].collided = m->queue[j].collided = true;
        }
        const struct medium_tx *q = &m->queue[i];
        capture(m, q->start, q->channel, AIR_PHY_1M, AIR_DIR_ADV, AIR_ADV_AA, AIR_ADV_CRC_INIT,
                q->pdu, q->len);
        if (!q->collided && !medium_lost(m))
            medium_deliver(m, q);
    }
    m->queued = 0;
    m->delivering = false;
}

static void advertise_now(struct radio *scanner)
{
    struct medium *m = radio_medium(scanner);
    for (struct radio *r = m->radios; r; r = r->next)
        r->ops->advertise_now(r);
}

/* ---- links ---- */

static int link_open(struct radio *central, uint32_t aa, uint32_t crc_init)
{
    struct medium *m = radio_medium(central);
    int free_link = -1;
    for (int i = 0; i < AIR_LINKS; i++) {
        if (m->links[i].used && m->links[i].aa == aa)
            return -1;
        if (!m->links[i].used && free_link < 0)
            free_link = i;
    }
    if (free_link >= 0)
        m->links[free_link] = (struct medium_link){true, aa, crc_init, central, NULL};
    return free_link;
}

static int link_attach(struct radio *peripheral, uint32_t aa)
{
    struct medium *m = radio_medium(peripheral);
    for (int i = 0; i < AIR_LINKS; i++) {
        struct medium_link *l = &m->links[i];
        if (l->used && l->aa == aa && l->central && !l->peripheral && l->central != peripheral) {
            l->peripheral = peripheral;
            return i;
        }
    }
    return -1;
}

static void link_close(struct radio *r, int link)
{
    struct medium_link *l = &radio_medium(r)->links[link];
    if (l->central == r)
        l->central = NULL;
    if (l->peripheral == r)
        l->peripheral = NULL;
    /* A link its central left is over: nobody may attach to it any more. */
    if (!l->central)
        l->used = l->peripheral != NULL;
}

static bool link_exchange(struct radio *central, int link, const struct air_pdu *pdu,
                          struct air_pdu *reply, uint8_t buf[AIR_PDU_MAX])
{
    struct medium *m = radio_medium(central);
    const struct medium_link *l = &m->links[link];
    if (l->central != central)
        return false;
    capture(m, pdu->start, pdu->channel, pdu->phy, AIR_DIR_C2P, l->aa, l->crc_init, pdu->pdu,
            pdu->len);
    struct radio *p = l->peripheral;
    if (!p || !p->ops->link_receive || !in_range(m, central, p) || medium_lost(m))
        return false;
    struct air_pdu rx = *pdu;
    rx.sender = central;
    rx.rssi = medium_rssi(m, central, p);
    uint8_t phy = AIR_PHY_1M;
    size_t len = p->ops->link_receive(p, link, &rx, buf, &phy);
    /* Its answer goes out even if answering ended its connection (the
     * acknowledgement of an LL_TERMINATE_IND). */
    if (len < 2 || len > AIR_PDU_MAX)
        return false;
    *reply = (struct air_pdu){
        .sender = p,
        .channel = pdu->channel,
        .start = pdu->start + pdu->duration + AIR_T_IFS_US,
        .duration = air_time(phy, len),
        .phy = phy,
        .event = pdu->event,
        .rssi = medium_rssi(m, p, central),
        .pdu = buf,
        .len = len,
    };
    capture(m, reply->start, reply->channel, phy, AIR_DIR_P2C, l->aa, l->crc_init, buf, len);
    return !medium_lost(m);
}

static void link_kick(struct radio *peripheral, int link)
{
    struct medium_link *l = &radio_medium(peripheral)->links[link];
    if (l->peripheral == peripheral && l->central && l->central->ops->link_kick)
        l->central->ops->link_kick(l->central, link);
}

static const struct radio_air_ops medium_ops = {
    .join = join_air,
    .leave = leave,
    .transmit = transmit,
    .advertise_now = advertise_now,
    .listen = set_listening,
    .link_open = link_open,
    .link_attach = link_attach,
    .link_close = link_close,
    .link_exchange = link_exchange,
    .link_kick = link_kick,
};
