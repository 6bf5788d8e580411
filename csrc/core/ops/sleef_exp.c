/* sleef_exp.c — SLEEF's 1-ulp expm1 and log1p (float32 and float64), the vector functions
 * PyTorch 2.13's CPU kernels call for torch.expm1 / torch.log1p (ATen's vec::map applies them to
 * every element, a short last vector loaded partially, so the tail is no exception) and inside
 * the activations written with expm1 (elu, celu, selu).
 *
 * The algorithms (facts from SLEEF's source; our own code, one lane at a time, every step a
 * single rounding, so a lane of the vector build gives the same bits). "Pair" is a value held
 * as an unevaluated sum of two floats (head + tail).
 *
 * expm1(a): the pair exp of a, less 1 in pair arithmetic, head + tail:
 *   - q = rint(a / ln2) (float: a * (1/ln2) rounded to an int32 as cvtps does; double: rounded
 *     as a double first, then converted); s = a - q ln2 as a pair, ln2 in two parts (a high
 *     part with trailing zeros, so q times it is exact, and a low part), each subtracted by the
 *     exact pair addition;
 *   - exp(s) - 1 ~ s + s^2 (1/2 + s (1/6 + s p(s))), the inner part in pair arithmetic: float
 *     p of degree 3 by Horner (FMA), the 1/6 term a pair; double p of degree 9 by Estrin's
 *     scheme in s, s^2, s^4, s^8, its 1/6, 1, 1 steps pairs;
 *   - 1 + that as a pair, both parts scaled by 2^q as 2^(q>>1) * 2^(q - (q>>1)), then - 1;
 *   - above log(FLT_MAX) (88.72283172607421875) / log(DBL_MAX) +inf, below -16.6355... /
 *     -36.7368... -1, -0 stays -0, NaN stays NaN.
 * log1p(d): SLEEF's log with the reduction of 1 + d done without rounding 1 + d:
 *   - e = the binary exponent of (1 + d) * (1 / 0.75) (1 + d rounded; below FLT_MIN / DBL_MIN
 *     first scaled by 2^64 and 64 taken off e, a case only d <= -1 reaches), t = 2^-e built in
 *     the exponent bits, m = d t + (t - 1) in one FMA, so m + 1 = (1 + d) 2^-e lies in
 *     [0.75, 1.5);
 *   - x = m / (2 + m) as a pair (pair division), and log = e ln2 + 2x + x^3 r(x^2) as in the
 *     log (sleef_log.c: the same coefficients, ln2 as a pair);
 *   - above 1e38 (0x1.2ced32p+126) / 1e307 (0x1.c7b1f3cac7433p+1019), and for NaN, SLEEF's log
 *     of d itself (pl_sleef_logf / pl_sleef_log); d < -1 NaN (float: all bits set, as SLEEF ORs
 *     the lane's mask in; double: the default NaN), -1 -inf, -0 -0.
 * SLEEF's AVX-512 build takes log1p's e from getexp (+inf mapped to 128 / 1024) without the
 * 2^64 scaling. For every d > -1 the two agree: 1 + d is then at least 2^-24 (2^-53), a normal
 * number, so getexp is the exponent field; d <= -1 and +inf are replaced after the core either
 * way. A float NaN is not: the AVX-512 build lets it through quieted (torch.log1p's wrapper in
 * unary.c does that), the AVX2 build gives log(NaN), the default NaN. Its expm1 is the same
 * code in every build. So one form serves both capabilities.
 * The pair products need a fused multiply-add: fmaf/fma are exact on every CPU; PL_FMA_CLONES
 * builds the functions with the instruction and with the C library's fma.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../autograd.h"
#include "../parallel.h"
#include "internal.h"

#include "sleef_pair.h"
#include "sleef_x86.h"

/* ---- float ---- */

PL_FMA_CLONES float
pl_sleef_expm1f(float a)
{
    fpair t = pf_exp(a);

    fpair e = pf_add2_pt(t, -1.0f);
    float r = e.x + e.y;
    if (a > 88.72283172607421875f) r = INFINITY;
    if (a < -16.635532333438687426013570f) r = -1.0f;
    if (a == 0 && signbit(a)) r = -0.0f;
    return r;
}

