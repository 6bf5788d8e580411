/* nn_ops.c (binding) — the layers' kernels of csrc/core/conv.h as _C functions.
 *
 *   _C._conv(input, weight, bias, stride, padding, dilation, groups, nsp) -> Tensor
 *       nsp = 1 (conv1d) or 2 (conv2d); bias may be None; stride/padding/dilation are ints or
 *       sequences of nsp ints. Unbatched input (one dim fewer) is batched and squeezed back.
 *   _C._max_pool2d(input, kernel, stride, padding, dilation, ceil_mode, return_indices)
 *       -> Tensor or (Tensor, indices)
 *   _C._avg_pool2d(input, kernel, stride, padding, ceil_mode, count_include_pad,
 *                  divisor_override or None) -> Tensor
 *   _C._adaptive_avg_pool2d(input, output_size) -> Tensor
 *       Pooling takes (C, H, W) or (N, C, H, W) input; ints or pairs of ints.
 *   _C._conv_force_reference(flag) -> None   (tests: run the direct-loop conv kernels)
 *   _C._conv_force_no_fold(flag) -> None     (tests: no folding of small images in one product)
 *   _C._conv_nd(input, weight, bias, stride, padding, dilation, transposed, output_padding,
 *               groups, nsp) -> Tensor
 *       conv3d and the transposed convolutions (core pl_convolution_nd), nsp = 1, 2 or 3;
 *       output_padding as stride (read when transposed); unbatched input as _conv.
 *   _C._conv_nd_force_reference(flag) -> None   (tests: its direct-loop kernels)
 *   _C._lstm_layer(gates, h0, c0, w_hh, reverse) -> (output, c_n)   (core/rnn.h)
 *   _C._lstm_force_reference(flag) -> None   (tests: the plain LSTM cell kernels)
 *   _C._softmax_force_reference(flag) -> None (tests: the plain softmax kernels)
 *   _C._softmax_rows(input, which) -> Tensor   (ops.h pl_softmax_rows; 2 = safe softmax)
 *   _C._layer_norm(input, D, weight, bias, eps) -> Tensor   (ops.h pl_layer_norm)
 *   _C._batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)
 *       -> Tensor   (ops.h pl_batch_norm; weight, bias and the running statistics may be None)
 *
 * All arguments are borrowed; the results are new references.
 */
#include "plpy.h"

#include "core/conv.h"

/* An int or a sequence of n ints into out[n] (within C int range when int32). Returns 0, or
 * -1 with TypeError (not ints) or RuntimeError (out of range) set. */
static int
int_tuple_bounded(PyObject *obj, const char *name, int n, int64_t *out, bool int32)
{
    if (PyLong_Check(obj)) {
        long long v = PyLong_AsLongLong(obj);
        if (v == -1 && PyErr_Occurred()) return -1;
        for (int i = 0; i < n; i++) out[i] = v;
    } else if ((PyTuple_Check(obj) || PyList_Check(obj)) && PySequence_Fast_GET_SIZE(obj) == n) {
        for (int i = 0; i < n; i++) {
            PyObject *it = PySequence_Fast_GET_ITEM(obj, i);
            if (!PyLong_Check(it)) goto bad;
            out[i] = PyLong_AsLongLong(it);
            if (out[i] == -1 && PyErr_Occurred()) return -1;
        }
    } else {
        goto bad;
    }
    for (int i = 0; int32 && i < n; i++) {
        if (out[i] > INT32_MAX || out[i] < INT32_MIN) {
            PyErr_SetString(PyExc_RuntimeError, "value cannot be converted to type int without overflow");
            return -1;
        }
    }
    return 0;
bad:
    PyErr_Format(PyExc_TypeError, "%s must be an int or a tuple of %d ints, not %.100s", name, n,
                 Py_TYPE(obj)->tp_name);
    return -1;
}

static int
int_tuple(PyObject *obj, const char *name, int n, int64_t *out)
{
    return int_tuple_bounded(obj, name, n, out, false);
}

/* The same, for pooling: PyTorch takes those parameters as C ints. */
static int
int_tuple32(PyObject *obj, const char *name, int n, int64_t *out)
{
    return int_tuple_bounded(obj, name, n, out, true);
}

