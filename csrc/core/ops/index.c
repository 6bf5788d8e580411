/* index.c — ops that gather or scatter rows: index_select, boolean masks, index_put_,
 * nonzero, and cat/stack, with their backwards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "internal.h"

/* ---- gathers and scatters along dim 0 / dim ---- */

/* out[..., i, ...] = a[..., index[i], ...] along dim; index is 1-D int64 (checked). */
static pl_tensor *
gather_rows(pl_tensor *a, int dim, pl_tensor *index)
{
    int64_t n = a->shape[dim];
    int64_t m = index->numel;
    pl_tensor *ic = pl_contiguous(index);
    if (!ic) return NULL;
    const int64_t *ix = (const int64_t *)pl_tensor_data(ic);
    for (int64_t i = 0; i < m; i++) {
        if (ix[i] < -n || ix[i] >= n) {
            pl_error_set(PL_ERR_INDEX, "index %lld is out of bounds for dimension %d with size %lld",
                         (long long)ix[i], dim, (long long)n);
            pl_tensor_release(ic);
            return NULL;
        }
    }
    int64_t shape[PL_MAX_DIMS];
    memcpy(shape, a->shape, sizeof(int64_t) * a->ndim);
    shape[dim] = m;
    pl_tensor *out = pl_tensor_empty(a->ndim, shape, a->dtype);
    if (!out) {
        pl_tensor_release(ic);
        return NULL;
    }
    if (dim == 0 && pl_tensor_is_contiguous(a)) {
        /* the DataLoader's batch gather: one memcpy per row */
        size_t row = (size_t)(a->numel / (n ? n : 1)) * pl_dtype_size(a->dtype);
        const char *src = pl_tensor_data(a);
        char *dst = out->storage->data;
        for (int64_t i = 0; i < m; i++) {
            int64_t k = ix[i] < 0 ? ix[i] + n : ix[i];
            memcpy(dst + i * row, src + k * row, row);
        }
    } else {
        for (int64_t i = 0; i < m; i++) {
            int64_t k = ix[i] < 0 ? ix[i] + n : ix[i];
            pl_tensor *s = pl_select(a, dim, k), *d = s ? pl_select(out, dim, i) : NULL;
            pl_status st = d ? pl_copy_raw(d, s) : pl_error_status();
            pl_tensor_release(s);
            pl_tensor_release(d);
            if (st != PL_OK) {
                pl_tensor_release(out);
                pl_tensor_release(ic);
                return NULL;
            }
        }
    }
    pl_tensor_release(ic);
    return out;
}

/* dst[..., index[i], ...] += src[..., i, ...] along dim (accumulating repeats) */
static pl_status
scatter_add_rows(pl_tensor *dst, int dim, pl_tensor *index, pl_tensor *src)
{
    pl_tensor *ic = pl_contiguous(index);
    if (!ic) return pl_error_status();
    const int64_t *ix = (const int64_t *)pl_tensor_data(ic);
    int64_t n = dst->shape[dim];
    for (int64_t i = 0; i < index->numel; i++) {
        int64_t k = ix[i] < 0 ? ix[i] + n : ix[i];
        pl_tensor *d = pl_select(dst, dim, k), *s = d ? pl_select(src, dim, i) : NULL;
        pl_status st = s ? pl_binary_(PL_ADD, d, s, 1.0, false) : pl_error_status();
        pl_tensor_release(d);
        pl_tensor_release(s);
        if (st != PL_OK) {
            pl_tensor_release(ic);
            return st;
        }
    }
    pl_tensor_release(ic);
    return PL_OK;
}