PL_FMA_CLONES float
pl_sleef_log1pf(float d)
{
    float dp1 = d + 1.0f;
    int tiny = dp1 < FLT_MIN;
    if (tiny) dp1 *= 18446744073709551616.0f; /* 2^64 */
    uint32_t b, tb;
    float y = dp1 * (1.0f / 0.75f);
    memcpy(&b, &y, sizeof b);
    int32_t e = (int32_t)((b >> 23) & 0xff) - 0x7f;
    tb = 0x3f800000u + ((uint32_t)(-(int64_t)e) << 23); /* 2^-e */
    float t;
    memcpy(&t, &tb, sizeof t);
    float m = fmaf(d, t, t - 1.0f);
    if (tiny) e -= 64;

    fpair s = pf_mul_pt((fpair){0.69314718246459960938f, -1.904654323148236017e-09f}, (float)e);
    fpair x = pf_div((fpair){m, 0.0f}, pf_sum(2.0f, m));
    float x2 = x.x * x.x;
    float c = 0.3027294874e+0f;
    c = fmaf(c, x2, 0.3996108174e+0f);
    c = fmaf(c, x2, 0.6666694880e+0f);
    s = pf_add_pp(s, (fpair){x.x * 2.0f, x.y * 2.0f});
    s = pf_add_pt(s, x2 * x.x * c);
    float r = s.x + s.y;

    if (!(d <= 0x1.2ced32p+126f)) r = pl_sleef_logf(d);
    if (d < -1.0f) {
        uint32_t ones = 0xffffffffu; /* the NaN SLEEF's mask leaves */
        memcpy(&r, &ones, sizeof r);
    }
    if (d == -1.0f) r = -INFINITY;
    if (d == 0 && signbit(d)) r = -0.0f;
    return r;
}

/* ---- double ---- */

PL_FMA_CLONES double
pl_sleef_expm1(double a)
{
    double qd = nearbyint(a * 1.442695040888963407359924681001892137426645954152985934135449406931);
    int32_t q = rint_i32_d(qd);
    dpair s = pd_add2_pt((dpair){a, 0.0}, qd * -.69314718055966295651160180568695068359375);
    s = pd_add2_pt(s, qd * -.28235290563031577122588448175013436025525412068e-12);

    dpair s2 = pd_square(s), s4 = pd_square(s2);
    double x = s.x, x2 = s2.x, x4 = s4.x, x8 = s4.x * s4.x;
    /* Estrin's scheme: c9 x + c8 joined by x^8 to the degree-7 part (two halves by x^4, each
     * two pairs of terms by x^2) */
    double hi = fma(x, 0.1602472219709932072e-9, 0.2092255183563157007e-8);
    double q76 = fma(x2, fma(x, 0.2505230023782644465e-7, 0.2755724800902135303e-6),
                     fma(x, 0.2755731892386044373e-5, 0.2480158735605815065e-4));
    double q30 = fma(x2, fma(x, 0.1984126984148071858e-3, 0.1388888888886763255e-2),
                     fma(x, 0.8333333333333347095e-2, 0.4166666666666669905e-1));
    double p = fma(x8, hi, fma(x4, q76, q30));

    dpair t = pd_add_ts(0.5, pd_mul_pt(s, 0.1666666666666666574e+0));
    t = pd_add_ts(1.0, pd_mul_pp(t, s));
    t = pd_add_ts(1.0, pd_mul_pp(t, s));
    t = pd_add_pp(t, pd_mul_pt(s4, p));
    t.x = scale2_d(t.x, q);
    t.y = scale2_d(t.y, q);
    if (a < -1000.0) t.x = t.y = 0.0; /* (never reached below: a < -36.7 gives -1) */

    dpair e = pd_add2_pt(t, -1.0);
    double r = e.x + e.y;
    if (a > 709.782712893383996732223) r = INFINITY;
    if (a < -36.736800569677101399113302437) r = -1.0;
    if (a == 0 && signbit(a)) r = -0.0;
    return r;
}

