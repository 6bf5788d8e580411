/* pool.c — 2-D pooling over (N, C, H, W): max (with argmax indices), average and adaptive
 * average; output-size rules, PyTorch's checks and messages, forward and backward kernels
 * and their nodes. Every (n, c) plane is pooled on its own; the input is made contiguous. */
#include <math.h>
#include <string.h>

#include "../autograd.h"
#include "../conv.h"
#include "../ops.h"
#include "../parallel.h"
#include "conv_internal.h"
#include "internal.h"

/* Planes, height and width of a 3-D (C, H, W) or 4-D (N, C, H, W) tensor. */
static void
planes(const pl_tensor *t, int64_t *P, int64_t *H, int64_t *W)
{
    *H = t->shape[t->ndim - 2];
    *W = t->shape[t->ndim - 1];
    *P = t->ndim == 4 ? t->shape[0] * t->shape[1] : t->shape[0];
}

/* x's shape with its last two dims replaced by (oh, ow). */
static void
out_shape(const pl_tensor *x, int64_t oh, int64_t ow, int64_t *shape)
{
    memcpy(shape, x->shape, sizeof(int64_t) * x->ndim);
    shape[x->ndim - 2] = oh;
    shape[x->ndim - 1] = ow;
}

/* PyTorch's pooling_output_shape for one dim. */
static int64_t
pool_out_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil_mode)
{
    int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
    int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
    if (ceil_mode && (out - 1) * stride >= in + pad) out--;
    return out;
}

static pl_status
pool_check(const pl_tensor *x, const int64_t *k, const int64_t *s, const int64_t *p,
           const int64_t *d, bool ceil_mode, int64_t *oh, int64_t *ow)
{
    bool empty_plane = x->ndim >= 3 && (x->shape[x->ndim - 1] == 0 || x->shape[x->ndim - 2] == 0 ||
                                        x->shape[x->ndim - 3] == 0);
    if (x->ndim != 3 && x->ndim != 4)
        return pl_error_set(PL_ERR_RUNTIME, "non-empty 3D or 4D (batch mode) tensor expected for input");
    if (empty_plane) {
        char xs[96];
        pl_format_shape(xs, sizeof xs, x->ndim, x->shape);
        return pl_error_set(PL_ERR_RUNTIME,
                            "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size "
                            "for input, but got:%s", xs);
    }
    if (s[0] <= 0 || s[1] <= 0) return pl_error_set(PL_ERR_RUNTIME, "stride should not be zero");
    if (k[0] <= 0 || k[1] <= 0)
        return pl_error_set(PL_ERR_RUNTIME, "kernel size should be greater than zero, but got kH: %lld kW: %lld",
                            (long long)k[0], (long long)k[1]);
    if (d[0] <= 0 || d[1] <= 0)
        return pl_error_set(PL_ERR_RUNTIME, "dilation should be greater than zero, but got dilationH: %lld dilationW: %lld",
                            (long long)d[0], (long long)d[1]);
    for (int i = 0; i < 2; i++) {
        if (p[i] < 0)
            return pl_error_set(PL_ERR_RUNTIME, "pad must be non-negative, but got pad: %lld",
                                (long long)p[i]);
        if (p[i] > (d[i] * (k[i] - 1) + 1) / 2)
            return pl_error_set(PL_ERR_RUNTIME,
                                "pad should be at most half of effective kernel size, but got "
                                "pad=%lld, kernel_size=%lld and dilation=%lld",
                                (long long)p[i], (long long)k[i], (long long)d[i]);
    }
    int64_t P, H, W;
    planes(x, &P, &H, &W);
    int64_t C = x->shape[x->ndim - 3];
    *oh = pool_out_size(H, k[0], p[0], s[0], d[0], ceil_mode);
    *ow = pool_out_size(W, k[1], p[1], s[1], d[1], ceil_mode);
    if (*oh < 1 || *ow < 1)
        return pl_error_set(PL_ERR_RUNTIME,
                            "Given input size: (%lldx%lldx%lld). Calculated output size: "
                            "(%lldx%lldx%lld). Output size is too small",
                            (long long)C, (long long)H, (long long)W,
                            (long long)C, (long long)*oh, (long long)*ow);
    return PL_OK;
}

/* ---- max pooling ---- */

