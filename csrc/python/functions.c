/* functions.c — module-level functions of _C: tensor construction from Python data and NumPy,
 * factories (empty/zeros/ones/full/arange/linspace/eye), cat/stack/where, and the fused
 * kernels nn.functional calls (_linear, _mse_loss, _nll_loss). */
#include <math.h>

#include "args.h"
#include "plpy.h"

#define T PLPY_T
#define FASTCALL PLPY_FASTCALL

/* ---- keyword arguments shared by factories ---- */

typedef struct {
    PyObject *dtype, *requires_grad, *device;
} factory_kw;

/* Splits off dtype/requires_grad/device/layout/pin_memory/out/memory_format keywords. */
static int
factory_kwargs(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
               factory_kw *kw, PyObject **extra_names, PyObject **extra, int nextra)
{
    kw->dtype = kw->requires_grad = kw->device = NULL;
    for (int i = 0; i < nextra; i++) extra[i] = NULL;
    if (!kwnames) return 0;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(kwnames); k++) {
        const char *name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(kwnames, k));
        PyObject *v = args[nargs + k];
        if (!name) return -1;
        if (!strcmp(name, "dtype")) kw->dtype = v;
        else if (!strcmp(name, "requires_grad")) kw->requires_grad = v;
        else if (!strcmp(name, "device")) kw->device = v;
        else if (!strcmp(name, "layout") || !strcmp(name, "pin_memory") || !strcmp(name, "memory_format")) continue;
        else if (!strcmp(name, "out") && v == Py_None) continue;
        else {
            int j = 0;
            for (; j < nextra; j++) {
                if (!strcmp(name, PyUnicode_AsUTF8(extra_names[j]))) {
                    extra[j] = v;
                    break;
                }
            }
            if (j == nextra) {
                PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%s'", fname, name);
                return -1;
            }
        }
    }
    if (kw->device && kw->device != Py_None) {
        PyObject *s = PyObject_Str(kw->device);
        if (!s) return -1;
        const char *d = PyUnicode_AsUTF8(s);
        int ok = d && (!strcmp(d, "cpu") || !strncmp(d, "cpu:", 4));
        Py_DECREF(s);
        if (!ok) {
            PyErr_Format(PyExc_RuntimeError, "pytorchlite runs on the CPU only; device %R is not available",
                         kw->device);
            return -1;
        }
    }
    return 0;
}

/* Applies requires_grad to a new tensor and wraps it. Steals t. */
static PyObject *
finish_factory(pl_tensor *t, PyObject *requires_grad)
{
    if (!t) return plpy_raise();
    if (requires_grad && PyObject_IsTrue(requires_grad)) {
        if (!pl_dtype_is_floating(t->dtype)) {
            pl_tensor_release(t);
            PyErr_SetString(PyExc_RuntimeError,
                            "Only Tensors of floating point and complex dtype can require gradients");
            return NULL;
        }
        t->requires_grad = true;
    }
    return plpy_wrap(t);
}

static PyObject *
filled(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, int mode,
       double value)
{
    factory_kw kw;
    if (factory_kwargs(fname, args, nargs, kwnames, &kw, NULL, NULL, 0) < 0) return NULL;
    int64_t shape[PL_MAX_DIMS];
    int nd = plpy_parse_shape(args, nargs, shape);
    if (nd < 0) return NULL;
    for (int i = 0; mode == 1 && i < nd; i++) {
        if (shape[i] < 0) {
            PyErr_SetString(PyExc_RuntimeError, "zeros: Dimension size must be non-negative.");
            return NULL;
        }
    }
    pl_dtype dt;
    if (plpy_dtype_from_object(kw.dtype, plpy_default_dtype, &dt) < 0) return NULL;
    pl_tensor *t = mode == 0 ? pl_tensor_empty(nd, shape, dt)
                   : mode == 1 ? pl_tensor_zeros(nd, shape, dt) : pl_tensor_full(nd, shape, dt, value);
    return finish_factory(t, kw.requires_grad);
}

static PyObject *
f_empty(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)m;
    return filled("empty", args, nargs, kwnames, 0, 0);
}

