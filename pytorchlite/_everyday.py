"""Puts the everyday math, reductions, linear algebra and ``out=`` on the package: the Tensor
methods of _math_ops.py, _reduce_ops.py and linalg/_torch_fns.py, their torch.* functions and
the out=/axis= wrappers of _out.py. ``torch.linalg`` itself loads on first use (it imports
NumPy)."""
from . import (_C, _api_fill, _math_more, _math_ops, _out, _reduce_ops, _result_types,
               _torch_aliases)

_LINALG_FUNCTIONS = ("inverse", "det", "logdet", "slogdet", "svd", "pinverse", "qr", "cholesky",
                     "cholesky_solve", "triangular_solve", "matrix_exp", "lu",
                     "cholesky_inverse", "lu_solve", "orgqr", "symeig", "eig", "lstsq",
                     "vdot")


# in-place forms that torch has as Tensor methods only
_METHOD_ONLY = frozenset({"addbmm_", "addcdiv_", "addcmul_", "baddbmm_", "bitwise_and_",
                          "bitwise_left_shift_", "bitwise_not_", "bitwise_or_",
                          "bitwise_right_shift_", "bitwise_xor_", "float_power_", "lerp_",
                          "logical_and_", "logical_not_", "logical_or_", "logical_xor_",
                          "sgn_", "heaviside_", "true_divide_", "floor_divide_"})


# the binary functions that take a Python number first, and out= themselves
_SCALAR_FIRST = frozenset({"add", "sub", "subtract", "mul", "multiply", "div", "divide",
                           "true_divide", "pow", "floor_divide", "bitwise_and", "bitwise_or",
                           "bitwise_xor"})


# those of them that take two numbers as well
_BOTH_NUMBERS = frozenset({"add", "sub", "subtract", "mul", "multiply", "div", "divide",
                           "true_divide", "floor_divide"})


