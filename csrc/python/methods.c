/* methods.c — Tensor methods that call one core op each: shape queries, conversions,
 * autograd flags, copies and views (arithmetic, reductions and products are in
 * methods_math.c). Composite methods are written in Python (pytorchlite/_tensor.py). */
#include "args.h"
#include "plpy.h"

#define T PLPY_T
#define FASTCALL PLPY_FASTCALL
#define ARGS PLPY_ARGS
#define ret_self_or_raise plpy_self_or_raise

/* ---- queries ---- */

static PyObject *
m_size(ARGS)
{
    static const char *const names[] = {"dim", NULL};
    PyObject *a[1];
    if (plpy_parse("size", args, nargs, kwnames, names, a) < 0) return NULL;
    pl_tensor *t = T(self);
    if (!a[0] || a[0] == Py_None) return plpy_make_size(t->ndim, t->shape);
    int64_t d;
    int dim;
    if (plpy_as_int64(a[0], 0, &d) < 0) return NULL;
    if (pl_wrap_dim(d, t->ndim, &dim) != PL_OK) return plpy_raise();
    return PyLong_FromLongLong(t->ndim ? t->shape[dim] : 1);
}

static PyObject *
m_stride(ARGS)
{
    static const char *const names[] = {"dim", NULL};
    PyObject *a[1];
    if (plpy_parse("stride", args, nargs, kwnames, names, a) < 0) return NULL;
    pl_tensor *t = T(self);
    if (!a[0] || a[0] == Py_None) {
        PyObject *r = PyTuple_New(t->ndim);
        for (int i = 0; r && i < t->ndim; i++) PyTuple_SET_ITEM(r, i, PyLong_FromLongLong(t->strides[i]));
        return r;
    }
    int64_t d;
    int dim;
    if (plpy_as_int64(a[0], 0, &d) < 0) return NULL;
    if (pl_wrap_dim(d, t->ndim, &dim) != PL_OK) return plpy_raise();
    return PyLong_FromLongLong(t->ndim ? t->strides[dim] : 1);
}

static PyObject *m_dim(PyObject *self, PyObject *u) { (void)u; return PyLong_FromLong(T(self)->ndim); }
static PyObject *m_numel(PyObject *self, PyObject *u) { (void)u; return PyLong_FromLongLong(T(self)->numel); }
/* _is_view(): made by a view op (it has a base whose storage it shares), as PyTorch's */
static PyObject *m_is_view(PyObject *self, PyObject *u) { (void)u; return PyBool_FromLong(T(self)->base != NULL); }
/* _check_inplace(): raises PyTorch's error when self may not be written in place (a leaf or
 * a view of one requiring grad, an inference tensor outside inference mode) */
static PyObject *
m_check_inplace(PyObject *self, PyObject *u)
{
    (void)u;
    if (pl_check_inplace(T(self)) != PL_OK) return plpy_raise();
    Py_RETURN_NONE;
}
static PyObject *m_storage_offset(PyObject *self, PyObject *u) { (void)u; return PyLong_FromLongLong(T(self)->offset); }
static const char *const memory_format_names[] = {"memory_format", NULL};

static PyObject *m_is_contiguous(ARGS)
{
    PyObject *a[1];
    if (plpy_parse_kwonly("is_contiguous", args, nargs, kwnames, memory_format_names, a) < 0) return NULL;
    return PyBool_FromLong(pl_tensor_is_contiguous(T(self)));
}
static PyObject *m_element_size(PyObject *self, PyObject *u) { (void)u; return PyLong_FromSize_t(pl_dtype_size(T(self)->dtype)); }
static PyObject *m_data_ptr(PyObject *self, PyObject *u) { (void)u; return PyLong_FromVoidPtr(pl_tensor_data(T(self))); }
static PyObject *m_is_floating_point(PyObject *self, PyObject *u) { (void)u; return PyBool_FromLong(pl_dtype_is_floating(T(self)->dtype)); }

