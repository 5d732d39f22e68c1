/* snoop.c - btsnoop writer. Format: a 16-byte header ("btsnoop\0", version 1,
 * datalink), then per packet: original length, included length, flags, cumulative
 * drops, timestamp (microseconds since 0000-01-01), all big-endian, and the data. */
#include "host/snoop.h"

#include <errno.h>
#include <string.h>
#include <sys/time.h>

#define BTSNOOP_VERSION 1
#define BTSNOOP_DATALINK_H4 1002
/* Microseconds from 0000-01-01 to 1970-01-01, the btsnoop epoch offset. */
#define BTSNOOP_EPOCH_DELTA 0x00dcddb30f2f8000ULL

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int snoop_open(struct snoop *s, const char *path)
{
    s->f = fopen(path, "wbe");
    if (s->f == NULL)
        return -errno;
    uint8_t hdr[16] = "btsnoop";
    put_be32(hdr + 8, BTSNOOP_VERSION);
    put_be32(hdr + 12, BTSNOOP_DATALINK_H4);
    if (fwrite(hdr, sizeof hdr, 1, s->f) != 1) {
        int e = errno;
        fclose(s->f);
        s->f = NULL;
        return -e;
    }
    fflush(s->f);
    return 0;
}

void snoop_write(struct snoop *s, const uint8_t *pkt, size_t len, bool received)
{
    if (s->f == NULL || len == 0)
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    uint64_t ts = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec + BTSNOOP_EPOCH_DELTA;
    /* Flags: bit 0 direction (1 = received), bit 1 command/event (vs data). */
    uint32_t flags = (received ? 1u : 0u) | ((pkt[0] == 0x01 || pkt[0] == 0x04) ? 2u : 0u);
    uint8_t rec[24];
    put_be32(rec, (uint32_t)len);
    put_be32(rec + 4, (uint32_t)len);
    put_be32(rec + 8, flags);
    put_be32(rec + 12, 0);
    put_be32(rec + 16, (uint32_t)(ts >> 32));
    put_be32(rec + 20, (uint32_t)ts);
    fwrite(rec, sizeof rec, 1, s->f);
    fwrite(pkt, len, 1, s->f);
    /* Flushed per packet: a capture must survive the process being killed. */
    fflush(s->f);
}

void snoop_close(struct snoop *s)
{
    if (s->f)
        fclose(s->f);
    s->f = NULL;
}
