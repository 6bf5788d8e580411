/* sleef_hyp.c — SLEEF's 1-ulp float sinh, cosh, tanh, atanh and exp2, the vector functions
 * PyTorch 2.13's CPU kernels call for torch.sinh / cosh / atanh / exp2 on float32 (in blocks
 * of two vectors, the tail through std::sinh ...: aten_layout.c splits them so) and inside its
 * GELU (tanh form) and mish kernels. (torch.tanh itself is MKL's: vml.h.)
 *
 * The algorithm (facts from SLEEF's source; our own code, one lane at a time, each step
 * rounded as the FMA build rounds it, so a lane of the vector build gives the same bits):
 *   - e^|x| as a pair (SLEEF's expk2f, pf_exp in sleef_pair.h, which expm1 shares);
 *   - sinh = (e - 1/e) / 2, cosh = (e + 1/e) / 2 as pairs, +inf above |x| = 89 (sinh
 *     taking x's sign);
 *   - a NaN gives the all-ones NaN (SLEEF ORs the lane's NaN mask into the result).
 * Every capability's build runs the same steps (the AVX-512 one included), so one form serves
 * both. The pair products need a fused multiply-add: PL_FMA_CLONES builds the functions with
 * the instruction and with the C library's fma, exact either way.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

#include "sleef_pair.h"

static inline float
all_ones_nan(void)
{
    uint32_t ones = 0xffffffffu;
    float f;
    memcpy(&f, &ones, sizeof f);
    return f;
}

/* y with x's sign folded in (y's sign bit XOR x's) */
static inline float
mulsign(float y, float x)
{
    uint32_t by, bx;
    memcpy(&by, &y, sizeof by);
    memcpy(&bx, &x, sizeof bx);
    by ^= bx & 0x80000000u;
    memcpy(&y, &by, sizeof y);
    return y;
}

PL_FMA_CLONES float
pl_sleef_tanhf(float x)
{
    float a = fabsf(x);
    fpair d = pf_exp(a);
    fpair e = pf_rec(d);
    d = pf_div(pf_add_pp(d, (fpair){-e.x, -e.y}), pf_add_pp(d, e));
    float y = d.x + d.y;
    if (a > 8.664339742f || isnan(y)) y = 1.0f;
    y = mulsign(y, x);
    return isnan(x) ? all_ones_nan() : y;
}

PL_FMA_CLONES float
pl_sleef_sinhf(float x)
{
    float a = fabsf(x);
    fpair d = pf_exp(a);
    d = pf_sub_pp(d, pf_rec(d));
    float y = (d.x + d.y) * 0.5f;
    if (a > 89.0f || isnan(y)) y = INFINITY;
    y = mulsign(y, x);
    return isnan(x) ? all_ones_nan() : y;
}

PL_FMA_CLONES float
pl_sleef_coshf(float x)
{
    float a = fabsf(x);
    fpair d = pf_exp(a);
    d = pf_add_pp(d, pf_rec(d));
    float y = (d.x + d.y) * 0.5f;
    if (a > 89.0f || isnan(y)) y = INFINITY;
    return isnan(x) ? all_ones_nan() : y;
}

/* SLEEF's 1-ulp exp2f: q = rint(d), 2^(d - q) by a degree-6 polynomial (the last step one
 * FMA), scaled by 2^q in two factors; +inf from 128 on, +0 below -150 */
PL_FMA_CLONES float
pl_sleef_exp2f(float d)
{
    float u = nearbyintf(d);
    int32_t q = rint_i32_f(u);
    float s = d - u;
    u = 0.1535920892e-3f;
    u = fmaf(u, s, 0.1339262701e-2f);
    u = fmaf(u, s, 0.9618384764e-2f);
    u = fmaf(u, s, 0.5550347269e-1f);
    u = fmaf(u, s, 0.2402264476e+0f);
    u = fmaf(u, s, 0.6931471825e+0f);
    u = fmaf(u, s, 1.0f);
    u = scale2_f(u, q);
    if (d >= 128.0f) u = INFINITY;
    if (d < -150.0f) u = 0.0f;
    return u;
}

/* SLEEF's 1-ulp atanhf: log((1 + |x|) / (1 - |x|)) / 2 with the quotient and the log as pairs;
 * inf at |x| = 1, the all-ones NaN beyond (its sign bit then x's, flipped) and for inf / NaN */
PL_FMA_CLONES float
pl_sleef_atanhf(float x)
{
    float a = fabsf(x);
    fpair d = pf_log(pf_div(pf_sum2(1.0f, a), pf_sum2(1.0f, -a)));
    float y = a == 1.0f ? INFINITY : (d.x + d.y) * 0.5f;
    if (a > 1.0f || isinf(x) || isnan(y)) y = all_ones_nan();
    y = mulsign(y, x);
    return isnan(x) ? all_ones_nan() : y;
}
