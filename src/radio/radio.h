/* radio.h - a radio on an air: what a link layer sees of the medium it transmits on.
 *
 * A radio sends link-layer PDUs (Core v5.4 Vol 6 Part B 2.1: header + payload;
 * preamble, access address and CRC are implied) and hears, through its radio_ops,
 * those of the others while it says it listens on the advertising channels
 * (radio_listen), each with its RSSI, deciding itself whether it was listening
 * then on that channel at that time; it never hears itself. Data channel PDUs of a connection (Vol 6 Part B 2.4)
 * go over a link that joins the two radios of that connection only: a connection
 * event is a series of exchanges driven by the central (radio_link_exchange). The
 * air keeps the time and the timers of every radio on it, and one timing for all:
 * real (intervals, delays and windows as they are) or fast (link layers skip the
 * waits). The medium that implements it fills in a radio_air (air/medium.h). */
#ifndef MPBLE_RADIO_H
#define MPBLE_RADIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/timerq.h"
#include "crypto/rng.h"

#define AIR_T_IFS_US 150       /* inter frame space: Vol 6 Part B 4.1.1 */
#define AIR_PDU_MAX 258        /* header + largest payload (251 + MIC 4) + 1 spare */
#define AIR_TX_POWER_DBM 0     /* every radio transmits at 0 dBm */
#define AIR_ADV_AA 0x8e89bed6u /* advertising physical channel access address (2.1.2) */

/* PHYs (the bit values of Vol 4 Part E 7.8.47). */
#define AIR_PHY_1M 1
#define AIR_PHY_2M 2

struct radio;
struct radio_air;

/* One PDU as one receiver hears it. */
struct air_pdu {
    const struct radio *sender;
    uint8_t channel;    /* RF channel index 0..39; 37, 38, 39 carry advertising */
    uint64_t start;     /* air time (us) the packet begins */
    uint32_t duration;  /* us on the air at its PHY */
    uint8_t phy;        /* AIR_PHY_1M or AIR_PHY_2M */
    uint16_t event;     /* data channel: connEventCounter of the event it belongs to */
    int8_t rssi;        /* dBm at this receiver */
    const uint8_t *pdu; /* header (2 octets) + payload */
    size_t len;
};

/* What the air calls on a radio: registered by the radio's owner when it joins. */
struct radio_ops {
    /* A PDU someone else sent; the radio checks whether it was listening. */
    void (*receive)(struct radio *r, const struct air_pdu *pdu);
    /* Fast timing: a scanner just started, advertise now if advertising. */
    void (*advertise_now)(struct radio *r);
    /* The peripheral end of link heard the central's pdu: it writes its answer (at
     * most AIR_PDU_MAX octets) to reply, its PHY to *phy, and returns the length;
     * 0 sends nothing. NULL for radios that never connect. */
    size_t (*link_receive)(struct radio *r, int link, const struct air_pdu *pdu, uint8_t *reply,
                           uint8_t *phy);
    /* The peripheral end of link has something to send (fast timing: the central
     * runs a connection event now). */
    void (*link_kick)(struct radio *r, int link);
};

/* What a radio calls on its air: the medium's functions, documented at the
 * radio_* calls below. */
struct radio_air_ops {
    int (*join)(struct radio_air *air, struct radio *r, const struct radio_ops *ops);
    void (*leave)(struct radio *r);
    void (*transmit)(struct radio *from, uint8_t channel, uint64_t start, const uint8_t *pdu,
                     size_t len);
    void (*advertise_now)(struct radio *scanner);
    void (*listen)(struct radio *r, bool on);
    int (*link_open)(struct radio *central, uint32_t aa, uint32_t crc_init);
    int (*link_attach)(struct radio *peripheral, uint32_t aa);
    void (*link_close)(struct radio *r, int link);
    bool (*link_exchange)(struct radio *central, int link, const struct air_pdu *pdu,
                          struct air_pdu *reply, uint8_t buf[AIR_PDU_MAX]);
    void (*link_kick)(struct radio *peripheral, int link);
};

/* An air as its radios see it; the medium embeds it. */
struct radio_air {
    const struct radio_air_ops *ops;
    struct timerq timers; /* the air's clock and every radio's timers */
    bool fast;            /* fast timing */
};

struct radio {
    struct radio_air *air; /* NULL until it joined, and once it left */
    const struct radio_ops *ops;
    struct rng rng; /* this radio's own random stream, from the air's seed */
    /* The medium's: */
    struct radio *next;
    bool listening;                          /* see radio_listen */
    struct radio *listen_prev, *listen_next; /* among the listening ones */
    double x, y;                             /* metres */
};

/* Joins air with its own random stream. Returns 0 or -EIO. */
static inline int radio_join(struct radio_air *air, struct radio *r, const struct radio_ops *ops)
{
    return air->ops->join(air, r, ops);
}

