/* softmax_rows_x86.c — the AVX2+FMA float32 forward of pl_softmax_rows (softmax_rows.c): the
 * same three passes per row (max, sum of exp(x - max), then divide or subtract the log), 8
 * elements at a time with the vector exp of vexp_x86.h (about 2 ulp against libm's expf; the
 * lanes' partial sums are added at the end, so the sum's rounding differs from the plain
 * kernel's sequential one). The plain kernel in softmax_rows.c is the reference.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "internal.h"
#include "vexp_x86.h"

#if defined(__x86_64__) && defined(__GNUC__)

PL_VEXP_TGT static float
hmax8(__m256 v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

PL_VEXP_TGT static float
hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

PL_VEXP_TGT static void
rows_avx2(float *out, const float *a, int64_t rows, int64_t n, int which)
{
    const int64_t nv = n - n % 8;
    for (int64_t r = 0; r < rows; r++) {
        const float *x = a + r * n; /* (n) */
        float *y = out + r * n;
        float mx = x[0];
        bool nan = false;
        if (nv) {
            __m256 vm = _mm256_loadu_ps(x), vn = _mm256_cmp_ps(vm, vm, _CMP_UNORD_Q);
            for (int64_t k = 8; k < nv; k += 8) {
                __m256 v = _mm256_loadu_ps(x + k);
                vn = _mm256_or_ps(vn, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
                vm = _mm256_max_ps(v, vm);
            }
            mx = hmax8(vm);
            nan = _mm256_movemask_ps(vn) != 0;
        }
        for (int64_t k = nv; k < n; k++) {
            nan = nan || x[k] != x[k];
            mx = x[k] > mx ? x[k] : mx;
        }
        if (nan) { /* the max as the plain kernel finds it (a NaN first element sticks) */
            mx = x[0];
            for (int64_t k = 1; k < n; k++) mx = x[k] > mx ? x[k] : mx;
        }
        if (which == PL_SOFTMAX_ROWS_SAFE && mx == -INFINITY) {
            for (int64_t k = 0; k < n; k++) y[k] = 0;
            continue;
        }
        const __m256 vmx = _mm256_set1_ps(mx);
        __m256 vs = _mm256_setzero_ps();
        bool store = which != PL_SOFTMAX_ROWS_LOG;
        for (int64_t k = 0; k < nv; k += 8) {
            __m256 e = pl_exp8(_mm256_sub_ps(_mm256_loadu_ps(x + k), vmx));
            if (store) _mm256_storeu_ps(y + k, e);
            vs = _mm256_add_ps(vs, e);
        }
        float sum = hsum8(vs);
        for (int64_t k = nv; k < n; k++) {
            float e = expf(x[k] - mx);
            if (store) y[k] = e;
            sum += e;
        }
        if (which == PL_SOFTMAX_ROWS_LOG) {
            float ls = logf(sum);
            const __m256 vls = _mm256_set1_ps(ls);
            for (int64_t k = 0; k < nv; k += 8)
                _mm256_storeu_ps(y + k, _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(x + k), vmx), vls));
            for (int64_t k = nv; k < n; k++) y[k] = x[k] - mx - ls;
        } else {
            const __m256 vsum = _mm256_set1_ps(sum);
            for (int64_t k = 0; k < nv; k += 8)
                _mm256_storeu_ps(y + k, _mm256_div_ps(_mm256_loadu_ps(y + k), vsum));
            for (int64_t k = nv; k < n; k++) y[k] = y[k] / sum;
        }
    }
}

bool
pl_softmax_rows_f32_simd(float *out, const float *a, int64_t rows, int64_t n, int which)
{
    if (!pl_have_avx2_fma()) return false;
    rows_avx2(out, a, rows, n, which);
    return true;
}

#else

bool
pl_softmax_rows_f32_simd(float *out, const float *a, int64_t rows, int64_t n, int which)
{
    (void)out, (void)a, (void)rows, (void)n, (void)which;
    return false;
}

#endif
