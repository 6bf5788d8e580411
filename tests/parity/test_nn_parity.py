"""pytorchlite.nn side by side with the real PyTorch: same seed, same numbers; same strings."""
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import pytorchlite as pl
import pytorchlite.nn as plnn
import pytorchlite.nn.functional as plF

torch = pytest.importorskip("torch")
tnn = torch.nn
tF = torch.nn.functional

needs_uniform = pytest.mark.skipif(not hasattr(pl.Tensor, "uniform_"),
                                   reason="Tensor.uniform_ is not available yet")
needs_normal = pytest.mark.skipif(not hasattr(pl.Tensor, "normal_"),
                                  reason="Tensor.normal_ is not available yet")
needs_bernoulli = pytest.mark.skipif(not hasattr(pl.Tensor, "bernoulli_"),
                                     reason="Tensor.bernoulli_ is not available yet")


def arr(t):
    return t.detach().numpy()


def both(seed, make_pl, make_torch):
    pl.manual_seed(seed)
    a = make_pl()
    torch.manual_seed(seed)
    b = make_torch()
    return a, b


def exc_text(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the message is what is compared
        # Class paths name the package they live in; the rest must be identical.
        return type(e).__name__, str(e).replace("pytorchlite.", "torch.")
    return None


# ------------------------------------------------------------------------ random init
@needs_uniform
@pytest.mark.parametrize("shape", [(3, 2), (5, 3), (784, 128), (7, 1), (1, 1), (20, 10)])
def test_linear_init_bit_exact(shape):
    fan_in, fan_out = shape
    a, b = both(0, lambda: plnn.Linear(fan_in, fan_out), lambda: tnn.Linear(fan_in, fan_out))
    np.testing.assert_array_equal(arr(a.weight), arr(b.weight))
    np.testing.assert_array_equal(arr(a.bias), arr(b.bias))


@needs_uniform
def test_model_init_sequence_bit_exact():
    def build(nn):
        return nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 2, bias=False),
                             nn.Linear(2, 3, dtype=None))

    a, b = both(42, lambda: build(plnn), lambda: build(tnn))
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb
        np.testing.assert_array_equal(arr(pa), arr(pb))


@needs_uniform
def test_linear_init_float64_bit_exact():
    a, b = both(3, lambda: plnn.Linear(6, 4, dtype=pl.float64),
                lambda: tnn.Linear(6, 4, dtype=torch.float64))
    np.testing.assert_array_equal(arr(a.weight), arr(b.weight))
    np.testing.assert_array_equal(arr(a.bias), arr(b.bias))


@needs_uniform
@pytest.mark.parametrize("name,kwargs", [
    ("uniform_", {"a": -0.3, "b": 0.7}),
    ("xavier_uniform_", {"gain": 1.5}),
    ("kaiming_uniform_", {"a": 0.1, "mode": "fan_out"}),
    ("kaiming_uniform_", {"nonlinearity": "relu"}),
])
def test_uniform_initialisers_bit_exact(name, kwargs):
    for shape in [(4, 5), (16, 8, 3)]:
        a, b = both(7, lambda: getattr(plnn.init, name)(pl.empty(*shape), **kwargs),
                    lambda: getattr(tnn.init, name)(torch.empty(*shape), **kwargs))
        np.testing.assert_array_equal(arr(a), arr(b))


@needs_normal
@pytest.mark.parametrize("name,kwargs", [
    ("normal_", {"mean": 1.0, "std": 0.2}),
    ("xavier_normal_", {"gain": 1.0}),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
])
@pytest.mark.parametrize("shape", [(3, 2), (20, 10), (2, 20)])
def test_normal_initialisers_bit_exact(name, kwargs, shape):
    a, b = both(11, lambda: getattr(plnn.init, name)(pl.empty(*shape), **kwargs),
                lambda: getattr(tnn.init, name)(torch.empty(*shape), **kwargs))
    np.testing.assert_array_equal(arr(a), arr(b))


@needs_normal
@needs_uniform
@pytest.mark.parametrize("kwargs", [
    {},                                              # wide window: normal + redraws
    {"std": 0.02, "a": -0.04, "b": 0.04},
    {"mean": 0.0, "std": 1.0, "a": 1.5, "b": 2.0},   # narrow window: uniform accept/reject
])
def test_trunc_normal_bit_exact(kwargs):
    a, b = both(5, lambda: plnn.init.trunc_normal_(pl.empty(30, 7), **kwargs),
                lambda: tnn.init.trunc_normal_(torch.empty(30, 7), **kwargs))
    np.testing.assert_array_equal(arr(a), arr(b))


@needs_normal
@pytest.mark.parametrize("shape", [(6, 4), (3, 8), (20, 10)])
def test_orthogonal_close(shape):
    # Same normal draws; the QR factorisation is a different LAPACK build.
    a, b = both(2, lambda: plnn.init.orthogonal_(pl.empty(*shape), gain=1.5),
                lambda: tnn.init.orthogonal_(torch.empty(*shape), gain=1.5))
    np.testing.assert_allclose(arr(a), arr(b), atol=2e-5)


