/* gemm_dot.h — the dot-product GEMM path (gemm_dot.c), internal to gemm.c.
 *
 * C (M, N) = alpha * A (M, K) * B^T + beta * C, with A rows and B (N, K) rows contiguous
 * (row strides lda, ldb), C row stride ldc; beta == 0: C is not read. M, N, K > 0.
 * simd: use the AVX2+FMA kernel when the CPU has it; false: the portable loops.
 */
#ifndef PL_GEMM_DOT_H
#define PL_GEMM_DOT_H

#include <stdbool.h>
#include <stdint.h>

/* Products with at most this many rows of A and a transposed B take the dot-product path. */
#define PL_GEMM_DOT_MAX_M 4

void pl_gemm_dot_f32(bool simd, int64_t M, int64_t N, int64_t K, float alpha, const float *A,
                     int64_t lda, const float *B, int64_t ldb, float beta, float *C,
                     int64_t ldc);
void pl_gemm_dot_f64(bool simd, int64_t M, int64_t N, int64_t K, double alpha,
                     const double *A, int64_t lda, const double *B, int64_t ldb, double beta,
                     double *C, int64_t ldc);

#endif
