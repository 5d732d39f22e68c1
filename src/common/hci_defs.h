/* hci_defs.h - HCI constants shared by the host and the virtual controller.
 *
 * Values from the Bluetooth Core Specification v5.4, Vol 4 Part E (HCI functional
 * specification) section 7 (commands and events) and Vol 1 Part F (error codes),
 * and Vol 4 Part A (UART transport layer: H4 packet indicators).
 */
#ifndef MPBLE_HCI_DEFS_H
#define MPBLE_HCI_DEFS_H

/* H4 packet indicators: Vol 4 Part A section 2. */
#define H4_CMD 0x01
#define H4_ACL 0x02
#define H4_SCO 0x03
#define H4_EVT 0x04
#define H4_ISO 0x05

#define HCI_OPCODE(ogf, ocf) ((uint16_t)(((ogf) << 10) | (ocf)))
#define HCI_OGF(op) ((op) >> 10)
#define HCI_OCF(op) (0x3ff & (op))

/* Packet header sizes (without the H4 indicator). */
#define HCI_CMD_HDR 3 /* opcode(2) length(1) */
#define HCI_EVT_HDR 2 /* code(1) length(1) */
#define HCI_ACL_HDR 4 /* handle+flags(2) length(2) */
#define HCI_CMD_MAX_PARAM 255
#define HCI_EVT_MAX_PARAM 255

/* Link Control (OGF 0x01). */
#define HCI_OP_DISCONNECT HCI_OPCODE(0x01, 0x0006)
#define HCI_OP_READ_REMOTE_VERSION HCI_OPCODE(0x01, 0x001d)

/* Controller & Baseband (OGF 0x03). */
#define HCI_OP_SET_EVENT_MASK HCI_OPCODE(0x03, 0x0001)
#define HCI_OP_RESET HCI_OPCODE(0x03, 0x0003)
#define HCI_OP_SET_EVENT_MASK_PAGE2 HCI_OPCODE(0x03, 0x0063)
#define HCI_OP_WRITE_LE_HOST_SUPPORTED HCI_OPCODE(0x03, 0x006d)

/* Informational (OGF 0x04). */
#define HCI_OP_READ_LOCAL_VERSION HCI_OPCODE(0x04, 0x0001)
#define HCI_OP_READ_LOCAL_COMMANDS HCI_OPCODE(0x04, 0x0002)
#define HCI_OP_READ_LOCAL_FEATURES HCI_OPCODE(0x04, 0x0003)
#define HCI_OP_READ_BUFFER_SIZE HCI_OPCODE(0x04, 0x0005)
#define HCI_OP_READ_BD_ADDR HCI_OPCODE(0x04, 0x0009)

/* LE Controller (OGF 0x08). */
#define HCI_OP_LE_SET_EVENT_MASK HCI_OPCODE(0x08, 0x0001)
#define HCI_OP_LE_READ_BUFFER_SIZE HCI_OPCODE(0x08, 0x0002)
#define HCI_OP_LE_READ_LOCAL_FEATURES HCI_OPCODE(0x08, 0x0003)
#define HCI_OP_LE_SET_RANDOM_ADDRESS HCI_OPCODE(0x08, 0x0005)
#define HCI_OP_LE_SET_ADV_PARAMS HCI_OPCODE(0x08, 0x0006)
#define HCI_OP_LE_READ_ADV_TX_POWER HCI_OPCODE(0x08, 0x0007)
#define HCI_OP_LE_SET_ADV_DATA HCI_OPCODE(0x08, 0x0008)
#define HCI_OP_LE_SET_SCAN_RSP_DATA HCI_OPCODE(0x08, 0x0009)
#define HCI_OP_LE_SET_ADV_ENABLE HCI_OPCODE(0x08, 0x000a)
#define HCI_OP_LE_SET_SCAN_PARAMS HCI_OPCODE(0x08, 0x000b)
#define HCI_OP_LE_SET_SCAN_ENABLE HCI_OPCODE(0x08, 0x000c)
#define HCI_OP_LE_CREATE_CONN HCI_OPCODE(0x08, 0x000d)
#define HCI_OP_LE_CREATE_CONN_CANCEL HCI_OPCODE(0x08, 0x000e)
#define HCI_OP_LE_CONN_UPDATE HCI_OPCODE(0x08, 0x0013)
#define HCI_OP_LE_REMOTE_CONN_PARAM_REPLY HCI_OPCODE(0x08, 0x0020)
#define HCI_OP_LE_REMOTE_CONN_PARAM_NEG_REPLY HCI_OPCODE(0x08, 0x0021)
#define HCI_OP_LE_READ_ACCEPT_LIST_SIZE HCI_OPCODE(0x08, 0x000f)
#define HCI_OP_LE_ENCRYPT HCI_OPCODE(0x08, 0x0017)
#define HCI_OP_LE_RAND HCI_OPCODE(0x08, 0x0018)
#define HCI_OP_LE_READ_SUPPORTED_STATES HCI_OPCODE(0x08, 0x001c)

