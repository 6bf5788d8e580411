/* conv.c — convolution (1-D and 2-D, groups, stride, padding, dilation): shape checks, the
 * im2col + GEMM forward and backward, the direct-loop reference kernels they are tested
 * against, and the ConvolutionBackward0 node. Everything runs on contiguous 4-D views
 * (N, C, H, W); a 1-D convolution is the 2-D one with H = 1 and a unit kernel height. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../autograd.h"
#include "../conv.h"
#include "../gemm.h"
#include "../parallel.h"
#include "../ops.h"
#include "conv_internal.h"
#include "internal.h"

static bool force_reference = false;

void
pl_conv_force_reference(bool on)
{
    force_reference = on;
}

bool
pl_conv_reference_forced(void)
{
    return force_reference;
}


/* The backward's split over images: at most this many parts ... */
#define BWD_PARTS 16
/* ... and only for at least this many multiply-adds (N * O * L * K). */
#define BWD_PARALLEL_MIN ((int64_t)1 << 21)
/* Images with fewer than this many outputs each (OH * OW) share one product, as long as their
 * im2col matrices together hold at most BWD_COL_MAX elements; larger images are deep enough alone
 * and their products read dy in place. */
#define BWD_DEEP_L 256
#define BWD_COL_MAX ((int64_t)1 << 20)

typedef struct bwd_job {
    const conv_geom *g;
    const void *x, *w, *dy; /* x (N, C, H, W) or NULL, w (O, Cg, kh, kw) or NULL, dy (N, O, OH, OW) */
    void *dx, *dw, *db;     /* dx (N, C, H, W), dw (O, Cg, kh, kw), db (O), each or NULL */
    int parts;
    int64_t sb;             /* images per product */
    void *col[BWD_PARTS];   /* (K, sb * L) scratch per part */
    void *dyb[BWD_PARTS];   /* (Og, sb * L) scratch per part when sb > 1 */
    void *part[BWD_PARTS];  /* dw (O, Cg, kh, kw) and db (O) partials of parts 1.. */
} bwd_job;

/* ---- im2col / col2im: col (Cg * kh * kw, OH * OW) of one image's channel group ---- */

/* output columns ox in [*lo, *hi) whose tap x = ox * s + off lies in [0, W) (off = j * d - p) */
static inline void
conv_cols(int64_t off, int64_t s, int64_t OW, int64_t W, int64_t *lo, int64_t *hi)
{
    *lo = off >= 0 ? 0 : (-off + s - 1) / s;
    *hi = off > W - 1 ? 0 : (W - 1 - off) / s + 1;
    if (*hi > OW) *hi = OW;
    if (*lo > *hi) *lo = *hi;
}