#define DEFINE_MAX_POOL(T, SUF)                                                                 \
    /* y, idx (P, OH, OW) from x (P, H, W) */                                                  \
    static void max_pool_##SUF(const T *x, T *y, int64_t *idx, int64_t P, int64_t H, int64_t W, \
                               int64_t OH, int64_t OW, const int64_t *k, const int64_t *s,     \
                               const int64_t *p, const int64_t *d)                             \
    {                                                                                          \
        for (int64_t pl = 0; pl < P; pl++)                                                     \
            for (int64_t oy = 0; oy < OH; oy++)                                                \
                for (int64_t ox = 0; ox < OW; ox++) {                                          \
                    int64_t best = -1;                                                         \
                    T m = (T)-INFINITY;                                                          \
                    for (int64_t i = 0; i < k[0]; i++) {                                       \
                        int64_t yy = oy * s[0] - p[0] + i * d[0];                              \
                        if (yy < 0 || yy >= H) continue;                                       \
                        for (int64_t j = 0; j < k[1]; j++) {                                   \
                            int64_t xx = ox * s[1] - p[1] + j * d[1];                          \
                            if (xx < 0 || xx >= W) continue;                                   \
                            T v = x[(pl * H + yy) * W + xx];                                   \
                            /* first max on ties; a NaN wins, as PyTorch */                    \
                            if (best < 0 || v > m || isnan(v)) {                               \
                                m = v;                                                         \
                                best = yy * W + xx;                                            \
                            }                                                                  \
                        }                                                                      \
                    }                                                                          \
                    int64_t o = (pl * OH + oy) * OW + ox;                                      \
                    y[o] = m;                                                                  \
                    idx[o] = best < 0 ? 0 : best;                                              \
                }                                                                              \
    }                                                                                          \
    /* dx (P, H, W) += dy (P, OH, OW) routed to the argmax */                                  \
    static void max_pool_bwd_##SUF(const T *dy, const int64_t *idx, T *dx, int64_t P,           \
                                   int64_t HW, int64_t OHW)                                    \
    {                                                                                          \
        for (int64_t pl = 0; pl < P; pl++)                                                     \
            for (int64_t o = 0; o < OHW; o++) dx[pl * HW + idx[pl * OHW + o]] += dy[pl * OHW + o]; \
    }

DEFINE_MAX_POOL(float, f32)
DEFINE_MAX_POOL(double, f64)

typedef struct max_pool_bwd_job {
    const void *dy;     /* (P, OH, OW) */
    const int64_t *idx; /* (P, OH, OW) */
    void *dx;           /* (P, H, W), accumulated */
    int64_t HW, OHW;
    bool f32;           /* else float64 */
} max_pool_bwd_job;

/* planes [p0, p1) of max_pool_bwd_* */
static void
max_pool_bwd_chunk(void *ctx, int64_t p0, int64_t p1)
{
    const max_pool_bwd_job *b = ctx;
    if (b->f32)
        max_pool_bwd_f32((const float *)b->dy + p0 * b->OHW, b->idx + p0 * b->OHW,
                         (float *)b->dx + p0 * b->HW, p1 - p0, b->HW, b->OHW);
    else
        max_pool_bwd_f64((const double *)b->dy + p0 * b->OHW, b->idx + p0 * b->OHW,
                         (double *)b->dx + p0 * b->HW, p1 - p0, b->HW, b->OHW);
}

/* The fast max pooling: the same scan order and comparisons as max_pool_* (so the same
 * results, bit for bit, NaN and ties included), the window clipped to the input once per
 * output instead of tested per tap, and the planes split over the thread pool. */
typedef struct max_pool_job {
    const void *x;  /* (P, H, W) */
    void *y;        /* (P, OH, OW) */
    int64_t *idx;   /* (P, OH, OW) */
    int64_t H, W, OH, OW;
    const int64_t *k, *s, *p, *d;
    bool simd;      /* float32 rows through pl_max_pool_row_f32 */
} max_pool_job;

/* taps t in [*lo, *hi) of a window starting at `start` (step `dil`, k taps) inside [0, n) */
static inline void
clip_taps(int64_t start, int64_t dil, int64_t k, int64_t n, int64_t *lo, int64_t *hi)
{
    *lo = start >= 0 ? 0 : (-start + dil - 1) / dil;
    *hi = start > n - 1 ? 0 : (n - 1 - start) / dil + 1;
    if (*hi > k) *hi = k;
    if (*lo > *hi) *lo = *hi;
}