/* Vendor-specific (OGF 0x3F, Vol 4 Part E 5.4.1): Zephyr's Write BD_ADDR (its
 * hci_vs.h, BT_HCI_OP_VS_WRITE_BD_ADDR): the 6-octet public address, LSB first; no
 * return parameters. Controllers of the manufacturers below know it. */
#define HCI_OP_VS_WRITE_BD_ADDR HCI_OPCODE(0x3f, 0x0006)
#define HCI_COMPANY_ZEPHYR 0x05f1 /* The Linux Foundation: Zephyr's controller */
#define HCI_COMPANY_TEST 0xffff   /* reserved for tests: the air's controller */

/* Events: Vol 4 Part E section 7.7. */
#define HCI_EV_DISCONN_COMPLETE 0x05
#define HCI_EV_ENCRYPT_CHANGE 0x08
#define HCI_EV_CMD_COMPLETE 0x0e
#define HCI_EV_CMD_STATUS 0x0f
#define HCI_EV_HARDWARE_ERROR 0x10
#define HCI_EV_NUM_COMPLETED_PACKETS 0x13
#define HCI_EV_LE_META 0x3e

/* LE Meta subevents: Vol 4 Part E section 7.7.65. */
#define HCI_LE_EV_CONN_COMPLETE 0x01
#define HCI_LE_EV_ADV_REPORT 0x02
#define HCI_LE_EV_CONN_UPDATE_COMPLETE 0x03
#define HCI_LE_EV_READ_REMOTE_FEATURES_COMPLETE 0x04
#define HCI_LE_EV_REMOTE_CONN_PARAM_REQ 0x06
#define HCI_LE_EV_DATA_LENGTH_CHANGE 0x07
#define HCI_LE_EV_ENH_CONN_COMPLETE 0x0a
#define HCI_LE_EV_PHY_UPDATE_COMPLETE 0x0c

/* Legacy advertising: Vol 4 Part E 7.8.5 (Advertising_Type) and 7.7.65.2 (Event_Type). */
#define HCI_ADV_IND 0x00
#define HCI_ADV_DIRECT_IND_HIGH 0x01
#define HCI_ADV_SCAN_IND 0x02
#define HCI_ADV_NONCONN_IND 0x03
#define HCI_ADV_DIRECT_IND_LOW 0x04
#define HCI_ADV_REPORT_SCAN_RSP 0x04 /* Event_Type in an advertising report */
#define HCI_ADV_DATA_MAX 31

/* Address types. */
#define HCI_ADDR_PUBLIC 0x00
#define HCI_ADDR_RANDOM 0x01

/* Error codes: Vol 1 Part F section 1.3. */
#define HCI_SUCCESS 0x00
#define HCI_ERR_UNKNOWN_COMMAND 0x01
#define HCI_ERR_UNKNOWN_CONN_ID 0x02
#define HCI_ERR_HARDWARE_FAILURE 0x03
#define HCI_ERR_AUTH_FAILURE 0x05
#define HCI_ERR_PIN_OR_KEY_MISSING 0x06
#define HCI_ERR_MEMORY_EXCEEDED 0x07
#define HCI_ERR_CONN_TIMEOUT 0x08
#define HCI_ERR_CONN_LIMIT 0x09
#define HCI_ERR_CONN_EXISTS 0x0b
#define HCI_ERR_COMMAND_DISALLOWED 0x0c
#define HCI_ERR_LIMITED_RESOURCES 0x0d
#define HCI_ERR_UNSUPPORTED_FEATURE 0x11
#define HCI_ERR_INVALID_PARAMS 0x12
#define HCI_ERR_REMOTE_USER_TERM 0x13
#define HCI_ERR_REMOTE_LOW_RESOURCES 0x14
#define HCI_ERR_LOCAL_HOST_TERM 0x16
#define HCI_ERR_UNSUPPORTED_REMOTE_FEATURE 0x1a
#define HCI_ERR_UNSPECIFIED 0x1f
#define HCI_ERR_LL_RESPONSE_TIMEOUT 0x22
#define HCI_ERR_CONN_FAILED_TO_ESTABLISH 0x3e
#define HCI_ERR_UNKNOWN_ADV_ID 0x42

