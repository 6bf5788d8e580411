/* autograd_modes.c (binding) — the thread-local switches of autograd: grad mode
 * (no_grad / enable_grad), inference mode and anomaly detection. */
#include "plpy.h"

static PyObject *
f_set_grad_enabled(PyObject *m, PyObject *arg)
{
    (void)m;
    int b = PyObject_IsTrue(arg);
    if (b < 0) return NULL;
    bool prev = pl_grad_enabled();
    pl_set_grad_enabled(b);
    return PyBool_FromLong(prev);
}

static PyObject *
f_is_grad_enabled(PyObject *m, PyObject *unused)
{
    (void)m, (void)unused;
    return PyBool_FromLong(pl_grad_enabled());
}

/* The private switches below take exact bools: they set process-wide state, which a stray
 * truthy argument must not turn on. */
static int
exact_bool(PyObject *o, const char *fname)
{
    if (!PyBool_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s() takes a bool, not %s", fname, Py_TYPE(o)->tp_name);
        return -1;
    }
    return o == Py_True;
}

static PyObject *
f_set_inference_mode(PyObject *m, PyObject *arg)
{
    (void)m;
    int b = exact_bool(arg, "_set_inference_mode");
    if (b < 0) return NULL;
    bool prev = pl_inference_mode_enabled();
    pl_set_inference_mode(b);
    return PyBool_FromLong(prev);
}

static PyObject *
f_is_inference_mode_enabled(PyObject *m, PyObject *unused)
{
    (void)m, (void)unused;
    return PyBool_FromLong(pl_inference_mode_enabled());
}

static PyObject *
f_is_inference(PyObject *m, PyObject *arg)
{
    (void)m;
    pl_tensor *t = plpy_unwrap(arg);
    return t ? PyBool_FromLong(t->inference) : NULL;
}

/* _set_detect_anomaly(enabled, check_nan) -> (previous enabled, previous check_nan) */
static PyObject *
f_set_detect_anomaly(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_set_detect_anomaly(enabled, check_nan)");
        return NULL;
    }
    int on = exact_bool(args[0], "_set_detect_anomaly");
    int nan = on < 0 ? -1 : exact_bool(args[1], "_set_detect_anomaly");
    if (on < 0 || nan < 0) return NULL;
    PyObject *prev = Py_BuildValue("(OO)", pl_anomaly_enabled() ? Py_True : Py_False,
                                   pl_anomaly_check_nan() ? Py_True : Py_False);
    if (prev) pl_set_detect_anomaly(on, nan);
    return prev;
}

PyMethodDef plpy_autograd_mode_functions[] = {
    {"_set_detect_anomaly", (PyCFunction)(void (*)(void))f_set_detect_anomaly, METH_FASTCALL, NULL},
    {"_set_inference_mode", f_set_inference_mode, METH_O, "sets inference mode; returns the previous one"},
    {"is_inference_mode_enabled", f_is_inference_mode_enabled, METH_NOARGS, NULL},
    {"_is_inference", f_is_inference, METH_O, NULL},
    {"_set_grad_enabled", f_set_grad_enabled, METH_O, "sets grad mode; returns the previous one"},
    {"is_grad_enabled", f_is_grad_enabled, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};
