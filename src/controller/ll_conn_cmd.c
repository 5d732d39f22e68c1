/* ll_conn_cmd.c - HCI commands on connections: Core v5.4 Vol 4 Part E 7.1.6,
 * 7.1.23, 7.8.18, 7.8.21, 7.8.31-35, 7.8.46-49. Those answered by Command Status
 * (Disconnect, Read Remote Version Information, LE Connection Update, LE Read
 * Remote Features, LE Set PHY) report their end by an event. */
#include <string.h>

#include "common/bytes.h"
#include "common/hci_defs.h"
#include "controller/controller_int.h"

#define DL_OCTETS_MAX 0x00fb /* 7.8.33-35 */
#define DL_TIME_MAX 0x4290
#define PHYS_SUPPORTED (AIR_PHY_1M | AIR_PHY_2M)

static struct ll_conn *conn_of(struct controller *c, const uint8_t *p)
{
    return ll_conn_by_handle(c, get_le16(p));
}

/* 7.1.6: the reasons a host may give. */
uint8_t ll_cmd_disconnect(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    static const uint8_t reasons[] = {0x05, 0x13, 0x14, 0x15, 0x1a, 0x29, 0x3b};
    struct ll_conn *cn = conn_of(c, p);
    if (!memchr(reasons, p[2], sizeof(reasons)))
        return HCI_ERR_INVALID_PARAMS;
    if (!cn)
        return HCI_ERR_UNKNOWN_CONN_ID;
    if (cn->terminating || cn->terminated_by_peer)
        return HCI_ERR_COMMAND_DISALLOWED;
    ll_ctrl_terminate(cn, p[2]);
    return HCI_SUCCESS;
}

/* Starts an LL procedure that only asks the peer (its answer comes as an event). */
static uint8_t request(struct controller *c, const uint8_t *p, enum ll_proc proc)
{
    struct ll_conn *cn = conn_of(c, p);
    if (!cn)
        return HCI_ERR_UNKNOWN_CONN_ID;
    ll_ctrl_request(cn, proc, true);
    return HCI_SUCCESS;
}

/* 7.1.23 */
uint8_t ll_cmd_read_remote_version(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    return request(c, p, LL_PROC_VERSION);
}

/* 7.8.18: the central updates (connection update procedure, taking the maximum
 * interval, as for a new connection); a peripheral asks (connection parameters
 * request procedure, with the whole range). */
uint8_t ll_cmd_conn_update(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    struct ll_conn *cn = conn_of(c, p);
    if (!ll_conn_params_valid(p + 2))
        return HCI_ERR_INVALID_PARAMS;
    if (!cn)
        return HCI_ERR_UNKNOWN_CONN_ID;
    enum ll_proc proc = cn->role == HCI_ROLE_CENTRAL ? LL_PROC_CONN_UPDATE : LL_PROC_CONN_PARAM;
    if (cn->proc == proc || (cn->proc_waiting & (1u << proc)))
        return HCI_ERR_COMMAND_DISALLOWED;
    /* A central takes the maximum; a peripheral asks for the range. */
    cn->want.interval = get_le16(p + (cn->role == HCI_ROLE_CENTRAL ? 4 : 2));
    cn->want_max = get_le16(p + 4);
    cn->want.latency = get_le16(p + 6);
    cn->want.timeout = get_le16(p + 8);
    ll_ctrl_request(cn, proc, true);
    return HCI_SUCCESS;
}

/* 7.8.21 */
uint8_t ll_cmd_read_remote_features(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    return request(c, p, LL_PROC_FEATURE);
}

/* 7.8.31: the central's host takes the peer's request with these parameters. */
uint8_t ll_cmd_param_reply(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    struct ll_conn *cn = conn_of(c, p);
    memcpy(ret, p, 2);
    if (!cn)
        return HCI_ERR_UNKNOWN_CONN_ID;
    if (!cn->param_req_host)
        return HCI_ERR_COMMAND_DISALLOWED;
    if (!ll_conn_params_valid(p + 2))
        return HCI_ERR_INVALID_PARAMS;
    /* The maximum of the range the host accepts, as for a new connection. */
    struct ll_conn_params params = {get_le16(p + 4), get_le16(p + 6), get_le16(p + 8)};
    ll_ctrl_param_reply(cn, &params);
    return HCI_SUCCESS;
}

