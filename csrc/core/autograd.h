/* autograd.h — graph nodes and the backward engine.
 *
 * Every recorded op creates one pl_node (PyTorch's grad_fn). A node holds owned references
 * to the nodes of its inputs (edges), the tensors it saved for backward, and a few scalars.
 * Leaves that require grad get an AccumulateGrad node (owned by the graph, remembered weakly
 * by the leaf). The engine is iterative: a dependency count pass, then a ready queue ordered
 * by sequence number (newest first), as PyTorch's CPU engine does.
 * Files: autograd.c (grad mode, nodes, AccumulateGrad, hooks), saved.c (what nodes save, and
 * pl_record), engine.c (the backward engine).
 *
 * Ownership: pl_node_new returns a new reference; tensors' grad_fn fields own theirs.
 */
#ifndef PL_AUTOGRAD_H
#define PL_AUTOGRAD_H

#include "tensor.h"

#define PL_NODE_MAX_INPUTS 4
#define PL_NODE_MAX_SAVED 4
#define PL_NODE_MAX_INTS (2 * PL_MAX_DIMS + 2)

typedef struct pl_node pl_node;

/* ---- saved-tensor hooks (torch.autograd.graph.saved_tensors_hooks) ----
 * While hooks are installed (thread-local), an op's pl_node_save hands the tensor to
 * hooks->pack instead of keeping an alias of it; the node owns the handle pack returns, and
 * the engine asks it for the tensor (unpack) just before the node's backward runs and drops
 * that tensor again once the node ran, as PyTorch's SavedVariable does (saved.c). A packed
 * slot has no version check (PyTorch skips it too: the hooks decide what comes back). */
typedef struct pl_packed pl_packed;
struct pl_packed {
    /* The saved tensor: a NEW reference, or NULL with the error recorded. */
    pl_tensor *(*unpack)(pl_packed *p);
    void (*release)(pl_packed *p); /* frees p and what it holds */
};
typedef struct pl_saved_hooks {
    /* Packs t (borrowed, with its history: for an op's own output the node is attached
     * already): a new handle, or NULL with the error recorded. Runs with the hooks off. */
    pl_packed *(*pack)(void *ctx, pl_tensor *t);
    void *ctx; /* borrowed: whoever installs the hooks keeps it alive while installed */
} pl_saved_hooks;
/* Installs h (borrowed; NULL: none) for this thread. */
void pl_set_saved_hooks(const pl_saved_hooks *h);
const pl_saved_hooks *pl_get_saved_hooks(void);

/* ---- calls into user code (hooks, custom Functions) ----
 * The core never sees Python: the binding hands it a function pointer plus an opaque context
 * that the core object holding the hook owns (released through `release`). */
typedef enum pl_hook_event {
    PL_HOOK_TENSOR,          /* grads[0..n): a tensor's gradient (a leaf's, n == 1) or the
                              * gradients of a node's outputs; the callee may replace entries */
    PL_HOOK_POST_ACCUMULATE, /* a leaf's .grad was just updated; `tensor` is the leaf */
    PL_HOOK_BACKWARD,        /* a custom Function node: grads[0..n) are its outputs' gradients
                              * (NULL: none flowed), din[0..n_din) receive its inputs' ones */
    PL_HOOK_NODE_POST,       /* a node just ran (Node.register_hook): grads are its outputs'
                              * gradients (read only), din[0..n_din) its results (replaceable) */
    PL_HOOK_FREE_SAVED,      /* a custom Function node ran without retain_graph: drop what it
                              * saved (node->fn only; no tensors) */
    PL_HOOK_NODE_PRE,        /* as PL_HOOK_TENSOR, for Node.register_prehook: after the tensor
                              * hooks and retain_grad, before the node runs */
} pl_hook_event;

