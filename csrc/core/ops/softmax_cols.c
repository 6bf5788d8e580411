/* softmax_cols.c — softmax and log_softmax over a dim before the last (an inner size above 1),
 * forward and backward, float32 and float64 bit for bit as PyTorch 2.13's CPU kernels for that
 * case (the last dim is softmax_rows.c's).
 *
 * The input is viewed as (outer, n, inner); each of the outer * inner columns is reduced over n
 * on its own, left to right, so what decides the bits is which columns ATen computes in a
 * vector of W lanes (SLEEF's exp and log) and which in its scalar tail (libm's exp):
 *   log_softmax and both backwards work on blocks of whole inner rows, so a column is in the
 *   tail when it is one of the last (inner % W) of its row;
 *   softmax walks the flat (outer, inner) index in the range each thread of parallel_for gets
 *   (the range split in equal pieces, one a thread, once there is more than one column and one
 *   thread): W columns from idx are a vector when they stay in one inner row and in the piece;
 *   otherwise the rest of the row (or of the piece, when it ends first) is tail.
 * Under "default" ATen's vectors apply libm lane by lane, so every column is libm's.
 *   softmax:      m = max; e = exp(x - m); s = sum(e); y = e / s
 *   log_softmax:  m = max; s = sum(exp(x - m)); y = (x - m) - log(s)  (log through SLEEF for
 *                 every column, tail included: ATen maps the sums with its vector log)
 *   backward:     softmax dx = y * (g - sum(g * y)); log_softmax dx = g - exp(y) * sum(g),
 *                 with the multiply-adds fused as the compiler that built torch fused them
 *                 (not under "default"): checked against torch.
 * A backward that runs with grad mode on (create_graph) is written with differentiable ops.
 *
 * node: saved[0] = the output y; ints[0] = dim, ints[1] = log.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "../parallel.h"
#include "expr.h"
#include "internal.h"

typedef struct {
    int64_t outer, n, inner;
    int cap;     /* PL_ATEN_* */
    int w;       /* lanes of Vectorized<T> */
    int threads; /* torch's thread count, for softmax's split */
} cols_shape;

static cols_shape
shape_of(const pl_tensor *a, int dim, bool f64)
{
    cols_shape c = {1, a->shape[dim], 1, pl_aten_capability(), 0, pl_parallel_get_num_threads()};
    for (int d = 0; d < dim; d++) c.outer *= a->shape[d];
    for (int d = dim + 1; d < a->ndim; d++) c.inner *= a->shape[d];
    c.w = (c.cap == PL_ATEN_AVX512 ? 16 : 8) / (f64 ? 2 : 1);
    return c;
}

/* the columns of an inner row that ATen computes in vectors (the rest are its scalar tail) */
static int64_t
vector_columns(const cols_shape *c)
{
    return c->cap == PL_ATEN_DEFAULT ? 0 : c->inner - c->inner % c->w;
}

