/* aten_layout.c — float32 and float64 sigmoid, silu and silu's backward computed as PyTorch
 * 2.13's CPU kernels compute them, so the results are bitwise equal.
 *
 * ATen runs a contiguous elementwise op in chunks: TensorIterator splits n elements into
 * ceil(n / chunk) pieces for its threads once n reaches its grain of 32768, chunk being
 * ceil(n / threads). Within a piece, the vectorised loop takes 2 * W elements at a time (W = 8
 * float lanes for AVX2, 16 for AVX-512; half as many doubles) and the rest goes through the
 * scalar lambda. The vector lambdas use SLEEF's exp (its 1-ulp variant, FMA based), the scalar
 * ones libm's exp (each op's two forms are listed below). Which W ATen uses follows the CPU
 * and the ATEN_CPU_CAPABILITY variable (pl_aten_capability below); under "default" every
 * element goes through libm, as ATen's default Vectorized applies std::exp lane by lane.
 *
 * The SLEEF algorithm (facts from its source, our own code): q = rint(x / ln2); s = x - q ln2
 * in two FMA steps (ln2 split in a high part exact in 13 bits and a low part); a degree-5
 * polynomial in s by FMA; u = 1 + (s*s*p + s); u * 2^(q>>1) * 2^(q - (q>>1)); 0 below -104,
 * +inf above 100. pl_sleef_expf is the plain reference, expf8 the AVX2 one; per lane they give
 * the same bits (every step is a single rounding), which the tests check.
 * The double one: u = rint(x / ln2) as a double, q its int32; s = x - u ln2 in two FMA steps;
 * a degree-9 polynomial by Estrin's scheme (powers s^2, s^4, s^8), then three FMA steps
 * u = (u s + 1/2), (u s + 1), (u s + 1); u * 2^(q>>1) * 2^(q - (q>>1)); +inf above
 * log(DBL_MAX), 0 below -1000. pl_sleef_exp and exp4 are its plain and AVX2 forms.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../parallel.h"
#include "internal.h"
#include "vexp_x86.h"
#include "sleef_x86.h"

#define R_LN2F 1.442695040888963407359924681001892137426645954152985934135449406931f
#define L2UF 0.693145751953125f
#define L2LF 1.428606765330187045e-06f
#define ATEN_GRAIN 32768

/* _mm256_cvtps_epi32 of one float: round to nearest even, INT32_MIN when out of range or NaN */
static int32_t
cvt_rint(float x)
{
    if (!(fabsf(x) < 2147483648.0f)) return INT32_MIN;
    return (int32_t)nearbyintf(x);
}

