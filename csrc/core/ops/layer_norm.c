/* layer_norm.c — layer normalisation over the trailing D elements of each row, forward and
 * backward in one pass per row each (PyTorch's native_layer_norm, grad_fn
 * NativeLayerNormBackward0). See ops.h, pl_layer_norm.
 *
 * Dimensions: R rows (the leading dims), D normalised elements (the trailing dims, flattened).
 * Forward, per row:  mean = sum(x) / D,  var = sum((x - mean)^2) / D (biased),
 *     rstd = 1 / sqrt(var + eps),  y = (x - mean) * rstd * w + b
 * (the sums accumulate in double, so they agree with PyTorch's float kernel to rounding).
 * Backward, in the forward pass this was y = xhat * w + b with xhat = (x - mean) * rstd, so:
 *     gw = dy * w;  dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat))
 *     dw = sum over rows of dy * xhat;  db = sum over rows of dy.
 * The plain reference is the composition of Tensor ops in nn/_functional_seq.py (layer_norm
 * with _FUSED_LAYER_NORM off), which the tests compare with this kernel.
 *
 * A backward run with grad mode on (create_graph) is written with recording ops instead, so it
 * can be differentiated again.
 *
 * node: saved[0] = x (contiguous), saved[1] = w or nothing, saved[2] = stats (R, 2): mean and
 * rstd per row; ints[0] = D; scalars[0] = eps.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "internal.h"

#define DEFINE_LN(S, T)                                                                    \
    static void ln_forward_##S(T *y, T *stats, const T *x, const T *w, const T *b,          \
                               int64_t R, int64_t D, double eps)                           \
    {                                                                                      \
        for (int64_t r = 0; r < R; r++) {                                                  \
            const T *xr = x + r * D; /* (D) */                                             \
            T *yr = y + r * D;                                                             \
            double s = 0, q = 0;                                                           \
            for (int64_t j = 0; j < D; j++) s += xr[j];                                    \
            double mean = s / (double)D;                                                   \
            for (int64_t j = 0; j < D; j++) {                                              \
                double d = xr[j] - mean;                                                   \
                q += d * d;                                                                \
            }                                                                              \
            T m = (T)mean, rstd = (T)(1.0 / sqrt(q / (double)D + eps));                    \
            for (int64_t j = 0; j < D; j++) {                                              \
                T v = (xr[j] - m) * rstd;                                                  \
                if (w) v = v * w[j];                                                       \
                if (b) v = v + b[j];                                                       \
                yr[j] = v;                                                                 \
            }                                                                              \
            stats[2 * r] = m;                                                              \
            stats[2 * r + 1] = rstd;                                                       \
        }                                                                                  \
    }                                                                                      \
                                                                                           \
    /* dx (R, D) or NULL; dw, db (D) zeroed by the caller, or NULL */                      \
    static void ln_backward_##S(T *dx, T *dw, T *db, const T *g, const T *x, const T *w,    \
                                const T *stats, int64_t R, int64_t D)                      \
    {                                                                                      \
        for (int64_t r = 0; r < R; r++) {                                                  \
            const T *xr = x + r * D, *gr = g + r * D; /* (D) */                            \
            T m = stats[2 * r], rstd = stats[2 * r + 1];                                   \
            double a = 0, c = 0;                                                           \
            for (int64_t j = 0; j < D; j++) {                                              \
                T xh = (xr[j] - m) * rstd;                                                 \
                T gw = w ? gr[j] * w[j] : gr[j];                                           \
                a += gw;                                                                   \
                c += (double)gw * xh;                                                      \
                if (dw) dw[j] += gr[j] * xh;                                               \
                if (db) db[j] += gr[j];                                                    \
            }                                                                              \
            if (!dx) continue;                                                             \
            T ma = (T)(a / (double)D), mc = (T)(c / (double)D);                            \
            T *dr = dx + r * D;                                                            \
            for (int64_t j = 0; j < D; j++) {                                              \
                T xh = (xr[j] - m) * rstd;                                                 \
                T gw = w ? gr[j] * w[j] : gr[j];                                           \
                dr[j] = rstd * (gw - ma - xh * mc);                                        \
            }                                                                              \
        }                                                                                  \
    }

DEFINE_LN(f32, float)
DEFINE_LN(f64, double)

