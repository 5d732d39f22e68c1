/* fuzz_h4.c - the H4 deframer on arbitrary byte streams, in both directions, fed in
 * chunks whose sizes come from the input too. */
#include <stddef.h>
#include <stdint.h>

#include "transport/h4.h"

static int count(void *ctx, const uint8_t *pkt, size_t len)
{
    (void)pkt;
    (*(size_t *)ctx) += len;
    return 0;
}

static struct h4_deframer d;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = 1 + data[0] % 64;
    for (int side = 0; side < 2; side++) {
        size_t total = 0;
        h4_init(&d, side ? H4_FROM_HOST : H4_FROM_CONTROLLER, 251);
        for (size_t off = 1; off < size; off += chunk) {
            size_t n = size - off < chunk ? size - off : chunk;
            if (h4_feed(&d, data + off, n, count, &total) < 0)
                break;
        }
    }
    return 0;
}
