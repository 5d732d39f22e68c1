/* irq.c - delivering a C core event to the Python IRQ handler. */
#include "irq.h"

#include <limits.h>
#include <math.h>

#include "uuid.h"

/* The memoryviews of one event tuple, released when the handler returns. */
typedef struct {
    PyObject *views[3];
    int count;
} views_t;

/* A read-only memoryview over a private copy of data (the core's data is valid only
 * during the callback); views keeps a reference so it can release the view later. */
static PyObject *view_new(views_t *views, const uint8_t *data, size_t len)
{
    PyObject *copy = PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)len);
    if (copy == NULL) {
        return NULL;
    }
    PyObject *view = PyMemoryView_FromObject(copy);
    Py_DECREF(copy);
    if (view != NULL) {
        Py_INCREF(view);
        views->views[views->count++] = view;
    }
    return view;
}

/* Releasing fails only if the handler exported the view itself (memoryview(mv)); the
 * view then stays usable, still over the private copy, which is safe. */
static void views_release(views_t *views)
{
    for (int i = 0; i < views->count; i++) {
        PyObject *r = PyObject_CallMethod(views->views[i], "release", NULL);
        if (r == NULL) {
            PyErr_Clear();
        }
        Py_XDECREF(r);
        Py_DECREF(views->views[i]);
    }
    views->count = 0;
}

/* A read-only memoryview of an address's 6 bytes (display order). */
static PyObject *addr_view(views_t *views, const mpble_addr_t *addr)
{
    return view_new(views, addr->val, sizeof(addr->val));
}

/* The data tuple of ev, or NULL: with an exception set on failure, without one for an
 * event this module does not know. Py_BuildValue's "N" takes the new references of
 * views and UUIDs (a NULL among them fails the whole tuple). */
static PyObject *event_data(const struct mpble_event *ev, views_t *views)
{
    switch (ev->code) {
    case MPBLE_IRQ_CENTRAL_CONNECT:
    case MPBLE_IRQ_CENTRAL_DISCONNECT:
    case MPBLE_IRQ_PERIPHERAL_CONNECT:
    case MPBLE_IRQ_PERIPHERAL_DISCONNECT:
        return Py_BuildValue("(iiN)", ev->u.conn.conn_handle, ev->u.conn.addr.type,
                             addr_view(views, &ev->u.conn.addr));
    case MPBLE_IRQ_GATTS_WRITE:
    case MPBLE_IRQ_GATTS_READ_REQUEST:
        return Py_BuildValue("(ii)", ev->u.gatts.conn_handle, ev->u.gatts.attr_handle);
    case MPBLE_IRQ_SCAN_RESULT:
        return Py_BuildValue("(iNiiN)", ev->u.scan_result.addr.type,
                             addr_view(views, &ev->u.scan_result.addr), ev->u.scan_result.adv_type,
                             ev->u.scan_result.rssi,
                             view_new(views, ev->u.scan_result.data, ev->u.scan_result.len));
    case MPBLE_IRQ_SCAN_DONE:
        return PyTuple_New(0);
    case MPBLE_IRQ_GATTC_SERVICE_RESULT:
        return Py_BuildValue("(iiiN)", ev->u.service.conn_handle, ev->u.service.start_handle,
                             ev->u.service.end_handle, bt_uuid_new(&ev->u.service.uuid));
    case MPBLE_IRQ_GATTC_SERVICE_DONE:
    case MPBLE_IRQ_GATTC_CHARACTERISTIC_DONE:
    case MPBLE_IRQ_GATTC_DESCRIPTOR_DONE:
        return Py_BuildValue("(ii)", ev->u.done.conn_handle, ev->u.done.status);
    case MPBLE_IRQ_GATTC_CHARACTERISTIC_RESULT:
        return Py_BuildValue("(iiiiN)", ev->u.characteristic.conn_handle,
                             ev->u.characteristic.end_handle, ev->u.characteristic.value_handle,
                             ev->u.characteristic.properties,
                             bt_uuid_new(&ev->u.characteristic.uuid));
    case MPBLE_IRQ_GATTC_DESCRIPTOR_RESULT:
        return Py_BuildValue("(iiN)", ev->u.descriptor.conn_handle, ev->u.descriptor.handle,
                             bt_uuid_new(&ev->u.descriptor.uuid));
    case MPBLE_IRQ_GATTC_READ_RESULT:
    case MPBLE_IRQ_GATTC_NOTIFY:
    case MPBLE_IRQ_GATTC_INDICATE:
        return Py_BuildValue("(iiN)", ev->u.data.conn_handle, ev->u.data.value_handle,
                             view_new(views, ev->u.data.data, ev->u.data.len));
    case MPBLE_IRQ_GATTC_READ_DONE:
    case MPBLE_IRQ_GATTC_WRITE_DONE:
    case MPBLE_IRQ_GATTS_INDICATE_DONE:
        return Py_BuildValue("(iii)", ev->u.value_done.conn_handle, ev->u.value_done.value_handle,
                             ev->u.value_done.status);
    case MPBLE_IRQ_MTU_EXCHANGED:
        return Py_BuildValue("(ii)", ev->u.mtu.conn_handle, ev->u.mtu.mtu);
    case MPBLE_IRQ_CONNECTION_UPDATE:
        return Py_BuildValue("(iiiii)", ev->u.conn_update.conn_handle, ev->u.conn_update.interval,
                             ev->u.conn_update.latency, ev->u.conn_update.timeout,
                             ev->u.conn_update.status);
    case MPBLE_IRQ_L2CAP_ACCEPT:
    case MPBLE_IRQ_L2CAP_CONNECT:
        return Py_BuildValue("(iiiii)", ev->u.l2cap.conn_handle, ev->u.l2cap.cid, ev->u.l2cap.psm,
                             ev->u.l2cap.our_mtu, ev->u.l2cap.peer_mtu);
    case MPBLE_IRQ_L2CAP_DISCONNECT:
        return Py_BuildValue("(iiii)", ev->u.l2cap.conn_handle, ev->u.l2cap.cid, ev->u.l2cap.psm,
                             ev->u.l2cap.status);
    case MPBLE_IRQ_L2CAP_RECV:
        return Py_BuildValue("(ii)", ev->u.l2cap.conn_handle, ev->u.l2cap.cid);
    case MPBLE_IRQ_L2CAP_SEND_READY:
        return Py_BuildValue("(iii)", ev->u.l2cap.conn_handle, ev->u.l2cap.cid, ev->u.l2cap.status);
    default:
        return NULL;
    }
}

