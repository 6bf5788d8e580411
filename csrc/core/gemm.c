/* gemm.c — matrix products. For now the plain reference loops serve as the fast path too
 * (a blocked, runtime-dispatched kernel replaces pl_sgemm / pl_dgemm). */
#include "gemm.h"

#define GEMM_REF_BODY(T)                                                                   \
    for (int64_t i = 0; i < M; i++) {                                                      \
        T *c = C + i * ldc;                                                                \
        if (beta == 0) {                                                                   \
            for (int64_t j = 0; j < N; j++) c[j] = 0;                                      \
        } else if (beta != 1) {                                                            \
            for (int64_t j = 0; j < N; j++) c[j] *= beta;                                  \
        }                                                                                  \
        for (int64_t k = 0; k < K; k++) {                                                  \
            T a = trans_a ? A[k * lda + i] : A[i * lda + k];                               \
            a *= alpha;                                                                    \
            if (trans_b) {                                                                 \
                for (int64_t j = 0; j < N; j++) c[j] += a * B[j * ldb + k];                \
            } else {                                                                       \
                const T *b = B + k * ldb;                                                  \
                for (int64_t j = 0; j < N; j++) c[j] += a * b[j];                          \
            }                                                                              \
        }                                                                                  \
    }

void
pl_sgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
             const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
             int64_t ldc)
{
    GEMM_REF_BODY(float)
}

void
pl_dgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
             const double *A, int64_t lda, const double *B, int64_t ldb, double beta,
             double *C, int64_t ldc)
{
    GEMM_REF_BODY(double)
}

void
pl_sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
         const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
         int64_t ldc)
{
    pl_sgemm_ref(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void
pl_dgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
         const double *A, int64_t lda, const double *B, int64_t ldb, double beta, double *C,
         int64_t ldc)
{
    pl_dgemm_ref(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
