"""Tensor.retain_grad, advanced indexing with several indices, erf / GELU and einsum, checked
against NumPy, the math module and float64 central differences."""
import gc
import math
import warnings
import weakref

import numpy as np
import pytest

import pytorchlite as torch
from conftest import measures_rss, rss_bytes
import pytorchlite.nn as nn
import pytorchlite.nn.functional as F

from conftest import numeric_grad


# ---------------------------------------------------------------- retain_grad

def test_retain_grad_stores_and_accumulates_out_of_place():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert not y.retains_grad
    y.retain_grad()
    assert y.retains_grad
    z = (y * y).sum()
    z.backward(retain_graph=True)
    first = y.grad
    np.testing.assert_array_equal(first.numpy(), [4.0, 8.0])  # d(y^2)/dy = 2y
    z.backward()
    np.testing.assert_array_equal(y.grad.numpy(), [8.0, 16.0])
    np.testing.assert_array_equal(first.numpy(), [4.0, 8.0])  # the old tensor is untouched
    assert y.grad is not first
    np.testing.assert_array_equal(x.grad.numpy(), [16.0, 32.0])


def test_retain_grad_on_leaf_is_a_no_op_and_needs_requires_grad():
    x = torch.ones(2, requires_grad=True)
    x.retain_grad()
    assert not x.retains_grad
    with pytest.raises(RuntimeError,
                       match="can't retain_grad on Tensor that has requires_grad=False"):
        torch.ones(2).retain_grad()


def test_retained_grad_is_a_copy_not_the_leaf_grad():
    a = torch.ones(2, requires_grad=True)
    c = a * 1
    c.retain_grad()
    (c * 4).sum().backward()
    np.testing.assert_array_equal(c.grad.numpy(), [4.0, 4.0])
    assert c.grad is not a.grad
    c.grad.zero_()
    np.testing.assert_array_equal(a.grad.numpy(), [4.0, 4.0])


def test_retain_grad_of_the_root_and_of_a_view():
    a = torch.ones(3, requires_grad=True)
    b = (a * 3).sum()
    b.retain_grad()
    b.backward()
    assert b.grad.item() == 1.0
    h = a * 2
    hv = h[1]
    hv.retain_grad()
    (hv * 5).backward()
    assert hv.grad.item() == 5.0


def test_retain_grad_follows_an_in_place_op():
    a = torch.ones(2, requires_grad=True)
    e = a * 2
    e.retain_grad()
    e.mul_(3)
    (e * 7).sum().backward()
    # the gradient is the one of e's current value, after mul_
    np.testing.assert_array_equal(e.grad.numpy(), [7.0, 7.0])
    np.testing.assert_array_equal(a.grad.numpy(), [42.0, 42.0])


def test_retained_tensor_is_not_kept_alive_by_the_graph():
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    z = (y * 3).sum()
    ref = weakref.ref(y)
    del y
    gc.collect()
    assert ref() is None
    z.backward()  # the node's link to the dead tensor was cleared: nothing to store, no crash
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])


def test_non_leaf_grad_access_warns_unless_retained():
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    with pytest.warns(UserWarning, match=r"\.grad attribute of a Tensor that is not a leaf"):
        assert y.grad is None
    y.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad is None  # retained but no backward yet
        assert x.grad is None  # leaves never warn
    w = x * 3
    w.grad = torch.zeros(2)  # an assigned grad is returned without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert w.grad is not None


