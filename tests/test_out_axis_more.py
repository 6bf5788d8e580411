"""out= on the random and plain factories and on more functions, NumPy's axis=/keepdims=
names on the functions and methods PyTorch's parser gives them, against torch (values,
dtypes, identity of the returned out, strides kept, errors)."""
import warnings

import pytest

import pytorchlite as pl

torch = pytest.importorskip("torch")


def _outcome(m, fn):
    m.manual_seed(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            o, r = fn(m)
        except Exception as exc:  # noqa: BLE001 - type and message are compared
            return type(exc).__name__, str(exc).split("\n")[0]
    res = r if isinstance(r, tuple) else (r,)
    return ("ok", r is o, [(t.tolist(), str(t.dtype), tuple(t.stride())) for t in res],
            o.tolist() if o is not None else None, len(caught))


def _run(fn):
    want, got = _outcome(torch, fn), _outcome(pl, fn)
    assert got == want
    return want


FACTORY_CASES = {
    "rand f64 out": lambda m: (lambda o: (o, m.rand(3, out=o)))(m.zeros(2, dtype=m.float64)),
    "rand dtype clash": lambda m: (lambda o: (o, m.rand(3, out=o, dtype=m.float64)))(m.zeros(3)),
    "randn reshaped": lambda m: (lambda o: (o, m.randn(2, 2, out=o)))(m.zeros(4)),
    "randn transposed": lambda m: (lambda o: (o, m.randn(2, 3, out=o)))(m.zeros(3, 2).t()),
    "randn half": lambda m: (lambda o: (o, m.randn(16, out=o)))(m.zeros(16, dtype=m.float16)),
    "randint float out": lambda m: (lambda o: (o, m.randint(0, 5, (3,), out=o)))(m.zeros(3)),
    "randint long out": lambda m: (lambda o: (o, m.randint(7, (2, 2), out=o)))(
        m.zeros(3, dtype=m.long)),
    "randperm float": lambda m: (lambda o: (o, m.randperm(6, out=o)))(m.zeros(2)),
    "normal tensor": lambda m: (lambda o: (o, m.normal(m.zeros(3), 1.0, out=o)))(m.ones(3)),
    "normal floats": lambda m: (lambda o: (o, m.normal(0.0, 2.0, (20,), out=o)))(m.ones(1)),
    "normal both": lambda m: (lambda o: (o, m.normal(m.zeros(3), m.ones(3), out=o)))(m.ones(3)),
    "rand out grad": lambda m: (lambda o: (o, m.rand(3, out=o)))(m.zeros(3, requires_grad=True)),
    "zeros long": lambda m: (lambda o: (o, m.zeros(3, out=o)))(m.ones(2, dtype=m.long)),
    "zeros transposed": lambda m: (lambda o: (o, m.zeros(2, 2, out=o)))(m.ones(2, 2).t()),
    "zeros dtype clash": lambda m: (lambda o: (o, m.zeros(3, out=o, dtype=m.float64)))(
        m.zeros(3)),
    "ones requires_grad": lambda m: (lambda o: (o, m.ones(2, out=o, requires_grad=True)))(
        m.zeros(2)),
    "full cast": lambda m: (lambda o: (o, m.full((2,), 2.5, out=o)))(m.zeros(2, dtype=m.long)),
    "empty keeps": lambda m: (lambda o: (None, m.empty(3, out=o)[:2]))(m.ones(2)),
    "eye long": lambda m: (lambda o: (o, m.eye(2, 3, out=o)))(m.zeros(1, dtype=m.long)),
    "arange warns": lambda m: (lambda o: (o, m.arange(5, out=o)))(m.zeros(1)),
    "arange empty out": lambda m: (lambda o: (o, m.arange(3, out=o)))(m.zeros(0)),
    "arange long": lambda m: (lambda o: (o, m.arange(0.5, 3, out=o)))(m.zeros(3, dtype=m.long)),
    "arange grad": lambda m: (lambda o: (o, m.arange(3, out=o)))(m.zeros(3, requires_grad=True)),
    "linspace f64": lambda m: (lambda o: (o, m.linspace(0, 1, 5, out=o)))(
        m.zeros(5, dtype=m.float64)),
    "logspace": lambda m: (lambda o: (o, m.logspace(0, 1, 3, out=o)))(m.zeros(3)),
}


def test_empty_out_is_resized_in_place():
    o = pl.ones(2)
    assert pl.empty(3, out=o) is o and o.shape == (3,) and o[:2].tolist() == [1.0, 1.0]


@pytest.mark.parametrize("case", FACTORY_CASES, ids=str)
def test_factories_with_out(case):
    _run(FACTORY_CASES[case])


X = [[3.0, 1.0, 2.0], [0.0, 5.0, 4.0], [7.0, 8.0, 6.0]]
FUNCTION_CASES = {
    "tril": lambda m, x, o: m.tril(x, out=o), "triu": lambda m, x, o: m.triu(x, 1, out=o),
    "diag": lambda m, x, o: m.diag(x, out=o),
    "gather": lambda m, x, o: m.gather(x, 1, m.tensor([[0, 2], [1, 0], [2, 2]]), out=o),
    "index_select": lambda m, x, o: m.index_select(x, 0, m.tensor([2, 0]), out=o),
    "masked_select": lambda m, x, o: m.masked_select(x, x > 4, out=o),
    "take": lambda m, x, o: m.take(x, m.tensor([0, 8]), out=o),
    "exp2": lambda m, x, o: m.exp2(x, out=o), "sinc": lambda m, x, o: m.sinc(x, out=o),
    "atan2": lambda m, x, o: m.atan2(x, x + 1, out=o),
    "square": lambda m, x, o: m.square(x, out=o),
}


@pytest.mark.parametrize("case", FUNCTION_CASES, ids=str)
def test_functions_with_out(case):
    _run(lambda m: (lambda o: (o, FUNCTION_CASES[case](m, m.tensor(X), o)))(m.empty(0)))


AXIS_CASES = {
    "cumsum": lambda m, x: m.cumsum(x, axis=1), "m.cumsum": lambda m, x: x.cumsum(axis=0),
    "cumprod": lambda m, x: m.cumprod(x, axis=1), "m.cumprod": lambda m, x: x.cumprod(axis=1),
    "argsort": lambda m, x: m.argsort(x, axis=1), "m.argsort": lambda m, x: x.argsort(axis=0),
    "count_nonzero": lambda m, x: m.count_nonzero(x, axis=1), "diff": lambda m, x: m.diff(x, axis=1),
    "m.median": lambda m, x: x.median(axis=0), "var_mean": lambda m, x: m.var_mean(x, axis=1),
    "std_mean": lambda m, x: m.std_mean(x, axis=1, keepdims=True),
    "take_along_dim": lambda m, x: m.take_along_dim(x, m.tensor([[0], [2], [1]]), axis=1),
    "repeat_interleave": lambda m, x: m.repeat_interleave(x, 2, axis=0),
    "m.tensor_split": lambda m, x: x.tensor_split(2, axis=1),
    "gather": lambda m, x: m.gather(x, axis=1, index=m.tensor([[0], [2], [1]])),
    "m.cummax": lambda m, x: x.cummax(axis=1), "m.sort": lambda m, x: x.sort(axis=1),
    "unbind": lambda m, x: m.unbind(x, axis=1), "chunk": lambda m, x: m.chunk(x, 2, axis=1),
    "swapaxes": lambda m, x: m.swapaxes(x, axis0=0, axis1=1),
    "m.swapdims": lambda m, x: x.swapdims(dim0=0, dim1=1),
}


@pytest.mark.parametrize("case", AXIS_CASES, ids=str)
def test_numpy_names(case):
    def fn(m):
        r = AXIS_CASES[case](m, m.tensor(X))
        return None, tuple(r) if isinstance(r, (tuple, list)) else r
    _run(fn)
