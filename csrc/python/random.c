/* random.c — the binding of the core's random streams: the generator type
 * `_C._GeneratorBase` (pytorchlite.Generator derives from it) and the `_C` functions behind
 * pytorchlite/random.py (fills, randperm, multinomial, a contiguous empty for factories).
 *
 * Ownership: every function returns a NEW reference or NULL with an exception set.
 * A generator object owns its pl_generator, except the one bound to the process default.
 */
#include "plpy.h"

typedef struct {
    PyObject_HEAD
    pl_generator *gen; /* owned unless is_default */
    pl_generator own;
    bool is_default;
} PlGeneratorObject;

static PyObject *
gen_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    PlGeneratorObject *self = (PlGeneratorObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    pl_generator_init(&self->own);
    self->gen = &self->own;
    self->is_default = false;
    return (PyObject *)self;
}

static void
gen_dealloc(PlGeneratorObject *self)
{
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Converts a Python int in [-2^63, 2^64) to the seed's uint64 (negatives wrap, like torch). */
static int
seed_from_object(PyObject *obj, uint64_t *out)
{
    if (!PyLong_Check(obj) || PyBool_Check(obj)) {
        PyErr_Format(PyExc_RuntimeError, "manual_seed expected a long, but got %s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (overflow == 0) {
        if (v == -1 && PyErr_Occurred())
            return -1;
        *out = (uint64_t)v;
        return 0;
    }
    if (overflow > 0) {
        unsigned long long u = PyLong_AsUnsignedLongLong(obj);
        if (u == (unsigned long long)-1 && PyErr_Occurred()) {
            PyErr_Clear();
            PyErr_SetString(PyExc_ValueError, "Overflow when unpacking long long");
            return -1;
        }
        *out = (uint64_t)u;
        return 0;
    }
    PyErr_SetString(PyExc_ValueError, "Overflow when unpacking long long");
    return -1;
}

static PyObject *
gen_manual_seed(PlGeneratorObject *self, PyObject *seed)
{
    uint64_t s;
    if (seed_from_object(seed, &s) < 0)
        return NULL;
    pl_generator_manual_seed(self->gen, s);
    Py_INCREF(self);
    return (PyObject *)self;
}

static PyObject *
gen_initial_seed(PlGeneratorObject *self, PyObject *unused)
{
    (void)unused;
    return PyLong_FromUnsignedLongLong(pl_generator_initial_seed(self->gen));
}

static PyObject *
gen_seed(PlGeneratorObject *self, PyObject *unused)
{
    (void)unused;
    return PyLong_FromUnsignedLongLong(pl_generator_seed(self->gen));
}

/* The 5056-byte state as bytes (pytorchlite/random.py wraps it in a tensor). */
static PyObject *
gen_get_state_bytes(PlGeneratorObject *self, PyObject *unused)
{
    (void)unused;
    uint8_t buf[PL_RNG_STATE_SIZE];
    pl_generator_get_state(self->gen, buf);
    return PyBytes_FromStringAndSize((const char *)buf, PL_RNG_STATE_SIZE);
}

/* Loads a state from any bytes-like object. */
static PyObject *
gen_set_state_bytes(PlGeneratorObject *self, PyObject *obj)
{
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    pl_status st = pl_generator_set_state(self->gen, view.buf, (int64_t)view.len);
    PyBuffer_Release(&view);
    if (st != PL_OK)
        return plpy_raise();
    Py_INCREF(self);
    return (PyObject *)self;
}

static PyMethodDef gen_methods[] = {
    {"manual_seed", (PyCFunction)gen_manual_seed, METH_O,
     "manual_seed(seed) -> Generator\n\nSets the seed and returns the generator."},
    {"initial_seed", (PyCFunction)gen_initial_seed, METH_NOARGS,
     "initial_seed() -> int\n\nThe seed the generator was last seeded with."},
    {"seed", (PyCFunction)gen_seed, METH_NOARGS,
     "seed() -> int\n\nReseeds from a nondeterministic source and returns the seed."},
    {"_get_state_bytes", (PyCFunction)gen_get_state_bytes, METH_NOARGS, NULL},
    {"_set_state_bytes", (PyCFunction)gen_set_state_bytes, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject PlGenerator_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pytorchlite._C._GeneratorBase",
    .tp_basicsize = sizeof(PlGeneratorObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "The C base of pytorchlite.Generator: an mt19937 CPU generator.",
    .tp_new = gen_new,
    .tp_dealloc = (destructor)gen_dealloc,
    .tp_methods = gen_methods,
};

static int
gen_type_ready(void)
{
    static bool ready = false;
    if (ready)
        return 0;
    if (PyType_Ready(&PlGenerator_Type) < 0)
        return -1;
    ready = true;
    return 0;
}

/* None -> NULL (the default generator); a generator object -> its pl_generator.
 * Returns -1 with TypeError on anything else. */
static int
gen_from_object(PyObject *obj, pl_generator **out)
{
    if (obj == NULL || obj == Py_None) {
        *out = NULL;
        return 0;
    }
    if (gen_type_ready() < 0)
        return -1;
    if (!PyObject_TypeCheck(obj, &PlGenerator_Type)) {
        PyErr_Format(PyExc_TypeError, "expected a torch.Generator, but got %s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    *out = ((PlGeneratorObject *)obj)->gen;
    return 0;
}

/* ---- module functions ---- */

/* _generator_type() -> the _GeneratorBase type (random.py subclasses it). */
static PyObject *
rnd_generator_type(PyObject *mod, PyObject *unused)
{
    (void)mod;
    (void)unused;
    if (gen_type_ready() < 0)
        return NULL;
    Py_INCREF(&PlGenerator_Type);
    return (PyObject *)&PlGenerator_Type;
}

/* _generator_bind_default(gen): points gen at the process-wide default generator. */
static PyObject *
rnd_generator_bind_default(PyObject *mod, PyObject *obj)
{
    (void)mod;
    pl_generator *g;
    if (gen_from_object(obj, &g) < 0)
        return NULL;
    if (obj == Py_None) {
        PyErr_SetString(PyExc_TypeError, "expected a generator");
        return NULL;
    }
    PlGeneratorObject *self = (PlGeneratorObject *)obj;
    self->gen = pl_default_generator();
    self->is_default = true;
    Py_RETURN_NONE;
}

/* _rng_empty(shape_tuple, dtype) -> a new contiguous uninitialised tensor. */
static PyObject *
rnd_empty(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    (void)mod;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_rng_empty(shape, dtype)");
        return NULL;
    }
    int64_t shape[PL_MAX_DIMS];
    int ndim = plpy_parse_shape(args, 1, shape);
    if (ndim < 0)
        return NULL;
    pl_dtype dtype;
    if (plpy_dtype_from_object(args[1], plpy_default_dtype, &dtype) < 0)
        return NULL;
    pl_tensor *t = pl_tensor_empty(ndim, shape, dtype);
    if (t == NULL)
        return plpy_raise();
    return plpy_wrap(t);
}

/* Parses (tensor, doubles..., generator) for the fills. */
static int
parse_fill(PyObject *const *args, Py_ssize_t nargs, int ndoubles, const char *name,
           pl_tensor **t, double *vals, pl_generator **g)
{
    if (nargs != ndoubles + 2) {
        PyErr_Format(PyExc_TypeError, "%s takes %d arguments", name, ndoubles + 2);
        return -1;
    }
    *t = plpy_unwrap(args[0]);
    if (*t == NULL)
        return -1;
    for (int i = 0; i < ndoubles; i++) {
        vals[i] = PyFloat_AsDouble(args[1 + i]);
        if (vals[i] == -1.0 && PyErr_Occurred())
            return -1;
    }
    return gen_from_object(args[ndoubles + 1], g);
}

#define FILL2(fname, corefn)                                                                  \
    static PyObject *fname(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)           \
    {                                                                                         \
        (void)mod;                                                                            \
        pl_tensor *t;                                                                         \
        double v[2];                                                                          \
        pl_generator *g;                                                                      \
        if (parse_fill(args, nargs, 2, #fname, &t, v, &g) < 0)                                \
            return NULL;                                                                      \
        if (corefn(t, v[0], v[1], g) != PL_OK)                                                \
            return plpy_raise();                                                              \
        Py_INCREF(args[0]);                                                                   \
        return args[0];                                                                       \
    }

#define FILL1(fname, corefn)                                                                  \
    static PyObject *fname(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)           \
    {                                                                                         \
        (void)mod;                                                                            \
        pl_tensor *t;                                                                         \
        double v[1];                                                                          \
        pl_generator *g;                                                                      \
        if (parse_fill(args, nargs, 1, #fname, &t, v, &g) < 0)                                \
            return NULL;                                                                      \
        if (corefn(t, v[0], g) != PL_OK)                                                      \
            return plpy_raise();                                                              \
        Py_INCREF(args[0]);                                                                   \
        return args[0];                                                                       \
    }

FILL2(rnd_uniform_, pl_uniform_)
FILL2(rnd_normal_, pl_normal_)
FILL2(rnd_cauchy_, pl_cauchy_)
FILL2(rnd_log_normal_, pl_log_normal_)
FILL1(rnd_exponential_, pl_exponential_)
FILL1(rnd_geometric_, pl_geometric_)

/* int64 from a Python int; OverflowError like torch's argument parser otherwise. */
static int
int64_from_object(PyObject *obj, int64_t *out)
{
    if (!PyLong_Check(obj)) {
        PyObject *idx = PyNumber_Index(obj);
        if (idx == NULL)
            return -1;
        long long v = PyLong_AsLongLong(idx);
        Py_DECREF(idx);
        if (v == -1 && PyErr_Occurred())
            return -1;
        *out = v;
        return 0;
    }
    long long v = PyLong_AsLongLong(obj);
    if (v == -1 && PyErr_Occurred())
        return -1;
    *out = v;
    return 0;
}

/* _random_(t, from_or_None, to_or_None, gen): both None -> random_(); from only ->
 * [from, 2^63); both -> [from, to). */
static PyObject *
rnd_random_(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    (void)mod;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "_random_(t, from, to, generator)");
        return NULL;
    }
    pl_tensor *t = plpy_unwrap(args[0]);
    pl_generator *g;
    if (t == NULL || gen_from_object(args[3], &g) < 0)
        return NULL;
    pl_status st;
    if (args[1] == Py_None && args[2] == Py_None) {
        st = pl_random_(t, g);
    } else {
        int64_t from = 0, to = 0;
        if (args[1] != Py_None && int64_from_object(args[1], &from) < 0)
            return NULL;
        if (args[2] != Py_None && int64_from_object(args[2], &to) < 0)
            return NULL;
        st = pl_random_from_to_(t, from, args[2] != Py_None, to, g);
    }
    if (st != PL_OK)
        return plpy_raise();
    Py_INCREF(args[0]);
    return args[0];
}

/* _bernoulli_(t, p, gen): p a float or a tensor. */
static PyObject *
rnd_bernoulli_(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    (void)mod;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_bernoulli_(t, p, generator)");
        return NULL;
    }
    pl_tensor *t = plpy_unwrap(args[0]);
    pl_generator *g;
    if (t == NULL || gen_from_object(args[2], &g) < 0)
        return NULL;
    pl_status st;
    if (plpy_is_tensor(args[1])) {
        st = pl_bernoulli_tensor_(t, plpy_unwrap(args[1]), g);
    } else {
        double p = PyFloat_AsDouble(args[1]);
        if (p == -1.0 && PyErr_Occurred())
            return NULL;
        st = pl_bernoulli_scalar_(t, p, g);
    }
    if (st != PL_OK)
        return plpy_raise();
    Py_INCREF(args[0]);
    return args[0];
}

/* _randperm(n, dtype, gen) -> new tensor */
static PyObject *
rnd_randperm(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    (void)mod;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_randperm(n, dtype, generator)");
        return NULL;
    }
    int64_t n;
    pl_dtype dtype;
    pl_generator *g;
    if (int64_from_object(args[0], &n) < 0 ||
        plpy_dtype_from_object(args[1], PL_INT64, &dtype) < 0 || gen_from_object(args[2], &g) < 0)
        return NULL;
    pl_tensor *t = pl_randperm(n, dtype, g);
    if (t == NULL)
        return plpy_raise();
    return plpy_wrap(t);
}

/* _multinomial(probs, num_samples, replacement, gen) -> new int64 tensor */
static PyObject *
rnd_multinomial(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    (void)mod;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "_multinomial(probs, num_samples, replacement, gen)");
        return NULL;
    }
    pl_tensor *p = plpy_unwrap(args[0]);
    int64_t n;
    pl_generator *g;
    if (p == NULL || int64_from_object(args[1], &n) < 0 || gen_from_object(args[3], &g) < 0)
        return NULL;
    int repl = PyObject_IsTrue(args[2]);
    if (repl < 0)
        return NULL;
    pl_tensor *t = pl_multinomial(p, n, repl != 0, g);
    if (t == NULL)
        return plpy_raise();
    return plpy_wrap(t);
}

/* _standard_gamma / _sample_dirichlet / _poisson (alpha, gen) -> new tensor */
static PyObject *
rnd_alpha_sampler(PyObject *const *args, Py_ssize_t nargs, const char *name,
                  pl_tensor *(*fn)(const pl_tensor *, pl_generator *))
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "%s(alpha, generator)", name);
        return NULL;
    }
    pl_tensor *a = plpy_unwrap(args[0]);
    pl_generator *g;
    if (a == NULL || gen_from_object(args[1], &g) < 0)
        return NULL;
    pl_tensor *t = fn(a, g);
    if (t == NULL)
        return plpy_raise();
    return plpy_wrap(t);
}

