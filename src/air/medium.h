/* medium.h - the virtual air: radios at positions, one timer queue, PDUs between them.
 *
 * A radio transmits a link-layer PDU (Core v5.4 Vol 6 Part B 2.1: header + payload;
 * preamble, access address and CRC are implied) on an RF channel at a given start
 * time; the medium hands it, with the RSSI at that receiver, to every other radio,
 * which decides itself whether it was listening then. A radio never hears itself.
 *
 * Transmissions made while a PDU is being delivered (a SCAN_REQ answering an
 * ADV_IND, the SCAN_RSP answering that) are queued and delivered in turn once the
 * current delivery ends; queued PDUs that overlap in time on the same channel
 * collide and reach nobody. Independent advertising events are not checked against
 * each other for collisions.
 *
 * Data channel PDUs of a connection (Vol 6 Part B 2.4) do not go through that
 * queue: a link joins the two radios of one connection, found by its access
 * address, and a connection event is a series of exchanges driven by the central
 * (medium_link_exchange): the central's PDU, then the peripheral's answer T_IFS
 * later. Nobody else hears them, and links are not checked for collisions.
 *
 * Loss and range (mpble-air --loss, --range): each transmission, advertising or
 * data channel, is lost with the air's loss probability (one draw from the air's
 * loss stream per transmission: a lost advertising channel PDU reaches no one); a
 * receiver farther than the range hears nothing. A lost data channel PDU is simply
 * not heard: no answer follows, and SN/NESN bring it again (Vol 6 Part B 4.5.9).
 * With a capture set, every transmission is written to it first, heard or not.
 *
 * Timing (the whole air has one):
 *   MEDIUM_TIMING_REAL: link layers keep their real intervals, delays and windows.
 *   MEDIUM_TIMING_FAST: link layers skip the waits (see mpble-air --help). */
#ifndef MPBLE_MEDIUM_H
#define MPBLE_MEDIUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/timerq.h"
#include "crypto/rng.h"

#define AIR_T_IFS_US 150   /* inter frame space: Vol 6 Part B 4.1.1 */
#define AIR_PDU_MAX 258    /* header + largest payload (251 + MIC 4) + 1 spare */
#define AIR_TX_QUEUE 16    /* transmissions awaiting delivery within one exchange */
#define AIR_TX_POWER_DBM 0 /* every radio transmits at 0 dBm */
#define AIR_LINKS 512      /* connections on one air at once */
#define AIR_ADV_AA 0x8e89bed6u /* advertising physical channel access address (2.1.2) */

/* PHYs (the bit values of Vol 4 Part E 7.8.47). */
#define AIR_PHY_1M 1
#define AIR_PHY_2M 2

enum medium_timing { MEDIUM_TIMING_REAL, MEDIUM_TIMING_FAST };

struct radio;
struct air_capture;

/* One PDU as one receiver hears it. */
struct air_pdu {
    const struct radio *sender;
    uint8_t channel;    /* RF channel index 0..39; 37, 38, 39 carry advertising */
    uint64_t start;     /* medium time (us) the packet begins */
    uint32_t duration;  /* us on the air at its PHY */
    uint8_t phy;        /* AIR_PHY_1M or AIR_PHY_2M */
    uint16_t event;     /* data channel: connEventCounter of the event it belongs to */
    int8_t rssi;        /* dBm at this receiver */
    const uint8_t *pdu; /* header (2 octets) + payload */
    size_t len;
};

struct radio_ops {
    /* A PDU someone else sent; the radio checks whether it was listening. */
    void (*receive)(struct radio *r, const struct air_pdu *pdu);
    /* Fast timing: a scanner just started, advertise now if advertising. */
    void (*advertise_now)(struct radio *r);
    /* The peripheral end of link heard the central's pdu: it writes its answer (at
     * most AIR_PDU_MAX octets) to reply, its PHY to *phy, and returns the length;
     * 0 sends nothing. NULL for radios that never connect. */
    size_t (*link_receive)(struct radio *r, int link, const struct air_pdu *pdu,
                           uint8_t *reply, uint8_t *phy);
    /* The peripheral end of link has something to send (fast timing: the central
     * runs a connection event now). */
    void (*link_kick)(struct radio *r, int link);
};

struct radio {
    struct medium *medium;
    struct radio *next;
    const struct radio_ops *ops;
    double x, y;     /* metres */
    struct rng rng;  /* this radio's own random stream */
};

struct medium_tx {
    struct radio *from;
    uint8_t channel;
    bool collided;
    uint64_t start;
    uint32_t duration;
    size_t len;
    uint8_t pdu[AIR_PDU_MAX];
};

