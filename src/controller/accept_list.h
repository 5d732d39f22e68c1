/* accept_list.h - the Filter Accept List: Core v5.4 Vol 6 Part B 4.3.1. */
#ifndef MPBLE_ACCEPT_LIST_H
#define MPBLE_ACCEPT_LIST_H

#include <stdbool.h>
#include <stdint.h>

#define ACCEPT_LIST_SIZE 8
#define ACCEPT_LIST_ANONYMOUS 0xff /* Address_Type for anonymous advertisements */

struct accept_list {
    unsigned count;
    struct {
        uint8_t type;
        uint8_t addr[6];
    } entries[ACCEPT_LIST_SIZE];
};

void accept_list_clear(struct accept_list *l);
/* Returns false when the list is full; adding an entry already there succeeds. */
bool accept_list_add(struct accept_list *l, uint8_t type, const uint8_t addr[6]);
void accept_list_remove(struct accept_list *l, uint8_t type, const uint8_t addr[6]);
bool accept_list_contains(const struct accept_list *l, uint8_t type, const uint8_t addr[6]);

#endif
