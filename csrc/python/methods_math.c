/* methods_math.c — Tensor methods for arithmetic with keywords, unary ops and their
 * in-place forms, reductions, products and softmax: one core op each. */
#include "args.h"
#include "plpy.h"

#define T PLPY_T
#define FASTCALL PLPY_FASTCALL
#define ARGS PLPY_ARGS
#define ret_self_or_raise plpy_self_or_raise

/* ---- reductions ---- */

/* Parses (dim=None, keepdim=False) for sum/mean-like methods; returns ndims (-1 = all). */
static int
reduce_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
            int64_t *dims, bool *keepdim, PyObject **dtype)
{
    static const char *const names[] = {"dim", "keepdim", "dtype", NULL};
    PyObject *a[3];
    if (plpy_parse_full(fname, args, nargs, kwnames, names, 0, 2, a) < 0) return -2; /* dtype: keyword */
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
        pl_tensor *r = pl_sum(c, dims, n, keep);
        pl_tensor_release(c);
        if (r && r->dtype != dt) { /* an integer sum (exact in int64) wraps into dtype */
            pl_tensor *rc = pl_to_dtype(r, dt);
            pl_tensor_release(r);
            r = rc;
        }
        return plpy_wrap(r);
    }
    return plpy_wrap(pl_sum(src, dims, n, keep));
}

