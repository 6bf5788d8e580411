"""softmax, log_softmax, nll_loss and cross_entropy bit for bit with PyTorch's CPU kernels
(csrc/core/ops/softmax_rows.c for the last dim, softmax_cols.c for another, loss.c): values and gradients for float32 and float64 over many
shapes, on one and two threads, and under each capability ATEN_CPU_CAPABILITY can force (both
libraries run in a child process then). The exp(x - shift) and log these rest on are checked
against their plain references by the C program of test_aten_layout.py."""
import os
import subprocess
import sys

import numpy as np
import pytest

import pytorchlite as pl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPES = [(1,), (3,), (4, 10), (2, 7), (5, 8), (3, 15), (3, 16), (3, 17), (2, 31), (2, 33),
          (64, 10), (3, 100), (1, 4097), (7, 3, 5), (300, 10), (2, 1000)]
# (shape, dim) with a dim before the last: ATen's column kernels
OTHER_DIMS = [((4, 5, 3, 3), 1), ((2, 3, 4), 0), ((2, 3, 4), 1), ((3, 7, 9), 1), ((5, 4, 17), 1),
              ((2, 10, 33), 1), ((8, 3, 100), 1), ((1, 6, 8), 1), ((6, 1000), 0),
              ((3, 4, 5, 6), 2), ((64, 10, 20), 1), ((2, 3, 4001), 1), ((7, 1, 9), 1)]
DTYPES = ["float32", "float64"]


def _bits(a):
    a = np.ascontiguousarray(a)
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


def _same(got, want, what):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, what
    nan = np.isnan(got) & np.isnan(want)
    diff = (_bits(got) != _bits(want)) & ~nan
    assert not diff.any(), f"{what}: {int(diff.sum())} of {diff.size} differ"


def _inputs(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    return x, g


def _softmax_run(m, fn, x, g, dim=-1):
    t = m.tensor(x, requires_grad=True)
    y = getattr(t, fn)(dim)
    y.backward(m.tensor(g))
    return y.detach().numpy(), t.grad.numpy()


@pytest.fixture(params=[1, 2], ids=["1thread", "2threads"])
def threads(request):
    torch = pytest.importorskip("torch")
    old_t, old_p = torch.get_num_threads(), pl.get_num_threads()
    torch.set_num_threads(request.param)
    pl.set_num_threads(request.param)
    yield request.param
    torch.set_num_threads(old_t)
    pl.set_num_threads(old_p)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_last_dim_values_and_gradients_bitwise(threads, fn, dtype):
    import torch
    for k, shape in enumerate(SHAPES):
        x, g = _inputs(shape, dtype, k)
        ty, tg = _softmax_run(torch, fn, x, g)
        py, pg = _softmax_run(pl, fn, x, g)
        _same(py, ty, f"{fn} {shape} {dtype}")
        _same(pg, tg, f"{fn} grad {shape} {dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_other_dims_values_and_gradients_bitwise(threads, fn, dtype):
    import torch
    for k, (shape, dim) in enumerate(OTHER_DIMS):
        x, g = _inputs(shape, dtype, 100 + k)
        ty, tg = _softmax_run(torch, fn, x, g, dim)
        py, pg = _softmax_run(pl, fn, x, g, dim)
        _same(py, ty, f"{fn} {shape} dim {dim} {dtype}")
        _same(pg, tg, f"{fn} grad {shape} dim {dim} {dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_of_images_bitwise(threads, dtype):
    import torch
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, 5, 3, 7)).astype(dtype)
    t = rng.integers(0, 5, (4, 3, 7))
    for kw in [{}, {"reduction": "sum"}, {"reduction": "none"}, {"label_smoothing": 0.2},
               {"ignore_index": 2}]:
        tl, tg = _loss_run(torch, x, t, kw)
        pl_, pg = _loss_run(pl, x, t, kw)
        _same(pl_, tl, f"cross_entropy (4, 5, 3, 7) {kw}")
        _same(pg, tg, f"cross_entropy (4, 5, 3, 7) {kw} grad")


@pytest.mark.parametrize("dtype", DTYPES)
def test_special_values_and_views_as_torch(dtype):
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 1.0, np.inf, 2.0], [-np.inf, -np.inf, -np.inf, -np.inf],
                  [np.nan, 1.0, 2.0, 3.0], [1e30, -1e30, 0.0, 5.0], [-0.0, 0.0, -0.0, 0.0],
                  [88.0, 89.0, 87.5, -100.0]], dtype)
    for fn in ["softmax", "log_softmax"]:
        for dim in (0, 1):
            _same(getattr(pl.tensor(x), fn)(dim).numpy(), getattr(torch.tensor(x), fn)(dim).numpy(),
                  f"{fn} dim {dim}")
        # a transposed view takes a contiguous copy first, as ATen does
        xt = np.ascontiguousarray(_inputs((9, 6), dtype, 3)[0])
        _same(getattr(pl.tensor(xt).t(), fn)(-1).numpy(),
              getattr(torch.tensor(xt).t(), fn)(-1).numpy(), fn + " of a view")
        _same(pl.nn.functional.__dict__[fn](pl.tensor(x[0]), dim=0).numpy(),
              torch.nn.functional.__dict__[fn](torch.tensor(x[0]), dim=0).numpy(), fn + " 1-D")


