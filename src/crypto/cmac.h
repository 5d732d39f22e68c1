/* cmac.h - AES-CMAC (RFC 4493; NIST SP 800-38B with AES-128) on OpenSSL libcrypto.
 *
 * The Security Manager's functions f4, f5, f6, g2, h6 and h7 are built on it (Core
 * v5.4 Vol 3 Part H 2.2.5). Byte order is RFC 4493's: key[0] and msg[0] are the most
 * significant octets, as the specification writes its values; SMP PDUs carry them the
 * other way round, and smp_crypto.h converts. */
#ifndef MPBLE_CMAC_H
#define MPBLE_CMAC_H

#include <stddef.h>
#include <stdint.h>

/* The 128-bit MAC of len octets of msg (msg may be NULL when len is 0) under a
 * 128-bit key. Returns 0, or -EIO if libcrypto fails. */
int aes_cmac(const uint8_t key[16], const uint8_t *msg, size_t len, uint8_t mac[16]);

#endif
