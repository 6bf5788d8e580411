/* autocast.c — the binding of CPU autocast (core/autocast.h): the state torch.autocast sets,
 * the cast helper the C entry points of autocast's ops call, and _C._autocast_cast for the ops
 * written in Python.
 *
 * Why this shape: in PyTorch autocast is a dispatcher key in front of every listed op. Here
 * the listed ops enter through a handful of C functions (matmul, mm, @, _linear, addmm,
 * _conv, _conv_nd, cat, stack) and through Python wrappers (losses, linalg, baddbmm ...).
 * Each C entry tests the thread-local flag once (pl_autocast_on) and only inside an autocast
 * region calls plpy_autocast_cast; the Python wrappers carry a decorator
 * (pytorchlite/amp/_policy.py) that tests the same flag. Outside autocast the cost of an op is
 * that one test.
 *
 *   _C._autocast_on() -> bool                       this thread's CPU autocast flag
 *   _C._autocast_state() -> (enabled, dtype, cache_enabled)
 *   _C._autocast_set(enabled, dtype, cache_enabled)  None leaves a field as it is
 *   _C._autocast_nesting(delta) -> int              the depth after adding delta
 *   _C._autocast_clear_cache() -> None
 *   _C._autocast_cast(policy, *args) -> tuple       args with their tensors cast for policy
 *       (0 lower precision, 1 float32, 2 promote); tensors inside a list or tuple argument
 *       are cast too (cat's and stack's sequences), other values pass through
 *   _C._AutocastOp(fn, policy, run)                 a Python op on a list: calls fn as given
 *       outside autocast (one flag test, through vectorcall), run(policy, fn, args, kwargs)
 *       inside; binds as a method; functools.update_wrapper gives it fn's name and doc
 */
#include "plpy.h"

int
plpy_autocast_cast(pl_autocast_policy policy, pl_tensor **ts, int n)
{
    pl_dtype to;
    if (pl_autocast_target(policy, ts, n, &to) != PL_OK) return plpy_raise_int();
    for (int i = 0; i < n; i++) {
        if (!ts[i]) continue;
        pl_tensor *c = pl_autocast_cast(ts[i], to);
        if (!c) {
            for (int j = 0; j < i; j++) pl_tensor_release(ts[j]);
            return plpy_raise_int();
        }
        ts[i] = c;
    }
    return 0;
}

void
plpy_autocast_release(pl_tensor **ts, int n)
{
    for (int i = 0; i < n; i++) pl_tensor_release(ts[i]);
}

PyObject *
plpy_autocast_binary(pl_tensor *(*op)(pl_tensor *, pl_tensor *), pl_tensor *a, pl_tensor *b)
{
    pl_tensor *c[2] = {a, b};
    if (plpy_autocast_cast(PL_AUTOCAST_LOWER, c, 2) < 0) return NULL;
    pl_tensor *r = op(c[0], c[1]);
    plpy_autocast_release(c, 2);
    return plpy_wrap(r);
}

static PyObject *
f_on(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    return PyBool_FromLong(pl_autocast_on());
}

static PyObject *
f_state(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    return Py_BuildValue("(OOO)", pl_autocast_on() ? Py_True : Py_False,
                         plpy_dtype_object(pl_autocast_dtype()),
                         pl_autocast_cache_on() ? Py_True : Py_False);
}

static PyObject *
f_set(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_autocast_set(enabled, dtype, cache_enabled)");
        return NULL;
    }
    pl_dtype dtype = pl_autocast_dtype();
    if (args[1] != Py_None && plpy_dtype_from_object(args[1], dtype, &dtype) < 0) return NULL;
    int enabled = args[0] == Py_None ? pl_autocast_on() : PyObject_IsTrue(args[0]);
    int cache = args[2] == Py_None ? pl_autocast_cache_on() : PyObject_IsTrue(args[2]);
    if (enabled < 0 || cache < 0) return NULL;
    pl_autocast_set_on(enabled);
    pl_autocast_set_dtype(dtype);
    pl_autocast_set_cache_on(cache);
    Py_RETURN_NONE;
}

static PyObject *
f_nesting(PyObject *m, PyObject *arg)
{
    (void)m;
    long d = PyLong_AsLong(arg);
    if (d == -1 && PyErr_Occurred()) return NULL;
    return PyLong_FromLong(pl_autocast_nesting_add((int)d));
}

