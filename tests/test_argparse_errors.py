"""The argument parser's TypeErrors (pytorchlite/_argparse.py) word for word with PyTorch's."""
import pytest

import pytorchlite as plt

torch = pytest.importorskip("torch")


def _message(lib, call):
    with pytest.raises(TypeError) as info:
        call(lib)
    return str(info.value)


CALLS = {
    "count_nonzero with keepdim": lambda m: m.count_nonzero(m.ones(3, 4), 0, keepdim=True),
    "count_nonzero keywords only": lambda m: m.count_nonzero(input=m.ones(3), dim=0, keepdim=True),
    "count_nonzero two unknown keywords": lambda m: m.count_nonzero(m.ones(3), dim=0, keepdim=True,
                                                                    foo=1),
    "logsumexp without dim": lambda m: m.logsumexp(m.ones(3, 4)),
    "logsumexp method without dim": lambda m: m.ones(3, 4).logsumexp(),
    "aminmax positional dim": lambda m: m.aminmax(m.ones(3, 4), 0, keepdim=True),
    "polynomial of strings": lambda m: m.special.chebyshev_polynomial_t("a", "b"),
    "polynomial by keywords": lambda m: m.special.chebyshev_polynomial_t(x="a", n=m.float32),
}


@pytest.mark.parametrize("case", sorted(CALLS))
def test_message_as_torch(case):
    assert _message(plt, CALLS[case]) == _message(torch, CALLS[case])


def test_type_names():
    import numpy as np

    from pytorchlite import _argparse

    class Mine:
        pass

    names = [_argparse.type_name(v) for v in (plt.ones(1), plt.float32, 1, 2.5, "s", None,
                                              np.zeros(1), np.float64(1), Mine(),
                                              plt.device("cpu"), plt.Size([1]))]
    assert names == ["Tensor", "torch.dtype", "int", "float", "str", "NoneType",
                     "numpy.ndarray", "numpy.float64", "Mine", "torch.device", "torch.Size"]


def test_a_good_call_and_an_inner_type_error_are_untouched():
    from pytorchlite import _argparse

    @_argparse.parser_errors("f", "Tensor input")
    def f(x):
        return len(x)

    assert f([1, 2]) == 2
    with pytest.raises(TypeError, match="has no len"):
        f(3)  # the body's own TypeError: the call itself was well formed
    with pytest.raises(TypeError, match=r'^f\(\) missing 1 required positional arguments: "x"$'):
        f()
    with pytest.raises(TypeError, match=r"^f\(\) takes 1 positional argument but 2 were given$"):
        f(1, 2)
