/* test_smp_crypto.c - the Security Manager's toolbox against the specification's own
 * sample data, byte for byte: all of Core v5.4 Vol 3 Part H Appendix D (AES-CMAC D.1
 * with RFC 4493's examples and subkeys, f4 D.2, f5 D.3, f6 D.4, g2 D.5, h6 D.6, ah D.7,
 * h7 D.8, and the cross-transport conversions D.9-D.12), c1 and s1 with the examples of
 * 2.2.3 and 2.2.4, the debug key pair of 2.3.5.6.1, and the two P-256 data sets of
 * Vol 2 Part G 7.1.2 (key pairs and DHKey both ways). Then keys of our own: a generated
 * pair agrees with the debug pair both ways, and public keys off the curve are refused.
 *
 * The sample values are written below as the specification prints them, most
 * significant octet first; msb() reads them as they are and lsb() reversed, into the
 * API's order (smp_crypto.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "common/bytes.h"
#include "crypto/aes.h"
#include "crypto/cmac.h"
#include "crypto/p256.h"
#include "crypto/smp_crypto.h"

static int vectors_matched, vectors_total;

/* Reads exactly n octets of hex text (spaces ignored), the first octet first. */
static void msb(const char *text, uint8_t *out, size_t n)
{
    size_t len = 0;
    for (const char *p = text; *p; p++) {
        if (*p == ' ')
            continue;
        char digits[3] = {p[0], p[1], 0};
        if (len == n || !p[1])
            abort();
        out[len++] = (uint8_t)strtoul(digits, NULL, 16);
        p++;
    }
    if (len != n)
        abort();
}

/* The same, stored least significant octet first. */
static void lsb(const char *text, uint8_t *out, size_t n)
{
    msb(text, out, n);
    for (size_t i = 0; i < n / 2; i++) {
        uint8_t t = out[i];
        out[i] = out[n - 1 - i];
        out[n - 1 - i] = t;
    }
}

/* One sample output: what a function gave against what the specification prints. */
static void vector(const char *name, const uint8_t *got, const uint8_t *want, size_t n)
{
    vectors_total++;
    if (memcmp(got, want, n) == 0) {
        vectors_matched++;
        return;
    }
    fprintf(stderr, "vector %s differs\n", name);
    CHECK_MEM(got, want, n);
}

/* An output given LSB first against its sample printed MSB first. */
static void vector_lsb(const char *name, const uint8_t *got, const char *want_text, size_t n)
{
    uint8_t want[64];
    lsb(want_text, want, n);
    vector(name, got, want, n);
}

/* ---- Appendix D.1: AES-CMAC, RFC 4493's key and four messages ---- */

static const char *rfc4493_key = "2b7e1516 28aed2a6 abf71588 09cf4f3c";
static const char *rfc4493_message = "6bc1bee2 2e409f96 e93d7e11 7393172a"
                                     "ae2d8a57 1e03ac9c 9eb76fac 45af8e51"
                                     "30c81c46 a35ce411 e5fbc119 1a0a52ef"
                                     "f69f2445 df4f9b17 ad2b417b e66c3710";

/* Doubling in GF(2^128), RFC 4493 2.3: how K1 and K2 follow from AES_128(key, 0). Only
 * to check the sample's subkeys, which libcrypto keeps to itself. */
static void gf128_double(uint8_t out[16], const uint8_t in[16])
{
    for (int i = 0; i < 16; i++)
        out[i] = (uint8_t)(in[i] << 1 | (i < 15 ? in[i + 1] >> 7 : 0));
    if (in[0] & 0x80)
        out[15] ^= 0x87;
}

static void test_cmac_subkeys(void)
{
    uint8_t key[16], zero[16] = {0}, l[16], k1[16], k2[16], want[16];
    msb(rfc4493_key, key, 16);
    CHECK_EQ(aes128_encrypt(key, zero, l), 0);
    msb("7df76b0c 1ab899b3 3e42f047 b91b546f", want, 16);
    vector("D.1 AES_128(key, 0)", l, want, 16);
    gf128_double(k1, l);
    msb("fbeed618 35713366 7c85e08f 7236a8de", want, 16);
    vector("D.1 K1", k1, want, 16);
    gf128_double(k2, k1);
    msb("f7ddac30 6ae266cc f90bc11e e46d513b", want, 16);
    vector("D.1 K2", k2, want, 16);
}

