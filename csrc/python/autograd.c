/* autograd.c (binding) — grad_fn objects (_C.Node and its per-op subclasses named as PyTorch
 * names them), backward()/grad(), the grad-mode switches, and the bridge that lets the core's
 * engine call Python: tensor hooks and custom autograd.Function nodes (see "user code" below). */
#include "args.h"
#include "plpy.h"

/* A grad_fn object owns a reference to its node (NULL only for a custom Function's ctx before
 * its node is made); the node points back at it (pyobj, borrowed) while it lives. A custom
 * Function's node owns what the Python side keeps for it, the state (its ctx's class and
 * __dict__, see fn_state below), so a ctx object that died comes back with that state the
 * next time Python asks for the node. */
typedef struct {
    PyObject_HEAD
    pl_node *node;
} PlNodeObject;

static PyTypeObject *NodeType = NULL;
static PyObject *node_classes = NULL; /* dict: kind name -> subclass of _C.Node */
static PyObject *function_kinds = NULL; /* dict: custom Function node name -> capsule(kind) */
static PyObject *str_pl_call = NULL;

static int node_traverse(PyObject *op, visitproc visit, void *arg);
static int node_clear(PyObject *op);

static void
node_dealloc(PyObject *op)
{
    PlNodeObject *self = (PlNodeObject *)op;
    PyTypeObject *tp = Py_TYPE(op);
    PyObject_GC_UnTrack(op);
    if (self->node) {
        if (self->node->pyobj == self) self->node->pyobj = NULL;
        pl_node_release(self->node);
    }
    self->node = NULL;
    tp->tp_free(op);
    Py_DECREF(tp);
}

/* The node of a grad_fn object, or NULL with RuntimeError (a custom Function's ctx whose node
 * is gone, or was never made). */
static pl_node *
node_of(PyObject *op)
{
    pl_node *n = ((PlNodeObject *)op)->node;
    if (!n) {
        PyErr_SetString(PyExc_RuntimeError,
                        "Attribute is invalid for this instance of _C._FunctionBase: its autograd "
                        "node is not alive (accessing it directly on an autograd.Function context "
                        "is not supported)");
    }
    return n;
}

static void fn_state_release(void *ctx);

/* A new grad_fn object for a custom Function's node: its ctx's class, sharing its __dict__
 * (state = (class, dict or None), owned by the node). New ref or NULL. */
static PyObject *
wrap_function_node(pl_node *n)
{
    PyObject *state = (PyObject *)n->fn.ctx;
    PyTypeObject *type = (PyTypeObject *)PyTuple_GET_ITEM(state, 0);
    PyObject *dict = PyTuple_GET_ITEM(state, 1);
    PlNodeObject *obj = (PlNodeObject *)type->tp_alloc(type, 0);
    if (!obj) return NULL;
    if (dict != Py_None && PyObject_SetAttrString((PyObject *)obj, "__dict__", dict) < 0) {
        Py_DECREF(obj);
        return NULL;
    }
    obj->node = pl_node_retain(n);
    n->pyobj = obj;
    return (PyObject *)obj;
}

pl_node *
plpy_node_of(PyObject *obj)
{
    if (!PyObject_TypeCheck(obj, NodeType)) {
        PyErr_Format(PyExc_TypeError, "expected a grad_fn (Node), got %s", Py_TYPE(obj)->tp_name);
        return NULL;
    }
    return node_of(obj);
}

PyObject *
plpy_wrap_node(pl_node *n)
{
    if (n->pyobj) {
        return Py_NewRef((PyObject *)n->pyobj);
    }
    if (n->fn.release == fn_state_release) {
        return wrap_function_node(n);
    }
    PyObject *cls = PyDict_GetItemString(node_classes, n->kind->name); /* borrowed */
    if (!cls) {
        PyObject *factory = plpy_grad_fn_factory();
        cls = factory ? PyObject_CallFunction(factory, "sO", n->kind->name, (PyObject *)NodeType)
                      : Py_NewRef((PyObject *)NodeType);
        if (!cls) return NULL;
        if (PyDict_SetItemString(node_classes, n->kind->name, cls) < 0) {
            Py_DECREF(cls);
            return NULL;
        }
        Py_DECREF(cls);
    }
    PyTypeObject *type = (PyTypeObject *)cls;
    PlNodeObject *obj = (PlNodeObject *)type->tp_alloc(type, 0);
    if (!obj) return NULL;
    obj->node = pl_node_retain(n);
    n->pyobj = obj;
    return (PyObject *)obj;
}

