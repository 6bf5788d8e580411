/* optim.c (binding) — the optimizers' fused update rules as _C functions.
 *
 *   _C._sgd_step(params, grads, momentum_buffers, lr, momentum, dampening, weight_decay,
 *                nesterov, maximize) -> list of momentum buffers, or None when momentum == 0
 *   _C._adam_step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr, beta1,
 *                 beta2, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay) -> None
 *   _C._optim_force_reference(flag) -> None   (tests: run the plain reference kernels)
 *
 * Lists hold Tensors (momentum_buffers may hold None for "no buffer yet"). The returned list
 * of buffers holds the existing buffer objects and new Tensors for the ones created.
 */
#include "plpy.h"

/* Borrowed core tensors of the items of a list/tuple; None gives NULL when allow_none.
 * `out` has room for n. Returns 0, or -1 with an exception set. */
static int
unwrap_items(PyObject *seq, const char *what, Py_ssize_t n, pl_tensor **out, bool allow_none)
{
    if (!PyList_Check(seq) && !PyTuple_Check(seq)) {
        PyErr_Format(PyExc_TypeError, "%s must be a list of Tensors", what);
        return -1;
    }
    if (PySequence_Fast_GET_SIZE(seq) != n) {
        PyErr_Format(PyExc_ValueError, "%s has %zd items but there are %zd parameters", what,
                     PySequence_Fast_GET_SIZE(seq), n);
        return -1;
    }
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (allow_none && items[i] == Py_None) {
            out[i] = NULL;
            continue;
        }
        if (!plpy_is_tensor(items[i])) {
            PyErr_Format(PyExc_TypeError, "%s[%zd] must be a Tensor, not %.100s", what, i,
                         Py_TYPE(items[i])->tp_name);
            return -1;
        }
        out[i] = ((PlTensorObject *)items[i])->t;
    }
    return 0;
}

static int
get_double(PyObject *obj, const char *name, double *out)
{
    *out = PyFloat_AsDouble(obj);
    if (*out == -1.0 && PyErr_Occurred()) {
        PyErr_Format(PyExc_TypeError, "%s must be a number", name);
        return -1;
    }
    return 0;
}

static int
check_nargs(const char *fname, Py_ssize_t nargs, Py_ssize_t want)
{
    if (nargs != want) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd positional arguments (%zd given)", fname,
                     want, nargs);
        return -1;
    }
    return 0;
}

/* Room for the per-parameter arrays: on the stack for small groups. */
#define PLPY_OPTIM_SMALL 16

static PyObject *
plpy_sgd_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (check_nargs("_sgd_step", nargs, 9) < 0) {
        return NULL;
    }
    PyObject *params = args[0], *grads = args[1], *bufs_in = args[2];
    pl_sgd_config cfg;
    if (get_double(args[3], "lr", &cfg.lr) < 0 ||
        get_double(args[4], "momentum", &cfg.momentum) < 0 ||
        get_double(args[5], "dampening", &cfg.dampening) < 0 ||
        get_double(args[6], "weight_decay", &cfg.weight_decay) < 0) {
        return NULL;
    }
    int nesterov = PyObject_IsTrue(args[7]);
    int maximize = PyObject_IsTrue(args[8]);
    if (nesterov < 0 || maximize < 0) {
        return NULL;
    }
    cfg.nesterov = nesterov;
    cfg.maximize = maximize;
    if (!PyList_Check(params) && !PyTuple_Check(params)) {
        PyErr_SetString(PyExc_TypeError, "params must be a list of Tensors");
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(params);
    bool has_mom = cfg.momentum != 0.0;

    pl_tensor *small[3 * PLPY_OPTIM_SMALL];
    pl_tensor **mem = small;
    if (n > PLPY_OPTIM_SMALL) {
        mem = PyMem_Malloc(sizeof(pl_tensor *) * 3 * (size_t)n);
        if (mem == NULL) {
            return PyErr_NoMemory();
        }
    }
    pl_tensor **p = mem, **g = mem + n, **b = mem + 2 * n;
    PyObject *result = NULL;
    if (unwrap_items(params, "params", n, p, false) < 0 ||
        unwrap_items(grads, "grads", n, g, false) < 0) {
        goto done;
    }
    if (has_mom && unwrap_items(bufs_in, "momentum_buffers", n, b, true) < 0) {
        goto done;
    }
    /* Slots that were None receive new references. */
    if (pl_sgd_step(p, g, has_mom ? b : NULL, n, &cfg) != PL_OK) {
        if (has_mom) {
            PyObject **items = PySequence_Fast_ITEMS(bufs_in);
            for (Py_ssize_t i = 0; i < n; i++) {
                if (items[i] == Py_None) {
                    pl_tensor_release(b[i]); /* NULL when never created */
                }
            }
        }
        plpy_raise();
        goto done;
    }
    if (!has_mom) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    result = PyList_New(n);
    if (result == NULL) {
        /* Release the new buffers we can no longer hand out. */
        PyObject **items = PySequence_Fast_ITEMS(bufs_in);
        for (Py_ssize_t i = 0; i < n; i++) {
            if (items[i] == Py_None) {
                pl_tensor_release(b[i]);
            }
        }
        goto done;
    }
    PyObject **items = PySequence_Fast_ITEMS(bufs_in);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *obj;
        if (items[i] == Py_None) {
            obj = plpy_wrap(b[i]); /* steals the new reference */
            if (obj == NULL) {
                for (Py_ssize_t j = i + 1; j < n; j++) {
                    if (items[j] == Py_None) {
                        pl_tensor_release(b[j]);
                    }
                }
                Py_CLEAR(result);
                goto done;
            }
        } else {
            obj = Py_NewRef(items[i]);
        }
        PyList_SET_ITEM(result, i, obj);
    }
