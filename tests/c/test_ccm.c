/* test_ccm.c - the link layer's AES-CCM (src/crypto/ccm.c) against the encryption
 * sample data of Core v5.4 Vol 6 Part C 1: the session key from LTK, SKDm and SKDs,
 * the IV from IVm and IVs, and the four encrypted PDUs of an encryption start
 * (LL_START_ENC_RSP and a data PDU in each direction, ciphertext and MIC), byte for
 * byte both ways; then what must fail: a changed MIC, ciphertext, header, counter or
 * direction, and payloads too short to carry a MIC. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "crypto/ccm.h"

static int vectors;

/* Hex digits (spaces allowed) into out; returns the octets written. */
static size_t hex(const char *s, uint8_t *out)
{
    size_t n = 0;
    unsigned v;
    for (; *s; s++) {
        if (*s == ' ')
            continue;
        CHECK(sscanf(s, "%2x", &v) == 1);
        out[n++] = (uint8_t)v;
        s++;
    }
    return n;
}

/* The sample's values, least significant octet first as HCI and the LL control
 * PDUs carry them: LTK 0x4C68384139F574D836BCF34E9DFB01BF, SKDm 0xACBDCEDFE0F10213,
 * SKDs 0x0213243546576879, IVm 0xBADCAB24, IVs 0xDEAFBABE. */
#define LTK "bf01fb9d4ef3bc36d874f5394138684c"
#define SKDM "1302f1e0dfcebdac"
#define SKDS "7968574635241302"
#define IV     \
    "24abdcba" \
    "bebaafde"                                /* IVm || IVs */
#define SK "99ad1b5226a37e3e058e3b8e27c2c666" /* SK = 0x99AD...C666, AES order */

static void test_session_key(void)
{
    uint8_t ltk[16], skdm[8], skds[8], sk[16], want[16];
    hex(LTK, ltk);
    hex(SKDM, skdm);
    hex(SKDS, skds);
    hex(SK, want);
    CHECK_EQ(ccm_session_key(ltk, skdm, skds, sk), 0);
    CHECK_MEM(sk, want, 16);
    vectors++;
    /* The IV as LL_ENC_REQ (IVm: its last 4 octets) and LL_ENC_RSP (IVs) carry it. */
    uint8_t req[23], rsp[13], iv[8];
    hex("03 9078563412efcdab 7424" SKDM "24abdcba", req); /* Rand, EDIV, SKDm, IVm */
    hex("04" SKDS "bebaafde", rsp);
    hex(IV, iv);
    CHECK_MEM(req + 11, skdm, 8);
    CHECK_MEM(req + 19, iv, 4);
    CHECK_MEM(rsp + 1, skds, 8);
    CHECK_MEM(rsp + 9, iv + 4, 4);
}

/* One PDU of the sample: header, plaintext payload, the PDU on the air. */
struct sample_pdu {
    const char *name;
    uint64_t counter;
    bool c_to_p;
    const char *plain, *air; /* header and payload; the air's length counts the MIC */
};

static const struct sample_pdu pdus[] = {
    {"LL_START_ENC_RSP1 (packet 0, central to peripheral)", 0, true, "0f 01 06",
     "0f 05 9f cd a7 f4 48"},
    {"LL_START_ENC_RSP2 (packet 0, peripheral to central)", 0, false, "07 01 06",
     "07 05 a3 4c 13 a4 15"},
    {"LL_DATA1 (packet 1, central to peripheral)", 1, true,
     "0e 1b 17 00 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 31 32 33 34 35 36 37 38 39 30",
     "0e 1f 7a 70 d6 64 15 22 6d f2 6b 17 83 9a 06 04 05 59 6b d6 56 4f 79 6b 5b 9c e6 ff 32 f7 "
     "5a 6d 33"},
    {"LL_DATA2 (packet 1, peripheral to central)", 1, false,
     "06 1b 17 00 37 36 35 34 33 32 31 30 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50 51",
     "06 1f f3 88 81 e7 bd 94 c9 c3 69 b9 a6 68 46 dd 47 86 aa 8c 39 ce 54 0d 0d ae 3a dc df 89 "
     "b9 60 88"},
};

static void params(struct ccm_params *p, uint8_t sk[16], uint8_t iv[8], const struct sample_pdu *s)
{
    hex(SK, sk);
    hex(IV, iv);
    *p = (struct ccm_params){
        .sk = sk, .iv = iv, .counter = s->counter, .central_to_peripheral = s->c_to_p};
}