static PyObject *
node_name(PyObject *op, PyObject *unused)
{
    (void)unused;
    pl_node *n = node_of(op);
    if (!n) return NULL;
    /* PyTorch's hand-written C++ nodes give their namespaced name */
    const char *name = n->kind->name;
    if (strcmp(name, "CopySlices") == 0 || strcmp(name, "AccumulateGrad") == 0 ||
        strcmp(name, "CopyBackwards") == 0) {
        return PyUnicode_FromFormat("torch::autograd::%s", name);
    }
    return PyUnicode_FromString(name);
}

static PyObject *
node_next_functions(PyObject *op, void *c)
{
    (void)c;
    pl_node *n = node_of(op);
    if (!n) return NULL;
    PyObject *t = PyTuple_New(n->n_inputs);
    if (!t) return NULL;
    for (int i = 0; i < n->n_inputs; i++) {
        PyObject *fn = n->next[i].fn ? plpy_wrap_node(n->next[i].fn) : Py_NewRef(Py_None);
        PyObject *pair = fn ? Py_BuildValue("(Ni)", fn, n->next[i].fn ? n->next[i].input_nr : 0)
                            : NULL;
        if (!pair) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, pair);
    }
    return t;
}

static PyObject *
node_variable(PyObject *op, void *c)
{
    (void)c;
    pl_node *n = node_of(op);
    if (!n) return NULL;
    if (!n->leaf) {
        PyErr_SetString(PyExc_AttributeError, "'Node' object has no attribute 'variable'");
        return NULL;
    }
    return plpy_wrap(pl_tensor_retain(n->leaf));
}

