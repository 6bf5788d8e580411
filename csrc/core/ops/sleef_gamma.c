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

/* ---- double: the same steps (SLEEF's gammak, sinpik, xlgamma_u1) with longer polynomials,
 * the tiny cut at 1e-306 (c = log(2^120)), x raised by 5 below 7 (x (x+1) (x+2) (x+3) (x+4)
 * into b), the reflection's reduction modulo 2^28 ---- */

/* cvttpd's conversion of one double: toward zero; INT32_MIN out of range or NaN */
static inline int32_t
trunc_i32_d(double x)
{
    if (!(fabs(x) < 2147483648.0)) return INT32_MIN;
    return (int32_t)x;
}

static dpair
sinpi_pair_d(double d)
{
    double u = d * 4.0;
    int32_t q = trunc_i32_d(u);
    q = (int32_t)(((uint32_t)q + (((uint32_t)q >> 31) ^ 1u)) & ~1u);
    bool cosine = (q & 2) != 0;
    double s = u - (double)q, t = s;
    s = s * s;
    dpair s2 = pd_prod(t, t);
    u = cosine ? 9.94480387626843774090208e-16 : -2.02461120785182399295868e-14;
    u = fma(u, s, cosine ? -3.89796226062932799164047e-13 : 6.948218305801794613277840e-12);
    u = fma(u, s, cosine ? 1.150115825399960352669010e-10 : -1.75724749952853179952664e-09);
    u = fma(u, s, cosine ? -2.46113695010446974953590e-08 : 3.133616889668683928784220e-07);
    u = fma(u, s, cosine ? 3.590860448590527540050620e-06 : -3.65762041821615519203610e-05);
    u = fma(u, s, cosine ? -0.000325991886927389905997954 : 0.0024903945701927185027435600);
    dpair c2 = cosine ? (dpair){0.0158543442438155018914259, -1.04693272280631521908845e-18}
                      : (dpair){-0.0807455121882807852484731, 3.61852475067037104849987e-18};
    dpair x = pd_add2_tp(u * s, c2);
    dpair c1 = cosine ? (dpair){-0.308425137534042437259529, -1.95698492133633550338345e-17}
                      : (dpair){0.785398163397448278999491, 3.06287113727155002607105e-17};
    x = pd_add2_pp(pd_mul_pp(s2, x), c1);
    x = pd_mul_pp(x, cosine ? s2 : (dpair){t, 0.0});
    if (cosine) x = pd_add2_pt(x, 1.0);
    if (q & 4) x = pd_neg(x);
    return x;
}

/* u(t)'s coefficients, highest first: [0] x >= 2.3, [1] x in [0.5, 1.1], [2] else */
static const double GAMMA_U_D[3][23] = {
    {-156.801412704022726379848862, +1.120804464289911606838558160000,
     +13.39798545514258921833306020000, -0.116546276599463200848033357000,
     -1.391801093265337481495562410000, +0.015056113040026424412918973400,
     +0.179540117061234856098844714000, -0.002481743600264997730942489280,
     -0.029527880945699120504851034100, +0.000540164767892604515196325186,
     +0.006403362833808069794787256200, -0.000162516262783915816896611252,
     -0.001914438498565477526465972390, +7.20489541602001055898311517e-05,
     +0.000839498720672087279971000786, -5.17179090826059219329394422e-05,
     -0.000592166437353693882857342347, +6.97281375836585777403743539e-05,
     +0.000784039221720066627493314301, -0.000229472093621399176949318732,
     -0.002681327160493827160473958490, +0.003472222222222222222175164840,
     +0.083333333333333333335592087900},
    {+0.2947916772827614196e+2, +0.1281459691827820109e+3, +0.2617544025784515043e+3,
     +0.3287022855685790432e+3, +0.2818145867730348186e+3, +0.1728670414673559605e+3,
     +0.7748735764030416817e+2, +0.2512856643080930752e+2, +0.5766792106140076868e+1,
     +0.7270275473996180571e+0, +0.8396709124579147809e-1, -0.8211558669746804595e-1,
     +0.6828831828341884458e-1, -0.7712481339961671511e-1, +0.8337492023017314957e-1,
     -0.9094964931456242518e-1, +0.1000996313575929358e+0, -0.1113342861544207724e+0,
     +0.1255096673213020875e+0, -0.1440498967843054368e+0, +0.1695571770041949811e+0,
     -0.2073855510284092762e+0, +0.2705808084277815939e+0},
    {+0.7074816000864609279e-7, +0.4009244333008730443e-6, +0.1040114641628246946e-5,
     +0.1508349150733329167e-5, +0.1288143074933901020e-5, +0.4744167749884993937e-6,
     -0.6554816306542489902e-7, -0.3189252471452599844e-6, +0.1358883821470355377e-6,
     -0.4343931277157336040e-6, +0.9724785897406779555e-6, -0.2036886057225966011e-5,
     +0.4373363141819725815e-5, -0.9439951268304008677e-5, +0.2050727030376389804e-4,
     -0.4492620183431184018e-4, +0.9945751236071875931e-4, -0.2231547599034983196e-3,
     +0.5096695247101967622e-3, -0.1192753911667886971e-2, +0.2890510330742210310e-2,
     -0.7385551028674461858e-2, +0.2058080842778455335e-1},
};

