/* gemm_x86.c — the AVX2+FMA and AVX-512 kernel sets of the blocked GEMM (gemm_kernels.h).
 *
 * The extension is built for baseline x86-64: only the functions here carry
 * __attribute__((target(...))), and gemm.c calls them only after checking the CPU with
 * __builtin_cpu_supports. The kernel bodies come from gemm_x86_tile.inc, instantiated for
 * float and double on each instruction set:
 *   AVX-512: 12 x 32 floats / 12 x 16 doubles, 24 of the 32 zmm registers accumulate;
 *   AVX2:    6 x 16 floats  /  6 x 8 doubles,  12 of the 16 ymm registers accumulate.
 */
#include "gemm_kernels.h"

#ifdef PL_GEMM_X86

#include <immintrin.h>

#define PL_CAT3_(a, b, c) a##b##c
#define PL_CAT3(a, b, c) PL_CAT3_(a, b, c)
#define VOP(op) PL_CAT3(VP, op, VS)

#define PL_ROWS6(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define PL_ROWS8(X) PL_ROWS6(X) X(6) X(7)
#define PL_ROWS12(X) PL_ROWS8(X) X(8) X(9) X(10) X(11)

/* Packed micro-tile pieces (see TILE_NAME in the template). */
#define PL_TILE_DECL(r) V acc##r##_0 = VOP(_setzero_)(), acc##r##_1 = VOP(_setzero_)();
#define PL_TILE_STEP(r)                                                                    \
    {                                                                                      \
        V ar = VOP(_set1_)(a[r]);                                                          \
        acc##r##_0 = VOP(_fmadd_)(ar, b0, acc##r##_0);                                     \
        acc##r##_1 = VOP(_fmadd_)(ar, b1, acc##r##_1);                                     \
    }
