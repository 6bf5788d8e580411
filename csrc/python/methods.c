/* methods.c — Tensor methods that call one core op each (shape queries, views, reductions,
 * arithmetic with keywords, unary ops and their in-place forms, conversions). Composite
 * methods are written in Python (pytorchlite/_tensor.py). */
#include "args.h"
#include "plpy.h"

#define T(op) (((PlTensorObject *)(op))->t)
#define FASTCALL(fn) (PyCFunction)(void (*)(void))(fn)
#define ARGS PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames

static PyObject *
ret_self_or_raise(PyObject *self, pl_status st)
{
    if (st != PL_OK) return plpy_raise();
    return Py_NewRef(self);
}

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
static PyObject *m_storage_offset(PyObject *self, PyObject *u) { (void)u; return PyLong_FromLongLong(T(self)->offset); }
static PyObject *m_is_contiguous(PyObject *self, PyObject *const *a, Py_ssize_t n, PyObject *k)
{
    (void)a, (void)n, (void)k;
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
    if (plpy_parse("numpy", args, nargs, kwnames, names, a) < 0) return NULL;
    bool force;
    if (plpy_as_bool(a[0], false, &force) < 0) return NULL;
    pl_tensor *t = T(self);
    if (t->requires_grad && !force) {
        PyErr_SetString(PyExc_RuntimeError,
                        "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
        return NULL;
    }
    static const int npy_types[PL_NUM_DTYPES] = {NPY_BOOL, NPY_INT64, NPY_FLOAT32, NPY_FLOAT64};
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
    if (!t->grad_fn) t->requires_grad = b;
    return Py_NewRef(self);
}

/* ---- copies ---- */

static PyObject *m_clone(PyObject *self, PyObject *const *a, Py_ssize_t n, PyObject *k)
{
    (void)a, (void)n, (void)k;
    return plpy_wrap(pl_clone(T(self)));
}

static PyObject *m_contiguous(PyObject *self, PyObject *const *a, Py_ssize_t n, PyObject *k)
{
    (void)a, (void)n, (void)k;
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
    if (plpy_parse("copy_", args, nargs, kwnames, names, a) < 0) return NULL;
    if (!a[0]) {
        PyErr_SetString(PyExc_TypeError, "copy_() missing required argument 'src'");
        return NULL;
    }
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
    double v;
    if (plpy_as_double(arg, 0, &v) < 0) return NULL;
    return ret_self_or_raise(self, pl_fill_(T(self), v));
}

static PyObject *
m_zero_(PyObject *self, PyObject *u)
{
    (void)u;
    return ret_self_or_raise(self, pl_fill_(T(self), 0.0));
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
    if (nargs == 1 && !PyLong_Check(args[0]) && !PySequence_Check(args[0])) {
        /* view(dtype) is not supported; keep the error clear */
        PyErr_SetString(PyExc_TypeError, "view(): argument 'size' must be tuple of ints");
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
    int64_t shape[PL_MAX_DIMS];
    int nd = shape_args(args, nargs, shape);
    if (nd < 0) return NULL;
    return plpy_wrap(pl_reshape(T(self), nd, shape));
}

static PyObject *
m_expand(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    int64_t shape[PL_MAX_DIMS];
    int nd = shape_args(args, nargs, shape);
    if (nd < 0) return NULL;
    return plpy_wrap(pl_expand(T(self), nd, shape));
}

static PyObject *
m_permute(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
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
    if (plpy_parse("transpose", args, nargs, kwnames, names, a) < 0) return NULL;
    if (!a[0] || !a[1]) {
        PyErr_SetString(PyExc_TypeError, "transpose() missing required arguments 'dim0' and 'dim1'");
        return NULL;
    }
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
    if (plpy_parse("squeeze", args, nargs, kwnames, names, a) < 0) return NULL;
    if (!a[0] || a[0] == Py_None) return plpy_wrap(pl_squeeze(T(self), true, 0));
    int64_t d;
    if (plpy_as_int64(a[0], 0, &d) < 0) return NULL;
    return plpy_wrap(pl_squeeze(T(self), false, d));
}

static PyObject *
m_select(ARGS)
{
    static const char *const names[] = {"dim", "index", NULL};
    PyObject *a[2];
    int64_t d, i;
    if (plpy_parse("select", args, nargs, kwnames, names, a) < 0) return NULL;
    if (plpy_as_int64(a[0], 0, &d) < 0 || plpy_as_int64(a[1], 0, &i) < 0) return NULL;
    return plpy_wrap(pl_select(T(self), d, i));
}

static PyObject *
m_narrow(ARGS)
{
    static const char *const names[] = {"dim", "start", "length", NULL};
    PyObject *a[3];
    int64_t d, s, l;
    if (plpy_parse("narrow", args, nargs, kwnames, names, a) < 0) return NULL;
    if (plpy_as_int64(a[0], 0, &d) < 0 || plpy_as_int64(a[1], 0, &s) < 0 || plpy_as_int64(a[2], 0, &l) < 0)
        return NULL;
    return plpy_wrap(pl_slice(T(self), d, s, s + l, 1));
}

static PyObject *
m_index_select(ARGS)
{
    static const char *const names[] = {"dim", "index", NULL};
    PyObject *a[2];
    int64_t d;
    if (plpy_parse("index_select", args, nargs, kwnames, names, a) < 0) return NULL;
    if (plpy_as_int64(a[0], 0, &d) < 0) return NULL;
    pl_tensor *idx = a[1] ? plpy_unwrap(a[1]) : NULL;
    if (!idx) return NULL;
    return plpy_wrap(pl_index_select(T(self), d, idx, false));
}

/* ---- reductions ---- */

/* Parses (dim=None, keepdim=False) for sum/mean-like methods; returns ndims (-1 = all). */
static int
reduce_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
            int64_t *dims, bool *keepdim, PyObject **dtype)
{
    static const char *const names[] = {"dim", "keepdim", "dtype", NULL};
    PyObject *a[3];
    if (plpy_parse(fname, args, nargs, kwnames, names, a) < 0) return -2;
    if (plpy_as_bool(a[1], false, keepdim) < 0) return -2;
    if (dtype) *dtype = a[2];
    if (!a[0] || a[0] == Py_None) return -1;
    int n = plpy_as_dims(a[0], dims, PL_MAX_DIMS);
    return n < 0 ? -2 : n;
}

static PyObject *
cast_result(pl_tensor *r, PyObject *dtype)
{
    if (!r || !dtype || dtype == Py_None) return plpy_wrap(r);
    pl_dtype dt;
    if (plpy_dtype_from_object(dtype, r->dtype, &dt) < 0) {
        pl_tensor_release(r);
        return NULL;
    }
    pl_tensor *c = pl_to_dtype(r, dt);
    pl_tensor_release(r);
    return plpy_wrap(c);
}

static PyObject *
m_sum(ARGS)
{
    int64_t dims[PL_MAX_DIMS];
    bool keep;
    PyObject *dtype = NULL;
    int n = reduce_args("sum", args, nargs, kwnames, dims, &keep, &dtype);
    if (n == -2) return NULL;
    pl_tensor *src = T(self);
    if (dtype && dtype != Py_None) { /* sum(dtype=) casts first, like PyTorch */
        pl_dtype dt;
        if (plpy_dtype_from_object(dtype, src->dtype, &dt) < 0) return NULL;
        pl_tensor *c = pl_to_dtype(src, dt);
        if (!c) return plpy_raise();
        PyObject *r = plpy_wrap(pl_sum(c, dims, n, keep));
        pl_tensor_release(c);
        return r;
    }
    return plpy_wrap(pl_sum(src, dims, n, keep));
}

static PyObject *
m_mean(ARGS)
{
    int64_t dims[PL_MAX_DIMS];
    bool keep;
    PyObject *dtype = NULL;
    int n = reduce_args("mean", args, nargs, kwnames, dims, &keep, &dtype);
    if (n == -2) return NULL;
    if (dtype && dtype != Py_None) {
        pl_dtype dt;
        if (plpy_dtype_from_object(dtype, T(self)->dtype, &dt) < 0) return NULL;
        pl_tensor *c = pl_to_dtype(T(self), dt);
        if (!c) return plpy_raise();
        PyObject *r = plpy_wrap(pl_mean(c, dims, n, keep));
        pl_tensor_release(c);
        return r;
    }
    return plpy_wrap(pl_mean(T(self), dims, n, keep));
}

static PyObject *
var_std(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, bool take_sqrt)
{
    static const char *const names[] = {"dim", "unbiased", "keepdim", "correction", NULL};
    PyObject *a[4];
    const char *fname = take_sqrt ? "std" : "var";
    if (plpy_parse(fname, args, nargs, kwnames, names, a) < 0) return NULL;
    int64_t dims[PL_MAX_DIMS];
    int n = -1;
    double correction = 1.0;
    /* var(True) means var(unbiased=True) */
    if (a[0] && PyBool_Check(a[0])) {
        if (a[1]) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument 'unbiased'", fname);
            return NULL;
        }
        a[1] = a[0];
        a[0] = NULL;
    }
    if (a[0] && a[0] != Py_None) {
        n = plpy_as_dims(a[0], dims, PL_MAX_DIMS);
        if (n < 0) return NULL;
    }
    if (a[1] && a[1] != Py_None) {
        int u = PyObject_IsTrue(a[1]);
        if (u < 0) return NULL;
        correction = u ? 1.0 : 0.0;
    }
    if (a[3] && a[3] != Py_None && plpy_as_double(a[3], 1.0, &correction) < 0) return NULL;
    bool keep;
    if (plpy_as_bool(a[2], false, &keep) < 0) return NULL;
    pl_tensor *t = T(self);
    pl_tensor *r = pl_var(t, dims, n, correction, keep, take_sqrt);
    if (r && pl_dtype_is_floating(t->dtype)) {
        /* PyTorch warns when the degrees of freedom are <= 0 */
        int64_t count = 1;
        if (n < 0) {
            count = t->numel;
        } else {
            for (int i = 0; i < n; i++) {
                int d;
                if (pl_wrap_dim(dims[i], t->ndim, &d) == PL_OK && t->ndim) count *= t->shape[d];
            }
        }
        if ((double)count - correction <= 0 &&
            PyErr_WarnEx(PyExc_UserWarning,
                         take_sqrt ? "std(): degrees of freedom is <= 0. Correction should be strictly "
                                     "less than the reduction factor (input numel divided by output numel)."
                                   : "var(): degrees of freedom is <= 0. Correction should be strictly "
                                     "less than the reduction factor (input numel divided by output numel).",
                         1) < 0) {
            pl_tensor_release(r);
            return NULL;
        }
    }
    return plpy_wrap(r);
}
static PyObject *m_var(ARGS) { return var_std(self, args, nargs, kwnames, false); }
static PyObject *m_std(ARGS) { return var_std(self, args, nargs, kwnames, true); }

