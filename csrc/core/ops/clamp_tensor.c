/* clamp_tensor.c — clamp with tensor bounds (PyTorch's clamp.Tensor) and its backward.
 *
 * The bounds broadcast with the input and may require grad themselves. The forward is
 * minimum(maximum(a, min), max) (both propagate nan); the backward is PyTorch's clamp_backward /
 * clamp_backward_min_max: the input gets the gradient where min <= a <= max, min where a < min
 * (and min < max), max where a > max (or max < min).
 *
 * node: next = (a, min, max), NULL edges for absent bounds; saved[0..2] the same three.
 */
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "internal.h"

/* where(mask, g, 0) */
static pl_tensor *
grad_where(pl_tensor *mask, pl_tensor *g)
{
    pl_tensor *zero = pl_tensor_scalar(0.0, g->dtype);
    pl_tensor *r = zero ? pl_where(mask, g, zero) : NULL;
    pl_tensor_release(zero);
    return r;
}

static pl_tensor *
both(pl_tensor *m1, pl_tensor *m2, bool any) /* m1 && m2, or m1 || m2 */
{
    return pl_binary(any ? PL_MAXIMUM : PL_MINIMUM, m1, m2, 1.0, false, false);
}

static pl_status
clamp_tensor_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    bool has_min = node->ints[0], has_max = node->ints[1];
    pl_tensor *x = pl_node_saved(node, 0);
    pl_tensor *lo = x && has_min ? pl_node_saved(node, 1) : NULL;
    pl_tensor *hi = x && has_max ? pl_node_saved(node, 2) : NULL;
    if (!x || (has_min && !lo) || (has_max && !hi)) return pl_error_status();
    pl_tensor *t[8] = {0};
    pl_status st = PL_OK;
    /* t[0]: x >= min, t[1]: x <= max, t[2]: x < min, t[3]: x > max, t[4]: min < max */
    if (has_min && (!(t[0] = pl_binary(PL_GE, x, lo, 1.0, false, false)) ||
                    !(t[2] = pl_binary(PL_LT, x, lo, 1.0, false, false)))) goto fail;
    if (has_max && (!(t[1] = pl_binary(PL_LE, x, hi, 1.0, false, false)) ||
                    !(t[3] = pl_binary(PL_GT, x, hi, 1.0, false, false)))) goto fail;
    if (has_min && has_max && !(t[4] = pl_binary(PL_LT, lo, hi, 1.0, false, false))) goto fail;
    if (node->next[0].fn) {
        pl_tensor *in_range = has_min && has_max ? (t[5] = both(t[0], t[1], false))
                              : has_min ? t[0] : t[1];
        if (!in_range || !(din[0] = grad_where(in_range, g))) goto fail;
    }
    if (has_min && node->next[1].fn) {
        pl_tensor *m = has_max ? (t[6] = both(t[2], t[4], false)) : t[2];
        if (!m || !(din[1] = grad_where(m, g))) goto fail;
    }
    if (has_max && node->next[2].fn) {
        pl_tensor *m = t[3];
        if (has_min) { /* max < min: every element is max */
            pl_tensor *lt = pl_binary(PL_LT, hi, lo, 1.0, false, false);
            m = lt ? (t[7] = both(t[3], lt, true)) : NULL;
            pl_tensor_release(lt);
        }
        if (!m || !(din[2] = grad_where(m, g))) goto fail;
    }
    goto out;
fail:
    st = pl_error_status();
out:
    for (int i = 0; i < 8; i++) pl_tensor_release(t[i]);
    return st;
}
static const pl_node_kind clamp_tensor_kind = {"ClampBackward0", clamp_tensor_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_clamp_tensor(pl_tensor *a, pl_tensor *min, bool min_wrapped, pl_tensor *max, bool max_wrapped)
{
    if (!min && !max) {
        pl_error_set(PL_ERR_RUNTIME, "torch.clamp: At least one of 'min' or 'max' must not be None");
        return NULL;
    }
    pl_tensor *ins[3] = {a, min, max};
    bool record = pl_needs_grad(ins, 3);
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    pl_tensor *lo = min ? pl_binary(PL_MAXIMUM, a, min, 1.0, false, min_wrapped) : pl_tensor_retain(a);
    pl_tensor *out = lo && max ? pl_binary(PL_MINIMUM, lo, max, 1.0, false, max_wrapped) : lo;
    if (out != lo) pl_tensor_release(lo);
    if (out == a) { /* a tensor of its own, not the input */
        pl_tensor_release(out);
        out = pl_clone(a);
    }
    pl_set_grad_enabled(was);
    if (out && record && pl_dtype_is_floating(out->dtype)) {
        pl_tensor *save[3] = {a, min, max}; /* min, max: NULL when not given */
        pl_node *node;
        if (!(out = pl_record(out, &clamp_tensor_kind, ins, 3, save, 3, &node))) return NULL;
        node->ints[0] = min != NULL;
        node->ints[1] = max != NULL;
    }
    return out;
}

pl_status
pl_clamp_tensor_(pl_tensor *a, pl_tensor *min, bool min_wrapped, pl_tensor *max, bool max_wrapped)
{
    pl_status st = pl_check_inplace(a);
    if (st == PL_OK) st = pl_check_no_overlap(a);
    if (st == PL_OK && min) st = pl_check_no_partial_overlap(a, min);
    if (st == PL_OK && max) st = pl_check_no_partial_overlap(a, max);
    if (st != PL_OK) return st;
    pl_tensor *r = pl_clamp_tensor(a, min, min_wrapped, max, max_wrapped);
    if (!r) return pl_error_status();
    if (!pl_same_shape(r, a)) {
        char sa[128], sr[128];
        pl_format_shape(sa, sizeof sa, a->ndim, a->shape);
        pl_format_shape(sr, sizeof sr, r->ndim, r->shape);
        pl_tensor_release(r);
        return pl_error_set(PL_ERR_RUNTIME,
                            "output with shape %s doesn't match the broadcast shape %s", sa, sr);
    }
    if (r->grad_fn) {
        st = pl_rebase_inplace(a, r);
    } else {
        st = pl_copy_raw(a, r);
        if (st == PL_OK) pl_tensor_bump_version(a);
    }
    pl_tensor_release(r);
    return st;
}
