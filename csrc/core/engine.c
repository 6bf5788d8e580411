/* engine.c — the backward engine behind Tensor.backward, torch.autograd.backward and
 * torch.autograd.grad.
 *
 * Iterative, in three passes over the graph of pl_nodes reachable from the roots:
 *   1. discovery: count each node's incoming edges (its dependencies);
 *   2. when only some inputs are wanted: mark the nodes on a path to one of them (the others
 *      neither run nor call hooks, as in PyTorch);
 *   3. a ready queue ordered by sequence number (newest first, as PyTorch's CPU engine) runs
 *      each node once every node that feeds it gradient has run.
 * Before a node runs, the hooks on its outputs' gradients run (a leaf's hooks before its
 * AccumulateGrad), then retain_grad stores .grad, then wanted gradients are captured, then
 * the node's pre-hooks run (when the node runs).
 * Hooks and custom Functions are user code reached through pl_hook (autograd.h); a nested
 * backward from user code may not reach the nodes of the backward that is running it.
 */
#include <stdlib.h>
#include <string.h>

#include "autograd.h"
#include "ops.h"

static uint32_t last_task = 0; /* ids of backward calls; 0 means "no call" */
static _Thread_local uint32_t current_task = 0; /* the innermost call running in this thread */
static _Thread_local bool current_is_grad = false; /* ... is torch.autograd.grad (captures) */
static _Thread_local bool anomaly = false, anomaly_nan = true;
static _Thread_local const char *failed_node = NULL;
static _Thread_local pl_node *failed_node_ref = NULL; /* owned */

void
pl_set_detect_anomaly(bool enabled, bool check_nan)
{
    anomaly = enabled;
    anomaly_nan = check_nan;
}

bool
pl_anomaly_enabled(void)
{
    return anomaly;
}

bool
pl_anomaly_check_nan(void)
{
    return anomaly_nan;
}

const char *
pl_anomaly_failed_node(void)
{
    return failed_node;
}

pl_node *
pl_anomaly_take_failed_node(void)
{
    pl_node *n = failed_node_ref;
    failed_node_ref = NULL;
    return n;
}

/* Anomaly mode's check on a node's results: PyTorch's error for a NaN gradient. */
static pl_status
check_nan(const pl_node *n, pl_tensor *const *din)
{
    for (int i = 0; i < n->n_inputs; i++) {
        const pl_tensor *g = din[i];
        if (!g || !pl_dtype_is_floating(g->dtype)) continue;
        for (int64_t k = 0; k < g->numel; k++) {
            double v = pl_tensor_get_double(g, k);
            if (v != v) {
                return pl_error_set(PL_ERR_RUNTIME,
                                    "Function '%s' returned nan values in its %dth output.",
                                    n->kind->name, i);
            }
        }
    }
    return PL_OK;
}

/* Adds g into t->grad (a copy the first time, then out of place, as PyTorch's retain_grad
 * and backward(inputs=...) on a non-leaf do). g is borrowed. */
static pl_status
accumulate_into_grad(pl_tensor *t, pl_tensor *g_in)
{
    pl_tensor *g;
    bool keep_graph = pl_grad_enabled() && g_in->requires_grad; /* create_graph */
    if (!t->grad) {
        g = pl_tensor_empty(t->ndim, t->shape, t->dtype);
        if (g && (keep_graph ? pl_copy_(g, g_in) : pl_copy_raw(g, g_in)) != PL_OK) {
            pl_tensor_release(g);
            g = NULL;
        }
    } else {
        g = pl_binary(PL_ADD, t->grad, g_in, 1.0, false, false);
    }
    if (!g) {
        return pl_error_status();
    }
    pl_tensor_release(t->grad);
    t->grad = g;
    return PL_OK;
}

typedef struct node_vec {
    pl_node **items;
    int64_t len, cap;
} node_vec;