static PyObject *
f_zeros(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)m;
    return filled("zeros", args, nargs, kwnames, 1, 0);
}

static PyObject *
f_ones(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)m;
    return filled("ones", args, nargs, kwnames, 2, 1.0);
}

static PyObject *
f_full(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)m;
    PyObject *names[1] = {NULL}, *extra[1];
    names[0] = PyUnicode_InternFromString("fill_value");
    factory_kw kw;
    int rc = factory_kwargs("full", args, nargs, kwnames, &kw, names, extra, 1);
    Py_DECREF(names[0]);
    if (rc < 0) return NULL;
    PyObject *size = nargs > 0 ? args[0] : NULL;
    PyObject *fill = nargs > 1 ? args[1] : extra[0];
    if (!size || !fill) {
        PyErr_SetString(PyExc_TypeError, "full() missing required arguments 'size' and 'fill_value'");
        return NULL;
    }
    int64_t shape[PL_MAX_DIMS];
    int nd = plpy_parse_shape(&size, 1, shape);
    if (nd < 0) return NULL;
    pl_dtype dt;
    pl_dtype inferred = PyBool_Check(fill) ? PL_BOOL : PyLong_Check(fill) ? PL_INT64 : plpy_default_dtype;
    if (plpy_dtype_from_object(kw.dtype, inferred, &dt) < 0) return NULL;
    pl_scalar v;
    if (plpy_as_scalar(fill, dt, &v) < 0) return NULL;
    pl_tensor *t = pl_tensor_full(nd, shape, dt, v.is_int && dt == PL_INT64 ? 0.0 : v.d);
    if (t && v.is_int && dt == PL_INT64) { /* exact large ints */
        for (int64_t i = 0; i < t->numel; i++) ((int64_t *)t->storage->data)[i] = v.i;
    }
    return finish_factory(t, kw.requires_grad);
}

static PyObject *
f_arange(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)m;
    PyObject *names[3], *extra[3];
    names[0] = PyUnicode_FromString("start");
    names[1] = PyUnicode_FromString("end");
    names[2] = PyUnicode_FromString("step");
    factory_kw kw;
    int rc = factory_kwargs("arange", args, nargs, kwnames, &kw, names, extra, 3);
    for (int i = 0; i < 3; i++) Py_DECREF(names[i]);
    if (rc < 0) return NULL;
    PyObject *start = NULL, *end = NULL, *step = NULL;
    if (nargs == 1) end = args[0];
    else if (nargs == 2) start = args[0], end = args[1];
    else if (nargs == 3) start = args[0], end = args[1], step = args[2];
    if (extra[0]) start = extra[0];
    if (extra[1]) end = extra[1];
    if (extra[2]) step = extra[2];
    if (!end) {
        PyErr_SetString(PyExc_TypeError, "arange() missing required argument 'end'");
        return NULL;
    }
    bool any_float = false;
    PyObject *vals[3] = {start, end, step};
    pl_scalar sc[3];
    for (int i = 0; i < 3; i++) {
        if (!vals[i]) {
            sc[i] = (pl_scalar){true, i == 2, i == 2}; /* start 0, step 1 */
            continue;
        }
        if (PyFloat_Check(vals[i]) || (plpy_is_tensor(vals[i]) && pl_dtype_is_floating(T(vals[i])->dtype)))
            any_float = true;
        if (plpy_is_tensor(vals[i]) && !pl_dtype_is_floating(T(vals[i])->dtype) && T(vals[i])->numel == 1) {
            int64_t v = pl_tensor_get_int64(T(vals[i]), 0);
            sc[i] = (pl_scalar){true, v, (double)v};
        } else if (PyLong_Check(vals[i])) {
            long long v = PyLong_AsLongLong(vals[i]);
            if (v == -1 && PyErr_Occurred()) return NULL;
            sc[i] = (pl_scalar){true, v, (double)v};
        } else {
            double d;
            if (plpy_as_double(vals[i], 0, &d) < 0) return NULL;
            sc[i] = (pl_scalar){false, 0, d};
        }
    }
    pl_dtype dt;
    if (plpy_dtype_from_object(kw.dtype, any_float ? plpy_default_dtype : PL_INT64, &dt) < 0) return NULL;
    return finish_factory(pl_arange(sc[0], sc[1], sc[2], dt), kw.requires_grad);
}