static PyObject *
f_clear_cache(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    pl_autocast_clear_cache();
    Py_RETURN_NONE;
}

/* Appends the core tensors (borrowed) of obj (a Tensor, or the Tensors of a list or tuple) to
 * ts; -1 with ValueError past cap. */
static int
collect(PyObject *obj, pl_tensor **ts, int *n, int cap)
{
    bool seq = PyList_Check(obj) || PyTuple_Check(obj);
    Py_ssize_t k = seq ? PySequence_Fast_GET_SIZE(obj) : 1;
    for (Py_ssize_t i = 0; i < k; i++) {
        PyObject *o = seq ? PySequence_Fast_GET_ITEM(obj, i) : obj; /* borrowed */
        if (!plpy_is_tensor(o)) continue;
        if (*n == cap) {
            PyErr_SetString(PyExc_ValueError, "_autocast_cast: too many tensors to promote");
            return -1;
        }
        ts[(*n)++] = ((PlTensorObject *)o)->t;
    }
    return 0;
}

/* obj with its tensors cast to dtype (NEW reference). */
static PyObject *
cast_value(PyObject *obj, pl_dtype to)
{
    if (plpy_is_tensor(obj)) return plpy_wrap(pl_autocast_cast(((PlTensorObject *)obj)->t, to));
    if (!PyList_Check(obj) && !PyTuple_Check(obj)) return Py_NewRef(obj);
    Py_ssize_t k = PySequence_Fast_GET_SIZE(obj);
    PyObject *out = PyList_Check(obj) ? PyList_New(k) : PyTuple_New(k);
    if (!out) return NULL;
    for (Py_ssize_t i = 0; i < k; i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(obj, i); /* borrowed */
        PyObject *c = plpy_is_tensor(o) ? cast_value(o, to) : Py_NewRef(o);
        if (!c) {
            Py_DECREF(out);
            return NULL;
        }
        if (PyList_Check(out)) PyList_SET_ITEM(out, i, c);
        else PyTuple_SET_ITEM(out, i, c);
    }
    return out;
}

static PyObject *
f_cast(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    long policy = nargs ? PyLong_AsLong(args[0]) : -1;
    if (policy == -1 && PyErr_Occurred()) return NULL;
    if (policy < 0 || policy > 2) {
        PyErr_SetString(PyExc_ValueError, "_autocast_cast(policy, *args): policy is 0, 1 or 2");
        return NULL;
    }
    pl_dtype to = policy == PL_AUTOCAST_FP32 ? PL_FLOAT32 : pl_autocast_dtype();
    if (policy == PL_AUTOCAST_PROMOTE) {
        pl_tensor *ts[64]; /* the promote ops take a few tensors or one sequence of them */
        int n = 0;
        for (Py_ssize_t i = 1; i < nargs; i++) {
            if (collect(args[i], ts, &n, 64) < 0) return NULL;
        }
        if (pl_autocast_promote_dtype(ts, n, &to) != PL_OK) return plpy_raise();
    }
    PyObject *out = PyTuple_New(nargs ? nargs - 1 : 0);
    if (!out) return NULL;
    for (Py_ssize_t i = 1; i < nargs; i++) {
        PyObject *c = cast_value(args[i], to);
        if (!c) {
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, i - 1, c);
    }
    return out;
}

/* ---- _AutocastOp: the decorator of the Python ops on autocast's lists ---- */

typedef struct {
    PyObject_HEAD
    PyObject *fn;     /* owned: the op */
    PyObject *policy; /* owned: 0, 1, 2 or None (see pytorchlite/amp/_policy.py) */
    PyObject *run;    /* owned: run(policy, fn, args, kwargs), the path inside autocast */
    PyObject *dict;   /* owned or NULL: __name__, __doc__, __wrapped__ ... */
    vectorcallfunc vectorcall;
} AutocastOp;

static PyObject *
op_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    AutocastOp *op = (AutocastOp *)self;
    if (!op->fn || !op->run) { /* cleared by the garbage collector while in a cycle */
        PyErr_SetString(PyExc_RuntimeError, "autocast op is being destroyed");
        return NULL;
    }
    if (!pl_autocast_on()) return PyObject_Vectorcall(op->fn, args, nargsf, kwnames);
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    PyObject *pos = PyTuple_New(n), *kw = pos ? PyDict_New() : NULL, *r = NULL;
    if (!kw) goto done;
    for (Py_ssize_t i = 0; i < n; i++) PyTuple_SET_ITEM(pos, i, Py_NewRef(args[i]));
    Py_ssize_t nk = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nk; i++) {
        if (PyDict_SetItem(kw, PyTuple_GET_ITEM(kwnames, i), args[n + i]) < 0) goto done;
    }
    r = PyObject_CallFunctionObjArgs(op->run, op->policy, op->fn, pos, kw, NULL);
