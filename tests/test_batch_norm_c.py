"""batch_norm's C kernel (csrc/core/ops/batch_norm.c, _C._batch_norm): values, gradients and
running statistics against torch's CPU kernel, bit for bit where the kernel follows ATen's order
of operations (float32 everywhere; float64 in evaluation and for channels-last / S == 1 input),
allclose where it does not (float64 training statistics of NCHW planes, which torch sums
another way; a second backward, which is written with other ops). Without torch the kernel is
checked against the composed reference (_FUSED_BATCH_NORM off)."""
import numpy as np
import pytest

import pytorchlite as pl
import pytorchlite.nn.functional as F
from pytorchlite.nn import _functional_conv

SHAPES = [(8, 64, 24, 24), (2, 3, 5, 5), (4, 16), (4, 16, 7), (3, 5, 2, 3, 4), (7, 3, 1, 1),
          (2, 5, 3), (5, 9, 33), (2, 3, 12), (3, 2, 17)]
CL_SHAPES = [(8, 64, 24, 24), (2, 3, 5, 5), (3, 5, 2, 3, 4), (4, 17, 3, 3), (2, 8, 4, 4)]


@pytest.fixture
def torch():
    t = pytest.importorskip("torch")
    before = t.get_num_threads()
    t.set_num_threads(pl.get_num_threads())  # the channels-last sums follow the thread count
    yield t
    t.set_num_threads(before)


def _case(torch, shape, dtype, affine=True, stats=True, cl=False, seed=0):
    """Inputs for both libraries: (torch tensors, pytorchlite tensors)."""
    g = np.random.default_rng(seed)
    c = shape[1]
    npd = np.float32 if dtype == "float32" else np.float64
    arrs = {"x": g.standard_normal(shape) * 2 + 0.5, "g": g.standard_normal(shape),
            "w": g.standard_normal(c), "b": g.standard_normal(c),
            "rm": g.standard_normal(c), "rv": g.random(c) + 0.5}
    t = {k: torch.tensor(v.astype(npd)) for k, v in arrs.items()}
    p = {k: pl.tensor(v.astype(npd)) for k, v in arrs.items()}
    if cl:
        tf = torch.channels_last if len(shape) == 4 else torch.channels_last_3d
        pf = pl.channels_last if len(shape) == 4 else pl.channels_last_3d
        for k in ("x", "g"):
            t[k] = t[k].contiguous(memory_format=tf)
            p[k] = p[k].contiguous(memory_format=pf)
    for d in (t, p):
        if not affine:
            d["w"] = d["b"] = None
        if not stats:
            d["rm"] = d["rv"] = None
        for k in ("x", "w", "b"):
            if d[k] is not None:
                d[k].requires_grad_(True)
    return t, p


def _run(lib, d, training):
    y = lib.nn.functional.batch_norm(d["x"], d["rm"], d["rv"], d["w"], d["b"], training, 0.1,
                                     1e-5)
    y.backward(d["g"])
    return y


def _np(t):
    return np.asarray(t.detach().numpy())


def _compare(t, p, yt, yp, bitwise, rtol):
    pairs = [("out", yt, yp), ("dx", t["x"].grad, p["x"].grad)]
    if t["w"] is not None:
        pairs += [("dw", t["w"].grad, p["w"].grad), ("db", t["b"].grad, p["b"].grad)]
    if t["rm"] is not None:
        pairs += [("running_mean", t["rm"], p["rm"]), ("running_var", t["rv"], p["rv"])]
    for name, a, b in pairs:
        if bitwise:
            assert np.array_equal(_np(a), _np(b)), name
        else:
            np.testing.assert_allclose(_np(b), _np(a), rtol=rtol, atol=rtol, err_msg=name)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_float32_bitwise(torch, shape, training):
    for affine in (True, False):
        t, p = _case(torch, shape, "float32", affine=affine)
        yt, yp = _run(torch, t, training), _run(pl, p, training)
        _compare(t, p, yt, yp, bitwise=True, rtol=0)
        assert type(yp.grad_fn).__name__ == "NativeBatchNormBackward0"


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", CL_SHAPES)
def test_channels_last_bitwise(torch, shape, training):
    for dtype in ("float32", "float64"):
        t, p = _case(torch, shape, dtype, cl=True)
        yt, yp = _run(torch, t, training), _run(pl, p, training)
        _compare(t, p, yt, yp, bitwise=True, rtol=0)
        fmt = pl.channels_last if len(shape) == 4 else pl.channels_last_3d
        assert yp.is_contiguous(memory_format=fmt)
        assert tuple(yp.stride()) == tuple(yt.stride())


