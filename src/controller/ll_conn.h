/* ll_conn.h - the connection state of the virtual controller (Core v5.4 Vol 6
 * Part B 4.5), split by concern:
 *   ll_conn.c      slots, handles, connection events, acknowledgement and flow
 *                  (SN/NESN, MD), supervision, the end of a connection;
 *   ll_acl.c       ACL data from and to the host, buffers, LL fragmentation,
 *                  Number Of Completed Packets;
 *   ll_ctrl.c      LL control PDUs and procedures (5.1), instants;
 *   ll_enc.c       encryption: its procedures (5.1.3.1-2), HCI commands and events,
 *                  and the AES-CCM of the PDUs (Vol 6 Part E);
 *   ll_conn_cmd.c  the HCI commands that act on connections.
 * Included through controller_int.h. */
#ifndef MPBLE_LL_CONN_H
#define MPBLE_LL_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "controller/controller.h"
#include "controller/ll_pdu.h"
#include "radio/radio.h"

#define LL_MAX_CONNS 32 /* connections per controller, either role */
#define LL_CTRL_QUEUE 4 /* control PDUs waiting to be sent, per connection */

struct controller;

/* Locally initiated LL procedures: one runs at a time, the others wait. */
enum ll_proc {
    LL_PROC_NONE,
    LL_PROC_FEATURE,
    LL_PROC_VERSION,
    LL_PROC_CONN_UPDATE, /* central: LL_CONNECTION_UPDATE_IND, done at the instant */
    LL_PROC_CONN_PARAM,  /* peripheral: LL_CONNECTION_PARAM_REQ */
    LL_PROC_LENGTH,
    LL_PROC_PHY,
    LL_PROC_ENC, /* central: encryption start, or pause and start (key refresh) */
    LL_PROC_COUNT
};

struct ll_conn_params {
    uint16_t interval, latency, timeout; /* 1.25 ms, events, 10 ms */
};

/* Where the encryption procedures stand (5.1.3.1-2); ll_enc.c's table says which
 * PDU each state awaits. */
enum ll_enc_state {
    LL_ENC_IDLE,
    LL_ENC_PAUSE_WAIT,     /* LL_PAUSE_ENC_RSP awaited (central: the peripheral's
                            * encrypted one; peripheral: the central's in the clear) */
    LL_ENC_RSP_WAIT,       /* central: LL_ENC_REQ sent */
    LL_ENC_START_WAIT,     /* central: LL_ENC_RSP received, LL_START_ENC_REQ awaited */
    LL_ENC_LTK_WAIT,       /* peripheral: the host asked for the LTK */
    LL_ENC_START_RSP_WAIT, /* LL_START_ENC_RSP awaited (central: after sending its
                            * own; peripheral: after LL_START_ENC_REQ) */
};

/* Encryption of one connection (Vol 6 Part B 5.1.3, Part E). */
struct ll_enc {
    enum ll_enc_state state;
    bool on;                 /* the hosts were told the link is encrypted */
    bool refresh;            /* this start follows a pause: Encryption Key Refresh Complete */
    bool paused;             /* no new data PDUs are sent: a procedure runs */
    bool tx, rx;             /* PDUs sent, received, are encrypted */
    uint64_t tx_ctr, rx_ctr; /* packetCounter of the next new PDU each way */
    uint8_t ltk[16], rand[8], ediv[2], skdm[8], skds[8];
    uint8_t iv[8]; /* IVm || IVs */
    uint8_t sk[16];
};

/* What the one PDU in flight (sent, not yet acknowledged) carries. */
enum ll_tx_kind { LL_TX_EMPTY, LL_TX_DATA, LL_TX_CTRL };

