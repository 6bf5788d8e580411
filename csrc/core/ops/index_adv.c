/* index_adv.c — advanced indexing with several index tensors at once (a[rows, cols],
 * a[:, idx], a[mask, idx], ...): the gather (IndexBackward0) and the assignment a[...] = v.
 *
 * The indices cover a's dims left to right: a NULL entry takes one dim whole, an int64 tensor
 * indexes one dim, a bool mask covers as many dims as it has (it becomes one int64 index per
 * dim, from its nonzero positions). All index tensors broadcast to one shape B. The result has
 * the dims of B in place of the indexed dims when those are adjacent, and in front otherwise
 * (PyTorch's and NumPy's rule); the dims that were not indexed keep their order.
 *
 * The work is one walk: for every position of B, the element offset in a of the indexed
 * element (summed over the indexed dims, checked against the bounds beforehand), then a copy
 * of the sub-block over the dims that were not indexed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"

typedef struct index_plan {
    int nadv;                      /* number of indexed dims of a */
    int adv_dims[PL_MAX_DIMS];     /* the indexed dims, ascending */
    pl_tensor *idx[PL_MAX_DIMS];   /* int64 index of each indexed dim, broadcast to B (owned) */
    int nb;                        /* B's ndim */
    int64_t bshape[PL_MAX_DIMS];
    int nr;                        /* the dims of a that were not indexed */
    int rest_dims[PL_MAX_DIMS];
    int b_at;                      /* where B's dims sit in the result */
    int out_ndim;
    int64_t out_shape[PL_MAX_DIMS];
} index_plan;

static void
plan_free(index_plan *p)
{
    for (int j = 0; j < p->nadv; j++) {
        pl_tensor_release(p->idx[j]);
        p->idx[j] = NULL;
    }
}

/* Appends ", [2, 3]" style shapes of the index tensors, for the broadcast error. */
static void
broadcast_error(const index_plan *p)
{
    char msg[512] = "", one[128];
    size_t len = 0;
    for (int j = 0; j < p->nadv; j++) {
        pl_format_shape(one, sizeof one, p->idx[j]->ndim, p->idx[j]->shape);
        len += (size_t)snprintf(msg + len, sizeof msg - (len < sizeof msg ? len : sizeof msg),
                                "%s%s", j ? ", " : "", one);
        if (len >= sizeof msg) break;
    }
    pl_error_set(PL_ERR_INDEX,
                 "shape mismatch: indexing tensors could not be broadcast together with shapes %s",
                 msg);
}

/* Adds the int64 indices a bool mask stands for, starting at dim d of a. */
static pl_status
plan_add_mask(index_plan *p, const pl_tensor *a, int d, pl_tensor *mask)
{
    if (d + mask->ndim > a->ndim) {
        return pl_error_set(PL_ERR_INDEX, "too many indices for tensor of dimension %d", a->ndim);
    }
    for (int j = 0; j < mask->ndim; j++) {
        if (mask->shape[j] != a->shape[d + j]) {
            char ms[128], as[128];
            pl_format_shape(ms, sizeof ms, mask->ndim, mask->shape);
            pl_format_shape(as, sizeof as, a->ndim, a->shape);
            return pl_error_set(PL_ERR_INDEX,
                                "The shape of the mask %s at index %d does not match the shape of "
                                "the indexed tensor %s at index %d", ms, j, as, d + j);
        }
    }
    pl_tensor *nz = pl_nonzero(mask); /* (count, mask->ndim) */
    if (!nz) return pl_error_status();
    for (int j = 0; j < mask->ndim; j++) {
        pl_tensor *col = pl_select(nz, 1, j);
        if (!col) {
            pl_tensor_release(nz);
            return pl_error_status();
        }
        p->adv_dims[p->nadv] = d + j;
        p->idx[p->nadv++] = col;
    }
    pl_tensor_release(nz);
    return PL_OK;
}