static PyObject *
scalar_to_py(const pl_tensor *t, int64_t off)
{
    const char *p = pl_tensor_data(t);
    switch (t->dtype) {
    case PL_FLOAT32: return PyFloat_FromDouble(((const float *)p)[off]);
    case PL_FLOAT64: return PyFloat_FromDouble(((const double *)p)[off]);
    case PL_INT64: return PyLong_FromLongLong(((const int64_t *)p)[off]);
    case PL_UINT8: return PyLong_FromLong(((const uint8_t *)p)[off]);
    case PL_INT8: return PyLong_FromLong(((const int8_t *)p)[off]);
    case PL_INT16: return PyLong_FromLong(((const int16_t *)p)[off]);
    case PL_INT32: return PyLong_FromLong(((const int32_t *)p)[off]);
    case PL_FLOAT16: return PyFloat_FromDouble(pl_half_to_float(((const uint16_t *)p)[off]));
    case PL_BFLOAT16: return PyFloat_FromDouble(pl_bf16_to_float(((const uint16_t *)p)[off]));
    default: return PyBool_FromLong(((const uint8_t *)p)[off]);
    }
}

static PyObject *
m_item(PyObject *self, PyObject *u)
{
    (void)u;
    pl_tensor *t = T(self);
    if (t->numel != 1) {
        PyErr_Format(PyExc_RuntimeError, "a Tensor with %lld elements cannot be converted to Scalar",
                     (long long)t->numel);
        return NULL;
    }
    return scalar_to_py(t, 0);
}

static PyObject *
tolist_rec(const pl_tensor *t, int d, int64_t off)
{
    if (d == t->ndim) return scalar_to_py(t, off);
    PyObject *l = PyList_New(t->shape[d]);
    for (int64_t i = 0; l && i < t->shape[d]; i++) {
        PyObject *v = tolist_rec(t, d + 1, off + i * t->strides[d]);
        if (!v) {
            Py_DECREF(l);
            return NULL;
        }
        PyList_SET_ITEM(l, i, v);
    }
    return l;
}

static PyObject *m_tolist(PyObject *self, PyObject *u) { (void)u; return tolist_rec(T(self), 0, 0); }

