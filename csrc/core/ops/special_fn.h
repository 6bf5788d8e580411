/* special_fn.h — scalar special functions for the unary op table (op_table.h): erfinv, the
 * modified Bessel functions i0, i0e, i1, i1e, ndtri, log_ndtr, erfcx and entr, each for float
 * and double, with a _Generic name (pl_i0(x) ...) that the table's expressions use.
 *
 * Numerics: erfinv is Pavlis' rational first guess refined by two Newton steps on erf (the
 * algorithm PyTorch's CPU kernel uses); the Bessel functions are Cephes' Chebyshev expansions
 * (exp(-x) I(x) on [0, 8], exp(-x) sqrt(x) I(x) on 1/x beyond) and ndtri Cephes' three rational
 * approximations, as PyTorch evaluates them, in the element type. erfcx is exp(x^2) erfc(x)
 * where that does not underflow and its asymptotic series beyond (PyTorch uses Johnson's
 * Faddeeva tables: the two agree to a few ulps, not bit for bit); log_ndtr is written with it
 * as PyTorch's. The Hurwitz zeta function (binary) serves special.zeta and polygamma. Plain C:
 * included by the op files that expand the tables.
 */
#ifndef PL_SPECIAL_FN_H
#define PL_SPECIAL_FN_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- erfinv ---- */
#define PL_DEFINE_ERFINV(SUF, T, ABS, SQRT, LOG, EXP, ERF, COPYSIGN)                           \
    static inline T pl_erfinv_##SUF(T y)                                                     \
    {                                                                                        \
        static const T a[4] = {(T)0.886226899, (T)-1.645349621, (T)0.914624893,              \
                               (T)-0.140543331};                                             \
        static const T b[4] = {(T)-2.118377725, (T)1.442710462, (T)-0.329097515,             \
                               (T)0.012229801};                                              \
        static const T c[4] = {(T)-1.970840454, (T)-1.624906493, (T)3.429567803,             \
                               (T)1.641345311};                                              \
        static const T d[2] = {(T)3.543889200, (T)1.637067800};                              \
        const T ay = ABS(y);                                                                 \
        if (ay > 1) return (T)NAN;                                                           \
        if (ay == 1) return COPYSIGN((T)INFINITY, y);                                        \
        T x;                                                                                 \
        if (ay <= (T)0.7) { /* the central range: a rational function of y^2 */            \
            const T z = y * y;                                                               \
            const T num = ((a[3] * z + a[2]) * z + a[1]) * z + a[0];                         \
            const T den = (((b[3] * z + b[2]) * z + b[1]) * z + b[0]) * z + (T)1;            \
            x = y * num / den;                                                               \
        } else { /* the tails: a rational function of sqrt(-log((1 - |y|) / 2)) */          \
            const T z = SQRT(-LOG(((T)1 - ay) / (T)2));                                      \
            const T num = ((c[3] * z + c[2]) * z + c[1]) * z + c[0];                         \
            const T den = (d[1] * z + d[0]) * z + (T)1;                                      \
            x = COPYSIGN(num, y) / den;                                                      \
        }                                                                                    \
        /* two Newton steps on erf(x) = y; erf' = 2 / sqrt(pi) exp(-x^2) */                  \
        const T two_over_sqrt_pi = (T)2 / (T)SQRT((T)3.14159265358979323846);                \
        for (int k = 0; k < 2; k++) x = x - (ERF(x) - y) / (two_over_sqrt_pi * EXP(-x * x)); \
        return x;                                                                            \
    }
PL_DEFINE_ERFINV(f32, float, fabsf, sqrtf, logf, expf, erff, copysignf)
PL_DEFINE_ERFINV(f64, double, fabs, sqrt, log, exp, erf, copysign)

/* ---- Chebyshev series (Cephes' chbevl: the sum of c[i] T_i(x / 2)) ---- */
#define PL_DEFINE_CHBEVL(SUF, T)                                                               \
    static inline T pl_chbevl_##SUF(T x, const T *c, size_t n)                                 \
    {                                                                                        \
        T b0 = c[0], b1 = 0, b2 = 0;                                                         \
        for (size_t i = 1; i < n; i++) {                                                     \
            b2 = b1;                                                                         \
            b1 = b0;                                                                         \
            b0 = x * b1 - b2 + c[i];                                                         \
        }                                                                                    \
        return (T)0.5 * (b0 - b2);                                                           \
    }