static PyObject *
f_linspace(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)m;
    PyObject *names[3], *extra[3];
    names[0] = PyUnicode_FromString("start");
    names[1] = PyUnicode_FromString("end");
    names[2] = PyUnicode_FromString("steps");
    factory_kw kw;
    int rc = factory_kwargs("linspace", args, nargs, kwnames, &kw, names, extra, 3);
    for (int i = 0; i < 3; i++) Py_DECREF(names[i]);
    if (rc < 0) return NULL;
    for (Py_ssize_t i = 0; i < nargs && i < 3; i++) extra[i] = args[i];
    double s, e;
    int64_t n;
    if (!extra[0] || !extra[1] || !extra[2]) {
        PyErr_SetString(PyExc_TypeError, "linspace() missing required arguments 'start', 'end' and 'steps'");
        return NULL;
    }
    if (plpy_as_double(extra[0], 0, &s) < 0 || plpy_as_double(extra[1], 0, &e) < 0 ||
        plpy_as_int64(extra[2], 0, &n) < 0)
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_RuntimeError, "number of steps must be non-negative");
        return NULL;
    }
    pl_dtype dt;
    if (plpy_dtype_from_object(kw.dtype, plpy_default_dtype, &dt) < 0) return NULL;
    pl_tensor *t = pl_tensor_empty(1, &n, dt);
    if (!t) return plpy_raise();
    /* PyTorch fills the first half from start and the second from end, in the dtype, each
     * value one fused multiply-add (its kernel is built with contraction) */
    int64_t half = n == 1 ? 1 : n / 2; /* one step: just start */
    if (dt == PL_FLOAT32) {
        float *p = t->storage->data;
        float fs = (float)s, fe = (float)e;
        float step = n > 1 ? (fe - fs) / (float)(n - 1) : 0.0f;
        for (int64_t i = 0; i < n; i++)
            p[i] = i < half ? fmaf(step, (float)i, fs) : fmaf(-step, (float)(n - 1 - i), fe);
    } else {
        double step = n > 1 ? (e - s) / (double)(n - 1) : 0.0;
        for (int64_t i = 0; i < n; i++) {
            double v = i < half ? fma(step, (double)i, s) : fma(-step, (double)(n - 1 - i), e);
            pl_fill_contiguous((char *)t->storage->data + i * pl_dtype_size(dt), dt, 1, v);
        }
    }
    return finish_factory(t, kw.requires_grad);
}

static PyObject *
f_eye(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)m;
    factory_kw kw;
    PyObject *names[2], *extra[2];
    names[0] = PyUnicode_FromString("n");
    names[1] = PyUnicode_FromString("m");
    int rc = factory_kwargs("eye", args, nargs, kwnames, &kw, names, extra, 2);
    Py_DECREF(names[0]);
    Py_DECREF(names[1]);
    if (rc < 0) return NULL;
    for (Py_ssize_t i = 0; i < nargs && i < 2; i++) extra[i] = args[i];
    int64_t n, mm;
    if (!extra[0]) {
        PyErr_SetString(PyExc_TypeError, "eye() missing required argument 'n'");
        return NULL;
    }
    if (plpy_as_int64(extra[0], 0, &n) < 0 || plpy_as_int64(extra[1], n, &mm) < 0) return NULL;
    if (n < 0 || mm < 0) {
        PyErr_Format(PyExc_RuntimeError, "%s must be greater or equal to 0, got %lld", n < 0 ? "n" : "m",
                     (long long)(n < 0 ? n : mm));
        return NULL;
    }
    pl_dtype dt;
    if (plpy_dtype_from_object(kw.dtype, plpy_default_dtype, &dt) < 0) return NULL;
    int64_t shape[2] = {n, mm};
    pl_tensor *t = pl_tensor_zeros(2, shape, dt);
    if (!t) return plpy_raise();
    for (int64_t i = 0; i < n && i < mm; i++) {
        pl_fill_contiguous((char *)t->storage->data + (i * mm + i) * pl_dtype_size(dt), dt, 1, 1.0);
    }
    return finish_factory(t, kw.requires_grad);
}