/* Added for the virtual controller. */
#define HCI_OP_LE_CLEAR_ACCEPT_LIST HCI_OPCODE(0x08, 0x0010)
#define HCI_OP_LE_ADD_TO_ACCEPT_LIST HCI_OPCODE(0x08, 0x0011)
#define HCI_OP_LE_REMOVE_FROM_ACCEPT_LIST HCI_OPCODE(0x08, 0x0012)

#define HCI_VERSION_5_4 0x0d                            /* Assigned Numbers: HCI and LMP versions */
#define HCI_EVENT_MASK_DEFAULT 0x00001fffffffffffULL    /* Vol 4 Part E 7.3.1 */
#define HCI_EVENT_MASK_LE_META (1ULL << 61)             /* Vol 4 Part E 7.3.1 */
#define HCI_LE_EVENT_MASK_DEFAULT 0x000000000000001fULL /* Vol 4 Part E 7.8.1 */

/* LE_Scan_Type: Vol 4 Part E 7.8.10. */
#define HCI_SCAN_PASSIVE 0x00
#define HCI_SCAN_ACTIVE 0x01

/* Added for connections in the virtual controller (Vol 4 Part E 7.1, 7.7, 7.8). */
#define HCI_OP_LE_CONN_UPDATE HCI_OPCODE(0x08, 0x0013)
#define HCI_OP_LE_READ_REMOTE_FEATURES HCI_OPCODE(0x08, 0x0016)
#define HCI_OP_LE_REMOTE_CONN_PARAM_REPLY HCI_OPCODE(0x08, 0x0020)
#define HCI_OP_LE_REMOTE_CONN_PARAM_NEG_REPLY HCI_OPCODE(0x08, 0x0021)
#define HCI_OP_LE_SET_DATA_LENGTH HCI_OPCODE(0x08, 0x0022)
#define HCI_OP_LE_READ_DEFAULT_DATA_LENGTH HCI_OPCODE(0x08, 0x0023)
#define HCI_OP_LE_WRITE_DEFAULT_DATA_LENGTH HCI_OPCODE(0x08, 0x0024)
#define HCI_OP_LE_READ_MAX_DATA_LENGTH HCI_OPCODE(0x08, 0x002f)
#define HCI_OP_LE_READ_PHY HCI_OPCODE(0x08, 0x0030)
#define HCI_OP_LE_SET_DEFAULT_PHY HCI_OPCODE(0x08, 0x0031)
#define HCI_OP_LE_SET_PHY HCI_OPCODE(0x08, 0x0032)
#define HCI_EV_READ_REMOTE_VERSION_COMPLETE 0x0c
#define HCI_LE_EV_READ_REMOTE_FEATURES_COMPLETE 0x04
#define HCI_LE_EV_REMOTE_CONN_PARAM_REQ 0x06
#define HCI_LE_EV_DATA_LENGTH_CHANGE 0x07
#define HCI_LE_EV_ENHANCED_CONN_COMPLETE 0x0a
#define HCI_LE_EV_PHY_UPDATE_COMPLETE 0x0c
#define HCI_ERR_UNACCEPTABLE_CONN_PARAMS 0x3b
#define HCI_ERR_LL_PROCEDURE_COLLISION 0x23
#define HCI_ERR_INSTANT_PASSED 0x28
#define HCI_ERR_DIFFERENT_TRANSACTION_COLLISION 0x2a
#define HCI_ERR_UNSUPPORTED_LL_PARAM 0x20
#define HCI_ROLE_CENTRAL 0x00
#define HCI_ROLE_PERIPHERAL 0x01
#define HCI_EVENT_MASK_DISCONN_COMPLETE (1ULL << 4)     /* Vol 4 Part E 7.3.1 */
#define HCI_EVENT_MASK_READ_REMOTE_VERSION (1ULL << 11) /* Vol 4 Part E 7.3.1 */
#define HCI_ACL_PB_FIRST_NONFLUSH 0x0 /* Packet_Boundary_Flag: Vol 4 Part E 5.4.2 */
#define HCI_ACL_PB_CONT 0x1
#define HCI_ACL_PB_FIRST_FLUSH 0x2
#define HCI_CONN_HANDLE_MAX 0x0eff

#endif