#define DEFINE_CONV_KERNELS(T, SUF, GEMM)                                                       \
    static void im2col_ld_##SUF(const conv_geom *g, const T *x /* (Cg, H, W) */,               \
                                T *col /* (Cg * kh * kw, OH * OW), row stride L */,            \
                                int64_t L, int64_t Cg)                                         \
    {                                                                                          \
        for (int64_t c = 0; c < Cg; c++)                                                       \
            for (int64_t i = 0; i < g->kh; i++)                                                \
                for (int64_t j = 0; j < g->kw; j++) {                                          \
                    T *row = col + ((c * g->kh + i) * g->kw + j) * L;                          \
                    int64_t off = j * g->dw - g->pw, lo, hi;                                   \
                    conv_cols(off, g->sw, g->OW, g->W, &lo, &hi);                              \
                    for (int64_t oy = 0; oy < g->OH; oy++) {                                   \
                        int64_t y = oy * g->sh - g->ph + i * g->dh;                            \
                        T *r = row + oy * g->OW;                                               \
                        if (y < 0 || y >= g->H) {                                              \
                            for (int64_t ox = 0; ox < g->OW; ox++) r[ox] = 0;                  \
                            continue;                                                          \
                        }                                                                      \
                        const T *xr = x + (c * g->H + y) * g->W; /* (W) */                     \
                        for (int64_t ox = 0; ox < lo; ox++) r[ox] = 0;                         \
                        if (g->sw == 1)                                                        \
                            for (int64_t ox = lo; ox < hi; ox++) r[ox] = xr[ox + off];         \
                        else                                                                   \
                            for (int64_t ox = lo; ox < hi; ox++) r[ox] = xr[ox * g->sw + off]; \
                        for (int64_t ox = hi; ox < g->OW; ox++) r[ox] = 0;                     \
                    }                                                                          \
                }                                                                              \
    }                                                                                          \
    static void col2im_ld_##SUF(const conv_geom *g,                                            \
                                const T *col /* (Cg * kh * kw, OH * OW), row stride L */,      \
                                int64_t L, T *dx /* (Cg, H, W), accumulated */, int64_t Cg)    \
    {                                                                                          \
        for (int64_t c = 0; c < Cg; c++)                                                       \
            for (int64_t i = 0; i < g->kh; i++)                                                \
                for (int64_t j = 0; j < g->kw; j++) {                                          \
                    const T *row = col + ((c * g->kh + i) * g->kw + j) * L;                    \
                    int64_t off = j * g->dw - g->pw, lo, hi;                                   \
                    conv_cols(off, g->sw, g->OW, g->W, &lo, &hi);                              \
                    for (int64_t oy = 0; oy < g->OH; oy++) {                                   \
                        int64_t y = oy * g->sh - g->ph + i * g->dh;                            \
                        if (y < 0 || y >= g->H) continue;                                      \
                        const T *r = row + oy * g->OW;                                         \
                        T *xr = dx + (c * g->H + y) * g->W; /* (W) */                          \
                        if (g->sw == 1)                                                        \
                            for (int64_t ox = lo; ox < hi; ox++) xr[ox + off] += r[ox];        \
                        else                                                                   \
                            for (int64_t ox = lo; ox < hi; ox++) xr[ox * g->sw + off] += r[ox]; \
                    }                                                                          \
                }                                                                              \
    }                                                                                          \
    static void im2col_##SUF(const conv_geom *g, const T *x /* (Cg, H, W) */,                  \
                             T *col /* (Cg * kh * kw, OH * OW) */, int64_t Cg)                 \
    {                                                                                          \
        im2col_ld_##SUF(g, x, col, g->OH * g->OW, Cg);                                         \
    }                                                                                          \
    static void col2im_##SUF(const conv_geom *g, const T *col /* (Cg * kh * kw, OH * OW) */,   \
                             T *dx /* (Cg, H, W), accumulated */, int64_t Cg)                  \
    {                                                                                          \
        col2im_ld_##SUF(g, col, g->OH * g->OW, dx, Cg);                                        \
    }                                                                                          \
    /* y (N, O, OH, OW) = conv(x (N, C, H, W), w (O, Cg, kh, kw)) + b (O) or no bias */        \
    static pl_status conv_fwd_##SUF(const conv_geom *g, const T *x, const T *w, const T *b,    \
                                    T *y)                                                      \
    {                                                                                          \
        bool done;                                                                             \
        pl_status st = pl_conv_igemm_forward(g, sizeof(T) == sizeof(double), x, w, b, y, &done); \
        if (st != PL_OK || done) return st;                                                    \
        int64_t Cg = g->C / g->G, Og = g->O / g->G, K = Cg * g->kh * g->kw;                    \
        int64_t L = g->OH * g->OW;                                                             \
        T *col = malloc(sizeof(T) * (size_t)(K * L > 0 ? K * L : 1));                          \
        if (!col) return pl_error_nomem();                                                     \
        for (int64_t n = 0; n < g->N; n++)                                                     \
            for (int64_t gi = 0; gi < g->G; gi++) {                                            \
                im2col_##SUF(g, x + (n * g->C + gi * Cg) * g->H * g->W, col, Cg);              \
                T *yo = y + (n * g->O + gi * Og) * L; /* (Og, L) */                            \
                if (L > 0 && Og > 0)                                                           \
                    GEMM(false, false, Og, L, K, 1, w + gi * Og * K, K > 0 ? K : 1, col,       \
                         L, 0, yo, L);                                                         \
                if (b)                                                                         \
                    for (int64_t o = 0; o < Og; o++)                                           \
                        for (int64_t l = 0; l < L; l++) yo[o * L + l] += b[gi * Og + o];       \
            }                                                                                  \
        free(col);                                                                             \
        return PL_OK;                                                                          \
    }                                                                                          \
    /* sum of x[0..n), eight interleaved partial sums (vectorisable without reassociation) */ \
    static T row_sum_##SUF(const T *x, int64_t n)                                              \
    {                                                                                          \
        T acc[8] = {0};                                                                        \
        int64_t i = 0;                                                                         \
        for (; i + 8 <= n; i += 8)                                                             \
            for (int k = 0; k < 8; k++) acc[k] += x[i + k];                                    \
        for (int k = 0; i < n; i++, k++) acc[k] += x[i];                                       \
        return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])); \
    }                                                                                          \
    /* Images [n0, n1) of the backward: dx (N, C, H, W) (zeroed, or NULL) written for them,  \
     * dw (O, Cg, kh, kw) and db (O) (each or NULL) accumulated. Up to sb images at a time    \
     * share one product: col (K, sb * L) holds their im2col matrices side by side and dyb    \
     * (Og, sb * L) their gradients, so a small image still gives a deep product; with sb = 1 \
     * the product reads dy in place. */                                                     \
    static void conv_bwd_images_##SUF(const conv_geom *g, const T *x, const T *w, const T *dy, \
                                      T *dx, T *dw, T *db, int64_t n0, int64_t n1, T *col,     \
                                      T *dyb, int64_t sb)                                      \
    {                                                                                          \
        int64_t Cg = g->C / g->G, Og = g->O / g->G, K = Cg * g->kh * g->kw;                    \
        int64_t L = g->OH * g->OW, HW = g->H * g->W;                                           \
        if (L == 0) return;                                                                    \
        if (db)                                                                                \
            for (int64_t n = n0; n < n1; n++)                                                  \
                for (int64_t o = 0; o < g->O; o++) db[o] += row_sum_##SUF(dy + (n * g->O + o) * L, L); \
        if (K == 0 || (!dx && !dw)) return;                                                    \
        for (int64_t nb = n0; nb < n1; nb += sb) {                                             \
            int64_t P = n1 - nb < sb ? n1 - nb : sb, LL = P * L;                               \
            for (int64_t gi = 0; gi < g->G; gi++) {                                            \
                const T *dyo = dy + (nb * g->O + gi * Og) * L; /* (Og, LL), row stride LL */   \
                if (P > 1) {                                                                   \
                    for (int64_t p = 0; p < P; p++)                                            \
                        for (int64_t o = 0; o < Og; o++)                                       \
                            memcpy(dyb + o * LL + p * L, dyo + (p * g->O + o) * L,             \
                                   sizeof(T) * (size_t)L);                                     \
                    dyo = dyb;                                                                 \
                }                                                                              \
                if (dw) {                                                                      \
                    for (int64_t p = 0; p < P; p++)                                            \
                        im2col_ld_##SUF(g, x + ((nb + p) * g->C + gi * Cg) * HW, col + p * L,  \
                                        LL, Cg);                                               \
                    GEMM(false, true, Og, K, LL, 1, dyo, LL, col, LL, 1, dw + gi * Og * K, K); \
                }                                                                              \
                if (dx) {                                                                      \
                    if (Og > 0)                                                                \
                        GEMM(true, false, K, LL, Og, 1, w + gi * Og * K, K, dyo, LL, 0, col,   \
                             LL);                                                              \
                    else                                                                       \
                        memset(col, 0, sizeof(T) * (size_t)(K * LL));                          \
                    for (int64_t p = 0; p < P; p++)                                            \
                        col2im_ld_##SUF(g, col + p * L, LL,                                    \
                                        dx + ((nb + p) * g->C + gi * Cg) * HW, Cg);            \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }                                                                                          \
    /* part t of BWD_PARTS: images [t * N / parts, (t + 1) * N / parts), its own col buffer   \
     * and, but for part 0 (which adds into dw and db), its own zeroed dw and db partials */   \
    static void conv_bwd_part_##SUF(void *ctx, int64_t begin, int64_t end)                     \
    {                                                                                          \
        bwd_job *j = ctx;                                                                      \
        const conv_geom *g = j->g;                                                             \
        int64_t Wn = g->O * (g->C / g->G) * g->kh * g->kw;                                     \
        for (int64_t t = begin; t < end; t++) {                                                \
            T *dw = NULL, *db = NULL;                                                          \
            if (t == 0) {                                                                      \
                dw = j->dw;                                                                    \
                db = j->db;                                                                    \
            } else if (j->part[t]) { /* (Wn dw partial, O db partial) */                       \
                memset(j->part[t], 0, sizeof(T) * (size_t)(Wn + g->O));                        \
                dw = j->dw ? (T *)j->part[t] : NULL;                                           \
                db = j->db ? (T *)j->part[t] + Wn : NULL;                                      \
            }                                                                                  \
            conv_bwd_images_##SUF(g, j->x, j->w, j->dy, j->dx, dw, db, t * g->N / j->parts,    \
                                  (t + 1) * g->N / j->parts, j->col[t], j->dyb[t], j->sb);     \
        }                                                                                      \
    }                                                                                          \
    /* dx (N, C, H, W), dw (O, Cg, kh, kw), db (O) (each zeroed, or NULL) from dy (N, O, OH,   \
     * OW). With several images and threads, the images are split over the threads, each with \
     * its own im2col buffer and dw and db partials (summed in part order). */                \
    static pl_status conv_bwd_##SUF(const conv_geom *g, const T *x, const T *w, const T *dy,   \
                                    T *dx, T *dw, T *db)                                       \
    {                                                                                          \
        int64_t Cg = g->C / g->G, K = Cg * g->kh * g->kw;                                      \
        int64_t L = g->OH * g->OW, Wn = g->O * K;                                              \
        if (dx && L > 0 && K > 0) {                                                            \
            bool done;                                                                         \
            pl_status st = pl_conv_igemm_input_grad(g, sizeof(T) == sizeof(double), dy, w, dx, \
                                                    &done);                                    \
            if (st != PL_OK) return st;                                                        \
            if (done) dx = NULL; /* written */                                                 \
        }                                                                                      \
        int parts = pl_parallel_get_num_threads();                                             \
        if (parts > g->N) parts = (int)g->N;                                                   \
        if (parts > BWD_PARTS) parts = BWD_PARTS;                                              \
        if (parts < 1 || g->N * g->O * L * (K > 0 ? K : 1) < BWD_PARALLEL_MIN) parts = 1;      \
        int64_t sb = 1; /* images per product */                                               \
        if (L < BWD_DEEP_L && K * L > 0) sb = BWD_COL_MAX / (K * L);                           \
        if (sb < 1) sb = 1;                                                                    \
        if (sb > (g->N + parts - 1) / parts) sb = (g->N + parts - 1) / parts;                  \
        bwd_job j = {g, x, w, dy, dx, dw, db, parts, sb, {0}, {0}, {0}};                       \
        bool ok = true;                                                                        \
        for (int t = 0; t < parts && ok; t++) {                                                \
            j.col[t] = malloc(sizeof(T) * (size_t)(K * L * sb > 0 ? K * L * sb : 1));          \
            if (sb > 1) j.dyb[t] = malloc(sizeof(T) * (size_t)(g->O * L * sb > 0 ? g->O * L * sb : 1)); \
            if (t > 0 && (dw || db)) j.part[t] = malloc(sizeof(T) * (size_t)(Wn + g->O));     \
            ok = j.col[t] && (sb == 1 || j.dyb[t]) && (t == 0 || !(dw || db) || j.part[t]);    \
        }                                                                                      \
        if (ok && (dx || dw || db)) {                                                          \
            if (parts == 1) conv_bwd_part_##SUF(&j, 0, 1);                                     \
            else pl_parallel_for(parts, conv_bwd_part_##SUF, &j, 1);                           \
        }                                                                                      \
        for (int t = 1; ok && t < parts && (dw || db); t++) {                                  \
            const T *pt = j.part[t];                                                           \
            for (int64_t i = 0; dw && i < Wn; i++) dw[i] += pt[i];                             \
            for (int64_t o = 0; db && o < g->O; o++) db[o] += pt[Wn + o];                      \
        }                                                                                      \
        for (int t = 0; t < parts; t++) {                                                      \
            free(j.col[t]);                                                                    \
            free(j.dyb[t]);                                                                    \
            free(j.part[t]);                                                                   \
        }                                                                                      \
        return ok ? PL_OK : pl_error_nomem();                                                  \
    }                                                                                          \
    /* The reference: direct loops over every output and kernel tap, double accumulation. */   \
    static void conv_ref_##SUF(const conv_geom *g, const T *x, const T *w, const T *b, T *y,   \
                               const T *dy, T *dx, T *dw, T *db)                               \
    {                                                                                          \
        int64_t Cg = g->C / g->G, Og = g->O / g->G;                                            \
        for (int64_t n = 0; n < g->N; n++)                                                     \
            for (int64_t o = 0; o < g->O; o++) {                                               \
                int64_t gi = o / Og;                                                           \
                for (int64_t oy = 0; oy < g->OH; oy++)                                         \
                    for (int64_t ox = 0; ox < g->OW; ox++) {                                   \
                        int64_t yi = ((n * g->O + o) * g->OH + oy) * g->OW + ox;               \
                        double acc = 0, gy = dy ? (double)dy[yi] : 0;                          \
                        for (int64_t c = 0; c < Cg; c++)                                       \
                            for (int64_t i = 0; i < g->kh; i++)                                \
                                for (int64_t j = 0; j < g->kw; j++) {                          \
                                    int64_t yy = oy * g->sh - g->ph + i * g->dh;               \
                                    int64_t xx = ox * g->sw - g->pw + j * g->dw;               \
                                    if (yy < 0 || yy >= g->H || xx < 0 || xx >= g->W) continue; \
                                    int64_t xi = ((n * g->C + gi * Cg + c) * g->H + yy) * g->W + xx; \
                                    int64_t wi = ((o * Cg + c) * g->kh + i) * g->kw + j;       \
                                    if (y) acc += (double)x[xi] * (double)w[wi];               \
                                    if (dx) dx[xi] += (T)(gy * (double)w[wi]);                 \
                                    if (dw) dw[wi] += (T)(gy * (double)x[xi]);                 \
                                }                                                              \
                        if (y) y[yi] = (T)(acc + (b ? (double)b[o] : 0));                      \
                        if (db) db[o] += (T)gy;                                                \
                    }                                                                          \
            }                                                                                  \
    }

