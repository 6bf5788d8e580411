/* unary.c — the unary elementwise ops of the op table (op_table.h: exp, log, relu, tanh, the
 * trigonometric functions ...), clamp, leaky_relu and where: kernels, backwards and in-place
 * forms (pow with a scalar exponent: pow_scalar.c). */
#include <string.h>
#include <tgmath.h> /* the table's float expressions serve float and double */

#include "../autograd.h"
#include "../ops.h"
#include "../vml.h"
#include "expr.h"
#include "internal.h"
#include "special_bessel.h"
#include "special_bessel_grad.h"
#include "special_fn.h"

/* ---- the table's kernels ---- */

/* One kernel: out = EXPR(x) over one run, with a tight loop for contiguous operands; x is
 * read as CT (bool as int64, so integer expressions serve it without unsigned warnings). */
#define DEFINE_UNARY_AS(NAME, T, CT, EXPR)                                                   \
    static void NAME(char **p, const int64_t *s, int64_t n, void *ctx)                       \
    {                                                                                        \
        typedef T scalar_t;                                                                  \
        (void)ctx;                                                                           \
        scalar_t *out = (scalar_t *)p[0];                                                    \
        const scalar_t *a = (const scalar_t *)p[1];                                          \
        if (s[0] == sizeof(T) && s[1] == sizeof(T)) {                                        \
            for (int64_t i = 0; i < n; i++) {                                                \
                CT x = a[i];                                                                 \
                out[i] = (scalar_t)(EXPR);                                                   \
            }                                                                                \
        } else {                                                                             \
            int64_t so = s[0] / (int64_t)sizeof(T), sa = s[1] / (int64_t)sizeof(T);          \
            for (int64_t i = 0; i < n; i++) {                                                \
                CT x = a[i * sa];                                                            \
                out[i * so] = (scalar_t)(EXPR);                                              \
            }                                                                                \
        }                                                                                    \
    }
#define DEFINE_UNARY(NAME, T, EXPR) DEFINE_UNARY_AS(NAME, T, T, EXPR)

/* sin(pi x) / (pi x), 1 at 0, in the element type (as PyTorch's sinc) */
#define pl_sinc(x) ((x) == 0 ? (scalar_t)1 : sin((scalar_t)3.14159265358979323846 * (x)) /      \
                                                 ((scalar_t)3.14159265358979323846 * (x)))

/* expm1 and log1p as ATen's kernels compute them: SLEEF's (sleef_exp.c) under the AVX2 and
 * AVX-512 capabilities, the C library's under "default" (ATen's default Vectorized applies
 * std::expm1 / std::log1p lane by lane), which is also the plain reference. */
#define ATEN_OR_LIBM_(name, T, sleef, libm)                                                  \
    static inline T name(T x)                                                                \
    {                                                                                        \
        return pl_aten_capability() == PL_ATEN_DEFAULT ? libm(x) : sleef(x);                 \
    }
ATEN_OR_LIBM_(aten_expm1_f32, float, pl_sleef_expm1f, expm1f)
ATEN_OR_LIBM_(aten_expm1_f64, double, pl_sleef_expm1, expm1)
/* SLEEF's AVX-512 log1pf lets a NaN through (quieted), its AVX2 build gives the default NaN */
static inline float
aten_log1p_f32(float x)
{
    int cap = pl_aten_capability();
    if (cap == PL_ATEN_AVX512 && isnan(x)) return x + x;
    return cap == PL_ATEN_DEFAULT ? log1pf(x) : pl_sleef_log1pf(x);
}
ATEN_OR_LIBM_(aten_log1p_f64, double, pl_sleef_log1p, log1p)
#define pl_aten_expm1(x) _Generic((x), float: aten_expm1_f32, double: aten_expm1_f64)(x)
#define pl_aten_log1p(x) _Generic((x), float: aten_log1p_f32, double: aten_log1p_f64)(x)