static pl_status
plan_build(index_plan *p, const pl_tensor *a, int n, pl_tensor *const *indices)
{
    memset(p, 0, sizeof *p);
    pl_status st = PL_OK;
    int d = 0;
    for (int i = 0; i < n; i++) {
        pl_tensor *ix = indices[i];
        if (!ix) {
            d++;
        } else if (ix->dtype == PL_BOOL) {
            if ((st = plan_add_mask(p, a, d, ix)) != PL_OK) goto fail;
            d += ix->ndim;
        } else if (ix->dtype == PL_INT64) {
            if (d < a->ndim) {
                p->adv_dims[p->nadv] = d;
                p->idx[p->nadv++] = pl_tensor_retain(ix);
            }
            d++;
        } else {
            st = pl_error_set(PL_ERR_INDEX,
                              "tensors used as indices must be long, int, byte or bool tensors");
            goto fail;
        }
    }
    if (d > a->ndim) {
        st = pl_error_set(PL_ERR_INDEX, "too many indices for tensor of dimension %d", a->ndim);
        goto fail;
    }
    if (p->nadv == 0) {
        st = pl_error_set(PL_ERR_INDEX, "advanced indexing needs at least one index tensor");
        goto fail;
    }
    /* broadcast the indices together */
    p->nb = p->idx[0]->ndim;
    memcpy(p->bshape, p->idx[0]->shape, sizeof(int64_t) * p->nb);
    for (int j = 1; j < p->nadv; j++) {
        int nb;
        int64_t bs[PL_MAX_DIMS];
        if (pl_broadcast_shapes(p->nb, p->bshape, p->idx[j]->ndim, p->idx[j]->shape, &nb, bs) !=
            PL_OK) {
            broadcast_error(p);
            st = PL_ERR_INDEX;
            goto fail;
        }
        p->nb = nb;
        memcpy(p->bshape, bs, sizeof(int64_t) * nb);
    }
    for (int j = 0; j < p->nadv; j++) {
        pl_tensor *e = pl_expand(p->idx[j], p->nb, p->bshape);
        if (!e) {
            st = pl_error_status();
            goto fail;
        }
        pl_tensor_release(p->idx[j]);
        p->idx[j] = e;
    }
    /* where B goes: in place of adjacent indexed dims, else in front */
    bool adjacent = p->adv_dims[p->nadv - 1] - p->adv_dims[0] == p->nadv - 1;
    p->b_at = adjacent ? p->adv_dims[0] : 0;
    bool indexed[PL_MAX_DIMS] = {false};
    for (int j = 0; j < p->nadv; j++) indexed[p->adv_dims[j]] = true;
    for (int k = 0; k < a->ndim; k++) {
        if (!indexed[k]) p->rest_dims[p->nr++] = k;
    }
    if (p->nr + p->nb > PL_MAX_DIMS) {
        st = pl_error_set(PL_ERR_RUNTIME, "tensors with more than %d dimensions are not supported",
                          PL_MAX_DIMS);
        goto fail;
    }
    p->out_ndim = 0;
    for (int r = 0; r < p->b_at; r++) p->out_shape[p->out_ndim++] = a->shape[p->rest_dims[r]];
    for (int k = 0; k < p->nb; k++) p->out_shape[p->out_ndim++] = p->bshape[k];
    for (int r = p->b_at; r < p->nr; r++) p->out_shape[p->out_ndim++] = a->shape[p->rest_dims[r]];
    return PL_OK;
fail:
    plan_free(p);
    return st == PL_OK ? pl_error_status() : st;
}

/* Steps a row-major counter over shape; false when it wraps around (walk finished). */
static bool
counter_next(int ndim, const int64_t *shape, int64_t *idx)
{
    for (int k = ndim - 1; k >= 0; k--) {
        if (++idx[k] < shape[k]) return true;
        idx[k] = 0;
    }
    return false;
}

/* The offset in elements, for strides `strides` of a (shape a_shape), of the indexed element
 * at every position of B: a new contiguous int64 tensor of shape B, or NULL with PyTorch's
 * out-of-bounds error. */
