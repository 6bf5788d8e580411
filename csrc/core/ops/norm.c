/* norm.c — vector p-norms (torch.linalg.vector_norm, Tensor.norm) and their backward.
 *
 * The forward is written with other ops under no_grad and records one LinalgVectorNormBackward0
 * node, so the gradient follows PyTorch's linalg_vector_norm_backward: a zero norm gives a zero
 * gradient (not 0/0), and the inf-norms split the gradient evenly over the tied extremes.
 *
 * node: saved[0] = input, saved[1] = the norm with the reduced dims kept (size 1);
 * scalars[0] = p; ints[0] = ndim, ints[1..ndim] = that kept shape.
 */
#include <math.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "internal.h"

typedef struct {
    int ndim;
    int64_t keep_shape[PL_MAX_DIMS]; /* input shape, reduced dims set to 1 */
    int out_ndim;
    int64_t out_shape[PL_MAX_DIMS]; /* without keepdim */
    bool reduced[PL_MAX_DIMS];
} norm_plan;

static pl_status
plan_norm(const pl_tensor *a, const int64_t *dims, int ndims, norm_plan *p)
{
    memset(p, 0, sizeof *p);
    p->ndim = a->ndim;
    for (int k = 0; k < ndims; k++) {
        int d;
        if (pl_wrap_dim(dims[k], a->ndim, &d) != PL_OK) return pl_error_status();
        if (a->ndim == 0) continue;
        if (p->reduced[d]) {
            return pl_error_set(PL_ERR_RUNTIME, "dim %d appears multiple times in the list of dims", d);
        }
        p->reduced[d] = true;
    }
    for (int i = 0; i < a->ndim; i++) {
        if (ndims <= 0) p->reduced[i] = true; /* no dims: the whole tensor */
        p->keep_shape[i] = p->reduced[i] ? 1 : a->shape[i];
        if (!p->reduced[i]) p->out_shape[p->out_ndim++] = a->shape[i];
    }
    return PL_OK;
}

/* releases the n tensors of a scratch list */
static void
release_all(pl_tensor **ts, int n)
{
    for (int i = 0; i < n; i++) pl_tensor_release(ts[i]);
}

/* max (or min) of t over the planned dims, dims kept. New reference or NULL. */
static pl_tensor *
extreme_keep(pl_tensor *t, const norm_plan *p, bool is_min)
{
    pl_tensor *cur = pl_tensor_retain(t);
    for (int d = 0; d < p->ndim && cur; d++) {
        if (!p->reduced[d]) continue;
        pl_tensor *v = NULL, *idx = NULL;
        pl_status st = pl_max_dim(cur, d, true, is_min, &v, &idx);
        pl_tensor_release(cur);
        pl_tensor_release(idx);
        cur = st == PL_OK ? v : NULL;
    }
    return cur;
}

/* sum of t over the planned dims, dims kept */
static pl_tensor *
sum_keep(pl_tensor *t, const norm_plan *p)
{
    int64_t dims[PL_MAX_DIMS];
    int n = 0;
    for (int d = 0; d < p->ndim; d++) {
        if (p->reduced[d]) dims[n++] = d;
    }
    return pl_sum(t, dims, n > 0 ? n : -1, true);
}

/* the norm with kept dims, computed with plain ops (grad mode is off here) */
static pl_tensor *
norm_keep(pl_tensor *a, double p, const norm_plan *plan)
{
    pl_tensor *tmp[4] = {0};
    pl_tensor *r = NULL;
    if (isinf(p)) {
        tmp[0] = pl_unary(PL_ABS, a);
        r = tmp[0] ? extreme_keep(tmp[0], plan, p < 0) : NULL;
    } else if (p == 0) { /* the number of non-zero elements */
        tmp[0] = pl_tensor_scalar(0.0, a->dtype);
        tmp[1] = tmp[0] ? pl_binary(PL_NE, a, tmp[0], 1.0, false, true) : NULL;
        tmp[2] = tmp[1] ? pl_to_dtype(tmp[1], a->dtype) : NULL;
        r = tmp[2] ? sum_keep(tmp[2], plan) : NULL;
    } else if (p == 1) {
        tmp[0] = pl_unary(PL_ABS, a);
        r = tmp[0] ? sum_keep(tmp[0], plan) : NULL;
    } else if (p == 2) {
        tmp[0] = pl_binary(PL_MUL, a, a, 1.0, false, false);
        tmp[1] = tmp[0] ? sum_keep(tmp[0], plan) : NULL;
        r = tmp[1] ? pl_sqrt_ieee(tmp[1]) : NULL; /* PyTorch's norm kernel: std::sqrt */
    } else { /* (sum |a|^p)^(1/p) */
        tmp[0] = pl_unary(PL_ABS, a);
        tmp[1] = tmp[0] ? pl_pow_scalar(tmp[0], p) : NULL;
        tmp[2] = tmp[1] ? sum_keep(tmp[1], plan) : NULL;
        r = tmp[2] ? pl_pow_scalar(tmp[2], 1.0 / p) : NULL;
    }
    release_all(tmp, 4);
    return r;
}

