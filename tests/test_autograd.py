"""Autograd semantics: accumulation, shared subgraphs, grad modes, detach, retain_graph,
deep graphs, and the errors PyTorch raises."""
import numpy as np
import pytest

import pytorchlite as torch


def test_leaf_grads_accumulate_across_backward_calls():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [3.0 + 2.0, 3.0 + 4.0]


def test_shared_subgraph_gets_both_contributions():
    x = torch.tensor([2.0], requires_grad=True)
    y = x * x
    z = y + y * 3  # y used twice
    z.backward()
    assert x.grad.item() == pytest.approx(4 * 2 * 2.0)


def test_leaf_used_twice_in_one_op():
    x = torch.tensor([3.0], requires_grad=True)
    (x * x).backward()
    assert x.grad.item() == 6.0


def test_non_leaf_grad_is_not_kept_and_is_leaf_flags():
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf
    assert y.requires_grad and y.grad_fn is not None
    y.sum().backward()
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert y.grad is None


def test_no_grad_enable_grad_and_set_grad_enabled():
    x = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        y = x * 2
        with torch.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad
    torch.set_grad_enabled(False)
    try:
        assert not torch.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        torch.set_grad_enabled(True)
    with torch.set_grad_enabled(False):
        assert not (x + 1).requires_grad
    assert torch.is_grad_enabled()


def test_no_grad_as_decorator():
    @torch.no_grad()
    def f(t):
        return t * 2

    assert not f(torch.ones(1, requires_grad=True)).requires_grad


def test_detach_and_data_share_storage_without_history():
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    d[0] = 5.0
    assert y[0].item() == 5.0
    data = x.data
    assert not data.requires_grad
    data.mul_(3)
    assert x.tolist() == [3.0, 3.0, 3.0]


def test_requires_grad_underscore_and_setter():
    x = torch.zeros(2)
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad


def test_backward_with_gradient_argument():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(gradient=torch.tensor([1.0, 0.5, 0.0]))
    assert x.grad.tolist() == [2.0, 2.0, 0.0]


def test_backward_gradient_shape_mismatch():
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(torch.ones(2))


def test_retain_graph_allows_a_second_backward():
    x = torch.tensor([2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(4 * np.exp(2.0), rel=1e-6)


def test_second_backward_without_retain_graph_raises():
    x = torch.tensor([2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_inplace_modification_of_saved_tensor_raises():
    x = torch.ones(3, requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_on_non_leaf_rebases_history():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.mul_(3)
    assert type(y.grad_fn).__name__ == "MulBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_deep_graph_needs_no_recursion():
    x = torch.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(20000):
        y = y + 0.0
    y.backward()
    assert x.grad.item() == 1.0
    del y  # freeing a long chain must not recurse either


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        torch.ones(2).sum().backward()


def test_grad_can_be_set_and_cleared():
    x = torch.ones(2, requires_grad=True)
    x.grad = torch.full((2,), 3.0)
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    assert x.grad is None


def test_broadcast_gradients_are_reduced_to_input_shapes():
    a = torch.ones(3, 1, requires_grad=True)
    b = torch.ones(4, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[4.0], [4.0], [4.0]]
    assert b.grad.tolist() == [3.0] * 4


def test_float64_graph_keeps_float64_grads():
    x = torch.ones(2, dtype=torch.float64, requires_grad=True)
    (x.float() * 2).sum().backward()
    assert x.grad.dtype == torch.float64
