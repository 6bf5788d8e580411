/* docstr.c — _C._add_docstr(function, doc): attaches a docstring to a C function after the
 * fact, so the factories' documentation lives in Python (pytorchlite/_torch_docs.py) beside
 * the Python API's, as PyTorch keeps its own (torch._C._add_docstr).
 *
 * The docstring object is kept alive for the process's life (the function's method table
 * points into it).
 */
#include "plpy.h"

static PyObject *
f_add_docstr(PyObject *m, PyObject *const *args, Py_ssize_t nargs)
{
    (void)m;
    if (nargs != 2 || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "_add_docstr(function, doc: str)");
        return NULL;
    }
    PyObject *obj = args[0];
    PyMethodDef *def = NULL;
    if (PyCFunction_Check(obj)) {
        def = ((PyCFunctionObject *)obj)->m_ml;
    } else if (Py_IS_TYPE(obj, &PyMethodDescr_Type)) {
        def = ((PyMethodDescrObject *)obj)->d_method;
    } else {
        PyErr_Format(PyExc_TypeError, "_add_docstr: don't know how to add a docstring to %s",
                     Py_TYPE(obj)->tp_name);
        return NULL;
    }
    if (def->ml_doc) {
        PyErr_Format(PyExc_RuntimeError, "function '%s' already has a docstring", def->ml_name);
        return NULL;
    }
    const char *text = PyUnicode_AsUTF8(args[1]);
    if (!text) return NULL;
    Py_INCREF(args[1]); /* owned for the process's life: def->ml_doc points into it */
    def->ml_doc = text;
    return Py_NewRef(obj);
}

static PyMethodDef docstr_functions[] = {
    {"_add_docstr", (PyCFunction)(void (*)(void))f_add_docstr, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL},
};

int
plpy_docstr_init(PyObject *module)
{
    return PyModule_AddFunctions(module, docstr_functions);
}