static pl_tensor *
plan_offsets(const index_plan *p, const int64_t *a_shape, const int64_t *strides)
{
    pl_tensor *offs = pl_tensor_empty(p->nb, p->bshape, PL_INT64);
    if (!offs || offs->numel == 0) return offs;
    int64_t *o = (int64_t *)offs->storage->data; /* (B) */
    const int64_t *data[PL_MAX_DIMS];
    for (int j = 0; j < p->nadv; j++) data[j] = (const int64_t *)pl_tensor_data(p->idx[j]);
    int64_t bidx[PL_MAX_DIMS] = {0};
    int64_t pos = 0;
    do {
        int64_t off = 0;
        for (int j = 0; j < p->nadv; j++) {
            const pl_tensor *ix = p->idx[j];
            int64_t at = 0;
            for (int k = 0; k < p->nb; k++) at += bidx[k] * ix->strides[k];
            int64_t v = data[j][at];
            int64_t size = a_shape[p->adv_dims[j]];
            if (v < -size || v >= size) {
                pl_error_set(PL_ERR_INDEX,
                             "index %lld is out of bounds for dimension %d with size %lld",
                             (long long)v, j, (long long)size);
                pl_tensor_release(offs);
                return NULL;
            }
            off += (v < 0 ? v + size : v) * strides[p->adv_dims[j]];
        }
        o[pos++] = off;
    } while (counter_next(p->nb, p->bshape, bidx));
    return offs;
}

typedef enum walk_mode { WALK_GATHER, WALK_PUT, WALK_ADD_F32, WALK_ADD_F64 } walk_mode;

/* For every position of B and every position over the dims that were not indexed: the element
 * of a at offs[b] + (rest position . a_rest_strides) and the element of o (the result's layout,
 * o_strides over its out_ndim dims) are copied one way or the other, or o added into a. */
static void
index_walk(const index_plan *p, const int64_t *offs, char *a, const int64_t *a_strides, char *o,
           const int64_t *o_strides, size_t es, walk_mode mode)
{
    int64_t bnumel = pl_shape_numel(p->nb, p->bshape);
    int64_t rshape[PL_MAX_DIMS], ars[PL_MAX_DIMS], ors[PL_MAX_DIMS], obs[PL_MAX_DIMS];
    for (int r = 0; r < p->nr; r++) {
        rshape[r] = p->out_shape[r < p->b_at ? r : r + p->nb];
        ars[r] = a_strides[p->rest_dims[r]];
        ors[r] = o_strides[r < p->b_at ? r : r + p->nb];
    }
    for (int k = 0; k < p->nb; k++) obs[k] = o_strides[p->b_at + k];
    int64_t rnumel = pl_shape_numel(p->nr, rshape);
    if (bnumel == 0 || rnumel == 0) return;
    int64_t bidx[PL_MAX_DIMS] = {0};
    for (int64_t b = 0; b < bnumel; b++) {
        int64_t obase = 0;
        for (int k = 0; k < p->nb; k++) obase += bidx[k] * obs[k];
        int64_t ridx[PL_MAX_DIMS] = {0};
        int64_t aoff = offs[b], ooff = obase;
        for (int64_t r = 0; r < rnumel; r++) {
            char *pa = a + aoff * (int64_t)es, *po = o + ooff * (int64_t)es;
            switch (mode) {
            case WALK_GATHER: memcpy(po, pa, es); break;
            case WALK_PUT: memcpy(pa, po, es); break;
            case WALK_ADD_F32: *(float *)pa += *(const float *)po; break;
            case WALK_ADD_F64: *(double *)pa += *(const double *)po; break;
            }
            /* step the rest counter, moving both offsets incrementally */
            for (int k = p->nr - 1; k >= 0; k--) {
                aoff += ars[k];
                ooff += ors[k];
                if (++ridx[k] < rshape[k]) break;
                aoff -= ars[k] * rshape[k];
                ooff -= ors[k] * rshape[k];
                ridx[k] = 0;
            }
        }
        counter_next(p->nb, p->bshape, bidx);
    }
}

