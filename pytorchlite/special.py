"""torch.special: PyTorch's special functions under their SciPy-style names.

Most are the everyday ops under another name (gammaln is lgamma, psi and digamma are digamma,
expit is sigmoid ...); the ones only torch.special has (i0e, i1, i1e, ndtri, log_ndtr, erfcx,
entr, zeta) are rows of the core's op tables, reached through private Tensor methods; ndtr,
xlog1py and round are compositions recorded under PyTorch's node names. The Bessel and Airy
functions (bessel_j0 ... airy_ai, modified_bessel_i1/k0/k1, their scaled forms,
spherical_bessel_j0) are rows too, but PyTorch records no node for them: they run on a detached
input.
"""
import math
import numbers
import sys
import warnings

from . import _C, _argparse
from . import _dtype as _dt
from ._named_op import composite

_B = _C.TensorBase

__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
           "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "digamma",
           "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc",
           "gammaincc", "gammaln", "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e",
           "i1", "i1e", "laguerre_polynomial_l", "legendre_polynomial_p", "log1p", "log_ndtr",
           "log_softmax", "logit", "logsumexp", "modified_bessel_i0", "modified_bessel_i1",
           "modified_bessel_k0", "modified_bessel_k1", "multigammaln", "ndtr", "ndtri", "polygamma",
           "psi", "round", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
           "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "sinc", "softmax",
           "spherical_bessel_j0", "xlog1py", "xlogy", "zeta"]


def _type_name(obj):
    """The name PyTorch's errors give obj's type (its tp_name: module-qualified for a type
    defined in C outside builtins, numpy.ndarray; the bare name for a class)."""
    t = type(obj)
    if t.__flags__ & (1 << 9) or t.__module__ == "builtins":  # a heap type (a class)
        return t.__name__
    return f"{t.__module__}.{t.__name__}"


def _check(fname, input, name="input", pos=1):  # noqa: A002
    if not isinstance(input, _B):
        raise TypeError(f"special_{fname}(): argument '{name}' (position {pos}) must be Tensor, "
                        f"not {_type_name(input)}")


def _unary(fname, method_name, arg="input"):
    def function(input, *, out=None):  # noqa: A002
        _check(fname, input, arg)
        r = getattr(input, method_name)()
        if out is not None:
            from . import _out

            return _out.write_out(f"special_{fname}", out, r, (input,))
        return r

    function.__name__ = function.__qualname__ = fname
    function.__doc__ = f"torch.special.{fname}(input)."
    return function


erf = _unary("erf", "erf")
erfc = _unary("erfc", "erfc")
erfinv = _unary("erfinv", "erfinv")
expit = _unary("expit", "sigmoid")
exp2 = _unary("exp2", "exp2")
expm1 = _unary("expm1", "expm1")
log1p = _unary("log1p", "log1p")
gammaln = _unary("gammaln", "lgamma")
digamma = _unary("digamma", "digamma")
psi = _unary("psi", "digamma")
i0 = _unary("i0", "i0")
sinc = _unary("sinc", "sinc")
i0e = _unary("i0e", "_special_i0e")
i1 = _unary("i1", "_special_i1")
i1e = _unary("i1e", "_special_i1e")
ndtri = _unary("ndtri", "_special_ndtri")
log_ndtr = _unary("log_ndtr", "_special_log_ndtr")
erfcx = _unary("erfcx", "_special_erfcx")
entr = _unary("entr", "_special_entr")


def _binary(fname, method_name):
    """special.fname(input, other): two Tensors (PyTorch takes no numbers here)."""
    def function(input, other, *, out=None):  # noqa: A002
        _check(fname, input)
        _check(fname, other, "other", 2)
        r = getattr(input, method_name)(other)
        if out is not None:
            from . import _out

            return _out.write_out(f"special_{fname}", out, r, (input, other))
        return r

    function.__name__ = function.__qualname__ = fname
    function.__doc__ = f"torch.special.{fname}(input, other)."
    return function


