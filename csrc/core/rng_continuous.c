/* rng_continuous.c — PyTorch's continuous distributions on CPU: uniform_, normal_ (the
 * float32 AVX2 fill, the float64 fill and the scalar Box-Muller path), exponential_,
 * cauchy_, log_normal_ and geometric_, bit for bit.
 */
#include <math.h>
#include <string.h>

#include "rng_internal.h"

/* ------------------------------------------------------------------------------------------
 * uniform_
 * ---------------------------------------------------------------------------------------- */

/* The C++ name of an integer or bool dtype's element type, as PyTorch's messages print it */
static const char *
cpp_int_name(pl_dtype dtype)
{
    switch (dtype) {
    case PL_UINT8: return "unsigned char";
    case PL_INT8: return "signed char";
    case PL_INT16: return "short int";
    case PL_INT32: return "int";
    case PL_INT64: return "long int";
    default: return "bool";
    }
}

pl_status
pl_uniform_(pl_tensor *t, double from, double to, pl_generator *g)
{
    if (!pl_dtype_is_floating(t->dtype)) /* before the compute copy: the message names t's dtype */
        return not_implemented("check_uniform_bounds", t->dtype);
    PL_FILL_VIA_COMPUTE(t, pl_uniform_(c_, from, to, g));
    if (from > to)
        return pl_error_set(PL_ERR_RUNTIME,
                            "uniform_ expects to return a [from, to) range, but found from=%g > "
                            "to=%g", from, to);
    double limit = t->dtype == PL_FLOAT32 ? (double)3.40282346638528859812e+38F : 1.7976931348623157e308;
    if (to - from > limit)
        return pl_error_set(PL_ERR_RUNTIME,
                            "uniform_ expects to-from <= std::numeric_limits<%s>::max(), but "
                            "found to=%g and from=%g which result in to-from to exceed the limit",
                            dtype_cap_name(t->dtype), to, from);
    pl_status st = pl_check_no_overlap(t);
    if (st != PL_OK)
        return st;
    g = gen_or_default(g);
    elem_iter it;
    elem_iter_tensor(&it, t);
    int64_t off;
    char *base = pl_tensor_data(t);
    if (t->dtype == PL_FLOAT32) {
        float f = (float)from, span = (float)to - (float)from;
        float *d = (float *)base;
        float t_to = (float)to;
        while (elem_iter_next(&it, &off, NULL)) {
            float v = fmaf(u24(g), span, f);
            d[off] = v == t_to ? f : v; /* rounding up onto `to` maps back to `from` */
        }
    } else {
        double span = to - from;
        double *d = (double *)base;
        while (elem_iter_next(&it, &off, NULL)) {
            uint64_t w = pl_generator_random64(g) & ((UINT64_C(1) << 53) - 1);
            double v = fma((double)w * 0x1p-53, span, from);
            d[off] = v == to ? from : v;
        }
    }
    return fill_done(t);
}

/* ------------------------------------------------------------------------------------------
 * normal_
 * ---------------------------------------------------------------------------------------- */

/* The Cephes-style float log and sincos of PyTorch's AVX2 normal fill, one lane at a time,
 * with the fused multiply-adds that kernel's compilation produces. */
static inline uint32_t
f2u(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}

static inline float
u2f(uint32_t u)
{
    float x;
    memcpy(&x, &u, 4);
    return x;
}

static float
lane_log(float x)
{
    static const float coef[8] = {
        -1.1514610310E-1f, 1.1676998740E-1f, -1.2420140846E-1f, 1.4249322787E-1f,
        -1.6668057665E-1f, 2.0000714765E-1f, -2.4999993993E-1f, 3.3333331174E-1f,
    };
    bool invalid = !(x > 0.0f);
    if (x < 0x1p-126f)
        x = 0x1p-126f;
    int32_t ei = (int32_t)(f2u(x) >> 23) - 127;
    x = u2f((f2u(x) & ~0x7F800000u) | f2u(0.5f));
    float e = (float)ei + 1.0f;
    float tmask = 0.0f;
    if (x < 0.707106781186547524f) {
        tmask = x;
        e = e - 1.0f;
    }
    x = (x - 1.0f) + tmask;
    float z = x * x;
    float y = 7.0376836292E-2f;
    for (int i = 0; i < 8; i++)
        y = fmaf(y, x, coef[i]);
    y = y * x;
    y = fmaf(y, z, e * -2.12194440e-4f);
    y = fmaf(-z, 0.5f, y);
    x = x + y;
    x = fmaf(e, 0.693359375f, x);
    return invalid ? NAN : x;
}