DEFINE_CONV_KERNELS(float, f32, pl_sgemm)
DEFINE_CONV_KERNELS(double, f64, pl_dgemm)

/* ---- shape checks (PyTorch's messages) ---- */

static pl_status
conv_check(const pl_tensor *x, const pl_tensor *w, const pl_tensor *bias, int nsp,
           const int64_t *stride, const int64_t *padding, const int64_t *dilation, int64_t groups,
           conv_geom *g)
{
    char ws[96], xs[96];
    pl_format_shape(ws, sizeof ws, w->ndim, w->shape);
    pl_format_shape(xs, sizeof xs, x->ndim, x->shape);
    if (nsp != 1 && nsp != 2) return pl_error_set(PL_ERR_RUNTIME, "convolution: only 1-D and 2-D are supported");
    for (int i = 0; i < nsp; i++) {
        if (stride[i] <= 0) return pl_error_set(PL_ERR_RUNTIME, "non-positive stride is not supported");
        if (padding[i] < 0) return pl_error_set(PL_ERR_RUNTIME, "negative padding is not supported");
        if (dilation[i] <= 0) return pl_error_set(PL_ERR_RUNTIME, "dilation should be greater than zero");
    }
    if (groups <= 0) return pl_error_set(PL_ERR_RUNTIME, "non-positive groups is not supported");
    if (x->ndim != nsp + 2 || w->ndim != nsp + 2) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "Expected %d-dimensional input for %d-dimensional weight %s, but got "
                            "%d-dimensional input of size %s instead",
                            w->ndim, w->ndim, ws, x->ndim, xs);
    }
    if (bias && bias->dtype != x->dtype) { /* PyTorch compares the bias first */
        const char *lower[PL_NUM_DTYPES] = {"bool", "long", "float", "double", "unsigned char",
                                            "signed char", "short", "int", "c10::Half", "c10::BFloat16"};
        return pl_error_set(PL_ERR_RUNTIME, "Input type (%s) and bias type (%s) should be the same",
                            lower[x->dtype], lower[bias->dtype]);
    }
    g->N = x->shape[0];
    g->C = x->shape[1];
    g->H = nsp == 2 ? x->shape[2] : 1;
    g->W = x->shape[nsp + 1];
    g->O = w->shape[0];
    g->kh = nsp == 2 ? w->shape[2] : 1;
    g->kw = w->shape[nsp + 1];
    g->sh = nsp == 2 ? stride[0] : 1;
    g->sw = stride[nsp - 1];
    g->ph = nsp == 2 ? padding[0] : 0;
    g->pw = padding[nsp - 1];
    g->dh = nsp == 2 ? dilation[0] : 1;
    g->dw = dilation[nsp - 1];
    g->G = groups;
    if (g->O < groups) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "Given groups=%lld, expected weight to be at least %lld at dimension "
                            "0, but got weight of size %s instead", (long long)groups,
                            (long long)groups, ws);
    }
    if (g->O % groups != 0) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "Given groups=%lld, expected weight to be divisible by %lld at "
                            "dimension 0, but got weight of size [%s] instead",
                            (long long)groups, (long long)groups, ws);
    }
    int64_t expected_c;
    if (__builtin_mul_overflow(w->shape[1], groups, &expected_c) || g->C != expected_c) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "Given groups=%lld, weight of size %s, expected input%s to have %lld "
                            "channels, but got %lld channels instead",
                            (long long)groups, ws, xs, (long long)expected_c,
                            (long long)g->C);
    }
    if (bias && (bias->ndim != 1 || bias->shape[0] != g->O)) {
        char bs[96];
        pl_format_shape(bs, sizeof bs, bias->ndim, bias->shape);
        return pl_error_set(PL_ERR_RUNTIME,
                            "Given weight of size %s, expected bias to be 1-dimensional with "
                            "%lld elements, but got bias of size %s instead",
                            ws, (long long)g->O, bs);
    }
    /* padded sizes and dilated kernels, refused where they would overflow int64 */
    int64_t in_p[2], k_d[2], dims[2] = {g->H, g->W}, pads[2] = {g->ph, g->pw};
    int64_t dils[2] = {g->dh, g->dw}, ks[2] = {g->kh, g->kw};
    for (int i = 0; i < 2; i++) {
        int64_t twice;
        if (pads[i] > INT64_MAX / 2 || __builtin_mul_overflow(pads[i], 2, &twice) ||
            __builtin_add_overflow(dims[i], twice, &in_p[i])) {
            return pl_error_set(PL_ERR_RUNTIME,
                                "Given padding=%lld at dimension %d , expected padding to be at "
                                "most %lld", (long long)pads[i], nsp == 2 ? i : 0,
                                (long long)(pads[i] > INT64_MAX / 2 ? INT64_MAX / 2
                                                                    : (INT64_MAX - dims[i]) / 2));
        }
        if (__builtin_mul_overflow(dils[i], ks[i] - 1, &k_d[i]) || k_d[i] == INT64_MAX) {
            k_d[i] = INT64_MAX; /* too large for any input: reported below */
        } else {
            k_d[i] += 1;
        }
    }
    if (in_p[0] < k_d[0] || in_p[1] < k_d[1]) {
        if (nsp == 2)
            return pl_error_set(PL_ERR_RUNTIME,
                                "Calculated padded input size per channel: (%lld x %lld). Kernel "
                                "size: (%lld x %lld). Kernel size can't be greater than actual "
                                "input size",
                                (long long)in_p[0], (long long)in_p[1], (long long)k_d[0],
                                (long long)k_d[1]);
        return pl_error_set(PL_ERR_RUNTIME,
                            "Calculated padded input size per channel: (%lld). Kernel size: "
                            "(%lld). Kernel size can't be greater than actual input size",
                            (long long)in_p[1], (long long)k_d[1]);
    }
    g->OH = (in_p[0] - k_d[0]) / g->sh + 1;
    g->OW = (in_p[1] - k_d[1]) / g->sw + 1;
    /* the dtypes after the shapes, as PyTorch's kernels check them: a bool input (no kernel)
     * names the one it would reach (the dilated one when any dilation is above 1), whatever
     * the weight's dtype; integer inputs reach theirs (integer products of one dtype are
     * computed before the core), which checks the weight */
    if (x->dtype == PL_BOOL || (x->dtype == w->dtype && !pl_dtype_is_floating(x->dtype))) {
        bool dilated = g->dh > 1 || g->dw > 1;
        return pl_error_set(PL_ERR_NOTIMPL, "\"%s\" not implemented for '%s'",
                            dilated ? "slow_conv_dilated<>" : "slow_conv2d_cpu",
                            pl_dtype_scalar_name(x->dtype));
    }
    if (x->dtype != w->dtype) {
        if (x->dtype == PL_BFLOAT16 && pl_cpu_avx512_core()) /* PyTorch's oneDNN path's check */
            return pl_error_set(PL_ERR_RUNTIME,
                                "Input type (CPUBFloat16Type) and weight type (torch.%sTensor) should "
                                "be the same or input should be a MKLDNN tensor and weight is a "
                                "dense tensor", pl_dtype_scalar_name(w->dtype));
        return pl_error_set(PL_ERR_RUNTIME, "expected scalar type %s but found %s",
                            pl_dtype_scalar_name(x->dtype), pl_dtype_scalar_name(w->dtype));
    }
    return PL_OK;
}

