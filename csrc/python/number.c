/* number.c — the number protocol of _C.TensorBase: arithmetic, bitwise and comparison
 * operators, their in-place forms and the conversions (bool/int/float/index). Operands that are
 * Python or NumPy numbers become wrapped 0-dim tensors (PyTorch's promotion rules). */
#include "args.h"
#include "plpy.h"

#define SELF_T(op) (((PlTensorObject *)(op))->t)

/* A Tensor operand (retained) or a number as a wrapped 0-dim tensor; NULL without an exception
 * for other objects (the operator then returns NotImplemented). */
static pl_tensor *
operand_or_null(PyObject *obj, bool *wrapped)
{
    *wrapped = false;
    if (plpy_is_tensor(obj)) return pl_tensor_retain(SELF_T(obj));
    if (PyFloat_Check(obj) || PyLong_Check(obj)) {
        *wrapped = true;
        return plpy_scalar_tensor(obj);
    }
    int np = plpy_numpy_api(0);
    if (np < 0) return NULL;
    if (np && PyArray_Check(obj)) { /* t + ndarray: the array as a tensor, as PyTorch */
        PyObject *arr = plpy_from_numpy_array(obj);
        pl_tensor *t = arr ? pl_tensor_retain(SELF_T(arr)) : NULL;
        Py_XDECREF(arr);
        return t;
    }
    *wrapped = true;
    return plpy_scalar_tensor(obj);
}

/* True for an ndarray left operand of a reflected operator (ndarray + tensor): PyTorch's
 * reflected methods refuse it, so Python raises TypeError. */
static bool
ndarray_on_left(PyObject *a)
{
    return !plpy_is_tensor(a) && !PyFloat_Check(a) && !PyLong_Check(a) && plpy_numpy_api(0) > 0 &&
           PyArray_Check(a);
}

static PyObject *
binary_op(PyObject *a, PyObject *b, pl_binop op)
{
    if (ndarray_on_left(a)) Py_RETURN_NOTIMPLEMENTED;
    bool aw, bw;
    pl_tensor *ta = operand_or_null(a, &aw), *tb = ta ? operand_or_null(b, &bw) : NULL;
    if (!tb) {
        pl_tensor_release(ta);
        if (PyErr_Occurred()) return NULL;
        Py_RETURN_NOTIMPLEMENTED;
    }
    /* number + tensor and number * tensor are the tensor's reflected methods in PyTorch:
     * the tensor is the op's first input (its grad_fn's first edge) */
    bool swap = aw && !bw && (op == PL_ADD || op == PL_MUL);
    pl_tensor *r = swap ? pl_binary(op, tb, ta, 1.0, bw, aw) : pl_binary(op, ta, tb, 1.0, aw, bw);
    pl_tensor_release(ta);
    pl_tensor_release(tb);
    return plpy_wrap(r);
}

static PyObject *nb_add(PyObject *a, PyObject *b) { return binary_op(a, b, PL_ADD); }
static PyObject *nb_sub(PyObject *a, PyObject *b) { return binary_op(a, b, PL_SUB); }
static PyObject *nb_mul(PyObject *a, PyObject *b) { return binary_op(a, b, PL_MUL); }

static PyObject *
nb_truediv(PyObject *a, PyObject *b)
{
    if (ndarray_on_left(a)) Py_RETURN_NOTIMPLEMENTED;
    if (!plpy_is_tensor(a) && plpy_is_tensor(b)) {
        /* number / tensor is reciprocal(tensor) * number, as PyTorch computes it */
        pl_tensor *rec = pl_unary(PL_RECIPROCAL, SELF_T(b));
        if (!rec) return plpy_raise();
        pl_tensor *k = plpy_scalar_tensor(a);
        if (!k) {
            pl_tensor_release(rec);
            if (PyErr_Occurred()) return NULL;
            Py_RETURN_NOTIMPLEMENTED;
        }
        pl_tensor *r = pl_binary(PL_MUL, rec, k, 1.0, false, true);
        pl_tensor_release(rec);
        pl_tensor_release(k);
        return plpy_wrap(r);
    }
    return binary_op(a, b, PL_DIV);
}

