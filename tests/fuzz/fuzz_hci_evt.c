/* fuzz_hci_evt.c - the host's HCI event decoder on arbitrary events: whatever it
 * accepts, iterating the advertising reports stays within the buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/hci_evt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy, so that ASan sees any read past the event's end. */
    uint8_t *evt = malloc(size ? size : 1);
    memcpy(evt, data, size);
    struct hci_evt ev;
    if (hci_evt_parse(evt, size, &ev) == 0 && ev.kind == HCI_EVT_ADV_REPORT) {
        struct hci_adv_report r;
        size_t off = 0;
        unsigned n = 0, sum = 0;
        while (hci_adv_report_next(&ev, &off, &r)) {
            for (unsigned i = 0; i < r.data_len; i++)
                sum += r.data[i];
            n++;
        }
        if (n != ev.u.adv.num)
            abort();
        (void)sum;
    }
    free(evt);
    return 0;
}
