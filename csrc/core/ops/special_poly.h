/* special_poly.h — the orthogonal polynomials of torch.special for the binary op table
 * (op_table.h): Chebyshev's T, U, V, W on [-1, 1] and shifted to [0, 1], Hermite's H
 * (physicists') and He (probabilists'), Laguerre's L and Legendre's P, each f(x, n) for float
 * and double, with _Generic names (pl_chebyshev_t(x, n) ...) that the table's expressions use.
 *
 * Semantics, as PyTorch's CPU kernels:
 *   - n arrives in x's element type and is truncated toward zero to a 64-bit degree; NaN, the
 *     infinities and values beyond int64's range become INT64_MIN (what x86's truncating
 *     conversion gives for them), and every polynomial of a negative degree is 0;
 *   - the values at the interval's ends (x = +-1; 0 and 1 for the shifted forms), L at x = 0,
 *     are returned exactly; degrees 0 and 1 are the polynomials themselves;
 *   - inside the interval, high degrees (T beyond 6, U V W beyond 8; the shifted forms beyond 6,
 *     shifted W beyond 4) take the trigonometric forms cos(n t), sin((n+1) t) / sin t,
 *     cos((n+1/2) t) / cos(t/2) and sin((n+1/2) t) / sin(t/2) with t = acos(x);
 *   - elsewhere the three-term recurrences run, stopping once a value is NaN; H and He give NaN
 *     beyond degree 128 (float) / 512 (double). At a NaN x PyTorch's recurrences for U, V, W,
 *     the shifted forms, L and P return an unset value; here they return NaN.
 *   - the integer coefficients (n + 1, 2n + 1, k ...) are converted straight from int64 to the
 *     element type, and the recurrences' multiply-adds are fused where PyTorch's AVX2 build
 *     fuses them (the first product of each difference): its bits in float and double.
 * Plain C: included by binary.c, which expands the table.
 */
#ifndef PL_SPECIAL_POLY_H
#define PL_SPECIAL_POLY_H

#include <math.h>
#include <stdint.h>

/* The degree n as a 64-bit integer: truncated; INT64_MIN for NaN, +-inf and out of range. */
static inline int64_t
pl_poly_degree(double n)
{
    if (n >= -9223372036854775808.0 && n < 9223372036854775808.0) return (int64_t)n;
    return INT64_MIN;
}

/* 2n + 1 and n + 1 with int64's wrapping (the degree may be near 2^63) */
static inline int64_t
pl_poly_odd(int64_t n)
{
    return (int64_t)(2u * (uint64_t)n + 1u);
}

static inline int64_t
pl_poly_neg(int64_t m)
{
    return (int64_t)(0u - (uint64_t)m);
}

