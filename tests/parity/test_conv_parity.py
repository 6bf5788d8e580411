"""Convolution, pooling, batch norm and channel dropout side by side with PyTorch: values and
gradients, seeded initialisation bit for bit, reprs, state dicts, errors and grad_fn names."""
import re
import warnings

import numpy as np
import pytest

import pytorchlite as pl
import pytorchlite.nn as plnn
import pytorchlite.nn.functional as plF

torch = pytest.importorskip("torch")
tnn = torch.nn
tF = torch.nn.functional


def arr(t):
    return t.detach().numpy()


def _tol(dtype):
    return dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


def _run_both(fn_name, args_np, kwargs, dtype, grads=True, seed=0):
    """fn(*args, **kwargs) under both libraries; returns (outputs, grads) pairs as NumPy."""
    out = []
    for lib, F in ((pl, plF), (torch, tF)):
        ts = [None if a is None else lib.tensor(a.astype(dtype), requires_grad=grads)
              for a in args_np]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # padding='same' with an even kernel (both warn)
            y = getattr(F, fn_name)(*ts, **kwargs)
        gy = np.random.default_rng(seed + 1).standard_normal(tuple(y.shape)).astype(dtype)
        if grads:
            y.backward(lib.tensor(gy))
        out.append((arr(y), [None if t is None else t.grad.numpy() for t in ts],
                    type(y.grad_fn).__name__ if grads else None))
    return out


CONV_CASES = [
    ("conv2d", (2, 3, 9, 8), (5, 3, 3, 3), dict(stride=1, padding=1)),
    ("conv2d", (1, 4, 10, 7), (6, 2, 3, 2), dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2)),
    ("conv2d", (2, 6, 7, 7), (6, 1, 3, 3), dict(stride=2, groups=6)),
    ("conv2d", (2, 3, 8, 9), (4, 3, 4, 3), dict(padding="same", dilation=2)),
    ("conv2d", (2, 3, 8, 9), (4, 3, 3, 3), dict(padding="valid")),
    ("conv2d", (3, 6, 5), (2, 3, 3, 3), dict(padding=1)),
    ("conv1d", (2, 3, 11), (4, 3, 3), dict(stride=2, padding=1, dilation=2)),
    ("conv1d", (4, 12), (4, 2, 4), dict(padding="same", groups=2)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_values_and_gradients_match_torch(case, dtype):
    name, xs, ws, kwargs = case
    rng = np.random.default_rng(7)
    args = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])]
    (y1, g1, f1), (y2, g2, f2) = _run_both(name, args, kwargs, dtype)
    np.testing.assert_allclose(y1, y2, **_tol(dtype))
    for a, b in zip(g1, g2):
        np.testing.assert_allclose(a, b, **_tol(dtype))
    assert f1 == f2


