/* saved.c — what a node saves for its backward: the slots pl_node_save fills (an alias of the
 * tensor, or what the thread's saved-tensor hooks packed it into), reading them back in the
 * backward (pl_node_saved: the version check, the history under create_graph, unpacking),
 * giving them to the user (grad_fn._saved_*), freeing them, and pl_record, the recording step
 * every op ends with. */
#include "autograd.h"

#include <string.h>

static _Thread_local const pl_saved_hooks *saved_hooks = NULL;
/* How many threads have hooks installed: the per-save test reads this plain counter first, so
 * the thread-local pointer (a call in shared-library code) is read only when some thread has
 * hooks. */
static _Atomic int hooks_threads = 0;

static inline const pl_saved_hooks *
current_saved_hooks(void)
{
    return hooks_threads ? saved_hooks : NULL;
}

void
pl_set_saved_hooks(const pl_saved_hooks *h)
{
    if (!saved_hooks != !h) hooks_threads += h ? 1 : -1;
    saved_hooks = h;
}

const pl_saved_hooks *
pl_get_saved_hooks(void)
{
    return saved_hooks;
}

/* h->pack(t) with the hooks off, so that the ops a pack hook runs save nothing through it. */
static pl_packed *
pack_with(const pl_saved_hooks *h, pl_tensor *t)
{
    const pl_saved_hooks *prev = saved_hooks;
    saved_hooks = NULL; /* not through pl_set_saved_hooks: the thread keeps its count */
    pl_packed *p = h->pack(h->ctx, t);
    saved_hooks = prev;
    return p;
}

pl_status
pl_node_save(pl_node *node, int i, const pl_tensor *t)
{
    if (t->inference) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "Inference tensors cannot be saved for backward. Please do not use "
                            "Tensors created in inference mode in computation tracked by "
                            "autograd. To work around this, you can make a clone to get a normal "
                            "tensor and use it in autograd, or use `torch.no_grad()` instead of "
                            "`torch.inference_mode()`.");
    }
    pl_node *fn = NULL;
    if (t->grad_fn == node) {
        node->saved_output_mask |= (uint8_t)(1u << i); /* saved after attach: node's output */
    } else if (t->grad_fn) {
        fn = pl_node_retain(t->grad_fn);
    } else if (t->requires_grad && !(fn = pl_grad_accumulator((pl_tensor *)t))) {
        return pl_error_status();
    }
    pl_tensor *alias = NULL;
    pl_packed *packed = NULL;
    const pl_saved_hooks *hooks = current_saved_hooks();
    if (hooks ? !(packed = pack_with(hooks, (pl_tensor *)t)) : !(alias = pl_tensor_alias(t))) {
        pl_node_release(fn);
        return pl_error_status();
    }
    node->saved[i] = alias;
    node->saved_version[i] = t->storage->version;
    node->saved_mask |= (uint8_t)(1u << i);
    if (packed) {
        node->packed[i] = packed;
        node->packed_mask |= (uint8_t)(1u << i);
    }
    pl_node_release(node->saved_fn[i]);
    node->saved_fn[i] = fn;
    node->saved_nr[i] = t->grad_fn ? t->output_nr : 0;
    return PL_OK;
}

pl_status
pl_node_pack_saved(pl_node *node, int i, const pl_saved_hooks *h)
{
    if (node->saved_released) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "Calling register_hooks on a saved tensor after it has been freed. "
                            "Saved intermediate values of the graph are freed when you call "
                            ".backward() or autograd.grad(). Specify retain_graph=True if you "
                            "need to backward through the graph a second time or if you need to "
                            "access saved variables after calling backward.");
    }
    if ((node->packed_mask >> i) & 1u) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "Calling register_hooks on a saved tensor whose hooks have already "
                            "been set. Hint: only one pair of hooks is allowed at a time.");
    }
    bool none = false;
    pl_tensor *t = pl_node_saved_value(node, i, &none);
    if (!t) {
        return none ? pl_error_set(PL_ERR_RUNTIME, "the saved tensor is undefined")
                    : pl_error_status();
    }
    pl_packed *p = pack_with(h, t);
    pl_tensor_release(t);
    if (!p) return pl_error_status();
    pl_tensor_release(node->saved[i]);
    node->saved[i] = NULL;
    node->packed[i] = p;
    node->packed_mask |= (uint8_t)(1u << i);
    return PL_OK;
}

bool
pl_node_saved_have_history(const pl_node *node)
{
    for (int i = 0; i < PL_NODE_MAX_SAVED; i++) {
        if (node->saved[i] && (node->saved_fn[i] || ((node->saved_output_mask >> i) & 1u))) {
            return true;
        }
    }
    return false;
}