/* _vector_norm(ord, dim=None, keepdim=False): the core of Tensor.norm / linalg.vector_norm */
static PyObject *
m_vector_norm(ARGS)
{
    static const char *const names[] = {"ord", "dim", "keepdim", NULL};
    PyObject *a[3];
    if (plpy_parse("_vector_norm", args, nargs, kwnames, names, a) < 0) return NULL;
    double ord;
    bool keep;
    if (plpy_as_double(a[0], 2.0, &ord) < 0 || plpy_as_bool(a[2], false, &keep) < 0) return NULL;
    int64_t dims[PL_MAX_DIMS];
    int n = -1;
    if (a[1] && a[1] != Py_None) {
        n = plpy_as_dims(a[1], dims, PL_MAX_DIMS);
        if (n < 0) return NULL;
    }
    return plpy_wrap(pl_vector_norm(T(self), ord, dims, n, keep));
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
        if (!pl_dtype_is_floating(dt)) {
            PyErr_Format(PyExc_RuntimeError, "mean(): could not infer output dtype. Optional dtype "
                         "must be either a floating point or complex dtype. Got: %s",
                         pl_dtype_scalar_name(dt));
            return NULL;
        }
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
    if (plpy_parse_full(fname, args, nargs, kwnames, names, 0, 3, a) < 0) return NULL; /* correction: keyword */
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
    if (a[1] && a[3]) { /* PyTorch's two overloads: unbiased or correction, not both */
        PyErr_Format(PyExc_TypeError, "%s() received an invalid combination of arguments - got both "
                     "'unbiased' and 'correction'", fname);
        return NULL;
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
        if (a[1]) {
            PyErr_Format(PyExc_TypeError, "%s() received an invalid combination of arguments - got "
                         "(Tensor, %s), but expected (Tensor other) or (int dim, bool keepdim = False)",
                         is_min ? "min" : "max", Py_TYPE(a[1])->tp_name);
            return NULL;
        }
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
    PyObject *swapped[2];
    int npos = 1;
    if ((op == PL_ADD || op == PL_SUB) && nargs == 2 &&
        (!plpy_is_tensor(args[0]) || T(args[0])->numel == 1)) {
        /* PyTorch's deprecated overload add(input, alpha, other), alpha a number or a one-element
         * tensor: warned once per process */
        static bool warned[2];
        if (!warned[op == PL_SUB]) {
            warned[op == PL_SUB] = true;
            const char *n = op == PL_SUB ? "sub" : "add";
            char msg[400];
            snprintf(msg, sizeof msg,
                     "This overload of %s is deprecated:\n\t%s(Tensor input, Number alpha, Tensor "
                     "other, *, Tensor out = None)\nConsider using one of the following signatures "
                     "instead:\n\t%s(Tensor input, Tensor other, *, Number alpha = 1, Tensor out = "
                     "None)", n, n, n);
            if (PyErr_WarnEx(PyExc_UserWarning, msg, 1) < 0) return NULL;
        }
        swapped[0] = args[1];
        swapped[1] = args[0];
        args = swapped;
        npos = 2;
    }
    /* alpha and rounding_mode are keyword-only */
    if (plpy_parse_full(fname, args, nargs, kwnames, op == PL_DIV ? names_div : names, 1, npos, a) < 0) return NULL;
    double alpha = 1.0;
    if (op == PL_DIV) {
        if (a[1] && a[1] != Py_None) {
            const char *mode = PyUnicode_Check(a[1]) ? PyUnicode_AsUTF8(a[1]) : NULL;
            if (!mode) {
                if (!PyErr_Occurred()) {
                    PyErr_Format(PyExc_TypeError, "%s(): argument 'rounding_mode' must be str, not %s",
                                 fname, Py_TYPE(a[1])->tp_name);
                }
                return NULL;
            }
            if (strcmp(mode, "floor") == 0) {
                op = PL_DIV_FLOOR;
            } else if (strcmp(mode, "trunc") == 0) {
                op = PL_DIV_TRUNC;
            } else {
                PyErr_Format(PyExc_RuntimeError, "div expected rounding_mode to be one of None, "
                             "'trunc', or 'floor' but found '%s'", mode);
                return NULL;
            }
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
ARITH(_floor_divide, PL_DIV_FLOOR, false) /* floating operands (PyTorch's fmod-based rule) */

/* The table's math functions of two tensors (atan2, hypot, copysign, fmax, fmin): other must be
 * a Tensor, or also a number where PyTorch takes one (copysign). */
static PyObject *
math2(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, pl_binop op,
      const char *fname, bool inplace, bool numbers)
{
    static const char *const names[] = {"other", NULL};
    PyObject *a[1];
    if (plpy_parse_req(fname, args, nargs, kwnames, names, 1, a) < 0) return NULL;
    if (!numbers && !plpy_is_tensor(a[0])) {
        PyErr_Format(PyExc_TypeError, "%s(): argument 'other' (position 1) must be Tensor, not %s",
                     fname, Py_TYPE(a[0])->tp_name);
        return NULL;
    }
    bool bw;
    pl_tensor *b = plpy_operand(a[0], &bw, fname);
    if (!b) return NULL;
    if (inplace) {
        pl_status st = pl_binary_(op, T(self), b, 1.0, bw);
        pl_tensor_release(b);
        return ret_self_or_raise(self, st);
    }
    pl_tensor *r = pl_binary(op, T(self), b, 1.0, false, bw);
    pl_tensor_release(b);
    return plpy_wrap(r);
}
#define MATH2(NAME, OP, NUMBERS)                                                             \
    static PyObject *m_##NAME(ARGS) { return math2(self, args, nargs, kwnames, OP, #NAME, false, NUMBERS); } \
    static PyObject *m_##NAME##_(ARGS) { return math2(self, args, nargs, kwnames, OP, #NAME "_", true, NUMBERS); }
MATH2(atan2, PL_ATAN2, false)
MATH2(hypot, PL_HYPOT, false)
MATH2(copysign, PL_COPYSIGN, true)
MATH2(fmax, PL_FMAX, false)
MATH2(fmin, PL_FMIN, false)
MATH2(nextafter, PL_NEXTAFTER, false)
MATH2(maximum, PL_MAXIMUM, false) /* numbers refused, as PyTorch */
MATH2(minimum, PL_MINIMUM, false)
MATH2(igamma, PL_IGAMMA, false)
MATH2(igammac, PL_IGAMMAC, false)
MATH2(gcd, PL_GCD, false)
MATH2(lcm, PL_LCM, false)
MATH2(_special_zeta, PL_SPECIAL_ZETA, true)

/* remainder / fmod of floating operands (the Python methods handle integer ones):
 * _remainder(other), _fmod(other), and the reflected _rremainder(number) / _rfmod(number). */
static PyObject *
mod_op(PyObject *self, PyObject *other, pl_binop op, bool reflected)
{
    bool w;
    pl_tensor *b = plpy_operand(other, &w, op == PL_FMOD ? "fmod" : "remainder");
    if (!b) return NULL;
    pl_tensor *r = reflected ? pl_binary(op, b, T(self), 1.0, w, false)
                             : pl_binary(op, T(self), b, 1.0, false, w);
    pl_tensor_release(b);
    return plpy_wrap(r);
}
static PyObject *m_remainder(PyObject *self, PyObject *o) { return mod_op(self, o, PL_REMAINDER, false); }
static PyObject *m_fmod(PyObject *self, PyObject *o) { return mod_op(self, o, PL_FMOD, false); }
static PyObject *m_rremainder(PyObject *self, PyObject *o) { return mod_op(self, o, PL_REMAINDER, true); }
static PyObject *m_rfmod(PyObject *self, PyObject *o) { return mod_op(self, o, PL_FMOD, true); }
/* _remainder_(other), _fmod_(other): the in-place forms (self floating) */
static PyObject *
mod_op_(PyObject *self, PyObject *other, pl_binop op)
{
    bool w;
    pl_tensor *b = plpy_operand(other, &w, op == PL_FMOD ? "fmod_" : "remainder_");
    if (!b) return NULL;
    pl_status st = pl_binary_(op, T(self), b, 1.0, w);
    pl_tensor_release(b);
    return ret_self_or_raise(self, st);
}
static PyObject *m_remainder_(PyObject *self, PyObject *o) { return mod_op_(self, o, PL_REMAINDER); }
static PyObject *m_fmod_(PyObject *self, PyObject *o) { return mod_op_(self, o, PL_FMOD); }

/* _check_overlap(other): the partial-overlap check of an in-place op that the Python layer
 * writes as copy_ of an out-of-place result (%=, //=); a non-tensor other passes */
static PyObject *
m_check_overlap(PyObject *self, PyObject *other)
{
    if (plpy_is_tensor(other) && pl_check_no_partial_overlap(T(self), T(other)) != PL_OK) {
        return plpy_raise();
    }
    Py_RETURN_NONE;
}

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
    static const char *const names[] = {"exponent", NULL};
    PyObject *a[1];
    if (plpy_parse_req("pow_", args, nargs, kwnames, names, 1, a) < 0) return NULL;
    return PyNumber_InPlacePower(self, a[0], Py_None); /* the in-place operator: self, written */
}

/* ---- unary: one method and one in-place method per row of PL_UNARY_OPS (op_table.h) ---- */

#define UNARY_METHODS(E, name, ...)                                                           \
    static PyObject *m_op_##name(PyObject *self, PyObject *u)                                 \
    {                                                                                        \
        (void)u;                                                                             \
        return plpy_wrap(pl_unary(PL_##E, T(self)));                                         \
    }                                                                                        \
    static PyObject *m_op_##name##_(PyObject *self, PyObject *u)                              \
    {                                                                                        \
        (void)u;                                                                             \
        return ret_self_or_raise(self, pl_unary_(PL_##E, T(self)));                          \
    }
PL_UNARY_OPS(UNARY_METHODS)

/* clamp(min, max) with a tensor bound: both bounds as core tensors (NULL when absent, a
 * number wrapped). Returns the op's result (new ref) or, in place, self; NULL with an error. */
static PyObject *
clamp_tensor_call(PyObject *self, PyObject *bmin, PyObject *bmax, bool inplace)
{
    pl_tensor *b[2] = {NULL, NULL};
    bool w[2] = {false, false};
    PyObject *src[2] = {bmin, bmax};
    for (int k = 0; k < 2; k++) {
        if (!src[k] || src[k] == Py_None) continue;
        b[k] = plpy_operand(src[k], &w[k], inplace ? "clamp_" : "clamp");
        if (!b[k]) {
            pl_tensor_release(b[0]);
            return NULL;
        }
    }
    PyObject *r;
    if (inplace) {
        r = ret_self_or_raise(self, pl_clamp_tensor_(T(self), b[0], w[0], b[1], w[1]));
    } else {
        r = plpy_wrap(pl_clamp_tensor(T(self), b[0], w[0], b[1], w[1]));
    }
    pl_tensor_release(b[0]);
    pl_tensor_release(b[1]);
    return r;
}

/* PyTorch's clamp(Tensor, Scalar min, Scalar max) computes in result_type(self, min, max): an
 * integer or bool tensor with a float bound becomes the default float dtype, a bool tensor with
 * an int bound int64. min, max: the bounds given (NULL when absent). */
static pl_dtype
clamp_number_dtype(pl_dtype dt, PyObject *min, PyObject *max)
{
    if (pl_dtype_is_floating(dt)) return dt;
    PyObject *b[2] = {min, max};
    bool fl = false, in = false;
    for (int k = 0; k < 2; k++) {
        if (!b[k]) continue;
        fl = fl || PyFloat_Check(b[k]);
        in = in || (PyLong_Check(b[k]) && !PyBool_Check(b[k]));
    }
    return fl ? pl_default_float : dt == PL_BOOL && in ? PL_INT64 : dt;
}

/* The C++ name of an integer dtype's element type, as PyTorch's in-place cast check prints it */
static const char *
cpp_type_name(pl_dtype dt)
{
    switch (dt) {
    case PL_BOOL: return "bool";
    case PL_UINT8: return "unsigned char";
    case PL_INT8: return "signed char";
    case PL_INT16: return "short int";
    case PL_INT32: return "int";
    case PL_INT64: return "long int";
    default: return pl_dtype_scalar_name(dt);
    }
}

static PyObject *
clamp_any(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, bool inplace)
{
    static const char *const names[] = {"min", "max", NULL};
    const char *fname = inplace ? "clamp_" : "clamp";
    PyObject *a[2];
    if (plpy_parse(fname, args, nargs, kwnames, names, a) < 0) return NULL;
    bool t0 = a[0] && plpy_is_tensor(a[0]), t1 = a[1] && plpy_is_tensor(a[1]);
    if (t0 || t1) {
        bool n0 = a[0] && a[0] != Py_None && !t0, n1 = a[1] && a[1] != Py_None && !t1;
        if (n0 || n1) { /* PyTorch has no overload mixing a Tensor and a number bound */
            PyErr_Format(PyExc_TypeError,
                         "%s() received an invalid combination of arguments - got a Tensor and a "
                         "number as min and max; pass both as Tensors or both as numbers", fname);
            return NULL;
        }
        return clamp_tensor_call(self, a[0], a[1], inplace);
    }
    bool hmin = a[0] && a[0] != Py_None, hmax = a[1] && a[1] != Py_None;
    double vmin, vmax;
    if (plpy_as_double(a[0], 0, &vmin) < 0 || plpy_as_double(a[1], 0, &vmax) < 0) return NULL;
    pl_dtype dt = clamp_number_dtype(T(self)->dtype, hmin ? a[0] : NULL, hmax ? a[1] : NULL);
    if (dt != T(self)->dtype) {
        if (inplace) {
            PyErr_Format(PyExc_RuntimeError, "result type %s can't be cast to the desired output type %s",
                         pl_dtype_scalar_name(dt), cpp_type_name(T(self)->dtype));
            return NULL;
        }
        pl_tensor *c = pl_to_dtype(T(self), dt); /* not floating: no history to keep */
        if (!c) return plpy_raise();
        pl_tensor *r = pl_clamp(c, hmin, vmin, hmax, vmax);
        pl_tensor_release(c);
        return plpy_wrap(r);
    }
    if (inplace) return ret_self_or_raise(self, pl_clamp_(T(self), hmin, vmin, hmax, vmax));
    return plpy_wrap(pl_clamp(T(self), hmin, vmin, hmax, vmax));
}

static PyObject *m_clamp(ARGS) { return clamp_any(self, args, nargs, kwnames, false); }
static PyObject *m_clamp_(ARGS) { return clamp_any(self, args, nargs, kwnames, true); }

/* ---- products and softmax ---- */

static PyObject *
m_matmul(PyObject *self, PyObject *other)
{
    pl_tensor *b = plpy_unwrap(other);
    if (!b) return NULL;
    if (pl_autocast_on()) return plpy_autocast_binary(pl_matmul, T(self), b);
    return plpy_wrap(pl_matmul(T(self), b));
}

static PyObject *
m_mm(PyObject *self, PyObject *other)
{
    pl_tensor *b = plpy_unwrap(other);
    if (!b) return NULL;
    if (pl_autocast_on()) return plpy_autocast_binary(pl_mm, T(self), b);
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

static PyObject *
m_erf(PyObject *self, PyObject *u)
{
    (void)u;
    return plpy_wrap(pl_erf(T(self)));
}

static PyObject *
m_lgamma(PyObject *self, PyObject *u)
{
    (void)u;
    return plpy_wrap(pl_lgamma(T(self)));
}

static PyObject *
m_digamma(PyObject *self, PyObject *u)
{
    (void)u;
    return plpy_wrap(pl_digamma(T(self)));
}

/* _polygamma(n): polygamma(n, self) (the Python layer checks n's type and writes in place) */
static PyObject *
m_polygamma(PyObject *self, PyObject *arg)
{
    int64_t n;
    if (plpy_as_int64(arg, 0, &n) < 0) return NULL;
    return plpy_wrap(pl_polygamma(n, T(self)));
}

/* _frexp(): (mantissa, exponent) as a plain tuple (the Python layer names it and records) */
static PyObject *
m_frexp(PyObject *self, PyObject *u)
{
    (void)u;
    pl_tensor *m, *e;
    if (pl_frexp(T(self), &m, &e) != PL_OK) return plpy_raise();
    PyObject *pm = plpy_wrap(m); /* steals m */
    PyObject *pe = pm ? plpy_wrap(e) : NULL; /* steals e */
    if (!pm) pl_tensor_release(e);
    if (!pe) {
        Py_XDECREF(pm);
        return NULL;
    }
    PyObject *r = PyTuple_Pack(2, pm, pe); /* new; the pack holds its own references */
    Py_DECREF(pm);
    Py_DECREF(pe);
    return r;
}

/* _rspecial_zeta(number): zeta(number, self) (special.zeta with a Python number for x) */
static PyObject *
m_rspecial_zeta(PyObject *self, PyObject *other)
{
    bool w;
    pl_tensor *a = plpy_operand(other, &w, "special_zeta");
    if (!a) return NULL;
    pl_tensor *r = pl_binary(PL_SPECIAL_ZETA, a, T(self), 1.0, w, false);
    pl_tensor_release(a);
    return plpy_wrap(r);
}

/* _gelu(approximate_tanh): the kernel behind nn.functional.gelu */
static PyObject *
m_gelu(PyObject *self, PyObject *arg)
{
    int tanh_approx = PyObject_IsTrue(arg);
    if (tanh_approx < 0) return NULL;
    return plpy_wrap(pl_gelu(T(self), tanh_approx));
}

PLPY_ONE_ARG(m_matmul_kw, m_matmul, "matmul", "other")
PLPY_ONE_ARG(m_mm_kw, m_mm, "mm", "mat2")

#define M_NOARGS(name, fn) {name, (PyCFunction)(fn), METH_NOARGS, NULL}
#define M_O(name, fn) {name, (PyCFunction)(fn), METH_O, NULL}
#define M_FAST(name, fn) {name, FASTCALL(fn), METH_FASTCALL, NULL}
#define M_KW(name, fn) {name, FASTCALL(fn), METH_FASTCALL | METH_KEYWORDS, NULL}
/* A table row's method name: PRIV rows are "_name" (Python wraps them) */
#define UNARY_PYNAME_PUB(name) #name
#define UNARY_PYNAME_NOFN(name) #name
#define UNARY_PYNAME_PRIV(name) "_" #name
#define M_UNARY_ROW(E, name, grad_fn, DT, SAVE, PY, ...)                                       \
    M_NOARGS(UNARY_PYNAME_##PY(name), m_op_##name),                                          \
    M_NOARGS(UNARY_PYNAME_##PY(name) "_", m_op_##name##_),

/* _C._unary_ops and _C._binary_ops: the op table's rows.
 * _C._unary_ops: ((name, grad_fn, py), ...) from PL_UNARY_OPS, for the Python package's torch.*
 * functions and tests; py is "PUB", "NOFN" or "PRIV" (the table's PY column). */
int
plpy_op_table_init(PyObject *m)
{
#define UNARY_OP_ENTRY(E, name, grad_fn, DT, SAVE, PY, ...) {#name, grad_fn, #PY},
    static const struct { const char *name, *grad_fn, *py; } rows[] = {PL_UNARY_OPS(UNARY_OP_ENTRY)};
#undef UNARY_OP_ENTRY
    Py_ssize_t n = (Py_ssize_t)(sizeof rows / sizeof rows[0]);
    PyObject *ops = PyTuple_New(n);
    if (!ops) return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *row = Py_BuildValue("(sss)", rows[i].name, rows[i].grad_fn, rows[i].py);
        if (!row) {
            Py_DECREF(ops);
            return -1;
        }
        PyTuple_SET_ITEM(ops, i, row); /* steals row */
    }
    int rc = PyModule_AddObjectRef(m, "_unary_ops", ops);
    Py_DECREF(ops);
    if (rc < 0) return -1;
    /* _C._binary_ops: ((name, grad_fn, grad_fn for a number other, for a number self), ...);
     * None where the row records no node of that form */
#define BINARY_OP_ENTRY(E, name, K, B, I, f, fi, fb, gf, gfs, gfr, ...) {#name, gf, gfs, gfr},
    static const struct { const char *name, *gf, *gfs, *gfr; } brows[] = {PL_BINARY_OPS(BINARY_OP_ENTRY)};
#undef BINARY_OP_ENTRY
    n = (Py_ssize_t)(sizeof brows / sizeof brows[0]);
    PyObject *bops = PyTuple_New(n);
    if (!bops) return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *row = Py_BuildValue("(szzz)", brows[i].name, brows[i].gf, brows[i].gfs, brows[i].gfr);
        if (!row) {
            Py_DECREF(bops);
            return -1;
        }
        PyTuple_SET_ITEM(bops, i, row); /* steals row */
    }
    rc = PyModule_AddObjectRef(m, "_binary_ops", bops);
    Py_DECREF(bops);
    return rc;
}

PyMethodDef plpy_tensor_math_methods[] = {
    M_KW("sum", m_sum),
    M_KW("_vector_norm", m_vector_norm),
    M_KW("mean", m_mean),
    M_KW("var", m_var),
    M_KW("std", m_std),
    M_KW("max", m_max),
    M_KW("min", m_min),
    M_KW("argmax", m_argmax),
    M_KW("argmin", m_argmin),
    M_KW("add", m_add),
    M_KW("_floor_divide", m__floor_divide),
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
    M_KW("atan2", m_atan2),
    M_KW("atan2_", m_atan2_),
    M_KW("arctan2", m_atan2),
    M_KW("arctan2_", m_atan2_),
    M_KW("hypot", m_hypot),
    M_KW("hypot_", m_hypot_),
    M_KW("copysign", m_copysign),
    M_KW("copysign_", m_copysign_),
    M_KW("nextafter", m_nextafter),
    M_KW("igamma", m_igamma),
    M_KW("igamma_", m_igamma_),
    M_KW("igammac", m_igammac),
    M_KW("igammac_", m_igammac_),
    M_KW("nextafter_", m_nextafter_),
    M_KW("gcd", m_gcd),
    M_KW("gcd_", m_gcd_),
    M_KW("lcm", m_lcm),
    M_KW("lcm_", m_lcm_),
    M_KW("fmax", m_fmax),
    M_KW("fmin", m_fmin),
    M_O("_remainder", m_remainder),
    M_O("_fmod", m_fmod),
    M_O("_remainder_", m_remainder_),
    M_O("_fmod_", m_fmod_),
    M_O("_rremainder", m_rremainder),
    M_O("_rfmod", m_rfmod),
    M_O("_check_overlap", m_check_overlap),
    M_KW("pow", m_pow),
    M_KW("pow_", m_pow_),
    PL_UNARY_OPS(M_UNARY_ROW)
    M_NOARGS("negative", m_op_neg),
    M_NOARGS("erf", m_erf),
    M_NOARGS("lgamma", m_lgamma),
    M_NOARGS("digamma", m_digamma),
    M_O("_polygamma", m_polygamma),
    M_NOARGS("_frexp", m_frexp),
    M_O("_rspecial_zeta", m_rspecial_zeta),
    M_KW("_special_zeta", m__special_zeta),
    M_O("_gelu", m_gelu),
    M_KW("clamp", m_clamp),
    M_KW("clip", m_clamp),
    M_KW("clamp_", m_clamp_),
    M_KW("clip_", m_clamp_),
    M_KW("matmul", m_matmul_kw),
    M_KW("mm", m_mm_kw),
    M_KW("softmax", m_softmax),
    M_KW("log_softmax", m_log_softmax),
    {NULL, NULL, 0, NULL},
};
