/* gemm.h — dense matrix products for the ops (matmul, addmm, linear and their backwards).
 *
 * Row-major: C (M, N) = alpha * op(A) (M, K) * op(B) (K, N) + beta * C.
 * op(A) is A (M, K) with row stride lda, or, when trans_a, A^T where A is (K, M) with row
 * stride lda. Likewise for B. Elements within a row are contiguous (unit stride).
 * beta == 0 means C is written without being read (it may hold garbage / NaN).
 * alpha == 0 (or K == 0) means C = beta * C: A and B are not read (BLAS semantics).
 *
 * pl_sgemm / pl_dgemm run a blocked kernel (packed panels, register micro-kernel) chosen at
 * run time for this CPU, with a no-pack path for small products, and split large products
 * over the thread pool of parallel.h. Safe to call from several threads at once.
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

/* Kernel paths: "ref" (the plain loops), "generic" (portable blocked C), "avx2" (AVX2+FMA),
 * "avx512" (AVX-512F). The best path the CPU supports is chosen on first use; the
 * environment variable PYTORCHLITE_GEMM=ref|generic|avx2|avx512 forces one (an unknown or
 * unsupported value is ignored). The returned name is a static string (borrowed). */
const char *pl_gemm_get_path(void);
/* Selects a path for all threads; returns false (and changes nothing) if `name` is unknown
 * or the CPU cannot run it. */
bool pl_gemm_set_path(const char *name);
bool pl_gemm_path_supported(const char *name);

#endif
