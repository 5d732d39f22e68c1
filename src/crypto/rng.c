/* rng.c - AES-128-CTR keystream as a random generator. */
#include "crypto/rng.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

static int rng_init_key(struct rng *r, const uint8_t key[16])
{
    static const uint8_t zero_iv[16];
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx || EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, key, zero_iv) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        r->ctx = NULL;
        return -EIO;
    }
    r->ctx = ctx;
    r->used = sizeof(r->block);
    return 0;
}

int rng_init_seeded(struct rng *r, uint64_t seed, uint64_t stream)
{
    uint8_t key[16];
    for (int i = 0; i < 8; i++) {
        key[i] = (uint8_t)(seed >> (8 * i));
        key[8 + i] = (uint8_t)(stream >> (8 * i));
    }
    return rng_init_key(r, key);
}

int rng_init_random(struct rng *r)
{
    uint8_t key[16];
    if (RAND_bytes(key, sizeof(key)) != 1)
        return -EIO;
    return rng_init_key(r, key);
}

void rng_free(struct rng *r)
{
    EVP_CIPHER_CTX_free(r->ctx);
    r->ctx = NULL;
}

/* Encrypting zeros in CTR mode yields the keystream itself. */
static void rng_refill(struct rng *r)
{
    static const uint8_t zeros[sizeof(r->block)];
    int n = 0;
    if (EVP_EncryptUpdate(r->ctx, r->block, &n, zeros, sizeof(zeros)) != 1 ||
        n != (int)sizeof(zeros))
        memset(r->block, 0, sizeof(r->block)); /* CTR on a valid context cannot fail */
    r->used = 0;
}

void rng_bytes(struct rng *r, uint8_t *out, size_t len)
{
    while (len > 0) {
        if (r->used == sizeof(r->block))
            rng_refill(r);
        size_t take = sizeof(r->block) - r->used;
        if (take > len)
            take = len;
        memcpy(out, r->block + r->used, take);
        r->used += take;
        out += take;
        len -= take;
    }
}

uint32_t rng_u32(struct rng *r)
{
    uint8_t b[4];
    rng_bytes(r, b, sizeof(b));
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint32_t rng_below(struct rng *r, uint32_t n)
{
    /* Reject the top partial range so every residue is equally likely. */
    uint32_t limit = UINT32_MAX - UINT32_MAX % n;
    uint32_t v;
    do
        v = rng_u32(r);
    while (v >= limit);
    return v % n;
}
