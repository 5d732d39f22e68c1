/* controller.c - the HCI side of the virtual controller: packets from the host,
 * command dispatch and the commands that touch no link-layer state, events out.
 * Core v5.4 Vol 4 Part E. */
#include "controller/controller.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "common/log.h"
#include "controller/controller_int.h"
#include "controller/ll_pdu.h"
#include "crypto/aes.h"

/* ---- events ---- */

void ctrl_send_packet(struct controller *c, const uint8_t *pkt, size_t len)
{
    if (!c->holding) {
        c->output(c->output_ctx, pkt, len);
        return;
    }
    if (c->held_len + 2 + len > sizeof(c->held)) {
        log_msg(LOG_LEVEL_ERROR, "events raised by one command overflow the controller's "
                                 "buffer: one dropped");
        return;
    }
    put_le16(c->held + c->held_len, (uint16_t)len);
    memcpy(c->held + c->held_len + 2, pkt, len);
    c->held_len += 2 + len;
}

/* What a command raised, after its Command Complete or Command Status. */
static void ctrl_release_held(struct controller *c)
{
    c->holding = false;
    for (size_t at = 0; at < c->held_len; at += 2 + (size_t)get_le16(c->held + at))
        c->output(c->output_ctx, c->held + at + 2, get_le16(c->held + at));
    c->held_len = 0;
}

void ctrl_send_event(struct controller *c, uint8_t code, const uint8_t *params, uint8_t len)
{
    uint8_t pkt[1 + HCI_EVT_HDR + HCI_EVT_MAX_PARAM];
    pkt[0] = H4_EVT;
    pkt[1] = code;
    pkt[2] = len;
    memcpy(pkt + 3, params, len);
    ctrl_send_packet(c, pkt, 3 + (size_t)len);
}

bool ctrl_host_room(const struct controller *c, size_t len, size_t reserve)
{
    return !c->room || c->room(c->output_ctx) >= len + reserve;
}

bool ctrl_le_event_enabled(const struct controller *c, uint8_t subevent)
{
    return (c->event_mask & HCI_EVENT_MASK_LE_META) &&
           (c->le_event_mask & (1ULL << (subevent - 1)));
}

void ctrl_send_le_event(struct controller *c, const uint8_t *params, uint8_t len)
{
    if (ctrl_le_event_enabled(c, params[0]))
        ctrl_send_event(c, HCI_EV_LE_META, params, len);
}

/* Command Complete (Vol 4 Part E 7.7.14): Num_HCI_Command_Packets 1, the opcode, the
 * status, then the command's return parameters. */
static void send_command_complete(struct controller *c, uint16_t opcode, uint8_t status,
                                  const uint8_t *ret, uint8_t ret_len)
{
    uint8_t p[HCI_EVT_MAX_PARAM];
    p[0] = 1;
    put_le16(p + 1, opcode);
    p[3] = status;
    memcpy(p + 4, ret, ret_len);
    ctrl_send_event(c, HCI_EV_CMD_COMPLETE, p, (uint8_t)(4 + ret_len));
}

/* Command Status (7.7.15): the status, Num_HCI_Command_Packets 1, the opcode. */
static void send_command_status(struct controller *c, uint16_t opcode, uint8_t status)
{
    uint8_t p[4] = {status, 1};
    put_le16(p + 2, opcode);
    ctrl_send_event(c, HCI_EV_CMD_STATUS, p, sizeof(p));
}

void ctrl_listen_update(struct controller *c)
{
    radio_listen(&c->radio, c->scan.enabled || c->init.enabled || c->adv.listening);
}

bool ctrl_addressing(const struct controller *c)
{
    return c->adv.enabled || c->scan.enabled || c->init.enabled;
}

bool ctrl_own_address(const struct controller *c, uint8_t own_type, uint8_t *addr_type,
                      uint8_t addr[6])
{
    if (own_type == 0x00 || own_type == 0x02) {
        *addr_type = HCI_ADDR_PUBLIC;
        memcpy(addr, c->public_addr, 6);
        return true;
    }
    *addr_type = HCI_ADDR_RANDOM;
    memcpy(addr, c->random_addr, 6);
    return c->random_addr_set;
}

/* ---- commands without link-layer state ---- */

