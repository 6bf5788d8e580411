/* indexing.c — Tensor.__getitem__ / __setitem__: ints, slices, None, Ellipsis, and advanced
 * indices (int64 or bool tensors, lists, Python bools), any number of them per subscript.
 *
 * The basic items are applied first as views (select, slice, unsqueeze), as PyTorch does; the
 * advanced ones are then gathered or assigned in one go by the core (ops/index_adv.c). */
#include "args.h"
#include "plpy.h"

#define T PLPY_T
#define MAX_ITEMS 64

static const char invalid_index_msg[] =
    "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
    "indices (got %s)";

/* Converts a list / tuple index to an index tensor (new ref), or NULL with an exception: a
 * flat list of ints (or of bools: a mask) directly, anything nested through tensor(); the
 * result is a bool mask when the data is all bools, else int64 (floats are truncated, as
 * PyTorch's index conversion does). */
static pl_tensor *
sequence_index(PyObject *obj)
{
    PyObject *seq = plpy_snapshot(obj, "index must be a sequence"); /* __index__ may edit obj */
    if (!seq) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(seq);
    bool all_bool = n > 0, flat = true;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PyTuple_GET_ITEM(seq, i);
        all_bool = all_bool && PyBool_Check(o);
        flat = flat && (PyLong_Check(o) || (PyIndex_Check(o) && !plpy_is_tensor(o)));
    }
    if (!flat) {
        Py_DECREF(seq);
        PyObject *t = plpy_tensor_from_data(obj);
        if (!t) return NULL;
        pl_tensor *r = T(t);
        r = r->dtype == PL_BOOL || r->dtype == PL_INT64 ? pl_tensor_retain(r)
                                                         : pl_to_dtype(r, PL_INT64);
        Py_DECREF(t);
        if (!r) plpy_raise();
        return r;
    }
    int64_t len = n;
    pl_tensor *t = pl_tensor_empty(1, &len, all_bool ? PL_BOOL : PL_INT64);
    if (!t) {
        Py_DECREF(seq);
        plpy_raise();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PyTuple_GET_ITEM(seq, i);
        if (all_bool) {
            ((uint8_t *)t->storage->data)[i] = o == Py_True;
            continue;
        }
        int64_t v;
        if (plpy_as_int64(o, 0, &v) < 0) {
            Py_DECREF(seq);
            pl_tensor_release(t);
            return NULL;
        }
        ((int64_t *)t->storage->data)[i] = v;
    }
    Py_DECREF(seq);
    return t;
}

static bool
is_sequence_index(PyObject *k)
{
    return PySequence_Check(k) && !PyUnicode_Check(k) && !PyBytes_Check(k) && !plpy_is_tensor(k);
}

/* A list key holding sequences, tensors, slices, None or Ellipsis stands for a tuple (PyTorch's
 * deprecated NumPy rule); 1 when it does (after warning), 0 when not, -1 on error. */
static int
list_as_tuple(PyObject *key)
{
    if (!PyList_Check(key)) return 0;
    Py_ssize_t n = PyList_GET_SIZE(key);
    if (n >= 32) return 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PyList_GET_ITEM(key, i);
        if (plpy_is_tensor(o) || is_sequence_index(o) || PySlice_Check(o) || o == Py_Ellipsis ||
            o == Py_None) {
            if (PyErr_WarnEx(PyExc_UserWarning,
                             "Using a non-tuple sequence for multidimensional indexing is "
                             "deprecated and will be changed in pytorch 2.9; use x[tuple(seq)] "
                             "instead of x[seq]. In pytorch 2.9 this will be interpreted as tensor "
                             "index, x[torch.tensor(seq)], which will result either in an error or "
                             "a different result", 1) < 0) {
                return -1;
            }
            return 1;
        }
    }
    return 0;
}

/* The advanced indices of a subscript, in order, with the dim of the basic view each starts at. */
typedef struct adv_list {
    int n;
    pl_tensor *t[MAX_ITEMS]; /* owned: int64 or bool */
    int dim[MAX_ITEMS];
} adv_list;