static PyObject *
m_numpy(ARGS)
{
    static const char *const names[] = {"force", NULL};
    PyObject *a[1];
    if (plpy_parse_kwonly("numpy", args, nargs, kwnames, names, a) < 0) return NULL;
    bool force;
    if (plpy_as_bool(a[0], false, &force) < 0) return NULL;
    pl_tensor *t = T(self);
    if (t->requires_grad && !force) {
        PyErr_SetString(PyExc_RuntimeError,
                        "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
        return NULL;
    }
    if (t->dtype == PL_BFLOAT16) { /* NumPy has no bfloat16 */
        PyErr_SetString(PyExc_TypeError, "Got unsupported ScalarType BFloat16");
        return NULL;
    }
    if (plpy_numpy_api(1) < 0) return NULL;
    static const int npy_types[PL_NUM_DTYPES] = {NPY_BOOL, NPY_INT64, NPY_FLOAT32, NPY_FLOAT64,
                                                 NPY_UINT8, NPY_INT8, NPY_INT16, NPY_INT32,
                                                 NPY_FLOAT16, -1};
    npy_intp dims[PL_MAX_DIMS], strides[PL_MAX_DIMS];
    for (int i = 0; i < t->ndim; i++) {
        dims[i] = (npy_intp)t->shape[i];
        strides[i] = (npy_intp)(t->strides[i] * (int64_t)pl_dtype_size(t->dtype));
    }
    PyObject *arr = PyArray_New(&PyArray_Type, t->ndim, dims, npy_types[t->dtype], strides,
                                pl_tensor_data(t), 0, NPY_ARRAY_WRITEABLE, NULL);
    if (!arr) return NULL;
    if (PyArray_SetBaseObject((PyArrayObject *)arr, Py_NewRef(self)) < 0) {
        Py_DECREF(arr);
        return NULL;
    }
    return arr;
}

/* ---- autograd flags ---- */

static PyObject *
m_detach(PyObject *self, PyObject *u)
{
    (void)u;
    return plpy_wrap(pl_tensor_alias(T(self)));
}

static PyObject *
m_detach_(PyObject *self, PyObject *u)
{
    (void)u;
    pl_tensor_detach_(T(self));
    return Py_NewRef(self);
}

static PyObject *
m_retain_grad(PyObject *self, PyObject *u)
{
    (void)u;
    if (pl_tensor_retain_grad(T(self)) != PL_OK) return plpy_raise();
    Py_RETURN_NONE;
}

static PyObject *
m_requires_grad_(ARGS)
{
    static const char *const names[] = {"requires_grad", NULL};
    PyObject *a[1];
    if (plpy_parse("requires_grad_", args, nargs, kwnames, names, a) < 0) return NULL;
    pl_tensor *t = T(self);
    bool b;
    if (plpy_as_bool(a[0], true, &b) < 0) return NULL;
    if (t->grad_fn && !b) {
        PyErr_SetString(PyExc_RuntimeError,
                        "you can only change requires_grad flags of leaf variables. If you want to "
                        "use a computed variable in a subgraph that doesn't require differentiation "
                        "use var_no_grad = var.detach().");
        return NULL;
    }
    if (b && !pl_dtype_is_floating(t->dtype)) {
        PyErr_SetString(PyExc_RuntimeError, "only Tensors of floating point dtype can require gradients");
        return NULL;
    }
    if (pl_check_inference_requires_grad(t, b) != PL_OK) return plpy_raise();
    if (!t->grad_fn) t->requires_grad = b;
    return Py_NewRef(self);
}

/* ---- copies ---- */

static PyObject *m_clone(ARGS)
{
    PyObject *a[1];
    if (plpy_parse_kwonly("clone", args, nargs, kwnames, memory_format_names, a) < 0) return NULL;
    return plpy_wrap(pl_clone(T(self)));
}

static PyObject *m_contiguous(ARGS)
{
    PyObject *a[1];
    if (plpy_parse_kwonly("contiguous", args, nargs, kwnames, memory_format_names, a) < 0) return NULL;
    pl_tensor *t = T(self);
    if (pl_tensor_is_contiguous(t)) return Py_NewRef(self);
    return plpy_wrap(pl_contiguous(t));
}

static PyObject *
m_to_dtype(PyObject *self, PyObject *arg)
{
    pl_dtype dt;
    if (plpy_dtype_from_object(arg, T(self)->dtype, &dt) < 0) return NULL;
    if (dt == T(self)->dtype) return Py_NewRef(self);
    return plpy_wrap(pl_to_dtype(T(self), dt));
}

static PyObject *
m_copy_(ARGS)
{
    static const char *const names[] = {"src", "non_blocking", NULL};
    PyObject *a[2];
    if (plpy_parse_req("copy_", args, nargs, kwnames, names, 1, a) < 0) return NULL;
    pl_tensor *src = plpy_is_tensor(a[0]) ? pl_tensor_retain(T(a[0])) : plpy_scalar_tensor(a[0]);
    if (!src) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "copy_(): argument 'src' must be Tensor");
        return NULL;
    }
    pl_status st = pl_copy_(T(self), src);
    pl_tensor_release(src);
    return ret_self_or_raise(self, st);
}

static PyObject *
m_fill_(PyObject *self, PyObject *arg)
{
    if (plpy_is_tensor(arg) && T(arg)->requires_grad && pl_grad_enabled() &&
        pl_dtype_is_floating(T(self)->dtype)) {
        /* a value with history: copy_ of it expanded, so its gradient is the sum (PyTorch
         * records FillBackward3; a view's base gets CopySlices either way) */
        pl_tensor *value = T(arg);
        if (value->ndim != 0) {
            PyErr_Format(PyExc_RuntimeError, "fill_ only supports 0-dimension value tensor but got "
                         "tensor with %d dimensions.", value->ndim);
            return NULL;
        }
        pl_tensor *e = pl_expand(value, T(self)->ndim, T(self)->shape);
        pl_status st = e ? pl_copy_(T(self), e) : pl_error_status();
        pl_tensor_release(e);
        return ret_self_or_raise(self, st);
    }
    pl_scalar v;
    if (plpy_as_scalar(arg, T(self)->dtype, &v) < 0) return NULL;
    return ret_self_or_raise(self, pl_fill_scalar_(T(self), v));
}

static PyObject *
m_zero_(PyObject *self, PyObject *u)
{
    (void)u;
    return ret_self_or_raise(self, pl_zero_(T(self)));
}