static int
get_tensor(PyObject *obj, const char *name, bool allow_none, pl_tensor **out)
{
    if (allow_none && obj == Py_None) {
        *out = NULL;
        return 0;
    }
    if (!plpy_is_tensor(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be a Tensor, not %.100s", name, Py_TYPE(obj)->tp_name);
        return -1;
    }
    *out = ((PlTensorObject *)obj)->t;
    return 0;
}

static int
get_nsp(PyObject *obj, int *nsp)
{
    long v = PyLong_AsLong(obj);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (v != 1 && v != 2) {
        PyErr_SetString(PyExc_ValueError, "only 1-D and 2-D spatial dims are supported");
        return -1;
    }
    *nsp = (int)v;
    return 0;
}

/* Checks the input's rank (nsp + 1 unbatched or nsp + 2 batched) with PyTorch's message and
 * returns a batched view (new reference); *unbatched says whether one was added. */
static pl_tensor *
batched(pl_tensor *x, int nsp, const char *op, bool *unbatched)
{
    if (x->ndim != nsp + 1 && x->ndim != nsp + 2) {
        char xs[128];
        pl_format_shape(xs, sizeof xs, x->ndim, x->shape);
        PyErr_Format(PyExc_RuntimeError,
                     "Expected %dD (unbatched) or %dD (batched) input to %s, but got input of "
                     "size: %s", nsp + 1, nsp + 2, op, xs);
        return NULL;
    }
    *unbatched = x->ndim == nsp + 1;
    if (*unbatched) {
        pl_tensor *b = pl_unsqueeze(x, 0);
        if (!b) plpy_raise();
        return b;
    }
    return pl_tensor_retain(x);
}

/* Wraps a core result, squeezing the batch dim back off when the input was unbatched. */
static PyObject *
finish(pl_tensor *out_steal, bool unbatched)
{
    if (!out_steal) return plpy_raise();
    if (!unbatched) return plpy_wrap(out_steal);
    pl_tensor *s = pl_squeeze(out_steal, false, 0);
    pl_tensor_release(out_steal);
    return s ? plpy_wrap(s) : plpy_raise();
}

static PyObject *
plpy_conv(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 8) {
        PyErr_Format(PyExc_TypeError, "_conv() takes 8 positional arguments (%zd given)", nargs);
        return NULL;
    }
    pl_tensor *x, *w, *b;
    int nsp;
    int64_t stride[2], padding[2], dilation[2];
    if (get_tensor(args[0], "input", false, &x) < 0 || get_tensor(args[1], "weight", false, &w) < 0 ||
        get_tensor(args[2], "bias", true, &b) < 0 || get_nsp(args[7], &nsp) < 0 ||
        int_tuple(args[3], "stride", nsp, stride) < 0 ||
        int_tuple(args[4], "padding", nsp, padding) < 0 ||
        int_tuple(args[5], "dilation", nsp, dilation) < 0) {
        return NULL;
    }
    long long groups = PyLong_AsLongLong(args[6]);
    if (groups == -1 && PyErr_Occurred()) return NULL;
    pl_tensor *c[3] = {x, w, b};
    bool ac = pl_autocast_on();
    if (ac && plpy_autocast_cast(PL_AUTOCAST_LOWER, c, 3) < 0) return NULL;
    bool unb;
    pl_tensor *xb = batched(c[0], nsp, nsp == 2 ? "conv2d" : "conv1d", &unb);
    pl_tensor *out = xb ? pl_convolution(xb, c[1], c[2], nsp, stride, padding, dilation, groups)
                        : NULL;
    pl_tensor_release(xb);
    if (ac) plpy_autocast_release(c, 3);
    return xb ? finish(out, unb) : NULL;
}

static int
get_bool(PyObject *obj, bool *out)
{
    int v = PyObject_IsTrue(obj);
    if (v < 0) return -1;
    *out = v;
    return 0;
}