/* The two ends of one connection; an end is NULL once its radio left. */
struct medium_link {
    bool used;
    uint32_t aa;       /* access address */
    uint32_t crc_init; /* CRCInit of its CONNECT_IND, for the capture */
    struct radio *central, *peripheral;
};

struct medium {
    enum medium_timing timing;
    uint64_t seed;
    struct timerq timers;
    struct rng rng;          /* positions and RSSI jitter */
    struct rng loss_rng;     /* loss draws, a stream of their own */
    uint64_t loss_below;     /* a transmission is lost if 32 random bits are below */
    double range;            /* metres; 0: unlimited */
    struct air_capture *capture; /* NULL: none; the caller owns it */
    uint8_t addr_prefix[2];  /* upper octets of every public address on this air */
    struct radio *radios;
    uint64_t joined;         /* radios that ever joined: their random stream numbers */
    bool delivering;
    unsigned queued;
    struct medium_tx queue[AIR_TX_QUEUE];
    struct medium_link links[AIR_LINKS];
};

/* Every random choice on the air derives from seed. Returns 0 or -EIO. */
int medium_init(struct medium *m, enum medium_timing timing, uint64_t seed);
/* Every radio must have left first. */
void medium_free(struct medium *m);

/* Loss probability p in [0, 1]; range in metres, 0 for unlimited. */
void medium_set_loss(struct medium *m, double p);
void medium_set_range(struct medium *m, double metres);

static inline uint64_t medium_now(const struct medium *m)
{
    return m->timers.now;
}

/* The public address (LSB first, as on HCI) of the ordinal-th device (ordinal >= 1):
 * printed MSB first it is PP:PP:NN:NN:NN:NN, PPPP drawn from the seed, NNNNNNNN the
 * ordinal; so addresses are unique within one air and repeat with the seed. */
void medium_public_address(const struct medium *m, uint32_t ordinal, uint8_t addr[6]);

/* Adds r at a random spot in a 0.7 m square (so all within a metre) with its own
 * random stream. Returns 0 or -EIO. */
int medium_join(struct medium *m, struct radio *r, const struct radio_ops *ops);
void medium_leave(struct radio *r);
void medium_place(struct radio *r, double x, double y);

/* Sends pdu (header + payload, len <= AIR_PDU_MAX) on channel at medium time start. */
void medium_transmit(struct radio *from, uint8_t channel, uint64_t start,
                     const uint8_t *pdu, size_t len);

/* Fast timing: asks every radio's advertiser to run an advertising event now. */
void medium_advertise_now(struct medium *m);

/* Links. open: a central that sends a CONNECT_IND with access address aa and
 * CRCInit crc_init; returns
 * the link, or -1 if aa is in use on this air or every link is. attach: the
 * peripheral that accepted it; returns the link, or -1 if no link waits for aa.
 * close: r leaves link; the link is free once both ends left. */
int medium_link_open(struct radio *central, uint32_t aa, uint32_t crc_init);
int medium_link_attach(struct radio *peripheral, uint32_t aa);
void medium_link_close(struct radio *r, int link);
/* One exchange of a connection event: pdu (header + payload, filled in by the
 * central: start, channel, phy, event) goes to the peripheral end, whose answer
 * starts T_IFS after its end. Returns false if nothing was heard back (the
 * peripheral is gone, did not hear the PDU or sent nothing, or its answer was
 * lost); else fills *reply, its octets in buf. */
bool medium_link_exchange(struct radio *central, int link, const struct air_pdu *pdu,
                          struct air_pdu *reply, uint8_t buf[AIR_PDU_MAX]);
/* The peripheral end of link asks its central for a connection event. */
void medium_link_kick(struct radio *peripheral, int link);

/* Time on the air, 8 us per octet at LE 1M, 4 us at LE 2M: preamble (1 octet at
 * 1M, 2 at 2M), access address 4, the PDU, CRC 3 (Vol 6 Part B 2.1). */
static inline uint32_t air_time(uint8_t phy, size_t pdu_len)
{
    return phy == AIR_PHY_2M ? (uint32_t)(2 + 4 + pdu_len + 3) * 4
                             : (uint32_t)(1 + 4 + pdu_len + 3) * 8;
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

/* Time on the air at LE 1M, 8 us per octet: preamble 1, access address 4, the PDU,
 * CRC 3 (Vol 6 Part B 2.1). */
static inline uint32_t air_time_le1m(size_t pdu_len)
{
    return (uint32_t)(1 + 4 + pdu_len + 3) * 8;
}

#endif