def test_detach_in_place_drops_retain_grad():
    x = torch.ones(2, requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.detach_()
    assert not y.retains_grad and y.is_leaf


# ---------------------------------------------------------------- advanced indexing

# keys on which PyTorch's rule and NumPy's agree (ints adjacent to advanced indices excluded)
NUMPY_KEYS = [
    lambda L: (L([0, 2]), L([1, 3])),
    lambda L: (slice(None), L([0, 2]), L([1, 3])),
    lambda L: (L([0, 2]), slice(None), L([1, 3])),
    lambda L: (L([[0], [2]]), L([1, 3, 0])),
    lambda L: (Ellipsis, L([0, 4])),
    lambda L: (L([1, 0]), slice(1, 3), L([4, 4])),
    lambda L: (None, L([0, 2]), L([1, 3])),
    lambda L: (L([-1, 0]), L([-4, 3]), L([0, -5])),
    lambda L: (slice(None, None, 2), L([[3, 2], [1, 0]])),
    lambda L: (L([True, False, True]), L([0, 3])),
    lambda L: (slice(None), L([[True, False, True, False, True]] * 4)),
    lambda L: (L([2, 2, 2]), slice(None), L([1])),
]


@pytest.mark.parametrize("k", range(len(NUMPY_KEYS)))
def test_advanced_indexing_reads_like_numpy(k):
    data = np.arange(60, dtype=np.float64).reshape(3, 4, 5)
    key_np = NUMPY_KEYS[k](np.array)
    key_pl = NUMPY_KEYS[k](torch.tensor)
    expected = data[key_np]
    got = torch.tensor(data)[key_pl]
    assert tuple(got.shape) == expected.shape
    np.testing.assert_array_equal(got.numpy(), expected)
    # plain lists give the same result as tensors
    key_list = NUMPY_KEYS[k](lambda v: v)
    np.testing.assert_array_equal(torch.tensor(data)[key_list].numpy(), expected)


@pytest.mark.parametrize("k", range(len(NUMPY_KEYS)))
def test_advanced_indexing_backward_scatters_like_numpy_add_at(k):
    data = np.arange(60, dtype=np.float64).reshape(3, 4, 5)
    key_np = NUMPY_KEYS[k](np.array)
    x = torch.tensor(data, requires_grad=True)
    r = x[NUMPY_KEYS[k](torch.tensor)]
    assert r.grad_fn.name() == "IndexBackward0"
    w = np.random.default_rng(k).random(r.shape)
    (r * torch.tensor(w)).sum().backward()
    expected = np.zeros_like(data)
    np.add.at(expected, key_np, w)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("k", range(len(NUMPY_KEYS)))
def test_advanced_index_assignment_like_numpy(k):
    data = np.arange(60, dtype=np.float64).reshape(3, 4, 5)
    key_np = NUMPY_KEYS[k](np.array)
    shape = data[key_np].shape
    values = np.random.default_rng(k).random(shape)
    if k == 11:  # repeated indices: every write sees the same value, so the order is moot
        values[:] = values[0]
    expected = data.copy()
    expected[key_np] = values
    x = torch.tensor(data)
    x[NUMPY_KEYS[k](torch.tensor)] = torch.tensor(values)
    np.testing.assert_array_equal(x.numpy(), expected)
    # a scalar broadcasts over the indexed elements
    expected[key_np] = -1.0
    x[NUMPY_KEYS[k](torch.tensor)] = -1.0
    np.testing.assert_array_equal(x.numpy(), expected)


def test_ints_are_applied_before_advanced_indices():
    # PyTorch (unlike NumPy) selects first, so the two lists stay adjacent and in place
    x = torch.arange(120).reshape(2, 3, 4, 5)
    r = x[1, :, [0, 2], [1, 3]]
    assert tuple(r.shape) == (3, 2)
    n = np.arange(120).reshape(2, 3, 4, 5)[1]
    np.testing.assert_array_equal(r.numpy(), n[:, [0, 2], [1, 3]])


def test_python_bools_index_a_new_dim():
    x = torch.arange(6.0).reshape(2, 3)
    assert tuple(x[True].shape) == (1, 2, 3)
    assert tuple(x[False].shape) == (0, 2, 3)
    assert tuple(x[True, [0, 1]].shape) == (2, 3)


def test_nested_list_key_is_taken_as_a_tuple_with_a_warning():
    x = torch.arange(12).reshape(3, 4)
    with pytest.warns(UserWarning, match="non-tuple sequence for multidimensional indexing"):
        r = x[[[0, 2], [1, 3]]]
    np.testing.assert_array_equal(r.numpy(), [1, 11])


def test_advanced_indexing_errors():
    x = torch.arange(60).reshape(3, 4, 5)
    with pytest.raises(IndexError, match=r"shape mismatch: indexing tensors could not be "
                                         r"broadcast together with shapes \[2\], \[3\]$"):
        x[[0, 2], [1, 3, 2]]
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 1 with size 4"):
        x[[0, 2], [1, 4]]
    with pytest.raises(IndexError, match=r"The shape of the mask \[2\] at index 0 does not match "
                                         r"the shape of the indexed tensor \[3, 4, 5\] at index 1"):
        x[:, torch.tensor([True, False])]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 3"):
        x[[0], [0], [0], [0]]
    with pytest.raises(IndexError, match="tensors used as indices must be long"):
        x[[0, 1], torch.tensor([1.0, 2.0])]
    y = torch.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"shape mismatch: value tensor of shape \[3\] cannot "
                                           r"be broadcast to indexing result of shape \[2\]"):
        y[[0, 2], [1, 3]] = torch.tensor([5.0, 6.0, 7.0])
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes "
                                           "match, got Float for the destination and Long"):
        y[[0, 2], [1, 3]] = torch.tensor([5, 6])
    with pytest.raises(IndexError, match="index 10 is out of bounds for dimension 1 with size 4"):
        y[0, 10]