static float
pow2i(int32_t q)
{
    uint32_t bits = ((uint32_t)q + 0x7fu) << 23;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

PL_FMA_CLONES float
pl_sleef_expf(float d)
{
    int32_t q = cvt_rint(d * R_LN2F);
    float qf = (float)q;
    float s = fmaf(qf, -L2UF, d);
    s = fmaf(qf, -L2LF, s);
    float u = 0.000198527617612853646278381f;
    u = fmaf(u, s, 0.00139304355252534151077271f);
    u = fmaf(u, s, 0.00833336077630519866943359f);
    u = fmaf(u, s, 0.0416664853692054748535156f);
    u = fmaf(u, s, 0.166666671633720397949219f);
    u = fmaf(u, s, 0.5f);
    u = 1.0f + fmaf(s * s, u, s);
    int32_t h = q >> 1; /* arithmetic, as _mm256_srai_epi32 */
    u = u * pow2i(h) * pow2i((int32_t)((uint32_t)q - (uint32_t)h));
    if (d < -104.0f) u = 0.0f;
    if (100.0f < d) u = INFINITY;
    return u;
}

#define R_LN2 1.442695040888963407359924681001892137426645954152985934135449406931
#define L2U .69314718055966295651160180568695068359375
#define L2L .28235290563031577122588448175013436025525412068e-12
#define LOG_DBL_MAX 0x1.62e42fefa39efp+9
/* the polynomial's coefficients, highest degree first */
static const double EXP_C[10] = {
    +0.2081276378237164457e-8, +0.2511210703042288022e-7, +0.2755762628169491192e-6,
    +0.2755723402025388239e-5, +0.2480158687479686264e-4, +0.1984126989855865850e-3,
    +0.1388888888914497797e-2, +0.8333333333314938210e-2, +0.4166666666666602598e-1,
    +0.1666666666666669072e+0,
};

/* _mm256_cvtpd_epi32 of an integral double: INT32_MIN when out of range or NaN */
static int32_t
cvt_rint_d(double x)
{
    if (!(fabs(x) < 2147483648.0)) return INT32_MIN;
    return (int32_t)x;
}

/* 2^q as SLEEF's vpow2i builds it: (q + 1023) << 20 in a 32-bit lane, as the high word */
static double
pow2i_d(int32_t q)
{
    uint64_t bits = (uint64_t)(((uint32_t)q + 0x3ffu) << 20) << 32;
    double f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

PL_FMA_CLONES double
pl_sleef_exp(double d)
{
    double u = nearbyint(d * R_LN2);
    int32_t q = cvt_rint_d(u);
    double s = fma(u, -L2U, d);
    s = fma(u, -L2L, s);
    double s2 = s * s, s4 = s2 * s2, s8 = s4 * s4;
    const double *c = EXP_C;
    double p2 = fma(s, c[0], c[1]);
    double p4a = fma(s2, fma(s, c[2], c[3]), fma(s, c[4], c[5]));
    double p4b = fma(s2, fma(s, c[6], c[7]), fma(s, c[8], c[9]));
    u = fma(s8, p2, fma(s4, p4a, p4b));
    u = fma(u, s, 0.5);
    u = fma(u, s, 1.0);
    u = fma(u, s, 1.0);
    int32_t h = q >> 1;
    u = u * pow2i_d(h) * pow2i_d((int32_t)((uint32_t)q - (uint32_t)h));
    if (d > LOG_DBL_MAX) u = INFINITY;
    if (d < -1000.0) u = 0.0;
    return u;
}

/* ---- which vector width ATen uses here ---- */

static int aten_cap = -1; /* PL_ATEN_DEFAULT, _AVX2, _AVX512; -1 before the first look */
static const char *const cap_names[] = {"default", "avx2", "avx512"}; /* ATen's names */

static int
cap_supported(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("fma"))
        return PL_ATEN_AVX512;
    if (pl_have_avx2_fma()) return PL_ATEN_AVX2;
#endif
    return PL_ATEN_DEFAULT;
}

const char *
pl_cpu_capability_name(void)
{
    static const char *const upper[] = {"DEFAULT", "AVX2", "AVX512"}; /* torch.backends.cpu's */
    return upper[pl_aten_capability()];
}

bool
pl_cpu_avx512_core(void)
{
    static int has = -1;
    int h = __atomic_load_n(&has, __ATOMIC_RELAXED);
    if (h < 0) {
        h = cap_supported() == PL_ATEN_AVX512;
        __atomic_store_n(&has, h, __ATOMIC_RELAXED);
    }
    return h;
}

int
pl_aten_capability(void)
{
    int cap = __atomic_load_n(&aten_cap, __ATOMIC_RELAXED);
    if (cap >= 0) return cap;
    cap = cap_supported();
    const char *env = getenv("ATEN_CPU_CAPABILITY"); /* ATen's own switch, capped by the CPU */
    for (int c = 0; env && c < cap; c++)
        if (strcmp(env, cap_names[c]) == 0) cap = c;
    __atomic_store_n(&aten_cap, cap, __ATOMIC_RELAXED);
    return cap;
}

/* ---- the lambdas: sigmoid, silu and silu's backward ----
 * Each has ATen's scalar form (libm's exp, used on the tail) and its vector form (SLEEF's exp),
 * the latter as a plain reference and as AVX2 code giving the same bits.
 *   sigmoid:        scalar 1 / (1 + exp(-x)),   vector 1 / (exp(-x) + 1)
 *   silu:           x / (1 + exp(-x)) in both
 *   silu backward:  s = 1 / (1 + exp(-x)); g * s * (1 + x * (1 - s)), where the compiler that
 *                   built torch contracts 1 + x * (1 - s) into one FMA, in both forms (checked
 *                   on torch: without the FMA 17% of the results differ in the last bit).
 *                   Under "default" ATen's code has no FMA: the sum is rounded twice there. */

#define LAMBDA_SCALAR(T, EXP, FMA)                                                            \
    static void lambda_scalar_##T(pl_aten_fn fn, bool contract, T *out, const T *x,          \
                                  const T *g, int64_t n)                                     \
    {                                                                                        \
        for (int64_t i = 0; i < n; i++) {                                                    \
            T e = EXP(-x[i]);                                                                \
            if (fn == PL_ATEN_SIGMOID) out[i] = (T)1 / ((T)1 + e);                           \
            else if (fn == PL_ATEN_SILU) out[i] = x[i] / ((T)1 + e);                         \
            else {                                                                           \
                T s = (T)1 / ((T)1 + e);                                                     \
                T inner = contract ? FMA(x[i], (T)1 - s, (T)1) : x[i] * ((T)1 - s) + (T)1;   \
                out[i] = g[i] * s * inner;                                                   \
            }                                                                                \
        }                                                                                    \
    }
