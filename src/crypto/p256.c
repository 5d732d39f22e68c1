/* p256.c - P-256 on OpenSSL's EC_GROUP / EC_POINT arithmetic (no deprecated EC_KEY):
 * libcrypto does every curve operation; this file converts byte orders and checks
 * ranges. */
#include "crypto/p256.h"

#include <errno.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

/* 3f49f6d4 a3c55f38 74c9b3e3 d2103f50 4aff607b eb40b799 5899b8a6 cd3c1abd, LSB first. */
const uint8_t p256_debug_private_key[P256_PRIVATE_KEY_LEN] = {
    0xbd, 0x1a, 0x3c, 0xcd, 0xa6, 0xb8, 0x99, 0x58, 0x99, 0xb7, 0x40, 0xeb, 0x7b, 0x60, 0xff, 0x4a,
    0x50, 0x3f, 0x10, 0xd2, 0xe3, 0xb3, 0xc9, 0x74, 0x38, 0x5f, 0xc5, 0xa3, 0xd4, 0xf6, 0x49, 0x3f,
};

/* What one operation holds: the curve, a scratch context, its scalar and points. */
struct p256_op {
    EC_GROUP *group;
    BN_CTX *bn;
    BIGNUM *d;
    EC_POINT *peer, *result;
};

static int op_open(struct p256_op *op)
{
    memset(op, 0, sizeof(*op));
    op->group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    op->bn = BN_CTX_new();
    if (!op->group || !op->bn)
        return -EIO;
    op->peer = EC_POINT_new(op->group);
    op->result = EC_POINT_new(op->group);
    return op->peer && op->result ? 0 : -EIO;
}

/* Frees it all and leaves no error behind in libcrypto's queue: an invalid key is an
 * answer here, not a fault for a later caller to find. */
static void op_close(struct p256_op *op)
{
    EC_POINT_free(op->result);
    EC_POINT_free(op->peer);
    BN_clear_free(op->d);
    BN_CTX_free(op->bn);
    EC_GROUP_free(op->group);
    ERR_clear_error();
}

/* op->d from an LSB-first private key, checked to be in [1, n - 1]. */
static int op_set_scalar(struct p256_op *op, const uint8_t private_key[32])
{
    op->d = BN_lebin2bn(private_key, P256_PRIVATE_KEY_LEN, NULL);
    if (!op->d)
        return -EIO;
    BN_set_flags(op->d, BN_FLG_CONSTTIME);
    if (BN_is_zero(op->d) || BN_cmp(op->d, EC_GROUP_get0_order(op->group)) >= 0)
        return -EINVAL;
    return 0;
}

/* op->peer from a public key X || Y: -EINVAL unless both coordinates are below p and
 * the point is on the curve. */
static int op_set_peer(struct p256_op *op, const uint8_t public_key[64])
{
    BN_CTX_start(op->bn);
    BIGNUM *p = BN_CTX_get(op->bn), *x = BN_CTX_get(op->bn), *y = BN_CTX_get(op->bn);
    int err = -EIO;
    if (y && EC_GROUP_get_curve(op->group, p, NULL, NULL, op->bn) == 1 &&
        BN_lebin2bn(public_key, 32, x) && BN_lebin2bn(public_key + 32, 32, y)) {
        err = -EINVAL;
        if (BN_cmp(x, p) < 0 && BN_cmp(y, p) < 0 &&
            EC_POINT_set_affine_coordinates(op->group, op->peer, x, y, op->bn) == 1 &&
            EC_POINT_is_on_curve(op->group, op->peer, op->bn) == 1)
            err = 0;
    }
    BN_CTX_end(op->bn);
    return err;
}

/* The affine coordinates of op->result, LSB first: x into out, and y into out + 32
 * when with_y. */
static int op_get_result(struct p256_op *op, uint8_t *out, bool with_y)
{
    BN_CTX_start(op->bn);
    BIGNUM *x = BN_CTX_get(op->bn), *y = BN_CTX_get(op->bn);
    int ok = y && !EC_POINT_is_at_infinity(op->group, op->result) &&
             EC_POINT_get_affine_coordinates(op->group, op->result, x, y, op->bn) == 1 &&
             BN_bn2lebinpad(x, out, 32) == 32 && (!with_y || BN_bn2lebinpad(y, out + 32, 32) == 32);
    BN_CTX_end(op->bn);
    return ok ? 0 : -EIO;
}

int p256_keypair_from_private(struct p256_keypair *kp, const uint8_t private_key[32])
{
    struct p256_op op;
    int err = op_open(&op);
    if (!err)
        err = op_set_scalar(&op, private_key);
    if (!err && EC_POINT_mul(op.group, op.result, op.d, NULL, NULL, op.bn) != 1)
        err = -EIO;
    if (!err)
        err = op_get_result(&op, kp->public_key, true);
    if (!err)
        memmove(kp->private_key, private_key, P256_PRIVATE_KEY_LEN);
    op_close(&op);
    return err;
}

int p256_keypair_generate(struct p256_keypair *kp)
{
    uint8_t private_key[P256_PRIVATE_KEY_LEN];
    struct p256_op op;
    int err = op_open(&op);
    if (!err && !(op.d = BN_secure_new()))
        err = -EIO;
    while (!err && BN_is_zero(op.d))
        if (BN_priv_rand_range(op.d, EC_GROUP_get0_order(op.group)) != 1)
            err = -EIO;
    if (!err && BN_bn2lebinpad(op.d, private_key, P256_PRIVATE_KEY_LEN) != P256_PRIVATE_KEY_LEN)
        err = -EIO;
    op_close(&op);
    if (!err)
        err = p256_keypair_from_private(kp, private_key);
    OPENSSL_cleanse(private_key, sizeof(private_key));
    return err;
}

bool p256_public_key_valid(const uint8_t public_key[64])
{
    struct p256_op op;
    int err = op_open(&op);
    if (!err)
        err = op_set_peer(&op, public_key);
    op_close(&op);
    return err == 0;
}

int p256_dhkey(const uint8_t private_key[32], const uint8_t peer_public_key[64], uint8_t dhkey[32])
{
    struct p256_op op;
    int err = op_open(&op);
    memset(dhkey, 0, P256_DHKEY_LEN);
    if (!err)
        err = op_set_scalar(&op, private_key);
    if (!err)
        err = op_set_peer(&op, peer_public_key);
    if (!err && EC_POINT_mul(op.group, op.result, NULL, op.peer, op.d, op.bn) != 1)
        err = -EIO;
    if (!err)
        err = op_get_result(&op, dhkey, false);
    op_close(&op);
    return err;
}
