/* rnn_cell_x86.c — the AVX2+FMA float32 LSTM cell forward (rnn.h), 8 units at a time.
 *
 * The cell's five transcendental calls per unit (three sigmoids, two tanh) dominate an LSTM
 * step once the GEMMs are fast; libm's expf/tanhf are scalar. Here one vector exp serves all
 * five:  sigmoid(x) = 1 / (1 + exp(-x)),  tanh(x) = 2 / (1 + exp(-2x)) - 1.
 * exp is pl_exp8 (vexp_x86.h), about 2 ulp. tanh written
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
#include "vexp_x86.h"

#define TGT PL_VEXP_TGT
#define exp8 pl_exp8

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
    if (!pl_have_avx2_fma()) return false;
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
