/* errors.c — the one place where a core status becomes a Python exception. */
#include "plpy.h"

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
    case PL_ERR_NOMEM: type = PyExc_MemoryError; break;
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
