/* conv_maxpool_x86.c — the interior of a float32 max-pooling output row on AVX-512: sixteen
 * outputs at a time, each lane seeing its window's taps in the plain loop's order (row by
 * row, left to right) with its comparison (a larger value or a NaN replaces the running
 * maximum; the first tap is taken as it is), so values and argmax indices are the same bit
 * for bit, ties and NaN included. pool.c calls it for the outputs whose windows lie inside
 * the input's width and keeps the edges, the other dtypes and the plain reference. */
#include "conv_internal.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

bool
pl_max_pool_row_simd_ok(void)
{
    static int ok = -1;
    int v = __atomic_load_n(&ok, __ATOMIC_RELAXED);
    if (v < 0) {
        v = __builtin_cpu_supports("avx512f") != 0;
        __atomic_store_n(&ok, v, __ATOMIC_RELAXED);
    }
    return v;
}

/* lanes o < n (n <= 16) of x[o * s]; the other lanes zero and their memory not read */
__attribute__((target("avx512f"))) static inline __m512
taps16(const float *x, int64_t s, int n, __m512i gidx)
{
    __mmask16 mk = (__mmask16)(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
    if (s == 1) return _mm512_maskz_loadu_ps(mk, x);
    if (s == 2) { /* the even elements of x[0, 2n - 1) */
        const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24,
                                               26, 28, 30);
        uint32_t need = n >= 16 ? 0x7FFFFFFFu : (1u << (2 * n - 1)) - 1u;
        __m512 a = _mm512_maskz_loadu_ps((__mmask16)(need & 0xFFFFu), x);
        __m512 b = _mm512_maskz_loadu_ps((__mmask16)(need >> 16), x + 16);
        return _mm512_permutex2var_ps(a, even, b);
    }
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mk, gidx, x, 4);
}

__attribute__((target("avx512f"))) void
pl_max_pool_row_f32(const float *x, int64_t W, int64_t yy0, int64_t ystep, int64_t nrows,
                    int64_t kw, int64_t sx, int64_t dx, int64_t off0, int64_t xa, int64_t xb,
                    float *y, int64_t *idx)
{
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i gidx = _mm512_mullo_epi32(lane, _mm512_set1_epi32((int)sx));
    for (int64_t ox = xa; ox < xb; ox += 16) {
        int n = xb - ox < 16 ? (int)(xb - ox) : 16;
        __m512 m = _mm512_setzero_ps();
        __m512i bi = _mm512_setzero_si512();
        bool first = true;
        for (int64_t r = 0; r < nrows; r++) {
            int64_t yy = yy0 + r * ystep;
            for (int64_t j = 0; j < kw; j++) {
                int64_t at = yy * W + ox * sx + off0 + j * dx; /* lane 0's tap, flat */
                __m512 v = taps16(x + at, sx, n, gidx);
                __m512i vi = _mm512_add_epi32(_mm512_set1_epi32((int)at), gidx);
                if (first) {
                    m = v, bi = vi, first = false;
                    continue;
                }
                __mmask16 take = _mm512_cmp_ps_mask(v, m, _CMP_GT_OQ) |
                                 _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
                m = _mm512_mask_mov_ps(m, take, v);
                bi = _mm512_mask_mov_epi32(bi, take, vi);
            }
        }
        __mmask16 mk = (__mmask16)(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
        _mm512_mask_storeu_ps(y + ox, mk, m);
        _mm512_mask_storeu_epi64(idx + ox, (__mmask8)(mk & 0xFF),
                                 _mm512_cvtepi32_epi64(_mm512_castsi512_si256(bi)));
        _mm512_mask_storeu_epi64(idx + ox + 8, (__mmask8)(mk >> 8),
                                 _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(bi, 1)));
    }
}

#else

bool
pl_max_pool_row_simd_ok(void)
{
    return false;
}

void
pl_max_pool_row_f32(const float *x, int64_t W, int64_t yy0, int64_t ystep, int64_t nrows,
                    int64_t kw, int64_t sx, int64_t dx, int64_t off0, int64_t xa, int64_t xb,
                    float *y, int64_t *idx)
{
    (void)x, (void)W, (void)yy0, (void)ystep, (void)nrows, (void)kw, (void)sx, (void)dx;
    (void)off0, (void)xa, (void)xb, (void)y, (void)idx;
}

#endif
