/* sleef_x86.h — eight lanes at a time (AVX2 + FMA) of the float pair arithmetic and of SLEEF's
 * 1-ulp exp, log1p, tanh, sinh, cosh, atanh and exp2 (and the pair log lgamma shares), and
 * four lanes of the double pair exp and log, tanh, sinh, cosh, atanh and exp2: the same steps as sleef_pair.h,
 * sleef_hyp.c and sleef_hypd.c, one instruction per scalar operation (each rounds once either
 * way), so every lane gives the plain form's bits (tests compare both with torch). Included by the kernels that run ATen's vector blocks;
 * call only where pl_have_avx2_fma() holds.
 */
#ifndef PL_SLEEF_X86_H
#define PL_SLEEF_X86_H

#if defined(__x86_64__) && defined(__GNUC__)
#include <float.h>
#include <immintrin.h>
#include <math.h>

#include "vexp_x86.h"

typedef struct {
    __m256 x, y;
} fpair8;

#define V8(c) _mm256_set1_ps(c)
#define ADD8 _mm256_add_ps
#define SUB8 _mm256_sub_ps
#define MUL8 _mm256_mul_ps

PL_VEXP_TGT static inline fpair8
p8_add2_pt(fpair8 a, __m256 b) /* pair + scalar, any magnitudes */
{
    __m256 h = ADD8(a.x, b), v = SUB8(h, a.x);
    __m256 lo = ADD8(SUB8(a.x, SUB8(h, v)), SUB8(b, v));
    return (fpair8){h, ADD8(lo, a.y)};
}

PL_VEXP_TGT static inline fpair8
p8_add2_pp(fpair8 a, fpair8 b) /* pair + pair, any magnitudes */
{
    __m256 h = ADD8(a.x, b.x), v = SUB8(h, a.x);
    __m256 lo = ADD8(SUB8(a.x, SUB8(h, v)), SUB8(b.x, v));
    return (fpair8){h, ADD8(lo, ADD8(a.y, b.y))};
}

PL_VEXP_TGT static inline fpair8
p8_add_ts(__m256 a, fpair8 b) /* scalar + pair, |a| >= |b| */
{
    __m256 h = ADD8(a, b.x);
    return (fpair8){h, ADD8(ADD8(SUB8(a, h), b.x), b.y)};
}

PL_VEXP_TGT static inline fpair8
p8_add_pp(fpair8 a, fpair8 b) /* pair + pair, |a| >= |b| */
{
    __m256 h = ADD8(a.x, b.x);
    return (fpair8){h, ADD8(ADD8(ADD8(SUB8(a.x, h), b.x), a.y), b.y)};
}

PL_VEXP_TGT static inline fpair8
p8_sub_pp(fpair8 a, fpair8 b) /* pair - pair, |a| >= |b| */
{
    __m256 h = SUB8(a.x, b.x);
    return (fpair8){h, SUB8(ADD8(SUB8(SUB8(a.x, h), b.x), a.y), b.y)};
}

PL_VEXP_TGT static inline fpair8
p8_mul_pt(fpair8 a, __m256 b)
{
    __m256 h = MUL8(a.x, b);
    return (fpair8){h, _mm256_fmadd_ps(a.y, b, _mm256_fmsub_ps(a.x, b, h))};
}

PL_VEXP_TGT static inline fpair8
p8_mul_pp(fpair8 a, fpair8 b)
{
    __m256 h = MUL8(a.x, b.x);
    return (fpair8){h, _mm256_fmadd_ps(a.x, b.y, _mm256_fmadd_ps(a.y, b.x,
                                                                 _mm256_fmsub_ps(a.x, b.x, h)))};
}

PL_VEXP_TGT static inline fpair8
p8_square(fpair8 a)
{
    __m256 h = MUL8(a.x, a.x);
    return (fpair8){h, _mm256_fmadd_ps(ADD8(a.x, a.x), a.y, _mm256_fmsub_ps(a.x, a.x, h))};
}

PL_VEXP_TGT static inline fpair8
p8_rec(fpair8 d)
{
    __m256 h = _mm256_div_ps(V8(1.0f), d.x);
    return (fpair8){h, MUL8(h, _mm256_fnmadd_ps(d.y, h, _mm256_fnmadd_ps(d.x, h, V8(1.0f))))};
}

PL_VEXP_TGT static inline fpair8
p8_div(fpair8 n, fpair8 d)
{
    __m256 r = _mm256_div_ps(V8(1.0f), d.x), h = MUL8(n.x, r);
    __m256 u = _mm256_fmsub_ps(r, n.x, h);
    __m256 v = _mm256_fnmadd_ps(d.y, r, _mm256_fnmadd_ps(d.x, r, V8(1.0f)));
    return (fpair8){h, _mm256_fmadd_ps(h, v, _mm256_fmadd_ps(n.y, r, u))};
}

