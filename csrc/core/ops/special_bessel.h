/* special_bessel.h — more scalar special functions for the unary op table (op_table.h), as
 * torch.special evaluates them: Airy's Ai, the modified Bessel functions I1, K0 and K1, K0 and
 * K1 scaled by exp(x), and the spherical Bessel function j0, each for float and double, with a
 * _Generic name (pl_airy_ai(x) ...) that the table's expressions use.
 *
 * Numerics: Cephes' expansions in the element type, the multiply-adds fused where PyTorch's
 * build fuses them (the Chebyshev sums are special_fn.h's pl_chbevl):
 *   I1       exp(|x|) |x| A(|x|/2 - 2) up to 8, exp(|x|) B(32/|x| - 2) / sqrt(|x|) beyond, odd
 *            in x; unlike special.i1, float keeps all 29 and 25 terms and the products are
 *            taken in another order, so the two differ in the last bits;
 *   K0, K1   A(x^2 - 2) plus the log(x/2) I term up to 2, exp(-x) B(8/x - 2) / sqrt(x) beyond;
 *            inf at 0, nan below 0 (K0's log term is taken in double for float too, as in
 *            PyTorch); the scaled forms multiply by exp(x) up to 2 and drop exp(-x) beyond;
 *   Ai       the asymptotic rational forms below -2.09 and from 2.09, the Maclaurin series in
 *            x^3 between; 0 beyond 103.892, nan at +-inf. Below -2.09 PyTorch sums the two
 *            denominators without Cephes' leading 1 (p1evl): near -2.1 that costs ~2e-5
 *            relative accuracy (1e-9 by -4), kept here for PyTorch's bits;
 *   j0       sin(x) / x, its Taylor polynomial in x^2 below 1/2; 0 at +-inf.
 * Plain C: included by the op files that expand the tables (after special_fn.h).
 */
#ifndef PL_SPECIAL_BESSEL_H
#define PL_SPECIAL_BESSEL_H

#include <float.h>
#include <math.h>

#include "special_fn.h"

/* Cephes' coefficients, highest order first: K0 on [0, 2] in x^2 - 2 (10) and exp(x) sqrt(x) K0
 * in 8/x - 2 beyond (25); the same for K1 (11 and 25) */
#define PL_K0_A                                                                              \
    1.37446543561352307156e-16, 4.25981614279661018399e-14, 1.03496952576338420167e-11,      \
    1.90451637722020886025e-09, 2.53479107902614945675e-07, 2.28621210311945178607e-05,      \
    1.26461541144692592338e-03, 3.59799365153615016266e-02, 3.44289899924628486886e-01,      \
    -5.35327393233902768720e-01
#define PL_K0_B                                                                              \
    5.30043377268626276149e-18, -1.64758043015242134646e-17, 5.21039150503902756861e-17,     \
    -1.67823109680541210385e-16, 5.51205597852431940784e-16, -1.84859337734377901440e-15,    \
    6.34007647740507060557e-15, -2.22751332699166985548e-14, 8.03289077536357521100e-14,     \
    -2.98009692317273043925e-13, 1.14034058820847496303e-12, -4.51459788337394416547e-12,    \
    1.85594911495471785253e-11, -7.95748924447710747776e-11, 3.57739728140030116597e-10,     \
    -1.69753450938905987466e-09, 8.57403401741422608519e-09, -4.66048989768794782956e-08,    \
    2.76681363944501510342e-07, -1.83175552271911948767e-06, 1.39498137188764993662e-05,     \
    -1.28495495816278026384e-04, 1.56988388573005337491e-03, -3.14481013119645005427e-02,    \
    2.44030308206595545468e+00
#define PL_K1_A                                                                              \
    -7.02386347938628759343e-18, -2.42744985051936593393e-15, -6.66690169419932900609e-13,   \
    -1.41148839263352776110e-10, -2.21338763073472585583e-08, -2.43340614156596823496e-06,   \
    -1.73028895751305206302e-04, -6.97572385963986435018e-03, -1.22611180822657148235e-01,   \
    -3.53155960776544875667e-01, 1.52530022733894777053e+00
