/* ccm.c - LE link-layer AES-CCM (Core v5.4 Vol 6 Part E 2) through OpenSSL's EVP
 * aes-128-ccm: M = 4 (the MIC), L = 2 (13-octet nonce), one octet of additional
 * data. */
#include "crypto/ccm.h"

#include <errno.h>
#include <openssl/evp.h>

#include "crypto/aes.h"

#define NONCE_LEN 13
#define LL_DATA_PAYLOAD_MAX 251
/* The additional data: the header's first octet with NESN, SN and MD zeroed
 * (Vol 6 Part E 2.1: bits 2, 3 and 4 of the Data Physical Channel PDU header). */
#define AAD_MASK 0xe3

int ccm_session_key(const uint8_t ltk[16], const uint8_t skdm[8], const uint8_t skds[8],
                    uint8_t sk[16])
{
    uint8_t key[16], skd[16];
    for (int i = 0; i < 16; i++)
        key[i] = ltk[15 - i];
    for (int i = 0; i < 8; i++) {
        skd[15 - i] = skdm[i]; /* SKDm: the least significant half */
        skd[7 - i] = skds[i];
    }
    return aes128_encrypt(key, skd, sk);
}

/* The nonce: packetCounter (39 bits) and the direction bit in five octets, least
 * significant first, then the IV (Vol 6 Part E 2.1, table 2.1). */
static void make_nonce(const struct ccm_params *p, uint8_t nonce[NONCE_LEN])
{
    uint64_t c = p->counter & CCM_COUNTER_MASK;
    for (int i = 0; i < 5; i++)
        nonce[i] = (uint8_t)(c >> (8 * i));
    if (p->central_to_peripheral)
        nonce[4] |= 0x80;
    for (int i = 0; i < 8; i++)
        nonce[5 + i] = p->iv[i];
}

/* Sets up ctx for one PDU (enc: 1 encrypt, 0 decrypt) and feeds the length and the
 * additional data. tag: the expected MIC when decrypting. */
static bool ccm_begin(EVP_CIPHER_CTX *ctx, const struct ccm_params *p, int enc, uint8_t hdr0,
                      size_t len, const uint8_t *tag)
{
    uint8_t nonce[NONCE_LEN], aad = (uint8_t)(hdr0 & AAD_MASK);
    int n;
    make_nonce(p, nonce);
    return EVP_CipherInit_ex(ctx, EVP_aes_128_ccm(), NULL, NULL, NULL, enc) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, CCM_MIC_LEN, (void *)tag) == 1 &&
           EVP_CipherInit_ex(ctx, NULL, NULL, p->sk, nonce, enc) == 1 &&
           EVP_CipherUpdate(ctx, NULL, &n, NULL, (int)len) == 1 &&
           EVP_CipherUpdate(ctx, NULL, &n, &aad, 1) == 1;
}

int ccm_encrypt(const struct ccm_params *p, uint8_t hdr0, const uint8_t *in, size_t len,
                uint8_t *out)
{
    if (len == 0 || len > LL_DATA_PAYLOAD_MAX)
        return -EIO;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, ok = ctx && ccm_begin(ctx, p, 1, hdr0, len, NULL) &&
                    EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 && n == (int)len &&
                    EVP_CipherFinal_ex(ctx, out + len, &n) == 1 &&
                    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, CCM_MIC_LEN, out + len) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : -EIO;
}

int ccm_decrypt(const struct ccm_params *p, uint8_t hdr0, const uint8_t *in, size_t len,
                uint8_t *out)
{
    if (len <= CCM_MIC_LEN || len > LL_DATA_PAYLOAD_MAX + CCM_MIC_LEN)
        return -EBADMSG;
    size_t plen = len - CCM_MIC_LEN;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx || !ccm_begin(ctx, p, 0, hdr0, plen, in + plen)) {
        EVP_CIPHER_CTX_free(ctx);
        return -EIO;
    }
    /* CCM verifies the MIC in this one update (OpenSSL's EVP_aes_128_ccm). */
    int n = 0, ok = EVP_CipherUpdate(ctx, out, &n, in, (int)plen) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 0 : -EBADMSG;
}