@needs_normal
def test_sparse_bit_exact():
    if not hasattr(pl, "randperm"):
        pytest.skip("randperm is not available yet")
    a, b = both(9, lambda: plnn.init.sparse_(pl.empty(8, 5), 0.4),
                lambda: tnn.init.sparse_(torch.empty(8, 5), 0.4))
    np.testing.assert_array_equal(arr(a), arr(b))


@needs_bernoulli
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_bit_exact(p):
    x = np.linspace(-1, 1, 37, dtype=np.float32).reshape(37)
    a, b = both(4, lambda: plnn.Dropout(p)(pl.tensor(x)), lambda: tnn.Dropout(p)(torch.tensor(x)))
    np.testing.assert_array_equal(arr(a), arr(b))


# ------------------------------------------------------------------------ numerics
def test_mse_loss_and_gradient_match():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    y = rng.standard_normal((5, 3)).astype(np.float32)
    for reduction in ["mean", "sum", "none"]:
        xa = pl.tensor(x, requires_grad=True)
        xb = torch.tensor(x, requires_grad=True)
        la = plF.mse_loss(xa, pl.tensor(y), reduction=reduction)
        lb = tF.mse_loss(xb, torch.tensor(y), reduction=reduction)
        np.testing.assert_allclose(arr(la), arr(lb), rtol=1e-6)
        assert type(la.grad_fn).__name__ == type(lb.grad_fn).__name__
        la.sum().backward()
        lb.sum().backward()
        np.testing.assert_allclose(arr(xa.grad), arr(xb.grad), rtol=1e-6)


def test_losses_match():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 4)).astype(np.float32)
    t = rng.integers(0, 4, 6)
    y = rng.standard_normal((6, 4)).astype(np.float32)
    np.testing.assert_allclose(
        plF.l1_loss(pl.tensor(x), pl.tensor(y)).item(),
        tF.l1_loss(torch.tensor(x), torch.tensor(y)).item(), rtol=1e-6)
    for kwargs in [{}, {"reduction": "sum"}, {"label_smoothing": 0.1}]:
        np.testing.assert_allclose(
            plF.cross_entropy(pl.tensor(x), pl.tensor(t), **kwargs).item(),
            tF.cross_entropy(torch.tensor(x), torch.tensor(t), **kwargs).item(), rtol=1e-5)
    xa = pl.tensor(x, requires_grad=True)
    xb = torch.tensor(x, requires_grad=True)
    plF.cross_entropy(xa, pl.tensor(t)).backward()
    tF.cross_entropy(xb, torch.tensor(t)).backward()
    np.testing.assert_allclose(arr(xa.grad), arr(xb.grad), rtol=1e-5, atol=1e-7)


def test_activation_values_match():
    x = np.linspace(-3, 3, 13, dtype=np.float32).reshape(1, 13)
    for name, args in [("relu", ()), ("sigmoid", ()), ("tanh", ()), ("leaky_relu", (0.2,)),
                       ("softmax", (1,)), ("log_softmax", (1,))]:
        np.testing.assert_allclose(arr(getattr(plF, name)(pl.tensor(x), *args)),
                                   arr(getattr(tF, name)(torch.tensor(x), *args)),
                                   rtol=1e-6, atol=1e-7)


def test_clip_grad_norm_matches():
    def run(lib, nn):
        lib.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 1))
        model(lib.ones(2, 4) * 3).sum().backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        return norm.item(), [arr(p.grad) for p in model.parameters()]

    na, ga = run(pl, plnn)
    nb, gb = run(torch, tnn)
    np.testing.assert_allclose(na, nb, rtol=1e-6)
    for a, b in zip(ga, gb):
        np.testing.assert_allclose(a, b, rtol=1e-5)


# --------------------------------------------------------------------- printed forms
def _build_nested(nn):
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4, bias=False)
            self.act = nn.LeakyReLU(0.2, inplace=True)
            self.drop = nn.Dropout(0.1)

        def extra_repr(self):
            return "custom=1\nsecond line"

    return nn.Sequential(OrderedDict([
        ("inp", nn.Linear(3, 4)),
        ("blocks", nn.ModuleList([Block(), Block(), nn.Tanh()])),
        ("heads", nn.ModuleDict({"a": nn.Softmax(dim=1), "b": nn.Flatten()})),
        ("empty", nn.Sequential()),
        ("loss", nn.CrossEntropyLoss()),
        ("id", nn.Identity()),
        ("sig", nn.Sigmoid()),
        ("mse", nn.MSELoss(reduction="sum")),
        ("l1", nn.L1Loss()),
        ("logsm", nn.LogSoftmax(dim=-1)),
    ]))


def test_module_reprs_match():
    assert repr(_build_nested(plnn)) == repr(_build_nested(tnn))
    for make in [lambda nn: nn.Module(), lambda nn: nn.ReLU(True), lambda nn: nn.Dropout(),
                 lambda nn: nn.Softmax(), lambda nn: nn.ModuleList()]:
        assert repr(make(plnn)) == repr(make(tnn))