#define PL_K1_B                                                                              \
    -5.75674448366501715755e-18, 1.79405087314755922667e-17, -5.68946255844285935196e-17,    \
    1.83809354436663880070e-16, -6.05704724837331885336e-16, 2.03870316562433424052e-15,     \
    -7.01983709041831346144e-15, 2.47715442448130437068e-14, -8.97670518232499435011e-14,    \
    3.34841966607842919884e-13, -1.28917396095102890680e-12, 5.13963967348173025100e-12,     \
    -2.12996783842756842877e-11, 9.21831518760500529508e-11, -4.19035475934189648750e-10,    \
    2.01504975519703286596e-09, -1.03457624656780970260e-08, 5.74108412545004946722e-08,     \
    -3.50196060308781257119e-07, 2.40648494783721712015e-06, -1.93619797416608296024e-05,    \
    1.95215518471351631108e-04, -2.85781685962277938680e-03, 1.03923736576817238437e-01,     \
    2.72062619048444266945e+00

/* Ai: the rational functions of 1/zeta (zeta = 2/3 x^1.5) from 2.09 (AN / AD), and of z^2
 * (z = 1/zeta) for the amplitude's two parts below -2.09 (AFN / AFD, AGN / AGD) */
#define PL_AIRY_AN                                                                           \
    3.46538101525629032477e-01, 1.20075952739645805542e+01, 7.62796053615234516538e+01,      \
    1.68089224934630576269e+02, 1.59756391350164413639e+02, 7.05360906840444183113e+01,      \
    1.40264691163389668864e+01, 9.99999999999999995305e-01
#define PL_AIRY_AD                                                                           \
    5.67594532638770212846e-01, 1.47562562584847203173e+01, 8.45138970141474626562e+01,      \
    1.77318088145400459522e+02, 1.64234692871529701831e+02, 7.14778400825575695274e+01,      \
    1.40959135607834029598e+01, 1.00000000000000000470e+00
#define PL_AIRY_AFN                                                                          \
    -1.31696323418331795333e-01, -6.26456544431912369773e-01, -6.93158036036933542233e-01,   \
    -2.79779981545119124951e-01, -4.91900132609500318020e-02, -4.06265923594885404393e-03,   \
    -1.59276496239262096340e-04, -2.77649108155232920844e-06, -1.67787698489114633780e-08
#define PL_AIRY_AFD                                                                          \
    1.33560420706553243746e+01, 3.26825032795224613948e+01, 2.67367040941499554804e+01,      \
    9.18707402907259625840e+00, 1.47529146771666414581e+00, 1.15687173795188044134e-01,      \
    4.40291641615211203805e-03, 7.54720348287414296618e-05, 4.51850092970580378464e-07
#define PL_AIRY_AGN                                                                          \
    1.97339932091685679179e-02, 3.91103029615688277255e-01, 1.06579897599595591108e+00,      \
    9.39169229816650230044e-01, 3.51465656105547619242e-01, 6.33888919628925490927e-02,      \
    5.85804113048388458567e-03, 2.82851600836737019778e-04, 6.98793669997260967291e-06,      \
    8.11789239554389293311e-08, 3.41551784765923618484e-10
#define PL_AIRY_AGD                                                                          \
    9.30892908077441974853e+00, 1.98352928718312140417e+01, 1.55646628932864612953e+01,      \
    5.47686069422975497931e+00, 9.54293611618961883998e-01, 8.64580826352392193095e-02,      \
    4.12656523824222607191e-03, 1.01259085116509135510e-04, 1.17166733214413521882e-06,      \
    4.91834570062930015649e-09