# the regularized lower and upper incomplete gamma functions (the table's igamma / igammac)
gammainc = _binary("gammainc", "igamma")
gammaincc = _binary("gammaincc", "igammac")


def _undifferentiated(fname, method_name, arg="input"):
    """A special function PyTorch does not differentiate: computed on a detached input, so
    the result has no grad_fn (as PyTorch's). arg: the input's name in PyTorch's signature;
    its argument parser takes an `input` by the NumPy name `x` as well, and reports bad calls
    in its own words, which these follow."""
    full = f"special_{fname}"

    def function(*args, out=None, **kwargs):
        if len(args) > 1:
            raise TypeError(f"{full}() takes 1 positional argument but {len(args)} were given")
        used = set()
        if args:
            if arg in kwargs:
                raise TypeError(f"{full}() got multiple values for argument '{arg}'")
            input = args[0]  # noqa: A001
        else:
            key = arg if arg in kwargs else ("x" if arg == "input" and "x" in kwargs else None)
            if key is None:
                raise TypeError(f'{full}() missing 1 required positional arguments: "{arg}"')
            input = kwargs[key]  # noqa: A001
            used.add(key)
        if len(used) != len(kwargs):
            unexpected = next(k for k in kwargs if k != arg)
            raise TypeError(f"{full}() got an unexpected keyword argument '{unexpected}'")
        if not isinstance(input, _B):
            where = " (position 1)" if args else ""
            raise TypeError(f"{full}(): argument '{arg}'{where} must be Tensor, "
                            f"not {_type_name(input)}")
        if input.dtype in (_dt.float16, _dt.bfloat16):
            from ._math_ops import _dt_name

            raise NotImplementedError(f'"{fname}_cpu" not implemented for '
                                      f"'{_dt_name(input.dtype)}'")
        r = getattr(input.detach(), method_name)()
        if out is None:
            return r
        from . import _out

        # no node to refuse: out is written whatever requires grad, as PyTorch's
        return _out._write_one(full, out, r)

    function.__name__ = function.__qualname__ = fname
    function.__doc__ = (f"torch.special.{fname}({arg}, *, out=None) (no gradient, as in "
                        "PyTorch).")
    return function


bessel_j0 = _undifferentiated("bessel_j0", "_special_bessel_j0")
bessel_j1 = _undifferentiated("bessel_j1", "_special_bessel_j1")
bessel_y0 = _undifferentiated("bessel_y0", "_special_bessel_y0")
bessel_y1 = _undifferentiated("bessel_y1", "_special_bessel_y1")
# PyTorch's modified_bessel_i0 gives i0's bits, without a gradient
modified_bessel_i0 = _undifferentiated("modified_bessel_i0", "i0")
# modified_bessel_i1 is PyTorch's own evaluation, not special.i1's: their last bits differ
modified_bessel_i1 = _undifferentiated("modified_bessel_i1", "_special_modified_bessel_i1")
modified_bessel_k0 = _undifferentiated("modified_bessel_k0", "_special_modified_bessel_k0")
modified_bessel_k1 = _undifferentiated("modified_bessel_k1", "_special_modified_bessel_k1")
scaled_modified_bessel_k0 = _undifferentiated("scaled_modified_bessel_k0",
                                              "_special_scaled_modified_bessel_k0", arg="x")
scaled_modified_bessel_k1 = _undifferentiated("scaled_modified_bessel_k1",
                                              "_special_scaled_modified_bessel_k1", arg="x")
spherical_bessel_j0 = _undifferentiated("spherical_bessel_j0", "_special_spherical_bessel_j0",
                                        arg="x")
airy_ai = _undifferentiated("airy_ai", "_special_airy_ai", arg="x")


