/* pow_scalar.c — x ** e for a Python number e (PowBackward0): the exponents PyTorch's kernel
 * treats specially (0, 1, 2, 3, 0.5, -0.5, -1) through the ops it uses for them, any other
 * through the binary pow; and its in-place form. */
#include <math.h>

#include "../autograd.h"
#include "../ops.h"
#include "expr.h"
#include "internal.h"

static pl_status
pow_scalar_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    double e = node->scalars[0];
    pl_tensor *x = pl_node_saved(node, 0);
    if (!x) return pl_error_status();
    if (e == 0.0) {
        din[0] = pl_tensor_zeros(g->ndim, g->shape, g->dtype);
        return din[0] ? PL_OK : pl_error_status();
    }
    pl_expr s = {.n = 0};
    din[0] = pl_expr_result(&s, ex_mul(&s, g, ex_scale(&s, ex_pow(&s, x, e - 1.0), e))); /* g * (e * x^(e-1)) */
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind pow_scalar_kind = {"PowBackward0", pow_scalar_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_pow_scalar(pl_tensor *a, double e)
{
    pl_tensor *out;
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    if (e == 0.0) {
        out = pl_tensor_full(a->ndim, a->shape, a->dtype, 1.0); /* PyTorch fills ones (nan ** 0 too) */
    } else if (e == 2.0) {
        out = pl_binary(PL_MUL, a, a, 1, false, false);
    } else if (e == 1.0) {
        out = pl_clone(a);
    } else if (e == 0.5 && pl_dtype_is_floating(a->dtype)) {
        out = pl_unary(PL_SQRT, a);
    } else if (e == -1.0 && pl_dtype_is_floating(a->dtype)) {
        out = pl_unary(PL_RECIPROCAL, a);
    } else if (e == -0.5 && pl_dtype_is_floating(a->dtype) && a->dtype != PL_FLOAT16) {
        /* float16: PyTorch's pow, which makes -0 ** -0.5 inf, not rsqrt's -inf */
        out = pl_unary(PL_RSQRT, a);
    } else if (e == 3.0) {
        pl_tensor *sq = pl_binary(PL_MUL, a, a, 1, false, false);
        out = sq ? pl_binary(PL_MUL, sq, a, 1, false, false) : NULL;
        pl_tensor_release(sq);
    } else if (e == -2.0 && (a->dtype == PL_FLOAT32 || a->dtype == PL_FLOAT64)) {
        /* PyTorch's float and double kernels: 1 / (x * x), the square rounded first */
        pl_tensor *sq = pl_binary(PL_MUL, a, a, 1, false, false);
        out = sq ? pl_unary(PL_RECIPROCAL, sq) : NULL;
        pl_tensor_release(sq);
    } else {
        bool integral = e == floor(e) && fabs(e) < 9.007199254740992e15;
        pl_tensor *k = pl_tensor_scalar(e, integral && !pl_dtype_is_floating(a->dtype) ? PL_INT64 : PL_FLOAT64);
        out = k ? pl_binary(PL_POW, a, k, 1, false, true) : NULL;
        pl_tensor_release(k);
    }
    pl_set_grad_enabled(was);
    if (!out) return NULL;
    if (pl_dtype_is_floating(out->dtype) && pl_needs_grad(&a, 1)) {
        pl_node *node;
        if (!(out = pl_record(out, &pow_scalar_kind, &a, 1, &a, 1, &node))) return NULL;
        node->scalars[0] = e;
    }
    return out;
}

/* a.pow_(e): the result replaces a (and its history, when recorded) */
pl_status
pl_pow_scalar_(pl_tensor *a, double e)
{
    pl_status st = pl_check_inplace(a);
    if (st == PL_OK) st = pl_check_no_overlap(a);
    if (st != PL_OK) return st;
    pl_tensor *r = pl_pow_scalar(a, e);
    if (!r) return pl_error_status();
    if (r->grad_fn) {
        st = pl_rebase_inplace(a, r);
    } else {
        st = pl_copy_raw(a, r);
        if (st == PL_OK) pl_tensor_bump_version(a);
    }
    pl_tensor_release(r);
    return st;
}
