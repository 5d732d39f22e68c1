/* accept_list.c - the Filter Accept List. */
#include "controller/accept_list.h"

#include <string.h>

void accept_list_clear(struct accept_list *l)
{
    l->count = 0;
}

static int accept_list_find(const struct accept_list *l, uint8_t type, const uint8_t addr[6])
{
    for (unsigned i = 0; i < l->count; i++) {
        /* Anonymous entries carry no address (Vol 4 Part E 7.8.16). */
        if (l->entries[i].type == type &&
            (type == ACCEPT_LIST_ANONYMOUS || memcmp(l->entries[i].addr, addr, 6) == 0))
            return (int)i;
    }
    return -1;
}

bool accept_list_add(struct accept_list *l, uint8_t type, const uint8_t addr[6])
{
    if (accept_list_find(l, type, addr) >= 0)
        return true;
    if (l->count == ACCEPT_LIST_SIZE)
        return false;
    l->entries[l->count].type = type;
    memcpy(l->entries[l->count].addr, addr, 6);
    l->count++;
    return true;
}

void accept_list_remove(struct accept_list *l, uint8_t type, const uint8_t addr[6])
{
    int i = accept_list_find(l, type, addr);
    if (i >= 0)
        l->entries[i] = l->entries[--l->count];
}

bool accept_list_contains(const struct accept_list *l, uint8_t type, const uint8_t addr[6])
{
    return accept_list_find(l, type, addr) >= 0;
}
