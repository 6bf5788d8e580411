/* module.c — the _C extension module: initialisation and the tables every binding file
 * contributes. */
#define PLPY_MODULE_INIT
#include "plpy.h"

int plpy_tensor_type_init(PyObject *module);
int plpy_node_type_init(PyObject *module);

/* Tables of binding files that may be absent from a build (weak: NULL when not linked). */
extern PyMethodDef plpy_random_functions[] __attribute__((weak));
extern PyMethodDef plpy_optim_functions[] __attribute__((weak));
extern PyMethodDef plpy_nn_functions[] __attribute__((weak)); /* nn_ops.c */
int plpy_random_init(PyObject *module) __attribute__((weak));
int plpy_dlpack_init(PyObject *module) __attribute__((weak)); /* dlpack.c */
int plpy_op_table_init(PyObject *m); /* methods_math.c: _C._unary_ops */
int plpy_fastfn_init(PyObject *module); /* fastfn.c: _C._FastFunction */
int plpy_autocast_init(PyObject *module); /* autocast.c: _C._AutocastOp */
int plpy_docstr_init(PyObject *module) __attribute__((weak)); /* docstr.c */

static PyObject *return_type_classes = NULL; /* {"max": cls, "min": cls} */

/* (values, indices) as torch.return_types.max / min when Python registered the classes.
 * Steals both references. */
PyObject *
plpy_minmax_result(PyObject *values, PyObject *indices, bool is_min)
{
    PyObject *cls = return_type_classes ? PyDict_GetItemString(return_type_classes, is_min ? "min" : "max")
                                        : NULL;
    PyObject *r = cls ? PyObject_CallFunctionObjArgs(cls, values, indices, NULL)
                      : PyTuple_Pack(2, values, indices);
    Py_DECREF(values);
    Py_DECREF(indices);
    return r;
}

static PyObject *
f_set_return_types(PyObject *m, PyObject *arg)
{
    (void)m;
    if (!PyDict_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "_set_return_types(dict)");
        return NULL;
    }
    Py_XSETREF(return_type_classes, Py_NewRef(arg));
    Py_RETURN_NONE;
}

static PyMethodDef module_functions[] = {
    {"_set_return_types", f_set_return_types, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

/* NumPy's C API is loaded on first use, so `import pytorchlite` does not import NumPy. */
static int numpy_api_loaded = 0;

int
plpy_numpy_api(int force)
{
    if (numpy_api_loaded) return 1;
    if (!force) {
        PyObject *mod = PyDict_GetItemString(PyImport_GetModuleDict(), "numpy"); /* borrowed */
        if (!mod) return 0; /* NumPy not imported: no object can be an ndarray */
    }
    if (_import_array() < 0) return -1;
    numpy_api_loaded = 1;
    return 1;
}

static int
module_exec(PyObject *m)
{
    pl_alloc_init(); /* PYTORCHLITE_NO_CACHE: before the first tensor */
    if (plpy_errors_init(m) < 0) return -1;
    if (plpy_tensor_type_init(m) < 0 || plpy_node_type_init(m) < 0) return -1;
    if (PyModule_AddFunctions(m, module_functions) < 0 ||
        PyModule_AddFunctions(m, plpy_tensor_functions) < 0 ||
        PyModule_AddFunctions(m, plpy_autograd_functions) < 0 ||
        PyModule_AddFunctions(m, plpy_autocast_functions) < 0 ||
        PyModule_AddFunctions(m, plpy_vml_functions) < 0) {
        return -1;
    }
    if (plpy_random_functions && PyModule_AddFunctions(m, plpy_random_functions) < 0) return -1;
    if (plpy_optim_functions && PyModule_AddFunctions(m, plpy_optim_functions) < 0) return -1;
    if (plpy_nn_functions && PyModule_AddFunctions(m, plpy_nn_functions) < 0) return -1;
    if (plpy_op_table_init(m) < 0 || plpy_fastfn_init(m) < 0 || plpy_autocast_init(m) < 0) {
        return -1;
    }
    if (plpy_random_init && plpy_random_init(m) < 0) return -1;
    if (plpy_dlpack_init && plpy_dlpack_init(m) < 0) return -1;
    if (plpy_docstr_init && plpy_docstr_init(m) < 0) return -1;
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pytorchlite._C",
    .m_doc = "The C core of pytorchlite: tensors, autograd, kernels and random streams.",
    .m_size = 0,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit__C(void)
{
    return PyModuleDef_Init(&module_def);
}
