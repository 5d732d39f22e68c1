/* capture.h - every PDU on the air into a pcap file of link type 256,
 * LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR (https://www.tcpdump.org/linktypes/
 * LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR.html): per packet a 10-octet pseudo-header,
 * then the packet as on the air from the access address on (Core v5.4 Vol 6 Part B
 * 2.1): access address, PDU (header + payload), CRC.
 *
 * Pseudo-header as written:
 *   RF channel       the physical channel, 0..39 = (f - 2402 MHz) / 2 (Vol 6 Part A
 *                    2; so channel index 37 is 0, 38 is 12, 39 is 39);
 *   signal power     as transmitted: AIR_TX_POWER_DBM (a sniffer beside the sender);
 *   noise power      0, marked invalid;
 *   AA offenses      0, marked invalid;
 *   reference AA     the access address, marked valid;
 *   flags            de-whitened, signal power valid, reference AA valid; PDU type
 *                    0 (advertising) for advertising channel PDUs, 2 or 3 (central to
 *                    peripheral, peripheral to central) for data channel PDUs; CRC
 *                    neither checked nor valid (the reader checks it); the PHY.
 *
 * Every PDU is written once, as transmitted: lost ones (--loss, out of --range) and
 * collided ones too, unmarked; a loss shows as the missing answer and the
 * retransmission after it. Each packet goes to the file with one write(), so a killed
 * air leaves whole packets only. Timestamps: base plus the PDU's start in medium
 * time, never earlier than the packet before. */
#ifndef MPBLE_AIR_CAPTURE_H
#define MPBLE_AIR_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#define AIR_ADV_CRC_INIT 0x555555u /* advertising channel CRC preset (3.1.1) */
#define AIR_PCAP_LINKTYPE 256      /* LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR */

/* Direction of a PDU, the pseudo-header's PDU type. */
enum air_dir { AIR_DIR_ADV = 0, AIR_DIR_C2P = 2, AIR_DIR_P2C = 3 };

struct air_capture_pdu {
    uint64_t start;  /* medium time, us */
    uint8_t channel; /* channel index 0..39 */
    uint8_t phy;     /* AIR_PHY_1M or AIR_PHY_2M */
    enum air_dir dir;
    uint32_t aa, crc_init;
    const uint8_t *pdu; /* header + payload */
    size_t len;
};

struct air_capture;

/* Creates (truncates) path and writes the pcap file header; timestamps are
 * base_us (microseconds since the Unix epoch) plus medium time. Returns 0 or
 * -errno. */
int air_capture_open(struct air_capture **out, const char *path, uint64_t base_us);
/* Appends one packet; a write error is logged once and stops the capture. */
void air_capture_pdu(struct air_capture *cap, const struct air_capture_pdu *p);
void air_capture_close(struct air_capture *cap);

/* The CRC (Vol 6 Part B 3.1.1) of pdu with the 24-bit preset crc_init (CRCInit as
 * in CONNECT_IND, or AIR_ADV_CRC_INIT), as its three octets go on the air: the
 * first octet of the result's little-endian encoding is sent first. */
uint32_t air_crc24(uint32_t crc_init, const uint8_t *pdu, size_t len);

/* The RF channel (Vol 6 Part A 2) of channel index 0..39 (Vol 6 Part B 1.4.1). */
uint8_t air_rf_channel(uint8_t index);

#endif
