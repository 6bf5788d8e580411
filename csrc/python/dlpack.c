/* dlpack.c — the DLPack bridge: Tensor.__dlpack__ / __dlpack_device__ (export) and
 * _C._from_dlpack (import), zero-copy both ways.
 *
 * Export: the capsule ("dltensor", or "dltensor_versioned" when the consumer asks for
 * max_version >= (1, 0)) holds an export_ctx that owns a reference to the tensor's storage.
 * Whoever ends the exchange calls the managed tensor's deleter exactly once: the consumer
 * (which renames the capsule "used_dltensor..." as it takes it), or the capsule's destructor
 * when nobody consumed it.
 *
 * Import: a storage wraps the producer's memory; its deleter calls the producer's deleter
 * once, when the last tensor viewing it dies. The capsule is renamed "used_..." at the moment
 * the storage takes ownership, so a capsule can be consumed only once.
 *
 * Ownership: every PyObject * returned is a NEW reference or NULL with an exception set.
 */
#include "args.h"
#include "dlpack.h"
#include "plpy.h"

/* ---- dtypes: the one table (adding a dtype to the core is a line here) ---- */

static const struct {
    pl_dtype dtype;
    uint8_t code;
    uint8_t bits;
} dtype_table[] = {
    {PL_BOOL, PL_DL_BOOL, 8},
    {PL_INT64, PL_DL_INT, 64},
    {PL_FLOAT32, PL_DL_FLOAT, 32},
    {PL_FLOAT64, PL_DL_FLOAT, 64},
    {PL_UINT8, PL_DL_UINT, 8},
    {PL_INT8, PL_DL_INT, 8},
    {PL_INT16, PL_DL_INT, 16},
    {PL_INT32, PL_DL_INT, 32},
    {PL_FLOAT16, PL_DL_FLOAT, 16},
    {PL_BFLOAT16, PL_DL_BFLOAT, 16},
};
#define DTYPE_COUNT ((int)(sizeof dtype_table / sizeof dtype_table[0]))

/* "float16", "uint8", "complex64"... for error messages */
static void
dl_dtype_name(pl_dl_dtype dt, char *buf, size_t size)
{
    static const char *const codes[] = {"int", "uint", "float", "opaque", "bfloat", "complex", "bool"};
    if (dt.code < sizeof codes / sizeof codes[0]) {
        snprintf(buf, size, "%s%u", codes[dt.code], (unsigned)dt.bits);
    } else {
        snprintf(buf, size, "type code %u with %u bits", (unsigned)dt.code, (unsigned)dt.bits);
    }
    if (dt.lanes != 1) {
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, " x%u lanes", (unsigned)dt.lanes);
    }
}

static int
dtype_from_dl(pl_dl_dtype dt, pl_dtype *out)
{
    for (int i = 0; dt.lanes == 1 && i < DTYPE_COUNT; i++) {
        if (dtype_table[i].code == dt.code && dtype_table[i].bits == dt.bits) {
            *out = dtype_table[i].dtype;
            return 0;
        }
    }
    char name[64];
    dl_dtype_name(dt, name, sizeof name);
    PyErr_Format(PyExc_TypeError,
                 "from_dlpack: pytorchlite does not support the DLPack dtype %s yet (supported: "
                 "float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8 and bool)",
                 name);
    return -1;
}

static int
dtype_to_dl(pl_dtype dtype, pl_dl_dtype *out)
{
    for (int i = 0; i < DTYPE_COUNT; i++) {
        if (dtype_table[i].dtype == dtype) {
            *out = (pl_dl_dtype){dtype_table[i].code, dtype_table[i].bits, 1};
            return 0;
        }
    }
    PyErr_Format(PyExc_BufferError, "DLPack has no entry for dtype %s", pl_dtype_name(dtype));
    return -1;
}

/* ---- export ---- */

static const char LEGACY[] = "dltensor";
static const char VERSIONED[] = "dltensor_versioned";
static const char USED_LEGACY[] = "used_dltensor";
static const char USED_VERSIONED[] = "used_dltensor_versioned";

