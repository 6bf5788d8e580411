"""Tensor construction, dtypes and promotion, views, NumPy interop, indexing, and bad input."""
import numpy as np
import pytest

import pytorchlite as torch


def test_size_and_dtype_print_like_pytorch():
    t = torch.zeros(20, 10)
    assert repr(t.shape) == "torch.Size([20, 10])"
    assert str(t.size()) == "torch.Size([20, 10])"
    assert t.size(1) == 10 and t.size(-1) == 10
    assert repr(torch.float32) == "torch.float32" and str(torch.int64) == "torch.int64"
    assert isinstance(t.shape, tuple) and t.shape == (20, 10)
    assert t.shape.numel() == 200 and repr(torch.Size([])) == "torch.Size([])"


def test_tensor_infers_dtypes():
    assert torch.tensor([1, 2]).dtype == torch.int64
    assert torch.tensor([1.0, 2]).dtype == torch.float32
    assert torch.tensor([True, False]).dtype == torch.bool
    assert torch.tensor(3.5).dim() == 0
    assert torch.tensor([[1, 2], [3, 4]], dtype=torch.float64).dtype == torch.float64
    assert torch.tensor([]).shape == (0,)


def test_promotion_rules():
    i = torch.tensor([1, 2])
    f = torch.tensor([1.0, 2.0])
    d = torch.tensor([1.0], dtype=torch.float64)
    assert (i + f).dtype == torch.float32
    assert (f + d).dtype == torch.float64
    assert (i + 1.5).dtype == torch.float32  # a Python float takes the default dtype
    assert (f + torch.tensor(2.0, dtype=torch.float64)).dtype == torch.float32  # 0-dim loses
    assert (i + torch.tensor(2.0, dtype=torch.float64)).dtype == torch.float64
    assert (i / 2).dtype == torch.float32
    assert (torch.tensor([True]) + 1).dtype == torch.int64


def test_factories():
    assert torch.ones(2, 3).tolist() == [[1.0] * 3] * 2
    assert torch.full((2,), 7).dtype == torch.int64
    assert torch.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert torch.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert torch.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert torch.eye(2, 3).tolist() == [[1, 0, 0], [0, 1, 0]]
    assert torch.zeros_like(torch.ones(2, dtype=torch.int64)).dtype == torch.int64
    assert torch.empty(0, 3).shape == (0, 3)
    assert torch.randn(2, 3, requires_grad=True).requires_grad


def test_views_share_storage():
    base = torch.arange(6.0)
    v = base.view(2, 3)
    t = v.t()
    s = base[1:4]
    v[0, 1] = 10.0
    assert base[1].item() == 10.0 and t[1, 0].item() == 10.0 and s[0].item() == 10.0
    assert not t.is_contiguous() and t.contiguous().is_contiguous()
    assert v.unsqueeze(0).shape == (1, 2, 3) and v.unsqueeze(0).squeeze(0).shape == (2, 3)
    assert base.reshape(3, -1).shape == (3, 2)
    assert v.flatten().shape == (6,)
    assert v.permute(1, 0).stride() == (1, 3)


def test_numpy_round_trip_shares_memory():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = torch.from_numpy(a)
    a[0, 0] = 42
    assert t[0, 0].item() == 42
    t[1, 2] = -1
    assert a[1, 2] == -1
    n = t.numpy()
    n[0, 1] = 7
    assert t[0, 1].item() == 7
    assert torch.from_numpy(np.array([1, 2])).dtype == torch.int64
    with pytest.raises(TypeError, match="can't convert np.ndarray"):
        torch.from_numpy(np.zeros(2, dtype=np.uint16))


def test_numpy_refuses_tensors_that_require_grad():
    with pytest.raises(RuntimeError, match="Use tensor.detach"):
        torch.ones(2, requires_grad=True).numpy()


def test_item_tolist_and_format():
    assert torch.tensor([[1, 2]]).tolist() == [[1, 2]]
    assert torch.tensor(2.5).item() == 2.5
    assert isinstance(torch.tensor(3).item(), int)
    assert f"{torch.tensor(3.14159):.2f}" == "3.14"


def test_indexing():
    t = torch.arange(12).reshape(3, 4)
    assert t[1].tolist() == [4, 5, 6, 7]
    assert t[-1, -1].item() == 11
    assert t[:, 1].tolist() == [1, 5, 9]
    assert t[..., 0].tolist() == [0, 4, 8]
    assert t[None].shape == (1, 3, 4)
    assert t[torch.tensor([2, 0])].tolist() == [[8, 9, 10, 11], [0, 1, 2, 3]]
    assert t[[0, 0]].shape == (2, 4)
    assert t[t > 9].tolist() == [10, 11]
    t[0] = 0
    assert t[0].tolist() == [0, 0, 0, 0]
    t[t > 9] = -1
    assert t[2].tolist() == [8, 9, -1, -1]


def test_in_place_ops_and_versions():
    t = torch.ones(3)
    v0 = t._version
    t += 1
    t.mul_(2).sub_(1)
    assert t.tolist() == [3.0, 3.0, 3.0] and t._version > v0


@pytest.mark.parametrize("fn,exc", [
    (lambda: torch.ones(4, 5) @ torch.ones(3, 2), RuntimeError),
    (lambda: torch.ones(3) + torch.ones(4), RuntimeError),
    (lambda: torch.ones(2, 3).view(4), RuntimeError),
    (lambda: torch.zeros(-1), RuntimeError),
    (lambda: torch.ones(3, requires_grad=True).mul(2).backward(), RuntimeError),
    (lambda: torch.ones(3, requires_grad=True).add_(1), RuntimeError),
    (lambda: torch.ones(3)[3], IndexError),
    (lambda: torch.ones(3).sum(1), IndexError),
    (lambda: torch.tensor([[1, 2], [3]]), ValueError),
    (lambda: torch.ones(3) + "a", TypeError),
    (lambda: torch.ones(3) @ [1, 2, 3], TypeError),
])
def test_bad_input_raises_pytorch_exception_types(fn, exc):
    with pytest.raises(exc):
        fn()


def test_matmul_message_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x5 and 3x2\)"):
        torch.ones(4, 5) @ torch.ones(3, 2)


def test_dtype_conversions():
    t = torch.tensor([1.7, -2.2])
    assert t.long().tolist() == [1, -2]
    assert t.to(torch.float64).dtype == torch.float64
    assert t.double().float().dtype == torch.float32
    assert t.bool().tolist() == [True, True]
    assert t.to("cpu") is t
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        t.to("cuda")


def test_cat_skips_legacy_empty_1d_tensors():
    assert torch.cat([torch.zeros(0), torch.ones(2, 3)], 1).shape == (2, 3)
    assert torch.cat([torch.zeros(0)], 1).shape == (0,)
    assert torch.cat([torch.zeros(0, 0)], 1).shape == (0, 0)