static void test_cmac_examples(void)
{
    static const struct {
        size_t len;
        const char *mac;
    } examples[] = {
        {0, "bb1d6929 e9593728 7fa37d12 9b756746"},
        {16, "070a16b4 6b4d4144 f79bdd9d d04a287c"},
        {40, "dfa66747 de9ae630 30ca3261 1497c827"},
        {64, "51f0bebf 7e3b9d92 fc497417 79363cfe"},
    };
    uint8_t key[16], message[64], mac[16], want[16];
    msb(rfc4493_key, key, 16);
    msb(rfc4493_message, message, 64);
    for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
        CHECK_EQ(aes_cmac(key, examples[i].len ? message : NULL, examples[i].len, mac), 0);
        msb(examples[i].mac, want, 16);
        vector("D.1 AES-CMAC example", mac, want, 16);
    }
}

/* ---- D.2-D.5: one LE Secure Connections pairing's values ---- */

static const char *sample_u =
    "20b003d2 f297be2c 5e2c83a7 e9f9a5b9 eff49111 acf4fddb cc030148 0e359de6";
static const char *sample_v =
    "55188b3d 32f6bb9a 900afcfb eed4e72a 59cb9ac2 f19d7cfb 6b4fdd49 f47fc5fd";
static const char *sample_w =
    "ec0234a3 57c8ad05 341010a6 0a397d9b 99796b13 b4f866f1 868d34f3 73bfa698";
static const char *sample_n1 = "d5cb8454 d177733e ffffb2ec 712baeab";
static const char *sample_n2 = "a6e8e7cc 25a75f6e 216583f7 ff3dc4cf";
static const char *sample_a1 = "00561237 37bfce";
static const char *sample_a2 = "00a71370 2dcfc1";
static const char *sample_mackey = "2965f176 a1084a02 fd3f6a20 ce636e20";

static void test_f4(void)
{
    uint8_t u[32], v[32], x[16], confirm[16];
    lsb(sample_u, u, 32);
    lsb(sample_v, v, 32);
    lsb(sample_n1, x, 16);
    CHECK_EQ(smp_f4(u, v, x, 0x00, confirm), 0);
    vector_lsb("D.2 f4", confirm, "f2c916f1 07a9bd1c f1eda1be a974872d", 16);
}

static void test_f5(void)
{
    uint8_t w[32], w_msb[32], n1[16], n2[16], a1[7], a2[7], salt[16], t[16], want[16];
    uint8_t mackey[16], ltk[16];
    lsb(sample_w, w, 32);
    lsb(sample_n1, n1, 16);
    lsb(sample_n2, n2, 16);
    lsb(sample_a1, a1, 7);
    lsb(sample_a2, a2, 7);
    /* The sample's intermediate T = AES-CMAC_SALT(W), both MSB first. */
    msb("6c888391 aaf5a538 60370bdb 5a6083be", salt, 16);
    msb(sample_w, w_msb, 32);
    CHECK_EQ(aes_cmac(salt, w_msb, 32, t), 0);
    msb("3c128f20 de883288 97624bdb 8dac6989", want, 16);
    vector("D.3 f5 T", t, want, 16);
    CHECK_EQ(smp_f5(w, n1, n2, a1, a2, mackey, ltk), 0);
    vector_lsb("D.3 f5 MacKey", mackey, sample_mackey, 16);
    vector_lsb("D.3 f5 LTK", ltk, "69867911 69d7cd23 980522b5 94750a38", 16);
}

static void test_f6(void)
{
    uint8_t w[16], n1[16], n2[16], r[16], iocap[3], a1[7], a2[7], check[16];
    lsb(sample_mackey, w, 16);
    lsb(sample_n1, n1, 16);
    lsb(sample_n2, n2, 16);
    lsb("12a3343b b453bb54 08da42d2 0c2d0fc8", r, 16);
    lsb("010102", iocap, 3);
    lsb(sample_a1, a1, 7);
    lsb(sample_a2, a2, 7);
    CHECK_EQ(smp_f6(w, n1, n2, r, iocap, a1, a2, check), 0);
    vector_lsb("D.4 f6", check, "e3c47398 9cd0e8c5 d26c0b09 da958f61", 16);
}