/* ---- forward / backward on contiguous buffers ---- */

static pl_status
run_forward(const conv_geom *g, pl_tensor *x, pl_tensor *w, pl_tensor *b, pl_tensor *y)
{
    const void *bp = b ? pl_tensor_data(b) : NULL;
    if (x->dtype == PL_FLOAT32) {
        if (force_reference) {
            conv_ref_f32(g, (const float *)pl_tensor_data(x), (const float *)pl_tensor_data(w),
                         bp, (float *)pl_tensor_data(y), NULL, NULL, NULL, NULL);
            return PL_OK;
        }
        return conv_fwd_f32(g, (const float *)pl_tensor_data(x), (const float *)pl_tensor_data(w),
                            bp, (float *)pl_tensor_data(y));
    }
    if (force_reference) {
        conv_ref_f64(g, (const double *)pl_tensor_data(x), (const double *)pl_tensor_data(w), bp,
                     (double *)pl_tensor_data(y), NULL, NULL, NULL, NULL);
        return PL_OK;
    }
    return conv_fwd_f64(g, (const double *)pl_tensor_data(x), (const double *)pl_tensor_data(w),
                        bp, (double *)pl_tensor_data(y));
}

static pl_status
run_backward(const conv_geom *g, pl_tensor *x, pl_tensor *w, pl_tensor *dy, pl_tensor *dx,
             pl_tensor *dw, pl_tensor *db)
{
#define PTR(t) ((t) ? pl_tensor_data(t) : NULL)
    if (dy->dtype == PL_FLOAT32) { /* x is NULL when only dx is wanted */
        if (force_reference) {
            conv_ref_f32(g, (const float *)PTR(x), (const float *)PTR(w), NULL, NULL,
                         (const float *)PTR(dy), (float *)PTR(dx), (float *)PTR(dw), (float *)PTR(db));
            return PL_OK;
        }
        return conv_bwd_f32(g, (const float *)PTR(x), (const float *)PTR(w), (const float *)PTR(dy),
                            (float *)PTR(dx), (float *)PTR(dw), (float *)PTR(db));
    }
    if (force_reference) {
        conv_ref_f64(g, (const double *)PTR(x), (const double *)PTR(w), NULL, NULL,
                     (const double *)PTR(dy), (double *)PTR(dx), (double *)PTR(dw), (double *)PTR(db));
        return PL_OK;
    }
    return conv_bwd_f64(g, (const double *)PTR(x), (const double *)PTR(w), (const double *)PTR(dy),
                        (double *)PTR(dx), (double *)PTR(dw), (double *)PTR(db));
#undef PTR
}