extern PyObject *plpy_minmax_result(PyObject *values, PyObject *indices, bool is_min);

static PyObject *
max_min(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, bool is_min)
{
    static const char *const names[] = {"dim", "keepdim", NULL};
    PyObject *a[2];
    if (plpy_parse(is_min ? "min" : "max", args, nargs, kwnames, names, a) < 0) return NULL;
    if (!a[0] || a[0] == Py_None) return plpy_wrap(pl_max_all(T(self), is_min));
    if (plpy_is_tensor(a[0])) { /* max(other): elementwise */
        return plpy_wrap(pl_binary(is_min ? PL_MINIMUM : PL_MAXIMUM, T(self), T(a[0]), 1, false, false));
    }
    int64_t d;
    bool keep;
    if (plpy_as_int64(a[0], 0, &d) < 0 || plpy_as_bool(a[1], false, &keep) < 0) return NULL;
    pl_tensor *v, *i;
    if (pl_max_dim(T(self), d, keep, is_min, &v, &i) != PL_OK) return plpy_raise();
    PyObject *pv = plpy_wrap(v), *pi = pv ? plpy_wrap(i) : NULL;
    if (!pv || !pi) {
        if (!pv) pl_tensor_release(i);
        Py_XDECREF(pv);
        return NULL;
    }
    return plpy_minmax_result(pv, pi, is_min);
}
static PyObject *m_max(ARGS) { return max_min(self, args, nargs, kwnames, false); }
static PyObject *m_min(ARGS) { return max_min(self, args, nargs, kwnames, true); }