@pytest.mark.parametrize("shape", SHAPES)
def test_float64(torch, shape):
    # evaluation, and training on rows (S == 1), follow ATen bit for bit; training on planes
    # computes the variance in another order than torch (which agrees with a Welford pass),
    # so there the values are only allclose
    for training in (False, True):
        t, p = _case(torch, shape, "float64")
        yt, yp = _run(torch, t, training), _run(pl, p, training)
        rows = len(shape) == 2 or int(np.prod(shape[2:])) == 1
        _compare(t, p, yt, yp, bitwise=not training or rows, rtol=1e-12)


def test_no_running_stats_and_detached_input(torch):
    t, p = _case(torch, (4, 6, 5, 5), "float32", stats=False)
    _compare(t, p, _run(torch, t, True), _run(pl, p, True), bitwise=True, rtol=0)
    # only the parameters require grad: still one NativeBatchNormBackward0 node
    x = pl.randn(4, 6, 5, 5)
    w = pl.ones(6, requires_grad=True)
    y = F.batch_norm(x, pl.zeros(6), pl.ones(6), w, None, False)
    assert type(y.grad_fn).__name__ == "NativeBatchNormBackward0"
    assert not F.batch_norm(x, pl.zeros(6), pl.ones(6), None, None, True).requires_grad


def test_modules_over_steps_and_eval(torch):
    for tcls, pcls, shape in ((torch.nn.BatchNorm2d, pl.nn.BatchNorm2d, (4, 6, 7, 7)),
                              (torch.nn.BatchNorm1d, pl.nn.BatchNorm1d, (8, 6)),
                              (torch.nn.BatchNorm3d, pl.nn.BatchNorm3d, (2, 6, 3, 4, 5))):
        for momentum in (0.1, None):
            tm, pm = tcls(6, momentum=momentum), pcls(6, momentum=momentum)
            rng = np.random.default_rng(1)
            for step in range(4):
                xa = (rng.standard_normal(shape) * (step + 1)).astype(np.float32)
                yt, yp = tm(torch.tensor(xa)), pm(pl.tensor(xa))
                assert np.array_equal(_np(yt), _np(yp))
            for k, v in tm.state_dict().items():
                assert np.array_equal(v.numpy(), pm.state_dict()[k].numpy()), k
            assert int(pm.num_batches_tracked) == 4
            tm.eval()
            pm.eval()
            xa = rng.standard_normal(shape).astype(np.float32)
            assert np.array_equal(_np(tm(torch.tensor(xa))), _np(pm(pl.tensor(xa))))
        tm = tcls(6, track_running_stats=False)
        pm = pcls(6, track_running_stats=False)
        pm.eval()
        tm.eval()
        xa = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
        assert np.array_equal(_np(tm(torch.tensor(xa))), _np(pm(pl.tensor(xa))))


def test_double_backward(torch):
    for training in (True, False):
        t, p = _case(torch, (3, 4, 5, 5), "float64")
        outs = []
        for lib, d in ((torch, t), (pl, p)):
            y = lib.nn.functional.batch_norm(d["x"], d["rm"], d["rv"], d["w"], d["b"], training)
            loss = (y * y * d["g"]).sum()
            gx, gw = lib.autograd.grad(loss, (d["x"], d["w"]), create_graph=True)
            z = (gx * gx).sum() + (gw * gw).sum()
            outs.append([_np(v) for v in lib.autograd.grad(z, (d["x"], d["w"], d["b"]),
                                                            allow_unused=True)
                         if v is not None] + [_np(gx), _np(gw)])
        for a, b in zip(*outs):
            np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-9)


