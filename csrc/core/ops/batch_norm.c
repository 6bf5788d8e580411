/* batch_norm.c — batch normalisation over channel dim 1, forward and backward, computed the
 * way PyTorch 2.13's CPU kernels compute it so that float32 and float64 results are bitwise
 * equal (PyTorch's native_batch_norm, grad_fn NativeBatchNormBackward0). See ops.h,
 * pl_batch_norm.
 *
 * Dimensions: N batch, C channels, S the spatial elements of one (sample, channel) plane
 * (the product of dims 2...), R = N * S the values per channel. Two layouts:
 *   planes  NC(S) contiguous with S > 1: element (n, c, s) at (n * C + c) * S + s
 *   rows    channels innermost: channels-last (N, S, C) memory, or any input with S == 1;
 *           element (r, c) at r * C + c
 * Other strides are copied to planes first.
 *
 * Forward, training (facts from ATen's batch_norm_kernel.cpp and Normalization.cpp; our code):
 *   planes: per channel, sum = sum of x in double, in order (n, s); mean = (T)(sum / R);
 *           var_sum = (T) of the double sum of the T products (x - mean) * (x - mean) (for
 *           double, the odd last square of a plane contracted into an FMA: SQ_DOUBLE_FMA).
 *   rows:   ATen splits the R rows into P = num_threads chunks of ceil(R / P) rows (its
 *           parallel_for) and sums each chunk's rows in T per channel, then adds the P partial
 *           sums in double; the squares likewise, (x - mean)^2 + partial contracted into one
 *           FMA by the compiler that built torch. With R <= P it sums in double, as planes
 *           (for double each square contracted: closest to torch, not always equal to it).
 *   var = var_sum / (T)R; invstd = (T)(1 / sqrt((double)var + eps)) (0 when var and eps are);
 *   running_mean = m * mean + (1 - m) * running_mean in T (m = (T)momentum);
 *   running_var = (T)((double)m * (double)(var_sum / (T)(R - 1)) + (double)((1 - m) * rv)).
 *   The running statistics are written in place without a version bump, as ATen's kernel.
 * Forward, evaluation: mean = running_mean, invstd = 1 / sqrt(running_var + (T)eps) in T.
 * Then alpha = invstd * w and beta = b - mean * alpha (one FMA), out = x * alpha + beta (one
 * FMA) in both layouts.
 *
 * Backward, per channel, with mean and invstd as above (in evaluation invstd is computed in
 * double, (T)(1 / sqrt((double)running_var + eps)), as ATen's backward does):
 *   planes: for each plane, sum += vector-sum of dy and dotp += vector-sum of (x - mean) * dy,
 *           both in double over T plane sums; a plane sum runs W lanes (8 floats or 4 doubles:
 *           ATen's AVX2 kernel, also on AVX-512 machines), each lane accumulating every W-th
 *           element (the products with one FMA), the tail into the first lanes, then the lanes are
 *           added pairwise (W/2 apart, then W/4, ... for float; in lane order for double and
 *           under the default capability). A plane shorter than W adds its lanes in order.
 *   rows:   per chunk of rows (as the forward) sum and dotp accumulate in T, then the P
 *           partials are added in double and rounded to T.
 *   k = (T)dotp * invstd * invstd / R;  grad_mean = sum / R;
 *   dx = ((dy - grad_mean) - (x - mean) * k (one FMA)) * invstd * w  (training),
 *   dx = dy * invstd * w (evaluation); dw = dotp * invstd; db = sum.
 * A gradient neither contiguous nor channels-last (an expanded one, from y.sum().backward()) takes
 * ATen's generic backward instead (ops/batch_norm_paths.c).
 * Under ATEN_CPU_CAPABILITY=default ATen's code has no FMA: each is rounded twice there.
 * The thread count P is pytorchlite's (torch.get_num_threads()), as torch's by default.
 *
 * A backward run with grad mode on (create_graph) is written with recording ops instead, so
 * it can be differentiated again (ops/batch_norm_paths.c; values agree with torch to rounding).
 *
 * node: saved[0] = x (as given), saved[1] = w or nothing, saved[2] = stats (2, C): mean and
 * invstd per channel as the backward uses them; ints[0] = training; scalars[0] = eps.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "../parallel.h"
#include "internal.h"

#define MAX_LANES 8

/* ---- the kernels, once per element type and FMA choice ----
 * S: name suffix; T: element type; FMA(a, b, c): a * b + c with one rounding, or two. The
 * FMA instantiation is compiled for AVX2+FMA, where fmaf/fma are single instructions. */
typedef struct bn_args {
    int64_t N, C, S;
    bool rows, train, simd_tree; /* simd_tree: pairwise lane sums (float under AVX2/512) */
    int lanes;                   /* W */
    int threads;                 /* P */
    void *y;                     /* output: (N, C, S) or (R, C), as x */
    const void *x, *w, *b, *g;   /* g: the output's gradient, in x's layout */
    void *mean, *invstd;         /* (C) each */
    void *rm, *rv;               /* running statistics (C) or NULL */
    void *dx, *dw, *db;          /* backward results or NULL */
    void *scratch;               /* rows: 2 * P * C elements */
    double momentum, eps;
} bn_args;