static void test_g2(void)
{
    uint8_t u[32], v[32], x[16], y[16], got[4];
    uint32_t value = 0;
    lsb(sample_u, u, 32);
    lsb(sample_v, v, 32);
    lsb(sample_n1, x, 16);
    lsb(sample_n2, y, 16);
    CHECK_EQ(smp_g2(u, v, x, y, &value), 0);
    put_le32(got, value);
    vector_lsb("D.5 g2", got, "2f9ed5ba", 4);
    CHECK_EQ(value % 1000000, 938554); /* the six digits a user compares */
}

/* ---- D.6-D.8: h6, ah, h7 on the same 128-bit key ---- */

static const char *sample_key = "ec0234a3 57c8ad05 341010a6 0a397d9b";

static void test_h6(void)
{
    uint8_t w[16], out[16];
    lsb(sample_key, w, 16);
    CHECK_EQ(smp_h6(w, SMP_KEYID_LEBR, out), 0);
    vector_lsb("D.6 h6", out, "2d9ae102 e76dc91c e8d3a9e2 80b16399", 16);
}

static void test_ah(void)
{
    uint8_t irk[16], r_padded[16], prand[3], aes[16], hash[3];
    lsb(sample_key, irk, 16);
    lsb("00000000 00000000 00000000 00708194", r_padded, 16);
    CHECK_EQ(smp_e(irk, r_padded, aes), 0); /* the sample's AES_128 step */
    vector_lsb("D.7 ah AES_128", aes, "159d5fb7 2ebe2311 a48c1bdc c40dfbaa", 16);
    lsb("708194", prand, 3);
    CHECK_EQ(smp_ah(irk, prand, hash), 0);
    vector_lsb("D.7 ah", hash, "0dfbaa", 3);
}

static void test_h7(void)
{
    uint8_t salt[16], w[16], out[16];
    lsb("00000000 00000000 00000000 746d7031", salt, 16);
    lsb(sample_key, w, 16);
    CHECK_EQ(smp_h7(salt, w, out), 0);
    vector_lsb("D.8 h7", out, "fb173597 c6a3c0ec d2998c2a 75a57011", 16);
}

/* ---- D.9-D.12: keys between transports (2.4.2.4, 2.4.2.5) ---- */

/* h6(ILK, key_id) of an intermediate key ILK that is h7(salt_id, key) when ct2, else
 * h6(key, salt_id). */
static void convert_key(const uint8_t key[16], bool ct2, uint32_t salt_id, uint32_t key_id,
                        uint8_t out[16])
{
    uint8_t salt[16] = {0}, ilk[16];
    put_le32(salt, salt_id);
    CHECK_EQ(ct2 ? smp_h7(salt, key, ilk) : smp_h6(key, salt_id, ilk), 0);
    CHECK_EQ(smp_h6(ilk, key_id, out), 0);
}

static void test_cross_transport(void)
{
    uint8_t ltk[16], link_key[16], out[16];
    lsb("368df9bc e3264b58 bd066c33 334fbf64", ltk, 16);
    convert_key(ltk, true, SMP_KEYID_TMP1, SMP_KEYID_LEBR, out);
    vector_lsb("D.9 LTK to link key, CT2 = 1", out, "287ad379 dca40253 0a39f1f4 3047b835", 16);
    convert_key(ltk, false, SMP_KEYID_TMP1, SMP_KEYID_LEBR, out);
    vector_lsb("D.10 LTK to link key, CT2 = 0", out, "bc1ca4ef 633fc1bd 0d8230af ee388fb0", 16);
    lsb("05040302 01000908 07060504 03020100", link_key, 16);
    convert_key(link_key, true, SMP_KEYID_TMP2, SMP_KEYID_BRLE, out);
    vector_lsb("D.11 link key to LTK, CT2 = 1", out, "e85e09eb 5eccb3e2 69418a13 3211bc79", 16);
    convert_key(link_key, false, SMP_KEYID_TMP2, SMP_KEYID_BRLE, out);
    vector_lsb("D.12 link key to LTK, CT2 = 0", out, "a813fb72 f1a3dfa1 8a2c9a43 f10d0a30", 16);
}

/* ---- 2.2.3 and 2.2.4: LE legacy pairing ---- */

