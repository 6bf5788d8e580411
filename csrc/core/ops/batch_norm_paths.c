/* batch_norm_paths.c — batch_norm's two backward paths outside ATen's fast kernels
 * (ops/batch_norm.c has those and the node; see there for the node's saved tensors):
 *   pl_bn_backward_generic   ATen's generic backward, for a gradient neither contiguous nor
 *                            channels-last (an expanded one, from y.sum().backward())
 *   pl_bn_backward_recorded  the backward written with recording ops, for a backward run with
 *                            grad mode on (create_graph), so it differentiates again
 */
#include <math.h>
#include <stdbool.h>

#include "../autograd.h"
#include "../ops.h"
#include "internal.h"

typedef struct gen_args {
    int64_t N, C, S;
    bool train;
    const void *x, *g, *w;       /* (N, C, S) contiguous, (N, C, S) contiguous, (C) or NULL */
    const void *mean, *invstd;   /* (C) each */
    void *dx, *dw, *db;          /* results or NULL */
} gen_args;

/* ATen's backward for a gradient not laid out as the input (an expanded one, say): db is
 * torch.sum of g over all dims but 1; per channel dotp sums the T products (x - mean) * g in
 * double, in (n, s) order; no FMA (that code is built for the baseline CPU):
 *   dx = ((g - db / R) - (x - mean) * k) * invstd * w, k = (T)dotp * invstd * invstd / R
 * (training), g * invstd * w (evaluation); dw = dotp * invstd. */
#define DEFINE_GENERIC(S_, T)                                                                  \
    static void generic_##S_(const gen_args *a, const T *sum)                                   \
    {                                                                                          \
        int64_t C = a->C, Sz = a->S, R = a->N * a->S;                                          \
        const T *x = a->x, *g = a->g, *w = a->w, *mean = a->mean, *invstd = a->invstd;        \
        T *dx = a->dx, *dw = a->dw, *db = a->db; /* x, g, dx: (N, C, S) */                     \
        for (int64_t c = 0; c < C; c++) {                                                      \
            T m = mean[c], is = invstd[c], wc = w ? w[c] : (T)1;                               \
            double dotp = 0;                                                                   \
            for (int64_t n = 0; n < a->N; n++) {                                               \
                const T *xp = x + (n * C + c) * Sz, *gp = g + (n * C + c) * Sz;                \
                for (int64_t i = 0; i < Sz; i++) dotp += (T)((xp[i] - m) * gp[i]);             \
            }                                                                                  \
            if (dx) {                                                                          \
                T k = (T)dotp * is * is / (T)R, gm = sum[c] / (T)R;                            \
                for (int64_t n = 0; n < a->N; n++) {                                           \
                    int64_t off = (n * C + c) * Sz;                                            \
                    for (int64_t i = 0; i < Sz; i++) {                                         \
                        T gi = a->train ? (x[off + i] - m) * k : 0;                            \
                        dx[off + i] = a->train ? (g[off + i] - gm - gi) * is * wc              \
                                               : g[off + i] * is * wc;                         \
                    }                                                                          \
                }                                                                              \
            }                                                                                  \
            if (dw) dw[c] = (T)(dotp * is);                                                    \
            if (db) db[c] = sum[c];                                                            \
        }                                                                                      \
    }
DEFINE_GENERIC(f32, float)
DEFINE_GENERIC(f64, double)

pl_status
pl_bn_backward_generic(pl_node *node, pl_tensor *x, pl_tensor *w, pl_tensor *stats, pl_tensor *g,
                       pl_tensor **din)
{
    int64_t C = x->shape[1], dims[PL_MAX_DIMS];
    int k = 0;
    dims[k++] = 0;
    for (int d = 2; d < x->ndim; d++) dims[k++] = d;
    /* new references */
    pl_tensor *sum = pl_sum(g, dims, k, false);
    pl_tensor *xc = sum ? pl_contiguous(x) : NULL, *gc = xc ? pl_contiguous(g) : NULL;
    pl_tensor *dx = NULL, *dw = NULL, *db = NULL;
    if (!gc || (node->next[0].fn && !(dx = pl_tensor_empty(x->ndim, x->shape, x->dtype))) ||
        (w && node->next[1].fn && !(dw = pl_tensor_empty(1, &C, x->dtype))) ||
        (node->next[2].fn && !(db = pl_tensor_empty(1, &C, x->dtype)))) {
        goto fail;
    }
    gen_args a = {.N = x->shape[0], .C = C, .train = node->ints[0] != 0};
    a.S = x->numel / a.N / C;
    a.x = pl_tensor_data(xc);
    a.g = pl_tensor_data(gc);
    a.w = w ? pl_tensor_data(w) : NULL;
    a.mean = pl_tensor_data(stats);
    a.invstd = (char *)a.mean + C * pl_dtype_size(x->dtype);
    a.dx = dx ? pl_tensor_data(dx) : NULL;
    a.dw = dw ? pl_tensor_data(dw) : NULL;
    a.db = db ? pl_tensor_data(db) : NULL;
    if (x->dtype == PL_FLOAT64) generic_f64(&a, (const double *)pl_tensor_data(sum));
    else generic_f32(&a, (const float *)pl_tensor_data(sum));
    pl_tensor_release(sum);
    pl_tensor_release(xc);
    pl_tensor_release(gc);
    din[0] = dx;
    din[1] = dw;
    din[2] = db;
    return PL_OK;
fail:
    pl_tensor_release(sum);
    pl_tensor_release(xc);
    pl_tensor_release(gc);
    pl_tensor_release(dx);
    pl_tensor_release(dw);
    pl_tensor_release(db);
    return pl_error_status();
}


