/* scheduler.h - MicroPython's scheduler on CPython's main thread: where the BLE event
 * handlers and micropython.schedule()'s functions run (scheduler.c says how). */
#ifndef BT_SCHED_H
#define BT_SCHED_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>

/* At module import: finds the main thread and, on it, installs the signal handler.
 * 0, or -1 with an exception set. */
int bt_sched_init(void);
/* Installs the signal handler if it is not yet and this is the main thread (import on
 * another thread leaves it to the first BLE call on the main thread). 0 or -1. */
int bt_sched_ensure_signal(void);
pthread_t bt_sched_main_thread(void);
/* The core's wake function (mpble_wake_fn): makes the main thread pump soon. Any
 * thread, no GIL needed. */
void bt_sched_wake(void *ctx);
/* Runs the scheduled functions and delivers the queued events, until there are none;
 * nothing when it is already running further up the main thread's stack. GIL held. */
void bt_sched_pump(void);
void bt_sched_after_fork_child(void);
/* bluetooth._schedule(function, argument): micropython.schedule() (the compatibility
 * layer's) queues function(argument) for the pump; RuntimeError when 8 wait. */
PyObject *bt_sched_schedule(PyObject *module, PyObject *const *args, Py_ssize_t nargs);

#endif
