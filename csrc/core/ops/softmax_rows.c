/* softmax_rows.c — softmax, log_softmax and attention's safe softmax over the last dimension,
 * forward and backward each one pass over contiguous rows (see ops.h, pl_softmax_rows).
 *
 * The forward arithmetic is ops/loss.c's pl_softmax (max, then sum of exp(x - max) in order,
 * then divide or subtract the log), so values are the same; what differs is the backward,
 * which here is one fused loop per row instead of four whole-tensor temporaries:
 *     softmax:      dx = y * (g - sum(g * y))
 *     log_softmax:  dx = g - exp(y) * sum(g)
 * A backward that runs with grad mode on (create_graph) is written with differentiable ops
 * instead, so it can be differentiated again. The float32 forward runs the AVX2 kernel of
 * softmax_rows_x86.c (vector exp) when the CPU has it; the plain loops here are its reference.
 * The safe softmax (PyTorch's _safe_softmax, used by scaled_dot_product_attention's reference
 * path) gives a row of zeros where every input is -inf (a fully masked query), where plain
 * softmax gives NaN; its backward is softmax's (zero rows pass zero gradient).
 *
 * node: saved[0] = the output y; ints[0] = which (PL_SOFTMAX_ROWS_*).
 */
#include <math.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "internal.h"

#define DEFINE_ROWS(S, T, EXP, LOG)                                                        \
    static void rows_forward_##S(T *out, const T *a, int64_t rows, int64_t n, int which)   \
    {                                                                                      \
        for (int64_t r = 0; r < rows; r++) {                                               \
            const T *x = a + r * n; /* (n) */                                              \
            T *y = out + r * n;     /* (n) */                                              \
            T mx = x[0];                                                                   \
            for (int64_t k = 1; k < n; k++) mx = x[k] > mx ? x[k] : mx;                    \
            if (which == PL_SOFTMAX_ROWS_SAFE && mx == -(T)INFINITY) {                     \
                for (int64_t k = 0; k < n; k++) y[k] = 0;                                  \
                continue;                                                                  \
            }                                                                              \
            T sum = 0;                                                                     \
            if (which == PL_SOFTMAX_ROWS_LOG) {                                            \
                for (int64_t k = 0; k < n; k++) sum += EXP(x[k] - mx);                     \
                T ls = LOG(sum);                                                           \
                for (int64_t k = 0; k < n; k++) y[k] = x[k] - mx - ls;                     \
            } else {                                                                       \
                for (int64_t k = 0; k < n; k++) {                                          \
                    T e = EXP(x[k] - mx);                                                  \
                    y[k] = e;                                                              \
                    sum += e;                                                              \
                }                                                                          \
                for (int64_t k = 0; k < n; k++) y[k] = y[k] / sum;                         \
            }                                                                              \
        }                                                                                  \
    }                                                                                      \
                                                                                           \
    static void rows_backward_##S(T *dx, const T *y, const T *g, int64_t rows, int64_t n,  \
                                  int which)                                               \
    {                                                                                      \
        for (int64_t r = 0; r < rows; r++) {                                               \
            const T *yr = y + r * n, *gr = g + r * n; /* (n) */                            \
            T *d = dx + r * n;                                                             \
            T s = 0;                                                                       \
            if (which == PL_SOFTMAX_ROWS_LOG) {                                            \
                for (int64_t k = 0; k < n; k++) s += gr[k];                                \
                for (int64_t k = 0; k < n; k++) d[k] = gr[k] - EXP(yr[k]) * s;             \
            } else {                                                                       \
                for (int64_t k = 0; k < n; k++) s += gr[k] * yr[k];                        \
                for (int64_t k = 0; k < n; k++) d[k] = yr[k] * (gr[k] - s);                \
            }                                                                              \
        }                                                                                  \
    }

DEFINE_ROWS(f32, float, expf, logf)
DEFINE_ROWS(f64, double, exp, log)

/* The backward written with differentiable ops, for a backward that records its own graph
 * (grad mode on while it runs, as create_graph=True makes it). */
static pl_status
rows_backward_recorded(pl_tensor *y, pl_tensor *g, int which, pl_tensor **din)
{
    int64_t dim = y->ndim - 1;
    pl_tensor *r = NULL;
    if (which == PL_SOFTMAX_ROWS_LOG) { /* g - exp(y) * sum(g) */
        pl_tensor *s = pl_sum(g, &dim, 1, true);
        pl_tensor *e = s ? pl_unary(PL_EXP, y) : NULL;
        pl_tensor *es = e ? pl_binary(PL_MUL, e, s, 1, false, false) : NULL;
        r = es ? pl_binary(PL_SUB, g, es, 1, false, false) : NULL;
        pl_tensor_release(s);
        pl_tensor_release(e);
        pl_tensor_release(es);
    } else { /* y * (g - sum(g * y)) */
        pl_tensor *gy = pl_binary(PL_MUL, g, y, 1, false, false);
        pl_tensor *s = gy ? pl_sum(gy, &dim, 1, true) : NULL;
        pl_tensor *d = s ? pl_binary(PL_SUB, g, s, 1, false, false) : NULL;
        r = d ? pl_binary(PL_MUL, y, d, 1, false, false) : NULL;
        pl_tensor_release(gy);
        pl_tensor_release(s);
        pl_tensor_release(d);
    }
    din[0] = r;
    return r ? PL_OK : pl_error_status();
}

static pl_status
rows_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *y = pl_node_saved(node, 0);
    if (!y) return pl_error_status();
    int which = (int)node->ints[0];
    if (pl_grad_enabled() && y->ndim > 0) return rows_backward_recorded(y, g, which, din);
    pl_tensor *gc = pl_contiguous(g); /* new reference */
    if (!gc) return pl_error_status();
    pl_tensor *dx = pl_tensor_empty(y->ndim, y->shape, y->dtype);
    if (!dx) {
        pl_tensor_release(gc);
        return pl_error_status();
    }
    int64_t n = y->ndim ? y->shape[y->ndim - 1] : 1;
    int64_t rows = n ? y->numel / n : 0;
    if (y->dtype == PL_FLOAT32) {
        rows_backward_f32((float *)pl_tensor_data(dx), (const float *)pl_tensor_data(y),
                          (const float *)pl_tensor_data(gc), rows, n, which);
    } else {
        rows_backward_f64((double *)pl_tensor_data(dx), (const double *)pl_tensor_data(y),
                          (const double *)pl_tensor_data(gc), rows, n, which);
    }
    pl_tensor_release(gc);
    din[0] = dx;
    return PL_OK;
}

static const pl_node_kind rows_kinds[3] = {
    /* differentiable: with grad mode on, rows_backward_recorded runs (double backward) */
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
    int64_t rows = n ? a->numel / n : 0;
    if (a->numel > 0) {
        if (a->dtype == PL_FLOAT32) {
            float *o = (float *)pl_tensor_data(out);
            const float *x = (const float *)pl_tensor_data(ac);
            if (!pl_softmax_rows_f32_simd(o, x, rows, n, which)) rows_forward_f32(o, x, rows, n, which);
        } else {
            rows_forward_f64((double *)pl_tensor_data(out), (const double *)pl_tensor_data(ac),
                             rows, n, which);
        }
    }
    pl_tensor_release(ac);
    if (pl_needs_grad(&a, 1)) {
        pl_node *node;
        if (!(out = pl_record(out, &rows_kinds[which], &a, 1, &out, 1, &node))) return NULL;
        node->ints[0] = which;
    }
    return out;
}