#define DEFINE_COLS(S, T, EXP, LOG, SLEEF_LOG, FMA)                                              \
    /* y[k] = exp(x[k] - m[k]) for k < cnt, SLEEF's when vec, else libm's */                     \
    static void exp_sub_##S(T *y, const T *x, const T *m, int64_t cnt, bool vec)                 \
    {                                                                                            \
        if (vec) pl_aten_exp_sub_##S(y, x, m, cnt, pl_softmax_simd());                      \
        else                                                                                     \
            for (int64_t k = 0; k < cnt; k++) y[k] = EXP(x[k] - m[k]);                           \
    }                                                                                            \
                                                                                                 \
    static void log_forward_##S(T *out, const T *a, const cols_shape *c, T *buf)                 \
    {                                                                                            \
        int64_t n = c->n, inner = c->inner, vend = vector_columns(c);                            \
        T *mx = buf, *sum = buf + inner, *e = buf + 2 * inner; /* (inner) each */                \
        for (int64_t o = 0; o < c->outer; o++) {                                                 \
            const T *x = a + o * n * inner;                                                      \
            T *y = out + o * n * inner;                                                          \
            for (int64_t k = 0; k < inner; k++) {                                                \
                mx[k] = -(T)INFINITY;                                                            \
                sum[k] = 0;                                                                      \
            }                                                                                    \
            for (int64_t d = 0; d < n; d++)                                                      \
                for (int64_t k = 0; k < inner; k++) {                                            \
                    T v = x[d * inner + k];                                                      \
                    mx[k] = v > mx[k] ? v : mx[k];                                               \
                }                                                                                \
            for (int64_t d = 0; d < n; d++) {                                                    \
                exp_sub_##S(e, x + d * inner, mx, vend, true);                                   \
                exp_sub_##S(e + vend, x + d * inner + vend, mx + vend, inner - vend, false);     \
                for (int64_t k = 0; k < inner; k++) sum[k] += e[k];                              \
            }                                                                                    \
            for (int64_t k = 0; k < inner; k++)                                                  \
                sum[k] = c->cap == PL_ATEN_DEFAULT ? LOG(sum[k]) : SLEEF_LOG(sum[k]);            \
            for (int64_t d = 0; d < n; d++)                                                      \
                for (int64_t k = 0; k < inner; k++)                                              \
                    y[d * inner + k] = (x[d * inner + k] - mx[k]) - sum[k];                      \
        }                                                                                        \
    }                                                                                            \
                                                                                                 \
    /* cnt adjacent columns from flat index idx, in a vector (vec) or one by one */              \
    static void softmax_group_##S(T *out, const T *a, const cols_shape *c, int64_t idx,          \
                                  int64_t cnt, bool vec)                                         \
    {                                                                                            \
        int64_t n = c->n, inner = c->inner, o = idx / inner, k0 = idx % inner;                   \
        const T *x = a + o * n * inner + k0;                                                     \
        T *y = out + o * n * inner + k0;                                                         \
        T mx[16], sum[16];                                                                       \
        for (int64_t j = 0; j < cnt; j++) {                                                      \
            mx[j] = x[j];                                                                        \
            for (int64_t d = 1; d < n; d++) {                                                    \
                T v = x[d * inner + j];                                                          \
                if (vec) mx[j] = (v != v || mx[j] != mx[j]) ? (T)NAN : (v > mx[j] ? v : mx[j]);  \
                else mx[j] = mx[j] < v ? v : mx[j];                                              \
            }                                                                                    \
            sum[j] = 0;                                                                          \
        }                                                                                        \
        bool sleef = vec && c->cap != PL_ATEN_DEFAULT;                                           \
        for (int64_t d = 0; d < n; d++) {                                                        \
            exp_sub_##S(y + d * inner, x + d * inner, mx, cnt, sleef);                           \
            for (int64_t j = 0; j < cnt; j++) sum[j] += y[d * inner + j];                        \
        }                                                                                        \
        for (int64_t d = 0; d < n; d++)                                                          \
            for (int64_t j = 0; j < cnt; j++) y[d * inner + j] = y[d * inner + j] / sum[j];      \
    }                                                                                            \
                                                                                                 \
    static void softmax_forward_##S(T *out, const T *a, const cols_shape *c)                     \
    {                                                                                            \
        int64_t total = c->outer * c->inner, w = c->w;                                           \
        int64_t pieces = total > 1 && c->threads > 1 ? c->threads : 1;                           \
        int64_t chunk = (total + pieces - 1) / pieces;                                           \
        for (int64_t p = 0; p < pieces; p++) {                                                   \
            int64_t idx = p * chunk, end = idx + chunk < total ? idx + chunk : total;            \
            while (idx < end) {                                                                  \
                int64_t k = idx % c->inner;                                                      \
                if (k + w <= c->inner && idx + w <= end) {                                       \
                    softmax_group_##S(out, a, c, idx, w, true);                                  \
                    idx += w;                                                                    \
                    continue;                                                                    \
                }                                                                                \
                int64_t tail = idx + w > end ? end - idx : c->inner - k;                         \
                for (int64_t i = 0; i < tail; i++)                                               \
                    softmax_group_##S(out, a, c, idx + i, 1, false);                             \
                idx += tail;                                                                     \
            }                                                                                    \
        }                                                                                        \
    }                                                                                            \
                                                                                                 \
    PL_FMA_CLONES static void backward_##S(T *dx, const T *y, const T *g, const cols_shape *c, \
                                           bool log, T *buf)                                   \
    {                                                                                            \
        int64_t n = c->n, inner = c->inner, vend = c->inner - c->inner % c->w;                   \
        bool fuse = c->cap != PL_ATEN_DEFAULT;                                                   \
        T *s = buf, *e = buf + inner; /* (inner) each */                                         \
        for (int64_t o = 0; o < c->outer; o++) {                                                 \
            const T *yo = y + o * n * inner, *go = g + o * n * inner;                            \
            T *d_ = dx + o * n * inner;                                                          \
            for (int64_t k = 0; k < inner; k++) s[k] = 0;                                        \
            for (int64_t d = 0; d < n; d++) {                                                    \
                const T *gr = go + d * inner, *yr = yo + d * inner;                              \
                if (log)                                                                         \
                    for (int64_t k = 0; k < inner; k++) s[k] += gr[k];                           \
                else if (fuse)                                                                   \
                    for (int64_t k = 0; k < inner; k++) s[k] = FMA(gr[k], yr[k], s[k]);          \
                else                                                                             \
                    for (int64_t k = 0; k < inner; k++) s[k] += gr[k] * yr[k];                   \
            }                                                                                    \
            for (int64_t d = 0; d < n; d++) {                                                    \
                const T *gr = go + d * inner, *yr = yo + d * inner;                              \
                T *dr = d_ + d * inner;                                                          \
                if (!log) {                                                                      \
                    for (int64_t k = 0; k < inner; k++) dr[k] = yr[k] * (gr[k] - s[k]);          \
                    continue;                                                                    \
                }                                                                                \
                if (fuse) {                                                                      \
                    pl_aten_exp_shift_##S(e, yr, 0, vend, c->cap, pl_softmax_simd());    \
                    for (int64_t k = vend; k < inner; k++) e[k] = EXP(yr[k]);                    \
                    for (int64_t k = 0; k < inner; k++) dr[k] = FMA(-e[k], s[k], gr[k]);         \
                } else {                                                                         \
                    for (int64_t k = 0; k < inner; k++) dr[k] = gr[k] - EXP(yr[k]) * s[k];       \
                }                                                                                \
            }                                                                                    \
        }                                                                                        \
    }