static PyObject *
arg_max_min(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, bool is_min)
{
    static const char *const names[] = {"dim", "keepdim", NULL};
    PyObject *a[2];
    if (plpy_parse(is_min ? "argmin" : "argmax", args, nargs, kwnames, names, a) < 0) return NULL;
    bool keep;
    int64_t d = 0;
    if (plpy_as_bool(a[1], false, &keep) < 0) return NULL;
    bool all = !a[0] || a[0] == Py_None;
    if (!all && plpy_as_int64(a[0], 0, &d) < 0) return NULL;
    return plpy_wrap(pl_argmax(T(self), all, d, keep, is_min));
}
static PyObject *m_argmax(ARGS) { return arg_max_min(self, args, nargs, kwnames, false); }
static PyObject *m_argmin(ARGS) { return arg_max_min(self, args, nargs, kwnames, true); }

/* ---- arithmetic with keywords ---- */

static PyObject *
arith(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, pl_binop op,
      const char *fname, bool inplace)
{
    static const char *const names[] = {"other", "alpha", NULL};
    static const char *const names_div[] = {"other", "rounding_mode", NULL};
    PyObject *a[2];
    if (plpy_parse(fname, args, nargs, kwnames, op == PL_DIV ? names_div : names, a) < 0) return NULL;
    if (!a[0]) {
        PyErr_Format(PyExc_TypeError, "%s() missing 1 required positional arguments: \"other\"", fname);
        return NULL;
    }
    double alpha = 1.0;
    if (op == PL_DIV) {
        if (a[1] && a[1] != Py_None) {
            PyErr_SetString(PyExc_NotImplementedError, "div(rounding_mode=...) is not supported by pytorchlite");
            return NULL;
        }
    } else if (plpy_as_double(a[1], 1.0, &alpha) < 0) {
        return NULL;
    }
    bool bw;
    pl_tensor *b = plpy_operand(a[0], &bw, fname);
    if (!b) return NULL;
    if (inplace) {
        pl_status st = pl_binary_(op, T(self), b, alpha, bw);
        pl_tensor_release(b);
        return ret_self_or_raise(self, st);
    }
    pl_tensor *r = pl_binary(op, T(self), b, alpha, false, bw);
    pl_tensor_release(b);
    return plpy_wrap(r);
}