/* where(cond, 0, v): v with zeros where cond holds */
static pl_tensor *
zero_where(pl_tensor *cond, pl_tensor *v)
{
    pl_tensor *zero = pl_tensor_scalar(0.0, v->dtype);
    pl_tensor *r = zero ? pl_where(cond, zero, v) : NULL;
    pl_tensor_release(zero);
    return r;
}

static pl_status
vector_norm_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *x = pl_node_saved(node, 0);
    pl_tensor *nrm = x ? pl_node_saved(node, 1) : NULL; /* (kept shape) */
    if (!x || !nrm) return pl_error_status();
    double p = node->scalars[0];
    int nd = (int)node->ints[0];
    const int64_t *keep = node->ints + 1;
    if (p == 0) return PL_OK; /* the count is piecewise constant: no gradient, as in PyTorch */
    pl_tensor *t[13] = {0};
    if (pl_grad_enabled() && x->requires_grad) { /* create_graph: the norm's own history */
        int64_t dims[PL_MAX_DIMS];
        int nred = 0;
        for (int d = 0; d < nd; d++) {
            if (keep[d] == 1) dims[nred++] = d;
        }
        if (nred > 0) {
            if (!(t[12] = pl_vector_norm(x, p, dims, nred, true))) return pl_error_status();
            nrm = t[12];
        }
    }
    pl_tensor *r = NULL;
    /* g in the kept shape, so it broadcasts against x */
    t[0] = pl_contiguous(g);
    pl_tensor *gk = t[0] ? (t[1] = pl_view(t[0], nd, keep)) : NULL;
    if (!gk) goto out;
    if (p == 1) { /* sgn(x) * g */
        t[2] = pl_unary(PL_SIGN, x);
        r = t[2] ? pl_binary(PL_MUL, t[2], gk, 1.0, false, false) : NULL;
    } else if (isinf(p)) { /* sgn(x) * g / count * mask, mask = (|x| == norm) | isnan(x) */
        norm_plan plan;
        memset(&plan, 0, sizeof plan);
        plan.ndim = nd;
        for (int d = 0; d < nd; d++) plan.reduced[d] = keep[d] == 1; /* size-1 dims: no-ops */
        t[2] = pl_unary(PL_ABS, x);
        t[3] = t[2] ? pl_binary(PL_EQ, t[2], nrm, 1.0, false, false) : NULL;
        t[4] = t[3] ? pl_binary(PL_NE, t[2], t[2], 1.0, false, false) : NULL;
        t[5] = t[4] ? pl_binary(PL_MAXIMUM, t[3], t[4], 1.0, false, false) : NULL; /* or */
        t[6] = t[5] ? pl_to_dtype(t[5], x->dtype) : NULL;
        t[7] = t[6] ? sum_keep(t[6], &plan) : NULL;
        t[8] = t[7] ? pl_binary(PL_DIV, gk, t[7], 1.0, false, false) : NULL;
        t[9] = t[8] ? pl_binary(PL_MUL, t[8], t[6], 1.0, false, false) : NULL;
        t[10] = t[9] ? pl_unary(PL_SIGN, x) : NULL;
        r = t[10] ? pl_binary(PL_MUL, t[10], t[9], 1.0, false, false) : NULL;
    } else {
        pl_tensor *zero = pl_tensor_scalar(0.0, x->dtype);
        t[2] = zero;
        t[3] = zero ? pl_binary(PL_EQ, nrm, zero, 1.0, false, true) : NULL; /* norm == 0 */
        if (!t[3]) goto out;
        if (p == 2) { /* x * (g / norm), zero where the norm is */
            t[4] = pl_binary(PL_DIV, gk, nrm, 1.0, false, false);
            t[5] = t[4] ? zero_where(t[3], t[4]) : NULL;
            r = t[5] ? pl_binary(PL_MUL, x, t[5], 1.0, false, false) : NULL;
        } else if (p < 1) { /* sgn(x) * |x|^(p-1) (0 where x is) * g * norm^(1-p) */
            t[4] = pl_unary(PL_ABS, x);
            t[5] = t[4] ? pl_pow_scalar(t[4], p - 1) : NULL;
            t[6] = t[5] ? pl_binary(PL_EQ, x, zero, 1.0, false, true) : NULL;
            t[7] = t[6] ? zero_where(t[6], t[5]) : NULL;
            t[8] = t[7] ? pl_unary(PL_SIGN, x) : NULL;
            t[9] = t[8] ? pl_binary(PL_MUL, t[8], t[7], 1.0, false, false) : NULL;
            t[10] = t[9] ? pl_pow_scalar(nrm, 1 - p) : NULL;
            t[11] = t[10] ? pl_binary(PL_MUL, gk, t[10], 1.0, false, false) : NULL;
            r = t[11] ? pl_binary(PL_MUL, t[9], t[11], 1.0, false, false) : NULL;
        } else { /* x * |x|^(p-2) (sgn(x) * |x|^(p-1) below 2) * g / norm^(p-1), 0 at norm 0 */
            t[4] = pl_unary(PL_ABS, x);
            t[5] = t[4] ? pl_pow_scalar(t[4], p < 2 ? p - 1 : p - 2) : NULL;
            t[6] = t[5] ? (p < 2 ? pl_unary(PL_SIGN, x) : pl_tensor_retain(x)) : NULL;
            t[7] = t[6] ? pl_binary(PL_MUL, t[6], t[5], 1.0, false, false) : NULL;
            t[8] = t[7] ? pl_pow_scalar(nrm, p - 1) : NULL;
            t[9] = t[8] ? pl_binary(PL_DIV, gk, t[8], 1.0, false, false) : NULL;
            t[10] = t[9] ? zero_where(t[3], t[9]) : NULL;
            r = t[10] ? pl_binary(PL_MUL, t[7], t[10], 1.0, false, false) : NULL;
        }
    }
