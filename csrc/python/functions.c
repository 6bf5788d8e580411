/* functions.c — module-level functions of _C: factories (empty/zeros/ones/full/arange/
 * linspace/eye), cat/stack/where, and the fused kernels nn.functional calls (_linear,
 * _mse_loss, _nll_loss). tensor(data) and the NumPy bridge are in data.c. */
#include "plpy.h"  /* first: Python.h sets the feature macros */
#include "args.h"

#include <math.h>

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
        else if (!strcmp(name, "pin_memory")) {
            if (plpy_check_pin_memory(v) < 0) return -1;
        } else if (!strcmp(name, "layout") || !strcmp(name, "memory_format")) continue;
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
    return plpy_check_device(kw->device, 0);
}

int
plpy_check_pin_memory(PyObject *pin_memory)
{
    int pin = pin_memory && pin_memory != Py_None ? PyObject_IsTrue(pin_memory) : 0;
    if (pin > 0)
        PyErr_SetString(PyExc_RuntimeError, "pin_memory=True requires a CUDA or other accelerator "
                        "backend; no pinned memory allocator is available on this system.");
    return pin ? -1 : 0;
}

int
plpy_check_device(PyObject *device, int moving)
{
    if (!device || device == Py_None) return 0;
    if (PyUnicode_Check(device) && PyUnicode_CompareWithASCIIString(device, "cpu") == 0) return 0;
    /* everything else as torch.device parses it and as CPU-only PyTorch refuses it
     * (pytorchlite._devices.check_device, the one place that knows the devices) */
    PyObject *mod = PyImport_ImportModule("pytorchlite._devices");
    PyObject *r = mod ? PyObject_CallMethod(mod, "check_device", "Oi", device, moving) : NULL;
    Py_XDECREF(mod);
    if (!r) return -1;
    Py_DECREF(r);
    return 0;
}

/* TypeError for more positional arguments than a factory takes. */
static int
too_many(const char *fname, Py_ssize_t nargs, Py_ssize_t max)
{
    if (nargs <= max) return 0;
    PyErr_Format(PyExc_TypeError, "%s() takes at most %zd positional arguments (%zd given)", fname, max, nargs);
    return -1;
}

/* Applies requires_grad to a new tensor and wraps it. Steals t. */
PyObject *
plpy_finish_factory(pl_tensor *t, PyObject *requires_grad)
{
    if (!t) return plpy_raise();
    bool rg;
    if (plpy_as_bool(requires_grad, false, &rg) < 0) {
        pl_tensor_release(t);
        return NULL;
    }
    if (rg) {
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
    static PyObject *size_name = NULL; /* "size", kept for the process */
    if (!size_name && !(size_name = PyUnicode_InternFromString("size"))) return NULL;
    PyObject *size[1];
    if (factory_kwargs(fname, args, nargs, kwnames, &kw, &size_name, size, 1) < 0) return NULL;
    if (nargs == 0 && !size[0]) {
        PyErr_Format(PyExc_TypeError, "%s() missing 1 required positional arguments: \"size\"", fname);
        return NULL;
    }
    if (nargs > 0 && size[0]) {
        PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument 'size'", fname);
        return NULL;
    }
    int64_t shape[PL_MAX_DIMS];
    int nd = nargs ? plpy_parse_shape(args, nargs, shape) : plpy_parse_shape(size, 1, shape);
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
    return plpy_finish_factory(t, kw.requires_grad);
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
    if (too_many("full", nargs, 2) < 0) return NULL;
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
    return plpy_finish_factory(t, kw.requires_grad);
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
    if (too_many("arange", nargs, 3) < 0) return NULL;
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
    return plpy_finish_factory(pl_arange(sc[0], sc[1], sc[2], dt), kw.requires_grad);
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
    if (too_many("linspace", nargs, 3) < 0) return NULL;
    for (Py_ssize_t i = 0; i < nargs; i++) extra[i] = args[i];
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
    if (dt == PL_BOOL) {
        PyErr_SetString(PyExc_NotImplementedError, "\"linspace_cpu\" not implemented for 'Bool'");
        return NULL;
    }
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
    return plpy_finish_factory(t, kw.requires_grad);
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
    if (too_many("eye", nargs, 2) < 0) return NULL;
    for (Py_ssize_t i = 0; i < nargs; i++) extra[i] = args[i];
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
    return plpy_finish_factory(t, kw.requires_grad);
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
    bool ac = pl_autocast_on(); /* cat and stack promote to the widest floating dtype */
    if (ac && plpy_autocast_cast(PL_AUTOCAST_PROMOTE, ts, (int)n) < 0) {
        PyMem_Free(ts);
        Py_DECREF(seq);
        return NULL;
    }
    pl_tensor *r = pl_cat(ts, (int)n, dim, is_stack);
    if (ac) plpy_autocast_release(ts, (int)n);
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
    } else if (aw && bw) { /* two numbers: their result type (1 and 2.5 make the default float) */
        pl_dtype dt = pl_result_type(a, true, b, true);
        pl_tensor *x = pl_to_dtype(a, dt), *y = x ? pl_to_dtype(b, dt) : NULL;
        pl_tensor_release(a);
        pl_tensor_release(b);
        a = x;
        b = y;
        if (!b) {
            pl_tensor_release(a);
            a = NULL;
        }
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
    if (pl_autocast_on()) {
        pl_tensor *c[3] = {x, w, b};
        if (plpy_autocast_cast(PL_AUTOCAST_LOWER, c, 3) < 0) return NULL;
        pl_tensor *r = pl_linear(c[0], c[1], c[2]);
        plpy_autocast_release(c, 3);
        return plpy_wrap(r);
    }
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
f_bce_with_logits(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError,
                        "_bce_with_logits(input, target, weight, pos_weight, reduction)");
        return NULL;
    }
    pl_tensor *x = plpy_unwrap(args[0]), *t = x ? plpy_unwrap(args[1]) : NULL;
    pl_tensor *w = NULL, *pw = NULL;
    int64_t red;
    if (!t) return NULL;
    if (args[2] != Py_None && !(w = plpy_unwrap(args[2]))) return NULL;
    if (args[3] != Py_None && !(pw = plpy_unwrap(args[3]))) return NULL;
    if (plpy_as_int64(args[4], 5, &red) < 0) return NULL;
    return plpy_wrap(pl_bce_with_logits(x, t, w, pw, (int)red));
}

