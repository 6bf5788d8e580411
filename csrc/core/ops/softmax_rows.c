/* softmax_rows.c — softmax, log_softmax and attention's safe softmax over the last dimension,
 * forward and backward each one pass over contiguous rows (see ops.h, pl_softmax_rows), float32
 * and float64 bit for bit as PyTorch 2.13's CPU kernels (its "lastdim" kernels).
 *
 * ATen's kernels work on a row with Vectorized<T> of W lanes (W = 16 floats under AVX-512, 8
 * under AVX2 and "default"; half as many doubles), and the bits follow from that layout:
 *   - a sum over a row (vec::reduce_all, map_reduce_all): rows shorter than W add left to right;
 *     otherwise W lane sums start from the first W elements, take each further full block, then
 *     the tail updates the first (n % W) lanes; the lanes are folded at the end by halving
 *     (floats under AVX2/AVX-512) or left to right (doubles, and everything under "default");
 *   - every element goes through the vector exp/log, the tail as a partial vector: SLEEF's
 *     1-ulp exp and log (aten_layout.c, sleef_log.c); under "default" libm's;
 *   softmax:      y = exp(x - max); s = sum(y); y = y * (1 / s)
 *   log_softmax:  s = sum(exp(x - max)); y = (x - max) - log(s)
 *   backward:     softmax dx = (g - sum(g * y)) * y; log_softmax dx = g - exp(y) * sum(g), where
 *                 the compiler that built torch fused the product and difference into one FMA
 *                 (none under "default"). In softmax's sum of g * y the products are rounded
 *                 before each add, except, for floats, in the tail block when the kernel runs
 *                 on the calling thread (the compiler fused that copy): checked against torch.
 * A backward that runs with grad mode on (create_graph) is written with differentiable ops
 * instead, so it can be differentiated again. The safe softmax (PyTorch's _safe_softmax, used
 * by scaled_dot_product_attention's reference path) gives a row of zeros where every input is
 * -inf (a fully masked query), where plain softmax gives NaN; its backward is softmax's.
 *
 * node: saved[0] = the output y; ints[0] = which (PL_SOFTMAX_ROWS_*).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "../parallel.h"
#include "internal.h"
#include "vexp_x86.h"

/* How ATen lays a row out here: lanes W, the fold, the capability for exp/log. */
typedef struct {
    int cap;       /* PL_ATEN_* */
    int w;         /* lanes of Vectorized<T> */
    bool tree;     /* the lanes fold by halving, else left to right */
    bool simd;     /* the AVX2 exp where the CPU has it, else its plain reference */
} row_layout;

static bool force_reference; /* pl_softmax_force_reference */

void
pl_softmax_force_reference(bool on)
{
    force_reference = on;
}

bool
pl_softmax_simd(void)
{
    return !force_reference;
}

static row_layout
layout_for(bool f64, int cap, bool simd)
{
    row_layout l = {cap, (cap == PL_ATEN_AVX512 ? 16 : 8) / (f64 ? 2 : 1),
                    !f64 && cap != PL_ATEN_DEFAULT, simd};
    return l;
}

/* ATen's W lane values of a row of n >= W elements (its reduce_all / map2_reduce_all before the
 * fold): lane i starts at v[i] (times y[i] when y), takes each further full block by an add
 * (of the rounded product v * y when y) or by vec::maximum (max), and the row's tail updates
 * the first n % W lanes (the product fused into the add when fuse_tail). The AVX2 form keeps the
 * lanes in registers (w = 8 or 16 floats, 4 or 8 doubles) and gives the plain loop's bits. */
static inline float
maximum_f32(float a, float b) /* ATen's vec::maximum: NaN if either is */
{
    return (a != a || b != b) ? NAN : (a > b ? a : b);
}
static inline double
maximum_f64(double a, double b)
{
    return (a != a || b != b) ? (double)NAN : (a > b ? a : b);
}

