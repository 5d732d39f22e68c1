/* smp_crypto.c - the Security Manager's toolbox on aes128_encrypt and aes_cmac. Each
 * function turns its LSB-first arguments into the MSB-first numbers the specification
 * defines it on, calls AES or AES-CMAC, and turns the result back. */
#include "crypto/smp_crypto.h"

#include <stddef.h>
#include <string.h>

#include "common/bytes.h"
#include "crypto/aes.h"
#include "crypto/cmac.h"

/* Copies n octets reversed: from LSB first to MSB first or back. Returns dst + n, for
 * building a message field after field. */
static uint8_t *put_reversed(uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[n - 1 - i];
    return dst + n;
}

static void xor16(uint8_t out[16], const uint8_t a[16], const uint8_t b[16])
{
    for (int i = 0; i < 16; i++)
        out[i] = a[i] ^ b[i];
}

/* AES-CMAC with an LSB-first key of an MSB-first message (built by the caller), the
 * MAC given LSB first. */
static int cmac_lsb_key(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t out[16])
{
    uint8_t key_msb[16], mac[16] = {0};
    put_reversed(key_msb, key, 16);
    int err = aes_cmac(key_msb, msg, len, mac);
    put_reversed(out, mac, 16);
    return err;
}

int smp_e(const uint8_t key[16], const uint8_t plaintext[16], uint8_t out[16])
{
    uint8_t key_msb[16], block[16];
    put_reversed(key_msb, key, 16);
    put_reversed(block, plaintext, 16);
    int err = aes128_encrypt(key_msb, block, block);
    put_reversed(out, block, 16);
    return err;
}

int smp_ah(const uint8_t irk[16], const uint8_t prand[3], uint8_t hash[3])
{
    uint8_t r_padded[16] = {0}, out[16];
    memcpy(r_padded, prand, 3);
    int err = smp_e(irk, r_padded, out);
    memcpy(hash, out, 3);
    return err;
}

int smp_c1(const uint8_t k[16], const uint8_t r[16], const uint8_t preq[7], const uint8_t pres[7],
           uint8_t iat, uint8_t rat, const uint8_t ia[6], const uint8_t ra[6], uint8_t confirm[16])
{
    /* LSB first, p1 is iat' rat' preq pres and p2 is ra ia padding. */
    uint8_t p1[16] = {iat & 1, rat & 1}, p2[16] = {0}, block[16];
    memcpy(p1 + 2, preq, 7);
    memcpy(p1 + 9, pres, 7);
    memcpy(p2, ra, 6);
    memcpy(p2 + 6, ia, 6);
    xor16(block, r, p1);
    int err = smp_e(k, block, block);
    xor16(block, block, p2);
    if (!err)
        err = smp_e(k, block, confirm);
    return err;
}

int smp_s1(const uint8_t k[16], const uint8_t r1[16], const uint8_t r2[16], uint8_t stk[16])
{
    /* r' = r1' || r2', so LSB first r2's low half comes first. */
    uint8_t r_prime[16];
    memcpy(r_prime, r2, 8);
    memcpy(r_prime + 8, r1, 8);
    return smp_e(k, r_prime, stk);
}

int smp_f4(const uint8_t u[32], const uint8_t v[32], const uint8_t x[16], uint8_t z,
           uint8_t confirm[16])
{
    uint8_t m[65];
    uint8_t *end = put_reversed(put_reversed(m, u, 32), v, 32);
    *end = z;
    return cmac_lsb_key(x, m, sizeof(m), confirm);
}

/* One half of f5: AES-CMAC_T(Counter || keyID || N1 || N2 || A1 || A2 || Length). */
static int f5_half(const uint8_t t[16], uint8_t counter, const uint8_t n1[16], const uint8_t n2[16],
                   const uint8_t a1[7], const uint8_t a2[7], uint8_t out[16])
{
    static const uint8_t key_id_btle[4] = {0x62, 0x74, 0x6c, 0x65};
    uint8_t m[53], mac[16] = {0};
    m[0] = counter;
    memcpy(m + 1, key_id_btle, 4);
    uint8_t *end = put_reversed(put_reversed(m + 5, n1, 16), n2, 16);
    end = put_reversed(put_reversed(end, a1, 7), a2, 7);
    end[0] = 0x01; /* Length = 256, MSB first */
    end[1] = 0x00;
    int err = aes_cmac(t, m, sizeof(m), mac);
    put_reversed(out, mac, 16);
    return err;
}

int smp_f5(const uint8_t w[32], const uint8_t n1[16], const uint8_t n2[16], const uint8_t a1[7],
           const uint8_t a2[7], uint8_t mackey[16], uint8_t ltk[16])
{
    static const uint8_t salt[16] = {0x6c, 0x88, 0x83, 0x91, 0xaa, 0xf5, 0xa5, 0x38,
                                     0x60, 0x37, 0x0b, 0xdb, 0x5a, 0x60, 0x83, 0xbe};
    uint8_t w_msb[32], t[16];
    put_reversed(w_msb, w, 32);
    int err = aes_cmac(salt, w_msb, sizeof(w_msb), t);
    if (!err)
        err = f5_half(t, 0, n1, n2, a1, a2, mackey);
    if (!err)
        err = f5_half(t, 1, n1, n2, a1, a2, ltk);
    return err;
}

int smp_f6(const uint8_t w[16], const uint8_t n1[16], const uint8_t n2[16], const uint8_t r[16],
           const uint8_t iocap[3], const uint8_t a1[7], const uint8_t a2[7], uint8_t check[16])
{
    uint8_t m[65];
    uint8_t *end = put_reversed(put_reversed(put_reversed(m, n1, 16), n2, 16), r, 16);
    end = put_reversed(put_reversed(put_reversed(end, iocap, 3), a1, 7), a2, 7);
    return cmac_lsb_key(w, m, sizeof(m), check);
}

int smp_g2(const uint8_t u[32], const uint8_t v[32], const uint8_t x[16], const uint8_t y[16],
           uint32_t *value)
{
    uint8_t m[80], mac[16];
    put_reversed(put_reversed(put_reversed(m, u, 32), v, 32), y, 16);
    int err = cmac_lsb_key(x, m, sizeof(m), mac);
    *value = get_le32(mac);
    return err;
}

int smp_h6(const uint8_t w[16], uint32_t key_id, uint8_t out[16])
{
    uint8_t key_id_le[4], m[4];
    put_le32(key_id_le, key_id);
    put_reversed(m, key_id_le, 4);
    return cmac_lsb_key(w, m, sizeof(m), out);
}

int smp_h7(const uint8_t salt[16], const uint8_t w[16], uint8_t out[16])
{
    uint8_t m[16];
    put_reversed(m, w, 16);
    return cmac_lsb_key(salt, m, sizeof(m), out);
}
