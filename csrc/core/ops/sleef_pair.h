/* sleef_pair.h — the head + tail ("pair") arithmetic of SLEEF's 1-ulp functions, for float
 * (pf_*) and double (pd_*), shared by sleef_exp.c, sleef_log.c and sleef_hyp.c. Each step
 * rounds as SLEEF's FMA build does, lane for lane (facts from SLEEF's df.h / dd.h; our code).
 */
#ifndef PL_SLEEF_PAIR_H
#define PL_SLEEF_PAIR_H

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    float x, y;
} fpair;
typedef struct {
    double x, y;
} dpair;

/* The pair steps, written once for both widths (S suffix, T the type, P its pair, F its fma).
 * Each is named by what it adds or multiplies; "2" marks the forms exact for any magnitudes,
 * the others assume the first operand is the larger. */
#define PAIR_STEPS(S, T, P, F)                                                                \
    static inline P S##_sum(T a, T b) /* a + b, |a| >= |b| */                                 \
    {                                                                                         \
        T h = a + b;                                                                          \
        return (P){h, (a - h) + b};                                                           \
    }                                                                                         \
    static inline P S##_sum2(T a, T b) /* a + b, any magnitudes */                            \
    {                                                                                         \
        T h = a + b, v = h - a;                                                               \
        return (P){h, (a - (h - v)) + (b - v)};                                               \
    }                                                                                         \
    static inline P S##_add_ts(T a, P b) /* scalar + pair, |a| >= |b| */                      \
    {                                                                                         \
        T h = a + b.x;                                                                        \
        return (P){h, ((a - h) + b.x) + b.y};                                                 \
    }                                                                                         \
    static inline P S##_add_pt(P a, T b) /* pair + scalar, |a| >= |b| */                      \
    {                                                                                         \
        T h = a.x + b;                                                                        \
        return (P){h, ((a.x - h) + b) + a.y};                                                 \
    }                                                                                         \
    static inline P S##_add_pp(P a, P b) /* pair + pair, |a| >= |b| */                        \
    {                                                                                         \
        T h = a.x + b.x;                                                                      \
        return (P){h, (((a.x - h) + b.x) + a.y) + b.y};                                       \
    }                                                                                         \
    static inline P S##_add2_pt(P a, T b) /* pair + scalar, any magnitudes */                 \
    {                                                                                         \
        T h = a.x + b, v = h - a.x;                                                           \
        T lo = (a.x - (h - v)) + (b - v);                                                     \
        return (P){h, lo + a.y};                                                              \
    }                                                                                         \
    static inline P S##_add2_pp(P a, P b) /* pair + pair, any magnitudes */                   \
    {                                                                                         \
        T h = a.x + b.x, v = h - a.x;                                                         \
        T lo = (a.x - (h - v)) + (b.x - v);                                                   \
        return (P){h, lo + (a.y + b.y)};                                                      \
    }                                                                                         \
    static inline P S##_mul_pt(P a, T b) /* pair * scalar */                                  \
    {                                                                                         \
        T h = a.x * b;                                                                        \
        return (P){h, F(a.y, b, F(a.x, b, -h))};                                              \
    }                                                                                         \
    static inline P S##_mul_pp(P a, P b) /* pair * pair */                                    \
    {                                                                                         \
        T h = a.x * b.x;                                                                      \
        return (P){h, F(a.x, b.y, F(a.y, b.x, F(a.x, b.x, -h)))};                             \
    }                                                                                         \
    static inline P S##_square(P a) /* pair squared */                                        \
    {                                                                                         \
        T h = a.x * a.x;                                                                      \
        return (P){h, F(a.x + a.x, a.y, F(a.x, a.x, -h))};                                    \
    }                                                                                         \
    static inline P S##_sub_pp(P a, P b) /* pair - pair, |a| >= |b| */                       \
    {                                                                                         \
        T h = a.x - b.x;                                                                      \
        return (P){h, ((((a.x - h) - b.x) + a.y) - b.y)};                                     \
    }                                                                                         \
    static inline P S##_rec(P d) /* 1 / pair */                                               \
    {                                                                                         \
        T h = (T)1 / d.x;                                                                     \
        return (P){h, h * F(-d.y, h, F(-d.x, h, (T)1))};                                      \
    }                                                                                         \
    static inline P S##_add2_tp(T a, P b) /* scalar + pair, any magnitudes */                 \
    {                                                                                         \
        T h = a + b.x, v = h - a;                                                             \
        return (P){h, ((a - (h - v)) + (b.x - v)) + b.y};                                     \
    }                                                                                         \
    static inline P S##_prod(T a, T b) /* a * b exactly */                                    \
    {                                                                                         \
        T h = a * b;                                                                          \
        return (P){h, F(a, b, -h)};                                                           \
    }                                                                                         \
    static inline P S##_norm(P a) /* the head made the rounded sum */                         \
    {                                                                                         \
        T h = a.x + a.y;                                                                      \
        return (P){h, (a.x - h) + a.y};                                                       \
    }                                                                                         \
    static inline P S##_neg(P a) { return (P){-a.x, -a.y}; }                                  \
    static inline P S##_abs(P a) /* |head|, the tail's sign flipped with the head's */        \
    {                                                                                         \
        return signbit(a.x) ? (P){-a.x, -a.y} : a;                                            \
    }                                                                                         \
    static inline P S##_div(P n, P d) /* pair / pair */                                       \
    {                                                                                         \
        T r = (T)1 / d.x, h = n.x * r;                                                        \
        T u = F(r, n.x, -h);                                                                  \
        T v = F(-d.y, r, F(-d.x, r, (T)1));                                                   \
        return (P){h, F(h, v, F(n.y, r, u))};                                                 \
    }

