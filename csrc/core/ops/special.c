/* special.c — the error function and the GELU activation built on it (exact, and PyTorch's
 * tanh approximation), each with its backward (ErfBackward0, GeluBackward0).
 *
 * Float32 tensors are computed in float, float64 in double, with libm's erf/exp/tanh: the
 * results agree with PyTorch's own CPU kernels to within an ulp or so, not bit for bit (PyTorch
 * hands GELU on float tensors of more than one element to oneDNN, whose erf is coarser). When
 * MKL's VML route is on (vml.h), erf goes through vmsErf/vmdErf and its backward is composed
 * as PyTorch's formula, 2/sqrt(pi) * exp(-(x^2)) * g, with VML's exp: PyTorch's bits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "expr.h"
#include "internal.h"

#define SQRT1_2 0.70710678118654752440  /* 1 / sqrt(2) */
#define TWO_SQRTPI 1.12837916709551257390 /* 2 / sqrt(pi) */
#define SQRT2 1.41421356237309504880
#define GELU_KAPPA 0.044715

/* ---- scalar formulas, one per dtype ---- */

#define DEFINE_GELU(SUF, T, ERF, EXP, TANH)                                                    \
    static inline T gelu_##SUF(T x)                                                            \
    {                                                                                          \
        return x * (T)0.5 * ((T)1 + ERF(x * (T)SQRT1_2));                                      \
    }                                                                                          \
    static inline T gelu_tanh_##SUF(T x)                                                       \
    {                                                                                          \
        const T beta = (T)(SQRT2 * TWO_SQRTPI * 0.5);                                          \
        T x_cube = x * x * x;                                                                  \
        T inner = beta * (x + (T)GELU_KAPPA * x_cube);                                         \
        return (T)0.5 * x * ((T)1 + TANH(inner));                                              \
    }                                                                                          \
    /* d gelu / dx = Phi(x) + x * phi(x) */                                                    \
    static inline T dgelu_##SUF(T x)                                                           \
    {                                                                                          \
        const T alpha = (T)(TWO_SQRTPI * SQRT1_2 * 0.5);                                       \
        T cdf = (T)0.5 * ((T)1 + ERF(x * (T)SQRT1_2));                                         \
        T pdf = alpha * EXP((T)-0.5 * x * x);                                                  \
        return cdf + x * pdf;                                                                  \
    }                                                                                          \
    static inline T dgelu_tanh_##SUF(T x)                                                      \
    {                                                                                          \
        const T beta = (T)(SQRT2 * TWO_SQRTPI * 0.5);                                          \
        T x_sq = x * x;                                                                        \
        T inner = beta * (x + (T)GELU_KAPPA * x_sq * x);                                       \
        T th = TANH(inner);                                                                    \
        T left = (T)0.5 * x, right = (T)1 + th;                                                \
        T dleft = (T)0.5 * right;                                                              \
        T dinner = beta * ((T)1 + (T)3 * (T)GELU_KAPPA * x_sq);                                \
        T dright = left * ((T)1 - th * th) * dinner;                                           \
        return dleft + dright;                                                                 \
    }                                                                                          \
    static inline T derf_##SUF(T x)                                                            \
    {                                                                                          \
        return (T)TWO_SQRTPI * EXP(-(x * x));                                                  \
    }

DEFINE_GELU(f32, float, erff, expf, tanhf)
DEFINE_GELU(f64, double, erf, exp, tanh)

typedef enum special_fn {
    FN_ERF, FN_GELU, FN_GELU_TANH, FN_DERF, FN_DGELU, FN_DGELU_TANH
} special_fn;

