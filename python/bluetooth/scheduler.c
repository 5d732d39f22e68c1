/* scheduler.c - MicroPython's scheduler on CPython's main thread: the BLE events and the
 * functions of micropython.schedule() run there, one at a time, between bytecodes and
 * inside the waits (micropython-semantics.md 5.5 and 10.2).
 *
 * CPython runs a Python-level signal handler on the main thread at the next bytecode
 * boundary, and inside time.sleep(), select/poll/epoll (asyncio's loop), lock and
 * Event waits and thread joins, which it resumes afterwards. So a thread with events
 * for the main thread sends it PUMP_SIGNAL, whose handler is the pump. The handler
 * is installed with SA_RESTART, so a blocking read or write (input(), a socket's recv)
 * is not interrupted: as on MicroPython, nothing is delivered until it returns. Until
 * the handler can be installed (only the main thread may install one), or if the
 * program has a handler of its own for that signal, the pump is a pending call
 * instead (bytecode boundaries only). */
#include "scheduler.h"

#include <pthread.h>
#include <signal.h>

#include "ble.h"

/* Ignored by default (a stray one harms nothing) and otherwise rarely used. */
#define PUMP_SIGNAL SIGURG
/* MicroPython's schedule queue depth on its ports. */
#define SCHEDULE_DEPTH 8

static pthread_t main_thread;
static int signal_installed;
static int pumping;
static PyObject *scheduled[SCHEDULE_DEPTH][2]; /* (function, argument), FIFO */
static int sched_head, sched_count;

static int pending_pump(void *arg)
{
    bt_sched_pump();
    return 0;
}

void bt_sched_wake(void *ctx)
{
    if (__atomic_load_n(&signal_installed, __ATOMIC_ACQUIRE)) {
        pthread_kill(main_thread, PUMP_SIGNAL);
    } else {
        (void)Py_AddPendingCall(pending_pump, NULL);
    }
}

/* The traceback of the current exception on stdout, as MicroPython's scheduler prints
 * it; then clears it. */
