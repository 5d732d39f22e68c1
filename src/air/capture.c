/* capture.c - the air's pcap file (LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR). */
#include "air/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/log.h"
#include "radio/radio.h"

/* Pseudo-header flags (the link type's specification). */
#define PHDR_DEWHITENED 0x0001
#define PHDR_SIGNAL_VALID 0x0002
#define PHDR_REF_AA_VALID 0x0010
#define PHDR_PDU_TYPE_SHIFT 7
#define PHDR_PHY_SHIFT 14
#define PHDR_PHY_2M 1
#define PHDR_LEN 10

#define PCAP_HDR_LEN 24
#define PCAP_REC_LEN 16
#define CAP_PKT_MAX (PHDR_LEN + 4 + AIR_PDU_MAX + 3)

struct air_capture {
    int fd;
    bool failed;
    uint64_t base_us, last_us;
};

uint32_t air_crc24(uint32_t crc_init, const uint8_t *pdu, size_t len)
{
    /* The LFSR of figure 3.2 with bit i of state holding position 23 - i: preset
     * position 0 with the LSB of CRCInit, shift each bit (LSB first) in at position
     * 0 xor position 23, feed back into positions 1, 3, 4, 6, 9, 10
     * (x^24 + x^10 + x^9 + x^6 + x^4 + x^3 + x + 1). Position 23 goes first on the
     * air: bit 0 of state. */
    uint32_t state = 0;
    for (int i = 0; i < 24; i++)
        state |= ((crc_init >> i) & 1u) << (23 - i);
    for (size_t i = 0; i < len; i++) {
        uint8_t cur = pdu[i];
        for (int b = 0; b < 8; b++, cur >>= 1) {
            bool in = (state ^ cur) & 1u;
            state >>= 1;
            if (in)
                state ^= 0x800000u | 0x5a6000u;
        }
    }
    return state;
}

uint8_t air_rf_channel(uint8_t index)
{
    if (index == 37)
        return 0;
    if (index == 38)
        return 12;
    if (index == 39)
        return 39;
    return (uint8_t)(index <= 10 ? index + 1 : index + 2);
}

static bool write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

int air_capture_open(struct air_capture **out, const char *path, uint64_t base_us)
{
    struct air_capture *cap = calloc(1, sizeof(*cap));
    if (!cap)
        return -ENOMEM;
    cap->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (cap->fd < 0) {
        int e = errno;
        free(cap);
        return -e;
    }
    cap->base_us = base_us;
    uint8_t h[PCAP_HDR_LEN];
    put_le32(h, 0xa1b2c3d4u); /* microsecond timestamps */
    put_le16(h + 4, 2);
    put_le16(h + 6, 4);
    put_le32(h + 8, 0);  /* thiszone */
    put_le32(h + 12, 0); /* sigfigs */
    put_le32(h + 16, CAP_PKT_MAX);
    put_le32(h + 20, AIR_PCAP_LINKTYPE);
    if (!write_all(cap->fd, h, sizeof(h))) {
        int e = errno ? errno : EIO;
        air_capture_close(cap);
        return -e;
    }
    *out = cap;
    return 0;
}

void air_capture_pdu(struct air_capture *cap, const struct air_capture_pdu *p)
{
    if (cap->failed || p->len > AIR_PDU_MAX)
        return;
    uint64_t t = cap->base_us + p->start;
    if (t < cap->last_us)
        t = cap->last_us;
    cap->last_us = t;
    uint8_t rec[PCAP_REC_LEN + CAP_PKT_MAX];
    uint32_t n = (uint32_t)(PHDR_LEN + 4 + p->len + 3);
    put_le32(rec, (uint32_t)(t / 1000000));
    put_le32(rec + 4, (uint32_t)(t % 1000000));
    put_le32(rec + 8, n);
    put_le32(rec + 12, n);
    uint8_t *q = rec + PCAP_REC_LEN;
    q[0] = air_rf_channel(p->channel);
    q[1] = (uint8_t)(int8_t)AIR_TX_POWER_DBM;
    q[2] = 0; /* noise power: not valid */
    q[3] = 0; /* access address offenses: not valid */
    put_le32(q + 4, p->aa);
    put_le16(q + 8, (uint16_t)(PHDR_DEWHITENED | PHDR_SIGNAL_VALID | PHDR_REF_AA_VALID |
                               (unsigned)p->dir << PHDR_PDU_TYPE_SHIFT |
                               (p->phy == AIR_PHY_2M ? PHDR_PHY_2M << PHDR_PHY_SHIFT : 0)));
    put_le32(q + PHDR_LEN, p->aa);
    memcpy(q + PHDR_LEN + 4, p->pdu, p->len);
    put_le24(q + PHDR_LEN + 4 + p->len, air_crc24(p->crc_init, p->pdu, p->len));
    if (!write_all(cap->fd, rec, PCAP_REC_LEN + n)) {
        log_msg(LOG_LEVEL_ERROR, "capture stopped: cannot write: %s", strerror(errno));
        cap->failed = true;
    }
}

void air_capture_close(struct air_capture *cap)
{
    if (!cap)
        return;
    close(cap->fd);
    free(cap);
}