#define ARITH(NAME, OP, INPLACE)                                                             \
    static PyObject *m_##NAME(ARGS) { return arith(self, args, nargs, kwnames, OP, #NAME, INPLACE); }
ARITH(add, PL_ADD, false)
ARITH(sub, PL_SUB, false)
ARITH(mul, PL_MUL, false)
ARITH(div, PL_DIV, false)
ARITH(add_, PL_ADD, true)
ARITH(sub_, PL_SUB, true)
ARITH(mul_, PL_MUL, true)
ARITH(div_, PL_DIV, true)
ARITH(eq, PL_EQ, false)
ARITH(ne, PL_NE, false)
ARITH(lt, PL_LT, false)
ARITH(le, PL_LE, false)
ARITH(gt, PL_GT, false)
ARITH(ge, PL_GE, false)
ARITH(maximum, PL_MAXIMUM, false)
ARITH(minimum, PL_MINIMUM, false)

static PyObject *
m_pow(ARGS)
{
    static const char *const names[] = {"exponent", NULL};
    PyObject *a[1];
    if (plpy_parse("pow", args, nargs, kwnames, names, a) < 0) return NULL;
    if (!a[0]) {
        PyErr_SetString(PyExc_TypeError, "pow() missing required argument 'exponent'");
        return NULL;
    }
    return PyNumber_Power(self, a[0], Py_None);
}