def _loss_run(m, x, t, kw, w=None):
    xx = m.tensor(x, requires_grad=True)
    k = dict(kw)
    if w is not None:
        k["weight"] = m.tensor(w)
    loss = m.nn.functional.cross_entropy(xx, m.tensor(t), **k)
    (loss.sum() if loss.dim() else loss).backward()
    return loss.detach().numpy(), xx.grad.numpy()


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_loss_and_gradient_bitwise(threads, dtype):
    import torch
    cases = [{}, {"reduction": "sum"}, {"reduction": "none"}, {"label_smoothing": 0.1},
             {"ignore_index": 1}, {"weight": True}, {"weight": True, "ignore_index": 0},
             {"weight": True, "reduction": "sum"}, {"weight": True, "label_smoothing": 0.3}]
    for n, c in [(4, 10), (64, 10), (256, 1000), (3, 5), (1, 7), (1000, 10), (33, 17)]:
        rng = np.random.default_rng(n * c)
        x = (rng.standard_normal((n, c)) * 2).astype(dtype)
        t = rng.integers(0, c, n)
        w = rng.random(c).astype(dtype)
        for kw in cases:
            weight = w if kw.pop("weight", False) else None
            tl, tg = _loss_run(torch, x, t, kw, weight)
            pl_, pg = _loss_run(pl, x, t, kw, weight)
            what = f"cross_entropy {(n, c)} {kw} weight={weight is not None} {dtype}"
            _same(pl_, tl, what)
            _same(pg, tg, what + " grad")


def test_nll_loss_edges_as_torch():
    torch = pytest.importorskip("torch")
    x = np.log(np.random.default_rng(5).dirichlet(np.ones(4), 6)).astype(np.float32)
    for t in ([1, -100, 2, 3, -100, 0], [-100] * 6):
        for red in ["mean", "sum", "none"]:
            got = pl.nn.functional.nll_loss(pl.tensor(x), pl.tensor(t), reduction=red).numpy()
            want = torch.nn.functional.nll_loss(torch.tensor(x), torch.tensor(t),
                                                reduction=red).numpy()
            _same(got, want, f"nll_loss {t} {red}")
    x1 = pl.tensor(x[0], requires_grad=True)
    loss = pl.nn.functional.nll_loss(x1, pl.tensor(2))
    loss.backward()
    assert loss.grad_fn.name() == "NllLossBackward0"
    xt = torch.tensor(x[0], requires_grad=True)
    torch.nn.functional.nll_loss(xt, torch.tensor(2)).backward()
    _same(x1.grad.numpy(), xt.grad.numpy(), "nll_loss 1-D grad")
    with pytest.raises(IndexError, match="Target 9 is out of bounds."):
        pl.nn.functional.nll_loss(pl.tensor(x), pl.tensor([0, 1, 2, 3, 0, 9]))
    with pytest.raises(RuntimeError):
        pl.nn.functional.nll_loss(pl.tensor(x), pl.tensor([0] * 6), weight=pl.ones(3))