LAMBDA_SCALAR(float, expf, fmaf)
LAMBDA_SCALAR(double, exp, fma)

/* the vector lambda element by element: the reference for the AVX2 code */
#define LAMBDA_VEC_REF(T, EXP, FMA)                                                           \
    static void lambda_vec_ref_##T(pl_aten_fn fn, T *out, const T *x, const T *g, int64_t n) \
    {                                                                                        \
        for (int64_t i = 0; i < n; i++) {                                                    \
            T e = EXP(-x[i]);                                                                \
            if (fn == PL_ATEN_SIGMOID) out[i] = (T)1 / (e + (T)1);                           \
            else if (fn == PL_ATEN_SILU) out[i] = x[i] / ((T)1 + e);                         \
            else {                                                                           \
                T s = (T)1 / ((T)1 + e);                                                     \
                out[i] = g[i] * s * FMA(x[i], (T)1 - s, (T)1);                               \
            }                                                                                \
        }                                                                                    \
    }
LAMBDA_VEC_REF(float, pl_sleef_expf, fmaf)
LAMBDA_VEC_REF(double, pl_sleef_exp, fma)

#if defined(__x86_64__) && defined(__GNUC__)
/* 2^q per lane, q four int32 (pow2i_d) */
PL_VEXP_TGT static inline __m256d
pow2i4(__m128i q)
{
    __m128i e = _mm_slli_epi32(_mm_add_epi32(q, _mm_set1_epi32(0x3ff)), 20);
    return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_cvtepi32_epi64(e), 32));
}

#define FMA4(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define C4(k) _mm256_set1_pd(EXP_C[k])
PL_VEXP_TGT static inline __m256d
exp4(__m256d d)
{
    __m256d u = _mm256_round_pd(_mm256_mul_pd(d, _mm256_set1_pd(R_LN2)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m128i q = _mm256_cvtpd_epi32(u);
    __m256d s = FMA4(u, _mm256_set1_pd(-L2U), d);
    s = FMA4(u, _mm256_set1_pd(-L2L), s);
    __m256d s2 = _mm256_mul_pd(s, s), s4 = _mm256_mul_pd(s2, s2), s8 = _mm256_mul_pd(s4, s4);
    __m256d p2 = FMA4(s, C4(0), C4(1));
    __m256d p4a = FMA4(s2, FMA4(s, C4(2), C4(3)), FMA4(s, C4(4), C4(5)));
    __m256d p4b = FMA4(s2, FMA4(s, C4(6), C4(7)), FMA4(s, C4(8), C4(9)));
    u = FMA4(s8, p2, FMA4(s4, p4a, p4b));
    u = FMA4(u, s, _mm256_set1_pd(0.5));
    u = FMA4(u, s, _mm256_set1_pd(1.0));
    u = FMA4(u, s, _mm256_set1_pd(1.0));
    __m128i h = _mm_srai_epi32(q, 1);
    u = _mm256_mul_pd(_mm256_mul_pd(u, pow2i4(h)), pow2i4(_mm_sub_epi32(q, h)));
    u = _mm256_blendv_pd(u, _mm256_set1_pd(INFINITY),
                         _mm256_cmp_pd(d, _mm256_set1_pd(LOG_DBL_MAX), _CMP_GT_OQ));
    return _mm256_andnot_pd(_mm256_cmp_pd(d, _mm256_set1_pd(-1000.0), _CMP_LT_OQ), u);
}
#undef FMA4
#undef C4

/* n a multiple of 8. -x by its sign bit, as ATen (a NaN comes out with its sign flipped). */
PL_VEXP_TGT static void
lambda_vec8(pl_aten_fn fn, float *out, const float *x, const float *g, int64_t n)
{
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    for (int64_t i = 0; i < n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i), e = expf8(_mm256_xor_ps(sign, v)), r;
        if (fn == PL_ATEN_SIGMOID) r = _mm256_div_ps(one, _mm256_add_ps(e, one));
        else if (fn == PL_ATEN_SILU) r = _mm256_div_ps(v, _mm256_add_ps(one, e));
        else {
            __m256 sg = _mm256_div_ps(one, _mm256_add_ps(one, e));
            __m256 inner = _mm256_fmadd_ps(v, _mm256_sub_ps(one, sg), one);
            r = _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(g + i), sg), inner);
        }
        _mm256_storeu_ps(out + i, r);
    }
}

