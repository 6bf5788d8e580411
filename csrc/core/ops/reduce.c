/* reduce.c — sum, mean, var/std, max/min (whole tensor and along a dim), argmax, sum_to.
 *
 * sum and mean add up in PyTorch's order and dtype (sum_order.c), so results match bit for bit;
 * var/std accumulate in double.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "expr.h"
#include "internal.h"

/* ---- dims ---- */

typedef struct {
    bool reduced[PL_MAX_DIMS];
    int64_t count; /* elements reduced into each output */
    int out_ndim;  /* with keepdim */
    int64_t out_shape[PL_MAX_DIMS];
    int64_t keep_shape[PL_MAX_DIMS]; /* input shape with reduced dims set to 1 */
} reduce_plan;

static pl_status
plan_reduce(const pl_tensor *a, const int64_t *dims, int ndims, bool keepdim, reduce_plan *p)
{
    memset(p, 0, sizeof *p);
    if (ndims < 0 || (ndims == 0 && a->ndim > 0)) {
        for (int i = 0; i < a->ndim; i++) p->reduced[i] = true;
    } else {
        for (int k = 0; k < ndims; k++) {
            int d;
            if (pl_wrap_dim(dims[k], a->ndim, &d) != PL_OK) return pl_error_status();
            if (a->ndim == 0) continue;
            if (p->reduced[d]) {
                return pl_error_set(PL_ERR_RUNTIME, "dim %d appears multiple times in the list of dims", d);
            }
            p->reduced[d] = true;
        }
    }
    p->count = 1;
    for (int i = 0; i < a->ndim; i++) {
        if (p->reduced[i]) {
            p->count *= a->shape[i];
            p->keep_shape[i] = 1;
            if (keepdim) p->out_shape[p->out_ndim++] = 1;
        } else {
            p->keep_shape[i] = a->shape[i];
            p->out_shape[p->out_ndim++] = a->shape[i];
        }
    }
    return PL_OK;
}

/* ---- accumulation kernels: acc (double, broadcast over reduced dims) += x ---- */

#define DEFINE_ACC(NAME, T)                                                                  \
    static void NAME(char **p, const int64_t *s, int64_t n, void *ctx)                       \
    {                                                                                        \
        (void)ctx;                                                                           \
        if (s[0] == 0) {                                                                     \
            double sum = 0;                                                                  \
            if (s[1] == sizeof(T)) {                                                         \
                const T *x = (const T *)p[1];                                                \
                for (int64_t i = 0; i < n; i++) sum += (double)x[i];                         \
            } else {                                                                         \
                for (int64_t i = 0; i < n; i++) sum += (double)*(const T *)(p[1] + i * s[1]); \
            }                                                                                \
            *(double *)p[0] += sum;                                                          \
            return;                                                                          \
        }                                                                                    \
        for (int64_t i = 0; i < n; i++) {                                                    \
            *(double *)(p[0] + i * s[0]) += (double)*(const T *)(p[1] + i * s[1]);           \
        }                                                                                    \
    }
DEFINE_ACC(acc_b, uint8_t)
DEFINE_ACC(acc_i, int64_t)
DEFINE_ACC(acc_f, float)
DEFINE_ACC(acc_d, double)
static const pl_inner_fn acc_kernels[PL_NUM_DTYPES] = {acc_b, acc_i, acc_f, acc_d};

/* squared deviations from a mean (both broadcast like acc) */
#define DEFINE_SQDEV(NAME, T)                                                                \
    static void NAME(char **p, const int64_t *s, int64_t n, void *ctx)                       \
    {                                                                                        \
        (void)ctx;                                                                           \
        for (int64_t i = 0; i < n; i++) {                                                    \
            double d = (double)*(const T *)(p[1] + i * s[1]) - *(const double *)(p[2] + i * s[2]); \
            *(double *)(p[0] + i * s[0]) += d * d;                                           \
        }                                                                                    \
    }
DEFINE_SQDEV(sqdev_f, float)
DEFINE_SQDEV(sqdev_d, double)

