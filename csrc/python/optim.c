/* optim.c (binding) — the optimizers' fused update rules as _C functions.
 *
 *   _C._sgd_step(params, grads, momentum_buffers, lr, momentum, dampening, weight_decay,
 *                nesterov, maximize) -> list of momentum buffers, or None when momentum == 0
 *   _C._adam_step(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, lr, beta1,
 *                 beta2, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay) -> None
 *   _C._rmsprop_step, _adagrad_step, _adadelta_step, _adamax_step, _nadam_step, _radam_step,
 *   _asgd_step, _rprop_step(params, grads, <state lists>, <per-parameter number lists>,
 *                           <hyper-parameters>) -> None   (orders in the table at the end)
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

/* ------------------------------------------------------------------------------------------ */
/* The rules of optim_extra.h: one parser for their lists, one line of numbers per rule.       */
/* ------------------------------------------------------------------------------------------ */

#define GROUP_MAX_STATE 3
#define GROUP_MAX_VALUES 3

/* The unwrapped lists of one call: p, g and the used state lists hold n borrowed tensors,
 * v[k] n numbers; an unused state list is NULL. */
typedef struct group_args {
    Py_ssize_t n;
    pl_tensor **p, **g, **s[GROUP_MAX_STATE];
    double *v[GROUP_MAX_VALUES];
    void *mem;
} group_args;

/* args[0]: params, args[1]: grads, then n_state lists of state tensors named by `names`
 * (list j is read only when bit j of `used` is set; it may then be anything, None say), then
 * n_values lists of numbers. Returns 0, or -1 with an exception set (nothing to release). */
static int
group_args_open(group_args *ga, PyObject *const *args, int n_state, const char *const *names,
                unsigned used, int n_values)
{
    memset(ga, 0, sizeof *ga);
    PyObject *params = args[0];
    if (!PyList_Check(params) && !PyTuple_Check(params)) {
        PyErr_SetString(PyExc_TypeError, "params must be a list of Tensors");
        return -1;
    }
    Py_ssize_t n = ga->n = PySequence_Fast_GET_SIZE(params);
    size_t count = (size_t)(n ? n : 1);
    ga->mem = PyMem_Malloc(count * ((2 + GROUP_MAX_STATE) * sizeof(pl_tensor *) +
                                    GROUP_MAX_VALUES * sizeof(double)));
    if (ga->mem == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    double *values = ga->mem;
    pl_tensor **tensors = (pl_tensor **)(values + GROUP_MAX_VALUES * count);
    ga->p = tensors;
    ga->g = tensors + count;
    if (unwrap_items(params, "params", n, ga->p, false) < 0 ||
        unwrap_items(args[1], "grads", n, ga->g, false) < 0) {
        goto fail;
    }
    for (int j = 0; j < n_state; j++) {
        if (used & (1u << j)) {
            ga->s[j] = tensors + (2 + j) * count;
            if (unwrap_items(args[2 + j], names[j], n, ga->s[j], false) < 0) {
                goto fail;
            }
        }
    }
    for (int k = 0; k < n_values; k++) {
        ga->v[k] = values + k * count;
        /* a tuple snapshot: an item's __float__ may edit a list */
        PyObject *tuple = PySequence_Tuple(args[2 + n_state + k]);
        if (tuple == NULL) {
            goto fail;
        }
        int bad = PyTuple_GET_SIZE(tuple) != n;
        for (Py_ssize_t i = 0; i < n && !bad; i++) {
            bad = get_double(PyTuple_GET_ITEM(tuple, i), "per-parameter value", &ga->v[k][i]) < 0;
        }
        Py_DECREF(tuple);
        if (bad) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ValueError,
                                "per-parameter values must have one number per parameter");
            }
            goto fail;
        }
    }
    return 0;
fail:
    PyMem_Free(ga->mem);
    ga->mem = NULL;
    return -1;
}

/* Releases the lists and turns the rule's status into None or the raised error. */
static PyObject *
group_args_finish(group_args *ga, pl_status st)
{
    PyMem_Free(ga->mem);
    ga->mem = NULL;
    if (st != PL_OK) {
        return plpy_raise();
    }
    Py_RETURN_NONE;
}

