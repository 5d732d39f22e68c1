/* smp.h - the Security Manager Protocol (Core v5.4 Vol 3 Part H) on its fixed
 * channel, CID 0x0006, opened on every link. Pairing is not supported yet: every
 * attempt is answered with Pairing Failed, Pairing Not Supported (3.5.5). */
#ifndef MPBLE_SMP_H
#define MPBLE_SMP_H

#include "host/l2cap.h"

#define SMP_MTU 65 /* the LE Secure Connections MTU (Vol 3 Part H 3.2) */

extern const struct l2cap_chan_ops smp_chan_ops;

#endif