/* Sums a into a double tensor of the keepdim shape. New reference. */
static pl_tensor *
sum_double(pl_tensor *a, const reduce_plan *p)
{
    pl_tensor *acc = pl_tensor_zeros(a->ndim, p->keep_shape, PL_FLOAT64);
    if (!acc || a->numel == 0) return acc;
    pl_loop loop;
    pl_loop_init(&loop, a->ndim, a->shape);
    pl_loop_add(&loop, acc);
    pl_loop_add(&loop, a);
    pl_loop_run(&loop, acc_kernels[a->dtype], NULL);
    return acc;
}

/* Casts a double keepdim-shaped accumulator to dtype with the output shape. Steals acc. */
static pl_tensor *
finish(pl_tensor *acc, const reduce_plan *p, pl_dtype dtype)
{
    pl_tensor *out = pl_tensor_empty(p->out_ndim, p->out_shape, dtype);
    if (out) {
        pl_tensor *flat = pl_tensor_view_of(acc->storage, PL_FLOAT64, p->out_ndim, p->out_shape,
                                            out->strides, 0);
        if (!flat || pl_copy_raw(out, flat) != PL_OK) {
            pl_tensor_release(out);
            out = NULL;
        }
        pl_tensor_release(flat);
    }
    pl_tensor_release(acc);
    return out;
}

/* Floating sum in PyTorch's order, as a new contiguous tensor of the output shape. */
static pl_tensor *
ordered_sum(pl_tensor *a, const reduce_plan *p)
{
    pl_tensor *out = pl_tensor_empty(p->out_ndim, p->out_shape, a->dtype);
    if (out && pl_sum_ordered(a, p->reduced, out) != PL_OK) {
        pl_tensor_release(out);
        return NULL;
    }
    return out;
}

/* ---- backward: expand the gradient back over the reduced dims ---- */

static pl_tensor *
expand_back(pl_tensor *g, const pl_node *node)
{
    /* node->ints: [0] ndim, [1..ndim] keep_shape; the edge holds the input shape */
    int nd = (int)node->ints[0];
    pl_tensor *gc = pl_contiguous(g);
    if (!gc) return NULL;
    pl_tensor *v = pl_view(gc, nd, node->ints + 1);
    pl_tensor_release(gc);
    if (!v) return NULL;
    pl_tensor *e = pl_expand(v, node->next[0].ndim, node->next[0].shape);
    pl_tensor_release(v);
    return e;
}

static void
store_keep_shape(pl_node *node, const pl_tensor *a, const reduce_plan *p)
{
    node->ints[0] = a->ndim;
    memcpy(node->ints + 1, p->keep_shape, sizeof(int64_t) * a->ndim);
    node->scalars[0] = (double)p->count;
}

static pl_status
sum_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    din[0] = expand_back(g, node);
    return din[0] ? PL_OK : pl_error_status();
}

static pl_status
mean_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *k = pl_tensor_scalar(node->scalars[0], PL_FLOAT64);
    pl_tensor *q = k ? pl_binary(PL_DIV, g, k, 1, false, true) : NULL;
    pl_tensor_release(k);
    if (!q) return pl_error_status();
    din[0] = expand_back(q, node);
    pl_tensor_release(q);
    return din[0] ? PL_OK : pl_error_status();
}