static void
lane_sincos(float v, float *s_out, float *c_out)
{
    uint32_t sign_s = f2u(v) & 0x80000000u;
    float x = fabsf(v);
    float y = x * 1.27323954473516f;
    int32_t j = (int32_t)y;
    j = (j + 1) & ~1;
    y = (float)j;
    uint32_t swap = (uint32_t)(j & 4) << 29;
    bool poly = (j & 2) == 0;
    x = fmaf(y, -0.78515625f, x);
    x = fmaf(y, -2.4187564849853515625e-4f, x);
    x = fmaf(y, -3.77489497744594108e-8f, x);
    uint32_t sign_c = (uint32_t)((~(j - 2)) & 4) << 29;
    sign_s ^= swap;
    float z = x * x;
    float h = z * 0.5f;
    float c = 2.443315711809948E-5f;
    c = fmaf(c, z, -1.388731625493765E-3f);
    c = fmaf(c, z, 4.166664568298827E-2f);
    c = c * z;
    c = fmaf(c, z, -h);
    c = c + 1.0f;
    float s = -1.9515295891E-4f;
    s = fmaf(s, z, 8.3321608736E-3f);
    s = fmaf(s, z, -1.6666654611E-1f);
    s = s * z;
    s = fmaf(s, x, x);
    float sv = poly ? s : c, cv = poly ? c : s;
    *s_out = u2f(f2u(sv) ^ sign_s);
    *c_out = u2f(f2u(cv) ^ sign_c);
}

/* Sixteen uniforms in p -> sixteen normals (pairs j, j+8), float32 fill. */
static void
normal_block16_f32(float *p, float mean, float std)
{
    const float two_pi = (float)6.283185307179586;
    for (int j = 0; j < 8; j++) {
        float u1 = 1.0f - p[j];
        float u2 = p[j + 8];
        float radius = sqrtf(-2.0f * lane_log(u1));
        float theta = two_pi * u2;
        float s, c;
        lane_sincos(theta, &s, &c);
        float n1 = radius * c, n2 = radius * s;
        p[j] = fmaf(n1, std, mean);
        p[j + 8] = fmaf(n2, std, mean);
    }
}

static void
normal_block16_f64(double *p, double mean, double std)
{
    for (int j = 0; j < 8; j++) {
        double u1 = 1.0 - p[j];
        double u2 = p[j + 8];
        double radius = sqrt(-2.0 * log(u1));
        double theta = 6.283185307179586 * u2;
        p[j] = fma(radius * cos(theta), std, mean);
        p[j + 8] = fma(radius * sin(theta), std, mean);
    }
}

static void
normal_fill_f32(float *d, int64_t n, float mean, float std, pl_generator *g)
{
    for (int64_t i = 0; i < n; i++)
        d[i] = u24(g);
    for (int64_t i = 0; i + 16 <= n; i += 16)
        normal_block16_f32(d + i, mean, std);
    if (n % 16 != 0) {
        float *tail = d + n - 16;
        for (int k = 0; k < 16; k++)
            tail[k] = u24(g);
        normal_block16_f32(tail, mean, std);
    }
}

/* float16 / bfloat16 (computed in float): PyTorch's fill draws uniforms for the whole blocks
 * only, then sixteen fresh ones for the last sixteen places when n % 16 != 0 */
static void
normal_fill_reduced(float *d, int64_t n, float mean, float std, pl_generator *g)
{
    int64_t whole = n - n % 16;
    for (int64_t i = 0; i < whole; i++)
        d[i] = u24(g);
    for (int64_t i = 0; i < whole; i += 16)
        normal_block16_f32(d + i, mean, std);
    if (whole != n) {
        float *tail = d + n - 16;
        for (int k = 0; k < 16; k++)
            tail[k] = u24(g);
        normal_block16_f32(tail, mean, std);
    }
}

static void
normal_fill_f64(double *d, int64_t n, double mean, double std, pl_generator *g)
{
    for (int64_t i = 0; i < n; i++)
        d[i] = u53(g);
    for (int64_t i = 0; i + 16 <= n; i += 16)
        normal_block16_f64(d + i, mean, std);
    if (n % 16 != 0) {
        double *tail = d + n - 16;
        for (int k = 0; k < 16; k++)
            tail[k] = u53(g);
        normal_block16_f64(tail, mean, std);
    }
}

pl_status
pl_normal_(pl_tensor *t, double mean, double std, pl_generator *g)
{
    if (std < 0.0)
        return pl_error_set(PL_ERR_RUNTIME, "normal expects std >= 0.0, but found std %g", std);
    if (!pl_dtype_is_floating(t->dtype))
        return not_implemented("normal_kernel_cpu", t->dtype);
    if ((t->dtype == PL_FLOAT16 || t->dtype == PL_BFLOAT16) && t->numel >= 16 &&
        pl_tensor_is_contiguous(t)) {
        pl_status st = pl_check_no_overlap(t);
        pl_tensor *c = st == PL_OK ? pl_tensor_empty(t->ndim, t->shape, PL_FLOAT32) : NULL;
        if (st == PL_OK && !c) st = pl_error_status();
        if (st == PL_OK) {
            normal_fill_reduced((float *)pl_tensor_data(c), t->numel, (float)mean, (float)std,
                                gen_or_default(g));
            st = pl_copy_raw(t, c);
        }
        pl_tensor_release(c);
        if (st == PL_OK) pl_tensor_bump_version(t);
        return st;
    }
    PL_FILL_VIA_COMPUTE(t, pl_normal_(c_, mean, std, g));
    pl_status st = pl_check_no_overlap(t);
    if (st != PL_OK)
        return st;
    g = gen_or_default(g);
    char *base = pl_tensor_data(t);
    if (t->numel >= 16 && pl_tensor_is_contiguous(t)) {
        if (t->dtype == PL_FLOAT32)
            normal_fill_f32((float *)base, t->numel, (float)mean, (float)std, g);
        else
            normal_fill_f64((double *)base, t->numel, mean, std, g);
        return fill_done(t);
    }
    elem_iter it;
    elem_iter_tensor(&it, t);
    int64_t off;
    while (elem_iter_next(&it, &off, NULL))
        store_double(t->dtype, base, off, normal_double(g, mean, std));
    return fill_done(t);
}

