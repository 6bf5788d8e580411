"""Tensor subclasses: PyTorch's default ``__torch_function__`` for the methods of a subclass.

In PyTorch every Tensor method and operator called on an instance of a subclass goes through
``__torch_function__``; the default one runs the method and returns its tensors as instances of
the subclass (``type(MyT([1.]) + 1) is MyT``). pytorchlite gives a subclass the same behaviour
at class creation: each method, operator and property it inherits from Tensor is replaced on
the subclass by a small dispatcher that calls ``type(self).__torch_function__``. Plain tensors
never pay for it.

The ``torch.*`` functions that are Tensor methods (``torch.add``, ``torch.sum``...) and those that
take lists of tensors (``cat``, ``stack``, ``where``...) dispatch too, once the first such
subclass exists: the module's names are then rebound to dispatchers.

Note:
    A name imported before the first subclass was defined (``from torch import add``) keeps
    calling the undispatched function. A subclass whose ``__torch_function__`` is
    ``torch._C._disabled_torch_function_impl`` (``nn.Parameter``) gets no dispatchers, so its
    results are plain Tensors as in PyTorch.
"""
import threading

from . import _C

__all__ = ["install_dispatch", "default_torch_function", "disabled_torch_function_impl"]

# Names never dispatched: construction, class machinery, and attribute access itself.
_SKIP = frozenset({
    "__new__", "__init__", "__init_subclass__", "__torch_function__", "__getattribute__",
    "__getattr__", "__setattr__", "__delattr__", "__class__", "__dict__", "__doc__", "__slots__",
    "__module__", "__weakref__", "__weaklistoffset__", "__subclasshook__", "__reduce__",
    "__reduce_ex__", "__deepcopy__", "__sizeof__", "__dir__", "__hash__", "__format__",
    "__repr__", "__str__", "__array_priority__", "_make_subclass", "as_subclass", "__array__",
    "__array_wrap__", "__len__", "__iter__", "__bool__", "__index__", "__int__", "__float__",
    "__getstate__", "__class_getitem__", "__contains__",
})
# Attributes PyTorch's default __torch_function__ returns unconverted (get_default_nowrap_functions).
_NOWRAP = frozenset({"grad", "_base"})

_state = threading.local()


def disabled_torch_function_impl(func, types, args=(), kwargs=None):
    """``torch._C._disabled_torch_function_impl``: results stay plain Tensors."""
    return func(*args, **(kwargs or {}))


def _convert(ret, cls):
    if isinstance(ret, _C.TensorBase) and not isinstance(ret, cls):
        return ret.as_subclass(cls)
    if isinstance(ret, (tuple, list)):  # tuples, lists and torch.return_types
        return type(ret)(tuple(_convert(r, cls) for r in ret))
    return ret


def default_torch_function(cls, func, types, args=(), kwargs=None):
    if kwargs is None:
        kwargs = {}
    if not all(issubclass(cls, t) for t in types):
        return NotImplemented
    was = getattr(_state, "disabled", False)
    _state.disabled = True
    try:
        ret = func(*args, **kwargs)
    finally:
        _state.disabled = was
    if getattr(func, "__name__", None) in _NOWRAP and isinstance(func, _Getter):
        return ret
    return _convert(ret, cls)


class _Getter:
    """A property's getter as a callable with a name, the ``func`` __torch_function__ sees."""

    __slots__ = ("fget", "__name__")

    def __init__(self, fget, name):
        self.fget = fget
        self.__name__ = name

    def __call__(self, obj):
        return self.fget(obj)

    def __repr__(self):
        return f"<getter of Tensor.{self.__name__}>"


def _types_of(args, kwargs):
    types = []
    for a in list(args) + list(kwargs.values()):
        items = a if isinstance(a, (list, tuple)) else (a,)
        for x in items:
            t = type(x)
            if isinstance(x, _C.TensorBase) and t not in types:
                types.append(t)
    return tuple(types)