/* ---- views ---- */

static int
shape_args(PyObject *const *args, Py_ssize_t nargs, int64_t *shape)
{
    return plpy_parse_shape(args, nargs, shape);
}

static PyObject *
m_view(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    pl_dtype dt;
    if (nargs == 1 && !PyLong_Check(args[0]) && !PySequence_Check(args[0])) {
        /* view(dtype): the same bytes read as another dtype of the same size */
        if (plpy_dtype_from_object(args[0], PL_FLOAT32, &dt) < 0) {
            PyErr_Clear();
            PyErr_SetString(PyExc_TypeError, "view(): argument 'size' must be tuple of ints");
            return NULL;
        }
        pl_tensor *t = T(self);
        if (pl_dtype_size(dt) != pl_dtype_size(t->dtype)) {
            PyErr_SetString(PyExc_NotImplementedError,
                            "pytorchlite's view(dtype) needs a dtype of the same element size");
            return NULL;
        }
        pl_tensor *v = pl_tensor_view_of(t->storage, dt, t->ndim, t->shape, t->strides, t->offset);
        if (v) v->is_view = true;
        return plpy_wrap(v);
    }
    if (nargs == 0) {
        PyErr_SetString(PyExc_TypeError, "view() missing 1 required positional arguments: \"size\"");
        return NULL;
    }
    int64_t shape[PL_MAX_DIMS];
    int nd = shape_args(args, nargs, shape);
    if (nd < 0) return NULL;
    return plpy_wrap(pl_view(T(self), nd, shape));
}

static PyObject *
m_reshape(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs == 0) {
        PyErr_SetString(PyExc_TypeError, "reshape() missing 1 required positional arguments: \"shape\"");
        return NULL;
    }
    int64_t shape[PL_MAX_DIMS];
    int nd = shape_args(args, nargs, shape);
    if (nd < 0) return NULL;
    return plpy_wrap(pl_reshape(T(self), nd, shape));
}

static PyObject *
m_expand(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs == 0) {
        PyErr_SetString(PyExc_TypeError, "expand() missing 1 required positional arguments: \"size\"");
        return NULL;
    }
    int64_t shape[PL_MAX_DIMS];
    int nd = shape_args(args, nargs, shape);
    if (nd < 0) return NULL;
    return plpy_wrap(pl_expand(T(self), nd, shape));
}

static PyObject *
m_permute(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs == 0) {
        PyErr_SetString(PyExc_TypeError, "permute() missing 1 required positional arguments: \"dims\"");
        return NULL;
    }
    int64_t dims[PL_MAX_DIMS];
    int nd = shape_args(args, nargs, dims);
    if (nd < 0) return NULL;
    return plpy_wrap(pl_permute(T(self), nd, dims));
}

static PyObject *
m_transpose(ARGS)
{
    static const char *const names[] = {"dim0", "dim1", NULL};
    PyObject *a[2];
    int64_t d0, d1;
    if (plpy_parse_req("transpose", args, nargs, kwnames, names, 2, a) < 0) return NULL;
    if (plpy_as_int64(a[0], 0, &d0) < 0 || plpy_as_int64(a[1], 0, &d1) < 0) return NULL;
    return plpy_wrap(pl_transpose(T(self), d0, d1));
}

static PyObject *m_t(PyObject *self, PyObject *u) { (void)u; return plpy_wrap(pl_t(T(self))); }

static PyObject *
m_unsqueeze(PyObject *self, PyObject *arg)
{
    int64_t d;
    if (plpy_as_int64(arg, 0, &d) < 0) return NULL;
    return plpy_wrap(pl_unsqueeze(T(self), d));
}