POOL_CASES = [
    ("max_pool2d", (2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1)),
    ("max_pool2d", (2, 3, 9, 8), dict(kernel_size=(2, 3), dilation=(2, 1), ceil_mode=True)),
    ("max_pool2d", (3, 7, 7), dict(kernel_size=2)),
    ("max_pool1d", (2, 3, 11), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool2d", (2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1)),
    ("avg_pool2d", (2, 3, 9, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                      count_include_pad=False)),
    ("avg_pool2d", (2, 3, 9, 8), dict(kernel_size=(2, 3), divisor_override=4)),
    ("avg_pool1d", (2, 3, 11), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)),
    ("adaptive_avg_pool2d", (2, 3, 9, 8), dict(output_size=(4, 3))),
    ("adaptive_avg_pool2d", (2, 3, 9, 8), dict(output_size=(5, None))),
    ("adaptive_avg_pool2d", (3, 9, 8), dict(output_size=1)),
    ("adaptive_avg_pool1d", (2, 3, 11), dict(output_size=4)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", POOL_CASES)
def test_pool_values_and_gradients_match_torch(case, dtype):
    name, xs, kwargs = case
    x = np.random.default_rng(3).standard_normal(xs)
    (y1, g1, f1), (y2, g2, f2) = _run_both(name, [x], kwargs, dtype)
    np.testing.assert_allclose(y1, y2, **_tol(dtype))
    np.testing.assert_allclose(g1[0], g2[0], **_tol(dtype))
    assert f1 == f2


@pytest.mark.parametrize("call", [
    lambda L, F: F.conv2d(L.ones(0, 3, 5, 5), L.ones(2, 3, 3, 3)),
    lambda L, F: F.max_pool2d(L.ones(0, 3, 5, 5), 2),
    lambda L, F: F.avg_pool2d(L.ones(0, 3, 5, 5), 2),
])
def test_empty_batch_matches_torch(call):
    assert tuple(call(pl, plF).shape) == tuple(call(torch, tF).shape)


def test_max_pool_indices_and_ties_match_torch():
    x = np.array([[[[1, 3, 3, 0], [3, 2, 2, 3], [0, 0, 1, 1], [1, 1, 0, 0]]]], dtype=np.float32)
    res = []
    for lib, F in ((pl, plF), (torch, tF)):
        t = lib.tensor(x, requires_grad=True)
        y, idx = F.max_pool2d(t, 2, 1, return_indices=True)
        y.sum().backward()
        res.append((idx.tolist(), t.grad.tolist()))
        y1, i1 = F.max_pool1d(t[0], 2, return_indices=True)
        res[-1] += (i1.tolist(), y1.tolist())
    assert res[0] == res[1]


@pytest.mark.parametrize("make", [
    lambda nn: nn.Conv2d(3, 16, 3, padding=1),
    lambda nn: nn.Conv2d(4, 8, (3, 5), stride=2, dilation=(1, 2), groups=2, bias=False),
    lambda nn: nn.Conv2d(3, 6, 3, padding="same", padding_mode="reflect"),
    lambda nn: nn.Conv2d(3, 6, 2, padding="valid"),
    lambda nn: nn.Conv1d(2, 4, 5, stride=2, padding=2, padding_mode="circular"),
    lambda nn: nn.Conv1d(4, 4, 3, groups=4, padding_mode="replicate", padding=1),
    lambda nn: nn.Conv2d(1, 6, 5),
])
def test_conv_module_init_and_repr_match_torch(make):
    pl.manual_seed(42)
    a = make(plnn)
    torch.manual_seed(42)
    b = make(tnn)
    assert repr(a) == repr(b)
    assert np.array_equal(arr(a.weight), arr(b.weight))
    if b.bias is not None:
        assert np.array_equal(arr(a.bias), arr(b.bias))
    assert list(a.state_dict()) == list(b.state_dict())
    x = np.random.default_rng(0).standard_normal((2, a.in_channels, 9, 10)[:2 + len(a.kernel_size)])
    ya, yb = a(pl.tensor(x.astype(np.float32))), b(torch.tensor(x.astype(np.float32)))
    np.testing.assert_allclose(arr(ya), arr(yb), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make", [
    lambda nn: nn.MaxPool2d(2),
    lambda nn: nn.MaxPool2d((3, 2), stride=1, padding=1, dilation=2, ceil_mode=True,
                            return_indices=True),
    lambda nn: nn.MaxPool1d(3, 2),
    lambda nn: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
    lambda nn: nn.AvgPool1d(3),
    lambda nn: nn.AdaptiveAvgPool2d((5, 7)),
    lambda nn: nn.AdaptiveAvgPool2d(None),
    lambda nn: nn.AdaptiveAvgPool1d(3),
    lambda nn: nn.BatchNorm2d(16),
    lambda nn: nn.BatchNorm1d(4, eps=1e-3, momentum=None, affine=False, track_running_stats=False),
    lambda nn: nn.BatchNorm2d(3, bias=False),
    lambda nn: nn.Dropout2d(0.3),
    lambda nn: nn.Dropout1d(),
])
def test_layer_reprs_match_torch(make):
    assert repr(make(plnn)) == repr(make(tnn))


@pytest.mark.parametrize("bn,shape", [("BatchNorm2d", (4, 3, 5, 6)), ("BatchNorm1d", (8, 3)),
                                      ("BatchNorm1d", (4, 3, 7))])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_train_eval_matches_torch(bn, shape, momentum):
    a, b = getattr(plnn, bn)(3, momentum=momentum), getattr(tnn, bn)(3, momentum=momentum)
    rng = np.random.default_rng(5)
    for step in range(4):
        x = (rng.standard_normal(shape) * 3 + 2).astype(np.float32)
        if step == 2:
            a.eval(), b.eval()
        if step == 3:
            a.train(), b.train()
        xa, xb = pl.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yb = a(xa), b(xb)
        np.testing.assert_allclose(arr(ya), arr(yb), rtol=1e-4, atol=1e-5)
        g = rng.standard_normal(shape).astype(np.float32)
        ya.backward(pl.tensor(g)), yb.backward(torch.tensor(g))
        np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-4, atol=1e-4)
        for k in ("running_mean", "running_var"):
            np.testing.assert_allclose(arr(getattr(a, k)), arr(getattr(b, k)), rtol=1e-5, atol=1e-6)
        assert a.num_batches_tracked.item() == b.num_batches_tracked.item()
    np.testing.assert_allclose(a.weight.grad.numpy(), b.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(a.bias.grad.numpy(), b.bias.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_batchnorm_state_dict_loads_into_torch():
    a = plnn.BatchNorm2d(3)
    a(pl.randn(4, 3, 2, 2) * 2 + 1)
    sd = a.state_dict()
    assert list(sd) == list(tnn.BatchNorm2d(3).state_dict())
    assert sd["num_batches_tracked"].dtype == pl.int64
    b = tnn.BatchNorm2d(3)
    b.load_state_dict({k: torch.tensor(v.numpy()) for k, v in sd.items()})
    b.eval(), a.eval()
    x = np.random.default_rng(1).standard_normal((2, 3, 2, 2)).astype(np.float32)
    np.testing.assert_allclose(arr(a(pl.tensor(x))), arr(b(torch.tensor(x))), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls,shape", [("Dropout2d", (3, 5, 4, 4)), ("Dropout1d", (3, 5, 4)),
                                       ("Dropout1d", (5, 4))])
def test_channel_dropout_masks_match_torch(cls, shape):
    pl.manual_seed(11)
    a = getattr(plnn, cls)(0.4)(pl.ones(shape))
    torch.manual_seed(11)
    b = getattr(tnn, cls)(0.4)(torch.ones(shape))
    assert np.array_equal(arr(a), arr(b))


def _error(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
    except Exception as e:  # noqa: BLE001 - the type and message are what is compared
        return type(e).__name__, _sorted_sets(str(e))
    return None


def _sorted_sets(text):
    """A message with a printed set ({'reflect', 'zeros', ...}) in one order: a set's order
    depends on the process's string hashing, so torch's own message varies from run to run."""
    return re.sub(r"\{([^{}]*)\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}",
                  text)


@pytest.mark.parametrize("call", [
    lambda L, F: F.conv2d(L.ones(1, 4, 28, 28), L.ones(8, 3, 3, 3)),
    lambda L, F: F.conv2d(L.ones(1, 3, 2, 2), L.ones(8, 3, 3, 3)),
    lambda L, F: F.conv1d(L.ones(1, 3, 2), L.ones(8, 3, 3)),
    lambda L, F: F.conv2d(L.ones(1, 3, 5, 5), L.ones(8, 3, 3, 3), stride=0),
    lambda L, F: F.conv2d(L.ones(3, 5), L.ones(8, 3, 3, 3)),
    lambda L, F: F.conv2d(L.ones(1, 1, 3, 5, 5), L.ones(8, 3, 3, 3)),
    lambda L, F: F.conv1d(L.ones(5), L.ones(8, 3, 3)),
    lambda L, F: F.conv2d(L.ones(1, 3, 5, 5), L.ones(8, 3, 3, 3), padding=-1),
    lambda L, F: F.conv2d(L.ones(1, 3, 5, 5), L.ones(8, 3, 3, 3), groups=0),
    lambda L, F: F.conv2d(L.ones(1, 4, 5, 5), L.ones(3, 2, 3, 3), groups=2),
    lambda L, F: F.conv2d(L.ones(1, 3, 5, 5), L.ones(8, 3, 3, 3), L.ones(7)),
    lambda L, F: F.conv2d(L.ones(1, 3, 5, 5, dtype=L.float64), L.ones(8, 3, 3, 3)),
    lambda L, F: F.conv2d(L.ones(1, 3, 5, 5), L.ones(8, 3, 3, 3), stride=2, padding="same"),
    lambda L, F: F.max_pool2d(L.ones(1, 2, 5, 5), 2, padding=2),
    lambda L, F: F.max_pool2d(L.ones(1, 2, 5, 5), 2, padding=-1),
    lambda L, F: F.max_pool2d(L.ones(1, 2, 5, 5), 0),
    lambda L, F: F.max_pool2d(L.ones(1, 2, 5, 5), 2, dilation=0),
    lambda L, F: F.avg_pool2d(L.ones(1, 2, 5, 5), 2, divisor_override=0),
    lambda L, F: F.adaptive_avg_pool2d(L.ones(1, 2, 5, 5), -1),
    lambda L, F: F.conv2d(L.ones(1, 3, 5, 5), L.ones(2, 3, 3, 3), L.ones(2, dtype=L.float64)),
    lambda L, F: L.nn.Conv2d(3, 4, 3)(L.ones(1, 3, 5, 5, dtype=L.float64)),
    lambda L, F: F.conv2d(L.ones(1, 3, 5, 5), L.ones(2, 3, 3, 3, dtype=L.float64)),
    lambda L, F: F.max_pool2d(L.ones(1, 2, 5, 5), 6),
    lambda L, F: F.max_pool2d(L.ones(5, 5), 2),
    lambda L, F: F.avg_pool2d(L.ones(1, 2, 5, 5), 6),
    lambda L, F: F.avg_pool2d(L.ones(1, 2, 5, 5), 2, stride=0),
    lambda L, F: F.adaptive_avg_pool2d(L.ones(5), 2),
    lambda L, F: F.conv2d(L.ones(1, 3, 5, 5), L.ones(0, 3, 3, 3)),
    lambda L, F: F.conv2d(L.ones(1, 4, 5, 5), L.ones(2, 4, 3, 3), groups=7),
    lambda L, F: F.conv2d(L.ones(1, 4, 5, 5), L.ones(8, 4, 3, 3), groups=2**62),
    lambda L, F: F.conv2d(L.ones(1, 3, 5, 5), L.ones(2, 3, 3, 3), padding=2**62),
    lambda L, F: F.max_pool2d(L.ones(1, 3, 5, 5), 2**62),
    lambda L, F: F.max_pool2d(L.ones(1, 3, 5, 5), 2, stride=2**40),
    lambda L, F: F.adaptive_avg_pool2d(L.ones(1, 3, 5, 5, dtype=L.int64), 2),
    lambda L, F: F.max_pool2d(L.ones(2, 0, 5, 5), 2),
    lambda L, F: L.nn.Conv2d(3, 4, 3, groups=2),
    lambda L, F: L.nn.Conv2d(4, 3, 3, groups=2),
    lambda L, F: L.nn.Conv2d(4, 4, 3, padding="full"),
    lambda L, F: L.nn.Conv2d(4, 4, 3, stride=2, padding="same"),
    lambda L, F: L.nn.Conv2d(4, 4, 3, padding_mode="mirror"),
    lambda L, F: L.nn.BatchNorm2d(3)(L.ones(2, 3, 4)),
    lambda L, F: L.nn.BatchNorm1d(3)(L.ones(1, 3)),
    lambda L, F: L.nn.Dropout1d()(L.ones(2, 3, 4, 5)),
])
def test_bad_input_errors_match_torch(call):
    got, want = _error(lambda: call(pl, plF)), _error(lambda: call(torch, tF))
    assert want is not None
    assert got == want


def test_lenet_from_the_tutorial_matches_torch():
    def build(L):
        nn, F = L.nn, L.nn.functional

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 6, 5)
                self.conv2 = nn.Conv2d(6, 16, 5)
                self.fc1 = nn.Linear(16 * 5 * 5, 120)
                self.fc2 = nn.Linear(120, 84)
                self.fc3 = nn.Linear(84, 10)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
                x = F.max_pool2d(F.relu(self.conv2(x)), 2)
                x = L.flatten(x, 1)
                return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

        L.manual_seed(0)
        net = Net()
        x = L.randn(2, 1, 32, 32)
        out = net(x)
        out.backward(L.ones(2, 10))
        return net, out

    (a, ya), (b, yb) = build(pl), build(torch)
    assert repr(a) == repr(b)
    assert [tuple(p.shape) for p in a.parameters()] == [tuple(p.shape) for p in b.parameters()]
    np.testing.assert_allclose(arr(ya), arr(yb), rtol=1e-4, atol=1e-5)
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-5)