/* Whether the core uses the handler's return value for this event (5.3). */
static int event_uses_result(int code)
{
    return code == MPBLE_IRQ_GATTS_READ_REQUEST || code == MPBLE_IRQ_L2CAP_ACCEPT;
}

/* "int if possible" (5.3): None or anything non-numeric is 0, True 1, ints as given,
 * floats truncated. Out of the int range, both saturate (a denial stays a denial),
 * and NaN, which has no integer value, is 0: the reference raises outside the
 * handler's protection there instead (section 14's kind of defect, not copied). */
static int result_to_int(PyObject *result)
{
    if (PyFloat_Check(result)) {
        double d = PyFloat_AS_DOUBLE(result);
        return isnan(d) ? 0 : d >= INT_MAX ? INT_MAX : d <= INT_MIN ? INT_MIN : (int)d;
    }
    if (!PyLong_Check(result)) {
        return 0;
    }
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(result, &overflow);
    if (overflow != 0) {
        return overflow > 0 ? INT_MAX : INT_MIN;
    }
    return v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : (int)v;
}

/* Prints the handler's exception as the reference does (PyErr_Print would exit on
 * SystemExit) and unsets the handler (5.4). */
static void handler_raised(PyObject **handler)
{
    PySys_WriteStderr("Unhandled exception in IRQ callback handler\n");
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *exc = PyErr_GetRaisedException();
    PyErr_DisplayException(exc);
    Py_DECREF(exc);
#else
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(value, tb);
    }
    PyErr_Display(type, value, tb);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
#endif
    PyObject *old = *handler;
    *handler = Py_NewRef(Py_None);
    Py_DECREF(old);
}

int bt_irq_deliver(PyObject **handler, const struct mpble_event *ev)
{
    PyGILState_STATE gil = PyGILState_Ensure();
    int ret = 0;
    PyObject *fn = *handler;
    if (fn != Py_None) {
        Py_INCREF(fn);
        views_t views = {.count = 0};
        PyObject *data = event_data(ev, &views);
        if (data != NULL) {
            PyObject *result = PyObject_CallFunction(fn, "iO", ev->code, data);
            Py_DECREF(data);
            if (result == NULL) {
                handler_raised(handler);
            } else {
                ret = event_uses_result(ev->code) ? result_to_int(result) : 0;
                Py_DECREF(result);
            }
        } else if (PyErr_Occurred()) {
            PyErr_WriteUnraisable(fn);
        }
        /* Only now: releasing a view clears any error of its own. */
        views_release(&views);
        Py_DECREF(fn);
    }
    PyGILState_Release(gil);
    return ret;
}