PL_DEFINE_CHBEVL(f32, float)
PL_DEFINE_CHBEVL(f64, double)

/* Cephes' coefficients: exp(-x) I0(x) on [0, 8] (30) and exp(-x) sqrt(x) I0(x) in 32/x - 2
 * beyond (25); the same for I1 (29 and 25). */
#define PL_I0_A                                                                                \
    -4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,      \
        1.71539128555513303061E-15, -1.16853328779934516808E-14, 7.67618549860493561688E-14,   \
        -4.85644678311192946090E-13, 2.95505266312963983461E-12, -1.72682629144155570723E-11,  \
        9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,    \
        -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7,     \
        1.11738753912010371815E-6, -4.41673835845875056359E-6, 1.64484480707288970893E-5,      \
        -5.75419501008210370398E-5, 1.88502885095841655729E-4, -5.76375574538582365885E-4,     \
        1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,      \
        -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2,     \
        1.71620901522208775349E-1, -3.04682672343198398683E-1, 6.76795274409476084995E-1
#define PL_I0_B                                                                                \
    -7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,      \
        3.46122286769746109310E-17, -2.82762398051658348494E-16, -3.42548561967721913462E-16,  \
        1.77256013305652638360E-15, 3.81168066935262242075E-15, -9.55484669882830764870E-15,   \
        -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,   \
        7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11,  \
        -3.14991652796324136454E-11, 1.18891471078464383424E-11, 4.94060238822496958910E-10,   \
        3.39623202570838634515E-9, 2.26666899049817806459E-8, 2.04891858946906374183E-7,       \
        2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,       \
        8.04490411014108831608E-1
#define PL_I1_A                                                                                \
    2.77791411276104639959E-18, -2.11142121435816608115E-17, 1.55363195773620046921E-16,       \
        -1.10559694773538630805E-15, 7.60068429473540693410E-15, -5.04218550472791168711E-14,  \
        3.22379336594557470981E-13, -1.98397439776494371520E-12, 1.17361862988909016308E-11,   \
        -6.66348972350202774223E-11, 3.62559028155211703701E-10, -1.88724975172282928790E-9,   \
        9.38153738649577178388E-9, -4.44505912879632808065E-8, 2.00329475355213526229E-7,      \
        -8.56872026469545474066E-7, 3.47025130813767847674E-6, -1.32731636560394358279E-5,     \
        4.78156510755005422638E-5, -1.61760815825896745588E-4, 5.12285956168575772895E-4,      \
        -1.51357245063125314899E-3, 4.15642294431288815669E-3, -1.05640848946261981558E-2,     \
        2.47264490306265168283E-2, -5.29459812080949914269E-2, 1.02643658689847095384E-1,      \
        -1.76416518357834055153E-1, 2.52587186443633654823E-1
#define PL_I1_B                                                                                \
    7.51729631084210481353E-18, 4.41434832307170791151E-18, -4.65030536848935832153E-17,       \
        -3.20952592199342395980E-17, 2.96262899764595013876E-16, 3.30820231092092828324E-16,   \
        -1.88035477551078244854E-15, -3.81440307243700780478E-15, 1.04202769841288027642E-14,  \
        4.27244001671195135429E-14, -2.10154184277266431302E-14, -4.08355111109219731823E-13,  \
        -7.19855177624590851209E-13, 2.03562854414708950722E-12, 1.41258074366137813316E-11,   \
        3.25260358301548823856E-11, -1.89749581235054123450E-11, -5.58974346219658380687E-10,  \
        -3.83538038596423702205E-9, -2.63146884688951950684E-8, -2.51223623787020892529E-7,    \
        -3.88256480887769039346E-6, -1.10588938762623716291E-4, -9.76109749136146840777E-3,    \
        7.78576235018280120474E-1

/* i0(x) = exp(|x|) A(|x|/2 - 2) up to 8, exp(|x|) B(32/|x| - 2) / sqrt(|x|) beyond; i0e
 * drops exp(|x|); i1 and i1e likewise (times |x| on [0, 8]), odd in x. */