#define PL_DEFINE_BESSEL_MORE(SUF, T, FMA, ABS, EXP, LOG, SQRT, SIN, COS, EPS)               \
    static const T pl_k0a_##SUF[10] = {PL_K0_A}, pl_k0b_##SUF[25] = {PL_K0_B};               \
    static const T pl_k1a_##SUF[11] = {PL_K1_A}, pl_k1b_##SUF[25] = {PL_K1_B};               \
    static const T pl_airy_an_##SUF[8] = {PL_AIRY_AN}, pl_airy_ad_##SUF[8] = {PL_AIRY_AD};   \
    static const T pl_airy_afn_##SUF[9] = {PL_AIRY_AFN}, pl_airy_afd_##SUF[9] = {PL_AIRY_AFD}; \
    static const T pl_airy_agn_##SUF[11] = {PL_AIRY_AGN};                                    \
    static const T pl_airy_agd_##SUF[10] = {PL_AIRY_AGD};                                    \
    static inline T pl_modified_bessel_i1_##SUF(T v)                                         \
    {                                                                                        \
        const T x = ABS(v);                                                                  \
        T r;                                                                                 \
        if (x <= (T)8) {                                                                     \
            r = pl_chbevl_##SUF(x / (T)2 - (T)2, pl_i1a_##SUF, 29) * x * EXP(x);             \
        } else {                                                                             \
            r = EXP(x) * pl_chbevl_##SUF((T)32 / x - (T)2, pl_i1b_##SUF, 25) / SQRT(x);      \
        }                                                                                    \
        return v < 0 ? -r : r;                                                               \
    }                                                                                        \
    /* K0 and exp(x) K0 on (0, 2]: A(x^2 - 2) - log(x/2) I0(x), the log term in double */    \
    static inline T pl_k0_small_##SUF(T x)                                                   \
    {                                                                                        \
        const T a = pl_chbevl_##SUF(FMA(x, x, (T)-2), pl_k0a_##SUF, 10);                     \
        return (T)fma(-log(0.5 * (double)x), (double)pl_i0_##SUF(x), (double)a);             \
    }                                                                                        \
    static inline T pl_modified_bessel_k0_##SUF(T x)                                         \
    {                                                                                        \
        if (x == 0) return (T)INFINITY;                                                      \
        if (x < 0) return (T)NAN;                                                            \
        if (x <= (T)2) return pl_k0_small_##SUF(x);                                          \
        return EXP(-x) * pl_chbevl_##SUF((T)8 / x - (T)2, pl_k0b_##SUF, 25) / SQRT(x);       \
    }                                                                                        \
    static inline T pl_scaled_modified_bessel_k0_##SUF(T x)                                  \
    {                                                                                        \
        if (x == 0) return (T)INFINITY;                                                      \
        if (x < 0) return (T)NAN;                                                            \
        if (x <= (T)2) {                                                                     \
            const T a = pl_chbevl_##SUF(FMA(x, x, (T)-2), pl_k0a_##SUF, 10);                 \
            return FMA(-LOG((T)0.5 * x), pl_i0_##SUF(x), a) * EXP(x);                        \
        }                                                                                    \
        return pl_chbevl_##SUF((T)8 / x - (T)2, pl_k0b_##SUF, 25) / SQRT(x);                 \
    }                                                                                        \
    /* K1 on (0, 2]: log(x/2) I1(x) + A(x^2 - 2) / x */                                      \
    static inline T pl_k1_small_##SUF(T x)                                                   \
    {                                                                                        \
        const T a = pl_chbevl_##SUF(FMA(x, x, (T)-2), pl_k1a_##SUF, 11);                     \
        return FMA(LOG((T)0.5 * x), pl_modified_bessel_i1_##SUF(x), a / x);                  \
    }                                                                                        \
    static inline T pl_modified_bessel_k1_##SUF(T x)                                         \
    {                                                                                        \
        if (x == 0) return (T)INFINITY;                                                      \
        if (x < 0) return (T)NAN;                                                            \
        if (x <= (T)2) return pl_k1_small_##SUF(x);                                          \
        return EXP(-x) * pl_chbevl_##SUF((T)8 / x - (T)2, pl_k1b_##SUF, 25) / SQRT(x);       \
    }                                                                                        \
    static inline T pl_scaled_modified_bessel_k1_##SUF(T x)                                  \
    {                                                                                        \
        if (x == 0) return (T)INFINITY;                                                      \
        if (x < 0) return (T)NAN;                                                            \
        if (x <= (T)2) return pl_k1_small_##SUF(x) * EXP(x);                                 \
        return pl_chbevl_##SUF((T)8 / x - (T)2, pl_k1b_##SUF, 25) / SQRT(x);                 \
    }                                                                                        \
    static inline T pl_airy_ai_##SUF(T x)                                                    \
    {                                                                                        \
        const T inv_sqrt_pi = (T)5.64189583547756286948e-01;                                 \
        if (isinf(x)) return (T)NAN;                                                         \
        if (x > (T)103.892) return 0;                                                        \
        if (x < (T)-2.09) {                                                                  \
            /* the oscillating side: amplitude x^-1/4 / sqrt(pi), phase zeta + pi/4 */       \
            const T zeta = (T)-2 * x * SQRT(-x) / (T)3, z = (T)1 / zeta, zz = z * z;         \
            const T fn = pl_horner_##SUF(zz, pl_airy_afn_##SUF, 9);                          \
            const T fd = pl_horner_##SUF(zz, pl_airy_afd_##SUF, 9);                          \
            const T gn = pl_horner_##SUF(zz, pl_airy_agn_##SUF, 11);                         \
            const T gd = pl_horner_##SUF(zz, pl_airy_agd_##SUF, 10);                         \
            const T t = zeta + (T)0.25 * (T)3.14159265358979323846;                          \
            const T sp = (T)1 + zz * fn / fd, cq = z * gn / gd;                              \
            return inv_sqrt_pi / SQRT(SQRT(-x)) * FMA(SIN(t), sp, -(COS(t) * cq));           \
        }                                                                                    \
        if (x >= (T)2.09) {                                                                  \
            /* the decaying side: exp(-zeta) / (2 sqrt(pi) x^1/4) times a rational function */ \
            const T zeta = (T)2 * x * SQRT(x) / (T)3, w = (T)1 / zeta;                       \
            const T r = pl_horner_##SUF(w, pl_airy_an_##SUF, 8) /                            \
                        pl_horner_##SUF(w, pl_airy_ad_##SUF, 8);                             \
            return inv_sqrt_pi * r / ((T)2 * SQRT(SQRT(x)) * EXP(zeta));                     \
        }                                                                                    \
        /* Ai = c1 f(x) - c2 g(x), f and g Maclaurin series in x^3, summed until the terms of \
         * f fall below the element type's epsilon relative to f */                          \
        T f = 1, g = x, k = 1, m = 1, n = x, t = 1;                                          \
        const T z = x * x * x;                                                               \
        while (t > (T)EPS) {                                                                 \
            m *= z;                                                                          \
            k += 1;                                                                          \
            m /= k;                                                                          \
            n *= z;                                                                          \
            k += 1;                                                                          \
            n /= k;                                                                          \
            m /= k;                                                                          \
            f += m;                                                                          \
            k += 1;                                                                          \
            n /= k;                                                                          \
            g += n;                                                                          \
            t = ABS(m / f);                                                                  \
        }                                                                                    \
        const T c1 = (T)0.355028053887817239260, c2 = (T)0.258819403792806798405;            \
        return FMA(c1, f, -(c2 * g));                                                        \
    }                                                                                        \
    static inline T pl_spherical_bessel_j0_##SUF(T x)                                        \
    {                                                                                        \
        if (isinf(x)) return 0;                                                              \
        if (ABS(x) < (T)0.5) {                                                               \
            const T xx = x * x;                                                              \
            T r = (T)1 / (T)6227020800.0;                                                    \
            r = FMA(xx, r, (T)-1 / (T)39916800.0);                                           \
            r = FMA(xx, r, (T)1 / (T)362880.0);                                              \
            r = FMA(xx, r, (T)-1 / (T)5040.0);                                               \
            r = FMA(xx, r, (T)1 / (T)120.0);                                                 \
            r = FMA(xx, r, (T)-1 / (T)6.0);                                                  \
            return FMA(xx, r, (T)1);                                                         \
        }                                                                                    \
        return SIN(x) / x;                                                                   \
    }

PL_DEFINE_BESSEL_MORE(f32, float, fmaf, fabsf, expf, logf, sqrtf, sinf, cosf, FLT_EPSILON)
PL_DEFINE_BESSEL_MORE(f64, double, fma, fabs, exp, log, sqrt, sin, cos, DBL_EPSILON)

#define pl_airy_ai(x) PL_SPECIAL_GENERIC_(airy_ai, x)
#define pl_modified_bessel_i1(x) PL_SPECIAL_GENERIC_(modified_bessel_i1, x)
#define pl_modified_bessel_k0(x) PL_SPECIAL_GENERIC_(modified_bessel_k0, x)
#define pl_modified_bessel_k1(x) PL_SPECIAL_GENERIC_(modified_bessel_k1, x)
#define pl_scaled_modified_bessel_k0(x) PL_SPECIAL_GENERIC_(scaled_modified_bessel_k0, x)
#define pl_scaled_modified_bessel_k1(x) PL_SPECIAL_GENERIC_(scaled_modified_bessel_k1, x)
#define pl_spherical_bessel_j0(x) PL_SPECIAL_GENERIC_(spherical_bessel_j0, x)

#endif
