/* indexing.c — Tensor.__getitem__ / __setitem__: ints, slices, None, Ellipsis, bools, and one
 * advanced index (an int64 or bool tensor, or a list of ints) per expression. */
#include "args.h"
#include "plpy.h"

#define T(op) (((PlTensorObject *)(op))->t)

/* Converts a list / tuple-of-ints index or a tensor to an index tensor (new ref), or NULL. */
static pl_tensor *
index_tensor(PyObject *obj)
{
    if (plpy_is_tensor(obj)) {
        pl_tensor *t = T(obj);
        if (t->dtype != PL_INT64 && t->dtype != PL_BOOL) {
            PyErr_SetString(PyExc_IndexError, "tensors used as indices must be long, int, byte or bool tensors");
            return NULL;
        }
        return pl_tensor_retain(t);
    }
    PyObject *seq = PySequence_Fast(obj, "index must be a sequence");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    bool all_bool = n > 0;
    for (Py_ssize_t i = 0; i < n; i++) all_bool = all_bool && PyBool_Check(PySequence_Fast_GET_ITEM(seq, i));
    int64_t len = n;
    pl_tensor *t = pl_tensor_empty(1, &len, all_bool ? PL_BOOL : PL_INT64);
    if (!t) {
        Py_DECREF(seq);
        plpy_raise();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
        if (all_bool) {
            ((uint8_t *)t->storage->data)[i] = o == Py_True;
            continue;
        }
        int64_t v;
        if (plpy_as_int64(o, 0, &v) < 0) {
            PyErr_Clear();
            PyErr_SetString(PyExc_IndexError, "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices");
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
is_advanced(PyObject *k)
{
    return plpy_is_tensor(k) || PyList_Check(k);
}

/* Applies the basic part of key to self; returns the view (new ref) and, when the key holds an
 * advanced index, that index (new ref) and the dim it applies to. */
static pl_tensor *
apply_index(PyObject *self, PyObject *key, pl_tensor **adv, int *adv_dim)
{
    PyObject *items[64];
    Py_ssize_t n;
    *adv = NULL;
    *adv_dim = -1;
    if (PyTuple_Check(key)) {
        n = PyTuple_GET_SIZE(key);
        if (n > 64) {
            PyErr_SetString(PyExc_IndexError, "too many indices");
            return NULL;
        }
        for (Py_ssize_t i = 0; i < n; i++) items[i] = PyTuple_GET_ITEM(key, i);
    } else {
        n = 1;
        items[0] = key;
    }
    pl_tensor *t = T(self);
    /* count the dims the key consumes, to expand an Ellipsis */
    int consumed = 0;
    bool has_ellipsis = false;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *k = items[i];
        if (k == Py_Ellipsis) {
            if (has_ellipsis) {
                PyErr_SetString(PyExc_IndexError, "an index can only have a single ellipsis ('...')");
                return NULL;
            }
            has_ellipsis = true;
        } else if (k != Py_None && !PyBool_Check(k)) {
            if (plpy_is_tensor(k) && T(k)->dtype == PL_BOOL) consumed += T(k)->ndim;
            else consumed += 1;
        }
    }
    if (consumed > t->ndim) {
        PyErr_Format(PyExc_IndexError, "too many indices for tensor of dimension %d", t->ndim);
        return NULL;
    }
    pl_tensor *cur = pl_tensor_retain(t);
    int dim = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *k = items[i];
        pl_tensor *next = NULL;
        if (k == Py_Ellipsis) {
            dim += t->ndim - consumed;
            continue;
        } else if (k == Py_None) {
            next = pl_unsqueeze(cur, dim);
            dim++;
        } else if (PyBool_Check(k)) {
            next = pl_unsqueeze(cur, dim);
            if (next && k == Py_False) {
                pl_tensor *e = pl_slice(next, dim, 0, 0, 1);
                pl_tensor_release(next);
                next = e;
            }
            dim++;
        } else if (PyLong_Check(k) || (PyIndex_Check(k) && !plpy_is_tensor(k))) {
            int64_t v;
            if (plpy_as_int64(k, 0, &v) < 0) goto fail;
            next = pl_select(cur, dim, v);
        } else if (PySlice_Check(k)) {
            Py_ssize_t start, stop, step;
            if (PySlice_Unpack(k, &start, &stop, &step) < 0) goto fail;
            if (step <= 0) {
                PyErr_SetString(PyExc_ValueError, "step must be greater than zero");
                goto fail;
            }
            next = pl_slice(cur, dim, start, stop, step);
            dim++;
        } else if (plpy_is_tensor(k) && T(k)->ndim == 0 && T(k)->dtype == PL_INT64) {
            next = pl_select(cur, dim, (int64_t)pl_tensor_get_double(T(k), 0));
        } else if (is_advanced(k)) {
            if (*adv) {
                PyErr_SetString(PyExc_NotImplementedError,
                                "pytorchlite supports one tensor or list index per indexing expression");
                goto fail;
            }
            *adv = index_tensor(k);
            if (!*adv) goto fail;
            *adv_dim = dim;
            dim += (*adv)->dtype == PL_BOOL ? (*adv)->ndim : 1;
            continue;
        } else {
            PyErr_SetString(PyExc_IndexError,
                            "only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                            "Variables are valid indices (got %s)");
            PyErr_Format(PyExc_IndexError,
                         "only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         "Variables are valid indices (got %s)", Py_TYPE(k)->tp_name);
            goto fail;
        }
        pl_tensor_release(cur);
        cur = next;
        if (!cur) {
            plpy_raise();
            goto fail;
        }
    }
    return cur;
fail:
    pl_tensor_release(cur);
    pl_tensor_release(*adv);
    *adv = NULL;
    return NULL;
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
    pl_tensor *adv;
    int adv_dim;
    pl_tensor *v = apply_index(self, key, &adv, &adv_dim);
    if (!v) return NULL;
    if (!adv) return plpy_wrap(v);
    pl_tensor *r;
    if (adv->dtype == PL_BOOL) {
        if (adv_dim != 0) {
            pl_tensor *moved = NULL;
            (void)moved;
            PyErr_SetString(PyExc_NotImplementedError,
                            "pytorchlite supports boolean masks only over the leading dimensions");
            pl_tensor_release(v);
            pl_tensor_release(adv);
            return NULL;
        }
        if (adv->ndim == 0) {
            r = pl_unsqueeze(v, 0);
            if (r && pl_tensor_get_double(adv, 0) == 0) {
                pl_tensor *e = pl_slice(r, 0, 0, 0, 1);
                pl_tensor_release(r);
                r = e;
            }
        } else {
            r = pl_masked_select_rows(v, adv);
        }
    } else if (adv->ndim <= 1) {
        pl_tensor *idx = adv->ndim == 0 ? pl_unsqueeze(adv, 0) : pl_tensor_retain(adv);
        r = idx ? pl_index_select(v, adv_dim, idx, true) : NULL;
        if (r && adv->ndim == 0) {
            pl_tensor *s = pl_squeeze(r, false, adv_dim);
            pl_tensor_release(r);
            r = s;
        }
        pl_tensor_release(idx);
    } else {
        /* a multi-dim index: gather with the flattened index, then restore its shape */
        pl_tensor *ic = pl_contiguous(adv);
        pl_tensor *flat = ic ? pl_view(ic, 1, &adv->numel) : NULL;
        pl_tensor *g = flat ? pl_index_select(v, adv_dim, flat, true) : NULL;
        r = NULL;
        if (g) {
            int64_t shape[PL_MAX_DIMS];
            int nd = 0;
            for (int d = 0; d < adv_dim; d++) shape[nd++] = v->shape[d];
            for (int d = 0; d < adv->ndim && nd < PL_MAX_DIMS; d++) shape[nd++] = adv->shape[d];
            for (int d = adv_dim + 1; d < v->ndim && nd < PL_MAX_DIMS; d++) shape[nd++] = v->shape[d];
            pl_tensor *gc = pl_contiguous(g);
            r = gc ? pl_view(gc, nd, shape) : NULL;
            pl_tensor_release(gc);
        }
        pl_tensor_release(ic);
        pl_tensor_release(flat);
        pl_tensor_release(g);
    }
    pl_tensor_release(v);
    pl_tensor_release(adv);
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
    if (pl_check_inplace(t) != PL_OK) return plpy_raise_int();
    if (pl_grad_enabled() && t->grad_fn) {
        PyErr_SetString(PyExc_NotImplementedError,
                        "pytorchlite does not support assigning into a tensor that is part of an "
                        "autograd graph; assign under torch.no_grad() or to a detached tensor");
        return -1;
    }
    pl_tensor *adv;
    int adv_dim;
    pl_tensor *v = apply_index(self, key, &adv, &adv_dim);
    if (!v) return -1;
    pl_tensor *src = plpy_is_tensor(value) ? pl_tensor_retain(T(value)) : plpy_scalar_tensor(value);
    if (!src) {
        if (!PyErr_Occurred()) {
            PyErr_Format(PyExc_TypeError, "can't assign a %s to a %s tensor", Py_TYPE(value)->tp_name,
                         pl_dtype_name(t->dtype));
        }
        pl_tensor_release(v);
        pl_tensor_release(adv);
        return -1;
    }
    pl_status st;
    if (adv) {
        if (adv_dim != 0) {
            pl_tensor *moved = pl_transpose(v, 0, adv_dim);
            st = moved ? pl_index_put_(moved, adv, src) : pl_error_status();
            pl_tensor_release(moved);
        } else {
            st = pl_index_put_(v, adv, src);
        }
    } else {
        st = pl_copy_raw(v, src);
    }
    if (st == PL_OK) pl_tensor_bump_version(t);
    pl_tensor_release(v);
    pl_tensor_release(adv);
    pl_tensor_release(src);
    return st == PL_OK ? 0 : plpy_raise_int();
}
