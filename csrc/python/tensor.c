/* tensor.c — the _C.TensorBase type: lifetime, wrapping core tensors, attributes (getset),
 * the number protocol (operators) and NumPy interop. Methods live in methods.c, indexing in
 * indexing.c. */
#include "args.h"
#include "plpy.h"

PyTypeObject *plpy_TensorBase = NULL;
PyTypeObject *plpy_TensorClass = NULL;
PyTypeObject *plpy_SizeClass = NULL;
pl_dtype plpy_default_dtype = PL_FLOAT32;
static PyObject *dtype_objects[PL_NUM_DTYPES];
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

static void
tensor_dealloc(PyObject *op)
{
    PlTensorObject *self = (PlTensorObject *)op;
    PyTypeObject *tp = Py_TYPE(op);
    if (self->weakreflist) PyObject_ClearWeakRefs(op);
    if (self->t) {
        if (self->t->pyobj == self) self->t->pyobj = NULL;
        pl_tensor_release(self->t);
        self->t = NULL;
    }
    tp->tp_free(op);
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) Py_DECREF(tp);
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
    PyErr_Format(PyExc_TypeError, "pytorchlite supports the dtypes float32, float64, int64 and bool; got %S", r ? r : obj);
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
        PyObject *seq = PySequence_Fast(args[0], "size must be a sequence of ints");
        if (!seq) return -1;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        if (n > PL_MAX_DIMS) {
            Py_DECREF(seq);
            PyErr_Format(PyExc_RuntimeError, "tensors with more than %d dimensions are not supported", PL_MAX_DIMS);
            return -1;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
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

#define SELF_T(op) (((PlTensorObject *)(op))->t)

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
    return PyBool_FromLong(SELF_T(op)->requires_grad);
}

