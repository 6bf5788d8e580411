"""Regression tests for crashes and wrong answers found by sanitizers and fuzzing: each case is
bad input that must raise PyTorch's exception type (never crash, never return garbage)."""
import numpy as np
import pytest

import pytorchlite as torch


@pytest.mark.parametrize("make", [
    lambda: torch.zeros(2 ** 31, 2 ** 31, 4),  # element count wraps to 0 in int64
    lambda: torch.empty(2 ** 62, 4),
    lambda: torch.eye(2 ** 40),                # wrapped count, then the diagonal was written
    lambda: torch.ones(2, 3).expand(2 ** 62, 4, 2, 3),
    lambda: torch.ones(3).repeat(2 ** 40, 2 ** 40),
])
def test_element_count_overflow_raises(make):
    with pytest.raises(RuntimeError):
        make()


def test_out_of_memory_is_runtime_and_memory_error():
    with pytest.raises(RuntimeError):
        torch.empty(2 ** 41)
    with pytest.raises(MemoryError):
        torch.empty(2 ** 41)
    assert issubclass(torch.OutOfMemoryError, RuntimeError)


def test_eye_message_names_the_bad_argument():
    with pytest.raises(RuntimeError, match="m must be greater or equal to 0"):
        torch.eye(3, -1)


def test_linspace_one_step_is_start():
    assert torch.linspace(2.0, 5.0, 1).tolist() == [2.0]
    assert torch.linspace(2.0, 5.0, 1, dtype=torch.float64).tolist() == [2.0]


@pytest.mark.parametrize("op", [
    lambda x: x.add_(1), lambda x: x.mul_(2), lambda x: x.exp_(), lambda x: x.clamp_(0, 1),
    lambda x: x.copy_(torch.zeros(2, 3)), lambda x: x.sub_(torch.ones(3)),
])
def test_inplace_on_expanded_raises(op):
    base = torch.ones(3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        op(base.expand(2, 3))
    assert base.tolist() == [1.0, 1.0, 1.0]


def test_fill_on_expanded_is_allowed():
    base = torch.ones(3)
    base.expand(2, 3).fill_(4)
    assert base.tolist() == [4.0, 4.0, 4.0]


def test_narrow_checks_its_range():
    x = torch.arange(5)
    with pytest.raises(RuntimeError, match="exceeds dimension size"):
        x.narrow(0, 2, 5)
    with pytest.raises(IndexError, match="start out of range"):
        x.narrow(0, -7, 1)
    with pytest.raises(RuntimeError, match="length must be non-negative"):
        x.narrow(0, 0, -1)
    with pytest.raises(RuntimeError, match="0-dim"):
        torch.tensor(1.0).narrow(0, 0, 1)
    assert x.narrow(0, -2, 2).tolist() == [3, 4]
    assert x.narrow(-1, 1, 0).tolist() == []


def test_slice_with_huge_step():
    x = torch.arange(6)
    assert x[1::2 ** 62].tolist() == [1]
    assert x[::2 ** 63 - 1].tolist() == [0]


def test_index_select_rejects_negative_indices():
    x = torch.arange(4)
    with pytest.raises(IndexError, match="index out of range in self"):
        x.index_select(0, torch.tensor([-1]))
    assert x[torch.tensor([-1])].tolist() == [3]  # indexing, unlike index_select, wraps


def test_gather_checks_indices_and_dims():
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with pytest.raises(RuntimeError, match="out of bounds"):
        x.gather(1, torch.tensor([[3]]))
    with pytest.raises(RuntimeError, match="out of bounds"):
        x.gather(1, torch.tensor([[-1]]))  # NumPy would wrap it: wrong numbers
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.gather(2, torch.tensor([[0]]))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        x.gather(1, torch.tensor([0]))
    assert x.gather(1, torch.tensor([[2], [0]])).tolist() == [[3.0], [4.0]]
    # the index may be smaller than self in the other dims
    assert x.gather(1, torch.tensor([[1, 1, 0, 2]])).tolist() == [[2.0, 2.0, 1.0, 3.0]]
    assert torch.tensor(7.0).gather(0, torch.tensor(0)).shape == ()


@pytest.mark.parametrize("call, exc", [
    (lambda x: x.sort(2), IndexError), (lambda x: x.argsort(-3), IndexError),
    (lambda x: x.cumsum(2), IndexError), (lambda x: x.topk(4), RuntimeError),
    (lambda x: x.topk(-1), RuntimeError), (lambda x: x.chunk(0), RuntimeError),
    (lambda x: x.split(0), RuntimeError), (lambda x: x.split(-1), RuntimeError),
    (lambda x: x.split([-1, 4]), RuntimeError), (lambda x: x.unbind(2), IndexError),
    (lambda x: x.prod(3), IndexError), (lambda x: x.unflatten(5, (1, 3)), IndexError),
])
def test_python_composites_raise_pytorch_types(call, exc):
    with pytest.raises(exc):
        call(torch.ones(2, 3))


def test_sort_descending_all_dtypes_and_nan():
    b = torch.tensor([True, False, True])
    assert b.sort(descending=True).values.tolist() == [True, True, False]
    assert b.sort(descending=True).indices.tolist() == [0, 2, 1]  # stable: ties in input order
    i = torch.tensor([-(2 ** 63), 5, 5])
    assert i.sort(descending=True).values.tolist() == [5, 5, -(2 ** 63)]
    f = torch.tensor([1.0, float("nan"), 3.0])
    got = f.sort(descending=True).values.numpy()
    assert np.isnan(got[0]) and got[1:].tolist() == [3.0, 1.0]


def test_zero_dim_sort_topk_cumsum():
    x = torch.tensor(2.5)
    assert x.sort().values.shape == () and x.sort().indices.item() == 0
    assert x.topk(1).values.item() == 2.5
    assert x.cumsum(0).shape == () and x.cumsum(0).item() == 2.5
    with pytest.raises(RuntimeError):
        x.chunk(2)


def test_bool_subtraction_raises():
    with pytest.raises(RuntimeError, match="with a bool tensor"):
        torch.ones(3) - torch.tensor(True)
    with pytest.raises(RuntimeError, match="with a bool tensor"):
        torch.ones(3).sub_(torch.tensor([True, False, True]))


def test_integer_overflow_in_arguments_is_value_error():
    with pytest.raises(ValueError):
        torch.tensor([2 ** 63])
    with pytest.raises(ValueError):
        torch.ones(3)[2 ** 70]


def test_shape_methods_need_their_argument():
    x = torch.ones(2)
    for name in ("view", "reshape", "expand"):
        with pytest.raises(TypeError):
            getattr(x, name)()


def test_square_of_bool_is_int64():
    assert torch.tensor([True, False]).square().dtype == torch.int64


def test_logical_ops_want_tensors():
    with pytest.raises(TypeError):
        torch.ones(2).logical_and(1)