static pl_status
vec_push(node_vec *v, pl_node *n)
{
    if (v->len == v->cap) {
        int64_t ncap = v->cap ? v->cap * 2 : 64;
        pl_node **ni = realloc(v->items, sizeof(pl_node *) * ncap);
        if (!ni) {
            return pl_error_nomem();
        }
        v->items = ni;
        v->cap = ncap;
    }
    v->items[v->len++] = n;
    return PL_OK;
}

/* max-heap on sequence_nr: the newest ready node runs first */
static pl_status
heap_push(node_vec *h, pl_node *n)
{
    pl_status st = vec_push(h, n);
    if (st != PL_OK) return st;
    int64_t i = h->len - 1;
    while (i > 0) {
        int64_t p = (i - 1) / 2;
        if (h->items[p]->sequence_nr >= h->items[i]->sequence_nr) break;
        pl_node *tmp = h->items[p];
        h->items[p] = h->items[i];
        h->items[i] = tmp;
        i = p;
    }
    return PL_OK;
}

static pl_node *
heap_pop(node_vec *h)
{
    pl_node *top = h->items[0];
    h->items[0] = h->items[--h->len];
    int64_t i = 0;
    for (;;) {
        int64_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->len && h->items[l]->sequence_nr > h->items[m]->sequence_nr) m = l;
        if (r < h->len && h->items[r]->sequence_nr > h->items[m]->sequence_nr) m = r;
        if (m == i) break;
        pl_node *tmp = h->items[m];
        h->items[m] = h->items[i];
        h->items[i] = tmp;
        i = m;
    }
    return top;
}

/* Reduces a gradient that node n computed to the shape and dtype its edge e expects (for a
 * node computed in float32 on float16/bfloat16 inputs, their dtype). Steals g; returns new
 * ref. */
static pl_tensor *
fit_grad(pl_tensor *g, const pl_node *n, const pl_edge *e)
{
    pl_dtype want = n->grad_in_compute && e->dtype == pl_dtype_compute(n->storage_dtype)
                        ? n->storage_dtype
                        : e->dtype;
    bool same = g->ndim == e->ndim && memcmp(g->shape, e->shape, sizeof(int64_t) * e->ndim) == 0;
    if (!same) {
        pl_tensor *r = pl_sum_to(g, e->ndim, e->shape);
        pl_tensor_release(g);
        if (!r) return NULL;
        g = r;
    }
    if (g->dtype != want) {
        pl_tensor *r = pl_to_dtype(g, want);
        pl_tensor_release(g);
        g = r;
    }
    return g;
}

/* A node recorded on float32 copies of float16/bfloat16 inputs (grad_in_compute) runs on a
 * float32 gradient: *slot (owned) is replaced by its cast, recorded under create_graph. */
static pl_status
cast_to_compute(pl_tensor **slot)
{
    pl_tensor *g = *slot;
    if (!g || g->dtype == pl_dtype_compute(g->dtype)) return PL_OK;
    pl_tensor *c = pl_to_dtype(g, pl_dtype_compute(g->dtype));
    if (!c) return pl_error_status();
    pl_tensor_release(g);
    *slot = c;
    return PL_OK;
}

/* create_graph: a node whose backward is fused kernels gives gradients without a graph; when
 * that graph would be needed (its incoming gradient or a saved tensor has history), say so
 * rather than let a gradient of a gradient come out zero. */
static pl_status
check_differentiable(const pl_node *n, pl_tensor *const *grads, int n_out)
{
    if (n->kind->flags & PL_KIND_DIFFERENTIABLE) return PL_OK;
    bool needed = pl_node_saved_have_history(n);
    for (int k = 0; !needed && k < n_out; k++) needed = grads[k] && grads[k]->requires_grad;
    if (!needed) return PL_OK;
    return pl_error_set(PL_ERR_NOTIMPL,
                        "pytorchlite does not support double backward (create_graph=True) through "
                        "%s yet", n->kind->name);
}