static void test_c1(void)
{
    uint8_t k[16] = {0}, r[16], preq[7], pres[7], ia[6], ra[6], confirm[16];
    lsb("5783D521 56AD6F0E 6388274E C6702EE0", r, 16);
    lsb("07071000 000101", preq, 7);
    lsb("05000800 000302", pres, 7);
    lsb("A1A2A3A4 A5A6", ia, 6);
    lsb("B1B2B3B4 B5B6", ra, 6);
    CHECK_EQ(smp_c1(k, r, preq, pres, 1, 0, ia, ra, confirm), 0);
    vector_lsb("2.2.3 c1", confirm, "1e1e3fef 878988ea d2a74dc5 bef13b86", 16);
}

static void test_s1(void)
{
    uint8_t k[16] = {0}, r1[16], r2[16], stk[16];
    lsb("000F0E0D 0C0B0A09 11223344 55667788", r1, 16);
    lsb("01020304 05060708 99AABBCC DDEEFF00", r2, 16);
    CHECK_EQ(smp_s1(k, r1, r2, stk), 0);
    vector_lsb("2.2.4 s1", stk, "9a1fe1f0 e8b0f49b 5b4216ae 796da062", 16);
}

/* ---- P-256: 2.3.5.6.1's debug key and Vol 2 Part G 7.1.2's two data sets ---- */

struct p256_sample {
    const char *name, *private_a, *private_b, *public_a, *public_b, *dhkey;
};

static const struct p256_sample p256_samples[] = {
    {"Vol 2 Part G 7.1.2.1 (set 1)",
     "3f49f6d4 a3c55f38 74c9b3e3 d2103f50 4aff607b eb40b799 5899b8a6 cd3c1abd",
     "55188b3d 32f6bb9a 900afcfb eed4e72a 59cb9ac2 f19d7cfb 6b4fdd49 f47fc5fd",
     "20b003d2 f297be2c 5e2c83a7 e9f9a5b9 eff49111 acf4fddb cc030148 0e359de6"
     "dc809c49 652aeb6d 63329abf 5a52155c 766345c2 8fed3024 741c8ed0 1589d28b",
     "1ea1f0f0 1faf1d96 09592284 f19e4c00 47b58afd 8615a69f 559077b2 2faaa190"
     "4c55f33e 429dad37 7356703a 9ab85160 472d1130 e28e3676 5f89aff9 15b1214a",
     "ec0234a3 57c8ad05 341010a6 0a397d9b 99796b13 b4f866f1 868d34f3 73bfa698"},
    {"Vol 2 Part G 7.1.2.2 (set 2)",
     "06a51669 3c9aa31a 6084545d 0c5db641 b48572b9 7203ddff b7ac73f7 d0457663",
     "529aa067 0d72cd64 97502ed4 73502b03 7e8803b5 c60829a5 a3caa219 505530ba",
     "2c31a47b 5779809e f44cb5ea af5c3e43 d5f8faad 4a8794cb 987e9b03 745c78dd"
     "91951218 3898dfbe cd52e240 8e43871f d0211091 17bd3ed4 eaf84377 43715d4f",
     "f465e43f f23d3f1b 9dc7dfc0 4da87581 84dbc966 204796ec cf0d6cf5 e16500cc"
     "0201d048 bcbbd899 eeefc424 164e33c2 01c2b010 ca6b4d43 a8a155ca d8ecb279",
     "ab85843a 2f6d883f 62e5684b 38e30733 5fe6e194 5ecd1960 4105c6f2 3221eb69"},
};

/* A public key X || Y printed as two MSB-first coordinates, in the API's order. */
static void public_key_lsb(const char *text, uint8_t out[64])
{
    uint8_t msb_key[64];
    msb(text, msb_key, 64);
    for (int i = 0; i < 32; i++) {
        out[i] = msb_key[31 - i];
        out[32 + i] = msb_key[63 - i];
    }
}

/* A sample's public key from its private key, and the DHKey of it and the other
 * side's public key. */