static PyObject *
rnd_standard_gamma(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    (void)mod;
    return rnd_alpha_sampler(args, nargs, "_standard_gamma", pl_standard_gamma);
}

static PyObject *
rnd_sample_dirichlet(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    (void)mod;
    return rnd_alpha_sampler(args, nargs, "_sample_dirichlet", pl_sample_dirichlet);
}

static PyObject *
rnd_poisson(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    (void)mod;
    return rnd_alpha_sampler(args, nargs, "_poisson", pl_poisson);
}

/* _binomial(count, prob, gen) -> new tensor */
static PyObject *
rnd_binomial(PyObject *mod, PyObject *const *args, Py_ssize_t nargs)
{
    (void)mod;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_binomial(count, prob, generator)");
        return NULL;
    }
    pl_tensor *count = plpy_unwrap(args[0]);
    pl_tensor *prob = count != NULL ? plpy_unwrap(args[1]) : NULL;
    pl_generator *g;
    if (prob == NULL || gen_from_object(args[2], &g) < 0)
        return NULL;
    pl_tensor *t = pl_binomial(count, prob, g);
    if (t == NULL)
        return plpy_raise();
    return plpy_wrap(t);
}

PyMethodDef plpy_random_functions[] = {
    {"_generator_type", rnd_generator_type, METH_NOARGS, NULL},
    {"_generator_bind_default", rnd_generator_bind_default, METH_O, NULL},
    {"_rng_empty", (PyCFunction)(void (*)(void))rnd_empty, METH_FASTCALL, NULL},
    {"_uniform_", (PyCFunction)(void (*)(void))rnd_uniform_, METH_FASTCALL, NULL},
    {"_normal_", (PyCFunction)(void (*)(void))rnd_normal_, METH_FASTCALL, NULL},
    {"_cauchy_", (PyCFunction)(void (*)(void))rnd_cauchy_, METH_FASTCALL, NULL},
    {"_log_normal_", (PyCFunction)(void (*)(void))rnd_log_normal_, METH_FASTCALL, NULL},
    {"_exponential_", (PyCFunction)(void (*)(void))rnd_exponential_, METH_FASTCALL, NULL},
    {"_geometric_", (PyCFunction)(void (*)(void))rnd_geometric_, METH_FASTCALL, NULL},
    {"_random_", (PyCFunction)(void (*)(void))rnd_random_, METH_FASTCALL, NULL},
    {"_bernoulli_", (PyCFunction)(void (*)(void))rnd_bernoulli_, METH_FASTCALL, NULL},
    {"_randperm", (PyCFunction)(void (*)(void))rnd_randperm, METH_FASTCALL, NULL},
    {"_multinomial", (PyCFunction)(void (*)(void))rnd_multinomial, METH_FASTCALL, NULL},
    {"_standard_gamma", (PyCFunction)(void (*)(void))rnd_standard_gamma, METH_FASTCALL, NULL},
    {"_sample_dirichlet", (PyCFunction)(void (*)(void))rnd_sample_dirichlet, METH_FASTCALL,
     NULL},
    {"_poisson", (PyCFunction)(void (*)(void))rnd_poisson, METH_FASTCALL, NULL},
    {"_binomial", (PyCFunction)(void (*)(void))rnd_binomial, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL},
};