static PyObject *
m_squeeze(ARGS)
{
    static const char *const names[] = {"dim", NULL};
    PyObject *a[1];
    int64_t dims[PL_MAX_DIMS];
    int n;
    pl_tensor *t = T(self);
    if (nargs > 1 && !kwnames) { /* squeeze(0, 2): the dims as varargs */
        if (nargs > PL_MAX_DIMS) {
            PyErr_SetString(PyExc_RuntimeError, "too many dimensions");
            return NULL;
        }
        for (Py_ssize_t i = 0; i < nargs; i++) {
            if (plpy_as_int64(args[i], 0, &dims[i]) < 0) return NULL;
        }
        n = (int)nargs;
    } else {
        if (plpy_parse("squeeze", args, nargs, kwnames, names, a) < 0) return NULL;
        if (!a[0] || a[0] == Py_None) return plpy_wrap(pl_squeeze(t, true, 0));
        if (PyLong_Check(a[0]) || PyIndex_Check(a[0])) { /* squeeze(dim): SqueezeBackward1 */
            if (plpy_as_int64(a[0], 0, &dims[0]) < 0) return NULL;
            return plpy_wrap(pl_squeeze(t, false, dims[0]));
        }
        n = plpy_as_dims(a[0], dims, PL_MAX_DIMS);
        if (n < 0) return NULL;
    }
    /* squeeze(dim=(0, 2)) or squeeze(0, 2): one view without those of size 1 (SqueezeBackward2) */
    bool drop[PL_MAX_DIMS + 1] = {false};
    for (int i = 0; i < n; i++) {
        int d;
        if (pl_wrap_dim(dims[i], t->ndim, &d) != PL_OK) return plpy_raise();
        if (drop[d]) {
            PyErr_Format(PyExc_RuntimeError, "dim %d appears multiple times in the list of dims", d);
            return NULL;
        }
        drop[d] = true;
    }
    return plpy_wrap(pl_squeeze_dims(t, drop));
}

static PyObject *
m_select(ARGS)
{
    static const char *const names[] = {"dim", "index", NULL};
    PyObject *a[2];
    int64_t d, i;
    if (plpy_parse_req("select", args, nargs, kwnames, names, 2, a) < 0) return NULL;
    if (plpy_as_int64(a[0], 0, &d) < 0 || plpy_as_int64(a[1], 0, &i) < 0) return NULL;
    return plpy_wrap(pl_select(T(self), d, i));
}

static PyObject *
m_narrow(ARGS)
{
    static const char *const names[] = {"dim", "start", "length", NULL};
    PyObject *a[3];
    int64_t d, s, l;
    if (plpy_parse_req("narrow", args, nargs, kwnames, names, 3, a) < 0) return NULL;
    if (plpy_as_int64(a[0], 0, &d) < 0 || plpy_as_int64(a[1], 0, &s) < 0 || plpy_as_int64(a[2], 0, &l) < 0)
        return NULL;
    /* PyTorch's checks: a slice would silently clamp out-of-range arguments */
    pl_tensor *t = T(self);
    if (t->ndim == 0) {
        PyErr_SetString(PyExc_RuntimeError, "narrow() cannot be applied to a 0-dim tensor.");
        return NULL;
    }
    int dim;
    if (pl_wrap_dim(d, t->ndim, &dim) != PL_OK) return plpy_raise();
    int64_t n = t->shape[dim];
    if (l < 0) {
        PyErr_SetString(PyExc_RuntimeError, "narrow(): length must be non-negative.");
        return NULL;
    }
    if (s < -n || s > n) {
        PyErr_Format(PyExc_IndexError,
                     "start out of range (expected to be in range of [%lld, %lld], but got %lld)",
                     (long long)-n, (long long)n, (long long)s);
        return NULL;
    }
    if (s < 0) s += n;
    if (s > n - l) {
        PyErr_Format(PyExc_RuntimeError, "start (%lld) + length (%lld) exceeds dimension size (%lld).",
                     (long long)s, (long long)l, (long long)n);
        return NULL;
    }
    return plpy_wrap(pl_slice(t, dim, s, s + l, 1));
}

/* The diagonal view behind Tensor.diagonal (its argument checks are in Python). */
static PyObject *
m_diagonal_view(ARGS)
{
    static const char *const names[] = {"offset", "dim1", "dim2", NULL};
    PyObject *a[3];
    int64_t off, d1, d2;
    if (plpy_parse_req("_diagonal", args, nargs, kwnames, names, 3, a) < 0) return NULL;
    if (plpy_as_int64(a[0], 0, &off) < 0 || plpy_as_int64(a[1], 0, &d1) < 0 || plpy_as_int64(a[2], 0, &d2) < 0)
        return NULL;
    return plpy_wrap(pl_diagonal(T(self), off, d1, d2));
}