static pl_status
index_select_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *index = pl_node_saved(node, 0);
    if (!index) return pl_error_status();
    const pl_edge *e = &node->next[0];
    pl_tensor *z = pl_tensor_zeros(e->ndim, e->shape, g->dtype);
    if (!z) return pl_error_status();
    if (scatter_add_rows(z, (int)node->ints[0], index, g) != PL_OK) {
        pl_tensor_release(z);
        return pl_error_status();
    }
    din[0] = z;
    return PL_OK;
}
static const pl_node_kind index_select_kind = {"IndexSelectBackward0", index_select_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind index_kind = {"IndexBackward0", index_select_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_index_select(pl_tensor *a, int64_t dim_, pl_tensor *index, bool as_index_op)
{
    int dim;
    if (pl_wrap_dim(dim_, a->ndim, &dim) != PL_OK) return NULL;
    if (index->dtype == PL_INT32) { /* PyTorch takes int32 indices too */
        pl_tensor *wide = pl_cast_raw(index, PL_INT64);
        pl_tensor *r = wide ? pl_index_select(a, dim_, wide, as_index_op) : NULL;
        pl_tensor_release(wide);
        return r;
    }
    if (index->dtype != PL_INT64) {
        pl_error_set(PL_ERR_RUNTIME, "index_select(): Expected dtype int32 or int64 for index");
        return NULL;
    }
    if (index->ndim > 1) {
        pl_error_set(PL_ERR_INDEX, "index_select(): Index is supposed to be a vector");
        return NULL;
    }
    if (a->ndim == 0) {
        pl_error_set(PL_ERR_INDEX, "too many indices for tensor of dimension 0");
        return NULL;
    }
    if (!as_index_op) {
        /* index_select, unlike a[index], takes no negative indices */
        for (int64_t i = 0; i < index->numel; i++) {
            int64_t k = pl_tensor_get_int64(index, i);
            if (k < 0 || k >= a->shape[dim]) {
                pl_error_set(PL_ERR_INDEX, "index out of range in self");
                return NULL;
            }
        }
    }
    pl_tensor *out = gather_rows(a, dim, index);
    if (out && pl_dtype_is_floating(a->dtype) && pl_needs_grad(&a, 1)) {
        pl_node *node;
        const pl_node_kind *kind = as_index_op ? &index_kind : &index_select_kind;
        if (!(out = pl_record(out, kind, &a, 1, &index, 1, &node))) return NULL;
        node->ints[0] = dim;
    }
    return out;
}

/* ---- index_add_: a[..., index[i], ...] += alpha * src[..., i, ...] along dim ---- */

static pl_status
index_add_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    if (node->next[0].fn) din[0] = pl_tensor_retain(g);
    if (node->next[1].fn) {
        pl_tensor *index = pl_node_saved(node, 0);
        if (!index) return pl_error_status();
        pl_tensor *rows = pl_index_select(g, node->ints[0], index, false);
        din[1] = rows && node->scalars[0] != 1.0 ? pl_scale(rows, node->scalars[0]) : pl_tensor_retain(rows);
        pl_tensor_release(rows);
        if (!din[1]) return pl_error_status();
    }
    return PL_OK;
}
static const pl_node_kind index_add_kind = {"IndexAddBackward0", index_add_backward,
                                            PL_KIND_DIFFERENTIABLE};

/* PyTorch's checks of index_add_; *dim_out gets the wrapped dim. */
static pl_status
index_add_check(const pl_tensor *a, int64_t dim_, const pl_tensor *index, const pl_tensor *src,
                double alpha, int *dim_out)
{
    int dim;
    if (pl_wrap_dim(dim_, a->ndim, &dim) != PL_OK) return pl_error_status();
    if (index->ndim > 1) {
        char s[128];
        pl_format_shape(s, sizeof s, index->ndim, index->shape);
        return pl_error_set(PL_ERR_INDEX, "index_add_(): Index is supposed to be a vector, but got "
                                          "dim: %d with type: %s and size: %s", index->ndim,
                                          index->dtype == PL_INT64 ? "Long" : "Float", s);
    }
    if (index->dtype != PL_INT64) {
        return pl_error_set(PL_ERR_RUNTIME, "index_add_(): Expected dtype int32/int64 for index "
                                            "but got: %s", index->dtype == PL_BOOL ? "Bool" :
                                            index->dtype == PL_FLOAT64 ? "Double" : "Float");
    }
    if (a->dtype != src->dtype) {
        const char *n[] = {"Bool", "Long", "Float", "Double"};
        return pl_error_set(PL_ERR_RUNTIME, "index_add_(): self (%s) and source (%s) must have the "
                                            "same scalar type", n[a->dtype], n[src->dtype]);
    }
    bool same = src->ndim == (a->ndim ? a->ndim : 1) || (a->ndim == 0 && src->ndim == 0);
    for (int d = 0; same && d < a->ndim; d++) same = d == dim || src->shape[d] == a->shape[d];
    if (!same || a->ndim == 0) {
        char sa[128], ss[128];
        pl_format_shape(sa, sizeof sa, a->ndim, a->shape);
        pl_format_shape(ss, sizeof ss, src->ndim, src->shape);
        return pl_error_set(PL_ERR_RUNTIME, "source tensor shape must match self tensor shape, "
                                            "excluding the specified dimension. Got self.shape = %s "
                                            "source.shape = %s", sa, ss);
    }
    if (src->shape[dim] != index->numel) {
        return pl_error_set(PL_ERR_RUNTIME, "index_add_(): Number of indices (%lld) should be equal "
                                            "to source.size(dim): (%lld), for dim: %d",
                                            (long long)index->numel, (long long)src->shape[dim], dim);
    }
    for (int64_t i = 0; i < index->numel; i++) {
        int64_t k = pl_tensor_get_int64(index, i);
        if (k < 0 && alpha == 1.0) { /* PyTorch's kernel with alpha reports it as below */
            return pl_error_set(PL_ERR_RUNTIME, "index %lld is out of bounds for dimension %d with "
                                                "size %lld", (long long)k, dim, (long long)a->shape[dim]);
        }
        if (k < 0) return pl_error_set(PL_ERR_INDEX, "index out of range in self");
        if (k >= a->shape[dim]) return pl_error_set(PL_ERR_INDEX, "index out of range in self");
    }
    *dim_out = dim;
    return PL_OK;
}

pl_status
pl_index_add_(pl_tensor *a, int64_t dim_, pl_tensor *index, pl_tensor *src, double alpha)
{
    int dim;
    pl_status st = pl_check_inplace(a);
    if (st == PL_OK) st = index_add_check(a, dim_, index, src, alpha, &dim);
    if (st != PL_OK) return st;
    pl_tensor *ins[2] = {a, src};
    bool record = pl_dtype_is_floating(a->dtype) && pl_needs_grad(ins, 2);
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false); /* the values; the node below is the history */
    pl_tensor *k = alpha == 1.0 ? NULL : pl_tensor_scalar(alpha, src->dtype); /* keeps src's dtype */
    pl_tensor *scaled = alpha == 1.0 ? pl_tensor_retain(src)
                        : k ? pl_binary(PL_MUL, src, k, 1.0, false, true) : NULL;
    pl_tensor_release(k);
    pl_tensor *r = scaled && record ? pl_clone(a) : (scaled ? pl_tensor_retain(a) : NULL);
    st = r ? scatter_add_rows(r, dim, index, scaled) : pl_error_status();
    pl_set_grad_enabled(was);
    pl_tensor_release(scaled);
    if (st == PL_OK && record) {
        pl_node *node;
        if (!(r = pl_record(r, &index_add_kind, ins, 2, &index, 1, &node))) {
            st = pl_error_status();
        } else {
            node->ints[0] = dim;
            node->scalars[0] = alpha;
            st = pl_rebase_inplace(a, r); /* a view's base gets CopySlices */
        }
    } else if (st == PL_OK) {
        pl_tensor_bump_version(a);
    }
    pl_tensor_release(r);
    return st;
}