#if defined(__x86_64__) && defined(__GNUC__)
/* ATen's vec::maximum on vectors: NaN if either is */
PL_VEXP_TGT static inline __m256
maximum_v_f32(__m256 a, __m256 b)
{
    return _mm256_or_ps(_mm256_max_ps(a, b), _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
}
PL_VEXP_TGT static inline __m256d
maximum_v_f64(__m256d a, __m256d b)
{
    return _mm256_or_pd(_mm256_max_pd(a, b), _mm256_cmp_pd(a, b, _CMP_UNORD_Q));
}

/* floats: the lanes folded by halving in registers, as ATen's vec_reduce_all shuffles them
 * (lane[0] gets the result); doubles are folded left to right by the caller */
PL_VEXP_TGT static inline bool
tree_f32(__m256 *a, int r, bool max, float *lane)
{
    __m256 x = a[0];
    if (r == 2) x = max ? maximum_v_f32(a[0], a[1]) : _mm256_add_ps(a[0], a[1]);
    __m256 t = _mm256_permute2f128_ps(x, x, 1);
    x = max ? maximum_v_f32(x, t) : _mm256_add_ps(x, t);
    t = _mm256_shuffle_ps(x, x, 0x4E);
    x = max ? maximum_v_f32(x, t) : _mm256_add_ps(x, t);
    t = _mm256_shuffle_ps(x, x, 0xB1);
    x = max ? maximum_v_f32(x, t) : _mm256_add_ps(x, t);
    lane[0] = _mm256_cvtss_f32(x);
    return true;
}
#define TREE_f32(a, r, max, lane) (tree && tree_f32(a, r, max, lane))
#define TREE_f64(a, r, max, lane) ((void)tree, false)
#define DEFINE_LANES_AVX2(S, T, V, PER, SFX, ITYPE, MASK)                                       \
    PL_VEXP_TGT static void lanes_avx2_##S(T *lane, const T *v, const T *y, int64_t n, int w,    \
                                           bool max, bool fuse_tail, bool tree)                  \
    {                                                                                            \
        int r = w / PER; /* registers: 1 or 2 */                                                 \
        V a[2] = {_mm256_setzero_##SFX(), _mm256_setzero_##SFX()};                               \
        for (int j = 0; j < r; j++) {                                                            \
            a[j] = _mm256_loadu_##SFX(v + j * PER);                                              \
            if (y) a[j] = _mm256_mul_##SFX(a[j], _mm256_loadu_##SFX(y + j * PER));               \
        }                                                                                        \
        int64_t full = n - n % w;                                                                \
        for (int64_t d = w; d < full; d += w)                                                    \
            for (int j = 0; j < r; j++) {                                                        \
                V x = _mm256_loadu_##SFX(v + d + j * PER);                                       \
                if (max) a[j] = maximum_v_##S(a[j], x);                                          \
                else if (y) a[j] = _mm256_add_##SFX(a[j], _mm256_mul_##SFX(x, _mm256_loadu_##SFX(y + d + j * PER))); \
                else a[j] = _mm256_add_##SFX(a[j], x);                                           \
            }                                                                                    \
        for (int j = 0; j < r && full + j * PER < n; j++) { /* the tail, masked */                \
            int64_t cnt = n - full - j * PER;                                                    \
            ITYPE m = MASK(cnt);                                                                 \
            V x = _mm256_maskload_##SFX(v + full + j * PER, m), t;                               \
            if (max) t = maximum_v_##S(a[j], x);                                                 \
            else if (y) {                                                                        \
                V yv = _mm256_maskload_##SFX(y + full + j * PER, m);                             \
                t = fuse_tail ? _mm256_fmadd_##SFX(x, yv, a[j])                                  \
                              : _mm256_add_##SFX(a[j], _mm256_mul_##SFX(x, yv));                 \
            } else t = _mm256_add_##SFX(a[j], x);                                                \
            a[j] = _mm256_blendv_##SFX(a[j], t, _mm256_castsi256_##SFX(m));                      \
        }                                                                                        \
        if (TREE_##S(a, r, max, lane)) return;                                                  \
        for (int j = 0; j < r; j++) _mm256_storeu_##SFX(lane + j * PER, a[j]);                   \
    }
/* the first cnt of 8 (4) lanes set (cnt may exceed the lanes) */
#define MASK_PS(cnt) _mm256_cmpgt_epi32(_mm256_set1_epi32((int)((cnt) < 8 ? (cnt) : 8)),        \
                                        _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define MASK_PD(cnt) _mm256_cmpgt_epi64(_mm256_set1_epi64x((cnt) < 4 ? (cnt) : 4),              \
                                        _mm256_setr_epi64x(0, 1, 2, 3))
DEFINE_LANES_AVX2(f32, float, __m256, 8, ps, __m256i, MASK_PS)
DEFINE_LANES_AVX2(f64, double, __m256d, 4, pd, __m256i, MASK_PD)
#undef DEFINE_LANES_AVX2
#undef TREE_f32
#undef TREE_f64
#undef MASK_PS
#undef MASK_PD
#endif

#define DEFINE_LANES(S, T, FMA)                                                                  \
    /* returns whether lane[0] already holds the tree fold (the AVX2 form does it for floats) */ \
    static bool lanes_##S(T *lane, const T *v, const T *y, int64_t n, int w, bool max,           \
                          bool fuse_tail, bool tree, bool simd)                                  \
    {                                                                                            \
        if (simd && LANES_AVX2(S, lane, v, y, n, w, max, fuse_tail, tree))                       \
            return tree && FOLDS_##S;                                                            \
        for (int i = 0; i < w; i++) lane[i] = y ? v[i] * y[i] : v[i];                            \
        int64_t full = n - n % w;                                                                \
        for (int64_t d = w; d < full; d += w)                                                    \
            for (int i = 0; i < w; i++)                                                          \
                lane[i] = max ? maximum_##S(lane[i], v[d + i])                                   \
                              : lane[i] + (y ? v[d + i] * y[d + i] : v[d + i]);                  \
        for (int i = 0; i < n - full; i++) {                                                     \
            T a = v[full + i];                                                                   \
            if (max) lane[i] = maximum_##S(lane[i], a);                                          \
            else if (!y) lane[i] += a;                                                           \
            else lane[i] = fuse_tail ? FMA(a, y[full + i], lane[i]) : lane[i] + a * y[full + i]; \
        }                                                                                        \
        return false;                                                                            \
    }
#if defined(__x86_64__) && defined(__GNUC__)
#define LANES_AVX2(S, lane, v, y, n, w, max, fuse, tree)                                         \
    (pl_have_avx2_fma() && (lanes_avx2_##S(lane, v, y, n, w, max, fuse, tree), true))
#else
#define LANES_AVX2(S, lane, v, y, n, w, max, fuse, tree) false
#endif
#define FOLDS_f32 true
#define FOLDS_f64 false
DEFINE_LANES(f32, float, fmaf)
DEFINE_LANES(f64, double, fma)
#undef DEFINE_LANES
#undef LANES_AVX2
#undef FOLDS_f32
#undef FOLDS_f64

#define DEFINE_ROWS(S, T, LIBM_LOG, SLEEF_LOG, FMA, TAIL_FMA)                                               \
    /* fold W lanes (4, 8 or 16) into one sum or maximum: by halving (tree) or left to right;  \
     * the cases fall through, so each halving step is straight-line code */                    \
    static T fold_##S(T *l, int w, bool tree, bool max)                                         \
    {                                                                                           \
        if (!tree) {                                                                            \
            T acc = l[0];                                                                       \
            if (max)                                                                            \
                for (int i = 1; i < w; i++) acc = maximum_##S(acc, l[i]);                       \
            else                                                                                \
                for (int i = 1; i < w; i++) acc += l[i];                                        \
            return acc;                                                                         \
        }                                                                                       \
        switch (w) {                                                                            \
        case 16:                                                                                \
            for (int i = 0; i < 8; i++) l[i] = max ? maximum_##S(l[i], l[i + 8]) : l[i] + l[i + 8]; \
            /* fall through */                                                                  \
        case 8:                                                                                 \
            for (int i = 0; i < 4; i++) l[i] = max ? maximum_##S(l[i], l[i + 4]) : l[i] + l[i + 4]; \
            /* fall through */                                                                  \
        default:                                                                                \
            for (int i = 0; i < 2; i++) l[i] = max ? maximum_##S(l[i], l[i + 2]) : l[i] + l[i + 2]; \
            l[0] = max ? maximum_##S(l[0], l[1]) : l[0] + l[1];                                 \
        }                                                                                       \
        return l[0];                                                                            \
    }                                                                                           \
                                                                                                \
    /* the sum of v[0..n) as ATen's reduce_all; with y, of v[k] * y[k] as map2_reduce_all      \
     * (the tail's products fused into the adds when fuse_tail) */                              \
    static T lane_sum_##S(const T *v, const T *y, int64_t n, const row_layout *l,               \
                          bool fuse_tail)                                                       \
    {                                                                                           \
        int w = l->w;                                                                           \
        if (n < w) {                                                                            \
            T acc = y ? v[0] * y[0] : v[0];                                                     \
            for (int64_t k = 1; k < n; k++) acc += y ? v[k] * y[k] : v[k];                      \
            return acc;                                                                         \
        }                                                                                       \
        T lane[16];                                                                             \
        if (lanes_##S(lane, v, y, n, w, false, fuse_tail, l->tree, l->simd)) return lane[0];    \
        return fold_##S(lane, w, l->tree, false);                                                      \
    }                                                                                           \
                                                                                                \
    /* the row's maximum as ATen's reduce_all of vec::maximum (NaN if any element is) */       \
    static T row_max_##S(const T *x, int64_t n, const row_layout *l)                            \
    {                                                                                           \
        int w = l->w;                                                                           \
        if (n < w) {                                                                            \
            T acc = x[0];                                                                       \
            for (int64_t k = 1; k < n; k++) acc = maximum_##S(acc, x[k]);                       \
            return acc;                                                                         \
        }                                                                                       \
        T lane[16];                                                                             \
        if (lanes_##S(lane, x, NULL, n, w, true, false, l->tree, l->simd)) return lane[0];      \
        return fold_##S(lane, w, l->tree, true);                                                \
    }                                                                                           \
                                                                                                \
    static void rows_forward_##S(T *out, const T *a, int64_t rows, int64_t n, int which,        \
                                 const row_layout *l)                                           \
    {                                                                                           \
        for (int64_t r = 0; r < rows; r++) {                                                    \
            const T *x = a + r * n; /* (n) */                                                   \
            T *y = out + r * n;     /* (n) */                                                   \
            T mx = row_max_##S(x, n, l);                                                         \
            if (which == PL_SOFTMAX_ROWS_SAFE && mx == -(T)INFINITY) {                          \
                for (int64_t k = 0; k < n; k++) y[k] = 0;                                       \
                continue;                                                                       \
            }                                                                                   \
            pl_aten_exp_shift_##S(y, x, mx, n, l->cap, l->simd);                                \
            T sum = lane_sum_##S(y, NULL, n, l, false);                                         \
            if (which == PL_SOFTMAX_ROWS_LOG) {                                                 \
                T ls = l->cap == PL_ATEN_DEFAULT ? LIBM_LOG(sum) : SLEEF_LOG(sum);              \
                for (int64_t k = 0; k < n; k++) y[k] = (x[k] - mx) - ls;                        \
            } else {                                                                            \
                T rs = (T)1 / sum;                                                              \
                for (int64_t k = 0; k < n; k++) y[k] = y[k] * rs;                               \
            }                                                                                   \
        }                                                                                       \
    }                                                                                           \
                                                                                                \
    PL_FMA_CLONES static void rows_backward_##S(T *dx, const T *y, const T *g, int64_t rows,  \
                                                int64_t n, int which, const row_layout *l,    \
                                                bool fuse_tail)                               \
    {                                                                                           \
        bool fuse = l->cap != PL_ATEN_DEFAULT;                                                  \
        for (int64_t r = 0; r < rows; r++) {                                                    \
            const T *yr = y + r * n, *gr = g + r * n; /* (n) */                                 \
            T *d = dx + r * n;                                                                  \
            if (which == PL_SOFTMAX_ROWS_LOG) {                                                 \
                T s = lane_sum_##S(gr, NULL, n, l, false);                                      \
                pl_aten_exp_shift_##S(d, yr, 0, n, l->cap, l->simd);                            \
                if (fuse)                                                                       \
                    for (int64_t k = 0; k < n; k++) d[k] = FMA(-d[k], s, gr[k]);                \
                else                                                                            \
                    for (int64_t k = 0; k < n; k++) d[k] = gr[k] - d[k] * s;                    \
            } else {                                                                            \
                T s = lane_sum_##S(gr, yr, n, l, TAIL_FMA && fuse_tail && fuse);                         \
                for (int64_t k = 0; k < n; k++) d[k] = (gr[k] - s) * yr[k];                     \
            }                                                                                   \
        }                                                                                       \
    }

DEFINE_ROWS(f32, float, logf, pl_sleef_logf, fmaf, true)
DEFINE_ROWS(f64, double, log, pl_sleef_log, fma, false)


/* One forward or backward over rows. ATen's kernels hand all rows to parallel_for with a grain
 * of 0, so they run on the calling thread only for one row or one thread, and which of the
 * two happens decides the softmax backward's tail (inline_run); the values do not depend on
 * how the rows are split otherwise, so ours split by a grain of about 2048 elements. */
typedef struct {
    int which;
    bool f64;
    void *out;
    const void *x, *g; /* g: the incoming gradient (backward: x is y), else NULL */
    int64_t n;
    bool inline_run;   /* the kernel ran on the calling thread, unsplit */
    row_layout l;
} rows_job;

static void
rows_chunk(void *ctx, int64_t first, int64_t last)
{
    const rows_job *j = ctx;
    int64_t off = first * j->n, rows = last - first;
    if (j->f64) {
        double *o = (double *)j->out + off;
        const double *x = (const double *)j->x + off;
        if (j->g) rows_backward_f64(o, x, (const double *)j->g + off, rows, j->n, j->which, &j->l,
                                    j->inline_run);
        else rows_forward_f64(o, x, rows, j->n, j->which, &j->l);
    } else {
        float *o = (float *)j->out + off;
        const float *x = (const float *)j->x + off;
        if (j->g) rows_backward_f32(o, x, (const float *)j->g + off, rows, j->n, j->which, &j->l,
                                    j->inline_run);
        else rows_forward_f32(o, x, rows, j->n, j->which, &j->l);
    }
}

static void
rows_run(rows_job *j, int64_t rows)
{
    int64_t grain = 2048 / j->n > 1 ? 2048 / j->n : 1;
    j->inline_run = rows <= 1 || pl_parallel_get_num_threads() <= 1;
    pl_parallel_for(rows, rows_chunk, j, grain);
}

static pl_status
rows_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *y = pl_node_saved(node, 0);
    if (!y) return pl_error_status();
    int which = (int)node->ints[0];
    if (pl_grad_enabled() && y->ndim > 0) { /* create_graph: the formula, recorded */
        din[0] = pl_softmax_backward_recorded(y, g, y->ndim - 1, which == PL_SOFTMAX_ROWS_LOG);
        return din[0] ? PL_OK : pl_error_status();
    }
    pl_tensor *gc = pl_contiguous(g); /* new reference */
    if (!gc) return pl_error_status();
    pl_tensor *dx = pl_tensor_empty(y->ndim, y->shape, y->dtype);
    if (!dx) {
        pl_tensor_release(gc);
        return pl_error_status();
    }
    int64_t n = y->ndim ? y->shape[y->ndim - 1] : 1;
    bool f64 = y->dtype == PL_FLOAT64;
    rows_job j = {.which = which, .f64 = f64, .out = pl_tensor_data(dx), .x = pl_tensor_data(y),
                  .g = pl_tensor_data(gc), .n = n,
                  .l = layout_for(f64, pl_aten_capability(), pl_softmax_simd())};
    rows_run(&j, n ? y->numel / n : 0);
    pl_tensor_release(gc);
    din[0] = dx;
    return PL_OK;
}

static const pl_node_kind rows_kinds[3] = {
    /* differentiable: with grad mode on, the recorded formula runs (double backward) */
    [PL_SOFTMAX_ROWS_PLAIN] = {.name = "SoftmaxBackward0", .backward = rows_backward,
                               .flags = PL_KIND_DIFFERENTIABLE},
    [PL_SOFTMAX_ROWS_LOG] = {.name = "LogSoftmaxBackward0", .backward = rows_backward,
                             .flags = PL_KIND_DIFFERENTIABLE},
    [PL_SOFTMAX_ROWS_SAFE] = {.name = "SafeSoftmaxBackward0", .backward = rows_backward,
                              .flags = PL_KIND_DIFFERENTIABLE},
};

pl_tensor *
pl_softmax_rows(pl_tensor *a, int which)
{
    if (which < PL_SOFTMAX_ROWS_PLAIN || which > PL_SOFTMAX_ROWS_SAFE) {
        pl_error_set(PL_ERR_VALUE, "softmax_rows: unknown kind %d", which);
        return NULL;
    }
    if (!pl_dtype_is_floating(a->dtype)) {
        pl_error_set(PL_ERR_NOTIMPL, "\"%s\" not implemented for '%s'",
                     which == PL_SOFTMAX_ROWS_LOG ? "log_softmax_lastdim_kernel_impl"
                                                  : "softmax_lastdim_kernel_impl",
                     pl_dtype_scalar_name(a->dtype));
        return NULL;
    }
    if (pl_is_half(a)) PL_RUN_IN_COMPUTE(a, pl_softmax_rows(c_, which));
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    pl_tensor *ac = pl_contiguous(a); /* new reference, no history */
    pl_set_grad_enabled(was);
    if (!ac) return NULL;
    pl_tensor *out = pl_tensor_empty(a->ndim, a->shape, a->dtype);
    if (!out) {
        pl_tensor_release(ac);
        return NULL;
    }
    int64_t n = a->ndim ? a->shape[a->ndim - 1] : 1;
    if (a->numel > 0) {
        bool f64 = a->dtype == PL_FLOAT64;
        rows_job j = {.which = which, .f64 = f64, .out = pl_tensor_data(out),
                      .x = pl_tensor_data(ac), .n = n,
                      .l = layout_for(f64, pl_aten_capability(), pl_softmax_simd())};
        rows_run(&j, a->numel / n);
    }
    pl_tensor_release(ac);
    if (pl_needs_grad(&a, 1)) {
        pl_node *node;
        if (!(out = pl_record(out, &rows_kinds[which], &a, 1, &out, 1, &node))) return NULL;
        node->ints[0] = which;
    }
    return out;
}