#define PL_TILE_STORE0(r)                                                                  \
    VOP(_storeu_)(c + r * ldc, VOP(_mul_)(va, acc##r##_0));                                \
    VOP(_storeu_)(c + r * ldc + W, VOP(_mul_)(va, acc##r##_1));
#define PL_TILE_STOREB(r)                                                                  \
    VOP(_storeu_)(c + r * ldc,                                                             \
                  VOP(_fmadd_)(vb, VOP(_loadu_)(c + r * ldc), VOP(_mul_)(va, acc##r##_0))); \
    VOP(_storeu_)(c + r * ldc + W,                                                         \
                  VOP(_fmadd_)(vb, VOP(_loadu_)(c + r * ldc + W), VOP(_mul_)(va, acc##r##_1)));
#define PL_TILE_STORETMP(r)                                                                \
    VOP(_store_)(tmp + r * 2 * W, VOP(_mul_)(va, acc##r##_0));                             \
    VOP(_store_)(tmp + r * 2 * W + W, VOP(_mul_)(va, acc##r##_1));

/* No-pack block pieces (see SMALL_BLOCK_NAME in the template). */
#define PL_SMALL_DECL(r) V s##r##_0 = VOP(_setzero_)(), s##r##_1 = VOP(_setzero_)();
#define PL_SMALL_STEP(r)                                                                   \
    if (sm > r) {                                                                          \
        V ar = VOP(_set1_)(ak[r * ars]);                                                   \
        s##r##_0 = VOP(_fmadd_)(ar, b0, s##r##_0);                                         \
        if (nv > 1) s##r##_1 = VOP(_fmadd_)(ar, b1, s##r##_1);                             \
    }
#define PL_SMALL_STORE(r)                                                                  \
    if (sm > r) {                                                                          \
        T *cr = c + r * ldc;                                                               \
        V v0 = VOP(_mul_)(va, s##r##_0);                                                   \
        if (beta != 0) v0 = VOP(_fmadd_)(vb, MLOAD(cr, mk0), v0);                          \
        MSTORE(cr, mk0, v0);                                                               \
        if (nv > 1) {                                                                      \
            V v1 = VOP(_mul_)(va, s##r##_1);                                               \
            if (beta != 0) v1 = VOP(_fmadd_)(vb, MLOAD(cr + W, mk1), v1);                  \
            MSTORE(cr + W, mk1, v1);                                                       \
        }                                                                                  \
    }

/* ---- AVX-512, float ---- */
#define TGT __attribute__((target("avx512f")))
#define T float
#define V __m512
#define VP _mm512
#define VS ps
#define W 16
#define MR 12
#define ROWS PL_ROWS12
#define SR 8
#define SROWS PL_ROWS8
#define MASK_T __mmask16
#define MASK_MAKE(cnt) ((__mmask16)((1u << (cnt)) - 1u))
#define MLOAD(p, mk) _mm512_maskz_loadu_ps(mk, p)
#define MSTORE(p, mk, v) _mm512_mask_storeu_ps(p, mk, v)
#define TILE_NAME pl_stile_avx512
#define SMALL_NAME pl_ssmall_avx512
#define SMALL_BLOCK_NAME pl_ssmall_block_avx512
#include "gemm_x86_tile.inc"
#undef T
#undef V
#undef VS
#undef W
#undef MASK_T
#undef MASK_MAKE
#undef MLOAD
#undef MSTORE
#undef TILE_NAME
#undef SMALL_NAME
#undef SMALL_BLOCK_NAME

/* ---- AVX-512, double ---- */
#define T double
#define V __m512d
#define VS pd
#define W 8
#define MASK_T __mmask8
#define MASK_MAKE(cnt) ((__mmask8)((1u << (cnt)) - 1u))
#define MLOAD(p, mk) _mm512_maskz_loadu_pd(mk, p)
#define MSTORE(p, mk, v) _mm512_mask_storeu_pd(p, mk, v)
#define TILE_NAME pl_dtile_avx512
#define SMALL_NAME pl_dsmall_avx512
#define SMALL_BLOCK_NAME pl_dsmall_block_avx512
#include "gemm_x86_tile.inc"
#undef TGT
#undef T
#undef V
#undef VP
#undef VS
#undef W
#undef MR
#undef ROWS
#undef SR
#undef SROWS
#undef MASK_T
#undef MASK_MAKE
#undef MLOAD
#undef MSTORE
#undef TILE_NAME
#undef SMALL_NAME
#undef SMALL_BLOCK_NAME

/* ---- AVX2 + FMA, float ---- */
#define TGT __attribute__((target("avx2,fma")))
#define T float
#define V __m256
#define VP _mm256
#define VS ps
#define W 8
#define MR 6
#define ROWS PL_ROWS6
#define SR 6
#define SROWS PL_ROWS6
#define MASK_T __m256i
#define MASK_MAKE(cnt)                                                                     \
    _mm256_cmpgt_epi32(_mm256_set1_epi32(cnt), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define MLOAD(p, mk) _mm256_maskload_ps(p, mk)
#define MSTORE(p, mk, v) _mm256_maskstore_ps(p, mk, v)
#define TILE_NAME pl_stile_avx2
#define SMALL_NAME pl_ssmall_avx2
#define SMALL_BLOCK_NAME pl_ssmall_block_avx2
#include "gemm_x86_tile.inc"
#undef T
#undef V
#undef VS
#undef W
#undef MASK_MAKE
#undef MLOAD
#undef MSTORE
#undef TILE_NAME
#undef SMALL_NAME
#undef SMALL_BLOCK_NAME

/* ---- AVX2 + FMA, double ---- */
#define T double
#define V __m256d
#define VS pd
#define W 4
#define MASK_MAKE(cnt) _mm256_cmpgt_epi64(_mm256_set1_epi64x(cnt), _mm256_setr_epi64x(0, 1, 2, 3))
#define MLOAD(p, mk) _mm256_maskload_pd(p, mk)
#define MSTORE(p, mk, v) _mm256_maskstore_pd(p, mk, v)
#define TILE_NAME pl_dtile_avx2
#define SMALL_NAME pl_dsmall_avx2
#define SMALL_BLOCK_NAME pl_dsmall_block_avx2
#include "gemm_x86_tile.inc"

/* Block sizes (tuned on a 2-core Zen 4 with 32 KiB L1D and 1 MiB L2 per core). */
#ifndef PL_S512_KC
#define PL_S512_KC 512
#endif
#ifndef PL_S512_MC
#define PL_S512_MC 96
#endif
#ifndef PL_S512_NC
#define PL_S512_NC 3072
#endif
#ifndef PL_S512_SMALL
#define PL_S512_SMALL (96 * 96 * 96)
#endif

/* name, mr, nr, kc, mc, nc, tile, small, small_max */
const pl_gemm_kernels pl_sgemm_avx512 = {"avx512", 12, 32, PL_S512_KC, PL_S512_MC, PL_S512_NC,
                                         pl_stile_avx512, pl_ssmall_avx512, PL_S512_SMALL};
const pl_gemm_kernels pl_dgemm_avx512 = {"avx512", 12, 16, 256, 96, 2048,
                                         pl_dtile_avx512, pl_dsmall_avx512, 64 * 64 * 64};
const pl_gemm_kernels pl_sgemm_avx2 = {"avx2", 6, 16, 256, 168, 3072,
                                       pl_stile_avx2, pl_ssmall_avx2, 64 * 64 * 64};
const pl_gemm_kernels pl_dgemm_avx2 = {"avx2", 6, 8, 256, 96, 2048,
                                       pl_dtile_avx2, pl_dsmall_avx2, 64 * 64 * 64};

#endif /* PL_GEMM_X86 */
