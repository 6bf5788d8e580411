"""The torch.* names of pytorchlite/_torch_aliases.py against torch: constants, the functional
API's positional forms, the window functions (bit for bit), block_diag, unravel_index,
asarray, rsub, fill, set_default_tensor_type and Tensor.unfold."""
import math
import warnings

import numpy as np
import pytest

import pytorchlite as pl

torch = pytest.importorskip("torch")


def _out(m, f):
    try:
        r = f(m)
    except Exception as e:  # noqa: BLE001 - the type and message are compared
        return type(e).__name__, str(e)
    rs = r if isinstance(r, tuple) else (r,)
    return [(x.detach().numpy().tobytes(), str(x.dtype), tuple(x.shape),
             x.grad_fn.name() if x.grad_fn is not None else None) if hasattr(x, "numpy") else x
            for x in rs]


def test_constants():
    for name in ("pi", "e", "inf", "newaxis"):
        assert getattr(pl, name) == getattr(torch, name)
    assert math.isnan(pl.nan)


CASES = {
    "max_pool1d": lambda m: m.max_pool1d(m.arange(10.).reshape(1, 2, 5), 2, 1),
    "avg_pool1d": lambda m: m.avg_pool1d(m.arange(10.).reshape(1, 2, 5), 3),
    "adaptive_max_pool1d": lambda m: m.adaptive_max_pool1d(m.arange(10.).reshape(1, 2, 5), 2),
    "adaptive_avg_pool1d": lambda m: m.adaptive_avg_pool1d(m.arange(10.).reshape(1, 2, 5), 2),
    "dropout eval": lambda m: m.dropout(m.arange(6.), 0.5, False),
    "dropout": lambda m: (m.manual_seed(0), m.dropout(m.arange(6.), 0.5, True))[1],
    "batch_norm": lambda m: m.batch_norm(m.arange(12.).reshape(3, 2, 2), None, None,
                                         m.zeros(2), m.ones(2), True, 0.1, 1e-5, False),
    "embedding": lambda m: m.embedding(m.arange(12.).reshape(4, 3), m.tensor([1, 3])),
    "pixel_shuffle": lambda m: m.pixel_shuffle(m.arange(16.).reshape(1, 4, 2, 2), 2),
    "threshold": lambda m: m.threshold(m.arange(-2., 3.), 0.5, 9.0),
    "block_diag": lambda m: m.block_diag(m.arange(4.).reshape(2, 2).requires_grad_(),
                                         m.tensor([1, 2]), m.tensor(5.)),
    "block_diag 3-D": lambda m: m.block_diag(m.ones(2, 2, 2)),
    "unravel_index": lambda m: m.unravel_index(m.tensor([4, 1, -1, 9]), (2, 3)),
    "asarray list": lambda m: m.asarray([1, 2, 3], dtype=m.float32),
    "asarray tensor": lambda m: m.asarray(m.ones(2), dtype=m.int64),
    "rsub": lambda m: m.rsub(m.tensor([1., 2.]), 5),
    "rsub alpha": lambda m: m.rsub(m.tensor([1., 2.]), m.tensor([3., 3.]), alpha=2),
    "fill": lambda m: m.fill(m.ones(2), 3),
    "absolute": lambda m: m.absolute(m.tensor([-1, 2])),
    "unfold": lambda m: m.arange(10.).requires_grad_().unfold(0, 3, 2),
    "unfold 3-D": lambda m: m.arange(24.).reshape(2, 3, 4).unfold(1, 2, 1),
    "unfold too big": lambda m: m.arange(10.).unfold(0, 11, 1),
    "unfold step 0": lambda m: m.arange(10.).unfold(0, 2, 0),
    "unfold negative size": lambda m: m.arange(10.).unfold(0, -1, 1),
    "unfold bad dim": lambda m: m.arange(10.).unfold(3, 2, 1),
    "rsub bool": lambda m: m.rsub(m.tensor([True]), 1),
    "rsub float64 by 0.1": lambda m: m.rsub(m.tensor([1.], dtype=m.float64), 0.1),
    "rsub float32 by 0.1": lambda m: m.rsub(m.tensor([1.]), 0.1),
    "rsub int by 2.5": lambda m: m.rsub(m.tensor([1, 2]), 2.5),
    "hann int": lambda m: m.hann_window(5, dtype=m.int64),
    "Tensor.addmm": lambda m: m.ones(2, 2).addmm(m.arange(4.).reshape(2, 2),
                                                  m.arange(4.).reshape(2, 2), beta=2),
    "gumbel_softmax": lambda m: (m.manual_seed(3), m.nn.functional.gumbel_softmax(
        m.arange(8.).reshape(2, 4).requires_grad_(), tau=0.5))[1],
    "gumbel_softmax hard": lambda m: (m.manual_seed(3), m.nn.functional.gumbel_softmax(
        m.arange(8.).reshape(2, 4).requires_grad_(), hard=True))[1],
}
for n in (0, 1, 2, 5, 8, 33):
    for periodic in (True, False):
        for w in ("hann", "hamming", "blackman", "bartlett"):
            CASES[f"{w} {n} {periodic}"] = (lambda m, w=w, n=n, p=periodic:
                                            getattr(m, f"{w}_window")(n, p))
            CASES[f"{w} {n} {periodic} f64"] = (lambda m, w=w, n=n, p=periodic:
                                                getattr(m, f"{w}_window")(n, p, dtype=m.float64))


@pytest.mark.parametrize("case", sorted(CASES))
def test_as_torch(case):
    assert _out(pl, CASES[case]) == _out(torch, CASES[case])


def test_unfold_gradient_sums_overlaps():
    grads = []
    for m in (pl, torch):
        y = m.arange(10.).requires_grad_()
        y.unfold(0, 4, 3).pow(2).sum().backward()
        grads.append(y.grad.numpy())
    np.testing.assert_array_equal(*grads)


def test_asarray_shares_numpy_memory():
    a = np.arange(4.0)
    t = pl.asarray(a)
    a[0] = 9
    assert t[0].item() == 9.0


def test_set_default_tensor_type():
    was = pl.get_default_dtype()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pl.set_default_tensor_type("torch.DoubleTensor")
            assert pl.ones(1).dtype is pl.float64
            pl.set_default_tensor_type(pl.FloatTensor)
            assert pl.ones(1).dtype is pl.float32
            with pytest.raises(TypeError, match="only floating-point types"):
                pl.set_default_tensor_type("torch.IntTensor")
    finally:
        pl.set_default_dtype(was)