def _linalg_fn(name):
    def function(*args, **kwargs):
        from .linalg import _torch_fns

        return _torch_fns.FUNCTIONS[name](*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"torch.{name} (see pytorchlite.linalg)."
    return function


def _linalg_method(name):
    def method(self, *args, **kwargs):
        from .linalg import _torch_fns

        return _torch_fns.FUNCTIONS[name](self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    return method


def _matrix_power(input, n):  # noqa: A002
    """torch.matrix_power: torch.linalg.matrix_power."""
    from .linalg import matrix_power

    return matrix_power(input, n)


def _function(method, name):
    def function(input, *args, **kwargs):  # noqa: A002
        if not isinstance(input, _C.TensorBase):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return method(input, *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = method.__doc__
    return function


def _scalar_first(name, tensor_method, reflected):
    """torch.name(a, b, out=None) where a may be a Python number (then b is a Tensor)."""
    def function(input, other, *rest, out=None, **kwargs):  # noqa: A002
        if rest:
            input, other, kwargs = _alpha_overload(name, input, other, rest, kwargs)
        if name in _BOTH_NUMBERS and isinstance(input, (int, float, bool)) and \
                isinstance(other, (int, float, bool)):
            input = _C.tensor(input)  # torch.add(2, 3) is tensor(5)
        if isinstance(input, _C.TensorBase):
            if out is None:
                return tensor_method(input, other, **kwargs)
            _out.check_grad(name, out, (input, other))
            return _out.write_out(name, out, tensor_method(input, other, **kwargs), ())
        if isinstance(other, _C.TensorBase) and isinstance(input, (int, float, bool)):
            r = reflected(other, input, **kwargs)
            return r if out is None else _out.write_out(name, out, r, (other,))
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")

    function.__name__ = function.__qualname__ = name
    function.__doc__ = tensor_method.__doc__
    return function


def _alpha_overload(name, input, alpha, rest, kwargs):  # noqa: A002
    """PyTorch's deprecated add/sub(input, alpha, other) form (with its warning)."""
    import numbers
    import warnings

    if isinstance(alpha, _C.TensorBase) and alpha.numel() == 1:
        alpha = alpha.item()  # a one-element tensor passes for a Number
    if name not in ("add", "sub") or len(rest) != 1 or not isinstance(alpha, numbers.Number) \
            or not isinstance(rest[0], (_C.TensorBase, numbers.Number)) or "alpha" in kwargs:
        raise TypeError(f"{name}() takes 2 positional arguments but {2 + len(rest)} were given")
    warnings.warn(f"This overload of {name} is deprecated:\n\t{name}(Tensor input, Number "
                  f"alpha, Tensor other, *, Tensor out = None)\nConsider using one of the "
                  f"following signatures instead:\n\t{name}(Tensor input, Tensor other, *, "
                  "Number alpha = 1, Tensor out = None)", UserWarning, stacklevel=3)
    return input, rest[0], dict(kwargs, alpha=alpha)


def _rsub(t, s, alpha=1):
    return (t * alpha).__rsub__(s) if alpha != 1 else t.__rsub__(s)


def _radd(t, s, alpha=1):
    return t * alpha + s if alpha != 1 else t.__radd__(s)


def _rdiv(t, s, rounding_mode=None):
    if rounding_mode is None:
        return t.__rtruediv__(s)
    q = t.__rtruediv__(s)
    return q.trunc() if rounding_mode == "trunc" else q.floor()


def install(namespace, tensor_cls):
    _result_types.install()
    before = dict(namespace)
    _install(namespace, tensor_cls)
    for name, value in namespace.items():
        if before.get(name) is not value and callable(value) and not isinstance(value, type):
            value._pl_tensor_function = True  # torch.* functions dispatch on subclasses


def _install(namespace, tensor_cls):
    for name, value in {**_torch_aliases.FUNCTIONS, **_torch_aliases.CONSTANTS}.items():
        namespace.setdefault(name, value)  # (names the package has already keep theirs)
    for name, method in _torch_aliases.METHODS.items():
        if not hasattr(tensor_cls, name):
            setattr(tensor_cls, name, method)
    _math_ops.attach(tensor_cls)
    _reduce_ops.attach(tensor_cls)
    for name in _math_ops.METHODS + _reduce_ops.METHODS:
        if name not in _METHOD_ONLY:
            namespace[name] = _function(getattr(tensor_cls, name), name)
    namespace.update(_math_ops.FUNCTIONS)
    _math_more.attach(tensor_cls)
    for name in _math_more.METHODS:
        if name not in ("fmod_", "remainder_", "digamma_", "lgamma_", "ldexp", "polygamma_",
                        "mvlgamma_", "renorm_", "addr_", "put_"):  # methods only (ldexp: its own function)
            namespace[name] = _function(getattr(tensor_cls, name), name)
    namespace.update(_math_more.FUNCTIONS)
    namespace.update(_reduce_ops.FUNCTIONS)
    namespace["logit_"] = _function(tensor_cls.logit_, "logit_")
    for name in _LINALG_FUNCTIONS:
        namespace[name] = _linalg_fn(name)
        setattr(tensor_cls, name, _linalg_method(name))
    for name in ("lu_unpack", "matrix_rank", "chain_matmul"):  # functions only, as in PyTorch
        namespace[name] = _linalg_fn(name)
    namespace["matrix_power"] = _matrix_power
    tensor_cls.matrix_power = lambda self, n: _matrix_power(self, n)
    tensor_cls.matrix_power.__name__ = "matrix_power"
    B = _C.TensorBase
    # with a Tensor first the method itself runs (_C._FastFunction), else _scalar_first
    namespace["add"] = _out.fast(B.add, _scalar_first("add", B.add, _radd), "add")
    namespace["sub"] = namespace["subtract"] = _out.fast(B.sub, _scalar_first("sub", B.sub, _rsub),
                                                         "sub")
    namespace["mul"] = namespace["multiply"] = _out.fast(
        B.mul, _scalar_first("mul", B.mul, lambda t, s: t.__rmul__(s)), "mul")
    namespace["div"] = namespace["divide"] = _out.fast(B.div, _scalar_first("div", B.div, _rdiv),
                                                       "div")
    namespace["true_divide"] = _out.fast(
        B.div, _scalar_first("true_divide", B.div, lambda t, s: t.__rtruediv__(s)),
        "true_divide")
    namespace["pow"] = _out.fast(B.pow, _scalar_first("pow", B.pow, lambda t, s: t.__rpow__(s)),
                                 "pow")
    namespace["floor_divide"] = _scalar_first("floor_divide", tensor_cls.floor_divide,
                                              lambda t, s: t.__rfloordiv__(s))
    namespace["ger"] = _function(tensor_cls.ger, "ger")
    # Tensor.add/sub(_) take the deprecated (alpha, other) form in the binding itself
    for name, reflected in (("bitwise_and", B.__rand__), ("bitwise_or", B.__ror__),
                            ("bitwise_xor", B.__rxor__)):
        namespace[name] = _scalar_first(name, getattr(tensor_cls, name), reflected)
    tensor_cls.norm = _reduce_ops.norm
    namespace["norm"] = tensor_cls.norm
    _api_fill.attach(tensor_cls, namespace)
    _out.install(namespace, tensor_cls, skip=_SCALAR_FIRST)
