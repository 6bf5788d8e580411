/* fastfn.c — _C._FastFunction: a torch.* function that takes the common call straight to its C
 * method and only the rest to Python.
 *
 * Functions such as torch.add or torch.exp accept forms the Tensor methods do not (out=, a
 * number first, NumPy's axis=/keepdims= on Python reductions). Those are written in Python
 * (pytorchlite/_out.py, _everyday.py), which costs a Python frame on every call. A
 * _FastFunction(fast, slow, name, any_first=False) calls `fast` (the method, through vectorcall)
 * when the first positional argument is a Tensor (or whatever it is, with any_first: the
 * factories zeros, arange ...) and no keyword is `out`, `axis` or `keepdims`, and `slow` (the
 * Python function) otherwise; both get the arguments as given. A TypeError from `fast`
 * (arguments the method refuses) is left to `slow` to raise, in the function's words.
 * Instances have a __dict__ (the package marks its functions and gives them their docstrings)
 * and a __name__ and __qualname__.
 */
#include "plpy.h"

typedef struct {
    PyObject_HEAD
    PyObject *fast;  /* owned: callable for the common form */
    PyObject *slow;  /* owned: callable for every form */
    PyObject *name;  /* owned: str */
    PyObject *dict;  /* owned or NULL: instance attributes */
    bool any_first;  /* the fast path does not need a Tensor first (factories: zeros ...) */
    vectorcallfunc vectorcall;
} FastFunction;

/* Whether kwnames holds a keyword only the slow path knows. */
static int
needs_slow(PyObject *kwnames)
{
    if (!kwnames) return 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); i++) {
        PyObject *k = PyTuple_GET_ITEM(kwnames, i); /* borrowed */
        if (PyUnicode_CompareWithASCIIString(k, "out") == 0 ||
            PyUnicode_CompareWithASCIIString(k, "axis") == 0 ||
            PyUnicode_CompareWithASCIIString(k, "keepdims") == 0) {
            return 1;
        }
    }
    return 0;
}

static PyObject *
fast_vectorcall(PyObject *op, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    FastFunction *f = (FastFunction *)op;
    if (!f->fast || !f->slow) { /* cleared by the garbage collector while in a cycle */
        PyErr_Format(PyExc_RuntimeError, "%U() is being destroyed", f->name);
        return NULL;
    }
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    bool fast = (f->any_first || (nargs >= 1 && plpy_is_tensor(args[0]))) && !needs_slow(kwnames);
    if (!fast) return PyObject_Vectorcall(f->slow, args, nargsf, kwnames);
    PyObject *r = PyObject_Vectorcall(f->fast, args, nargsf, kwnames);
    if (r || !PyErr_ExceptionMatches(PyExc_TypeError)) return r;
    /* the method refused its arguments (it checks them before doing anything): the function
     * says why in its own words (argument positions count the input) */
    PyErr_Clear();
    return PyObject_Vectorcall(f->slow, args, nargsf, kwnames);
}

static PyObject *
fast_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *fast, *slow, *name;
    int any_first = 0;
    static char *names[] = {"fast", "slow", "name", "any_first", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOU|p:_FastFunction", names, &fast, &slow,
                                     &name, &any_first)) {
        return NULL;
    }
    if (!PyCallable_Check(fast) || !PyCallable_Check(slow)) {
        PyErr_SetString(PyExc_TypeError, "_FastFunction(): fast and slow must be callable");
        return NULL;
    }
    FastFunction *f = (FastFunction *)type->tp_alloc(type, 0);
    if (!f) return NULL;
    f->fast = Py_NewRef(fast);
    f->slow = Py_NewRef(slow);
    f->name = Py_NewRef(name);
    f->dict = NULL;
    f->any_first = any_first;
    f->vectorcall = fast_vectorcall;
    return (PyObject *)f;
}

static int
fast_traverse(PyObject *op, visitproc visit, void *arg)
{
    FastFunction *f = (FastFunction *)op;
    Py_VISIT(f->fast);
    Py_VISIT(f->slow);
    Py_VISIT(f->dict);
    return 0;
}

static int
fast_clear(PyObject *op)
{
    FastFunction *f = (FastFunction *)op;
    Py_CLEAR(f->fast);
    Py_CLEAR(f->slow);
    Py_CLEAR(f->dict);
    return 0;
}

static void
fast_dealloc(PyObject *op)
{
    FastFunction *f = (FastFunction *)op;
    PyObject_GC_UnTrack(op);
    fast_clear(op);
    Py_CLEAR(f->name);
    Py_TYPE(op)->tp_free(op);
}

static PyObject *
fast_repr(PyObject *op)
{
    return PyUnicode_FromFormat("<function %U>", ((FastFunction *)op)->name);
}

static PyObject *
get_name(PyObject *op, void *closure)
{
    (void)closure;
    return Py_NewRef(((FastFunction *)op)->name);
}

static PyObject *
get_wrapped(PyObject *op, void *closure)
{
    (void)closure;
    return Py_NewRef(((FastFunction *)op)->slow);
}

static PyGetSetDef fast_getset[] = {
    {"__name__", get_name, NULL, NULL, NULL},
    {"__qualname__", get_name, NULL, NULL, NULL},
    {"__wrapped__", get_wrapped, NULL, NULL, NULL},
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject FastFunction_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pytorchlite._C._FastFunction",
    .tp_basicsize = sizeof(FastFunction),
    .tp_dealloc = fast_dealloc,
    .tp_vectorcall_offset = offsetof(FastFunction, vectorcall),
    .tp_repr = fast_repr,
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "A torch.* function: its C method for the common form, Python for the rest.",
    .tp_traverse = fast_traverse,
    .tp_clear = fast_clear,
    .tp_getset = fast_getset,
    .tp_dictoffset = offsetof(FastFunction, dict),
    .tp_new = fast_new,
};

int
plpy_fastfn_init(PyObject *module)
{
    if (PyType_Ready(&FastFunction_Type) < 0) return -1;
    return PyModule_AddObjectRef(module, "_FastFunction", (PyObject *)&FastFunction_Type);
}