static void print_exception(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *traceback = PyImport_ImportModule("traceback");
    PyObject *out = PySys_GetObject("stdout"); /* borrowed */
    PyObject *r = NULL;
    if (traceback != NULL && out != NULL) {
        r = PyObject_CallMethod(traceback, "print_exception", "OOOOO", type,
                                value ? value : Py_None, tb ? tb : Py_None, Py_None, out);
    }
    if (r == NULL) {
        PyErr_Clear();
    }
    Py_XDECREF(r);
    Py_XDECREF(traceback);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

/* Runs the functions scheduled so far: whether there were any. */
static int run_scheduled(void)
{
    int ran = 0;
    while (sched_count > 0) {
        PyObject *fn = scheduled[sched_head][0], *arg = scheduled[sched_head][1];
        sched_head = (sched_head + 1) % SCHEDULE_DEPTH;
        sched_count--;
        PyObject *r = PyObject_CallOneArg(fn, arg);
        if (r == NULL) {
            print_exception();
        }
        Py_XDECREF(r);
        Py_DECREF(fn);
        Py_DECREF(arg);
        ran = 1;
    }
    return ran;
}

/* A handler that completed an asyncio future or set an Event made the loop's work
 * ready from inside its selector's wait, which resumes with its old timeout: the
 * loop's own thread-safe call wakes it. */
static void wake_asyncio(void)
{
    static PyObject *name;
    if (name == NULL && (name = PyUnicode_InternFromString("asyncio.events")) == NULL) {
        PyErr_Clear();
        return;
    }
    PyObject *events = PyImport_GetModule(name);
    if (events == NULL) {
        PyErr_Clear();
        return;
    }
    PyObject *loop = PyObject_CallMethod(events, "_get_running_loop", NULL);
    if (loop != NULL && loop != Py_None) {
        PyObject *noop = (PyObject *)&PyBool_Type; /* bool() returns False: nothing */
        PyObject *r = PyObject_CallMethod(loop, "call_soon_threadsafe", "O", noop);
        Py_XDECREF(r);
    }
    Py_XDECREF(loop);
    Py_DECREF(events);
    PyErr_Clear();
}

void bt_sched_pump(void)
{
    if (pumping) {
        return; /* a handler is running: the pump around it goes on after it */
    }
    pumping = 1;
    int delivered = 0, more;
    do {
        more = run_scheduled();
        /* Without the GIL: a handler waits for the stack's lock, whose holder may wait
         * for a Python thread (an in-process controller, say). */
        int n;
        Py_BEGIN_ALLOW_THREADS
        n = bt_ble_dispatch();
        Py_END_ALLOW_THREADS
        if (n > 0) {
            delivered = more = 1;
        }
    } while (more);
    if (delivered) {
        wake_asyncio();
    }
    pumping = 0;
}

static PyObject *signal_handler(PyObject *self, PyObject *args)
{
    bt_sched_pump();
    Py_RETURN_NONE;
}

static PyMethodDef signal_handler_def = {"_bluetooth_pump", signal_handler, METH_VARARGS, NULL};

/* Whether the calling thread is the interpreter's main thread. */
static int on_main_thread(void)
{
    return pthread_equal(pthread_self(), main_thread);
}

/* signal.signal(PUMP_SIGNAL, pump) and signal.siginterrupt(PUMP_SIGNAL, False), unless
 * the program handles that signal itself. 0 or -1 with an exception set. */
static int install_signal(void)
{
    PyObject *signal = PyImport_ImportModule("signal");
    if (signal == NULL) {
        return -1;
    }
    int rc = -1;
    PyObject *old = PyObject_CallMethod(signal, "getsignal", "i", PUMP_SIGNAL);
    PyObject *dfl = PyObject_GetAttrString(signal, "SIG_DFL");
    PyObject *fn = PyCFunction_New(&signal_handler_def, NULL);
    if (old != NULL && dfl != NULL && fn != NULL) {
        rc = 0;
        int ours = PyCFunction_Check(old) &&
                   PyCFunction_GET_FUNCTION(old) == (PyCFunction)signal_handler;
        if (old == dfl || old == Py_None || ours) {
            PyObject *r1 = PyObject_CallMethod(signal, "signal", "iO", PUMP_SIGNAL, fn);
            PyObject *r2 = r1 ? PyObject_CallMethod(signal, "siginterrupt", "ii", PUMP_SIGNAL, 0)
                              : NULL;
            rc = r2 != NULL ? 0 : -1;
            if (rc == 0) {
                __atomic_store_n(&signal_installed, 1, __ATOMIC_RELEASE);
            }
            Py_XDECREF(r1);
            Py_XDECREF(r2);
        }
    }
    Py_XDECREF(fn);
    Py_XDECREF(dfl);
    Py_XDECREF(old);
    Py_DECREF(signal);
    return rc;
}

int bt_sched_ensure_signal(void)
{
    if (signal_installed || !on_main_thread()) {
        return 0;
    }
    return install_signal();
}

static int read_main_thread(void)
{
    PyObject *threading = PyImport_ImportModule("threading");
    PyObject *main = threading ? PyObject_CallMethod(threading, "main_thread", NULL) : NULL;
    PyObject *ident = main ? PyObject_GetAttrString(main, "ident") : NULL;
    int rc = -1;
    if (ident != NULL) {
        main_thread = (pthread_t)PyLong_AsUnsignedLong(ident);
        rc = PyErr_Occurred() ? -1 : 0;
    }
    Py_XDECREF(ident);
    Py_XDECREF(main);
    Py_XDECREF(threading);
    return rc;
}

pthread_t bt_sched_main_thread(void)
{
    return main_thread;
}

int bt_sched_init(void)
{
    if (read_main_thread() < 0) {
        return -1;
    }
    return bt_sched_ensure_signal();
}

void bt_sched_after_fork_child(void)
{
    /* The thread that forked is the child's main thread; the handler came along. */
    main_thread = pthread_self();
    pumping = 0;
}

PyObject *bt_sched_schedule(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "function takes 2 positional arguments but %zd were given",
                     nargs);
        return NULL;
    }
    if (!PyCallable_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "function not callable");
        return NULL;
    }
    if (sched_count == SCHEDULE_DEPTH) {
        PyErr_SetString(PyExc_RuntimeError, "schedule queue full");
        return NULL;
    }
    int tail = (sched_head + sched_count) % SCHEDULE_DEPTH;
    scheduled[tail][0] = Py_NewRef(args[0]);
    scheduled[tail][1] = Py_NewRef(args[1]);
    sched_count++;
    bt_sched_wake(NULL);
    Py_RETURN_NONE;
}