static PyObject *
m_pow_(ARGS)
{
    PyObject *r = m_pow(self, args, nargs, kwnames);
    if (!r) return NULL;
    PyObject *res = PyObject_CallMethod(self, "copy_", "O", r);
    Py_DECREF(r);
    return res;
}

/* ---- unary ---- */

#define UNARY(NAME, OP)                                                                      \
    static PyObject *m_##NAME(PyObject *self, PyObject *u)                                   \
    {                                                                                        \
        (void)u;                                                                             \
        return plpy_wrap(pl_unary(OP, T(self)));                                             \
    }                                                                                        \
    static PyObject *m_##NAME##_(PyObject *self, PyObject *u)                                \
    {                                                                                        \
        (void)u;                                                                             \
        return ret_self_or_raise(self, pl_unary_(OP, T(self)));                              \
    }
UNARY(neg, PL_NEG)
UNARY(exp, PL_EXP)
UNARY(log, PL_LOG)
UNARY(sqrt, PL_SQRT)
UNARY(abs, PL_ABS)
UNARY(relu, PL_RELU)
UNARY(sigmoid, PL_SIGMOID)
UNARY(tanh, PL_TANH)
UNARY(sin, PL_SIN)
UNARY(cos, PL_COS)
UNARY(rsqrt, PL_RSQRT)
UNARY(reciprocal, PL_RECIPROCAL)
UNARY(sign, PL_SIGN)
UNARY(log1p, PL_LOG1P)
UNARY(expm1, PL_EXPM1)

static int
clamp_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
           bool *hmin, double *vmin, bool *hmax, double *vmax)
{
    static const char *const names[] = {"min", "max", NULL};
    PyObject *a[2];
    if (plpy_parse(fname, args, nargs, kwnames, names, a) < 0) return -1;
    *hmin = a[0] && a[0] != Py_None;
    *hmax = a[1] && a[1] != Py_None;
    if (plpy_as_double(a[0], 0, vmin) < 0 || plpy_as_double(a[1], 0, vmax) < 0) return -1;
    return 0;
}

static PyObject *
m_clamp(ARGS)
{
    bool hmin, hmax;
    double vmin, vmax;
    if (clamp_args("clamp", args, nargs, kwnames, &hmin, &vmin, &hmax, &vmax) < 0) return NULL;
    return plpy_wrap(pl_clamp(T(self), hmin, vmin, hmax, vmax));
}

static PyObject *
m_clamp_(ARGS)
{
    bool hmin, hmax;
    double vmin, vmax;
    if (clamp_args("clamp_", args, nargs, kwnames, &hmin, &vmin, &hmax, &vmax) < 0) return NULL;
    return ret_self_or_raise(self, pl_clamp_(T(self), hmin, vmin, hmax, vmax));
}

/* ---- products and softmax ---- */

static PyObject *
m_matmul(PyObject *self, PyObject *other)
{
    pl_tensor *b = plpy_unwrap(other);
    if (!b) return NULL;
    return plpy_wrap(pl_matmul(T(self), b));
}

static PyObject *
m_mm(PyObject *self, PyObject *other)
{
    pl_tensor *b = plpy_unwrap(other);
    if (!b) return NULL;
    return plpy_wrap(pl_mm(T(self), b));
}