static PyObject *
plpy_conv_nd(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 10) {
        PyErr_Format(PyExc_TypeError, "_conv_nd() takes 10 positional arguments (%zd given)", nargs);
        return NULL;
    }
    pl_tensor *x, *w, *b;
    bool transposed;
    int64_t stride[3], padding[3], dilation[3], output_padding[3];
    if (get_tensor(args[0], "input", false, &x) < 0 || get_tensor(args[1], "weight", false, &w) < 0 ||
        get_tensor(args[2], "bias", true, &b) < 0 || get_bool(args[6], &transposed) < 0) {
        return NULL;
    }
    long nsp = PyLong_AsLong(args[9]);
    if (nsp == -1 && PyErr_Occurred()) return NULL;
    if (nsp < 1 || nsp > 3) {
        PyErr_SetString(PyExc_ValueError, "only 1-D, 2-D and 3-D spatial dims are supported");
        return NULL;
    }
    int n = (int)nsp;
    if (int_tuple(args[3], "stride", n, stride) < 0 || int_tuple(args[4], "padding", n, padding) < 0 ||
        int_tuple(args[5], "dilation", n, dilation) < 0 ||
        int_tuple(args[7], "output_padding", n, output_padding) < 0) {
        return NULL;
    }
    long long groups = PyLong_AsLongLong(args[8]);
    if (groups == -1 && PyErr_Occurred()) return NULL;
    static const char *names[2][3] = {{"conv1d", "conv2d", "conv3d"},
                                      {"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"}};
    pl_tensor *c[3] = {x, w, b};
    bool ac = pl_autocast_on();
    if (ac && plpy_autocast_cast(PL_AUTOCAST_LOWER, c, 3) < 0) return NULL;
    bool unb;
    pl_tensor *xb = batched(c[0], n, names[transposed][n - 1], &unb);
    pl_tensor *out = xb ? pl_convolution_nd(xb, c[1], c[2], n, transposed, stride, padding,
                                            dilation, output_padding, groups)
                        : NULL;
    pl_tensor_release(xb);
    if (ac) plpy_autocast_release(c, 3);
    return xb ? finish(out, unb) : NULL;
}

static PyObject *
plpy_conv_nd_force_reference(PyObject *self, PyObject *arg)
{
    (void)self;
    int on = PyObject_IsTrue(arg);
    if (on < 0) return NULL;
    pl_conv_nd_force_reference(on);
    Py_RETURN_NONE;
}

static PyObject *
plpy_max_pool2d(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError, "_max_pool2d() takes 7 positional arguments (%zd given)", nargs);
        return NULL;
    }
    pl_tensor *x;
    int64_t k[2], s[2], p[2], d[2];
    bool ceil_mode, ret_idx;
    if (get_tensor(args[0], "input", false, &x) < 0 || int_tuple32(args[1], "kernel_size", 2, k) < 0 ||
        int_tuple32(args[2], "stride", 2, s) < 0 || int_tuple32(args[3], "padding", 2, p) < 0 ||
        int_tuple32(args[4], "dilation", 2, d) < 0 || get_bool(args[5], &ceil_mode) < 0 ||
        get_bool(args[6], &ret_idx) < 0) {
        return NULL;
    }
    pl_tensor *idx = NULL;
    pl_tensor *out = pl_max_pool2d(x, k, s, p, d, ceil_mode, ret_idx ? &idx : NULL);
    if (!out) return plpy_raise();
    PyObject *o = plpy_wrap(out);
    if (!ret_idx || !o) {
        pl_tensor_release(idx);
        return o;
    }
    PyObject *i = plpy_wrap(idx);
    if (!i) {
        Py_DECREF(o);
        return NULL;
    }
    PyObject *pair = PyTuple_Pack(2, o, i);
    Py_DECREF(o);
    Py_DECREF(i);
    return pair;
}

static PyObject *
plpy_avg_pool2d(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError, "_avg_pool2d() takes 7 positional arguments (%zd given)", nargs);
        return NULL;
    }
    pl_tensor *x;
    int64_t k[2], s[2], p[2];
    bool ceil_mode, cip;
    if (get_tensor(args[0], "input", false, &x) < 0 || int_tuple32(args[1], "kernel_size", 2, k) < 0 ||
        int_tuple32(args[2], "stride", 2, s) < 0 || int_tuple32(args[3], "padding", 2, p) < 0 ||
        get_bool(args[4], &ceil_mode) < 0 || get_bool(args[5], &cip) < 0) {
        return NULL;
    }
    long long div = 0;
    if (args[6] != Py_None) {
        div = PyLong_AsLongLong(args[6]);
        if (div == -1 && PyErr_Occurred()) return NULL;
        if (div == 0) {
            PyErr_SetString(PyExc_RuntimeError, "divisor must be not zero");
            return NULL;
        }
    }
    return finish(pl_avg_pool2d(x, k, s, p, ceil_mode, cip, div), false);
}

