/* loss.c — mse_loss, softmax / log_softmax along a dim, and nll_loss: forward and backward. */
#include <math.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "expr.h"
#include "internal.h"

/* ---- mse_loss ---- */

static pl_status
mse_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    /* d input = ((input - target) * norm) * g, norm = 2 / numel for mean, else 2 */
    pl_tensor *x = pl_node_saved(node, 0), *t = pl_node_saved(node, 1);
    if (!x || !t) return pl_error_status();
    int reduction = (int)node->ints[0];
    double norm = reduction == 1 ? 2.0 / (double)node->ints[1] : 2.0;
    pl_expr s = {.n = 0};
    pl_tensor *gi = pl_expr_result(&s, ex_mul(&s, ex_scale(&s, ex_sub(&s, x, t), norm), g));
    if (!gi) return pl_error_status();
    if (node->next[1].fn) {
        din[1] = pl_unary(PL_NEG, gi);
        if (!din[1]) {
            pl_tensor_release(gi);
            return pl_error_status();
        }
    }
    din[0] = gi;
    return PL_OK;
}
static const pl_node_kind mse_kind = {"MseLossBackward0", mse_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_mse_loss(pl_tensor *input, pl_tensor *target, int reduction)
{
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    pl_tensor *diff = pl_binary(PL_SUB, input, target, 1, false, false);
    pl_tensor *sq = diff ? pl_binary(PL_MUL, diff, diff, 1, false, false) : NULL;
    pl_tensor *out = NULL;
    if (sq) {
        out = reduction == 0 ? pl_tensor_retain(sq)
              : reduction == 1 ? pl_mean(sq, NULL, -1, false) : pl_sum(sq, NULL, -1, false);
    }
    pl_set_grad_enabled(was);
    pl_tensor_release(diff);
    if (!out) {
        pl_tensor_release(sq);
        return NULL;
    }
    pl_tensor *ins[2] = {input, target};
    if (pl_dtype_is_floating(out->dtype) && pl_needs_grad(ins, 2)) {
        pl_node *node;
        if (!(out = pl_record(out, &mse_kind, ins, 2, ins, 2, &node))) {
            pl_tensor_release(sq);
            return NULL;
        }
        node->ints[0] = reduction;
        node->ints[1] = sq->numel;
    }
    pl_tensor_release(sq);
    return out;
}

/* ---- softmax / log_softmax ---- */

/* Runs over contiguous a viewed as (outer, n, inner) and writes (log)softmax into out. */
#define DEFINE_SOFTMAX(NAME, T, EXP, LOG)                                                    \
    static void NAME(T *out, const T *a, int64_t outer, int64_t n, int64_t inner, bool take_log)  \
    {                                                                                        \
        for (int64_t o = 0; o < outer; o++) {                                                \
            for (int64_t i = 0; i < inner; i++) {                                            \
                const T *x = a + o * n * inner + i;                                          \
                T *y = out + o * n * inner + i;                                              \
                T mx = x[0];                                                                 \
                for (int64_t k = 1; k < n; k++) mx = x[k * inner] > mx ? x[k * inner] : mx; \
                T sum = 0;                                                                   \
                for (int64_t k = 0; k < n; k++) {                                            \
                    T e = EXP(x[k * inner] - mx);                                            \
                    if (!take_log) y[k * inner] = e;                                            \
                    sum += e;                                                                \
                }                                                                            \
                if (take_log) {                                                              \
                    T ls = LOG(sum);                                                         \
                    for (int64_t k = 0; k < n; k++) y[k * inner] = x[k * inner] - mx - ls;   \
                } else {                                                                     \
                    for (int64_t k = 0; k < n; k++) y[k * inner] = y[k * inner] / sum;       \
                }                                                                            \
            }                                                                                \
        }                                                                                    \
    }
DEFINE_SOFTMAX(softmax_f32, float, expf, logf)
DEFINE_SOFTMAX(softmax_f64, double, exp, log)

static pl_status
softmax_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *y = pl_node_saved(node, 0);
    if (!y) return pl_error_status();
    int64_t dim = node->ints[0];
    bool log = node->ints[1];
    pl_expr s = {.n = 0};
    pl_tensor *r;
    if (log) { /* g - exp(y) * sum(g, dim) */
        pl_tensor *gsum = ex_sum(&s, g, &dim, 1, true);
        r = ex_sub(&s, g, ex_mul(&s, gsum ? ex_un(&s, PL_EXP, y) : NULL, gsum));
    } else { /* y * (g - sum(g * y, dim)) */
        r = ex_mul(&s, y, ex_sub(&s, g, ex_sum(&s, ex_mul(&s, g, y), &dim, 1, true)));
    }
    din[0] = pl_expr_result(&s, r);
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind softmax_kind = {"SoftmaxBackward0", softmax_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind log_softmax_kind = {"LogSoftmaxBackward0", softmax_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_softmax(pl_tensor *a, int64_t dim_, bool log)
{
    int dim;
    if (pl_wrap_dim(dim_, a->ndim, &dim) != PL_OK) return NULL;
    pl_tensor *src = pl_dtype_is_floating(a->dtype) ? pl_tensor_retain(a) : NULL;
    if (!src) {
        /* PyTorch's kernel for the last dim (or a 0-dim tensor) is the lastdim one */
        bool last = a->ndim == 0 || dim == a->ndim - 1;
        pl_error_set(PL_ERR_NOTIMPL, "\"%s%s\" not implemented for '%s'", log ? "log_softmax" : "softmax",
                     last ? "_lastdim_kernel_impl" : "_kernel_impl", pl_dtype_scalar_name(a->dtype));
        return NULL;
    }
    if (pl_is_half(a)) {
        pl_tensor_release(src);
        PL_RUN_IN_COMPUTE(a, pl_softmax(c_, dim_, log));
    }
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    pl_tensor *ac = pl_contiguous(src);
    pl_set_grad_enabled(was);
    pl_tensor_release(src);
    if (!ac) return NULL;
    pl_tensor *out = pl_tensor_empty(a->ndim, a->shape, a->dtype);
    if (!out) {
        pl_tensor_release(ac);
        return NULL;
    }
    int64_t outer = 1, inner = 1, n = a->ndim ? a->shape[dim] : 1;
    for (int d = 0; d < dim; d++) outer *= a->shape[d];
    for (int d = dim + 1; d < a->ndim; d++) inner *= a->shape[d];
    if (a->numel > 0) {
        if (a->dtype == PL_FLOAT32)
            softmax_f32(out->storage->data, (const float *)pl_tensor_data(ac), outer, n, inner, log);
        else
            softmax_f64(out->storage->data, (const double *)pl_tensor_data(ac), outer, n, inner, log);
    }
    pl_tensor_release(ac);
    if (pl_needs_grad(&a, 1)) {
        pl_node *node;
        if (!(out = pl_record(out, log ? &log_softmax_kind : &softmax_kind, &a, 1, &out, 1, &node))) {
            return NULL;
        }
        node->ints[0] = dim;
        node->ints[1] = log;
    }
    return out;
}

/* ---- nll_loss over (N, C) log-probabilities and (N,) class indices ---- */

static pl_status
nll_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *t = pl_node_saved(node, 0);
    if (!t) return pl_error_status();
    const pl_edge *e = &node->next[0];
    int reduction = (int)node->ints[0];
    int64_t N = e->ndim == 2 ? e->shape[0] : 1, C = e->shape[e->ndim - 1];
    int64_t count = node->ints[1];
    /* create_graph: the weights of g (g = 1) as a constant, then times g, recorded */
    bool composed = pl_grad_enabled() && g->requires_grad;
    pl_tensor *out = pl_tensor_zeros(e->ndim, e->shape, g->dtype);
    pl_tensor *gc = out ? (composed ? pl_tensor_full(g->ndim, g->shape, g->dtype, 1.0)
                                    : pl_contiguous(g)) : NULL;
    if (!gc) {
        pl_tensor_release(out);
        return pl_error_status();
    }
    for (int64_t i = 0; i < N; i++) {
        int64_t c = pl_tensor_get_int64(t, i);
        if (c == node->ints[2]) continue; /* ignore_index */
        double gv = reduction == 0 ? pl_tensor_get_double(gc, i) : pl_tensor_get_double(gc, 0);
        if (reduction == 1) gv /= (double)count;
        if (g->dtype == PL_FLOAT32) ((float *)out->storage->data)[i * C + c] = (float)-gv;
        else ((double *)out->storage->data)[i * C + c] = -gv;
    }
    pl_tensor_release(gc);
    if (composed) {
        /* reduction 'none' over (N, C): g is (N,), one weight per row */
        pl_tensor *gk = reduction == 0 && e->ndim == 2 ? pl_unsqueeze(g, 1) : pl_tensor_retain(g);
        din[0] = gk ? pl_binary(PL_MUL, out, gk, 1.0, false, false) : NULL;
        pl_tensor_release(gk);
        pl_tensor_release(out);
        return din[0] ? PL_OK : pl_error_status();
    }
    din[0] = out;
    return PL_OK;
}
static const pl_node_kind nll_kind = {"NllLossBackward0", nll_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_nll_loss(pl_tensor *logp, pl_tensor *target, int reduction)
{
    const int64_t ignore_index = -100;
    if (logp->ndim < 1 || logp->ndim > 2) {
        pl_error_set(PL_ERR_RUNTIME, "input tensor should be 1D or 2D");
        return NULL;
    }
    if (target->dtype != PL_INT64) {
        pl_error_set(PL_ERR_RUNTIME, "expected target dtype to be Long or Byte, but got %s",
                     pl_dtype_scalar_name(target->dtype));
        return NULL;
    }
    if (pl_is_half(logp)) PL_RUN_IN_COMPUTE(logp, pl_nll_loss(c_, target, reduction));
    int64_t N = logp->ndim == 2 ? logp->shape[0] : 1, C = logp->shape[logp->ndim - 1];
    if (target->numel != N || target->ndim > 1) {
        pl_error_set(PL_ERR_VALUE, "Expected input batch_size (%lld) to match target batch_size (%lld).",
                     (long long)N, (long long)target->numel);
        return NULL;
    }
    pl_tensor *per = pl_tensor_empty(target->ndim, target->shape, logp->dtype);
    if (!per) return NULL;
    double total = 0;
    int64_t count = 0;
    for (int64_t i = 0; i < N; i++) {
        int64_t c = pl_tensor_get_int64(target, i);
        double v = 0;
        if (c != ignore_index) {
            if (c < 0 || c >= C) {
                pl_tensor_release(per);
                pl_error_set(PL_ERR_INDEX, "Target %lld is out of bounds.", (long long)c);
                return NULL;
            }
            v = -pl_tensor_get_double(logp, i * C + c);
            count++;
        }
        total += v;
        pl_fill_contiguous((char *)per->storage->data + i * pl_dtype_size(per->dtype), per->dtype, 1, v);
    }
    pl_tensor *out;
    if (reduction == 0) {
        out = per;
    } else {
        pl_tensor_release(per);
        double v = reduction == 1 ? (logp->dtype == PL_FLOAT32 ? (double)((float)total / (float)count)
                                                              : total / (double)count)
                                  : total;
        out = pl_tensor_scalar(v, logp->dtype);
        if (!out) return NULL;
    }
    if (pl_needs_grad(&logp, 1)) {
        pl_node *node;
        if (!(out = pl_record(out, &nll_kind, &logp, 1, &target, 1, &node))) return NULL;
        node->ints[0] = reduction;
        node->ints[1] = count;
        node->ints[2] = ignore_index;
    }
    return out;
}
