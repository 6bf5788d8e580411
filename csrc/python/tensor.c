/* tensor.c — the _C.TensorBase type: lifetime, wrapping core tensors, attributes (getset),
 * construction. Operators live in number.c, methods in methods.c and methods_math.c, indexing
 * in indexing.c. */
#include "args.h"
#include "plpy.h"

PyTypeObject *plpy_TensorBase = NULL;
PyTypeObject *plpy_TensorClass = NULL;
PyTypeObject *plpy_SizeClass = NULL;
pl_dtype plpy_default_dtype = PL_FLOAT32;
static PyObject *dtype_objects[PL_NUM_DTYPES];
#define SELF_T(op) (((PlTensorObject *)(op))->t)
static PyObject *grad_fn_factory = NULL; /* Python callable (name, node capsule) -> object */

/* ---- wrap / unwrap ---- */

PyObject *
plpy_wrap(pl_tensor *t)
{
    if (!t) return plpy_raise();
    if (t->pyobj) {
        PyObject *o = (PyObject *)t->pyobj;
        Py_INCREF(o);
        pl_tensor_release(t); /* the wrapper already owns a reference */
        return o;
    }
    PyTypeObject *type = plpy_TensorClass ? plpy_TensorClass : plpy_TensorBase;
    PlTensorObject *self = (PlTensorObject *)type->tp_alloc(type, 0);
    if (!self) {
        pl_tensor_release(t);
        return NULL;
    }
    self->t = t;
    t->pyobj = self;
    return (PyObject *)self;
}

pl_tensor *
plpy_unwrap(PyObject *obj)
{
    if (!plpy_is_tensor(obj)) {
        PyErr_Format(PyExc_TypeError, "expected Tensor as argument, but got %s", Py_TYPE(obj)->tp_name);
        return NULL;
    }
    return ((PlTensorObject *)obj)->t;
}

/* GC support: user hooks may hold the tensor that holds them (a reference cycle through the
 * core); autograd.c follows those links. */
static int
tensor_traverse(PyObject *op, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(op));
    return plpy_autograd_traverse(((PlTensorObject *)op)->t, visit, arg);
}

static int
tensor_clear(PyObject *op)
{
    plpy_autograd_clear(((PlTensorObject *)op)->t);
    return 0;
}

static void
tensor_dealloc(PyObject *op)
{
    PlTensorObject *self = (PlTensorObject *)op;
    PyTypeObject *tp = Py_TYPE(op);
    PyObject_GC_UnTrack(op);
    if (self->weakreflist) PyObject_ClearWeakRefs(op);
    if (self->t) {
        if (self->t->pyobj == self) self->t->pyobj = NULL;
        pl_tensor_release(self->t);
        self->t = NULL;
    }
    tp->tp_free(op);
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) Py_DECREF(tp);
}

/* A new object of `type` (a subclass of TensorBase) for core tensor t, stealing t. Unlike
 * plpy_wrap, the object is always new: t must not have a wrapper yet. */
PyObject *
plpy_wrap_as(PyTypeObject *type, pl_tensor *t)
{
    if (!t) return plpy_raise();
    PlTensorObject *self = (PlTensorObject *)type->tp_alloc(type, 0);
    if (!self) {
        pl_tensor_release(t);
        return NULL;
    }
    self->t = t;
    t->pyobj = self;
    return (PyObject *)self;
}

/* The legacy constructor's own error for a device other than the CPU. */
static int
legacy_check_device(PyObject *device)
{
    if (device == Py_None || PyLong_Check(device)) return plpy_check_device(device, 0);
    PyObject *s = PyObject_Str(device);
    if (!s) return -1;
    const char *d = PyUnicode_AsUTF8(s);
    int rc = d ? 0 : -1;
    if (d && strcmp(d, "cpu") && strncmp(d, "cpu:", 4)) {
        char type[32];
        size_t len = strcspn(d, ":");
        if (len >= sizeof type) len = sizeof type - 1;
        memcpy(type, d, len);
        type[len] = '\0';
        PyErr_Format(PyExc_RuntimeError,
                     "legacy constructor expects device type: cpu but device type: %s was passed", type);
        rc = -1;
    }
    Py_DECREF(s);
    return rc;
}

/* PyTorch's TypeError for keywords no form of the legacy constructor takes (bad_keyword the
 * first of them), built by pytorchlite._legacy as for the legacy types. Always NULL. */
