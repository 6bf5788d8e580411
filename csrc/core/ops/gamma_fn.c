/* gamma_fn.c — lgamma, digamma and polygamma, each with its backward (LgammaBackward0:
 * g * digamma(x); DigammaBackward0: g * trigamma(x); PolygammaBackward0: g * polygamma(n + 1,
 * x)).
 *
 * lgamma is PyTorch's vector lgamma, SLEEF's (sleef_gamma.c), on every element under the AVX2
 * and AVX-512 capabilities (its kernel has an AVX2 build only), libm's lgammaf / lgamma under
 * "default": bit for bit in float32 and float64. digamma (bit for bit) and trigamma follow PyTorch's CPU scalar algorithms (Cephes' psi: the reflection
 * formula below 0, the recurrence up to 10, then the asymptotic series whose polynomial PyTorch's
 * AVX2 build evaluates with fused multiply-adds, written here as fma/fmaf); float32 is computed
 * in float. Integer and bool inputs give the default floating dtype, as in PyTorch.
 *
 * polygamma(n, x) is digamma for n = 0, trigamma for n = 1 and (-1)^(n+1) n! zeta(n + 1, x)
 * beyond, as PyTorch's scalar kernel (zeta from ops/special_fn.h, in double).
 *
 * lgamma can be differentiated twice (its backward records digamma); digamma once; polygamma
 * any number of times (its backward records polygamma of the next order).
 *
 * Ownership: inputs are borrowed; results are NEW references (NULL with an error set).
 */
#include <math.h>

#include "../autograd.h"
#include "../ops.h"
#include "../parallel.h"
#include "expr.h"
#include "internal.h"
#include "special_fn.h"

#define PI_D 3.14159265358979323846

/* ---- scalar formulas ---- */

static const double psi_coef[7] = {
    8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
    -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
    8.33333333333333333333E-2};

static double
digamma_f64(double x)
{
    if (x == 0)
        return copysign(INFINITY, -x);
    double reflection = 0; /* digamma(x) = digamma(1 - x) - pi / tan(pi x) below 0 */
    if (x < 0) {
        if (x == trunc(x))
            return NAN;
        double q;
        double r = modf(x, &q);
        reflection = PI_D / tan(PI_D * r);
        x = 1 - x;
    }
    double result = 0;
    while (x < 10) {
        result -= 1 / x;
        x += 1;
    }
    if (x == 10)
        return result + 2.25175258906672110764 - reflection;
    double y = 0;
    if (x < 1.0e17) {
        double z = 1.0 / (x * x);
        double p = psi_coef[0];
        for (int i = 1; i < 7; i++)
            p = fma(p, z, psi_coef[i]);
        y = z * p;
    }
    return result + log(x) - (0.5 / x) - y - reflection;
}

static float
digamma_f32(float x)
{
    if (x == 0)
        return copysignf(INFINITY, -x);
    float reflection = 0;
    if (x < 0) {
        if (x == truncf(x))
            return NAN;
        double q;
        double r = modf((double)x, &q);
        reflection = (float)(PI_D / tan(PI_D * r));
        x = 1 - x;
    }
    float result = 0;
    while (x < 10) {
        result -= 1 / x;
        x += 1;
    }
    if (x == 10)
        return result + 2.25175258906672110764f - reflection;
    float y = 0;
    if (x < 1.0e17f) {
        float z = 1 / (x * x);
        float p = (float)psi_coef[0];
        for (int i = 1; i < 7; i++)
            p = fmaf(p, z, (float)psi_coef[i]);
        y = z * p;
    }
    return result + logf(x) - (0.5f / x) - y - reflection;
}

/* PyTorch's trigamma; the compiler that built its AVX2 kernel contracts the series' three
 * multiply-adds into FMAs (checked on torch: the last one changes about 1 result in 10^4), the
 * default capability's build has none (fused false) */
#define DEFINE_TRIGAMMA(SUF, T, SIN, FMA)                                                      \
    static T trigamma_##SUF(T x, bool fused)                                                   \
    {                                                                                          \
        T sign = 1, result = 0;                                                                \
        if (x < (T)0.5) {                                                                      \
            sign = -1;                                                                         \
            const T s = SIN((T)PI_D * x);                                                      \
            result -= ((T)PI_D * (T)PI_D) / (s * s);                                           \
            x = 1 - x;                                                                         \
        }                                                                                      \
        for (int i = 0; i < 6; ++i) {                                                          \
            result += 1 / (x * x);                                                             \
            x += 1;                                                                            \
        }                                                                                      \
        const T ixx = 1 / (x * x);                                                             \
        if (!fused) {                                                                          \
            T series = ixx * ((T)(1. / 6) - ixx * ((T)(1. / 30) - ixx * (T)(1. / 42)));        \
            return sign * (result + (1 + 1 / (2 * x) + series) / x);                           \
        }                                                                                      \
        T inner = FMA(-ixx, (T)(1. / 42), (T)(1. / 30));                                       \
        result += FMA(ixx, FMA(-ixx, inner, (T)(1. / 6)), 1 + 1 / (2 * x)) / x;                \
        return sign * result;                                                                  \
    }

