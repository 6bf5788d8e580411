"""copy_'s gradients, a few grad_fn names, the tensor factory on an absent device and the
class's printed name, each against torch."""
import pytest

import pytorchlite as plt

torch = pytest.importorskip("torch")


def _copy_grads(m):
    out = []
    b = m.arange(3.0, requires_grad=True)
    z = b.clone()
    z.copy_(m.ones(3))
    z.sum().backward()
    out.append(b.grad.tolist())
    b = m.arange(6.0).reshape(2, 3).requires_grad_()
    s = m.arange(3, dtype=m.float64).requires_grad_()
    z = b * 1
    z.copy_(s)  # broadcast and cast: the gradient is summed and cast back
    (z * m.arange(6.0).reshape(2, 3)).sum().backward()
    out += [b.grad.tolist(), s.grad.tolist(), str(s.grad.dtype)]
    b = m.arange(6.0).reshape(2, 3).requires_grad_()
    s = m.arange(3.0, requires_grad=True)
    z = b * 1
    z[0].copy_(s)  # through a view: CopySlices
    (z * m.arange(6.0).reshape(2, 3)).sum().backward()
    out += [b.grad.tolist(), s.grad.tolist(), z.grad_fn.name()]
    return out


def test_copy_gives_the_overwritten_tensor_a_zero_gradient():
    assert _copy_grads(plt) == _copy_grads(torch)


def _matrix_power_zero(m):
    a = m.arange(18.0).reshape(2, 3, 3).requires_grad_()
    y = m.linalg.matrix_power(a, 0)
    y.sum().backward()
    return y.grad_fn.name(), y.tolist(), a.grad.tolist()


def test_matrix_power_zero_is_a_copy_over_the_input():
    assert _matrix_power_zero(plt) == _matrix_power_zero(torch)


def test_dirichlet_rsample_node_name():
    names = []
    for m in (plt, torch):
        names.append(type(m.distributions.Dirichlet(m.ones(3, requires_grad=True)).rsample()
                          .grad_fn).__name__)
    assert names[0] == names[1] == "_DirichletBackward"


@pytest.mark.parametrize("device", ["mps", "hpu"])
def test_tensor_on_an_absent_device_raises_as_torch(device):
    def outcome(m):
        try:
            m.tensor([1.0], device=device)
        except Exception as e:  # noqa: BLE001 - the type and message are compared
            return type(e).__name__, str(e)
        return None

    want = outcome(torch)
    assert want is not None and outcome(plt) == want


def test_tensor_class_prints_under_the_package_name():
    assert repr(type(plt.ones(1))) == "<class 'pytorchlite.Tensor'>"
    assert repr(type(torch.ones(1))) == "<class 'torch.Tensor'>"
