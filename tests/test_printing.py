"""Tensor printing checks that need neither torch nor pytorchlite's core.

The printer only uses the public tensor API, so it is driven here by a small NumPy-backed
stand-in; the expected strings are worked out by hand from the printing rules.
"""

import numpy as np
import pytest

from pytorchlite import _tensor_str as ts


class FakeDtype:
    def __init__(self, name, np_dtype):
        self.name = name
        self.np_dtype = np_dtype
        self.is_floating_point = np.issubdtype(np_dtype, np.floating)
        self.is_complex = False

    def __str__(self):
        return "torch." + self.name


FLOAT32 = FakeDtype("float32", np.float32)
FLOAT64 = FakeDtype("float64", np.float64)
INT64 = FakeDtype("int64", np.int64)
BOOL = FakeDtype("bool", np.bool_)


class MulBackward0:
    pass


class Tensor:
    """A minimal stand-in with the tensor API the printer reads; counts converted values."""

    converted = 0

    def __init__(self, array, dtype, requires_grad=False, grad_fn=None):
        self._a = np.asarray(array, dtype=dtype.np_dtype)
        self.dtype = dtype
        self.requires_grad = requires_grad
        self.grad_fn = grad_fn

    @property
    def shape(self):
        return self._a.shape

    def dim(self):
        return self._a.ndim

    def numel(self):
        return self._a.size

    def detach(self):
        return Tensor(self._a, self.dtype)

    def item(self):
        return self._a.item()

    def tolist(self):
        Tensor.converted += self._a.size
        return self._a.tolist()

    def __getitem__(self, index):
        return Tensor(self._a[index], self.dtype)

    def __repr__(self):
        return ts.tensor_repr(self)

    def __format__(self, spec):
        return ts.tensor_format(self, spec)


# The stand-in prints as a plain library tensor ("tensor(...)").
Tensor.__module__ = "pytorchlite._tensor"


class MyTensor(Tensor):
    pass


MyTensor.__module__ = __name__


@pytest.fixture(autouse=True)
def default_options():
    saved = ts.get_printoptions()
    ts.set_printoptions(profile="default")
    yield
    ts.set_printoptions(**saved)


def f32(values, **kw):
    return Tensor(values, FLOAT32, **kw)


# ---------------------------------------------------------------------------------------------
# Print options

