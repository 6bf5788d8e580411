/* mkl.c — the binding of the optional MKL VML route (csrc/core/vml.h): _C._vml_load(path),
 * _C._vml_defer(path), _C._vml_unload(), _C._vml_version(), _C._vml_error().
 * pytorchlite/_vml.py calls them. */
#include "plpy.h"

/* _vml_load(path) -> bool: opens MKL's runtime library at path and turns the route on; False
 * (the route off, the reason in _vml_error()) on any failure */
static PyObject *
f_vml_load(PyObject *m, PyObject *arg)
{
    (void)m;
    PyObject *bytes = NULL;
    if (!PyUnicode_FSConverter(arg, &bytes)) return NULL; /* str, bytes or os.PathLike */
    bool ok = pl_vml_load(PyBytes_AS_STRING(bytes));
    Py_DECREF(bytes);
    return PyBool_FromLong(ok);
}

/* _vml_defer(path): as _vml_load, at the first function that needs the library */
static PyObject *
f_vml_defer(PyObject *m, PyObject *arg)
{
    (void)m;
    PyObject *bytes = NULL;
    if (!PyUnicode_FSConverter(arg, &bytes)) return NULL;
    pl_vml_defer(PyBytes_AS_STRING(bytes));
    Py_DECREF(bytes);
    Py_RETURN_NONE;
}

static PyObject *
f_vml_unload(PyObject *m, PyObject *u)
{
    (void)m, (void)u;
    pl_vml_unload();
    Py_RETURN_NONE;
}

/* _vml_version() -> str | None: the loaded MKL's version string, None when the route is off */
static PyObject *
f_vml_version(PyObject *m, PyObject *u)
{
    (void)m, (void)u;
    const char *v = pl_vml_version();
    if (!v) Py_RETURN_NONE;
    return PyUnicode_DecodeLocale(v, "surrogateescape");
}

/* _vml_error() -> str | None: why the last _vml_load failed, None if it did not */
static PyObject *
f_vml_error(PyObject *m, PyObject *u)
{
    (void)m, (void)u;
    const char *e = pl_vml_error();
    if (!e) Py_RETURN_NONE;
    return PyUnicode_DecodeLocale(e, "surrogateescape");
}

PyMethodDef plpy_vml_functions[] = {
    {"_vml_load", f_vml_load, METH_O, NULL},
    {"_vml_defer", f_vml_defer, METH_O, NULL},
    {"_vml_unload", f_vml_unload, METH_NOARGS, NULL},
    {"_vml_version", f_vml_version, METH_NOARGS, NULL},
    {"_vml_error", f_vml_error, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};
