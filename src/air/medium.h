/* medium.h - the virtual air: radios at positions, one timer queue, PDUs between them;
 * the radio_air of radio/radio.h.
 *
 * A radio transmits a link-layer PDU (Core v5.4 Vol 6 Part B 2.1: header + payload;
 * preamble, access address and CRC are implied) on an RF channel at a given start
 * time; the medium hands it, with the RSSI at that receiver, to every other radio
 * listening on the advertising channels (radio_listen: scanning, initiating, or
 * awaiting an answer to its advertising PDU), which decides itself whether it was
 * listening then on that channel. A radio never hears itself. The listening radios
 * are kept in a list of their own, so what a PDU costs grows with the listeners
 * in range, not with the radios on the air.
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
 * (radio_link_exchange): the central's PDU, then the peripheral's answer T_IFS
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

#include "crypto/rng.h"
#include "radio/radio.h"

#define AIR_TX_QUEUE 16 /* transmissions awaiting delivery within one exchange */
#define AIR_LINKS 512   /* connections on one air at once */

enum medium_timing { MEDIUM_TIMING_REAL, MEDIUM_TIMING_FAST };

struct air_capture;

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
    struct radio_air air; /* its timers, its timing, the functions below */
    uint64_t seed;
    struct rng rng;              /* positions and RSSI jitter */
    struct rng loss_rng;         /* loss draws, a stream of their own */
    uint64_t loss_below;         /* a transmission is lost if 32 random bits are below */
    double range;                /* metres; 0: unlimited */
    struct air_capture *capture; /* NULL: none; the caller owns it */
    uint8_t addr_prefix[2];      /* upper octets of every public address on this air */
    struct radio *radios;
    struct radio *listeners, *listeners_tail; /* in the order they began listening */
    uint64_t joined; /* radios that ever joined: their random stream numbers */
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
    return m->air.timers.now;
}

/* The public address (LSB first, as on HCI) of the ordinal-th device (ordinal >= 1):
 * printed MSB first it is PP:PP:NN:NN:NN:NN, PPPP drawn from the seed, NNNNNNNN the
 * ordinal; so they are unique within one air and repeat with the seed. */
void medium_public_address(const struct medium *m, uint32_t ordinal, uint8_t addr[6]);

/* Adds r at a random spot in a 0.7 m square (so all within a metre) with its own
 * random stream: radio_join on &m->air. Returns 0 or -EIO. The radio_* calls of
 * radio/radio.h do the rest. */
int medium_join(struct medium *m, struct radio *r, const struct radio_ops *ops);
void medium_place(struct radio *r, double x, double y);

#endif