def test_errors_match_torch(torch):
    cases = [
        lambda L, x: L.nn.functional.batch_norm(x, L.zeros(4), L.ones(3), training=True),
        lambda L, x: L.nn.functional.batch_norm(x, L.zeros(3), L.ones(2), training=True),
        lambda L, x: L.nn.functional.batch_norm(x, L.zeros(3), L.ones(3), L.ones(4)),
        lambda L, x: L.nn.functional.batch_norm(x, L.zeros(3), L.ones(3), None, L.ones(4)),
        lambda L, x: L.nn.functional.batch_norm(x, None, None),
        lambda L, x: L.nn.functional.batch_norm(x[:1, :, :1, :1], None, None, training=True),
    ]
    for f in cases:
        with pytest.raises(Exception) as et:
            f(torch, torch.zeros(2, 3, 4, 4))
        with pytest.raises(Exception) as ep:
            f(pl, pl.zeros(2, 3, 4, 4))
        assert type(ep.value) is type(et.value)
        assert str(ep.value) == str(et.value)


@pytest.mark.parametrize("shape", [(4, 6, 5, 5), (6, 5), (3, 4, 9)])
def test_against_composed_reference(monkeypatch, shape):
    """No torch needed: the kernel against the composition of Tensor ops."""
    rng = np.random.default_rng(3)
    xa = rng.standard_normal(shape).astype(np.float64)
    ga = rng.standard_normal(shape).astype(np.float64)
    res = []
    for fused in (True, False):
        monkeypatch.setattr(_functional_conv, "_FUSED_BATCH_NORM", fused)
        for training in (True, False):
            x = pl.tensor(xa, requires_grad=True)
            w = pl.tensor(rng.standard_normal(shape[1]), requires_grad=True)
            b = pl.tensor(rng.standard_normal(shape[1]), requires_grad=True)
            rm, rv = pl.zeros(shape[1], dtype=pl.float64), pl.ones(shape[1], dtype=pl.float64)
            y = F.batch_norm(x, rm, rv, w, b, training, 0.3, 1e-3)
            y.backward(pl.tensor(ga))
            res.append([_np(v) for v in (y, x.grad, w.grad, b.grad, rm, rv)])
        rng = np.random.default_rng(3)
        rng.standard_normal(shape), rng.standard_normal(shape)
    for a, b in zip(res[:2], res[2:]):
        for u, v in zip(a, b):
            np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(4, 6, 5, 5), (8, 64, 24, 24), (6, 5), (2, 3, 7)])
def test_gradient_in_another_layout_bitwise(torch, shape):
    # an expanded gradient (y.sum().backward()) or a transposed one takes ATen's generic
    # backward (torch.sum of the gradient, products summed in double, no FMA)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for training in (True, False):
        for kind in ("sum", "transposed"):
            res = []
            for L in (torch, pl):
                t = L.tensor(x, requires_grad=True)
                w = L.ones(shape[1], requires_grad=True)
                b = L.zeros(shape[1], requires_grad=True)
                y = L.nn.functional.batch_norm(t, L.zeros(shape[1]), L.ones(shape[1]), w, b,
                                               training)
                if kind == "sum":
                    y.sum().backward()
                else:
                    yt = y.transpose(0, 1)
                    ramp = L.tensor(np.linspace(-1, 1, y.numel(), dtype=np.float32))
                    (yt.contiguous() * ramp.reshape(yt.shape)).sum().backward()
                res.append([t.grad.numpy(), w.grad.numpy(), b.grad.numpy()])
            for a, b in zip(*res):
                assert np.array_equal(a, b), (training, kind)
