"""The reductions and scans of pytorchlite/_reduce_ops.py: values against NumPy, gradients
through gradcheck in float64, named results, errors, and torch when importable."""
import math

import numpy as np
import pytest

import pytorchlite as pl
from pytorchlite.autograd import gradcheck

RNG = np.random.default_rng(2)
X = RNG.standard_normal((2, 3, 4))
ROUNDED = np.round(X * 2)
WITH_NAN = np.where(X > 1.0, np.nan, X)


def t(a, grad=False):
    return pl.tensor(a.tolist(), dtype=pl.float64, requires_grad=grad)


CASES = {
    "logsumexp": (lambda m, a: m.logsumexp(a, (0, 2)), X,
                  lambda a: np.log(np.exp(a).sum((0, 2)))),
    "logsumexp_keepdim": (lambda m, a: a.logsumexp(1, keepdim=True), X,
                          lambda a: np.log(np.exp(a).sum(1, keepdims=True))),
    "amax": (lambda m, a: m.amax(a, (0, 2)), ROUNDED, lambda a: a.max((0, 2))),
    "amin": (lambda m, a: a.amin(1, keepdim=True), ROUNDED, lambda a: a.min(1, keepdims=True)),
    "nansum": (lambda m, a: m.nansum(a, 1), WITH_NAN, lambda a: np.nansum(a, 1)),
    "nanmean": (lambda m, a: m.nanmean(a, 2), WITH_NAN, lambda a: np.nanmean(a, 2)),
    "nanmedian": (lambda m, a: m.nanmedian(a, 2).values, WITH_NAN, None),
    "nanmedian_all": (lambda m, a: m.nanmedian(a), WITH_NAN, None),
    "cummax": (lambda m, a: m.cummax(a, 1).values, X, lambda a: np.maximum.accumulate(a, 1)),
    "cummin": (lambda m, a: a.cummin(2).values, X, lambda a: np.minimum.accumulate(a, 2)),
    "logcumsumexp": (lambda m, a: m.logcumsumexp(a, 1), X,
                     lambda a: np.logaddexp.accumulate(a, 1)),
    "kthvalue": (lambda m, a: m.kthvalue(a, 2, 1).values, X, lambda a: np.sort(a, 1)[:, 1]),
    "mode": (lambda m, a: m.mode(a, 2).values, ROUNDED, None),
    "quantile": (lambda m, a: m.quantile(a, 0.3, dim=1), X, lambda a: np.quantile(a, 0.3, 1)),
    "quantile_all": (lambda m, a: m.quantile(a, 0.7), X, lambda a: np.quantile(a, 0.7)),
    "quantile_vector_q": (lambda m, a: m.quantile(a, m.tensor([0.1, 0.9], dtype=m.float64),
                                                  dim=2, keepdim=True), X,
                          lambda a: np.quantile(a, [0.1, 0.9], 2, keepdims=True)),
    "nanquantile": (lambda m, a: m.nanquantile(a, 0.4, dim=2), WITH_NAN,
                    lambda a: np.nanquantile(a, 0.4, 2)),
    "std_mean": (lambda m, a: m.std_mean(a, 1)[0] + m.std_mean(a, 1)[1], X,
                 lambda a: a.std(1, ddof=1) + a.mean(1)),
    "var_mean": (lambda m, a: m.var_mean(a, dim=(0, 2), correction=0, keepdim=True)[0], X,
                 lambda a: a.var((0, 2), keepdims=True)),
    "diff": (lambda m, a: m.diff(a, n=2, dim=1, prepend=a[:, :1]), X,
             lambda a: np.diff(a, 2, 1, prepend=a[:, :1])),
    "diff_append": (lambda m, a: a.diff(append=a[..., :2]), X,
                    lambda a: np.diff(a, append=a[..., :2])),
    "msort": (lambda m, a: m.msort(a), X, lambda a: np.sort(a, 0)),
    "prod_dim": (lambda m, a: m.prod(a, 1), X, lambda a: a.prod(1)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_against_numpy(name):
    fn, a, ref = CASES[name]
    if ref is None:
        pytest.skip("checked against torch")
    np.testing.assert_allclose(fn(pl, t(a)).numpy(), ref(a), rtol=1e-10, atol=1e-12)


INTERP = {"linear": "linear", "lower": "lower", "higher": "higher", "midpoint": "midpoint",
          "nearest": "nearest"}


@pytest.mark.parametrize("how", sorted(INTERP))
def test_quantile_interpolations(how):
    a = np.arange(10.0).reshape(2, 5) ** 1.5
    for q in (0.0, 0.1, 0.25, 0.5, 0.99, 1.0):
        got = pl.quantile(t(a), q, dim=1, interpolation=how).numpy()
        np.testing.assert_allclose(got, np.quantile(a, q, 1, method=INTERP[how]), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(n for n in CASES if not n.startswith("mode") and
                                        n not in ("amax", "amin")))
def test_gradcheck(name):
    fn, a, _ = CASES[name]
    if np.isnan(a).any():
        a = np.where(np.isnan(a), X + 5, a)  # distinct values: no ties
    assert gradcheck(lambda x: fn(pl, x), (t(a, True),))


def test_amax_ties_share_the_gradient():
    x = t(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]), True)
    x.amax(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    assert type(pl.amax(x, 1).grad_fn).__name__ == "AmaxBackward0"


def test_named_results():
    x = t(np.array([[1.0, 3.0, 2.0], [5.0, 4.0, 4.0]]))
    r = pl.cummax(x, 1)
    assert type(r).__name__ == "cummax" and r.indices.tolist() == [[0, 1, 1], [0, 0, 0]]
    r = pl.aminmax(x, dim=1)
    assert type(r).__name__ == "aminmax" and r.min.tolist() == [1.0, 4.0]
    assert r.max.tolist() == [3.0, 5.0]
    assert repr(pl.aminmax(pl.tensor([1.0, 2.0]))) == (
        "torch.return_types.aminmax(\nmin=tensor(1.),\nmax=tensor(2.))")
    r = pl.kthvalue(x, 2, 1)
    assert type(r).__name__ == "kthvalue" and r.values.tolist() == [2.0, 4.0]
    r = pl.mode(x, 1)
    assert type(r).__name__ == "mode" and r.values.tolist() == [1.0, 4.0]
    assert r.indices.tolist()[1] == 2
    assert type(pl.nanmedian(x, 1)).__name__ == "nanmedian"


def test_errors():
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified"):
        pl.amax(pl.empty(0))
    with pytest.raises(IndexError):
        pl.amax(pl.zeros(2, 0), 1)
    with pytest.raises(RuntimeError, match="q must be in the range"):
        pl.quantile(pl.ones(3), 1.5)
    with pytest.raises(RuntimeError, match="float or double"):
        pl.quantile(pl.ones(3, dtype=pl.int64), 0.5)
    with pytest.raises(RuntimeError, match="interpolation"):
        pl.quantile(pl.ones(3), 0.5, interpolation="cubic")
    with pytest.raises(RuntimeError, match="k out of range"):
        pl.kthvalue(pl.ones(3), 4)
    with pytest.raises(RuntimeError, match="at least one-dimensional"):
        pl.diff(pl.tensor(1.0))
    with pytest.raises(TypeError):
        pl.cummax(pl.ones(3), pl.ones(2))
    with pytest.raises(TypeError):
        pl.logsumexp(pl.ones(3))  # dim is required


def test_extremes():
    x = pl.tensor([[math.inf, 1.0], [-math.inf, -math.inf], [1000.0, 1000.0]])
    got = pl.logsumexp(x, 1).tolist()
    assert got[0] == math.inf and got[1] == -math.inf
    assert got[2] == pytest.approx(1000 + math.log(2))
    assert pl.logsumexp(pl.tensor([1, 2]), 0).dtype is pl.float32
    assert pl.logcumsumexp(pl.tensor([-1000.0, 0.0]), 0).tolist() == pytest.approx([-1000, 0])


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_torch(name):
    torch = pytest.importorskip("torch")
    fn, a, _ = CASES[name]
    res = []
    for m in (torch, pl):
        x = m.tensor(a.tolist(), dtype=m.float64, requires_grad=True)
        out = fn(m, x)
        (out * out).nansum().backward() if hasattr(out, "nansum") else None
        res.append((out.detach().numpy(), np.nan_to_num(x.grad.numpy(), nan=123.0)))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-8, atol=1e-10)