/* The backward written with recording ops, for a backward run with grad mode on
 * (create_graph): mean and rstd are recomputed from x so that the results carry their graph.
 * dw and db are left in x's shape; the engine sums them to the parameters' shapes. */
static pl_status
ln_backward_recorded(pl_node *node, pl_tensor *x, pl_tensor *w, pl_tensor *g, pl_tensor **din)
{
    int64_t D = node->ints[0], dims[PL_MAX_DIMS];
    int k = 0;
    for (int64_t p = 1; k < x->ndim && p != D; k++) p *= x->shape[x->ndim - 1 - k];
    if (k == 0) k = 1;
    for (int i = 0; i < k; i++) dims[i] = x->ndim - k + i;
    /* new references; t[] collects the temporaries */
    pl_tensor *t[12] = {0};
    int n = 0;
#define TMP(e) (t[n] = (e), t[n++])
    pl_tensor *eps = TMP(pl_tensor_scalar(node->scalars[0], PL_FLOAT64));
    pl_tensor *mean = eps ? TMP(pl_mean(x, dims, k, true)) : NULL;
    pl_tensor *xc = mean ? TMP(pl_binary(PL_SUB, x, mean, 1, false, false)) : NULL;
    pl_tensor *sq = xc ? TMP(pl_binary(PL_MUL, xc, xc, 1, false, false)) : NULL;
    pl_tensor *var = sq ? TMP(pl_mean(sq, dims, k, true)) : NULL;
    pl_tensor *ve = var ? TMP(pl_binary(PL_ADD, var, eps, 1, false, false)) : NULL;
    pl_tensor *rstd = ve ? TMP(pl_unary(PL_RSQRT, ve)) : NULL;
    pl_tensor *xhat = rstd ? TMP(pl_binary(PL_MUL, xc, rstd, 1, false, false)) : NULL;
    pl_tensor *gw = !xhat ? NULL : w ? TMP(pl_binary(PL_MUL, g, w, 1, false, false)) : g;
    pl_tensor *ma = gw ? TMP(pl_mean(gw, dims, k, true)) : NULL;
    pl_tensor *gx = ma ? TMP(pl_binary(PL_MUL, gw, xhat, 1, false, false)) : NULL;
    pl_tensor *mc = gx ? TMP(pl_mean(gx, dims, k, true)) : NULL;
#undef TMP
    pl_status st = mc ? PL_OK : pl_error_status();
    if (st == PL_OK && node->next[0].fn) { /* rstd * (gw - ma - xhat * mc) */
        pl_tensor *a = pl_binary(PL_SUB, gw, ma, 1, false, false);
        pl_tensor *b = a ? pl_binary(PL_MUL, xhat, mc, 1, false, false) : NULL;
        pl_tensor *c = b ? pl_binary(PL_SUB, a, b, 1, false, false) : NULL;
        din[0] = c ? pl_binary(PL_MUL, rstd, c, 1, false, false) : NULL;
        pl_tensor_release(a);
        pl_tensor_release(b);
        pl_tensor_release(c);
        if (!din[0]) st = pl_error_status();
    }
    if (st == PL_OK && w && node->next[1].fn &&
        !(din[1] = pl_binary(PL_MUL, g, xhat, 1, false, false))) {
        st = pl_error_status();
    }
    if (st == PL_OK && node->next[2].fn) din[2] = pl_tensor_retain(g);
    for (int i = 0; i < n; i++) pl_tensor_release(t[i]);
    return st;
}

static pl_status
ln_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    if (pl_grad_enabled()) { /* a backward that records its own graph (create_graph) */
        pl_tensor *xs = pl_node_saved(node, 0);
        pl_tensor *ws = pl_node_has_saved(node, 1) ? pl_node_saved(node, 1) : NULL;
        if (!xs || (pl_node_has_saved(node, 1) && !ws)) return pl_error_status();
        return ln_backward_recorded(node, xs, ws, g, din);
    }
    pl_tensor *x = pl_node_saved(node, 0), *stats = pl_node_saved(node, 2);
    pl_tensor *w = pl_node_has_saved(node, 1) ? pl_node_saved(node, 1) : NULL;
    if (!x || !stats || (pl_node_has_saved(node, 1) && !w)) return pl_error_status();
    int64_t D = node->ints[0], R = D ? x->numel / D : 0;
    pl_tensor *gc = pl_contiguous(g); /* new references from here */
    pl_tensor *dx = NULL, *dw = NULL, *db = NULL;
    if (!gc || (node->next[0].fn && !(dx = pl_tensor_empty(x->ndim, x->shape, x->dtype))) ||
        (w && node->next[1].fn && !(dw = pl_tensor_zeros(w->ndim, w->shape, w->dtype))) ||
        (node->next[2].fn && !(db = pl_tensor_zeros(node->next[2].ndim, node->next[2].shape,
                                                    x->dtype)))) {
        pl_tensor_release(gc);
        pl_tensor_release(dx);
        pl_tensor_release(dw);
        pl_tensor_release(db);
        return pl_error_status();
    }