static PyObject *
softmax_m(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, bool log)
{
    static const char *const names[] = {"dim", "dtype", NULL};
    PyObject *a[2];
    if (plpy_parse(log ? "log_softmax" : "softmax", args, nargs, kwnames, names, a) < 0) return NULL;
    int64_t d;
    if (!a[0] || a[0] == Py_None) {
        PyErr_SetString(PyExc_TypeError, "softmax() missing required argument 'dim'");
        return NULL;
    }
    if (plpy_as_int64(a[0], 0, &d) < 0) return NULL;
    pl_tensor *src = T(self);
    pl_dtype dt = src->dtype;
    if (plpy_dtype_from_object(a[1], dt, &dt) < 0) return NULL;
    pl_tensor *c = pl_to_dtype(src, dt);
    if (!c) return plpy_raise();
    PyObject *r = plpy_wrap(pl_softmax(c, d, log));
    pl_tensor_release(c);
    return r;
}
static PyObject *m_softmax(ARGS) { return softmax_m(self, args, nargs, kwnames, false); }
static PyObject *m_log_softmax(ARGS) { return softmax_m(self, args, nargs, kwnames, true); }

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
    PyTypeObject *type = (PyTypeObject *)args[0];
    PlTensorObject *obj = (PlTensorObject *)type->tp_alloc(type, 0);
    if (!obj) {
        pl_tensor_release(t);
        return NULL;
    }
    obj->t = t;
    t->pyobj = obj;
    return (PyObject *)obj;
}

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
    M_KW("requires_grad_", m_requires_grad_),
    M_KW("clone", m_clone),
    M_KW("contiguous", m_contiguous),
    M_O("_to_dtype", m_to_dtype),
    M_KW("copy_", m_copy_),
    M_O("fill_", m_fill_),
    M_NOARGS("zero_", m_zero_),
    M_FAST("view", m_view),
    M_FAST("reshape", m_reshape),
    M_FAST("expand", m_expand),
    M_FAST("permute", m_permute),
    M_KW("transpose", m_transpose),
    M_NOARGS("t", m_t),
    M_O("unsqueeze", m_unsqueeze),
    M_KW("squeeze", m_squeeze),
    M_KW("select", m_select),
    M_KW("narrow", m_narrow),
    M_KW("index_select", m_index_select),
    M_KW("sum", m_sum),
    M_KW("mean", m_mean),
    M_KW("var", m_var),
    M_KW("std", m_std),
    M_KW("max", m_max),
    M_KW("min", m_min),
    M_KW("argmax", m_argmax),
    M_KW("argmin", m_argmin),
    M_KW("add", m_add),
    M_KW("sub", m_sub),
    M_KW("subtract", m_sub),
    M_KW("mul", m_mul),
    M_KW("multiply", m_mul),
    M_KW("div", m_div),
    M_KW("divide", m_div),
    M_KW("true_divide", m_div),
    M_KW("add_", m_add_),
    M_KW("sub_", m_sub_),
    M_KW("mul_", m_mul_),
    M_KW("div_", m_div_),
    M_KW("eq", m_eq),
    M_KW("ne", m_ne),
    M_KW("lt", m_lt),
    M_KW("le", m_le),
    M_KW("gt", m_gt),
    M_KW("ge", m_ge),
    M_KW("maximum", m_maximum),
    M_KW("minimum", m_minimum),
    M_KW("pow", m_pow),
    M_KW("pow_", m_pow_),
    M_UNARY(neg),
    M_UNARY(exp),
    M_UNARY(log),
    M_UNARY(sqrt),
    M_UNARY(abs),
    M_UNARY(relu),
    M_UNARY(sigmoid),
    M_UNARY(tanh),
    M_UNARY(sin),
    M_UNARY(cos),
    M_UNARY(rsqrt),
    M_UNARY(reciprocal),
    M_UNARY(sign),
    M_UNARY(log1p),
    M_UNARY(expm1),
    M_NOARGS("negative", m_neg),
    M_KW("clamp", m_clamp),
    M_KW("clip", m_clamp),
    M_KW("clamp_", m_clamp_),
    M_KW("clip_", m_clamp_),
    M_O("matmul", m_matmul),
    M_O("mm", m_mm),
    M_KW("softmax", m_softmax),
    M_KW("log_softmax", m_log_softmax),
    {"_make_subclass", FASTCALL(m_make_subclass), METH_FASTCALL | METH_STATIC, NULL},
    {NULL, NULL, 0, NULL},
};
