/* bytes.h - little-endian field access for Bluetooth PDUs (all multi-octet
 * fields on HCI and on the air are little-endian: Core v5.4 Vol 4 Part E 5.2), and
 * device addresses. */
#ifndef MPBLE_BYTES_H
#define MPBLE_BYTES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t get_le24(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
}

static inline uint32_t get_le32(const uint8_t *p)
{
    return get_le24(p) | ((uint32_t)p[3] << 24);
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void put_le24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
    put_le24(p, v);
    p[3] = (uint8_t)(v >> 24);
}

/* Bluetooth addresses travel LSB first; people read them MSB first. */
static inline void bdaddr_reverse(uint8_t dst[6], const uint8_t src[6])
{
    for (int i = 0; i < 6; i++)
        dst[i] = src[5 - i];
}

/* An address (LSB first) as people read it, "XX:XX:XX:XX:XX:XX". */
#define BDADDR_TEXT_LEN 18
static inline const char *bdaddr_text(const uint8_t addr[6], char text[BDADDR_TEXT_LEN])
{
    snprintf(text, BDADDR_TEXT_LEN, "%02X:%02X:%02X:%02X:%02X:%02X", addr[5], addr[4], addr[3],
             addr[2], addr[1], addr[0]);
    return text;
}

#endif