/* out[i] = f(x[i]) (or g[i] * f'(x[i]) for the derivatives); all contiguous, one dtype. */
static void
special_run(special_fn fn, pl_dtype dt, const void *x_, const void *g_, void *out_, int64_t n)
{
    if (dt == PL_FLOAT32) {
        const float *x = x_, *g = g_; /* (n) */
        float *out = out_;
        for (int64_t i = 0; i < n; i++) {
            switch (fn) {
            case FN_ERF: out[i] = erff(x[i]); break;
            case FN_GELU: out[i] = gelu_f32(x[i]); break;
            case FN_GELU_TANH: out[i] = gelu_tanh_f32(x[i]); break;
            case FN_DERF: out[i] = g[i] * derf_f32(x[i]); break;
            case FN_DGELU: out[i] = g[i] * dgelu_f32(x[i]); break;
            case FN_DGELU_TANH: out[i] = g[i] * dgelu_tanh_f32(x[i]); break;
            }
        }
    } else {
        const double *x = x_, *g = g_; /* (n) */
        double *out = out_;
        for (int64_t i = 0; i < n; i++) {
            switch (fn) {
            case FN_ERF: out[i] = erf(x[i]); break;
            case FN_GELU: out[i] = gelu_f64(x[i]); break;
            case FN_GELU_TANH: out[i] = gelu_tanh_f64(x[i]); break;
            case FN_DERF: out[i] = g[i] * derf_f64(x[i]); break;
            case FN_DGELU: out[i] = g[i] * dgelu_f64(x[i]); break;
            case FN_DGELU_TANH: out[i] = g[i] * dgelu_tanh_f64(x[i]); break;
            }
        }
    }
}

/* whether ATen's loop takes t through its vector lambda: contiguous, or one value broadcast
 * (every dim of size above 1 of stride 0) */
static bool
vector_operand(const pl_tensor *t)
{
    if (pl_tensor_is_contiguous(t)) return true;
    for (int d = 0; d < t->ndim; d++)
        if (t->shape[d] > 1 && t->strides[d] != 0) return false;
    return true;
}

/* gelu (tanh form) or its backward into contiguous out as ATen's kernel computes it: SLEEF's
 * tanh on its vector blocks over the operands' memory order (the contiguous copies xc, gc when
 * each operand is contiguous or one broadcast value; x's own storage order when x is a dense
 * permutation, as a transposed tensor, and g is laid out as x), else the scalar lambda
 * throughout, as ATen's loop takes a strided operand (a 1-d view; ATen's per-row split of a
 * tensor with contiguous rows is not followed). */
static pl_status
gelu_aten(pl_aten_fn fn, pl_tensor *out, pl_tensor *x, pl_tensor *xc, pl_tensor *g,
          pl_tensor *gc)
{
    bool f64 = x->dtype == PL_FLOAT64;
    if (vector_operand(x) && (!g || vector_operand(g))) {
        pl_aten_run(fn, f64, pl_tensor_data(out), pl_tensor_data(xc),
                    gc ? pl_tensor_data(gc) : NULL, x->numel);
        return PL_OK;
    }
    bool same = !g || memcmp(g->strides, x->strides, sizeof(int64_t) * (size_t)x->ndim) == 0;
    if (!pl_non_overlapping_and_dense(x) || !same) {
        pl_aten_run_scalar(fn, f64, pl_tensor_data(out), pl_tensor_data(xc),
                           gc ? pl_tensor_data(gc) : NULL, x->numel);
        return PL_OK;
    }
    int64_t n = x->numel;
    pl_tensor *flat = pl_tensor_empty(1, &n, x->dtype);
    if (!flat) return pl_error_status();
    pl_aten_run(fn, f64, pl_tensor_data(flat), pl_tensor_data(x), g ? pl_tensor_data(g) : NULL, n);
    pl_tensor *view = pl_as_strided_nograd(flat, x->ndim, x->shape, x->strides, 0);
    pl_status st = view ? pl_copy_raw(out, view) : pl_error_status();
    pl_tensor_release(view);
    pl_tensor_release(flat);
    return st;
}