static PyObject *
f_nll_loss(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "_nll_loss(input, target, weight, reduction, ignore_index)");
        return NULL;
    }
    pl_tensor *x = plpy_unwrap(args[0]), *t = x ? plpy_unwrap(args[1]) : NULL, *w = NULL;
    int64_t red, ignore;
    if (!t) return NULL;
    if (args[2] != Py_None && !(w = plpy_unwrap(args[2]))) return NULL;
    if (plpy_as_int64(args[3], 4, &red) < 0 || plpy_as_int64(args[4], 5, &ignore) < 0) return NULL;
    return plpy_wrap(pl_nll_loss(x, t, w, (int)red, ignore));
}

static PyObject *
f_leaky_relu(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    double slope;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_leaky_relu(input, negative_slope)");
        return NULL;
    }
    pl_tensor *x = plpy_unwrap(args[0]);
    if (!x || plpy_as_double(args[1], 0.01, &slope) < 0) return NULL;
    return plpy_wrap(pl_leaky_relu(x, slope));
}

/* _aten_activation(input, kind, p0, p1, p2[, grad]): elu / softplus / log_sigmoid and the
 * backwards of the first two as PyTorch's CPU kernels compute them (pl_aten_activation; kind
 * and parameters as there), no node recorded */
static PyObject *
f_aten_activation(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    int64_t kind;
    double p[3];
    if (nargs != 5 && nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "_aten_activation(input, kind, p0, p1, p2[, grad])");
        return NULL;
    }
    pl_tensor *x = plpy_unwrap(args[0]), *g = NULL;
    if (!x || plpy_as_int64(args[1], 0, &kind) < 0) return NULL;
    for (int i = 0; i < 3; i++)
        if (plpy_as_double(args[2 + i], 0.0, &p[i]) < 0) return NULL;
    if (nargs == 6 && !(g = plpy_unwrap(args[5]))) return NULL;
    return plpy_wrap(pl_aten_activation(x, g, (int)kind, p[0], p[1], p[2]));
}

