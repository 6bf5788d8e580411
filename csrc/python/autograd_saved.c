/* autograd_saved.c (binding) — what a graph saved for backward, as PyTorch shows it to Python:
 * saved-tensor hooks (torch.autograd.graph.saved_tensors_hooks), the SavedTensor objects behind
 * grad_fn._raw_saved_*, the values behind grad_fn._saved_*; plus the engine's graph-task
 * queries (register_multi_grad_hook) and the grad_fn names of composite views.
 *
 * Ownership: a packed slot (py_packed) owns its unpack hook and the object pack returned (the
 * GC sees them through the node's owner: plpy_visit_packed); each thread's hooks stack (a list
 * of (pack, unpack) tuples in its thread-state dict) owns the hooks, and the core's installed
 * pl_saved_hooks (thread-local) borrows the top tuple. A SavedTensor owns a reference to its
 * node. */
#include "args.h"
#include "plpy.h"

/* ---- saved-tensor hooks ---- */

typedef struct {
    pl_packed base;
    PyObject *unpack; /* owned: the unpack hook */
    PyObject *obj;    /* owned: what the pack hook returned */
} py_packed;

static _Thread_local pl_saved_hooks installed; /* ctx: borrowed top of this thread's stack */
static PyObject *str_stack_key = NULL;

/* This thread's hooks stack (borrowed; made on first use when create), or NULL (with an
 * exception only when create). */
static PyObject *
hooks_stack(int create)
{
    PyObject *d = PyThreadState_GetDict();
    if (!d) {
        if (create) PyErr_SetString(PyExc_RuntimeError, "no thread state for saved tensors hooks");
        return NULL;
    }
    PyObject *stack = PyDict_GetItemWithError(d, str_stack_key); /* borrowed */
    if (stack || PyErr_Occurred() || !create) return stack;
    stack = PyList_New(0);
    if (!stack || PyDict_SetItem(d, str_stack_key, stack) < 0) {
        Py_XDECREF(stack);
        return NULL;
    }
    Py_DECREF(stack); /* the dict keeps it */
    return stack;
}

static pl_tensor *
py_unpack(pl_packed *p)
{
    py_packed *pp = (py_packed *)p;
    PyObject *r = PyObject_CallOneArg(pp->unpack, pp->obj);
    if (!r) {
        pl_error_set(PL_ERR_RUNTIME, "an exception was raised in a saved tensor unpack hook");
        return NULL;
    }
    if (!plpy_is_tensor(r)) {
        PyErr_Format(PyExc_TypeError, "Output of saved tensor unpack_hook expected to be a Tensor "
                     "but got result of type %s", Py_TYPE(r)->tp_name);
        Py_DECREF(r);
        pl_error_set(PL_ERR_TYPE, "unpack_hook returned a non-Tensor");
        return NULL;
    }
    pl_tensor *t = pl_tensor_retain(plpy_unwrap(r));
    Py_DECREF(r);
    return t;
}

static void
py_packed_release(pl_packed *p)
{
    py_packed *pp = (py_packed *)p;
    Py_DECREF(pp->unpack);
    Py_DECREF(pp->obj);
    PyMem_Free(pp);
}

/* ctx: a (pack, unpack) tuple (borrowed) */
static pl_packed *
py_pack(void *ctx, pl_tensor *t)
{
    PyObject *pair = (PyObject *)ctx;
    PyObject *arg = plpy_wrap(pl_tensor_retain(t));
    PyObject *r = arg ? PyObject_CallOneArg(PyTuple_GET_ITEM(pair, 0), arg) : NULL;
    Py_XDECREF(arg);
    py_packed *pp = r ? PyMem_Malloc(sizeof *pp) : NULL;
    if (!pp) {
        if (r) PyErr_NoMemory();
        Py_XDECREF(r);
        pl_error_set(PL_ERR_RUNTIME, "an exception was raised in a saved tensor pack hook");
        return NULL;
    }
    pp->base.unpack = py_unpack;
    pp->base.release = py_packed_release;
    pp->unpack = Py_NewRef(PyTuple_GET_ITEM(pair, 1));
    pp->obj = r;
    return &pp->base;
}

static void
install_top(PyObject *stack)
{
    Py_ssize_t n = PyList_GET_SIZE(stack);
    if (n == 0) {
        pl_set_saved_hooks(NULL);
        return;
    }
    installed.pack = py_pack;
    installed.ctx = PyList_GET_ITEM(stack, n - 1);
    pl_set_saved_hooks(&installed);
}