pl_tensor *
pl_nonzero(pl_tensor *a)
{
    int64_t count = 0;
    for (int64_t i = 0; i < a->numel; i++) count += pl_tensor_get_double(a, i) != 0;
    int64_t shape[2] = {count, a->ndim};
    pl_tensor *out = pl_tensor_empty(2, shape, PL_INT64);
    if (!out) return NULL;
    int64_t *o = out->storage->data;
    for (int64_t i = 0, k = 0; i < a->numel; i++) {
        if (pl_tensor_get_double(a, i) == 0) continue;
        int64_t rem = i;
        for (int d = a->ndim - 1; d >= 0; d--) {
            o[k * a->ndim + d] = rem % a->shape[d];
            rem /= a->shape[d];
        }
        k++;
    }
    return out;
}

pl_status
pl_index_put_(pl_tensor *a, pl_tensor *index, pl_tensor *values)
{
    /* a[index] = values along dim 0; index int64 1-D or a bool mask over leading dims */
    pl_status st = pl_check_inplace(a);
    if (st != PL_OK) return st;
    pl_tensor *rows = NULL, *target = NULL;
    if (index->dtype == PL_BOOL) {
        int64_t lead = index->numel;
        int64_t shape[PL_MAX_DIMS];
        int nd = 0;
        shape[nd++] = lead;
        for (int i = index->ndim; i < a->ndim; i++) shape[nd++] = a->shape[i];
        target = pl_view(a, nd, shape);
        if (!target) return pl_error_status();
        pl_tensor *ic = pl_contiguous(index);
        pl_tensor *flat = ic ? pl_view(ic, 1, &lead) : NULL;
        pl_tensor *nz = flat ? pl_nonzero(flat) : NULL;
        rows = nz ? pl_select(nz, 1, 0) : NULL;
        pl_tensor_release(ic);
        pl_tensor_release(flat);
        pl_tensor_release(nz);
    } else if (index->dtype == PL_INT64 && index->ndim <= 1) {
        target = pl_tensor_retain(a);
        rows = pl_tensor_retain(index);
    } else {
        return pl_error_set(PL_ERR_INDEX, "tensors used as indices must be long, int, byte or bool tensors");
    }
    if (!rows) {
        pl_tensor_release(target);
        return pl_error_status();
    }
    const int64_t *ix = (const int64_t *)pl_tensor_data(rows);
    int64_t n = target->shape[0];
    int64_t m = rows->numel;
    int64_t rstride = rows->ndim ? rows->strides[0] : 0;
    /* values broadcast to (m, row shape) */
    int64_t vshape[PL_MAX_DIMS];
    vshape[0] = m;
    memcpy(vshape + 1, target->shape + 1, sizeof(int64_t) * (target->ndim - 1));
    pl_tensor *vals = pl_tensor_empty(target->ndim, vshape, a->dtype);
    st = vals ? pl_copy_raw(vals, values) : pl_error_status();
    for (int64_t i = 0; st == PL_OK && i < m; i++) {
        int64_t k = ix[i * rstride];
        if (k < -n || k >= n) {
            st = pl_error_set(PL_ERR_INDEX, "index %lld is out of bounds for dimension 0 with size %lld",
                              (long long)k, (long long)n);
            break;
        }
        pl_tensor *d = pl_select(target, 0, k < 0 ? k + n : k), *s = d ? pl_select(vals, 0, i) : NULL;
        st = s ? pl_copy_raw(d, s) : pl_error_status();
        pl_tensor_release(d);
        pl_tensor_release(s);
    }
    pl_tensor_release(vals);
    pl_tensor_release(rows);
    pl_tensor_release(target);
    if (st == PL_OK) pl_tensor_bump_version(a);
    return st;
}