/* x 2^q in two factors, as scale2_f */
PL_VEXP_TGT static inline __m256
p8_scale2(__m256 x, __m256i q)
{
    __m256i h = _mm256_srai_epi32(q, 1), bias = _mm256_set1_epi32(0x7f);
    __m256 p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h, bias), 23));
    __m256 p2 = _mm256_castsi256_ps(
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(q, h), bias), 23));
    return MUL8(MUL8(x, p1), p2);
}

/* pf_exp: e^d as a pair */
PL_VEXP_TGT static inline fpair8
p8_exp(__m256 d)
{
    __m256i q = _mm256_cvtps_epi32(MUL8(d, V8(1.442695040888963407359924681001892137f)));
    __m256 qf = _mm256_cvtepi32_ps(q);
    fpair8 s = p8_add2_pt((fpair8){d, _mm256_setzero_ps()}, MUL8(qf, V8(-0.693145751953125f)));
    s = p8_add2_pt(s, MUL8(qf, V8(-1.428606765330187045e-06f)));
    __m256 u = V8(0.1980960224e-3f);
    u = _mm256_fmadd_ps(u, s.x, V8(0.1394256484e-2f));
    u = _mm256_fmadd_ps(u, s.x, V8(0.8333456703e-2f));
    u = _mm256_fmadd_ps(u, s.x, V8(0.4166637361e-1f));
    fpair8 t = p8_add2_pt(p8_mul_pt(s, u), V8(0.166666659414234244790680580464e+0f));
    t = p8_add2_pt(p8_mul_pp(s, t), V8(0.5f));
    t = p8_add2_pp(s, p8_mul_pp(p8_square(s), t));
    t = p8_add_ts(V8(1.0f), t);
    __m256 keep = _mm256_cmp_ps(d, V8(-104.0f), _CMP_NLT_UQ); /* not below -104 */
    t.x = _mm256_and_ps(p8_scale2(t.x, q), keep);
    t.y = _mm256_and_ps(p8_scale2(t.y, q), keep);
    return t;
}

PL_VEXP_TGT static inline __m256
p8_isnan(__m256 x)
{
    return _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
}

/* y with x's sign folded in; the NaN lanes of x all ones */
PL_VEXP_TGT static inline __m256
p8_sign_and_nan(__m256 y, __m256 x, int with_sign)
{
    if (with_sign) y = _mm256_xor_ps(y, _mm256_and_ps(x, V8(-0.0f)));
    return _mm256_or_ps(y, p8_isnan(x));
}

PL_VEXP_TGT static inline __m256
pl_tanhf8(__m256 x)
{
    __m256 a = _mm256_andnot_ps(V8(-0.0f), x);
    fpair8 d = p8_exp(a), e = p8_rec(d);
    fpair8 ne = {_mm256_xor_ps(e.x, V8(-0.0f)), _mm256_xor_ps(e.y, V8(-0.0f))};
    d = p8_div(p8_add_pp(d, ne), p8_add_pp(d, e));
    __m256 y = ADD8(d.x, d.y);
    __m256 big = _mm256_or_ps(_mm256_cmp_ps(a, V8(8.664339742f), _CMP_GT_OQ), p8_isnan(y));
    y = _mm256_blendv_ps(y, V8(1.0f), big);
    return p8_sign_and_nan(y, x, 1);
}

/* sinh (is_sinh) or cosh */
PL_VEXP_TGT static inline __m256
pl_sinhcoshf8(__m256 x, int is_sinh)
{
    __m256 a = _mm256_andnot_ps(V8(-0.0f), x);
    fpair8 d = p8_exp(a), r = p8_rec(d);
    d = is_sinh ? p8_sub_pp(d, r) : p8_add_pp(d, r);
    __m256 y = MUL8(ADD8(d.x, d.y), V8(0.5f));
    __m256 big = _mm256_or_ps(_mm256_cmp_ps(a, V8(89.0f), _CMP_GT_OQ), p8_isnan(y));
    y = _mm256_blendv_ps(y, V8(INFINITY), big);
    return p8_sign_and_nan(y, x, is_sinh);
}