typedef struct {
    union {
        pl_dl_managed legacy;
        pl_dl_managed_versioned versioned;
    } m; /* first member: the managed tensor's address is the context's */
    int64_t shape[PL_MAX_DIMS];
    int64_t strides[PL_MAX_DIMS];
    pl_storage *storage; /* owned reference: keeps the exported bytes alive */
} export_ctx;

static void
export_ctx_free(export_ctx *c)
{
    if (!Py_IsInitialized()) return; /* interpreter gone: leak rather than touch it */
    PyGILState_STATE g = PyGILState_Ensure(); /* storage refcounts are guarded by the GIL */
    pl_storage_release(c->storage);
    PyGILState_Release(g);
    free(c);
}

static void
export_deleter_legacy(pl_dl_managed *self)
{
    export_ctx_free((export_ctx *)self->manager_ctx);
}

static void
export_deleter_versioned(pl_dl_managed_versioned *self)
{
    export_ctx_free((export_ctx *)self->manager_ctx);
}

/* Capsule destructors: call the deleter unless a consumer took the tensor (renamed it). The
 * caller's pending exception, if any, is kept. */
static void
capsule_free_legacy(PyObject *cap)
{
    if (!PyCapsule_IsValid(cap, LEGACY)) return; /* consumed: the consumer owns it now */
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    pl_dl_managed *m = PyCapsule_GetPointer(cap, LEGACY);
    if (m && m->deleter) m->deleter(m);
    PyErr_Restore(et, ev, tb);
}

static void
capsule_free_versioned(PyObject *cap)
{
    if (!PyCapsule_IsValid(cap, VERSIONED)) return;
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    pl_dl_managed_versioned *m = PyCapsule_GetPointer(cap, VERSIONED);
    if (m && m->deleter) m->deleter(m);
    PyErr_Restore(et, ev, tb);
}

/* A capsule sharing t's memory (a copy of it when copy is set). */
static PyObject *
export_capsule(pl_tensor *t, bool versioned, bool copy)
{
    pl_dl_dtype dt;
    if (dtype_to_dl(t->dtype, &dt) < 0) return NULL;
    pl_tensor *src = copy ? pl_clone(t) : pl_tensor_retain(t);
    if (!src) return plpy_raise();
    export_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        pl_tensor_release(src);
        return PyErr_NoMemory();
    }
    for (int i = 0; i < src->ndim; i++) {
        c->shape[i] = src->shape[i];
        c->strides[i] = src->strides[i];
    }
    c->storage = src->storage;
    c->storage->refcount++;
    /* PyTorch's layout: data points at element 0, byte_offset 0; NULL for no elements */
    pl_dl_tensor dl = {
        .data = src->numel ? pl_tensor_data(src) : NULL,
        .device = {PL_DL_CPU, 0},
        .ndim = src->ndim,
        .dtype = dt,
        .shape = c->shape,
        .strides = c->strides,
        .byte_offset = 0,
    };
    pl_tensor_release(src);
    if (versioned) {
        c->m.versioned = (pl_dl_managed_versioned){
            .version = {PL_DLPACK_MAJOR, PL_DLPACK_MINOR},
            .manager_ctx = c,
            .deleter = export_deleter_versioned,
            .flags = copy ? PL_DL_FLAG_IS_COPIED : 0,
            .dl_tensor = dl,
        };
    } else {
        c->m.legacy = (pl_dl_managed){.dl_tensor = dl, .manager_ctx = c, .deleter = export_deleter_legacy};
    }
    PyObject *cap = PyCapsule_New(&c->m, versioned ? VERSIONED : LEGACY,
                                  versioned ? capsule_free_versioned : capsule_free_legacy);
    if (!cap) export_ctx_free(c);
    return cap;
}

