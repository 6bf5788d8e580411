"""Tests of pytorchlite.nn.init: gains, fans, bounds, statistics, errors and warnings."""
import math
import warnings

import numpy as np
import pytest

import pytorchlite as pl
import pytorchlite.nn as nn
from pytorchlite.nn import init


def arr(t):
    return t.detach().numpy()


def test_calculate_gain():
    for name in ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                 "conv_transpose2d", "conv_transpose3d", "sigmoid"]:
        assert init.calculate_gain(name) == 1
    assert init.calculate_gain("tanh") == 5.0 / 3
    assert init.calculate_gain("relu") == math.sqrt(2.0)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2.0 / (1 + 0.01 ** 2))
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2.0 / (1 + 0.2 ** 2))
    assert init.calculate_gain("leaky_relu", 0) == math.sqrt(2.0)
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")


def test_fan_computation():
    assert init._calculate_fan_in_and_fan_out(pl.empty(5, 3)) == (3, 5)
    assert init._calculate_fan_in_and_fan_out(pl.empty(8, 4, 3, 2)) == (24, 48)
    with pytest.raises(ValueError) as e:
        init._calculate_fan_in_and_fan_out(pl.empty(4))
    assert str(e.value) == ("Fan in and fan out can not be computed for tensor with fewer "
                            "than 2 dimensions")
    assert init._calculate_correct_fan(pl.empty(5, 3), "FAN_OUT") == 5
    with pytest.raises(ValueError) as e:
        init.kaiming_uniform_(pl.empty(5, 3), mode="fan_avg")
    assert str(e.value) == "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']"
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.kaiming_normal_(pl.empty(5, 3), nonlinearity="swish")


def test_zero_element_warning():
    t = pl.empty(0, 3)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert init.kaiming_uniform_(t) is t
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_normal_(t)


def test_uniform_bounds_and_statistics():
    pl.manual_seed(0)
    t = pl.empty(200, 100)
    assert init.uniform_(t, -0.5, 2.0) is t
    a = arr(t)
    assert a.min() >= -0.5 and a.max() < 2.0
    assert abs(a.mean() - 0.75) < 0.03
    init.kaiming_uniform_(t, a=math.sqrt(5))
    bound = math.sqrt(3.0) * math.sqrt(2.0 / (1 + 5.000000000000001)) / math.sqrt(100)
    assert np.abs(arr(t)).max() <= bound
    assert abs(arr(t).std() - bound / math.sqrt(3)) < 0.05 * bound
    init.xavier_uniform_(t, gain=2.0)
    a_x = 2.0 * math.sqrt(6.0 / 300)
    assert np.abs(arr(t)).max() <= a_x and np.abs(arr(t)).max() > 0.9 * a_x


def test_normal_family_statistics():
    pl.manual_seed(0)
    t = pl.empty(400, 100)
    init.normal_(t, 3.0, 0.5)
    assert abs(arr(t).mean() - 3.0) < 0.01 and abs(arr(t).std() - 0.5) < 0.01
    init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")
    assert abs(arr(t).std() - math.sqrt(2.0) / math.sqrt(400)) < 0.003
    init.xavier_normal_(t)
    assert abs(arr(t).std() - math.sqrt(2.0 / 500)) < 0.003


def test_trunc_normal_within_bounds():
    pl.manual_seed(0)
    t = pl.empty(100, 50)
    init.trunc_normal_(t, mean=0.0, std=1.0, a=-0.5, b=1.0)
    assert arr(t).min() >= -0.5 and arr(t).max() <= 1.0
    init.trunc_normal_(t, std=0.02, a=-0.03, b=0.03)
    assert np.abs(arr(t)).max() <= 0.03 and 0.01 < arr(t).std() < 0.02
    # narrow window (accept/reject on the uniform path)
    init.trunc_normal_(t, mean=0.0, std=1.0, a=2.0, b=2.5)
    assert arr(t).min() >= 2.0 and arr(t).max() <= 2.5
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(pl.empty(3, 3), mean=10.0, std=1.0, a=-2.0, b=2.0)


def test_constant_family():
    t = pl.empty(3, 4)
    assert init.constant_(t, 2.5) is t and np.all(arr(t) == 2.5)
    init.ones_(t)
    assert np.all(arr(t) == 1.0)
    init.zeros_(t)
    assert np.all(arr(t) == 0.0)
    init.eye_(t)
    np.testing.assert_array_equal(arr(t), np.eye(3, 4, dtype=np.float32))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(pl.empty(3))
    w = pl.empty(4, 2, 3)
    init.dirac_(w, groups=2)
    expected = np.zeros((4, 2, 3), dtype=np.float32)
    for g in range(2):
        for d in range(2):
            expected[g * 2 + d, d, 1] = 1
    np.testing.assert_array_equal(arr(w), expected)
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions"):
        init.dirac_(pl.empty(2, 2))


def test_orthogonal():
    pl.manual_seed(0)
    for shape in [(6, 4), (3, 8), (4, 2, 3)]:
        t = pl.empty(*shape)
        init.orthogonal_(t, gain=2.0)
        m = arr(t).reshape(shape[0], -1).astype(np.float64) / 2.0
        if m.shape[0] >= m.shape[1]:
            np.testing.assert_allclose(m.T @ m, np.eye(m.shape[1]), atol=1e-5)
        else:
            np.testing.assert_allclose(m @ m.T, np.eye(m.shape[0]), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions"):
        init.orthogonal_(pl.empty(3))


def test_sparse():
    pl.manual_seed(0)
    t = pl.empty(10, 6)
    init.sparse_(t, sparsity=0.3)
    zeros_per_col = (arr(t) == 0).sum(0)
    assert zeros_per_col.tolist() == [3] * 6
    assert np.abs(arr(t)).max() < 0.1


def test_init_on_parameters_records_no_history():
    lin = nn.Linear(5, 4)
    for fn in (init.xavier_uniform_, init.kaiming_normal_, init.orthogonal_, init.zeros_):
        fn(lin.weight)
        assert lin.weight.is_leaf and lin.weight.grad_fn is None
    lin(pl.ones(1, 5)).sum().backward()
    assert lin.weight.grad is not None


def test_custom_init_guide_flow():
    """The guide's initialize_parameters: biases come out exactly zero."""
    model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 2))
    for name, param in model.named_parameters():
        if "weight" in name:
            init.kaiming_normal_(param.data, mode="fan_out", nonlinearity="relu")
        elif "bias" in name:
            init.zeros_(param.data)
    for name, param in model.named_parameters():
        if "bias" in name:
            assert f"{param.data.mean().item():.4f}" == "0.0000"
            assert f"{param.data.std().item():.4f}" == "0.0000"


def test_deprecated_aliases_warn():
    with pytest.warns(FutureWarning, match=r"`nn.init.normal` is now deprecated in favor of "
                                           r"`nn.init.normal_`"):
        init.normal(pl.empty(2, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        init.normal_(pl.empty(2, 2))