def test_defaults():
    assert ts.get_printoptions() == {
        "precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def test_sci_mode_reset_by_any_call():
    ts.set_printoptions(sci_mode=True)
    assert ts.get_printoptions()["sci_mode"] is True
    ts.set_printoptions(precision=3)
    assert ts.get_printoptions()["sci_mode"] is None
    assert ts.get_printoptions()["precision"] == 3


def test_profiles_then_overrides():
    ts.set_printoptions(profile="short", linewidth=100)
    assert ts.get_printoptions() == {
        "precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 100, "sci_mode": None}
    ts.set_printoptions(profile="full")
    assert ts.get_printoptions()["threshold"] == float("inf")
    assert ts.get_printoptions()["linewidth"] == 80
    ts.set_printoptions(profile="unknown", precision=7)
    assert ts.get_printoptions()["precision"] == 7
    assert ts.get_printoptions()["threshold"] == float("inf")


def test_context_manager_restores_even_on_error():
    ts.set_printoptions(precision=6, sci_mode=False)
    before = ts.get_printoptions()
    with pytest.raises(ValueError):
        with ts.printoptions(linewidth=20):
            assert ts.get_printoptions()["linewidth"] == 20
            assert ts.get_printoptions()["sci_mode"] is None
            raise ValueError
    assert ts.get_printoptions() == before


# ---------------------------------------------------------------------------------------------
# Formatting modes and layout

@pytest.mark.parametrize("values,expected", [
    ([1.0, 2.0, 3.0], "tensor([1., 2., 3.])"),
    ([1.5, 2.25], "tensor([1.5000, 2.2500])"),
    ([-1.0, 2.0], "tensor([-1.,  2.])"),
    ([0.1, 0.2, 0.3], "tensor([0.1000, 0.2000, 0.3000])"),
    ([1e-5, -1.0], "tensor([ 1.0000e-05, -1.0000e+00])"),
    ([1.0, 1e9], "tensor([1.0000e+00, 1.0000e+09])"),
    ([float("nan"), 1.0], "tensor([nan, 1.])"),
    ([1.0, float("inf"), -float("inf")], "tensor([1., inf, -inf])"),
    ([0.0, 0.0], "tensor([0., 0.])"),
    # Zeros do not count towards the width, so -0.0000 is one column wider than the rest.
    ([-0.0, 1.5], "tensor([-0.0000, 1.5000])"),
])
def test_float_modes(values, expected):
    assert repr(f32(values)) == expected


def test_scalars_and_dtypes():
    assert repr(f32(3.5)) == "tensor(3.5000)"
    assert repr(Tensor(-7, INT64)) == "tensor(-7)"
    assert repr(Tensor(True, BOOL)) == "tensor(True)"
    assert repr(Tensor([1, -20, 300], INT64)) == "tensor([  1, -20, 300])"
    assert repr(Tensor([True, False, True], BOOL)) == "tensor([ True, False,  True])"
    assert repr(Tensor([1.5, 2.0], FLOAT64)) == "tensor([1.5000, 2.0000], dtype=torch.float64)"


def test_empty():
    assert repr(f32([])) == "tensor([])"
    assert repr(f32(np.zeros((0, 3)))) == "tensor([], size=(0, 3))"
    assert repr(Tensor([], INT64)) == "tensor([], dtype=torch.int64)"


def test_nesting():
    assert repr(f32([[1.0, 2.0], [3.0, 4.0]])) == "tensor([[1., 2.],\n        [3., 4.]])"
    assert repr(f32(np.zeros((2, 1, 1)))) == "tensor([[[0.]],\n\n        [[0.]]])"


def test_wrapping():
    expected = ("tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
                "        14., 15., 16., 17., 18., 19.])")
    assert repr(f32(np.arange(20))) == expected


def test_suffixes():
    assert repr(f32([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    t = f32([2.0, 4.0], requires_grad=True, grad_fn=MulBackward0())
    assert repr(t) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    with ts.printoptions(linewidth=30):
        assert repr(f32([1.0, 2.0], requires_grad=True)) == (
            "tensor([1., 2.],\n       requires_grad=True)")


def test_subclass_prefix_and_parameter():
    assert repr(MyTensor([1.0], FLOAT32)) == "MyTensor([1.])"
    assert ts.parameter_repr(f32([1.0], requires_grad=True)) == (
        "Parameter containing:\ntensor([1.], requires_grad=True)")


# ---------------------------------------------------------------------------------------------
# Summarisation converts only the printed values

def test_summary_reads_only_edges():
    t = Tensor(np.arange(10 ** 6), INT64)
    Tensor.converted = 0
    assert repr(t) == "tensor([     0,      1,      2,  ..., 999997, 999998, 999999])"
    assert Tensor.converted == 6


def test_summary_2d_reads_only_corners():
    t = f32(np.zeros((1001, 2000)))
    Tensor.converted = 0
    text = repr(t)
    assert Tensor.converted == 36
    lines = text.split("\n")
    assert lines[0] == "tensor([[0., 0., 0.,  ..., 0., 0., 0.],"
    assert lines[3] == "        ...,"
    assert len(lines) == 7


def test_edgeitems_zero():
    with ts.printoptions(edgeitems=0, threshold=3):
        assert repr(f32([1.0, 2.0, 3.0, 4.0])) == "tensor([...], size=(4,))"
        assert repr(f32([1.0, 2.0])) == "tensor([1., 2.], size=(2,))"


# ---------------------------------------------------------------------------------------------
# __format__

def test_format():
    assert format(f32(3.14159), ".2f") == "3.14"
    assert format(Tensor(7, INT64), "03d") == "007"
    assert format(f32([1.0, 2.0]), "") == "tensor([1., 2.])"
    with pytest.raises(TypeError, match=r"^unsupported format string passed to Tensor.__format__$"):
        format(f32([1.0, 2.0]), ".2f")
    with pytest.raises(TypeError, match=r"MyTensor.__format__"):
        format(MyTensor(1.0, FLOAT32), ".2f")
