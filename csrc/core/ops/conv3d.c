/* conv3d.c — the kernels of the convolution over three spatial dims (1-D and 2-D run with unit
 * leading dims): its forward and its two gradient maps, by im2col / col2im and GEMM, beside the
 * direct-loop reference kernels they are tested against. Geometry and maps: ops/conv_nd.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../conv.h"
#include "../gemm.h"
#include "conv_nd.h"

static bool force_reference = false;

void
pl_conv_nd_force_reference(bool on)
{
    force_reference = on;
}

/* Spatial sizes of the geometry, as products. */
static int64_t
in_numel(const pl_convnd_geom *g)
{
    return g->in[0] * g->in[1] * g->in[2];
}

static int64_t
out_numel(const pl_convnd_geom *g)
{
    return g->out[0] * g->out[1] * g->out[2];
}

static int64_t
k_numel(const pl_convnd_geom *g)
{
    return g->k[0] * g->k[1] * g->k[2];
}

/* ---- im2col / col2im: col (Cg * kd * kh * kw, OD * OH * OW) of one image's channel group;
 * row (c, i, j, l) holds, at output position (od, oh, ow), the input element at
 * (od * sd - pd + i * dd, oh * sh - ph + j * dh, ow * sw - pw + l * dw), or 0 in the padding. */

