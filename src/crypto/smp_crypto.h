/* smp_crypto.h - the Security Manager's cryptographic toolbox (Core v5.4 Vol 3 Part H
 * 2.2): the security function e, LE legacy pairing's c1 and s1, the random address
 * hash ah, and LE Secure Connections' f4, f5, f6, g2, h6 and h7.
 *
 * Byte order. The specification writes every value most significant octet first and
 * defines each function on those numbers; SMP PDUs and HCI carry the same values least
 * significant octet first. This API takes and gives every multi-octet value LSB first,
 * exactly as it travels in the PDU, and reverses around AES and AES-CMAC itself.
 * So a value printed in the specification as 0xd5cb8454...712baeab is passed as the
 * array {0xab, 0xae, 0x2b, 0x71, ..., 0xd5}. In particular:
 *   - keys, nonces, random values, confirm and check values: 16 octets, LSB first;
 *   - U, V (public key X coordinates) and W (the DHKey): 32 octets, LSB first, as in
 *     the Pairing Public Key PDU and from p256_dhkey;
 *   - a device address ia/ra: 6 octets LSB first, as in HCI; its type iat/rat: 0
 *     public, 1 random;
 *   - an address argument A1/A2 of f5 and f6 (56 bits: the type octet above the
 *     address): 7 octets, octets 0-5 the address LSB first and octet 6 the type;
 *   - preq/pres of c1: the 7 octets of the Pairing Request / Response PDU as sent,
 *     code octet first (the specification's 0x07071000000101 is 01 01 00 00 10 07 07);
 *   - IOcap of f6 (AuthReq || OOB data flag || IO Capability): 3 octets, octet 0 the IO
 *     capability, octet 1 the OOB flag, octet 2 AuthReq, in the PDU fields' order.
 * aes_cmac (cmac.h) and aes128_encrypt (aes.h) keep the MSB-first order of their own
 * standards.
 *
 * Every function returns 0, or -EIO if libcrypto fails. */
#ifndef MPBLE_SMP_CRYPTO_H
#define MPBLE_SMP_CRYPTO_H

#include <stdint.h>

/* h6 key IDs (Vol 3 Part H 2.2.10, 2.4.2.4, 2.4.2.5) as the specification's 32-bit
 * numbers: the four ASCII characters, the first one most significant. */
#define SMP_KEYID_LEBR 0x6c656272u /* "lebr": LE LTK to BR/EDR link key */
#define SMP_KEYID_BRLE 0x62726c65u /* "brle": BR/EDR link key to LE LTK */
#define SMP_KEYID_TMP1 0x746d7031u /* "tmp1": its first step (CT2 = 0) */
#define SMP_KEYID_TMP2 0x746d7032u /* "tmp2": the other way's first step */

/* 2.2.1 security function e: AES-128 of plaintext under key (both LSB first, like HCI
 * LE Encrypt). */
int smp_e(const uint8_t key[16], const uint8_t plaintext[16], uint8_t out[16]);

/* 2.2.2 random address hash ah(k, r) = e(k, padding || r) mod 2^24: the hash of a
 * resolvable private address from its 24-bit prand r and the IRK k. */
int smp_ah(const uint8_t irk[16], const uint8_t prand[3], uint8_t hash[3]);

/* 2.2.3 LE legacy pairing confirm value c1(k, r, preq, pres, iat, rat, ia, ra) =
 * e(k, e(k, r XOR p1) XOR p2), p1 = pres || preq || rat' || iat', p2 = padding || ia
 * || ra. k is the TK, r the random value. */
int smp_c1(const uint8_t k[16], const uint8_t r[16], const uint8_t preq[7], const uint8_t pres[7],
           uint8_t iat, uint8_t rat, const uint8_t ia[6], const uint8_t ra[6], uint8_t confirm[16]);

/* 2.2.4 LE legacy pairing key generation s1(k, r1, r2) = e(k, r1' || r2'), r1' and r2'
 * the least significant 64 bits of r1 (the responder's random, Srand) and r2 (the
 * initiator's, Mrand): the STK. */
int smp_s1(const uint8_t k[16], const uint8_t r1[16], const uint8_t r2[16], uint8_t stk[16]);

/* 2.2.6 LE Secure Connections confirm value f4(U, V, X, Z) = AES-CMAC_X(U || V || Z). */
int smp_f4(const uint8_t u[32], const uint8_t v[32], const uint8_t x[16], uint8_t z,
           uint8_t confirm[16]);

/* 2.2.7 LE Secure Connections key generation f5(W, N1, N2, A1, A2) = MacKey || LTK,
 * each an AES-CMAC under T = AES-CMAC_SALT(W) of Counter || keyID "btle" || N1 || N2 ||
 * A1 || A2 || Length 256, Counter 0 for the MacKey and 1 for the LTK. */
int smp_f5(const uint8_t w[32], const uint8_t n1[16], const uint8_t n2[16], const uint8_t a1[7],
           const uint8_t a2[7], uint8_t mackey[16], uint8_t ltk[16]);

/* 2.2.8 LE Secure Connections check value f6(W, N1, N2, R, IOcap, A1, A2) =
 * AES-CMAC_W(N1 || N2 || R || IOcap || A1 || A2): the DHKey check, W the MacKey. */
int smp_f6(const uint8_t w[16], const uint8_t n1[16], const uint8_t n2[16], const uint8_t r[16],
           const uint8_t iocap[3], const uint8_t a1[7], const uint8_t a2[7], uint8_t check[16]);

/* 2.2.9 LE Secure Connections numeric comparison value g2(U, V, X, Y) =
 * AES-CMAC_X(U || V || Y) mod 2^32; the six digits shown are *value mod 10^6. */
int smp_g2(const uint8_t u[32], const uint8_t v[32], const uint8_t x[16], const uint8_t y[16],
           uint32_t *value);

/* 2.2.10 link key conversion h6(W, keyID) = AES-CMAC_W(keyID), keyID one of the
 * SMP_KEYID_* numbers. */
int smp_h6(const uint8_t w[16], uint32_t key_id, uint8_t out[16]);

/* 2.2.11 link key conversion h7(SALT, W) = AES-CMAC_SALT(W); the salts are the 128-bit
 * numbers of SMP_KEYID_TMP1 / TMP2 (2.4.2.4, 2.4.2.5: CT2 = 1), LSB first like the
 * other 128-bit values. */
int smp_h7(const uint8_t salt[16], const uint8_t w[16], uint8_t out[16]);

#endif