/* ---- tensor(data) ---- */

typedef struct {
    int ndim;
    int64_t shape[PL_MAX_DIMS];
    pl_dtype dtype;
    bool seen_any;
} data_info;

static int
scan_data(PyObject *obj, int depth, data_info *info)
{
    if (plpy_is_tensor(obj)) {
        pl_tensor *t = T(obj);
        if (depth + t->ndim > PL_MAX_DIMS) goto too_deep;
        if (depth + t->ndim != info->ndim && info->seen_any) goto ragged;
        if (!info->seen_any) {
            info->ndim = depth + t->ndim;
            for (int i = 0; i < t->ndim; i++) info->shape[depth + i] = t->shape[i];
        }
        for (int i = 0; i < t->ndim; i++) {
            if (info->shape[depth + i] != t->shape[i]) goto ragged;
        }
        if (!info->seen_any || t->dtype > info->dtype) info->dtype = t->dtype;
        info->seen_any = true;
        return 0;
    }
    if (PyFloat_Check(obj) || PyLong_Check(obj) || PyBool_Check(obj) ||
        (!PySequence_Check(obj) && PyNumber_Check(obj))) {
        if (info->seen_any && info->ndim != depth) goto ragged;
        if (!info->seen_any) info->ndim = depth;
        pl_dtype d = PyBool_Check(obj) ? PL_BOOL : (PyLong_Check(obj) || (PyIndex_Check(obj) && !PyFloat_Check(obj)))
                                                     ? PL_INT64 : plpy_default_dtype;
        if (!info->seen_any || d > info->dtype) info->dtype = d;
        info->seen_any = true;
        return 0;
    }
    if (PyUnicode_Check(obj) || PyBytes_Check(obj)) {
        /* PyTorch's two messages: a string first seen is taken as a dimension */
        if (info->seen_any) {
            PyErr_Format(PyExc_TypeError, "new(): invalid data type '%s'", Py_TYPE(obj)->tp_name);
        } else {
            PyErr_Format(PyExc_ValueError, "too many dimensions '%s'", Py_TYPE(obj)->tp_name);
        }
        return -1;
    }
    if (!PySequence_Check(obj)) {
        PyErr_Format(PyExc_RuntimeError, "Could not infer dtype of %s", Py_TYPE(obj)->tp_name);
        return -1;
    }
    if (depth >= PL_MAX_DIMS) goto too_deep;
    Py_ssize_t n = PySequence_Size(obj);
    if (n < 0) return -1;
    if (!info->seen_any && info->ndim <= depth) {
        info->shape[depth] = n;
        info->ndim = depth + 1;
    } else if (info->ndim <= depth || info->shape[depth] != n) {
        if (info->ndim <= depth) goto ragged;
        PyErr_Format(PyExc_ValueError, "expected sequence of length %lld at dim %d (got %zd)",
                     (long long)info->shape[depth], depth, n);
        return -1;
    }
    if (n == 0) {
        if (!info->seen_any) info->ndim = depth + 1;
        return 0;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_GetItem(obj, i);
        if (!item) return -1;
        int rc = scan_data(item, depth + 1, info);
        Py_DECREF(item);
        if (rc < 0) return -1;
    }
    return 0;
ragged:
    PyErr_Format(PyExc_ValueError, "expected sequence of length %lld at dim %d (got a scalar or a "
                 "differently nested value)", (long long)info->shape[depth < info->ndim ? depth : 0], depth);
    return -1;
too_deep:
    PyErr_Format(PyExc_ValueError, "tensors with more than %d dimensions are not supported", PL_MAX_DIMS);
    return -1;
}