out:
    release_all(t, 13);
    if (!r) return pl_error_status();
    din[0] = r;
    return PL_OK;
}

static const pl_node_kind vector_norm_kind = {"LinalgVectorNormBackward0", vector_norm_backward, PL_KIND_DIFFERENTIABLE};

static const char *
dtype_title(pl_dtype dt)
{
    return pl_dtype_scalar_name(dt);
}

pl_tensor *
pl_vector_norm(pl_tensor *a, double p, const int64_t *dims, int ndims, bool keepdim)
{
    if (!pl_dtype_is_floating(a->dtype)) {
        pl_error_set(PL_ERR_RUNTIME,
                     "linalg.vector_norm: Expected a floating point or complex tensor as input. "
                     "Got %s", dtype_title(a->dtype));
        return NULL;
    }
    if (pl_is_half(a)) PL_RUN_IN_COMPUTE(a, pl_vector_norm(c_, p, dims, ndims, keepdim));
    norm_plan plan;
    if (plan_norm(a, dims, ndims, &plan) != PL_OK) return NULL;
    if (isinf(p) && a->numel == 0) {
        pl_error_set(PL_ERR_RUNTIME,
                     "linalg.vector_norm cannot compute the %s norm on an empty tensor because "
                     "the operation does not have an identity", p > 0 ? "inf" : "-inf");
        return NULL;
    }
    bool record = pl_needs_grad(&a, 1);
    bool was_enabled = pl_grad_enabled();
    pl_set_grad_enabled(false);
    pl_tensor *kept = norm_keep(a, p, &plan); /* (keep_shape) */
    pl_tensor *out = NULL;
    if (kept && keepdim) {
        out = pl_tensor_retain(kept);
    } else if (kept) { /* a fresh result, not a view of the saved norm */
        pl_tensor *v = pl_view(kept, plan.out_ndim, plan.out_shape);
        out = v ? pl_clone(v) : NULL;
        pl_tensor_release(v);
    }
    pl_set_grad_enabled(was_enabled);
    if (out && record) {
        pl_tensor *save[2] = {a, kept};
        pl_node *node;
        if ((out = pl_record(out, &vector_norm_kind, &a, 1, save, 2, &node))) {
            node->scalars[0] = p;
            node->ints[0] = a->ndim;
            memcpy(node->ints + 1, plan.keep_shape, sizeof(int64_t) * a->ndim);
        }
    }
    pl_tensor_release(kept);
    return out;
}