/* node ints: nsp, groups, stride[2], padding[2], dilation[2] */
static void
geom_from_node(const pl_node *node, const pl_tensor *x, const pl_tensor *w, conv_geom *g)
{
    int nsp = (int)node->ints[0];
    /* the checks passed in the forward; recompute the geometry only */
    g->N = x->shape[0];
    g->C = x->shape[1];
    g->H = nsp == 2 ? x->shape[2] : 1;
    g->W = x->shape[nsp + 1];
    g->O = w->shape[0];
    g->kh = nsp == 2 ? w->shape[2] : 1;
    g->kw = w->shape[nsp + 1];
    g->G = node->ints[1];
    g->sh = node->ints[2], g->sw = node->ints[3];
    g->ph = node->ints[4], g->pw = node->ints[5];
    g->dh = node->ints[6], g->dw = node->ints[7];
    g->OH = (g->H + 2 * g->ph - (g->dh * (g->kh - 1) + 1)) / g->sh + 1;
    g->OW = (g->W + 2 * g->pw - (g->dw * (g->kw - 1) + 1)) / g->sw + 1;
}

/* ---- the backward as recorded ops, for create_graph ----
 * Each gradient of a convolution is bilinear: dx = Bx(dy, w), dw = Bw(x, dy). Their own
 * gradients are again convolutions and these two maps, so both are recorded ops:
 *   Bx's backward given gdx: d dy = conv(gdx, w), d w = Bw(gdx, dy)
 *   Bw's backward given gdw: d x = Bx(dy, gdw),   d dy = conv(x, gdw)
 * node ints: as ConvolutionBackward0's, then [8] H, [9] W of the input, [10] kh, [11] kw. */

