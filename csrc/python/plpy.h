/* plpy.h — what the binding files share: the Python.h / NumPy configuration, the wrapper
 * object for core tensors, and the one error-translation point.
 *
 * Every file in csrc/python includes this header first. Only csrc/python sees Python.
 *
 * Ownership: functions returning PyObject * return a NEW reference or NULL with a Python
 * exception set. plpy_unwrap returns a BORROWED core tensor.
 */
#ifndef PLPY_H
#define PLPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL PYTORCHLITE_ARRAY_API
#ifndef PLPY_MODULE_INIT
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include "../core/pl.h"

/* The Python object behind pytorchlite.Tensor (the C base `_C.TensorBase`). */
typedef struct {
    PyObject_HEAD
    pl_tensor *t; /* owned reference; never NULL once constructed */
    PyObject *weakreflist;
} PlTensorObject;

extern PyTypeObject *plpy_TensorBase; /* the C type _C.TensorBase */
extern PyTypeObject *plpy_TensorClass; /* pytorchlite.Tensor (Python subclass), set at import */

/* The Python object for core tensor t, stealing the caller's reference to t. If t already has
 * a wrapper (t->pyobj), that same object is returned. NULL in gives NULL out (error kept). */
PyObject *plpy_wrap(pl_tensor *t_steal);
/* A new object of type (TensorBase or a subclass) for t, which has no wrapper yet; steals t. */
PyObject *plpy_wrap_as(PyTypeObject *type, pl_tensor *t_steal);
/* The core tensor of a Tensor object (borrowed), or NULL with TypeError set. */
pl_tensor *plpy_unwrap(PyObject *obj);
static inline int
plpy_is_tensor(PyObject *obj)
{
    return PyObject_TypeCheck(obj, plpy_TensorBase);
}

/* Raises the Python exception for the core's last error (error.h); returns NULL.
 * This is the single core-status -> Python-exception translation point. */
PyObject *plpy_raise(void);
/* Creates pytorchlite.OutOfMemoryError (RuntimeError and MemoryError) on the module. */
int plpy_errors_init(PyObject *module);
/* Same, for int-returning functions: returns -1. */
int plpy_raise_int(void);

/* dtype objects: pytorchlite.float32 etc. are Python objects registered at import. */
PyObject *plpy_dtype_object(pl_dtype dtype); /* borrowed */
/* Converts a pytorchlite dtype object (or None -> dflt); -1 with TypeError otherwise. */
int plpy_dtype_from_object(PyObject *obj, pl_dtype dflt, pl_dtype *out);
/* The default floating dtype (torch.get_default_dtype()). */
extern pl_dtype plpy_default_dtype;

/* Parses a size given either as varargs ints or one sequence (torch's `*size`).
 * Returns ndim (>= 0) or -1 with an exception set. */
int plpy_parse_shape(PyObject *const *args, Py_ssize_t nargs, int64_t *shape);

/* Loads NumPy's C API: 1 when loaded, 0 when NumPy is not imported and force is 0 (then no
 * object can be an ndarray), -1 with an exception set. */
int plpy_numpy_api(int force);

/* torch.tensor(data) with the inferred dtype, or with dtype dt (new ref). */
PyObject *plpy_tensor_from_data(PyObject *data);
PyObject *plpy_tensor_from_data_as(PyObject *data, pl_dtype dt);
/* torch.from_numpy(arr): a tensor sharing arr's memory (new ref), or NULL with TypeError. */
PyObject *plpy_from_numpy_array(PyObject *arr);
/* _C.tensor and _C.from_numpy (data.c). */
PyObject *plpy_f_tensor(PyObject *m, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);
PyObject *plpy_f_from_numpy(PyObject *m, PyObject *arg);
/* A factory's result wrapped, with requires_grad applied (PyTorch's floating-point rule);
 * steals t (NULL gives NULL with the core's error raised). */
PyObject *plpy_finish_factory(pl_tensor *t, PyObject *requires_grad);
/* 0 when device (a str or torch.device, or None) names the CPU; else -1 with the exception
 * CPU-only PyTorch raises for it (pytorchlite._devices.check_device). */
int plpy_check_device(PyObject *device, int moving); /* moving: made here, then moved there */
/* 0 for a false or None pin_memory; else -1 with PyTorch's RuntimeError (no pinned memory on a
 * machine without an accelerator) */
int plpy_check_pin_memory(PyObject *pin_memory);

/* torch.Size of a shape (new ref). */
PyObject *plpy_make_size(int ndim, const int64_t *shape);
/* The Python object of an autograd node (its grad_fn); new ref. */
PyObject *plpy_wrap_node(pl_node *n);
PyObject *plpy_grad_fn_factory(void); /* borrowed or NULL */
/* The node of a grad_fn object (borrowed), or NULL with TypeError (not a grad_fn) or
 * RuntimeError (a custom Function's ctx without a node). */
pl_node *plpy_node_of(PyObject *obj);
/* Saved tensors, saved-tensor hooks and graph-task queries (autograd_saved.c): adds its
 * functions and the SavedTensor type to the module; 0 or -1. */
int plpy_saved_init(PyObject *module);
/* Visits the Python objects the node's packed saved tensors hold (tp_traverse). */
int plpy_visit_packed(const pl_node *n, visitproc visit, void *arg);
/* The GC's view of the Python objects (hooks, custom Function contexts) the core holds for a
 * tensor wrapped by exactly one object (autograd.c): tp_traverse / tp_clear of TensorBase. */
int plpy_autograd_traverse(pl_tensor *t, visitproc visit, void *arg);
void plpy_autograd_clear(pl_tensor *t);
extern PyTypeObject *plpy_SizeClass;

/* Method tables that binding files contribute to the module (module.c adds them). */
extern PyMethodDef plpy_tensor_functions[]; /* tensor.c / ops.c: factories and ops */
extern PyMethodDef plpy_autograd_functions[]; /* autograd.c */
extern PyMethodDef plpy_autograd_mode_functions[]; /* autograd_modes.c (autograd.c adds it) */
extern PyMethodDef plpy_autocast_functions[]; /* autocast.c */
extern PyMethodDef plpy_vml_functions[]; /* mkl.c: the MKL VML route */
/* Autocast at a C entry point (autocast.c), called only when pl_autocast_on(): replaces
 * ts[0..n) (borrowed; NULL entries stay NULL) by NEW references cast for policy; 0, or -1 with
 * the exception set and nothing left to release. plpy_autocast_release drops them. */
int plpy_autocast_cast(pl_autocast_policy policy, pl_tensor **ts, int n);
void plpy_autocast_release(pl_tensor **ts, int n);
/* op(a, b) on the lower-precision casts of a and b (borrowed), wrapped (NEW reference). */
PyObject *plpy_autocast_binary(pl_tensor *(*op)(pl_tensor *, pl_tensor *), pl_tensor *a,
                               pl_tensor *b);

#endif
