/* test_autograd.c — plain C tests of the engine's calls into user code (csrc/core/engine.c,
 * autograd.c): tensor hooks on leaves and non-leaves (order, replacement, errors), a
 * two-output callback node, pl_backward_ex with wanted inputs, the nested-backward guard and
 * the release of hook contexts. No Python involved.
 *
 * Build and run from the repository root:
 *   cc -std=c11 -O2 -ffp-contract=off -Icsrc tests/c/test_autograd.c \
 *      $(find csrc/core -name '*.c') -lm -ldl -pthread -o test_autograd && ./test_autograd
 */
#include <stdio.h>
#include <string.h>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops.h"
#include "core/tensor.h"

static int failures = 0;

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

static pl_tensor *
vec(double a, double b)
{
    int64_t n = 2;
    pl_tensor *t = pl_tensor_empty(1, &n, PL_FLOAT64);
    ((double *)pl_tensor_data(t))[0] = a;
    ((double *)pl_tensor_data(t))[1] = b;
    return t;
}

static double
at(const pl_tensor *t, int i)
{
    return pl_tensor_get_double(t, i);
}

/* a hook context: counts calls and releases, optionally scales the gradient or fails */
typedef struct ctx {
    int calls, releases, post_calls;
    double scale; /* 0: leave the gradient alone */
    int fail;
    char log[64];
} ctx;

static pl_status
hook_call(void *p, pl_hook_call *c)
{
    ctx *h = p;
    if (c->event == PL_HOOK_POST_ACCUMULATE) {
        h->post_calls++;
        strcat(h->log, "P");
        return PL_OK;
    }
    if (c->event == PL_HOOK_NODE_POST || c->event == PL_HOOK_NODE_PRE) return PL_OK;
    h->calls++;
    strcat(h->log, "H");
    if (h->fail) return pl_error_set(PL_ERR_VALUE, "hook failed");
    if (h->scale != 0 && c->grads[0]) {
        pl_tensor *s = pl_tensor_scalar(h->scale, PL_FLOAT64);
        pl_tensor *g = pl_binary(PL_MUL, c->grads[0], s, 1.0, false, true);
        pl_tensor_release(s);
        pl_tensor_release(c->grads[0]);
        c->grads[0] = g;
    }
    return PL_OK;
}

static void
hook_release(void *p)
{
    ((ctx *)p)->releases++;
}

static void
test_leaf_and_nonleaf_hooks(void)
{
    ctx leaf = {.scale = 10}, mid = {.scale = 2};
    pl_tensor *x = vec(1, 2);
    x->requires_grad = true;
    CHECK(pl_tensor_set_hooks(x, (pl_hook){hook_call, hook_release, &leaf}) == PL_OK);
    pl_tensor *y = pl_binary(PL_MUL, x, x, 1.0, false, false); /* dy/dx = 2x */
    pl_node_set_hooks(y->grad_fn, (pl_hook){hook_call, hook_release, &mid});
    pl_tensor *seed = vec(1, 1);
    CHECK(pl_backward(y, seed, false) == PL_OK);
    pl_tensor_release(seed);
    /* mid doubles dL/dy = 1 -> 2; x's gradient 2 * 2x = [4, 8], the leaf hook scales by 10 */
    CHECK(x->grad && at(x->grad, 0) == 40 && at(x->grad, 1) == 80);
    CHECK(mid.calls == 1 && leaf.calls == 1 && leaf.post_calls == 1);
    CHECK(strcmp(leaf.log, "HP") == 0); /* the hook runs before accumulation, post after */
    pl_tensor_release(y);
    CHECK(mid.releases == 1); /* the node died with y */
    pl_tensor_release(x);
    CHECK(leaf.releases == 1);
}

static void
test_hook_error_stops_backward(void)
{
    ctx bad = {.fail = 1};
    pl_tensor *x = vec(1, 2);
    x->requires_grad = true;
    pl_tensor_set_hooks(x, (pl_hook){hook_call, hook_release, &bad});
    pl_tensor *y = pl_binary(PL_MUL, x, x, 1.0, false, false);
    pl_tensor *g = vec(1, 1);
    CHECK(pl_backward(y, g, true) == PL_ERR_VALUE);
    CHECK(strcmp(pl_error_message(), "hook failed") == 0);
    CHECK(x->grad == NULL);
    CHECK(pl_grad_enabled()); /* restored after the failure */
    bad.fail = 0;
    CHECK(pl_backward(y, g, false) == PL_OK && x->grad && at(x->grad, 1) == 4);
    pl_tensor_release(g);
    pl_tensor_release(y);
    pl_tensor_release(x);
    CHECK(bad.releases == 1);
}