/* ---- a[indices] ---- */

/* The plan of a[indices] rebuilt from what a node kept: ints [0] the mask of advanced dims,
 * [1] where the broadcast index dims sit, [2] a's ndim, [3..] a's shape; offs (B) the offsets
 * in a contiguous a; out: the indexing result's shape. */
static void
plan_from_node(const pl_node *node, const pl_tensor *offs, int out_ndim, const int64_t *out_shape,
               index_plan *p)
{
    memset(p, 0, sizeof *p);
    int64_t mask = node->ints[0];
    int a_ndim = (int)node->ints[2];
    p->b_at = (int)node->ints[1];
    p->nb = offs->ndim;
    memcpy(p->bshape, offs->shape, sizeof(int64_t) * p->nb);
    for (int k = 0; k < a_ndim; k++) {
        if (mask & ((int64_t)1 << k)) p->adv_dims[p->nadv++] = k;
        else p->rest_dims[p->nr++] = k;
    }
    p->out_ndim = out_ndim;
    memcpy(p->out_shape, out_shape, sizeof(int64_t) * out_ndim);
}

static const pl_node_kind index_kind, index_bb_kind;

/* Records kind on out (input in), with like's ints and offs saved. */
static pl_tensor *
record_index_map(pl_tensor *out, pl_tensor *in, const pl_node_kind *kind, const pl_node *like,
                 pl_tensor *offs)
{
    return pl_record_map(out, kind, &in, 1, &offs, 1, like->ints, PL_NODE_MAX_INTS, NULL);
}

/* the gradient of a: g's entries added at the indexed places (repeats accumulate, in order) */
static pl_status
index_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *offs = pl_node_saved(node, 0); /* (B), offsets in a contiguous a */
    if (!offs) return pl_error_status();
    index_plan p;
    plan_from_node(node, offs, g->ndim, g->shape, &p);
    /* float16/bfloat16 gradients accumulate in float32 and are rounded once */
    pl_dtype acc = pl_dtype_is_compute(g->dtype) ? g->dtype : PL_FLOAT32;
    pl_tensor *z = pl_tensor_zeros((int)node->ints[2], node->ints + 3, acc);
    pl_tensor *gc = !z ? NULL : acc == g->dtype ? pl_contiguous(g) : pl_cast_raw(g, acc);
    if (!gc) {
        pl_tensor_release(z);
        return pl_error_status();
    }
    index_walk(&p, (const int64_t *)pl_tensor_data(offs), pl_tensor_data(z), z->strides,
               pl_tensor_data(gc), gc->strides, pl_dtype_size(acc),
               acc == PL_FLOAT32 ? WALK_ADD_F32 : WALK_ADD_F64);
    pl_tensor_release(gc);
    if (acc != g->dtype) {
        pl_tensor *r = pl_cast_raw(z, g->dtype);
        pl_tensor_release(z);
        if (!(z = r)) return pl_error_status();
    }
    /* create_graph: that map is recorded; its backward gathers again */
    din[0] = pl_grad_enabled() && g->requires_grad ? record_index_map(z, g, &index_bb_kind, node, offs) : z;
    return din[0] ? PL_OK : pl_error_status();
}