/* An alias of saved slot i with the history it was saved with (new reference). */
static pl_tensor *
unpack_with_history(pl_node *node, int i)
{
    pl_node *fn = (node->saved_output_mask >> i) & 1u ? node : node->saved_fn[i];
    pl_tensor *a = pl_tensor_alias(node->saved[i]);
    if (!a) return NULL;
    a->grad_fn = pl_node_retain(fn);
    a->output_nr = fn == node ? 0 : node->saved_nr[i];
    a->requires_grad = true;
    if (fn->kind == &pl_accumulate_grad_kind) {
        /* a leaf's alias routes its gradient straight to the leaf's AccumulateGrad */
        a->output_nr = 0;
    }
    return a;
}

static bool saves_second_first(const pl_node_kind *kind);

pl_status
pl_node_unpack_all(pl_node *node)
{
    bool reversed = saves_second_first(node->kind); /* PyTorch unpacks in its order of saves */
    for (int k = 0; k < PL_NODE_MAX_SAVED; k++) {
        int i = reversed ? PL_NODE_MAX_SAVED - 1 - k : k;
        if (((node->packed_mask >> i) & 1u) && !node->saved[i] && !pl_node_saved(node, i)) {
            return pl_error_status();
        }
    }
    return PL_OK;
}

void
pl_node_drop_unpacked(pl_node *node)
{
    /* only the slots in use were handed out */
    for (unsigned i = 0, m = node->saved_mask; m; i++, m >>= 1) {
        if (node->unpacked[i]) {
            pl_tensor_release(node->unpacked[i]);
            node->unpacked[i] = NULL;
        }
    }
}

void
pl_node_drop_packed_values(pl_node *node)
{
    for (int i = 0; i < PL_NODE_MAX_SAVED; i++) {
        if ((node->packed_mask >> i) & 1u) { /* the hooks give it back again next time */
            pl_tensor_release(node->saved[i]);
            node->saved[i] = NULL;
        }
    }
}

void
pl_node_release_packed(pl_node *node)
{
    for (int i = 0; i < PL_NODE_MAX_SAVED; i++) {
        if (node->packed[i]) node->packed[i]->release(node->packed[i]);
        node->packed[i] = NULL;
    }
    node->packed_mask = 0;
}


static void
set_freed_error(void)
{
    pl_error_set(PL_ERR_RUNTIME,
                 "Trying to backward through the graph a second time (or directly access "
                 "saved tensors after they have already been freed). Saved intermediate values "
                 "of the graph are freed when you call .backward() or autograd.grad(). Specify "
                 "retain_graph=True if you need to backward through the graph a second time or "
                 "if you need to access saved tensors after calling backward.");
}