def test_nll_loss_double_backward_through_cross_entropy():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((5, 4))
    w = np.array([1.0, 2.0, 0.5, 3.0])

    def second(m):
        xx = m.tensor(x, requires_grad=True)
        loss = m.nn.functional.cross_entropy(xx, m.tensor([0, 1, 2, 3, 1]), weight=m.tensor(w))
        (g,) = m.autograd.grad(loss, xx, create_graph=True)
        (g * g).sum().backward()
        return xx.grad.numpy()
    np.testing.assert_allclose(second(pl), second(torch), rtol=1e-12, atol=1e-15)


_SCRIPT = """
import sys, numpy as np, {mod} as m
m.set_num_threads({threads})
for k, shape in enumerate([(4, 10), (3, 17), (64, 10), (2, 33), (300, 10), (7, 3, 5)]):
    for dtype in ["float32", "float64"]:
        rng = np.random.default_rng(k)
        x = (rng.standard_normal(shape) * 3).astype(dtype)
        g = rng.standard_normal(shape).astype(dtype)
        for fn in ["softmax", "log_softmax"]:
            for dim in range(-1, -len(shape) - 1, -1):
                t = m.tensor(x, requires_grad=True)
                y = getattr(t, fn)(dim)
                y.backward(m.tensor(g))
                sys.stdout.write(y.detach().numpy().tobytes().hex() + t.grad.numpy().tobytes().hex())
        t = m.tensor(x.reshape(-1, shape[-1]), requires_grad=True)
        loss = m.nn.functional.cross_entropy(t, m.tensor(rng.integers(0, shape[-1], t.shape[0])))
        loss.backward()
        sys.stdout.write(loss.detach().numpy().tobytes().hex() + t.grad.numpy().tobytes().hex())
        sys.stdout.write("\\n")
"""


def _run(mod, capability, threads):
    env = dict(os.environ, ATEN_CPU_CAPABILITY=capability, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-c", _SCRIPT.format(mod=mod, threads=threads)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("capability", ["default", "avx2", "avx512"])
def test_forced_capability_matches_torch_forced_alike(capability, threads):
    torch = pytest.importorskip("torch")
    order = ["DEFAULT", "AVX2", "AVX512"]
    if order.index(capability.upper()) > order.index(torch.backends.cpu.get_cpu_capability()):
        pytest.skip(f"this CPU does not run torch's {capability} kernels")
    assert _run("pytorchlite", capability, threads) == _run("torch", capability, threads)


def test_avx2_kernels_give_their_plain_references_bits():
    # the lane sums, maxima, exp and fused backward in AVX2 against the plain loops
    def run(reference):
        pl._C._softmax_force_reference(reference)
        try:
            out = []
            for k, (shape, dim) in enumerate([(s, -1) for s in SHAPES] + OTHER_DIMS):
                for dtype in DTYPES:
                    x, g = _inputs(shape, dtype, 200 + k)
                    x.flat[::7] = np.inf if dtype == "float32" else -np.inf
                    for fn in ["softmax", "log_softmax"]:
                        out.append(_softmax_run(pl, fn, x, g, dim))
            return out
        finally:
            pl._C._softmax_force_reference(False)
    for (y0, g0), (y1, g1) in zip(run(False), run(True)):
        _same(y0, y1, "forward")
        _same(g0, g1, "gradient")


def test_rows_sum_to_one_without_torch():
    x = pl.randn(50, 37, dtype=pl.float64) * 5
    y = x.softmax(-1)
    np.testing.assert_allclose(y.sum(-1).numpy(), np.ones(50), rtol=1e-14)
    np.testing.assert_allclose(x.log_softmax(-1).exp().numpy(), y.numpy(), rtol=1e-13)
    z = pl.full((2, 5), -float("inf"))
    assert np.isnan(z.softmax(-1).numpy()).all()