/* Adds g (stolen) into *slot. */
static pl_status
add_into(pl_tensor **slot, pl_tensor *g)
{
    if (!*slot) {
        *slot = g;
        return PL_OK;
    }
    pl_tensor *sum = pl_binary(PL_ADD, *slot, g, 1.0, false, false);
    pl_tensor_release(g);
    if (!sum) {
        return pl_error_status();
    }
    pl_tensor_release(*slot);
    *slot = sum;
    return PL_OK;
}

/* Where the gradient of output `nr` of n is gathered. */
static pl_tensor **
grad_slot(pl_node *n, int nr)
{
    if (n->out_grads) {
        return &n->out_grads[nr >= 0 && nr < n->n_outputs ? nr : 0];
    }
    return &n->grad_buffer;
}

/* Marks n as part of backward call `task` and queues it for the discovery pass. */
static pl_status
discover(pl_node *n, uint32_t task, node_vec *all, node_vec *stack)
{
    if (n->task != 0) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "pytorchlite: a backward started from a hook or a custom Function's "
                            "backward cannot go through the graph of the backward that runs it");
    }
    pl_status st = vec_push(all, n);
    if (st != PL_OK) return st;
    n->task = task;
    n->dependencies = 0;
    n->grad_buffer = NULL;
    n->exec = 0;
    if (n->n_outputs > 1) {
        free(n->out_grads);
        n->out_grads = calloc((size_t)n->n_outputs, sizeof(pl_tensor *));
        if (!n->out_grads) return pl_error_nomem();
    }
    return vec_push(stack, n);
}

static int
by_sequence_nr(const void *a, const void *b)
{
    uint64_t x = (*(pl_node *const *)a)->sequence_nr, y = (*(pl_node *const *)b)->sequence_nr;
    return x < y ? -1 : x > y;
}

enum { EXEC_RUN = 1, EXEC_TARGET = 2, EXEC_QUEUED = 4 };

uint32_t
pl_current_graph_task(void)
{
    return current_task;
}

bool
pl_current_graph_task_is_grad(void)
{
    return current_task != 0 && current_is_grad;
}

bool
pl_node_will_execute(const pl_node *node)
{
    return current_task != 0 && node->task == current_task &&
           (node->exec & (EXEC_RUN | EXEC_TARGET));
}

bool
pl_node_input_wanted(const pl_node *node, int i)
{
    const pl_node *c = node->next[i].fn;
    return c && (c->exec & (EXEC_RUN | EXEC_TARGET));
}

/* The node and output whose incoming gradient is the gradient of t (NULL: t is not in it). */
static pl_node *
target_node(pl_tensor *t, uint32_t task, int *nr)
{
    pl_node *n = t->grad_fn ? t->grad_fn : t->grad_accumulator;
    *nr = t->grad_fn ? t->output_nr : 0;
    return n && n->task == task ? n : NULL;
}

/* Pass 2: a node runs when one of its inputs' nodes runs or is a target. Children are older
 * than their parents (AccumulateGrad nodes, made lazily, have no children), so one sweep in
 * sequence order decides every node. */
static void
mark_needed(node_vec *all, const pl_backward_args *a, uint32_t task)
{
    for (int i = 0; i < a->n_inputs; i++) {
        int nr;
        pl_node *n = target_node(a->inputs[i], task, &nr);
        if (!n) continue;
        n->exec |= EXEC_TARGET;
        if (n->kind == &pl_accumulate_grad_kind && a->accumulate) n->exec |= EXEC_RUN;
    }
    qsort(all->items, (size_t)all->len, sizeof(pl_node *), by_sequence_nr);
    for (int64_t k = 0; k < all->len; k++) {
        pl_node *n = all->items[k];
        if (n->kind == &pl_accumulate_grad_kind) continue;
        for (int i = 0; i < n->n_inputs; i++) {
            pl_node *c = n->next[i].fn;
            if (c && (c->exec & (EXEC_RUN | EXEC_TARGET))) {
                n->exec |= EXEC_RUN;
                break;
            }
        }
    }
}

