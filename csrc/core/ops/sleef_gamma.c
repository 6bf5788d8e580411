/* sleef_gamma.c — SLEEF's 1-ulp float lgamma, the vector function PyTorch 2.13's CPU kernel
 * for torch.lgamma applies to every element of a float32 tensor (ATen's vec::map over each
 * contiguous run, a short last vector loaded partially, so there is no scalar tail).
 *
 * The algorithm (facts from SLEEF's source; our own code, one lane at a time, each step rounded
 * as the FMA build rounds it, so a lane of the vector build gives the same bits). A "pair" is a
 * value held as head + tail (sleef_pair.h). The core returns two pairs, c and b, with
 * lgamma(a) = c + log|b|:
 *   - |a| < 1e-30: c = log(2^60), b = 1 / (a 2^60);
 *   - otherwise x = a, or 1 - a below 0.5 (the reflection), and by x's range:
 *       x in [0.5, 1.2] or (1.2, 2.3): lgamma(x) = t (c1 + t (c2 + t (c3 + t u(t)))) with
 *         t = x - 1 or x - 2 and u a degree-8 polynomial (two coefficient sets), b = 1;
 *       x >= 2.3: Stirling's series, (x - 1/2) log x - x + log(2 pi) / 2 + t u(t), t = 1 / x,
 *         where below 7 x is first raised by 3 and the product x (x + 1) (x + 2) goes into b's
 *         numerator (b = that / (1 + t u(t)) there, else 1 / (1 + t u(t)));
 *   - the reflection: c = log(pi) - c and b's denominator times sin(pi a), a first reduced
 *     modulo 4096 (sin(pi t) by a polynomial in t's quarter turns, as SLEEF's sinpifk);
 *   - +inf for +-inf and for a non-positive integer, and where a finite a gives NaN.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

#include "sleef_pair.h"

/* cvttps's conversion of one float: toward zero; INT32_MIN out of range or NaN */
static inline int32_t
trunc_i32_f(float x)
{
    if (!(fabsf(x) < 2147483648.0f)) return INT32_MIN;
    return (int32_t)x;
}

/* a double constant as a float pair (SLEEF's vcast_vf2_d) */
static inline fpair
pair_of(double d)
{
    return (fpair){(float)d, (float)(d - (float)d)};
}

/* sin(pi d) as a pair for |d| < 4096: q the even quarter turn nearest 4d below in magnitude,
 * s = 4d - q, an odd (sine) or even (cosine) polynomial in s, the sign from q's bit 2 */
static fpair
sinpi_pair(float d)
{
    float u = d * 4.0f;
    int32_t q = trunc_i32_f(u);
    q = (int32_t)(((uint32_t)q + (((uint32_t)q >> 31) ^ 1u)) & ~1u);
    bool cosine = (q & 2) != 0;
    float s = u - (float)q, t = s;
    s = s * s;
    fpair s2 = pf_prod(t, t);
    u = cosine ? -0.2430611801e-7f : +0.3093842054e-6f;
    u = fmaf(u, s, cosine ? +0.3590577080e-5f : -0.3657307388e-4f);
    u = fmaf(u, s, cosine ? -0.3259917721e-3f : +0.2490393585e-2f);
    fpair c2 = cosine ? (fpair){(float)0.015854343771934509277, (float)4.4940051354032242811e-10}
                      : (fpair){(float)-0.080745510756969451904,
                                (float)-1.3373665339076936258e-09};
    fpair x = pf_add2_tp(u * s, c2);
    fpair c1 = cosine ? (fpair){(float)-0.30842512845993041992, (float)-9.0728339030733922277e-09}
                      : (fpair){(float)0.78539818525314331055, (float)-2.1857338617566484855e-08};
    x = pf_add2_pp(pf_mul_pp(s2, x), c1);
    x = pf_mul_pp(x, cosine ? s2 : (fpair){t, 0.0f});
    if (cosine) x = pf_add2_pt(x, 1.0f);
    if (q & 4) x = pf_neg(x);
    return x;
}

/* u(t)'s coefficients, highest first: [0] x >= 2.3 (Stirling), [1] x in [0.5, 1.2], [2] else.
 * SLEEF passes the first set as doubles to a float parameter: each rounded to float once. */
