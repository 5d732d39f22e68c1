/* byte_ring.h - a ring of bytes: records go in at the tail and come out at the head,
 * wrapping around the end of the buffer. The owner allocates buf (cap bytes) and
 * checks room itself; these only copy. */
#ifndef MPBLE_BYTE_RING_H
#define MPBLE_BYTE_RING_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct byte_ring {
    uint8_t *buf;
    size_t cap, head, used;
};

/* Copies n bytes in at offset off from the head (off = used appends). */
static inline void byte_ring_write(struct byte_ring *r, size_t off, const void *src, size_t n)
{
    if (n == 0)
        return; /* src may be NULL then */
    size_t pos = (r->head + off) % r->cap;
    size_t first = r->cap - pos < n ? r->cap - pos : n;
    memcpy(r->buf + pos, src, first);
    memcpy(r->buf, (const uint8_t *)src + first, n - first);
}

/* Copies n bytes out from offset off after the head. */
static inline void byte_ring_read(const struct byte_ring *r, size_t off, void *dst, size_t n)
{
    if (n == 0)
        return; /* dst may be NULL then */
    size_t pos = (r->head + off) % r->cap;
    size_t first = r->cap - pos < n ? r->cap - pos : n;
    memcpy(dst, r->buf + pos, first);
    memcpy((uint8_t *)dst + first, r->buf, n - first);
}

/* Drops n bytes at the head. */
static inline void byte_ring_consume(struct byte_ring *r, size_t n)
{
    r->head = (r->head + n) % r->cap;
    r->used -= n;
}

#endif
