"""out= on the torch.* functions (pytorchlite/_out.py): the result is written into out and out
is returned; a wrong-size out is resized (with PyTorch's warning when it held elements); dtype
and autograd checks raise PyTorch's errors; axis=/keepdims= spell dim=/keepdim=."""
import warnings

import numpy as np
import pytest

import pytorchlite as pl

CALLS = [
    ("add", lambda m, out: m.add(m.arange(3.0), 2, alpha=3, out=out)),
    ("sub", lambda m, out: m.sub(m.arange(3.0), m.ones(3), out=out)),
    ("mul", lambda m, out: m.mul(m.arange(3.0), m.arange(3.0), out=out)),
    ("div", lambda m, out: m.div(m.arange(3.0), 2, out=out)),
    ("pow", lambda m, out: m.pow(m.arange(3.0), 2, out=out)),
    ("matmul", lambda m, out: m.matmul(m.ones(2, 3), m.ones(3, 2), out=out)),
    ("mm", lambda m, out: m.mm(m.ones(2, 3), m.ones(3, 2), out=out)),
    ("bmm", lambda m, out: m.bmm(m.ones(2, 2, 3), m.ones(2, 3, 1), out=out)),
    ("sum", lambda m, out: m.sum(m.ones(2, 3), 1, out=out)),
    ("mean", lambda m, out: m.mean(m.ones(2, 3), dim=0, out=out)),
    ("exp", lambda m, out: m.exp(m.zeros(2), out=out)),
    ("cat", lambda m, out: m.cat([m.ones(2), m.zeros(1)], out=out)),
    ("stack", lambda m, out: m.stack([m.ones(2), m.zeros(2)], out=out)),
    ("where", lambda m, out: m.where(m.arange(3) > 0, m.ones(3), m.zeros(3), out=out)),
    ("logsumexp", lambda m, out: m.logsumexp(m.ones(2, 3), 1, out=out)),
    ("amax", lambda m, out: m.amax(m.arange(6.0).reshape(2, 3), 1, out=out)),
    ("clamp", lambda m, out: m.clamp(m.arange(4.0), 1, 2, out=out)),
    ("logaddexp", lambda m, out: m.logaddexp(m.zeros(2), m.zeros(2), out=out)),
    ("linalg.inv", lambda m, out: m.linalg.inv(m.eye(2) * 2, out=out)),
]


@pytest.mark.parametrize("name,call", CALLS, ids=[c[0] for c in CALLS])
def test_result_written_into_out(name, call):
    want = call(pl, None)
    out = pl.empty(0)
    got = call(pl, out)
    assert got is out
    assert out.shape == want.shape
    np.testing.assert_allclose(out.numpy(), want.numpy())


@pytest.mark.parametrize("name,call", CALLS, ids=[c[0] for c in CALLS])
def test_against_torch(name, call):
    torch = pytest.importorskip("torch")
    out_t, out_p = torch.empty(0), pl.empty(0)
    call(torch, out_t)
    call(pl, out_p)
    np.testing.assert_allclose(out_p.numpy(), out_t.numpy(), rtol=1e-6)


def test_same_shape_out_keeps_its_storage():
    out = pl.zeros(3)
    view = out.view(3)
    pl.add(pl.ones(3), 1, out=out)
    assert view.tolist() == [2.0, 2.0, 2.0]


def test_resize_warns_only_when_out_held_elements():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pl.add(pl.ones(3), 1, out=pl.empty(0))  # no warning
    with pytest.warns(UserWarning, match="was resized since it had shape \\[2\\]"):
        out = pl.add(pl.ones(3), 1, out=pl.zeros(2))
    assert out.tolist() == [2.0, 2.0, 2.0]


def test_dtype_rules():
    out = pl.empty(3, dtype=pl.float64)
    pl.add(pl.ones(3), 1, out=out)
    assert out.dtype is pl.float64 and out.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        pl.add(pl.ones(3), 1, out=pl.empty(3, dtype=pl.int64))
    eq = pl.eq(pl.ones(2), pl.ones(2), out=pl.empty(2))  # bool into float is allowed
    assert eq.tolist() == [1.0, 1.0]
    with pytest.raises(TypeError):
        pl.add(pl.ones(2), 1, out=[1, 2])


def test_autograd_refused():
    x = pl.ones(3, requires_grad=True)
    msg = "functions with out=... arguments don't support automatic differentiation"
    with pytest.raises(RuntimeError, match=msg):
        pl.mul(x, 2, out=pl.empty(3))
    with pytest.raises(RuntimeError, match=msg):
        pl.mul(pl.ones(3), 2, out=pl.empty(3, requires_grad=True))
    with pl.no_grad():
        assert pl.mul(x, 2, out=pl.empty(3)).tolist() == [2.0, 2.0, 2.0]


def test_tuple_out_is_a_named_result():
    vals, idx = pl.empty(0), pl.empty(0, dtype=pl.int64)
    r = pl.max(pl.tensor([[1.0, 5.0], [7.0, 2.0]]), 1, out=(vals, idx))
    assert type(r).__name__ == "max_out" and r.values is vals and r.indices is idx
    assert vals.tolist() == [5.0, 7.0] and idx.tolist() == [1, 0]


def test_axis_and_keepdims_aliases():
    x = pl.arange(6.0).reshape(2, 3)
    assert pl.sum(x, axis=1, keepdims=True).tolist() == [[3.0], [12.0]]
    assert x.sum(axis=0).tolist() == [3.0, 5.0, 7.0]
    assert x.mean(axis=1).tolist() == [1.0, 4.0]
    assert pl.amax(x, axis=0).tolist() == [3.0, 4.0, 5.0]
    assert pl.max(x, axis=1).values.tolist() == [2.0, 5.0]
    assert pl.std(x, axis=1).tolist() == pytest.approx([1.0, 1.0])
    with pytest.raises(TypeError):
        pl.sum(x, 1, axis=1)  # dim given twice


def test_linalg_out_and_tuple_outs():
    A = pl.tensor([[2.0, 1.0], [1.0, 3.0]])
    q, r = pl.empty(0), pl.empty(0)
    res = pl.linalg.qr(A, out=(q, r))
    assert type(res).__name__ == "linalg_qr_out" and res.Q is q and res.R is r
    np.testing.assert_allclose((q @ r).numpy(), A.numpy(), atol=1e-6)
    s, l = pl.empty(0), pl.empty(0)
    res = pl.linalg.slogdet(A, out=(s, l))
    assert repr(res).startswith("torch.return_types.linalg_slogdet_out(")
    assert l.item() == pytest.approx(np.log(5.0))
    o = pl.empty(0)
    assert pl.linalg.matrix_power(A, 2, out=o) is o and o.tolist() == [[5.0, 5.0], [5.0, 10.0]]
    U, S, V = pl.empty(0), pl.empty(0), pl.empty(0)
    pl.svd(A, out=(U, S, V))
    np.testing.assert_allclose(S.numpy(), np.linalg.svd(A.numpy(), compute_uv=False), rtol=1e-6)
    v, i = pl.empty(0), pl.empty(0, dtype=pl.int64)
    res = pl.cummax(A, 1, out=(v, i))
    assert type(res).__name__ == "cummax_out" and i.tolist() == [[0, 0], [0, 1]]
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        pl.linalg.inv(A.clone().requires_grad_(), out=pl.empty(0))
    with pytest.raises(TypeError):
        pl.linalg.qr(A, out=pl.empty(0))  # a tuple result needs a tuple of outs