/* f applied to a floating tensor x: a new contiguous tensor of x's shape and dtype. */
static pl_tensor *
special_apply(special_fn fn, pl_tensor *x, pl_tensor *g)
{
    if (fn == FN_ERF && pl_vml_enabled() && (x->dtype == PL_FLOAT32 || x->dtype == PL_FLOAT64)) {
        pl_tensor *r = pl_tensor_empty(x->ndim, x->shape, x->dtype);
        if (r && pl_vml_unary(PL_VML_ERF, r, x) != PL_OK) {
            pl_tensor_release(r);
            r = NULL;
        }
        return r;
    }
    pl_tensor *xc = pl_contiguous(x), *gc = g ? pl_contiguous(g) : NULL;
    pl_tensor *out = NULL;
    if (xc && (!g || gc)) {
        out = pl_tensor_empty(x->ndim, x->shape, x->dtype);
        bool aten = (x->dtype == PL_FLOAT32 || x->dtype == PL_FLOAT64) &&
                    (fn == FN_GELU_TANH || fn == FN_DGELU_TANH);
        if (out && aten) {
            pl_aten_fn afn = fn == FN_GELU_TANH ? PL_ATEN_GELU_TANH : PL_ATEN_GELU_TANH_BACKWARD;
            if (gelu_aten(afn, out, x, xc, g, gc) != PL_OK) {
                pl_tensor_release(out);
                out = NULL;
            }
        } else if (out) {
            special_run(fn, x->dtype, pl_tensor_data(xc), gc ? pl_tensor_data(gc) : NULL,
                        out->storage->data, x->numel);
        }
    }
    pl_tensor_release(xc);
    pl_tensor_release(gc);
    return out;
}

/* ---- composed derivatives, for a backward that records its own graph (create_graph) ----
 * Each keeps its terms in the scope s (ops/expr.h) and returns d(x) borrowed from it. */

/* exp(sc * x * x) * k */
static pl_tensor *
gauss(pl_expr *s, pl_tensor *x, double sc, double k)
{
    return ex_scale(s, ex_un(s, PL_EXP, ex_scale(s, ex_mul(s, x, x), sc)), k);
}

/* d/dx erf(x) = 2/sqrt(pi) exp(-x^2) */
static pl_tensor *
derf_composed(pl_expr *s, pl_tensor *x)
{
    /* PyTorch's order: 2/sqrt(pi) * exp(-(x * x)) */
    return ex_scale(s, ex_un(s, PL_EXP, ex_neg(s, ex_mul(s, x, x))), TWO_SQRTPI);
}

/* gelu'(x) = Phi(x) + x phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2 */
static pl_tensor *
dgelu_composed(pl_expr *s, pl_tensor *x)
{
    pl_tensor *u = ex_scale(s, x, 0.7071067811865476);
    pl_tensor *phi_cdf = ex_scale(s, ex_addk(s, ex_keep(s, u ? pl_erf(u) : NULL), 1.0), 0.5);
    pl_tensor *phi = phi_cdf ? gauss(s, x, -0.5, 0.3989422804014327) : NULL;
    return ex_add(s, phi_cdf, ex_mul(s, x, phi));
}

/* tanh form: u = k (x + c x^3), t = tanh(u):
 * gelu'(x) = (1 + t) / 2 + x (1 - t^2) k (1 + 3 c x^2) / 2 */
static pl_tensor *
dgelu_tanh_composed(pl_expr *s, pl_tensor *x)
{
    const double k = 0.7978845608028654, c = 0.044715;
    pl_tensor *x2 = ex_mul(s, x, x);
    pl_tensor *u = ex_scale(s, ex_add(s, x, ex_scale(s, ex_mul(s, x2, x), c)), k);
    pl_tensor *t = ex_un(s, PL_TANH, u);
    pl_tensor *half_1t = ex_scale(s, ex_addk(s, t, 1.0), 0.5);
    pl_tensor *t2 = ex_mul(s, t, t);
    pl_tensor *poly = ex_addk(s, ex_scale(s, x2, 3.0 * c), 1.0);
    /* x (1 - t^2) k (1 + 3 c x^2) / 2 = (x - x t^2) * (k / 2) (1 + 3 c x^2) */
    pl_tensor *rest = ex_scale(s, ex_mul(s, ex_sub(s, x, ex_mul(s, x, t2)), poly), 0.5 * k);
    return ex_add(s, half_1t, rest);
}