#define PL_DEFINE_BESSEL(SUF, T, ABS, EXP, SQRT)                                               \
    static const T pl_i0a_##SUF[30] = {PL_I0_A}, pl_i0b_##SUF[25] = {PL_I0_B};               \
    static const T pl_i1a_##SUF[29] = {PL_I1_A}, pl_i1b_##SUF[25] = {PL_I1_B};               \
    static inline T pl_i0_##SUF(T v)                                                         \
    {                                                                                        \
        const T x = ABS(v);                                                                  \
        if (x <= (T)8) return EXP(x) * pl_chbevl_##SUF(x / (T)2 - (T)2, pl_i0a_##SUF, 30);   \
        return EXP(x) * pl_chbevl_##SUF((T)32 / x - (T)2, pl_i0b_##SUF, 25) / SQRT(x);       \
    }                                                                                        \
    static inline T pl_i0e_##SUF(T v)                                                        \
    {                                                                                        \
        const T x = ABS(v);                                                                  \
        if (x <= (T)8) return pl_chbevl_##SUF(x / (T)2 - (T)2, pl_i0a_##SUF, 30);            \
        return pl_chbevl_##SUF((T)32 / x - (T)2, pl_i0b_##SUF, 25) / SQRT(x);                \
    }                                                                                        \
    static inline T pl_i1_##SUF(T v)                                                         \
    {                                                                                        \
        const T x = ABS(v);                                                                  \
        T r;                                                                                 \
        if (x <= (T)8) {                                                                     \
            r = EXP(x) * x * pl_chbevl_##SUF(x / (T)2 - (T)2, pl_i1a_##SUF, 29);             \
        } else {                                                                             \
            r = EXP(x) * pl_chbevl_##SUF((T)32 / x - (T)2, pl_i1b_##SUF, 25) / SQRT(x);      \
        }                                                                                    \
        return v < 0 ? -r : r;                                                               \
    }                                                                                        \
    static inline T pl_i1e_##SUF(T v)                                                        \
    {                                                                                        \
        const T x = ABS(v);                                                                  \
        T r;                                                                                 \
        if (x <= (T)8) {                                                                     \
            r = pl_chbevl_##SUF(x / (T)2 - (T)2, pl_i1a_##SUF, 29) * x;                      \
        } else {                                                                             \
            r = pl_chbevl_##SUF((T)32 / x - (T)2, pl_i1b_##SUF, 25) / SQRT(x);               \
        }                                                                                    \
        return v < 0 ? -r : r;                                                               \
    }
PL_DEFINE_BESSEL(f32, float, fabsf, expf, sqrtf)
PL_DEFINE_BESSEL(f64, double, fabs, exp, sqrt)

/* ---- ndtri: the inverse of the standard normal CDF (Cephes) ---- */
#define PL_DEFINE_POLEVL(SUF, T)                                                               \
    static inline T pl_polevl_##SUF(T x, const T *c, size_t degree)                           \
    {                                                                                        \
        T r = 0;                                                                             \
        for (size_t i = 0; i <= degree; i++) r = r * x + c[i];                               \
        return r;                                                                            \
    }
PL_DEFINE_POLEVL(f32, float)
PL_DEFINE_POLEVL(f64, double)