#define DEFINE_CONVND_KERNELS(T, SUF, GEMM)                                                     \
    static void im2col_##SUF(const pl_convnd_geom *g, const T *x /* (Cg, D, H, W) */,          \
                             T *col /* (Cg * kd * kh * kw, OD * OH * OW) */, int64_t Cg,       \
                             bool back)                                                        \
    {                                                                                          \
        /* back: the reverse, col2im, accumulating col into x (then written through xw) */     \
        T *xw = (T *)x;                                                                        \
        const int64_t *in = g->in, *k = g->k, *out = g->out, *s = g->s, *p = g->p, *d = g->d;  \
        int64_t L = out[0] * out[1] * out[2], plane = in[1] * in[2];                           \
        for (int64_t c = 0; c < Cg; c++)                                                       \
            for (int64_t i = 0; i < k[0]; i++)                                                 \
                for (int64_t j = 0; j < k[1]; j++)                                             \
                    for (int64_t l = 0; l < k[2]; l++) {                                       \
                        T *row = col + (((c * k[0] + i) * k[1] + j) * k[2] + l) * L;           \
                        for (int64_t od = 0; od < out[0]; od++) {                              \
                            int64_t z = od * s[0] - p[0] + i * d[0];                           \
                            for (int64_t oh = 0; oh < out[1]; oh++) {                          \
                                int64_t y = oh * s[1] - p[1] + j * d[1];                       \
                                T *r = row + (od * out[1] + oh) * out[2];                      \
                                if (z < 0 || z >= in[0] || y < 0 || y >= in[1]) {              \
                                    if (!back)                                                 \
                                        for (int64_t ow = 0; ow < out[2]; ow++) r[ow] = 0;     \
                                    continue;                                                  \
                                }                                                              \
                                int64_t base = (c * in[0] + z) * plane + y * in[2];            \
                                for (int64_t ow = 0; ow < out[2]; ow++) {                      \
                                    int64_t xx = ow * s[2] - p[2] + l * d[2];                  \
                                    bool inside = xx >= 0 && xx < in[2];                       \
                                    if (back) {                                                \
                                        if (inside) xw[base + xx] += r[ow];                    \
                                    } else {                                                   \
                                        r[ow] = inside ? x[base + xx] : 0;                     \
                                    }                                                          \
                                }                                                              \
                            }                                                                  \
                        }                                                                      \
                    }                                                                          \
    }                                                                                          \
    /* im2col + GEMM per image and group; out zeroed first (the GEMMs accumulate or skip) */   \
    static pl_status gemm_##SUF(const pl_convnd_geom *g, int which, const T *a, const T *b,    \
                                T *out)                                                        \
    {                                                                                          \
        int64_t Cg = g->C / g->G, Og = g->O / g->G, K = Cg * k_numel(g), L = out_numel(g);     \
        int64_t X = in_numel(g), outn;                                                         \
        if (which == PL_CONVND_FWD) outn = g->N * g->O * L;                                    \
        else if (which == PL_CONVND_BX) outn = g->N * g->C * X;                                \
        else outn = g->O * K;                                                                  \
        memset(out, 0, sizeof(T) * (size_t)outn);                                              \
        if (K == 0 || L == 0 || Og == 0 || g->N == 0) return PL_OK;                            \
        int64_t cells;                                                                         \
        if (__builtin_mul_overflow(K, L, &cells) || cells > INT64_MAX / (int64_t)sizeof(T))    \
            return pl_error_nomem();                                                           \
        T *col = malloc(sizeof(T) * (size_t)cells);                                            \
        if (!col) return pl_error_nomem();                                                     \
        for (int64_t n = 0; n < g->N; n++)                                                     \
            for (int64_t gi = 0; gi < g->G; gi++) {                                            \
                int64_t xoff = (n * g->C + gi * Cg) * X, yoff = (n * g->O + gi * Og) * L;      \
                if (which == PL_CONVND_FWD) {                                                  \
                    /* y (Og, L) = w (Og, K) @ col (K, L) */                                   \
                    im2col_##SUF(g, a + xoff, col, Cg, false);                                 \
                    GEMM(false, false, Og, L, K, 1, b + gi * Og * K, K, col, L, 0, out + yoff, \
                         L);                                                                   \
                } else if (which == PL_CONVND_BX) {                                            \
                    /* col (K, L) = w^T (K, Og) @ dy (Og, L), scattered into dx */             \
                    GEMM(true, false, K, L, Og, 1, b + gi * Og * K, K, a + yoff, L, 0, col, L);\
                    im2col_##SUF(g, out + xoff, col, Cg, true);                                \
                } else {                                                                       \
                    /* dw (Og, K) += dy (Og, L) @ col^T (L, K) */                              \
                    im2col_##SUF(g, a + xoff, col, Cg, false);                                 \
                    GEMM(false, true, Og, K, L, 1, b + yoff, L, col, L, 1, out + gi * Og * K,  \
                         K);                                                                   \
                }                                                                              \
            }                                                                                  \
        free(col);                                                                             \
        return PL_OK;                                                                          \
    }                                                                                          \
    /* The reference: direct loops over every output element and kernel tap. */               \
    static void ref_##SUF(const pl_convnd_geom *g, int which, const T *a, const T *b, T *out)  \
    {                                                                                          \
        const int64_t *in = g->in, *k = g->k, *o3 = g->out, *s = g->s, *p = g->p, *d = g->d;   \
        int64_t Cg = g->C / g->G, Og = g->O / g->G, X = in_numel(g), L = out_numel(g);         \
        int64_t KS = k_numel(g);                                                               \
        if (which == PL_CONVND_BX) memset(out, 0, sizeof(T) * (size_t)(g->N * g->C * X));      \
        if (which == PL_CONVND_BW) memset(out, 0, sizeof(T) * (size_t)(g->O * Cg * KS));       \
        for (int64_t n = 0; n < g->N; n++)                                                     \
            for (int64_t o = 0; o < g->O; o++)                                                 \
                for (int64_t q = 0; q < L; q++) {                                              \
                    int64_t od = q / (o3[1] * o3[2]), oh = q / o3[2] % o3[1], ow = q % o3[2];  \
                    int64_t yi = (n * g->O + o) * L + q, gi = o / Og;                          \
                    double acc = 0;                                                            \
                    for (int64_t c = 0; c < Cg; c++)                                           \
                        for (int64_t t = 0; t < KS; t++) {                                     \
                            int64_t i = t / (k[1] * k[2]), j = t / k[2] % k[1], l = t % k[2];  \
                            int64_t z = od * s[0] - p[0] + i * d[0];                           \
                            int64_t y = oh * s[1] - p[1] + j * d[1];                           \
                            int64_t xx = ow * s[2] - p[2] + l * d[2];                          \
                            if (z < 0 || z >= in[0] || y < 0 || y >= in[1] || xx < 0 ||        \
                                xx >= in[2])                                                   \
                                continue;                                                      \
                            int64_t xi = ((n * g->C + gi * Cg + c) * in[0] + z) * in[1] * in[2] \
                                         + y * in[2] + xx;                                     \
                            int64_t wi = (o * Cg + c) * KS + t;                                \
                            if (which == PL_CONVND_FWD)                                        \
                                acc += (double)a[xi] * (double)b[wi];                          \
                            else if (which == PL_CONVND_BX)                                    \
                                out[xi] += (T)((double)a[yi] * (double)b[wi]);                 \
                            else                                                               \
                                out[wi] += (T)((double)b[yi] * (double)a[xi]);                 \
                        }                                                                      \
                    if (which == PL_CONVND_FWD) out[yi] = (T)acc;                              \
                }                                                                              \
    }

DEFINE_CONVND_KERNELS(float, f32, pl_sgemm)
DEFINE_CONVND_KERNELS(double, f64, pl_dgemm)

pl_status
pl_convnd_kernel(const pl_convnd_geom *g, int which, pl_dtype dtype, const void *a, const void *b,
                 void *out)
{
    if (dtype == PL_FLOAT32) {
        if (force_reference) {
            ref_f32(g, which, a, b, out);
            return PL_OK;
        }
        return gemm_f32(g, which, a, b, out);
    }
    if (force_reference) {
        ref_f64(g, which, a, b, out);
        return PL_OK;
    }
    return gemm_f64(g, which, a, b, out);
}
