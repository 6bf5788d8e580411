/* unary.c — unary elementwise ops (exp, log, relu, sigmoid, tanh ...), pow with a scalar
 * exponent, clamp, leaky_relu and where: kernels, backwards and in-place forms. */
#include <math.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "internal.h"

/* ---- unary ---- */

typedef struct {
    double p0, p1;
} unary_ctx;

#define DEFINE_UNARY(NAME, T, EXPR)                                                          \
    static void NAME(char **p, const int64_t *s, int64_t n, void *vctx)                      \
    {                                                                                        \
        const unary_ctx *ctx = vctx;                                                         \
        (void)ctx;                                                                           \
        T *out = (T *)p[0];                                                                  \
        const T *a = (const T *)p[1];                                                        \
        if (s[0] == sizeof(T) && s[1] == sizeof(T)) {                                        \
            for (int64_t i = 0; i < n; i++) {                                                \
                T x = a[i];                                                                  \
                out[i] = (T)(EXPR);                                                          \
            }                                                                                \
        } else {                                                                             \
            int64_t so = s[0] / (int64_t)sizeof(T), sa = s[1] / (int64_t)sizeof(T);          \
            for (int64_t i = 0; i < n; i++) {                                                \
                T x = a[i * sa];                                                             \
                out[i * so] = (T)(EXPR);                                                     \
            }                                                                                \
        }                                                                                    \
    }

DEFINE_UNARY(neg_f32, float, -x)
DEFINE_UNARY(exp_f32, float, expf(x))
DEFINE_UNARY(log_f32, float, logf(x))
DEFINE_UNARY(sqrt_f32, float, sqrtf(x))
DEFINE_UNARY(abs_f32, float, fabsf(x))
DEFINE_UNARY(relu_f32, float, x < 0.0f ? 0.0f : x) /* keeps nan */
DEFINE_UNARY(sigmoid_f32, float, 1.0f / (1.0f + expf(-x)))
DEFINE_UNARY(tanh_f32, float, tanhf(x))
DEFINE_UNARY(sin_f32, float, sinf(x))
DEFINE_UNARY(cos_f32, float, cosf(x))
DEFINE_UNARY(rsqrt_f32, float, 1.0f / sqrtf(x))
DEFINE_UNARY(recip_f32, float, 1.0f / x)
DEFINE_UNARY(sign_f32, float, (float)((x > 0) - (x < 0)))
DEFINE_UNARY(log1p_f32, float, log1pf(x))
DEFINE_UNARY(expm1_f32, float, expm1f(x))
DEFINE_UNARY(neg_f64, double, -x)
DEFINE_UNARY(exp_f64, double, exp(x))
DEFINE_UNARY(log_f64, double, log(x))
DEFINE_UNARY(sqrt_f64, double, sqrt(x))
DEFINE_UNARY(abs_f64, double, fabs(x))
DEFINE_UNARY(relu_f64, double, x < 0.0 ? 0.0 : x)
DEFINE_UNARY(sigmoid_f64, double, 1.0 / (1.0 + exp(-x)))
DEFINE_UNARY(tanh_f64, double, tanh(x))
DEFINE_UNARY(sin_f64, double, sin(x))
DEFINE_UNARY(cos_f64, double, cos(x))
DEFINE_UNARY(rsqrt_f64, double, 1.0 / sqrt(x))
DEFINE_UNARY(recip_f64, double, 1.0 / x)
DEFINE_UNARY(sign_f64, double, (double)((x > 0) - (x < 0)))
DEFINE_UNARY(log1p_f64, double, log1p(x))
DEFINE_UNARY(expm1_f64, double, expm1(x))
/* rounding: round is half to even (the default rounding mode), as PyTorch's */
DEFINE_UNARY(floor_f32, float, floorf(x))
DEFINE_UNARY(ceil_f32, float, ceilf(x))
DEFINE_UNARY(trunc_f32, float, truncf(x))
DEFINE_UNARY(round_f32, float, nearbyintf(x))
DEFINE_UNARY(floor_f64, double, floor(x))
DEFINE_UNARY(ceil_f64, double, ceil(x))
DEFINE_UNARY(trunc_f64, double, trunc(x))
DEFINE_UNARY(round_f64, double, nearbyint(x))
DEFINE_UNARY(neg_i64, int64_t, (int64_t)(0 - (uint64_t)x))
DEFINE_UNARY(abs_i64, int64_t, x < 0 ? (int64_t)(0 - (uint64_t)x) : x)
DEFINE_UNARY(relu_i64, int64_t, x > 0 ? x : 0)
DEFINE_UNARY(sign_i64, int64_t, (x > 0) - (x < 0))
DEFINE_UNARY(abs_b, uint8_t, x)
DEFINE_UNARY(sign_b, uint8_t, x)

