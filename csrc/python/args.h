/* args.h — small helpers for METH_FASTCALL argument parsing in the binding. */
#ifndef PLPY_ARGS_H
#define PLPY_ARGS_H

#include "plpy.h"

/* Fills out[0..n) from positional args and keywords matched against names (NULL-terminated
 * list of n names). Missing arguments stay NULL. Returns 0, or -1 with TypeError set. */
int plpy_parse(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
               const char *const *names, PyObject **out);
/* plpy_parse, then PyTorch's TypeError when one of the first nreq names is missing:
 * `select() missing 1 required positional arguments: "index"`. */
int plpy_parse_req(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                   const char *const *names, int nreq, PyObject **out);
/* plpy_parse_req where only the first npos names may be given by position (the rest are
 * keyword-only, as `alpha` in add(other, *, alpha=1)). */
int plpy_parse_full(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                    const char *const *names, int nreq, int npos, PyObject **out);
/* TypeError when a method that takes no positional arguments (only the keyword names) got
 * some, or an unknown keyword: PyTorch's `clone() takes 0 positional arguments but 1 was given`. */
int plpy_parse_kwonly(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                      const char *const *names, PyObject **out);
/* The items of a sequence as a tuple (new ref) that no callback can change: sequence loops
 * that call back into Python (__index__, __float__) read from this snapshot. NULL with msg
 * as TypeError when obj is not a sequence. */
PyObject *plpy_snapshot(PyObject *obj, const char *msg);
/* PyTorch's capitalised dtype names ("Float", "Double", "Long", "Bool") and its rule of
 * which result type an in-place op may write into a tensor of dtype `to`. */
const char *plpy_dtype_title(pl_dtype dt);
bool plpy_can_cast(pl_dtype from, pl_dtype to);
/* Conversions with PyTorch-like TypeErrors; obj may be NULL or None for "use dflt".
 * plpy_as_bool takes only True and False, as PyTorch's bool arguments do. */
int plpy_as_int64(PyObject *obj, int64_t dflt, int64_t *out);
int plpy_as_double(PyObject *obj, double dflt, double *out);
int plpy_as_bool(PyObject *obj, bool dflt, bool *out);
/* A fill value as PyTorch's Scalar for a tensor of `dtype`: Python ints (and __index__ objects,
 * int tensors of one element) exactly, other numbers as doubles. Ints of 2^63 .. 2^64-1 (PyTorch's
 * unsigned scalars) are RuntimeError for int64; ints past that OverflowError. 0, or -1 raised. */
int plpy_as_scalar(PyObject *obj, pl_dtype dtype, pl_scalar *out);
/* An int or a sequence of ints (dims); returns count (>= 0) or -1. */
int plpy_as_dims(PyObject *obj, int64_t *dims, int max);
/* A Python number as a wrapped 0-dim core tensor (new ref), or NULL without an exception
 * when obj is not a number (NotImplemented territory). */
pl_tensor *plpy_scalar_tensor(PyObject *obj);
/* A tensor from a Tensor or a Python number (wrapped): *wrapped tells which; new ref or NULL
 * with TypeError. */
pl_tensor *plpy_operand(PyObject *obj, bool *wrapped, const char *what);

/* Shorthands of the method files: a Tensor object's core tensor (borrowed), a fastcall
 * function cast for PyMethodDef, and the fastcall-with-keywords parameter list. */
#define PLPY_T(op) (((PlTensorObject *)(op))->t)
#define PLPY_FASTCALL(fn) (PyCFunction)(void (*)(void))(fn)
#define PLPY_ARGS PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames

/* PLPY_ONE_ARG(wrapper, impl, "fname", "argname"): a fastcall-with-keywords method `wrapper`
 * taking its one required argument by position or as argname=, then calling impl(self, arg). */
#define PLPY_ONE_ARG(wrapper, impl, fname, argname)                                          \
    static PyObject *wrapper(PLPY_ARGS)                                                      \
    {                                                                                        \
        static const char *const names_[] = {argname, NULL};                                 \
        PyObject *a_[1];                                                                     \
        if (plpy_parse_req(fname, args, nargs, kwnames, names_, 1, a_) < 0) return NULL;     \
        return impl(self, a_[0]);                                                            \
    }

/* self (new reference) after an in-place op succeeded, or the core's error raised. */
static inline PyObject *
plpy_self_or_raise(PyObject *self, pl_status st)
{
    if (st != PL_OK) return plpy_raise();
    return Py_NewRef(self);
}

#endif
