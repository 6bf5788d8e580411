"""The further activations (nn/_functional_act.py, nn/modules/activation_more.py): values and
gradients against finite differences and against torch, reprs, errors, RReLU's stream."""
import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn as nn
import pytorchlite.nn.functional as F
from conftest import fd_check

# values chosen to include the kink points of each function
_POINTS = [-4.0, -3.0, -1.5, -1.0, -0.5, -0.25, 0.0, 0.3, 0.5, 1.0, 2.5, 3.0, 6.0, 7.0]

CASES = [
    ("hardtanh", {}), ("hardtanh", {"min_val": -0.5, "max_val": 2.0}), ("relu6", {}),
    ("hardsigmoid", {}), ("hardswish", {}), ("mish", {}), ("selu", {}), ("celu", {}),
    ("celu", {"alpha": 2.0}), ("logsigmoid", {}), ("softsign", {}), ("softshrink", {}),
    ("softshrink", {"lambd": 1.0}), ("hardshrink", {}), ("hardshrink", {"lambd": 1.0}),
    ("tanhshrink", {}), ("threshold", {"threshold": 0.3, "value": -2.0}), ("elu", {}),
    ("elu", {"alpha": 0.5}), ("rrelu", {}), ("leaky_relu", {"negative_slope": 0.2}),
    ("softplus", {"beta": 2.0, "threshold": 1.0}), ("softplus", {}), ("silu", {}),
]


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("name,kw", CASES)
def test_against_torch_value_and_grad(name, kw):
    th = _torch()
    for dtype, thdtype in ((torch.float32, th.float32), (torch.float64, th.float64)):
        data = np.array(_POINTS + list(np.random.default_rng(0).standard_normal(10) * 3))
        x = torch.tensor(data, dtype=dtype, requires_grad=True)
        tx = th.tensor(data, dtype=thdtype, requires_grad=True)
        y = getattr(F, name)(x, **kw)
        ty = getattr(th.nn.functional, name)(tx, **kw)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=2e-7 if
                                   dtype == torch.float64 else 2e-6, atol=1e-7)
        g = np.linspace(-1, 1, data.size)
        y.backward(torch.tensor(g, dtype=dtype))
        ty.backward(th.tensor(g, dtype=thdtype))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name,kw", CASES)
def test_finite_differences(name, kw):
    # away from the kinks, where the derivative exists
    x = torch.tensor([-2.2, -0.7, -0.1, 0.2, 0.8, 1.7, 4.2], dtype=torch.float64,
                     requires_grad=True)
    fd_check([x], lambda: (getattr(F, name)(x, **kw) * torch.arange(7.0).double()).sum())


def test_glu_prelu_softmin_fd():
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    w = torch.tensor([0.1, -0.3, 0.4, 0.2], dtype=torch.float64, requires_grad=True)
    fd_check([x], lambda: (F.glu(x, 1) ** 2).sum())
    fd_check([x, w], lambda: (F.prelu(x.reshape(3, 4, 1), w) ** 2).sum())
    fd_check([x], lambda: (F.softmin(x, 1) * x).sum())


def test_glu_prelu_against_torch():
    th = _torch()
    data = np.random.default_rng(1).standard_normal((2, 4, 3))
    for fn, tfn in ((lambda x: F.glu(x, 1), lambda x: th.nn.functional.glu(x, 1)),
                    (lambda x: F.glu(x, -3), lambda x: th.nn.functional.glu(x, -3)),
                    (lambda x: F.softmin(x, 2), lambda x: th.nn.functional.softmin(x, 2)),
                    (lambda x: nn.Softmax2d()(x), lambda x: th.nn.Softmax2d()(x))):
        x = torch.tensor(data, requires_grad=True)
        tx = th.tensor(data, requires_grad=True)
        y, ty = fn(x), tfn(tx)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        (y * y).sum().backward()
        (ty * ty).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    torch.manual_seed(3)
    th.manual_seed(3)
    m, tm = nn.PReLU(4), th.nn.PReLU(4)
    x = torch.tensor(data.astype(np.float32), requires_grad=True)
    tx = th.tensor(data.astype(np.float32), requires_grad=True)
    m(x).sum().backward()
    tm(tx).sum().backward()
    np.testing.assert_array_equal(m.weight.grad.numpy(), tm.weight.grad.numpy())
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_rrelu_training_stream_bitwise():
    th = _torch()
    data = np.random.default_rng(2).standard_normal((5, 7)).astype(np.float32)
    for seed in (0, 7):
        torch.manual_seed(seed)
        th.manual_seed(seed)
        m, tm = nn.RReLU(0.1, 0.4), th.nn.RReLU(0.1, 0.4)
        x = torch.tensor(data, requires_grad=True)
        tx = th.tensor(data, requires_grad=True)
        y, ty = m(x), tm(tx)
        np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
        # the stream continues identically afterwards
        np.testing.assert_array_equal(torch.rand(3).numpy(), th.rand(3).numpy())
        m.eval()
        tm.eval()
        np.testing.assert_array_equal(m(x).detach().numpy(), tm(tx).detach().numpy())


