/* p256.h - P-256 key pairs and the Diffie-Hellman key of LE Secure Connections (Core
 * v5.4 Vol 3 Part H 2.3.5.6: the curve is FIPS 186-4's P-256), on OpenSSL libcrypto.
 *
 * Byte order is the one of SMP's Pairing Public Key PDU (Vol 3 Part H 3.5.6) and of
 * HCI's LE Read Local P-256 Public Key and LE Generate DHKey (Vol 4 Part E 7.7.65.8,
 * 7.7.65.9): every 256-bit integer least significant octet first. A public key is the
 * 64 octets X || Y, each coordinate LSB first; a DHKey is the X coordinate of the
 * shared point, LSB first. The specification prints all of them MSB first. */
#ifndef MPBLE_P256_H
#define MPBLE_P256_H

#include <stdbool.h>
#include <stdint.h>

#define P256_PRIVATE_KEY_LEN 32
#define P256_PUBLIC_KEY_LEN 64
#define P256_DHKEY_LEN 32

struct p256_keypair {
    uint8_t private_key[P256_PRIVATE_KEY_LEN]; /* the scalar d, 0 < d < n */
    uint8_t public_key[P256_PUBLIC_KEY_LEN];   /* d * G, X || Y */
};

/* The debug private key of Vol 3 Part H 2.3.5.6.1 (a pairing with it can be decrypted
 * by anyone: for tests and sniffing only), LSB first. */
extern const uint8_t p256_debug_private_key[P256_PRIVATE_KEY_LEN];

/* A new random key pair. Returns 0, or -EIO if libcrypto fails. */
int p256_keypair_generate(struct p256_keypair *kp);

/* The key pair of a given private key (the debug key, a test's). Returns 0, -EINVAL if
 * the key is 0 or not below the group order n, or -EIO. */
int p256_keypair_from_private(struct p256_keypair *kp, const uint8_t private_key[32]);

/* Whether a public key is a point of the curve, both coordinates below p (Vol 3 Part H
 * 2.3.5.6.1 asks for the check: an invalid key ends the pairing). */
bool p256_public_key_valid(const uint8_t public_key[64]);

/* The DHKey of our private key and a peer's public key. Returns 0, -EINVAL if the peer's
 * key is not on the curve or the private key is out of range (dhkey is then all zero),
 * or -EIO. */
int p256_dhkey(const uint8_t private_key[32], const uint8_t peer_public_key[64], uint8_t dhkey[32]);

#endif