static int
fill_data(PyObject *obj, pl_tensor *out, int64_t *pos)
{
    if (plpy_is_tensor(obj)) {
        pl_tensor *t = T(obj);
        pl_tensor *dst = pl_tensor_view_of(out->storage, out->dtype, t->ndim, t->shape,
                                           (int64_t[PL_MAX_DIMS]){0}, *pos);
        if (!dst) return plpy_raise_int();
        pl_contiguous_strides(t->ndim, t->shape, dst->strides);
        pl_status st = pl_copy_raw(dst, t);
        pl_tensor_release(dst);
        if (st != PL_OK) return plpy_raise_int();
        *pos += t->numel;
        return 0;
    }
    if (PySequence_Check(obj) && !PyUnicode_Check(obj)) {
        Py_ssize_t n = PySequence_Size(obj);
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *item = PySequence_GetItem(obj, i);
            if (!item) return -1;
            int rc = fill_data(item, out, pos);
            Py_DECREF(item);
            if (rc < 0) return -1;
        }
        return 0;
    }
    char *dst = (char *)out->storage->data + *pos * pl_dtype_size(out->dtype);
    if (out->dtype == PL_INT64 && (PyLong_Check(obj) || (PyIndex_Check(obj) && !PyFloat_Check(obj)))) {
        /* exactly (a NumPy int too: through a double, 2^62 + 1 would lose its last bit) */
        PyObject *index = PyNumber_Index(obj);
        if (!index) return -1;
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(index, &overflow);
        Py_DECREF(index);
        if (v == -1 && PyErr_Occurred()) return -1;
        if (overflow) {
            PyErr_SetString(PyExc_ValueError, "Overflow when unpacking long long");
            return -1;
        }
        *(int64_t *)dst = v;
    } else {
        double v = PyFloat_AsDouble(obj);
        if (v == -1.0 && PyErr_Occurred()) return -1;
        if (out->dtype == PL_INT64 && !pl_double_fits_int64(v)) { /* PyTorch's check */
            PyErr_SetString(PyExc_RuntimeError, "value cannot be converted to type int64 without overflow");
            return -1;
        }
        pl_fill_contiguous(dst, out->dtype, 1, v);
    }
    (*pos)++;
    return 0;
}

extern PyObject *plpy_from_numpy_array(PyObject *arr);

/* _tensor(data, dtype=None, requires_grad=False): always copies */
static PyObject *
f_tensor(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)m;
    static const char *const names[] = {"data", "dtype", "device", "requires_grad", "pin_memory", NULL};
    PyObject *a[5];
    if (plpy_parse("tensor", args, nargs, kwnames, names, a) < 0) return NULL;
    if (!a[0]) {
        PyErr_SetString(PyExc_TypeError, "tensor() missing 1 required positional arguments: \"data\"");
        return NULL;
    }
    factory_kw kw = {a[1], a[3], a[2]};
    if (kw.device && kw.device != Py_None && factory_kwargs("tensor", NULL, 0, NULL, &kw, NULL, NULL, 0) < 0)
        return NULL;
    PyObject *data = a[0];
    pl_tensor *src = NULL;
    int have_numpy = plpy_numpy_api(0);
    if (have_numpy < 0) return NULL;
    if (have_numpy && PyArray_Check(data)) {
        PyObject *t = plpy_from_numpy_array(data);
        if (!t) return NULL;
        src = pl_tensor_retain(T(t));
        Py_DECREF(t);
    }
    pl_tensor *out;
    if (src) {
        pl_dtype dt;
        if (plpy_dtype_from_object(kw.dtype, src->dtype, &dt) < 0) {
            pl_tensor_release(src);
            return NULL;
        }
        out = pl_tensor_empty(src->ndim, src->shape, dt);
        if (out && pl_copy_raw(out, src) != PL_OK) {
            pl_tensor_release(out);
            out = NULL;
        }
        pl_tensor_release(src);
        return finish_factory(out, kw.requires_grad);
    }
    data_info info = {0};
    info.dtype = plpy_default_dtype;
    if (scan_data(data, 0, &info) < 0) return NULL;
    if (!info.seen_any) info.dtype = plpy_default_dtype;
    pl_dtype dt;
    if (plpy_dtype_from_object(kw.dtype, info.dtype, &dt) < 0) return NULL;
    /* fill straight in the requested dtype, so float64 data keeps every bit */
    out = pl_tensor_empty(info.ndim, info.shape, dt);
    if (!out) return plpy_raise();
    int64_t pos = 0;
    if (fill_data(data, out, &pos) < 0) {
        pl_tensor_release(out);
        return NULL;
    }
    return finish_factory(out, kw.requires_grad);
}