#define NOFMA(a, b, c) ((a) * (b) + (c))
/* q + d * d into the double sum q: a float square is rounded to float first (not contracted
 * into an FMA: the types differ). */
#define SQ_FLOAT(q, d) ((q) + (double)((d) * (d)))
#define SQ_DOUBLE(q, d) ((q) + (d) * (d))
/* ATen's compiler unrolls a plane's double loop by two, squaring pairs without contraction and
 * contracting the odd last element's square into an FMA (measured against torch: that rule
 * matches every case, plain or FMA sums alone do not) */
#define SQ_DOUBLE_FMA(q, d) fma((d), (d), (q))

#define DEFINE_BN(S_, T, FMA, SQACC, SQLAST, ATTR)                                                            \
    /* per-channel statistics of planes, channels [c0, c1); four channels at a time, each     \
     * its own sequential sum (interleaved only to overlap the additions' latency) */          \
    ATTR static void stats_planes_##S_(void *ctx, int64_t c0, int64_t c1)                      \
    {                                                                                          \
        bn_args *a = ctx;                                                                      \
        const T *x = a->x; /* (N, C, S) */                                                     \
        T *mean = a->mean, *vs = a->invstd;                                                    \
        int64_t C = a->C, Sz = a->S;                                                           \
        for (int64_t c = c0; c < c1; c += 4) {                                                 \
            int nc = c1 - c < 4 ? (int)(c1 - c) : 4;                                           \
            double s[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0};                                   \
            T m[4] = {0, 0, 0, 0};                                                             \
            for (int64_t n = 0; n < a->N; n++) {                                               \
                const T *p = x + (n * C + c) * Sz;                                             \
                if (nc == 4) {                                                                 \
                    for (int64_t i = 0; i < Sz; i++) {                                         \
                        s[0] += p[i];                                                          \
                        s[1] += p[Sz + i];                                                     \
                        s[2] += p[2 * Sz + i];                                                 \
                        s[3] += p[3 * Sz + i];                                                 \
                    }                                                                          \
                } else {                                                                       \
                    for (int j = 0; j < nc; j++)                                               \
                        for (int64_t i = 0; i < Sz; i++) s[j] += p[j * Sz + i];                \
                }                                                                              \
            }                                                                                  \
            for (int j = 0; j < nc; j++) m[j] = (T)(s[j] / (double)(a->N * Sz));               \
            for (int64_t n = 0; n < a->N; n++) {                                               \
                const T *p = x + (n * C + c) * Sz;                                             \
                int64_t even = Sz - Sz % 2;                                                    \
                if (nc == 4) {                                                                 \
                    for (int64_t i = 0; i < even; i++) {                                       \
                        T d0 = p[i] - m[0], d1 = p[Sz + i] - m[1];                             \
                        T d2 = p[2 * Sz + i] - m[2], d3 = p[3 * Sz + i] - m[3];                \
                        q[0] = SQACC(q[0], d0);                                                \
                        q[1] = SQACC(q[1], d1);                                                \
                        q[2] = SQACC(q[2], d2);                                                \
                        q[3] = SQACC(q[3], d3);                                                \
                    }                                                                          \
                } else {                                                                       \
                    for (int j = 0; j < nc; j++)                                               \
                        for (int64_t i = 0; i < even; i++) {                                   \
                            T d = p[j * Sz + i] - m[j];                                        \
                            q[j] = SQACC(q[j], d);                                             \
                        }                                                                      \
                }                                                                              \
                for (int j = 0; j < nc && even < Sz; j++) {                                    \
                    T d = p[j * Sz + even] - m[j];                                             \
                    q[j] = SQLAST(q[j], d);                                                    \
                }                                                                              \
            }                                                                                  \
            for (int j = 0; j < nc; j++) {                                                     \
                mean[c + j] = m[j];                                                            \
                vs[c + j] = (T)q[j]; /* the variance sum, until forward_run */                 \
            }                                                                                  \
        }                                                                                      \
    }                                                                                          \
                                                                                               \
    /* one chunk of rows [r0, r1) into its partial sums part (C), of x or of squares */        \
    ATTR static void rows_partial_##S_(const bn_args *a, T *part, int64_t r0, int64_t r1,      \
                                       const T *mean)                                          \
    {                                                                                          \
        const T *x = a->x; /* (R, C) */                                                        \
        int64_t C = a->C;                                                                      \
        for (int64_t r = r0; r < r1; r++) {                                                    \
            const T *xr = x + r * C;                                                           \
            if (!mean) {                                                                       \
                for (int64_t c = 0; c < C; c++) part[c] = xr[c] + part[c];                     \
            } else {                                                                           \
                for (int64_t c = 0; c < C; c++) {                                              \
                    T d = xr[c] - mean[c];                                                     \
                    part[c] = FMA(d, d, part[c]);                                              \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }                                                                                          \
                                                                                               \
    ATTR static void stats_rows_##S_(bn_args *a)                                               \
    {                                                                                          \
        const T *x = a->x; /* (R, C) */                                                        \
        int64_t C = a->C, R = a->N * a->S, P = a->threads;                                     \
        T *mean = a->mean, *vs = a->invstd;                                                    \
        if (R <= P) {                                                                          \
            for (int64_t c = 0; c < C; c++) {                                                  \
                double s = 0, q = 0;                                                           \
                for (int64_t r = 0; r < R; r++) s += x[r * C + c];                             \
                T m = (T)(s / (double)R);                                                      \
                for (int64_t r = 0; r < R; r++) {                                              \
                    T d = x[r * C + c] - m;                                                    \
                    q = SQLAST(q, d);                                                          \
                }                                                                              \
                mean[c] = m;                                                                   \
                vs[c] = (T)q;                                                                  \
            }                                                                                  \
            return;                                                                            \
        }                                                                                      \
        T *part = a->scratch; /* (P, C) */                                                     \
        int64_t chunk = (R + P - 1) / P;                                                       \
        for (int pass = 0; pass < 2; pass++) {                                                 \
            memset(part, 0, sizeof(T) * (size_t)(P * C));                                      \
            for (int64_t t = 0; t < P && t * chunk < R; t++) {                                 \
                int64_t r1 = (t + 1) * chunk < R ? (t + 1) * chunk : R;                        \
                rows_partial_##S_(a, part + t * C, t * chunk, r1, pass ? mean : NULL);         \
            }                                                                                  \
            for (int64_t c = 0; c < C; c++) {                                                  \
                double s = 0;                                                                  \
                for (int64_t t = 0; t < P; t++) s += part[t * C + c];                          \
                if (pass) vs[c] = (T)s;                                                        \
                else mean[c] = (T)(s / (double)R);                                             \
            }                                                                                  \
        }                                                                                      \
    }                                                                                          \
                                                                                               \
    /* y = x * alpha + beta over channels [c0, c1) of planes, alpha/beta in scratch (2, C) */  \
    ATTR static void apply_planes_##S_(void *ctx, int64_t i0, int64_t i1)                      \
    {                                                                                          \
        bn_args *a = ctx;                                                                      \
        const T *alpha = a->scratch, *beta = alpha + a->C;                                     \
        for (int64_t i = i0; i < i1; i++) { /* i = n * C + c */                                \
            const T *xp = (const T *)a->x + i * a->S;                                          \
            T *yp = (T *)a->y + i * a->S;                                                      \
            T al = alpha[i % a->C], be = beta[i % a->C];                                       \
            for (int64_t s = 0; s < a->S; s++) yp[s] = FMA(xp[s], al, be);                     \
        }                                                                                      \
    }                                                                                          \
                                                                                               \
    ATTR static void apply_rows_##S_(void *ctx, int64_t r0, int64_t r1)                        \
    {                                                                                          \
        bn_args *a = ctx;                                                                      \
        const T *alpha = a->scratch, *beta = alpha + a->C;                                     \
        int64_t C = a->C;                                                                      \
        for (int64_t r = r0; r < r1; r++) {                                                    \
            const T *xr = (const T *)a->x + r * C;                                             \
            T *yr = (T *)a->y + r * C;                                                         \
            for (int64_t c = 0; c < C; c++) yr[c] = FMA(xr[c], alpha[c], beta[c]);             \
        }                                                                                      \
    }                                                                                          \
                                                                                               \
    /* ATen's vec reduce of lanes acc[0..W): pairwise or in order */                           \
    ATTR static T lanes_total_##S_(T *acc, int W, bool tree)                                   \
    {                                                                                          \
        if (!tree) {                                                                           \
            T s = acc[0];                                                                      \
            for (int l = 1; l < W; l++) s = s + acc[l];                                        \
            return s;                                                                          \
        }                                                                                      \
        for (int h = W / 2; h >= 1; h /= 2)                                                    \
            for (int l = 0; l < h; l++) acc[l] = acc[l] + acc[l + h];                          \
        return acc[0];                                                                         \
    }                                                                                          \
                                                                                               \
    /* one plane's sum of dy and of (x - mean) * dy, in ATen's lane order */                   \
    ATTR static void plane_sums_##S_(const T *x, const T *dy, int64_t n, T mean, int W,        \
                                     bool tree, T *sum_out, T *dot_out)                        \
    {                                                                                          \
        T s[MAX_LANES], d[MAX_LANES];                                                          \
        if (n < W) {                                                                           \
            T ss = n ? dy[0] : 0, dd = n ? (x[0] - mean) * dy[0] : 0;                          \
            for (int64_t i = 1; i < n; i++) {                                                  \
                ss = ss + dy[i];                                                               \
                dd = dd + (x[i] - mean) * dy[i];                                               \
            }                                                                                  \
            *sum_out = ss;                                                                     \
            *dot_out = dd;                                                                     \
            return;                                                                            \
        }                                                                                      \
        for (int l = 0; l < W; l++) {                                                          \
            s[l] = dy[l];                                                                      \
            d[l] = (x[l] - mean) * dy[l];                                                      \
        }                                                                                      \
        int64_t i = W, full = n - n % W;                                                       \
        if (W == 8) {                                                                          \
            for (; i < full; i += 8)                                                           \
                for (int l = 0; l < 8; l++) {                                                  \
                    s[l] = s[l] + dy[i + l];                                                   \
                    d[l] = d[l] + (x[i + l] - mean) * dy[i + l];                              \
                }                                                                              \
        } else {                                                                               \
            for (; i < full; i += W)                                                           \
                for (int l = 0; l < W; l++) {                                                  \
                    s[l] = s[l] + dy[i + l];                                                   \
                    d[l] = d[l] + (x[i + l] - mean) * dy[i + l];                              \
                }                                                                              \
        }                                                                                      \
        for (int l = 0; i + l < n; l++) {                                                      \
            s[l] = s[l] + dy[i + l];                                                           \
            d[l] = FMA(x[i + l] - mean, dy[i + l], d[l]);                                      \
        }                                                                                      \
        *sum_out = lanes_total_##S_(s, W, tree);                                               \
        *dot_out = lanes_total_##S_(d, W, tree);                                               \
    }                                                                                          \
                                                                                               \
    ATTR static void backward_planes_##S_(void *ctx, int64_t c0, int64_t c1)                   \
    {                                                                                          \
        bn_args *a = ctx;                                                                      \
        int64_t C = a->C, Sz = a->S, R = a->N * a->S;                                          \
        const T *x = a->x, *g = a->g, *w = a->w; /* (N, C, S), (N, C, S), (C) */              \
        const T *mean = a->mean, *invstd = a->invstd;                                          \
        T *dx = a->dx, *dw = a->dw, *db = a->db;                                               \
        for (int64_t c = c0; c < c1; c++) {                                                    \
            T m = mean[c], is = invstd[c], wc = w ? w[c] : (T)1;                               \
            double sum = 0, dotp = 0;                                                          \
            for (int64_t n = 0; n < a->N; n++) {                                               \
                T ps, pd;                                                                      \
                int64_t off = (n * C + c) * Sz;                                                \
                plane_sums_##S_(x + off, g + off, Sz, m, a->lanes, a->simd_tree, &ps, &pd);    \
                sum += ps;                                                                     \
                dotp += pd;                                                                    \
            }                                                                                  \
            if (dx) {                                                                          \
                T k = (T)dotp * is * is / (T)R, gm = (T)(sum / (double)R);                     \
                for (int64_t n = 0; n < a->N; n++) {                                           \
                    int64_t off = (n * C + c) * Sz;                                            \
                    const T *xp = x + off, *gp = g + off;                                      \
                    T *dp = dx + off;                                                          \
                    if (a->train) {                                                            \
                        for (int64_t i = 0; i < Sz; i++)                                       \
                            dp[i] = FMA(-(xp[i] - m), k, gp[i] - gm) * is * wc;                \
                    } else {                                                                   \
                        for (int64_t i = 0; i < Sz; i++) dp[i] = gp[i] * is * wc;              \
                    }                                                                          \
                }                                                                              \
            }                                                                                  \
            if (dw) dw[c] = (T)(dotp * is);                                                    \
            if (db) db[c] = (T)sum;                                                            \
        }                                                                                      \
    }                                                                                          \
                                                                                               \
    ATTR static void backward_rows_sums_##S_(bn_args *a, T *sum, T *dotp)                      \
    {                                                                                          \
        int64_t C = a->C, R = a->N * a->S, P = a->threads;                                     \
        const T *x = a->x, *g = a->g, *mean = a->mean; /* (R, C), (R, C), (C) */              \
        T *ps = a->scratch, *pd = ps + P * C;           /* (P, C) each */                      \
        memset(ps, 0, sizeof(T) * (size_t)(2 * P * C));                                        \
        int64_t chunk = (R + P - 1) / P;                                                       \
        for (int64_t t = 0; t < P && t * chunk < R; t++) {                                     \
            int64_t r1 = (t + 1) * chunk < R ? (t + 1) * chunk : R;                            \
            T *s = ps + t * C, *d = pd + t * C;                                                \
            for (int64_t r = t * chunk; r < r1; r++) {                                         \
                const T *xr = x + r * C, *gr = g + r * C;                                      \
                for (int64_t c = 0; c < C; c++) {                                              \
                    s[c] = s[c] + gr[c];                                                       \
                    d[c] = FMA(xr[c] - mean[c], gr[c], d[c]);                                  \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
        for (int64_t c = 0; c < C; c++) {                                                      \
            double s = 0, d = 0;                                                               \
            for (int64_t t = 0; t < P; t++) s += ps[t * C + c];                                \
            for (int64_t t = 0; t < P; t++) d += pd[t * C + c];                                \
            sum[c] = (T)s;                                                                     \
            dotp[c] = (T)d;                                                                    \
        }                                                                                      \
    }                                                                                          \
                                                                                               \
    /* dx over rows [r0, r1); scratch holds, after the sums: k (C), grad_mean (C), iw (C) */   \
    ATTR static void backward_rows_dx_##S_(void *ctx, int64_t r0, int64_t r1)                  \
    {                                                                                          \
        bn_args *a = ctx;                                                                      \
        int64_t C = a->C;                                                                      \
        const T *x = a->x, *g = a->g, *mean = a->mean, *invstd = a->invstd, *w = a->w;        \
        const T *k = (const T *)a->scratch, *gm = k + C;                                       \
        T *dx = a->dx;                                                                         \
        for (int64_t r = r0; r < r1; r++) {                                                    \
            const T *xr = x + r * C, *gr = g + r * C;                                          \
            T *dr = dx + r * C;                                                                \
            if (a->train) {                                                                    \
                int64_t full = C - C % a->lanes, c = 0;                                        \
                for (; c < full; c++)                                                          \
                    dr[c] = FMA(-(xr[c] - mean[c]), k[c], gr[c] - gm[c]) * invstd[c] *         \
                            (w ? w[c] : (T)1);                                                 \
                for (; c < C; c++) /* the partial vector: no FMA there */                      \
                    dr[c] = ((gr[c] - gm[c]) - (xr[c] - mean[c]) * k[c]) * invstd[c] *         \
                            (w ? w[c] : (T)1);                                                 \
            } else {                                                                           \
                for (int64_t c = 0; c < C; c++) dr[c] = gr[c] * invstd[c] * (w ? w[c] : (T)1); \
            }                                                                                  \
        }                                                                                      \
    }

#if defined(__x86_64__) && defined(__GNUC__)
#define FMA_ATTR __attribute__((target("avx2,fma")))
DEFINE_BN(f32_fma, float, fmaf, SQ_FLOAT, SQ_FLOAT, FMA_ATTR)
DEFINE_BN(f64_fma, double, fma, SQ_DOUBLE, SQ_DOUBLE_FMA, FMA_ATTR)
#define HAVE_FMA_KERNELS 1
#endif
DEFINE_BN(f32, float, NOFMA, SQ_FLOAT, SQ_FLOAT, )
DEFINE_BN(f64, double, NOFMA, SQ_DOUBLE, SQ_DOUBLE, )

/* The kernel set for one dtype and capability. */
typedef struct bn_kernels {
    pl_parallel_fn stats_planes, apply_planes, apply_rows, backward_planes, backward_rows_dx;
    void (*stats_rows)(bn_args *);
    void (*backward_rows_sums)(bn_args *, void *, void *);
} bn_kernels;

#define KERNELS(S_)                                                                           \
    {stats_planes_##S_, apply_planes_##S_, apply_rows_##S_, backward_planes_##S_,             \
     backward_rows_dx_##S_, stats_rows_##S_,                                                  \
     (void (*)(bn_args *, void *, void *))backward_rows_sums_##S_}

static const bn_kernels kernels_plain[2] = {KERNELS(f32), KERNELS(f64)};
#ifdef HAVE_FMA_KERNELS
static const bn_kernels kernels_fma[2] = {KERNELS(f32_fma), KERNELS(f64_fma)};
#endif

static const bn_kernels *
pick(pl_dtype dt, bn_args *a)
{
    /* ATen registers its batch_norm kernels with plain REGISTER_DISPATCH, which leaves the
     * AVX-512 slot empty: an AVX-512 machine runs the AVX2 kernel (8 floats, 4 doubles) */
    int cap = pl_aten_capability() == PL_ATEN_AVX512 ? PL_ATEN_AVX2 : pl_aten_capability();
    int f64 = dt == PL_FLOAT64;
    a->lanes = 32 / (f64 ? 8 : 4);
    a->simd_tree = !f64 && cap != PL_ATEN_DEFAULT;
    a->threads = pl_parallel_get_num_threads();
#ifdef HAVE_FMA_KERNELS
    if (cap != PL_ATEN_DEFAULT) return &kernels_fma[f64];
#endif
    return &kernels_plain[f64];
}

/* ---- layouts ---- */

/* Whether x (4-D or 5-D) is channels-last contiguous by PyTorch's rule: dims C, W, H, (D), N
 * in that order have row-major strides, size-1 dims ignored. */
static bool
is_channels_last(const pl_tensor *x)
{
    if (x->ndim != 4 && x->ndim != 5) return false;
    int order[5] = {1};
    int k = 1;
    for (int d = x->ndim - 1; d >= 2; d--) order[k++] = d;
    order[k++] = 0;
    int64_t expected = 1;
    for (int i = 0; i < k; i++) {
        int d = order[i];
        if (x->shape[d] == 1) continue;
        if (x->strides[d] != expected) return false;
        expected *= x->shape[d];
    }
    return true;
}

/* t's elements in the chosen layout: t itself (retained) when it is already laid out so, else
 * a copy (rows: a channels-last copy). New reference or NULL. Grad mode is off. */
static pl_tensor *
in_layout(pl_tensor *t, bool rows)
{
    if (!rows || t->ndim <= 2 || pl_shape_numel(t->ndim - 2, t->shape + 2) == 1)
        return pl_contiguous(t);
    if (is_channels_last(t) && !pl_tensor_is_contiguous(t)) return pl_tensor_retain(t);
    int64_t perm[PL_MAX_DIMS];
    int k = 0;
    perm[k++] = 0;
    for (int d = 2; d < t->ndim; d++) perm[k++] = d;
    perm[k++] = 1;
    pl_tensor *p = pl_permute(t, t->ndim, perm);
    pl_tensor *c = p ? pl_contiguous(p) : NULL; /* (N, S..., C) row-major */
    pl_tensor_release(p);
    return c;
}

/* An uninitialised tensor of x's shape laid out as the kernels write it (rows: channels-last
 * strides when S > 1). New reference or NULL. */
static pl_tensor *
empty_in_layout(const pl_tensor *x, bool rows)
{
    pl_tensor *e = pl_tensor_empty(x->ndim, x->shape, x->dtype);
    if (!e || !rows || x->ndim <= 2 || pl_shape_numel(x->ndim - 2, x->shape + 2) == 1) return e;
    int64_t strides[PL_MAX_DIMS], s = 1;
    strides[1] = s;
    s *= x->shape[1];
    for (int d = x->ndim - 1; d >= 2; d--) {
        strides[d] = s;
        s *= x->shape[d];
    }
    strides[0] = s;
    pl_tensor *v = pl_tensor_view_of(e->storage, x->dtype, x->ndim, x->shape, strides, 0);
    pl_tensor_release(e);
    return v;
}

/* The layout the kernels run x in: rows for channels-last input or S == 1. */
static bool
use_rows(const pl_tensor *x)
{
    int64_t S = x->ndim > 2 ? pl_shape_numel(x->ndim - 2, x->shape + 2) : 1;
    if (S == 1) return true;
    return !pl_tensor_is_contiguous(x) && is_channels_last(x);
}

/* ---- forward ---- */

/* The grain for splitting n work items covering `elements` tensor elements among threads: at
 * least 32768 elements a chunk (ATen's grain; smaller jobs run on the calling thread). The
 * results do not depend on it. */
static int64_t
grain(int64_t n, int64_t elements)
{
    if (elements <= 0 || n <= 0) return 1;
    int64_t per = elements / n; /* elements per item, at least 1 */
    if (per < 1) per = 1;
    return 32768 / per + 1;
}

#define P(t, T) ((t) ? (T *)pl_tensor_data(t) : NULL)

/* Fills stats (2, C) with mean and the backward's invstd, updates rm/rv (training), writes
 * y. All contiguous (x, y in the chosen layout); scratch holds max(2, 2 * P) * C elements. */
static void
forward_run(bn_args *a, const bn_kernels *k, pl_dtype dt)
{
    int64_t C = a->C, R = a->N * a->S;
    bool f64 = dt == PL_FLOAT64;
    if (a->train) {
        if (a->rows) k->stats_rows(a);
        else pl_parallel_for(C, k->stats_planes, a, grain(C, R * C));
    }
    /* per channel: finish the statistics, then alpha and beta into scratch (2, C) */
    for (int64_t c = 0; c < C; c++) {
        if (f64) {
            double *mean = a->mean, *is = a->invstd, *al = a->scratch, *be = al + C;
            const double *w = a->w, *b = a->b;
            double *rm = a->rm, *rv = a->rv;
            double m, inv;
            if (a->train) {
                double vs = is[c], var = vs / (double)R;
                m = mean[c];
                inv = (var != 0 || a->eps != 0) ? 1 / sqrt(var + a->eps) : 0;
                is[c] = inv;
                double mo = a->momentum;
                if (rm) rm[c] = mo * m + (1 - mo) * rm[c];
                if (rv) rv[c] = mo * (vs / (double)(R - 1)) + (1 - mo) * rv[c];
            } else {
                m = rm[c];
                inv = 1 / sqrt(rv[c] + a->eps);
                mean[c] = m;
                is[c] = 1 / sqrt(rv[c] + a->eps);
            }
            double wc = w ? w[c] : 1, bc = b ? b[c] : 0;
            al[c] = inv * wc;
            be[c] = pl_aten_capability() != PL_ATEN_DEFAULT ? fma(-m, al[c], bc) : bc - m * al[c];
        } else {
            float *mean = a->mean, *is = a->invstd, *al = a->scratch, *be = al + C;
            const float *w = a->w, *b = a->b;
            float *rm = a->rm, *rv = a->rv;
            float m, inv;
            if (a->train) {
                float vs = is[c], var = vs / (float)R;
                m = mean[c];
                inv = (var != 0 || a->eps != 0) ? (float)(1 / sqrt((double)var + a->eps)) : 0;
                is[c] = inv;
                float mo = (float)a->momentum;
                if (rm) rm[c] = mo * m + (1 - mo) * rm[c];
                if (rv) {
                    double uv = (double)(vs / (float)(R - 1));
                    rv[c] = (float)((double)mo * uv + (double)((1 - mo) * rv[c]));
                }
            } else {
                m = rm[c];
                inv = 1 / sqrtf(rv[c] + (float)a->eps);
                mean[c] = m;
                is[c] = (float)(1 / sqrt((double)rv[c] + a->eps));
            }
            float wc = w ? w[c] : 1, bc = b ? b[c] : 0;
            al[c] = inv * wc;
            be[c] = pl_aten_capability() != PL_ATEN_DEFAULT ? fmaf(-m, al[c], bc) : bc - m * al[c];
        }
    }
    if (a->rows) pl_parallel_for(R, k->apply_rows, a, grain(R, R * C));
    else pl_parallel_for(a->N * C, k->apply_planes, a, grain(a->N * C, R * C));
}

/* ---- backward ---- */

/* Whether t is laid out as ATen's batch-norm kernels take it: 0 contiguous, 1 channels-last,
 * -1 neither (ATen's suggest_memory_format, for the cases the kernels tell apart). */
static int
layout_of(const pl_tensor *t)
{
    if (pl_tensor_is_contiguous(t)) return 0;
    return is_channels_last(t) ? 1 : -1;
}

static pl_status
bn_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *x = pl_node_saved(node, 0), *stats = pl_node_saved(node, 2);
    pl_tensor *w = pl_node_has_saved(node, 1) ? pl_node_saved(node, 1) : NULL;
    if (!x || !stats || (pl_node_has_saved(node, 1) && !w)) return pl_error_status();
    if (pl_grad_enabled()) return pl_bn_backward_recorded(node, x, w, stats, g, din);
    /* ATen also takes the generic path for a contiguous gradient of channels-last input (and
     * the reverse); not here, since the engine hands a root gradient over contiguous where
     * torch's keeps the layout it was given */
    if (layout_of(x) < 0 || layout_of(g) < 0) {
        pl_status st = pl_bn_backward_generic(node, x, w, stats, g, din);
        if (st != PL_OK || !din[0] || layout_of(x) != 1) return st;
        /* ATen gives channels-last input a channels-last dx */
        pl_tensor *cl = empty_in_layout(x, true);
        if (!cl || pl_copy_raw(cl, din[0]) != PL_OK) {
            pl_tensor_release(cl);
            return pl_error_status();
        }
        pl_tensor_release(din[0]);
        din[0] = cl;
        return PL_OK;
    }
    bool rows = use_rows(x);
    int64_t C = x->shape[1];
    pl_tensor *xl = in_layout(x, rows), *gl = xl ? in_layout(g, rows) : NULL; /* new refs */
    pl_tensor *dx = NULL, *dw = NULL, *db = NULL, *scratch = NULL;
    bn_args a = {.N = x->shape[0], .C = C, .rows = rows, .train = node->ints[0] != 0};
    a.S = C && a.N ? x->numel / a.N / C : 0;
    const bn_kernels *k = pick(x->dtype, &a);
    int64_t sshape[1] = {3 * (int64_t)a.threads * C + 3 * C};
    if (!gl || (node->next[0].fn && !(dx = empty_in_layout(x, rows))) ||
        (w && node->next[1].fn && !(dw = pl_tensor_empty(1, &C, x->dtype))) ||
        (node->next[2].fn && !(db = pl_tensor_empty(1, &C, x->dtype))) ||
        !(scratch = pl_tensor_empty(1, sshape, x->dtype))) {
        goto fail;
    }
    a.x = pl_tensor_data(xl);
    a.g = pl_tensor_data(gl);
    a.w = w ? pl_tensor_data(w) : NULL;
    a.mean = pl_tensor_data(stats);
    a.invstd = (char *)a.mean + C * pl_dtype_size(x->dtype);
    a.dx = dx ? pl_tensor_data(dx) : NULL;
    a.dw = dw ? pl_tensor_data(dw) : NULL;
    a.db = db ? pl_tensor_data(db) : NULL;
    a.scratch = pl_tensor_data(scratch);
    if (!rows) {
        pl_parallel_for(C, k->backward_planes, &a, grain(C, x->numel));
    } else {
        /* scratch: partials (2, P, C), then k, grad_mean (C each), then sum, dotp (C each) */
        size_t es = pl_dtype_size(x->dtype);
        char *base = pl_tensor_data(scratch);
        char *sum = base + (2 * (int64_t)a.threads * C + 2 * C) * es, *dotp = sum + C * es;
        k->backward_rows_sums(&a, sum, dotp);
        int64_t R = a.N * a.S;
        for (int64_t c = 0; c < C; c++) {
            if (x->dtype == PL_FLOAT64) {
                const double *s = (double *)sum, *d = (double *)dotp, *is = a.invstd;
                double *kk = (double *)base, *gm = kk + C;
                kk[c] = d[c] * is[c] * is[c] / (double)R;
                gm[c] = s[c] / (double)R;
                if (dw) ((double *)a.dw)[c] = d[c] * is[c];
                if (db) ((double *)a.db)[c] = s[c];
            } else {
                const float *s = (float *)sum, *d = (float *)dotp, *is = a.invstd;
                float *kk = (float *)base, *gm = kk + C;
                kk[c] = d[c] * is[c] * is[c] / (float)R;
                gm[c] = s[c] / (float)R;
                if (dw) ((float *)a.dw)[c] = d[c] * is[c];
                if (db) ((float *)a.db)[c] = s[c];
            }
        }
        if (dx) pl_parallel_for(R, k->backward_rows_dx, &a, grain(R, x->numel));
    }
    pl_tensor_release(xl);
    pl_tensor_release(gl);
    pl_tensor_release(scratch);
    din[0] = dx;
    din[1] = dw;
    din[2] = db;
    return PL_OK;
fail:
    pl_tensor_release(xl);
    pl_tensor_release(gl);
    pl_tensor_release(dx);
    pl_tensor_release(dw);
    pl_tensor_release(db);
    pl_tensor_release(scratch);
    return pl_error_status();
}

static const pl_node_kind bn_kind = {.name = "NativeBatchNormBackward0",
                                     .backward = bn_backward, .flags = PL_KIND_DIFFERENTIABLE};

/* ---- the op ---- */

static pl_status
check_count(const char *name, const pl_tensor *t, int64_t C)
{
    if (t && t->numel != C)
        return pl_error_set(PL_ERR_RUNTIME, "%s should contain %lld elements not %lld", name,
                            (long long)C, (long long)t->numel);
    return PL_OK;
}

pl_tensor *
pl_batch_norm(pl_tensor *x, pl_tensor *w, pl_tensor *b, pl_tensor *rm, pl_tensor *rv,
              bool training, double momentum, double eps)
{
    if (x->ndim < 2) {
        pl_error_set(PL_ERR_VALUE, "Expected 2D or higher input (got %dD input)", x->ndim);
        return NULL;
    }
    int64_t C = x->shape[1];
    if (check_count("running_mean", rm, C) != PL_OK) return NULL;
    if (!rm && !training) {
        pl_error_set(PL_ERR_RUNTIME, "running_mean must be defined in evaluation mode");
        return NULL;
    }
    if (check_count("running_var", rv, C) != PL_OK) return NULL;
    if (!rv && !training) {
        pl_error_set(PL_ERR_RUNTIME, "running_var must be defined in evaluation mode");
        return NULL;
    }
    if (check_count("weight", w, C) != PL_OK || check_count("bias", b, C) != PL_OK) return NULL;
    pl_tensor *const params[4] = {w, b, rm, rv};
    bool ok = x->dtype == PL_FLOAT32 || x->dtype == PL_FLOAT64;
    for (int i = 0; i < 4; i++)
        ok = ok && (!params[i] || (params[i]->dtype == x->dtype && params[i]->ndim == 1));
    if (!ok || x->numel == 0) {
        pl_error_set(PL_ERR_RUNTIME, "batch_norm: expected float32 or float64 input with weight, "
                                     "bias and running statistics of its dtype");
        return NULL;
    }
    int64_t R = x->numel / C;
    if (training && R <= 1) {
        pl_error_set(PL_ERR_VALUE, "Expected more than 1 value per channel when training");
        return NULL;
    }
    bool rows = use_rows(x);
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    /* new references, no history */
    pl_tensor *xl = in_layout(x, rows), *wc = w ? pl_contiguous(w) : NULL;
    pl_tensor *bc = b ? pl_contiguous(b) : NULL;
    pl_tensor *rmc = rm && !training ? pl_contiguous(rm) : NULL;
    pl_tensor *rvc = rv && !training ? pl_contiguous(rv) : NULL;
    pl_set_grad_enabled(was);
    bn_args a = {.N = x->shape[0], .C = C, .rows = rows, .train = training,
                 .momentum = momentum, .eps = eps};
    a.S = R / a.N;
    const bn_kernels *k = pick(x->dtype, &a);
    int64_t sshape[2] = {2, C}, scount[1] = {2 * C * ((int64_t)a.threads + 1)};
    pl_tensor *out = NULL, *stats = NULL, *scratch = NULL, *rmw = NULL, *rvw = NULL;
    if (!xl || (w && !wc) || (b && !bc) || (rm && !training && !rmc) ||
        (rv && !training && !rvc) || !(out = empty_in_layout(x, rows)) ||
        !(stats = pl_tensor_empty(2, sshape, x->dtype)) ||
        !(scratch = pl_tensor_empty(1, scount, x->dtype))) {
        goto fail;
    }
    if (training) { /* the running statistics are updated in place: contiguous work copies */
        if ((rm && !(rmw = pl_contiguous(rm))) || (rv && !(rvw = pl_contiguous(rv)))) goto fail;
    }
    a.x = pl_tensor_data(xl);
    a.y = pl_tensor_data(out);
    a.w = wc ? pl_tensor_data(wc) : NULL;
    a.b = bc ? pl_tensor_data(bc) : NULL;
    a.mean = pl_tensor_data(stats);
    a.invstd = (char *)a.mean + C * pl_dtype_size(x->dtype);
    a.rm = training ? (rmw ? pl_tensor_data(rmw) : NULL) : pl_tensor_data(rmc);
    a.rv = training ? (rvw ? pl_tensor_data(rvw) : NULL) : pl_tensor_data(rvc);
    a.scratch = pl_tensor_data(scratch);
    forward_run(&a, k, x->dtype);
    if ((rmw && rmw != rm && pl_copy_raw(rm, rmw) != PL_OK) ||
        (rvw && rvw != rv && pl_copy_raw(rv, rvw) != PL_OK)) {
        goto fail;
    }
    pl_tensor *ins[3] = {x, w, b};
    if (pl_needs_grad(ins, 3)) {
        pl_tensor *save[3] = {x, wc, stats}; /* wc: NULL without a weight */
        pl_node *node;
        if (!(out = pl_record(out, &bn_kind, ins, 3, save, 3, &node))) goto fail;
        node->ints[0] = training;
        node->scalars[0] = eps;
    }
    pl_tensor_release(xl);
    pl_tensor_release(wc);
    pl_tensor_release(bc);
    pl_tensor_release(rmc);
    pl_tensor_release(rvc);
    pl_tensor_release(rmw);
    pl_tensor_release(rvw);
    pl_tensor_release(stats);
    pl_tensor_release(scratch);
    return out;
fail:
    pl_tensor_release(xl);
    pl_tensor_release(wc);
    pl_tensor_release(bc);
    pl_tensor_release(rmc);
    pl_tensor_release(rvc);
    pl_tensor_release(rmw);
    pl_tensor_release(rvw);
    pl_tensor_release(out);
    pl_tensor_release(stats);
    pl_tensor_release(scratch);
    return NULL;
}
