/* test_h4.c - H4 deframer: whole packets from any chunking, errors on bad input. */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "common/hci_defs.h"
#include "transport/h4.h"

struct seen {
    int count;
    size_t lens[16];
    uint8_t first[16][8];
};

static int collect(void *ctx, const uint8_t *pkt, size_t len)
{
    struct seen *s = ctx;
    if (s->count < 16) {
        s->lens[s->count] = len;
        memcpy(s->first[s->count], pkt, len < 8 ? len : 8);
    }
    s->count++;
    return 0;
}

static int stop_at_first(void *ctx, const uint8_t *pkt, size_t len)
{
    (void)pkt;
    (void)len;
    (*(int *)ctx)++;
    return -EINTR;
}

static struct h4_deframer d;

static void test_byte_by_byte(void)
{
    /* Command Complete for Reset, then an ACL packet of 3 bytes, then an empty event. */
    const uint8_t stream[] = {0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00, 0x02, 0x40,
                              0x20, 0x03, 0x00, 0xaa, 0xbb, 0xcc, 0x04, 0x10, 0x00};
    struct seen s = {0};
    h4_init(&d, H4_FROM_CONTROLLER, 251);
    for (size_t i = 0; i < sizeof stream; i++)
        CHECK_EQ(h4_feed(&d, stream + i, 1, collect, &s), 0);
    CHECK_EQ(s.count, 3);
    CHECK_EQ(s.lens[0], 7);
    CHECK_EQ(s.lens[1], 8);
    CHECK_EQ(s.lens[2], 3);
    CHECK_EQ(s.first[1][5], 0xaa);

    /* The same stream in one call gives the same packets. */
    struct seen t = {0};
    h4_init(&d, H4_FROM_CONTROLLER, 251);
    CHECK_EQ(h4_feed(&d, stream, sizeof stream, collect, &t), 0);
    CHECK_EQ(t.count, 3);
    CHECK_MEM(s.first, t.first, sizeof s.first);
}

static void test_errors(void)
{
    struct seen s = {0};
    const uint8_t cmd[] = {0x01, 0x03, 0x0c, 0x00};
    h4_init(&d, H4_FROM_CONTROLLER, 251);
    CHECK_EQ(h4_feed(&d, cmd, sizeof cmd, collect, &s), -EPROTO); /* a command from a controller */
    CHECK_EQ(s.count, 0);
    CHECK(strstr(h4_error(&d), "unknown") != NULL);
    /* Once broken, it stays broken. */
    const uint8_t evt[] = {0x04, 0x10, 0x00};
    CHECK_EQ(h4_feed(&d, evt, sizeof evt, collect, &s), -EPROTO);

    const uint8_t junk[] = {0xff};
    h4_init(&d, H4_FROM_HOST, 251);
    CHECK_EQ(h4_feed(&d, junk, 1, collect, &s), -EPROTO);

    /* ACL longer than the buffer size. */
    const uint8_t big[] = {0x02, 0x01, 0x00, 0xfc, 0x00};
    h4_init(&d, H4_FROM_HOST, 251);
    CHECK_EQ(h4_feed(&d, big, sizeof big, collect, &s), -EPROTO);
    CHECK(strstr(h4_error(&d), "ACL") != NULL);

    /* A host may send commands; the callback's error stops the feed. */
    int calls = 0;
    const uint8_t two[] = {0x01, 0x03, 0x0c, 0x00, 0x01, 0x03, 0x0c, 0x00};
    h4_init(&d, H4_FROM_HOST, 251);
    CHECK_EQ(h4_feed(&d, two, sizeof two, stop_at_first, &calls), -EINTR);
    CHECK_EQ(calls, 1);
}

static void test_random_chunks(void)
{
    /* Many events of every length, fed in random chunk sizes. */
    static uint8_t stream[300 * 260];
    size_t n = 0;
    int packets = 0;
    for (int len = 0; len < 256; len++) {
        stream[n++] = H4_EVT;
        stream[n++] = 0x3e;
        stream[n++] = (uint8_t)len;
        for (int i = 0; i < len; i++)
            stream[n++] = (uint8_t)i;
        packets++;
    }
    struct seen s = {0};
    h4_init(&d, H4_FROM_CONTROLLER, 251);
    srand(1);
    size_t off = 0;
    while (off < n) {
        size_t chunk = 1 + (size_t)rand() % 300;
        if (chunk > n - off)
            chunk = n - off;
        CHECK_EQ(h4_feed(&d, stream + off, chunk, collect, &s), 0);
        off += chunk;
    }
    CHECK_EQ(s.count, packets);
}

int main(void)
{
    RUN(test_byte_by_byte());
    RUN(test_errors());
    RUN(test_random_chunks());
    return check_summary("test_h4");
}
