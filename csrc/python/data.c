/* data.c — torch.tensor(data) from nested Python sequences, tensors and NumPy scalars, and
 * the NumPy bridge (torch.from_numpy, which shares the array's memory). */
#include "args.h"
#include "plpy.h"

#define T PLPY_T

typedef struct {
    int ndim;
    int64_t shape[PL_MAX_DIMS];
    pl_dtype dtype;
    bool seen_any;
} data_info;

/* The numbers torch.tensor(data) takes as elements: Python bools, ints and floats and NumPy
 * scalars (anything else is PyTorch's "Could not infer dtype"). */
static bool
is_data_scalar(PyObject *obj)
{
    if (PyFloat_Check(obj) || PyLong_Check(obj)) return true;
    return plpy_numpy_api(0) > 0 && PyArray_IsScalar(obj, Generic) && PyNumber_Check(obj) &&
           !PyComplex_Check(obj);
}

/* PyTorch's errors for an element nested differently from the first ones: a number where a
 * sequence was expected, a sequence where a number was, or a tensor of another shape. */
static int
nesting_error(PyObject *obj, int depth, const data_info *info)
{
    if (plpy_is_tensor(obj)) {
        PyErr_Format(PyExc_ValueError, "expected sequence of length %lld at dim %d (got a tensor of "
                     "%d dims)", (long long)info->shape[depth < info->ndim ? depth : 0], depth,
                     ((PlTensorObject *)obj)->t->ndim);
    } else if (depth < info->ndim) {
        PyErr_SetString(PyExc_TypeError, "not a sequence");
    } else if (pl_dtype_is_floating(info->dtype)) {
        PyErr_Format(PyExc_TypeError, "must be real number, not %s", Py_TYPE(obj)->tp_name);
    } else {
        PyErr_Format(PyExc_TypeError, "'%s' object cannot be interpreted as an integer", Py_TYPE(obj)->tp_name);
    }
    return -1;
}

/* The dtype an element asks for, as PyTorch infers it: a NumPy scalar its own (float64,
 * float32, float16, uint8, int8, int16, int32, other integers as int64, bool; other floats the
 * default), a Python float the default dtype, an int int64, a bool bool. */