/* SLEEF's 1-ulp exp (pl_sleef_expf), eight lanes */
PL_VEXP_TGT static inline __m256
expf8(__m256 d)
{
    __m256i q = _mm256_cvtps_epi32(_mm256_mul_ps(d, _mm256_set1_ps(1.442695040888963407359924681001892137f)));
    __m256 qf = _mm256_cvtepi32_ps(q);
    __m256 s = _mm256_fmadd_ps(qf, _mm256_set1_ps(-0.693145751953125f), d);
    s = _mm256_fmadd_ps(qf, _mm256_set1_ps(-1.428606765330187045e-06f), s);
    __m256 u = _mm256_set1_ps(0.000198527617612853646278381f);
    u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(0.00139304355252534151077271f));
    u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(0.00833336077630519866943359f));
    u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(0.0416664853692054748535156f));
    u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(0.166666671633720397949219f));
    u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(0.5f));
    u = _mm256_add_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_mul_ps(s, s), u, s));
    __m256i h = _mm256_srai_epi32(q, 1), bias = _mm256_set1_epi32(0x7f);
    __m256 p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(h, bias), 23));
    __m256 p2 = _mm256_castsi256_ps(
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(q, h), bias), 23));
    u = _mm256_mul_ps(_mm256_mul_ps(u, p1), p2);
    u = _mm256_andnot_ps(_mm256_cmp_ps(d, _mm256_set1_ps(-104.0f), _CMP_LT_OQ), u);
    return _mm256_blendv_ps(u, _mm256_set1_ps(INFINITY),
                            _mm256_cmp_ps(_mm256_set1_ps(100.0f), d, _CMP_LT_OQ));
}

/* SLEEF's 1-ulp log1p (pl_sleef_log1pf), eight lanes, for d in [-1, 1e38]; the caller takes
 * blocks holding a larger d or a NaN through the plain form (its log of d there) */
PL_VEXP_TGT static inline __m256
pl_log1pf8_core(__m256 d)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 dp1 = _mm256_add_ps(d, one);
    __m256 tiny = _mm256_cmp_ps(dp1, _mm256_set1_ps(FLT_MIN), _CMP_LT_OQ);
    dp1 = _mm256_blendv_ps(dp1, _mm256_mul_ps(dp1, _mm256_set1_ps(18446744073709551616.0f)), tiny);
    __m256i b = _mm256_castps_si256(_mm256_mul_ps(dp1, _mm256_set1_ps(1.0f / 0.75f)));
    __m256i e = _mm256_sub_epi32(_mm256_and_si256(_mm256_srli_epi32(b, 23), _mm256_set1_epi32(0xff)),
                                 _mm256_set1_epi32(0x7f));
    __m256 t = _mm256_castsi256_ps(
        _mm256_add_epi32(_mm256_set1_epi32(0x3f800000), _mm256_slli_epi32(_mm256_sub_epi32(
                                                            _mm256_setzero_si256(), e), 23)));
    __m256 m = _mm256_fmadd_ps(d, t, _mm256_sub_ps(t, one));
    e = _mm256_sub_epi32(e, _mm256_and_si256(_mm256_castps_si256(tiny), _mm256_set1_epi32(64)));
    fpair8 s = p8_mul_pt((fpair8){_mm256_set1_ps(0.69314718246459960938f),
                                  _mm256_set1_ps(-1.904654323148236017e-09f)},
                         _mm256_cvtepi32_ps(e));
    __m256 two = _mm256_set1_ps(2.0f), den = _mm256_add_ps(two, m);
    fpair8 x = p8_div((fpair8){m, _mm256_setzero_ps()},
                      (fpair8){den, _mm256_add_ps(_mm256_sub_ps(two, den), m)});
    __m256 x2 = _mm256_mul_ps(x.x, x.x);
    __m256 c = _mm256_set1_ps(0.3027294874e+0f);
    c = _mm256_fmadd_ps(c, x2, _mm256_set1_ps(0.3996108174e+0f));
    c = _mm256_fmadd_ps(c, x2, _mm256_set1_ps(0.6666694880e+0f));
    s = p8_add_pp(s, (fpair8){_mm256_mul_ps(x.x, two), _mm256_mul_ps(x.y, two)});
    __m256 add = _mm256_mul_ps(_mm256_mul_ps(x2, x.x), c), h = _mm256_add_ps(s.x, add);
    s = (fpair8){h, _mm256_add_ps(_mm256_add_ps(_mm256_sub_ps(s.x, h), add), s.y)};
    __m256 r = _mm256_add_ps(s.x, s.y);
    r = _mm256_or_ps(r, _mm256_cmp_ps(d, _mm256_set1_ps(-1.0f), _CMP_LT_OQ)); /* all ones */
    r = _mm256_blendv_ps(r, _mm256_set1_ps(-INFINITY), _mm256_cmp_ps(d, _mm256_set1_ps(-1.0f),
                                                                     _CMP_EQ_OQ));
    __m256 negzero = _mm256_and_ps(_mm256_cmp_ps(d, _mm256_setzero_ps(), _CMP_EQ_OQ), d);
    return _mm256_blendv_ps(r, d, _mm256_castsi256_ps(_mm256_cmpeq_epi32(
                                     _mm256_castps_si256(negzero),
                                     _mm256_set1_epi32((int)0x80000000))));
}