struct ll_conn {
    struct controller *ctrl;
    bool in_use, established;
    uint8_t role; /* HCI_ROLE_CENTRAL or HCI_ROLE_PERIPHERAL */
    uint16_t handle;
    uint8_t peer_addr_type, peer_addr[6];
    uint8_t sca; /* the central's sleep clock accuracy (CONNECT_IND) */
    int link;    /* on the air */
    struct ll_conn_params params;
    /* Channel Selection Algorithm #1 (4.5.8.2), run by the central; the peripheral
     * hears the channel with the PDU. */
    uint8_t chm[5], hop, unmapped, nused, used[LL_DATA_CHANNELS];
    uint16_t event;           /* connEventCounter of the next (central) or last heard event */
    uint64_t anchor;          /* central: the next anchor point; peripheral: the last one */
    uint64_t established_by;  /* 6 intervals after the first anchor (4.5.2) */
    uint64_t last_rx;         /* start of the last PDU heard from the peer */
    bool kicked;              /* fast timing: the peer asked for an event */
    uint8_t unheard;          /* central: events in a row in which nothing was heard */
    uint8_t idle_rerun;       /* central, fast timing: events run at once in a row that
                             moved no data or control PDU */
    bool moved;               /* a data or control PDU was acknowledged or taken */
    struct timer event_timer; /* central: the next connection event */
    struct timer supervision;
    /* Acknowledgement and flow control (4.5.9). */
    uint8_t sn, nesn;
    bool tx_busy; /* tx holds a PDU sent but not acknowledged */
    enum ll_tx_kind tx_kind;
    uint8_t tx_piece; /* LL_TX_DATA: payload octets of the front buffer it carries */
    uint8_t tx_len, tx[2 + LL_DATA_MAX];
    bool tx_sealed;                            /* what goes on the air is txe */
    uint8_t txe[2 + LL_DATA_MAX + LL_MIC_LEN]; /* tx encrypted, with its MIC */
    bool peer_md;                              /* MD of the last PDU heard */
    bool refused; /* the peer's last new PDU was not taken: the host had no room */
    /* Control PDUs to send. */
    uint8_t cq_count, cq_head;
    uint8_t cq_len[LL_CTRL_QUEUE], cq[LL_CTRL_QUEUE][LL_CTRL_MAX];
    /* Host ACL buffers (indices into the controller's pool) in order. */
    uint8_t acl_count, acl_head, acl_queue[CONTROLLER_ACL_BUFFERS];
    uint16_t completed; /* host packets acknowledged, not yet reported */
    /* Termination (5.1.3): reason sent, or received (then ends after the ack). */
    bool terminating, terminated_by_peer;
    uint8_t term_reason;
    /* Procedures. */
    enum ll_proc proc;    /* the local one running */
    uint8_t proc_waiting; /* bit per enum ll_proc: requested, not started */
    uint8_t proc_by_host; /* bit per enum ll_proc: report its end to the host */
    bool features_known, version_sent, version_known;
    uint8_t peer_features[8];
    uint8_t peer_version[5];    /* VersNr, CompId, SubVersNr as in LL_VERSION_IND */
    struct ll_conn_params want; /* LE Connection Update's, interval: the minimum */
    uint16_t want_max;          /* ... and its maximum interval */
    bool param_req_host;        /* central: a peer's request awaits the host */
    bool update_pending;        /* an instant is set for new parameters */
    uint16_t update_instant;
    struct ll_conn_params update;
    /* Data length (4.5.10): ours, the peer's, the effective ones. */
    uint16_t max_tx_octets, max_tx_time;
    uint16_t peer_rx_octets, peer_rx_time, peer_tx_octets, peer_tx_time;
    uint16_t eff_tx_octets, eff_tx_time, eff_rx_octets, eff_rx_time;
    /* PHY (5.1.10). */
    uint8_t tx_phy, rx_phy, pref_tx, pref_rx;
    bool phy_pending;
    uint16_t phy_instant;
    uint8_t phy_c_to_p, phy_p_to_c;
    struct ll_enc enc;
};

/* ---- ll_conn.c ---- */

/* A free slot, or NULL when LL_MAX_CONNS are in use. */
struct ll_conn *ll_conn_alloc(struct controller *c);
struct ll_conn *ll_conn_by_handle(struct controller *c, uint16_t handle);
bool ll_conn_exists_to(const struct controller *c, uint8_t addr_type, const uint8_t addr[6]);
/* Starts the connection in slot cn (from ll_conn_alloc) after a CONNECT_IND
 * (payload as on the air, its parameters valid) that ended at ind_end; sends LE
 * Connection Complete. */
void ll_conn_start(struct controller *c, struct ll_conn *cn, uint8_t role, int link,
                   uint8_t peer_type, const uint8_t *ind, uint64_t ind_end);
/* Ends it: Disconnection Complete with reason (Vol 4 Part E 7.7.5) unless quiet. */
void ll_conn_end(struct ll_conn *cn, uint8_t reason, bool quiet);
/* Ends every connection without events (HCI Reset, controller gone). */
void ll_conn_reset(struct controller *c);
/* There is something to send: fast timing runs a connection event now. */
void ll_conn_kick(struct ll_conn *cn);
/* LE Connection Complete, legacy or enhanced as the LE event mask says
 * (Vol 4 Part E 7.7.65.1, 7.7.65.10); cn NULL for a failure with status. */
void ll_conn_complete_event(struct controller *c, uint8_t status, const struct ll_conn *cn,
                            uint8_t peer_type, const uint8_t peer[6]);
/* The supervision timer after a change of the timeout. */
void ll_conn_supervise(struct ll_conn *cn);
/* The air's link operations for the controller's radio. */
size_t ll_conn_link_receive(struct controller *c, int link, const struct air_pdu *pdu,
                            uint8_t *reply, uint8_t *phy);