static void check_p256_side(const char *private_text, const char *public_text,
                            const char *peer_text, const char *dhkey_text)
{
    uint8_t private_key[32], want_public[64], peer[64], dhkey[32];
    struct p256_keypair kp;
    lsb(private_text, private_key, 32);
    public_key_lsb(public_text, want_public);
    public_key_lsb(peer_text, peer);
    CHECK_EQ(p256_keypair_from_private(&kp, private_key), 0);
    vector("P-256 public key", kp.public_key, want_public, 64);
    CHECK(p256_public_key_valid(kp.public_key));
    CHECK_EQ(p256_dhkey(private_key, peer, dhkey), 0);
    vector_lsb("P-256 DHKey", dhkey, dhkey_text, 32);
}

static void test_p256_samples(void)
{
    for (size_t i = 0; i < sizeof(p256_samples) / sizeof(p256_samples[0]); i++) {
        const struct p256_sample *s = &p256_samples[i];
        check_p256_side(s->private_a, s->public_a, s->public_b, s->dhkey);
        check_p256_side(s->private_b, s->public_b, s->public_a, s->dhkey);
    }
}

/* 2.3.5.6.1: the debug private key gives the debug public key. */
static void test_p256_debug_key(void)
{
    uint8_t want[64];
    struct p256_keypair kp;
    CHECK_EQ(p256_keypair_from_private(&kp, p256_debug_private_key), 0);
    public_key_lsb(p256_samples[0].public_a, want);
    vector("2.3.5.6.1 debug public key", kp.public_key, want, 64);
}

static void test_p256_generated(void)
{
    struct p256_keypair ours, other, debug;
    uint8_t dh_ours[32], dh_debug[32];
    CHECK_EQ(p256_keypair_generate(&ours), 0);
    CHECK_EQ(p256_keypair_generate(&other), 0);
    CHECK(memcmp(ours.private_key, other.private_key, 32) != 0);
    CHECK(p256_public_key_valid(ours.public_key));
    CHECK_EQ(p256_keypair_from_private(&debug, p256_debug_private_key), 0);
    CHECK_EQ(p256_dhkey(ours.private_key, debug.public_key, dh_ours), 0);
    CHECK_EQ(p256_dhkey(debug.private_key, ours.public_key, dh_debug), 0);
    CHECK_MEM(dh_ours, dh_debug, 32);
}

/* Keys that must be refused, not used: the all-zero point, the debug key with Y + 1, a
 * coordinate of p itself (0 mod p), and private keys 0 and n. */
static void test_p256_invalid(void)
{
    uint8_t zero_point[64] = {0}, off_curve[64], y_is_p[64] = {0}, dhkey[32], zero[32] = {0}, n[32];
    struct p256_keypair kp;
    public_key_lsb(p256_samples[0].public_a, off_curve);
    off_curve[32] ^= 1;
    lsb("ffffffff 00000001 00000000 00000000 00000000 ffffffff ffffffff ffffffff", y_is_p + 32, 32);
    const uint8_t *bad[] = {zero_point, off_curve, y_is_p};
    for (size_t i = 0; i < 3; i++) {
        CHECK(!p256_public_key_valid(bad[i]));
        memset(dhkey, 0xaa, 32);
        CHECK_EQ(p256_dhkey(p256_debug_private_key, bad[i], dhkey), -EINVAL);
        CHECK_MEM(dhkey, zero, 32);
    }
    lsb("ffffffff 00000000 ffffffff ffffffff bce6faad a7179e84 f3b9cac2 fc632551", n, 32);
    CHECK_EQ(p256_keypair_from_private(&kp, zero), -EINVAL);
    CHECK_EQ(p256_keypair_from_private(&kp, n), -EINVAL);
    CHECK_EQ(p256_dhkey(n, off_curve, dhkey), -EINVAL);
}

int main(void)
{
    RUN(test_cmac_subkeys());
    RUN(test_cmac_examples());
    RUN(test_f4());
    RUN(test_f5());
    RUN(test_f6());
    RUN(test_g2());
    RUN(test_h6());
    RUN(test_ah());
    RUN(test_h7());
    RUN(test_cross_transport());
    RUN(test_c1());
    RUN(test_s1());
    RUN(test_p256_samples());
    RUN(test_p256_debug_key());
    RUN(test_p256_generated());
    RUN(test_p256_invalid());
    printf("test_smp_crypto: %d of %d sample vectors matched byte for byte\n", vectors_matched,
           vectors_total);
    return check_summary("test_smp_crypto");
}
