/* aes.h - AES-128 block encryption (FIPS-197) on OpenSSL libcrypto.
 *
 * Byte order is FIPS-197's: key[0] and in[0] are the most significant octets. HCI
 * carries LE Encrypt's key and data least significant octet first (Core v5.4 Vol 4
 * Part E 5.2 and 7.8.22), so the controller reverses them around this call. */
#ifndef MPBLE_AES_H
#define MPBLE_AES_H

#include <stdint.h>

/* Encrypts one 16-octet block with a 128-bit key. Returns 0, or -EIO if libcrypto
 * fails. in and out may alias. */
int aes128_encrypt(const uint8_t key[16], const uint8_t in[16], uint8_t out[16]);

#endif