static PyObject *
plpy_adaptive_avg_pool2d(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "_adaptive_avg_pool2d() takes 2 positional arguments (%zd given)", nargs);
        return NULL;
    }
    pl_tensor *x;
    int64_t size[2];
    if (get_tensor(args[0], "input", false, &x) < 0 || int_tuple(args[1], "output_size", 2, size) < 0)
        return NULL;
    return finish(pl_adaptive_avg_pool2d(x, size), false);
}

static PyObject *
plpy_conv_force_no_fold(PyObject *self, PyObject *arg)
{
    (void)self;
    int on = PyObject_IsTrue(arg);
    if (on < 0) return NULL;
    pl_conv_igemm_force_no_fold(on);
    Py_RETURN_NONE;
}

static PyObject *
plpy_conv_force_reference(PyObject *self, PyObject *arg)
{
    (void)self;
    int on = PyObject_IsTrue(arg);
    if (on < 0) return NULL;
    pl_conv_force_reference(on);
    Py_RETURN_NONE;
}

static PyObject *
plpy_lstm_layer(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 5) {
        PyErr_Format(PyExc_TypeError, "_lstm_layer() takes 5 positional arguments (%zd given)", nargs);
        return NULL;
    }
    pl_tensor *gi, *h0, *c0, *w_hh, *out, *c_n;
    bool reverse;
    if (get_tensor(args[0], "gates", false, &gi) < 0 || get_tensor(args[1], "h0", false, &h0) < 0 ||
        get_tensor(args[2], "c0", false, &c0) < 0 || get_tensor(args[3], "w_hh", false, &w_hh) < 0 ||
        get_bool(args[4], &reverse) < 0) {
        return NULL;
    }
    if (pl_lstm_layer(gi, h0, c0, w_hh, reverse, &out, &c_n) != PL_OK) return plpy_raise();
    PyObject *po = plpy_wrap(out); /* steals out */
    PyObject *pc = po ? plpy_wrap(c_n) : NULL;
    if (!po) pl_tensor_release(c_n);
    if (!pc) {
        Py_XDECREF(po);
        return NULL;
    }
    PyObject *res = PyTuple_Pack(2, po, pc);
    Py_DECREF(po);
    Py_DECREF(pc);
    return res;
}

static PyObject *
plpy_softmax_rows(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "_softmax_rows() takes 2 positional arguments (%zd given)", nargs);
        return NULL;
    }
    pl_tensor *x;
    if (get_tensor(args[0], "input", false, &x) < 0) return NULL;
    long which = PyLong_AsLong(args[1]);
    if (which == -1 && PyErr_Occurred()) return NULL;
    return finish(pl_softmax_rows(x, (int)which), false);
}

static PyObject *
plpy_layer_norm(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 5) {
        PyErr_Format(PyExc_TypeError, "_layer_norm() takes 5 positional arguments (%zd given)", nargs);
        return NULL;
    }
    pl_tensor *x, *w, *b;
    if (get_tensor(args[0], "input", false, &x) < 0 || get_tensor(args[2], "weight", true, &w) < 0 ||
        get_tensor(args[3], "bias", true, &b) < 0) {
        return NULL;
    }
    long long D = PyLong_AsLongLong(args[1]);
    if (D == -1 && PyErr_Occurred()) return NULL;
    double eps = PyFloat_AsDouble(args[4]);
    if (eps == -1.0 && PyErr_Occurred()) return NULL;
    return finish(pl_layer_norm(x, D, w, b, eps), false);
}