static const float GAMMA_U[3][9] = {
    {(float)+0.000839498720672087279971000786, (float)-5.17179090826059219329394422e-05,
     (float)-0.000592166437353693882857342347, (float)+6.97281375836585777403743539e-05,
     (float)+0.000784039221720066627493314301, (float)-0.000229472093621399176949318732,
     (float)-0.002681327160493827160473958490, (float)+0.003472222222222222222175164840,
     (float)+0.083333333333333333335592087900},
    {+0.9435157776e+0f, +0.8670063615e+0f, +0.4826702476e+0f, -0.8855129778e-1f,
     +0.1013825238e+0f, -0.1493408978e+0f, +0.1697509140e+0f, -0.2072454542e+0f,
     +0.2705872357e+0f},
    {+0.1102489550e-3f, +0.8160019934e-4f, +0.1528468856e-3f, -0.2355068718e-3f,
     +0.4962242092e-3f, -0.1193488017e-2f, +0.2891599433e-2f, -0.7385451812e-2f,
     +0.2058077045e-1f},
};

/* SLEEF's gammafk: lgamma(a) = *c + log|*b| */
static void
gamma_core(float a, fpair *c_out, fpair *b_out)
{
    fpair clc, clln = {1.0f, 0.0f}, clld = {1.0f, 0.0f}, x, y, z;
    bool tiny = fabsf(a) < 1e-30f, reflect = a < 0.5f;
    x = tiny ? (fpair){0.0f, 0.0f} : reflect ? pf_sum2(1.0f, -a) : (fpair){a, 0.0f};
    bool mid = 0.5f <= x.x && x.x <= 1.2f, big = 2.3f <= x.x;

    y = pf_norm(pf_mul_pp(pf_add2_pt(x, 1.0f), x));
    y = pf_norm(pf_mul_pp(pf_add2_pt(x, 2.0f), y));
    if (big && x.x <= 7.0f) { /* x (x + 1) (x + 2), and x + 3 for the series */
        clln = y;
        x = pf_add2_pt(x, 3.0f);
    }
    float t = big ? 1.0f / x.x : pf_norm(pf_add2_pt(x, mid ? -1.0f : -2.0f)).x;
    const float *c = GAMMA_U[big ? 0 : mid ? 1 : 2];
    float u = c[0];
    for (int k = 1; k < 9; k++) u = fmaf(u, t, c[k]);

    /* the series: (x - 1/2) log x - x + log(2 pi) / 2 */
    y = pf_mul_pp(pf_add2_pt(x, -0.5f), pf_log(x));
    y = pf_add2_pp(y, pf_neg(x));
    y = pf_add2_pp(y, pair_of(0.91893853320467278056));
    /* the two short ranges: t (c1 + t (c2 + t (c3 + t u))) */
    z = pf_add2_pt(pf_prod(u, t), mid ? -0.400686534596170958447352690395e+0f
                                      : -0.673523028297382446749257758235e-1f);
    z = pf_add2_pt(pf_mul_pt(z, t), mid ? +0.822466960142643054450325495997e+0f
                                        : +0.322467033928981157743538726901e+0f);
    z = pf_add2_pt(pf_mul_pt(z, t), mid ? -0.577215665946766039837398973297e+0f
                                        : +0.422784335087484338986941629852e+0f);
    z = pf_mul_pt(z, t);
    clc = big ? y : z;
    if (big) clld = pf_add2_pt(pf_prod(u, t), 1.0f);
    y = clln;

    if (tiny) clc = pair_of(41.58883083359671856503); /* log(2^60) */
    else if (reflect) clc = pf_add2_pp(pair_of(1.1447298858494001639), pf_neg(clc)); /* log(pi) */
    clln = tiny ? (fpair){1.0f, 0.0f} : reflect ? clln : clld;
    if (reflect) { /* sin(pi a) of a reduced modulo 4096 */
        float r = a - 4096.0f * (float)trunc_i32_f(a * (float)(1.0 / 4096));
        x = pf_mul_pp(clld, sinpi_pair(r));
    }
    clld = tiny ? (fpair){a * (float)(INT64_C(1) << 60), 0.0f} : reflect ? x : y;
    *c_out = clc;
    *b_out = pf_div(clln, clld);
}

PL_FMA_CLONES float
pl_sleef_lgammaf(float a)
{
    fpair c, b;
    gamma_core(a, &c, &b);
    fpair y = pf_add2_pp(c, pf_log(pf_abs(b)));
    float r = y.x + y.y;
    bool finite = !isinf(a) && !isnan(a);
    if (isinf(a) || (a <= 0 && truncf(a) == a) || (finite && isnan(r))) r = INFINITY;
    return r;
}