/* whether every lane of d suits pl_log1pf8_core (d <= 1e38, no NaN) */
PL_VEXP_TGT static inline int
pl_log1pf8_ok(__m256 d)
{
    return _mm256_movemask_ps(_mm256_cmp_ps(d, _mm256_set1_ps(0x1.2ced32p+126f), _CMP_LE_OQ)) ==
           0xff;
}

#define S8(c) _mm256_set1_ps(c)
#define SEL8(m, a, b) _mm256_blendv_ps((b), (a), (m)) /* m ? a : b */


PL_VEXP_TGT static inline fpair8
q8_sel(__m256 m, fpair8 a, fpair8 b)
{
    return (fpair8){SEL8(m, a.x, b.x), SEL8(m, a.y, b.y)};
}

PL_VEXP_TGT static inline fpair8
q8_norm(fpair8 a)
{
    __m256 h = _mm256_add_ps(a.x, a.y);
    return (fpair8){h, _mm256_add_ps(_mm256_sub_ps(a.x, h), a.y)};
}

PL_VEXP_TGT static inline fpair8
q8_prod(__m256 a, __m256 b)
{
    __m256 h = _mm256_mul_ps(a, b);
    return (fpair8){h, _mm256_fmsub_ps(a, b, h)};
}

PL_VEXP_TGT static inline fpair8
q8_sum2(__m256 a, __m256 b)
{
    __m256 h = _mm256_add_ps(a, b), v = _mm256_sub_ps(h, a);
    return (fpair8){h, _mm256_add_ps(_mm256_sub_ps(a, _mm256_sub_ps(h, v)), _mm256_sub_ps(b, v))};
}

PL_VEXP_TGT static inline fpair8
q8_add2_tp(__m256 a, fpair8 b)
{
    __m256 h = _mm256_add_ps(a, b.x), v = _mm256_sub_ps(h, a);
    __m256 lo = _mm256_add_ps(_mm256_sub_ps(a, _mm256_sub_ps(h, v)), _mm256_sub_ps(b.x, v));
    return (fpair8){h, _mm256_add_ps(lo, b.y)};
}

PL_VEXP_TGT static inline fpair8
q8_neg(fpair8 a)
{
    return (fpair8){_mm256_xor_ps(a.x, S8(-0.0f)), _mm256_xor_ps(a.y, S8(-0.0f))};
}

PL_VEXP_TGT static inline fpair8
q8_abs(fpair8 a)
{
    __m256 sign = _mm256_and_ps(a.x, S8(-0.0f));
    return (fpair8){_mm256_xor_ps(a.x, sign), _mm256_xor_ps(a.y, sign)};
}

/* pf_log */
PL_VEXP_TGT static inline fpair8
q8_log(fpair8 d)
{
    __m256 y = _mm256_mul_ps(d.x, S8(1.0f / 0.75f));
    __m256 tiny = _mm256_cmp_ps(y, S8(5.421010862427522e-20f), _CMP_LT_OQ);
    y = SEL8(tiny, _mm256_mul_ps(y, S8(18446744073709551616.0f)), y);
    __m256i bias = _mm256_blendv_epi8(_mm256_set1_epi32(0x7f), _mm256_set1_epi32(64 + 0x7f),
                                      _mm256_castps_si256(tiny));
    __m256i e = _mm256_sub_epi32(
        _mm256_and_si256(_mm256_srli_epi32(_mm256_castps_si256(y), 23), _mm256_set1_epi32(0xff)),
        bias);
    __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(
        _mm256_add_epi32(_mm256_sub_epi32(_mm256_setzero_si256(), e), _mm256_set1_epi32(0x7f)),
        23));
    fpair8 m = {_mm256_mul_ps(d.x, scale), _mm256_mul_ps(d.y, scale)};
    fpair8 x = p8_div(p8_add2_pt(m, S8(-1.0f)), p8_add2_pt(m, S8(1.0f)));
    fpair8 x2 = p8_square(x);
    __m256 t = S8(0.2392828464508056640625f);
    t = _mm256_fmadd_ps(t, x2.x, S8(0.28518211841583251953125f));
    t = _mm256_fmadd_ps(t, x2.x, S8(0.400005877017974853515625f));
    t = _mm256_fmadd_ps(t, x2.x, S8(0.666666686534881591796875f));
    fpair8 s = p8_mul_pt((fpair8){S8(0.69314718246459960938f), S8(-1.904654323148236017e-09f)},
                         _mm256_cvtepi32_ps(e));
    s = p8_add_pp(s, (fpair8){_mm256_mul_ps(x.x, S8(2.0f)), _mm256_mul_ps(x.y, S8(2.0f))});
    return p8_add_pp(s, p8_mul_pt(p8_mul_pp(x2, x), t));
}