int
plpy_visit_packed(const pl_node *n, visitproc visit, void *arg)
{
    for (int i = 0; i < PL_NODE_MAX_SAVED; i++) {
        const pl_packed *p = n->packed[i];
        if (p && p->release == py_packed_release) {
            Py_VISIT(((const py_packed *)p)->unpack);
            Py_VISIT(((const py_packed *)p)->obj);
        }
    }
    return 0;
}

/* _push_saved_tensors_hooks(pack, unpack) */
static PyObject *
f_push_hooks(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 2 || !PyCallable_Check(args[0]) || !PyCallable_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "_push_saved_tensors_hooks(pack_hook, unpack_hook) "
                                         "takes two callables");
        return NULL;
    }
    PyObject *stack = hooks_stack(1);
    PyObject *pair = stack ? PyTuple_Pack(2, args[0], args[1]) : NULL;
    if (!pair || PyList_Append(stack, pair) < 0) {
        Py_XDECREF(pair);
        return NULL;
    }
    Py_DECREF(pair);
    install_top(stack);
    Py_RETURN_NONE;
}

static PyObject *
f_pop_hooks(PyObject *m, PyObject *unused)
{
    (void)m, (void)unused;
    PyObject *stack = hooks_stack(0);
    Py_ssize_t n = stack ? PyList_GET_SIZE(stack) : 0;
    if (n == 0) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "no saved tensors hooks to pop");
        return NULL;
    }
    pl_set_saved_hooks(NULL); /* before the tuple it borrows can go */
    if (PyList_SetSlice(stack, n - 1, n, NULL) < 0) return NULL;
    install_top(stack);
    Py_RETURN_NONE;
}

/* _saved_tensors_hooks_top() -> (pack, unpack) or None */
static PyObject *
f_hooks_top(PyObject *m, PyObject *unused)
{
    (void)m, (void)unused;
    PyObject *stack = hooks_stack(0);
    if (!stack && PyErr_Occurred()) return NULL;
    Py_ssize_t n = stack ? PyList_GET_SIZE(stack) : 0;
    return n ? Py_NewRef(PyList_GET_ITEM(stack, n - 1)) : Py_NewRef(Py_None);
}

/* ---- saved slots of a node ---- */

/* (node, slot) from (grad_fn, int); -1 with an exception */
static int
node_slot(PyObject *const *args, Py_ssize_t nargs, const char *fname, pl_node **node)
{
    if (nargs != 2 || !PyLong_Check(args[1])) {
        PyErr_Format(PyExc_TypeError, "%s(grad_fn, slot)", fname);
        return -1;
    }
    if (!(*node = plpy_node_of(args[0]))) return -1;
    long i = PyLong_AsLong(args[1]);
    if (i < 0 || i >= PL_NODE_MAX_SAVED) {
        if (!PyErr_Occurred()) PyErr_Format(PyExc_IndexError, "%s: no saved slot %ld", fname, i);
        return -1;
    }
    return (int)i;
}

static PyObject *
saved_value(pl_node *node, int i)
{
    bool none;
    pl_tensor *t = pl_node_saved_value(node, i, &none);
    if (!t) return none ? Py_NewRef(Py_None) : plpy_raise();
    return plpy_wrap(t);
}

/* _node_saved(grad_fn, slot): the saved tensor (grad_fn._saved_self), None when not saved */
static PyObject *
f_node_saved(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    pl_node *node;
    int i = node_slot(args, nargs, "_node_saved", &node);
    return i < 0 ? NULL : saved_value(node, i);
}

/* _node_scalar(grad_fn, k): the node's k-th saved number (as a float) */
static PyObject *
f_node_scalar(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    pl_node *node;
    int k = node_slot(args, nargs, "_node_scalar", &node);
    return k < 0 ? NULL : PyFloat_FromDouble(node->scalars[k]);
}

/* _node_input_shape(grad_fn, i): the shape input i had when the op ran (its edge's), as a tuple
 * (grad_fn._saved_self_sym_sizes) */
static PyObject *
f_node_input_shape(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    pl_node *node;
    int i = node_slot(args, nargs, "_node_input_shape", &node);
    if (i < 0) return NULL;
    if (i >= node->n_inputs) {
        PyErr_Format(PyExc_IndexError, "_node_input_shape: the node has %d inputs", node->n_inputs);
        return NULL;
    }
    const pl_edge *e = &node->next[i];
    PyObject *t = PyTuple_New(e->ndim);
    for (int d = 0; t && d < e->ndim; d++) {
        PyObject *v = PyLong_FromLongLong(e->shape[d]);
        if (!v) Py_CLEAR(t);
        else PyTuple_SET_ITEM(t, d, v);
    }
    return t;
}