static PyMethodDef node_methods[] = {
    {"name", node_name, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef node_getset[] = {
    {"next_functions", node_next_functions, NULL, NULL, NULL},
    {"variable", node_variable, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot node_slots[] = {
    {Py_tp_dealloc, node_dealloc},
    {Py_tp_traverse, node_traverse},
    {Py_tp_clear, node_clear},
    {Py_tp_new, PyType_GenericNew},
    {Py_tp_methods, node_methods},
    {Py_tp_getset, node_getset},
    {0, NULL},
};

int
plpy_node_type_init(PyObject *module)
{
    PyType_Spec spec = {
        .name = "pytorchlite._C.Node",
        .basicsize = sizeof(PlNodeObject),
        .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
        .slots = node_slots,
    };
    NodeType = (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec, NULL);
    if (!NodeType) return -1;
    node_classes = PyDict_New();
    function_kinds = PyDict_New();
    str_pl_call = PyUnicode_InternFromString("_pl_call");
    if (!node_classes || !function_kinds || !str_pl_call) return -1;
    if (plpy_saved_init(module) < 0 || PyModule_AddFunctions(module, plpy_autograd_mode_functions) < 0) {
        return -1;
    }
    return PyModule_AddObjectRef(module, "Node", (PyObject *)NodeType);
}

/* ---- user code: hooks and custom Functions ----
 * The core holds Python objects as pl_hook contexts: a hooks container (autograd/graph.py's
 * _TensorHooks) or a custom Function's ctx (autograd/function.py's BackwardCFunction, a
 * subclass of _C.Node that its node owns). The engine runs with the GIL held and calls
 * ctx._pl_call(event, arg):
 *   PL_HOOK_TENSOR, _NODE_PRE: arg = tuple of gradients (Tensor or None) -> tuple, same length
 *   PL_HOOK_POST_ACCUMULATE:  arg = the leaf                            -> ignored
 *   PL_HOOK_BACKWARD:         arg = tuple of output gradients           -> tuple, one per edge
 *   PL_HOOK_NODE_POST:        arg = (grad_inputs, grad_outputs)         -> tuple of grad_inputs
 *   PL_HOOK_FREE_SAVED:       arg = ()                                  -> ignored
 * A Python exception stays pending and the core gets an error status, so backward() re-raises
 * the hook's own exception unchanged. */


static void
py_release(void *ctx)
{
    Py_DECREF((PyObject *)ctx);
}

/* A custom Function node's fn hook: ctx is its state tuple (owned by the node). */
static void
fn_state_release(void *ctx)
{
    Py_DECREF((PyObject *)ctx);
}

static pl_status
py_failed(void)
{
    return pl_error_set(PL_ERR_RUNTIME, "an exception was raised in autograd user code");
}

/* A tuple of n gradients (Tensor or None) as Python objects; new ref or NULL. */
static PyObject *
grads_tuple(pl_tensor *const *grads, int n)
{
    PyObject *arg = PyTuple_New(n);
    for (int k = 0; arg && k < n; k++) {
        PyObject *g = grads[k] ? plpy_wrap(pl_tensor_retain(grads[k])) : Py_NewRef(Py_None);
        if (!g) Py_CLEAR(arg);
        else PyTuple_SET_ITEM(arg, k, g);
    }
    return arg;
}

static pl_status
py_call(void *ctx, pl_hook_call *c)
{
    PyObject *arg;
    if (c->event == PL_HOOK_POST_ACCUMULATE) {
        arg = plpy_wrap(pl_tensor_retain(c->tensor));
    } else if (c->event == PL_HOOK_FREE_SAVED) {
        arg = PyTuple_New(0);
    } else if (c->event == PL_HOOK_NODE_POST) {
        arg = Py_BuildValue("(NN)", grads_tuple(c->din, c->n_din), grads_tuple(c->grads, c->n));
    } else {
        arg = grads_tuple(c->grads, c->n);
    }
    if (!arg) return py_failed();
    PyObject *ev = PyLong_FromLong(c->event);
    PyObject *r = ev ? PyObject_CallMethodObjArgs((PyObject *)ctx, str_pl_call, ev, arg, NULL) : NULL;
    Py_XDECREF(ev);
    Py_DECREF(arg);
    if (!r) return py_failed();
    if (c->event == PL_HOOK_POST_ACCUMULATE || c->event == PL_HOOK_FREE_SAVED) {
        Py_DECREF(r);
        return PL_OK;
    }
    bool on_grads = c->event == PL_HOOK_TENSOR || c->event == PL_HOOK_NODE_PRE;
    int want = on_grads ? c->n : c->n_din;
    pl_tensor **dst = on_grads ? c->grads : c->din;
    if (!PyTuple_Check(r) || PyTuple_GET_SIZE(r) != want) {
        PyErr_Format(PyExc_RuntimeError, "autograd user code returned %R; expected a tuple of %d",
                     r, want);
        Py_DECREF(r);
        return py_failed();
    }
    for (int k = 0; k < want; k++) {
        PyObject *item = PyTuple_GET_ITEM(r, k);
        pl_tensor *g = NULL;
        if (item != Py_None) {
            g = plpy_unwrap(item);
            if (!g) {
                Py_DECREF(r);
                return py_failed();
            }
            pl_tensor_retain(g);
        }
        pl_tensor_release(dst[k]);
        dst[k] = g;
    }
    Py_DECREF(r);
    return PL_OK;
}

/* A custom Function node's events go to its grad_fn object (made again from the state when
 * the ctx object died): ctx._pl_call(event, arg). */
static pl_status
fn_call(void *ctx, pl_hook_call *c)
{
    (void)ctx;
    PyObject *obj = plpy_wrap_node(c->node);
    if (!obj) return py_failed();
    pl_status st = py_call(obj, c);
    Py_DECREF(obj);
    return st;
}

static int
visit_hook(const pl_hook *h, visitproc visit, void *arg)
{
    if (h && h->ctx && (h->release == py_release || h->release == fn_state_release)) {
        Py_VISIT((PyObject *)h->ctx);
    }
    return 0;
}

static int
visit_node(const pl_node *n, visitproc visit, void *arg)
{
    int r = visit_hook(&n->hooks, visit, arg);
    if (!r) r = visit_hook(&n->fn, visit, arg);
    return r || !n->packed_mask ? r : plpy_visit_packed(n, visit, arg);
}

/* Drops what the node holds of Python (tp_clear of its owner): hooks, a custom Function's
 * state, the objects saved-tensor hooks packed. */
static void
clear_node(pl_node *n)
{
    pl_node_clear_hooks(n);
    if (n->packed_mask) pl_node_release_packed(n);
}

/* The GC follows the Python objects the core holds for a tensor only through its one owner
 * (the wrapper holding the tensor's only reference, the tensor holding its grad_fn's only
 * reference), as PyTorch does, so no object is counted twice. */
int
plpy_autograd_traverse(pl_tensor *t, visitproc visit, void *arg)
{
    if (!t || t->refcount != 1) return 0;
    int r = visit_hook(t->hooks, visit, arg);
    if (!r && t->grad_fn && t->grad_fn->refcount == 1) r = visit_node(t->grad_fn, visit, arg);
    return r;
}

void
plpy_autograd_clear(pl_tensor *t)
{
    if (!t || t->refcount != 1) return;
    pl_tensor_clear_hooks(t);
    if (t->grad_fn && t->grad_fn->refcount == 1) clear_node(t->grad_fn);
}

static int
node_traverse(PyObject *op, visitproc visit, void *arg)
{
    PlNodeObject *self = (PlNodeObject *)op;
    Py_VISIT(Py_TYPE(op));
    if (self->node && self->node->refcount == 1) {
        return visit_node(self->node, visit, arg);
    }
    return 0;
}

static int
node_clear(PyObject *op)
{
    PlNodeObject *self = (PlNodeObject *)op;
    if (self->node && self->node->refcount == 1) {
        clear_node(self->node);
    }
    return 0;
}

static PyObject *trace_factory = NULL; /* Python callable () -> hooks container with .trace */

/* Anomaly mode: each new node gets a hooks container holding the forward's traceback. Errors
 * here are not the op's: they are dropped, keeping any exception already pending. */
static void
on_node_created(pl_node *node)
{
    if (!trace_factory || node->hooks.call) return;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyObject *container = PyObject_CallNoArgs(trace_factory);
    if (container) {
        node->hooks = (pl_hook){py_call, py_release, container};
    } else {
        PyErr_Clear();
    }
    PyErr_Restore(type, value, tb);
}

/* _set_trace_factory(fn): what anomaly mode calls for each new node */
static PyObject *
f_set_trace_factory(PyObject *m, PyObject *arg)
{
    (void)m;
    if (arg != Py_None && !PyFunction_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "_set_trace_factory() takes a Python function or None");
        return NULL;
    }
    Py_XSETREF(trace_factory, arg == Py_None ? NULL : Py_NewRef(arg));
    pl_set_node_created_callback(trace_factory ? on_node_created : NULL);
    Py_RETURN_NONE;
}

/* _hooks_get(t): the hooks container of a Tensor (a leaf's own, else its grad_fn's) or of a
 * grad_fn object, or None */
static PyObject *
f_hooks_get(PyObject *m, PyObject *arg)
{
    (void)m;
    const pl_hook *h;
    if (PyObject_TypeCheck(arg, NodeType)) {
        pl_node *n = node_of(arg);
        if (!n) return NULL;
        h = &n->hooks;
    } else {
        pl_tensor *t = plpy_unwrap(arg);
        if (!t) return NULL;
        h = t->grad_fn ? &t->grad_fn->hooks : t->hooks;
    }
    if (h && h->release == py_release) return Py_NewRef((PyObject *)h->ctx);
    Py_RETURN_NONE;
}

/* _hooks_set(t, container): installs container (or None) as the hooks container of a Tensor
 * or a grad_fn object */
static PyObject *
f_hooks_set(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_hooks_set(tensor_or_node, container)");
        return NULL;
    }
    pl_node *node = NULL;
    pl_tensor *t = NULL;
    if (PyObject_TypeCheck(args[0], NodeType)) {
        if (!(node = node_of(args[0]))) return NULL;
    } else if (!(t = plpy_unwrap(args[0]))) {
        return NULL;
    }
    pl_hook h = {0};
    if (args[1] != Py_None) {
        h = (pl_hook){py_call, py_release, Py_NewRef(args[1])};
    }
    if (t && !t->grad_fn) {
        if (pl_tensor_set_hooks(t, h) != PL_OK) return plpy_raise();
    } else {
        pl_node_set_hooks(node ? node : t->grad_fn, h);
    }
    Py_RETURN_NONE;
}

static const pl_node_kind *
function_kind(PyObject *name)
{
    PyObject *cap = PyDict_GetItemWithError(function_kinds, name); /* borrowed */
    if (cap) return PyCapsule_GetPointer(cap, NULL);
    if (PyErr_Occurred()) return NULL;
    const char *utf8 = PyUnicode_AsUTF8(name);
    if (!utf8) return NULL;
    /* kinds live as long as the process: nodes may outlive any Python object */
    pl_node_kind *kind = PyMem_RawCalloc(1, sizeof(pl_node_kind));
    char *copy = PyMem_RawMalloc(strlen(utf8) + 1);
    if (!kind || !copy) {
        PyMem_RawFree(kind);
        PyMem_RawFree(copy);
        PyErr_NoMemory();
        return NULL;
    }
    strcpy(copy, utf8);
    kind->name = copy;
    kind->backward = pl_callback_backward;
    kind->flags = PL_KIND_DIFFERENTIABLE; /* user code: its backward runs with grad mode as asked */
    cap = PyCapsule_New(kind, NULL, NULL);
    if (!cap || PyDict_SetItem(function_kinds, name, cap) < 0) {
        Py_XDECREF(cap);
        return NULL;
    }
    Py_DECREF(cap);
    return kind;
}

/* _function_node(ctx, name, inputs, outputs): the node of a custom Function call. inputs: the
 * tensors that require grad (its edges, at most 4); outputs: Tensor (made output i of the
 * node) or None (not differentiable). ctx becomes the node's grad_fn object. */
static PyObject *
f_function_node(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 4 || !PyObject_TypeCheck(args[0], NodeType) || !PyUnicode_Check(args[1]) ||
        !PyTuple_Check(args[2]) || !PyTuple_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "_function_node(ctx, name, inputs, outputs)");
        return NULL;
    }
    PlNodeObject *ctx = (PlNodeObject *)args[0];
    if (ctx->node) {
        PyErr_SetString(PyExc_RuntimeError, "this autograd.Function context already has a node");
        return NULL;
    }
    const pl_node_kind *kind = function_kind(args[1]);
    if (!kind) return NULL;
    Py_ssize_t n_in = PyTuple_GET_SIZE(args[2]), n_out = PyTuple_GET_SIZE(args[3]);
    pl_tensor *ins[PL_NODE_MAX_INPUTS] = {0};
    for (Py_ssize_t i = 0; i < n_in && i < PL_NODE_MAX_INPUTS; i++) {
        if (!(ins[i] = plpy_unwrap(PyTuple_GET_ITEM(args[2], i)))) return NULL;
    }
    for (Py_ssize_t i = 0; i < n_out; i++) {
        PyObject *o = PyTuple_GET_ITEM(args[3], i);
        if (o != Py_None && !plpy_unwrap(o)) return NULL;
    }
    if (n_out > INT32_MAX) n_out = INT32_MAX;
    PyObject *dict = PyObject_GetAttrString((PyObject *)ctx, "__dict__");
    if (!dict) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) return NULL;
        PyErr_Clear();
        dict = Py_NewRef(Py_None);
    }
    PyObject *state = Py_BuildValue("(ON)", (PyObject *)Py_TYPE(ctx), dict);
    if (!state) return NULL;
    pl_hook fn = {fn_call, fn_state_release, state}; /* the node owns the state */
    pl_node *node = pl_callback_node_new(kind, ins, (int)n_in, (int)(n_out ? n_out : 1), fn);
    if (!node) return plpy_raise();
    ctx->node = node; /* ctx owns the node's first reference */
    node->pyobj = ctx;
    for (Py_ssize_t i = 0; i < n_out; i++) {
        PyObject *o = PyTuple_GET_ITEM(args[3], i);
        if (o != Py_None) pl_node_attach_output(plpy_unwrap(o), node, (int)i);
    }
    Py_RETURN_NONE;
}