typedef struct pl_hook_call {
    pl_hook_event event;
    pl_node *node;     /* borrowed: the node being run (NULL for a leaf's hooks) */
    pl_tensor *tensor; /* borrowed: the leaf (leaf events), else NULL */
    pl_tensor **grads; /* n entries, each a NEW reference or NULL; replacing one releases it */
    int n;
    pl_tensor **din;   /* PL_HOOK_BACKWARD: n_din slots the callee fills with NEW references */
    int n_din;
} pl_hook_call;

typedef struct pl_hook {
    /* Returns PL_OK or an error status; a binding may keep its own exception pending. */
    pl_status (*call)(void *ctx, pl_hook_call *c);
    void (*release)(void *ctx); /* drops the reference the core holds on ctx */
    void *ctx;
} pl_hook;

/* Computes the gradients of the node's inputs from the gradient of its output.
 * dout: (output shape) borrowed. din[i]: set to a NEW reference (or left NULL for "no gradient")
 * for each input i; the engine then reduces it to the input's shape and dtype (broadcasting). */
typedef pl_status (*pl_backward_fn)(pl_node *node, pl_tensor *dout, pl_tensor **din);

/* pl_node_kind.flags */
enum {
    /* With grad mode on (a backward with create_graph=True), the backward computes through
     * recording ops, so its results carry the graph of gradients (double backward). A kind
     * without the flag refuses to run when a gradient of its results would be needed. */
    PL_KIND_DIFFERENTIABLE = 1,
};

typedef struct pl_node_kind {
    const char *name; /* PyTorch's grad_fn class name, e.g. "AddmmBackward0" */
    pl_backward_fn backward;
    unsigned flags;   /* PL_KIND_* */
} pl_node_kind;

/* Where a view lies in its base (CopySlices and AsStrided nodes): both geometries are in
 * elements of the base's storage, `offset` relative to the base's own offset. */
typedef struct pl_view_geom {
    int base_ndim, ndim;
    int64_t base_shape[PL_MAX_DIMS], base_strides[PL_MAX_DIMS];
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS];
    int64_t offset;
    pl_dtype dtype;
} pl_view_geom;

typedef struct pl_edge {
    pl_node *fn;      /* owned; NULL when this input needs no gradient */
    int input_nr;     /* which output of fn this input is (its output_nr) */
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
    /* Slots saved through saved-tensor hooks: packed[i] is owned, and saved[i] holds the
     * unpacked tensor only while the node's backward runs (pl_node_unpack_all, then
     * pl_node_drop_packed_values). */
    uint8_t packed_mask;
    pl_packed *packed[PL_NODE_MAX_SAVED];
    /* What a saved tensor's history was, to give it back with that history when a backward
     * records its own graph (create_graph): saved_fn[i] is the node (owned; a leaf's
     * AccumulateGrad) and saved_nr[i] the output number; a slot in saved_output_mask holds this
     * node's own output (its history is the node itself: not stored, no cycle). */
    pl_node *saved_fn[PL_NODE_MAX_SAVED];
    int saved_nr[PL_NODE_MAX_SAVED];
    uint8_t saved_output_mask;
    /* Aliases with history handed out by pl_node_saved while grad mode is on (owned); dropped
     * by pl_node_drop_unpacked once the node's backward ran. */
    pl_tensor *unpacked[PL_NODE_MAX_SAVED];
    pl_view_geom *geom; /* owned: CopySlices and AsStrided nodes only */
    bool saved_released; /* freed after a backward without retain_graph */
    /* Recorded on float32 copies of float16/bfloat16 inputs (pl_from_compute_of): its edges
     * lead to the original inputs but keep the float32 dtype its backward computes in; the
     * engine casts the incoming gradient to float32 before the node runs and its results to
     * storage_dtype (the inputs' float16/bfloat16) after. */
    bool grad_in_compute;
    pl_dtype storage_dtype;
    double scalars[4];
    int64_t ints[PL_NODE_MAX_INTS];
    pl_tensor *leaf; /* AccumulateGrad only: owned reference to the leaf */
    /* Borrowed (weak) link to the non-leaf output that called retain_grad(): the engine stores
     * this node's incoming gradient in its .grad. Cleared when that tensor dies or takes
     * another grad_fn, so the node never keeps it alive. */
    pl_tensor *retained;
    void *pyobj;     /* borrowed back-pointer to the binding's wrapper, or NULL */
    /* Hooks on the gradients of this node's outputs (non-leaf Tensor.register_hook); run
     * before the node, and before retain_grad stores its .grad; also called after the node
     * ran (PL_HOOK_NODE_POST). call == NULL: none. */
    pl_hook hooks;
    /* A custom Function's backward (kind->backward is pl_callback_backward); owned. */
    pl_hook fn;
    /* Outputs: 1 unless set by pl_node_set_outputs (custom Functions); with more than one,
     * the engine gathers each output's gradient in out_grads[output_nr] (scratch). */
    int n_outputs;
    pl_tensor **out_grads;

    /* engine scratch, valid during one backward call */
    int64_t dependencies;
    pl_tensor *grad_buffer;
    uint32_t task;    /* id of the backward call that discovered this node, 0 when none */
    uint8_t exec;     /* this call runs the node (it leads to a wanted input) */
};