#define PL_DEFINE_NDTRI(SUF, T, SQRT, LOG)                                                     \
    static inline T pl_ndtri_##SUF(T y0)                                                     \
    {                                                                                        \
        /* |y - 1/2| <= 3/8 */                                                               \
        static const T p0[5] = {-5.99633501014107895267E1, 9.80010754185999661536E1,         \
                                -5.66762857469070293439E1, 1.39312609387279679503E1,         \
                                -1.23916583867381258016E0};                                  \
        static const T q0[9] = {1.0, 1.95448858338141759834E0, 4.67627912898881538453E0,     \
                                8.63602421390890590575E1, -2.25462687854119370527E2,         \
                                2.00260212380060660359E2, -8.20372256168333339912E1,         \
                                1.59056225126211695515E1, -1.18331621121330003142E0};        \
        /* z = sqrt(-2 log y) in [2, 8) */                                                   \
        static const T p1[9] = {4.05544892305962419923E0, 3.15251094599893866154E1,          \
                                5.71628192246421288162E1, 4.40805073893200834700E1,          \
                                1.46849561928858024014E1, 2.18663306850790267539E0,          \
                                -1.40256079171354495875E-1, -3.50424626827848203418E-2,      \
                                -8.57456785154685413611E-4};                                 \
        static const T q1[9] = {1.0, 1.57799883256466749731E1, 4.53907635128879210584E1,     \
                                4.13172038254672030440E1, 1.50425385692907503408E1,          \
                                2.50464946208309415979E0, -1.42182922854787788574E-1,        \
                                -3.80806407691578277194E-2, -9.33259480895457427372E-4};     \
        /* z in [8, 64] */                                                                   \
        static const T p2[9] = {3.23774891776946035970E0, 6.91522889068984211695E0,          \
                                3.93881025292474443415E0, 1.33303460815807542389E0,          \
                                2.01485389549179081538E-1, 1.23716634817820021358E-2,        \
                                3.01581553508235416007E-4, 2.65806974686737550832E-6,        \
                                6.23974539184983293730E-9};                                  \
        static const T q2[9] = {1.0, 6.02427039364742014255E0, 3.67983563856160859403E0,     \
                                1.37702099489081330271E0, 2.16236993594496635890E-1,         \
                                1.34204006088543189037E-2, 3.28014464682127739104E-4,        \
                                2.89247864745380683936E-6, 6.79019408009981274425E-9};       \
        const T exp_m2 = (T)0.13533528323661269189; /* exp(-2) */                            \
        if (y0 == 0) return -(T)INFINITY;                                                    \
        if (y0 == 1) return (T)INFINITY;                                                     \
        if (!(y0 > 0 && y0 < 1)) return (T)NAN;                                              \
        T y = y0;                                                                            \
        bool negate = true;                                                                  \
        if (y > (T)1 - exp_m2) {                                                             \
            y = (T)1 - y;                                                                    \
            negate = false;                                                                  \
        }                                                                                    \
        if (y > exp_m2) {                                                                    \
            y = y - (T)0.5;                                                                  \
            const T y2 = y * y;                                                              \
            const T x = y + y * (y2 * pl_polevl_##SUF(y2, p0, 4) / pl_polevl_##SUF(y2, q0, 8)); \
            return x * (T)2.50662827463100050242E0; /* sqrt(2 pi) */                         \
        }                                                                                    \
        const T x = SQRT((T)-2 * LOG(y));                                                    \
        const T x0 = x - LOG(x) / x;                                                         \
        const T z = (T)1 / x;                                                                \
        const T x1 = x < (T)8 ? z * pl_polevl_##SUF(z, p1, 8) / pl_polevl_##SUF(z, q1, 8)    \
                              : z * pl_polevl_##SUF(z, p2, 8) / pl_polevl_##SUF(z, q2, 8);   \
        return negate ? -(x0 - x1) : x0 - x1;                                                \
    }
PL_DEFINE_NDTRI(f32, float, sqrtf, logf)
PL_DEFINE_NDTRI(f64, double, sqrt, log)

/* ---- erfcx(x) = exp(x^2) erfc(x); log_ndtr(x) = log(Phi(x)); entr(x) = -x log x ---- */
#define PL_DEFINE_ERFCX(SUF, T, EXP, ERFC, LOG, LOG1P)                                         \
    static inline T pl_erfcx_##SUF(T x)                                                      \
    {                                                                                        \
        if (x != x) return x;                                                                \
        if (x < (T)26) {                                                                     \
            if (x < (T)-26.7) return (T)INFINITY; /* 2 exp(x^2) overflows */                 \
            return (T)((double)exp((double)x * (double)x) * (double)erfc((double)x));        \
        }                                                                                    \
        if (x > (T)1e150) return (T)(0.56418958354775628695 / (double)x);                    \
        /* 1/(x sqrt(pi)) (1 - 1/(2x^2) + 3/(2x^2)^2 - 15/(2x^2)^3 ...): converged by 8 terms */ \
        const double w = 1.0 / (2.0 * (double)x * (double)x);                                \
        double term = 1.0, sum = 1.0;                                                        \
        for (int k = 1; k <= 8; k++) {                                                       \
            term *= -(2 * k - 1) * w;                                                        \
            sum += term;                                                                     \
        }                                                                                    \
        return (T)(0.56418958354775628695 / (double)x * sum);                                \
    }                                                                                        \
    static inline T pl_log_ndtr_##SUF(T x)                                                   \
    {                                                                                        \
        const T t = x * (T)0.70710678118654752440; /* x / sqrt(2) */                         \
        if (x < (T)-1) return LOG(pl_erfcx_##SUF(-t) / (T)2) - t * t;                        \
        return LOG1P(-ERFC(t) / (T)2);                                                       \
    }                                                                                        \
    static inline T pl_entr_##SUF(T x)                                                       \
    {                                                                                        \
        if (x != x) return x;                                                                \
        if (x > 0) return -x * LOG(x);                                                       \
        if (x == 0) return 0;                                                                \
        return -(T)INFINITY;                                                                 \
    }
PL_DEFINE_ERFCX(f32, float, expf, erfcf, logf, log1pf)
PL_DEFINE_ERFCX(f64, double, exp, erfc, log, log1p)

/* ---- the Hurwitz zeta function sum_k (k + q)^-x (Cephes: direct terms while they matter,
 * then the Euler-Maclaurin tail); computed in double for float too, as PyTorch's ---- */
static inline double
pl_zeta_sum(double x, double q, double first)
{
    static const double machep = 1.11022302462515654042E-16;
    /* (2k)! / B_2k, the Euler-Maclaurin denominators */
    static const double A[12] = {12.0, -720.0, 30240.0, -1209600.0, 47900160.0,
                                 -1.8924375803183791606e9, 7.47242496e10,
                                 -2.950130727918164224e12, 1.1646782814350067249e14,
                                 -4.5979787224074726105e15, 1.8152105401943546773e17,
                                 -7.1661652561756670113e18};
    if (x == 1) return INFINITY;
    if (x < 1) return NAN;
    if (q <= 0) {
        if (q == floor(q)) return INFINITY;
        if (x != floor(x)) return NAN; /* q^-x would be complex */
    }
    double s = first, a = q, b = 0;
    int i = 0;
    while (i < 9 || a <= 9.0) {
        i += 1;
        a += 1;
        b = pow(a, -x);
        s += b;
        if (-machep * s < b && b < machep * s) return s;
    }
    const double w = a;
    s += b * w / (x - 1);
    s -= 0.5 * b;
    double f = 1, k = 0;
    for (int j = 0; j < 12; j++) {
        f *= x + k;
        b /= w;
        double t = f * b / A[j];
        s = s + t;
        if (fabs(t / s) < machep) return s;
        k += 1;
        f *= x + k;
        b /= w;
        k += 1;
    }
    return s;
}
/* the first term q^-x is a pow in the element type; the rest of the sum runs in double */
static inline double
pl_zeta_f64(double x, double q)
{
    return pl_zeta_sum(x, q, pow(q, -x));
}
static inline float
pl_zeta_f32(float x, float q)
{
    return (float)pl_zeta_sum(x, q, powf(q, -x));
}
#define pl_zeta(x, q) _Generic((x), float: pl_zeta_f32, double: pl_zeta_f64)(x, q)

#define PL_SPECIAL_GENERIC_(name, x) _Generic((x), float: pl_##name##_f32, double: pl_##name##_f64)(x)
#define pl_erfinv(x) PL_SPECIAL_GENERIC_(erfinv, x)
#define pl_i0(x) PL_SPECIAL_GENERIC_(i0, x)
#define pl_i0e(x) PL_SPECIAL_GENERIC_(i0e, x)
#define pl_i1(x) PL_SPECIAL_GENERIC_(i1, x)
#define pl_i1e(x) PL_SPECIAL_GENERIC_(i1e, x)
#define pl_ndtri(x) PL_SPECIAL_GENERIC_(ndtri, x)
#define pl_erfcx(x) PL_SPECIAL_GENERIC_(erfcx, x)
#define pl_log_ndtr(x) PL_SPECIAL_GENERIC_(log_ndtr, x)
#define pl_entr(x) PL_SPECIAL_GENERIC_(entr, x)

#endif
