/* loss_logits.c — binary_cross_entropy_with_logits (weight, pos_weight, reductions): forward
 * and backward, built from the core's elementwise ops so that the backward is recorded under
 * create_graph (double backward works). */
#include "../autograd.h"
#include "../ops.h"
#include "internal.h"

/* Ownership: every helper returns a new reference (NULL with the error set); arguments are
 * borrowed, except bin_own / un_own which also release their first argument. */
static pl_tensor *
bin(pl_binop op, pl_tensor *a, pl_tensor *b)
{
    return (a && b) ? pl_binary(op, a, b, 1, false, false) : NULL;
}

static pl_tensor *
bin_own(pl_binop op, pl_tensor *a, pl_tensor *b)
{
    pl_tensor *r = bin(op, a, b);
    pl_tensor_release(a);
    return r;
}

static pl_tensor *
bin_scalar(pl_binop op, pl_tensor *a, double s, bool scalar_first)
{
    if (!a) return NULL;
    pl_tensor *k = pl_tensor_scalar(s, PL_FLOAT64);
    pl_tensor *r = NULL;
    if (k) r = scalar_first ? pl_binary(op, k, a, 1, true, false) : pl_binary(op, a, k, 1, false, true);
    pl_tensor_release(k);
    return r;
}

static pl_tensor *
un_own(pl_unop op, pl_tensor *a)
{
    pl_tensor *r = a ? pl_unary(op, a) : NULL;
    pl_tensor_release(a);
    return r;
}

/* log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)); x borrowed */
static pl_tensor *
log_sigmoid(pl_tensor *x)
{
    pl_tensor *low = bin_scalar(PL_MINIMUM, x, 0.0, false);
    pl_tensor *soft = un_own(PL_LOG1P, un_own(PL_EXP, un_own(PL_NEG, pl_unary(PL_ABS, x))));
    pl_tensor *r = bin(PL_SUB, low, soft);
    pl_tensor_release(low);
    pl_tensor_release(soft);
    return r;
}

/* the elementwise loss (1 - t) * x - log_sigmoid(x) * (1 + (pw - 1) * t), times weight */
static pl_tensor *
bce_logits_elementwise(pl_tensor *x, pl_tensor *t, pl_tensor *w, pl_tensor *pw)
{
    pl_tensor *ls = log_sigmoid(x);
    if (pw) {
        pl_tensor *lw = bin_scalar(PL_ADD, bin_own(PL_MUL, bin_scalar(PL_SUB, pw, 1.0, false), t),
                                   1.0, false);
        ls = bin_own(PL_MUL, ls, lw);
        pl_tensor_release(lw);
    }
    pl_tensor *loss = bin_own(PL_SUB, bin_own(PL_MUL, bin_scalar(PL_SUB, t, 1.0, true), x), ls);
    pl_tensor_release(ls);
    return w ? bin_own(PL_MUL, loss, w) : loss;
}

/* g times the elementwise gradient, scaled by 1/numel for 'mean'; grad borrowed, g0 owned */
static pl_tensor *
finish_grad(pl_tensor *g0, pl_tensor *w, pl_tensor *g, int reduction, int64_t numel)
{
    if (w) g0 = bin_own(PL_MUL, g0, w);
    g0 = bin_own(PL_MUL, g0, g);
    if (reduction == 1) {
        pl_tensor *r = bin_scalar(PL_DIV, g0, (double)numel, false);
        pl_tensor_release(g0);
        g0 = r;
    }
    return g0;
}

static pl_status
bce_logits_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *x = pl_node_saved(node, 0), *t = pl_node_saved(node, 1);
    if (!x || !t) return pl_error_status();
    pl_tensor *w = node->ints[1] & 1 ? pl_node_saved(node, 2) : NULL;
    pl_tensor *pw = node->ints[1] & 2 ? pl_node_saved(node, 3) : NULL;
    if (((node->ints[1] & 1) && !w) || ((node->ints[1] & 2) && !pw)) return pl_error_status();
    int reduction = (int)node->ints[0];
    if (node->next[0].fn) {
        /* d input: (pw * t + 1 - t) * sigmoid(x) - pw * t, or sigmoid(x) - t */
        pl_tensor *gi;
        if (pw) {
            pl_tensor *pt = bin(PL_MUL, pw, t);
            pl_tensor *coef = bin_own(PL_SUB, bin_scalar(PL_ADD, pt, 1.0, false), t);
            gi = bin_own(PL_SUB, bin_own(PL_MUL, coef, pl_unary(PL_SIGMOID, x)), pt);
            pl_tensor_release(pt);
        } else {
            gi = bin_own(PL_SUB, pl_unary(PL_SIGMOID, x), t);
        }
        din[0] = gi ? finish_grad(gi, w, g, reduction, x->numel) : NULL;
        if (!din[0]) return pl_error_status();
    }
    if (node->next[1].fn) {
        /* d target: log_sigmoid(-x) - pw * log_sigmoid(x), or -x */
        pl_tensor *gt;
        if (pw) {
            pl_tensor *nx = pl_unary(PL_NEG, x);
            pl_tensor *lneg = nx ? log_sigmoid(nx) : NULL;
            pl_tensor_release(nx);
            gt = bin_own(PL_SUB, lneg, bin_own(PL_MUL, log_sigmoid(x), pw));
        } else {
            gt = pl_unary(PL_NEG, x);
        }
        din[1] = gt ? finish_grad(gt, w, g, reduction, t->numel) : NULL;
        if (!din[1]) return pl_error_status();
    }
    return PL_OK;
}
static const pl_node_kind bce_logits_kind = {"BinaryCrossEntropyWithLogitsBackward0",
                                             bce_logits_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_bce_with_logits(pl_tensor *input, pl_tensor *target, pl_tensor *weight, pl_tensor *pos_weight,
                   int reduction)
{
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    pl_tensor *loss = bce_logits_elementwise(input, target, weight, pos_weight);
    pl_tensor *out = NULL;
    if (loss) {
        out = reduction == 0 ? pl_tensor_retain(loss)
              : reduction == 1 ? pl_mean(loss, NULL, -1, false) : pl_sum(loss, NULL, -1, false);
    }
    pl_set_grad_enabled(was);
    pl_tensor_release(loss);
    if (!out) return NULL;
    pl_tensor *ins[2] = {input, target};
    if (pl_dtype_is_floating(out->dtype) && pl_needs_grad(ins, 2)) {
        pl_tensor *save[4] = {input, target, weight, pos_weight}; /* NULL: not given */
        pl_node *node;
        if (!(out = pl_record(out, &bce_logits_kind, ins, 2, save, 4, &node))) return NULL;
        node->ints[0] = reduction;
        node->ints[1] = (weight ? 1 : 0) | (pos_weight ? 2 : 0);
    }
    return out;
}
