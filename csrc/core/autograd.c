/* autograd.c — grad mode, graph nodes, AccumulateGrad and the iterative backward engine. */
#include "autograd.h"

#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* ---- grad mode ---- */

static _Thread_local bool grad_disabled = false;

bool
pl_grad_enabled(void)
{
    return !grad_disabled;
}

void
pl_set_grad_enabled(bool enabled)
{
    grad_disabled = !enabled;
}

static _Thread_local bool inference_mode = false;

bool
pl_inference_mode_enabled(void)
{
    return inference_mode;
}

void
pl_set_inference_mode(bool enabled)
{
    inference_mode = enabled;
}

pl_status
pl_check_inference_requires_grad(const pl_tensor *t, bool requires_grad)
{
    if (requires_grad && t->inference && !inference_mode) {
        return pl_error_set(PL_ERR_RUNTIME, "Setting requires_grad=True on inference tensor "
                                            "outside InferenceMode is not allowed.");
    }
    return PL_OK;
}

/* ---- nodes ---- */

static uint64_t next_sequence_nr = 0;

bool
pl_needs_grad(pl_tensor *const *inputs, int n)
{
    if (grad_disabled) {
        return false;
    }
    for (int i = 0; i < n; i++) {
        if (!inputs[i]) continue;
        pl_view_refresh_if_stale(inputs[i]);
        if (inputs[i]->requires_grad) {
            return true;
        }
    }
    return false;
}

static void (*node_created)(pl_node *node) = NULL;

void
pl_set_node_created_callback(void (*fn)(pl_node *node))
{
    node_created = fn;
}

static pl_node *
node_alloc(const pl_node_kind *kind)
{
    pl_node *node = calloc(1, sizeof(pl_node));
    if (!node) {
        pl_error_nomem();
        return NULL;
    }
    node->refcount = 1;
    node->kind = kind;
    node->sequence_nr = next_sequence_nr++;
    if (node_created && pl_anomaly_enabled()) {
        node_created(node); /* anomaly mode records where the forward made this node */
    }
    return node;
}

pl_node *
pl_node_new(const pl_node_kind *kind, pl_tensor *const *inputs, int n)
{
    pl_node *node = node_alloc(kind);
    if (!node) {
        return NULL;
    }
    node->n_inputs = n;
    for (int i = 0; i < n; i++) {
        pl_tensor *x = inputs[i];
        pl_edge *e = &node->next[i];
        if (!x) {
            continue;
        }
        e->ndim = x->ndim;
        e->dtype = x->dtype;
        e->input_nr = x->grad_fn ? x->output_nr : 0;
        memcpy(e->shape, x->shape, sizeof(int64_t) * x->ndim);
        if (x->grad_fn) {
            e->fn = pl_node_retain(x->grad_fn);
        } else if (x->requires_grad) {
            e->fn = pl_grad_accumulator(x);
            if (!e->fn) {
                pl_node_release(node);
                return NULL;
            }
        }
    }
    return node;
}

/* The saved slots of node that hold out (its own output): their history is node itself. */
static void
mark_saved_outputs(pl_node *node, const pl_tensor *out)
{
    for (int i = 0; i < PL_NODE_MAX_SAVED; i++) {
        const pl_tensor *s = node->saved[i];
        if (s && !node->saved_fn[i] && s->storage == out->storage && s->offset == out->offset &&
            s->numel == out->numel) {
            node->saved_output_mask |= (uint8_t)(1u << i);
        }
    }
}


pl_tensor *
pl_record_map(pl_tensor *out, const pl_node_kind *kind, pl_tensor *const *inputs, int n,
              pl_tensor *const *save, int nsave, const int64_t *ints, int nints,
              const pl_view_geom *geom)
{
    if (!out || !pl_needs_grad(inputs, n)) return out;
    pl_node *nd;
    if (!(out = pl_record(out, kind, inputs, n, save, nsave, &nd))) return NULL;
    if (nints > 0) memcpy(nd->ints, ints, sizeof(int64_t) * nints);
    if (geom && pl_node_set_geom(nd, geom) != PL_OK) {
        pl_tensor_release(out); /* and the node it owns */
        return NULL;
    }
    return out;
}

pl_status
pl_node_retarget_edges(pl_node *node, const pl_tensor *from, pl_tensor *to)
{
    if (!from->grad_fn) return PL_OK;
    for (int i = 0; i < node->n_inputs; i++) {
        pl_edge *e = &node->next[i];
        if (e->fn != from->grad_fn || e->input_nr != from->output_nr) continue;
        pl_node *fn = NULL;
        if (to->grad_fn) {
            fn = pl_node_retain(to->grad_fn);
        } else if (to->requires_grad && !(fn = pl_grad_accumulator(to))) {
            return pl_error_status();
        }
        pl_node_release(e->fn);
        e->fn = fn;
        e->input_nr = to->grad_fn ? to->output_nr : 0;
    }
    return PL_OK;
}