/* count numbers from args (named by names), then n_flags truths. */
static int
parse_hyper(PyObject *const *args, const char *const *names, int count, double *out,
            int n_flags, bool *flags)
{
    for (int k = 0; k < count; k++) {
        if (get_double(args[k], names[k], &out[k]) < 0) {
            return -1;
        }
    }
    for (int k = 0; k < n_flags; k++) {
        int truth = PyObject_IsTrue(args[count + k]);
        if (truth < 0) {
            return -1;
        }
        flags[k] = truth;
    }
    return 0;
}

/* The start of each rule's binding: argument count, hyper-parameters from args[FIRST]. */
#define GROUP_BINDING_PROLOGUE(fname, total, first, ...)                                        \
    (void)self;                                                                                \
    static const char *const names[] = {__VA_ARGS__};                                          \
    enum { N_NUM = sizeof names / sizeof names[0], N_FLAGS = (total) - (first) - N_NUM };      \
    double x[N_NUM];                                                                           \
    bool f[N_FLAGS];                                                                           \
    if (check_nargs(fname, nargs, total) < 0 ||                                                \
        parse_hyper(args + (first), names, N_NUM, x, N_FLAGS, f) < 0) {                        \
        return NULL;                                                                           \
    }                                                                                          \
    group_args ga

static PyObject *
plpy_rmsprop_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    GROUP_BINDING_PROLOGUE("_rmsprop_step", 12, 5, "lr", "alpha", "eps", "weight_decay",
                           "momentum");
    static const char *const state[] = {"square_avgs", "grad_avgs", "momentum_buffers"};
    pl_rmsprop_config cfg = {x[0], x[1], x[2], x[3], x[4], f[0], f[1]};
    unsigned used = 1u | (cfg.centered ? 2u : 0u) | (cfg.momentum > 0.0 ? 4u : 0u);
    if (group_args_open(&ga, args, 3, state, used, 0) < 0) {
        return NULL;
    }
    return group_args_finish(&ga, pl_rmsprop_step(ga.p, ga.g, ga.s[0], ga.s[1], ga.s[2], ga.n,
                                                  &cfg));
}

static PyObject *
plpy_adagrad_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    GROUP_BINDING_PROLOGUE("_adagrad_step", 7, 4, "eps", "weight_decay");
    static const char *const state[] = {"sums"};
    pl_adagrad_config cfg = {x[0], x[1], f[0]};
    if (group_args_open(&ga, args, 1, state, 1u, 1) < 0) {
        return NULL;
    }
    return group_args_finish(&ga, pl_adagrad_step(ga.p, ga.g, ga.s[0], ga.v[0], ga.n, &cfg));
}

static PyObject *
plpy_adadelta_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    GROUP_BINDING_PROLOGUE("_adadelta_step", 9, 4, "lr", "rho", "eps", "weight_decay");
    static const char *const state[] = {"square_avgs", "acc_deltas"};
    pl_adadelta_config cfg = {x[0], x[1], x[2], x[3], f[0]};
    if (group_args_open(&ga, args, 2, state, 3u, 0) < 0) {
        return NULL;
    }
    return group_args_finish(&ga, pl_adadelta_step(ga.p, ga.g, ga.s[0], ga.s[1], ga.n, &cfg));
}

static PyObject *
plpy_adamax_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    GROUP_BINDING_PROLOGUE("_adamax_step", 10, 5, "beta1", "beta2", "eps", "weight_decay");
    static const char *const state[] = {"exp_avgs", "exp_infs"};
    pl_adamax_config cfg = {x[0], x[1], x[2], x[3], f[0]};
    if (group_args_open(&ga, args, 2, state, 3u, 1) < 0) {
        return NULL;
    }
    return group_args_finish(&ga, pl_adamax_step(ga.p, ga.g, ga.s[0], ga.s[1], ga.v[0], ga.n,
                                                 &cfg));
}

static PyObject *
plpy_nadam_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    GROUP_BINDING_PROLOGUE("_nadam_step", 15, 8, "lr", "beta1", "beta2", "eps",
                           "weight_decay");
    static const char *const state[] = {"exp_avgs", "exp_avg_sqs", "mu_products"};
    pl_nadam_config cfg = {x[0], x[1], x[2], x[3], x[4], f[0], f[1]};
    if (group_args_open(&ga, args, 3, state, 7u, 3) < 0) {
        return NULL;
    }
    return group_args_finish(&ga, pl_nadam_step(ga.p, ga.g, ga.s[0], ga.s[1], ga.s[2], ga.v[0],
                                                ga.v[1], ga.v[2], ga.n, &cfg));
}