static const pl_inner_fn unary_kernels[PL_NUM_UNOPS][PL_NUM_DTYPES] = {
    [PL_NEG] = {NULL, neg_i64, neg_f32, neg_f64},
    [PL_EXP] = {NULL, NULL, exp_f32, exp_f64},
    [PL_LOG] = {NULL, NULL, log_f32, log_f64},
    [PL_SQRT] = {NULL, NULL, sqrt_f32, sqrt_f64},
    [PL_ABS] = {abs_b, abs_i64, abs_f32, abs_f64},
    [PL_RELU] = {NULL, relu_i64, relu_f32, relu_f64},
    [PL_SIGMOID] = {NULL, NULL, sigmoid_f32, sigmoid_f64},
    [PL_TANH] = {NULL, NULL, tanh_f32, tanh_f64},
    [PL_SIN] = {NULL, NULL, sin_f32, sin_f64},
    [PL_COS] = {NULL, NULL, cos_f32, cos_f64},
    [PL_RSQRT] = {NULL, NULL, rsqrt_f32, rsqrt_f64},
    [PL_RECIPROCAL] = {NULL, NULL, recip_f32, recip_f64},
    [PL_SIGN] = {sign_b, sign_i64, sign_f32, sign_f64},
    [PL_LOG1P] = {NULL, NULL, log1p_f32, log1p_f64},
    [PL_EXPM1] = {NULL, NULL, expm1_f32, expm1_f64},
    [PL_FLOOR] = {NULL, NULL, floor_f32, floor_f64},
    [PL_CEIL] = {NULL, NULL, ceil_f32, ceil_f64},
    [PL_TRUNC] = {NULL, NULL, trunc_f32, trunc_f64},
    [PL_ROUND] = {NULL, NULL, round_f32, round_f64},
};

static const char *const unop_names[PL_NUM_UNOPS] = {
    "neg", "exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "sin", "cos", "rsqrt",
    "reciprocal", "sign", "log1p", "expm1", "square", "floor", "ceil", "trunc", "round"};

/* ops that keep integer dtypes; the others compute in the default float dtype */
static bool
keeps_integer(pl_unop op)
{
    return op == PL_NEG || op == PL_ABS || op == PL_RELU || op == PL_SIGN;
}

static pl_tensor *
mul3(pl_tensor *a, pl_tensor *b, pl_tensor *c) /* (a * b) * c */
{
    pl_tensor *ab = pl_binary(PL_MUL, a, b, 1.0, false, false);
    if (!ab) return NULL;
    pl_tensor *r = pl_binary(PL_MUL, ab, c, 1.0, false, false);
    pl_tensor_release(ab);
    return r;
}

/* relu's backward in one pass when g and y are contiguous and alike; NULL otherwise (no
 * error recorded) so the caller takes the general path. */
static pl_tensor *
relu_backward_fast(pl_tensor *g, pl_tensor *y)
{
    if (g->dtype != y->dtype || !pl_same_shape(g, y) || !pl_tensor_is_contiguous(g) ||
        !pl_tensor_is_contiguous(y) || !pl_dtype_is_floating(g->dtype) ||
        !pl_dtype_is_compute(g->dtype)) { /* float16/bfloat16 take the general path */
        return NULL;
    }
    pl_tensor *out = pl_tensor_empty(g->ndim, g->shape, g->dtype);
    if (!out) {
        pl_error_clear();
        return NULL;
    }
    int64_t n = g->numel;
    /* restrict (out is new): the compiler vectorises the select instead of branching on
     * each element's sign */
    if (g->dtype == PL_FLOAT32) {
        const float *restrict gp = (const float *)pl_tensor_data(g); /* (n) */
        const float *restrict yp = (const float *)pl_tensor_data(y); /* (n) */
        float *restrict o = out->storage->data;                      /* (n) */
        for (int64_t i = 0; i < n; i++) {
            float v = gp[i], keep = yp[i] > 0.0f ? v : 0.0f;
            o[i] = keep;
        }
    } else {
        const double *restrict gp = (const double *)pl_tensor_data(g); /* (n) */
        const double *restrict yp = (const double *)pl_tensor_data(y); /* (n) */
        double *restrict o = out->storage->data;                       /* (n) */
        for (int64_t i = 0; i < n; i++) {
            double v = gp[i], keep = yp[i] > 0.0 ? v : 0.0;
            o[i] = keep;
        }
    }
    return out;
}