PyObject *
plpy_tensor_from_data(PyObject *data)
{
    return f_tensor(NULL, &data, 1, NULL);
}

/* ---- NumPy ---- */

static void
numpy_deleter(void *ctx, void *data)
{
    (void)data;
    PyGILState_STATE g = PyGILState_Ensure();
    Py_DECREF((PyObject *)ctx);
    PyGILState_Release(g);
}

PyObject *
plpy_from_numpy_array(PyObject *obj)
{
    int have_numpy = plpy_numpy_api(0);
    if (have_numpy < 0) return NULL;
    if (!have_numpy || !PyArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "expected np.ndarray (got %s)", Py_TYPE(obj)->tp_name);
        return NULL;
    }
    PyArrayObject *arr = (PyArrayObject *)obj;
    pl_dtype dt;
    switch (PyArray_TYPE(arr)) {
    case NPY_FLOAT32: dt = PL_FLOAT32; break;
    case NPY_FLOAT64: dt = PL_FLOAT64; break;
    case NPY_INT64: dt = PL_INT64; break;
    case NPY_BOOL: dt = PL_BOOL; break;
    default: {
        PyObject *r = PyObject_Str((PyObject *)PyArray_DESCR(arr));
        PyErr_Format(PyExc_TypeError,
                     "can't convert np.ndarray of type numpy.%S. The only supported types are: "
                     "float64, float32, int64, and bool.", r ? r : Py_None);
        Py_XDECREF(r);
        return NULL;
    }
    }
    if (!PyArray_ISNOTSWAPPED(arr)) {
        PyErr_SetString(PyExc_ValueError, "given numpy array has byte order different from the native byte order. Conversion between byte orders is currently not supported.");
        return NULL;
    }
    int nd = PyArray_NDIM(arr);
    if (nd > PL_MAX_DIMS) {
        PyErr_Format(PyExc_ValueError, "arrays with more than %d dimensions are not supported", PL_MAX_DIMS);
        return NULL;
    }
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS];
    int64_t item = (int64_t)PyArray_ITEMSIZE(arr);
    int64_t extent = 1;
    for (int i = 0; i < nd; i++) {
        shape[i] = PyArray_DIM(arr, i);
        npy_intp s = PyArray_STRIDE(arr, i);
        if (s < 0) {
            PyErr_SetString(PyExc_ValueError,
                            "At least one stride in the given numpy array is negative, and tensors with "
                            "negative strides are not currently supported. (You can probably work around "
                            "this by making a copy of your array  with array.copy().) ");
            return NULL;
        }
        if (s % item) {
            PyErr_SetString(PyExc_ValueError, "given numpy array strides not a multiple of the element byte size. Copy the numpy array to reallocate the memory.");
            return NULL;
        }
        strides[i] = s / item;
        if (shape[i] == 0) extent = 0;
    }
    if (extent) {
        for (int i = 0; i < nd; i++) extent += (shape[i] - 1) * strides[i];
    }
    Py_INCREF(obj);
    pl_storage *st = pl_storage_wrap(PyArray_DATA(arr), extent * item, numpy_deleter, obj);
    if (!st) {
        Py_DECREF(obj);
        return plpy_raise();
    }
    pl_tensor *t = pl_tensor_view_of(st, dt, nd, shape, strides, 0);
    pl_storage_release(st);
    return plpy_wrap(t);
}

static PyObject *
f_from_numpy(PyObject *m, PyObject *arg)
{
    (void)m;
    return plpy_from_numpy_array(arg);
}

/* ---- cat / stack / where ---- */