static void *
legacy_invalid_arguments(PyObject *args, PyObject *kwds, PyObject *bad_keyword)
{
    PyObject *why = PyUnicode_FromFormat("some of the keywords were incorrect: %S", bad_keyword);
    PyObject *mod = why ? PyImport_ImportModule("pytorchlite._legacy") : NULL;
    PyObject *exc = mod ? PyObject_CallMethod(mod, "_invalid_arguments", "OOO", args, kwds, why)
                        : NULL;
    Py_XDECREF(mod);
    Py_XDECREF(why);
    if (exc) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

/* The core tensor of PyTorch's legacy constructor torch.Tensor(*args): () -> an empty
 * tensor of shape (0,); (sequence or array) -> data; (Tensor) -> an alias of it; (*sizes) ->
 * uninitialised, all of the default dtype. New reference, or NULL with an exception set. */
static pl_tensor *
legacy_new(PyObject *args, PyObject *kwds)
{
    if (kwds && PyDict_GET_SIZE(kwds) > 0) {
        PyObject *key, *value;
        Py_ssize_t pos = 0;
        while (PyDict_Next(kwds, &pos, &key, &value)) {
            if (!PyUnicode_Check(key) || PyUnicode_CompareWithASCIIString(key, "device") != 0)
                return legacy_invalid_arguments(args, kwds, key);
            if (legacy_check_device(value) < 0) return NULL;
        }
    }
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    pl_dtype dtype = plpy_default_dtype; /* torch.Tensor is the default tensor type */
    if (n == 0) {
        int64_t zero = 0;
        pl_tensor *t = pl_tensor_empty(1, &zero, dtype);
        if (!t) plpy_raise();
        return t;
    }
    PyObject *first = PyTuple_GET_ITEM(args, 0);
    if (n == 1 && plpy_is_tensor(first)) {
        pl_tensor *t = pl_tensor_alias(SELF_T(first));
        if (!t) plpy_raise();
        return t;
    }
    if (n == 1 && (PyFloat_Check(first) || PyBool_Check(first) || PyComplex_Check(first))) {
        PyErr_Format(PyExc_TypeError, "new(): data must be a sequence (got %s)", Py_TYPE(first)->tp_name);
        return NULL;
    }
    PyObject *obj;
    bool is_size = plpy_SizeClass && PyObject_TypeCheck(first, plpy_SizeClass);
    /* an unsized integer (a 0-d integer array) is a size; other 0-d arrays are data */
    bool is_number = PyLong_Check(first);
    if (!is_number && PyIndex_Check(first) && PySequence_Check(first) && PySequence_Size(first) < 0) {
        PyErr_Clear();
        PyObject *index = PyNumber_Index(first);
        is_number = index != NULL;
        Py_XDECREF(index);
        PyErr_Clear();
    }
    if (n == 1 && !is_size && !is_number && PySequence_Check(first)) {
        if (PyUnicode_Check(first) || PyBytes_Check(first)) {
            PyErr_Format(PyExc_TypeError, "new(): invalid data type '%s'", Py_TYPE(first)->tp_name);
            return NULL;
        }
        obj = plpy_tensor_from_data_as(first, dtype);
    } else {
        int64_t shape[PL_MAX_DIMS];
        PyObject *size = n == 1 && is_number ? PyNumber_Index(first) : NULL; /* a 0-d array as int */
        if (n == 1 && is_number && !size) return NULL;
        int nd = plpy_parse_shape(size ? &size : &PyTuple_GET_ITEM(args, 0), n, shape);
        Py_XDECREF(size);
        if (nd < 0) return NULL;
        pl_tensor *t = pl_tensor_empty(nd, shape, dtype);
        if (!t) plpy_raise();
        return t;
    }
    if (!obj) return NULL;
    pl_tensor *t = pl_tensor_alias(SELF_T(obj)); /* the new tensor's only other owner goes */
    Py_DECREF(obj);
    if (!t) plpy_raise();
    return t;
}

/* tp_new: every Tensor object holds a valid core tensor from its creation on, so no method
 * ever sees an empty object (TensorBase.__new__(Tensor), subclasses, object.__new__ refused). */
static PyObject *
tensor_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (type == plpy_TensorBase) {
        PyErr_SetString(PyExc_RuntimeError,
                        "Cannot directly construct TensorBase; subclass it and then construct that");
        return NULL;
    }
    pl_tensor *t = legacy_new(args, kwds);
    return t ? plpy_wrap_as(type, t) : NULL;
}

