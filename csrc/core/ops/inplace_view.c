/* inplace_view.c — autograd for writes through views (PyTorch's view rebasing).
 *
 * A view made by a view op remembers its base (the root of its chain of views). When an
 * in-place op writes through the view and autograd records it, the base's history becomes a
 * CopySlices node: the gradient of the base flows unchanged outside the view's region, and
 * through the in-place op's own node (fn) inside it. The view's grad_fn then becomes an
 * AsStridedBackward0 of the base's new history; other views of the same base regenerate
 * theirs the same way when they are next used (their view_version is behind the storage's).
 *
 * Two ops carry gradients between a base's shape and a region of it, each the other's
 * backward, so that double backward goes through them:
 *   gather  (AsStridedBackward0):        base-shaped -> the region's values
 *   scatter (AsStridedScatterBackward0): region-shaped -> zeros of the base with the region set
 */
#include <stdlib.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "expr.h"

static void
geom_of(pl_view_geom *g, const pl_tensor *base, const pl_tensor *v)
{
    memset(g, 0, sizeof *g);
    g->base_ndim = base->ndim;
    memcpy(g->base_shape, base->shape, sizeof(int64_t) * base->ndim);
    memcpy(g->base_strides, base->strides, sizeof(int64_t) * base->ndim);
    g->ndim = v->ndim;
    memcpy(g->shape, v->shape, sizeof(int64_t) * v->ndim);
    memcpy(g->strides, v->strides, sizeof(int64_t) * v->ndim);
    g->offset = v->offset - base->offset;
    g->dtype = v->dtype;
}

/* Zeros laid out as the base is (its strides, over the storage it spans), of dtype dt, and the
 * region's view of the same storage. Both new references. */
static pl_status
zeros_in_base_layout(const pl_view_geom *g, pl_dtype dt, pl_tensor **base_out,
                     pl_tensor **region_out)
{
    int64_t extent = 1;
    for (int d = 0; d < g->base_ndim; d++) {
        if (g->base_shape[d] == 0) extent = 0;
    }
    for (int d = 0; extent && d < g->base_ndim; d++) extent += (g->base_shape[d] - 1) * g->base_strides[d];
    pl_tensor *z = pl_tensor_zeros(1, &extent, dt);
    if (!z) return pl_error_status();
    *base_out = pl_tensor_view_of(z->storage, dt, g->base_ndim, g->base_shape, g->base_strides, 0);
    *region_out = *base_out ? pl_tensor_view_of(z->storage, dt, g->ndim, g->shape, g->strides,
                                                g->offset)
                            : NULL;
    pl_tensor_release(z);
    if (!*region_out) {
        pl_tensor_release(*base_out);
        *base_out = NULL;
        return pl_error_status();
    }
    return PL_OK;
}

static pl_tensor *geom_gather(pl_tensor *g, const pl_view_geom *geom);
static pl_tensor *geom_scatter(pl_tensor *g, const pl_view_geom *geom);

static pl_status
as_strided_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    din[0] = geom_scatter(g, node->geom);
    return din[0] ? PL_OK : pl_error_status();
}

static pl_status
as_strided_scatter_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    din[0] = geom_gather(g, node->geom);
    return din[0] ? PL_OK : pl_error_status();
}

static const pl_node_kind as_strided_kind = {"AsStridedBackward0", as_strided_backward,
                                             PL_KIND_DIFFERENTIABLE};
static const pl_node_kind as_strided_scatter_kind = {"AsStridedScatterBackward0",
                                                     as_strided_scatter_backward,
                                                     PL_KIND_DIFFERENTIABLE};

/* g: (base shape) -> the region's values, contiguous (new reference). */
static pl_tensor *
geom_gather(pl_tensor *g, const pl_view_geom *geom)
{
    pl_tensor *b = NULL, *region = NULL, *out = NULL;
    if (zeros_in_base_layout(geom, g->dtype, &b, &region) != PL_OK) return NULL;
    if (pl_copy_raw(b, g) == PL_OK) out = pl_contiguous(region);
    if (out == region) { /* a view of the scratch: give a tensor of its own */
        pl_tensor_release(out);
        out = pl_clone(region);
    }
    pl_tensor_release(b);
    pl_tensor_release(region);
    return pl_record_map(out, &as_strided_kind, &g, 1, NULL, 0, NULL, 0, geom);
}

/* g: (region shape) -> zeros of the base's shape with the region set to g (new reference). */
static pl_tensor *
geom_scatter(pl_tensor *g, const pl_view_geom *geom)
{
    pl_tensor *b = NULL, *region = NULL;
    if (zeros_in_base_layout(geom, g->dtype, &b, &region) != PL_OK) return NULL;
    pl_status st = pl_copy_raw(region, g);
    pl_tensor_release(region);
    if (st != PL_OK) {
        pl_tensor_release(b);
        return NULL;
    }
    return pl_record_map(b, &as_strided_scatter_kind, &g, 1, NULL, 0, NULL, 0, geom);
}