/* _attach_output(tensor, ctx, output_nr): makes tensor (a fresh alias of a saved output) output
 * output_nr of ctx's node, so a saved output unpacked in backward carries the node as its
 * grad_fn, as PyTorch's unpacked saved outputs do (double backward goes through it). */
static PyObject *
f_attach_output(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 3 || !PyObject_TypeCheck(args[1], NodeType) || !PyLong_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "_attach_output(tensor, ctx, output_nr)");
        return NULL;
    }
    pl_tensor *t = plpy_unwrap(args[0]);
    if (!t) return NULL;
    pl_node *node = node_of(args[1]);
    if (!node) return NULL;
    long nr = PyLong_AsLong(args[2]);
    if (nr == -1 && PyErr_Occurred()) return NULL;
    if (nr < 0 || nr > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "_attach_output: output_nr out of range");
        return NULL;
    }
    pl_node_attach_output(t, node, (int)nr);
    Py_RETURN_NONE;
}

/* ---- module functions ---- */

/* _backward(tensor, gradient_or_None, retain_graph) */
static PyObject *
f_backward(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_backward(tensor, gradient, retain_graph)");
        return NULL;
    }
    pl_tensor *t = plpy_unwrap(args[0]);
    if (!t) return NULL;
    pl_tensor *g = NULL;
    if (args[1] != Py_None) {
        g = plpy_unwrap(args[1]);
        if (!g) return NULL;
    }
    int retain = PyObject_IsTrue(args[2]);
    if (retain < 0) return NULL;
    if (pl_backward(t, g, retain) != PL_OK) return plpy_raise();
    Py_RETURN_NONE;
}