/* n a multiple of 4 */
PL_VEXP_TGT static void
lambda_vec4d(pl_aten_fn fn, double *out, const double *x, const double *g, int64_t n)
{
    const __m256d one = _mm256_set1_pd(1.0), sign = _mm256_set1_pd(-0.0);
    for (int64_t i = 0; i < n; i += 4) {
        __m256d v = _mm256_loadu_pd(x + i), e = exp4(_mm256_xor_pd(sign, v)), r;
        if (fn == PL_ATEN_SIGMOID) r = _mm256_div_pd(one, _mm256_add_pd(e, one));
        else if (fn == PL_ATEN_SILU) r = _mm256_div_pd(v, _mm256_add_pd(one, e));
        else {
            __m256d sg = _mm256_div_pd(one, _mm256_add_pd(one, e));
            __m256d inner = _mm256_fmadd_pd(v, _mm256_sub_pd(one, sg), one);
            r = _mm256_mul_pd(_mm256_mul_pd(_mm256_loadu_pd(g + i), sg), inner);
        }
        _mm256_storeu_pd(out + i, r);
    }
}
#endif

typedef struct {
    pl_aten_fn fn;
    void *out;
    const void *x, *g;      /* g: the incoming gradient (silu backward), else NULL */
    bool f64;               /* doubles, else floats */
    int64_t n, chunk, step; /* ATen's piece length and 2W (0 under "default") */
    bool simd;              /* the AVX2 vector lambda, else its plain reference */
    bool contract;          /* the scalar lambda with torch's FMA (not under "default") */
} layout_job;

/* sinh / cosh / atanh / exp2: SLEEF's in the vector part, the C library's on the tail (ATen's
 * std::sinh ... there); float (sleef_hyp.c) and double (sleef_hypd.c) */
static void
hyperbolic_run(const layout_job *j, int64_t b, int64_t n, bool vec)
{
    if (j->f64) {
        double *out = (double *)j->out + b;
        const double *x = (const double *)j->x + b;
        for (int64_t i = 0; i < n; i++) {
            double v = x[i];
            switch (j->fn) {
            case PL_ATEN_SINH: out[i] = vec ? pl_sleef_sinh(v) : sinh(v); break;
            case PL_ATEN_COSH: out[i] = vec ? pl_sleef_cosh(v) : cosh(v); break;
            case PL_ATEN_ATANH: out[i] = vec ? pl_sleef_atanh(v) : atanh(v); break;
            default: out[i] = vec ? pl_sleef_exp2(v) : exp2(v); break; /* PL_ATEN_EXP2 */
            }
        }
        return;
    }
    float *out = (float *)j->out + b;
    const float *x = (const float *)j->x + b;
    for (int64_t i = 0; i < n; i++) {
        float v = x[i];
        switch (j->fn) {
        case PL_ATEN_SINH: out[i] = vec ? pl_sleef_sinhf(v) : sinhf(v); break;
        case PL_ATEN_COSH: out[i] = vec ? pl_sleef_coshf(v) : coshf(v); break;
        case PL_ATEN_ATANH: out[i] = vec ? pl_sleef_atanhf(v) : atanhf(v); break;
        default: out[i] = vec ? pl_sleef_exp2f(v) : exp2f(v); break; /* PL_ATEN_EXP2 */
        }
    }
}

/* gelu in the tanh form and its backward (ATen's GELU kernels), float and double: SLEEF's tanh
 * in the vector part, the C library's on the tail. Where x is NaN the vector forward gives x's
 * NaN (quieted) and the backward SLEEF's all-ones NaN whatever g is (checked on torch). The
 * compiler that built torch contracts x + kappa x^3, 1 - t^2 and 1 + 3 kappa x^2 into FMAs in both forms (not the last sum of the
 * backward); the default capability's build has no FMA (and no vector part: step 0). */