done:
    Py_XDECREF(pos);
    Py_XDECREF(kw);
    return r;
}

static PyObject *
op_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *fn, *policy, *run;
    static char *names[] = {"fn", "policy", "run", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOO:_AutocastOp", names, &fn, &policy, &run)) {
        return NULL;
    }
    if (!PyCallable_Check(fn) || !PyCallable_Check(run)) {
        PyErr_SetString(PyExc_TypeError, "_AutocastOp(): fn and run must be callable");
        return NULL;
    }
    AutocastOp *op = (AutocastOp *)type->tp_alloc(type, 0);
    if (!op) return NULL;
    op->fn = Py_NewRef(fn);
    op->policy = Py_NewRef(policy);
    op->run = Py_NewRef(run);
    op->dict = NULL;
    op->vectorcall = op_vectorcall;
    return (PyObject *)op;
}

static int
op_traverse(PyObject *self, visitproc visit, void *arg)
{
    AutocastOp *op = (AutocastOp *)self;
    Py_VISIT(op->fn);
    Py_VISIT(op->policy);
    Py_VISIT(op->run);
    Py_VISIT(op->dict);
    return 0;
}

static int
op_clear(PyObject *self)
{
    AutocastOp *op = (AutocastOp *)self;
    Py_CLEAR(op->fn);
    Py_CLEAR(op->policy);
    Py_CLEAR(op->run);
    Py_CLEAR(op->dict);
    return 0;
}

static void
op_dealloc(PyObject *self)
{
    PyObject_GC_UnTrack(self);
    op_clear(self);
    Py_TYPE(self)->tp_free(self);
}

static PyObject *
op_repr(PyObject *self)
{
    AutocastOp *op = (AutocastOp *)self;
    return op->fn ? PyObject_Repr(op->fn) : PyUnicode_FromString("<autocast op>");
}

/* As a class attribute (Tensor.prod, Tensor.dot) it binds like a function. */
static PyObject *
op_descr_get(PyObject *self, PyObject *obj, PyObject *type)
{
    (void)type;
    if (!obj || obj == Py_None) return Py_NewRef(self);
    return PyMethod_New(self, obj);
}

/* Pickled by reference, as a function: its qualified name in its module. */
static PyObject *
op_reduce(PyObject *self, PyObject *unused)
{
    (void)unused;
    return PyObject_GetAttrString(self, "__qualname__");
}

static PyMethodDef op_methods[] = {
    {"__reduce__", op_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef op_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject AutocastOp_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pytorchlite._C._AutocastOp",
    .tp_basicsize = sizeof(AutocastOp),
    .tp_dealloc = op_dealloc,
    .tp_vectorcall_offset = offsetof(AutocastOp, vectorcall),
    .tp_repr = op_repr,
    .tp_call = PyVectorcall_Call,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
                Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_doc = NULL,
    .tp_traverse = op_traverse,
    .tp_clear = op_clear,
    .tp_methods = op_methods,
    .tp_getset = op_getset,
    .tp_descr_get = op_descr_get,
    .tp_dictoffset = offsetof(AutocastOp, dict),
    .tp_new = op_new,
};

int
plpy_autocast_init(PyObject *module)
{
    if (PyType_Ready(&AutocastOp_Type) < 0) return -1;
    return PyModule_AddObjectRef(module, "_AutocastOp", (PyObject *)&AutocastOp_Type);
}

PyMethodDef plpy_autocast_functions[] = {
    {"_autocast_on", f_on, METH_NOARGS, NULL},
    {"_autocast_state", f_state, METH_NOARGS, NULL},
    {"_autocast_set", (PyCFunction)(void (*)(void))f_set, METH_FASTCALL, NULL},
    {"_autocast_nesting", f_nesting, METH_O, NULL},
    {"_autocast_clear_cache", f_clear_cache, METH_NOARGS, NULL},
    {"_autocast_cast", (PyCFunction)(void (*)(void))f_cast, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL},
};