/* _node_saved_released(grad_fn): whether a backward without retain_graph went through it */
static PyObject *
f_node_saved_released(PyObject *m, PyObject *arg)
{
    (void)m;
    pl_node *n = plpy_node_of(arg);
    if (!n) {
        PyErr_Clear();
        Py_RETURN_FALSE; /* a ctx whose Function recorded nothing has nothing freed */
    }
    return PyBool_FromLong(n->saved_released);
}

/* torch._C._autograd.SavedTensor: one saved slot of a node */
typedef struct {
    PyObject_HEAD
    pl_node *node; /* owned */
    int slot;
} SavedTensorObject;

static PyTypeObject *SavedTensorType = NULL;

static void
saved_dealloc(PyObject *op)
{
    SavedTensorObject *self = (SavedTensorObject *)op;
    PyTypeObject *tp = Py_TYPE(op);
    pl_node_release(self->node);
    tp->tp_free(op);
    Py_DECREF(tp);
}

static PyObject *
saved_register_hooks(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    SavedTensorObject *self = (SavedTensorObject *)op;
    if (nargs != 2 || !PyCallable_Check(args[0]) || !PyCallable_Check(args[1])) {
        /* pybind11's wording, as PyTorch raises it: the call's arguments, repr'd */
        PyObject *reprs = PyList_New(0);
        for (Py_ssize_t k = 0; reprs && k <= nargs; k++) {
            PyObject *r = PyObject_Repr(k ? args[k - 1] : op);
            if (!r || PyList_Append(reprs, r) < 0) Py_CLEAR(reprs);
            Py_XDECREF(r);
        }
        PyObject *sep = reprs ? PyUnicode_FromString(", ") : NULL;
        PyObject *given = sep ? PyUnicode_Join(sep, reprs) : NULL;
        if (given) {
            PyErr_Format(PyExc_TypeError,
                         "register_hooks(): incompatible function arguments. The following argument "
                         "types are supported:\n    1. (self: torch._C._autograd.SavedTensor, arg0: "
                         "collections.abc.Callable, arg1: collections.abc.Callable) -> None\n\n"
                         "Invoked with: %U", given);
        }
        Py_XDECREF(reprs);
        Py_XDECREF(sep);
        Py_XDECREF(given);
        return NULL;
    }
    PyObject *pair = PyTuple_Pack(2, args[0], args[1]);
    if (!pair) return NULL;
    pl_saved_hooks h = {py_pack, pair};
    pl_status st = pl_node_pack_saved(self->node, self->slot, &h);
    Py_DECREF(pair); /* each packed slot keeps its own reference to unpack */
    if (st != PL_OK) return plpy_raise();
    Py_RETURN_NONE;
}

static PyObject *
saved_unpack(PyObject *op, PyObject *unused)
{
    (void)unused;
    SavedTensorObject *self = (SavedTensorObject *)op;
    return saved_value(self->node, self->slot);
}

