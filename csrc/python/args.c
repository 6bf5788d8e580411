/* args.c — argument parsing and conversion helpers shared by the binding files. */
#include "args.h"

/* The position of name among names[0..n), or n. */
static int
name_index(const char *const *names, int n, const char *name)
{
    int j = 0;
    while (j < n && strcmp(name, names[j]) != 0) j++;
    return j;
}

int
plpy_parse(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
           const char *const *names, PyObject **out)
{
    int n = 0;
    while (names[n]) out[n] = NULL, n++;
    if (nargs > n) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d arguments (%zd given)", fname, n, nargs);
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) out[i] = args[i];
    if (!kwnames) return 0;
    Py_ssize_t nk = PyTuple_GET_SIZE(kwnames);
    for (Py_ssize_t k = 0; k < nk; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        const char *ks = PyUnicode_AsUTF8(key);
        if (!ks) return -1;
        int j = name_index(names, n, ks);
        if (j == n) { /* NumPy's names, which PyTorch's parser takes for dim and keepdim */
            const char *alias = strcmp(ks, "axis") == 0       ? "dim"
                                : strcmp(ks, "keepdims") == 0 ? "keepdim"
                                                              : NULL;
            if (alias) j = name_index(names, n, alias);
        }
        if (j == n) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%s'", fname, ks);
            return -1;
        }
        if (out[j]) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", fname, names[j]);
            return -1;
        }
        out[j] = args[nargs + k];
    }
    return 0;
}

int
plpy_parse_req(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
               const char *const *names, int nreq, PyObject **out)
{
    if (plpy_parse(fname, args, nargs, kwnames, names, out) < 0) return -1;
    int missing = 0;
    for (int i = 0; i < nreq; i++) missing += out[i] == NULL;
    if (!missing) return 0;
    PyObject *list = PyUnicode_FromString("");
    for (int i = 0; list && i < nreq; i++) {
        if (out[i]) continue;
        PyObject *next = PyUnicode_FromFormat("%U%s\"%s\"", list, PyUnicode_GET_LENGTH(list) ? ", " : "",
                                              names[i]);
        Py_SETREF(list, next);
    }
    if (!list) return -1;
    PyErr_Format(PyExc_TypeError, "%s() missing %d required positional arguments: %U", fname, missing,
                 list);
    Py_DECREF(list);
    return -1;
}

int
plpy_parse_full(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                const char *const *names, int nreq, int npos, PyObject **out)
{
    if (nargs > npos) {
        if (npos == nreq) {
            PyErr_Format(PyExc_TypeError, "%s() takes %d positional argument%s but %zd were given", fname,
                         npos, npos == 1 ? "" : "s", nargs);
        } else {
            PyErr_Format(PyExc_TypeError, "%s() takes from %d to %d positional arguments but %zd were given",
                         fname, nreq, npos, nargs);
        }
        return -1;
    }
    return plpy_parse_req(fname, args, nargs, kwnames, names, nreq, out);
}

int
plpy_parse_kwonly(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                  const char *const *names, PyObject **out)
{
    if (nargs > 0) {
        PyErr_Format(PyExc_TypeError, "%s() takes 0 positional arguments but %zd %s given", fname, nargs,
                     nargs == 1 ? "was" : "were");
        return -1;
    }
    return plpy_parse(fname, args, 0, kwnames, names, out);
}

PyObject *
plpy_snapshot(PyObject *obj, const char *msg)
{
    if (PyTuple_Check(obj)) return Py_NewRef(obj);
    if (PyList_Check(obj)) return PyList_AsTuple(obj);
    if (!PySequence_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, msg);
        return NULL;
    }
    return PySequence_Tuple(obj);
}

const char *
plpy_dtype_title(pl_dtype dt)
{
    return pl_dtype_scalar_name(dt);
}

bool
plpy_can_cast(pl_dtype from, pl_dtype to)
{
    return pl_can_cast(from, to);
}

int
plpy_as_int64(PyObject *obj, int64_t dflt, int64_t *out)
{
    if (!obj || obj == Py_None) {
        *out = dflt;
        return 0;
    }
    if (plpy_is_tensor(obj)) {
        pl_tensor *t = ((PlTensorObject *)obj)->t;
        if (t->numel == 1 && !pl_dtype_is_floating(t->dtype)) {
            *out = pl_tensor_get_int64(t, 0);
            return 0;
        }
    }
    if (PyFloat_Check(obj) || !PyIndex_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "expected an int, but got %s", Py_TYPE(obj)->tp_name);
        return -1;
    }
    long long v = PyLong_AsLongLong(obj);
    if (v == -1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyErr_SetString(PyExc_ValueError, "Overflow when unpacking long long"); /* PyTorch's */
        }
        return -1;
    }
    *out = v;
    return 0;
}

int
plpy_as_double(PyObject *obj, double dflt, double *out)
{
    if (!obj || obj == Py_None) {
        *out = dflt;
        return 0;
    }
    if (plpy_is_tensor(obj)) {
        pl_tensor *t = ((PlTensorObject *)obj)->t;
        if (t->numel != 1) {
            PyErr_Format(PyExc_RuntimeError, "a Tensor with %lld elements cannot be converted to Scalar",
                         (long long)t->numel);
            return -1;
        }
        *out = pl_tensor_get_double(t, 0);
        return 0;
    }
    double v = PyFloat_AsDouble(obj);
    if (v == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "expected a number, but got %s", Py_TYPE(obj)->tp_name);
        return -1;
    }
    *out = v;
    return 0;
}