static int
set_requires_grad(PyObject *op, PyObject *v, void *c)
{
    (void)c;
    pl_tensor *t = SELF_T(op);
    if (!v) {
        PyErr_SetString(PyExc_TypeError, "can't delete requires_grad");
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
    pl_node *n = SELF_T(op)->grad_fn;
    if (!n) Py_RETURN_NONE;
    return plpy_wrap_node(n);
}

static PyObject *
get_is_leaf(PyObject *op, void *c)
{
    (void)c;
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
    pl_tensor *src = v ? plpy_unwrap(v) : NULL;
    if (!src) return -1;
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

/* ---- number protocol ---- */

static PyObject *
binary_op(PyObject *a, PyObject *b, pl_binop op, const char *name)
{
    bool aw, bw;
    pl_tensor *ta = NULL, *tb = NULL;
    if (plpy_is_tensor(a)) {
        ta = pl_tensor_retain(SELF_T(a));
        aw = false;
    } else {
        ta = plpy_scalar_tensor(a);
        aw = true;
    }
    if (plpy_is_tensor(b)) {
        tb = pl_tensor_retain(SELF_T(b));
        bw = false;
    } else {
        tb = plpy_scalar_tensor(b);
        bw = true;
    }
    if (!ta || !tb) {
        pl_tensor_release(ta);
        pl_tensor_release(tb);
        if (PyErr_Occurred()) return NULL;
        Py_RETURN_NOTIMPLEMENTED;
    }
    (void)name;
    pl_tensor *r = pl_binary(op, ta, tb, 1.0, aw, bw);
    pl_tensor_release(ta);
    pl_tensor_release(tb);
    return plpy_wrap(r);
}

static PyObject *nb_add(PyObject *a, PyObject *b) { return binary_op(a, b, PL_ADD, "add"); }
static PyObject *nb_sub(PyObject *a, PyObject *b) { return binary_op(a, b, PL_SUB, "sub"); }
static PyObject *nb_mul(PyObject *a, PyObject *b) { return binary_op(a, b, PL_MUL, "mul"); }

static PyObject *
nb_truediv(PyObject *a, PyObject *b)
{
    if (!plpy_is_tensor(a) && plpy_is_tensor(b)) {
        /* number / tensor is reciprocal(tensor) * number, as PyTorch computes it */
        pl_tensor *rec = pl_unary(PL_RECIPROCAL, SELF_T(b));
        if (!rec) return plpy_raise();
        pl_tensor *k = plpy_scalar_tensor(a);
        if (!k) {
            pl_tensor_release(rec);
            if (PyErr_Occurred()) return NULL;
            Py_RETURN_NOTIMPLEMENTED;
        }
        pl_tensor *r = pl_binary(PL_MUL, rec, k, 1.0, false, true);
        pl_tensor_release(rec);
        pl_tensor_release(k);
        return plpy_wrap(r);
    }
    return binary_op(a, b, PL_DIV, "div");
}

static PyObject *
nb_power(PyObject *a, PyObject *b, PyObject *mod)
{
    if (mod != Py_None) Py_RETURN_NOTIMPLEMENTED;
    if (plpy_is_tensor(a) && !plpy_is_tensor(b) && (PyFloat_Check(b) || PyLong_Check(b)) &&
        !PyBool_Check(b)) {
        double e = PyFloat_AsDouble(b);
        if (e == -1.0 && PyErr_Occurred()) return NULL;
        if (PyLong_Check(b) && e < 0 && !pl_dtype_is_floating(SELF_T(a)->dtype)) {
            PyErr_SetString(PyExc_RuntimeError, "Integers to negative integer powers are not allowed.");
            return NULL;
        }
        return plpy_wrap(pl_pow_scalar(SELF_T(a), e));
    }
    return binary_op(a, b, PL_POW, "pow");
}

static PyObject *
nb_matmul(PyObject *a, PyObject *b)
{
    if (!plpy_is_tensor(a) || !plpy_is_tensor(b)) Py_RETURN_NOTIMPLEMENTED;
    return plpy_wrap(pl_matmul(SELF_T(a), SELF_T(b)));
}

static PyObject *nb_neg(PyObject *a) { return plpy_wrap(pl_unary(PL_NEG, SELF_T(a))); }
static PyObject *nb_abs(PyObject *a) { return plpy_wrap(pl_unary(PL_ABS, SELF_T(a))); }

static PyObject *
nb_pos(PyObject *a)
{
    Py_INCREF(a);
    return a;
}

static PyObject *
inplace_op(PyObject *a, PyObject *b, pl_binop op)
{
    if (!plpy_is_tensor(a)) Py_RETURN_NOTIMPLEMENTED;
    bool bw;
    pl_tensor *tb = plpy_is_tensor(b) ? pl_tensor_retain(SELF_T(b)) : plpy_scalar_tensor(b);
    bw = !plpy_is_tensor(b);
    if (!tb) {
        if (PyErr_Occurred()) return NULL;
        Py_RETURN_NOTIMPLEMENTED;
    }
    pl_status st = pl_binary_(op, SELF_T(a), tb, 1.0, bw);
    pl_tensor_release(tb);
    if (st != PL_OK) return plpy_raise();
    Py_INCREF(a);
    return a;
}

static PyObject *nb_iadd(PyObject *a, PyObject *b) { return inplace_op(a, b, PL_ADD); }
static PyObject *nb_isub(PyObject *a, PyObject *b) { return inplace_op(a, b, PL_SUB); }
static PyObject *nb_imul(PyObject *a, PyObject *b) { return inplace_op(a, b, PL_MUL); }
static PyObject *nb_itruediv(PyObject *a, PyObject *b) { return inplace_op(a, b, PL_DIV); }

static int
nb_bool(PyObject *a)
{
    pl_tensor *t = SELF_T(a);
    if (t->numel != 1) {
        if (t->numel == 0) {
            PyErr_SetString(PyExc_RuntimeError, "Boolean value of Tensor with no values is ambiguous");
        } else {
            PyErr_SetString(PyExc_RuntimeError,
                            "Boolean value of Tensor with more than one value is ambiguous");
        }
        return -1;
    }
    return pl_tensor_get_double(t, 0) != 0;
}

static PyObject *
nb_float(PyObject *a)
{
    pl_tensor *t = SELF_T(a);
    if (t->numel != 1) {
        PyErr_SetString(PyExc_TypeError, "only one element tensors can be converted to Python scalars");
        return NULL;
    }
    return PyFloat_FromDouble(pl_tensor_get_double(t, 0));
}

static PyObject *
nb_int(PyObject *a)
{
    pl_tensor *t = SELF_T(a);
    if (t->numel != 1) {
        PyErr_SetString(PyExc_TypeError, "only one element tensors can be converted to Python scalars");
        return NULL;
    }
    if (t->dtype == PL_INT64) { /* exact: the one element sits at the view's start */
        return PyLong_FromLongLong(*(const int64_t *)pl_tensor_data(t));
    }
    return PyLong_FromDouble(pl_tensor_get_double(t, 0));
}

static PyObject *
nb_index(PyObject *a)
{
    pl_tensor *t = SELF_T(a);
    if (t->numel != 1 || pl_dtype_is_floating(t->dtype)) {
        PyErr_SetString(PyExc_TypeError,
                        "only integer tensors of a single element can be converted to an index");
        return NULL;
    }
    return nb_int(a);
}

static PyObject *
logical_op(PyObject *a, PyObject *b, int which) /* 0 and, 1 or, 2 xor on bool/int tensors */
{
    if (!plpy_is_tensor(a) && !plpy_is_tensor(b)) Py_RETURN_NOTIMPLEMENTED;
    bool aw, bw;
    pl_tensor *ta = plpy_operand(a, &aw, "bitwise"), *tb = ta ? plpy_operand(b, &bw, "bitwise") : NULL;
    if (!tb) {
        pl_tensor_release(ta);
        return NULL;
    }
    if (pl_dtype_is_floating(ta->dtype) || pl_dtype_is_floating(tb->dtype)) {
        pl_tensor_release(ta);
        pl_tensor_release(tb);
        PyErr_SetString(PyExc_RuntimeError, "\"bitwise_and_cpu\" not implemented for 'Float'");
        return NULL;
    }
    pl_tensor *r;
    if (ta->dtype == PL_BOOL && tb->dtype == PL_BOOL) {
        r = which == 0 ? pl_binary(PL_MUL, ta, tb, 1, aw, bw)
            : which == 1 ? pl_binary(PL_ADD, ta, tb, 1, aw, bw) : pl_binary(PL_NE, ta, tb, 1, aw, bw);
    } else {
        /* integer bitwise ops through a plain loop */
        pl_tensor *x = pl_to_dtype(ta, PL_INT64), *y = x ? pl_to_dtype(tb, PL_INT64) : NULL;
        int nd;
        int64_t shape[PL_MAX_DIMS];
        r = NULL;
        if (y && pl_broadcast_shapes(x->ndim, x->shape, y->ndim, y->shape, &nd, shape) == PL_OK) {
            pl_tensor *xe = pl_expand(x, nd, shape), *ye = xe ? pl_expand(y, nd, shape) : NULL;
            r = ye ? pl_tensor_empty(nd, shape, PL_INT64) : NULL;
            for (int64_t i = 0; r && i < r->numel; i++) {
                int64_t u = pl_tensor_get_int64(xe, i), v = pl_tensor_get_int64(ye, i);
                ((int64_t *)r->storage->data)[i] = which == 0 ? (u & v) : which == 1 ? (u | v) : (u ^ v);
            }
            pl_tensor_release(xe);
            pl_tensor_release(ye);
        }
        pl_tensor_release(x);
        pl_tensor_release(y);
    }
    pl_tensor_release(ta);
    pl_tensor_release(tb);
    return plpy_wrap(r);
}
static PyObject *nb_and(PyObject *a, PyObject *b) { return logical_op(a, b, 0); }
static PyObject *nb_or(PyObject *a, PyObject *b) { return logical_op(a, b, 1); }
static PyObject *nb_xor(PyObject *a, PyObject *b) { return logical_op(a, b, 2); }

static PyObject *
nb_invert(PyObject *a)
{
    pl_tensor *t = SELF_T(a);
    if (t->dtype != PL_BOOL) {
        PyErr_SetString(PyExc_RuntimeError, "~ is only supported on bool tensors in pytorchlite");
        return NULL;
    }
    pl_tensor *f = pl_tensor_scalar(0, PL_BOOL);
    pl_tensor *r = f ? pl_binary(PL_EQ, t, f, 1, false, true) : NULL;
    pl_tensor_release(f);
    return plpy_wrap(r);
}

static PyObject *
tensor_richcompare(PyObject *a, PyObject *b, int op)
{
    static const pl_binop map[] = {PL_LT, PL_LE, PL_EQ, PL_NE, PL_GT, PL_GE};
    if (!plpy_is_tensor(a)) Py_RETURN_NOTIMPLEMENTED;
    if (!plpy_is_tensor(b) && !PyNumber_Check(b)) {
        if (op == Py_EQ) Py_RETURN_FALSE;
        if (op == Py_NE) Py_RETURN_TRUE;
        Py_RETURN_NOTIMPLEMENTED;
    }
    return binary_op(a, b, map[op], "compare");
}

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

/* ---- buffer protocol: read-write view of contiguous data (NumPy's np.asarray) ---- */

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
    {Py_tp_getset, tensor_getset},
    {Py_tp_methods, NULL}, /* filled in at init */
    {Py_tp_richcompare, tensor_richcompare},
    {Py_tp_hash, tensor_hash},
    {Py_tp_iter, tensor_iter},
    {Py_nb_add, nb_add},
    {Py_nb_subtract, nb_sub},
    {Py_nb_multiply, nb_mul},
    {Py_nb_true_divide, nb_truediv},
    {Py_nb_power, nb_power},
    {Py_nb_matrix_multiply, nb_matmul},
    {Py_nb_negative, nb_neg},
    {Py_nb_positive, nb_pos},
    {Py_nb_absolute, nb_abs},
    {Py_nb_inplace_add, nb_iadd},
    {Py_nb_inplace_subtract, nb_isub},
    {Py_nb_inplace_multiply, nb_imul},
    {Py_nb_inplace_true_divide, nb_itruediv},
    {Py_nb_bool, nb_bool},
    {Py_nb_float, nb_float},
    {Py_nb_int, nb_int},
    {Py_nb_index, nb_index},
    {Py_nb_and, nb_and},
    {Py_nb_or, nb_or},
    {Py_nb_xor, nb_xor},
    {Py_nb_invert, nb_invert},
    {Py_mp_length, tensor_len},
    {Py_mp_subscript, plpy_tensor_getitem},
    {Py_mp_ass_subscript, plpy_tensor_setitem},
    {Py_sq_item, sq_item},
    {0, NULL},
};

static PyMemberDef tensor_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(PlTensorObject, weakreflist), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

extern PyMethodDef plpy_tensor_math_methods[];

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
    slots[n++] = (PyType_Slot){Py_tp_members, tensor_members};
    slots[n] = (PyType_Slot){0, NULL};
    PyType_Spec spec = {
        .name = "pytorchlite._C.TensorBase",
        .basicsize = sizeof(PlTensorObject),
        .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
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
        PyErr_SetString(PyExc_TypeError, "_register(Tensor, Size, [bool, int64, float32, float64], grad_fn_factory)");
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
