/* autograd.h — graph nodes and the backward engine.
 *
 * Every recorded op creates one pl_node (PyTorch's grad_fn). A node holds owned references
 * to the nodes of its inputs (edges), the tensors it saved for backward, and a few scalars.
 * Leaves that require grad get an AccumulateGrad node (owned by the graph, remembered weakly
 * by the leaf). The engine is iterative: a dependency count pass, then a ready queue ordered
 * by sequence number (newest first), as PyTorch's CPU engine does.
 *
 * Ownership: pl_node_new returns a new reference; tensors' grad_fn fields own theirs.
 */
#ifndef PL_AUTOGRAD_H
#define PL_AUTOGRAD_H

#include "tensor.h"

#define PL_NODE_MAX_INPUTS 4
#define PL_NODE_MAX_SAVED 4

typedef struct pl_node pl_node;

/* Computes the gradients of the node's inputs from the gradient of its output.
 * dout: (output shape) borrowed. din[i]: set to a NEW reference (or left NULL for "no gradient")
 * for each input i; the engine then reduces it to the input's shape and dtype (broadcasting). */
typedef pl_status (*pl_backward_fn)(pl_node *node, pl_tensor *dout, pl_tensor **din);

typedef struct pl_node_kind {
    const char *name; /* PyTorch's grad_fn class name, e.g. "AddmmBackward0" */
    pl_backward_fn backward;
} pl_node_kind;

typedef struct pl_edge {
    pl_node *fn;      /* owned; NULL when this input needs no gradient */
    int64_t shape[PL_MAX_DIMS]; /* the input's shape and dtype, for reducing its gradient */
    int ndim;
    pl_dtype dtype;
} pl_edge;

struct pl_node {
    int64_t refcount;
    const pl_node_kind *kind;
    uint64_t sequence_nr;
    int n_inputs;
    pl_edge next[PL_NODE_MAX_INPUTS];
    pl_tensor *saved[PL_NODE_MAX_SAVED]; /* owned; aliases without history */
    uint32_t saved_version[PL_NODE_MAX_SAVED];
    const char *saved_owner_name[PL_NODE_MAX_SAVED]; /* for the in-place error message */
    uint8_t saved_mask;  /* bit i: slot i was filled by pl_node_save (kept after release) */
    bool saved_released; /* freed after a backward without retain_graph */
    double scalars[4];
    int64_t ints[2 * PL_MAX_DIMS + 2];
    pl_tensor *leaf; /* AccumulateGrad only: owned reference to the leaf */
    /* Borrowed (weak) link to the non-leaf output that called retain_grad(): the engine stores
     * this node's incoming gradient in its .grad. Cleared when that tensor dies or takes
     * another grad_fn, so the node never keeps it alive. */
    pl_tensor *retained;
    void *pyobj;     /* borrowed back-pointer to the binding's wrapper, or NULL */

    /* engine scratch, valid during one backward call */
    int64_t dependencies;
    pl_tensor *grad_buffer;
};

/* ---- grad mode (thread-local, like PyTorch) ---- */
bool pl_grad_enabled(void);
void pl_set_grad_enabled(bool enabled);

/* ---- nodes ---- */
/* Whether an op on these inputs must be recorded: grad mode on and any input requires grad. */
bool pl_needs_grad(pl_tensor *const *inputs, int n);
/* A node of `kind` with edges to `inputs` (borrowed). Returns a new reference or NULL. */
pl_node *pl_node_new(const pl_node_kind *kind, pl_tensor *const *inputs, int n);
/* Saves an alias of t (no history, so no cycles) in slot i; records t's version. */
pl_status pl_node_save(pl_node *node, int i, const pl_tensor *t);
/* The saved tensor in slot i (borrowed), or NULL with PyTorch's error if it was released by
 * a previous backward or modified in place since it was saved. */
pl_tensor *pl_node_saved(pl_node *node, int i);
/* Whether the op saved something in slot i. Stays true after a backward released the slot, so
 * a backward asks this (never saved[i] != NULL) and then pl_node_saved raises PyTorch's error. */
static inline bool
pl_node_has_saved(const pl_node *node, int i)
{
    return (node->saved_mask >> i) & 1u;
}
/* Makes out the output of node: sets grad_fn (steals node) and requires_grad. */
void pl_node_attach(pl_tensor *out, pl_node *node_steal);
void pl_node_release(pl_node *node);
static inline pl_node *
pl_node_retain(pl_node *n)
{
    n->refcount++;
    return n;
}
void pl_node_forget_leaf(pl_node *node, pl_tensor *leaf); /* leaf is dying */
/* t (a non-leaf, or one losing its grad_fn) is dying: drop the node's weak link to it. */
void pl_node_forget_retained(pl_node *node, pl_tensor *t);
/* Tensor.retain_grad(): a non-leaf keeps the gradient backward computes for it in .grad,
 * accumulated over backward calls. No-op on a leaf; PL_ERR_RUNTIME when t does not require
 * grad. */
pl_status pl_tensor_retain_grad(pl_tensor *t);
/* The AccumulateGrad node of a leaf (new reference), created on first use. */
pl_node *pl_grad_accumulator(pl_tensor *leaf);
extern const pl_node_kind pl_accumulate_grad_kind;

/* ---- engine ---- */
/* Runs backward from root with gradient `grad` (borrowed; NULL means ones for a scalar). */
pl_status pl_backward(pl_tensor *root, pl_tensor *grad, bool retain_graph);
/* Detaches t in place (drops grad_fn, requires_grad false). */
void pl_tensor_detach_(pl_tensor *t);

#endif