/* ---- grad mode (thread-local, like PyTorch) ---- */
bool pl_grad_enabled(void);
void pl_set_grad_enabled(bool enabled);

/* Inference mode (thread-local): tensors made while it is on are inference tensors, which
 * autograd refuses to save for backward (PyTorch's torch.inference_mode()). */
bool pl_inference_mode_enabled(void);
void pl_set_inference_mode(bool enabled);
/* PL_OK, or PyTorch's RuntimeError when requires_grad=True is asked of an inference tensor
 * outside inference mode. */
pl_status pl_check_inference_requires_grad(const pl_tensor *t, bool requires_grad);

/* ---- nodes ---- */
/* Whether an op on these inputs must be recorded: grad mode on and any input requires grad. */
bool pl_needs_grad(pl_tensor *const *inputs, int n);
/* A node of `kind` with edges to `inputs` (borrowed). Returns a new reference or NULL. */
pl_node *pl_node_new(const pl_node_kind *kind, pl_tensor *const *inputs, int n);
/* Saves an alias of t (no history, so no cycles) in slot i; records t's version. */
pl_status pl_node_save(pl_node *node, int i, const pl_tensor *t);
/* The saved tensor in slot i (borrowed), or NULL with PyTorch's error if it was released by
 * a previous backward or modified in place since it was saved. With grad mode on (a backward
 * recording its own graph) it carries the history it had when saved. */
pl_tensor *pl_node_saved(pl_node *node, int i);
/* Unpacks every packed slot of node into saved[] (the engine calls it before the node's
 * backward, which may read saved[] directly, as addmm's does). PL_OK or the hook's error. */
pl_status pl_node_unpack_all(pl_node *node);
/* Releases what pl_node_saved handed out with history (the engine calls it after a node ran;
 * a backward working on a copy of its node calls it on the copy). */
void pl_node_drop_unpacked(pl_node *node);
/* Releases the tensors unpacked from the node's packed slots (the engine, after the node ran;
 * never on a copy of the node, which shares them). */
void pl_node_drop_packed_values(pl_node *node);
/* Saved slot i as autograd gives it back to the user (grad_fn._saved_self): a NEW reference to
 * the tensor (unpacked through the hooks when packed) carrying the history it was saved with
 * (a leaf saved without hooks is the leaf itself), or NULL with PyTorch's error once freed.
 * *none is set when the op saved nothing in slot i (then NULL is returned, no error). */
pl_tensor *pl_node_saved_value(pl_node *node, int i, bool *none);
/* Packs saved slot i now through h (SavedTensor.register_hooks): PL_ERR_RUNTIME with
 * PyTorch's messages when it was freed or is packed already. */
