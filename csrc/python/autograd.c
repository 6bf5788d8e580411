/* autograd.c (binding) — grad_fn objects (_C.Node and its per-op subclasses named as PyTorch
 * names them), backward(), and the grad-mode switches. */
#include "args.h"
#include "plpy.h"

typedef struct {
    PyObject_HEAD
    pl_node *node; /* owned reference */
} PlNodeObject;

static PyTypeObject *NodeType = NULL;
static PyObject *node_classes = NULL; /* dict: kind name -> subclass of _C.Node */

static void
node_dealloc(PyObject *op)
{
    PlNodeObject *self = (PlNodeObject *)op;
    PyTypeObject *tp = Py_TYPE(op);
    if (self->node) {
        if (self->node->pyobj == self) self->node->pyobj = NULL;
        pl_node_release(self->node);
    }
    tp->tp_free(op);
    Py_DECREF(tp);
}

PyObject *
plpy_wrap_node(pl_node *n)
{
    if (n->pyobj) {
        return Py_NewRef((PyObject *)n->pyobj);
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
    return PyUnicode_FromString(((PlNodeObject *)op)->node->kind->name);
}

static PyObject *
node_next_functions(PyObject *op, void *c)
{
    (void)c;
    pl_node *n = ((PlNodeObject *)op)->node;
    PyObject *t = PyTuple_New(n->n_inputs);
    if (!t) return NULL;
    for (int i = 0; i < n->n_inputs; i++) {
        PyObject *fn = n->next[i].fn ? plpy_wrap_node(n->next[i].fn) : Py_NewRef(Py_None);
        PyObject *pair = fn ? Py_BuildValue("(Ni)", fn, 0) : NULL;
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
    pl_node *n = ((PlNodeObject *)op)->node;
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
        .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
        .slots = node_slots,
    };
    NodeType = (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec, NULL);
    if (!NodeType) return -1;
    node_classes = PyDict_New();
    if (!node_classes) return -1;
    return PyModule_AddObjectRef(module, "Node", (PyObject *)NodeType);
}

/* ---- module functions ---- */

static PyObject *
f_set_grad_enabled(PyObject *m, PyObject *arg)
{
    (void)m;
    int b = PyObject_IsTrue(arg);
    if (b < 0) return NULL;
    bool prev = pl_grad_enabled();
    pl_set_grad_enabled(b);
    return PyBool_FromLong(prev);
}

static PyObject *
f_is_grad_enabled(PyObject *m, PyObject *unused)
{
    (void)m, (void)unused;
    return PyBool_FromLong(pl_grad_enabled());
}

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

PyMethodDef plpy_autograd_functions[] = {
    {"_set_grad_enabled", f_set_grad_enabled, METH_O, "sets grad mode; returns the previous one"},
    {"is_grad_enabled", f_is_grad_enabled, METH_NOARGS, NULL},
    {"_backward", (PyCFunction)(void (*)(void))f_backward, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL},
};