static const pl_node_kind sum_all_kind = {"SumBackward0", sum_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind sum_dim_kind = {"SumBackward1", sum_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind mean_all_kind = {"MeanBackward0", mean_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind mean_dim_kind = {"MeanBackward1", mean_backward, PL_KIND_DIFFERENTIABLE};

static pl_tensor *
record(pl_tensor *out, pl_tensor *a, const pl_node_kind *kind, const reduce_plan *p)
{
    if (out && pl_dtype_is_floating(out->dtype) && pl_needs_grad(&a, 1)) {
        pl_node *node;
        if (!(out = pl_record(out, kind, &a, 1, NULL, 0, &node))) return NULL;
        store_keep_shape(node, a, p);
    }
    return out;
}

pl_tensor *
pl_sum(pl_tensor *a, const int64_t *dims, int ndims, bool keepdim)
{
    if (pl_is_half(a)) PL_RUN_IN_COMPUTE(a, pl_sum(c_, dims, ndims, keepdim));
    reduce_plan p;
    if (plan_reduce(a, dims, ndims, keepdim, &p) != PL_OK) return NULL;
    pl_dtype dt = pl_dtype_is_floating(a->dtype) ? a->dtype : PL_INT64;
    pl_tensor *out;
    if (dt == PL_INT64) { /* exact integer sums */
        pl_tensor *ai = pl_to_dtype(a, PL_INT64);
        if (!ai) return NULL;
        out = pl_tensor_zeros(p.out_ndim, p.out_shape, PL_INT64);
        pl_tensor *view = out ? pl_tensor_view_of(out->storage, PL_INT64, a->ndim, p.keep_shape,
                                                  (int64_t[PL_MAX_DIMS]){0}, 0) : NULL;
        if (view) {
            pl_contiguous_strides(a->ndim, p.keep_shape, view->strides);
            int64_t n = ai->numel;
            for (int64_t i = 0; i < n; i++) {
                /* logical walk: output index from the input index */
                int64_t rem = i, off_in = 0, off_out = 0;
                for (int d = a->ndim - 1; d >= 0; d--) {
                    int64_t idx = rem % a->shape[d];
                    rem /= a->shape[d];
                    off_in += idx * ai->strides[d];
                    if (!p.reduced[d]) off_out += idx * view->strides[d];
                }
                int64_t *acc = (int64_t *)pl_tensor_data(view) + off_out;
                /* int64 sums wrap, as PyTorch's do (in unsigned: no signed overflow) */
                *acc = (int64_t)((uint64_t)*acc + (uint64_t)((int64_t *)pl_tensor_data(ai))[off_in]);
            }
        }
        pl_tensor_release(view);
        pl_tensor_release(ai);
        return out;
    }
    out = ordered_sum(a, &p);
    return record(out, a, ndims < 0 ? &sum_all_kind : &sum_dim_kind, &p);
}

pl_tensor *
pl_mean(pl_tensor *a, const int64_t *dims, int ndims, bool keepdim)
{
    if (!pl_dtype_is_floating(a->dtype)) {
        pl_error_set(PL_ERR_RUNTIME,
                     "mean(): could not infer output dtype. Input dtype must be either a floating "
                     "point or complex dtype. Got: %s", pl_dtype_scalar_name(a->dtype));
        return NULL;
    }
    if (pl_is_half(a)) PL_RUN_IN_COMPUTE(a, pl_mean(c_, dims, ndims, keepdim));
    reduce_plan p;
    if (plan_reduce(a, dims, ndims, keepdim, &p) != PL_OK) return NULL;
    pl_tensor *out = ordered_sum(a, &p);
    if (!out) return NULL;
    /* PyTorch divides the sum by the count in the tensor's dtype */
    if (a->dtype == PL_FLOAT32) {
        float *d = out->storage->data;
        for (int64_t i = 0; i < out->numel; i++) d[i] = d[i] / (float)p.count;
    } else {
        double *d = out->storage->data;
        for (int64_t i = 0; i < out->numel; i++) d[i] = d[i] / (double)p.count;
    }
    return record(out, a, ndims < 0 ? &mean_all_kind : &mean_dim_kind, &p);
}

/* ---- var / std ---- */

static pl_status
var_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    /* var: g * 2 * (x - mean) / (N - correction); std: g * (x - mean) / (std * (N - correction)) */
    pl_tensor *x = pl_node_saved(node, 0);
    pl_tensor *mean = pl_node_saved(node, 1);
    pl_tensor *res = pl_node_has_saved(node, 2) ? pl_node_saved(node, 2) : NULL;
    if (!x || !mean || (pl_node_has_saved(node, 2) && !res)) return pl_error_status();
    double denom = node->scalars[1];
    pl_expr s = {.n = 0};
    if (pl_grad_enabled() && x->requires_grad) { /* create_graph: the mean's own dependence on x */
        int64_t dims[PL_MAX_DIMS];
        int nd = 0;
        for (int d = 0; d < x->ndim; d++) {
            if (node->ints[1 + d] == 1) dims[nd++] = d;
        }
        if (!(mean = ex_keep(&s, pl_mean(x, dims, nd, true)))) return pl_error_status();
    }
    pl_tensor *dev = ex_sub(&s, x, mean);
    pl_tensor *num = ex_mul(&s, dev ? ex_keep(&s, expand_back(g, node)) : NULL, dev);
    pl_tensor *r;
    if (res) { /* num / (std * denom) */
        r = ex_div(&s, num, ex_scale(&s, num ? ex_keep(&s, expand_back(res, node)) : NULL, denom));
    } else { /* num * (2 / denom) */
        r = ex_scale(&s, num, 2.0 / denom);
    }
    din[0] = pl_expr_result(&s, r);
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind var_kind = {"VarBackward0", var_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind std_kind = {"StdBackward0", var_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_var(pl_tensor *a, const int64_t *dims, int ndims, double correction, bool keepdim, bool take_sqrt)
{
    if (!pl_dtype_is_floating(a->dtype)) {
        pl_error_set(PL_ERR_RUNTIME, "std and var only support floating point and complex dtypes");
        return NULL;
    }
    if (pl_is_half(a)) PL_RUN_IN_COMPUTE(a, pl_var(c_, dims, ndims, correction, keepdim, take_sqrt));
    reduce_plan p;
    if (plan_reduce(a, dims, ndims, keepdim, &p) != PL_OK) return NULL;
    pl_tensor *mean = sum_double(a, &p);
    if (!mean) return NULL;
    double *m = mean->storage->data;
    for (int64_t i = 0; i < mean->numel; i++) m[i] /= (double)p.count;
    pl_tensor *acc = pl_tensor_zeros(a->ndim, p.keep_shape, PL_FLOAT64);
    if (!acc) {
        pl_tensor_release(mean);
        return NULL;
    }
    if (a->numel > 0) {
        pl_loop loop;
        pl_loop_init(&loop, a->ndim, a->shape);
        pl_loop_add(&loop, acc);
        pl_loop_add(&loop, a);
        pl_loop_add(&loop, mean);
        pl_loop_run(&loop, a->dtype == PL_FLOAT32 ? sqdev_f : sqdev_d, NULL);
    }
    double denom = (double)p.count - correction;
    if (denom <= 0) denom = 0; /* PyTorch: max(0, N - correction) -> inf/nan */
    double *d = acc->storage->data;
    for (int64_t i = 0; i < acc->numel; i++) {
        double v = d[i] / denom;
        d[i] = take_sqrt ? sqrt(v) : v;
    }
    pl_tensor *out = finish(acc, &p, a->dtype);
    if (out && pl_needs_grad(&a, 1)) {
        pl_tensor *mean_t = pl_to_dtype(mean, a->dtype);
        pl_tensor *save[3] = {a, mean_t, take_sqrt ? out : NULL};
        pl_node *node;
        if (!mean_t) {
            pl_tensor_release(out);
            out = NULL;
        } else if ((out = pl_record(out, take_sqrt ? &std_kind : &var_kind, &a, 1, save, 3, &node))) {
            store_keep_shape(node, a, &p);
            node->scalars[1] = denom;
        }
        pl_tensor_release(mean_t);
    }
    pl_tensor_release(mean);
    return out;
}

/* ---- max / min ---- */

static pl_status
max_all_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    /* the gradient is shared evenly among the elements equal to the result */
    pl_tensor *x = pl_node_saved(node, 0), *r = pl_node_saved(node, 1);
    if (!x || !r) return pl_error_status();
    pl_expr s = {.n = 0};
    pl_tensor *mask = ex_bin(&s, PL_EQ, x, r);
    pl_tensor *share = ex_div(&s, g, ex_sum(&s, mask, NULL, -1, false));
    pl_tensor *zero = share ? ex_keep(&s, pl_tensor_scalar(0.0, g->dtype)) : NULL;
    din[0] = pl_expr_result(&s, ex_where(&s, mask, share, zero));
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind max_all_kind = {"MaxBackward1", max_all_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind min_all_kind = {"MinBackward1", max_all_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_max_all(pl_tensor *a, bool is_min)
{
    if (a->numel == 0) {
        pl_error_set(PL_ERR_RUNTIME,
                     "%s(): Expected reduction dim to be specified for input.numel() == 0. "
                     "Specify the reduction dim with the 'dim' argument.", is_min ? "min" : "max");
        return NULL;
    }
    if (pl_is_half(a)) PL_RUN_IN_COMPUTE(a, pl_max_all(c_, is_min));
    double best = pl_tensor_get_double(a, 0);
    bool nan = best != best;
    for (int64_t i = 1; i < a->numel && !nan; i++) {
        double v = pl_tensor_get_double(a, i);
        if (v != v) nan = true, best = v;
        else if (is_min ? v < best : v > best) best = v;
    }
    pl_tensor *out;
    if (a->dtype == PL_INT64) { /* keep exact int64 values */
        out = pl_tensor_empty(0, NULL, PL_INT64);
        if (!out) return NULL;
        int64_t bi = 0;
        bool first = true;
        for (int64_t i = 0; i < a->numel; i++) {
            int64_t off = 0, rem = i;
            for (int d = a->ndim - 1; d >= 0; d--) {
                off += (rem % a->shape[d]) * a->strides[d];
                rem /= a->shape[d];
            }
            int64_t v = ((int64_t *)pl_tensor_data(a))[off];
            if (first || (is_min ? v < bi : v > bi)) bi = v, first = false;
        }
        *(int64_t *)out->storage->data = bi;
        return out;
    }
    out = pl_tensor_scalar(best, a->dtype);
    if (out && pl_dtype_is_floating(a->dtype) && pl_needs_grad(&a, 1)) {
        pl_tensor *save[2] = {a, out};
        out = pl_record(out, is_min ? &min_all_kind : &max_all_kind, &a, 1, save, 2, NULL);
    }
    return out;
}

/* values/indices along one dim; grad goes to the selected index */
/* The same through recording ops (create_graph): where(position == index, g, 0). */
static pl_status
max_dim_backward_composed(pl_node *node, pl_tensor *g, pl_tensor *idx, pl_tensor **din)
{
    int dim = (int)node->ints[PL_MAX_DIMS + 1];
    const pl_edge *e = &node->next[0];
    int64_t keep[PL_MAX_DIMS], along[PL_MAX_DIMS];
    for (int d = 0; d < e->ndim; d++) {
        keep[d] = d == dim ? 1 : e->shape[d];
        along[d] = d == dim ? e->shape[d] : 1;
    }
    pl_scalar zero = {true, 0, 0.0}, n = {true, e->shape[dim], (double)e->shape[dim]};
    pl_tensor *t[6] = {0};
    if ((t[0] = pl_arange(zero, n, (pl_scalar){true, 1, 1.0}, PL_INT64)) &&
        (t[1] = pl_reshape(t[0], e->ndim, along)) && (t[2] = pl_reshape(idx, e->ndim, keep)) &&
        (t[3] = pl_binary(PL_EQ, t[1], t[2], 1.0, false, false)) &&
        (t[4] = pl_reshape(g, e->ndim, keep)) && (t[5] = pl_tensor_scalar(0.0, g->dtype))) {
        din[0] = pl_where(t[3], t[4], t[5]);
    }
    for (int i = 0; i < 6; i++) pl_tensor_release(t[i]);
    return din[0] ? PL_OK : pl_error_status();
}

static pl_status
max_dim_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *idx = pl_node_saved(node, 0);
    if (!idx) return pl_error_status();
    int dim = (int)node->ints[PL_MAX_DIMS + 1];
    const pl_edge *e = &node->next[0];
    if (pl_grad_enabled() && g->requires_grad) return max_dim_backward_composed(node, g, idx, din);
    pl_tensor *out = pl_tensor_zeros(e->ndim, e->shape, g->dtype);
    pl_tensor *gk = out ? pl_contiguous(g) : NULL;
    pl_tensor *ik = gk ? pl_contiguous(idx) : NULL;
    if (!ik) {
        pl_tensor_release(out);
        pl_tensor_release(gk);
        return pl_error_status();
    }
    /* iterate over outer x inner of the reduced dim */
    int64_t outer = 1, inner = 1, n = e->shape[dim];
    for (int d = 0; d < dim; d++) outer *= e->shape[d];
    for (int d = dim + 1; d < e->ndim; d++) inner *= e->shape[d];
    const int64_t *ix = ik->storage->data;
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            int64_t src = o * inner + i;
            int64_t dst = (o * n + ix[src]) * inner + i;
            if (g->dtype == PL_FLOAT32)
                ((float *)out->storage->data)[dst] = ((float *)pl_tensor_data(gk))[src];
            else
                ((double *)out->storage->data)[dst] = ((double *)pl_tensor_data(gk))[src];
        }
    }
    pl_tensor_release(gk);
    pl_tensor_release(ik);
    din[0] = out;
    return PL_OK;
}
static const pl_node_kind max_dim_kind = {"MaxBackward0", max_dim_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind min_dim_kind = {"MinBackward0", max_dim_backward, PL_KIND_DIFFERENTIABLE};

pl_status
pl_max_dim(pl_tensor *a, int64_t dim_, bool keepdim, bool is_min, pl_tensor **values,
           pl_tensor **indices)
{
    int dim;
    if (pl_wrap_dim(dim_, a->ndim, &dim) != PL_OK) return pl_error_status();
    int64_t shape[PL_MAX_DIMS];
    int nd = 0;
    int64_t n = a->ndim ? a->shape[dim] : 1;
    if (n == 0) {
        return pl_error_set(PL_ERR_INDEX,
                            "%s(): Expected reduction dim %d to have non-zero size.",
                            is_min ? "min" : "max", dim);
    }
    for (int d = 0; d < a->ndim; d++) {
        if (d != dim) shape[nd++] = a->shape[d];
        else if (keepdim) shape[nd++] = 1;
    }
    if (pl_is_half(a)) { /* the values through float32, recorded under max's own node */
        pl_tensor *c = pl_to_dtype(a, PL_FLOAT32);
        pl_status st = c ? pl_max_dim(c, dim_, keepdim, is_min, values, indices) : pl_error_status();
        if (st == PL_OK && !(*values = pl_from_compute_of(*values, a->dtype, &a, &c, 1))) {
            pl_tensor_release(c);
            pl_tensor_release(*indices);
            *indices = NULL;
            return pl_error_status();
        }
        pl_tensor_release(c);
        return st;
    }
    pl_tensor *ac = pl_contiguous(a);
    pl_tensor *v = ac ? pl_tensor_empty(nd, shape, a->dtype) : NULL;
    pl_tensor *ix = v ? pl_tensor_empty(nd, shape, PL_INT64) : NULL;
    if (!ix) {
        pl_tensor_release(ac);
        pl_tensor_release(v);
        return pl_error_status();
    }
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < dim; d++) outer *= a->shape[d];
    for (int d = dim + 1; d < a->ndim; d++) inner *= a->shape[d];
    pl_tensor *flat = pl_tensor_view_of(ac->storage, a->dtype, 1, &ac->numel, (int64_t[]){1}, ac->offset);
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            int64_t best_k = 0;
            if (a->dtype == PL_INT64) { /* exact: int64 values beyond 2**53 do not fit a double */
                const int64_t *xs = (const int64_t *)pl_tensor_data(flat); /* (outer, n, inner) */
                int64_t bi = xs[o * n * inner + i];
                for (int64_t k = 1; k < n; k++) {
                    int64_t x = xs[(o * n + k) * inner + i];
                    if (is_min ? x < bi : x > bi) bi = x, best_k = k;
                }
                ((int64_t *)ix->storage->data)[o * inner + i] = best_k;
                ((int64_t *)v->storage->data)[o * inner + i] = bi;
                continue;
            }
            double best = pl_tensor_get_double(flat, o * n * inner + i);
            for (int64_t k = 1; k < n && best == best; k++) {
                double x = pl_tensor_get_double(flat, (o * n + k) * inner + i);
                if (x != x || (is_min ? x < best : x > best)) best = x, best_k = k;
            }
            int64_t out_i = o * inner + i;
            ((int64_t *)ix->storage->data)[out_i] = best_k;
            pl_fill_contiguous((char *)v->storage->data + out_i * pl_dtype_size(a->dtype), a->dtype, 1, best);
        }
    }
    pl_tensor_release(flat);
    pl_tensor_release(ac);
    if (pl_dtype_is_floating(a->dtype) && pl_needs_grad(&a, 1)) {
        /* saved indices in keepdim layout so backward can walk them */
        int64_t ks[PL_MAX_DIMS];
        for (int d = 0; d < a->ndim; d++) ks[d] = d == dim ? 1 : a->shape[d];
        pl_tensor *ik = pl_view(ix, a->ndim, ks);
        pl_node *node = NULL;
        if (ik) {
            v = pl_record(v, is_min ? &min_dim_kind : &max_dim_kind, &a, 1, &ik, 1, &node);
        } else {
            pl_tensor_release(v);
            v = NULL;
        }
        pl_tensor_release(ik);
        if (!v) {
            pl_tensor_release(ix);
            return pl_error_status();
        }
        node->ints[PL_MAX_DIMS + 1] = dim;
    }
    *values = v;
    *indices = ix;
    return PL_OK;
}

pl_tensor *
pl_argmax(pl_tensor *a, bool all, int64_t dim, bool keepdim, bool is_min)
{
    pl_tensor *values = NULL, *indices = NULL;
    if (a->dtype == PL_BOOL) {
        pl_error_set(PL_ERR_RUNTIME, "%s(): does not support bool input", is_min ? "argmin" : "argmax");
        return NULL;
    }
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    pl_status st;
    if (all) {
        pl_tensor *ac = pl_contiguous(a);
        pl_tensor *flat = ac ? pl_view(ac, 1, &a->numel) : NULL;
        st = flat ? pl_max_dim(flat, 0, false, is_min, &values, &indices) : pl_error_status();
        pl_tensor_release(ac);
        pl_tensor_release(flat);
        if (st == PL_OK && keepdim) {
            int64_t ones[PL_MAX_DIMS];
            for (int i = 0; i < a->ndim; i++) ones[i] = 1;
            pl_tensor *r = pl_view(indices, a->ndim, ones);
            pl_tensor_release(indices);
            indices = r;
        }
    } else {
        st = pl_max_dim(a, dim, keepdim, is_min, &values, &indices);
    }
    pl_set_grad_enabled(was);
    pl_tensor_release(values);
    return st == PL_OK ? indices : NULL;
}

/* ---- sum_to (no autograd: used by the engine to undo broadcasting) ---- */

pl_tensor *
pl_sum_to(pl_tensor *g, int ndim, const int64_t *shape)
{
    int lead = g->ndim - ndim;
    int64_t dims[PL_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < g->ndim; i++) {
        if (i < lead || (shape[i - lead] == 1 && g->shape[i] != 1)) dims[nd++] = i;
    }
    if (lead < 0) {
        pl_error_set(PL_ERR_RUNTIME, "sum_to: gradient has fewer dims than its input");
        return NULL;
    }
    /* recorded when grad mode is on (a backward with create_graph) */
    pl_tensor *s = nd ? pl_sum(g, dims, nd, true) : pl_tensor_retain(g);
    pl_tensor *sc = s ? pl_contiguous(s) : NULL;
    pl_tensor *r = sc ? pl_reshape(sc, ndim, shape) : NULL;
    pl_tensor_release(s);
    pl_tensor_release(sc);
    return r;
}
