/* gemm_kernels.h — the interface between the blocked GEMM driver (gemm.c) and its
 * CPU-specific kernels (gemm_x86.c). Internal to the core; not part of pl.h.
 *
 * A kernel set serves one element type (float or double) on one instruction set:
 *   tile   — the register micro-kernel: with `a` an A sliver packed as kc steps of MR values
 *            and `b` a B sliver packed as kc steps of NR values (both zero padded, 64-byte
 *            aligned), computes the MR x NR product and writes its top-left m x n corner:
 *            C = alpha * acc + beta * C (beta == 0: C is not read). C has row stride ldc.
 *   small  — optional no-pack path for small products: like pl_sgemm/pl_dgemm with M, N,
 *            K > 0 and B not transposed (B is (K, N) with row stride ldb; the driver
 *            transposes a trans_b operand first). NULL: the driver uses the plain loops.
 * Block sizes: kc (depth of a packed panel), mc (rows of a packed A block, a multiple of
 * mr), nc (columns of a packed B panel, a multiple of nr).
 */
#ifndef PL_GEMM_KERNELS_H
#define PL_GEMM_KERNELS_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*pl_gemm_tile_fn)(int64_t kc, const void *a, const void *b, void *c, int64_t ldc,
                                int m, int n, double alpha, double beta);
typedef void (*pl_gemm_small_fn)(bool trans_a, int64_t M, int64_t N, int64_t K, double alpha,
                                 const void *A, int64_t lda, const void *B, int64_t ldb,
                                 double beta, void *C, int64_t ldc);

typedef struct pl_gemm_kernels {
    const char *name;
    int mr, nr;
    int64_t kc, mc, nc;
    pl_gemm_tile_fn tile;
    pl_gemm_small_fn small;
    int64_t small_max; /* use `small` while M * N * K <= small_max */
} pl_gemm_kernels;

/* The kernel set of the current path (gemm.h) for float (dbl false) or double, borrowed and
 * static; NULL on the "ref" path, which has no packed micro-kernel. For drivers outside
 * gemm.c that pack their own operands (the convolution's implicit GEMM). */
const pl_gemm_kernels *pl_gemm_kernels_current(bool dbl);
/* The driver's packing of a strided operand X (float, or double when dbl), element (r, k) at
 * src[r * rs + k * cs], rows [0, rows) x depth [0, kc), into slivers of R rows:
 * dst (ceil(rows / R), kc, R), zero padded past `rows`. */
void pl_gemm_pack(bool dbl, const void *src, int64_t rs, int64_t cs, int64_t rows, int64_t kc,
                  int R, void *dst);

/* Kernel sets for x86-64 (gemm_x86.c); each is usable only when the CPU supports it. */
#if defined(__x86_64__) && defined(__GNUC__)
#define PL_GEMM_X86 1
extern const pl_gemm_kernels pl_sgemm_avx2, pl_sgemm_avx512;
extern const pl_gemm_kernels pl_dgemm_avx2, pl_dgemm_avx512;
#endif

#endif