pl_tensor *
pl_scatter_into_zeros(pl_tensor *g, const pl_tensor *base, const pl_tensor *region)
{
    pl_view_geom geom;
    geom_of(&geom, base, region);
    return geom_scatter(g, &geom);
}

/* ---- CopySlices: the base's history after a write through a view ----
 * next[0]: the base's previous history; next[1]: the node of the region's new values (fn). */
static pl_status
copy_slices_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    const pl_view_geom *geom = node->geom;
    if (node->next[0].fn) { /* outside the region the old values live on */
        pl_expr s = {.n = 0};
        bool was = pl_grad_enabled();
        pl_set_grad_enabled(false); /* the mask 1 - scatter(ones) is a constant */
        pl_tensor *ones = ex_keep(&s, pl_tensor_full(geom->ndim, geom->shape, g->dtype, 1.0));
        pl_tensor *inside = ex_keep(&s, ones ? geom_scatter(ones, geom) : NULL);
        pl_tensor *one = ex_keep(&s, inside ? pl_tensor_scalar(1.0, g->dtype) : NULL);
        pl_tensor *outside = ex_sub(&s, one, inside);
        pl_set_grad_enabled(was);
        din[0] = pl_expr_result(&s, ex_mul(&s, g, outside));
        if (!din[0]) return pl_error_status();
    }
    if (node->next[1].fn && !(din[1] = geom_gather(g, geom))) return pl_error_status();
    return PL_OK;
}
static const pl_node_kind copy_slices_kind = {"CopySlices", copy_slices_backward,
                                              PL_KIND_DIFFERENTIABLE};

/* v's grad_fn: the region of its base's current history. */
static pl_status
view_from_base(pl_tensor *v)
{
    pl_tensor *base = v->base;
    v->view_version = v->storage->version;
    if (!base->requires_grad || !pl_dtype_is_floating(v->dtype)) return PL_OK;
    pl_view_geom geom;
    geom_of(&geom, base, v);
    /* Not pl_record: v is borrowed and keeps its previous grad_fn when this fails (pl_record
     * would release it, and attach before the geometry is set). */
    pl_node *node = pl_node_new(&as_strided_kind, &base, 1);
    if (!node || pl_node_set_geom(node, &geom) != PL_OK) {
        pl_node_release(node);
        return pl_error_status();
    }
    pl_node_attach(v, node);
    return PL_OK;
}

pl_status
pl_view_rebase(pl_tensor *v, pl_node *fn_steal)
{
    pl_tensor *base = v->base;
    if (!base) { /* not a view: the new values' history is v's */
        if (fn_steal) pl_node_attach(v, fn_steal);
        else if (v->grad_fn) pl_tensor_detach_(v);
        return PL_OK;
    }
    if (!fn_steal && !base->requires_grad) {
        v->view_version = v->storage->version;
        return PL_OK;
    }
    /* Not pl_record: the node goes onto the borrowed base, and its second edge is the node
     * fn_steal of the region's new values, not the history of a tensor. */
    pl_tensor *ins[2] = {base, NULL};
    pl_node *node = pl_node_new(&copy_slices_kind, ins, 2);
    pl_view_geom geom;
    geom_of(&geom, base, v);
    if (!node || pl_node_set_geom(node, &geom) != PL_OK) {
        pl_node_release(node);
        pl_node_release(fn_steal);
        return pl_error_status();
    }
    pl_edge *e = &node->next[1];
    e->fn = fn_steal;
    e->input_nr = 0;
    e->ndim = v->ndim;
    e->dtype = v->dtype;
    memcpy(e->shape, v->shape, sizeof(int64_t) * v->ndim);
    pl_node_attach(base, node);
    return view_from_base(v);
}

void
pl_view_refresh(pl_tensor *t)
{
    if (view_from_base(t) != PL_OK) pl_error_clear(); /* keeps its previous grad_fn */
}

/* ---- in-place view ops (t_, transpose_, squeeze_, unsqueeze_) on a tensor with history ---- */

pl_status
pl_take_view(pl_tensor *t, pl_tensor *v)
{
    if (t->is_view || t->base || t->retains_grad || v->base != t || t->storage != v->storage) {
        pl_error_set(PL_ERR_NOTIMPL,
                     "pytorchlite: an in-place view op on a view, or on a tensor that retains its "
                     "grad, is not supported while recording a graph; use the out-of-place form");
        return PL_ERR_NOTIMPL;
    }
    t->offset = v->offset;
    t->ndim = v->ndim;
    memcpy(t->shape, v->shape, sizeof t->shape);
    memcpy(t->strides, v->strides, sizeof t->strides);
    if (v->grad_fn) { /* t's history becomes the view op's node, whose edge is t's old history */
        pl_node *old = t->grad_fn;
        t->grad_fn = pl_node_retain(v->grad_fn);
        t->grad_fn->kind = pl_view_inplace_kind(t->grad_fn->kind); /* v's own, fresh node */
        t->output_nr = v->output_nr;
        t->requires_grad = true;
        if (old) pl_node_release(old);
    }
    return PL_OK;
}