static void
gamma_core_d(double a, dpair *c_out, dpair *b_out)
{
    dpair clc, clln = {1.0, 0.0}, clld = {1.0, 0.0}, x, y, z;
    bool tiny = fabs(a) < 1e-306, reflect = a < 0.5;
    x = tiny ? (dpair){0.0, 0.0} : reflect ? pd_sum2(1.0, -a) : (dpair){a, 0.0};
    bool mid = 0.5 <= x.x && x.x <= 1.1, big = 2.3 <= x.x;

    y = pd_norm(pd_mul_pp(pd_add2_pt(x, 1.0), x));
    y = pd_norm(pd_mul_pp(pd_add2_pt(x, 2.0), y));
    y = pd_norm(pd_mul_pp(pd_add2_pt(x, 3.0), y));
    y = pd_norm(pd_mul_pp(pd_add2_pt(x, 4.0), y));
    if (big && x.x <= 7.0) {
        clln = y;
        x = pd_add2_pt(x, 5.0);
    }
    double t = big ? 1.0 / x.x : pd_norm(pd_add2_pt(x, mid ? -1.0 : -2.0)).x;
    const double *c = GAMMA_U_D[big ? 0 : mid ? 1 : 2];
    double u = c[0];
    for (int k = 1; k < 23; k++) u = fma(u, t, c[k]);

    y = pd_mul_pp(pd_add2_pt(x, -0.5), pd_log(x));
    y = pd_add2_pp(y, pd_neg(x));
    y = pd_add2_pp(y, (dpair){0.91893853320467278056, -3.8782941580672414498e-17});
    z = pd_add2_pt(pd_prod(u, t), mid ? -0.4006856343865314862e+0 : -0.6735230105319810201e-1);
    z = pd_add2_pt(pd_mul_pt(z, t), mid ? +0.8224670334241132030e+0 : +0.3224670334241132030e+0);
    z = pd_add2_pt(pd_mul_pt(z, t), mid ? -0.5772156649015328655e+0 : +0.4227843350984671345e+0);
    z = pd_mul_pt(z, t);
    clc = big ? y : z;
    if (big) clld = pd_add2_pt(pd_prod(u, t), 1.0);
    y = clln;

    if (tiny) clc = (dpair){83.1776616671934334590333, 3.67103459631568507221878e-15};
    else if (reflect)
        clc = pd_add2_pp((dpair){1.1447298858494001639, 1.026595116270782638e-17}, pd_neg(clc));
    clln = tiny ? (dpair){1.0, 0.0} : reflect ? clln : clld;
    if (reflect) {
        double r = a - (double)(INT64_C(1) << 28) *
                           (double)trunc_i32_d(a * (1.0 / (double)(INT64_C(1) << 28)));
        x = pd_mul_pp(clld, sinpi_pair_d(r));
    }
    clld = tiny ? (dpair){a * ((double)(INT64_C(1) << 60) * (double)(INT64_C(1) << 60)), 0.0}
         : reflect ? x : y;
    *c_out = clc;
    *b_out = pd_div(clln, clld);
}

PL_FMA_CLONES double
pl_sleef_lgamma(double a)
{
    dpair c, b;
    gamma_core_d(a, &c, &b);
    dpair y = pd_add2_pp(c, pd_log(pd_abs(b)));
    double r = y.x + y.y;
    bool finite = !isinf(a) && !isnan(a);
    if (isinf(a) || (a <= 0 && trunc(a) == a) || (finite && isnan(r))) r = INFINITY;
    return r;
}