static PyObject *
cat_stack(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, bool is_stack)
{
    static const char *const names[] = {"tensors", "dim", "out", NULL};
    PyObject *a[3];
    if (plpy_parse(is_stack ? "stack" : "cat", args, nargs, kwnames, names, a) < 0) return NULL;
    if (!a[0]) {
        PyErr_SetString(PyExc_TypeError, "missing required argument 'tensors'");
        return NULL;
    }
    int64_t dim;
    if (plpy_as_int64(a[1], 0, &dim) < 0) return NULL;
    if (plpy_is_tensor(a[0])) {
        PyErr_Format(PyExc_TypeError, "%s(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor",
                     is_stack ? "stack" : "cat");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(a[0], "expected a sequence of Tensors");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    pl_tensor **ts = PyMem_Malloc(sizeof(pl_tensor *) * (n ? n : 1));
    if (!ts) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
        if (!plpy_is_tensor(o)) {
            PyErr_Format(PyExc_TypeError, "expected Tensor as element %zd in argument 0, but got %s", i,
                         Py_TYPE(o)->tp_name);
            PyMem_Free(ts);
            Py_DECREF(seq);
            return NULL;
        }
        ts[i] = T(o);
    }
    pl_tensor *r = pl_cat(ts, (int)n, dim, is_stack);
    PyMem_Free(ts);
    Py_DECREF(seq);
    return plpy_wrap(r);
}

static PyObject *
f_cat(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)m;
    return cat_stack(args, nargs, kwnames, false);
}

static PyObject *
f_stack(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)m;
    return cat_stack(args, nargs, kwnames, true);
}

static PyObject *
f_where(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "where(condition, input, other)");
        return NULL;
    }
    pl_tensor *c = plpy_unwrap(args[0]);
    if (!c) return NULL;
    bool aw, bw;
    pl_tensor *a = plpy_operand(args[1], &aw, "where");
    pl_tensor *b = a ? plpy_operand(args[2], &bw, "where") : NULL;
    if (!b) {
        pl_tensor_release(a);
        return NULL;
    }
    /* a Python number takes the other operand's dtype */
    if (aw && !bw) {
        pl_tensor *x = pl_to_dtype(a, pl_result_type(a, true, b, false));
        pl_tensor_release(a);
        a = x;
    } else if (bw && !aw) {
        pl_tensor *x = pl_to_dtype(b, pl_result_type(a, false, b, true));
        pl_tensor_release(b);
        b = x;
    }
    pl_tensor *r = (a && b) ? pl_where(c, a, b) : NULL;
    pl_tensor_release(a);
    pl_tensor_release(b);
    return plpy_wrap(r);
}

/* ---- fused kernels for nn.functional ---- */

static PyObject *
f_linear(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs < 2 || nargs > 3) {
        PyErr_SetString(PyExc_TypeError, "_linear(input, weight, bias=None)");
        return NULL;
    }
    pl_tensor *x = plpy_unwrap(args[0]), *w = x ? plpy_unwrap(args[1]) : NULL;
    if (!w) return NULL;
    pl_tensor *b = NULL;
    if (nargs == 3 && args[2] != Py_None && !(b = plpy_unwrap(args[2]))) return NULL;
    return plpy_wrap(pl_linear(x, w, b));
}

static PyObject *
f_mse_loss(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_mse_loss(input, target, reduction)");
        return NULL;
    }
    pl_tensor *x = plpy_unwrap(args[0]), *t = x ? plpy_unwrap(args[1]) : NULL;
    int64_t red;
    if (!t || plpy_as_int64(args[2], 1, &red) < 0) return NULL;
    return plpy_wrap(pl_mse_loss(x, t, (int)red));
}

static PyObject *
f_nll_loss(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_nll_loss(input, target, reduction)");
        return NULL;
    }
    pl_tensor *x = plpy_unwrap(args[0]), *t = x ? plpy_unwrap(args[1]) : NULL;
    int64_t red;
    if (!t || plpy_as_int64(args[2], 1, &red) < 0) return NULL;
    return plpy_wrap(pl_nll_loss(x, t, (int)red));
}

static PyObject *
f_leaky_relu(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    double slope;
    pl_tensor *x = nargs == 2 ? plpy_unwrap(args[0]) : NULL;
    if (!x || plpy_as_double(args[1], 0.01, &slope) < 0) return NULL;
    return plpy_wrap(pl_leaky_relu(x, slope));
}