/* PyTorch's pow(Tensor, Scalar) computes in result_type(self, exponent): an integer or bool
 * tensor to a float power is float, a bool tensor to an int power is int64, and a bool
 * exponent keeps the tensor's dtype (x ** False is ones, x ** True a copy). An integer or
 * bool tensor to a negative integer power is refused, as NumPy does. Returns the dtype, or -1
 * with a Python error set. */
static int
pow_scalar_dtype(const pl_tensor *t, PyObject *b, double e)
{
    if (pl_dtype_is_floating(t->dtype)) return (int)t->dtype;
    if (PyFloat_Check(b)) return (int)pl_default_float;
    if (e < 0) {
        PyErr_SetString(PyExc_RuntimeError, "Integers to negative integer powers are not allowed.");
        return -1;
    }
    return (int)(t->dtype == PL_BOOL && !PyBool_Check(b) ? PL_INT64 : t->dtype);
}

/* a ** b for a tensor a and a Python int, bool or float b (new ref, or NULL with an error) */
static PyObject *
pow_number(pl_tensor *a, PyObject *b)
{
    double e = PyFloat_AsDouble(b);
    if (e == -1.0 && PyErr_Occurred()) return NULL;
    int dt = pow_scalar_dtype(a, b, e);
    if (dt < 0) return NULL;
    if (dt == (int)a->dtype) return plpy_wrap(pl_pow_scalar(a, e));
    pl_tensor *c = pl_to_dtype(a, (pl_dtype)dt); /* not floating: no history to keep */
    if (!c) return plpy_raise();
    pl_tensor *r = pl_pow_scalar(c, e);
    pl_tensor_release(c);
    return plpy_wrap(r);
}

static PyObject *
nb_power(PyObject *a, PyObject *b, PyObject *mod)
{
    if (mod != Py_None) Py_RETURN_NOTIMPLEMENTED;
    if (plpy_is_tensor(a) && (PyFloat_Check(b) || PyLong_Check(b))) return pow_number(SELF_T(a), b);
    return binary_op(a, b, PL_POW);
}

static PyObject *
nb_matmul(PyObject *a, PyObject *b)
{
    if (!plpy_is_tensor(a) || !plpy_is_tensor(b)) Py_RETURN_NOTIMPLEMENTED;
    if (pl_autocast_on()) return plpy_autocast_binary(pl_matmul, SELF_T(a), SELF_T(b));
    return plpy_wrap(pl_matmul(SELF_T(a), SELF_T(b)));
}

static PyObject *nb_neg(PyObject *a) { return plpy_wrap(pl_unary(PL_NEG, SELF_T(a))); }
static PyObject *nb_abs(PyObject *a) { return plpy_wrap(pl_unary(PL_ABS, SELF_T(a))); }

static PyObject *
nb_pos(PyObject *a)
{
    Py_INCREF(a);
    return a;
}

static PyObject *
inplace_op(PyObject *a, PyObject *b, pl_binop op)
{
    if (!plpy_is_tensor(a)) Py_RETURN_NOTIMPLEMENTED;
    bool bw;
    pl_tensor *tb = operand_or_null(b, &bw);
    if (!tb) {
        if (PyErr_Occurred()) return NULL;
        Py_RETURN_NOTIMPLEMENTED;
    }
    pl_status st = pl_binary_(op, SELF_T(a), tb, 1.0, bw);
    pl_tensor_release(tb);
    if (st != PL_OK) return plpy_raise();
    Py_INCREF(a);
    return a;
}

static PyObject *nb_iadd(PyObject *a, PyObject *b) { return inplace_op(a, b, PL_ADD); }
static PyObject *nb_isub(PyObject *a, PyObject *b) { return inplace_op(a, b, PL_SUB); }
static PyObject *nb_imul(PyObject *a, PyObject *b) { return inplace_op(a, b, PL_MUL); }
static PyObject *nb_itruediv(PyObject *a, PyObject *b) { return inplace_op(a, b, PL_DIV); }