def logit(input, eps=None, *, out=None):  # noqa: A002
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given."""
    _check("logit", input)
    return input.logit(eps)


def ndtr(input, *, out=None):  # noqa: A002
    """The standard normal CDF, (1 + erf(x / sqrt(2))) / 2 as PyTorch composes it."""
    _check("ndtr", input)
    x = input if input.dtype.is_floating_point else input.to(_C.get_default_dtype())
    scaled = composite("MulBackward1", lambda t: t * math.sqrt(0.5), x, saves=False)
    shifted = composite("AddBackward1", lambda t: t + 1, scaled.erf(), saves=False)
    return composite("MulBackward1", lambda t: t * 0.5, shifted, saves=False)


def polygamma(n, input, *, out=None):  # noqa: A002
    """The n-th derivative of digamma."""
    from ._math_more import polygamma as _polygamma

    return _polygamma(n, input)


def multigammaln(input, p, *, out=None):  # noqa: A002
    """The multivariate log-gamma function of dimension p (mvlgamma)."""
    _check("multigammaln", input)
    from ._math_more import mvlgamma

    return mvlgamma(input, p, _pos=2)


def round(input, *, decimals=0, out=None):  # noqa: A001, A002
    """Rounds half to even (to ``decimals`` decimal places); RoundBackward1, a zero gradient."""
    _check("round", input)
    if not input.dtype.is_floating_point:
        from ._math_more import _dt_name

        raise NotImplementedError(f'"round_vml_cpu" not implemented for '
                                  f"'{_dt_name(input.dtype)}'")
    return composite("RoundBackward1", lambda t: t.round(decimals=decimals), input, saves=False)


def softmax(input, dim, *, dtype=None):  # noqa: A002
    from .nn.functional import softmax as _softmax

    return _softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):  # noqa: A002
    from .nn.functional import log_softmax as _log_softmax

    return _log_softmax(input, dim, dtype=dtype)


def logsumexp(input, dim, keepdim=False, *, out=None):  # noqa: A002
    _check("logsumexp", input)
    return input.logsumexp(dim, keepdim)


def xlogy(input, other, *, out=None):  # noqa: A002
    from . import xlogy as _xlogy

    return _xlogy(input, other)


def xlog1py(input, other, *, out=None):  # noqa: A002
    """input * log1p(other), 0 where input is 0 (nan where other is nan)."""
    from ._math_ops import xlog1py as _xlog1py

    if not isinstance(input, _B):
        _check("xlog1py", other, "other", 2)
        x = input
        return composite("SpecialXlog1PyBackward1", lambda y: _xlog1py(x, y), _float(other))
    if not isinstance(other, _B):
        if not isinstance(other, numbers.Number):
            _check("xlog1py", other, "other", 2)
        y = other
        return composite("SpecialXlog1PyBackward2", lambda x: _xlog1py(x, y), _float(input))
    return composite("SpecialXlog1PyBackward0", _xlog1py, _float(input), _float(other))


def _float(t):
    return t if t.dtype.is_floating_point else t.to(_C.get_default_dtype())


def zeta(input, other, *, out=None):  # noqa: A002
    """The Hurwitz zeta function sum_k (k + other) ** -input; input's gradient is not
    implemented (as in PyTorch)."""
    if not isinstance(input, _B):
        if not isinstance(other, _B):
            _check("zeta", other, "other", 2)
        return other._rspecial_zeta(input)
    return input._special_zeta(other)


# ---- the orthogonal polynomials f(input, n) ----
# Rows of the core's binary op table, reached through _C._binary_op (no Tensor method has them).
# PyTorch records no node for them and refuses half precision; either argument may be a Python
# number, not both. Its argument parser names the arguments x and n.

_POLY_SIGNATURES = ("Tensor x, Tensor n, *, Tensor out = None",
                    "Number x, Tensor n, *, Tensor out = None",
                    "Tensor x, Number n, *, Tensor out = None")


def _is_number(obj):
    """PyTorch's Number: Python's bool, int, float and complex (their subclasses too) and
    NumPy's scalars of those kinds; not Fraction or Decimal."""
    if isinstance(obj, (int, float, complex)):
        return True
    np = sys.modules.get("numpy")
    return np is not None and isinstance(obj, (np.number, np.bool_))


