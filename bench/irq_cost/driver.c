/* driver.c - the bluetooth module's own cost per event: N _IRQ_GATTC_NOTIFY events
 * with 20 bytes of data delivered through bt_irq_deliver to a trivial handler, the way
 * the build delivers them: on the main thread, which calls it without the GIL (as the
 * module's pump does), or, in builds that ran handlers on the host's loop thread (they
 * have bt_irq_init), from a thread Python has never seen while the main thread waits
 * without the GIL. Prints the time per event, the handler's own body (calling it with
 * the GIL held on a ready tuple), and the difference: what the binding adds. Built and
 * run by bench/irq_cost.py against a build's objects.
 *
 * usage: driver [N]   (default 200000) */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "irq.h"

/* Only in builds that delivered from the loop thread (and in the earliest of those,
 * which made a thread state per event, absent too). */
int bt_irq_init(void) __attribute__((weak));

static PyObject *handler;
static struct mpble_event ev;
static long n;
static double elapsed;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Delivers the n events on the calling thread. */
static void *loop_thread(void *arg)
{
    double t0 = now();
    for (long i = 0; i < n; i++) {
        bt_irq_deliver(&handler, &ev);
    }
    elapsed = now() - t0;
    return NULL;
}

int main(int argc, char **argv)
{
    n = argc > 1 ? atol(argv[1]) : 200000;
    Py_Initialize();
    if (bt_irq_init != NULL && bt_irq_init() < 0) { /* a loop-thread build */
        return 1;
    }
    PyObject *globals = PyDict_New();
    handler = PyRun_String("lambda event, data: None", Py_eval_input, globals, globals);
    if (handler == NULL) {
        PyErr_Print();
        return 1;
    }
    static const uint8_t data[20];
    ev.code = MPBLE_IRQ_GATTC_NOTIFY;
    ev.u.data.conn_handle = 0;
    ev.u.data.value_handle = 16;
    ev.u.data.data = data;
    ev.u.data.len = sizeof data;

    PyObject *args = Py_BuildValue("(i(iiy#))", ev.code, 0, 16, data, (Py_ssize_t)sizeof data);
    double t0 = now();
    for (long i = 0; i < n; i++) {
        Py_DECREF(PyObject_Call(handler, args, NULL));
    }
    double body = (now() - t0) / (double)n;
    Py_DECREF(args);

    Py_BEGIN_ALLOW_THREADS
    if (bt_irq_init != NULL) {
        pthread_t t;
        pthread_create(&t, NULL, loop_thread, NULL);
        pthread_join(t, NULL);
    } else {
        loop_thread(NULL);
    }
    Py_END_ALLOW_THREADS
    double per = elapsed / (double)n;
    printf("per event %.2f us, handler body %.2f us, binding %.2f us (%ld events)\n", per * 1e6,
           body * 1e6, (per - body) * 1e6, n);
    Py_DECREF(handler);
    Py_DECREF(globals);
    return Py_FinalizeEx() < 0 ? 1 : 0;
}