static pl_tensor *conv_input_grad(pl_node *like, pl_tensor *dy, pl_tensor *w);
static pl_tensor *conv_weight_grad(pl_node *like, pl_tensor *x, pl_tensor *dy);

static void
geom_from_ints(const int64_t *ints, const pl_tensor *dy, int64_t C, int64_t O, conv_geom *g)
{
    int nsp = (int)ints[0];
    g->N = dy->shape[0];
    g->C = C;
    g->O = O;
    g->H = ints[8], g->W = ints[9];
    g->kh = ints[10], g->kw = ints[11];
    g->G = ints[1];
    g->sh = ints[2], g->sw = ints[3];
    g->ph = ints[4], g->pw = ints[5];
    g->dh = ints[6], g->dw = ints[7];
    g->OH = nsp == 2 ? dy->shape[2] : 1;
    g->OW = dy->shape[nsp + 1];
}

/* conv(x, w) without bias, with the geometry of node `like` */
static pl_tensor *
conv_like(const pl_node *like, pl_tensor *x, pl_tensor *w)
{
    const int64_t *k = like->ints;
    int64_t stride[2] = {k[2], k[3]}, pad[2] = {k[4], k[5]}, dil[2] = {k[6], k[7]};
    int nsp = (int)k[0];
    return pl_convolution(x, w, NULL, nsp, nsp == 2 ? stride : stride + 1, nsp == 2 ? pad : pad + 1,
                          nsp == 2 ? dil : dil + 1, k[1]);
}

