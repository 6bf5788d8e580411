/* sleef_hypd.c — SLEEF's 1-ulp double sinh, cosh, tanh, atanh and exp2: the vector functions
 * PyTorch 2.13's CPU kernels call for torch.sinh / cosh / atanh / exp2 on float64 (in blocks
 * of two vectors, the tail through std::sinh ...: aten_layout.c splits them so) and inside its
 * float64 GELU (tanh form) and mish kernels. (torch.tanh itself is MKL's: vml.h.)
 *
 * The algorithms (facts from SLEEF's source; our own code, one lane at a time, each step
 * rounded as the FMA build rounds it, so a lane of the vector build gives the same bits):
 *   - e^|x| as a pair (SLEEF's expk2, pd_exp in sleef_pair.h);
 *   - sinh = (e - 1/e) / 2, cosh = (e + 1/e) / 2, tanh = (e - 1/e) / (e + 1/e) as pairs;
 *     +inf above |x| = 710 (sinh taking x's sign), tanh +-1 above |x| = 18.714973875;
 *   - atanh = log((1 + |x|) / (1 - |x|)) / 2 with the quotient and the log as pairs
 *     (pd_log), inf at |x| = 1;
 *   - exp2: q = rint(d), 2^(d - q) by a degree-11 polynomial (Estrin, the last two steps
 *     FMAs), scaled by 2^q in two factors; +inf from 1024 on, +0 below -2000;
 *   - a NaN gives the all-ones NaN where SLEEF ORs the lane's NaN mask into the result.
 * The AVX2 and AVX-512 builds run the same steps, so one form serves both capabilities.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

#include "sleef_pair.h"

static inline double
all_ones_nan_d(void)
{
    uint64_t ones = ~(uint64_t)0;
    double f;
    memcpy(&f, &ones, sizeof f);
    return f;
}

/* y with x's sign folded in (y's sign bit XOR x's) */
static inline double
mulsign_d(double y, double x)
{
    uint64_t by, bx;
    memcpy(&by, &y, sizeof by);
    memcpy(&bx, &x, sizeof bx);
    by ^= bx & 0x8000000000000000u;
    memcpy(&y, &by, sizeof y);
    return y;
}

PL_FMA_CLONES double
pl_sleef_sinh(double x)
{
    double a = fabs(x);
    dpair d = pd_exp((dpair){a, 0.0});
    d = pd_sub_pp(d, pd_rec(d));
    double y = (d.x + d.y) * 0.5;
    if (a > 710.0 || isnan(y)) y = INFINITY;
    y = mulsign_d(y, x);
    return isnan(x) ? all_ones_nan_d() : y;
}

PL_FMA_CLONES double
pl_sleef_cosh(double x)
{
    double a = fabs(x);
    dpair d = pd_exp((dpair){a, 0.0});
    d = pd_add_pp(d, pd_rec(d));
    double y = (d.x + d.y) * 0.5;
    if (a > 710.0 || isnan(y)) y = INFINITY;
    return isnan(x) ? all_ones_nan_d() : y;
}

PL_FMA_CLONES double
pl_sleef_tanh(double x)
{
    double a = fabs(x);
    dpair d = pd_exp((dpair){a, 0.0});
    dpair e = pd_rec(d);
    d = pd_div(pd_add2_pp(d, pd_neg(e)), pd_add2_pp(d, e));
    double y = d.x + d.y;
    if (a > 18.714973875 || isnan(y)) y = 1.0;
    y = mulsign_d(y, x);
    return isnan(x) ? all_ones_nan_d() : y;
}

PL_FMA_CLONES double
pl_sleef_atanh(double x)
{
    double a = fabs(x);
    dpair d = pd_log(pd_div(pd_sum2(1.0, a), pd_sum2(1.0, -a)));
    double y = a > 1.0 ? all_ones_nan_d() : a == 1.0 ? INFINITY : (d.x + d.y) * 0.5;
    y = mulsign_d(y, x);
    if (isinf(x) || isnan(y)) y = all_ones_nan_d();
    return isnan(x) ? all_ones_nan_d() : y;
}

PL_FMA_CLONES double
pl_sleef_exp2(double d)
{
    double u = nearbyint(d);
    int32_t q = rint_i32_d(u);
    double s = d - u;
    double s2 = s * s, s4 = s2 * s2, s8 = s4 * s4;
    u = PD_POLY10(s, s2, s4, s8, +0.4434359082926529454e-9, +0.7073164598085707425e-8,
                  +0.1017819260921760451e-6, +0.1321543872511327615e-5, +0.1525273353517584730e-4,
                  +0.1540353045101147808e-3, +0.1333355814670499073e-2, +0.9618129107597600536e-2,
                  +0.5550410866482046596e-1, +0.2402265069591012214e+0);
    u = fma(u, s, +0.6931471805599452862e+0);
    u = fma(u, s, 1.0);
    u = scale2_d(u, q);
    if (d >= 1024.0) u = INFINITY;
    if (d < -2000.0) u = 0.0;
    return u;
}
