/* irq.h - delivering a C core event to the Python IRQ handler. */
#ifndef BT_IRQ_H
#define BT_IRQ_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "mpble/mpble.h"

/* Called on the main thread, by the pump (scheduler.c) with the GIL or inside a method
 * call without it: takes the GIL, calls *handler (a callable, or None to drop the
 * event) as handler(code, data) with the event's tuple (micropython-semantics.md 5.1),
 * releases the tuple's memoryviews, and returns the handler's result converted for the
 * core (5.3; 0 where unused). A handler that raises is reported on stderr and *handler
 * becomes None (5.4). */
int bt_irq_deliver(PyObject **handler, const struct mpble_event *ev);

#endif