static PyObject *
f_addmm(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)m;
    static const char *const names[] = {"input", "mat1", "mat2", "beta", "alpha", NULL};
    PyObject *a[5];
    /* beta and alpha are keyword-only */
    if (plpy_parse_full("addmm", args, nargs, kwnames, names, 3, 3, a) < 0) return NULL;
    pl_tensor *b = plpy_unwrap(a[0]), *x = b ? plpy_unwrap(a[1]) : NULL;
    pl_tensor *w = x ? plpy_unwrap(a[2]) : NULL;
    double beta, alpha;
    if (!w || plpy_as_double(a[3], 1, &beta) < 0 || plpy_as_double(a[4], 1, &alpha) < 0) return NULL;
    if (pl_autocast_on()) {
        pl_tensor *c[3] = {b, x, w};
        if (plpy_autocast_cast(PL_AUTOCAST_LOWER, c, 3) < 0) return NULL;
        pl_tensor *r = pl_addmm(c[0], c[1], c[2], beta, alpha);
        plpy_autocast_release(c, 3);
        return plpy_wrap(r);
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
f_cpu_capability(PyObject *m, PyObject *u)
{
    (void)m, (void)u;
    return PyUnicode_FromString(pl_cpu_capability_name());
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

/* _promote_types(type1, type2): PyTorch's torch.promote_types */
static PyObject *
f_promote_types(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    pl_dtype a, b;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "promote_types() takes 2 arguments (type1, type2)");
        return NULL;
    }
    if (plpy_dtype_from_object(args[0], PL_FLOAT32, &a) < 0 ||
        plpy_dtype_from_object(args[1], PL_FLOAT32, &b) < 0) {
        return NULL;
    }
    return Py_NewRef(plpy_dtype_object(pl_promote_types(a, b)));
}

/* _result_type(tensor_or_number, tensor_or_number): the dtype a binary op's result takes,
 * Python numbers counting as wrapped numbers (PyTorch's torch.result_type) */
static PyObject *
f_result_type(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "result_type() takes 2 arguments (tensor, other)");
        return NULL;
    }
    bool wa, wb;
    pl_tensor *a = plpy_operand(args[0], &wa, "result_type");
    pl_tensor *b = a ? plpy_operand(args[1], &wb, "result_type") : NULL;
    PyObject *r = b ? Py_NewRef(plpy_dtype_object(pl_result_type(a, wa, b, wb))) : NULL;
    pl_tensor_release(a);
    pl_tensor_release(b);
    return r;
}

/* _binary_op(row, a, b): row `row` (its index in _C._binary_ops) of the binary op table on
 * a and b, each a Tensor or a Python number (a wrapped 0-dim tensor, PyTorch's promotion); for
 * the rows no Tensor method reaches (the orthogonal polynomials of torch.special). New result. */
static PyObject *
f_binary_op(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_binary_op() takes 3 arguments (row, a, b)");
        return NULL;
    }
    int64_t row;
    if (plpy_as_int64(args[0], -1, &row) < 0) return NULL;
    if (row < 0 || row >= PL_NUM_BINOPS) {
        PyErr_Format(PyExc_IndexError, "_binary_op(): no row %lld", (long long)row);
        return NULL;
    }
    bool wa, wb;
    pl_tensor *a = plpy_operand(args[1], &wa, "_binary_op");
    pl_tensor *b = a ? plpy_operand(args[2], &wb, "_binary_op") : NULL;
    if (!b) {
        pl_tensor_release(a);
        return NULL;
    }
    pl_tensor *r = pl_binary((pl_binop)row, a, b, 1.0, wa, wb);
    pl_tensor_release(a);
    pl_tensor_release(b);
    return plpy_wrap(r); /* steals r; raises the core's error when r is NULL */
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
    F_KW("tensor", plpy_f_tensor),
    {"from_numpy", plpy_f_from_numpy, METH_O, NULL},
    F_KW("cat", f_cat),
    F_KW("stack", f_stack),
    F_FAST("where", f_where),
    F_FAST("_linear", f_linear),
    F_FAST("_mse_loss", f_mse_loss),
    F_FAST("_nll_loss", f_nll_loss),
    F_FAST("_bce_with_logits", f_bce_with_logits),
    F_FAST("_leaky_relu", f_leaky_relu),
    F_FAST("_aten_activation", f_aten_activation),
    F_KW("addmm", f_addmm),
    {"nonzero", f_nonzero, METH_O, NULL},
    {"set_default_dtype", f_set_default_dtype, METH_O, NULL},
    {"get_default_dtype", f_get_default_dtype, METH_NOARGS, NULL},
    F_FAST("_promote_types", f_promote_types),
    F_FAST("_result_type", f_result_type),
    F_FAST("_binary_op", f_binary_op),
    {"get_num_threads", f_get_num_threads, METH_NOARGS, NULL},
    {"_cpu_capability", f_cpu_capability, METH_NOARGS, NULL},
    {"set_num_threads", f_set_num_threads, METH_O, NULL},
    F_FAST("_register", plpy_register),
    {NULL, NULL, 0, NULL},
};
