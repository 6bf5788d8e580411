/* view.c — views that share their input's storage: view, reshape, transpose, permute,
 * (un)squeeze, expand, select and slice, with their backwards. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"

/* A view of a sharing its storage with the given geometry; records `kind` when needed.
 * ints/nints are copied into the node for the backward. */
static pl_tensor *
make_view(pl_tensor *a, int ndim, const int64_t *shape, const int64_t *strides, int64_t offset,
          const pl_node_kind *kind, const int64_t *ints, int nints)
{
    pl_tensor *v = pl_tensor_view_of(a->storage, a->dtype, ndim, shape, strides, offset);
    if (!v) return NULL;
    v->is_view = true;
    v->base = pl_tensor_retain(a->base ? a->base : a);
    v->view_version = a->storage->version;
    if (kind && pl_dtype_is_floating(a->dtype) && pl_needs_grad(&a, 1)) {
        pl_node *node;
        if (!(v = pl_record(v, kind, &a, 1, NULL, 0, &node))) return NULL;
        if (nints > 0) memcpy(node->ints, ints, sizeof(int64_t) * nints);
    }
    return v;
}

/* ---- view / reshape ---- */

static pl_status
infer_shape(int64_t numel, int ndim, const int64_t *in, int64_t *out)
{
    int infer = -1;
    int64_t prod = 1;
    /* PyTorch's product wraps (a shape whose count overflows then fails in make_view) */
    for (int i = 0; i < ndim; i++) {
        if (in[i] == -1) {
            if (infer >= 0) return pl_error_set(PL_ERR_RUNTIME, "only one dimension can be inferred");
            infer = i;
        } else if (in[i] < 0) {
            return pl_error_set(PL_ERR_RUNTIME, "invalid shape dimension %lld", (long long)in[i]);
        } else {
            prod = (int64_t)((uint64_t)prod * (uint64_t)in[i]);
        }
        out[i] = in[i];
    }
    if (numel == prod || (infer >= 0 && prod > 0 && numel % prod == 0)) {
        if (infer < 0) return PL_OK;
        if (prod == 0) {
            char s[128];
            pl_format_shape(s, sizeof s, ndim, in);
            return pl_error_set(PL_ERR_RUNTIME,
                                "cannot reshape tensor of %lld elements into shape %s because the "
                                "unspecified dimension size -1 can be any value and is ambiguous",
                                (long long)numel, s);
        }
        out[infer] = numel / prod;
        return PL_OK;
    }
    char s[128];
    pl_format_shape(s, sizeof s, ndim, in);
    return pl_error_set(PL_ERR_RUNTIME, "shape '%s' is invalid for input of size %lld", s, (long long)numel);
}

/* Strides for viewing a with `shape` without a copy, if possible (PyTorch's rule: each run of
 * new dims must lie within one contiguous chunk of old dims). */