/* The DT column: which integer kernels a row has (int64, bool). */
#define UNARY_INT_FLOAT(NAME, EXPR)
#define UNARY_INT_INT(NAME, EXPR) DEFINE_UNARY(NAME##_i64, int64_t, EXPR)
#define UNARY_INT_ALL(NAME, EXPR)                                                            \
    DEFINE_UNARY(NAME##_i64, int64_t, EXPR)                                                  \
    DEFINE_UNARY_AS(NAME##_b, uint8_t, int64_t, EXPR)
#define UNARY_KERNELS(E, name, grad_fn, DT, SAVE, PY, fwd, ifwd, dx)                          \
    DEFINE_UNARY(name##_f32, float, fwd)                                                     \
    DEFINE_UNARY(name##_f64, double, fwd)                                                    \
    UNARY_INT_##DT(name, ifwd)
PL_UNARY_OPS(UNARY_KERNELS)

/* [op][dtype], dtype order bool, int64, float32, float64; NULL: not defined for that dtype */
#define KERNEL_ROW_FLOAT(name) {NULL, NULL, name##_f32, name##_f64}
#define KERNEL_ROW_INT(name) {NULL, name##_i64, name##_f32, name##_f64}
#define KERNEL_ROW_ALL(name) {name##_b, name##_i64, name##_f32, name##_f64}
#define UNARY_KERNEL_ROW(E, name, grad_fn, DT, ...) [PL_##E] = KERNEL_ROW_##DT(name),
static const pl_inner_fn unary_kernels[PL_NUM_UNOPS][PL_NUM_DTYPES] = {
    PL_UNARY_OPS(UNARY_KERNEL_ROW)};

#define UNARY_NAME(E, name, ...) [PL_##E] = #name,
static const char *const unop_names[PL_NUM_UNOPS] = {PL_UNARY_OPS(UNARY_NAME)};

/* ops that keep integer dtypes; the others compute in the default float dtype */
#define KEEPS_INT_FLOAT 0
#define KEEPS_INT_INT 1
#define KEEPS_INT_ALL 1
#define UNARY_KEEPS_INT(E, name, grad_fn, DT, ...) [PL_##E] = KEEPS_INT_##DT,
static const bool unary_keeps_int[PL_NUM_UNOPS] = {PL_UNARY_OPS(UNARY_KEEPS_INT)};

/* which of (input, result) the backward reads: bit 0 the input, bit 1 the result */
#define SAVES_NONE 0
#define SAVES_IN 1
#define SAVES_OUT 2
#define UNARY_SAVES(E, name, grad_fn, DT, SAVE, ...) [PL_##E] = SAVES_##SAVE,
static const unsigned char unary_saves[PL_NUM_UNOPS] = {PL_UNARY_OPS(UNARY_SAVES)};

/* ---- the table's backward formulas ---- */

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

/* tanh's gradient as PyTorch's kernel computes it, g * (1 - y * y) with 1 - y * y one FMA
 * (the compiler that built torch fused it, in its vector loop and its scalar tail alike; not
 * under the "default" capability, whose code has no FMA): checked against torch. NULL, as
 * relu_backward_fast, when the general path must run. */
#if defined(__x86_64__) && defined(__GNUC__)
#define TANH_BW_FMA(S, T, FMA)                                                                \
    __attribute__((target("avx2,fma"))) static void tanh_bw_fma_##S(                          \
        T *restrict o, const T *restrict g, const T *restrict y, int64_t n)                   \
    {                                                                                         \
        for (int64_t i = 0; i < n; i++) o[i] = g[i] * FMA(-y[i], y[i], (T)1);                 \
    }
TANH_BW_FMA(f32, float, fmaf)
TANH_BW_FMA(f64, double, fma)
#undef TANH_BW_FMA
#endif

static pl_tensor *
tanh_backward_fast(pl_tensor *g, pl_tensor *y)
{
    if (g->dtype != y->dtype || !pl_same_shape(g, y) || !pl_tensor_is_contiguous(y) ||
        !pl_dtype_is_floating(g->dtype) || !pl_dtype_is_compute(g->dtype))
        return NULL;
    pl_tensor *gc = pl_contiguous(g); /* an expanded gradient (y.sum().backward()) is copied */
    pl_tensor *out = gc ? pl_tensor_empty(g->ndim, g->shape, g->dtype) : NULL;
    if (!out) {
        pl_tensor_release(gc);
        pl_error_clear();
        return NULL;
    }
    int64_t n = g->numel;
    bool fused = pl_aten_capability() != PL_ATEN_DEFAULT;
    void *o = out->storage->data;
    const void *gp = pl_tensor_data(gc), *yp = pl_tensor_data(y);
    if (fused) { /* only on x86-64: elsewhere ATen's capability is "default" */
#if defined(__x86_64__) && defined(__GNUC__)
        if (g->dtype == PL_FLOAT32) tanh_bw_fma_f32(o, gp, yp, n);
        else tanh_bw_fma_f64(o, gp, yp, n);
#endif
    } else if (g->dtype == PL_FLOAT32) {
        const float *gf = gp, *yf = yp; /* (n) */
        float *of = o;
        for (int64_t i = 0; i < n; i++) of[i] = gf[i] * (1.0f - yf[i] * yf[i]);
    } else {
        const double *gd = gp, *yd = yp; /* (n) */
        double *od = o;
        for (int64_t i = 0; i < n; i++) od[i] = gd[i] * (1.0 - yd[i] * yd[i]);
    }
    pl_tensor_release(gc);
    return out;
}

static pl_tensor *
pl_tanh_backward(pl_expr *s, pl_tensor *g, pl_tensor *y)
{
    pl_tensor *fast = pl_grad_enabled() ? NULL : tanh_backward_fast(g, y);
    if (fast) return ex_keep(s, fast);
    return ex_mul(s, g, ex_ksub(s, 1, ex_mul(s, y, y)));
}

/* threshold_backward: g where the result is > 0, else 0 (recorded under create_graph) */
static pl_tensor *
pl_relu_backward(pl_expr *s, pl_tensor *g, pl_tensor *y)
{
    pl_tensor *fast = pl_grad_enabled() ? NULL : relu_backward_fast(g, y);
    if (fast) return ex_keep(s, fast);
    pl_tensor *zero = ex_keep(s, pl_tensor_scalar(0.0, y->dtype));
    return ex_where(s, ex_cmpk(s, PL_GT, y, 0), g, zero);
}

/* d sinc(x) = (cos(pi x) pi x - sin(pi x)) / (pi x^2), 0 at x = 0 */
static pl_tensor *
pl_sinc_backward(pl_expr *s, pl_tensor *g, pl_tensor *x)
{
    pl_tensor *px = ex_scale(s, x, 3.14159265358979323846);
    pl_tensor *num = ex_sub(s, ex_mul(s, ex_un(s, PL_COS, px), px), ex_un(s, PL_SIN, px));
    pl_tensor *d = ex_div(s, num, ex_mul(s, px, x));
    pl_tensor *zero = ex_keep(s, x ? pl_tensor_scalar(0.0, x->dtype) : NULL);
    return ex_mul(s, ex_where(s, ex_cmpk(s, PL_EQ, x, 0), zero, d), g);
}

/* i0e: g * (i1e(x) - sgn(x) * i0e(x)) */
static pl_tensor *
pl_i0e_backward(pl_expr *s, pl_tensor *g, pl_tensor *x)
{
    pl_tensor *y = ex_un(s, PL_SPECIAL_I0E, x);
    pl_tensor *d = ex_sub(s, ex_un(s, PL_SPECIAL_I1E, x), ex_mul(s, ex_un(s, PL_SIGN, x), y));
    return ex_mul(s, g, d);
}

/* i1: g * (i0(x) - i1(x) / x); i1e: g * (i0e(x) - i1e(x) * (sgn(x) + 1 / x)); 1/2 at 0 */
static pl_tensor *
pl_i1_backward(pl_expr *s, pl_tensor *g, pl_tensor *x, bool scaled)
{
    pl_tensor *d;
    if (scaled) {
        pl_tensor *y = ex_un(s, PL_SPECIAL_I1E, x);
        pl_tensor *k = ex_add(s, ex_un(s, PL_SIGN, x), ex_un(s, PL_RECIPROCAL, x));
        d = ex_sub(s, ex_un(s, PL_SPECIAL_I0E, x), ex_mul(s, y, k));
    } else {
        d = ex_sub(s, ex_un(s, PL_I0, x), ex_div(s, ex_un(s, PL_SPECIAL_I1, x), x));
    }
    pl_tensor *half = ex_keep(s, x ? pl_tensor_scalar(0.5, x->dtype) : NULL);
    return ex_mul(s, ex_where(s, ex_cmpk(s, PL_EQ, x, 0), half, d), g);
}

/* j1: g * (j0(x) - j1(x) / x), 1/2 at 0 */
static pl_tensor *
pl_bessel_j1_backward(pl_expr *s, pl_tensor *g, pl_tensor *x)
{
    pl_tensor *d = ex_sub(s, ex_un(s, PL_SPECIAL_BESSEL_J0, x),
                          ex_div(s, ex_un(s, PL_SPECIAL_BESSEL_J1, x), x));
    pl_tensor *half = ex_keep(s, x ? pl_tensor_scalar(0.5, x->dtype) : NULL);
    return ex_mul(s, ex_where(s, ex_cmpk(s, PL_EQ, x, 0), half, d), g);
}

/* log_ndtr: g / sqrt(2 pi) * exp(-(y + x^2 / 2)) */
static pl_tensor *
pl_log_ndtr_backward(pl_expr *s, pl_tensor *g, pl_tensor *x)
{
    pl_tensor *y = ex_un(s, PL_SPECIAL_LOG_NDTR, x);
    pl_tensor *e = ex_un(s, PL_EXP, ex_neg(s, ex_add(s, y, ex_scale(s, ex_mul(s, x, x), 0.5))));
    return ex_mul(s, ex_scale(s, g, 0.39894228040143267794), e);
}

/* silu's backward in one pass as PyTorch's kernel computes it (aten_layout.c), when g and x
 * are dense float32/float64 tensors alike; NULL otherwise (no error recorded). */
static pl_tensor *
silu_backward_fast(pl_tensor *g, pl_tensor *x)
{
    if (g->dtype != x->dtype || (g->dtype != PL_FLOAT32 && g->dtype != PL_FLOAT64) ||
        !pl_same_shape(g, x) || !pl_tensor_is_contiguous(g) || !pl_tensor_is_contiguous(x)) {
        return NULL;
    }
    pl_tensor *out = pl_tensor_empty(g->ndim, g->shape, g->dtype);
    if (!out) {
        pl_error_clear();
        return NULL;
    }
    pl_aten_run(PL_ATEN_SILU_BACKWARD, g->dtype == PL_FLOAT64, pl_tensor_data(out),
                pl_tensor_data(x), pl_tensor_data(g), g->numel);
    return out;
}

/* d silu(x) = sigmoid(x) (1 + x (1 - sigmoid(x))), in PyTorch's order of products (recorded
 * under create_graph) */
static pl_tensor *
pl_silu_backward(pl_expr *s, pl_tensor *g, pl_tensor *x)
{
    pl_tensor *fast = pl_grad_enabled() ? NULL : silu_backward_fast(g, x);
    if (fast) return ex_keep(s, fast);
    pl_tensor *sg = ex_un(s, PL_SIGMOID, x);
    pl_tensor *rest = ex_addk(s, ex_mul(s, x, ex_ksub(s, 1, sg)), 1);
    return ex_mul(s, ex_mul(s, g, sg), rest);
}

typedef pl_tensor *(*unary_dx_fn)(pl_expr *s, pl_tensor *g, pl_tensor *x, pl_tensor *y);
#define UNARY_DX(E, name, grad_fn, DT, SAVE, PY, fwd, ifwd, dx)                               \
    static pl_tensor *d_##name(pl_expr *s, pl_tensor *g, pl_tensor *x, pl_tensor *y)          \
    {                                                                                        \
        (void)x;                                                                             \
        (void)y;                                                                             \
        return dx;                                                                           \
    }
PL_UNARY_OPS(UNARY_DX)
#define UNARY_DX_ROW(E, name, ...) [PL_##E] = d_##name,
static const unary_dx_fn unary_dx[PL_NUM_UNOPS] = {PL_UNARY_OPS(UNARY_DX_ROW)};

static pl_status
unary_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_unop op = (pl_unop)node->ints[0];
    pl_tensor *x = NULL, *y = NULL;
    /* slot 0: the input, slot 1: the result (only what the op needs is saved) */
    if (pl_node_has_saved(node, 0) && !(x = pl_node_saved(node, 0))) return pl_error_status();
    if (pl_node_has_saved(node, 1) && !(y = pl_node_saved(node, 1))) return pl_error_status();
    pl_expr s = {.n = 0};
    din[0] = pl_expr_result(&s, unary_dx[op](&s, g, x, y));
    return din[0] ? PL_OK : pl_error_status();
}

#define UNARY_KIND(E, name, grad_fn, ...) [PL_##E] = {grad_fn, unary_backward, PL_KIND_DIFFERENTIABLE},
static const pl_node_kind unary_kinds[PL_NUM_UNOPS] = {PL_UNARY_OPS(UNARY_KIND)};

/* ---- the table's entry points ---- */

/* float32/float64 sigmoid, silu, sinh, cosh, atanh or exp2 of a dense a into out (both of that
 * dtype), as PyTorch computes it: in a's memory order, where ATen's vector/tail split falls (aten_layout.c); then
 * laid out as out. */
static pl_status
unary_aten(pl_aten_fn fn, pl_tensor *out, pl_tensor *a)
{
    bool f64 = a->dtype == PL_FLOAT64;
    if (pl_tensor_is_contiguous(out) && pl_tensor_is_contiguous(a)) {
        pl_aten_run(fn, f64, pl_tensor_data(out), pl_tensor_data(a), NULL, out->numel);
        return PL_OK;
    }
    int64_t n = a->numel;
    pl_tensor *flat = pl_tensor_empty(1, &n, a->dtype);
    if (!flat) return pl_error_status();
    pl_aten_run(fn, f64, pl_tensor_data(flat), pl_tensor_data(a), NULL, n);
    pl_tensor *view = pl_as_strided_nograd(flat, a->ndim, a->shape, a->strides, 0);
    pl_status st = view ? pl_copy_raw(out, view) : pl_error_status();
    pl_tensor_release(view);
    pl_tensor_release(flat);
    return st;
}

/* The rows PyTorch computes through MKL's VML for float32/float64 (vml.h); 0: none */
static const unsigned char unary_vml[PL_NUM_UNOPS] = {
    [PL_EXP] = PL_VML_EXP,   [PL_LOG] = PL_VML_LN,     [PL_LOG2] = PL_VML_LOG2,
    [PL_LOG10] = PL_VML_LOG10, [PL_SIN] = PL_VML_SIN, [PL_COS] = PL_VML_COS,
    [PL_TAN] = PL_VML_TAN,   [PL_TANH] = PL_VML_TANH, [PL_ASIN] = PL_VML_ASIN,
    [PL_ACOS] = PL_VML_ACOS, [PL_ATAN] = PL_VML_ATAN, [PL_ERFC] = PL_VML_ERFC,
    [PL_SQRT] = PL_VML_SQRT, /* VML's high-accuracy sqrt is not IEEE's correctly rounded one */
};

/* out = fn(a) through VML (out float32/float64, a of out's dtype or an integer/bool dtype, one
 * shape): VML's result for an element does not depend on where it sits in the array, so a
 * strided operand goes through a contiguous copy (cast to out's dtype, as ATen's iterator casts
 * integer input) and a strided out through a contiguous result, as ATen's buffers do. */
pl_status
pl_vml_unary(pl_vml_fn fn, pl_tensor *out, pl_tensor *a)
{
    bool f64 = out->dtype == PL_FLOAT64;
    bool as_is = pl_tensor_is_contiguous(a) && a->dtype == out->dtype;
    pl_tensor *src = as_is ? pl_tensor_retain(a) : pl_tensor_empty(a->ndim, a->shape, out->dtype);
    if (!src) return pl_error_status();
    if (src != a && pl_copy_raw(src, a) != PL_OK) {
        pl_tensor_release(src);
        return pl_error_status();
    }
    bool direct = pl_tensor_is_contiguous(out);
    pl_tensor *dst = direct ? out : pl_tensor_empty(out->ndim, out->shape, out->dtype);
    pl_status st = PL_OK;
    if (!dst) {
        st = pl_error_status();
    } else {
        pl_vml_run(fn, f64, pl_tensor_data(dst), pl_tensor_data(src), out->numel);
        if (!direct) st = pl_copy_raw(out, dst);
    }
    if (!direct) pl_tensor_release(dst);
    pl_tensor_release(src);
    return st;
}

/* out = op(a); vml: whether the VML route may be taken */
static pl_status
run_unary_as(pl_unop op, pl_tensor *out, pl_tensor *a, bool vml)
{
    if (!pl_dtype_is_compute(out->dtype)) {
        /* a storage dtype: compute in its compute dtype, then cast (wrapping integers) */
        pl_tensor *tmp = pl_tensor_empty(out->ndim, out->shape, pl_dtype_compute(out->dtype));
        if (!tmp) return pl_error_status();
        pl_status st = run_unary_as(op, tmp, a, vml);
        if (st == PL_OK) st = pl_copy_raw(out, tmp);
        pl_tensor_release(tmp);
        return st;
    }
    pl_inner_fn fn = unary_kernels[op][out->dtype];
    if (!fn && op == PL_RELU) {
        return pl_error_set(PL_ERR_RUNTIME, "Boolean inputs not supported for relu");
    }
    if (!fn) { /* PyTorch's dispatch error names the CPU kernel */
        return pl_error_set(PL_ERR_NOTIMPL, "\"%s_cpu\" not implemented for '%s'", unop_names[op],
                            pl_dtype_scalar_name(a->dtype));
    }
    bool hyperbolic = op == PL_SINH || op == PL_COSH || op == PL_ATANH || op == PL_EXP2;
    if ((op == PL_SIGMOID || op == PL_SILU || hyperbolic) &&
        (out->dtype == PL_FLOAT32 || out->dtype == PL_FLOAT64) && a->dtype == out->dtype &&
        pl_same_shape(a, out) && pl_non_overlapping_and_dense(a)) {
        pl_aten_fn fn = op == PL_SIGMOID ? PL_ATEN_SIGMOID : op == PL_SILU ? PL_ATEN_SILU
                      : op == PL_SINH    ? PL_ATEN_SINH
                      : op == PL_COSH    ? PL_ATEN_COSH
                      : op == PL_ATANH   ? PL_ATEN_ATANH
                                         : PL_ATEN_EXP2;
        return unary_aten(fn, out, a);
    }
    if (vml && unary_vml[op] && pl_vml_enabled() && (out->dtype == PL_FLOAT32 || out->dtype == PL_FLOAT64) &&
        (a->dtype == out->dtype || !pl_dtype_is_floating(a->dtype)) && pl_same_shape(a, out)) {
        return pl_vml_unary((pl_vml_fn)unary_vml[op], out, a);
    }
    if (a->dtype == out->dtype && pl_same_shape(a, out) && pl_tensor_is_contiguous(a) &&
        pl_tensor_is_contiguous(out)) {
        int64_t es = (int64_t)pl_dtype_size(out->dtype);
        char *ptrs[2] = {pl_tensor_data(out), pl_tensor_data(a)};
        int64_t strides[2] = {es, es};
        pl_run_contiguous(fn, 2, ptrs, strides, out->numel, NULL);
        return PL_OK;
    }
    pl_tensor *ca = pl_to_dtype(a, out->dtype);
    if (!ca) return pl_error_status();
    pl_loop loop;
    pl_loop_init(&loop, out->ndim, out->shape);
    pl_loop_add(&loop, out);
    pl_loop_add(&loop, ca);
    pl_loop_run(&loop, fn, NULL);
    pl_tensor_release(ca);
    return PL_OK;
}

static pl_status
run_unary(pl_unop op, pl_tensor *out, pl_tensor *a)
{
    return run_unary_as(op, out, a, true);
}

pl_tensor *
pl_sqrt_ieee(pl_tensor *a)
{
    pl_dtype dt = pl_dtype_is_floating(a->dtype) ? a->dtype : pl_default_float;
    pl_tensor *out = pl_tensor_empty(a->ndim, a->shape, dt);
    if (out && run_unary_as(PL_SQRT, out, a, false) != PL_OK) {
        pl_tensor_release(out);
        out = NULL;
    }
    return out;
}

/* PyTorch's refusal of -x on a bool tensor (and of x.neg_()) */
static pl_status
neg_bool_error(void)
{
    return pl_error_set(PL_ERR_RUNTIME,
                        "Negation, the `-` operator, on a bool tensor is not supported. If you are "
                        "trying to invert a mask, use the `~` or `logical_not()` operator instead.");
}

pl_tensor *
pl_unary(pl_unop op, pl_tensor *a)
{
    pl_dtype dt = a->dtype;
    if (!pl_dtype_is_floating(dt) && !unary_keeps_int[op]) {
        dt = pl_default_float;
    }
    if (op == PL_NEG && dt == PL_BOOL) {
        neg_bool_error();
        return NULL;
    }
    pl_tensor *out = pl_tensor_empty(a->ndim, a->shape, dt);
    if (!out) return NULL;
    if (run_unary(op, out, a) != PL_OK) {
        pl_tensor_release(out);
        return NULL;
    }
    if (pl_dtype_is_floating(dt) && pl_needs_grad(&a, 1)) {
        unsigned saves = unary_saves[op];
        pl_tensor *save[2] = {saves & SAVES_IN ? a : NULL, saves & SAVES_OUT ? out : NULL};
        pl_node *node;
        if (!(out = pl_record(out, &unary_kinds[op], &a, 1, save, 2, &node))) return NULL;
        node->ints[0] = op;
    }
    return out;
}

pl_status
pl_unary_(pl_unop op, pl_tensor *a)
{
    if (op == PL_NEG && a->dtype == PL_BOOL) return neg_bool_error(); /* neg_ as - */
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
    if (!pl_dtype_is_floating(a->dtype) && !unary_keeps_int[op]) {
        return pl_error_set(PL_ERR_RUNTIME, "result type Float can't be cast to the desired output type %s",
                            pl_dtype_scalar_name(a->dtype));
    }
    st = run_unary(op, a, a);
    if (st == PL_OK) pl_tensor_bump_version(a);
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
    pl_expr s = {.n = 0};
    pl_tensor *mask = ex_keep(&s, pl_tensor_full(x->ndim, x->shape, PL_BOOL, 1.0));
    for (int k = 0; k < 2; k++) {
        if (node->ints[k] && mask) {
            mask = ex_mul(&s, mask, ex_cmpk(&s, k == 0 ? PL_GE : PL_LE, x, node->scalars[k]));
        }
    }
    pl_tensor *zero = mask ? ex_keep(&s, pl_tensor_scalar(0.0, g->dtype)) : NULL;
    din[0] = pl_expr_result(&s, ex_where(&s, mask, g, zero));
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
    if (!fn) {
        return pl_error_set(PL_ERR_NOTIMPL, "\"clamp%s_scalar_cpu\" not implemented for 'Bool'",
                            !c->has_max ? "_min" : !c->has_min ? "_max" : "");
    }
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
        pl_node *node;
        if (!(out = pl_record(out, &clamp_kind, &a, 1, &a, 1, &node))) return NULL;
        node->ints[0] = has_min;
        node->ints[1] = has_max;
        node->scalars[0] = min;
        node->scalars[1] = max;
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
    pl_expr s = {.n = 0};
    pl_tensor *pos = ex_cmpk(&s, PL_GT, x, 0);
    pl_tensor *neg = pos ? ex_scale(&s, g, node->scalars[0]) : NULL;
    din[0] = pl_expr_result(&s, ex_where(&s, pos, g, neg)); /* g where x > 0, else slope * g */
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
        pl_node *node;
        if (!(out = pl_record(out, &leaky_relu_kind, &a, 1, &a, 1, &node))) return NULL;
        node->scalars[0] = slope;
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
    if (cond->dtype == PL_UINT8) { /* PyTorch still takes a uint8 mask (deprecated) */
        pl_tensor *bc = pl_to_dtype(cond, PL_BOOL);
        pl_tensor *r = bc ? pl_where(bc, a, b) : NULL;
        pl_tensor_release(bc);
        return r;
    }
    if (cond->dtype != PL_BOOL) {
        pl_error_set(PL_ERR_RUNTIME, "where expected condition to be a boolean tensor, but got a "
                                     "tensor with dtype %s", pl_dtype_scalar_name(cond->dtype));
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
        out = pl_record(out, &where_kind, ins, 3, &cond, 1, NULL);
    }
    return out;
}
