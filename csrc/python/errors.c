/* errors.c — the one place where a core status becomes a Python exception. */
#include "plpy.h"

/* PyTorch raises RuntimeError when an allocation fails; pytorchlite's OutOfMemoryError is both
 * a RuntimeError and a MemoryError, so either `except` catches it. Created once, at import. */
static PyObject *out_of_memory_error;

int
plpy_errors_init(PyObject *module)
{
    PyObject *bases = PyTuple_Pack(2, PyExc_RuntimeError, PyExc_MemoryError);
    if (!bases) return -1;
    out_of_memory_error = PyErr_NewException("pytorchlite.OutOfMemoryError", bases, NULL);
    Py_DECREF(bases);
    if (!out_of_memory_error) return -1;
    Py_INCREF(out_of_memory_error);
    if (PyModule_AddObject(module, "OutOfMemoryError", out_of_memory_error) < 0) {
        Py_DECREF(out_of_memory_error);
        return -1;
    }
    return 0;
}

PyObject *
plpy_raise(void)
{
    if (PyErr_Occurred()) {
        return NULL; /* a Python-level error is already set (e.g. from a deleter) */
    }
    const char *msg = pl_error_message();
    PyObject *type;
    switch (pl_error_status()) {
    case PL_ERR_INDEX: type = PyExc_IndexError; break;
    case PL_ERR_VALUE: type = PyExc_ValueError; break;
    case PL_ERR_TYPE: type = PyExc_TypeError; break;
    case PL_ERR_NOMEM: type = out_of_memory_error ? out_of_memory_error : PyExc_MemoryError; break;
    case PL_ERR_NOTIMPL: type = PyExc_NotImplementedError; break;
    case PL_ERR_RUNTIME:
    default: type = PyExc_RuntimeError; break;
    }
    PyErr_SetString(type, msg && msg[0] ? msg : "pytorchlite: unknown error");
    pl_error_clear();
    return NULL;
}

int
plpy_raise_int(void)
{
    plpy_raise();
    return -1;
}