/* The backward written with recording ops, for a backward run with grad mode on
 * (create_graph). Training recomputes mean and invstd from x so that they carry its graph;
 * evaluation uses the saved statistics (constants). */
pl_status
pl_bn_backward_recorded(pl_node *node, pl_tensor *x, pl_tensor *w, pl_tensor *stats, pl_tensor *g,
                        pl_tensor **din)
{
    int nd = x->ndim, k = 0;
    int64_t dims[PL_MAX_DIMS], cshape[PL_MAX_DIMS];
    dims[k++] = 0;
    for (int d = 2; d < nd; d++) dims[k++] = d;
    for (int d = 0; d < nd; d++) cshape[d] = d == 1 ? x->shape[1] : 1; /* (1, C, 1...) */
    pl_tensor *t[20] = {0};
    int n = 0;
#define TMP(e) (t[n] = (e), t[n++])
    pl_tensor *xhat, *rstd;
    if (node->ints[0]) {
        pl_tensor *eps = TMP(pl_tensor_scalar(node->scalars[0], PL_FLOAT64));
        pl_tensor *mean = eps ? TMP(pl_mean(x, dims, k, true)) : NULL;
        pl_tensor *xc = mean ? TMP(pl_binary(PL_SUB, x, mean, 1, false, false)) : NULL;
        pl_tensor *sq = xc ? TMP(pl_binary(PL_MUL, xc, xc, 1, false, false)) : NULL;
        pl_tensor *var = sq ? TMP(pl_mean(sq, dims, k, true)) : NULL;
        pl_tensor *ve = var ? TMP(pl_binary(PL_ADD, var, eps, 1, false, false)) : NULL;
        rstd = ve ? TMP(pl_unary(PL_RSQRT, ve)) : NULL;
        xhat = rstd ? TMP(pl_binary(PL_MUL, xc, rstd, 1, false, false)) : NULL;
    } else {
        pl_tensor *m0 = TMP(pl_select(stats, 0, 0)), *i0 = m0 ? TMP(pl_select(stats, 0, 1)) : NULL;
        pl_tensor *mean = i0 ? TMP(pl_view(m0, nd, cshape)) : NULL;
        rstd = mean ? TMP(pl_view(i0, nd, cshape)) : NULL;
        pl_tensor *xc = rstd ? TMP(pl_binary(PL_SUB, x, mean, 1, false, false)) : NULL;
        xhat = xc ? TMP(pl_binary(PL_MUL, xc, rstd, 1, false, false)) : NULL;
    }
    pl_tensor *wv = !xhat || !w ? NULL : TMP(pl_view(w, nd, cshape));
    pl_tensor *gw = !xhat || (w && !wv) ? NULL : w ? TMP(pl_binary(PL_MUL, g, wv, 1, false, false)) : g;
    pl_status st = gw ? PL_OK : pl_error_status();
    if (st == PL_OK && node->next[0].fn) {
        if (node->ints[0]) { /* rstd * (gw - mean(gw) - xhat * mean(gw * xhat)) */
            pl_tensor *ma = TMP(pl_mean(gw, dims, k, true));
            pl_tensor *gx = ma ? TMP(pl_binary(PL_MUL, gw, xhat, 1, false, false)) : NULL;
            pl_tensor *mc = gx ? TMP(pl_mean(gx, dims, k, true)) : NULL;
            pl_tensor *a = mc ? TMP(pl_binary(PL_SUB, gw, ma, 1, false, false)) : NULL;
            pl_tensor *b = a ? TMP(pl_binary(PL_MUL, xhat, mc, 1, false, false)) : NULL;
            pl_tensor *c = b ? TMP(pl_binary(PL_SUB, a, b, 1, false, false)) : NULL;
            din[0] = c ? pl_binary(PL_MUL, rstd, c, 1, false, false) : NULL;
        } else {
            din[0] = pl_binary(PL_MUL, gw, rstd, 1, false, false);
        }
        if (!din[0]) st = pl_error_status();
    }
    if (st == PL_OK && w && node->next[1].fn) {
        pl_tensor *gx = TMP(pl_binary(PL_MUL, g, xhat, 1, false, false));
        if (!gx || !(din[1] = pl_sum(gx, dims, k, false))) st = pl_error_status();
    }
    if (st == PL_OK && node->next[2].fn && !(din[2] = pl_sum(g, dims, k, false)))
        st = pl_error_status();
#undef TMP
    for (int i = 0; i < n; i++) pl_tensor_release(t[i]);
    return st;
}