/* g * d(x) with d composed of recording ops */
static pl_status
composed_grad(pl_tensor *(*d)(pl_expr *, pl_tensor *), pl_tensor *x, pl_tensor *g, pl_tensor **din)
{
    pl_expr s = {.n = 0};
    din[0] = pl_expr_result(&s, ex_mul(&s, g, d(&s, x)));
    return din[0] ? PL_OK : pl_error_status();
}

/* ---- erf ---- */

static pl_status
erf_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *x = pl_node_saved(node, 0);
    if (!x) return pl_error_status();
    bool vml = pl_vml_enabled() && (x->dtype == PL_FLOAT32 || x->dtype == PL_FLOAT64);
    if (vml || (pl_grad_enabled() && (x->requires_grad || g->requires_grad))) {
        return composed_grad(derf_composed, x, g, din);
    }
    pl_tensor *gx = pl_to_dtype(g, x->dtype);
    din[0] = gx ? special_apply(FN_DERF, x, gx) : NULL;
    pl_tensor_release(gx);
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind erf_kind = {"ErfBackward0", erf_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_erf(pl_tensor *a)
{
    if (pl_is_half(a)) PL_RUN_IN_COMPUTE(a, pl_erf(c_));
    if (!pl_dtype_is_floating(a->dtype) && !pl_dtype_is_compute(pl_default_float)) {
        pl_tensor *d = pl_to_dtype(a, pl_default_float); /* a float16 default dtype */
        pl_tensor *r = d ? pl_erf(d) : NULL;
        pl_tensor_release(d);
        return r;
    }
    /* integer and bool inputs give the default floating dtype, as in PyTorch */
    pl_tensor *x = pl_dtype_is_floating(a->dtype) ? pl_tensor_retain(a)
                                                  : pl_to_dtype(a, pl_default_float);
    if (!x) return NULL;
    pl_tensor *out = special_apply(FN_ERF, x, NULL);
    if (out && pl_dtype_is_floating(a->dtype) && pl_needs_grad(&a, 1)) {
        out = pl_record(out, &erf_kind, &a, 1, &a, 1, NULL);
    }
    pl_tensor_release(x);
    return out;
}

/* ---- gelu ---- */

static pl_status
gelu_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *x = pl_node_saved(node, 0);
    if (!x) return pl_error_status();
    if (pl_grad_enabled() && (x->requires_grad || g->requires_grad)) {
        return composed_grad(node->ints[0] ? dgelu_tanh_composed : dgelu_composed, x, g, din);
    }
    pl_tensor *gx = pl_to_dtype(g, x->dtype);
    din[0] = gx ? special_apply(node->ints[0] ? FN_DGELU_TANH : FN_DGELU, x, gx) : NULL;
    pl_tensor_release(gx);
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind gelu_kind = {"GeluBackward0", gelu_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_gelu(pl_tensor *a, bool approximate_tanh)
{
    if (!pl_dtype_is_floating(a->dtype)) {
        pl_error_set(PL_ERR_NOTIMPL, "\"GeluKernelImpl\" not implemented for '%s'",
                     pl_dtype_scalar_name(a->dtype));
        return NULL;
    }
    if (pl_is_half(a)) PL_RUN_IN_COMPUTE(a, pl_gelu(c_, approximate_tanh));
    pl_tensor *out = special_apply(approximate_tanh ? FN_GELU_TANH : FN_GELU, a, NULL);
    if (out && pl_needs_grad(&a, 1)) {
        pl_node *node;
        if (!(out = pl_record(out, &gelu_kind, &a, 1, &a, 1, &node))) return NULL;
        node->ints[0] = approximate_tanh;
    }
    return out;
}