done:
    if (mem != small) {
        PyMem_Free(mem);
    }
    return result;
}

static PyObject *
plpy_adam_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (check_nargs("_adam_step", nargs, 14) < 0) {
        return NULL;
    }
    PyObject *params = args[0], *steps_in = args[5];
    pl_adam_config cfg;
    if (get_double(args[6], "lr", &cfg.lr) < 0 ||
        get_double(args[7], "beta1", &cfg.beta1) < 0 ||
        get_double(args[8], "beta2", &cfg.beta2) < 0 || get_double(args[9], "eps", &cfg.eps) < 0 ||
        get_double(args[10], "weight_decay", &cfg.weight_decay) < 0) {
        return NULL;
    }
    int amsgrad = PyObject_IsTrue(args[11]);
    int maximize = PyObject_IsTrue(args[12]);
    int decoupled = PyObject_IsTrue(args[13]);
    if (amsgrad < 0 || maximize < 0 || decoupled < 0) {
        return NULL;
    }
    cfg.amsgrad = amsgrad;
    cfg.maximize = maximize;
    cfg.decoupled_weight_decay = decoupled;
    if (!PyList_Check(params) && !PyTuple_Check(params)) {
        PyErr_SetString(PyExc_TypeError, "params must be a list of Tensors");
        return NULL;
    }
    if (!PyList_Check(steps_in) && !PyTuple_Check(steps_in)) {
        PyErr_SetString(PyExc_TypeError, "steps must be a list of numbers");
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(params);
    if (PySequence_Fast_GET_SIZE(steps_in) != n) {
        PyErr_SetString(PyExc_ValueError, "steps must have one number per parameter");
        return NULL;
    }
    pl_tensor **mem = PyMem_Malloc(sizeof(pl_tensor *) * 5 * (size_t)(n ? n : 1));
    double *steps = PyMem_Malloc(sizeof(double) * (size_t)(n ? n : 1));
    PyObject *result = NULL;
    if (mem == NULL || steps == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    pl_tensor **p = mem, **g = mem + n, **m = mem + 2 * n, **v = mem + 3 * n, **x = mem + 4 * n;
    if (unwrap_items(params, "params", n, p, false) < 0 ||
        unwrap_items(args[1], "grads", n, g, false) < 0 ||
        unwrap_items(args[2], "exp_avgs", n, m, false) < 0 ||
        unwrap_items(args[3], "exp_avg_sqs", n, v, false) < 0 ||
        (amsgrad && unwrap_items(args[4], "max_exp_avg_sqs", n, x, false) < 0)) {
        goto done;
    }
    /* a tuple snapshot: an item's __float__ may edit a list */
    PyObject *steps_tuple = PySequence_Tuple(steps_in);
    if (steps_tuple == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyTuple_GET_SIZE(steps_tuple) != n ||
            get_double(PyTuple_GET_ITEM(steps_tuple, i), "steps[i]", &steps[i]) < 0) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ValueError, "steps must have one number per parameter");
            }
            Py_DECREF(steps_tuple);
            goto done;
        }
    }
    Py_DECREF(steps_tuple);
    if (pl_adam_step(p, g, m, v, amsgrad ? x : NULL, steps, n, &cfg) != PL_OK) {
        plpy_raise();
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(mem);
    PyMem_Free(steps);
    return result;
}

static PyObject *
plpy_optim_force_reference(PyObject *self, PyObject *arg)
{
    (void)self;
    int on = PyObject_IsTrue(arg);
    if (on < 0) {
        return NULL;
    }
    pl_optim_force_reference(on);
    Py_RETURN_NONE;
}

PyMethodDef plpy_optim_functions[] = {
    {"_sgd_step", (PyCFunction)(void (*)(void))plpy_sgd_step, METH_FASTCALL,
     "One SGD step over a parameter group; returns the momentum buffers."},
    {"_adam_step", (PyCFunction)(void (*)(void))plpy_adam_step, METH_FASTCALL,
     "One Adam/AdamW step over a parameter group, state updated in place."},
    {"_optim_force_reference", plpy_optim_force_reference, METH_O,
     "Tests: run the plain reference update kernels."},
    {NULL, NULL, 0, NULL},
};