static pl_dtype
scalar_dtype(PyObject *obj)
{
    if (PyFloat_CheckExact(obj)) return plpy_default_dtype; /* the common cases first */
    if (PyLong_CheckExact(obj)) return PL_INT64;
    if (plpy_numpy_api(0) > 0 && PyArray_IsScalar(obj, Generic)) {
        if (PyArray_IsScalar(obj, Bool)) return PL_BOOL;
        if (PyArray_IsScalar(obj, UByte)) return PL_UINT8;
        if (PyArray_IsScalar(obj, Byte)) return PL_INT8;
        if (PyArray_IsScalar(obj, Short)) return PL_INT16;
        if (PyArray_IsScalar(obj, Int)) return PL_INT32;
        if (PyArray_IsScalar(obj, Integer)) return PL_INT64;
        if (PyArray_IsScalar(obj, Double)) return PL_FLOAT64;
        if (PyArray_IsScalar(obj, Float)) return PL_FLOAT32;
        if (PyArray_IsScalar(obj, Half)) return PL_FLOAT16;
        return plpy_default_dtype;
    }
    if (PyBool_Check(obj)) return PL_BOOL;
    return PyLong_Check(obj) ? PL_INT64 : plpy_default_dtype;
}

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
        info->dtype = info->seen_any ? pl_promote_types(info->dtype, t->dtype) : t->dtype;
        info->seen_any = true;
        return 0;
    }
    if (is_data_scalar(obj)) {
        if (info->seen_any && info->ndim != depth) goto ragged;
        if (!info->seen_any) info->ndim = depth;
        pl_dtype d = scalar_dtype(obj);
        info->dtype = info->seen_any ? pl_promote_types(info->dtype, d) : d;
        info->seen_any = true;
        return 0;
    }
    if (PyUnicode_Check(obj) || PyBytes_Check(obj)) {
        /* PyTorch's two messages: a string first seen is taken as a dimension */
        if (info->seen_any || depth == 0) {
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
    return nesting_error(obj, depth, info);
too_deep:
    PyErr_Format(PyExc_ValueError, "tensors with more than %d dimensions are not supported", PL_MAX_DIMS);
    return -1;
}

/* The error for data whose nesting no longer matches what scan_data found at `depth`:
 * ValueError for a length that changed (got >= 0), else nesting_error's. */
static int
changed_data(PyObject *obj, const data_info *info, int depth, Py_ssize_t got)
{
    if (got >= 0) {
        PyErr_Format(PyExc_ValueError, "expected sequence of length %lld at dim %d (got %zd)",
                     (long long)info->shape[depth], depth, got);
        return -1;
    }
    return nesting_error(obj, depth, info);
}

/* Writes obj (found at nesting `depth`) into out from element *pos on. Data is read afresh
 * here, and an element's __float__ / __index__ may have edited the lists since scan_data: so
 * every length is checked again against info (out holds exactly info->shape's elements), and
 * each sequence is read from a tuple snapshot that keeps its items alive. */
static int
fill_data(PyObject *obj, int depth, const data_info *info, pl_tensor *out, int64_t *pos)
{
    if (plpy_is_tensor(obj)) {
        pl_tensor *t = T(obj);
        if (depth + t->ndim != info->ndim) return changed_data(obj, info, depth, -1);
        for (int i = 0; i < t->ndim; i++) {
            if (t->shape[i] != info->shape[depth + i]) return changed_data(obj, info, depth + i, t->shape[i]);
        }
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
    if (depth < info->ndim) {
        if (!PySequence_Check(obj) || PyUnicode_Check(obj) || PyBytes_Check(obj)) {
            return changed_data(obj, info, depth, -1);
        }
        PyObject *seq = plpy_snapshot(obj, "not a sequence");
        if (!seq) return -1;
        Py_ssize_t n = PyTuple_GET_SIZE(seq);
        int rc = n == info->shape[depth] ? 0 : changed_data(obj, info, depth, n);
        for (Py_ssize_t i = 0; rc == 0 && i < n; i++) {
            rc = fill_data(PyTuple_GET_ITEM(seq, i), depth + 1, info, out, pos);
        }
        Py_DECREF(seq);
        return rc;
    }
    if (!is_data_scalar(obj) || *pos >= out->numel) return changed_data(obj, info, depth, -1);
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
        if (pl_dtype_is_integral(out->dtype) && pl_check_scalar_fits(v, out->dtype) != PL_OK) {
            /* PyTorch's check, which names the dtype here ("uint8", not "uint8_t") */
            pl_error_clear();
            PyErr_Format(PyExc_RuntimeError, "value cannot be converted to type %s without overflow",
                         pl_dtype_name(out->dtype));
            return -1;
        }
        pl_fill_contiguous(dst, out->dtype, 1, v);
    }
    (*pos)++;
    return 0;
}

/* tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False): always copies */
PyObject *
plpy_f_tensor(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)m;
    static const char *const names[] = {"data", "dtype", "device", "requires_grad", "pin_memory", NULL};
    PyObject *a[5];
    if (plpy_parse_full("tensor", args, nargs, kwnames, names, 1, 1, a) < 0) return NULL; /* the rest: keywords */
    PyObject *dtype = a[1], *requires_grad = a[3];
    pl_dtype unused;
    /* torch.tensor makes the tensor on the CPU, then moves it to the device */
    if (plpy_dtype_from_object(dtype, PL_FLOAT32, &unused) < 0 || plpy_check_device(a[2], 1) < 0 ||
        plpy_check_pin_memory(a[4]) < 0)
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
        if (plpy_dtype_from_object(dtype, src->dtype, &dt) < 0) {
            pl_tensor_release(src);
            return NULL;
        }
        out = pl_tensor_empty(src->ndim, src->shape, dt);
        if (out && pl_copy_raw(out, src) != PL_OK) {
            pl_tensor_release(out);
            out = NULL;
        }
        pl_tensor_release(src);
        return plpy_finish_factory(out, requires_grad);
    }
    data_info info = {0};
    info.dtype = plpy_default_dtype;
    if (scan_data(data, 0, &info) < 0) return NULL;
    if (!info.seen_any) info.dtype = plpy_default_dtype;
    pl_dtype dt;
    if (plpy_dtype_from_object(dtype, info.dtype, &dt) < 0) return NULL;
    /* fill straight in the requested dtype, so float64 data keeps every bit */
    out = pl_tensor_empty(info.ndim, info.shape, dt);
    if (!out) return plpy_raise();
    int64_t pos = 0;
    if (fill_data(data, 0, &info, out, &pos) < 0 || (pos != out->numel && changed_data(data, &info, 0, -1) < 0)) {
        pl_tensor_release(out);
        return NULL;
    }
    return plpy_finish_factory(out, requires_grad);
}

PyObject *
plpy_tensor_from_data(PyObject *data)
{
    return plpy_f_tensor(NULL, &data, 1, NULL);
}

PyObject *
plpy_tensor_from_data_as(PyObject *data, pl_dtype dt)
{
    static PyObject *kwnames = NULL; /* ("dtype",), kept for the process */
    if (!kwnames && !(kwnames = Py_BuildValue("(s)", "dtype"))) return NULL;
    PyObject *args[2] = {data, plpy_dtype_object(dt)};
    return plpy_f_tensor(NULL, args, 1, kwnames);
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
    case NPY_FLOAT16: dt = PL_FLOAT16; break;
    case NPY_INT64: dt = PL_INT64; break;
    case NPY_INT32: dt = PL_INT32; break;
    case NPY_INT16: dt = PL_INT16; break;
    case NPY_INT8: dt = PL_INT8; break;
    case NPY_UINT8: dt = PL_UINT8; break;
    case NPY_BOOL: dt = PL_BOOL; break;
    default: {
        if (PyArray_ISINTEGER(arr) && PyArray_ITEMSIZE(arr) == 8 && PyArray_ISSIGNED(arr)) {
            dt = PL_INT64; /* long long: the same 8 bytes as int64 under another number */
            break;
        }
        PyObject *r = PyObject_Str((PyObject *)PyArray_DESCR(arr));
        PyErr_Format(PyExc_TypeError,
                     "can't convert np.ndarray of type numpy.%S. The only supported types are: "
                     "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.",
                     r ? r : Py_None);
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

PyObject *
plpy_f_from_numpy(PyObject *m, PyObject *arg)
{
    (void)m;
    return plpy_from_numpy_array(arg);
}
