/* cmac.c - AES-CMAC through OpenSSL 3's EVP_MAC "CMAC" with AES-128-CBC. */
#include "crypto/cmac.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

int aes_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t mac[16])
{
    static const uint8_t empty[1];
    char cipher[] = "AES-128-CBC";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC *alg = EVP_MAC_fetch(NULL, "CMAC", NULL);
    EVP_MAC_CTX *ctx = alg ? EVP_MAC_CTX_new(alg) : NULL;
    size_t out_len = 0;
    int ok = ctx && EVP_MAC_init(ctx, key, 16, params) == 1 &&
             EVP_MAC_update(ctx, len ? msg : empty, len) == 1 &&
             EVP_MAC_final(ctx, mac, &out_len, 16) == 1 && out_len == 16;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(alg);
    return ok ? 0 : -EIO;
}
