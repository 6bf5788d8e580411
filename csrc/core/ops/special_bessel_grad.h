/* special_bessel_grad.h — the backward formulas of the op table's special_bessel.h rows
 * (modified Bessel I1, K0, K1 and their scaled forms, spherical j0, Airy's Ai), written over
 * core ops (ops/expr.h) and recorded under create_graph. PyTorch records no node for these
 * functions (torch.special computes them on a detached input), so the formulas serve only the
 * private methods; they are the true derivatives, except Ai's, which is refused. Included by
 * ops/unary.c after expr.h.
 */
#ifndef PL_SPECIAL_BESSEL_GRAD_H
#define PL_SPECIAL_BESSEL_GRAD_H

#include "expr.h"

/* x == 0 ? k : d, k a number of x's dtype */
static pl_tensor *
pl_bessel_at_zero(pl_expr *s, pl_tensor *x, double k, pl_tensor *d)
{
    pl_tensor *kt = ex_keep(s, x ? pl_tensor_scalar(k, x->dtype) : NULL);
    return ex_where(s, ex_cmpk(s, PL_EQ, x, 0), kt, d);
}

/* I1' = I0(x) - I1(x) / x, 1/2 at 0 */
static pl_tensor *
pl_modified_bessel_i1_backward(pl_expr *s, pl_tensor *g, pl_tensor *x)
{
    pl_tensor *d = ex_sub(s, ex_un(s, PL_I0, x),
                          ex_div(s, ex_un(s, PL_SPECIAL_MODIFIED_BESSEL_I1, x), x));
    return ex_mul(s, pl_bessel_at_zero(s, x, 0.5, d), g);
}

/* K1' = -(K0(x) + K1(x) / x) */
static pl_tensor *
pl_modified_bessel_k1_backward(pl_expr *s, pl_tensor *g, pl_tensor *x)
{
    pl_tensor *d = ex_add(s, ex_un(s, PL_SPECIAL_MODIFIED_BESSEL_K0, x),
                          ex_div(s, ex_un(s, PL_SPECIAL_MODIFIED_BESSEL_K1, x), x));
    return ex_mul(s, g, ex_neg(s, d));
}

/* (exp(x) K1)' = exp(x) K1(x) (1 - 1/x) - exp(x) K0(x) */
static pl_tensor *
pl_scaled_modified_bessel_k1_backward(pl_expr *s, pl_tensor *g, pl_tensor *x)
{
    pl_tensor *k1e = ex_un(s, PL_SPECIAL_SCALED_MODIFIED_BESSEL_K1, x);
    pl_tensor *d = ex_sub(s, ex_mul(s, k1e, ex_ksub(s, 1, ex_un(s, PL_RECIPROCAL, x))),
                          ex_un(s, PL_SPECIAL_SCALED_MODIFIED_BESSEL_K0, x));
    return ex_mul(s, g, d);
}

/* j0' = (cos(x) - j0(x)) / x, 0 at 0 */
static pl_tensor *
pl_spherical_bessel_j0_backward(pl_expr *s, pl_tensor *g, pl_tensor *x)
{
    pl_tensor *d = ex_div(s, ex_sub(s, ex_un(s, PL_COS, x),
                                    ex_un(s, PL_SPECIAL_SPHERICAL_BESSEL_J0, x)), x);
    return ex_mul(s, pl_bessel_at_zero(s, x, 0.0, d), g);
}

/* Ai' has no kernel here: the backward refuses, as PyTorch's would if it recorded a node */
static pl_tensor *
pl_airy_ai_backward(pl_expr *s, pl_tensor *g, pl_tensor *x)
{
    (void)s;
    (void)g;
    (void)x;
    pl_error_set(PL_ERR_RUNTIME, "the derivative for 'special_airy_ai' is not implemented.");
    return NULL;
}

#endif