#define PL_DEFINE_POLY(SUF, T, ABS, ACOS, COS, SIN, FMA)                                       \
    /* c_k = two_x c_(k-1) - c_(k-2) from c_1 = q, c_0 = 1, up to c_n (n >= 2), stopping at a \
     * NaN; the Chebyshev kinds differ in c_1 only */                                          \
    static inline T pl_cheb_run_##SUF(T two_x, T q, int64_t n)                                 \
    {                                                                                          \
        T p = (T)1, r = q;                                                                     \
        for (int64_t k = 2; k <= n && !isnan(q); k++) {                                        \
            r = FMA(two_x, q, -p);                                                             \
            p = q;                                                                             \
            q = r;                                                                             \
        }                                                                                      \
        return r;                                                                              \
    }                                                                                          \
    /* the trigonometric forms at t = acos(y), |y| < 1 */                                      \
    static inline T pl_cheb_u_trig_##SUF(T y, int64_t n)                                       \
    {                                                                                          \
        const T t = ACOS(y), m = (T)(n + 1);                                                   \
        if (SIN(t) != (T)0) return SIN(m * t) / SIN(t);                                        \
        return m * COS(m * t) / y;                                                             \
    }                                                                                          \
    static inline int pl_cheb_v_trig_##SUF(T y, int64_t n, T *out)                               \
    {                                                                                          \
        const T t = ACOS(y);                                                                   \
        if (SIN(t / (T)2) == (T)1) return 0;                                                   \
        *out = COS(((T)n + (T)0.5) * t) / COS(t / (T)2);                                       \
        return 1;                                                                              \
    }                                                                                          \
    static inline int pl_cheb_w_trig_##SUF(T y, int64_t n, T *out)                               \
    {                                                                                          \
        const T t = ACOS(y);                                                                   \
        if (COS(t / (T)2) == (T)1) return 0;                                                   \
        *out = SIN(((T)n + (T)0.5) * t) / SIN(t / (T)2);                                       \
        return 1;                                                                              \
    }                                                                                          \
    static inline T pl_chebyshev_t_##SUF(T x, T nn)                                            \
    {                                                                                          \
        const int64_t n = pl_poly_degree(nn);                                                  \
        if (n < 0) return (T)0;                                                                \
        if (ABS(x) == (T)1) return (x > (T)0 || n % 2 == 0) ? (T)1 : (T)-1;                    \
        if (n > 6 && ABS(x) < (T)1) return COS((T)n * ACOS(x));                                \
        if (n == 0) return (T)1;                                                               \
        if (n == 1) return x;                                                                  \
        return pl_cheb_run_##SUF(x + x, x, n);                                                 \
    }                                                                                          \
    static inline T pl_chebyshev_u_##SUF(T x, T nn)                                            \
    {                                                                                          \
        const int64_t n = pl_poly_degree(nn);                                                  \
        if (n < 0) return (T)0;                                                                \
        if (ABS(x) == (T)1) {                                                                  \
            return (x > (T)0 || n % 2 == 0) ? (T)(n + 1) : (T)pl_poly_neg(n + 1);              \
        }                                                                                      \
        if (n > 8 && ABS(x) < (T)1) return pl_cheb_u_trig_##SUF(x, n);                         \
        if (n == 0) return (T)1;                                                               \
        if (n == 1) return x + x;                                                              \
        return pl_cheb_run_##SUF(x + x, x + x, n);                                             \
    }                                                                                          \
    static inline T pl_chebyshev_v_##SUF(T x, T nn)                                            \
    {                                                                                          \
        const int64_t n = pl_poly_degree(nn);                                                  \
        if (n < 0) return (T)0;                                                                \
        const T odd = n % 2 == 0 ? (T)pl_poly_odd(n) : (T)pl_poly_neg(pl_poly_odd(n));         \
        if (ABS(x) == (T)1) return x > (T)0 ? (T)1 : odd;                                      \
        if (n > 8 && ABS(x) < (T)1) {                                                          \
            T v;                                                                               \
            return pl_cheb_v_trig_##SUF(x, n, &v) ? v : odd;                                   \
        }                                                                                      \
        if (n == 0) return (T)1;                                                               \
        if (n == 1) return x + x - (T)1;                                                       \
        return pl_cheb_run_##SUF(x + x, x + x - (T)1, n);                                      \
    }                                                                                          \
    static inline T pl_chebyshev_w_##SUF(T x, T nn)                                            \
    {                                                                                          \
        const int64_t n = pl_poly_degree(nn);                                                  \
        if (n < 0) return (T)0;                                                                \
        const T end = x > (T)0 ? (T)pl_poly_odd(n) : n % 2 == 0 ? (T)1 : (T)-1;                \
        if (ABS(x) == (T)1) return end;                                                        \
        if (n > 8 && ABS(x) < (T)1) {                                                          \
            T w;                                                                               \
            return pl_cheb_w_trig_##SUF(x, n, &w) ? w : end;                                   \
        }                                                                                      \
        if (n == 0) return (T)1;                                                               \
        if (n == 1) return x + x + (T)1;                                                       \
        return pl_cheb_run_##SUF(x + x, x + x + (T)1, n);                                      \
    }                                                                                          \
    /* the shifted forms: the same in y = 2x - 1, their ends at x = 1 and x = 0 */             \
    static inline T pl_shifted_chebyshev_t_##SUF(T x, T nn)                                    \
    {                                                                                          \
        const int64_t n = pl_poly_degree(nn);                                                  \
        if (n < 0) return (T)0;                                                                \
        if (x == (T)1) return (T)1;                                                            \
        if (x == (T)0) return n % 2 == 0 ? (T)1 : (T)-1;                                       \
        const T y = x + x - (T)1;                                                              \
        if (n > 6 && ABS(y) < (T)1) return COS((T)n * ACOS(y));                                \
        if (n == 0) return (T)1;                                                               \
        if (n == 1) return y;                                                                  \
        return pl_cheb_run_##SUF(y + y, y, n);                                                 \
    }                                                                                          \
    static inline T pl_shifted_chebyshev_u_##SUF(T x, T nn)                                    \
    {                                                                                          \
        const int64_t n = pl_poly_degree(nn);                                                  \
        if (n < 0) return (T)0;                                                                \
        if (x == (T)1) return (T)(n + 1);                                                      \
        if (x == (T)0) return n % 2 == 0 ? (T)(n + 1) : (T)pl_poly_neg(n + 1);                 \
        const T y = x + x - (T)1;                                                              \
        if (n > 6 && ABS(y) < (T)1) return pl_cheb_u_trig_##SUF(y, n);                         \
        if (n == 0) return (T)1;                                                               \
        if (n == 1) return y + y;                                                              \
        return pl_cheb_run_##SUF(y + y, y + y, n);                                             \
    }                                                                                          \
    static inline T pl_shifted_chebyshev_v_##SUF(T x, T nn)                                    \
    {                                                                                          \
        const int64_t n = pl_poly_degree(nn);                                                  \
        if (n < 0) return (T)0;                                                                \
        const T odd = n % 2 == 0 ? (T)pl_poly_odd(n) : (T)pl_poly_neg(pl_poly_odd(n));         \
        if (x == (T)1) return (T)1;                                                            \
        if (x == (T)0) return odd;                                                             \
        const T y = x + x - (T)1;                                                              \
        if (n > 6 && ABS(y) < (T)1) {                                                          \
            T v;                                                                               \
            return pl_cheb_v_trig_##SUF(y, n, &v) ? v : odd;                                   \
        }                                                                                      \
        if (n == 0) return (T)1;                                                               \
        if (n == 1) return y + y - (T)1;                                                       \
        return pl_cheb_run_##SUF(y + y, y + y - (T)1, n);                                      \
    }                                                                                          \
    static inline T pl_shifted_chebyshev_w_##SUF(T x, T nn)                                    \
    {                                                                                          \
        const int64_t n = pl_poly_degree(nn);                                                  \
        if (n < 0) return (T)0;                                                                \
        const T sign = n % 2 == 0 ? (T)1 : (T)-1;                                              \
        if (x == (T)1) return (T)pl_poly_odd(n);                                               \
        if (x == (T)0) return sign;                                                            \
        const T y = x + x - (T)1;                                                              \
        if (n > 4 && ABS(y) < (T)1) {                                                          \
            T w;                                                                               \
            return pl_cheb_w_trig_##SUF(y, n, &w) ? w : sign;                                  \
        }                                                                                      \
        if (n == 0) return (T)1;                                                               \
        if (n == 1) return y + y + (T)1;                                                       \
        return pl_cheb_run_##SUF(y + y, y + y + (T)1, n);                                      \
    }                                                                                          \
    /* H: h_k = 2x h_(k-1) - 2(k-1) h_(k-2); He: e_k = x e_(k-1) - (k-1) e_(k-2) */          \
    static inline T pl_hermite_h_##SUF(T x, T nn)                                              \
    {                                                                                          \
        const int64_t n = pl_poly_degree(nn);                                                  \
        if (n < 0) return (T)0;                                                                \
        if (n == 0) return (T)1;                                                               \
        if (n == 1) return x + x;                                                              \
        if (n > PL_HERMITE_LIMIT_##SUF) return (T)NAN;                                         \
        T p = (T)1, q = x + x, r = (T)0;                                                       \
        for (int64_t k = 2; k < n + n; k += 2) {                                               \
            r = FMA(x + x, q, -((T)k * p));                                                    \
            p = q;                                                                             \
            q = r;                                                                             \
        }                                                                                      \
        return r;                                                                              \
    }                                                                                          \
    static inline T pl_hermite_he_##SUF(T x, T nn)                                             \
    {                                                                                          \
        const int64_t n = pl_poly_degree(nn);                                                  \
        if (n < 0) return (T)0;                                                                \
        if (n == 0) return (T)1;                                                               \
        if (n == 1) return x;                                                                  \
        if (n > PL_HERMITE_LIMIT_##SUF) return (T)NAN;                                         \
        T p = (T)1, q = x, r = x;                                                              \
        for (int64_t k = 1; k < n; k++) {                                                      \
            r = FMA(x, q, -((T)k * p));                                                        \
            p = q;                                                                             \
            q = r;                                                                             \
        }                                                                                      \
        return r;                                                                              \
    }                                                                                          \
    /* L: (k+1) l_(k+1) = (2k + 1 - x) l_k - k l_(k-1); 1 at x = 0 */                          \
    static inline T pl_laguerre_l_##SUF(T x, T nn)                                             \
    {                                                                                          \
        const int64_t n = pl_poly_degree(nn);                                                  \
        if (n < 0) return (T)0;                                                                \
        if (ABS(x) == (T)0) return (T)1;                                                       \
        if (n == 0) return (T)1;                                                               \
        if (n == 1) return (T)1 - x;                                                           \
        T p = (T)1, q = (T)1 - x, r = q;                                                       \
        for (int64_t k = 1; k < n && !isnan(q); k++) {                                         \
            r = FMA((T)(k + k) + ((T)1 - x), q, -((T)k * p)) / (T)(k + 1);                     \
            p = q;                                                                             \
            q = r;                                                                             \
        }                                                                                      \
        return r;                                                                              \
    }                                                                                          \
    /* P: (k+1) p_(k+1) = (2k + 1) x p_k - k p_(k-1); +-1 at x = +-1 */                        \
    static inline T pl_legendre_p_##SUF(T x, T nn)                                             \
    {                                                                                          \
        const int64_t n = pl_poly_degree(nn);                                                  \
        if (n < 0) return (T)0;                                                                \
        if (ABS(x) == (T)1) return (x > (T)0 || n % 2 == 0) ? (T)1 : (T)-1;                    \
        if (n == 0) return (T)1;                                                               \
        if (n == 1) return x;                                                                  \
        T p = (T)1, q = x, r = x;                                                              \
        for (int64_t k = 1; k < n && !isnan(q); k++) {                                         \
            r = FMA((T)(k + k + 1) * x, q, -((T)k * p)) / (T)(k + 1);                          \
            p = q;                                                                             \
            q = r;                                                                             \
        }                                                                                      \
        return r;                                                                              \
    }

#define PL_HERMITE_LIMIT_f32 128
#define PL_HERMITE_LIMIT_f64 512
PL_DEFINE_POLY(f32, float, fabsf, acosf, cosf, sinf, fmaf)
PL_DEFINE_POLY(f64, double, fabs, acos, cos, sin, fma)

#define PL_POLY_GENERIC_(name, x, n) _Generic((x), float: pl_##name##_f32, double: pl_##name##_f64)(x, n)
#define pl_chebyshev_t(x, n) PL_POLY_GENERIC_(chebyshev_t, x, n)
#define pl_chebyshev_u(x, n) PL_POLY_GENERIC_(chebyshev_u, x, n)
#define pl_chebyshev_v(x, n) PL_POLY_GENERIC_(chebyshev_v, x, n)
#define pl_chebyshev_w(x, n) PL_POLY_GENERIC_(chebyshev_w, x, n)
#define pl_shifted_chebyshev_t(x, n) PL_POLY_GENERIC_(shifted_chebyshev_t, x, n)
#define pl_shifted_chebyshev_u(x, n) PL_POLY_GENERIC_(shifted_chebyshev_u, x, n)
#define pl_shifted_chebyshev_v(x, n) PL_POLY_GENERIC_(shifted_chebyshev_v, x, n)
#define pl_shifted_chebyshev_w(x, n) PL_POLY_GENERIC_(shifted_chebyshev_w, x, n)
#define pl_hermite_h(x, n) PL_POLY_GENERIC_(hermite_h, x, n)
#define pl_hermite_he(x, n) PL_POLY_GENERIC_(hermite_he, x, n)
#define pl_laguerre_l(x, n) PL_POLY_GENERIC_(laguerre_l, x, n)
#define pl_legendre_p(x, n) PL_POLY_GENERIC_(legendre_p, x, n)

#endif