static void
adv_clear(adv_list *adv)
{
    for (int i = 0; i < adv->n; i++) pl_tensor_release(adv->t[i]);
    adv->n = 0;
}

/* Dims of the basic view an index covers. */
static int
adv_span(const pl_tensor *ix)
{
    return ix->dtype == PL_BOOL ? ix->ndim : 1;
}

/* Applies the basic items of key to self and returns that view (new ref); collects the
 * advanced items in adv. */
static pl_tensor *
apply_index(PyObject *self, PyObject *key, adv_list *adv)
{
    PyObject *items[MAX_ITEMS];
    pl_tensor *conv[MAX_ITEMS] = {NULL}; /* advanced items as tensors (owned) */
    Py_ssize_t n;
    adv->n = 0;
    PyObject *tuple = NULL;
    int as_tuple = list_as_tuple(key);
    if (as_tuple < 0) return NULL;
    if (as_tuple) {
        tuple = PySequence_Tuple(key);
        if (!tuple) return NULL;
        key = tuple;
    }
    if (PyTuple_Check(key)) {
        n = PyTuple_GET_SIZE(key);
        if (n > MAX_ITEMS) {
            Py_XDECREF(tuple);
            PyErr_SetString(PyExc_IndexError, "too many indices");
            return NULL;
        }
        for (Py_ssize_t i = 0; i < n; i++) items[i] = PyTuple_GET_ITEM(key, i);
    } else {
        n = 1;
        items[0] = key;
    }
    pl_tensor *t = T(self);
    pl_tensor *cur = NULL;
    /* convert the advanced items and count the dims the key consumes, to expand an Ellipsis */
    int consumed = 0;
    bool has_ellipsis = false;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *k = items[i];
        if (k == Py_Ellipsis) {
            if (has_ellipsis) {
                PyErr_SetString(PyExc_IndexError,
                                "an index can only have a single ellipsis ('...')");
                goto fail;
            }
            has_ellipsis = true;
            continue;
        }
        if (k == Py_None || PyBool_Check(k)) continue;
        if (plpy_is_tensor(k)) {
            pl_tensor *kt = T(k);
            if (kt->dtype != PL_INT64 && kt->dtype != PL_BOOL) {
                PyErr_SetString(PyExc_IndexError,
                                "tensors used as indices must be long, int, byte or bool tensors");
                goto fail;
            }
            if (kt->ndim == 0 && kt->dtype == PL_BOOL) continue; /* as a Python bool */
            if (kt->ndim > 0) conv[i] = pl_tensor_retain(kt);
        } else if (is_sequence_index(k)) {
            conv[i] = sequence_index(k);
            if (!conv[i]) goto fail;
        }
        consumed += conv[i] ? adv_span(conv[i]) : 1;
    }
    if (consumed > t->ndim) {
        PyErr_Format(PyExc_IndexError, "too many indices for tensor of dimension %d", t->ndim);
        goto fail;
    }
    cur = pl_tensor_retain(t);
    int dim = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *k = items[i];
        pl_tensor *next = NULL;
        if (conv[i]) {
            if (adv->n == MAX_ITEMS) {
                PyErr_SetString(PyExc_IndexError, "too many indices");
                goto fail;
            }
            adv->t[adv->n] = conv[i];
            adv->dim[adv->n++] = dim;
            dim += adv_span(conv[i]);
            conv[i] = NULL;
            continue;
        }
        bool is_bool = PyBool_Check(k) ||
                       (plpy_is_tensor(k) && T(k)->ndim == 0 && T(k)->dtype == PL_BOOL);
        if (k == Py_Ellipsis) {
            dim += t->ndim - consumed;
            continue;
        } else if (k == Py_None) {
            next = pl_unsqueeze(cur, dim);
            dim++;
        } else if (is_bool) {
            /* a new dim of size 1, indexed by [0] (True) or by nothing (False) */
            bool truth = PyBool_Check(k) ? k == Py_True : pl_tensor_get_double(T(k), 0) != 0;
            int64_t len = truth ? 1 : 0;
            pl_tensor *ix = pl_tensor_zeros(1, &len, PL_INT64);
            if (!ix || adv->n == MAX_ITEMS) {
                pl_tensor_release(ix);
                if (!PyErr_Occurred()) plpy_raise();
                goto fail;
            }
            adv->t[adv->n] = ix;
            adv->dim[adv->n++] = dim;
            next = pl_unsqueeze(cur, dim);
            dim++;
        } else if (PyLong_Check(k) || (PyIndex_Check(k) && !plpy_is_tensor(k)) ||
                   (plpy_is_tensor(k) && T(k)->ndim == 0)) {
            int64_t v;
            if (plpy_is_tensor(k)) v = pl_tensor_get_int64(T(k), 0);
            else if (plpy_as_int64(k, 0, &v) < 0) goto fail;
            int64_t size = cur->shape[dim];
            if (v < -size || v >= size) {
                /* PyTorch names the position of the item in the subscript */
                PyErr_Format(PyExc_IndexError, "index %lld is out of bounds for dimension %zd with "
                             "size %lld", (long long)v, i, (long long)size);
                goto fail;
            }
            next = pl_select(cur, dim, v);
        } else if (PySlice_Check(k)) {
            Py_ssize_t start, stop, step;
            if (PySlice_Unpack(k, &start, &stop, &step) < 0) goto fail;
            if (step <= 0) {
                PyErr_SetString(PyExc_ValueError, "step must be greater than zero");
                goto fail;
            }
            int64_t size = cur->shape[dim];
            if (start == 0 && stop >= size && step == 1) {
                dim++; /* a slice over the whole dim is no op, as in PyTorch */
                continue;
            }
            next = pl_slice(cur, dim, start, stop, step);
            dim++;
        } else {
            PyErr_Format(PyExc_IndexError, invalid_index_msg, Py_TYPE(k)->tp_name);
            goto fail;
        }
        pl_tensor_release(cur);
        cur = next;
        if (!cur) {
            plpy_raise();
            goto fail;
        }
    }
    Py_XDECREF(tuple);
    if (cur == t) {
        /* nothing applied (x[...], x[:], x[()]): still a new view, as PyTorch's alias */
        pl_tensor *a = pl_alias_view(t);
        pl_tensor_release(cur);
        cur = a;
        if (!cur) {
            plpy_raise();
            adv_clear(adv);
        }
    }
    return cur;
