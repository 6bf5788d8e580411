/* loss.c — mse_loss, softmax / log_softmax along a dim (the entry), and nll_loss: forward and
 * backward. */
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

/* ---- softmax / log_softmax ----
 * Over the last dim, softmax_rows.c's kernels; over another, softmax_cols.c's: both bitwise
 * PyTorch's. float16/bfloat16 run in float32 and round once. */

pl_tensor *
pl_softmax(pl_tensor *a, int64_t dim_, bool log)
{
    int dim;
    if (pl_wrap_dim(dim_, a->ndim, &dim) != PL_OK) return NULL;
    if (!pl_dtype_is_floating(a->dtype)) {
        /* PyTorch's kernel for the last dim (or a 0-dim tensor) is the lastdim one */
        bool last = a->ndim == 0 || dim == a->ndim - 1;
        pl_error_set(PL_ERR_NOTIMPL, "\"%s%s\" not implemented for '%s'", log ? "log_softmax" : "softmax",
                     last ? "_lastdim_kernel_impl" : "_kernel_impl", pl_dtype_scalar_name(a->dtype));
        return NULL;
    }
    if (pl_is_half(a)) PL_RUN_IN_COMPUTE(a, pl_softmax(c_, dim_, log));
    if (dim >= a->ndim - 1) return pl_softmax_rows(a, log ? PL_SOFTMAX_ROWS_LOG : PL_SOFTMAX_ROWS_PLAIN);
    return pl_softmax_cols(a, dim, log);
}

/* ---- nll_loss over (N, C) log-probabilities and (N,) class indices ----
 * As ATen's nll_loss_out_frame, so the loss is bitwise PyTorch's: reduction 'none' gives
 * -x[i, t_i] * w[t_i] per row (0 where t_i is ignore_index); 'sum' and 'mean' add the rows'
 * terms in a cascade of 8 partial sums (a level holds up to 16 terms of the one below, carried
 * up when the row index is a multiple of 16^j), then add the levels in order; 'mean' divides
 * by the total weight (the count of rows kept, or the sum of their weights, summed alike).
 * The gradient of row i at t_i is w[t_i] * -(g / total) ('mean'), w[t_i] * -g ('sum') or
 * -w[t_i] * g[i] ('none'), in the tensor's dtype.
 * node: saved[0] = target, saved[1] = weight (or none); ints[0] = reduction, ints[1] =
 * ignore_index; scalars[0] = the total weight. */

