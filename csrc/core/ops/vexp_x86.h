/* vexp_x86.h — the AVX2+FMA float32 vector exp shared by the SIMD kernels of ops/ (the LSTM
 * cell, the softmax rows). Internal to the core; include only from files whose functions carry
 * __attribute__((target("avx2,fma"))) and that check the CPU first.
 *
 * exp8: Cody-Waite range reduction (x = n ln2 + r, |r| <= ln2 / 2) and a degree-6 Taylor
 * polynomial for exp(r), scaled by 2^n through the exponent bits: about 2 ulp. Inputs below
 * -87.3 (including -inf) give 0, above 88.3 the value at 88.3; NaN stays NaN.
 */
#ifndef PL_VEXP_X86_H
#define PL_VEXP_X86_H

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define PL_VEXP_TGT __attribute__((target("avx2,fma")))

PL_VEXP_TGT static inline __m256
pl_exp8(__m256 x)
{
    const __m256 lo = _mm256_set1_ps(-87.3f), hi = _mm256_set1_ps(88.3f);
    __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    __m256 xc = _mm256_min_ps(hi, _mm256_max_ps(lo, x)); /* operand order keeps a NaN x */
    __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), xc);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 720.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)),
                                  23);
    return _mm256_andnot_ps(under, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

/* Whether this CPU runs the AVX2+FMA kernels (cached; a benign race computes it twice). */
static inline int
pl_have_avx2_fma(void)
{
    static int ok = -1;
    if (ok < 0) {
        __builtin_cpu_init();
        ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return ok;
}
#endif

#endif