fail:
    for (Py_ssize_t i = 0; i < n; i++) pl_tensor_release(conv[i]);
    pl_tensor_release(cur);
    adv_clear(adv);
    Py_XDECREF(tuple);
    return NULL;
}

/* The core's index list for the view v: NULL for each dim taken whole, the index tensors where
 * they start. Returns the number of entries. Borrowed tensors. */
static int
index_entries(const adv_list *adv, pl_tensor **entries)
{
    int n = 0, dim = 0;
    for (int i = 0; i < adv->n; i++) {
        while (dim < adv->dim[i] && n < MAX_ITEMS) {
            entries[n++] = NULL;
            dim++;
        }
        if (n == MAX_ITEMS) break;
        entries[n++] = adv->t[i];
        dim += adv_span(adv->t[i]);
    }
    return n;
}

/* The single int64 index over dim 0 that index_select serves directly. */
static bool
is_leading_select(const adv_list *adv)
{
    return adv->n == 1 && adv->dim[0] == 0 && adv->t[0]->dtype == PL_INT64;
}

PyObject *
plpy_tensor_getitem(PyObject *self, PyObject *key)
{
    /* fast path: t[int] */
    if (PyLong_CheckExact(key)) {
        int64_t v;
        if (plpy_as_int64(key, 0, &v) < 0) return NULL;
        return plpy_wrap(pl_select(T(self), 0, v));
    }
    adv_list adv;
    pl_tensor *v = apply_index(self, key, &adv);
    if (!v) return NULL;
    if (adv.n == 0) return plpy_wrap(v);
    pl_tensor *r;
    pl_tensor *idx = adv.t[0];
    if (is_leading_select(&adv) && idx->ndim == 1) {
        r = pl_index_select(v, 0, idx, true); /* the common x[idx]: whole rows at once */
    } else {
        pl_tensor *entries[MAX_ITEMS];
        int n = index_entries(&adv, entries);
        r = pl_index(v, n, entries);
    }
    pl_tensor_release(v);
    adv_clear(&adv);
    return plpy_wrap(r);
}