def _dispatch(func, args, kwargs):
    if getattr(_state, "disabled", False):
        return func(*args, **kwargs)
    types = _types_of(args, kwargs)
    # subclasses before their bases, as PyTorch orders the overloaded arguments
    for t in sorted(types, key=lambda k: -len(k.__mro__)):
        if t is _plain[0]:
            continue  # a plain Tensor's own __torch_function__ is never called
        tf = getattr(t, "__torch_function__", None)
        if tf is None or getattr(tf, "__func__", tf) is disabled_torch_function_impl:
            continue
        ret = tf(func, types, args, kwargs)
        if ret is not NotImplemented:
            return ret
    return func(*args, **kwargs)


def _method(func):
    def method(*args, **kwargs):
        return _dispatch(func, args, kwargs)

    method.__name__ = getattr(func, "__name__", "method")
    method.__qualname__ = "Tensor." + method.__name__
    method.__doc__ = getattr(func, "__doc__", None)
    method._pl_dispatch = func
    return method


def _property(name, prop_get, prop_set, prop_del):
    getter = _Getter(prop_get, name)

    def fget(self):
        return _dispatch(getter, (self,), {})

    fget._pl_dispatch = getter
    return property(fget, prop_set, prop_del)


def _is_disabled(cls):
    tf = None
    for k in cls.__mro__:
        if "__torch_function__" in k.__dict__:
            tf = k.__dict__["__torch_function__"]
            break
    tf = getattr(tf, "__func__", tf)
    return tf is disabled_torch_function_impl


_plain = [None]  # pytorchlite.Tensor, once a subclass exists
# torch.* functions that are not Tensor methods but take tensors (in lists, too)
_TENSOR_FUNCTIONS = ("cat", "concat", "concatenate", "stack", "where", "addmm", "bmm")


def _function(func):
    def function(*args, **kwargs):
        return _dispatch(func, args, kwargs)

    function.__name__ = getattr(func, "__name__", "function")
    function.__qualname__ = function.__name__
    function.__doc__ = getattr(func, "__doc__", None)
    function._pl_dispatch = func
    return function


def _dispatch_torch_functions(Tensor):
    """Rebinds the package's Tensor-taking functions to dispatchers (once)."""
    import sys

    pkg = sys.modules.get(__package__)
    if pkg is None:
        return
    methods = {id(v) for v in vars(_C.TensorBase).values()} | {id(v) for v in vars(Tensor).values()}
    for name, value in list(vars(pkg).items()):
        if name.startswith("_") or isinstance(value, type) or not callable(value):
            continue
        if hasattr(value, "_pl_dispatch"):
            continue
        if id(value) in methods or name in _TENSOR_FUNCTIONS or \
                getattr(value, "_pl_tensor_function", False):
            setattr(pkg, name, _function(value))


def install_dispatch(cls):
    """Puts a dispatcher on cls for each Tensor attribute it inherits unchanged."""
    from ._tensor import Tensor

    if _is_disabled(cls):
        return
    if _plain[0] is None:
        _plain[0] = Tensor
        _dispatch_torch_functions(Tensor)
    names = set(vars(_C.TensorBase)) | set(vars(Tensor))
    for name in sorted(names):
        if name in _SKIP:
            continue
        owner = next(k for k in cls.__mro__ if name in k.__dict__)
        if owner not in (Tensor, _C.TensorBase):
            continue  # the subclass (or a base between) defines it
        attr = owner.__dict__[name]
        if isinstance(attr, (staticmethod, classmethod)):
            continue
        if isinstance(attr, property):
            if attr.fget is None:
                continue
            setattr(cls, name, _property(name, attr.fget, attr.fset, attr.fdel))
        elif hasattr(attr, "__get__") and hasattr(attr, "__set__"):  # C getset descriptor
            setattr(cls, name, _property(name, attr.__get__, attr.__set__, attr.__delete__))
        elif callable(attr):
            setattr(cls, name, _method(getattr(owner, name)))