/* ---- dtypes ---- */

PyObject *
plpy_dtype_object(pl_dtype dtype)
{
    return dtype_objects[dtype];
}

int
plpy_dtype_from_object(PyObject *obj, pl_dtype dflt, pl_dtype *out)
{
    if (!obj || obj == Py_None) {
        *out = dflt;
        return 0;
    }
    for (int i = 0; i < PL_NUM_DTYPES; i++) {
        if (dtype_objects[i] == obj) {
            *out = (pl_dtype)i;
            return 0;
        }
    }
    if (obj == (PyObject *)&PyFloat_Type) { *out = PL_FLOAT64; return 0; }
    if (obj == (PyObject *)&PyLong_Type) { *out = PL_INT64; return 0; }
    if (obj == (PyObject *)&PyBool_Type) { *out = PL_BOOL; return 0; }
    PyObject *r = PyObject_Repr(obj);
    PyErr_Format(PyExc_TypeError, "pytorchlite supports the dtypes bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32 and float64; got %S", r ? r : obj);
    Py_XDECREF(r);
    return -1;
}

/* ---- shapes ---- */

static PyObject *
make_size(int ndim, const int64_t *shape)
{
    PyTypeObject *type = plpy_SizeClass ? plpy_SizeClass : &PyTuple_Type;
    PyObject *s = type == &PyTuple_Type ? PyTuple_New(ndim) : type->tp_alloc(type, ndim);
    if (!s) return NULL;
    for (int i = 0; i < ndim; i++) {
        PyObject *v = PyLong_FromLongLong(shape[i]);
        if (!v) {
            Py_DECREF(s);
            return NULL;
        }
        PyTuple_SET_ITEM(s, i, v);
    }
    return s;
}

PyObject *
plpy_make_size(int ndim, const int64_t *shape)
{
    return make_size(ndim, shape);
}

int
plpy_parse_shape(PyObject *const *args, Py_ssize_t nargs, int64_t *shape)
{
    if (nargs == 1 && !PyLong_Check(args[0]) && PySequence_Check(args[0]) && !plpy_is_tensor(args[0])) {
        PyObject *seq = plpy_snapshot(args[0], "size must be a sequence of ints");
        if (!seq) return -1;
        Py_ssize_t n = PyTuple_GET_SIZE(seq);
        if (n > PL_MAX_DIMS) {
            Py_DECREF(seq);
            PyErr_Format(PyExc_RuntimeError, "tensors with more than %d dimensions are not supported", PL_MAX_DIMS);
            return -1;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *o = PyTuple_GET_ITEM(seq, i);
            if (PyFloat_Check(o) || !PyIndex_Check(o)) {
                PyErr_Format(PyExc_TypeError,
                             "empty(): argument 'size' (position 1) must be tuple of ints, but found "
                             "element of type %s at pos %zd", Py_TYPE(o)->tp_name, i);
                Py_DECREF(seq);
                return -1;
            }
            if (plpy_as_int64(o, 0, &shape[i]) < 0) {
                Py_DECREF(seq);
                return -1;
            }
        }
        Py_DECREF(seq);
        return (int)n;
    }
    if (nargs > PL_MAX_DIMS) {
        PyErr_Format(PyExc_RuntimeError, "tensors with more than %d dimensions are not supported", PL_MAX_DIMS);
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        if (PyFloat_Check(args[i]) || !PyIndex_Check(args[i])) {
            PyErr_Format(PyExc_TypeError,
                         "empty() received an invalid combination of arguments - got (%s), but "
                         "expected one of:\n * (tuple of ints size)", Py_TYPE(args[i])->tp_name);
            return -1;
        }
        if (plpy_as_int64(args[i], 0, &shape[i]) < 0) return -1;
    }
    return (int)nargs;
}

/* ---- attributes ---- */

static PyObject *
get_shape(PyObject *op, void *c)
{
    (void)c;
    pl_tensor *t = SELF_T(op);
    return make_size(t->ndim, t->shape);
}

static PyObject *
get_dtype(PyObject *op, void *c)
{
    (void)c;
    PyObject *d = dtype_objects[SELF_T(op)->dtype];
    if (!d) Py_RETURN_NONE;
    Py_INCREF(d);
    return d;
}