static PyMethodDef saved_methods[] = {
    {"register_hooks", (PyCFunction)(void (*)(void))saved_register_hooks, METH_FASTCALL,
     "register_hooks(pack_hook, unpack_hook): packs this saved tensor now through pack_hook; "
     "backward gets it back through unpack_hook"},
    {"unpack", saved_unpack, METH_NOARGS, "the saved tensor"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot saved_slots[] = {
    {Py_tp_dealloc, saved_dealloc},
    {Py_tp_methods, saved_methods},
    {0, NULL},
};

/* _node_raw_saved(grad_fn, slot): the SavedTensor of the slot (grad_fn._raw_saved_self), None
 * when the op saved nothing there */
static PyObject *
f_node_raw_saved(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    pl_node *node;
    int i = node_slot(args, nargs, "_node_raw_saved", &node);
    if (i < 0) return NULL;
    if (!pl_node_has_saved(node, i)) Py_RETURN_NONE;
    SavedTensorObject *o = PyObject_New(SavedTensorObject, SavedTensorType);
    if (!o) return NULL;
    o->node = pl_node_retain(node);
    o->slot = i;
    return (PyObject *)o;
}

/* ---- graph tasks ---- */

static PyObject *
f_current_graph_task_id(PyObject *m, PyObject *unused)
{
    (void)m, (void)unused;
    uint32_t id = pl_current_graph_task();
    return PyLong_FromLongLong(id ? (long long)id : -1);
}

static PyObject *
f_will_engine_execute_node(PyObject *m, PyObject *arg)
{
    (void)m;
    pl_node *n = plpy_node_of(arg);
    if (!n) return NULL;
    if (!pl_current_graph_task()) {
        PyErr_SetString(PyExc_RuntimeError,
                        "_will_engine_execute_node should only be called during the backward pass");
        return NULL;
    }
    if (n->kind == &pl_accumulate_grad_kind && pl_current_graph_task_is_grad()) {
        PyErr_SetString(PyExc_RuntimeError,
                        "A leaf node was passed to _will_engine_execute_node but we are currently "
                        "running autograd.grad(). This is currently not supported.");
        return NULL;
    }
    return PyBool_FromLong(pl_node_will_execute(n));
}

/* ---- grad_fn names of composite ops ---- */

static PyObject *alias_kinds = NULL; /* dict: name -> capsule(kind), kinds live for the process */

/* _rename_grad_fn(t, base, name): when t's node is a fresh node of kind `base` (made for t
 * alone and not seen by Python yet), it runs the same backward under PyTorch's name for the op
 * that made t (split's pieces are narrow views: SplitBackward0). Otherwise nothing changes. */
static PyObject *
f_rename_grad_fn(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 3 || !PyUnicode_Check(args[1]) || !PyUnicode_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "_rename_grad_fn(tensor, base_name, name)");
        return NULL;
    }
    pl_tensor *t = plpy_unwrap(args[0]);
    if (!t) return NULL;
    const char *base_name = PyUnicode_AsUTF8(args[1]);
    if (!base_name) return NULL;
    pl_node *node = t->grad_fn;
    if (!node || node->refcount != 1 || node->pyobj || strcmp(node->kind->name, base_name) != 0) {
        Py_RETURN_NONE;
    }
    const pl_node_kind *base = node->kind;
    PyObject *cap = PyDict_GetItemWithError(alias_kinds, args[2]); /* borrowed */
    if (!cap && PyErr_Occurred()) return NULL;
    pl_node_kind *kind = cap ? PyCapsule_GetPointer(cap, NULL) : NULL;
    if (cap && !kind) return NULL;
    if (!kind) {
        const char *utf8 = PyUnicode_AsUTF8(args[2]);
        if (!utf8) return NULL;
        kind = PyMem_RawCalloc(1, sizeof *kind);
        char *copy = PyMem_RawMalloc(strlen(utf8) + 1);
        if (!kind || !copy) {
            PyMem_RawFree(kind);
            PyMem_RawFree(copy);
            return PyErr_NoMemory();
        }
        strcpy(copy, utf8);
        *kind = *base;
        kind->name = copy;
        cap = PyCapsule_New(kind, NULL, NULL);
        if (!cap || PyDict_SetItem(alias_kinds, args[2], cap) < 0) {
            Py_XDECREF(cap);
            return NULL;
        }
        Py_DECREF(cap);
    }
    if (kind->backward != base->backward || kind->flags != base->flags) {
        PyErr_Format(PyExc_RuntimeError, "_rename_grad_fn: %U names another op's node", args[2]);
        return NULL;
    }
    node->kind = kind;
    Py_RETURN_NONE;
}

static PyMethodDef saved_functions[] = {
    {"_push_saved_tensors_hooks", (PyCFunction)(void (*)(void))f_push_hooks, METH_FASTCALL, NULL},
    {"_pop_saved_tensors_hooks", f_pop_hooks, METH_NOARGS, NULL},
    {"_saved_tensors_hooks_top", f_hooks_top, METH_NOARGS, NULL},
    {"_node_saved", (PyCFunction)(void (*)(void))f_node_saved, METH_FASTCALL, NULL},
    {"_node_raw_saved", (PyCFunction)(void (*)(void))f_node_raw_saved, METH_FASTCALL, NULL},
    {"_node_scalar", (PyCFunction)(void (*)(void))f_node_scalar, METH_FASTCALL, NULL},
    {"_node_input_shape", (PyCFunction)(void (*)(void))f_node_input_shape, METH_FASTCALL, NULL},
    {"_node_saved_released", f_node_saved_released, METH_O, NULL},
    {"_current_graph_task_id", f_current_graph_task_id, METH_NOARGS, NULL},
    {"_will_engine_execute_node", f_will_engine_execute_node, METH_O, NULL},
    {"_rename_grad_fn", (PyCFunction)(void (*)(void))f_rename_grad_fn, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL},
};

int
plpy_saved_init(PyObject *module)
{
    PyType_Spec spec = {
        .name = "torch._C._autograd.SavedTensor",
        .basicsize = sizeof(SavedTensorObject),
        .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
        .slots = saved_slots,
    };
    SavedTensorType = (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec, NULL);
    str_stack_key = PyUnicode_InternFromString("pytorchlite.saved_tensors_hooks");
    alias_kinds = PyDict_New();
    if (!SavedTensorType || !str_stack_key || !alias_kinds) return -1;
    if (PyModule_AddObjectRef(module, "SavedTensor", (PyObject *)SavedTensorType) < 0) return -1;
    return PyModule_AddFunctions(module, saved_functions);
}