/* a two-output node: out0 = a + b, out1 = a * 3; backward: da = g0 + 3 g1, db = g0 */
static pl_status
two_call(void *p, pl_hook_call *c)
{
    ctx *h = p;
    h->calls++;
    CHECK(c->event == PL_HOOK_BACKWARD && c->n == 2 && c->n_din == 2);
    pl_tensor *g0 = c->grads[0], *g1 = c->grads[1];
    CHECK(g0 == NULL && g1 != NULL); /* only out1 was used */
    pl_tensor *three = pl_tensor_scalar(3, PL_FLOAT64);
    c->din[0] = pl_binary(PL_MUL, g1, three, 1.0, false, true);
    c->din[1] = NULL;
    pl_tensor_release(three);
    return PL_OK;
}

static const pl_node_kind two_kind = {"TwoBackward", pl_callback_backward};

static void
test_two_output_node_and_wanted_inputs(void)
{
    ctx fn = {0};
    pl_tensor *a = vec(1, 2), *b = vec(5, 6);
    a->requires_grad = b->requires_grad = true;
    pl_tensor *ins[2] = {a, b};
    pl_node *node = pl_callback_node_new(&two_kind, ins, 2, 2,
                                         (pl_hook){two_call, hook_release, &fn});
    pl_tensor *out0 = vec(6, 8), *out1 = vec(3, 6);
    pl_node_attach_output(out0, node, 0);
    pl_node_attach_output(out1, node, 1);
    pl_node_release(node);
    CHECK(out1->output_nr == 1 && out1->grad_fn == out0->grad_fn);
    pl_tensor *sq = pl_binary(PL_MUL, out1, out1, 1.0, false, false); /* d/dout1 = 2 out1 */
    pl_tensor *one = vec(1, 1);
    pl_tensor *wanted[2] = {a, b}, *got[2] = {NULL, NULL};
    pl_backward_args args = {.roots = &sq, .grads = &one, .n_roots = 1, .inputs = wanted,
                             .n_inputs = 2, .accumulate = false, .retain_graph = true,
                             .captured = got};
    CHECK(pl_backward_ex(&args) == PL_OK);
    CHECK(fn.calls == 1 && got[0] && !got[1]);
    CHECK(got[0] && at(got[0], 0) == 18 && at(got[0], 1) == 36); /* 3 * 2 * [3, 6] */
    CHECK(a->grad == NULL && b->grad == NULL); /* grad() accumulates nothing */
    pl_tensor_release(got[0]);
    /* backward(inputs=[b]): a's AccumulateGrad does not run */
    pl_tensor *only_b[1] = {b};
    pl_backward_args acc = {.roots = &sq, .grads = &one, .n_roots = 1, .inputs = only_b,
                            .n_inputs = 1, .accumulate = true, .retain_graph = true};
    CHECK(pl_backward_ex(&acc) == PL_OK && a->grad == NULL && b->grad == NULL);
    CHECK(fn.calls == 2);
    pl_tensor_release(one);
    pl_tensor_release(sq);
    pl_tensor_release(out0);
    CHECK(fn.releases == 0);
    pl_tensor_release(out1);
    CHECK(fn.releases == 1); /* the node died with its last output */
    pl_tensor_release(a);
    pl_tensor_release(b);
}

/* a hook that starts a backward through the graph that is running it */
static pl_tensor *nested_root = NULL;

static pl_status
nested_call(void *p, pl_hook_call *c)
{
    (void)p;
    if (c->event != PL_HOOK_TENSOR) return PL_OK;
    return pl_backward(nested_root, NULL, true);
}

static void
test_nested_backward_is_refused(void)
{
    pl_tensor *x = vec(1, 2);
    x->requires_grad = true;
    pl_tensor *y = pl_binary(PL_MUL, x, x, 1.0, false, false);
    pl_tensor *s = pl_sum(y, NULL, -1, false); /* all dims */
    nested_root = s;
    pl_node_set_hooks(y->grad_fn, (pl_hook){nested_call, NULL, NULL});
    CHECK(pl_backward(s, NULL, true) == PL_ERR_RUNTIME);
    CHECK(strstr(pl_error_message(), "cannot go through the graph") != NULL);
    pl_node_clear_hooks(y->grad_fn);
    CHECK(pl_backward(s, NULL, false) == PL_OK && x->grad && at(x->grad, 1) == 4);
    pl_tensor_release(s);
    pl_tensor_release(y);
    pl_tensor_release(x);
}

int
main(void)
{
    test_leaf_and_nonleaf_hooks();
    test_hook_error_stops_backward();
    test_two_output_node_and_wanted_inputs();
    test_nested_backward_is_refused();
    if (failures) {
        printf("%d failures\n", failures);
        return 1;
    }
    printf("all ok\n");
    return 0;
}
