/* ccm.h - LE link-layer encryption: AES-CCM of Core v5.4 Vol 6 Part E on OpenSSL
 * libcrypto.
 *
 * Byte order: keys and values are as HCI and the LL control PDUs carry them, least
 * significant octet first (LTK in LE Long Term Key Request Reply, SKDm/IVm in
 * LL_ENC_REQ, SKDs/IVs in LL_ENC_RSP), except the session key, which is kept in
 * AES's order (FIPS-197, most significant octet first) as aes.h uses keys. */
#ifndef MPBLE_CCM_H
#define MPBLE_CCM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CCM_MIC_LEN 4 /* the MIC after an encrypted payload (Vol 6 Part E 1) */
#define CCM_COUNTER_MASK ((1ULL << 39) - 1) /* packetCounter: 39 bits (Part E 2.1) */

/* The session key SK = e(LTK, SKD) with SKD = SKDm || SKDs, SKDm the least
 * significant half (Vol 6 Part B 5.1.3.1, Part C 1). Returns 0 or -EIO. */
int ccm_session_key(const uint8_t ltk[16], const uint8_t skdm[8], const uint8_t skds[8],
                    uint8_t sk[16]);

/* One direction's parameters of a PDU: the session key, IV = IVm || IVs (IVm's
 * four octets first, as on the air), the 39-bit packet counter and the direction
 * bit (1: central to peripheral) that make the nonce (Vol 6 Part E 2.1). */
struct ccm_params {
    const uint8_t *sk; /* 16 octets */
    const uint8_t *iv; /* 8 octets */
    uint64_t counter;
    bool central_to_peripheral;
};

/* Encrypts a data PDU's payload (len 1..251 octets) under the header's first
 * octet hdr0: out takes the ciphertext and the MIC, len + CCM_MIC_LEN octets.
 * Returns 0 or -EIO. */
int ccm_encrypt(const struct ccm_params *p, uint8_t hdr0, const uint8_t *in, size_t len,
                uint8_t *out);

/* Decrypts len octets (ciphertext and MIC) received under hdr0 into out
 * (len - CCM_MIC_LEN octets). Returns 0; -EBADMSG if the MIC does not verify
 * (or len leaves no payload); -EIO if libcrypto fails. */
int ccm_decrypt(const struct ccm_params *p, uint8_t hdr0, const uint8_t *in, size_t len,
                uint8_t *out);

#endif
