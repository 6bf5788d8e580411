"""The helpers that scope bitwise matmul parity to machines where torch's BLAS adds small
products in k order (blas_order.py): pytorchlite's own order, the probe, both forced branches
and the tolerant comparison of printed output."""
import numpy as np
import pytest

import blas_order
from blas_order import (ENV, assert_equal_as_torch, assert_output_as_torch, k_order_matmul,
                        outputs_match, probe_operands, torch_matmul_is_k_ordered)

import pytorchlite as pl


def _product(m, a, ta, b, tb):
    x, y = m.tensor(a), m.tensor(b)
    return ((x.t() if ta else x) @ (y.t() if tb else y)).numpy()


def test_pytorchlite_small_products_are_k_ordered():
    # the claim the probe relies on, on every machine: our small products add in k order
    for seed in range(3):
        for a, ta, b, tb in probe_operands(seed):
            want = k_order_matmul(a.T if ta else a, b.T if tb else b)
            assert _product(pl, a, ta, b, tb).tobytes() == want.tobytes()


def test_k_order_product_is_not_a_fused_one():
    # (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 rounds to 1 + 2^-11 in float32 (a tie, to even), so the
    # separately rounded sum is 0, where a fused multiply-add would keep the 2^-24
    a = np.array([[1 + 2.0 ** -12, -(1 + 2.0 ** -11)]], np.float32)
    b = np.array([[1 + 2.0 ** -12], [1.0]], np.float32)
    exact = float(a[0, 0]) * float(b[0, 0]) + float(a[0, 1]) * float(b[1, 0])
    assert exact == 2.0 ** -24
    assert k_order_matmul(a, b)[0, 0] == np.float32(0.0)
    assert pl.tensor(a).matmul(pl.tensor(b)).item() == 0.0


def test_probe_says_whether_torch_rounds_as_pytorchlite():
    torch = pytest.importorskip("torch")
    same = all(_product(torch, *ops).tobytes() == _product(pl, *ops).tobytes()
               for ops in probe_operands())
    assert blas_order._probe() == same


@pytest.mark.parametrize("order", ["k", "other"])
def test_forced_branches(order, monkeypatch):
    monkeypatch.setenv(ENV, order)
    assert torch_matmul_is_k_ordered() == (order == "k")
    x = np.linspace(0.1, 2.0, 7, dtype=np.float32)
    one_ulp = np.nextafter(x, np.float32(3.0))
    if order == "k":
        with pytest.raises(AssertionError):
            assert_equal_as_torch(one_ulp, x)
        with pytest.raises(AssertionError):
            assert_output_as_torch("loss 0.1235\n", "loss 0.1234\n")
    else:
        assert_equal_as_torch(one_ulp, x)
        assert_output_as_torch("loss 0.1235\n", "loss 0.1234\n")
        with pytest.raises(AssertionError):
            assert_equal_as_torch(x * np.float32(1.001), x)
        with pytest.raises(AssertionError):
            assert_output_as_torch("loss 0.1237\n", "loss 0.1234\n")
    assert_equal_as_torch(x.copy(), x)


def test_bad_forced_value(monkeypatch):
    monkeypatch.setenv(ENV, "amd")
    with pytest.raises(ValueError, match=ENV):
        torch_matmul_is_k_ordered()


@pytest.mark.parametrize("order", ["k", "other"])
def test_scoped_parity_tests_in_both_branches(order, monkeypatch):
    pytest.importorskip("torch")
    if order == "k" and not blas_order._probe():
        pytest.skip("torch's small products on this machine are not k-ordered")
    monkeypatch.setenv(ENV, order)
    import test_optim_data_parity
    import test_reduction_parity

    test_optim_data_parity.test_training_loop_equal_torch()
    test_reduction_parity.test_bias_gradient_of_a_small_linear_layer_is_bitwise()


@pytest.mark.parametrize("got, want, same", [
    ("Mean=0.1234, x 0.014452811330556870\n", "Mean=0.1235, x 0.014452813193202019\n", True),
    ("{'grad_mean': 1.5000001e-03}", "{'grad_mean': 1.5e-03}", True),
    ("Mean=0.1234", "Mean=0.1236", False),          # two units of the last digit
    ("x 0.014452811", "x 0.014453811", False),      # 7e-5 relative
    ("Epoch 0: 0.5", "Epoch 1: 0.5", False),        # integers are exact
    ("fc1.weight 0.5", "fc2.weight 0.5", False),
    ("Mean=0.5", "mean=0.5", False),                # so is the text between numbers
    ("a 0.5 0.5", "a 0.5", False),
])
def test_outputs_match(got, want, same):
    assert outputs_match(got, want) is same
