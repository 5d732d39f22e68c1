/* host.c - the top of the host: it creates a host, wires its layers together
 * (what each lower layer hands up goes through the functions registered here), and
 * starts and stops it. */
#include "host/host.h"

#include <stdlib.h>
#include <unistd.h>

#include "common/hci_defs.h"
#include "host/att.h"
#include "host/gap.h"
#include "host/gatts.h"
#include "host/hci_evt.h"
#include "host/l2cap.h"
#include "host/l2cap_coc.h"
#include "host/l2cap_sig.h"
#include "host/smp.h"
#include "host/startup.h"

/* Packets parked while a command waits: room for many maximum-size events. */
#define HCI_PARKED_BYTES (256 * 1024)

/* ---- what HCI hands up ---- */

static void on_hci_event(struct host *h, const struct hci_evt *ev)
{
    unsigned i = 0;
    uint16_t handle, count;
    switch (ev->kind) {
    case HCI_EVT_ADV_REPORT:
        gap_on_adv_reports(h, ev);
        break;
    case HCI_EVT_CONN_COMPLETE:
        conn_on_complete(h, ev);
        break;
    case HCI_EVT_DISCONN_COMPLETE:
        conn_on_disconnect(h, ev);
        break;
    case HCI_EVT_CONN_UPDATE:
        conn_on_update(h, ev);
        break;
    case HCI_EVT_CONN_PARAM_REQ:
        conn_on_param_req(h, ev);
        break;
    case HCI_EVT_NUM_COMPLETED:
        while (hci_num_completed_next(ev, &i, &handle, &count))
            acl_on_completed(h, handle, count);
        break;
    case HCI_EVT_HW_ERROR:
        host_log(h, "controller reports hardware error 0x%02x", ev->u.hw_error);
        break;
    default:
        break;
    }
}

static void on_transport_lost(struct host *h)
{
    gap_on_transport_lost(h);
    conn_on_transport_lost(h);
}

/* ---- links up and down ---- */

static void on_link_up(struct host *h, struct conn *c)
{
    acl_link_up(h, c);
    l2cap_link_up(h, c);
    att_link_up(h, c);
    /* The fixed channels every LE link has (Vol 3 Part A 2.1). */
    l2cap_fixed_open(h, c, L2CAP_CID_ATT, ATT_MTU_MAX, &att_chan_ops);
    l2cap_fixed_open(h, c, L2CAP_CID_LE_SIGNALING, L2CAP_SIG_MTU, &l2cap_sig_ops);
    l2cap_fixed_open(h, c, L2CAP_CID_SMP, SMP_MTU, &smp_chan_ops);
}

static void on_link_down(struct host *h, struct conn *c)
{
    acl_link_down(h, c);
    att_link_down(h, c);
    gatts_conn_reset(h, c);
    l2cap_coc_link_down(h, c);
    l2cap_link_down(h, c);
}

/* ---- the host ---- */

struct host *host_new(const struct host_base *base)
{
    struct host *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->base = *base;
    h->base.timers = NULL;
    if (h->base.now == NULL)
        h->base.now = host_clock_monotonic;
    h->fd = -1;
    h->cmd_credits = 1; /* Vol 4 Part E 4.4: one command may be sent after power-on */
    h->hci_up = (struct hci_upper){on_hci_event, acl_on_packet, on_transport_lost};
    h->conn_up = (struct conn_upper){on_link_up, on_link_down};
    h->acl_up = (struct acl_upper){l2cap_on_pdu, l2cap_on_tx_room};
    h->parked.cap = HCI_PARKED_BYTES;
    h->parked.buf = malloc(h->parked.cap);
    h->rx_in = malloc(HCI_READ_CHUNK);
    h->rx_pkt = malloc(H4_MAX_PACKET);
    h4_init(&h->rx, H4_FROM_CONTROLLER, 65535);
    if (h->parked.buf == NULL || h->rx_in == NULL || h->rx_pkt == NULL || conn_start(h) < 0) {
        host_free(h);
        return NULL;
    }
    return h;
}

void host_free(struct host *h)
{
    if (h == NULL)
        return;
    gatts_stop(h);
    l2cap_coc_free(h);
    conn_free(h);
    if (h->fd >= 0)
        close(h->fd);
    snoop_close(&h->snoop);
    free(h->parked.buf);
    free(h->rx_in);
    free(h->rx_pkt);
    free(h);
}

int host_start(struct host *h)
{
    int rc = startup_controller(h);
    if (rc == 0) {
        h->acl_credits = h->acl_pkts;
        rc = gatts_start(h);
    }
    if (rc == 0)
        rc = gap_start(h);
    return rc;
}

void host_shutdown(struct host *h)
{
    gap_stop(h);
    h->base.stopping = true; /* from here on, no events but SCAN_DONE */
    conn_stop(h);
}