/* The dl_device argument: None or a (device_type, device_id) pair naming the CPU. */
static int
check_dl_device(PyObject *dev)
{
    if (!dev || dev == Py_None) return 0;
    PyObject *seq = PySequence_Fast(dev, "dl_device must be a (device_type, device_id) tuple");
    if (!seq) return -1;
    long type = -1, id = -1;
    if (PySequence_Fast_GET_SIZE(seq) == 2) {
        type = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, 0));
        id = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, 1));
    }
    Py_DECREF(seq);
    if (PyErr_Occurred()) return -1;
    if (type != PL_DL_CPU || id != 0) {
        PyErr_Format(PyExc_BufferError,
                     "pytorchlite tensors live on the CPU: cannot export to DLPack device %R", dev);
        return -1;
    }
    return 0;
}

/* copy: None/False share, True copies */
static int
parse_copy(PyObject *obj, bool *copy)
{
    *copy = false;
    if (!obj || obj == Py_None) return 0;
    int r = PyObject_IsTrue(obj);
    if (r < 0) return -1;
    *copy = r;
    return 0;
}

/* Tensor.__dlpack__(*, stream=None, max_version=None, dl_device=None, copy=None) */
static PyObject *
t_dlpack(PLPY_ARGS)
{
    static const char *const names[] = {"stream", "max_version", "dl_device", "copy", NULL};
    PyObject *a[4];
    if (nargs > 0) {
        PyErr_Format(PyExc_TypeError, "__dlpack__() takes 0 positional arguments but %zd were given", nargs);
        return NULL;
    }
    if (plpy_parse("__dlpack__", args, nargs, kwnames, names, a) < 0) return NULL;
    pl_tensor *t = PLPY_T(self);
    if (t->requires_grad) {
        PyErr_SetString(PyExc_BufferError, "Can't export tensors that require gradient, use tensor.detach()");
        return NULL;
    }
    PyObject *stream = a[0];
    if (stream && stream != Py_None) {
        if (!PyLong_CheckExact(stream)) {
            PyErr_SetString(PyExc_TypeError, "stream must be ``int`` or ``none``");
            return NULL;
        }
        long s = PyLong_AsLong(stream);
        if (s == -1 && PyErr_Occurred()) return NULL;
        if (s != -1) {
            PyErr_SetString(PyExc_AssertionError, "stream should be None on cpu.");
            return NULL;
        }
    }
    bool versioned = false;
    if (a[1] && a[1] != Py_None) {
        PyObject *major = PySequence_GetItem(a[1], 0);
        if (!major) return NULL;
        long v = PyLong_AsLong(major);
        Py_DECREF(major);
        if (v == -1 && PyErr_Occurred()) return NULL;
        versioned = v >= 1;
    }
    bool copy;
    if (check_dl_device(a[2]) < 0 || parse_copy(a[3], &copy) < 0) return NULL;
    return export_capsule(t, versioned, copy);
}

/* Tensor.__dlpack_device__() -> (DLDeviceType.kDLCPU, 0), the enum from pytorchlite.utils.dlpack */
static PyObject *
t_dlpack_device(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    static PyObject *cpu = NULL; /* owned for the process's life */
    if (!cpu) {
        PyObject *mod = PyImport_ImportModule("pytorchlite.utils.dlpack");
        PyObject *enum_cls = mod ? PyObject_GetAttrString(mod, "DLDeviceType") : NULL;
        Py_XDECREF(mod);
        cpu = enum_cls ? PyObject_GetAttrString(enum_cls, "kDLCPU") : NULL;
        Py_XDECREF(enum_cls);
        if (!cpu) return NULL;
    }
    return Py_BuildValue("(Oi)", cpu, 0);
}

/* _C._to_dlpack(tensor, *, dl_device=None, copy=None): the legacy "dltensor" capsule
 * (torch.utils.dlpack.to_dlpack). Refuses what __dlpack__ refuses. */