static pl_status
unary_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_unop op = (pl_unop)node->ints[0];
    pl_tensor *x = NULL, *y = NULL, *r = NULL, *t1 = NULL, *t2 = NULL;
    /* slot 0: the input, slot 1: the result (only what the op needs is saved) */
    if (pl_node_has_saved(node, 0) && !(x = pl_node_saved(node, 0))) return pl_error_status();
    if (pl_node_has_saved(node, 1) && !(y = pl_node_saved(node, 1))) return pl_error_status();
    switch (op) {
    case PL_NEG: r = pl_unary(PL_NEG, g); break;
    case PL_EXP: r = pl_binary(PL_MUL, g, y, 1, false, false); break;
    case PL_LOG: r = pl_binary(PL_DIV, g, x, 1, false, false); break;
    case PL_SQRT: /* g / (2 * y) */
        t1 = pl_scale(y, 2.0);
        r = t1 ? pl_binary(PL_DIV, g, t1, 1, false, false) : NULL;
        break;
    case PL_ABS:
        t1 = pl_unary(PL_SIGN, x);
        r = t1 ? pl_binary(PL_MUL, g, t1, 1, false, false) : NULL;
        break;
    case PL_RELU: { /* threshold_backward: zero where the result is <= 0 */
        r = pl_grad_enabled() ? NULL : relu_backward_fast(g, y); /* create_graph: recorded */
        if (r) break;
        pl_tensor *zero = pl_tensor_scalar(0.0, y->dtype);
        t1 = zero ? pl_binary(PL_GT, y, zero, 1, false, true) : NULL;
        r = t1 ? pl_where(t1, g, zero) : NULL;
        pl_tensor_release(zero);
        break;
    }
    case PL_SIGMOID: { /* g * (1 - y) * y */
        pl_tensor *one = pl_tensor_scalar(1.0, PL_FLOAT64);
        t1 = one ? pl_binary(PL_SUB, one, y, 1, true, false) : NULL;
        r = t1 ? mul3(g, t1, y) : NULL;
        pl_tensor_release(one);
        break;
    }
    case PL_TANH: { /* g * (1 - y * y) */
        pl_tensor *one = pl_tensor_scalar(1.0, PL_FLOAT64);
        t2 = pl_binary(PL_MUL, y, y, 1, false, false);
        t1 = (one && t2) ? pl_binary(PL_SUB, one, t2, 1, true, false) : NULL;
        r = t1 ? pl_binary(PL_MUL, g, t1, 1, false, false) : NULL;
        pl_tensor_release(one);
        break;
    }
    case PL_SIN:
        t1 = pl_unary(PL_COS, x);
        r = t1 ? pl_binary(PL_MUL, g, t1, 1, false, false) : NULL;
        break;
    case PL_COS:
        t1 = pl_unary(PL_SIN, x);
        t2 = t1 ? pl_unary(PL_NEG, t1) : NULL;
        r = t2 ? pl_binary(PL_MUL, g, t2, 1, false, false) : NULL;
        break;
    case PL_RSQRT: /* -0.5 * g * y^3 */
        t1 = pl_pow_scalar(y, 3.0);
        t2 = t1 ? pl_scale(t1, -0.5) : NULL;
        r = t2 ? pl_binary(PL_MUL, g, t2, 1, false, false) : NULL;
        break;
    case PL_RECIPROCAL: /* -g * y * y */
        t1 = pl_unary(PL_NEG, g);
        r = t1 ? mul3(t1, y, y) : NULL;
        break;
    case PL_SIGN:
    case PL_FLOOR:
    case PL_CEIL:
    case PL_TRUNC:
    case PL_ROUND: /* piecewise constant */
        r = pl_tensor_zeros(g->ndim, g->shape, g->dtype);
        break;
    case PL_LOG1P: {
        pl_tensor *one = pl_tensor_scalar(1.0, PL_FLOAT64);
        t1 = one ? pl_binary(PL_ADD, x, one, 1, false, true) : NULL;
        r = t1 ? pl_binary(PL_DIV, g, t1, 1, false, false) : NULL;
        pl_tensor_release(one);
        break;
    }
    case PL_EXPM1: {
        pl_tensor *one = pl_tensor_scalar(1.0, PL_FLOAT64);
        t1 = one ? pl_binary(PL_ADD, y, one, 1, false, true) : NULL;
        r = t1 ? pl_binary(PL_MUL, g, t1, 1, false, false) : NULL;
        pl_tensor_release(one);
        break;
    }
    default:
        pl_error_set(PL_ERR_RUNTIME, "no backward for unary op %d", (int)op);
        break;
    }
    pl_tensor_release(t1);
    pl_tensor_release(t2);
    if (!r) return pl_error_status();
    din[0] = r;
    return PL_OK;
}

