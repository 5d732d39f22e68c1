/* ll_pdu.h - advertising physical channel PDUs (Core v5.4 Vol 6 Part B 2.3) and
 * data physical channel PDUs (2.4). */
#ifndef MPBLE_LL_PDU_H
#define MPBLE_LL_PDU_H

/* PDU Type, the low 4 bits of the header's first octet (Vol 6 Part B 2.3, table 2.3). */
#define LL_ADV_IND 0x0
#define LL_ADV_DIRECT_IND 0x1
#define LL_ADV_NONCONN_IND 0x2
#define LL_SCAN_REQ 0x3
#define LL_SCAN_RSP 0x4
#define LL_CONNECT_IND 0x5
#define LL_ADV_SCAN_IND 0x6

#define LL_HDR_TYPE_MASK 0x0f
#define LL_HDR_TXADD 0x40 /* the sender's address (AdvA, ScanA) is random */
#define LL_HDR_RXADD 0x80 /* the target's address (AdvA in SCAN_REQ) is random */

#define LL_HDR_LEN 2
#define LL_ADDR_LEN 6
#define LL_ADV_PAYLOAD_MAX (LL_ADDR_LEN + 31) /* AdvA + AdvData (2.3.1) */
#define LL_SCAN_REQ_PAYLOAD (2 * LL_ADDR_LEN) /* ScanA + AdvA (2.3.2.1) */

#define LL_ADV_DIRECT_PAYLOAD (2 * LL_ADDR_LEN) /* AdvA + TargetA (2.3.1.2) */
#define LL_CONNECT_IND_PAYLOAD 34               /* InitA, AdvA, LLData (2.3.3.1) */

#define LL_ADV_CHANNEL_FIRST 37
#define LL_ADV_CHANNELS 3
#define LL_DATA_CHANNELS 37

/* Data channel PDU header, first octet (2.4, figure 2.13). */
#define LL_LLID_MASK 0x03
#define LL_LLID_CONT 0x01  /* continuation fragment, or an empty PDU */
#define LL_LLID_START 0x02 /* start of an L2CAP message, or a complete one */
#define LL_LLID_CTRL 0x03  /* LL control PDU */
#define LL_NESN 0x04
#define LL_SN 0x08
#define LL_MD 0x10
#define LL_DATA_MAX 251 /* largest payload (4.5.10) */
#define LL_MIC_LEN 4    /* after the payload of an encrypted PDU (2.4) */

/* LL control PDU opcodes (2.4.2, table 2.18). */
#define LL_CONNECTION_UPDATE_IND 0x00
#define LL_CHANNEL_MAP_IND 0x01
#define LL_TERMINATE_IND 0x02
#define LL_ENC_REQ 0x03
#define LL_ENC_RSP 0x04
#define LL_START_ENC_REQ 0x05
#define LL_START_ENC_RSP 0x06
#define LL_UNKNOWN_RSP 0x07
#define LL_FEATURE_REQ 0x08
#define LL_FEATURE_RSP 0x09
#define LL_PAUSE_ENC_REQ 0x0a
#define LL_PAUSE_ENC_RSP 0x0b
#define LL_VERSION_IND 0x0c
#define LL_REJECT_IND 0x0d
#define LL_PERIPHERAL_FEATURE_REQ 0x0e
#define LL_CONNECTION_PARAM_REQ 0x0f
#define LL_CONNECTION_PARAM_RSP 0x10
#define LL_REJECT_EXT_IND 0x11
#define LL_LENGTH_REQ 0x14
#define LL_LENGTH_RSP 0x15
#define LL_PHY_REQ 0x16
#define LL_PHY_RSP 0x17
#define LL_PHY_UPDATE_IND 0x18
#define LL_CTRL_MAX 24 /* the largest: LL_CONNECTION_PARAM_REQ, opcode included */

/* Data length (4.5.10): octets, and us at LE 1M, of the smallest and largest
 * payloads, MIC included in the times. */
#define LL_DATA_OCTETS_MIN 27
#define LL_DATA_TIME_MIN 328
#define LL_DATA_TIME_MAX 2120

/* Supported LE features (4.6): LE Encryption (0), Connection Parameters Request (1),
 * Extended Reject Indication (2), Peripheral-initiated Features Exchange (3), LE Data
 * Packet Length Extension (5), LE 2M PHY (8). */
#define LL_FEATURES_0 0x2f
#define LL_FEATURES_1 0x01

#endif