pl_status pl_node_pack_saved(pl_node *node, int i, const pl_saved_hooks *h);
/* Whether the backward of node, run with grad mode on, would need gradients of its own
 * results: one of its saved tensors has history. */
bool pl_node_saved_have_history(const pl_node *node);
/* During a backward call: whether input i's gradient goes anywhere (its edge leads to a wanted
 * input), as PyTorch's "should compute output"; a formula that refuses one input's derivative
 * asks this first, so backward(inputs=[other]) works. */
bool pl_node_input_wanted(const pl_node *node, int i);
/* Whether the op saved something in slot i. Stays true after a backward released the slot, so
 * a backward asks this (never saved[i] != NULL) and then pl_node_saved raises PyTorch's error. */
static inline bool
pl_node_has_saved(const pl_node *node, int i)
{
    return (node->saved_mask >> i) & 1u;
}
/* The recording step an op ends with (call it when pl_needs_grad(inputs, n)): a node of kind
 * with edges to inputs[0..n) (borrowed), the non-NULL entries of save[0..nsave) (borrowed)
 * saved in slots 0..nsave-1, attached to out. Returns out with *node (when node is not NULL)
 * set to the new node (borrowed: out owns it); or NULL with out released and the error
 * recorded. */
pl_tensor *pl_record(pl_tensor *out, const pl_node_kind *kind, pl_tensor *const *inputs, int n,
                     pl_tensor *const *save, int nsave, pl_node **node);
/* pl_record where the save slots whose bit is set in `wrapped` hold a Python number made a
 * 0-dim tensor (PyTorch's wrapped numbers): saved as they are, never through pack hooks, as
 * PyTorch does not pack wrapped numbers. */
pl_tensor *pl_record_wrapped(pl_tensor *out, const pl_node_kind *kind, pl_tensor *const *inputs,
                             int n, pl_tensor *const *save, int nsave, unsigned wrapped,
                             pl_node **node);
/* Makes every edge of node that leads to from's history (from->grad_fn, from->output_nr) lead
 * to to's instead (its grad_fn, or its AccumulateGrad when to is a leaf requiring grad); the
 * edge keeps from's shape and dtype, which its backward computes in. from and to are
 * borrowed, of one shape; PL_OK when no edge led there. */
pl_status pl_node_retarget_edges(pl_node *node, const pl_tensor *from, pl_tensor *to);
/* Gives node (a CopySlices or AsStrided node) a copy of the view geometry g. */
pl_status pl_node_set_geom(pl_node *node, const pl_view_geom *g);
/* The recording step of a recorded map (a backward computed by its own kernel, recorded so
 * that it differentiates again): out unchanged when it is NULL or !pl_needs_grad(inputs, n);
 * else pl_record(out, kind, inputs, n, save, nsave) whose node also takes ints[0..nints)
 * (ints may be NULL when nints is 0) and, when geom is not NULL, a copy of *geom. Returns out,
 * or NULL with out released and the error recorded. */
pl_tensor *pl_record_map(pl_tensor *out, const pl_node_kind *kind, pl_tensor *const *inputs,
                         int n, pl_tensor *const *save, int nsave, const int64_t *ints, int nints,
                         const pl_view_geom *geom);
/* Makes out the output of node: sets grad_fn (steals node) and requires_grad. */
void pl_node_attach(pl_tensor *out, pl_node *node_steal);
void pl_node_release(pl_node *node);
/* Releases the node's packed handles (packed_mask != 0). */
void pl_node_release_packed(pl_node *node);
/* Frees what the node saved (a backward without retain_graph went through it): the tensors,
 * their histories and the packed handles; the slots stay marked in saved_mask. Inline: the
 * engine runs it for every node of a backward. */
static inline void
pl_node_free_saved(pl_node *node)
{
    for (unsigned i = 0, m = node->saved_mask; m; i++, m >>= 1) { /* the slots in use */
        if (!(m & 1u)) continue;
        pl_tensor_release(node->saved[i]);
        node->saved[i] = NULL;
        pl_node_release(node->saved_fn[i]);
        node->saved_fn[i] = NULL;
    }
    if (node->packed_mask) pl_node_release_packed(node);
}
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