static PyObject *
get_ndim(PyObject *op, void *c)
{
    (void)c;
    return PyLong_FromLong(SELF_T(op)->ndim);
}

static PyObject *
get_requires_grad(PyObject *op, void *c)
{
    (void)c;
    pl_view_refresh_if_stale(SELF_T(op));
    return PyBool_FromLong(SELF_T(op)->requires_grad);
}

static int
set_requires_grad(PyObject *op, PyObject *v, void *c)
{
    (void)c;
    pl_tensor *t = SELF_T(op);
    if (!v) {
        PyErr_SetString(PyExc_RuntimeError, "requires_grad must be a bool"); /* PyTorch's */
        return -1;
    }
    int b = PyObject_IsTrue(v);
    if (b < 0) return -1;
    if (!PyBool_Check(v)) {
        PyErr_SetString(PyExc_TypeError, "requires_grad must be a bool");
        return -1;
    }
    if (t->grad_fn && !b) {
        PyErr_SetString(PyExc_RuntimeError,
                        "you can only change requires_grad flags of leaf variables. If you want to "
                        "use a computed variable in a subgraph that doesn't require differentiation "
                        "use var_no_grad = var.detach().");
        return -1;
    }
    if (b && !pl_dtype_is_floating(t->dtype)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "only Tensors of floating point and complex dtype can require gradients");
        return -1;
    }
    if (pl_check_inference_requires_grad(t, b) != PL_OK) return plpy_raise_int();
    if (!t->grad_fn) t->requires_grad = b;
    return 0;
}

static PyObject *
get_grad(PyObject *op, void *c)
{
    (void)c;
    pl_tensor *t = SELF_T(op);
    pl_tensor *g = t->grad;
    if (!g && t->grad_fn && !t->retains_grad) {
        if (PyErr_WarnEx(PyExc_UserWarning,
                         "The .grad attribute of a Tensor that is not a leaf Tensor is being "
                         "accessed. Its .grad attribute won't be populated during "
                         "autograd.backward(). If you indeed want the .grad field to be populated "
                         "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
                         "access the non-leaf Tensor by mistake, make sure you access the leaf "
                         "Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more "
                         "information.", 1) < 0) {
            return NULL;
        }
    }
    if (!g) Py_RETURN_NONE;
    return plpy_wrap(pl_tensor_retain(g));
}

static int
set_grad(PyObject *op, PyObject *v, void *c)
{
    (void)c;
    pl_tensor *t = SELF_T(op);
    if (!v || v == Py_None) {
        pl_tensor_release(t->grad);
        t->grad = NULL;
        return 0;
    }
    pl_tensor *g = plpy_unwrap(v);
    if (!g) {
        PyErr_Format(PyExc_TypeError, "assigned grad expected to be a Tensor or None but got grad of type %s",
                     Py_TYPE(v)->tp_name);
        return -1;
    }
    if (g->dtype != t->dtype) {
        PyErr_SetString(PyExc_TypeError, "assigned grad has data of a different type");
        return -1;
    }
    if (!pl_same_shape(g, t)) {
        char gs[128], ts[128];
        pl_format_shape(gs, sizeof gs, g->ndim, g->shape);
        pl_format_shape(ts, sizeof ts, t->ndim, t->shape);
        PyErr_Format(PyExc_RuntimeError,
                     "attempting to assign a gradient of size '%s' to a tensor of size '%s'. Please "
                     "ensure that the gradient and the tensor are the same size", gs, ts);
        return -1;
    }
    pl_tensor_retain(g);
    pl_tensor_release(t->grad);
    t->grad = g;
    return 0;
}

static PyObject *
get_grad_fn(PyObject *op, void *c)
{
    (void)c;
    pl_view_refresh_if_stale(SELF_T(op)); /* a view whose base was written in place */
    pl_node *n = SELF_T(op)->grad_fn;
    if (!n) Py_RETURN_NONE;
    return plpy_wrap_node(n);
}

/* ._base: the tensor a view op's result views (the root of a chain of views), else None */
static PyObject *
get_base(PyObject *op, void *c)
{
    (void)c;
    pl_tensor *base = SELF_T(op)->base;
    if (!base) Py_RETURN_NONE;
    return plpy_wrap(pl_tensor_retain(base));
}