/* ------------------------------------------------------------------------------------------
 * exponential_, cauchy_, log_normal_, geometric_: double math per element, then a cast
 * ---------------------------------------------------------------------------------------- */

typedef enum { DIST_EXPONENTIAL, DIST_CAUCHY, DIST_LOG_NORMAL, DIST_GEOMETRIC } dist_kind;

static pl_status
fill_double_dist(pl_tensor *t, dist_kind kind, double a, double b, pl_generator *g)
{
    pl_status st = pl_check_no_overlap(t);
    if (st != PL_OK)
        return st;
    g = gen_or_default(g);
    elem_iter it;
    elem_iter_tensor(&it, t);
    int64_t off;
    char *base = pl_tensor_data(t);
    const double pi = 3.14159265358979323846;
    double log1p_minus_p = kind == DIST_GEOMETRIC ? log1p(-a) : 0.0;
    while (elem_iter_next(&it, &off, NULL)) {
        double v;
        switch (kind) {
        case DIST_EXPONENTIAL:
            v = -1.0 / a * log1p(-u53(g));
            break;
        case DIST_CAUCHY:
            v = fma(b, tan(pi * (u53(g) - 0.5)), a);
            break;
        case DIST_LOG_NORMAL:
            v = exp(normal_double(g, a, b));
            break;
        default: /* DIST_GEOMETRIC */
            v = ceil(log(u53(g)) / log1p_minus_p);
            break;
        }
        store_double(t->dtype, base, off, v);
    }
    return fill_done(t);
}

pl_status
pl_exponential_(pl_tensor *t, double lambd, pl_generator *g)
{
    if (!(lambd > 0.0))
        return pl_error_set(PL_ERR_RUNTIME, "exponential_ expects lambda > 0.0, but found lambda=%g",
                            lambd);
    if (!pl_dtype_is_floating(t->dtype) && t->numel > 0) /* PyTorch checks only a non-empty one */
        return pl_error_set(PL_ERR_RUNTIME,
                            "Exponential distribution is a continuous probability distribution. "
                            "dtype must be a floating point but you specified %s",
                            dtype_cap_name(t->dtype));
    PL_FILL_VIA_COMPUTE(t, pl_exponential_(c_, lambd, g));
    return fill_double_dist(t, DIST_EXPONENTIAL, lambd, 0.0, g);
}

pl_status
pl_cauchy_(pl_tensor *t, double median, double sigma, pl_generator *g)
{
    if (!(sigma > 0.0))
        return pl_error_set(PL_ERR_RUNTIME, "cauchy_ expects sigma > 0.0, but found sigma=%g",
                            sigma);
    if (!pl_dtype_is_floating(t->dtype))
        return pl_error_set(PL_ERR_RUNTIME,
                            "Cauchy distribution is a continuous probability distribution. "
                            "dtype must be a floating point but you specified %s",
                            cpp_int_name(t->dtype));
    PL_FILL_VIA_COMPUTE(t, pl_cauchy_(c_, median, sigma, g));
    return fill_double_dist(t, DIST_CAUCHY, median, sigma, g);
}

pl_status
pl_log_normal_(pl_tensor *t, double mean, double std, pl_generator *g)
{
    if (!(std > 0.0))
        return pl_error_set(PL_ERR_RUNTIME, "log_normal_ expects std > 0.0, but found std=%g", std);
    if (!pl_dtype_is_floating(t->dtype) && t->numel > 0) /* an empty one passes, as in PyTorch */
        return not_implemented("log_normal_cpu", t->dtype);
    PL_FILL_VIA_COMPUTE(t, pl_log_normal_(c_, mean, std, g));
    return fill_double_dist(t, DIST_LOG_NORMAL, mean, std, g);
}

pl_status
pl_geometric_(pl_tensor *t, double p, pl_generator *g)
{
    PL_FILL_VIA_COMPUTE(t, pl_geometric_(c_, p, g));
    if (!(p > 0.0 && p < 1.0))
        return pl_error_set(PL_ERR_RUNTIME, "geometric_ expects p to be in (0, 1), but got p=%g",
                            p);
    if (t->dtype == PL_BOOL)
        return not_implemented("geometric_cpu", t->dtype);
    return fill_double_dist(t, DIST_GEOMETRIC, p, 0.0, g);
}