int
plpy_as_bool(PyObject *obj, bool dflt, bool *out)
{
    if (!obj || obj == Py_None) {
        *out = dflt;
        return 0;
    }
    if (!PyBool_Check(obj)) { /* PyTorch's bool arguments take only bools */
        PyErr_Format(PyExc_TypeError, "expected a bool, but got %s", Py_TYPE(obj)->tp_name);
        return -1;
    }
    *out = obj == Py_True;
    return 0;
}

int
plpy_as_dims(PyObject *obj, int64_t *dims, int max)
{
    if (PyLong_Check(obj)) {
        return plpy_as_int64(obj, 0, dims) < 0 ? -1 : 1;
    }
    PyObject *seq = plpy_snapshot(obj, "dims must be an int or a sequence of ints");
    if (!seq) return -1;
    Py_ssize_t n = PyTuple_GET_SIZE(seq);
    if (n > max) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_RuntimeError, "too many dimensions");
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (plpy_as_int64(PyTuple_GET_ITEM(seq, i), 0, &dims[i]) < 0) {
            Py_DECREF(seq);
            return -1;
        }
    }
    Py_DECREF(seq);
    return (int)n;
}

pl_tensor *
plpy_scalar_tensor(PyObject *obj)
{
    if (PyBool_Check(obj)) {
        return pl_tensor_scalar(obj == Py_True, PL_BOOL);
    }
    if (PyLong_Check(obj)) {
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
        if (overflow) { /* PyTorch's errors past int64: below, and past uint64 */
            if (overflow < 0)
                PyErr_SetString(PyExc_OverflowError, "can't convert negative int to unsigned");
            else if (PyLong_AsUnsignedLongLong(obj) == (unsigned long long)-1 && PyErr_Occurred())
                PyErr_SetString(PyExc_OverflowError, "int too big to convert");
            else /* a uint64 scalar, which PyTorch takes and pytorchlite does not */
                PyErr_SetString(PyExc_ValueError, "Overflow when unpacking long long");
            return NULL;
        }
        pl_tensor *t = pl_tensor_empty(0, NULL, PL_INT64);
        if (t) *(int64_t *)t->storage->data = v;
        return t;
    }
    if (PyFloat_Check(obj)) {
        return pl_tensor_scalar(PyFloat_AS_DOUBLE(obj), PL_FLOAT64);
    }
    if (PyNumber_Check(obj) && !PyComplex_Check(obj) && !plpy_is_tensor(obj) &&
        Py_TYPE(obj)->tp_as_number && Py_TYPE(obj)->tp_as_number->nb_float) {
        /* NumPy scalars and other float-likes */
        if (PyIndex_Check(obj)) {
            PyObject *i = PyNumber_Index(obj);
            if (!i) return NULL;
            pl_tensor *t = plpy_scalar_tensor(i);
            Py_DECREF(i);
            return t;
        }
        double v = PyFloat_AsDouble(obj);
        if (v == -1.0 && PyErr_Occurred()) return NULL;
        return pl_tensor_scalar(v, PL_FLOAT64);
    }
    return NULL;
}

pl_tensor *
plpy_operand(PyObject *obj, bool *wrapped, const char *what)
{
    if (plpy_is_tensor(obj)) {
        *wrapped = false;
        return pl_tensor_retain(((PlTensorObject *)obj)->t);
    }
    *wrapped = true;
    pl_tensor *t = plpy_scalar_tensor(obj);
    if (!t && !PyErr_Occurred()) {
        PyErr_Format(PyExc_TypeError,
                     "%s(): argument 'other' (position 1) must be Tensor, not %s", what,
                     Py_TYPE(obj)->tp_name);
    }
    return t;
}

int
plpy_as_scalar(PyObject *obj, pl_dtype dtype, pl_scalar *out)
{
    if (plpy_is_tensor(obj) && ((PlTensorObject *)obj)->t->numel == 1 &&
        !pl_dtype_is_floating(((PlTensorObject *)obj)->t->dtype)) {
        int64_t v = pl_tensor_get_int64(((PlTensorObject *)obj)->t, 0);
        *out = (pl_scalar){true, v, (double)v};
        return 0;
    }
    if (!plpy_is_tensor(obj) && !PyFloat_Check(obj) && PyIndex_Check(obj)) {
        PyObject *i = PyNumber_Index(obj); /* new reference */
        if (!i) return -1;
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(i, &overflow);
        if (v == -1 && PyErr_Occurred()) {
            Py_DECREF(i);
            return -1;
        }
        if (!overflow) {
            Py_DECREF(i);
            *out = (pl_scalar){true, v, (double)v};
            return 0;
        }
        unsigned long long u = PyLong_AsUnsignedLongLong(i); /* PyTorch's messages past it */
        Py_DECREF(i);
        if (PyErr_Occurred()) return -1;
        if (dtype == PL_INT64) {
            PyErr_SetString(PyExc_RuntimeError, "value cannot be converted to type int64_t without overflow");
            return -1;
        }
        *out = (pl_scalar){false, 0, (double)u};
        return 0;
    }
    double d;
    if (plpy_as_double(obj, 0, &d) < 0) return -1;
    *out = (pl_scalar){false, 0, d};
    return 0;
}