DEFINE_TRIGAMMA(f32, float, sinf, fmaf)
DEFINE_TRIGAMMA(f64, double, sin, fma)

static double
polygamma_f64(int64_t n, double x)
{
    if (n == 0) return digamma_f64(x);
    if (n == 1) return trigamma_f64(x, pl_aten_capability() != PL_ATEN_DEFAULT);
    return ((n % 2) ? 1.0 : -1.0) * exp(lgamma((double)n + 1.0)) * pl_zeta_f64((double)(n + 1), x);
}

static float
polygamma_f32(int64_t n, float x)
{
    if (n == 0) return digamma_f32(x);
    if (n == 1) return trigamma_f32(x, pl_aten_capability() != PL_ATEN_DEFAULT);
    /* PyTorch's float kernel: the factorial in double, zeta in double rounded to float */
    float z = pl_zeta_f32((float)(n + 1), x);
    return (float)(((n % 2) ? 1.0 : -1.0) * exp(lgamma((double)(float)n + 1.0)) * z);
}

typedef enum gamma_fn { FN_LGAMMA, FN_DIGAMMA, FN_DLGAMMA, FN_DDIGAMMA, FN_POLYGAMMA } gamma_fn;

/* out[i] = f(x[i]), or g[i] * f'(x[i]) for the derivatives; all contiguous, one dtype; order
 * is FN_POLYGAMMA's n (the other fns ignore it). */
static void
gamma_run(gamma_fn fn, int64_t order, pl_dtype dt, const void *x_, const void *g_, void *out_,
          int64_t n)
{
    bool fused = pl_aten_capability() != PL_ATEN_DEFAULT; /* torch's FMA contractions */
    if (dt == PL_FLOAT32) {
        bool sleef = fn == FN_LGAMMA && fused;
        const float *x = x_, *g = g_; /* (n) */
        float *out = out_;            /* (n) */
        if (sleef) {
            pl_sleef_lgammaf_n(out, x, n);
            return;
        }
        for (int64_t i = 0; i < n; i++) {
            switch (fn) {
            case FN_LGAMMA: out[i] = sleef ? pl_sleef_lgammaf(x[i]) : lgammaf(x[i]); break;
            case FN_DIGAMMA: out[i] = digamma_f32(x[i]); break;
            case FN_DLGAMMA: out[i] = g[i] * digamma_f32(x[i]); break;
            case FN_DDIGAMMA: out[i] = g[i] * trigamma_f32(x[i], fused); break;
            case FN_POLYGAMMA: out[i] = polygamma_f32(order, x[i]); break;
            }
        }
    } else {
        const double *x = x_, *g = g_; /* (n) */
        double *out = out_;            /* (n) */
        for (int64_t i = 0; i < n; i++) {
            switch (fn) {
            case FN_LGAMMA: out[i] = fused ? pl_sleef_lgamma(x[i]) : lgamma(x[i]); break;
            case FN_DIGAMMA: out[i] = digamma_f64(x[i]); break;
            case FN_DLGAMMA: out[i] = g[i] * digamma_f64(x[i]); break;
            case FN_DDIGAMMA: out[i] = g[i] * trigamma_f64(x[i], fused); break;
            case FN_POLYGAMMA: out[i] = polygamma_f64(order, x[i]); break;
            }
        }
    }
}

typedef struct {
    gamma_fn fn;
    pl_dtype dt;
    const char *x, *g;
    char *out;
} gamma_job;

static void
gamma_piece(void *ctx, int64_t b, int64_t e)
{
    const gamma_job *j = ctx;
    size_t sz = pl_dtype_size(j->dt);
    gamma_run(j->fn, 0, j->dt, j->x + b * sz, j->g ? j->g + b * sz : NULL, j->out + b * sz, e - b);
}

/* fn over a floating tensor x (and gradient g): a new contiguous tensor of x's shape. lgamma
 * runs on the threads in pieces of at least 2048 elements (as ATen's kernel; each element's
 * value does not depend on the split). */
static pl_tensor *
gamma_apply(gamma_fn fn, int64_t order, pl_tensor *x, pl_tensor *g)
{
    pl_tensor *xc = pl_contiguous(x), *gc = g ? pl_contiguous(g) : NULL;
    pl_tensor *out = NULL;
    if (xc && (!g || gc)) {
        out = pl_tensor_empty(x->ndim, x->shape, x->dtype);
        if (out && fn == FN_LGAMMA) {
            gamma_job j = {fn, x->dtype, pl_tensor_data(xc), NULL, out->storage->data};
            pl_parallel_for(x->numel, gamma_piece, &j, 2048);
        } else if (out) {
            gamma_run(fn, order, x->dtype, pl_tensor_data(xc), gc ? pl_tensor_data(gc) : NULL,
                      out->storage->data, x->numel);
        }
    }
    pl_tensor_release(xc);
    pl_tensor_release(gc);
    return out;
}