#define GELU_TANH_RUN(S, T, FMA, TANH, STANH)                                                 \
    static void gelu_tanh_run_##S(const layout_job *j, int64_t b, int64_t n, bool vec)        \
    {                                                                                         \
        const T beta = (T)(1.41421356237309504880 * 1.12837916709551257390 * 0.5);            \
        const T kappa = (T)0.044715;                                                          \
        T *out = (T *)j->out + b;                                                             \
        const T *x = (const T *)j->x + b, *g = j->g ? (const T *)j->g + b : NULL;             \
        bool fused = j->contract;                                                             \
        for (int64_t i = 0; i < n; i++) {                                                     \
            T v = x[i], x_sq = v * v, x_cube = x_sq * v;                                      \
            T inner = beta * (fused ? FMA(kappa, x_cube, v) : v + kappa * x_cube);            \
            T t = vec ? STANH(inner) : TANH(inner);                                           \
            if (vec && t != t) { /* x NaN: which NaN the vector code's steps pass on */       \
                out[i] = j->fn == PL_ATEN_GELU_TANH ? (T)0.5 * v : t;                         \
                continue;                                                                     \
            }                                                                                 \
            if (j->fn == PL_ATEN_GELU_TANH) {                                                 \
                out[i] = (T)0.5 * v * ((T)1 + t);                                             \
                continue;                                                                     \
            }                                                                                 \
            T left = (T)0.5 * v, dleft = (T)0.5 * ((T)1 + t);                                 \
            T dtanh = fused ? FMA(-t, t, (T)1) : (T)1 - t * t;                                \
            T dinner = beta * (fused ? FMA((T)3 * kappa, x_sq, (T)1)                          \
                                     : (T)1 + (T)3 * kappa * x_sq);                           \
            out[i] = g[i] * (dleft + left * dtanh * dinner);                                  \
        }                                                                                     \
    }
GELU_TANH_RUN(f32, float, fmaf, tanhf, pl_sleef_tanhf)
GELU_TANH_RUN(f64, double, fma, tanh, pl_sleef_tanh)
#undef GELU_TANH_RUN

#if defined(__x86_64__) && defined(__GNUC__)
/* float sinh, cosh, atanh, exp2 (sleef_x86.h) and gelu (tanh form) and its backward on the
 * vector part,
 * eight lanes at a time: the same steps as the plain forms above (the vector part is a
 * multiple of 16, so no lane is left over) */
PL_VEXP_TGT static void
vec8_run(const layout_job *j, int64_t b, int64_t n)
{
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    const __m256 beta = _mm256_set1_ps((float)(1.41421356237309504880 * 1.12837916709551257390 *
                                               0.5));
    const float kappa = (float)0.044715;
    const __m256 vk = _mm256_set1_ps(kappa), vk3 = _mm256_set1_ps(3.0f * kappa);
    float *out = (float *)j->out + b;
    const float *x = (const float *)j->x + b, *g = j->g ? (const float *)j->g + b : NULL;
    for (int64_t i = 0; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i), r;
        if (j->fn == PL_ATEN_SINH || j->fn == PL_ATEN_COSH) {
            r = pl_sinhcoshf8(v, j->fn == PL_ATEN_SINH);
        } else if (j->fn == PL_ATEN_ATANH) {
            r = pl_atanhf8(v);
        } else if (j->fn == PL_ATEN_EXP2) {
            r = pl_exp2f8(v);
        } else {
            __m256 x_sq = _mm256_mul_ps(v, v), x_cube = _mm256_mul_ps(x_sq, v);
            __m256 t = pl_tanhf8(_mm256_mul_ps(beta, _mm256_fmadd_ps(vk, x_cube, v)));
            __m256 nan = _mm256_cmp_ps(t, t, _CMP_UNORD_Q), left = _mm256_mul_ps(half, v);
            if (j->fn == PL_ATEN_GELU_TANH) {
                r = _mm256_blendv_ps(_mm256_mul_ps(left, _mm256_add_ps(one, t)), left, nan);
            } else {
                __m256 dleft = _mm256_mul_ps(half, _mm256_add_ps(one, t));
                __m256 dtanh = _mm256_fnmadd_ps(t, t, one);
                __m256 dinner = _mm256_mul_ps(beta, _mm256_fmadd_ps(vk3, x_sq, one));
                __m256 sum = _mm256_add_ps(dleft, _mm256_mul_ps(_mm256_mul_ps(left, dtanh), dinner));
                r = _mm256_blendv_ps(_mm256_mul_ps(_mm256_loadu_ps(g + i), sum), t, nan);
            }
        }
        _mm256_storeu_ps(out + i, r);
    }
}