/* ---- float lgamma eight lanes at a time (AVX2 + FMA): the steps of gamma_core and
 * pl_sleef_lgammaf above, every branch taken by all lanes and chosen by masks, so each lane
 * gives the plain form's bits ---- */
#if defined(__x86_64__) && defined(__GNUC__)
#include "sleef_x86.h"

#define S8(c) _mm256_set1_ps(c)
#define SEL8(m, a, b) _mm256_blendv_ps((b), (a), (m)) /* m ? a : b */

PL_VEXP_TGT static inline fpair8
q8_const(double d)
{
    fpair c = pair_of(d);
    return (fpair8){S8(c.x), S8(c.y)};
}

/* sinpi_pair */
PL_VEXP_TGT static inline fpair8
q8_sinpi(__m256 d)
{
    __m256 u = _mm256_mul_ps(d, S8(4.0f));
    __m256i q = _mm256_cvttps_epi32(u);
    q = _mm256_and_si256(_mm256_add_epi32(q, _mm256_xor_si256(_mm256_srli_epi32(q, 31),
                                                              _mm256_set1_epi32(1))),
                         _mm256_set1_epi32(~1));
    __m256 cosine = _mm256_castsi256_ps(
        _mm256_cmpeq_epi32(_mm256_and_si256(q, _mm256_set1_epi32(2)), _mm256_set1_epi32(2)));
    __m256 s = _mm256_sub_ps(u, _mm256_cvtepi32_ps(q)), t = s;
    s = _mm256_mul_ps(s, s);
    fpair8 s2 = q8_prod(t, t);
    u = SEL8(cosine, S8(-0.2430611801e-7f), S8(+0.3093842054e-6f));
    u = _mm256_fmadd_ps(u, s, SEL8(cosine, S8(+0.3590577080e-5f), S8(-0.3657307388e-4f)));
    u = _mm256_fmadd_ps(u, s, SEL8(cosine, S8(-0.3259917721e-3f), S8(+0.2490393585e-2f)));
    fpair8 c2 = q8_sel(cosine,
                       (fpair8){S8((float)0.015854343771934509277),
                                S8((float)4.4940051354032242811e-10)},
                       (fpair8){S8((float)-0.080745510756969451904),
                                S8((float)-1.3373665339076936258e-09)});
    fpair8 x = q8_add2_tp(_mm256_mul_ps(u, s), c2);
    fpair8 c1 = q8_sel(cosine,
                       (fpair8){S8((float)-0.30842512845993041992),
                                S8((float)-9.0728339030733922277e-09)},
                       (fpair8){S8((float)0.78539818525314331055),
                                S8((float)-2.1857338617566484855e-08)});
    x = p8_add2_pp(p8_mul_pp(s2, x), c1);
    x = p8_mul_pp(x, q8_sel(cosine, s2, (fpair8){t, _mm256_setzero_ps()}));
    x = q8_sel(cosine, p8_add2_pt(x, S8(1.0f)), x);
    __m256 flip = _mm256_castsi256_ps(
        _mm256_cmpeq_epi32(_mm256_and_si256(q, _mm256_set1_epi32(4)), _mm256_set1_epi32(4)));
    return q8_sel(flip, q8_neg(x), x);
}

