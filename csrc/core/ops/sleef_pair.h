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

#endif
