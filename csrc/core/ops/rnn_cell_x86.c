/* rnn_cell_x86.c — the AVX2+FMA float32 LSTM cell forward (rnn.h), 8 units at a time.
 *
 * The cell's five transcendental calls per unit (three sigmoids, two tanh) dominate an LSTM
 * step once the GEMMs are fast; libm's expf/tanhf are scalar. Here one vector exp serves all
 * five:  sigmoid(x) = 1 / (1 + exp(-x)),  tanh(x) = 2 / (1 + exp(-2x)) - 1.
 * exp is Cody-Waite range reduction (x = n ln2 + r, |r| <= ln2 / 2) and a degree-6 Taylor
 * polynomial for exp(r), scaled by 2^n through the exponent bits: about 2 ulp. tanh written
 * through exp loses relative (not absolute) accuracy near 0: its error stays below ~1e-7 in
 * absolute terms, the size of float32 rounding of the values an LSTM carries.
 * Lanes past the last multiple of 8 run the plain kernel's formulas (libm).
 *
 * The plain kernel in rnn_cell.c is the reference; pl_lstm_force_reference(true) selects it,
 * and the tests compare the two.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "../rnn.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define TGT __attribute__((target("avx2,fma")))

TGT static inline __m256
exp8(__m256 x)
{
    const __m256 lo = _mm256_set1_ps(-87.3f), hi = _mm256_set1_ps(88.3f);
    x = _mm256_min_ps(hi, _mm256_max_ps(lo, x)); /* operand order keeps a NaN x */
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 720.0f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

TGT static inline __m256
sigmoid8(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

TGT static inline __m256
tanh8(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
    __m256 e = exp8(_mm256_mul_ps(_mm256_set1_ps(-2.0f), x));
    return _mm256_sub_ps(_mm256_div_ps(two, _mm256_add_ps(one, e)), one);
}

static inline float
sigmoid1(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

/* As pl_lstm_cell_forward_f32 (rnn.h), plus tc (B, H): tanh(c') for the backward, or NULL. */
TGT static void
cell_forward_avx2(int64_t B, int64_t H, float *gates, const float *c_prev, float *c, float *tc,
                  float *h, int64_t ldh)
{
    const int64_t Hv = H - H % 8;
    for (int64_t b = 0; b < B; b++) {
        float *gi = gates + b * 4 * H, *gf = gi + H, *gg = gf + H, *go = gg + H; /* (H) each */
        const float *cp = c_prev + b * H;
        float *cn = c + b * H, *hn = h + b * ldh, *tn = tc ? tc + b * H : NULL;
        for (int64_t j = 0; j < Hv; j += 8) {
            __m256 i = sigmoid8(_mm256_loadu_ps(gi + j)), f = sigmoid8(_mm256_loadu_ps(gf + j));
            __m256 g = tanh8(_mm256_loadu_ps(gg + j)), o = sigmoid8(_mm256_loadu_ps(go + j));
            __m256 cv = _mm256_add_ps(_mm256_mul_ps(f, _mm256_loadu_ps(cp + j)), _mm256_mul_ps(i, g));
            __m256 t = tanh8(cv);
            _mm256_storeu_ps(gi + j, i);
            _mm256_storeu_ps(gf + j, f);
            _mm256_storeu_ps(gg + j, g);
            _mm256_storeu_ps(go + j, o);
            _mm256_storeu_ps(cn + j, cv);
            if (tn) _mm256_storeu_ps(tn + j, t);
            _mm256_storeu_ps(hn + j, _mm256_mul_ps(o, t));
        }
        for (int64_t j = Hv; j < H; j++) {
            float i = sigmoid1(gi[j]), f = sigmoid1(gf[j]), g = tanhf(gg[j]), o = sigmoid1(go[j]);
            float cv = f * cp[j] + i * g, t = tanhf(cv);
            gi[j] = i;
            gf[j] = f;
            gg[j] = g;
            go[j] = o;
            cn[j] = cv;
            if (tn) tn[j] = t;
            hn[j] = o * t;
        }
    }
}

bool
pl_lstm_cell_forward_f32_simd(int64_t B, int64_t H, float *gates, const float *c_prev, float *c,
                              float *tc, float *h, int64_t ldh)
{
    static int ok = -1; /* benign race: every thread computes the same value */
    if (ok < 0) {
        __builtin_cpu_init();
        ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    if (!ok) return false;
    cell_forward_avx2(B, H, gates, c_prev, c, tc, h, ldh);
    return true;
}

#else

bool
pl_lstm_cell_forward_f32_simd(int64_t B, int64_t H, float *gates, const float *c_prev, float *c,
                              float *tc, float *h, int64_t ldh)
{
    (void)B, (void)H, (void)gates, (void)c_prev, (void)c, (void)tc, (void)h, (void)ldh;
    return false;
}

#endif