static PyObject *
plpy_radam_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    GROUP_BINDING_PROLOGUE("_radam_step", 14, 7, "lr", "beta1", "beta2", "eps",
                           "weight_decay");
    static const char *const state[] = {"exp_avgs", "exp_avg_sqs"};
    pl_radam_config cfg = {x[0], x[1], x[2], x[3], x[4], f[0], f[1]};
    if (group_args_open(&ga, args, 2, state, 3u, 3) < 0) {
        return NULL;
    }
    return group_args_finish(&ga, pl_radam_step(ga.p, ga.g, ga.s[0], ga.s[1], ga.v[0], ga.v[1],
                                                ga.v[2], ga.n, &cfg));
}

static PyObject *
plpy_asgd_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    GROUP_BINDING_PROLOGUE("_asgd_step", 10, 7, "lambd", "weight_decay");
    static const char *const state[] = {"axs", "etas", "mus"};
    pl_asgd_config cfg = {x[0], x[1], f[0]};
    if (group_args_open(&ga, args, 3, state, 7u, 2) < 0) {
        return NULL;
    }
    return group_args_finish(&ga, pl_asgd_step(ga.p, ga.g, ga.s[0], ga.s[1], ga.s[2], ga.v[0],
                                               ga.v[1], ga.n, &cfg));
}

static PyObject *
plpy_rprop_step(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    GROUP_BINDING_PROLOGUE("_rprop_step", 9, 4, "etaminus", "etaplus", "step_size_min",
                           "step_size_max");
    static const char *const state[] = {"prevs", "step_sizes"};
    pl_rprop_config cfg = {x[0], x[1], x[2], x[3], f[0]};
    if (group_args_open(&ga, args, 2, state, 3u, 0) < 0) {
        return NULL;
    }
    return group_args_finish(&ga, pl_rprop_step(ga.p, ga.g, ga.s[0], ga.s[1], ga.n, &cfg));
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
    {"_rmsprop_step", (PyCFunction)(void (*)(void))plpy_rmsprop_step, METH_FASTCALL,
     "_rmsprop_step(params, grads, square_avgs, grad_avgs, momentum_buffers, lr, "
     "alpha, eps, weight_decay, momentum, centered, maximize)"},
    {"_adagrad_step", (PyCFunction)(void (*)(void))plpy_adagrad_step, METH_FASTCALL,
     "_adagrad_step(params, grads, sums, clrs, eps, weight_decay, maximize)"},
    {"_adadelta_step", (PyCFunction)(void (*)(void))plpy_adadelta_step, METH_FASTCALL,
     "_adadelta_step(params, grads, square_avgs, acc_deltas, lr, rho, eps, "
     "weight_decay, maximize)"},
    {"_adamax_step", (PyCFunction)(void (*)(void))plpy_adamax_step, METH_FASTCALL,
     "_adamax_step(params, grads, exp_avgs, exp_infs, clrs, beta1, beta2, eps, "
     "weight_decay, maximize)"},
    {"_nadam_step", (PyCFunction)(void (*)(void))plpy_nadam_step, METH_FASTCALL,
     "_nadam_step(params, grads, exp_avgs, exp_avg_sqs, mu_products, "
     "bias_correction2s, mus, mu_nexts, lr, beta1, beta2, eps, weight_decay, "
     "decoupled_weight_decay, maximize)"},
    {"_radam_step", (PyCFunction)(void (*)(void))plpy_radam_step, METH_FASTCALL,
     "_radam_step(params, grads, exp_avgs, exp_avg_sqs, bias_correction1s, bc2_sqrts, "
     "rects, lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay, maximize)"},
    {"_asgd_step", (PyCFunction)(void (*)(void))plpy_asgd_step, METH_FASTCALL,
     "_asgd_step(params, grads, axs, etas, mus, new_etas, new_mus, lambd, "
     "weight_decay, maximize)"},
    {"_rprop_step", (PyCFunction)(void (*)(void))plpy_rprop_step, METH_FASTCALL,
     "_rprop_step(params, grads, prevs, step_sizes, etaminus, etaplus, step_size_min, "
     "step_size_max, maximize)"},
    {"_optim_force_reference", plpy_optim_force_reference, METH_O,
     "Tests: run the plain reference update kernels."},
    {NULL, NULL, 0, NULL},
};