pl_tensor *
pl_node_saved(pl_node *node, int i)
{
    if (node->saved_released) {
        set_freed_error();
        return NULL;
    }
    if (((node->packed_mask >> i) & 1u) && !node->saved[i]) {
        /* unpacked once per run of the node; taken as it comes, at its current version */
        pl_tensor *u = node->packed[i]->unpack(node->packed[i]);
        if (!u) return NULL;
        node->saved[i] = u;
        node->saved_version[i] = u->storage->version;
    }
    pl_tensor *t = node->saved[i];
    if (t && t->storage->version != node->saved_version[i]) {
        char shape[128];
        pl_format_shape(shape, sizeof shape, t->ndim, t->shape);
        static const char *const type_names[PL_NUM_DTYPES] = {
            [PL_BOOL] = "torch.BoolTensor",    [PL_INT64] = "torch.LongTensor",
            [PL_FLOAT32] = "torch.FloatTensor", [PL_FLOAT64] = "torch.DoubleTensor",
            [PL_UINT8] = "torch.ByteTensor",   [PL_INT8] = "torch.CharTensor",
            [PL_INT16] = "torch.ShortTensor",  [PL_INT32] = "torch.IntTensor",
            [PL_FLOAT16] = "torch.HalfTensor", [PL_BFLOAT16] = "torch.BFloat16Tensor",
        };
        const char *tname = type_names[t->dtype];
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
    if (t && pl_grad_enabled() && (node->saved_fn[i] || ((node->saved_output_mask >> i) & 1u))) {
        if (!node->unpacked[i] && !(node->unpacked[i] = unpack_with_history(node, i))) {
            return NULL;
        }
        return node->unpacked[i];
    }
    return t;
}

pl_tensor *
pl_node_saved_value(pl_node *node, int i, bool *none)
{
    *none = false;
    if (!pl_node_has_saved(node, i)) {
        *none = true;
        return NULL;
    }
    if (node->saved_released) {
        set_freed_error();
        return NULL;
    }
    bool is_output = (node->saved_output_mask >> i) & 1u;
    pl_node *fn = is_output ? node : node->saved_fn[i];
    bool packed = (node->packed_mask >> i) & 1u;
    if (!packed && fn && fn->kind == &pl_accumulate_grad_kind && fn->leaf) {
        return pl_tensor_retain(fn->leaf); /* PyTorch hands back the leaf itself */
    }
    pl_tensor *t = packed ? node->packed[i]->unpack(node->packed[i]) : node->saved[i];
    if (!t) return NULL;
    pl_tensor *a = pl_tensor_alias(t);
    if (packed) pl_tensor_release(t);
    if (!a || !fn) return a;
    if (fn->kind == &pl_accumulate_grad_kind) {
        a->requires_grad = true; /* a leaf's value, detached from it: requires grad */
        return a;
    }
    a->grad_fn = pl_node_retain(fn);
    a->output_nr = is_output ? 0 : node->saved_nr[i];
    a->requires_grad = true;
    return a;
}

/* Whether s is out, or an alias of all of it: saved as the op's output (its history is the
 * node), as mark_saved_outputs decides for tensors saved before the node was attached. */
static inline bool
holds_output(const pl_tensor *s, const pl_tensor *out)
{
    return s == out || (s->storage == out->storage && s->offset == out->offset &&
                        s->numel == out->numel && !s->grad_fn && !s->requires_grad);
}

/* Whether PyTorch's node of this kind saves its second operand before its first, which a pack
 * hook sees as the order of its calls: PyTorch's nodes save their inputs in the alphabetical
 * order of their names (other < self, exponent < self, mat2 < self; but self < vec, self <
 * tensor, mat1 < mat2), then their outputs. */
static bool
saves_second_first(const pl_node_kind *kind)
{
    static const char *const names[] = {
        "MulBackward0", "DivBackward0", "PowBackward1", "Atan2Backward0", "MaximumBackward0",
        "MinimumBackward0", "FmaxBackward0", "FminBackward0", "FmodBackward0",
        "RemainderBackward0", "CopysignBackward0", "HypotBackward0", "IgammaBackward0",
        "IgammacBackward0", "SpecialZetaBackward0", "MmBackward0", "BmmBackward0"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (strcmp(kind->name, names[k]) == 0) return true;
    }
    return false;
}

/* pl_node_save without the hooks (a wrapped number's slot) */
static pl_status
save_unpacked(pl_node *node, int i, const pl_tensor *t)
{
    const pl_saved_hooks *prev = saved_hooks;
    saved_hooks = NULL; /* as pack_with: the thread keeps its count */
    pl_status st = pl_node_save(node, i, t);
    saved_hooks = prev;
    return st;
}

pl_tensor *
pl_record(pl_tensor *out, const pl_node_kind *kind, pl_tensor *const *inputs, int n,
          pl_tensor *const *save, int nsave, pl_node **node)
{
    return pl_record_wrapped(out, kind, inputs, n, save, nsave, 0, node);
}

pl_tensor *
pl_record_wrapped(pl_tensor *out, const pl_node_kind *kind, pl_tensor *const *inputs, int n,
                  pl_tensor *const *save, int nsave, unsigned wrapped, pl_node **node)
{
    if (node) *node = NULL;
    pl_node *nd = pl_node_new(kind, inputs, n);
    if (!nd) goto fail;
    if (!current_saved_hooks()) { /* attach marks the saved outputs (mark_saved_outputs) */
        for (int i = 0; i < nsave; i++) {
            if (save[i] && pl_node_save(nd, i, save[i]) != PL_OK) {
                pl_node_release(nd);
                goto fail;
            }
        }
        pl_node_attach(out, nd);
        if (node) *node = nd;
        return out;
    }
    /* with pack hooks: PyTorch's order of saves, the output saved once it has its history */
    bool reversed = saves_second_first(kind);
    unsigned outputs = 0; /* bit i: save[i] holds the output */
    for (int k = 0; k < nsave; k++) {
        int i = reversed ? nsave - 1 - k : k;
        if (!save[i]) continue;
        if (holds_output(save[i], out)) {
            outputs |= 1u << i;
        } else if (((wrapped >> i) & 1u ? save_unpacked(nd, i, save[i])
                                        : pl_node_save(nd, i, save[i])) != PL_OK) {
            pl_node_release(nd);
            goto fail;
        }
    }
    pl_node_attach(out, nd);
    for (int i = 0; outputs && i < nsave; i++) { /* so a pack hook sees the output's grad_fn */
        if ((outputs >> i) & 1u) {
            if (pl_node_save(nd, i, save[i]) != PL_OK) goto fail; /* out owns nd */
            nd->saved_output_mask |= (uint8_t)(1u << i);
        }
    }
    if (node) *node = nd;
    return out;
fail:
    pl_tensor_release(out);
    return NULL;
}