static void test_sample_pdu(const struct sample_pdu *s)
{
    uint8_t sk[16], iv[8], plain[64], air[64], out[64];
    struct ccm_params p;
    params(&p, sk, iv, s);
    size_t plen = hex(s->plain, plain), alen = hex(s->air, air);
    CHECK_EQ(alen, plen + CCM_MIC_LEN);
    CHECK_EQ(air[1], plain[1] + CCM_MIC_LEN);
    CHECK_EQ(ccm_encrypt(&p, plain[0], plain + 2, plain[1], out), 0);
    CHECK_MEM(out, air + 2, air[1]);
    memset(out, 0, sizeof(out));
    CHECK_EQ(ccm_decrypt(&p, air[0], air + 2, air[1], out), 0);
    CHECK_MEM(out, plain + 2, plain[1]);
    /* NESN, SN and MD are not authenticated: the same PDU sent again decrypts. */
    CHECK_EQ(ccm_decrypt(&p, air[0] ^ 0x1c, air + 2, air[1], out), 0);
    vectors++;
}

/* Each change of what the MIC covers fails it: -EBADMSG. */
static void test_mic_failures(void)
{
    const struct sample_pdu *s = &pdus[2];
    uint8_t sk[16], iv[8], air[64], out[64];
    struct ccm_params p;
    params(&p, sk, iv, s);
    hex(s->air, air);
    uint8_t *ct = air + 2, n = air[1];
    for (int i = 0; i < n; i++) { /* every octet of ciphertext and MIC */
        ct[i] ^= 0x01;
        CHECK_EQ(ccm_decrypt(&p, air[0], ct, n, out), -EBADMSG);
        ct[i] ^= 0x01;
    }
    CHECK_EQ(ccm_decrypt(&p, air[0] ^ 0x01, ct, n, out), -EBADMSG); /* LLID */
    p.counter = 2;
    CHECK_EQ(ccm_decrypt(&p, air[0], ct, n, out), -EBADMSG);
    p.counter = 1;
    p.central_to_peripheral = false;
    CHECK_EQ(ccm_decrypt(&p, air[0], ct, n, out), -EBADMSG);
    p.central_to_peripheral = true;
    sk[0] ^= 0x80;
    CHECK_EQ(ccm_decrypt(&p, air[0], ct, n, out), -EBADMSG);
    sk[0] ^= 0x80;
    for (size_t len = 0; len <= CCM_MIC_LEN; len++)
        CHECK_EQ(ccm_decrypt(&p, air[0], ct, len, out), -EBADMSG);
    CHECK_EQ(ccm_decrypt(&p, air[0], ct, n, out), 0);
}

/* The counter's 39 bits: bit 39 and up do not reach the nonce; bit 38 does. */
static void test_counter_bits(void)
{
    uint8_t sk[16], iv[8], msg[251], a[255], b[255], out[251];
    struct ccm_params p;
    params(&p, sk, iv, &pdus[0]);
    for (int i = 0; i < 251; i++)
        msg[i] = (uint8_t)(i * 7);
    p.counter = 5;
    CHECK_EQ(ccm_encrypt(&p, 0x02, msg, 251, a), 0);
    p.counter = 5 | (1ULL << 39);
    CHECK_EQ(ccm_encrypt(&p, 0x02, msg, 251, b), 0);
    CHECK_MEM(a, b, 255);
    p.counter = 5 | (1ULL << 38);
    CHECK_EQ(ccm_encrypt(&p, 0x02, msg, 251, b), 0);
    CHECK(memcmp(a, b, 255) != 0);
    CHECK_EQ(ccm_decrypt(&p, 0x02, b, 255, out), 0);
    CHECK_MEM(out, msg, 251);
    CHECK_EQ(ccm_encrypt(&p, 0x02, msg, 0, b), -EIO);
}

int main(void)
{
    RUN(test_session_key());
    for (size_t i = 0; i < sizeof(pdus) / sizeof(pdus[0]); i++)
        RUN(test_sample_pdu(&pdus[i]));
    RUN(test_mic_failures());
    RUN(test_counter_bits());
    printf("Vol 6 Part C sample data: %d of 5 vectors (session key, 4 encrypted PDUs) match\n",
           vectors);
    return check_summary("ccm");
}