/* Fills out[0..n) with the borrowed core tensors of seq's items (Tensor, or None when
 * allow_none, giving NULL). Returns n, or -1 with an exception. */
static Py_ssize_t
tensor_list(PyObject *seq, pl_tensor **out, Py_ssize_t cap, int allow_none)
{
    Py_ssize_t n = PyTuple_GET_SIZE(seq);
    if (n > cap) {
        PyErr_Format(PyExc_NotImplementedError,
                     "pytorchlite: autograd takes at most %zd tensors at once here", cap);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PyTuple_GET_ITEM(seq, i);
        out[i] = NULL;
        if (allow_none && o == Py_None) continue;
        if (!(out[i] = plpy_unwrap(o))) return -1;
    }
    return n;
}

/* _run_backward(roots, grads, retain_graph, inputs_or_None, accumulate[, create_graph]): the engine.
 * Returns a tuple of gradients (Tensor or None) for inputs when accumulate is false, else None. */
static PyObject *
f_run_backward(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    enum { CAP = 64 };
    pl_tensor *roots[CAP], *grads[CAP], *inputs[CAP], *captured[CAP] = {0};
    if ((nargs != 5 && nargs != 6) || !PyTuple_Check(args[0]) || !PyTuple_Check(args[1]) ||
        (args[3] != Py_None && !PyTuple_Check(args[3])) ||
        PyTuple_GET_SIZE(args[0]) != PyTuple_GET_SIZE(args[1])) {
        PyErr_SetString(PyExc_TypeError, "_run_backward(roots, grads, retain_graph, inputs, accumulate)");
        return NULL;
    }
    Py_ssize_t n_roots = tensor_list(args[0], roots, CAP, 0);
    if (n_roots < 0 || tensor_list(args[1], grads, CAP, 1) < 0) return NULL;
    Py_ssize_t n_inputs = 0;
    if (args[3] != Py_None && (n_inputs = tensor_list(args[3], inputs, CAP, 0)) < 0) return NULL;
    int retain = PyObject_IsTrue(args[2]), accumulate = PyObject_IsTrue(args[4]);
    int create = nargs == 6 ? PyObject_IsTrue(args[5]) : 0;
    if (retain < 0 || accumulate < 0 || create < 0) return NULL;
    pl_backward_args a = {
        .roots = roots, .grads = grads, .n_roots = (int)n_roots,
        .inputs = args[3] == Py_None ? NULL : inputs, .n_inputs = (int)n_inputs,
        .accumulate = accumulate, .retain_graph = retain, .create_graph = create,
        .captured = captured,
    };
    if (pl_backward_ex(&a) != PL_OK) {
        for (Py_ssize_t i = 0; i < n_inputs; i++) pl_tensor_release(captured[i]);
        const char *failed = pl_anomaly_failed_node();
        pl_node *failed_ref = pl_anomaly_take_failed_node();
        if (failed) { /* anomaly mode names the node whose backward failed, as PyTorch warns */
            PyObject *type, *value, *tb, *trace = NULL;
            plpy_raise();
            PyErr_Fetch(&type, &value, &tb);
            if (failed_ref && failed_ref->hooks.release == py_release) {
                trace = PyObject_GetAttrString((PyObject *)failed_ref->hooks.ctx, "trace");
                if (!trace) PyErr_Clear();
            }
            int w = trace && trace != Py_None
                        ? PyErr_WarnFormat(PyExc_UserWarning, 1, "Error detected in %s. Traceback "
                                           "of forward call that caused the error:\n%U", failed,
                                           trace)
                        : PyErr_WarnFormat(PyExc_UserWarning, 1, "Error detected in %s. No forward "
                                           "pass information available. Enable detect anomaly "
                                           "during forward pass for more information.", failed);
            Py_XDECREF(trace);
            pl_node_release(failed_ref);
            if (w < 0) {
                Py_XDECREF(type);
                Py_XDECREF(value);
                Py_XDECREF(tb);
                return NULL;
            }
            PyErr_Restore(type, value, tb);
            return NULL;
        }
        pl_node_release(failed_ref);
        return plpy_raise();
    }
    if (accumulate) Py_RETURN_NONE;
    PyObject *r = PyTuple_New(n_inputs);
    for (Py_ssize_t i = 0; i < n_inputs; i++) {
        PyObject *g = !r ? NULL : captured[i] ? plpy_wrap(captured[i]) : Py_NewRef(Py_None);
        if (!g) {
            if (!r) pl_tensor_release(captured[i]);
            Py_CLEAR(r);
            continue;
        }
        PyTuple_SET_ITEM(r, i, g);
    }
    return r;
}