/* LOWEST: the value of a window without taps (never met with PyTorch's output sizes) */
#define DEFINE_MAX_POOL_FAST(T, SUF, LOWEST, SIMD)                                                  \
    /* output (oy, ox) of plane x (H, W), its rows [ilo, ihi) of the window inside the input */ \
    static inline void max_pool_one_##SUF(const max_pool_job *jb, const T *x, int64_t oy,      \
                                          int64_t ox, int64_t ilo, int64_t ihi, T *y,          \
                                          int64_t *idx)                                        \
    {                                                                                          \
        const int64_t W = jb->W, *k = jb->k, *s = jb->s, *p = jb->p, *d = jb->d;               \
        int64_t y0 = oy * s[0] - p[0], x0 = ox * s[1] - p[1], jlo = 0, jhi = k[1], best = -1;  \
        if (x0 < 0 || x0 + (k[1] - 1) * d[1] >= W) /* at an edge */                            \
            clip_taps(x0, d[1], k[1], W, &jlo, &jhi);                                          \
        T m = LOWEST;                                                                          \
        if (ilo < ihi && jlo < jhi) { /* the first tap is taken as it is */                    \
            best = (y0 + ilo * d[0]) * W + x0 + jlo * d[1];                                    \
            m = x[best];                                                                       \
        }                                                                                      \
        for (int64_t i = ilo; i < ihi; i++) {                                                  \
            int64_t yy = y0 + i * d[0];                                                        \
            const T *xr = x + yy * W;                                                          \
            for (int64_t j = jlo; j < jhi; j++) {                                              \
                int64_t xx = x0 + j * d[1];                                                    \
                T v = xr[xx];                                                                  \
                bool take = (v > m) | (v != v); /* a NaN wins, as PyTorch */                   \
                m = take ? v : m;                                                              \
                best = take ? yy * W + xx : best;                                              \
            }                                                                                  \
        }                                                                                      \
        y[ox] = m;                                                                             \
        idx[ox] = best < 0 ? 0 : best;                                                         \
    }                                                                                          \
    /* Each output row: the outputs whose windows lie inside the input's width, [xa, xb), tap \
     * by tap over the whole row (branch-free selects, each output seeing its taps in the     \
     * reference's order), the few at the edges one by one. */                                \
    static void max_pool_fast_##SUF(void *ctx, int64_t begin, int64_t end)                     \
    {                                                                                          \
        const max_pool_job *jb = ctx;                                                          \
        const int64_t H = jb->H, W = jb->W, OH = jb->OH, OW = jb->OW;                          \
        const int64_t *k = jb->k, *s = jb->s, *p = jb->p, *d = jb->d;                          \
        const int64_t reach = (k[1] - 1) * d[1];                                               \
        int64_t xa = (p[1] + s[1] - 1) / s[1], xb = 0; /* x0 >= 0 and x0 + reach < W */        \
        if (W - 1 - reach + p[1] >= 0) xb = (W - 1 - reach + p[1]) / s[1] + 1;                 \
        if (xb > OW) xb = OW;                                                                  \
        if (xa > xb) xa = xb;                                                                  \
        for (int64_t pl = begin; pl < end; pl++) {                                             \
            const T *x = (const T *)jb->x + pl * H * W; /* (H, W) */                           \
            for (int64_t oy = 0; oy < OH; oy++) {                                              \
                T *y = (T *)jb->y + (pl * OH + oy) * OW;      /* (OW) */                       \
                int64_t *idx = jb->idx + (pl * OH + oy) * OW; /* (OW) */                       \
                int64_t y0 = oy * s[0] - p[0], ilo, ihi;                                       \
                clip_taps(y0, d[0], k[0], H, &ilo, &ihi);                                      \
                for (int64_t ox = 0; ox < xa; ox++) /* the left edge */                        \
                    max_pool_one_##SUF(jb, x, oy, ox, ilo, ihi, y, idx);                       \
                for (int64_t ox = xb; ox < OW; ox++) /* the right edge */                      \
                    max_pool_one_##SUF(jb, x, oy, ox, ilo, ihi, y, idx);                       \
                if (ilo >= ihi) { /* no rows: as the one-by-one loop */                        \
                    for (int64_t ox = xa; ox < xb; ox++)                                       \
                        max_pool_one_##SUF(jb, x, oy, ox, ilo, ihi, y, idx);                   \
                    continue;                                                                  \
                }                                                                              \
                if (SIMD) { /* float32 on AVX-512: the same, sixteen outputs at a time */      \
                    pl_max_pool_row_f32((const float *)(const void *)x, W, y0 + ilo * d[0],    \
                                        d[0], ihi - ilo, k[1], s[1], d[1], -p[1], xa, xb,      \
                                        (float *)(void *)y, idx);                              \
                    continue;                                                                  \
                }                                                                              \
                const int64_t sx = s[1], dx = d[1], x0 = -p[1];                                \
                for (int64_t i = ilo; i < ihi; i++) {                                          \
                    const int64_t yy = y0 + i * d[0];                                          \
                    const T *xr = x + yy * W;                                                  \
                    for (int64_t j = 0; j < k[1]; j++) {                                       \
                        const int64_t off = x0 + j * dx;                                       \
                        if (i == ilo && j == 0) {                                              \
                            for (int64_t ox = xa; ox < xb; ox++) {                             \
                                y[ox] = xr[ox * sx + off];                                     \
                                idx[ox] = yy * W + ox * sx + off;                              \
                            }                                                                  \
                            continue;                                                          \
                        }                                                                      \
                        for (int64_t ox = xa; ox < xb; ox++) {                                 \
                            T v = xr[ox * sx + off], m = y[ox];                                \
                            bool take = (v > m) | (v != v);                                    \
                            y[ox] = take ? v : m;                                              \
                            idx[ox] = take ? yy * W + ox * sx + off : idx[ox];                 \
                        }                                                                      \
                    }                                                                          \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }

DEFINE_MAX_POOL_FAST(float, f32, -INFINITY, (jb->simd))
DEFINE_MAX_POOL_FAST(double, f64, -INFINITY, false)
DEFINE_MAX_POOL_FAST(int64_t, i64, INT64_MIN, false) /* the integer dtypes, computed in int64 */

/* The gradient of the input shaped as the node's edge 0, from dout and a contiguous copy. */
static pl_tensor *
input_grad_zeros(pl_node *node)
{
    return pl_tensor_zeros(node->next[0].ndim, node->next[0].shape, node->next[0].dtype);
}

/* ---- the gradients of pooling as recorded ops (create_graph) ----
 * A pooling gradient is a linear map of dout, whose own gradient is the pooling map again:
 * max pooling gathers at the saved indices, (adaptive) average pooling averages. With grad
 * mode on, dx records a "...BackwardBackward0" node whose backward runs that map, itself
 * recorded with the pooling's kind, so any order of derivative goes through. */
static const pl_node_kind max_pool_kind, avg_pool_kind, adaptive_kind;
static void run_avg(const pl_tensor *src, pl_tensor *dst, const int64_t *q, bool backward);
static void run_adaptive(const pl_tensor *src, pl_tensor *dst, bool backward);

/* out (idx's shape) = gg at the flat plane positions idx: out[p, o] = gg[p, idx[p, o]] */
static pl_tensor *
gather_planes(pl_tensor *gg, pl_tensor *idx)
{
    pl_tensor *ggc = pl_contiguous(gg), *ic = ggc ? pl_contiguous(idx) : NULL;
    pl_tensor *out = ic ? pl_tensor_empty(idx->ndim, idx->shape, gg->dtype) : NULL;
    if (out) {
        int64_t P, H, W, OH, OW;
        planes(ggc, &P, &H, &W);
        planes(ic, &P, &OH, &OW);
        const int64_t *ix = (const int64_t *)pl_tensor_data(ic); /* (P, OH * OW) */
        for (int64_t k = 0; k < P * OH * OW; k++) {
            int64_t src = (k / (OH * OW)) * H * W + ix[k];
            if (gg->dtype == PL_FLOAT32)
                ((float *)out->storage->data)[k] = ((const float *)pl_tensor_data(ggc))[src];
            else
                ((double *)out->storage->data)[k] = ((const double *)pl_tensor_data(ggc))[src];
        }
    }
    pl_tensor_release(ggc);
    pl_tensor_release(ic);
    return out;
}

/* Records kind on out (input in, the node's ints copied from like, idx saved when given). */
static pl_tensor *
record_pool_map(pl_tensor *out, pl_tensor *in, const pl_node_kind *kind, const pl_node *like,
                pl_tensor *idx)
{
    return pl_record_map(out, kind, &in, 1, &idx, 1, like->ints, PL_NODE_MAX_INTS, NULL);
}

static pl_status
max_pool_bb_backward(pl_node *node, pl_tensor *gg, pl_tensor **din)
{
    pl_tensor *idx = pl_node_saved(node, 0);
    if (!idx) return pl_error_status();
    din[0] = record_pool_map(gather_planes(gg, idx), gg, &max_pool_kind, node, idx);
    return din[0] ? PL_OK : pl_error_status();
}

/* the pooling map on gg, to the shape of the gradient the node took (its edge's) */
static pl_status
avg_bb_backward(pl_node *node, pl_tensor *gg, pl_tensor **din)
{
    bool adaptive = node->ints[9] == 1;
    pl_tensor *ggc = pl_contiguous(gg);
    pl_tensor *out = ggc ? pl_tensor_empty(node->next[0].ndim, node->next[0].shape, gg->dtype) : NULL;
    if (out) {
        if (adaptive) run_adaptive(ggc, out, false);
        else run_avg(ggc, out, node->ints, false);
    }
    pl_tensor_release(ggc);
    din[0] = record_pool_map(out, gg, adaptive ? &adaptive_kind : &avg_pool_kind, node, NULL);
    return din[0] ? PL_OK : pl_error_status();
}

static const pl_node_kind max_pool_bb_kind = {"MaxPool2DWithIndicesBackwardBackward0",
                                              max_pool_bb_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind avg_pool_bb_kind = {"AvgPool2DBackwardBackward0", avg_bb_backward,
                                              PL_KIND_DIFFERENTIABLE};
static const pl_node_kind adaptive_bb_kind = {"AdaptiveAvgPool2DBackwardBackward0",
                                              avg_bb_backward, PL_KIND_DIFFERENTIABLE};

/* dx of a pooling node, recorded when grad mode is on and dout has history */
static pl_tensor *
pool_grad_result(pl_node *node, pl_tensor *dout, pl_tensor *dx, const pl_node_kind *bb,
                 pl_tensor *idx)
{
    if (!dx || !pl_grad_enabled() || !dout->requires_grad) return dx;
    if (bb == &adaptive_bb_kind) node->ints[9] = 1; /* tells avg_bb_backward which map */
    return record_pool_map(dx, dout, bb, node, idx);
}

static pl_status
max_pool_backward(pl_node *node, pl_tensor *dout, pl_tensor **din)
{
    pl_tensor *idx = pl_node_saved(node, 0);
    if (!idx) return pl_error_status();
    pl_tensor *dyc = pl_contiguous(dout), *idxc = dyc ? pl_contiguous(idx) : NULL;
    pl_tensor *dx = idxc ? input_grad_zeros(node) : NULL;
    if (!dx) {
        pl_tensor_release(dyc);
        pl_tensor_release(idxc);
        return pl_error_status();
    }
    int64_t P, H, W, OH, OW;
    planes(dx, &P, &H, &W);
    planes(dyc, &P, &OH, &OW);
    int64_t HW = H * W, OHW = OH * OW;
    /* planes split over the threads: each plane's sums in the same order as one loop */
    max_pool_bwd_job bj = {pl_tensor_data(dyc), (const int64_t *)pl_tensor_data(idxc),
                           pl_tensor_data(dx), HW, OHW, dx->dtype == PL_FLOAT32};
    int64_t bgrain = (PL_PARALLEL_MIN_ELEMENTS / 8 + OHW) / (OHW + 1);
    pl_parallel_for(P, max_pool_bwd_chunk, &bj, bgrain > 1 ? bgrain : 1);
    pl_tensor_release(dyc);
    pl_tensor_release(idxc);
    din[0] = pool_grad_result(node, dout, dx, &max_pool_bb_kind, idx);
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind max_pool_kind = {"MaxPool2DWithIndicesBackward0", max_pool_backward,
                                           PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_max_pool2d(pl_tensor *x, const int64_t *k, const int64_t *s, const int64_t *p, const int64_t *d,
              bool ceil_mode, pl_tensor **indices_out)
{
    int64_t OH = 0, OW = 0;
    if (pool_check(x, k, s, p, d, ceil_mode, &OH, &OW) != PL_OK) return NULL;
    if (x->dtype == PL_BOOL) {
        pl_error_set(PL_ERR_NOTIMPL, "\"max_pool2d\" not implemented for 'Bool'");
        return NULL;
    }
    if (pl_is_half(x) || (!pl_dtype_is_floating(x->dtype) && x->dtype != PL_INT64)) {
        /* indices_out, when asked for, is the int64 argmax: it needs no cast back */
        PL_RUN_IN_COMPUTE(x, pl_max_pool2d(c_, k, s, p, d, ceil_mode, indices_out));
    }
    int64_t shape[4], P, H, W;
    out_shape(x, OH, OW, shape);
    planes(x, &P, &H, &W);
    pl_tensor *xc = pl_contiguous(x);
    pl_tensor *out = xc ? pl_tensor_empty(x->ndim, shape, x->dtype) : NULL;
    pl_tensor *idx = out ? pl_tensor_empty(x->ndim, shape, PL_INT64) : NULL;
    if (!idx) goto fail;
    if (!pl_conv_reference_forced() || x->dtype == PL_INT64) { /* int64: no reference kernel */
        max_pool_job job = {pl_tensor_data(xc), pl_tensor_data(out), (int64_t *)pl_tensor_data(idx),
                            H, W, OH, OW, k, s, p, d,
                            x->dtype == PL_FLOAT32 && pl_max_pool_row_simd_ok() && H * W < INT32_MAX};
        int64_t per_plane = OH * OW * k[0] * k[1] + 1;
        int64_t grain = (PL_PARALLEL_MIN_ELEMENTS / 4 + per_plane - 1) / per_plane;
        pl_parallel_for(P, x->dtype == PL_FLOAT32 ? max_pool_fast_f32
                           : x->dtype == PL_FLOAT64 ? max_pool_fast_f64 : max_pool_fast_i64,
                        &job, grain);
    } else if (x->dtype == PL_FLOAT32) {
        max_pool_f32((const float *)pl_tensor_data(xc), (float *)pl_tensor_data(out),
                     (int64_t *)pl_tensor_data(idx), P, H, W, OH, OW, k, s, p, d);
    } else {
        max_pool_f64((const double *)pl_tensor_data(xc), (double *)pl_tensor_data(out),
                     (int64_t *)pl_tensor_data(idx), P, H, W, OH, OW, k, s, p, d);
    }
    pl_tensor_release(xc);
    xc = NULL;
    if (pl_needs_grad(&x, 1) && !(out = pl_record(out, &max_pool_kind, &x, 1, &idx, 1, NULL))) {
        pl_tensor_release(idx); /* pl_record released out */
        return NULL;
    }
    if (indices_out)
        *indices_out = idx;
    else
        pl_tensor_release(idx);
    return out;
fail:
    pl_tensor_release(xc);
    pl_tensor_release(out);
    pl_tensor_release(idx);
    return NULL;
}

/* ---- average pooling (ints: k[2], s[2], p[2], ceil, count_include_pad, divisor) ---- */

/* Window of output (oy, ox): clipped bounds and the divisor PyTorch uses. */
static void
avg_window(const int64_t *q, int64_t H, int64_t W, int64_t oy, int64_t ox, int64_t *y0,
           int64_t *y1, int64_t *x0, int64_t *x1, int64_t *div)
{
    int64_t hs = oy * q[2] - q[4], ws = ox * q[3] - q[5];
    int64_t he = hs + q[0] < H + q[4] ? hs + q[0] : H + q[4];
    int64_t we = ws + q[1] < W + q[5] ? ws + q[1] : W + q[5];
    int64_t pool = (he - hs) * (we - ws);
    *y0 = hs > 0 ? hs : 0, *x0 = ws > 0 ? ws : 0;
    *y1 = he < H ? he : H, *x1 = we < W ? we : W;
    if (q[8] > 0)
        *div = q[8];
    else
        *div = q[7] ? pool : (*y1 - *y0) * (*x1 - *x0);
}

#define DEFINE_AVG_POOL(T, SUF)                                                                 \
    static void avg_pool_##SUF(const T *x, T *y, int64_t P, int64_t H, int64_t W, int64_t OH,   \
                               int64_t OW, const int64_t *q, bool backward)                    \
    {                                                                                          \
        /* forward: y (P, OH, OW) from x (P, H, W); backward: x is dy, y is dx (+=) */         \
        for (int64_t pl = 0; pl < P; pl++)                                                     \
            for (int64_t oy = 0; oy < OH; oy++)                                                \
                for (int64_t ox = 0; ox < OW; ox++) {                                          \
                    int64_t y0, y1, x0, x1, div;                                               \
                    avg_window(q, H, W, oy, ox, &y0, &y1, &x0, &x1, &div);                     \
                    int64_t o = (pl * OH + oy) * OW + ox;                                      \
                    if (backward) {                                                            \
                        T g = x[o] / (T)div;                                                   \
                        for (int64_t yy = y0; yy < y1; yy++)                                   \
                            for (int64_t xx = x0; xx < x1; xx++) y[(pl * H + yy) * W + xx] += g; \
                        continue;                                                              \
                    }                                                                          \
                    T acc = 0;                                                                 \
                    for (int64_t yy = y0; yy < y1; yy++)                                       \
                        for (int64_t xx = x0; xx < x1; xx++) acc += x[(pl * H + yy) * W + xx]; \
                    y[o] = (y1 > y0 && x1 > x0) ? acc / (T)div : 0;                            \
                }                                                                              \
    }

DEFINE_AVG_POOL(float, f32)
DEFINE_AVG_POOL(double, f64)

static void
run_avg(const pl_tensor *src, pl_tensor *dst, const int64_t *q, bool backward)
{
    const pl_tensor *in = backward ? dst : src, *out = backward ? src : dst; /* x and y shapes */
    int64_t P, H, W, OH, OW;
    planes(in, &P, &H, &W);
    planes(out, &P, &OH, &OW);
    if (src->dtype == PL_FLOAT32)
        avg_pool_f32((const float *)pl_tensor_data(src), (float *)pl_tensor_data(dst), P, H, W,
                     OH, OW, q, backward);
    else
        avg_pool_f64((const double *)pl_tensor_data(src), (double *)pl_tensor_data(dst), P, H, W,
                     OH, OW, q, backward);
}

static pl_status
avg_pool_backward(pl_node *node, pl_tensor *dout, pl_tensor **din)
{
    pl_tensor *dyc = pl_contiguous(dout), *dx = dyc ? input_grad_zeros(node) : NULL;
    if (!dx) {
        pl_tensor_release(dyc);
        return pl_error_status();
    }
    run_avg(dyc, dx, node->ints, true);
    pl_tensor_release(dyc);
    din[0] = pool_grad_result(node, dout, dx, &avg_pool_bb_kind, NULL);
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind avg_pool_kind = {"AvgPool2DBackward0", avg_pool_backward,
                                           PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_avg_pool2d(pl_tensor *x, const int64_t *k, const int64_t *s, const int64_t *p, bool ceil_mode,
              bool count_include_pad, int64_t divisor_override)
{
    int64_t OH = 0, OW = 0, one[2] = {1, 1};
    if (pool_check(x, k, s, p, one, ceil_mode, &OH, &OW) != PL_OK) return NULL;
    if (!pl_dtype_is_floating(x->dtype)) {
        /* Note: PyTorch also averages int64 (truncating); pytorchlite refuses it */
        pl_error_set(PL_ERR_NOTIMPL, "\"avg_pool2d\" not implemented for '%s'",
                     pl_dtype_scalar_name(x->dtype));
        return NULL;
    }
    if (pl_is_half(x)) {
        PL_RUN_IN_COMPUTE(x, pl_avg_pool2d(c_, k, s, p, ceil_mode, count_include_pad, divisor_override));
    }
    int64_t q[9] = {k[0], k[1], s[0], s[1], p[0], p[1], ceil_mode, count_include_pad,
                    divisor_override > 0 ? divisor_override : 0};
    int64_t shape[4];
    out_shape(x, OH, OW, shape);
    pl_tensor *xc = pl_contiguous(x);
    pl_tensor *out = xc ? pl_tensor_empty(x->ndim, shape, x->dtype) : NULL;
    if (!out) {
        pl_tensor_release(xc);
        return NULL;
    }
    run_avg(xc, out, q, false);
    pl_tensor_release(xc);
    if (pl_needs_grad(&x, 1)) {
        pl_node *node;
        if (!(out = pl_record(out, &avg_pool_kind, &x, 1, NULL, 0, &node))) return NULL;
        memcpy(node->ints, q, sizeof q);
    }
    return out;
}

/* ---- adaptive average pooling: window i covers [floor(i*in/out), ceil((i+1)*in/out)) ---- */

#define DEFINE_ADAPTIVE(T, SUF)                                                                 \
    static void adaptive_##SUF(const T *x, T *y, int64_t P, int64_t H, int64_t W, int64_t OH,   \
                               int64_t OW, bool backward)                                      \
    {                                                                                          \
        for (int64_t pl = 0; pl < P; pl++)                                                     \
            for (int64_t oy = 0; oy < OH; oy++) {                                              \
                int64_t y0 = oy * H / OH, y1 = ((oy + 1) * H + OH - 1) / OH;                   \
                for (int64_t ox = 0; ox < OW; ox++) {                                          \
                    int64_t x0 = ox * W / OW, x1 = ((ox + 1) * W + OW - 1) / OW;               \
                    int64_t o = (pl * OH + oy) * OW + ox;                                      \
                    T div = (T)((y1 - y0) * (x1 - x0));                                        \
                    if (backward) {                                                            \
                        T g = x[o] / div;                                                      \
                        for (int64_t yy = y0; yy < y1; yy++)                                   \
                            for (int64_t xx = x0; xx < x1; xx++) y[(pl * H + yy) * W + xx] += g; \
                        continue;                                                              \
                    }                                                                          \
                    T acc = 0;                                                                 \
                    for (int64_t yy = y0; yy < y1; yy++)                                       \
                        for (int64_t xx = x0; xx < x1; xx++) acc += x[(pl * H + yy) * W + xx]; \
                    y[o] = acc / div;                                                          \
                }                                                                              \
            }                                                                                  \
    }

DEFINE_ADAPTIVE(float, f32)
DEFINE_ADAPTIVE(double, f64)

static void
run_adaptive(const pl_tensor *src, pl_tensor *dst, bool backward)
{
    const pl_tensor *in = backward ? dst : src, *out = backward ? src : dst;
    int64_t P, H, W, OH, OW;
    planes(in, &P, &H, &W);
    planes(out, &P, &OH, &OW);
    if (src->dtype == PL_FLOAT32)
        adaptive_f32((const float *)pl_tensor_data(src), (float *)pl_tensor_data(dst), P, H, W,
                     OH, OW, backward);
    else
        adaptive_f64((const double *)pl_tensor_data(src), (double *)pl_tensor_data(dst), P, H, W,
                     OH, OW, backward);
}

static pl_status
adaptive_backward(pl_node *node, pl_tensor *dout, pl_tensor **din)
{
    pl_tensor *dyc = pl_contiguous(dout), *dx = dyc ? input_grad_zeros(node) : NULL;
    if (!dx) {
        pl_tensor_release(dyc);
        return pl_error_status();
    }
    run_adaptive(dyc, dx, true);
    pl_tensor_release(dyc);
    din[0] = pool_grad_result(node, dout, dx, &adaptive_bb_kind, NULL);
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind adaptive_kind = {"AdaptiveAvgPool2DBackward0", adaptive_backward,
                                           PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_adaptive_avg_pool2d(pl_tensor *x, const int64_t *output_size)
{
    char xs[96];
    pl_format_shape(xs, sizeof xs, x->ndim, x->shape);
    if (x->ndim != 3 && x->ndim != 4) {
        pl_error_set(PL_ERR_RUNTIME, "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got %s", xs);
        return NULL;
    }
    for (int i = x->ndim - 3; i < x->ndim; i++) {
        if (x->shape[i] == 0) {
            pl_error_set(PL_ERR_RUNTIME,
                         "adaptive_avg_pool2d(): Expected input to have non-zero size for "
                         "non-batch dimensions, but input has sizes %s with dimension %d being empty",
                         xs, i);
            return NULL;
        }
    }
    if (output_size[0] < 0 || output_size[1] < 0) {
        pl_error_set(PL_ERR_RUNTIME, "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {%lld, %lld}",
                     (long long)output_size[0], (long long)output_size[1]);
        return NULL;
    }
    if (!pl_dtype_is_floating(x->dtype)) {
        pl_error_set(PL_ERR_NOTIMPL, "\"adaptive_avg_pool2d\" not implemented for '%s'",
                     pl_dtype_scalar_name(x->dtype));
        return NULL;
    }
    if (pl_is_half(x)) PL_RUN_IN_COMPUTE(x, pl_adaptive_avg_pool2d(c_, output_size));
    int64_t shape[4];
    out_shape(x, output_size[0], output_size[1], shape);
    pl_tensor *xc = pl_contiguous(x);
    pl_tensor *out = xc ? pl_tensor_empty(x->ndim, shape, x->dtype) : NULL;
    if (!out) {
        pl_tensor_release(xc);
        return NULL;
    }
    run_adaptive(xc, out, false);
    pl_tensor_release(xc);
    if (pl_needs_grad(&x, 1)) out = pl_record(out, &adaptive_kind, &x, 1, NULL, 0, NULL);
    return out;
}