static bool
view_strides(const pl_tensor *a, int ndim, const int64_t *shape, int64_t *strides)
{
    if (a->numel == 0 || pl_tensor_is_contiguous(a)) {
        pl_contiguous_strides(ndim, shape, strides);
        return true;
    }
    int view_d = ndim - 1;
    int64_t chunk_base_stride = a->ndim ? a->strides[a->ndim - 1] : 1;
    int64_t tensor_numel = 1, view_numel = 1;
    for (int d = a->ndim - 1; d >= 0; d--) {
        tensor_numel *= a->shape[d];
        if (d == 0 || (a->shape[d - 1] != 1 && a->strides[d - 1] != tensor_numel * chunk_base_stride)) {
            while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
                strides[view_d] = view_numel * chunk_base_stride;
                view_numel *= shape[view_d];
                view_d--;
            }
            if (view_numel != tensor_numel) return false;
            if (d > 0) {
                chunk_base_stride = a->strides[d - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    return view_d == -1;
}

static pl_status
reshape_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *gc = pl_contiguous(g);
    if (!gc) return pl_error_status();
    din[0] = pl_view(gc, node->next[0].ndim, node->next[0].shape);
    pl_tensor_release(gc);
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind view_kind = {"ViewBackward0", reshape_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind unsafe_view_kind = {"UnsafeViewBackward0", reshape_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind reshape_alias_kind = {"ReshapeAliasBackward0", reshape_backward,
                                                 PL_KIND_DIFFERENTIABLE};
static const pl_node_kind squeeze_all_kind = {"SqueezeBackward0", reshape_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind squeeze_dim_kind = {"SqueezeBackward1", reshape_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind squeeze_dims_kind = {"SqueezeBackward2", reshape_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind unsqueeze_kind = {"UnsqueezeBackward0", reshape_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind alias_kind = {"AliasBackward0", reshape_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_alias_view(pl_tensor *a)
{
    return make_view(a, a->ndim, a->shape, a->strides, a->offset, &alias_kind, NULL, 0);
}

pl_tensor *
pl_view(pl_tensor *a, int ndim, const int64_t *shape_in)
{
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS];
    if (ndim > PL_MAX_DIMS) {
        pl_error_set(PL_ERR_RUNTIME, "too many dimensions");
        return NULL;
    }
    if (infer_shape(a->numel, ndim, shape_in, shape) != PL_OK) return NULL;
    if (!view_strides(a, ndim, shape, strides)) {
        pl_error_set(PL_ERR_RUNTIME,
                     "view size is not compatible with input tensor's size and stride (at least one "
                     "dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
        return NULL;
    }
    return make_view(a, ndim, shape, strides, a->offset, &view_kind, NULL, 0);
}

pl_tensor *
pl_unsafe_view(pl_tensor *a, int ndim, const int64_t *shape_in)
{
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS];
    if (ndim > PL_MAX_DIMS) {
        pl_error_set(PL_ERR_RUNTIME, "too many dimensions");
        return NULL;
    }
    if (infer_shape(a->numel, ndim, shape_in, shape) != PL_OK) return NULL;
    if (!view_strides(a, ndim, shape, strides)) {
        pl_error_set(PL_ERR_RUNTIME, "_unsafe_view: size is not compatible with the input's strides");
        return NULL;
    }
    return make_view(a, ndim, shape, strides, a->offset, &unsafe_view_kind, NULL, 0);
}

pl_tensor *
pl_reshape(pl_tensor *a, int ndim, const int64_t *shape_in)
{
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS];
    if (ndim > PL_MAX_DIMS) {
        pl_error_set(PL_ERR_RUNTIME, "too many dimensions");
        return NULL;
    }
    if (infer_shape(a->numel, ndim, shape_in, shape) != PL_OK) return NULL;
    if (view_strides(a, ndim, shape, strides)) { /* PyTorch: view, or _reshape_alias */
        const pl_node_kind *kind = pl_tensor_is_contiguous(a) ? &view_kind : &reshape_alias_kind;
        return make_view(a, ndim, shape, strides, a->offset, kind, NULL, 0);
    }
    /* PyTorch's _unsafe_view of a contiguous clone (CloneBackward0 under UnsafeViewBackward0) */
    pl_tensor *c = pl_contiguous(a);
    pl_tensor *v = c ? pl_unsafe_view(c, ndim, shape) : NULL;
    pl_tensor_release(c);
    return v;
}

/* ---- transpose / permute ---- */

static pl_status
permute_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    /* ints[0] = ndim, ints[1..] = the permutation; apply its inverse */
    int nd = (int)node->ints[0];
    int64_t inv[PL_MAX_DIMS];
    for (int i = 0; i < nd; i++) inv[node->ints[1 + i]] = i;
    bool was = pl_grad_enabled();
    din[0] = pl_permute(g, nd, inv);
    pl_set_grad_enabled(was);
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind permute_kind = {"PermuteBackward0", permute_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind transpose_kind = {"TransposeBackward0", permute_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind t_kind = {"TBackward0", permute_backward, PL_KIND_DIFFERENTIABLE};

/* The in-place forms (t_, transpose_, squeeze_, unsqueeze_) record the same view under the
 * name PyTorch gives its in-place overload (TBackward1, SqueezeBackward3 ...): pl_take_view
 * renames the view's node to its twin here. */
static const pl_node_kind t_inplace_kind = {"TBackward1", permute_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind transpose_inplace_kind = {"TransposeBackward1", permute_backward,
                                                    PL_KIND_DIFFERENTIABLE};
static const pl_node_kind squeeze_all_inplace_kind = {"SqueezeBackward3", reshape_backward,
                                                      PL_KIND_DIFFERENTIABLE};
static const pl_node_kind squeeze_dim_inplace_kind = {"SqueezeBackward4", reshape_backward,
                                                      PL_KIND_DIFFERENTIABLE};
static const pl_node_kind squeeze_dims_inplace_kind = {"SqueezeBackward5", reshape_backward,
                                                       PL_KIND_DIFFERENTIABLE};
static const pl_node_kind unsqueeze_inplace_kind = {"UnsqueezeBackward1", reshape_backward,
                                                    PL_KIND_DIFFERENTIABLE};

const pl_node_kind *
pl_view_inplace_kind(const pl_node_kind *kind)
{
    if (kind == &t_kind) return &t_inplace_kind;
    if (kind == &transpose_kind) return &transpose_inplace_kind;
    if (kind == &squeeze_all_kind) return &squeeze_all_inplace_kind;
    if (kind == &squeeze_dim_kind) return &squeeze_dim_inplace_kind;
    if (kind == &squeeze_dims_kind) return &squeeze_dims_inplace_kind;
    if (kind == &unsqueeze_kind) return &unsqueeze_inplace_kind;
    return kind;
}

static pl_tensor *
permute_impl(pl_tensor *a, int ndims, const int64_t *dims_in, const pl_node_kind *kind)
{
    if (ndims != a->ndim) {
        pl_error_set(PL_ERR_RUNTIME,
                     "permute(sparse_coo): number of dimensions in the tensor input does not match "
                     "the length of the desired ordering of dimensions i.e. input.dim() = %d is not "
                     "equal to len(dims) = %d", a->ndim, ndims);
        return NULL;
    }
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS], ints[PL_MAX_DIMS + 1];
    bool seen[PL_MAX_DIMS] = {0};
    ints[0] = ndims;
    for (int i = 0; i < ndims; i++) {
        int d;
        if (pl_wrap_dim(dims_in[i], a->ndim, &d) != PL_OK) return NULL;
        if (seen[d]) {
            pl_error_set(PL_ERR_RUNTIME, "permute(): duplicate dims are not allowed.");
            return NULL;
        }
        seen[d] = true;
        shape[i] = a->shape[d];
        strides[i] = a->strides[d];
        ints[1 + i] = d;
    }
    return make_view(a, ndims, shape, strides, a->offset, kind, ints, ndims + 1);
}

pl_tensor *
pl_permute(pl_tensor *a, int ndims, const int64_t *dims)
{
    return permute_impl(a, ndims, dims, &permute_kind);
}

pl_tensor *
pl_transpose(pl_tensor *a, int64_t d0_, int64_t d1_)
{
    int d0, d1;
    if (pl_wrap_dim(d0_, a->ndim, &d0) != PL_OK || pl_wrap_dim(d1_, a->ndim, &d1) != PL_OK) return NULL;
    int64_t perm[PL_MAX_DIMS];
    for (int i = 0; i < a->ndim; i++) perm[i] = i;
    if (a->ndim > 0) {
        perm[d0] = d1;
        perm[d1] = d0;
    }
    return permute_impl(a, a->ndim, perm, &transpose_kind);
}

pl_tensor *
pl_t(pl_tensor *a)
{
    if (a->ndim > 2) {
        pl_error_set(PL_ERR_RUNTIME, "t() expects a tensor with <= 2 dimensions, but self is %dD", a->ndim);
        return NULL;
    }
    int64_t perm[2] = {1, 0};
    if (a->ndim < 2) {
        int64_t p0[1] = {0};
        return permute_impl(a, a->ndim, p0, &t_kind);
    }
    return permute_impl(a, 2, perm, &t_kind);
}

/* ---- unsqueeze / squeeze / expand ---- */

pl_tensor *
pl_unsqueeze(pl_tensor *a, int64_t dim_)
{
    int dim;
    if (pl_wrap_dim(dim_, a->ndim + 1, &dim) != PL_OK) return NULL;
    if (a->ndim + 1 > PL_MAX_DIMS) {
        pl_error_set(PL_ERR_RUNTIME, "too many dimensions");
        return NULL;
    }
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS];
    for (int i = 0, j = 0; i <= a->ndim; i++) {
        if (i == dim) {
            shape[i] = 1;
            strides[i] = dim < a->ndim ? a->strides[dim] * a->shape[dim] : 1;
        } else {
            shape[i] = a->shape[j];
            strides[i] = a->strides[j];
            j++;
        }
    }
    return make_view(a, a->ndim + 1, shape, strides, a->offset, &unsqueeze_kind, NULL, 0);
}

pl_tensor *
pl_squeeze(pl_tensor *a, bool all, int64_t dim_)
{
    int dim = -1;
    if (!all && pl_wrap_dim(dim_, a->ndim, &dim) != PL_OK) return NULL;
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < a->ndim; i++) {
        if (a->shape[i] == 1 && (all || i == dim)) continue;
        shape[nd] = a->shape[i];
        strides[nd] = a->strides[i];
        nd++;
    }
    return make_view(a, nd, shape, strides, a->offset, all ? &squeeze_all_kind : &squeeze_dim_kind, NULL, 0);
}

/* squeeze(dim=(d0, d1, ...)): one view without the listed dims of size 1 (drop[d] marks them,
 * already wrapped and distinct) */
pl_tensor *
pl_squeeze_dims(pl_tensor *a, const bool *drop)
{
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < a->ndim; i++) {
        if (a->shape[i] == 1 && drop[i]) continue;
        shape[nd] = a->shape[i];
        strides[nd] = a->strides[i];
        nd++;
    }
    return make_view(a, nd, shape, strides, a->offset, &squeeze_dims_kind, NULL, 0);
}

static pl_status
expand_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    (void)node; /* the engine sums the gradient back to the input's shape */
    din[0] = pl_tensor_retain(g);
    return PL_OK;
}
static const pl_node_kind expand_kind = {"ExpandBackward0", expand_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_expand(pl_tensor *a, int ndim, const int64_t *shape_in)
{
    if (ndim < a->ndim) {
        char s[128], t[128];
        pl_format_shape(s, sizeof s, ndim, shape_in);
        pl_format_shape(t, sizeof t, a->ndim, a->shape);
        pl_error_set(PL_ERR_RUNTIME,
                     "expand(torch.FloatTensor{%s}, size=%s): the number of sizes provided (%d) must "
                     "be greater or equal to the number of dimensions in the tensor (%d)",
                     t, s, ndim, a->ndim);
        return NULL;
    }
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS];
    int lead = ndim - a->ndim;
    for (int i = 0; i < ndim; i++) {
        int j = i - lead;
        int64_t want = shape_in[i];
        if (j < 0) {
            if (want < 0) {
                pl_error_set(PL_ERR_RUNTIME, "The expanded size of the tensor (%lld) isn't allowed in a "
                                             "leading, non-existing dimension %d", (long long)want, i);
                return NULL;
            }
            shape[i] = want;
            strides[i] = 0;
        } else {
            int64_t have = a->shape[j];
            if (want == -1) want = have;
            if (have == want) {
                shape[i] = have;
                strides[i] = a->strides[j];
            } else if (have == 1) {
                shape[i] = want;
                strides[i] = 0;
            } else {
                char ts[128], hs[128];
                pl_format_shape(ts, sizeof ts, ndim, shape_in);
                pl_format_shape(hs, sizeof hs, a->ndim, a->shape);
                pl_error_set(PL_ERR_RUNTIME,
                             "The expanded size of the tensor (%lld) must match the existing size "
                             "(%lld) at non-singleton dimension %d.  Target sizes: %s.  Tensor sizes: %s",
                             (long long)want, (long long)have, i, ts, hs);
                return NULL;
            }
        }
    }
    return make_view(a, ndim, shape, strides, a->offset, &expand_kind, NULL, 0);
}

/* ---- select / slice ---- */

/* Backward of a view into part of the input: zeros of the input's shape, the same view of
 * them, and the gradient copied in. ints: [0] kind (0 select, 1 slice, 2 diagonal), then the
 * view's arguments: select [1] dim [2] index; slice [1] dim [2..4] start, stop, step;
 * diagonal [1] offset [2] dim1 [3] dim2 */
static pl_status
part_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    const pl_edge *e = &node->next[0];
    pl_tensor *z = pl_tensor_zeros(e->ndim, e->shape, g->dtype);
    if (!z) return pl_error_status();
    pl_tensor *part = node->ints[0] == 0   ? pl_select(z, node->ints[1], node->ints[2])
                      : node->ints[0] == 1 ? pl_slice(z, node->ints[1], node->ints[2], node->ints[3], node->ints[4])
                                           : pl_diagonal(z, node->ints[1], node->ints[2], node->ints[3]);
    if (part && pl_grad_enabled() && g->requires_grad) { /* create_graph: a recorded scatter */
        din[0] = pl_scatter_into_zeros(g, z, part);
        pl_tensor_release(part);
        pl_tensor_release(z);
        return din[0] ? PL_OK : pl_error_status();
    }
    if (!part || pl_copy_raw(part, g) != PL_OK) {
        pl_tensor_release(part);
        pl_tensor_release(z);
        return pl_error_status();
    }
    pl_tensor_release(part);
    din[0] = z;
    return PL_OK;
}
static const pl_node_kind select_kind = {"SelectBackward0", part_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind slice_kind = {"SliceBackward0", part_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind diagonal_kind = {"DiagonalBackward0", part_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_select(pl_tensor *a, int64_t dim_, int64_t index)
{
    if (a->ndim == 0) {
        pl_error_set(PL_ERR_INDEX, "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                                   "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number");
        return NULL;
    }
    int dim;
    if (pl_wrap_dim(dim_, a->ndim, &dim) != PL_OK) return NULL;
    int64_t n = a->shape[dim];
    if (index < -n || index >= n) {
        pl_error_set(PL_ERR_INDEX, "index %lld is out of bounds for dimension %d with size %lld",
                     (long long)index, dim, (long long)n);
        return NULL;
    }
    if (index < 0) index += n;
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < a->ndim; i++) {
        if (i == dim) continue;
        shape[nd] = a->shape[i];
        strides[nd] = a->strides[i];
        nd++;
    }
    int64_t ints[3] = {0, dim, index};
    return make_view(a, nd, shape, strides, a->offset + index * a->strides[dim], &select_kind, ints, 3);
}

pl_tensor *
pl_slice(pl_tensor *a, int64_t dim_, int64_t start, int64_t stop, int64_t step)
{
    int dim;
    if (a->ndim == 0) {
        pl_error_set(PL_ERR_INDEX, "slice() cannot be applied to a 0-dim tensor.");
        return NULL;
    }
    if (pl_wrap_dim(dim_, a->ndim, &dim) != PL_OK) return NULL;
    if (step <= 0) {
        pl_error_set(PL_ERR_VALUE, "step must be greater than zero");
        return NULL;
    }
    int64_t n = a->shape[dim];
    if (start < 0) start += n;
    if (stop < 0) stop += n;
    if (start < 0) start = 0;
    if (start > n) start = n;
    if (stop > n) stop = n;
    if (stop < start) stop = start;
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS];
    memcpy(shape, a->shape, sizeof(int64_t) * a->ndim);
    memcpy(strides, a->strides, sizeof(int64_t) * a->ndim);
    shape[dim] = stop == start ? 0 : (stop - start - 1) / step + 1; /* no overflow for huge steps */
    strides[dim] = a->strides[dim] * step;
    int64_t ints[5] = {1, dim, start, stop, step};
    return make_view(a, a->ndim, shape, strides, a->offset + start * a->strides[dim], &slice_kind, ints, 5);
}


/* ---- diagonal ---- */

pl_tensor *
pl_diagonal(pl_tensor *a, int64_t offset, int64_t dim1_, int64_t dim2_)
{
    int d1, d2;
    if (pl_wrap_dim(dim1_, a->ndim, &d1) != PL_OK || pl_wrap_dim(dim2_, a->ndim, &d2) != PL_OK) return NULL;
    if (d1 == d2) {
        pl_error_set(PL_ERR_RUNTIME, "diagonal dimensions cannot be identical %lld, %lld", (long long)dim1_,
                     (long long)dim2_);
        return NULL;
    }
    int64_t n1 = a->shape[d1], n2 = a->shape[d2], len, start = a->offset;
    if (offset >= 0) {
        len = offset >= n2 ? 0 : (n1 < n2 - offset ? n1 : n2 - offset);
        if (len > 0) start += offset * a->strides[d2];
    } else {
        len = offset <= -n1 ? 0 : (n1 + offset < n2 ? n1 + offset : n2);
        if (len > 0) start -= offset * a->strides[d1];
    }
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < a->ndim; i++) {
        if (i == d1 || i == d2) continue;
        shape[nd] = a->shape[i];
        strides[nd] = a->strides[i];
        nd++;
    }
    shape[nd] = len;
    strides[nd] = a->strides[d1] + a->strides[d2];
    int64_t ints[4] = {2, offset, d1, d2};
    return make_view(a, nd + 1, shape, strides, start, &diagonal_kind, ints, 4);
}

/* ---- as_strided ---- */

pl_tensor *
pl_as_strided_nograd(pl_tensor *a, int ndim, const int64_t *shape, const int64_t *strides, int64_t offset)
{
    if (ndim > PL_MAX_DIMS) {
        pl_error_set(PL_ERR_RUNTIME, "as_strided: at most %d dims are supported", PL_MAX_DIMS);
        return NULL;
    }
    if (offset < 0) { /* before any arithmetic on it */
        pl_error_set(PL_ERR_RUNTIME, "Tensor: invalid storage offset %lld", (long long)offset);
        return NULL;
    }
    int64_t reach = offset, itemsize = (int64_t)pl_dtype_size(a->dtype);
    bool empty = false;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) {
            pl_error_set(PL_ERR_RUNTIME, "as_strided: negative size %lld", (long long)shape[i]);
            return NULL;
        }
        if (strides[i] < 0) {
            pl_error_set(PL_ERR_RUNTIME, "as_strided: Negative strides are not supported at the moment");
            return NULL;
        }
        if (shape[i] == 0) empty = true;
        else if (strides[i] > 0 && shape[i] - 1 > (INT64_MAX - reach) / strides[i]) {
            pl_error_set(PL_ERR_RUNTIME, "as_strided: the view reaches past the int64 range");
            return NULL;
        }
        else reach += (shape[i] - 1) * strides[i];
    }
    int64_t have = a->storage->nbytes / itemsize;
    if (!empty && reach >= have) {
        pl_error_set(PL_ERR_RUNTIME,
                     "storage offset %lld, and itemsize %lld requiring a storage size of %lld are out of "
                     "bounds for storage of size %lld",
                     (long long)offset, (long long)itemsize, (long long)((reach + 1) * itemsize),
                     (long long)(have * itemsize));
        return NULL;
    }
    return make_view(a, ndim, shape, strides, offset, NULL, NULL, 0);
}