/* Up to PL_MAX_DIMS ints from a tuple (checked in Python); the count, or -1 with an error. */
static int
int_tuple(PyObject *seq, int64_t *out)
{
    if (!PyTuple_Check(seq) || PyTuple_GET_SIZE(seq) > PL_MAX_DIMS) {
        PyErr_SetString(PyExc_RuntimeError, "as_strided: sizes and strides must be tuples of at most 8 ints");
        return -1;
    }
    int n = (int)PyTuple_GET_SIZE(seq);
    for (int i = 0; i < n; i++)
        if (plpy_as_int64(PyTuple_GET_ITEM(seq, i), 0, &out[i]) < 0) return -1;
    return n;
}

/* The strided view behind Tensor.as_strided when no graph is recorded (size, stride: tuples
 * of ints; offset from the storage's start). */
static PyObject *
m_as_strided_view(ARGS)
{
    static const char *const names[] = {"size", "stride", "offset", NULL};
    PyObject *a[3];
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS], off;
    if (plpy_parse_req("_as_strided", args, nargs, kwnames, names, 3, a) < 0) return NULL;
    int n = int_tuple(a[0], shape), m = n < 0 ? -1 : int_tuple(a[1], strides);
    if (n < 0 || m < 0 || plpy_as_int64(a[2], 0, &off) < 0) return NULL;
    if (n != m) {
        PyErr_SetString(PyExc_RuntimeError, "mismatch in length of strides and shape");
        return NULL;
    }
    return plpy_wrap(pl_as_strided_nograd(T(self), n, shape, strides, off));
}

static PyObject *
m_index_select(ARGS)
{
    static const char *const names[] = {"dim", "index", NULL};
    PyObject *a[2];
    int64_t d;
    if (plpy_parse_req("index_select", args, nargs, kwnames, names, 2, a) < 0) return NULL;
    if (plpy_as_int64(a[0], 0, &d) < 0) return NULL;
    if (!plpy_is_tensor(a[1])) {
        PyErr_Format(PyExc_TypeError, "index_select(): argument 'index' (position 2) must be Tensor, not %s",
                     Py_TYPE(a[1])->tp_name);
        return NULL;
    }
    pl_tensor *idx = T(a[1]);
    return plpy_wrap(pl_index_select(T(self), d, idx, false));
}

/* index_add_(dim, index, source, *, alpha=1) */
static PyObject *
m_index_add_(ARGS)
{
    static const char *const names[] = {"dim", "index", "source", "alpha", NULL};
    PyObject *a[4];
    int64_t d;
    double alpha;
    if (plpy_parse_full("index_add_", args, nargs, kwnames, names, 3, 3, a) < 0) return NULL;
    if (plpy_as_int64(a[0], 0, &d) < 0 || plpy_as_double(a[3], 1.0, &alpha) < 0) return NULL;
    for (int i = 1; i < 3; i++) {
        if (!plpy_is_tensor(a[i])) {
            PyErr_Format(PyExc_TypeError, "index_add_(): argument '%s' (position %d) must be Tensor, "
                         "not %s", names[i], i + 1, Py_TYPE(a[i])->tp_name);
            return NULL;
        }
    }
    return ret_self_or_raise(self, pl_index_add_(T(self), d, T(a[1]), T(a[2]), alpha));
}

/* _make_subclass(cls, data, requires_grad=False): an alias of data of type cls */
static PyObject *
m_make_subclass(PyObject *unused, PyObject *const *args, Py_ssize_t nargs)
{
    (void)unused;
    if (nargs < 2 || nargs > 3 || !PyType_Check(args[0]) ||
        !PyType_IsSubtype((PyTypeObject *)args[0], plpy_TensorBase)) {
        PyErr_SetString(PyExc_TypeError, "_make_subclass(cls, data, require_grad=False)");
        return NULL;
    }
    pl_tensor *data = plpy_unwrap(args[1]);
    if (!data) return NULL;
    bool rg = false;
    if (nargs == 3 && plpy_as_bool(args[2], false, &rg) < 0) return NULL;
    if (rg && !pl_dtype_is_floating(data->dtype)) {
        PyErr_SetString(PyExc_RuntimeError, "Only Tensors of floating point and complex dtype can require gradients");
        return NULL;
    }
    pl_tensor *t = pl_tensor_alias(data);
    if (!t) return plpy_raise();
    t->requires_grad = rg;
    return plpy_wrap_as((PyTypeObject *)args[0], t);
}