static pl_status
input_grad_backward(pl_node *node, pl_tensor *gdx, pl_tensor **din)
{
    pl_tensor *dy = pl_node_saved(node, 0), *w = pl_node_saved(node, 1);
    if (!dy || !w) return pl_error_status();
    if (node->next[0].fn && !(din[0] = conv_like(node, gdx, w))) return pl_error_status();
    if (node->next[1].fn && !(din[1] = conv_weight_grad(node, gdx, dy))) return pl_error_status();
    return PL_OK;
}

static pl_status
weight_grad_backward(pl_node *node, pl_tensor *gdw, pl_tensor **din)
{
    pl_tensor *x = pl_node_saved(node, 0), *dy = pl_node_saved(node, 1);
    if (!x || !dy) return pl_error_status();
    if (node->next[0].fn && !(din[0] = conv_input_grad(node, dy, gdw))) return pl_error_status();
    if (node->next[1].fn && !(din[1] = conv_like(node, x, gdw))) return pl_error_status();
    return PL_OK;
}

static const pl_node_kind conv_input_grad_kind = {"ConvolutionBackwardBackward0",
                                                  input_grad_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind conv_weight_grad_kind = {"ConvolutionBackwardBackward0",
                                                   weight_grad_backward, PL_KIND_DIFFERENTIABLE};

/* One of the two maps: out computed by run_backward, recorded with inputs a, b (saved). */
static pl_tensor *
record_grad_map(pl_node *like, const pl_node_kind *kind, pl_tensor *out, pl_tensor *a,
                pl_tensor *b)
{
    pl_tensor *ins[2] = {a, b};
    return pl_record_map(out, kind, ins, 2, ins, 2, like->ints, 12, NULL);
}

/* One of the two maps, computed by run_backward and recorded with inputs (a, b):
 *   weight false: dx (N, C, H, W) from a = dy (N, O, OH, OW) and b = w (O, C / G, kh, kw);
 *   weight true:  dw (O, C / G, kh, kw) from a = x (N, C, H, W) and b = dy. */
static pl_tensor *
conv_grad_map(pl_node *like, bool weight, pl_tensor *a, pl_tensor *b)
{
    pl_tensor *dy = weight ? b : a, *other = weight ? a : b; /* other: x or w */
    conv_geom g;
    if (weight) geom_from_ints(like->ints, dy, other->shape[1], dy->shape[1], &g);
    else geom_from_ints(like->ints, dy, other->shape[1] * like->ints[1], other->shape[0], &g);
    int nsp = (int)like->ints[0];
    int64_t dx_shape[4] = {g.N, g.C, nsp == 2 ? g.H : g.W, g.W};
    int64_t dw_shape[4] = {g.O, g.C / g.G, nsp == 2 ? g.kh : g.kw, g.kw};
    pl_tensor *out = pl_tensor_zeros(nsp + 2, weight ? dw_shape : dx_shape, dy->dtype);
    pl_tensor *dyc = out ? pl_contiguous(dy) : NULL;
    pl_tensor *ot = dyc ? pl_to_dtype(other, dy->dtype) : NULL, *oc = ot ? pl_contiguous(ot) : NULL;
    bool ok = oc && run_backward(&g, weight ? oc : NULL, weight ? NULL : oc, dyc, weight ? NULL : out,
                                 weight ? out : NULL, NULL) == PL_OK;
    pl_tensor_release(dyc);
    pl_tensor_release(ot);
    pl_tensor_release(oc);
    if (!ok) {
        pl_tensor_release(out);
        return NULL;
    }
    return record_grad_map(like, weight ? &conv_weight_grad_kind : &conv_input_grad_kind, out, a, b);
}

static pl_tensor *
conv_input_grad(pl_node *like, pl_tensor *dy, pl_tensor *w)
{
    return conv_grad_map(like, false, dy, w);
}

static pl_tensor *
conv_weight_grad(pl_node *like, pl_tensor *x, pl_tensor *dy)
{
    return conv_grad_map(like, true, x, dy);
}

static pl_status
conv_backward_recorded(pl_node *node, pl_tensor *x, pl_tensor *w, pl_tensor *dout, pl_tensor **din)
{
    int nsp = (int)node->ints[0];
    node->ints[8] = nsp == 2 ? x->shape[2] : 1;
    node->ints[9] = x->shape[nsp + 1];
    node->ints[10] = nsp == 2 ? w->shape[2] : 1;
    node->ints[11] = w->shape[nsp + 1];
    if (node->next[0].fn && !(din[0] = conv_input_grad(node, dout, w))) return pl_error_status();
    if (node->next[1].fn && !(din[1] = conv_weight_grad(node, x, dout))) return pl_error_status();
    if (node->next[2].fn) {
        int64_t dims[3] = {0, 2, 3};
        if (!(din[2] = pl_sum(dout, dims, nsp + 1, false))) return pl_error_status();
    }
    return PL_OK;
}

static pl_status
conv_backward(pl_node *node, pl_tensor *dout, pl_tensor **din)
{
    pl_tensor *x = pl_node_saved(node, 0), *w = pl_node_saved(node, 1);
    if (!x || !w) return pl_error_status();
    if (pl_grad_enabled() && (dout->requires_grad || x->requires_grad || w->requires_grad) &&
        dout->dtype == x->dtype) {
        return conv_backward_recorded(node, x, w, dout, din);
    }
    conv_geom g;
    geom_from_node(node, x, w, &g);
    pl_tensor *xc = pl_contiguous(x), *wc = pl_contiguous(w), *dyc = NULL;
    pl_tensor *dx = NULL, *dw = NULL, *db = NULL;
    pl_status st = PL_OK;
    if (!xc || !wc) goto fail;
    dyc = dout->dtype == x->dtype ? pl_contiguous(dout) : NULL;
    if (!dyc) {
        if (dout->dtype != x->dtype) pl_error_set(PL_ERR_RUNTIME, "convolution backward: gradient dtype differs from the input's");
        goto fail;
    }
    if (node->next[0].fn && !(dx = pl_tensor_zeros(x->ndim, x->shape, x->dtype))) goto fail;
    if (node->next[1].fn && !(dw = pl_tensor_zeros(w->ndim, w->shape, w->dtype))) goto fail;
    if (node->next[2].fn) {
        int64_t o = g.O;
        if (!(db = pl_tensor_zeros(1, &o, x->dtype))) goto fail;
    }
    if (dx || dw || db) {
        st = run_backward(&g, xc, wc, dyc, dx, dw, db);
        if (st != PL_OK) goto fail;
    }
    pl_tensor_release(xc);
    pl_tensor_release(wc);
    pl_tensor_release(dyc);
    din[0] = dx;
    din[1] = dw;
    din[2] = db;
    return PL_OK;
fail:
    pl_tensor_release(xc);
    pl_tensor_release(wc);
    pl_tensor_release(dyc);
    pl_tensor_release(dx);
    pl_tensor_release(dw);
    pl_tensor_release(db);
    return pl_error_status();
}
static const pl_node_kind conv_kind = {"ConvolutionBackward0", conv_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_convolution(pl_tensor *x, pl_tensor *w, pl_tensor *bias, int nsp, const int64_t *stride,
               const int64_t *padding, const int64_t *dilation, int64_t groups)
{
    conv_geom g = {0};
    if (conv_check(x, w, bias, nsp, stride, padding, dilation, groups, &g) != PL_OK) return NULL;
    if (pl_is_half(x)) { /* float16/bfloat16: in float32, rounded once, under the op's node */
        PL_RUN_IN_COMPUTE3(x, w, bias,
                           pl_convolution(cx_, cy_, cz_, nsp, stride, padding, dilation, groups));
    }
    int64_t shape[4] = {g.N, g.O, nsp == 2 ? g.OH : g.OW, g.OW};
    pl_tensor *out = pl_tensor_empty(nsp + 2, shape, x->dtype);
    pl_tensor *xc = out ? pl_contiguous(x) : NULL;
    pl_tensor *wc = xc ? pl_contiguous(w) : NULL;
    pl_tensor *bc = (wc && bias) ? pl_contiguous(bias) : NULL;
    if (!wc || (bias && !bc) || run_forward(&g, xc, wc, bc, out) != PL_OK) goto fail;
    pl_tensor_release(xc);
    pl_tensor_release(wc);
    pl_tensor_release(bc);
    pl_tensor *ins[3] = {x, w, bias};
    if (pl_needs_grad(ins, 3)) {
        pl_node *node;
        if (!(out = pl_record(out, &conv_kind, ins, 3, ins, 2, &node))) return NULL; /* x, w saved */
        node->ints[0] = nsp;
        node->ints[1] = groups;
        node->ints[2] = g.sh, node->ints[3] = g.sw;
        node->ints[4] = g.ph, node->ints[5] = g.pw;
        node->ints[6] = g.dh, node->ints[7] = g.dw;
    }
    return out;
fail:
    pl_tensor_release(out);
    pl_tensor_release(xc);
    pl_tensor_release(wc);
    pl_tensor_release(bc);
    return NULL;
}