/* ---- cat / stack ---- */

static pl_status
cat_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    int dim = (int)node->ints[0];
    bool stack = node->ints[1];
    int64_t at = 0;
    for (int i = 0; i < node->n_inputs; i++) {
        const pl_edge *e = &node->next[i];
        int64_t len = stack ? 1 : node->ints[2 + i];
        if (e->fn) {
            pl_tensor *s = pl_slice(g, dim, at, at + len, 1);
            if (s && stack) {
                pl_tensor *q = pl_squeeze(s, false, dim);
                pl_tensor_release(s);
                s = q;
            }
            if (!s) return pl_error_status();
            din[i] = s;
        }
        at += len;
    }
    return PL_OK;
}
static const pl_node_kind cat_kind = {"CatBackward0", cat_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind stack_kind = {"StackBackward0", cat_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_cat(pl_tensor *const *ts_in, int n, int64_t dim_, bool is_stack)
{
    if (n == 0) {
        pl_error_set(is_stack ? PL_ERR_RUNTIME : PL_ERR_VALUE,
                     is_stack ? "stack expects a non-empty TensorList"
                              : "torch.cat(): expected a non-empty list of Tensors");
        return NULL;
    }
    if (!is_stack) {
        /* PyTorch's legacy rule: 1-D empty tensors take no part in cat (and their dims are
         * not checked); all of them empty gives an empty 1-D result */
        int kept = 0;
        pl_dtype edt = ts_in[0]->dtype;
        for (int i = 0; i < n; i++) {
            bool legacy_empty = ts_in[i]->ndim == 1 && ts_in[i]->shape[0] == 0;
            kept += !legacy_empty;
            edt = pl_promote_types(edt, ts_in[i]->dtype);
        }
        if (kept == 0) {
            int64_t zero = 0;
            return pl_tensor_empty(1, &zero, edt);
        }
        if (kept < n) {
            pl_tensor **sel = calloc((size_t)kept, sizeof(pl_tensor *));
            if (!sel) {
                pl_error_nomem();
                return NULL;
            }
            for (int i = 0, k = 0; i < n; i++) {
                if (!(ts_in[i]->ndim == 1 && ts_in[i]->shape[0] == 0)) sel[k++] = ts_in[i];
            }
            pl_tensor *r = pl_cat(sel, kept, dim_, false);
            free(sel);
            if (r && r->dtype != edt) { /* the skipped tensors still take part in promotion */
                pl_tensor *rc = pl_to_dtype(r, edt);
                pl_tensor_release(r);
                r = rc;
            }
            return r;
        }
    }
    pl_tensor **ts = calloc((size_t)n, sizeof(pl_tensor *));
    if (!ts) {
        pl_error_nomem();
        return NULL;
    }
    pl_tensor *out = NULL;
    int dim = 0;
    pl_dtype dt = ts_in[0]->dtype;
    /* stack: unsqueeze every input at dim first */
    for (int i = 0; i < n; i++) {
        if (is_stack) {
            if (!pl_same_shape(ts_in[i], ts_in[0])) {
                char a[128], b[128];
                pl_format_shape(a, sizeof a, ts_in[0]->ndim, ts_in[0]->shape);
                pl_format_shape(b, sizeof b, ts_in[i]->ndim, ts_in[i]->shape);
                pl_error_set(PL_ERR_RUNTIME, "stack expects each tensor to be equal size, but got %s at "
                                             "entry 0 and %s at entry %d", a, b, i);
                goto out;
            }
            int d;
            if (pl_wrap_dim(dim_, ts_in[i]->ndim + 1, &d) != PL_OK) goto out;
            dim = d;
            bool was = pl_grad_enabled();
            pl_set_grad_enabled(false);
            ts[i] = pl_unsqueeze(ts_in[i], d);
            pl_set_grad_enabled(was);
            if (!ts[i]) goto out;
        } else {
            ts[i] = pl_tensor_retain(ts_in[i]);
        }
        if (i > 0) dt = pl_promote_types(dt, ts[i]->dtype);
    }
    for (int i = 0; i < n; i++) {
        if (ts[i]->ndim == 0) { /* checked before dim, as PyTorch does */
            pl_error_set(PL_ERR_RUNTIME, "zero-dimensional tensor (at position %d) cannot be concatenated", i);
            goto out;
        }
    }
    if (!is_stack && pl_wrap_dim(dim_, ts[0]->ndim, &dim) != PL_OK) goto out;
    int64_t shape[PL_MAX_DIMS];
    memcpy(shape, ts[0]->shape, sizeof(int64_t) * ts[0]->ndim);
    shape[dim] = 0;
    for (int i = 0; i < n; i++) {
        if (ts[i]->ndim != ts[0]->ndim) {
            pl_error_set(PL_ERR_RUNTIME, "Tensors must have same number of dimensions: got %d and %d",
                         ts[0]->ndim, ts[i]->ndim);
            goto out;
        }
        for (int d = 0; d < ts[0]->ndim; d++) {
            if (d != dim && ts[i]->shape[d] != ts[0]->shape[d]) {
                pl_error_set(PL_ERR_RUNTIME,
                             "Sizes of tensors must match except in dimension %d. Expected size %lld "
                             "but got size %lld for tensor number %d in the list.",
                             dim, (long long)ts[0]->shape[d], (long long)ts[i]->shape[d], i);
                goto out;
            }
        }
        /* wraps like PyTorch's sum (too long a result is then a negative size, its error) */
        shape[dim] = (int64_t)((uint64_t)shape[dim] + (uint64_t)ts[i]->shape[dim]);
    }
    out = pl_tensor_empty(ts[0]->ndim, shape, dt);
    if (!out) goto out;
    int64_t at = 0;
    /* an empty result has nothing to copy (and its strides may not give offsets in int64) */
    for (int i = 0; i < n && out->numel > 0; i++) {
        int64_t len = ts[i]->shape[dim];
        int64_t part_shape[PL_MAX_DIMS];
        memcpy(part_shape, out->shape, sizeof(int64_t) * out->ndim);
        part_shape[dim] = len;
        pl_tensor *part = pl_tensor_view_of(out->storage, dt, out->ndim, part_shape, out->strides,
                                            at * out->strides[dim]);
        if (!part || pl_copy_raw(part, ts[i]) != PL_OK) {
            pl_tensor_release(part);
            pl_tensor_release(out);
            out = NULL;
            goto out;
        }
        pl_tensor_release(part);
        at += len;
    }
    if (pl_dtype_is_floating(dt) && pl_needs_grad(ts_in, n)) {
        if (n > PL_NODE_MAX_INPUTS || n > 2 * PL_MAX_DIMS) {
            /* record a chain of pairwise nodes for long lists: simple and correct */
            pl_node *node = NULL;
            (void)node;
            pl_tensor_release(out);
            out = NULL;
            if (n > 1) {
                int h = n / 2;
                pl_tensor *l = pl_cat(ts_in, h, dim_, is_stack);
                pl_tensor *r = l ? pl_cat(ts_in + h, n - h, dim_, is_stack) : NULL;
                if (r) {
                    pl_tensor *pair[2] = {l, r};
                    out = pl_cat(pair, 2, is_stack ? dim : dim_, false);
                }
                pl_tensor_release(l);
                pl_tensor_release(r);
            }
            goto out;
        }
        pl_node *node;
        if (!(out = pl_record(out, is_stack ? &stack_kind : &cat_kind, ts_in, n, NULL, 0, &node))) {
            goto out;
        }
        node->ints[0] = dim;
        node->ints[1] = is_stack;
        for (int i = 0; i < n; i++) node->ints[2 + i] = ts[i]->shape[dim];
    }
out:
    for (int i = 0; i < n; i++) pl_tensor_release(ts[i]);
    free(ts);
    return out;
}