static PyObject *
f_to_dlpack(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)m;
    static const char *const names[] = {"tensor", "dl_device", "copy", NULL};
    PyObject *a[3];
    if (plpy_parse("to_dlpack", args, nargs, kwnames, names, a) < 0) return NULL;
    pl_tensor *t = a[0] ? plpy_unwrap(a[0]) : NULL;
    if (!t) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "to_dlpack() missing required argument 'tensor'");
        return NULL;
    }
    if (t->requires_grad) {
        PyErr_SetString(PyExc_BufferError, "Can't export tensors that require gradient, use tensor.detach()");
        return NULL;
    }
    bool copy;
    if (check_dl_device(a[1]) < 0 || parse_copy(a[2], &copy) < 0) return NULL;
    return export_capsule(t, false, copy);
}

/* ---- import ---- */

static void
import_deleter_legacy(void *ctx, void *data)
{
    (void)data;
    pl_dl_managed *m = ctx;
    if (!m->deleter || !Py_IsInitialized()) return;
    PyGILState_STATE g = PyGILState_Ensure();
    m->deleter(m);
    PyGILState_Release(g);
}

static void
import_deleter_versioned(void *ctx, void *data)
{
    (void)data;
    pl_dl_managed_versioned *m = ctx;
    if (!m->deleter || !Py_IsInitialized()) return;
    PyGILState_STATE g = PyGILState_Ensure();
    m->deleter(m);
    PyGILState_Release(g);
}

static PyObject *
invalid_capsule(void)
{
    PyErr_SetString(PyExc_RuntimeError,
                    "from_dlpack received an invalid capsule. Note that DLTensor capsules can be "
                    "consumed only once, so you might have already constructed a tensor from it once.");
    return NULL;
}

/* Checks dl and computes the view it describes; the bytes it spans go to *nbytes. */
static int
describe(const pl_dl_tensor *dl, pl_dtype *dtype, int64_t *shape, int64_t *strides, int64_t *nbytes)
{
    if (dl->device.device_type != PL_DL_CPU) {
        PyErr_Format(PyExc_BufferError,
                     "from_dlpack: pytorchlite tensors live on the CPU; this tensor is on DLPack "
                     "device (%d, %d)", (int)dl->device.device_type, (int)dl->device.device_id);
        return -1;
    }
    if (dtype_from_dl(dl->dtype, dtype) < 0) return -1;
    if (dl->ndim < 0 || dl->ndim > PL_MAX_DIMS) {
        PyErr_Format(PyExc_ValueError, "from_dlpack: tensors with %d dimensions are not supported "
                     "(at most %d)", (int)dl->ndim, PL_MAX_DIMS);
        return -1;
    }
    int64_t numel = 1;
    for (int i = 0; i < dl->ndim; i++) {
        shape[i] = dl->shape[i];
        if (shape[i] < 0) {
            PyErr_SetString(PyExc_ValueError, "from_dlpack: negative dimension in the DLPack shape");
            return -1;
        }
        if (__builtin_mul_overflow(numel, shape[i], &numel)) numel = INT64_MAX;
    }
    if (dl->strides) {
        for (int i = 0; i < dl->ndim; i++) strides[i] = dl->strides[i];
    } else {
        pl_contiguous_strides(dl->ndim, shape, strides);
    }
    int64_t extent = numel ? 1 : 0; /* elements from the first to one past the last */
    for (int i = 0; numel && i < dl->ndim; i++) {
        if (strides[i] < 0) {
            PyErr_SetString(PyExc_ValueError, "from_dlpack: tensors with negative strides are not supported");
            return -1;
        }
        int64_t span;
        if (__builtin_mul_overflow(shape[i] - 1, strides[i], &span) ||
            __builtin_add_overflow(extent, span, &extent)) {
            PyErr_SetString(PyExc_ValueError, "from_dlpack: the DLPack tensor spans more memory than can be addressed");
            return -1;
        }
    }
    if (__builtin_mul_overflow(extent, (int64_t)pl_dtype_size(*dtype), nbytes)) {
        PyErr_SetString(PyExc_ValueError, "from_dlpack: the DLPack tensor spans more memory than can be addressed");
        return -1;
    }
    if (numel && !dl->data) {
        PyErr_SetString(PyExc_ValueError, "from_dlpack: the DLPack tensor has elements but no data pointer");
        return -1;
    }
    return 0;
}

