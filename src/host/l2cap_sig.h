/* l2cap_sig.h - the LE signalling channel (Core v5.4 Vol 3 Part A 4), fixed CID
 * 0x0005: its channel operations, opened on every link. */
#ifndef MPBLE_L2CAP_SIG_H
#define MPBLE_L2CAP_SIG_H

#include "host/l2cap.h"

#define L2CAP_SIG_MTU 23 /* MTU_sig for LE (Vol 3 Part A 4) */

extern const struct l2cap_chan_ops l2cap_sig_ops;

#endif