static int
nb_bool(PyObject *a)
{
    pl_tensor *t = SELF_T(a);
    if (t->numel != 1) {
        if (t->numel == 0) {
            PyErr_SetString(PyExc_RuntimeError, "Boolean value of Tensor with no values is ambiguous");
        } else {
            PyErr_SetString(PyExc_RuntimeError,
                            "Boolean value of Tensor with more than one value is ambiguous");
        }
        return -1;
    }
    return pl_tensor_get_double(t, 0) != 0;
}

static PyObject *
nb_float(PyObject *a)
{
    pl_tensor *t = SELF_T(a);
    if (t->numel != 1) {
        PyErr_SetString(PyExc_TypeError, "only one element tensors can be converted to Python scalars");
        return NULL;
    }
    return PyFloat_FromDouble(pl_tensor_get_double(t, 0));
}

static PyObject *
nb_int(PyObject *a)
{
    pl_tensor *t = SELF_T(a);
    if (t->numel != 1) {
        PyErr_SetString(PyExc_TypeError, "only one element tensors can be converted to Python scalars");
        return NULL;
    }
    if (t->dtype == PL_INT64) { /* exact: the one element sits at the view's start */
        return PyLong_FromLongLong(*(const int64_t *)pl_tensor_data(t));
    }
    return PyLong_FromDouble(pl_tensor_get_double(t, 0));
}

static PyObject *
nb_index(PyObject *a)
{
    pl_tensor *t = SELF_T(a);
    if (t->numel != 1 || pl_dtype_is_floating(t->dtype)) {
        PyErr_SetString(PyExc_TypeError,
                        "only integer tensors of a single element can be converted to an index");
        return NULL;
    }
    return nb_int(a);
}

/* ---- bitwise and / or / xor (bool and int64) ---- */

typedef enum { BIT_AND, BIT_OR, BIT_XOR } bitop;
static const char *const bitop_kernel[] = {"bitwise_and_cpu", "bitwise_or_cpu", "bitwise_xor_cpu"};

static void
bitwise_i64(char **p, const int64_t *s, int64_t n, void *ctx)
{
    bitop op = *(const bitop *)ctx;
    for (int64_t i = 0; i < n; i++) {
        int64_t u = *(const int64_t *)(p[1] + i * s[1]), v = *(const int64_t *)(p[2] + i * s[2]);
        *(int64_t *)(p[0] + i * s[0]) = op == BIT_AND ? (u & v) : op == BIT_OR ? (u | v) : (u ^ v);
    }
}

static void
bitwise_bool(char **p, const int64_t *s, int64_t n, void *ctx)
{
    bitop op = *(const bitop *)ctx;
    for (int64_t i = 0; i < n; i++) {
        uint8_t u = *(const uint8_t *)(p[1] + i * s[1]) != 0, v = *(const uint8_t *)(p[2] + i * s[2]) != 0;
        *(uint8_t *)(p[0] + i * s[0]) = op == BIT_AND ? (u & v) : op == BIT_OR ? (u | v) : (u ^ v);
    }
}

/* a op b on bool / int64 tensors with PyTorch's promotion (new ref, or NULL with an
 * exception set). Steals neither operand. */
