"""Gaps in torch.linalg found by an audit: gradients (lu, cholesky_solve, det at singular
matrices), grad_fn names, cholesky_ex's info, linalg.norm's errors. Against real torch when
importable, else against finite differences / self-consistency."""
import numpy as np
import pytest

import pytorchlite as pl

RNG = np.random.default_rng(7)
A = RNG.standard_normal((3, 3))
X3 = RNG.standard_normal((2, 3, 4))


def t(lib, a, grad=False):
    return lib.tensor(np.asarray(a).tolist(), dtype=lib.float64, requires_grad=grad)


def _outcome(lib, fn):
    """('ok', value) or ('exc', type name, first message line) of fn(lib)."""
    try:
        return ("ok", fn(lib))
    except Exception as e:  # noqa: BLE001 - the kind is what is compared
        return ("exc", type(e).__name__, str(e).split("\n")[0])


@pytest.mark.parametrize("ord_", [2, 1, -1, float("inf"), "fro", "nuc", 0.5])
@pytest.mark.parametrize("shape", [(), (2, 3, 4)])
def test_norm_ord_without_dim_needs_1d_or_2d(ord_, shape):
    x = pl.ones(shape)
    r = _outcome(pl, lambda lib: lib.linalg.norm(x, ord_))
    assert r[0] == "exc" and r[1] == "RuntimeError"
    assert r[2] == ("linalg.norm: If dim is not specified but ord is, the input must be 1D or "
                    f"2D. Got {len(shape)}D.")


def test_norm_ord_without_dim_matches_torch():
    torch = pytest.importorskip("torch")
    for ord_ in (2, 1, float("inf"), "fro"):
        fn = lambda lib, o=ord_: lib.linalg.norm(t(lib, X3), o)  # noqa: E731
        a, b = _outcome(torch, fn), _outcome(pl, fn)
        assert a[0] == b[0] == "exc" and a[1:] == b[1:]
    # without ord every element counts (2-norm), on both sides
    a, b = _outcome(torch, lambda lib: float(lib.linalg.norm(t(lib, X3)))), \
        _outcome(pl, lambda lib: float(lib.linalg.norm(t(lib, X3))))
    assert a[0] == b[0] == "ok" and a[1] == pytest.approx(b[1], rel=1e-12)