static PyObject *
f_output_nr(PyObject *m, PyObject *arg)
{
    (void)m;
    pl_tensor *t = plpy_unwrap(arg);
    return t ? PyLong_FromLong(t->grad_fn ? t->output_nr : 0) : NULL;
}

static PyObject *
f_bump_version(PyObject *m, PyObject *arg)
{
    (void)m;
    pl_tensor *t = plpy_unwrap(arg);
    if (!t) return NULL;
    pl_tensor_bump_version(t);
    Py_RETURN_NONE;
}

/* _is_view(t): whether t shares its storage with the tensor it was viewed from */
static PyObject *
f_is_view(PyObject *m, PyObject *arg)
{
    (void)m;
    pl_tensor *t = plpy_unwrap(arg);
    if (!t) return NULL;
    return PyBool_FromLong(t->is_view);
}

/* _mark_retains_grad(t): t.retains_grad becomes True; the hooks keep its .grad (outputs of
 * nodes with several outputs, whose core node has one retained link) */
static PyObject *
f_mark_retains_grad(PyObject *m, PyObject *arg)
{
    (void)m;
    pl_tensor *t = plpy_unwrap(arg);
    if (!t) return NULL;
    t->retains_grad = true;
    Py_RETURN_NONE;
}

/* _take_view(t, v): t becomes v (a view op's result on t) in place, history included. */
static PyObject *
f_take_view(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_take_view(t, v) takes two tensors");
        return NULL;
    }
    pl_tensor *t = plpy_unwrap(args[0]), *v = t ? plpy_unwrap(args[1]) : NULL;
    if (!v) return NULL;
    if (pl_take_view(t, v) != PL_OK) return plpy_raise();
    Py_RETURN_NONE;
}

PyMethodDef plpy_autograd_functions[] = {
    {"_take_view", (PyCFunction)(void (*)(void))f_take_view, METH_FASTCALL, NULL},
    {"_mark_retains_grad", f_mark_retains_grad, METH_O, NULL},
    {"_set_trace_factory", f_set_trace_factory, METH_O, NULL},
    {"_bump_version", f_bump_version, METH_O, NULL},
    {"_is_view", f_is_view, METH_O, NULL},
    {"_output_nr", f_output_nr, METH_O, NULL},
    {"_run_backward", (PyCFunction)(void (*)(void))f_run_backward, METH_FASTCALL, NULL},
    {"_hooks_get", f_hooks_get, METH_O, NULL},
    {"_hooks_set", (PyCFunction)(void (*)(void))f_hooks_set, METH_FASTCALL, NULL},
    {"_function_node", (PyCFunction)(void (*)(void))f_function_node, METH_FASTCALL, NULL},
    {"_attach_output", (PyCFunction)(void (*)(void))f_attach_output, METH_FASTCALL, NULL},
    {"_backward", (PyCFunction)(void (*)(void))f_backward, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL},
};