static PyObject *
plpy_batch_norm(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 8) {
        PyErr_Format(PyExc_TypeError, "_batch_norm() takes 8 positional arguments (%zd given)", nargs);
        return NULL;
    }
    pl_tensor *x, *w, *b, *rm, *rv;
    bool training;
    if (get_tensor(args[0], "input", false, &x) < 0 || get_tensor(args[1], "weight", true, &w) < 0 ||
        get_tensor(args[2], "bias", true, &b) < 0 ||
        get_tensor(args[3], "running_mean", true, &rm) < 0 ||
        get_tensor(args[4], "running_var", true, &rv) < 0 || get_bool(args[5], &training) < 0) {
        return NULL;
    }
    double momentum = PyFloat_AsDouble(args[6]);
    if (momentum == -1.0 && PyErr_Occurred()) return NULL;
    double eps = PyFloat_AsDouble(args[7]);
    if (eps == -1.0 && PyErr_Occurred()) return NULL;
    return finish(pl_batch_norm(x, w, b, rm, rv, training, momentum, eps), false);
}

static PyObject *
plpy_lstm_force_reference(PyObject *self, PyObject *arg)
{
    (void)self;
    int on = PyObject_IsTrue(arg);
    if (on < 0) return NULL;
    pl_lstm_force_reference(on);
    Py_RETURN_NONE;
}

static PyObject *
plpy_softmax_force_reference(PyObject *self, PyObject *arg)
{
    (void)self;
    int on = PyObject_IsTrue(arg);
    if (on < 0) return NULL;
    pl_softmax_force_reference(on);
    Py_RETURN_NONE;
}

PyMethodDef plpy_nn_functions[] = {
    {"_softmax_force_reference", plpy_softmax_force_reference, METH_O,
     "Tests: run the plain softmax kernels (the same bits as the AVX2 ones)."},
    {"_lstm_force_reference", plpy_lstm_force_reference, METH_O,
     "Tests: run the plain (libm) LSTM cell kernels."},
    {"_batch_norm", (PyCFunction)(void (*)(void))plpy_batch_norm, METH_FASTCALL,
     "(input, weight, bias, running_mean, running_var, training, momentum, eps) -> batch norm "
     "over dim 1; grad_fn NativeBatchNormBackward0."},
    {"_layer_norm", (PyCFunction)(void (*)(void))plpy_layer_norm, METH_FASTCALL,
     "(input, D, weight, bias, eps) -> layer norm over the trailing D elements."},
    {"_softmax_rows", (PyCFunction)(void (*)(void))plpy_softmax_rows, METH_FASTCALL,
     "(input, which) -> softmax (0), log_softmax (1) or safe softmax (2) over the last dim."},
    {"_lstm_layer", (PyCFunction)(void (*)(void))plpy_lstm_layer, METH_FASTCALL,
     "One LSTM layer-direction over all steps: (gates (T,B,4H), h0, c0, w_hh, reverse) -> "
     "(output (T,B,H), c_n); grad_fn MkldnnRnnLayerBackward0."},
    {"_conv", (PyCFunction)(void (*)(void))plpy_conv, METH_FASTCALL,
     "Convolution over 1 or 2 spatial dims (im2col + GEMM); grad_fn ConvolutionBackward0."},
    {"_max_pool2d", (PyCFunction)(void (*)(void))plpy_max_pool2d, METH_FASTCALL,
     "2-D max pooling; returns (output, indices) when return_indices."},
    {"_avg_pool2d", (PyCFunction)(void (*)(void))plpy_avg_pool2d, METH_FASTCALL, "2-D average pooling."},
    {"_adaptive_avg_pool2d", (PyCFunction)(void (*)(void))plpy_adaptive_avg_pool2d, METH_FASTCALL,
     "2-D adaptive average pooling."},
    {"_conv_force_no_fold", plpy_conv_force_no_fold, METH_O,
     "Tests: the implicit GEMM forward gives every image a product of its own."},
    {"_conv_force_reference", plpy_conv_force_reference, METH_O,
     "Tests: run the direct-loop convolution kernels."},
    {"_conv_nd", (PyCFunction)(void (*)(void))plpy_conv_nd, METH_FASTCALL,
     "3-D or transposed convolution over 1 to 3 spatial dims; grad_fn ConvolutionBackward0."},
    {"_conv_nd_force_reference", plpy_conv_nd_force_reference, METH_O,
     "Tests: run the direct-loop kernels of _conv_nd."},
    {NULL, NULL, 0, NULL},
};