/* SLEEF's 1-ulp atanhf (pl_sleef_atanhf), eight lanes */
PL_VEXP_TGT static inline __m256
pl_atanhf8(__m256 x)
{
    __m256 a = _mm256_andnot_ps(S8(-0.0f), x);
    fpair8 d = q8_log(p8_div(q8_sum2(S8(1.0f), a), q8_sum2(S8(1.0f), _mm256_xor_ps(a, S8(-0.0f)))));
    __m256 y = SEL8(_mm256_cmp_ps(a, S8(1.0f), _CMP_EQ_OQ), S8(INFINITY),
                    _mm256_mul_ps(_mm256_add_ps(d.x, d.y), S8(0.5f)));
    __m256 bad = _mm256_or_ps(_mm256_or_ps(_mm256_cmp_ps(a, S8(1.0f), _CMP_GT_OQ),
                                           _mm256_cmp_ps(a, S8(INFINITY), _CMP_EQ_OQ)),
                              p8_isnan(y));
    y = _mm256_or_ps(y, bad);
    return p8_sign_and_nan(y, x, 1);
}

/* SLEEF's 1-ulp exp2f (pl_sleef_exp2f), eight lanes */
PL_VEXP_TGT static inline __m256
pl_exp2f8(__m256 d)
{
    __m256 u = _mm256_round_ps(d, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256i q = _mm256_cvtps_epi32(u);
    __m256 s = _mm256_sub_ps(d, u);
    u = S8(0.1535920892e-3f);
    u = _mm256_fmadd_ps(u, s, S8(0.1339262701e-2f));
    u = _mm256_fmadd_ps(u, s, S8(0.9618384764e-2f));
    u = _mm256_fmadd_ps(u, s, S8(0.5550347269e-1f));
    u = _mm256_fmadd_ps(u, s, S8(0.2402264476e+0f));
    u = _mm256_fmadd_ps(u, s, S8(0.6931471825e+0f));
    u = _mm256_fmadd_ps(u, s, S8(1.0f));
    u = p8_scale2(u, q);
    u = SEL8(_mm256_cmp_ps(d, S8(128.0f), _CMP_GE_OQ), S8(INFINITY), u);
    return _mm256_andnot_ps(_mm256_cmp_ps(d, S8(-150.0f), _CMP_LT_OQ), u);
}

#undef S8
#undef SEL8

/* ---- double, four lanes: SLEEF's pair exp (pd_exp) and its tanh, sinh and cosh
 * (sleef_hypd.c) ---- */

typedef struct {
    __m256d x, y;
} dpair4;

#define D4(c) _mm256_set1_pd(c)

PL_VEXP_TGT static inline dpair4
d4_add2_pt(dpair4 a, __m256d b)
{
    __m256d h = _mm256_add_pd(a.x, b), v = _mm256_sub_pd(h, a.x);
    __m256d lo = _mm256_add_pd(_mm256_sub_pd(a.x, _mm256_sub_pd(h, v)), _mm256_sub_pd(b, v));
    return (dpair4){h, _mm256_add_pd(lo, a.y)};
}

PL_VEXP_TGT static inline dpair4
d4_add2_pp(dpair4 a, dpair4 b)
{
    __m256d h = _mm256_add_pd(a.x, b.x), v = _mm256_sub_pd(h, a.x);
    __m256d lo = _mm256_add_pd(_mm256_sub_pd(a.x, _mm256_sub_pd(h, v)), _mm256_sub_pd(b.x, v));
    return (dpair4){h, _mm256_add_pd(lo, _mm256_add_pd(a.y, b.y))};
}

PL_VEXP_TGT static inline dpair4
d4_add_ts(__m256d a, dpair4 b)
{
    __m256d h = _mm256_add_pd(a, b.x);
    return (dpair4){h, _mm256_add_pd(_mm256_add_pd(_mm256_sub_pd(a, h), b.x), b.y)};
}

PL_VEXP_TGT static inline dpair4
d4_add_pp(dpair4 a, dpair4 b)
{
    __m256d h = _mm256_add_pd(a.x, b.x);
    return (dpair4){h, _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(_mm256_sub_pd(a.x, h), b.x),
                                                   a.y), b.y)};
}

