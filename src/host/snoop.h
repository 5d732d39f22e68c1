/* snoop.h - btsnoop capture of the HCI traffic (MPBLE_SNOOP=FILE), datalink 1002
 * (HCI UART/H4), the format btmon, Wireshark and tshark read. */
#ifndef MPBLE_SNOOP_H
#define MPBLE_SNOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct snoop {
    FILE *f;
};

/* Opens (truncates) the file and writes the header. 0 or a negative errno. */
int snoop_open(struct snoop *s, const char *path);
/* Records one H4 packet (indicator included); received: controller to host. */
void snoop_write(struct snoop *s, const uint8_t *pkt, size_t len, bool received);
void snoop_close(struct snoop *s);

#endif
