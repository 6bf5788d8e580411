/* gemm.h — dense matrix products for the ops (matmul, addmm, linear and their backwards).
 *
 * Row-major: C (M, N) = alpha * op(A) (M, K) * op(B) (K, N) + beta * C.
 * op(A) is A (M, K) with row stride lda, or, when trans_a, A^T where A is (K, M) with row
 * stride lda. Likewise for B. Elements within a row are contiguous (unit stride).
 * beta == 0 means C is written without being read (it may hold garbage / NaN).
 */
#ifndef PL_GEMM_H
#define PL_GEMM_H

#include <stdbool.h>
#include <stdint.h>

void pl_sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
              const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
              int64_t ldc);
void pl_dgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
              const double *A, int64_t lda, const double *B, int64_t ldb, double beta,
              double *C, int64_t ldc);

/* The plain reference kernels the fast ones are tested against. */
void pl_sgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                  const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
                  int64_t ldc);
void pl_dgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
                  const double *A, int64_t lda, const double *B, int64_t ldb, double beta,
                  double *C, int64_t ldc);

#endif
