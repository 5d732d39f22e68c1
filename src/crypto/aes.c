/* aes.c - AES-128 ECB on one block through OpenSSL's EVP interface. */
#include "crypto/aes.h"

#include <errno.h>
#include <openssl/evp.h>

int aes128_encrypt(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int ok = 0, n = 0;
    uint8_t block[16];
    if (ctx && EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) == 1 &&
        EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 && EVP_EncryptUpdate(ctx, block, &n, in, 16) == 1 &&
        n == 16)
        ok = 1;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return -EIO;
    for (int i = 0; i < 16; i++)
        out[i] = block[i];
    return 0;
}