int
plpy_tensor_setitem(PyObject *self, PyObject *key, PyObject *value)
{
    if (!value) {
        PyErr_SetString(PyExc_TypeError, "'Tensor' object does not support item deletion");
        return -1;
    }
    pl_tensor *t = T(self);
    adv_list adv;
    pl_tensor *v = apply_index(self, key, &adv);
    if (!v) return -1;
    /* PyTorch writes through the view a basic index makes: a leaf's error names the view */
    if (pl_check_inplace(adv.n == 0 && v != t ? v : t) != PL_OK) {
        pl_tensor_release(v);
        adv_clear(&adv);
        return plpy_raise_int();
    }
    pl_tensor *src = plpy_is_tensor(value) ? pl_tensor_retain(T(value)) : plpy_scalar_tensor(value);
    if (!src) {
        if (!PyErr_Occurred()) {
            PyErr_Format(PyExc_TypeError, "can't assign a %s to a %s tensor", Py_TYPE(value)->tp_name,
                         pl_dtype_name(t->dtype));
        }
        pl_tensor_release(v);
        adv_clear(&adv);
        return -1;
    }
    /* autograd records the write when either side has history (CopySlices on the base of a
     * view, IndexPutBackward0 for advanced indices) */
    bool record = pl_grad_enabled() && pl_dtype_is_floating(t->dtype) &&
                  (v->requires_grad || src->requires_grad || (v->base && v->base->requires_grad));
    pl_status st;
    /* a tensor value must have the destination's dtype, except a 0-dim one under one mask */
    bool mask_fill = adv.n == 1 && adv.t[0]->dtype == PL_BOOL && src->ndim == 0;
    if (adv.n > 0 && plpy_is_tensor(value) && src->dtype != t->dtype && !mask_fill) {
        st = pl_error_set(PL_ERR_RUNTIME,
                          "Index put requires the source and destination dtypes match, got %s for "
                          "the destination and %s for the source.",
                          plpy_dtype_title(t->dtype), plpy_dtype_title(src->dtype));
    } else if (adv.n == 0 && record) {
        st = pl_copy_(v, src);
    } else if (adv.n == 0) {
        st = pl_check_no_partial_overlap(v, src);
        if (st == PL_OK) st = pl_copy_raw(v, src);
    } else if (record) {
        pl_tensor *entries[MAX_ITEMS];
        int n = index_entries(&adv, entries);
        /* no basic items: the write is t's own (IndexPutBackward0), not a view's (CopySlices) */
        bool whole = v->offset == t->offset && v->ndim == t->ndim &&
                     memcmp(v->shape, t->shape, sizeof(int64_t) * t->ndim) == 0 &&
                     memcmp(v->strides, t->strides, sizeof(int64_t) * t->ndim) == 0;
        st = pl_index_put_recorded(whole ? t : v, n, entries, src);
    } else if (is_leading_select(&adv) && adv.t[0]->ndim <= 1) {
        st = pl_index_put_(v, adv.t[0], src);
    } else {
        pl_tensor *entries[MAX_ITEMS];
        int n = index_entries(&adv, entries);
        st = pl_index_put(v, n, entries, src);
    }
    if (st == PL_OK && !record) pl_tensor_bump_version(t);
    pl_tensor_release(v);
    pl_tensor_release(src);
    adv_clear(&adv);
    return st == PL_OK ? 0 : plpy_raise_int();
}