#define P(t, T) ((t) ? (T *)pl_tensor_data(t) : NULL)
    if (x->dtype == PL_FLOAT32) {
        ln_backward_f32(P(dx, float), P(dw, float), P(db, float), P(gc, const float),
                        P(x, const float), P(w, const float), P(stats, const float), R, D);
    } else {
        ln_backward_f64(P(dx, double), P(dw, double), P(db, double), P(gc, const double),
                        P(x, const double), P(w, const double), P(stats, const double), R, D);
    }
#undef P
    pl_tensor_release(gc);
    din[0] = dx;
    din[1] = dw;
    din[2] = db;
    return PL_OK;
}

static const pl_node_kind ln_kind = {.name = "NativeLayerNormBackward0",
                                     .backward = ln_backward, .flags = PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_layer_norm(pl_tensor *x, int64_t D, pl_tensor *w, pl_tensor *b, double eps)
{
    if (!pl_dtype_is_floating(x->dtype) || (w && w->dtype != x->dtype) ||
        (b && b->dtype != x->dtype)) {
        pl_error_set(PL_ERR_RUNTIME, "layer_norm: expected input, weight and bias of one floating "
                                     "dtype");
        return NULL;
    }
    if (D <= 0 || x->numel % D != 0 || (w && w->numel != D) || (b && b->numel != D)) {
        pl_error_set(PL_ERR_RUNTIME, "layer_norm: %lld normalised elements do not fit the input, "
                                     "weight or bias", (long long)D);
        return NULL;
    }
    if (pl_is_half(x)) PL_RUN_IN_COMPUTE3(x, w, b, pl_layer_norm(cx_, D, cy_, cz_, eps));
    int64_t R = x->numel / D;
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    /* new references, no history */
    pl_tensor *xc = pl_contiguous(x), *wc = w ? pl_contiguous(w) : NULL;
    pl_tensor *bc = b ? pl_contiguous(b) : NULL;
    pl_set_grad_enabled(was);
    int64_t sshape[2] = {R, 2};
    pl_tensor *out = NULL, *stats = NULL;
    if (!xc || (w && !wc) || (b && !bc) || !(out = pl_tensor_empty(x->ndim, x->shape, x->dtype)) ||
        !(stats = pl_tensor_empty(2, sshape, x->dtype))) {
        goto fail;
    }
#define P(t, T) ((t) ? (T *)pl_tensor_data(t) : NULL)
    if (x->dtype == PL_FLOAT32) {
        ln_forward_f32(P(out, float), P(stats, float), P(xc, const float), P(wc, const float),
                       P(bc, const float), R, D, eps);
    } else {
        ln_forward_f64(P(out, double), P(stats, double), P(xc, const double), P(wc, const double),
                       P(bc, const double), R, D, eps);
    }
#undef P
    pl_tensor *ins[3] = {x, w, b};
    if (pl_needs_grad(ins, 3)) {
        pl_tensor *save[3] = {xc, wc, stats}; /* wc: NULL without a weight */
        pl_node *node;
        if (!(out = pl_record(out, &ln_kind, ins, 3, save, 3, &node))) goto fail;
        node->ints[0] = D;
        node->scalars[0] = eps;
    }
    pl_tensor_release(xc);
    pl_tensor_release(wc);
    pl_tensor_release(bc);
    pl_tensor_release(stats);
    return out;
fail:
    pl_tensor_release(xc);
    pl_tensor_release(wc);
    pl_tensor_release(bc);
    pl_tensor_release(out);
    pl_tensor_release(stats);
    return NULL;
}