PL_VEXP_TGT static inline dpair4
d4_sub_pp(dpair4 a, dpair4 b)
{
    __m256d h = _mm256_sub_pd(a.x, b.x);
    return (dpair4){h, _mm256_sub_pd(_mm256_add_pd(_mm256_sub_pd(_mm256_sub_pd(a.x, h), b.x),
                                                   a.y), b.y)};
}

PL_VEXP_TGT static inline dpair4
d4_mul_pt(dpair4 a, __m256d b)
{
    __m256d h = _mm256_mul_pd(a.x, b);
    return (dpair4){h, _mm256_fmadd_pd(a.y, b, _mm256_fmsub_pd(a.x, b, h))};
}

PL_VEXP_TGT static inline dpair4
d4_mul_pp(dpair4 a, dpair4 b)
{
    __m256d h = _mm256_mul_pd(a.x, b.x);
    return (dpair4){h, _mm256_fmadd_pd(a.x, b.y, _mm256_fmadd_pd(a.y, b.x,
                                                                 _mm256_fmsub_pd(a.x, b.x, h)))};
}

PL_VEXP_TGT static inline dpair4
d4_square(dpair4 a)
{
    __m256d h = _mm256_mul_pd(a.x, a.x);
    return (dpair4){h, _mm256_fmadd_pd(_mm256_add_pd(a.x, a.x), a.y,
                                       _mm256_fmsub_pd(a.x, a.x, h))};
}

PL_VEXP_TGT static inline dpair4
d4_rec(dpair4 d)
{
    __m256d h = _mm256_div_pd(D4(1.0), d.x);
    return (dpair4){h, _mm256_mul_pd(h, _mm256_fnmadd_pd(d.y, h, _mm256_fnmadd_pd(d.x, h,
                                                                                   D4(1.0))))};
}

PL_VEXP_TGT static inline dpair4
d4_div(dpair4 n, dpair4 d)
{
    __m256d r = _mm256_div_pd(D4(1.0), d.x), h = _mm256_mul_pd(n.x, r);
    __m256d u = _mm256_fmsub_pd(r, n.x, h);
    __m256d v = _mm256_fnmadd_pd(d.y, r, _mm256_fnmadd_pd(d.x, r, D4(1.0)));
    return (dpair4){h, _mm256_fmadd_pd(h, v, _mm256_fmadd_pd(n.y, r, u))};
}

/* 2^q per lane from four int32 (exp2i_d) */
PL_VEXP_TGT static inline __m256d
d4_pow2i(__m128i q)
{
    __m128i e = _mm_slli_epi32(_mm_add_epi32(q, _mm_set1_epi32(0x3ff)), 20);
    return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_cvtepi32_epi64(e), 32));
}

PL_VEXP_TGT static inline __m256d
d4_scale2(__m256d x, __m128i q)
{
    __m128i h = _mm_srai_epi32(q, 1);
    return _mm256_mul_pd(_mm256_mul_pd(x, d4_pow2i(h)), d4_pow2i(_mm_sub_epi32(q, h)));
}

#define D4P2(x, c1, c0) _mm256_fmadd_pd((x), D4(c1), D4(c0))
#define D4P4(x, x2, c3, c2, c1, c0) _mm256_fmadd_pd((x2), D4P2(x, c3, c2), D4P2(x, c1, c0))