#define UNARY_KIND(OP, NAME) [OP] = {NAME, unary_backward, PL_KIND_DIFFERENTIABLE}
static const pl_node_kind unary_kinds[PL_NUM_UNOPS] = {
    UNARY_KIND(PL_NEG, "NegBackward0"),         UNARY_KIND(PL_EXP, "ExpBackward0"),
    UNARY_KIND(PL_LOG, "LogBackward0"),         UNARY_KIND(PL_SQRT, "SqrtBackward0"),
    UNARY_KIND(PL_ABS, "AbsBackward0"),         UNARY_KIND(PL_RELU, "ReluBackward0"),
    UNARY_KIND(PL_SIGMOID, "SigmoidBackward0"), UNARY_KIND(PL_TANH, "TanhBackward0"),
    UNARY_KIND(PL_SIN, "SinBackward0"),         UNARY_KIND(PL_COS, "CosBackward0"),
    UNARY_KIND(PL_RSQRT, "RsqrtBackward0"),     UNARY_KIND(PL_RECIPROCAL, "ReciprocalBackward0"),
    UNARY_KIND(PL_SIGN, "SignBackward0"),       UNARY_KIND(PL_LOG1P, "Log1PBackward0"),
    UNARY_KIND(PL_EXPM1, "Expm1Backward0"),    UNARY_KIND(PL_FLOOR, "FloorBackward0"),
    UNARY_KIND(PL_CEIL, "CeilBackward0"),       UNARY_KIND(PL_TRUNC, "TruncBackward0"),
    UNARY_KIND(PL_ROUND, "RoundBackward0"),
};

/* which of (input, result) the backward of op reads */
static void
unary_saves(pl_unop op, bool *save_x, bool *save_y)
{
    *save_x = op == PL_LOG || op == PL_ABS || op == PL_SIN || op == PL_COS || op == PL_LOG1P;
    *save_y = op == PL_EXP || op == PL_SQRT || op == PL_RELU || op == PL_SIGMOID ||
              op == PL_TANH || op == PL_RSQRT || op == PL_RECIPROCAL || op == PL_EXPM1;
}

static pl_status
run_unary(pl_unop op, pl_tensor *out, pl_tensor *a)
{
    if (!pl_dtype_is_compute(out->dtype)) {
        /* a storage dtype: compute in its compute dtype, then cast (wrapping integers) */
        pl_tensor *tmp = pl_tensor_empty(out->ndim, out->shape, pl_dtype_compute(out->dtype));
        if (!tmp) return pl_error_status();
        pl_status st = run_unary(op, tmp, a);
        if (st == PL_OK) st = pl_copy_raw(out, tmp);
        pl_tensor_release(tmp);
        return st;
    }
    pl_inner_fn fn = unary_kernels[op][out->dtype];
    if (!fn) {
        return pl_error_set(PL_ERR_RUNTIME, "\"%s\" not implemented for '%s'", unop_names[op],
                            pl_dtype_name(a->dtype));
    }
    unary_ctx ctx = {0, 0};
    if (a->dtype == out->dtype && pl_same_shape(a, out) && pl_tensor_is_contiguous(a) &&
        pl_tensor_is_contiguous(out)) {
        int64_t es = (int64_t)pl_dtype_size(out->dtype);
        char *ptrs[2] = {pl_tensor_data(out), pl_tensor_data(a)};
        int64_t strides[2] = {es, es};
        pl_run_contiguous(fn, 2, ptrs, strides, out->numel, &ctx);
        return PL_OK;
    }
    pl_tensor *ca = pl_to_dtype(a, out->dtype);
    if (!ca) return pl_error_status();
    pl_loop loop;
    pl_loop_init(&loop, out->ndim, out->shape);
    pl_loop_add(&loop, out);
    pl_loop_add(&loop, ca);
    pl_loop_run(&loop, fn, &ctx);
    pl_tensor_release(ca);
    return PL_OK;
}