#define NLL_LEVELS 8
#define DEFINE_NLL(S, T)                                                                        \
    /* per (N,) for 'none', else *loss and *total; -1 with the bad target in *bad */            \
    static int nll_forward_##S(const T *x, const int64_t *t, const T *w, int64_t N, int64_t C,  \
                               int64_t ignore, int reduction, T *per, T *loss, T *total,       \
                               int64_t *bad)                                                    \
    {                                                                                           \
        T lsum[NLL_LEVELS] = {0}, wsum[NLL_LEVELS] = {0};                                       \
        int64_t ignored = 0;                                                                    \
        for (int64_t b = 0; b < N; b++) {                                                       \
            int64_t c = t[b];                                                                   \
            if (c == ignore) {                                                                  \
                if (per) per[b] = 0;                                                            \
                ignored++;                                                                      \
                continue;                                                                       \
            }                                                                                   \
            if (c < 0 || c >= C) {                                                              \
                *bad = c;                                                                       \
                return -1;                                                                      \
            }                                                                                   \
            T v = x[b * C + c], wv = w ? w[c] : (T)1;                                           \
            if (per) {                                                                          \
                per[b] = -v * wv;                                                               \
                continue;                                                                       \
            }                                                                                   \
            if (w) {                                                                            \
                lsum[0] -= v * wv;                                                              \
                wsum[0] += wv;                                                                  \
            } else {                                                                            \
                lsum[0] -= v;                                                                   \
            }                                                                                   \
            for (int j = 0; j + 1 < NLL_LEVELS; j++) {                                          \
                if ((b & ((int64_t)15 << (4 * j))) != 0) break;                                 \
                lsum[j + 1] += lsum[j];                                                         \
                wsum[j + 1] += wsum[j];                                                         \
                lsum[j] = 0;                                                                    \
                wsum[j] = 0;                                                                    \
            }                                                                                   \
        }                                                                                       \
        if (per) return 0;                                                                      \
        T lt = 0, wt = 0;                                                                       \
        for (int j = 0; j < NLL_LEVELS; j++) {                                                  \
            lt += lsum[j];                                                                      \
            wt += wsum[j];                                                                      \
        }                                                                                       \
        if (!w) wt = (T)(N - ignored);                                                          \
        if (reduction == 1) lt /= wt;                                                           \
        *loss = lt;                                                                             \
        *total = wt;                                                                            \
        return 0;                                                                               \
    }                                                                                           \
                                                                                                \
    /* gi (N, C) zeroed; gv the incoming gradient ((N,) for 'none', else one value) */          \
    static void nll_backward_##S(T *gi, const T *gv, const int64_t *t, const T *w, int64_t N,   \
                                 int64_t C, int64_t ignore, int reduction, T total)             \
    {                                                                                           \
        T grad = reduction == 0 ? 0 : -(reduction == 1 ? gv[0] / total : gv[0]);                \
        for (int64_t i = 0; i < N; i++) {                                                       \
            int64_t c = t[i];                                                                   \
            if (c == ignore || c < 0 || c >= C) continue;                                       \
            if (reduction == 0) gi[i * C + c] = -(w ? w[c] : (T)1) * gv[i];                     \
            else gi[i * C + c] = w ? w[c] * grad : grad;                                        \
        }                                                                                       \
    }
DEFINE_NLL(f32, float)
DEFINE_NLL(f64, double)