static pl_tensor *
bitwise(pl_tensor *ta, bool aw, pl_tensor *tb, bool bw, bitop op)
{
    pl_dtype dt = pl_result_type(ta, aw, tb, bw);
    if (pl_dtype_is_floating(dt)) {
        PyErr_Format(PyExc_NotImplementedError, "\"%s\" not implemented for '%s'", bitop_kernel[op],
                     pl_dtype_scalar_name(dt));
        return NULL;
    }
    int nd;
    int64_t shape[PL_MAX_DIMS];
    if (pl_broadcast_shapes(ta->ndim, ta->shape, tb->ndim, tb->shape, &nd, shape) != PL_OK) {
        plpy_raise();
        return NULL;
    }
    /* uint8 ... int32 in int64 (the low bits are the same), then cast back */
    pl_dtype cdt = pl_dtype_compute(dt);
    pl_tensor *x = pl_to_dtype(ta, cdt), *y = x ? pl_to_dtype(tb, cdt) : NULL;
    pl_tensor *r = y ? pl_tensor_empty(nd, shape, cdt) : NULL;
    if (r) {
        pl_loop loop;
        pl_loop_init(&loop, nd, shape);
        pl_loop_add(&loop, r);
        pl_loop_add(&loop, x);
        pl_loop_add(&loop, y);
        pl_loop_run(&loop, cdt == PL_BOOL ? bitwise_bool : bitwise_i64, &op);
    }
    pl_tensor_release(x);
    pl_tensor_release(y);
    if (r && cdt != dt) {
        pl_tensor *c = pl_cast_raw(r, dt);
        pl_tensor_release(r);
        r = c;
    }
    if (!r) plpy_raise();
    return r;
}

static PyObject *
bitwise_op(PyObject *a, PyObject *b, bitop op)
{
    if ((!plpy_is_tensor(a) && !plpy_is_tensor(b)) || ndarray_on_left(a)) Py_RETURN_NOTIMPLEMENTED;
    bool aw, bw;
    pl_tensor *ta = operand_or_null(a, &aw), *tb = ta ? operand_or_null(b, &bw) : NULL;
    if (!tb) {
        pl_tensor_release(ta);
        if (PyErr_Occurred()) return NULL;
        Py_RETURN_NOTIMPLEMENTED;
    }
    pl_tensor *r = bitwise(ta, aw, tb, bw, op);
    pl_tensor_release(ta);
    pl_tensor_release(tb);
    return r ? plpy_wrap(r) : NULL;
}
static PyObject *nb_and(PyObject *a, PyObject *b) { return bitwise_op(a, b, BIT_AND); }
static PyObject *nb_or(PyObject *a, PyObject *b) { return bitwise_op(a, b, BIT_OR); }
static PyObject *nb_xor(PyObject *a, PyObject *b) { return bitwise_op(a, b, BIT_XOR); }

/* a op= b: the result is written into a (same object, same storage, version bumped), after
 * PyTorch's check that the result type can be cast to a's dtype. */
static PyObject *
inplace_from_result(PyObject *a, pl_tensor *r)
{
    pl_tensor *t = SELF_T(a);
    if (!r) return NULL;
    if (!plpy_can_cast(r->dtype, t->dtype)) {
        PyErr_Format(PyExc_RuntimeError, "result type %s can't be cast to the desired output type %s",
                     plpy_dtype_title(r->dtype), plpy_dtype_title(t->dtype));
        pl_tensor_release(r);
        return NULL;
    }
    pl_status st = pl_copy_(t, r);
    pl_tensor_release(r);
    return plpy_self_or_raise(a, st);
}

static PyObject *
inplace_bitwise(PyObject *a, PyObject *b, bitop op)
{
    if (!plpy_is_tensor(a)) Py_RETURN_NOTIMPLEMENTED;
    bool bw;
    pl_tensor *tb = operand_or_null(b, &bw);
    if (!tb) {
        if (PyErr_Occurred()) return NULL;
        Py_RETURN_NOTIMPLEMENTED;
    }
    pl_dtype rt = pl_result_type(SELF_T(a), false, tb, bw);
    pl_tensor *r = NULL;
    if (!plpy_can_cast(rt, SELF_T(a)->dtype)) { /* checked first, as PyTorch */
        PyErr_Format(PyExc_RuntimeError, "result type %s can't be cast to the desired output type %s",
                     plpy_dtype_title(rt), plpy_dtype_title(SELF_T(a)->dtype));
    } else {
        r = bitwise(SELF_T(a), false, tb, bw, op);
    }
    pl_tensor_release(tb);
    return inplace_from_result(a, r);
}
static PyObject *nb_iand(PyObject *a, PyObject *b) { return inplace_bitwise(a, b, BIT_AND); }
static PyObject *nb_ior(PyObject *a, PyObject *b) { return inplace_bitwise(a, b, BIT_OR); }
static PyObject *nb_ixor(PyObject *a, PyObject *b) { return inplace_bitwise(a, b, BIT_XOR); }