/* pd_exp of (a, 0) */
PL_VEXP_TGT static inline dpair4
d4_exp(__m256d a)
{
    __m256d dq = _mm256_round_pd(
        _mm256_mul_pd(a, D4(1.442695040888963407359924681001892137426645954152985934135449406931)),
        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m128i q = _mm256_cvtpd_epi32(dq);
    dpair4 s = d4_add2_pt((dpair4){a, _mm256_setzero_pd()},
                          _mm256_mul_pd(dq, D4(-.69314718055966295651160180568695068359375)));
    s = d4_add2_pt(s, _mm256_mul_pd(dq, D4(-.28235290563031577122588448175013436025525412068e-12)));
    dpair4 s2 = d4_square(s), s4 = d4_square(s2);
    __m256d x = s.x, x2 = s2.x, x4 = s4.x, x8 = _mm256_mul_pd(s4.x, s4.x);
    __m256d p8 = _mm256_fmadd_pd(
        x4, D4P4(x, x2, +0.2505230023782644465e-7, +0.2755724800902135303e-6,
                 +0.2755731892386044373e-5, +0.2480158735605815065e-4),
        D4P4(x, x2, +0.1984126984148071858e-3, +0.1388888888886763255e-2,
             +0.8333333333333347095e-2, +0.4166666666666669905e-1));
    __m256d u = _mm256_fmadd_pd(x8, D4P2(x, +0.1602472219709932072e-9, +0.2092255183563157007e-8),
                                p8);
    dpair4 t = d4_add_ts(D4(0.5), d4_mul_pt(s, D4(0.1666666666666666574e+0)));
    t = d4_add_ts(D4(1.0), d4_mul_pp(t, s));
    t = d4_add_ts(D4(1.0), d4_mul_pp(t, s));
    t = d4_add_pp(t, d4_mul_pt(s4, u));
    __m256d keep = _mm256_cmp_pd(a, D4(-1000.0), _CMP_NLT_UQ);
    t.x = _mm256_and_pd(d4_scale2(t.x, q), keep);
    t.y = _mm256_and_pd(d4_scale2(t.y, q), keep);
    return t;
}
/* SLEEF's 1-ulp double exp2 (pl_sleef_exp2), four lanes */
PL_VEXP_TGT static inline __m256d
pl_exp2d4(__m256d d)
{
    __m256d u = _mm256_round_pd(d, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m128i q = _mm256_cvtpd_epi32(u);
    __m256d s = _mm256_sub_pd(d, u);
    __m256d s2 = _mm256_mul_pd(s, s), s4 = _mm256_mul_pd(s2, s2), s8 = _mm256_mul_pd(s4, s4);
    __m256d p8 = _mm256_fmadd_pd(
        s4, D4P4(s, s2, +0.1017819260921760451e-6, +0.1321543872511327615e-5,
                 +0.1525273353517584730e-4, +0.1540353045101147808e-3),
        D4P4(s, s2, +0.1333355814670499073e-2, +0.9618129107597600536e-2,
             +0.5550410866482046596e-1, +0.2402265069591012214e+0));
    u = _mm256_fmadd_pd(s8, D4P2(s, +0.4434359082926529454e-9, +0.7073164598085707425e-8), p8);
    u = _mm256_fmadd_pd(u, s, D4(+0.6931471805599452862e+0));
    u = _mm256_fmadd_pd(u, s, D4(1.0));
    u = d4_scale2(u, q);
    u = _mm256_blendv_pd(u, D4(INFINITY), _mm256_cmp_pd(d, D4(1024.0), _CMP_GE_OQ));
    return _mm256_andnot_pd(_mm256_cmp_pd(d, D4(-2000.0), _CMP_LT_OQ), u);
}
/* the low 32 bits of each 64-bit lane */
PL_VEXP_TGT static inline __m128i
d4_low32(__m256i v)
{
    return _mm256_castsi256_si128(
        _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 2, 4, 6, 0, 0, 0, 0)));
}

/* pd_log: log of a pair as a pair */
PL_VEXP_TGT static inline dpair4
d4_log(dpair4 d)
{
    __m256d y = _mm256_mul_pd(d.x, D4(1.0 / 0.75));
    __m256d tiny = _mm256_cmp_pd(y, D4(4.9090934652977266e-91), _CMP_LT_OQ);
    y = _mm256_blendv_pd(y, _mm256_mul_pd(y, D4(2.037035976334486e90)), tiny);
    __m128i field = d4_low32(
        _mm256_and_si256(_mm256_srli_epi64(_mm256_castpd_si256(y), 52), _mm256_set1_epi64x(0xfff)));
    __m128i bias = _mm_blendv_epi8(_mm_set1_epi32(0x3ff), _mm_set1_epi32(300 + 0x3ff),
                                   d4_low32(_mm256_castpd_si256(tiny)));
    __m128i e = _mm_sub_epi32(field, bias), ne = _mm_sub_epi32(_mm_setzero_si128(), e);
    dpair4 m = {d4_scale2(d.x, ne), d4_scale2(d.y, ne)};
    dpair4 x = d4_div(d4_add2_pt(m, D4(-1.0)), d4_add2_pt(m, D4(1.0)));
    dpair4 x2 = d4_square(x);
    __m256d x4 = _mm256_mul_pd(x2.x, x2.x), x8 = _mm256_mul_pd(x4, x4), z = x2.x;
    __m256d p3 = _mm256_fmadd_pd(x4, D4(0.13860436390467167910856),
                                 D4P2(z, 0.131699838841615374240845, 0.153914168346271945653214));
    __m256d t = _mm256_fmadd_pd(x8, p3, D4P4(z, x4, 0.181816523941564611721589,
                                              0.22222224632662035403996,
                                              0.285714285511134091777308,
                                              0.400000000000914013309483));
    t = _mm256_fmadd_pd(t, x2.x, D4(0.666666666666664853302393));
    dpair4 s = d4_mul_pt((dpair4){D4(0.693147180559945286226764), D4(2.319046813846299558417771e-17)},
                         _mm256_cvtepi32_pd(e));
    s = d4_add_pp(s, (dpair4){_mm256_mul_pd(x.x, D4(2.0)), _mm256_mul_pd(x.y, D4(2.0))});
    return d4_add_pp(s, d4_mul_pt(d4_mul_pp(x2, x), t));
}

