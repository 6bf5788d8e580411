/* expr.h — backward formulas written as one expression over core ops.
 *
 * A formula such as g * (1 - y * y) reads
 *     ex_mul(s, g, ex_ksub(s, 1, ex_mul(s, y, y)))
 * Each ex_* call runs one core op (recorded when grad mode is on, so formulas differentiate
 * again under create_graph) and keeps its result in the scope s; any NULL operand makes the
 * result NULL, leaving the first error recorded. pl_expr_end releases every intermediate:
 * retain the final result first (pl_expr_result does both).
 */
#ifndef PL_OPS_EXPR_H
#define PL_OPS_EXPR_H

#include "../ops.h"
#include "internal.h"

#define PL_EXPR_MAX 24

typedef struct pl_expr {
    pl_tensor *tmp[PL_EXPR_MAX]; /* owned */
    int n;
} pl_expr;

/* Keeps t (a new reference, or NULL passed through) in the scope; returns it borrowed. */
static inline pl_tensor *
ex_keep(pl_expr *s, pl_tensor *t)
{
    if (!t) return NULL;
    if (s->n == PL_EXPR_MAX) {
        pl_tensor_release(t);
        pl_error_set(PL_ERR_RUNTIME, "a backward formula has more than %d terms", PL_EXPR_MAX);
        return NULL;
    }
    s->tmp[s->n++] = t;
    return t;
}

/* r retained (a new reference, or NULL), then every intermediate released. */
static inline pl_tensor *
pl_expr_result(pl_expr *s, pl_tensor *r)
{
    if (r) pl_tensor_retain(r);
    for (int i = 0; i < s->n; i++) pl_tensor_release(s->tmp[i]);
    s->n = 0;
    return r;
}

static inline pl_tensor *
ex_bin(pl_expr *s, pl_binop op, pl_tensor *a, pl_tensor *b)
{
    return a && b ? ex_keep(s, pl_binary(op, a, b, 1.0, false, false)) : NULL;
}
static inline pl_tensor *ex_add(pl_expr *s, pl_tensor *a, pl_tensor *b) { return ex_bin(s, PL_ADD, a, b); }
static inline pl_tensor *ex_sub(pl_expr *s, pl_tensor *a, pl_tensor *b) { return ex_bin(s, PL_SUB, a, b); }
static inline pl_tensor *ex_mul(pl_expr *s, pl_tensor *a, pl_tensor *b) { return ex_bin(s, PL_MUL, a, b); }
static inline pl_tensor *ex_div(pl_expr *s, pl_tensor *a, pl_tensor *b) { return ex_bin(s, PL_DIV, a, b); }

static inline pl_tensor *
ex_un(pl_expr *s, pl_unop op, pl_tensor *a)
{
    return a ? ex_keep(s, pl_unary(op, a)) : NULL;
}
static inline pl_tensor *ex_neg(pl_expr *s, pl_tensor *a) { return ex_un(s, PL_NEG, a); }

/* The number k as a 0-dim float64 tensor (a "wrapped" operand: it takes the other's dtype). */
static inline pl_tensor *
ex_k(pl_expr *s, double k)
{
    return ex_keep(s, pl_tensor_scalar(k, PL_FLOAT64));
}
/* a * k, a + k, k - a, a op k for a number k (a keeps its dtype) */
static inline pl_tensor *
ex_scale(pl_expr *s, pl_tensor *a, double k)
{
    return a ? ex_keep(s, pl_scale(a, k)) : NULL;
}
static inline pl_tensor *
ex_addk(pl_expr *s, pl_tensor *a, double k)
{
    pl_tensor *kt = ex_k(s, k);
    return a && kt ? ex_keep(s, pl_binary(PL_ADD, a, kt, 1.0, false, true)) : NULL;
}
static inline pl_tensor *
ex_ksub(pl_expr *s, double k, pl_tensor *a)
{
    pl_tensor *kt = ex_k(s, k);
    return a && kt ? ex_keep(s, pl_binary(PL_SUB, kt, a, 1.0, true, false)) : NULL;
}
static inline pl_tensor *
ex_cmpk(pl_expr *s, pl_binop op, pl_tensor *a, double k)
{
    pl_tensor *kt = ex_k(s, k);
    return a && kt ? ex_keep(s, pl_binary(op, a, kt, 1.0, false, true)) : NULL;
}
static inline pl_tensor *
ex_pow(pl_expr *s, pl_tensor *a, double e)
{
    return a ? ex_keep(s, pl_pow_scalar(a, e)) : NULL;
}
static inline pl_tensor *
ex_where(pl_expr *s, pl_tensor *cond, pl_tensor *a, pl_tensor *b)
{
    return cond && a && b ? ex_keep(s, pl_where(cond, a, b)) : NULL;
}
/* a summed over dims[0..ndims) */
static inline pl_tensor *
ex_sum(pl_expr *s, pl_tensor *a, const int64_t *dims, int ndims, bool keepdim)
{
    return a ? ex_keep(s, pl_sum(a, dims, ndims, keepdim)) : NULL;
}
/* zeros of like's shape and dtype (the gradient of a piecewise-constant op) */
static inline pl_tensor *
ex_zeros(pl_expr *s, pl_tensor *like)
{
    return like ? ex_keep(s, pl_tensor_zeros(like->ndim, like->shape, like->dtype)) : NULL;
}

#endif