PL_FMA_CLONES double
pl_sleef_log1p(double d)
{
    double dp1 = d + 1.0;
    int tiny = dp1 < DBL_MIN;
    if (tiny) dp1 *= 18446744073709551616.0; /* 2^64 */
    uint64_t b, tb;
    double y = dp1 * (1.0 / 0.75);
    memcpy(&b, &y, sizeof b);
    int32_t e = (int32_t)((b >> 52) & 0x7ff) - 0x3ff;
    /* 2^-e: -e << 20 added to the high word, as the vector code does */
    tb = 0x3ff0000000000000u + ((uint64_t)((uint32_t)(-(int64_t)e) << 20) << 32);
    double t;
    memcpy(&t, &tb, sizeof t);
    double m = fma(d, t, t - 1.0);
    if (tiny) e -= 64;

    dpair s = pd_mul_pt((dpair){0.693147180559945286226764, 2.319046813846299558417771e-17},
                        (double)e);
    dpair x = pd_div((dpair){m, 0.0}, pd_sum(2.0, m));
    double x2 = x.x * x.x, x4 = x2 * x2, x8 = x4 * x4;
    double hi = fma(x4, 0.1532076988502701353e+0,
                    fma(x2, 0.1525629051003428716e+0, 0.1818605932937785996e+0));
    double lo = fma(x4, fma(x2, 0.2222214519839380009e+0, 0.2857142932794299317e+0),
                    fma(x2, 0.3999999999635251990e+0, 0.6666666666667333541e+0));
    double c = fma(x8, hi, lo);
    s = pd_add_pp(s, (dpair){x.x * 2.0, x.y * 2.0});
    s = pd_add_pt(s, x2 * x.x * c);
    double r = s.x + s.y;

    if (!(d <= 0x1.c7b1f3cac7433p+1019)) r = pl_sleef_log(d);
    if (d < -1.0 || isnan(d)) r = NAN;
    if (d == -1.0) r = -INFINITY;
    if (d == 0 && signbit(d)) r = -0.0;
    return r;
}

/* ---- activations whose ATen kernels are built on expm1 / log1p ----
 * PyTorch's CPU kernels for elu (and celu, selu) and softplus run through cpu_kernel_vec: on a
 * contiguous run ATen takes 2W elements at a time through the vector lambda (SLEEF's
 * functions; W = 8 float lanes under AVX2, 16 under AVX-512, half as many doubles) and the rest
 * of the run through the scalar lambda (the C library's), the run being a whole tensor below
 * the grain of 32768 elements, else one of ceil(n / chunk) pieces, chunk = ceil(n / threads)
 * (as aten_layout.c's sigmoid). A run that is not contiguous goes through the scalar lambda.
 *   elu:      x > 0 ? x * poscoef : expm1(x * negiptcoef) * negcoef (vector: a blend on x > 0,
 *             scalar: the test x <= 0; only a NaN's sign can tell them apart), negcoef =
 *             alpha * scale, poscoef = scale, negiptcoef = input_scale, each in the dtype;
 *   softplus: x * beta > threshold ? x : log1p(exp(x * beta)) / beta.
 * log_sigmoid's kernel is a plain parallel loop over the contiguous input that sends every
 * element, a last partial vector too, through the vector code: min(x, 0) - log1p(exp(-|x|)),
 * exp(-|x|) kept as the buffer its backward reads. */

#define ACT_GRAIN 32768

#if defined(__x86_64__) && defined(__GNUC__)
/* eight lanes of mish (x tanh(log1p(exp(x)))) or its backward (g (t + x s (1 - t^2)) with the
 * FMAs of the vector lambda); 0 (nothing written) when a lane's exp(x) needs log1p's log path */
PL_VEXP_TGT static int
mish_block8(int kind, float *out, const float *x, const float *g)
{
    __m256 v = _mm256_loadu_ps(x), e = expf8(v);
    if (!pl_log1pf8_ok(e)) return 0;
    __m256 t = pl_tanhf8(pl_log1pf8_core(e)), one = _mm256_set1_ps(1.0f);
    if (kind == PL_ACT_MISH) {
        _mm256_storeu_ps(out, _mm256_mul_ps(v, t));
        return 1;
    }
    __m256 en = expf8(_mm256_xor_ps(v, _mm256_set1_ps(-0.0f)));
    __m256 sg = _mm256_div_ps(one, _mm256_add_ps(one, en));
    __m256 u = _mm256_fnmadd_ps(t, t, one);
    __m256 r = _mm256_fmadd_ps(_mm256_mul_ps(v, sg), u, t);
    _mm256_storeu_ps(out, _mm256_mul_ps(_mm256_loadu_ps(g), r));
    return 1;
}
#endif

/* one run of n elements through the vector lambda (vec: SLEEF's functions) or the scalar one
 * (the C library's); p: the kind's parameters, in the dtype */