/* a **= b: PyTorch's pow_ (PowBackward0 for a number exponent on a floating tensor,
 * PowBackward1 for a tensor exponent). Tensor.pow_ comes here too. */
static PyObject *
nb_ipower(PyObject *a, PyObject *b, PyObject *mod)
{
    if (mod != Py_None || !plpy_is_tensor(a)) Py_RETURN_NOTIMPLEMENTED;
    if (PyFloat_Check(b) || PyLong_Check(b)) {
        pl_tensor *t = SELF_T(a);
        double v = PyFloat_AsDouble(b);
        if (v == -1.0 && PyErr_Occurred()) return NULL;
        int dt = pow_scalar_dtype(t, b, v);
        if (dt < 0) return NULL;
        if (dt != (int)t->dtype) {
            PyErr_Format(PyExc_RuntimeError, "result type %s can't be cast to the desired output type %s",
                         pl_dtype_scalar_name((pl_dtype)dt), pl_dtype_scalar_name(t->dtype));
            return NULL;
        }
        return plpy_self_or_raise(a, pl_pow_scalar_(t, v));
    }
    return inplace_op(a, b, PL_POW);
}
static PyObject *
nb_invert(PyObject *a)
{
    pl_tensor *t = SELF_T(a);
    if (pl_dtype_is_floating(t->dtype)) {
        PyErr_SetString(PyExc_TypeError,
                        "~ (operator.invert) is only implemented on integer and Boolean-type tensors");
        return NULL;
    }
    /* ~x is x ^ True for bools and x ^ -1 for integers */
    pl_tensor *ones = pl_tensor_scalar(t->dtype == PL_BOOL ? 1 : -1, t->dtype);
    if (!ones) return plpy_raise();
    pl_tensor *r = bitwise(t, false, ones, false, BIT_XOR);
    pl_tensor_release(ones);
    return r ? plpy_wrap(r) : NULL;
}

static PyObject *
tensor_richcompare(PyObject *a, PyObject *b, int op)
{
    static const pl_binop map[] = {PL_LT, PL_LE, PL_EQ, PL_NE, PL_GT, PL_GE};
    if (!plpy_is_tensor(a)) Py_RETURN_NOTIMPLEMENTED;
    if (!plpy_is_tensor(b) && !PyNumber_Check(b)) {
        if (op == Py_EQ) Py_RETURN_FALSE;
        if (op == Py_NE) Py_RETURN_TRUE;
        Py_RETURN_NOTIMPLEMENTED;
    }
    return binary_op(a, b, map[op]);
}

PyType_Slot plpy_number_slots[] = {
    {Py_tp_richcompare, tensor_richcompare},
    {Py_nb_add, nb_add},
    {Py_nb_subtract, nb_sub},
    {Py_nb_multiply, nb_mul},
    {Py_nb_true_divide, nb_truediv},
    {Py_nb_power, nb_power},
    {Py_nb_matrix_multiply, nb_matmul},
    {Py_nb_negative, nb_neg},
    {Py_nb_positive, nb_pos},
    {Py_nb_absolute, nb_abs},
    {Py_nb_inplace_add, nb_iadd},
    {Py_nb_inplace_subtract, nb_isub},
    {Py_nb_inplace_multiply, nb_imul},
    {Py_nb_inplace_true_divide, nb_itruediv},
    {Py_nb_inplace_power, nb_ipower},
    {Py_nb_inplace_and, nb_iand},
    {Py_nb_inplace_or, nb_ior},
    {Py_nb_inplace_xor, nb_ixor},
    {Py_nb_bool, nb_bool},
    {Py_nb_float, nb_float},
    {Py_nb_int, nb_int},
    {Py_nb_index, nb_index},
    {Py_nb_and, nb_and},
    {Py_nb_or, nb_or},
    {Py_nb_xor, nb_xor},
    {Py_nb_invert, nb_invert},
    {0, NULL},
};