/* ---- hooks and custom Function nodes (additions for user code) ---- */
/* Installs h as t's leaf hooks (t->hooks), releasing the previous ones. */
pl_status pl_tensor_set_hooks(pl_tensor *t, pl_hook h);
void pl_tensor_clear_hooks(pl_tensor *t);
/* Installs h as the hooks on node's outputs' gradients, releasing the previous ones. */
void pl_node_set_hooks(pl_node *node, pl_hook h);
void pl_node_clear_hooks(pl_node *node); /* releases node->hooks and node->fn */
/* A node of `kind` (whose backward must be pl_callback_backward) calling fn (stolen) with
 * edges to inputs (borrowed, NULL allowed) and n_outputs outputs. New reference or NULL. */
pl_node *pl_callback_node_new(const pl_node_kind *kind, pl_tensor *const *inputs, int n,
                              int n_outputs, pl_hook fn_steal);
pl_status pl_callback_backward(pl_node *node, pl_tensor *dout, pl_tensor **din);
/* Makes out output `output_nr` of node (retained, not stolen): grad_fn, output_nr and
 * requires_grad; out keeps retain_grad as pl_node_attach does. */
void pl_node_attach_output(pl_tensor *out, pl_node *node, int output_nr);

/* ---- engine ---- */
/* The general entry point: torch.autograd.backward / torch.autograd.grad.
 * roots[0..n_roots) with seeds grads[i] (borrowed; NULL: ones for a scalar root).
 * inputs: NULL for "every leaf" (plain backward), else n_inputs tensors whose gradients are
 * wanted: with accumulate, they are accumulated into their .grad and nothing else is; without,
 * captured[i] receives a NEW reference (NULL if no gradient reached it) and no .grad changes.
 * Only nodes on a path to an input run. */
typedef struct pl_backward_args {
    pl_tensor *const *roots;
    pl_tensor *const *grads;
    int n_roots;
    pl_tensor *const *inputs;
    int n_inputs;
    bool accumulate;
    bool retain_graph;
    bool create_graph; /* run the backward with grad mode on: gradients get their own graph */
    pl_tensor **captured;
} pl_backward_args;
pl_status pl_backward_ex(const pl_backward_args *a);
/* Anomaly detection (thread-local): with check_nan, a node whose backward returns NaN fails
 * with PyTorch's error; the name of the node whose backward failed last is kept for the
 * binding's warning (NULL when none, or anomaly detection is off). */
void pl_set_detect_anomaly(bool enabled, bool check_nan);
bool pl_anomaly_enabled(void);
bool pl_anomaly_check_nan(void);
const char *pl_anomaly_failed_node(void);
/* The node whose backward failed in this thread's last backward call under anomaly mode (a
 * NEW reference, or NULL); the engine forgets it. */
pl_node *pl_anomaly_take_failed_node(void);
/* Called with each new node while anomaly mode is on (the binding records the forward's
 * traceback in the node's hooks); NULL: none. */
void pl_set_node_created_callback(void (*fn)(pl_node *node));
/* The id of this thread's running backward call (innermost), 0 outside any. */
uint32_t pl_current_graph_task(void);
/* Whether that call is torch.autograd.grad (it captures gradients, no .grad changes). */
bool pl_current_graph_task_is_grad(void);
/* During a backward call: whether it runs node (or captures its gradient), PyTorch's
 * _will_engine_execute_node. */
bool pl_node_will_execute(const pl_node *node);
/* Runs backward from root with gradient `grad` (borrowed; NULL means ones for a scalar). */
pl_status pl_backward(pl_tensor *root, pl_tensor *grad, bool retain_graph);
/* Detaches t in place (drops grad_fn, requires_grad false). */
void pl_tensor_detach_(pl_tensor *t);

#endif
