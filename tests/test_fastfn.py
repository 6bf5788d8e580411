"""_C._FastFunction: torch.* functions whose common call goes straight to the C method and
whose other forms (out=, a number first, axis=/keepdims=, keywords only) go to Python."""
import gc
import weakref

import pytest

import pytorchlite as torch
from pytorchlite import _C


def test_common_and_other_forms_give_the_same_results():
    x, y = torch.arange(4.0), torch.full((4,), 2.0)
    assert torch.equal(torch.add(x, y), x + y)
    assert torch.equal(torch.add(x, y, alpha=3), x + 3 * y)
    assert torch.equal(torch.add(2, y), 2 + y)  # a number first: the Python path
    assert torch.equal(torch.add(input=x, other=y), x + y)  # keywords only: the Python path
    out = torch.empty(4)
    assert torch.add(x, y, out=out) is out and torch.equal(out, x + y)
    assert torch.equal(torch.sum(x.reshape(2, 2), axis=0, keepdims=True),
                       x.reshape(2, 2).sum(0, keepdim=True))
    assert torch.exp(x, out=torch.empty(4)).tolist() == x.exp().tolist()


def test_names_docs_and_attributes():
    # an instance of its own: a Tensor subclass with __torch_function__ defined by an earlier
    # test rebinds the package's functions to dispatchers
    f = _C._FastFunction(len, print, "size")
    assert f.__name__ == "size" and f.__qualname__ == "size"
    assert repr(f) == "<function size>"
    assert f.__wrapped__ is print
    f.marker = 1  # instances have a __dict__ (the package marks its functions)
    assert f.marker == 1
    f.__doc__ = "The size."
    assert f.__doc__ == "The size."
    assert f(torch.ones(3)) == 3  # a Tensor first: the fast callable


def test_the_type_checks_its_arguments():
    with pytest.raises(TypeError, match="must be callable"):
        _C._FastFunction(1, print, "f")
    with pytest.raises(TypeError):
        _C._FastFunction(print, print, 3)


def test_a_cycle_through_an_instance_is_collected():
    class Holder:
        pass

    h = Holder()
    f = _C._FastFunction(lambda *a: h, lambda *a: h, "f")
    h.f = f
    ref = weakref.ref(h)
    del h, f
    gc.collect()
    assert ref() is None


def test_errors_come_from_the_path_taken():
    with pytest.raises(TypeError):
        torch.add("a", torch.ones(1))
    with pytest.raises(RuntimeError):
        torch.add(torch.ones(2), torch.ones(3))