pl_status
pl_node_set_geom(pl_node *node, const pl_view_geom *g)
{
    node->geom = malloc(sizeof *g);
    if (!node->geom) return pl_error_nomem();
    *node->geom = *g;
    return PL_OK;
}

void
pl_node_attach(pl_tensor *out, pl_node *node_steal)
{
    if (out->grad_fn) {
        pl_node_forget_retained(out->grad_fn, out);
    }
    if (out->retains_grad && node_steal) {
        node_steal->retained = out; /* retain_grad follows the tensor to its new history */
    }
    if (node_steal && node_steal->saved_mask) {
        mark_saved_outputs(node_steal, out);
    }
    pl_node_release(out->grad_fn);
    out->grad_fn = node_steal;
    out->output_nr = 0;
    out->requires_grad = true;
}

static void
node_release_saved(pl_node *node)
{
    for (unsigned i = 0, m = node->saved_mask; m; i++, m >>= 1) { /* the slots in use */
        pl_tensor_release(node->saved[i]);
        node->saved[i] = NULL;
        pl_tensor_release(node->unpacked[i]);
        node->unpacked[i] = NULL;
    }
    if (node->packed_mask) pl_node_release_packed(node);
}

void
pl_node_release(pl_node *node)
{
    /* Iterative: releasing a long chain must not recurse once per node. */
    pl_node *stack_small[64];
    pl_node **stack = stack_small;
    int64_t cap = 64, top = 0;
    if (!node || --node->refcount > 0) {
        return;
    }
    stack[top++] = node;
    while (top > 0) {
        pl_node *n = stack[--top];
        /* children: the edges, then the histories of the saved tensors */
        int n_children = n->n_inputs + (n->saved_mask ? PL_NODE_MAX_SAVED : 0);
        for (int i = 0; i < n_children; i++) {
            pl_node *child = i < n->n_inputs ? n->next[i].fn : n->saved_fn[i - n->n_inputs];
            if (child && --child->refcount == 0) {
                if (top == cap) {
                    int64_t ncap = cap * 2;
                    pl_node **ns = malloc(sizeof(pl_node *) * ncap);
                    if (!ns) {
                        /* Out of memory while freeing: leak the rest of the chain rather than crash. */
                        continue;
                    }
                    memcpy(ns, stack, sizeof(pl_node *) * top);
                    if (stack != stack_small) free(stack);
                    stack = ns;
                    cap = ncap;
                }
                stack[top++] = child;
            }
        }
        node_release_saved(n);
        free(n->geom);
        pl_tensor_release(n->grad_buffer);
        pl_node_clear_hooks(n);
        free(n->out_grads);
        if (n->leaf) {
            n->leaf->grad_accumulator = NULL;
            pl_tensor_release(n->leaf);
        }
        free(n);
    }
    if (stack != stack_small) free(stack);
}

/* ---- AccumulateGrad ---- */

static pl_status
accumulate_backward(pl_node *node, pl_tensor *dout, pl_tensor **din)
{
    (void)din;
    pl_tensor *leaf = node->leaf;
    if (!leaf) {
        return PL_OK;
    }
    if (!grad_disabled && dout->requires_grad) {
        /* create_graph: .grad keeps the gradient's graph, a copy first (PyTorch's
         * CopyBackwards), then sums out of place */
        if (!leaf->grad) {
            pl_tensor *g = pl_tensor_empty(leaf->ndim, leaf->shape, leaf->dtype);
            if (!g) return pl_error_status();
            if (pl_copy_(g, dout) != PL_OK) {
                pl_tensor_release(g);
                return pl_error_status();
            }
            leaf->grad = g;
            return PL_OK;
        }
        pl_tensor *sum = pl_binary(PL_ADD, leaf->grad, dout, 1.0, false, false);
        if (!sum) return pl_error_status();
        pl_tensor_release(leaf->grad);
        leaf->grad = sum;
        return PL_OK;
    }
    if (!leaf->grad) {
        /* Take the incoming gradient when nobody else holds it; otherwise copy it, so .grad
         * never aliases another tensor. */
        if (dout->refcount == 1 && !dout->grad_fn && pl_tensor_is_contiguous(dout) &&
            pl_tensor_storage_unshared(dout) && pl_same_shape(dout, leaf) &&
            dout->dtype == leaf->dtype) {
            leaf->grad = pl_tensor_retain(dout);
        } else {
            pl_tensor *g = pl_tensor_empty(leaf->ndim, leaf->shape, leaf->dtype);
            if (!g) return pl_error_status();
            if (pl_copy_raw(g, dout) != PL_OK) {
                pl_tensor_release(g);
                return pl_error_status();
            }
            leaf->grad = g;
        }
        return PL_OK;
    }
    return pl_binary_(PL_ADD, leaf->grad, dout, 1.0, false);
}

/* Accumulates, then runs the leaf's post-accumulate-grad hooks. */
static pl_status
accumulate_and_notify(pl_node *node, pl_tensor *dout, pl_tensor **din)
{
    pl_status st = accumulate_backward(node, dout, din);
    pl_tensor *leaf = node->leaf;
    if (st != PL_OK || !leaf || !leaf->hooks || !leaf->hooks->call) {
        return st;
    }
    pl_hook_call c = {.event = PL_HOOK_POST_ACCUMULATE, .node = node, .tensor = leaf};
    return leaf->hooks->call(leaf->hooks->ctx, &c);
}