/* the same for double sinh, cosh, exp2, atanh and gelu, four lanes at a time */
PL_VEXP_TGT static void
vec4d_run(const layout_job *j, int64_t b, int64_t n)
{
    const __m256d half = _mm256_set1_pd(0.5), one = _mm256_set1_pd(1.0);
    const __m256d beta = _mm256_set1_pd(1.41421356237309504880 * 1.12837916709551257390 * 0.5);
    const __m256d vk = _mm256_set1_pd(0.044715), vk3 = _mm256_set1_pd(3.0 * 0.044715);
    double *out = (double *)j->out + b;
    const double *x = (const double *)j->x + b, *g = j->g ? (const double *)j->g + b : NULL;
    for (int64_t i = 0; i + 4 <= n; i += 4) {
        __m256d v = _mm256_loadu_pd(x + i), r;
        if (j->fn == PL_ATEN_SINH || j->fn == PL_ATEN_COSH) {
            r = pl_sinhcosh4(v, j->fn == PL_ATEN_SINH);
        } else if (j->fn == PL_ATEN_EXP2) {
            r = pl_exp2d4(v);
        } else if (j->fn == PL_ATEN_ATANH) {
            r = pl_atanhd4(v);
        } else {
            __m256d x_sq = _mm256_mul_pd(v, v), x_cube = _mm256_mul_pd(x_sq, v);
            __m256d t = pl_tanh4(_mm256_mul_pd(beta, _mm256_fmadd_pd(vk, x_cube, v)));
            __m256d nan = _mm256_cmp_pd(t, t, _CMP_UNORD_Q), left = _mm256_mul_pd(half, v);
            if (j->fn == PL_ATEN_GELU_TANH) {
                r = _mm256_blendv_pd(_mm256_mul_pd(left, _mm256_add_pd(one, t)), left, nan);
            } else {
                __m256d dleft = _mm256_mul_pd(half, _mm256_add_pd(one, t));
                __m256d dtanh = _mm256_fnmadd_pd(t, t, one);
                __m256d dinner = _mm256_mul_pd(beta, _mm256_fmadd_pd(vk3, x_sq, one));
                __m256d sum =
                    _mm256_add_pd(dleft, _mm256_mul_pd(_mm256_mul_pd(left, dtanh), dinner));
                r = _mm256_blendv_pd(_mm256_mul_pd(_mm256_loadu_pd(g + i), sum), t, nan);
            }
        }
        _mm256_storeu_pd(out + i, r);
    }
}
#endif

/* whether vec4d_run takes this job's vector part */
static bool
vec4d_takes(const layout_job *j)
{
#if defined(__x86_64__) && defined(__GNUC__)
    return j->simd && j->f64 &&
           (j->fn == PL_ATEN_SINH || j->fn == PL_ATEN_COSH || j->fn == PL_ATEN_EXP2 ||
            j->fn == PL_ATEN_ATANH || j->fn == PL_ATEN_GELU_TANH ||
            j->fn == PL_ATEN_GELU_TANH_BACKWARD);
#else
    (void)j;
    return false;
#endif
}

/* whether vec8_run takes this job's vector part */
static bool
vec8_takes(const layout_job *j)
{
#if defined(__x86_64__) && defined(__GNUC__)
    return j->simd && !j->f64 &&
           (j->fn == PL_ATEN_SINH || j->fn == PL_ATEN_COSH || j->fn == PL_ATEN_ATANH ||
            j->fn == PL_ATEN_EXP2 || j->fn == PL_ATEN_GELU_TANH ||
            j->fn == PL_ATEN_GELU_TANH_BACKWARD);
#else
    (void)j;
    return false;
#endif
}