static PyObject *
get_is_leaf(PyObject *op, void *c)
{
    (void)c;
    pl_view_refresh_if_stale(SELF_T(op));
    return PyBool_FromLong(SELF_T(op)->grad_fn == NULL);
}

static PyObject *
get_data(PyObject *op, void *c)
{
    (void)c;
    /* .data has its own version counter, as in PyTorch (detach() shares it) */
    return plpy_wrap(pl_tensor_alias_unversioned(SELF_T(op)));
}

static int
set_data(PyObject *op, PyObject *v, void *c)
{
    (void)c;
    if (!v) {
        PyErr_SetString(PyExc_RuntimeError, "Deleting tensor data is not allowed. Delete tensor instead!");
        return -1;
    }
    if (!plpy_is_tensor(v)) {
        PyErr_Format(PyExc_TypeError, "Variable data has to be a tensor, but got %s", Py_TYPE(v)->tp_name);
        return -1;
    }
    pl_tensor *src = SELF_T(v);
    pl_tensor *t = SELF_T(op);
    /* t takes src's storage and geometry; its identity and autograd flags stay */
    src->storage->refcount++;
    pl_storage_release(t->storage);
    t->storage = src->storage;
    t->offset = src->offset;
    t->numel = src->numel;
    t->ndim = src->ndim;
    t->dtype = src->dtype;
    memcpy(t->shape, src->shape, sizeof t->shape);
    memcpy(t->strides, src->strides, sizeof t->strides);
    return 0;
}

static PyObject *
get_version(PyObject *op, void *c)
{
    (void)c;
    return PyLong_FromUnsignedLong(SELF_T(op)->storage->version);
}

static PyObject *
get_is_cpu(PyObject *op, void *c)
{
    (void)op, (void)c;
    Py_RETURN_TRUE;
}

static PyObject *
get_false(PyObject *op, void *c)
{
    (void)op, (void)c;
    Py_RETURN_FALSE;
}

static PyObject *
get_retains_grad(PyObject *op, void *c)
{
    (void)c;
    return PyBool_FromLong(SELF_T(op)->retains_grad);
}

