/* args.h — small helpers for METH_FASTCALL argument parsing in the binding. */
#ifndef PLPY_ARGS_H
#define PLPY_ARGS_H

#include "plpy.h"

/* Fills out[0..n) from positional args and keywords matched against names (NULL-terminated
 * list of n names). Missing arguments stay NULL. Returns 0, or -1 with TypeError set. */
int plpy_parse(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
               const char *const *names, PyObject **out);
/* Conversions with PyTorch-like TypeErrors; obj may be NULL or None for "use dflt". */
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

/* self (new reference) after an in-place op succeeded, or the core's error raised. */
static inline PyObject *
plpy_self_or_raise(PyObject *self, pl_status st)
{
    if (st != PL_OK) return plpy_raise();
    return Py_NewRef(self);
}

#endif