pl_tensor *
pl_unary(pl_unop op, pl_tensor *a)
{
    pl_dtype dt = a->dtype;
    if (!pl_dtype_is_floating(dt) && !keeps_integer(op)) {
        dt = pl_default_float;
    }
    if (op == PL_NEG && dt == PL_BOOL) {
        pl_error_set(PL_ERR_RUNTIME,
                     "Negation, the `-` operator, on a bool tensor is not supported. If you are "
                     "trying to invert a mask, use the `~` or `logical_not()` operator instead.");
        return NULL;
    }
    pl_tensor *out = pl_tensor_empty(a->ndim, a->shape, dt);
    if (!out) return NULL;
    if (run_unary(op, out, a) != PL_OK) {
        pl_tensor_release(out);
        return NULL;
    }
    if (pl_dtype_is_floating(dt) && pl_needs_grad(&a, 1)) {
        pl_node *node = pl_node_new(&unary_kinds[op], &a, 1);
        if (!node) goto fail;
        node->ints[0] = op;
        bool sx, sy;
        unary_saves(op, &sx, &sy);
        if ((sx && pl_node_save(node, 0, a) != PL_OK) || (sy && pl_node_save(node, 1, out) != PL_OK)) {
            pl_node_release(node);
            goto fail;
        }
        pl_node_attach(out, node);
    }
    return out;
fail:
    pl_tensor_release(out);
    return NULL;
}

pl_status
pl_unary_(pl_unop op, pl_tensor *a)
{
    pl_status st = pl_check_inplace(a);
    if (st == PL_OK) st = pl_check_no_overlap(a);
    if (st != PL_OK) return st;
    if (pl_needs_grad(&a, 1)) {
        pl_tensor *r = pl_unary(op, a);
        if (!r) return pl_error_status();
        st = pl_rebase_inplace(a, r);
        pl_tensor_release(r);
        return st;
    }
    if (!pl_dtype_is_floating(a->dtype) && !keeps_integer(op)) {
        return pl_error_set(PL_ERR_RUNTIME, "result type Float can't be cast to the desired output type %s",
                            pl_dtype_scalar_name(a->dtype));
    }
    st = run_unary(op, a, a);
    if (st == PL_OK) pl_tensor_bump_version(a);
    return st;
}

/* ---- pow with a scalar exponent ---- */