/* as_subclass(cls): a view of self (AliasBackward0, still in the graph) of type cls */
static PyObject *
m_as_subclass(PyObject *self, PyObject *cls)
{
    if (!PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, plpy_TensorBase) ||
        (PyTypeObject *)cls == plpy_TensorBase) {
        PyErr_Format(PyExc_TypeError, "as_subclass(): argument 'cls' must be a subclass of Tensor, not %s",
                     PyType_Check(cls) ? ((PyTypeObject *)cls)->tp_name : Py_TYPE(cls)->tp_name);
        return NULL;
    }
    return plpy_wrap_as((PyTypeObject *)cls, pl_alias_view(T(self)));
}

PLPY_ONE_ARG(m_fill_kw, m_fill_, "fill_", "value")
PLPY_ONE_ARG(m_unsqueeze_kw, m_unsqueeze, "unsqueeze", "dim")
PLPY_ONE_ARG(m_as_subclass_kw, m_as_subclass, "as_subclass", "cls")

#define M_NOARGS(name, fn) {name, (PyCFunction)(fn), METH_NOARGS, NULL}
#define M_O(name, fn) {name, (PyCFunction)(fn), METH_O, NULL}
#define M_FAST(name, fn) {name, FASTCALL(fn), METH_FASTCALL, NULL}
#define M_KW(name, fn) {name, FASTCALL(fn), METH_FASTCALL | METH_KEYWORDS, NULL}
#define M_UNARY(NAME) M_NOARGS(#NAME, m_##NAME), M_NOARGS(#NAME "_", m_##NAME##_)

PyMethodDef plpy_tensor_methods[] = {
    M_KW("size", m_size),
    M_KW("stride", m_stride),
    M_NOARGS("dim", m_dim),
    M_NOARGS("ndimension", m_dim),
    M_NOARGS("numel", m_numel),
    M_NOARGS("_is_view", m_is_view),
    M_NOARGS("_check_inplace", m_check_inplace),
    M_NOARGS("nelement", m_numel),
    M_NOARGS("storage_offset", m_storage_offset),
    M_KW("is_contiguous", m_is_contiguous),
    M_NOARGS("element_size", m_element_size),
    M_NOARGS("data_ptr", m_data_ptr),
    M_NOARGS("is_floating_point", m_is_floating_point),
    M_NOARGS("item", m_item),
    M_NOARGS("tolist", m_tolist),
    M_KW("numpy", m_numpy),
    M_NOARGS("detach", m_detach),
    M_NOARGS("detach_", m_detach_),
    M_NOARGS("retain_grad", m_retain_grad),
    M_KW("requires_grad_", m_requires_grad_),
    M_KW("clone", m_clone),
    M_KW("contiguous", m_contiguous),
    M_O("_to_dtype", m_to_dtype),
    M_KW("copy_", m_copy_),
    M_KW("fill_", m_fill_kw),
    M_NOARGS("zero_", m_zero_),
    M_FAST("view", m_view),
    M_FAST("reshape", m_reshape),
    M_FAST("expand", m_expand),
    M_FAST("permute", m_permute),
    M_KW("transpose", m_transpose),
    M_NOARGS("t", m_t),
    M_KW("unsqueeze", m_unsqueeze_kw),
    M_KW("squeeze", m_squeeze),
    M_KW("select", m_select),
    M_KW("narrow", m_narrow),
    M_KW("_diagonal", m_diagonal_view),
    M_KW("_as_strided", m_as_strided_view),
    M_KW("index_select", m_index_select),
    M_KW("index_add_", m_index_add_),
    M_KW("as_subclass", m_as_subclass_kw),
    {"_make_subclass", FASTCALL(m_make_subclass), METH_FASTCALL | METH_STATIC, NULL},
    {NULL, NULL, 0, NULL},
};