/* The seed gradient of root i (new ref): a copy of grads[i], or ones for a scalar root. */
static pl_tensor *
make_seed(pl_tensor *root, pl_tensor *grad, int i, bool create_graph)
{
    if (!root->requires_grad) {
        pl_error_set(PL_ERR_RUNTIME,
                     "element %d of tensors does not require grad and does not have a grad_fn", i);
        return NULL;
    }
    if (!grad) {
        if (root->numel != 1) {
            pl_error_set(PL_ERR_RUNTIME, "grad can be implicitly created only for scalar outputs");
            return NULL;
        }
        return pl_tensor_full(root->ndim, root->shape, root->dtype, 1.0);
    }
    if (!pl_same_shape(grad, root)) {
        char s1[128], s2[128];
        pl_format_shape(s1, sizeof s1, grad->ndim, grad->shape);
        pl_format_shape(s2, sizeof s2, root->ndim, root->shape);
        pl_error_set(PL_ERR_RUNTIME,
                     "Mismatch in shape: grad_output[%d] has a shape of torch.Size(%s) and "
                     "output[%d] has a shape of torch.Size(%s).", i, s1, i, s2);
        return NULL;
    }
    if (create_graph && grad->requires_grad) {
        return pl_tensor_retain(grad); /* its graph goes on into the gradients */
    }
    pl_tensor *seed = pl_tensor_empty(root->ndim, root->shape, root->dtype);
    if (seed && pl_copy_raw(seed, grad) != PL_OK) {
        pl_tensor_release(seed);
        return NULL;
    }
    return seed;
}

/* Hooks, retain_grad and captures on the gradients that reached n (grads[0..n_out)). */
static pl_status
before_node(pl_node *n, pl_tensor **grads, int n_out, const pl_backward_args *a, uint32_t task)
{
    pl_status st;
    pl_hook *h = n->kind == &pl_accumulate_grad_kind ? (n->leaf ? n->leaf->hooks : NULL)
                                                      : &n->hooks;
    if (h && h->call) {
        pl_hook_call c = {.event = PL_HOOK_TENSOR, .node = n, .tensor = n->leaf,
                          .grads = grads, .n = n_out};
        if ((st = h->call(h->ctx, &c)) != PL_OK) return st;
    }
    if (n->retained) {
        int nr = n->retained->output_nr < n_out ? n->retained->output_nr : 0;
        if (grads[nr] && (st = accumulate_into_grad(n->retained, grads[nr])) != PL_OK) return st;
    }
    for (int i = 0; (n->exec & EXEC_TARGET) && i < a->n_inputs; i++) {
        int nr;
        if (target_node(a->inputs[i], task, &nr) != n || nr >= n_out || !grads[nr]) continue;
        if (!a->accumulate) {
            pl_tensor_release(a->captured[i]);
            a->captured[i] = pl_tensor_retain(grads[nr]);
        } else if (n->kind != &pl_accumulate_grad_kind &&
                   (st = accumulate_into_grad(a->inputs[i], grads[nr])) != PL_OK) {
            return st;
        }
    }
    /* node pre-hooks, only for a node that runs: PyTorch calls them after retain_grad */
    if (h && h->call && (n->exec & EXEC_RUN) && n->kind != &pl_accumulate_grad_kind) {
        pl_hook_call c = {.event = PL_HOOK_NODE_PRE, .node = n, .grads = grads, .n = n_out};
        if ((st = h->call(h->ctx, &c)) != PL_OK) return st;
    }
    return PL_OK;
}