static pl_status
gamma_backward(pl_node *node, pl_tensor *g, pl_tensor **din, gamma_fn dfn)
{
    pl_tensor *x = pl_node_saved(node, 0);
    if (!x) return pl_error_status();
    pl_tensor *gx = pl_to_dtype(g, x->dtype);
    din[0] = gx ? gamma_apply(dfn, 0, x, gx) : NULL;
    pl_tensor_release(gx);
    return din[0] ? PL_OK : pl_error_status();
}

/* With create_graph (grad mode on in the backward), lgamma's gradient g * digamma(x) is built
 * from recording ops, so it can be differentiated once more (through DigammaBackward0). */
static pl_status
lgamma_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *x = pl_node_saved(node, 0);
    if (!x) return pl_error_status();
    if (pl_grad_enabled() && (x->requires_grad || g->requires_grad)) {
        pl_expr s = {.n = 0};
        pl_tensor *d = ex_keep(&s, pl_digamma(x));
        pl_tensor *gx = ex_keep(&s, d ? pl_to_dtype(g, x->dtype) : NULL);
        din[0] = pl_expr_result(&s, ex_mul(&s, gx, d));
        return din[0] ? PL_OK : pl_error_status();
    }
    return gamma_backward(node, g, din, FN_DLGAMMA);
}

static pl_status
digamma_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    return gamma_backward(node, g, din, FN_DDIGAMMA);
}

/* polygamma: g * polygamma(n + 1, x), recorded (so any order can be differentiated again) */
static pl_status
polygamma_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *x = pl_node_saved(node, 0);
    if (!x) return pl_error_status();
    pl_expr s = {.n = 0};
    pl_tensor *d = ex_keep(&s, pl_polygamma(node->ints[0] + 1, x));
    pl_tensor *gx = ex_keep(&s, d ? pl_to_dtype(g, x->dtype) : NULL);
    din[0] = pl_expr_result(&s, ex_mul(&s, gx, d));
    return din[0] ? PL_OK : pl_error_status();
}

static const pl_node_kind polygamma_kind = {"PolygammaBackward0", polygamma_backward,
                                            PL_KIND_DIFFERENTIABLE};
static const pl_node_kind lgamma_kind = {"LgammaBackward0", lgamma_backward,
                                         PL_KIND_DIFFERENTIABLE};
static const pl_node_kind digamma_kind = {"DigammaBackward0", digamma_backward, 0};

static pl_tensor *
gamma_forward(pl_tensor *a, gamma_fn fn, const pl_node_kind *kind)
{
    pl_tensor *x = pl_dtype_is_floating(a->dtype) ? pl_tensor_retain(a)
                                                  : pl_to_dtype(a, pl_default_float);
    if (!x) return NULL;
    pl_tensor *out = gamma_apply(fn, 0, x, NULL);
    if (out && pl_dtype_is_floating(a->dtype) && pl_needs_grad(&a, 1)) {
        out = pl_record(out, kind, &a, 1, &a, 1, NULL);
    }
    pl_tensor_release(x);
    return out;
}

/* float16 and bfloat16 compute in float32 (the kernels have float and double only) */
pl_tensor *
pl_lgamma(pl_tensor *a)
{
    if (pl_is_half(a)) PL_RUN_IN_COMPUTE(a, pl_lgamma(c_));
    return gamma_forward(a, FN_LGAMMA, &lgamma_kind);
}

pl_tensor *
pl_digamma(pl_tensor *a)
{
    if (pl_is_half(a)) PL_RUN_IN_COMPUTE(a, pl_digamma(c_));
    return gamma_forward(a, FN_DIGAMMA, &digamma_kind);
}

pl_tensor *
pl_polygamma(int64_t n, pl_tensor *a)
{
    if (n < 0) {
        pl_error_set(PL_ERR_RUNTIME, "polygamma(n, x) does not support negative n.");
        return NULL;
    }
    if (pl_is_half(a)) PL_RUN_IN_COMPUTE(a, pl_polygamma(n, c_));
    pl_tensor *x = pl_dtype_is_floating(a->dtype) ? pl_tensor_retain(a)
                                                  : pl_to_dtype(a, pl_default_float);
    if (!x) return NULL;
    pl_tensor *out = gamma_apply(FN_POLYGAMMA, n, x, NULL);
    if (out && pl_dtype_is_floating(a->dtype) && pl_needs_grad(&a, 1)) {
        pl_node *node;
        out = pl_record(out, &polygamma_kind, &a, 1, &a, 1, &node);
        if (out) node->ints[0] = n;
    }
    pl_tensor_release(x);
    return out;
}