static PyGetSetDef tensor_getset[] = {
    {"shape", get_shape, NULL, "the size of the tensor, as a torch.Size", NULL},
    {"dtype", get_dtype, NULL, NULL, NULL},
    {"ndim", get_ndim, NULL, NULL, NULL},
    {"requires_grad", get_requires_grad, set_requires_grad, NULL, NULL},
    {"grad", get_grad, set_grad, NULL, NULL},
    {"grad_fn", get_grad_fn, NULL, NULL, NULL},
    {"is_leaf", get_is_leaf, NULL, NULL, NULL},
    {"_base", get_base, NULL, NULL, NULL},
    {"data", get_data, set_data, NULL, NULL},
    {"_version", get_version, NULL, NULL, NULL},
    {"is_cpu", get_is_cpu, NULL, NULL, NULL},
    {"is_cuda", get_false, NULL, NULL, NULL},
    {"is_sparse", get_false, NULL, NULL, NULL},
    {"is_quantized", get_false, NULL, NULL, NULL},
    {"is_meta", get_false, NULL, NULL, NULL},
    {"retains_grad", get_retains_grad, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static Py_ssize_t
tensor_len(PyObject *op)
{
    pl_tensor *t = SELF_T(op);
    if (t->ndim == 0) {
        PyErr_SetString(PyExc_TypeError, "len() of a 0-d tensor");
        return -1;
    }
    return (Py_ssize_t)t->shape[0];
}

static Py_hash_t
tensor_hash(PyObject *op)
{
    return _Py_HashPointer(op);
}

static PyObject *
tensor_iter(PyObject *op)
{
    pl_tensor *t = SELF_T(op);
    if (t->ndim == 0) {
        PyErr_SetString(PyExc_TypeError, "iteration over a 0-d tensor");
        return NULL;
    }
    return PySeqIter_New(op);
}

extern PyObject *plpy_tensor_getitem(PyObject *self, PyObject *key);
extern int plpy_tensor_setitem(PyObject *self, PyObject *key, PyObject *value);
extern PyMethodDef plpy_tensor_methods[];

static PyObject *
sq_item(PyObject *op, Py_ssize_t i)
{
    pl_tensor *t = SELF_T(op);
    if (t->ndim > 0 && (i >= t->shape[0])) {
        PyErr_Format(PyExc_IndexError, "index %zd is out of bounds for dimension 0 with size %lld", i,
                     (long long)t->shape[0]);
        return NULL;
    }
    return plpy_wrap(pl_select(t, 0, i));
}

static PyType_Slot tensor_slots[] = {
    {Py_tp_dealloc, tensor_dealloc},
    {Py_tp_new, tensor_new},
    {Py_tp_getset, tensor_getset},
    {Py_tp_methods, NULL}, /* filled in at init */
    {Py_tp_hash, tensor_hash},
    {Py_tp_iter, tensor_iter},
    {Py_mp_length, tensor_len},
    {Py_mp_subscript, plpy_tensor_getitem},
    {Py_mp_ass_subscript, plpy_tensor_setitem},
    {Py_sq_item, sq_item},
    {Py_tp_traverse, tensor_traverse}, /* GC: hooks that hold their tensor (autograd.c) */
    {Py_tp_clear, tensor_clear},
    {0, NULL},
};

static PyMemberDef tensor_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(PlTensorObject, weakreflist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

extern PyMethodDef plpy_tensor_math_methods[];
extern PyType_Slot plpy_number_slots[]; /* number.c */

/* The type's one method table: methods.c's entries followed by methods_math.c's. Lives as
 * long as the process (types keep pointers into it). */
static PyMethodDef *
all_methods(void)
{
    static PyMethodDef *table = NULL;
    if (table) return table;
    size_t a = 0, b = 0;
    while (plpy_tensor_methods[a].ml_name) a++;
    while (plpy_tensor_math_methods[b].ml_name) b++;
    table = PyMem_Calloc(a + b + 1, sizeof(PyMethodDef));
    if (!table) return NULL;
    memcpy(table, plpy_tensor_methods, a * sizeof(PyMethodDef));
    memcpy(table + a, plpy_tensor_math_methods, b * sizeof(PyMethodDef));
    return table;
}

int
plpy_tensor_type_init(PyObject *module)
{
    PyMethodDef *methods = all_methods();
    if (!methods) {
        PyErr_NoMemory();
        return -1;
    }
    for (PyType_Slot *s = tensor_slots; s->slot; s++) {
        if (s->slot == Py_tp_methods) s->pfunc = methods;
    }
    PyType_Slot slots[64];
    int n = 0;
    for (PyType_Slot *s = tensor_slots; s->slot; s++) slots[n++] = *s;
    for (PyType_Slot *s = plpy_number_slots; s->slot; s++) slots[n++] = *s;
    slots[n++] = (PyType_Slot){Py_tp_members, tensor_members};
    slots[n] = (PyType_Slot){0, NULL};
    PyType_Spec spec = {
        .name = "pytorchlite._C.TensorBase",
        .basicsize = sizeof(PlTensorObject),
        .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
        .slots = slots,
    };
    plpy_TensorBase = (PyTypeObject *)PyType_FromModuleAndSpec(module, &spec, NULL);
    if (!plpy_TensorBase) return -1;
    return PyModule_AddObjectRef(module, "TensorBase", (PyObject *)plpy_TensorBase);
}

/* _C._register(Tensor, Size, dtypes, grad_fn_factory): the Python classes the binding uses */
PyObject *
plpy_register(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    (void)mod;
    if (nargs != 4 || !PyType_Check(args[0]) || !PyType_Check(args[1]) || !PyList_Check(args[2]) ||
        PyList_GET_SIZE(args[2]) != PL_NUM_DTYPES) {
        PyErr_SetString(PyExc_TypeError, "_register(Tensor, Size, dtypes in the core's order, grad_fn_factory)");
        return NULL;
    }
    Py_XSETREF(plpy_TensorClass, (PyTypeObject *)Py_NewRef(args[0]));
    Py_XSETREF(plpy_SizeClass, (PyTypeObject *)Py_NewRef(args[1]));
    for (int i = 0; i < PL_NUM_DTYPES; i++) {
        Py_XSETREF(dtype_objects[i], Py_NewRef(PyList_GET_ITEM(args[2], i)));
    }
    Py_XSETREF(grad_fn_factory, Py_NewRef(args[3]));
    Py_RETURN_NONE;
}

PyObject *
plpy_grad_fn_factory(void)
{
    return grad_fn_factory;
}
