/* ll_pdu.h - advertising physical channel PDUs: Core v5.4 Vol 6 Part B 2.3. */
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
#define LL_ADV_PAYLOAD_MAX (LL_ADDR_LEN + 31)    /* AdvA + AdvData (2.3.1) */
#define LL_SCAN_REQ_PAYLOAD (2 * LL_ADDR_LEN)     /* ScanA + AdvA (2.3.2.1) */

#define LL_ADV_CHANNEL_FIRST 37
#define LL_ADV_CHANNELS 3

#endif
