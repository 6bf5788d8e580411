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

/* ---- nodes ---- */

static uint64_t next_sequence_nr = 0;

bool
pl_needs_grad(pl_tensor *const *inputs, int n)
{
    if (grad_disabled) {
        return false;
    }
    for (int i = 0; i < n; i++) {
        if (inputs[i] && inputs[i]->requires_grad) {
            return true;
        }
    }
    return false;
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

pl_status
pl_node_save(pl_node *node, int i, const pl_tensor *t)
{
    pl_tensor *alias = pl_tensor_alias(t);
    if (!alias) {
        return pl_error_status();
    }
    node->saved[i] = alias;
    node->saved_version[i] = t->storage->version;
    node->saved_mask |= (uint8_t)(1u << i);
    return PL_OK;
}

pl_tensor *
pl_node_saved(pl_node *node, int i)
{
    if (node->saved_released) {
        pl_error_set(PL_ERR_RUNTIME,
                     "Trying to backward through the graph a second time (or directly access "
                     "saved tensors after they have already been freed). Saved intermediate values "
                     "of the graph are freed when you call .backward() or autograd.grad(). Specify "
                     "retain_graph=True if you need to backward through the graph a second time or "
                     "if you need to access saved tensors after calling backward.");
        return NULL;
    }
    pl_tensor *t = node->saved[i];
    if (t && t->storage->version != node->saved_version[i]) {
        char shape[128];
        pl_format_shape(shape, sizeof shape, t->ndim, t->shape);
        const char *tname = t->dtype == PL_FLOAT32 ? "torch.FloatTensor"
                            : t->dtype == PL_FLOAT64 ? "torch.DoubleTensor"
                            : t->dtype == PL_INT64 ? "torch.LongTensor" : "torch.BoolTensor";
        /* PyTorch names the op without its "BackwardN" suffix here */
        const char *name = node->kind->name;
        const char *cut = strstr(name, "Backward");
        int len = cut ? (int)(cut - name) : (int)strlen(name);
        pl_error_set(PL_ERR_RUNTIME,
                     "one of the variables needed for gradient computation has been modified by an "
                     "inplace operation: [%s %s], which is output 0 of %.*s, is at version %u; "
                     "expected version %u instead. Hint: enable anomaly detection to find the "
                     "operation that failed to compute its gradient, with "
                     "torch.autograd.set_detect_anomaly(True, check_nan=False).",
                     tname, shape, len, name, t->storage->version, node->saved_version[i]);
        return NULL;
    }
    return t;
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
    pl_node_release(out->grad_fn);
    out->grad_fn = node_steal;
    out->output_nr = 0;
    out->requires_grad = true;
}

static void
node_release_saved(pl_node *node)
{
    for (int i = 0; i < PL_NODE_MAX_SAVED; i++) {
        pl_tensor_release(node->saved[i]);
        node->saved[i] = NULL;
    }
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
        for (int i = 0; i < n->n_inputs; i++) {
            pl_node *child = n->next[i].fn;
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
        pl_tensor_release(n->grad_buffer);
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

const pl_node_kind pl_accumulate_grad_kind = {"AccumulateGrad", accumulate_backward};

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

/* Stores (or adds out of place, as PyTorch does) the gradient flowing into node in the .grad
 * of the tensor that retains it. */
static pl_status
store_retained_grad(pl_node *node, pl_tensor *dout)
{
    pl_tensor *t = node->retained;
    pl_tensor *g;
    if (!t->grad) {
        g = pl_tensor_empty(t->ndim, t->shape, t->dtype);
        if (g && pl_copy_raw(g, dout) != PL_OK) {
            pl_tensor_release(g);
            g = NULL;
        }
    } else {
        g = pl_binary(PL_ADD, t->grad, dout, 1.0, false, false);
    }
    if (!g) {
        return pl_error_status();
    }
    pl_tensor_release(t->grad);
    t->grad = g;
    return PL_OK;
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

/* ---- engine ---- */

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
static void
heap_push(node_vec *h, pl_node *n)
{
    int64_t i = h->len - 1;
    (void)n;
    while (i > 0) {
        int64_t p = (i - 1) / 2;
        if (h->items[p]->sequence_nr >= h->items[i]->sequence_nr) break;
        pl_node *tmp = h->items[p];
        h->items[p] = h->items[i];
        h->items[i] = tmp;
        i = p;
    }
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

/* Reduces a gradient to the shape and dtype its edge expects. Steals g; returns new ref. */
static pl_tensor *
fit_grad(pl_tensor *g, const pl_edge *e)
{
    bool same = g->ndim == e->ndim && memcmp(g->shape, e->shape, sizeof(int64_t) * e->ndim) == 0;
    if (!same) {
        pl_tensor *r = pl_sum_to(g, e->ndim, e->shape);
        pl_tensor_release(g);
        if (!r) return NULL;
        g = r;
    }
    if (g->dtype != e->dtype) {
        pl_tensor *r = pl_to_dtype(g, e->dtype);
        pl_tensor_release(g);
        g = r;
    }
    return g;
}

pl_status
pl_backward(pl_tensor *root, pl_tensor *grad, bool retain_graph)
{
    pl_status st = PL_OK;
    if (!root->requires_grad) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "element 0 of tensors does not require grad and does not have a grad_fn");
    }
    pl_tensor *seed;
    if (grad) {
        if (!pl_same_shape(grad, root)) {
            char a[128], b[128];
            pl_format_shape(a, sizeof a, grad->ndim, grad->shape);
            pl_format_shape(b, sizeof b, root->ndim, root->shape);
            return pl_error_set(PL_ERR_RUNTIME,
                                "Mismatch in shape: grad_output[0] has a shape of torch.Size(%s) and "
                                "output[0] has a shape of torch.Size(%s).", a, b);
        }
        seed = pl_tensor_empty(root->ndim, root->shape, root->dtype);
        if (!seed) return pl_error_status();
        if (pl_copy_raw(seed, grad) != PL_OK) {
            pl_tensor_release(seed);
            return pl_error_status();
        }
    } else {
        if (root->numel != 1) {
            return pl_error_set(PL_ERR_RUNTIME, "grad can be implicitly created only for scalar outputs");
        }
        seed = pl_tensor_full(root->ndim, root->shape, root->dtype, 1.0);
        if (!seed) return pl_error_status();
    }

    bool was_enabled = pl_grad_enabled();
    pl_set_grad_enabled(false);

    pl_node *root_fn = root->grad_fn ? pl_node_retain(root->grad_fn) : pl_grad_accumulator(root);
    node_vec all = {0}, heap = {0}, stack = {0};
    if (!root_fn) {
        st = pl_error_status();
        goto done;
    }

    /* pass 1: count dependencies (edges into each node), iteratively */
    root_fn->dependencies = 0;
    if ((st = vec_push(&stack, root_fn)) || (st = vec_push(&all, root_fn))) goto done;
    root_fn->grad_buffer = NULL;
    while (stack.len > 0) {
        pl_node *n = stack.items[--stack.len];
        for (int i = 0; i < n->n_inputs; i++) {
            pl_node *c = n->next[i].fn;
            if (!c) continue;
            /* every discovered node has dependencies >= 1, so 0 means "not seen yet" */
            if (c->dependencies == 0 && c != root_fn) {
                c->grad_buffer = NULL;
                if ((st = vec_push(&stack, c)) || (st = vec_push(&all, c))) goto done;
            }
            c->dependencies++;
        }
    }

    root_fn->grad_buffer = seed;
    seed = NULL;
    if ((st = vec_push(&heap, root_fn))) goto done;
    heap_push(&heap, root_fn);

    while (heap.len > 0) {
        pl_node *n = heap_pop(&heap);
        pl_tensor *dout = n->grad_buffer;
        n->grad_buffer = NULL;
        pl_tensor *din[PL_NODE_MAX_INPUTS] = {0};
        if (dout && n->retained) {
            st = store_retained_grad(n, dout);
            if (st != PL_OK) {
                pl_tensor_release(dout);
                goto done;
            }
        }
        if (dout) { /* a node reached only by "no gradient" edges just passes that on */
            st = n->kind->backward(n, dout, din);
            pl_tensor_release(dout);
            if (st != PL_OK) {
                for (int i = 0; i < PL_NODE_MAX_INPUTS; i++) pl_tensor_release(din[i]);
                goto done;
            }
        }
        if (!retain_graph && n->kind != &pl_accumulate_grad_kind) {
            n->saved_released = true;
            node_release_saved(n);
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
            if (g) {
                g = fit_grad(g, e);
                if (!g) {
                    st = pl_error_status();
                    goto done;
                }
                if (!c->grad_buffer) {
                    c->grad_buffer = g;
                } else {
                    pl_tensor *sum = pl_binary(PL_ADD, c->grad_buffer, g, 1.0, false, false);
                    pl_tensor_release(g);
                    if (!sum) {
                        st = pl_error_status();
                        goto done;
                    }
                    pl_tensor_release(c->grad_buffer);
                    c->grad_buffer = sum;
                }
            }
            if (--c->dependencies == 0) {
                if ((st = vec_push(&heap, c))) goto done;
                heap_push(&heap, c);
            }
        }
    }

done:
    /* clear scratch on every node we touched, whatever happened */
    for (int64_t k = 0; k < all.len; k++) {
        all.items[k]->dependencies = 0;
        pl_tensor_release(all.items[k]->grad_buffer);
        all.items[k]->grad_buffer = NULL;
    }
    pl_tensor_release(seed);
    pl_node_release(root_fn);
    free(all.items);
    free(heap.items);
    free(stack.items);
    pl_set_grad_enabled(was_enabled);
    return st;
}