/* elements [b, b + n) through the vector lambda (vec) or the scalar one */
static void
lambda_run(const layout_job *j, int64_t b, int64_t n, bool vec)
{
    if (n <= 0) return;
#if defined(__x86_64__) && defined(__GNUC__)
    if (vec && n % 8 == 0 && vec8_takes(j)) {
        vec8_run(j, b, n);
        return;
    }
    if (vec && n % 4 == 0 && vec4d_takes(j)) {
        vec4d_run(j, b, n);
        return;
    }
#endif
    if (j->fn == PL_ATEN_SINH || j->fn == PL_ATEN_COSH || j->fn == PL_ATEN_EXP2 ||
        j->fn == PL_ATEN_ATANH) {
        hyperbolic_run(j, b, n, vec);
        return;
    }
    if (j->fn == PL_ATEN_GELU_TANH || j->fn == PL_ATEN_GELU_TANH_BACKWARD) {
        if (j->f64) gelu_tanh_run_f64(j, b, n, vec);
        else gelu_tanh_run_f32(j, b, n, vec);
        return;
    }
    if (j->f64) {
        double *out = (double *)j->out + b;
        const double *x = (const double *)j->x + b, *g = j->g ? (const double *)j->g + b : NULL;
#if defined(__x86_64__) && defined(__GNUC__)
        if (vec && j->simd) {
            lambda_vec4d(j->fn, out, x, g, n);
            return;
        }
#endif
        if (vec) lambda_vec_ref_double(j->fn, out, x, g, n);
        else lambda_scalar_double(j->fn, j->contract, out, x, g, n);
        return;
    }
    float *out = (float *)j->out + b;
    const float *x = (const float *)j->x + b, *g = j->g ? (const float *)j->g + b : NULL;
#if defined(__x86_64__) && defined(__GNUC__)
    if (vec && j->simd) {
        lambda_vec8(j->fn, out, x, g, n);
        return;
    }
#endif
    if (vec) lambda_vec_ref_float(j->fn, out, x, g, n);
    else lambda_scalar_float(j->fn, j->contract, out, x, g, n);
}

static void
layout_pieces(void *ctx, int64_t first, int64_t last)
{
    const layout_job *j = ctx;
    for (int64_t p = first; p < last; p++) {
        int64_t b = p * j->chunk, e = b + j->chunk < j->n ? b + j->chunk : j->n;
        int64_t nv = j->step ? (e - b) / j->step * j->step : 0;
        lambda_run(j, b, nv, true);
        lambda_run(j, b + nv, e - b - nv, false);
    }
}

/* the split of pl_aten_layout; vector false: every element through the scalar lambda (with
 * the capability's contractions), as ATen's loop takes an operand that is not contiguous */
static void
layout_go(pl_aten_fn fn, bool f64, void *out, const void *x, const void *g, int64_t n, int cap,
          bool simd, bool vector)
{
    static const int64_t steps[] = {0, 16, 32}; /* 2W in floats; halved for doubles */
    int threads = pl_parallel_get_num_threads();
    int64_t pieces = 1;
    bool gelu = fn == PL_ATEN_GELU_TANH || fn == PL_ATEN_GELU_TANH_BACKWARD;
    if (gelu) { /* ATen's GELU kernels: a grain of n / threads above 6144 elements */
        if (n > 6144 && threads > 1) pieces = threads;
    } else if (n >= ATEN_GRAIN && threads > 1) {
        pieces = (n + ATEN_GRAIN - 1) / ATEN_GRAIN;
        if (pieces > threads) pieces = threads;
    }
#if defined(__x86_64__) && defined(__GNUC__)
    simd = simd && pl_have_avx2_fma();
#else
    simd = false;
#endif
    int64_t step = vector ? steps[cap] / (f64 ? 2 : 1) : 0;
    layout_job j = {fn, out, x, g, f64, n, (n + pieces - 1) / pieces, step, simd,
                    cap != PL_ATEN_DEFAULT};
    if (pieces == 1) {
        layout_pieces(&j, 0, 1);
        return;
    }
    pl_parallel_for(pieces, layout_pieces, &j, 1);
}

void
pl_aten_layout(pl_aten_fn fn, bool f64, void *out, const void *x, const void *g, int64_t n,
               int cap, bool simd)
{
    layout_go(fn, f64, out, x, g, n, cap, simd, true);
}

void
pl_aten_run(pl_aten_fn fn, bool f64, void *out, const void *x, const void *g, int64_t n)
{
    layout_go(fn, f64, out, x, g, n, pl_aten_capability(), true, true);
}

void
pl_aten_run_scalar(pl_aten_fn fn, bool f64, void *out, const void *x, const void *g, int64_t n)
{
    layout_go(fn, f64, out, x, g, n, pl_aten_capability(), true, false);
}

void
pl_sigmoid_f32_layout(float *out, const float *a, int64_t n, int cap, bool simd)
{
    pl_aten_layout(PL_ATEN_SIGMOID, false, out, a, NULL, n, cap, simd);
}