void ll_conn_link_kick(struct controller *c, int link);
/* The host has room again: links that refused a PDU run an event now (fast timing). */
void ll_conn_host_ready(struct controller *c);

/* ---- ll_acl.c ---- */

void ll_acl_reset(struct controller *c);
/* One HCI ACL packet from the host (whole, length checked). */
void ll_acl_from_host(struct controller *c, const uint8_t *acl, size_t len);
bool ll_acl_pending(const struct ll_conn *cn);
/* Fills the payload of the next data PDU (at most max octets) and its LLID. */
/* Octets of the next data PDU: the rest of the front host packet, at most max. */
uint8_t ll_acl_next_len(struct controller *c, const struct ll_conn *cn, uint8_t max);
uint8_t ll_acl_next(struct controller *c, struct ll_conn *cn, uint8_t *payload, uint8_t max,
                    uint8_t *llid);
/* The data PDU in flight was acknowledged. */
void ll_acl_acked(struct controller *c, struct ll_conn *cn);
/* A data PDU from the peer: to the host as an HCI ACL packet. */
void ll_acl_to_host(struct controller *c, struct ll_conn *cn, uint8_t llid, const uint8_t *data,
                    uint8_t len);
/* Number Of Completed Packets for what cn completed since the last report, now. */
void ll_acl_report_completed(struct controller *c, struct ll_conn *cn);
/* The same for every link, soon: at the air's current time, after what is being
 * handled now, so that completions close together share one event (controllers
 * coalesce them; Vol 4 Part E 7.7.19 allows several handles per event). */
void ll_acl_report_completed_soon(struct controller *c);
/* Drops cn's buffers (the connection ended: the host counts them as returned). */
void ll_acl_flush(struct controller *c, struct ll_conn *cn);

/* ---- ll_ctrl.c ---- */

/* A fresh connection's procedure state, and what it starts on its own. */
void ll_ctrl_init(struct controller *c, struct ll_conn *cn);
/* Queues a control PDU (opcode first). */
void ll_ctrl_send(struct ll_conn *cn, const uint8_t *pdu, uint8_t len);
/* Asks for a local procedure; by_host: report its end. */
void ll_ctrl_request(struct ll_conn *cn, enum ll_proc proc, bool by_host);
/* A control PDU from the peer. */
void ll_ctrl_receive(struct ll_conn *cn, const uint8_t *p, uint8_t len);
/* The control PDU in flight (opcode first) was acknowledged. */
void ll_ctrl_acked(struct ll_conn *cn, const uint8_t *p);
/* Before connection event cn->event: applies what falls due at its instant. */
void ll_ctrl_instants(struct ll_conn *cn);
/* Whether an instant is still ahead (fast timing keeps events coming). */
bool ll_ctrl_instant_pending(const struct ll_conn *cn);
/* A local procedure ended some other way than through ll_ctrl.c: the next may start. */
void ll_ctrl_proc_end(struct ll_conn *cn, enum ll_proc proc);
/* Queues LL_REJECT_EXT_IND for the peer's opcode with error (2.4.2.18). */
void ll_ctrl_reject(struct ll_conn *cn, uint8_t opcode, uint8_t error);
/* HCI Disconnect: LL_TERMINATE_IND with reason before anything else queued. */
void ll_ctrl_terminate(struct ll_conn *cn, uint8_t reason);
/* Host answers for LE Remote Connection Parameter Request (Vol 4 Part E 7.8.31-32). */
void ll_ctrl_param_reply(struct ll_conn *cn, const struct ll_conn_params *p);
void ll_ctrl_param_neg_reply(struct ll_conn *cn, uint8_t reason);

/* ---- ll_enc.c ---- */

/* LL_PROC_ENC starts (central): LL_PAUSE_ENC_REQ on an encrypted link, else
 * LL_ENC_REQ. */
void ll_enc_run(struct ll_conn *cn);
/* An encryption PDU from the peer (opcode first, length checked). */
void ll_enc_receive(struct ll_conn *cn, const uint8_t *p);
/* The peer refused LL_PROC_ENC with error. */
void ll_enc_refused(struct ll_conn *cn, uint8_t error);
/* The new PDU in cn->tx before it first goes out: the switches its sending makes,
 * then, on an encrypted link, its ciphertext and MIC into cn->txe. */
void ll_enc_seal(struct ll_conn *cn);
/* Decrypts a new non-empty PDU's len octets (payload and MIC) into out; false for a
 * MIC failure. The caller counts it (rx_ctr) once it takes the PDU. */
bool ll_enc_open(struct ll_conn *cn, uint8_t hdr, const uint8_t *in, uint8_t len, uint8_t *out);
/* Whether a new PDU with this LLID is one the encryption start forbids: a data PDU
 * (5.1.3.1). */
bool ll_enc_unexpected(const struct ll_conn *cn, uint8_t llid);

#endif