#define ACT_RUN(S, T, ABS, EXPM1, LOG1P, EXP, TANH, FMA, SEXPM1, SLOG1P, SEXP, STANH)           \
    static void act_run_##S(int kind, const double *p, T *out, const T *x, const T *g,        \
                            int64_t n, bool vec)                                               \
    {                                                                                          \
        T c0 = (T)p[0], c1 = (T)p[1], c2 = (T)p[2];                                            \
        bool fused = pl_aten_capability() != PL_ATEN_DEFAULT; /* torch's contractions */       \
        switch (kind) {                                                                        \
        case PL_ACT_MISH: /* x tanh(log1p(exp(x))) */                                          \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T v = x[i];                                                                    \
                out[i] = v * (vec ? STANH(SLOG1P(SEXP(v))) : TANH(LOG1P(EXP(v))));             \
            }                                                                                  \
            break;                                                                             \
        case PL_ACT_MISH_BACKWARD: /* g (t + x s (1 - t^2)), s = sigmoid(x), t as mish's */    \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T v = x[i];                                                                    \
                T s = (T)1 / ((T)1 + (vec ? SEXP(-v) : EXP(-v)));                              \
                T t = vec ? STANH(SLOG1P(SEXP(v))) : TANH(LOG1P(EXP(v)));                      \
                T u = fused ? FMA(-t, t, (T)1) : (T)1 - t * t;                                 \
                out[i] = g[i] * (fused ? FMA(v * s, u, t) : t + v * s * u);                    \
            }                                                                                  \
            break;                                                                             \
        case PL_ACT_ELU_BACKWARD: { /* g * scale, or g input_scale alpha scale exp(x ...) */    \
            T neg = c0 * c1;                                                                   \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T v = x[i], d = g[i];                                                          \
                if (vec) out[i] = v > 0 ? d * c1 : d * c2 * neg * SEXP(v * c2);                \
                else out[i] = v <= 0 ? d * c2 * neg * EXP(v * c2) : d * c1;                    \
            }                                                                                  \
            break;                                                                             \
        }                                                                                      \
        case PL_ACT_SOFTPLUS_BACKWARD: /* g, or g z / (z + 1), z = exp(x beta) */              \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T v = x[i], d = g[i], zb = v * c0, z = vec ? SEXP(zb) : EXP(zb);               \
                out[i] = zb > c1 ? d : d * z / (z + (T)1);                                     \
            }                                                                                  \
            break;                                                                             \
        case PL_ACT_ELU: { /* c0 alpha, c1 scale, c2 input_scale */                            \
            T neg = c0 * c1;                                                                   \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T v = x[i];                                                                    \
                if (vec) out[i] = v > 0 ? v * c1 : SEXPM1(v * c2) * neg;                       \
                else out[i] = v <= 0 ? EXPM1(v * c2) * neg : v * c1;                           \
            }                                                                                  \
            break;                                                                             \
        }                                                                                      \
        case PL_ACT_SOFTPLUS: /* c0 beta, c1 threshold */                                      \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T v = x[i], z = v * c0;                                                        \
                T soft = vec ? SLOG1P(SEXP(z)) / c0 : LOG1P(EXP(z)) / c0;                      \
                out[i] = z > c1 ? v : soft;                                                    \
            }                                                                                  \
            break;                                                                             \
        case PL_ACT_LOG_SIGMOID: /* min(x, 0) (a NaN kept) - log1p(exp(-|x|)) */               \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T v = x[i], m = (v < 0 || v != v) ? v : (T)0, b = -ABS(v);                     \
                out[i] = m - (vec ? SLOG1P(SEXP(b)) : LOG1P(EXP(b)));                          \
            }                                                                                  \
            break;                                                                             \
        default: /* PL_ACT_LOG_SIGMOID_BUFFER: exp(-|x|) */                                    \
            for (int64_t i = 0; i < n; i++) out[i] = vec ? SEXP(-ABS(x[i])) : EXP(-ABS(x[i])); \
            break;                                                                             \
        }                                                                                      \
    }
ACT_RUN(f32, float, fabsf, expm1f, log1pf, expf, tanhf, fmaf, pl_sleef_expm1f, pl_sleef_log1pf,
        pl_sleef_expf, pl_sleef_tanhf)