static pl_status
pow_scalar_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    double e = node->scalars[0];
    pl_tensor *x = pl_node_saved(node, 0);
    if (!x) return pl_error_status();
    if (e == 0.0) {
        din[0] = pl_tensor_zeros(g->ndim, g->shape, g->dtype);
        return din[0] ? PL_OK : pl_error_status();
    }
    /* g * (e * x^(e-1)) */
    pl_tensor *p = pl_pow_scalar(x, e - 1.0);
    pl_tensor *ep = p ? pl_scale(p, e) : NULL;
    din[0] = ep ? pl_binary(PL_MUL, g, ep, 1, false, false) : NULL;
    pl_tensor_release(p);
    pl_tensor_release(ep);
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind pow_scalar_kind = {"PowBackward0", pow_scalar_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_pow_scalar(pl_tensor *a, double e)
{
    pl_tensor *out;
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    if (e == 2.0) {
        out = pl_binary(PL_MUL, a, a, 1, false, false);
    } else if (e == 1.0) {
        out = pl_clone(a);
    } else if (e == 0.5 && pl_dtype_is_floating(a->dtype)) {
        out = pl_unary(PL_SQRT, a);
    } else if (e == -1.0 && pl_dtype_is_floating(a->dtype)) {
        out = pl_unary(PL_RECIPROCAL, a);
    } else if (e == -0.5 && pl_dtype_is_floating(a->dtype)) {
        out = pl_unary(PL_RSQRT, a);
    } else if (e == 3.0) {
        pl_tensor *sq = pl_binary(PL_MUL, a, a, 1, false, false);
        out = sq ? pl_binary(PL_MUL, sq, a, 1, false, false) : NULL;
        pl_tensor_release(sq);
    } else {
        bool integral = e == floor(e) && fabs(e) < 9.007199254740992e15;
        pl_tensor *k = pl_tensor_scalar(e, integral && !pl_dtype_is_floating(a->dtype) ? PL_INT64 : PL_FLOAT64);
        out = k ? pl_binary(PL_POW, a, k, 1, false, true) : NULL;
        pl_tensor_release(k);
    }
    pl_set_grad_enabled(was);
    if (!out) return NULL;
    if (pl_dtype_is_floating(out->dtype) && pl_needs_grad(&a, 1)) {
        pl_node *node = pl_node_new(&pow_scalar_kind, &a, 1);
        if (!node || pl_node_save(node, 0, a) != PL_OK) {
            pl_node_release(node);
            pl_tensor_release(out);
            return NULL;
        }
        node->scalars[0] = e;
        pl_node_attach(out, node);
    }
    return out;
}

/* a.pow_(e): the result replaces a (and its history, when recorded) */
pl_status
pl_pow_scalar_(pl_tensor *a, double e)
{
    pl_status st = pl_check_inplace(a);
    if (st == PL_OK) st = pl_check_no_overlap(a);
    if (st != PL_OK) return st;
    pl_tensor *r = pl_pow_scalar(a, e);
    if (!r) return pl_error_status();
    if (r->grad_fn) {
        st = pl_rebase_inplace(a, r);
    } else {
        st = pl_copy_raw(a, r);
        if (st == PL_OK) pl_tensor_bump_version(a);
    }
    pl_tensor_release(r);
    return st;
}

/* ---- clamp, leaky_relu, where ---- */

typedef struct {
    bool has_min, has_max;
    double min, max;
} clamp_ctx;

/* A bound for an int64 clamp: saturated to int64's range (a double bound past it cannot be
 * converted), so clamp(-2^63, 2^63 - 1), whose bounds round to +-2^63, keeps every value. */
static inline int64_t
clamp_bound_i64(double d)
{
    if (d >= 9223372036854775808.0) return INT64_MAX;
    if (d < -9223372036854775808.0) return INT64_MIN;
    return d == d ? (int64_t)d : 0; /* nan: not used (see has_bound) */
}
#define CLAMP_BOUND_FLOAT(T, d) ((T)(d))
#define CLAMP_BOUND_INT(T, d) clamp_bound_i64(d)

/* Note: PyTorch promotes an int64 tensor clamped with float bounds to float; here the result
 * keeps int64, and a nan bound leaves int64 values alone (FLOATING is 0 for int64). */
#define DEFINE_CLAMP(NAME, T, BOUND, FLOATING)                                               \
    static void NAME(char **p, const int64_t *s, int64_t n, void *vctx)                      \
    {                                                                                        \
        const clamp_ctx *c = vctx;                                                           \
        bool has_min = c->has_min && (FLOATING || c->min == c->min);                         \
        bool has_max = c->has_max && (FLOATING || c->max == c->max);                         \
        T lo = has_min ? BOUND(T, c->min) : 0, hi = has_max ? BOUND(T, c->max) : 0;         \
        int64_t so = s[0] / (int64_t)sizeof(T), sa = s[1] / (int64_t)sizeof(T);              \
        T *out = (T *)p[0];                                                                  \
        const T *a = (const T *)p[1];                                                        \
        for (int64_t i = 0; i < n; i++) {                                                    \
            T x = a[i * sa];                                                                 \
            /* a nan input stays nan; a nan bound makes every result nan, as in PyTorch */    \
            if (x == x) {                                                                    \
                if (has_min && !(x >= lo)) x = lo;                                           \
                if (has_max && x == x && !(x <= hi)) x = hi;                                 \
            }                                                                                \
            out[i * so] = x;                                                                 \
        }                                                                                    \
    }
DEFINE_CLAMP(clamp_f32, float, CLAMP_BOUND_FLOAT, 1)
DEFINE_CLAMP(clamp_f64, double, CLAMP_BOUND_FLOAT, 1)
DEFINE_CLAMP(clamp_i64, int64_t, CLAMP_BOUND_INT, 0)

static pl_status
clamp_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *x = pl_node_saved(node, 0);
    if (!x) return pl_error_status();
    /* the gradient passes where min <= x <= max */
    pl_tensor *mask = pl_tensor_full(x->ndim, x->shape, PL_BOOL, 1.0);
    if (!mask) return pl_error_status();
    for (int k = 0; k < 2; k++) {
        if (!node->ints[k]) continue;
        pl_tensor *lim = pl_tensor_scalar(node->scalars[k], PL_FLOAT64);
        pl_tensor *m = lim ? pl_binary(k == 0 ? PL_GE : PL_LE, x, lim, 1, false, true) : NULL;
        pl_tensor *both = m ? pl_binary(PL_MUL, mask, m, 1, false, false) : NULL;
        pl_tensor_release(lim);
        pl_tensor_release(m);
        pl_tensor_release(mask);
        mask = both;
        if (!mask) return pl_error_status();
    }
    pl_tensor *zero = pl_tensor_scalar(0.0, g->dtype);
    din[0] = zero ? pl_where(mask, g, zero) : NULL;
    pl_tensor_release(zero);
    pl_tensor_release(mask);
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind clamp_kind = {"ClampBackward1", clamp_backward, PL_KIND_DIFFERENTIABLE};

static pl_status
run_clamp(pl_tensor *out, pl_tensor *a, clamp_ctx *c)
{
    if (!pl_dtype_is_compute(out->dtype)) {
        /* a storage dtype: clamp in its compute dtype, to bounds cast to out's dtype first as
         * PyTorch casts them (uint8 clamp(min=-1) clamps to 255) */
        clamp_ctx cc = *c;
        if ((cc.has_min && pl_check_scalar_fits(cc.min, out->dtype) != PL_OK) ||
            (cc.has_max && pl_check_scalar_fits(cc.max, out->dtype) != PL_OK)) {
            return pl_error_status(); /* PyTorch's checked conversion of the bounds */
        }
        if (cc.has_min && cc.min == cc.min) cc.min = pl_double_as_dtype(cc.min, out->dtype);
        if (cc.has_max && cc.max == cc.max) cc.max = pl_double_as_dtype(cc.max, out->dtype);
        c = &cc;
        pl_tensor *ca = pl_to_dtype(a, pl_dtype_compute(out->dtype));
        pl_tensor *tmp = ca ? pl_tensor_empty(out->ndim, out->shape, ca->dtype) : NULL;
        pl_status st = tmp ? run_clamp(tmp, ca, c) : pl_error_status();
        if (st == PL_OK) st = pl_copy_raw(out, tmp);
        pl_tensor_release(ca);
        pl_tensor_release(tmp);
        return st;
    }
    pl_inner_fn fn = out->dtype == PL_FLOAT32 ? clamp_f32 : out->dtype == PL_FLOAT64 ? clamp_f64
                     : out->dtype == PL_INT64 ? clamp_i64 : NULL;
    if (!fn) return pl_error_set(PL_ERR_RUNTIME, "\"clamp\" not implemented for 'Bool'");
    pl_loop loop;
    pl_loop_init(&loop, out->ndim, out->shape);
    pl_loop_add(&loop, out);
    pl_loop_add(&loop, a);
    pl_loop_run(&loop, fn, c);
    return PL_OK;
}

pl_tensor *
pl_clamp(pl_tensor *a, bool has_min, double min, bool has_max, double max)
{
    if (!has_min && !has_max) {
        pl_error_set(PL_ERR_RUNTIME, "torch.clamp: At least one of 'min' or 'max' must not be None");
        return NULL;
    }
    clamp_ctx c = {has_min, has_max, min, max};
    pl_tensor *out = pl_tensor_empty(a->ndim, a->shape, a->dtype);
    if (!out) return NULL;
    if (run_clamp(out, a, &c) != PL_OK) {
        pl_tensor_release(out);
        return NULL;
    }
    if (pl_dtype_is_floating(a->dtype) && pl_needs_grad(&a, 1)) {
        pl_node *node = pl_node_new(&clamp_kind, &a, 1);
        if (!node || pl_node_save(node, 0, a) != PL_OK) {
            pl_node_release(node);
            pl_tensor_release(out);
            return NULL;
        }
        node->ints[0] = has_min;
        node->ints[1] = has_max;
        node->scalars[0] = min;
        node->scalars[1] = max;
        pl_node_attach(out, node);
    }
    return out;
}

pl_status
pl_clamp_(pl_tensor *a, bool has_min, double min, bool has_max, double max)
{
    pl_status st = pl_check_inplace(a);
    if (st == PL_OK) st = pl_check_no_overlap(a);
    if (st != PL_OK) return st;
    if (pl_needs_grad(&a, 1)) {
        pl_tensor *r = pl_clamp(a, has_min, min, has_max, max);
        if (!r) return pl_error_status();
        st = pl_rebase_inplace(a, r);
        pl_tensor_release(r);
        return st;
    }
    if (!has_min && !has_max) {
        return pl_error_set(PL_ERR_RUNTIME, "torch.clamp: At least one of 'min' or 'max' must not be None");
    }
    clamp_ctx c = {has_min, has_max, min, max};
    st = run_clamp(a, a, &c);
    if (st == PL_OK) pl_tensor_bump_version(a);
    return st;
}

static pl_status
leaky_relu_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *x = pl_node_saved(node, 0);
    if (!x) return pl_error_status();
    pl_tensor *zero = pl_tensor_scalar(0.0, PL_FLOAT64);
    pl_tensor *pos = zero ? pl_binary(PL_GT, x, zero, 1, false, true) : NULL;
    pl_tensor *neg = pos ? pl_scale(g, node->scalars[0]) : NULL;
    din[0] = neg ? pl_where(pos, g, neg) : NULL;
    pl_tensor_release(zero);
    pl_tensor_release(pos);
    pl_tensor_release(neg);
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind leaky_relu_kind = {"LeakyReluBackward0", leaky_relu_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_leaky_relu(pl_tensor *a, double slope)
{
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    pl_tensor *zero = pl_tensor_scalar(0.0, PL_FLOAT64);
    pl_tensor *pos = zero ? pl_binary(PL_GT, a, zero, 1, false, true) : NULL;
    pl_tensor *neg = pos ? pl_scale(a, slope) : NULL;
    pl_tensor *out = neg ? pl_where(pos, a, neg) : NULL;
    pl_tensor_release(zero);
    pl_tensor_release(pos);
    pl_tensor_release(neg);
    pl_set_grad_enabled(was);
    if (out && pl_needs_grad(&a, 1)) {
        pl_node *node = pl_node_new(&leaky_relu_kind, &a, 1);
        if (!node || pl_node_save(node, 0, a) != PL_OK) {
            pl_node_release(node);
            pl_tensor_release(out);
            return NULL;
        }
        node->scalars[0] = slope;
        pl_node_attach(out, node);
    }
    return out;
}

#define DEFINE_WHERE(NAME, T)                                                                \
    static void NAME(char **p, const int64_t *s, int64_t n, void *vctx)                      \
    {                                                                                        \
        (void)vctx;                                                                          \
        for (int64_t i = 0; i < n; i++) {                                                    \
            uint8_t c = *(const uint8_t *)(p[1] + i * s[1]);                                 \
            *(T *)(p[0] + i * s[0]) = c ? *(const T *)(p[2] + i * s[2])                      \
                                        : *(const T *)(p[3] + i * s[3]);                     \
        }                                                                                    \
    }
DEFINE_WHERE(where_1, uint8_t)
DEFINE_WHERE(where_2, uint16_t)
DEFINE_WHERE(where_4, uint32_t)
DEFINE_WHERE(where_8, int64_t)

static pl_status
where_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *c = pl_node_saved(node, 0);
    if (!c) return pl_error_status();
    pl_tensor *zero = pl_tensor_scalar(0.0, g->dtype);
    if (!zero) return pl_error_status();
    if (node->next[1].fn) din[1] = pl_where(c, g, zero);
    if (node->next[2].fn) din[2] = pl_where(c, zero, g);
    pl_tensor_release(zero);
    if ((node->next[1].fn && !din[1]) || (node->next[2].fn && !din[2])) return pl_error_status();
    return PL_OK;
}
static const pl_node_kind where_kind = {"WhereBackward0", where_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_where(pl_tensor *cond, pl_tensor *a, pl_tensor *b)
{
    if (cond->dtype != PL_BOOL) {
        pl_error_set(PL_ERR_RUNTIME, "where expected condition to be a boolean tensor, but got a "
                                     "tensor with dtype %s", pl_dtype_name(cond->dtype));
        return NULL;
    }
    int nd1, nd;
    int64_t s1[PL_MAX_DIMS], shape[PL_MAX_DIMS];
    if (pl_broadcast_shapes(a->ndim, a->shape, b->ndim, b->shape, &nd1, s1) != PL_OK ||
        pl_broadcast_shapes(cond->ndim, cond->shape, nd1, s1, &nd, shape) != PL_OK) {
        return NULL;
    }
    pl_dtype dt = pl_result_type(a, false, b, false);
    pl_tensor *ca = pl_to_dtype(a, dt), *cb = ca ? pl_to_dtype(b, dt) : NULL;
    pl_tensor *out = cb ? pl_tensor_empty(nd, shape, dt) : NULL;
    if (!out) {
        pl_tensor_release(ca);
        pl_tensor_release(cb);
        return NULL;
    }
    size_t es = pl_dtype_size(dt);
    pl_loop loop;
    pl_loop_init(&loop, nd, shape);
    pl_loop_add(&loop, out);
    pl_loop_add(&loop, cond);
    pl_loop_add(&loop, ca);
    pl_loop_add(&loop, cb);
    pl_loop_run(&loop, es == 1 ? where_1 : es == 2 ? where_2 : es == 4 ? where_4 : where_8, NULL);
    pl_tensor_release(ca);
    pl_tensor_release(cb);
    pl_tensor *ins[3] = {cond, a, b};
    if (pl_dtype_is_floating(dt) && pl_needs_grad(ins, 3)) {
        pl_node *node = pl_node_new(&where_kind, ins, 3);
        if (!node || pl_node_save(node, 0, cond) != PL_OK) {
            pl_node_release(node);
            pl_tensor_release(out);
            return NULL;
        }
        pl_node_attach(out, node);
    }
    return out;
}