static PyObject *
f_addmm(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)m;
    static const char *const names[] = {"input", "mat1", "mat2", "beta", "alpha", NULL};
    PyObject *a[5];
    if (plpy_parse("addmm", args, nargs, kwnames, names, a) < 0) return NULL;
    pl_tensor *b = a[0] ? plpy_unwrap(a[0]) : NULL, *x = b && a[1] ? plpy_unwrap(a[1]) : NULL;
    pl_tensor *w = x && a[2] ? plpy_unwrap(a[2]) : NULL;
    double beta, alpha;
    if (!w || plpy_as_double(a[3], 1, &beta) < 0 || plpy_as_double(a[4], 1, &alpha) < 0) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "addmm(input, mat1, mat2, *, beta=1, alpha=1)");
        return NULL;
    }
    return plpy_wrap(pl_addmm(b, x, w, beta, alpha));
}

static PyObject *
f_nonzero(PyObject *m, PyObject *arg)
{
    (void)m;
    pl_tensor *t = plpy_unwrap(arg);
    return t ? plpy_wrap(pl_nonzero(t)) : NULL;
}

static PyObject *
f_set_default_dtype(PyObject *m, PyObject *arg)
{
    (void)m;
    pl_dtype dt;
    if (plpy_dtype_from_object(arg, PL_FLOAT32, &dt) < 0) return NULL;
    if (!pl_dtype_is_floating(dt)) {
        PyErr_SetString(PyExc_TypeError, "only floating-point types are supported as the default type");
        return NULL;
    }
    plpy_default_dtype = dt;
    pl_default_float = dt;
    Py_RETURN_NONE;
}

static PyObject *
f_get_default_dtype(PyObject *m, PyObject *u)
{
    (void)m, (void)u;
    return Py_NewRef(plpy_dtype_object(plpy_default_dtype));
}

static PyObject *
f_get_num_threads(PyObject *m, PyObject *u)
{
    (void)m, (void)u;
    return PyLong_FromLong(pl_parallel_get_num_threads());
}

static PyObject *
f_set_num_threads(PyObject *m, PyObject *arg)
{
    (void)m;
    int64_t n;
    if (plpy_as_int64(arg, 1, &n) < 0) return NULL;
    if (n <= 0) {
        PyErr_SetString(PyExc_RuntimeError, "set_num_threads expects a positive integer");
        return NULL;
    }
    pl_parallel_set_num_threads((int)n);
    Py_RETURN_NONE;
}

extern PyObject *plpy_register(PyObject *mod, PyObject *const *args, Py_ssize_t nargs);

#define F_KW(name, fn) {name, FASTCALL(fn), METH_FASTCALL | METH_KEYWORDS, NULL}
#define F_FAST(name, fn) {name, FASTCALL(fn), METH_FASTCALL, NULL}

PyMethodDef plpy_tensor_functions[] = {
    F_KW("empty", f_empty),
    F_KW("zeros", f_zeros),
    F_KW("ones", f_ones),
    F_KW("full", f_full),
    F_KW("arange", f_arange),
    F_KW("linspace", f_linspace),
    F_KW("eye", f_eye),
    F_KW("tensor", f_tensor),
    {"from_numpy", f_from_numpy, METH_O, NULL},
    F_KW("cat", f_cat),
    F_KW("stack", f_stack),
    F_FAST("where", f_where),
    F_FAST("_linear", f_linear),
    F_FAST("_mse_loss", f_mse_loss),
    F_FAST("_nll_loss", f_nll_loss),
    F_FAST("_leaky_relu", f_leaky_relu),
    F_KW("addmm", f_addmm),
    {"nonzero", f_nonzero, METH_O, NULL},
    {"set_default_dtype", f_set_default_dtype, METH_O, NULL},
    {"get_default_dtype", f_get_default_dtype, METH_NOARGS, NULL},
    {"get_num_threads", f_get_num_threads, METH_NOARGS, NULL},
    {"set_num_threads", f_set_num_threads, METH_O, NULL},
    F_FAST("_register", plpy_register),
    {NULL, NULL, 0, NULL},
};