/* _C._from_dlpack(capsule): a tensor sharing the capsule's memory; the capsule is consumed. */
static PyObject *
f_from_dlpack(PyObject *m, PyObject *cap)
{
    (void)m;
    bool versioned = PyCapsule_IsValid(cap, VERSIONED);
    if (!versioned && !PyCapsule_IsValid(cap, LEGACY)) return invalid_capsule();
    void *managed = PyCapsule_GetPointer(cap, versioned ? VERSIONED : LEGACY);
    if (!managed) return NULL;
    const pl_dl_tensor *dl;
    if (versioned) {
        pl_dl_managed_versioned *mv = managed;
        if (mv->version.major != PL_DLPACK_MAJOR) {
            /* another layout: only the deleter may be touched (the specification says so) */
            unsigned major = mv->version.major, minor = mv->version.minor;
            if (PyCapsule_SetName(cap, USED_VERSIONED) < 0) return NULL;
            if (mv->deleter) mv->deleter(mv);
            PyErr_Format(PyExc_BufferError, "from_dlpack: unsupported DLPack version %u.%u (pytorchlite "
                         "reads version %d.x)", major, minor, PL_DLPACK_MAJOR);
            return NULL;
        }
        /* Note: a read-only tensor (PL_DL_FLAG_READ_ONLY) is shared all the same, as PyTorch does. */
        dl = &mv->dl_tensor;
    } else {
        dl = &((pl_dl_managed *)managed)->dl_tensor;
    }
    pl_dtype dtype;
    int64_t shape[PL_MAX_DIMS], strides[PL_MAX_DIMS], nbytes;
    if (describe(dl, &dtype, shape, strides, &nbytes) < 0) return NULL; /* capsule untouched */
    char *data = dl->data ? (char *)dl->data + dl->byte_offset : NULL;
    pl_storage *st = pl_storage_wrap(data, nbytes, versioned ? import_deleter_versioned : import_deleter_legacy,
                                     managed);
    if (!st) return plpy_raise();
    /* from here the storage owns the managed tensor: its deleter runs when the storage dies */
    if (PyCapsule_SetName(cap, versioned ? USED_VERSIONED : USED_LEGACY) < 0) {
        st->deleter = NULL; /* the capsule still owns it */
        pl_storage_release(st);
        return NULL;
    }
    pl_tensor *t = pl_tensor_view_of(st, dtype, dl->ndim, shape, strides, 0);
    pl_storage_release(st); /* the view holds it, or (on failure) the deleter ran */
    return plpy_wrap(t);
}

/* ---- registration ---- */

static PyMethodDef tensor_dlpack_methods[] = {
    {"__dlpack__", PLPY_FASTCALL(t_dlpack), METH_FASTCALL | METH_KEYWORDS,
     "__dlpack__(*, stream=None, max_version=None, dl_device=None, copy=None) -> PyCapsule\n\n"
     "A DLPack capsule sharing this tensor's memory (the array API's exchange protocol)."},
    {"__dlpack_device__", t_dlpack_device, METH_NOARGS,
     "__dlpack_device__() -> (DLDeviceType.kDLCPU, 0)"},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef dlpack_functions[] = {
    {"_to_dlpack", PLPY_FASTCALL(f_to_dlpack), METH_FASTCALL | METH_KEYWORDS, NULL},
    {"_from_dlpack", f_from_dlpack, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

/* Adds __dlpack__ / __dlpack_device__ to TensorBase and the functions to the module. */
int
plpy_dlpack_init(PyObject *module)
{
    for (PyMethodDef *d = tensor_dlpack_methods; d->ml_name; d++) {
        PyObject *descr = PyDescr_NewMethod(plpy_TensorBase, d);
        if (!descr) return -1;
        int r = PyObject_SetAttrString((PyObject *)plpy_TensorBase, d->ml_name, descr);
        Py_DECREF(descr);
        if (r < 0) return -1;
    }
    return PyModule_AddFunctions(module, dlpack_functions);
}