const pl_node_kind pl_accumulate_grad_kind = {"AccumulateGrad", accumulate_and_notify,
                                               PL_KIND_DIFFERENTIABLE};

pl_node *
pl_grad_accumulator(pl_tensor *leaf)
{
    if (leaf->grad_accumulator) {
        return pl_node_retain(leaf->grad_accumulator);
    }
    pl_node *node = node_alloc(&pl_accumulate_grad_kind);
    if (!node) {
        return NULL;
    }
    node->leaf = pl_tensor_retain(leaf);
    leaf->grad_accumulator = node;
    return node;
}

void
pl_node_forget_leaf(pl_node *node, pl_tensor *leaf)
{
    (void)leaf;
    node->leaf = NULL;
}

void
pl_node_forget_retained(pl_node *node, pl_tensor *t)
{
    if (node->retained == t) {
        node->retained = NULL;
    }
}

pl_status
pl_tensor_retain_grad(pl_tensor *t)
{
    if (!t->requires_grad) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "can't retain_grad on Tensor that has requires_grad=False");
    }
    if (!t->grad_fn) {
        return PL_OK; /* a leaf keeps its gradient anyway */
    }
    t->retains_grad = true;
    t->grad_fn->retained = t;
    return PL_OK;
}

/* ---- hooks and custom Function nodes ---- */

static void
hook_release(pl_hook *h)
{
    pl_hook old = *h;
    h->call = NULL;
    h->release = NULL;
    h->ctx = NULL;
    if (old.release) {
        old.release(old.ctx); /* may run user code that looks at h: it is already empty */
    }
}

pl_status
pl_tensor_set_hooks(pl_tensor *t, pl_hook h)
{
    if (!t->hooks) {
        t->hooks = calloc(1, sizeof(pl_hook));
        if (!t->hooks) {
            if (h.release) h.release(h.ctx);
            return pl_error_nomem();
        }
    }
    hook_release(t->hooks);
    *t->hooks = h;
    return PL_OK;
}

void
pl_tensor_clear_hooks(pl_tensor *t)
{
    pl_hook *h = t->hooks;
    if (h) {
        t->hooks = NULL;
        hook_release(h);
        free(h);
    }
}

void
pl_node_set_hooks(pl_node *node, pl_hook h)
{
    hook_release(&node->hooks);
    node->hooks = h;
}

void
pl_node_clear_hooks(pl_node *node)
{
    hook_release(&node->hooks);
    hook_release(&node->fn);
}

pl_node *
pl_callback_node_new(const pl_node_kind *kind, pl_tensor *const *inputs, int n, int n_outputs,
                     pl_hook fn_steal)
{
    if (n < 0 || n > PL_NODE_MAX_INPUTS || n_outputs < 1) {
        if (fn_steal.release) fn_steal.release(fn_steal.ctx);
        pl_error_set(PL_ERR_NOTIMPL,
                     "pytorchlite: a custom autograd.Function node takes at most %d tensor inputs "
                     "that require grad (got %d)", PL_NODE_MAX_INPUTS, n);
        return NULL;
    }
    pl_node *node = pl_node_new(kind, inputs, n);
    if (!node) {
        if (fn_steal.release) fn_steal.release(fn_steal.ctx);
        return NULL;
    }
    node->fn = fn_steal;
    node->n_outputs = n_outputs;
    return node;
}

pl_status
pl_callback_backward(pl_node *node, pl_tensor *dout, pl_tensor **din)
{
    if (!node->fn.call) {
        return pl_error_set(PL_ERR_RUNTIME, "the backward function of %s was already freed",
                            node->kind->name);
    }
    pl_tensor *one = dout ? pl_tensor_retain(dout) : NULL;
    bool multi = node->n_outputs > 1;
    pl_hook_call c = {
        .event = PL_HOOK_BACKWARD,
        .node = node,
        .grads = multi ? node->out_grads : &one,
        .n = multi ? node->n_outputs : 1,
        .din = din,
        .n_din = node->n_inputs,
    };
    pl_status st = node->fn.call(node->fn.ctx, &c);
    pl_tensor_release(one);
    return st;
}

void
pl_node_attach_output(pl_tensor *out, pl_node *node, int output_nr)
{
    pl_node_attach(out, pl_node_retain(node));
    out->output_nr = output_nr;
    if (output_nr != 0 && node->retained == out) {
        node->retained = NULL; /* the node's retained link is for output 0 only */
    }
}

void
pl_tensor_detach_(pl_tensor *t)
{
    if (t->grad_fn) {
        pl_node_forget_retained(t->grad_fn, t);
    }
    t->retains_grad = false;
    pl_node_release(t->grad_fn);
    t->grad_fn = NULL;
    t->requires_grad = false;
}

/* The backward engine is in engine.c. */