/* the backward of index_backward: gg (a's shape) gathered at the indexed places */
static pl_status
index_bb_backward(pl_node *node, pl_tensor *gg, pl_tensor **din)
{
    pl_tensor *offs = pl_node_saved(node, 0);
    if (!offs) return pl_error_status();
    const pl_edge *e = &node->next[0]; /* the indexing result's shape */
    index_plan p;
    plan_from_node(node, offs, e->ndim, e->shape, &p);
    pl_tensor *ggc = pl_contiguous(gg);
    pl_tensor *out = ggc ? pl_tensor_empty(e->ndim, e->shape, gg->dtype) : NULL;
    if (out) {
        index_walk(&p, (const int64_t *)pl_tensor_data(offs), pl_tensor_data(ggc), ggc->strides,
                   pl_tensor_data(out), out->strides, pl_dtype_size(gg->dtype), WALK_GATHER);
    }
    pl_tensor_release(ggc);
    din[0] = record_index_map(out, gg, &index_kind, node, offs);
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind index_bb_kind = {"IndexBackwardBackward0", index_bb_backward,
                                           PL_KIND_DIFFERENTIABLE};
static const pl_node_kind index_kind = {"IndexBackward0", index_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_index(pl_tensor *a, int n, pl_tensor *const *indices)
{
    index_plan p;
    if (plan_build(&p, a, n, indices) != PL_OK) return NULL;
    pl_tensor *out = NULL, *offs = NULL, *coffs = NULL;
    int64_t cstrides[PL_MAX_DIMS];
    pl_contiguous_strides(a->ndim, a->shape, cstrides);
    offs = plan_offsets(&p, a->shape, a->strides);
    if (!offs) goto done;
    out = pl_tensor_empty(p.out_ndim, p.out_shape, a->dtype);
    if (!out) goto done;
    index_walk(&p, (const int64_t *)offs->storage->data, pl_tensor_data(a), a->strides,
               pl_tensor_data(out), out->strides, pl_dtype_size(a->dtype), WALK_GATHER);
    if (pl_dtype_is_floating(a->dtype) && pl_needs_grad(&a, 1)) {
        bool same = pl_tensor_is_contiguous(a);
        coffs = same ? pl_tensor_retain(offs) : plan_offsets(&p, a->shape, cstrides);
        pl_node *node;
        if (!coffs) {
            pl_tensor_release(out);
            out = NULL;
            goto done;
        }
        if (!(out = pl_record(out, &index_kind, &a, 1, &coffs, 1, &node))) goto done;
        int64_t mask = 0;
        for (int j = 0; j < p.nadv; j++) mask |= (int64_t)1 << p.adv_dims[j];
        node->ints[0] = mask;
        node->ints[1] = p.b_at;
        node->ints[2] = a->ndim;
        memcpy(node->ints + 3, a->shape, sizeof(int64_t) * a->ndim);
    }
done:
    pl_tensor_release(offs);
    pl_tensor_release(coffs);
    plan_free(&p);
    return out;
}

/* ---- a[indices] = values ---- */

pl_status
pl_index_put(pl_tensor *a, int n, pl_tensor *const *indices, pl_tensor *values)
{
    pl_status st = pl_check_inplace(a);
    if (st != PL_OK) return st;
    index_plan p;
    if (plan_build(&p, a, n, indices) != PL_OK) return pl_error_status();
    pl_tensor *offs = NULL, *vals = NULL, *src = pl_tensor_retain(values);
    /* leading size-1 dims of the values beyond the result's rank are dropped, as PyTorch does */
    while (src->ndim > p.out_ndim && src->shape[0] == 1) {
        pl_tensor *s = pl_squeeze(src, false, 0);
        pl_tensor_release(src);
        src = s;
        if (!src) {
            st = pl_error_status();
            goto done;
        }
    }
    int bnd;
    int64_t bshape[PL_MAX_DIMS];
    if (pl_broadcast_shapes(src->ndim, src->shape, p.out_ndim, p.out_shape, &bnd, bshape) !=
            PL_OK ||
        bnd != p.out_ndim || memcmp(bshape, p.out_shape, sizeof(int64_t) * bnd) != 0) {
        char vs[128], os[128];
        pl_format_shape(vs, sizeof vs, values->ndim, values->shape);
        pl_format_shape(os, sizeof os, p.out_ndim, p.out_shape);
        st = pl_error_set(PL_ERR_RUNTIME,
                          "shape mismatch: value tensor of shape %s cannot be broadcast to "
                          "indexing result of shape %s", vs, os);
        goto done;
    }
    offs = plan_offsets(&p, a->shape, a->strides);
    if (!offs) {
        st = pl_error_status();
        goto done;
    }
    vals = pl_tensor_empty(p.out_ndim, p.out_shape, a->dtype);
    if (!vals || (st = pl_copy_raw(vals, src)) != PL_OK) {
        st = pl_error_status();
        goto done;
    }
    index_walk(&p, (const int64_t *)offs->storage->data, pl_tensor_data(a), a->strides,
               pl_tensor_data(vals), vals->strides, pl_dtype_size(a->dtype), WALK_PUT);
    pl_tensor_bump_version(a);
done:
    pl_tensor_release(src);
    pl_tensor_release(vals);
    pl_tensor_release(offs);
    plan_free(&p);
    return st;
}

/* ---- a[indices] = values with autograd (IndexPutBackward0) ----
 * saved: [0] a bool mask of a's shape, true where a keeps its old value; [1] the flat
 * positions in a that the values went to (int64, the indexing result's shape). */
static pl_status
index_put_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *keep = pl_node_saved(node, 0), *pos = pl_node_saved(node, 1);
    if (!keep || !pos) return pl_error_status();
    if (node->next[0].fn) {
        pl_tensor *zero = pl_tensor_scalar(0.0, g->dtype);
        din[0] = zero ? pl_where(keep, g, zero) : NULL;
        pl_tensor_release(zero);
        if (!din[0]) return pl_error_status();
    }
    if (node->next[1].fn) {
        int64_t n = g->numel;
        pl_tensor *flat = pl_reshape(g, 1, &n);
        din[1] = flat ? pl_index(flat, 1, &pos) : NULL;
        pl_tensor_release(flat);
        if (!din[1]) return pl_error_status();
        const pl_edge *e = &node->next[1];
        if (din[1]->ndim < e->ndim && din[1]->numel == pl_shape_numel(e->ndim, e->shape)) {
            pl_tensor *r = pl_reshape(din[1], e->ndim, e->shape); /* values with leading 1s */
            pl_tensor_release(din[1]);
            if (!(din[1] = r)) return pl_error_status();
        }
    }
    return PL_OK;
}
static const pl_node_kind index_put_kind = {"IndexPutBackward0", index_put_backward,
                                            PL_KIND_DIFFERENTIABLE};

pl_status
pl_index_put_recorded(pl_tensor *a, int n, pl_tensor *const *indices, pl_tensor *values)
{
    pl_status st = pl_check_inplace(a);
    if (st != PL_OK) return st;
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    pl_scalar zero = {true, 0, 0.0}, count = {true, a->numel, (double)a->numel};
    pl_tensor *ar = pl_arange(zero, count, (pl_scalar){true, 1, 1.0}, PL_INT64);
    pl_tensor *arv = ar ? pl_reshape(ar, a->ndim, a->shape) : NULL;
    pl_tensor *pos = arv ? pl_index(arv, n, indices) : NULL;
    pl_tensor *keep = pos ? pl_tensor_full(a->ndim, a->shape, PL_BOOL, 1.0) : NULL;
    pl_tensor *no = keep ? pl_tensor_scalar(0.0, PL_BOOL) : NULL;
    st = no ? pl_index_put(keep, n, indices, no) : pl_error_status();
    pl_set_grad_enabled(was);
    /* Not pl_record: there is no new output; the node becomes a's history (a view's base
     * takes CopySlices) once the write succeeded, so it is made before the write. */
    pl_node *node = NULL;
    if (st == PL_OK) {
        pl_tensor *ins[2] = {a, values};
        node = pl_node_new(&index_put_kind, ins, 2);
        if (!node || pl_node_save(node, 0, keep) != PL_OK || pl_node_save(node, 1, pos) != PL_OK) {
            st = pl_error_status();
        }
    }
    if (st == PL_OK) st = pl_index_put(a, n, indices, values);
    pl_tensor_release(ar);
    pl_tensor_release(arv);
    pl_tensor_release(pos);
    pl_tensor_release(keep);
    pl_tensor_release(no);
    if (st != PL_OK) {
        pl_node_release(node);
        return st;
    }
    return pl_view_rebase(a, node);
}