def test_rrelu_slopes_in_range():
    torch.manual_seed(0)
    x = -torch.rand(1000) - 0.1
    slopes = (F.rrelu(x, 0.2, 0.3, training=True) / x).numpy()
    assert slopes.min() >= 0.2 - 1e-6 and slopes.max() <= 0.3 + 1e-6
    assert slopes.std() > 0.01


def test_inplace_variants():
    x = torch.tensor([-2.0, 0.5, 3.0])
    assert F.hardtanh(x, inplace=True) is x
    assert x.tolist() == [-1.0, 0.5, 1.0]
    x = torch.tensor([-1.0, 7.0])
    nn.ReLU6(inplace=True)(x)
    assert x.tolist() == [0.0, 6.0]
    x = torch.tensor([-1.0, 2.0])
    F.threshold_(x, 0.0, 5.0)
    assert x.tolist() == [5.0, 2.0]


def test_reprs():
    assert repr(nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"
    assert repr(nn.Hardtanh(inplace=True)) == "Hardtanh(min_val=-1.0, max_val=1.0, inplace=True)"
    assert repr(nn.ReLU6()) == "ReLU6()"
    assert repr(nn.ReLU6(True)) == "ReLU6(inplace=True)"
    assert repr(nn.Hardsigmoid(True)) == "Hardsigmoid()"
    assert repr(nn.Mish(True)) == "Mish(inplace=True)"
    assert repr(nn.SELU()) == "SELU()"
    assert repr(nn.CELU(2.0, True)) == "CELU(alpha=2.0, inplace=True)"
    assert repr(nn.GLU()) == "GLU(dim=-1)"
    assert repr(nn.PReLU(3, 0.1)) == "PReLU(num_parameters=3)"
    assert repr(nn.RReLU()) == "RReLU(lower=0.125, upper=0.3333333333333333)"
    assert repr(nn.RReLU(0.1, 0.3, True)) == "RReLU(lower=0.1, upper=0.3, inplace=True)"
    assert repr(nn.Softshrink()) == "Softshrink(0.5)"
    assert repr(nn.Hardshrink(1.0)) == "Hardshrink(1.0)"
    assert repr(nn.Threshold(0.1, 20)) == "Threshold(threshold=0.1, value=20)"
    assert repr(nn.Softmin()) == "Softmin(dim=None)"
    assert repr(nn.Softmax2d()) == "Softmax2d()"
    assert repr(nn.LogSigmoid()) == "LogSigmoid()"
    assert nn.PReLU(2, 0.1).weight.tolist() == pytest.approx([0.1, 0.1])


def test_reprs_match_torch():
    th = _torch()
    names = ["Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "Mish", "SELU", "CELU", "GLU",
             "LogSigmoid", "PReLU", "RReLU", "Softsign", "Softshrink", "Hardshrink",
             "Tanhshrink", "Softmin", "Softmax2d"]
    for name in names:
        assert repr(getattr(nn, name)()) == repr(getattr(th.nn, name)())


@pytest.mark.parametrize("call,exc,msg", [
    (lambda: F.hardtanh(torch.ones(2), 2.0, 1.0), ValueError, "min_val cannot be greater"),
    (lambda: F.celu(torch.ones(2), 0.0), RuntimeError, "alpha cannot be 0 for CELU"),
    (lambda: F.glu(torch.ones(3)), RuntimeError, "dimension 0 is size 3"),
    (lambda: F.glu(torch.tensor(1.0)), RuntimeError, "glu does not support scalars"),
    (lambda: F.softshrink(torch.ones(2), -1.0), RuntimeError, "lambda must be in range"),
    (lambda: F.rrelu(torch.ones(2), 0.5, 0.1), RuntimeError, "Lower bound should be"),
    (lambda: F.prelu(torch.ones(2, 3), torch.ones(2)), RuntimeError,
     "Found parameter numbers = 2 and channel size = 3."),
    (lambda: F.prelu(torch.tensor(1.0), torch.ones(2)), RuntimeError, "zero-dim"),
    (lambda: nn.Softmax2d()(torch.ones(3)), ValueError, "expected input to be 3D or 4D"),
    (lambda: F.softshrink(torch.tensor([1, 2]), 0.5), NotImplementedError, "Long"),
])
def test_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()
