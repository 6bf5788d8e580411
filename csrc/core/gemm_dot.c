/* gemm_dot.c — the dot-product path of the GEMM for a few rows of A against a transposed B:
 * C (M, N) = alpha * A (M, K) * B^T + beta * C with B stored (N, K), rows contiguous.
 *
 * This is the shape of a linear layer (x @ W^T) with a small batch: a chatbot's token-by-token
 * step has M = 1. Each C element is a dot product of two contiguous rows, so nothing needs to
 * be packed or transposed (the blocked and no-pack paths of gemm.c would first copy all of B).
 * Four rows of B are taken at once so that each loaded A vector serves four products.
 *
 * pl_gemm_dot_f32/_f64 choose an AVX2+FMA kernel when the CPU has it and gemm.c's path is not
 * "ref"/"generic", else the portable loops below (which gemm.c's reference tests compare
 * against pl_sgemm_ref). The sums run in a different order from the reference loops, so the
 * results agree to rounding, not bit for bit.
 */
#include "gemm_dot.h"

#include <stdbool.h>

#include "gemm_kernels.h"

#ifdef PL_GEMM_X86
#include <immintrin.h>
#endif

/* ---- portable ---- */
#define PL_DOT_PLAIN(NAME, T)                                                              \
    static void NAME(int64_t M, int64_t N, int64_t K, T alpha, const T *A, int64_t lda,     \
                     const T *B, int64_t ldb, T beta, T *C, int64_t ldc)                    \
    {                                                                                      \
        for (int64_t i = 0; i < M; i++) {                                                  \
            const T *a = A + i * lda; /* (K) */                                            \
            T *c = C + i * ldc;       /* (N) */                                            \
            for (int64_t j = 0; j < N; j++) {                                              \
                const T *b = B + j * ldb; /* (K) */                                        \
                T s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                          \
                int64_t k = 0;                                                             \
                for (; k + 4 <= K; k += 4) {                                               \
                    s0 += a[k] * b[k];                                                     \
                    s1 += a[k + 1] * b[k + 1];                                             \
                    s2 += a[k + 2] * b[k + 2];                                             \
                    s3 += a[k + 3] * b[k + 3];                                             \
                }                                                                          \
                for (; k < K; k++) s0 += a[k] * b[k];                                      \
                T s = alpha * ((s0 + s1) + (s2 + s3));                                     \
                c[j] = beta == 0 ? s : s + beta * c[j];                                    \
            }                                                                              \
        }                                                                                  \
    }

PL_DOT_PLAIN(dot_plain_f32, float)
PL_DOT_PLAIN(dot_plain_f64, double)

#ifdef PL_GEMM_X86
#define TGT __attribute__((target("avx2,fma")))

TGT static inline float
hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

TGT static inline double
hsum4d(__m256d v)
{
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
}

/* One template for both element types: V vector, W lanes, P intrinsic prefix, S suffix. */
#define PL_DOT_AVX2(NAME, T, V, W, S, HSUM)                                                \
    TGT static void NAME(int64_t M, int64_t N, int64_t K, T alpha, const T *A, int64_t lda, \
                         const T *B, int64_t ldb, T beta, T *C, int64_t ldc)                \
    {                                                                                      \
        const int64_t Kv = K - K % W;                                                      \
        for (int64_t i = 0; i < M; i++) {                                                  \
            const T *a = A + i * lda; /* (K) */                                            \
            T *c = C + i * ldc;       /* (N) */                                            \
            int64_t j = 0;                                                                 \
            for (; j + 4 <= N; j += 4) {                                                   \
                const T *b0 = B + j * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;  \
                V s0 = _mm256_setzero_##S(), s1 = s0, s2 = s0, s3 = s0;                    \
                for (int64_t k = 0; k < Kv; k += W) {                                      \
                    V av = _mm256_loadu_##S(a + k);                                        \
                    s0 = _mm256_fmadd_##S(av, _mm256_loadu_##S(b0 + k), s0);               \
                    s1 = _mm256_fmadd_##S(av, _mm256_loadu_##S(b1 + k), s1);               \
                    s2 = _mm256_fmadd_##S(av, _mm256_loadu_##S(b2 + k), s2);               \
                    s3 = _mm256_fmadd_##S(av, _mm256_loadu_##S(b3 + k), s3);               \
                }                                                                          \
                T r[4] = {HSUM(s0), HSUM(s1), HSUM(s2), HSUM(s3)};                         \
                for (int64_t k = Kv; k < K; k++) {                                         \
                    r[0] += a[k] * b0[k];                                                  \
                    r[1] += a[k] * b1[k];                                                  \
                    r[2] += a[k] * b2[k];                                                  \
                    r[3] += a[k] * b3[k];                                                  \
                }                                                                          \
                for (int q = 0; q < 4; q++)                                                \
                    c[j + q] = beta == 0 ? alpha * r[q] : alpha * r[q] + beta * c[j + q];  \
            }                                                                              \
            for (; j < N; j++) {                                                           \
                const T *b = B + j * ldb;                                                  \
                V s = _mm256_setzero_##S();                                                \
                for (int64_t k = 0; k < Kv; k += W)                                        \
                    s = _mm256_fmadd_##S(_mm256_loadu_##S(a + k), _mm256_loadu_##S(b + k), s); \
                T r = HSUM(s);                                                             \
                for (int64_t k = Kv; k < K; k++) r += a[k] * b[k];                         \
                c[j] = beta == 0 ? alpha * r : alpha * r + beta * c[j];                    \
            }                                                                              \
        }                                                                                  \
    }

PL_DOT_AVX2(dot_avx2_f32, float, __m256, 8, ps, hsum8)
PL_DOT_AVX2(dot_avx2_f64, double, __m256d, 4, pd, hsum4d)

static bool
have_avx2(void)
{
    static int ok = -1; /* benign race: every thread computes the same value */
    if (ok < 0) {
        __builtin_cpu_init();
        ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return ok;
}
#endif

void
pl_gemm_dot_f32(bool simd, int64_t M, int64_t N, int64_t K, float alpha, const float *A,
                int64_t lda, const float *B, int64_t ldb, float beta, float *C, int64_t ldc)
{
#ifdef PL_GEMM_X86
    if (simd && have_avx2()) {
        dot_avx2_f32(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
#endif
    (void)simd;
    dot_plain_f32(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void
pl_gemm_dot_f64(bool simd, int64_t M, int64_t N, int64_t K, double alpha, const double *A,
                int64_t lda, const double *B, int64_t ldb, double beta, double *C, int64_t ldc)
{
#ifdef PL_GEMM_X86
    if (simd && have_avx2()) {
        dot_avx2_f64(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
#endif
    (void)simd;
    dot_plain_f64(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