def test_failed_assignment_writes_nothing():
    y = torch.zeros(3, 4)
    with pytest.raises(IndexError):
        y[[0, 2], [1, 9]] = 5.0
    assert y.sum().item() == 0.0


# ---------------------------------------------------------------- erf and GELU

def test_erf_values_and_grad():
    xs = np.linspace(-3, 3, 13)
    x = torch.tensor(xs, requires_grad=True)
    e = torch.erf(x)
    assert e.grad_fn.name() == "ErfBackward0"
    np.testing.assert_allclose(e.detach().numpy(), [math.erf(v) for v in xs], rtol=0, atol=1e-15)
    e.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 / math.sqrt(math.pi) * np.exp(-xs ** 2),
                               rtol=1e-14)
    f32 = torch.erf(torch.tensor(xs, dtype=torch.float32))
    assert f32.dtype == torch.float32
    np.testing.assert_allclose(f32.numpy(), [math.erf(v) for v in xs], rtol=0, atol=2e-7)
    ints = torch.erf(torch.tensor([0, 1]))
    assert ints.dtype == torch.float32
    np.testing.assert_allclose(ints.numpy(), [0.0, math.erf(1)], rtol=1e-6)
    np.testing.assert_allclose(torch.tensor([0.5]).erf().numpy(), [math.erf(0.5)], rtol=1e-6)


def _gelu_ref(v, approximate):
    if approximate == "tanh":
        return 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3)))
    return 0.5 * v * (1 + math.erf(v / math.sqrt(2)))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_values_and_grad(approximate):
    xs = np.array([-4.0, -1.5, -0.3, 0.0, 0.2, 1.0, 2.5])
    x = torch.tensor(xs, requires_grad=True)
    y = F.gelu(x, approximate=approximate)
    assert y.grad_fn.name() == "GeluBackward0"
    np.testing.assert_allclose(y.detach().numpy(), [_gelu_ref(v, approximate) for v in xs],
                               rtol=1e-14, atol=1e-300)
    y.sum().backward()
    (num,) = numeric_grad(lambda a: sum(_gelu_ref(v, approximate) for v in a), [xs.copy()])
    np.testing.assert_allclose(x.grad.numpy(), num, rtol=1e-7, atol=1e-9)
    m = nn.GELU(approximate)
    assert repr(m) == f"GELU(approximate='{approximate}')"
    np.testing.assert_array_equal(m(x).detach().numpy(), y.detach().numpy())


def test_gelu_errors():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh."):
        F.gelu(torch.ones(2), approximate="fast")
    with pytest.raises(NotImplementedError, match="\"GeluKernelImpl\" not implemented for 'Long'"):
        F.gelu(torch.tensor([1, 2]))
    with pytest.raises(TypeError):
        F.gelu(torch.ones(2), "tanh")  # approximate is keyword-only


# ---------------------------------------------------------------- einsum

EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bij,jk->bik", [(2, 3, 4), (4, 5)]),
    ("ij->ji", [(3, 4)]),
    ("ii->", [(4, 4)]),
    ("ii->i", [(4, 4)]),
    ("bii->bi", [(2, 3, 3)]),
    ("iji->j", [(3, 2, 3)]),
    ("i,j->ij", [(4,), (5,)]),
    ("i,i->", [(4,), (4,)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,ij->ij", [(3, 4), (1, 4)]),
    ("ij,kj->ik", [(3, 4), (5, 4)]),
    ("ij,jk->ki", [(3, 4), (4, 5)]),
    ("ij,jk,kl->il", [(3, 4), (4, 5), (5, 2)]),
    ("ij,j->i", [(3, 4), (4,)]),
    ("...ij,jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij->ij", [(2, 3, 4)], "kij->ij"),  # NumPy cannot sum an ellipsis away
    ("i...j,jk", [(2, 3, 4), (4, 5)]),
    ("Ab,bc", [(3, 4), (4, 5)]),
    ("ba,ac", [(3, 4), (4, 5)]),
    ("i j , j k -> i k", [(3, 4), (4, 5)]),
    ("ij,kl->ijkl", [(2, 3), (3, 2)]),
    ("bi,bi->b", [(3, 4), (3, 4)]),
]


@pytest.mark.parametrize("k", range(len(EINSUM_CASES)))
def test_einsum_matches_numpy_and_its_gradients(k):
    eq, shapes = EINSUM_CASES[k][:2]
    np_eq = (EINSUM_CASES[k][2:] or [eq.replace(" ", "")])[0]
    rng = np.random.default_rng(k)
    arrays = [rng.standard_normal(s) for s in shapes]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = torch.einsum(eq, *ts)
    expected = np.einsum(np_eq, *arrays)
    assert tuple(out.shape) == np.shape(expected)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12, atol=1e-12)
    w = rng.standard_normal(np.shape(expected))
    (out * torch.tensor(w)).sum().backward()
    nums = numeric_grad(lambda *a: float((np.einsum(np_eq, *a) * w).sum()),
                        [a.copy() for a in arrays])
    for t, num in zip(ts, nums):
        np.testing.assert_allclose(t.grad.numpy(), num, rtol=1e-6, atol=1e-8)


def test_einsum_operand_list_and_sublist_forms():
    a = torch.randn(3, 4)
    b = torch.randn(4, 5)
    ref = (a @ b).numpy()
    np.testing.assert_allclose(torch.einsum("ij,jk->ik", [a, b]).numpy(), ref, rtol=1e-5)
    np.testing.assert_allclose(torch.einsum(a, [0, 1], b, [1, 2], [0, 2]).numpy(), ref, rtol=1e-5)
    np.testing.assert_allclose(torch.einsum(a, [0, 1], b, [1, 2]).numpy(), ref, rtol=1e-5)


def test_einsum_errors():
    a = torch.ones(3, 4)
    cases = [
        (("ij,jk->ik", a), "fewer operands were provided than specified in the equation"),
        (("ij->ij", a, a), "more operands were provided than specified in the equation"),
        (("ijk->i", a), r"number of subscripts in the equation \(3\) does not match the number "
                        r"of dimensions \(2\) for operand 0 and no ellipsis was given"),
        (("ij,jk->ik", a, a), "subscript j has size 3 for operand 1 which does not broadcast "
                              "with previously seen size 4"),
        (("ij->k", a), "output subscript k does not appear in the equation for any input"),
        (("i1->i", a), "invalid subscript given at index 1 in the equation string"),
        (("ij->ii", a), "output subscript i appears more than once in the output"),
        (("ii->i", a), "subscript i is repeated for operand 0 but the sizes don't match, 4 != 3"),
        (("i.j->ij", a), "found '.' for operand 0 that is not part of any ellipsis"),
    ]
    for args, msg in cases:
        with pytest.raises(RuntimeError, match=msg):
            torch.einsum(*args)
    with pytest.raises(ValueError, match="must specify the equation string"):
        torch.einsum("ij")


# ---------------------------------------------------------------- memory

@measures_rss
def test_new_paths_do_not_leak():
    # 64 KiB per (128, 128) float tensor: one leaked per step outgrows the bound
    x = torch.randn(128, 128, requires_grad=True)
    rows = torch.tensor([0, 5, 9, 127])
    mask = torch.rand(128) > 0.5

    def step():
        y = x * 1
        y.retain_grad()
        r = y[rows, :][:, [1, 2]] + y[mask, 3:].sum() + y[:, rows[:2], None][0, 0]
        e = torch.einsum("ij,jk->ik", F.gelu(r), torch.erf(y[:2]))
        e.sum().backward()
        z = torch.zeros(128, 128)
        z[rows, rows] = 1.0
        z[mask, :2] = torch.ones(2)
        for bad in (lambda: y[[0, 1], [0, 1, 2]], lambda: z.__setitem__(([0], [999]), 1.0)):
            with pytest.raises(IndexError):
                bad()
        x.grad = None

    for _ in range(30):
        step()
    gc.collect()
    before = rss_bytes()
    for _ in range(400):
        step()
    gc.collect()
    assert rss_bytes() - before < 12 * 2 ** 20