static void controller_reset_state(struct controller *c)
{
    ll_conn_reset(c);
    ll_acl_reset(c);
    ll_adv_reset(c);
    ll_scan_reset(c);
    ll_init_reset(c);
    ctrl_listen_update(c);
    c->default_tx_octets = LL_DATA_OCTETS_MIN;
    c->default_tx_time = LL_DATA_TIME_MIN;
    c->default_tx_phys = c->default_rx_phys = AIR_PHY_1M | AIR_PHY_2M;
    c->event_mask = HCI_EVENT_MASK_DEFAULT;
    c->event_mask_page2 = 0;
    c->le_event_mask = HCI_LE_EVENT_MASK_DEFAULT;
    c->le_host_supported = false;
    c->random_addr_set = false;
    memset(c->random_addr, 0, 6);
    accept_list_clear(&c->accept_list);
}

/* 7.3.2 */
static uint8_t cmd_reset(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    controller_reset_state(c);
    return HCI_SUCCESS;
}

/* 7.3.1 */
static uint8_t cmd_set_event_mask(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    c->event_mask = (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
    return HCI_SUCCESS;
}

/* 7.3.69 */
static uint8_t cmd_set_event_mask_page2(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    c->event_mask_page2 = (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
    return HCI_SUCCESS;
}

/* 7.3.79: LE_Supported_Host 0x00 or 0x01; the second parameter is unused. */
static uint8_t cmd_write_le_host_supported(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    if (p[0] > 1)
        return HCI_ERR_INVALID_PARAMS;
    c->le_host_supported = p[0] == 1;
    return HCI_SUCCESS;
}

/* 7.4.1: HCI and LMP version 5.4; company 0xFFFF, the one reserved for tests. */
static uint8_t cmd_read_local_version(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    ret[0] = HCI_VERSION_5_4;
    put_le16(ret + 1, 0x0000);
    ret[3] = HCI_VERSION_5_4;
    put_le16(ret + 4, HCI_COMPANY_TEST);
    put_le16(ret + 6, 0x0000);
    return HCI_SUCCESS;
}

static uint8_t cmd_read_local_commands(struct controller *c, const uint8_t *p, uint8_t *ret);

/* 7.4.3, LMP feature bits in Vol 2 Part C 3.3: 37 BR/EDR Not Supported,
 * 38 LE Supported (Controller). */
static uint8_t cmd_read_local_features(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    ret[4] = 0x20 | 0x40;
    return HCI_SUCCESS;
}

/* 7.4.5: an LE-only controller has no BR/EDR buffers: all zero; the host then takes
 * the LE ones from LE Read Buffer Size (7.8.2). */
static uint8_t cmd_read_buffer_size(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    return HCI_SUCCESS;
}

/* 7.4.6: on an LE controller, the public device address. */
static uint8_t cmd_read_bd_addr(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    memcpy(ret, c->public_addr, 6);
    return HCI_SUCCESS;
}

/* Zephyr's vendor Write BD_ADDR (hci_defs.h): the public address from now on. It
 * is the device's identity, not state HCI Reset (7.3.2) returns to a default:
 * controller_reset_state leaves it, as Zephyr's controller does. Not while a state
 * sends the address (Command Disallowed, as for LE Set Random Address, 7.8.4); the
 * air may refuse an address (controller_set_address_claim). */
static uint8_t cmd_vs_write_bd_addr(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    if (ctrl_addressing(c))
        return HCI_ERR_COMMAND_DISALLOWED;
    uint8_t status = c->claim ? c->claim(c->output_ctx, p) : HCI_SUCCESS;
    if (status == HCI_SUCCESS)
        memcpy(c->public_addr, p, 6);
    return status;
}

/* 7.8.1 */
static uint8_t cmd_le_set_event_mask(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    c->le_event_mask = (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
    return HCI_SUCCESS;
}

/* 7.8.2 [v1] */
static uint8_t cmd_le_read_buffer_size(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    put_le16(ret, CONTROLLER_ACL_MTU);
    ret[2] = CONTROLLER_ACL_BUFFERS;
    return HCI_SUCCESS;
}

/* 7.8.3: the LE features of Vol 6 Part B 4.6 the link layer implements. */
static uint8_t cmd_le_read_local_features(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    ret[0] = LL_FEATURES_0;
    ret[1] = LL_FEATURES_1;
    return HCI_SUCCESS;
}

/* 7.8.4 */
static uint8_t cmd_le_set_random_address(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    if (ctrl_addressing(c))
        return HCI_ERR_COMMAND_DISALLOWED;
    memcpy(c->random_addr, p, 6);
    c->random_addr_set = true;
    return HCI_SUCCESS;
}

/* 7.8.6 */
static uint8_t cmd_le_read_adv_tx_power(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    ret[0] = (uint8_t)(int8_t)AIR_TX_POWER_DBM;
    return HCI_SUCCESS;
}

/* 7.8.14 */
static uint8_t cmd_le_read_accept_list_size(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    ret[0] = ACCEPT_LIST_SIZE;
    return HCI_SUCCESS;
}

/* 7.8.15-17: the list may not change while a state filters with it. */
static bool accept_list_busy(const struct controller *c)
{
    return ll_adv_uses_accept_list(c) || ll_scan_uses_accept_list(c) || ll_init_uses_accept_list(c);
}

static uint8_t cmd_le_clear_accept_list(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    if (accept_list_busy(c))
        return HCI_ERR_COMMAND_DISALLOWED;
    accept_list_clear(&c->accept_list);
    return HCI_SUCCESS;
}

static uint8_t cmd_le_add_to_accept_list(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    if (accept_list_busy(c))
        return HCI_ERR_COMMAND_DISALLOWED;
    if (p[0] > HCI_ADDR_RANDOM && p[0] != ACCEPT_LIST_ANONYMOUS)
        return HCI_ERR_INVALID_PARAMS;
    return accept_list_add(&c->accept_list, p[0], p + 1) ? HCI_SUCCESS : HCI_ERR_MEMORY_EXCEEDED;
}

static uint8_t cmd_le_remove_from_accept_list(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    if (accept_list_busy(c))
        return HCI_ERR_COMMAND_DISALLOWED;
    if (p[0] > HCI_ADDR_RANDOM && p[0] != ACCEPT_LIST_ANONYMOUS)
        return HCI_ERR_INVALID_PARAMS;
    accept_list_remove(&c->accept_list, p[0], p + 1);
    return HCI_SUCCESS;
}

/* 7.8.22: key and plaintext arrive least significant octet first; AES (FIPS-197)
 * takes them most significant first. */
static uint8_t cmd_le_encrypt(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    uint8_t key[16], block[16];
    for (int i = 0; i < 16; i++) {
        key[i] = p[15 - i];
        block[i] = p[31 - i];
    }
    if (aes128_encrypt(key, block, block) < 0)
        return HCI_ERR_UNSPECIFIED;
    for (int i = 0; i < 16; i++)
        ret[i] = block[15 - i];
    return HCI_SUCCESS;
}

/* 7.8.23 */
static uint8_t cmd_le_rand(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    rng_bytes(&c->radio.rng, ret, 8);
    return HCI_SUCCESS;
}

/* 7.8.27, state bits: 0 non-connectable, 1 scannable, 2 connectable advertising,
 * 4 passive, 5 active scanning, 6 initiating (connection as central), 7 connection
 * as peripheral, and each of those advertising states combined with passive
 * (8, 9, 10) and active (12, 13, 14) scanning; 29 low duty cycle directed
 * advertising. Other combinations work too but are not claimed. */
static uint8_t cmd_le_read_supported_states(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    put_le32(ret, 0x0001 | 0x0002 | 0x0004 | 0x0010 | 0x0020 | 0x0040 | 0x0080 | 0x0100 | 0x0200 |
                      0x0400 | 0x1000 | 0x2000 | 0x4000 | 0x20000000);
    return HCI_SUCCESS;
}

/* ---- dispatch ---- */

typedef uint8_t (*command_fn)(struct controller *c, const uint8_t *p, uint8_t *ret);

/* Commands whose return parameters begin with the handle they were given keep it
 * when they fail (Vol 4 Part E 7.8.31-33, 7.8.47); the others return zeros. */
static bool ret_has_no_handle(uint16_t opcode)
{
    return opcode != HCI_OP_LE_REMOTE_CONN_PARAM_REPLY &&
           opcode != HCI_OP_LE_REMOTE_CONN_PARAM_NEG_REPLY && opcode != HCI_OP_LE_SET_DATA_LENGTH &&
           opcode != HCI_OP_LE_READ_PHY && opcode != HCI_OP_LE_LTK_REPLY &&
           opcode != HCI_OP_LE_LTK_NEG_REPLY;
}

/* Bit of a command in Supported_Commands: Vol 4 Part E 6.27. */
#define SC(octet, bit) ((uint16_t)((octet)*8 + (bit)))
#define SC_NONE 0xffff /* no bit: Read Local Supported Commands, vendor commands */

#define CC false /* answered by Command Complete */
#define CS true  /* answered by Command Status, an event later tells the end */

static const struct command {
    uint16_t opcode;
    uint8_t param_len, ret_len; /* exactly; ret_len excludes the status */
    uint16_t supported_bit;
    bool status;
    command_fn fn;
} commands[] = {
    {HCI_OP_DISCONNECT, 3, 0, SC(0, 5), CS, ll_cmd_disconnect},
    {HCI_OP_READ_REMOTE_VERSION, 2, 0, SC(2, 7), CS, ll_cmd_read_remote_version},
    {HCI_OP_SET_EVENT_MASK, 8, 0, SC(5, 6), CC, cmd_set_event_mask},
    {HCI_OP_RESET, 0, 0, SC(5, 7), CC, cmd_reset},
    {HCI_OP_SET_EVENT_MASK_PAGE2, 8, 0, SC(22, 2), CC, cmd_set_event_mask_page2},
    {HCI_OP_WRITE_LE_HOST_SUPPORTED, 2, 0, SC(24, 6), CC, cmd_write_le_host_supported},
    {HCI_OP_READ_LOCAL_VERSION, 0, 8, SC(14, 3), CC, cmd_read_local_version},
    {HCI_OP_READ_LOCAL_COMMANDS, 0, 64, SC_NONE, CC, cmd_read_local_commands},
    {HCI_OP_READ_LOCAL_FEATURES, 0, 8, SC(14, 5), CC, cmd_read_local_features},
    {HCI_OP_READ_BUFFER_SIZE, 0, 7, SC(14, 7), CC, cmd_read_buffer_size},
    {HCI_OP_READ_BD_ADDR, 0, 6, SC(15, 1), CC, cmd_read_bd_addr},
    {HCI_OP_LE_SET_EVENT_MASK, 8, 0, SC(25, 0), CC, cmd_le_set_event_mask},
    {HCI_OP_LE_READ_BUFFER_SIZE, 0, 3, SC(25, 1), CC, cmd_le_read_buffer_size},
    {HCI_OP_LE_READ_LOCAL_FEATURES, 0, 8, SC(25, 2), CC, cmd_le_read_local_features},
    {HCI_OP_LE_SET_RANDOM_ADDRESS, 6, 0, SC(25, 4), CC, cmd_le_set_random_address},
    {HCI_OP_LE_SET_ADV_PARAMS, 15, 0, SC(25, 5), CC, ll_adv_set_params},
    {HCI_OP_LE_READ_ADV_TX_POWER, 0, 1, SC(25, 6), CC, cmd_le_read_adv_tx_power},
    {HCI_OP_LE_SET_ADV_DATA, 32, 0, SC(25, 7), CC, ll_adv_set_data},
    {HCI_OP_LE_SET_SCAN_RSP_DATA, 32, 0, SC(26, 0), CC, ll_adv_set_scan_rsp_data},
    {HCI_OP_LE_SET_ADV_ENABLE, 1, 0, SC(26, 1), CC, ll_adv_set_enable},
    {HCI_OP_LE_SET_SCAN_PARAMS, 7, 0, SC(26, 2), CC, ll_scan_set_params},
    {HCI_OP_LE_SET_SCAN_ENABLE, 2, 0, SC(26, 3), CC, ll_scan_set_enable},
    {HCI_OP_LE_CREATE_CONN, 25, 0, SC(26, 4), CS, ll_init_create},
    {HCI_OP_LE_CREATE_CONN_CANCEL, 0, 0, SC(26, 5), CC, ll_init_cancel},
    {HCI_OP_LE_READ_ACCEPT_LIST_SIZE, 0, 1, SC(26, 6), CC, cmd_le_read_accept_list_size},
    {HCI_OP_LE_CLEAR_ACCEPT_LIST, 0, 0, SC(26, 7), CC, cmd_le_clear_accept_list},
    {HCI_OP_LE_ADD_TO_ACCEPT_LIST, 7, 0, SC(27, 0), CC, cmd_le_add_to_accept_list},
    {HCI_OP_LE_REMOVE_FROM_ACCEPT_LIST, 7, 0, SC(27, 1), CC, cmd_le_remove_from_accept_list},
    {HCI_OP_LE_CONN_UPDATE, 14, 0, SC(27, 2), CS, ll_cmd_conn_update},
    {HCI_OP_LE_READ_REMOTE_FEATURES, 2, 0, SC(27, 5), CS, ll_cmd_read_remote_features},
    {HCI_OP_LE_ENCRYPT, 32, 16, SC(27, 6), CC, cmd_le_encrypt},
    {HCI_OP_LE_RAND, 0, 8, SC(27, 7), CC, cmd_le_rand},
    {HCI_OP_LE_ENABLE_ENCRYPTION, 28, 0, SC(28, 0), CS, ll_cmd_enable_encryption},
    {HCI_OP_LE_LTK_REPLY, 18, 2, SC(28, 1), CC, ll_cmd_ltk_reply},
    {HCI_OP_LE_LTK_NEG_REPLY, 2, 2, SC(28, 2), CC, ll_cmd_ltk_neg_reply},
    {HCI_OP_LE_READ_SUPPORTED_STATES, 0, 8, SC(28, 3), CC, cmd_le_read_supported_states},
    {HCI_OP_LE_REMOTE_CONN_PARAM_REPLY, 14, 2, SC(33, 4), CC, ll_cmd_param_reply},
    {HCI_OP_LE_REMOTE_CONN_PARAM_NEG_REPLY, 3, 2, SC(33, 5), CC, ll_cmd_param_neg_reply},
    {HCI_OP_LE_SET_DATA_LENGTH, 6, 2, SC(33, 6), CC, ll_cmd_set_data_length},
    {HCI_OP_LE_READ_DEFAULT_DATA_LENGTH, 0, 4, SC(33, 7), CC, ll_cmd_read_default_data_length},
    {HCI_OP_LE_WRITE_DEFAULT_DATA_LENGTH, 4, 0, SC(34, 0), CC, ll_cmd_write_default_data_length},
    {HCI_OP_LE_READ_MAX_DATA_LENGTH, 0, 8, SC(35, 3), CC, ll_cmd_read_max_data_length},
    {HCI_OP_LE_READ_PHY, 2, 4, SC(35, 4), CC, ll_cmd_read_phy},
    {HCI_OP_LE_SET_DEFAULT_PHY, 3, 0, SC(35, 5), CC, ll_cmd_set_default_phy},
    {HCI_OP_LE_SET_PHY, 7, 0, SC(35, 6), CS, ll_cmd_set_phy},
    {HCI_OP_VS_WRITE_BD_ADDR, 6, 0, SC_NONE, CC, cmd_vs_write_bd_addr},
};

/* 7.4.2: exactly the commands in the table above. */
static uint8_t cmd_read_local_commands(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        uint16_t b = commands[i].supported_bit;
        if (b != SC_NONE)
            ret[b / 8] |= (uint8_t)(1u << (b % 8));
    }
    return HCI_SUCCESS;
}

/* Every command gets a Command Complete or Command Status: unknown ones Command
 * Complete with Unknown HCI Command (Vol 4 Part E 4.5), a parameter length other
 * than the command's Invalid HCI Command Parameters (return parameters zeroed).
 * Events the command raises follow it. */
static void controller_command(struct controller *c, uint16_t opcode, const uint8_t *p,
                               uint8_t plen)
{
    const struct command *cmd = NULL;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (commands[i].opcode == opcode) {
            cmd = &commands[i];
            break;
        }
    }
    uint8_t ret[64] = {0};
    if (!cmd) {
        send_command_complete(c, opcode, HCI_ERR_UNKNOWN_COMMAND, ret, 0);
        return;
    }
    c->holding = true;
    uint8_t status = plen == cmd->param_len ? cmd->fn(c, p, ret) : HCI_ERR_INVALID_PARAMS;
    c->holding = false;
    /* A failing command's return parameters are zero but for the handle. */
    if (status != HCI_SUCCESS && (plen != cmd->param_len || ret_has_no_handle(opcode)))
        memset(ret, 0, sizeof(ret));
    if (cmd->status)
        send_command_status(c, opcode, status);
    else
        send_command_complete(c, opcode, status, ret, cmd->ret_len);
    ctrl_release_held(c);
}

int controller_receive(struct controller *c, const uint8_t *h4, size_t len)
{
    if (len < 1)
        return -EPROTO;
    switch (h4[0]) {
    case H4_CMD:
        if (len < 1 + HCI_CMD_HDR || len != 1 + HCI_CMD_HDR + (size_t)h4[3])
            return -EPROTO;
        controller_command(c, get_le16(h4 + 1), h4 + 4, h4[3]);
        return 0;
    case H4_ACL:
        if (len < 1 + HCI_ACL_HDR || len != 1 + HCI_ACL_HDR + (size_t)get_le16(h4 + 3) ||
            get_le16(h4 + 3) > CONTROLLER_ACL_MTU)
            return -EPROTO;
        ll_acl_from_host(c, h4 + 1, len - 1);
        return 0;
    case H4_ISO:
        /* No isochronous channels: dropped. Length: Vol 4 Part E 5.4.5. */
        if (len < 5 || len != 5 + (size_t)(get_le16(h4 + 3) & 0x3fff))
            return -EPROTO;
        return 0;
    default:
        return -EPROTO;
    }
}

/* ---- the radio side ---- */

static void controller_on_air(struct radio *r, const struct air_pdu *pdu)
{
    struct controller *c = (struct controller *)r;
    if (pdu->len < 2 || (size_t)pdu->pdu[1] + 2 != pdu->len)
        return; /* not a PDU a link layer could decode */
    uint8_t type = pdu->pdu[0] & LL_HDR_TYPE_MASK;
    if (type == LL_SCAN_REQ || type == LL_CONNECT_IND) {
        ll_adv_receive(c, pdu);
    } else {
        ll_init_receive(c, pdu);
        ll_scan_receive(c, pdu);
    }
}

static size_t controller_link_receive(struct radio *r, int link, const struct air_pdu *pdu,
                                      uint8_t *reply, uint8_t *phy)
{
    return ll_conn_link_receive((struct controller *)r, link, pdu, reply, phy);
}

static void controller_link_kick(struct radio *r, int link)
{
    ll_conn_link_kick((struct controller *)r, link);
}

static void controller_advertise_now(struct radio *r)
{
    ll_adv_now((struct controller *)r);
}

static const struct radio_ops controller_radio_ops = {
    .receive = controller_on_air,
    .advertise_now = controller_advertise_now,
    .link_receive = controller_link_receive,
    .link_kick = controller_link_kick,
};

struct controller *controller_create(struct radio_air *air, const uint8_t addr[6],
                                     controller_output_fn out, void *ctx)
{
    struct controller *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    if (radio_join(air, &c->radio, &controller_radio_ops) < 0) {
        free(c);
        return NULL;
    }
    c->output = out;
    c->output_ctx = ctx;
    memcpy(c->public_addr, addr, 6);
    controller_reset_state(c);
    return c;
}

void controller_destroy(struct controller *c)
{
    if (!c)
        return;
    ll_conn_reset(c);
    ll_acl_reset(c);
    ll_adv_reset(c);
    ll_scan_reset(c);
    radio_leave(&c->radio);
    free(c);
}

struct radio *controller_radio(struct controller *c)
{
    return &c->radio;
}

void controller_set_host_room(struct controller *c, controller_room_fn room)
{
    c->room = room;
}

void controller_set_address_claim(struct controller *c, controller_claim_fn claim)
{
    c->claim = claim;
}

void controller_host_ready(struct controller *c)
{
    if (c->reports_dropped) {
        log_msg(LOG_LEVEL_INFO, "%llu advertising reports dropped: the host did not read",
                (unsigned long long)c->reports_dropped);
        c->reports_dropped = 0;
    }
    if (!c->host_refused || !ctrl_host_room(c, 0, CONTROLLER_EVENT_RESERVE))
        return;
    c->host_refused = false;
    ll_conn_host_ready(c);
}