PAIR_STEPS(pf, float, fpair, fmaf)
PAIR_STEPS(pd, double, dpair, fma)

/* ---- float lane helpers ---- */

/* cvtps's conversion of one float: nearest, ties to even; INT32_MIN out of range or NaN */
static inline int32_t
rint_i32_f(float x)
{
    if (!(fabsf(x) < 2147483648.0f)) return INT32_MIN;
    return (int32_t)nearbyintf(x);
}

/* 2^q from the exponent field ((q + 127) << 23, wrapping as a 32-bit lane does) */
static inline float
exp2i_f(int32_t q)
{
    uint32_t b = ((uint32_t)q + 0x7fu) << 23;
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* x 2^q in two factors, so 2^q may leave the normal range for one of them */
static inline float
scale2_f(float x, int32_t q)
{
    int32_t h = q >> 1; /* arithmetic, as the vector shift */
    return x * exp2i_f(h) * exp2i_f((int32_t)((uint32_t)q - (uint32_t)h));
}

/* e^d as a pair (SLEEF's expk2f): q = rint(d / ln2), s = d - q ln2 with ln2 in two parts (each
 * product rounded, each subtraction exact as a pair), 1 + s + s^2 (1/2 + s (1/6 + s p(s))) in
 * pair arithmetic with p a cubic in s, the pair scaled by 2^q in two factors; 0 below -104 */
static inline fpair
pf_exp(float d)
{
    int32_t q = rint_i32_f(d * 1.442695040888963407359924681001892137f);
    fpair s = pf_add2_pt((fpair){d, 0.0f}, (float)q * -0.693145751953125f);
    s = pf_add2_pt(s, (float)q * -1.428606765330187045e-06f);
    float u = 0.1980960224e-3f;
    u = fmaf(u, s.x, 0.1394256484e-2f);
    u = fmaf(u, s.x, 0.8333456703e-2f);
    u = fmaf(u, s.x, 0.4166637361e-1f);
    fpair t = pf_add2_pt(pf_mul_pt(s, u), 0.166666659414234244790680580464e+0f);
    t = pf_add2_pt(pf_mul_pp(s, t), 0.5f);
    t = pf_add2_pp(s, pf_mul_pp(pf_square(s), t));
    t = pf_add_ts(1.0f, t);
    t.x = scale2_f(t.x, q);
    t.y = scale2_f(t.y, q);
    if (d < -104.0f) t.x = t.y = 0.0f;
    return t;
}

/* log of a pair d > 0 as a pair (SLEEF's logk2f): e = the binary exponent of d * (1 / 0.75)
 * (below 2^-64 first scaled by 2^64, 64 taken off e), m = d 2^-e in [0.75, 1.5),
 * x = (m - 1) / (m + 1), log d = e ln2 + 2x + x^3 t(x^2) in pair arithmetic */
static inline fpair
pf_log(fpair d)
{
    float y = d.x * (1.0f / 0.75f);
    int tiny = y < 5.421010862427522e-20f;
    if (tiny) y *= 18446744073709551616.0f;
    uint32_t b;
    memcpy(&b, &y, sizeof b);
    int32_t e = (int32_t)((b >> 23) & 0xff) - (tiny ? 64 + 0x7f : 0x7f);
    float scale = exp2i_f(-e);
    fpair m = {d.x * scale, d.y * scale};
    fpair x = pf_div(pf_add2_pt(m, -1.0f), pf_add2_pt(m, 1.0f));
    fpair x2 = pf_square(x);
    float t = 0.2392828464508056640625f;
    t = fmaf(t, x2.x, 0.28518211841583251953125f);
    t = fmaf(t, x2.x, 0.400005877017974853515625f);
    t = fmaf(t, x2.x, 0.666666686534881591796875f);
    fpair s = pf_mul_pt((fpair){0.69314718246459960938f, -1.904654323148236017e-09f}, (float)e);
    s = pf_add_pp(s, (fpair){x.x * 2.0f, x.y * 2.0f});
    return pf_add_pp(s, pf_mul_pt(pf_mul_pp(x2, x), t));
}

/* ---- double lane helpers ---- */

/* cvtpd's conversion of an integral double: INT32_MIN out of range or NaN */
static inline int32_t
rint_i32_d(double x)
{
    if (!(fabs(x) < 2147483648.0)) return INT32_MIN;
    return (int32_t)x;
}

/* 2^q as the vector code builds it: (q + 1023) << 20 in a 32-bit lane, made the high word */
static inline double
exp2i_d(int32_t q)
{
    uint64_t b = (uint64_t)(((uint32_t)q + 0x3ffu) << 20) << 32;
    double f;
    memcpy(&f, &b, sizeof f);
    return f;
}

/* x 2^q in two factors (SLEEF's vldexp2) */
static inline double
scale2_d(double x, int32_t q)
{
    int32_t h = q >> 1;
    return x * exp2i_d(h) * exp2i_d((int32_t)((uint32_t)q - (uint32_t)h));
}

/* Estrin's scheme as SLEEF writes it (c9 the highest coefficient): powers x, x2 = x^2,
 * x4 = x^4, x8 = x^8, each level one FMA */
#define PD_POLY2(x, c1, c0) fma((x), (c1), (c0))
#define PD_POLY3(x, x2, c2, c1, c0) fma((x2), (c2), PD_POLY2(x, c1, c0))
#define PD_POLY4(x, x2, c3, c2, c1, c0) fma((x2), PD_POLY2(x, c3, c2), PD_POLY2(x, c1, c0))
#define PD_POLY7(x, x2, x4, c6, c5, c4, c3, c2, c1, c0)                                       \
    fma((x4), PD_POLY3(x, x2, c6, c5, c4), PD_POLY4(x, x2, c3, c2, c1, c0))
#define PD_POLY8(x, x2, x4, c7, c6, c5, c4, c3, c2, c1, c0)                                   \
    fma((x4), PD_POLY4(x, x2, c7, c6, c5, c4), PD_POLY4(x, x2, c3, c2, c1, c0))
#define PD_POLY10(x, x2, x4, x8, c9, c8, c7, c6, c5, c4, c3, c2, c1, c0)                      \
    fma((x8), PD_POLY2(x, c9, c8), PD_POLY8(x, x2, x4, c7, c6, c5, c4, c3, c2, c1, c0))

/* e^d of a pair as a pair (SLEEF's expk2): q = rint((d.x + d.y) / ln2), s = d - q ln2 with ln2
 * in two parts, 1 + s + s^2 / 2 + ... with the low terms in pair arithmetic and a degree-9
 * polynomial (Estrin) for the rest, both parts scaled by 2^q in two factors; 0 below -1000 */
static inline dpair
pd_exp(dpair d)
{
    double dq = nearbyint((d.x + d.y) * 1.442695040888963407359924681001892137426645954152985934135449406931);
    int32_t q = rint_i32_d(dq);
    dpair s = pd_add2_pt(d, dq * -.69314718055966295651160180568695068359375);
    s = pd_add2_pt(s, dq * -.28235290563031577122588448175013436025525412068e-12);
    dpair s2 = pd_square(s), s4 = pd_square(s2);
    double s8 = s4.x * s4.x;
    double u = PD_POLY10(s.x, s2.x, s4.x, s8, +0.1602472219709932072e-9, +0.2092255183563157007e-8,
                         +0.2505230023782644465e-7, +0.2755724800902135303e-6,
                         +0.2755731892386044373e-5, +0.2480158735605815065e-4,
                         +0.1984126984148071858e-3, +0.1388888888886763255e-2,
                         +0.8333333333333347095e-2, +0.4166666666666669905e-1);
    dpair t = pd_add_ts(0.5, pd_mul_pt(s, 0.1666666666666666574e+0));
    t = pd_add_ts(1.0, pd_mul_pp(t, s));
    t = pd_add_ts(1.0, pd_mul_pp(t, s));
    t = pd_add_pp(t, pd_mul_pt(s4, u));
    t.x = scale2_d(t.x, q);
    t.y = scale2_d(t.y, q);
    if (d.x < -1000.0) t.x = t.y = 0.0;
    return t;
}

/* log of a pair d > 0 as a pair (SLEEF's logk2): e = the binary exponent of d * (1 / 0.75)
 * (below 2^-300 or so first scaled by 2^300), m = d 2^-e, x = (m - 1) / (m + 1),
 * log d = e ln2 + 2x + x^3 t(x^2), t of degree 7 (Estrin) */
static inline dpair
pd_log(dpair d)
{
    double y = d.x * (1.0 / 0.75);
    int tiny = y < 4.9090934652977266e-91;
    if (tiny) y *= 2.037035976334486e90;
    uint64_t b;
    memcpy(&b, &y, sizeof b);
    int32_t e = (int32_t)((b >> 52) & 0xfff) - (tiny ? 300 + 0x3ff : 0x3ff);
    dpair m = {scale2_d(d.x, -e), scale2_d(d.y, -e)};
    dpair x = pd_div(pd_add2_pt(m, -1.0), pd_add2_pt(m, 1.0));
    dpair x2 = pd_square(x);
    double x4 = x2.x * x2.x, x8 = x4 * x4;
    double t = PD_POLY7(x2.x, x4, x8, 0.13860436390467167910856, 0.131699838841615374240845,
                        0.153914168346271945653214, 0.181816523941564611721589,
                        0.22222224632662035403996, 0.285714285511134091777308,
                        0.400000000000914013309483);
    t = fma(t, x2.x, 0.666666666666664853302393);
    dpair s = pd_mul_pt((dpair){0.693147180559945286226764, 2.319046813846299558417771e-17},
                        (double)e);
    s = pd_add_pp(s, (dpair){x.x * 2.0, x.y * 2.0});
    return pd_add_pp(s, pd_mul_pt(pd_mul_pp(x2, x), t));
}

#endif