void
pl_sigmoid_f64_layout(double *out, const double *a, int64_t n, int cap, bool simd)
{
    pl_aten_layout(PL_ATEN_SIGMOID, true, out, a, NULL, n, cap, simd);
}

/* ---- exp(x - shift) and exp(x - m[k]) over a row, as ATen's vector lambdas give them ----
 * ATen's vec::map of (x - Vec(shift)).exp() puts every element through the vector exp (a row's
 * tail as a partial vector), so under AVX2/AVX-512 each is SLEEF's exp of the rounded
 * difference; under "default" libm's. The AVX2 loops take whole blocks, the plain reference the
 * rest: the same bits. */

#if defined(__x86_64__) && defined(__GNUC__)
#define EXP_BLOCKS(S, T, V, W, LOAD, STORE, SET1, SUB, EXP)                                   \
    PL_VEXP_TGT static int64_t exp_blocks_##S(T *out, const T *x, const T *m, T shift,        \
                                              int64_t n)                                      \
    {                                                                                         \
        const V s = SET1(shift);                                                              \
        int64_t k = 0;                                                                        \
        for (; k + W <= n; k += W) STORE(out + k, EXP(SUB(LOAD(x + k), m ? LOAD(m + k) : s))); \
        if (k < n) { /* the tail as a partial vector, as ATen's loadu(ptr, count) */          \
            T xb[W] = {0}, mb[W] = {0}, ob[W];                                                \
            for (int64_t i = 0; i < n - k; i++) {                                             \
                xb[i] = x[k + i];                                                             \
                mb[i] = m ? m[k + i] : 0;                                                     \
            }                                                                                 \
            STORE(ob, EXP(SUB(LOAD(xb), m ? LOAD(mb) : s)));                                  \
            for (int64_t i = 0; i < n - k; i++) out[k + i] = ob[i];                           \
        }                                                                                     \
        return n;                                                                             \
    }
#else /* no vector code: the reference takes every element */
#define EXP_BLOCKS(S, T, ...)                                                                 \
    static int64_t exp_blocks_##S(T *out, const T *x, const T *m, T shift, int64_t n)         \
    {                                                                                         \
        (void)out, (void)x, (void)m, (void)shift, (void)n;                                    \
        return 0;                                                                             \
    }
#endif
EXP_BLOCKS(f32, float, __m256, 8, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps,
           _mm256_sub_ps, expf8)
EXP_BLOCKS(f64, double, __m256d, 4, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_set1_pd,
           _mm256_sub_pd, exp4)
#undef EXP_BLOCKS

/* whether the AVX2 code may run: asked for and the CPU has it */
static bool
simd_ok(bool simd)
{
#if defined(__x86_64__) && defined(__GNUC__)
    return simd && pl_have_avx2_fma();
#else
    (void)simd;
    return false;
#endif
}

/* out[k] = exp(x[k] - (m ? m[k] : shift)): libm's when libm, else SLEEF's */
#define EXP_ROW(S, T, LIBM_EXP, SLEEF_EXP)                                                    \
    static void exp_row_##S(T *out, const T *x, const T *m, T shift, int64_t n, bool libm,    \
                            bool simd)                                                        \
    {                                                                                         \
        int64_t k = 0;                                                                        \
        if (libm) {                                                                           \
            for (; k < n; k++) out[k] = LIBM_EXP(x[k] - (m ? m[k] : shift));                  \
            return;                                                                           \
        }                                                                                     \
        if (simd_ok(simd)) k = exp_blocks_##S(out, x, m, shift, n);                           \
        for (; k < n; k++) out[k] = SLEEF_EXP(x[k] - (m ? m[k] : shift));                     \
    }                                                                                         \
    void pl_aten_exp_shift_##S(T *out, const T *x, T shift, int64_t n, int cap, bool simd)    \
    {                                                                                         \
        exp_row_##S(out, x, NULL, shift, n, cap == PL_ATEN_DEFAULT, simd);                    \
    }                                                                                         \
    void pl_aten_exp_sub_##S(T *out, const T *x, const T *m, int64_t n, bool simd)            \
    {                                                                                         \
        exp_row_##S(out, x, m, 0, n, false, simd);                                            \
    }
EXP_ROW(f32, float, expf, pl_sleef_expf)
EXP_ROW(f64, double, exp, pl_sleef_exp)
#undef EXP_ROW