/* 7.8.32 */
uint8_t ll_cmd_param_neg_reply(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    struct ll_conn *cn = conn_of(c, p);
    memcpy(ret, p, 2);
    if (!cn)
        return HCI_ERR_UNKNOWN_CONN_ID;
    if (!cn->param_req_host)
        return HCI_ERR_COMMAND_DISALLOWED;
    ll_ctrl_param_neg_reply(cn, p[2]);
    return HCI_SUCCESS;
}

static bool dl_valid(uint16_t octets, uint16_t time)
{
    return octets >= LL_DATA_OCTETS_MIN && octets <= DL_OCTETS_MAX && time >= LL_DATA_TIME_MIN &&
           time <= DL_TIME_MAX;
}

/* 7.8.33: times above what LE 1M needs for 251 octets are taken as that. */
uint8_t ll_cmd_set_data_length(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    struct ll_conn *cn = conn_of(c, p);
    uint16_t octets = get_le16(p + 2), time = get_le16(p + 4);
    memcpy(ret, p, 2);
    if (!dl_valid(octets, time))
        return HCI_ERR_INVALID_PARAMS;
    if (!cn)
        return HCI_ERR_UNKNOWN_CONN_ID;
    cn->max_tx_octets = octets;
    cn->max_tx_time = time < LL_DATA_TIME_MAX ? time : LL_DATA_TIME_MAX;
    ll_ctrl_request(cn, LL_PROC_LENGTH, false);
    return HCI_SUCCESS;
}

/* 7.8.34 */
uint8_t ll_cmd_read_default_data_length(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    put_le16(ret, c->default_tx_octets);
    put_le16(ret + 2, c->default_tx_time);
    return HCI_SUCCESS;
}

/* 7.8.35 */
uint8_t ll_cmd_write_default_data_length(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    uint16_t octets = get_le16(p), time = get_le16(p + 2);
    if (!dl_valid(octets, time))
        return HCI_ERR_INVALID_PARAMS;
    c->default_tx_octets = octets;
    c->default_tx_time = time < LL_DATA_TIME_MAX ? time : LL_DATA_TIME_MAX;
    return HCI_SUCCESS;
}

/* 7.8.46 */
uint8_t ll_cmd_read_max_data_length(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    put_le16(ret, LL_DATA_MAX);
    put_le16(ret + 2, LL_DATA_TIME_MAX);
    put_le16(ret + 4, LL_DATA_MAX);
    put_le16(ret + 6, LL_DATA_TIME_MAX);
    return HCI_SUCCESS;
}

/* 7.8.47 */
uint8_t ll_cmd_read_phy(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    struct ll_conn *cn = conn_of(c, p);
    memcpy(ret, p, 2);
    if (!cn)
        return HCI_ERR_UNKNOWN_CONN_ID;
    ret[2] = cn->tx_phy;
    ret[3] = cn->rx_phy;
    return HCI_SUCCESS;
}

/* ALL_PHYS, TX_PHYS, RX_PHYS of 7.8.48-49 into preference masks: "no preference"
 * is every PHY; LE Coded and reserved bits are unsupported (0x11). */
static uint8_t phy_prefs(const uint8_t *p, uint8_t *tx, uint8_t *rx)
{
    if ((p[1] | p[2]) & ~PHYS_SUPPORTED)
        return HCI_ERR_UNSUPPORTED_FEATURE;
    *tx = (p[0] & 1) ? PHYS_SUPPORTED : p[1];
    *rx = (p[0] & 2) ? PHYS_SUPPORTED : p[2];
    return *tx && *rx ? HCI_SUCCESS : HCI_ERR_INVALID_PARAMS;
}

uint8_t ll_cmd_set_default_phy(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    uint8_t tx, rx, status = phy_prefs(p, &tx, &rx);
    if (status == HCI_SUCCESS) {
        c->default_tx_phys = tx;
        c->default_rx_phys = rx;
    }
    return status;
}

uint8_t ll_cmd_set_phy(struct controller *c, const uint8_t *p, uint8_t *ret)
{
    struct ll_conn *cn = conn_of(c, p);
    uint8_t tx, rx, status = phy_prefs(p + 2, &tx, &rx);
    if (status != HCI_SUCCESS)
        return status;
    if (!cn)
        return HCI_ERR_UNKNOWN_CONN_ID;
    cn->pref_tx = tx;
    cn->pref_rx = rx;
    ll_ctrl_request(cn, LL_PROC_PHY, true);
    return HCI_SUCCESS;
}