PL_VEXP_TGT static __m256
lgammaf8(__m256 a)
{
    const fpair8 one = {S8(1.0f), _mm256_setzero_ps()};
    __m256 absa = _mm256_andnot_ps(S8(-0.0f), a);
    __m256 tiny = _mm256_cmp_ps(absa, S8(1e-30f), _CMP_LT_OQ);
    __m256 reflect = _mm256_cmp_ps(a, S8(0.5f), _CMP_LT_OQ);
    fpair8 x = q8_sel(tiny, (fpair8){_mm256_setzero_ps(), _mm256_setzero_ps()},
                      q8_sel(reflect, q8_sum2(S8(1.0f), _mm256_xor_ps(a, S8(-0.0f))),
                             (fpair8){a, _mm256_setzero_ps()}));
    __m256 mid = _mm256_and_ps(_mm256_cmp_ps(S8(0.5f), x.x, _CMP_LE_OQ),
                               _mm256_cmp_ps(x.x, S8(1.2f), _CMP_LE_OQ));
    __m256 big = _mm256_cmp_ps(S8(2.3f), x.x, _CMP_LE_OQ);
    fpair8 y = q8_norm(p8_mul_pp(p8_add2_pt(x, S8(1.0f)), x));
    y = q8_norm(p8_mul_pp(p8_add2_pt(x, S8(2.0f)), y));
    __m256 o = _mm256_and_ps(big, _mm256_cmp_ps(x.x, S8(7.0f), _CMP_LE_OQ));
    fpair8 clln = q8_sel(o, y, one);
    x = q8_sel(o, p8_add2_pt(x, S8(3.0f)), x);
    __m256 t = SEL8(big, _mm256_div_ps(S8(1.0f), x.x),
                    q8_norm(p8_add2_pt(x, SEL8(mid, S8(-1.0f), S8(-2.0f)))).x);
    __m256 u = SEL8(big, S8(GAMMA_U[0][0]), SEL8(mid, S8(GAMMA_U[1][0]), S8(GAMMA_U[2][0])));
    for (int k = 1; k < 9; k++)
        u = _mm256_fmadd_ps(u, t, SEL8(big, S8(GAMMA_U[0][k]),
                                       SEL8(mid, S8(GAMMA_U[1][k]), S8(GAMMA_U[2][k]))));
    y = p8_mul_pp(p8_add2_pt(x, S8(-0.5f)), q8_log(x));
    y = p8_add2_pp(y, q8_neg(x));
    y = p8_add2_pp(y, q8_const(0.91893853320467278056));
    fpair8 z = p8_add2_pt(q8_prod(u, t), SEL8(mid, S8(-0.400686534596170958447352690395e+0f),
                                              S8(-0.673523028297382446749257758235e-1f)));
    z = p8_add2_pt(p8_mul_pt(z, t), SEL8(mid, S8(+0.822466960142643054450325495997e+0f),
                                         S8(+0.322467033928981157743538726901e+0f)));
    z = p8_add2_pt(p8_mul_pt(z, t), SEL8(mid, S8(-0.577215665946766039837398973297e+0f),
                                         S8(+0.422784335087484338986941629852e+0f)));
    z = p8_mul_pt(z, t);
    fpair8 clc = q8_sel(big, y, z);
    fpair8 clld = q8_sel(big, p8_add2_pt(q8_prod(u, t), S8(1.0f)), one);
    y = clln;
    clc = q8_sel(tiny, q8_const(41.58883083359671856503),
                 q8_sel(reflect, p8_add2_pp(q8_const(1.1447298858494001639), q8_neg(clc)), clc));
    clln = q8_sel(tiny, one, q8_sel(reflect, clln, clld));
    __m256 r = _mm256_sub_ps(a, _mm256_mul_ps(S8(4096.0f), _mm256_cvtepi32_ps(_mm256_cvttps_epi32(
                                                               _mm256_mul_ps(a, S8(1.0f / 4096))))));
    x = p8_mul_pp(clld, q8_sinpi(r));
    clld = q8_sel(tiny, (fpair8){_mm256_mul_ps(a, S8((float)(INT64_C(1) << 60))),
                                 _mm256_setzero_ps()},
                  q8_sel(reflect, x, y));
    fpair8 b = p8_div(clln, clld);

    fpair8 w = p8_add2_pp(clc, q8_log(q8_abs(b)));
    __m256 res = _mm256_add_ps(w.x, w.y);
    __m256 isinf_a = _mm256_cmp_ps(absa, S8(INFINITY), _CMP_EQ_OQ);
    __m256 nonpos_int = _mm256_and_ps(
        _mm256_cmp_ps(a, _mm256_setzero_ps(), _CMP_LE_OQ),
        _mm256_cmp_ps(_mm256_round_ps(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC), a, _CMP_EQ_OQ));
    __m256 finite_nan = _mm256_and_ps(_mm256_cmp_ps(absa, S8(INFINITY), _CMP_LT_OQ),
                                      _mm256_cmp_ps(res, res, _CMP_UNORD_Q));
    __m256 inf = _mm256_or_ps(_mm256_or_ps(isinf_a, nonpos_int), finite_nan);
    return SEL8(inf, S8(INFINITY), res);
}
#undef S8
#undef SEL8

PL_VEXP_TGT static int64_t
lgammaf_blocks(float *out, const float *x, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, lgammaf8(_mm256_loadu_ps(x + i)));
    return i;
}
#endif

void
pl_sleef_lgammaf_n(float *out, const float *x, int64_t n)
{
    int64_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    if (pl_have_avx2_fma()) i = lgammaf_blocks(out, x, n);
#endif
    for (; i < n; i++) out[i] = pl_sleef_lgammaf(x[i]);
}