/* Leaves the air it joined, closing its links. */
static inline void radio_leave(struct radio *r)
{
    r->air->ops->leave(r);
}

/* Air time, in us. */
static inline uint64_t radio_now(const struct radio *r)
{
    return r->air->timers.now;
}

static inline bool radio_fast(const struct radio *r)
{
    return r->air->fast;
}

/* Arms (or re-arms) t, on the air's clock, to fire at when. */
static inline void radio_timer_arm(struct radio *r, struct timer *t, uint64_t when)
{
    timerq_arm(&r->air->timers, t, when);
}

static inline void radio_timer_cancel(struct radio *r, struct timer *t)
{
    timerq_cancel(&r->air->timers, t);
}

/* Sends pdu (header + payload, len <= AIR_PDU_MAX) on an advertising physical
 * channel at LE 1M, beginning at air time start. */
static inline void radio_transmit(struct radio *from, uint8_t channel, uint64_t start,
                                  const uint8_t *pdu, size_t len)
{
    from->air->ops->transmit(from, channel, start, pdu, len);
}

/* Whether r listens on the advertising physical channels: while it scans or
 * initiates (Vol 6 Part B 4.4.3, 4.4.4), and while its advertiser awaits a SCAN_REQ
 * or CONNECT_IND after its PDU (4.4.2). Advertising channel PDUs reach listening
 * radios only; a radio that joined listens to nothing. */
static inline void radio_listen(struct radio *r, bool on)
{
    r->air->ops->listen(r, on);
}

/* Fast timing: asks every radio's advertiser to run an advertising event now. */
static inline void radio_advertise_now(struct radio *scanner)
{
    scanner->air->ops->advertise_now(scanner);
}

/* Links. open: a central that sends a CONNECT_IND with access address aa and
 * CRCInit crc_init; returns the link, or -1 if aa is in use on this air or every
 * link is. attach: the peripheral that accepted it; returns the link, or -1 if no
 * link waits for aa. close: r leaves link; the link is free once both ends left. */
static inline int radio_link_open(struct radio *central, uint32_t aa, uint32_t crc_init)
{
    return central->air->ops->link_open(central, aa, crc_init);
}

static inline int radio_link_attach(struct radio *peripheral, uint32_t aa)
{
    return peripheral->air->ops->link_attach(peripheral, aa);
}

static inline void radio_link_close(struct radio *r, int link)
{
    r->air->ops->link_close(r, link);
}

/* One exchange of a connection event: pdu (header + payload, filled in by the
 * central: start, channel, phy, event) goes to the peripheral end, whose answer
 * starts T_IFS after its end. Returns false if nothing was heard back (the
 * peripheral is gone, did not hear the PDU or sent nothing, or its answer was
 * lost); else fills *reply, its octets in buf. */
static inline bool radio_link_exchange(struct radio *central, int link, const struct air_pdu *pdu,
                                       struct air_pdu *reply, uint8_t buf[AIR_PDU_MAX])
{
    return central->air->ops->link_exchange(central, link, pdu, reply, buf);
}

/* The peripheral end of link asks its central for a connection event. */
static inline void radio_link_kick(struct radio *peripheral, int link)
{
    peripheral->air->ops->link_kick(peripheral, link);
}

/* Time on the air, 8 us per octet at LE 1M, 4 us at LE 2M: preamble (1 octet at
 * 1M, 2 at 2M), access address 4, the PDU, CRC 3 (Vol 6 Part B 2.1). */
static inline uint32_t air_time(uint8_t phy, size_t pdu_len)
{
    return phy == AIR_PHY_2M ? (uint32_t)(2 + 4 + pdu_len + 3) * 4
                             : (uint32_t)(1 + 4 + pdu_len + 3) * 8;
}

/* Time on the air at LE 1M. */
static inline uint32_t air_time_le1m(size_t pdu_len)
{
    return air_time(AIR_PHY_1M, pdu_len);
}

/* The air's limit for one direction of a connection, in kbit/s of LL payload: per
 * connection event, as many exchanges (a data PDU of octets, T_IFS, the peer's empty
 * PDU, T_IFS) as end T_IFS before the next anchor point. */
static inline double air_link_limit_kbps(uint8_t phy, uint32_t octets, uint32_t interval_us)
{
    uint32_t data = air_time(phy, 2 + octets), empty = air_time(phy, 2);
    uint32_t exchange = data + AIR_T_IFS_US + empty + AIR_T_IFS_US;
    uint32_t room = interval_us - 2 * AIR_T_IFS_US - empty; /* the last data PDU ends by */
    uint32_t per_event = room < data ? 1 : (room - data) / exchange + 1;
    return per_event * octets * 8.0 / interval_us * 1000.0;
}

#endif