ACT_RUN(f64, double, fabs, expm1, log1p, exp, tanh, fma, pl_sleef_expm1, pl_sleef_log1p,
        pl_sleef_exp, tanh) /* (no mish: SLEEF's double tanh is not here) */
#undef ACT_RUN

/* out = kind(x) over n elements in ATen's iteration order, split as ATen splits them: pieces
 * for the threads, each cut into runs at the multiples of run (the inner dimension's length;
 * 0: the inner dimension is not contiguous and every element takes the scalar lambda); a run
 * takes blocks of step through the vector lambda and the rest through the scalar one (step 0:
 * all scalar); whole: every element through the vector lambda */
/* float mish and its backward on a vector run of n elements, eight lanes at a time with the
 * same steps as act_run_f32's vector forms (sleef_x86.h); a block where exp(x) leaves log1p's
 * core range (x NaN or above ~87.5) goes through act_run_f32 itself */
static void
mish_run_f32(int kind, const double *p, float *out, const float *x, const float *g, int64_t n)
{
    int64_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    if (pl_have_avx2_fma())
        for (; i + 8 <= n; i += 8)
            if (!mish_block8(kind, out + i, x + i, g ? g + i : NULL))
                act_run_f32(kind, p, out + i, x + i, g ? g + i : NULL, 8, true);
#endif
    act_run_f32(kind, p, out + i, x + i, g ? g + i : NULL, n - i, true);
}

static void
act_layout(int kind, const double *p, bool f64, void *out, const void *x, const void *g,
           int64_t n, int64_t run, int64_t step, bool whole)
{
    int threads = pl_parallel_get_num_threads();
    int64_t pieces = 1;
    if (n >= ACT_GRAIN && threads > 1) {
        pieces = (n + ACT_GRAIN - 1) / ACT_GRAIN;
        if (pieces > threads) pieces = threads;
    }
    int64_t chunk = (n + pieces - 1) / pieces;
    for (int64_t b = 0; b < n;) {
        int64_t e = (b / chunk + 1) * chunk; /* the end of b's piece, */
        if (e > n) e = n;
        if (run > 0 && (b / run + 1) * run < e) e = (b / run + 1) * run; /* or of its run */
        int64_t len = e - b;
        int64_t nv = whole ? len : (run > 0 && step) ? len / step * step : 0;
        if (f64) {
            const double *xd = (const double *)x + b, *gd = g ? (const double *)g + b : NULL;
            act_run_f64(kind, p, (double *)out + b, xd, gd, nv, true);
            act_run_f64(kind, p, (double *)out + b + nv, xd + nv, gd ? gd + nv : NULL, len - nv,
                        false);
        } else {
            const float *xf = (const float *)x + b, *gf = g ? (const float *)g + b : NULL;
            if (kind == PL_ACT_MISH || kind == PL_ACT_MISH_BACKWARD)
                mish_run_f32(kind, p, (float *)out + b, xf, gf, nv);
            else
                act_run_f32(kind, p, (float *)out + b, xf, gf, nv, true);
            act_run_f32(kind, p, (float *)out + b + nv, xf + nv, gf ? gf + nv : NULL, len - nv,
                        false);
        }
        b = e;
    }
}
/* ATen's iteration order for a's elements: its dims of size above 1 from the smallest stride
 * to the largest (order[0] the fastest), and the length of the inner run ATen's loop sees, the
 * dims coalesced from the fastest while each continues the last (0 when the fastest dim is not
 * contiguous). Returns the number of dims in order. */
static int
iteration_order(const pl_tensor *a, int64_t *order, int64_t *run)
{
    int k = 0;
    for (int d = a->ndim - 1; d >= 0; d--) { /* insertion sort, stable from the last dim */
        if (a->shape[d] == 1) continue;
        int i = k++;
        while (i > 0 && a->strides[order[i - 1]] > a->strides[d]) {
            order[i] = order[i - 1];
            i--;
        }
        order[i] = d;
    }
    *run = 0;
    if (k == 0 || a->strides[order[0]] == 1) {
        int64_t len = 1, next = 1;
        for (int i = 0; i < k && a->strides[order[i]] == next; i++) {
            len *= a->shape[order[i]];
            next = len;
        }
        *run = len;
    }
    return k;
}