pl_status
pl_backward_ex(const pl_backward_args *a)
{
    pl_status st = PL_OK;
    uint32_t outer_task = current_task;
    bool outer_is_grad = current_is_grad;
    pl_tensor *seeds[64] = {0};
    pl_node *root_fns[64] = {0};
    node_vec all = {0}, heap = {0}, stack = {0};
    if (a->n_roots < 0 || a->n_roots > 64) {
        return pl_error_set(PL_ERR_NOTIMPL, "pytorchlite: backward takes at most 64 tensors at once");
    }
    for (int i = 0; i < a->n_roots; i++) {
        seeds[i] = make_seed(a->roots[i], a->grads ? a->grads[i] : NULL, i, a->create_graph);
        if (!seeds[i]) {
            st = pl_error_status();
            goto done;
        }
    }
    failed_node = NULL;
    pl_node_release(failed_node_ref);
    failed_node_ref = NULL;
    if (++last_task == 0) ++last_task;
    uint32_t task = last_task;
    current_task = task;
    current_is_grad = a->inputs && !a->accumulate;

    bool was_enabled = pl_grad_enabled();
    pl_set_grad_enabled(a->create_graph);

    /* pass 1: discovery and dependency counts */
    for (int i = 0; i < a->n_roots; i++) {
        pl_tensor *r = a->roots[i];
        root_fns[i] = r->grad_fn ? pl_node_retain(r->grad_fn) : pl_grad_accumulator(r);
        if (!root_fns[i]) {
            st = pl_error_status();
            goto restore;
        }
        if (root_fns[i]->task != task && (st = discover(root_fns[i], task, &all, &stack))) {
            goto restore;
        }
    }
    while (stack.len > 0) {
        pl_node *n = stack.items[--stack.len];
        for (int i = 0; i < n->n_inputs; i++) {
            pl_node *c = n->next[i].fn;
            if (!c) continue;
            if (c->task != task && (st = discover(c, task, &all, &stack))) goto restore;
            c->dependencies++;
        }
    }

    /* pass 2: which nodes run */
    if (a->inputs) {
        mark_needed(&all, a, task);
    } else {
        for (int64_t k = 0; k < all.len; k++) all.items[k]->exec = EXEC_RUN;
    }

    /* pass 3: run */
    for (int i = 0; i < a->n_roots; i++) {
        pl_node *n = root_fns[i];
        pl_tensor **slot = grad_slot(n, a->roots[i]->grad_fn ? a->roots[i]->output_nr : 0);
        st = add_into(slot, seeds[i]);
        seeds[i] = NULL;
        if (st != PL_OK) goto restore;
    }
    for (int i = 0; i < a->n_roots; i++) {
        pl_node *n = root_fns[i];
        if (n->dependencies == 0 && !(n->exec & EXEC_QUEUED)) {
            n->exec |= EXEC_QUEUED;
            if ((st = heap_push(&heap, n))) goto restore;
        }
    }
    while (heap.len > 0) {
        pl_node *n = heap_pop(&heap);
        int n_out = n->out_grads ? n->n_outputs : 1;
        pl_tensor **grads = n->out_grads ? n->out_grads : &n->grad_buffer;
        bool any = false;
        for (int k = 0; k < n_out; k++) any = any || grads[k];
        if (any && (st = before_node(n, grads, n_out, a, task)) != PL_OK) goto restore;
        if (any) { /* hooks may have replaced a gradient with none */
            any = false;
            for (int k = 0; k < n_out; k++) any = any || grads[k];
        }
        pl_tensor *din[PL_NODE_MAX_INPUTS] = {0};
        bool run = any && (n->exec & EXEC_RUN);
        if (run && a->create_graph) st = check_differentiable(n, grads, n_out);
        if (run && st == PL_OK && n->grad_in_compute && !n->out_grads) {
            st = cast_to_compute(&n->grad_buffer);
        }
        if (run && st == PL_OK && n->packed_mask) st = pl_node_unpack_all(n);
        if (run && st == PL_OK) { /* a node reached only by "no gradient" edges passes that on */
            st = n->kind->backward(n, n->out_grads ? NULL : n->grad_buffer, din);
            pl_node_drop_unpacked(n);
            if (n->packed_mask) pl_node_drop_packed_values(n);
            /* gradients take their inputs' shapes and dtypes before anyone sees them */
            for (int i = 0; st == PL_OK && i < n->n_inputs; i++) {
                if (din[i] && n->next[i].fn && !(din[i] = fit_grad(din[i], n, &n->next[i]))) {
                    st = pl_error_status();
                }
            }
            if (st == PL_OK && n->hooks.call) {
                pl_hook_call c = {.event = PL_HOOK_NODE_POST, .node = n, .grads = grads,
                                  .n = n_out, .din = din, .n_din = n->n_inputs};
                st = n->hooks.call(n->hooks.ctx, &c);
            }
            if (st == PL_OK && anomaly && anomaly_nan) st = check_nan(n, din);
            if (st != PL_OK && anomaly) {
                failed_node = n->kind->name;
                pl_node_release(failed_node_ref);
                failed_node_ref = pl_node_retain(n);
            }
        }
        for (int k = 0; k < n_out; k++) {
            pl_tensor_release(grads[k]);
            grads[k] = NULL;
        }
        if (st != PL_OK) {
            for (int i = 0; i < PL_NODE_MAX_INPUTS; i++) pl_tensor_release(din[i]);
            goto restore;
        }
        if ((n->exec & EXEC_RUN) && !a->retain_graph && n->kind != &pl_accumulate_grad_kind) {
            n->saved_released = true;
            pl_node_free_saved(n);
            if (n->fn.call) {
                pl_hook_call c = {.event = PL_HOOK_FREE_SAVED, .node = n};
                if ((st = n->fn.call(n->fn.ctx, &c)) != PL_OK) {
                    for (int i = 0; i < PL_NODE_MAX_INPUTS; i++) pl_tensor_release(din[i]);
                    goto restore;
                }
            }
        }
        for (int i = 0; i < n->n_inputs; i++) {
            pl_edge *e = &n->next[i];
            pl_node *c = e->fn;
            pl_tensor *g = din[i];
            din[i] = NULL;
            if (!c) {
                pl_tensor_release(g);
                continue;
            }
            if (g && (c->exec & (EXEC_RUN | EXEC_TARGET))) {
                g = fit_grad(g, n, e); /* again: a node post-hook may have replaced it */
                if (!g || (st = add_into(grad_slot(c, e->input_nr), g)) != PL_OK) {
                    st = pl_error_status();
                    for (int j = i + 1; j < n->n_inputs; j++) pl_tensor_release(din[j]);
                    goto restore;
                }
            } else {
                pl_tensor_release(g);
            }
            if (--c->dependencies == 0) {
                if ((st = heap_push(&heap, c))) {
                    for (int j = i + 1; j < n->n_inputs; j++) pl_tensor_release(din[j]);
                    goto restore;
                }
            }
        }
    }

restore:
    pl_set_grad_enabled(was_enabled);
done:
    /* clear scratch on every node we touched, whatever happened */
    for (int64_t k = 0; k < all.len; k++) {
        pl_node *n = all.items[k];
        n->dependencies = 0;
        pl_tensor_release(n->grad_buffer);
        n->grad_buffer = NULL;
        if (n->out_grads) {
            for (int j = 0; j < n->n_outputs; j++) pl_tensor_release(n->out_grads[j]);
            free(n->out_grads);
            n->out_grads = NULL;
        }
        n->task = 0;
        n->exec = 0;
    }
    for (int i = 0; i < a->n_roots; i++) {
        pl_tensor_release(seeds[i]);
        pl_node_release(root_fns[i]);
    }
    free(all.items);
    free(heap.items);
    free(stack.items);
    current_task = outer_task;
    current_is_grad = outer_is_grad;
    return st;
}

pl_status
pl_backward(pl_tensor *root, pl_tensor *grad, bool retain_graph)
{
    pl_backward_args a = {.roots = &root, .grads = &grad, .n_roots = 1,
                          .retain_graph = retain_graph};
    return pl_backward_ex(&a);
}
