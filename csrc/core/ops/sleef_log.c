/* sleef_log.c — SLEEF's 1-ulp natural logarithm (float32 and float64), the vector log that
 * PyTorch 2.13's CPU kernels call (log_softmax takes the log of each row's sum with it).
 *
 * The algorithm (facts from SLEEF's source; our own code, one lane at a time, every step a
 * single rounding, so a lane of the vector build gives the same bits):
 *   - a subnormal d is first scaled by 2^64 (and 64 taken off the exponent below);
 *   - e = the binary exponent of d * (1 / 0.75), m = d * 2^-e, so m lies in [0.75, 1.5);
 *   - x = (m - 1) / (m + 1) as a pair of floats (head + tail) by the FMA-based pair division;
 *   - log d = e ln2 + 2x + x^3 t(x^2), with ln2 as a pair, the sums done in pair arithmetic,
 *     t a short polynomial (degree 2 in x^2 for floats, Estrin's degree 6 for doubles);
 *   - +inf gives +inf, a negative d or NaN gives NaN, zero gives -inf.
 * SLEEF's AVX-512 build takes e and m from getexp/getmant instead; for every finite positive d
 * the two give the same e and m (the rounding of d / 0.75 never crosses a power of two apart
 * from where the mantissa does), so one form serves both capabilities.
 * The pair products need a fused multiply-add: fmaf/fma are exact on every CPU; PL_FMA_CLONES
 * builds the functions with the instruction and with the C library's fma.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

#include "sleef_pair.h"

PL_FMA_CLONES float
pl_sleef_logf(float d)
{
    float in = d;
    int scaled = d < FLT_MIN;
    if (scaled) d *= 18446744073709551616.0f; /* 2^64 */
    uint32_t bits, mb;
    float y = d * (1.0f / 0.75f);
    memcpy(&bits, &y, sizeof bits);
    int32_t e = (int32_t)((bits >> 23) & 0xff) - 0x7f;
    memcpy(&mb, &d, sizeof mb);
    mb += (uint32_t)(-e) << 23;
    float m;
    memcpy(&m, &mb, sizeof m);
    if (scaled) e -= 64;

    fpair s = pf_mul_pt((fpair){0.69314718246459960938f, -1.904654323148236017e-09f}, (float)e);
    fpair x = pf_div(pf_sum2(-1.0f, m), pf_sum2(1.0f, m));
    float x2 = x.x * x.x;
    float t = 0.3027294874e+0f;
    t = fmaf(t, x2, 0.3996108174e+0f);
    t = fmaf(t, x2, 0.6666694880e+0f);
    s = pf_add_pp(s, (fpair){x.x * 2.0f, x.y * 2.0f});
    s = pf_add_pt(s, x2 * x.x * t);
    float r = s.x + s.y;

    if (in == INFINITY) r = INFINITY;
    if (in < 0 || isnan(in)) r = NAN;
    if (in == 0) r = -INFINITY;
    return r;
}

PL_FMA_CLONES double
pl_sleef_log(double d)
{
    double in = d;
    int scaled = d < DBL_MIN;
    if (scaled) d *= 18446744073709551616.0; /* 2^64 */
    uint64_t bits, mb;
    double y = d * (1.0 / 0.75);
    memcpy(&bits, &y, sizeof bits);
    int32_t e = (int32_t)((bits >> 52) & 0x7ff) - 0x3ff;
    memcpy(&mb, &d, sizeof mb);
    mb += (uint64_t)(uint32_t)(-e) << 52;
    double m;
    memcpy(&m, &mb, sizeof m);
    if (scaled) e -= 64;

    dpair x = pd_div(pd_sum2(-1.0, m), pd_sum2(1.0, m));
    double x2 = x.x * x.x, x4 = x2 * x2, x8 = x4 * x4;
    /* Estrin's scheme in x2: c6..c4 and c3..c0, joined by x8 */
    double hi = fma(x4, 0.1532076988502701353e+0, fma(x2, 0.1525629051003428716e+0,
                                                      0.1818605932937785996e+0));
    double lo = fma(x4, fma(x2, 0.2222214519839380009e+0, 0.2857142932794299317e+0),
                    fma(x2, 0.3999999999635251990e+0, 0.6666666666667333541e+0));
    double t = fma(x8, hi, lo);
    dpair s = pd_mul_pt((dpair){0.693147180559945286226764, 2.319046813846299558417771e-17},
                     (double)e);
    s = pd_add_pp(s, (dpair){x.x * 2.0, x.y * 2.0});
    s = pd_add_pt(s, x2 * x.x * t);
    double r = s.x + s.y;

    if (in == INFINITY) r = INFINITY;
    if (in < 0 || isnan(in)) r = NAN;
    if (in == 0) r = -INFINITY;
    return r;
}