pl_tensor *
pl_aten_activation(pl_tensor *a, pl_tensor *g, int kind, double p0, double p1, double p2)
{
    if (a->dtype != PL_FLOAT32 && a->dtype != PL_FLOAT64) {
        pl_error_set(PL_ERR_TYPE, "expected a float32 or float64 tensor");
        return NULL;
    }
    if (kind < 0 || kind >= PL_ACT_NUM) {
        pl_error_set(PL_ERR_VALUE, "unknown activation kind %d", kind);
        return NULL;
    }
    if ((kind == PL_ACT_MISH || kind == PL_ACT_MISH_BACKWARD) && a->dtype != PL_FLOAT32) {
        pl_error_set(PL_ERR_TYPE, "mish's kernel takes a float32 tensor");
        return NULL;
    }
    bool backward = kind == PL_ACT_ELU_BACKWARD || kind == PL_ACT_SOFTPLUS_BACKWARD ||
                    kind == PL_ACT_MISH_BACKWARD;
    if (!backward) {
        g = NULL;
    } else if (!g || g->dtype != a->dtype || !pl_same_shape(g, a)) {
        pl_error_set(PL_ERR_VALUE, "the backward kinds take a gradient of the input's dtype and "
                                   "shape");
        return NULL;
    }
    const double p[3] = {p0, p1, p2};
    bool f64 = a->dtype == PL_FLOAT64;
    int cap = pl_aten_capability();
    int64_t step = cap == PL_ATEN_DEFAULT ? 0 : (cap == PL_ATEN_AVX512 ? 32 : 16) / (f64 ? 2 : 1);
    int64_t n = a->numel;
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    pl_tensor *out = NULL, *src = NULL, *perm = NULL, *buf = NULL, *back = NULL;
    pl_tensor *gperm = NULL, *gsrc = NULL;
    if (kind == PL_ACT_LOG_SIGMOID || kind == PL_ACT_LOG_SIGMOID_BUFFER) {
        /* its kernel reads a contiguous copy, every element through the vector code (the C
         * library's functions under "default") */
        if ((src = pl_contiguous(a)) && (out = pl_tensor_empty(a->ndim, a->shape, a->dtype)))
            act_layout(kind, p, f64, pl_tensor_data(out), pl_tensor_data(src), NULL, n, n, step,
                       cap != PL_ATEN_DEFAULT);
        goto done;
    }
    /* the others walk a's elements in its memory order: gather them in that order (a dim of
     * stride 0 is read as a copy), compute, and put each result back at its index. A backward's
     * gradient is gathered in the same order; ATen's split follows the two operands' strides
     * together, which is a's when g is laid out as a or broadcast from one value (the usual
     * cases: a gradient of a sum, of a contiguous result); otherwise a's order is taken. */
    int64_t order[PL_MAX_DIMS], run, dims[PL_MAX_DIMS], inv[PL_MAX_DIMS];
    int k = iteration_order(a, order, &run);
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] > 1 && a->strides[d] == 0) run = 0, k = -1;
    if (k < 0) { /* expanded: as a contiguous copy */
        k = 0;
        for (int d = a->ndim - 1; d >= 0; d--)
            if (a->shape[d] > 1) order[k++] = d;
        run = n;
    }
    /* dims: slowest first; the size-1 dims in front */
    int j = 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] == 1) dims[j++] = d;
    for (int i = k - 1; i >= 0; i--) dims[j++] = order[i];
    for (int d = 0; d < a->ndim; d++) inv[dims[d]] = d;
    if (!(perm = pl_permute(a, a->ndim, dims)) || !(src = pl_contiguous(perm))) goto done;
    if (!(buf = pl_tensor_empty(src->ndim, src->shape, a->dtype))) goto done;
    if (g && (!(gperm = pl_permute(g, a->ndim, dims)) || !(gsrc = pl_contiguous(gperm))))
        goto done;
    act_layout(kind, p, f64, pl_tensor_data(buf), pl_tensor_data(src),
               gsrc ? pl_tensor_data(gsrc) : NULL, n, run, step, false);
    if ((back = pl_permute(buf, a->ndim, inv))) out = pl_contiguous(back);
done:
    pl_tensor_release(gsrc);
    pl_tensor_release(gperm);
    pl_tensor_release(back);
    pl_tensor_release(buf);
    pl_tensor_release(perm);
    pl_tensor_release(src);
    pl_set_grad_enabled(was);
    return out;
}
