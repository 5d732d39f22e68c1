/* rng.h - a random generator for the air: the AES-128-CTR keystream (OpenSSL).
 *
 * Seeded, it is repeatable: the key is built from a 64-bit seed and a 64-bit stream
 * number, so every device on the air draws from its own stream and one device's
 * draws never shift another's. Unseeded, the key comes from RAND_bytes. */
#ifndef MPBLE_RNG_H
#define MPBLE_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
    void *ctx;         /* EVP_CIPHER_CTX */
    uint8_t block[64]; /* keystream not yet used */
    size_t used;       /* octets of block already handed out */
};

/* Returns 0 or -EIO. */
int rng_init_seeded(struct rng *r, uint64_t seed, uint64_t stream);
int rng_init_random(struct rng *r);
void rng_free(struct rng *r);

void rng_bytes(struct rng *r, uint8_t *out, size_t len);
uint32_t rng_u32(struct rng *r);
/* Uniform in [0, n), n > 0; no modulo bias. */
uint32_t rng_below(struct rng *r, uint32_t n);

#endif