static pl_status
nll_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *t = pl_node_saved(node, 0);
    bool weighted = pl_node_has_saved(node, 1);
    pl_tensor *w = t && weighted ? pl_node_saved(node, 1) : NULL;
    if (!t || (weighted && !w)) return pl_error_status();
    const pl_edge *e = &node->next[0];
    int reduction = (int)node->ints[0];
    int64_t N = e->ndim == 2 ? e->shape[0] : 1, C = e->shape[e->ndim - 1];
    /* create_graph: the weights of g (g = 1) as a constant, then times g, recorded */
    bool composed = pl_grad_enabled() && g->requires_grad;
    pl_tensor *out = pl_tensor_zeros(e->ndim, e->shape, e->dtype);
    pl_tensor *gc = out ? (composed ? pl_tensor_full(g->ndim, g->shape, e->dtype, 1.0)
                                    : pl_cast_raw(g, e->dtype)) : NULL;
    pl_tensor *tc = gc ? pl_contiguous(t) : NULL;
    pl_tensor *wc = tc && w ? pl_contiguous(w) : NULL;
    if (!tc || (w && !wc)) {
        pl_tensor_release(out);
        pl_tensor_release(gc);
        pl_tensor_release(tc);
        return pl_error_status();
    }
    const int64_t *td = (const int64_t *)pl_tensor_data(tc);
    if (e->dtype == PL_FLOAT32)
        nll_backward_f32((float *)pl_tensor_data(out), (const float *)pl_tensor_data(gc), td,
                         wc ? (const float *)pl_tensor_data(wc) : NULL, N, C, node->ints[1],
                         reduction, (float)node->scalars[0]);
    else
        nll_backward_f64((double *)pl_tensor_data(out), (const double *)pl_tensor_data(gc), td,
                         wc ? (const double *)pl_tensor_data(wc) : NULL, N, C, node->ints[1],
                         reduction, node->scalars[0]);
    pl_tensor_release(gc);
    pl_tensor_release(tc);
    pl_tensor_release(wc);
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
pl_nll_loss(pl_tensor *logp, pl_tensor *target, pl_tensor *weight, int reduction,
            int64_t ignore_index)
{
    if (logp->ndim < 1 || logp->ndim > 2) {
        pl_error_set(PL_ERR_RUNTIME, "input tensor should be 1D or 2D");
        return NULL;
    }
    if (target->dtype != PL_INT64) {
        pl_error_set(PL_ERR_RUNTIME, "expected target dtype to be Long or Byte, but got %s",
                     pl_dtype_scalar_name(target->dtype));
        return NULL;
    }
    if (!pl_dtype_is_floating(logp->dtype)) {
        pl_error_set(PL_ERR_NOTIMPL, "\"nll_loss_out_frame\" not implemented for '%s'",
                     pl_dtype_scalar_name(logp->dtype));
        return NULL;
    }
    if (pl_is_half(logp))
        PL_RUN_IN_COMPUTE3(logp, weight, NULL,
                           ((void)cz_, pl_nll_loss(cx_, target, cy_, reduction, ignore_index)));
    int64_t N = logp->ndim == 2 ? logp->shape[0] : 1, C = logp->shape[logp->ndim - 1];
    if (target->numel != N || target->ndim > 1) {
        pl_error_set(PL_ERR_VALUE, "Expected input batch_size (%lld) to match target batch_size (%lld).",
                     (long long)N, (long long)target->numel);
        return NULL;
    }
    if (weight && (weight->numel != C || weight->dtype != logp->dtype)) {
        if (weight->numel != C)
            pl_error_set(PL_ERR_RUNTIME, "weight tensor should be defined either for all %lld "
                         "classes or no classes but got weight tensor of shape: [%lld]",
                         (long long)C, (long long)weight->numel);
        else
            pl_error_set(PL_ERR_RUNTIME, "expected scalar type %s but found %s",
                         pl_dtype_scalar_name(logp->dtype), pl_dtype_scalar_name(weight->dtype));
        return NULL;
    }
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    pl_tensor *xc = pl_contiguous(logp), *tc = xc ? pl_contiguous(target) : NULL;
    pl_tensor *wc = tc && weight ? pl_contiguous(weight) : NULL;
    pl_set_grad_enabled(was);
    pl_tensor *out = NULL;
    if (tc && (!weight || wc))
        out = reduction == 0 ? pl_tensor_empty(target->ndim, target->shape, logp->dtype)
                             : pl_tensor_empty(0, NULL, logp->dtype);
    double total = 0;
    if (out) {
        const int64_t *td = (const int64_t *)pl_tensor_data(tc);
        int64_t bad = 0;
        int rc;
        if (logp->dtype == PL_FLOAT32) {
            float l = 0, tw = 0;
            rc = nll_forward_f32((const float *)pl_tensor_data(xc), td,
                                 wc ? (const float *)pl_tensor_data(wc) : NULL, N, C, ignore_index,
                                 reduction, reduction == 0 ? (float *)pl_tensor_data(out) : NULL,
                                 &l, &tw, &bad);
            if (reduction != 0) *(float *)pl_tensor_data(out) = l;
            total = tw;
        } else {
            double l = 0, tw = 0;
            rc = nll_forward_f64((const double *)pl_tensor_data(xc), td,
                                 wc ? (const double *)pl_tensor_data(wc) : NULL, N, C,
                                 ignore_index, reduction,
                                 reduction == 0 ? (double *)pl_tensor_data(out) : NULL, &l, &tw,
                                 &bad);
            if (reduction != 0) *(double *)pl_tensor_data(out) = l;
            total = tw;
        }
        if (rc < 0) {
            pl_tensor_release(out);
            out = NULL;
            pl_error_set(PL_ERR_INDEX, "Target %lld is out of bounds.", (long long)bad);
        }
    }
    pl_tensor_release(xc);
    pl_tensor_release(tc);
    pl_tensor_release(wc);
    if (!out) return NULL;
    if (pl_needs_grad(&logp, 1)) {
        pl_node *node;
        pl_tensor *save[2] = {target, weight};
        if (!(out = pl_record(out, &nll_kind, &logp, 1, save, 2, &node))) return NULL;
        node->ints[0] = reduction;
        node->ints[1] = ignore_index;
        node->scalars[0] = total;
    }
    return out;
}