PL_VEXP_TGT static inline dpair4
d4_sum2(__m256d a, __m256d b)
{
    __m256d h = _mm256_add_pd(a, b), v = _mm256_sub_pd(h, a);
    return (dpair4){h, _mm256_add_pd(_mm256_sub_pd(a, _mm256_sub_pd(h, v)), _mm256_sub_pd(b, v))};
}

/* SLEEF's 1-ulp double atanh (pl_sleef_atanh), four lanes */
PL_VEXP_TGT static inline __m256d
pl_atanhd4(__m256d x)
{
    __m256d a = _mm256_andnot_pd(D4(-0.0), x);
    dpair4 d = d4_log(d4_div(d4_sum2(D4(1.0), a), d4_sum2(D4(1.0), _mm256_xor_pd(a, D4(-0.0)))));
    __m256d y = _mm256_blendv_pd(_mm256_mul_pd(_mm256_add_pd(d.x, d.y), D4(0.5)), D4(INFINITY),
                                 _mm256_cmp_pd(a, D4(1.0), _CMP_EQ_OQ));
    y = _mm256_or_pd(y, _mm256_cmp_pd(a, D4(1.0), _CMP_GT_OQ));
    y = _mm256_xor_pd(y, _mm256_and_pd(x, D4(-0.0)));
    y = _mm256_or_pd(y, _mm256_or_pd(_mm256_cmp_pd(a, D4(INFINITY), _CMP_EQ_OQ),
                                     _mm256_cmp_pd(y, y, _CMP_UNORD_Q)));
    return _mm256_or_pd(y, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}
#undef D4P2
#undef D4P4

/* y with x's sign folded in (with_sign); the NaN lanes of x all ones */
PL_VEXP_TGT static inline __m256d
d4_sign_and_nan(__m256d y, __m256d x, int with_sign)
{
    if (with_sign) y = _mm256_xor_pd(y, _mm256_and_pd(x, D4(-0.0)));
    return _mm256_or_pd(y, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

PL_VEXP_TGT static inline __m256d
pl_tanh4(__m256d x)
{
    __m256d a = _mm256_andnot_pd(D4(-0.0), x);
    dpair4 d = d4_exp(a), e = d4_rec(d);
    dpair4 ne = {_mm256_xor_pd(e.x, D4(-0.0)), _mm256_xor_pd(e.y, D4(-0.0))};
    d = d4_div(d4_add2_pp(d, ne), d4_add2_pp(d, e));
    __m256d y = _mm256_add_pd(d.x, d.y);
    __m256d big = _mm256_or_pd(_mm256_cmp_pd(a, D4(18.714973875), _CMP_GT_OQ),
                               _mm256_cmp_pd(y, y, _CMP_UNORD_Q));
    y = _mm256_blendv_pd(y, D4(1.0), big);
    return d4_sign_and_nan(y, x, 1);
}

PL_VEXP_TGT static inline __m256d
pl_sinhcosh4(__m256d x, int is_sinh)
{
    __m256d a = _mm256_andnot_pd(D4(-0.0), x);
    dpair4 d = d4_exp(a), r = d4_rec(d);
    d = is_sinh ? d4_sub_pp(d, r) : d4_add_pp(d, r);
    __m256d y = _mm256_mul_pd(_mm256_add_pd(d.x, d.y), D4(0.5));
    __m256d big = _mm256_or_pd(_mm256_cmp_pd(a, D4(710.0), _CMP_GT_OQ),
                               _mm256_cmp_pd(y, y, _CMP_UNORD_Q));
    y = _mm256_blendv_pd(y, D4(INFINITY), big);
    return d4_sign_and_nan(y, x, is_sinh);
}
#undef D4

#undef V8
#undef ADD8
#undef SUB8
#undef MUL8

#endif
#endif