def test_structure_and_state_dict_keys_match():
    a, b = _build_nested(plnn), _build_nested(tnn)
    for fn in [lambda m: [n for n, _ in m.named_parameters()],
               lambda m: [n for n, _ in m.named_modules()],
               lambda m: [n for n, _ in m.named_children()],
               lambda m: list(m.state_dict().keys()),
               lambda m: dict(m.state_dict()._metadata),
               lambda m: [tuple(p.shape) for p in m.parameters()]]:
        assert fn(a) == fn(b)


def test_load_state_dict_messages_match():
    def attempt(nn, lib, mutate, strict=True):
        model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        sd = model.state_dict()
        mutate(sd, lib)
        if strict:
            return exc_text(lambda: model.load_state_dict(sd))
        return repr(model.load_state_dict(sd, strict=False))

    def missing_and_extra(sd, lib):
        del sd["0.bias"]
        del sd["2.weight"]
        sd["3.weight"] = lib.zeros(1)
        sd["junk"] = lib.zeros(1)

    def wrong_shape(sd, lib):
        sd["2.weight"] = lib.zeros(2, 3)

    def not_a_tensor(sd, lib):
        sd["0.bias"] = [1.0, 2.0, 3.0]

    for mutate in [missing_and_extra, wrong_shape, not_a_tensor]:
        assert attempt(plnn, pl, mutate) == attempt(tnn, torch, mutate)
    assert attempt(plnn, pl, missing_and_extra, False) == attempt(tnn, torch,
                                                                  missing_and_extra, False)
    assert (repr(plnn.Linear(1, 1).load_state_dict(plnn.Linear(1, 1).state_dict()))
            == repr(tnn.Linear(1, 1).load_state_dict(tnn.Linear(1, 1).state_dict())))


def test_error_messages_match():
    cases = [
        lambda nn, lib: nn.Linear(2, 2).__setattr__("weight", lib.ones(2, 2)),
        lambda nn, lib: nn.Module().add_module("a.b", nn.ReLU()),
        lambda nn, lib: nn.Module().add_module("x", 5),
        lambda nn, lib: nn.Module().register_buffer("b", 3),
        lambda nn, lib: nn.Module().register_parameter("", None),
        lambda nn, lib: nn.Module()(lib.ones(1)),
        lambda nn, lib: nn.Linear(1, 1).nonexistent,
        lambda nn, lib: nn.Sequential(nn.ReLU())[3],
        lambda nn, lib: nn.ModuleList([nn.ReLU()])[-2],
        lambda nn, lib: nn.Linear(1, 1).get_submodule("x.y"),
        lambda nn, lib: nn.Linear(1, 1).train("yes"),
        lambda nn, lib: nn.Linear(1, 1).to(lib.int64),
        lambda nn, lib: nn.Dropout(-0.1),
        lambda nn, lib: nn.init.kaiming_uniform_(lib.empty(3)),
        lambda nn, lib: nn.init.kaiming_uniform_(lib.empty(3, 3), mode="x"),
        lambda nn, lib: nn.init.calculate_gain("leaky_relu", "a"),
        lambda nn, lib: nn.init.orthogonal_(lib.empty(2)),
        lambda nn, lib: nn.functional.mse_loss(lib.ones(2), lib.ones(2), reduction="avg"),
        lambda nn, lib: nn.Sequential(nn.ReLU()) + nn.ReLU(),
    ]
    for case in cases:
        assert exc_text(lambda: case(plnn, pl)) == exc_text(lambda: case(tnn, torch))


def test_warnings_match():
    def caught(fn):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            fn()
        return [(wi.category.__name__, str(wi.message)) for wi in w]

    for case in [
        lambda nn, lib: nn.functional.mse_loss(lib.ones(3, 1), lib.ones(3)),
        lambda nn, lib: nn.init.kaiming_normal_(lib.empty(0, 4)),
        lambda nn, lib: nn.Softmax()(lib.ones(2, 2)),
        lambda nn, lib: nn.MSELoss(size_average=False),
    ]:
        assert caught(lambda: case(plnn, pl)) == caught(lambda: case(tnn, torch))


# ------------------------------------------------------------------------ guide flows
@needs_uniform
def test_guide_training_flow_matches():
    """A few SGD steps on an MSE objective by hand give PyTorch's numbers."""
    def run(lib, nn):
        lib.manual_seed(42)
        x = lib.tensor(np.linspace(0, 1, 20, dtype=np.float32).reshape(10, 2))
        y = lib.tensor(np.linspace(1, 0, 10, dtype=np.float32).reshape(10, 1))
        model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
        crit = nn.MSELoss()
        losses = []
        for _ in range(3):
            model.zero_grad()
            loss = crit(model(x), y)
            loss.backward()
            with lib.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
            losses.append(loss.item())
        return losses, [arr(p) for p in model.parameters()]

    la, pa = run(pl, plnn)
    lb, pb = run(torch, tnn)
    np.testing.assert_allclose(la, lb, rtol=1e-5)
    for a, b in zip(pa, pb):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