DEFINE_COLS(f32, float, expf, logf, pl_sleef_logf, fmaf)
DEFINE_COLS(f64, double, exp, log, pl_sleef_log, fma)

/* The backward written with differentiable ops, for a backward that records its own graph
 * (softmax_rows.c's too). */
pl_tensor *
pl_softmax_backward_recorded(pl_tensor *y, pl_tensor *g, int64_t dim, bool log)
{
    pl_expr s = {.n = 0};
    pl_tensor *r;
    if (log) { /* g - exp(y) * sum(g, dim) */
        pl_tensor *gsum = ex_sum(&s, g, &dim, 1, true);
        r = ex_sub(&s, g, ex_mul(&s, gsum ? ex_un(&s, PL_EXP, y) : NULL, gsum));
    } else { /* y * (g - sum(g * y, dim)) */
        r = ex_mul(&s, y, ex_sub(&s, g, ex_sum(&s, ex_mul(&s, g, y), &dim, 1, true)));
    }
    return pl_expr_result(&s, r);
}

static pl_status
cols_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *y = pl_node_saved(node, 0);
    if (!y) return pl_error_status();
    int dim = (int)node->ints[0];
    bool log = node->ints[1] != 0;
    if (pl_grad_enabled()) {
        din[0] = pl_softmax_backward_recorded(y, g, dim, log);
        return din[0] ? PL_OK : pl_error_status();
    }
    bool f64 = y->dtype == PL_FLOAT64;
    cols_shape c = shape_of(y, dim, f64);
    pl_tensor *gc = pl_contiguous(g); /* new reference */
    pl_tensor *dx = gc ? pl_tensor_empty(y->ndim, y->shape, y->dtype) : NULL;
    void *buf = dx ? malloc((size_t)(2 * c.inner) * (f64 ? sizeof(double) : sizeof(float))) : NULL;
    if (!buf) {
        if (dx) pl_error_nomem();
        pl_tensor_release(gc);
        pl_tensor_release(dx);
        return pl_error_status();
    }
    void *d = pl_tensor_data(dx);
    const void *yd = pl_tensor_data(y), *gd = pl_tensor_data(gc);
    if (f64) backward_f64(d, yd, gd, &c, log, buf);
    else backward_f32(d, yd, gd, &c, log, buf);
    free(buf);
    pl_tensor_release(gc);
    din[0] = dx;
    return PL_OK;
}

static const pl_node_kind softmax_kind = {"SoftmaxBackward0", cols_backward,
                                          PL_KIND_DIFFERENTIABLE};
static const pl_node_kind log_softmax_kind = {"LogSoftmaxBackward0", cols_backward,
                                              PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_softmax_cols(pl_tensor *a, int dim, bool log)
{
    bool f64 = a->dtype == PL_FLOAT64;
    cols_shape c = shape_of(a, dim, f64);
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    pl_tensor *ac = pl_contiguous(a); /* new reference, no history */
    pl_set_grad_enabled(was);
    pl_tensor *out = ac ? pl_tensor_empty(a->ndim, a->shape, a->dtype) : NULL;
    void *buf = NULL;
    if (out && log && a->numel > 0) {
        buf = malloc((size_t)(3 * c.inner) * (f64 ? sizeof(double) : sizeof(float)));
        if (!buf) {
            pl_error_nomem();
            pl_tensor_release(out);
            out = NULL;
        }
    }
    if (out && a->numel > 0) {
        void *o = pl_tensor_data(out);
        const void *x = pl_tensor_data(ac);
        if (log && f64) log_forward_f64(o, x, &c, buf);
        else if (log) log_forward_f32(o, x, &c, buf);
        else if (f64) softmax_forward_f64(o, x, &c);
        else softmax_forward_f32(o, x, &c);
    }
    free(buf);
    pl_tensor_release(ac);
    if (!out) return NULL;
    if (pl_needs_grad(&a, 1)) {
        pl_node *node;
        if (!(out = pl_record(out, log ? &log_softmax_kind : &softmax_kind, &a, 1, &out, 1, &node)))
            return NULL;
        node->ints[0] = dim;
        node->ints[1] = log;
    }
    return out;
}