def _poly_number(kernel, value, other):
    """A number operand as PyTorch's Scalar takes it: NumPy's scalars as Python's (a NumPy
    complex one by its real part, with NumPy's warning, unless it is a Python complex); ints
    beyond int64 up to 2**64 - 1 as their (unsigned) value, larger ones refused; complex
    numbers have no kernel."""
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, np.generic) and not isinstance(value, (float, complex)):
        if isinstance(value, np.complexfloating):
            warnings.warn("Casting complex values to real discards the imaginary part",
                          getattr(np, "exceptions", np).ComplexWarning, stacklevel=3)
            value = value.real
        value = (bool(value) if isinstance(value, np.bool_) else
                 int(value) if isinstance(value, np.integer) else float(value))
    if isinstance(value, int) and not isinstance(value, bool):
        if value > 2**64 - 1:
            raise OverflowError("int too big to convert")
        if value < -2**63:
            raise OverflowError("can't convert negative int to unsigned")
        if value > 2**63 - 1:
            value = float(value)
    elif isinstance(value, complex):
        name = {_dt.float64: "ComplexDouble", _dt.float16: "ComplexHalf"}.get(other.dtype,
                                                                              "ComplexFloat")
        raise NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')
    return value


def _polynomial(fname):
    """torch.special.fname(input, n, *, out=None): the degree n (truncated to an integer) of
    the polynomial at input, elementwise with broadcasting; no gradient, as in PyTorch."""
    full, kernel = f"special_{fname}", f"{fname}_cpu"
    row = [r[0] for r in _C._binary_ops].index(fname)

    def function(*args, **kwargs):
        out = kwargs.get("out")
        named = {k: v for k, v in kwargs.items() if k != "out"}
        given = dict(zip(("x", "n"), args))
        if (len(args) > 2 or (out is not None and not isinstance(out, _B)) or
                any(k in given or k not in ("x", "n") for k in named)):
            raise _argparse.invalid_combination(full, args, kwargs, _POLY_SIGNATURES)
        given.update(named)
        x, n = given.get("x"), given.get("n")
        x_t, n_t = isinstance(x, _B), isinstance(n, _B)
        if (len(given) != 2 or not (x_t or n_t) or not (x_t or _is_number(x)) or
                not (n_t or _is_number(n))):
            raise _argparse.invalid_combination(full, args, kwargs, _POLY_SIGNATURES)
        if not x_t:
            x = _poly_number(kernel, x, n)
        if not n_t:
            n = _poly_number(kernel, n, x)
        dtype = _C._result_type(x, n)
        if dtype in (_dt.float16, _dt.bfloat16):
            from ._math_ops import _dt_name

            raise NotImplementedError(f'"{kernel}" not implemented for \'{_dt_name(dtype)}\'')
        r = _C._binary_op(row, x.detach() if x_t else x, n.detach() if n_t else n)
        if out is None:
            return r
        from . import _out

        # no node to refuse: out is written whatever requires grad, as PyTorch's
        return _out._write_one(full, out, r)

    function.__name__ = function.__qualname__ = full
    function.__doc__ = (f"torch.special.{fname}(input, n, *, out=None): the polynomial of "
                        "degree n (truncated to an integer) at input (no gradient, as in "
                        "PyTorch).\n\nNote: at a nan input, from degree 2, PyTorch's kernel "
                        "returns an unset value for most of these polynomials; pytorchlite "
                        "returns nan.")
    return function


chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t")
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u")
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v")
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w")
shifted_chebyshev_polynomial_t = _polynomial("shifted_chebyshev_polynomial_t")
shifted_chebyshev_polynomial_u = _polynomial("shifted_chebyshev_polynomial_u")
shifted_chebyshev_polynomial_v = _polynomial("shifted_chebyshev_polynomial_v")
shifted_chebyshev_polynomial_w = _polynomial("shifted_chebyshev_polynomial_w")
hermite_polynomial_h = _polynomial("hermite_polynomial_h")
hermite_polynomial_he = _polynomial("hermite_polynomial_he")
laguerre_polynomial_l = _polynomial("laguerre_polynomial_l")
legendre_polynomial_p = _polynomial("legendre_polynomial_p")
