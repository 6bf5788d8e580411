"""Docstrings, with short examples, of the torch-level functions that have none of their own:
the C factories (attached with ``_C._add_docstr``, as PyTorch's torch/_torch_docs.py does) and
the small Python helpers of ``pytorchlite/__init__.py``.

Every example is a doctest: tests/test_docs.py runs them under pytorchlite and, when PyTorch
is installed, under PyTorch, so each shows what both print.
"""
from . import _C

_FACTORY_ARGS = """
Keyword args:
    dtype (pytorchlite.dtype, optional): the tensor's dtype; default: the default floating
        dtype (``get_default_dtype()``), or what the data implies.
    device: ``None`` or ``"cpu"`` (pytorchlite tensors live on the CPU).
    requires_grad (bool): record operations on the result for autograd. Default: False.
"""

_DOCS = {
    "tensor": """tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor

Constructs a tensor with no autograd history by copying ``data`` (a number, a nested list or
tuple, a NumPy array or a tensor). The dtype is inferred from the data unless given: Python
floats give the default floating dtype, ints give int64, bools give bool.
""" + _FACTORY_ARGS + """
Example::

    >>> torch.tensor([[1, 2], [3, 4]])
    tensor([[1, 2],
            [3, 4]])
    >>> torch.tensor([0.5, 1.5], dtype=torch.float64)
    tensor([0.5000, 1.5000], dtype=torch.float64)
    >>> torch.tensor(True)
    tensor(True)
""",
    "zeros": """zeros(*size, *, dtype=None, device=None, requires_grad=False) -> Tensor

A tensor filled with 0, of the shape given as integers or as one sequence.
""" + _FACTORY_ARGS + """
Example::

    >>> torch.zeros(2, 3)
    tensor([[0., 0., 0.],
            [0., 0., 0.]])
    >>> torch.zeros((2,), dtype=torch.int64)
    tensor([0, 0])
""",
    "ones": """ones(*size, *, dtype=None, device=None, requires_grad=False) -> Tensor

A tensor filled with 1, of the shape given as integers or as one sequence.
""" + _FACTORY_ARGS + """
Example::

    >>> torch.ones(2, 2)
    tensor([[1., 1.],
            [1., 1.]])
    >>> torch.ones(3, dtype=torch.bool)
    tensor([True, True, True])
""",
    "empty": """empty(*size, *, dtype=None, device=None, requires_grad=False) -> Tensor

A tensor of the given shape whose values are whatever the memory held (uninitialised).
""" + _FACTORY_ARGS + """
Example::

    >>> torch.empty(2, 3).shape
    torch.Size([2, 3])
""",
    "full": """full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor

A tensor of shape ``size`` filled with ``fill_value``; the dtype follows the value (bool, int64
or the default floating dtype) unless given.
""" + _FACTORY_ARGS + """
Example::

    >>> torch.full((2, 3), 7.0)
    tensor([[7., 7., 7.],
            [7., 7., 7.]])
    >>> torch.full((2,), 3)
    tensor([3, 3])
""",
    "arange": """arange(start=0, end, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor

The 1-D tensor of values from ``start`` (inclusive) to ``end`` (exclusive) by ``step``: int64
when all three are integers, the default floating dtype otherwise.
""" + _FACTORY_ARGS + """
Example::

    >>> torch.arange(5)
    tensor([0, 1, 2, 3, 4])
    >>> torch.arange(1, 4)
    tensor([1, 2, 3])
    >>> torch.arange(0, 1, 0.25)
    tensor([0.0000, 0.2500, 0.5000, 0.7500])
""",
    "linspace": """linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor

``steps`` values evenly spaced from ``start`` to ``end``, both included.
""" + _FACTORY_ARGS + """
Example::

    >>> torch.linspace(0, 1, steps=5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
""",
    "eye": """eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor

The 2-D tensor with ones on the diagonal and zeros elsewhere, of shape ``(n, m)`` (``m``
defaults to ``n``).
""" + _FACTORY_ARGS + """
Example::

    >>> torch.eye(2)
    tensor([[1., 0.],
            [0., 1.]])
    >>> torch.eye(2, 3, dtype=torch.int64)
    tensor([[1, 0, 0],
            [0, 1, 0]])
""",
    "from_numpy": """from_numpy(ndarray) -> Tensor

A tensor sharing memory with the NumPy array: writes through either show in the other, and the
array stays alive as long as the tensor. float64, float32, float16, int64, int32, int16, int8,
uint8 and bool arrays are supported.

Example::

    >>> import numpy as np
    >>> a = np.array([1, 2, 3])
    >>> t = torch.from_numpy(a)
    >>> t[0] = -1
    >>> a
    array([-1,  2,  3])
""",
    "cat": """cat(tensors, dim=0, *, out=None) -> Tensor

Concatenates a sequence of tensors along an existing dimension; they must agree in every other
dimension (``concat`` and ``concatenate`` are the same function).

Example::

    >>> x = torch.tensor([[1, 2], [3, 4]])
    >>> torch.cat([x, x])
    tensor([[1, 2],
            [3, 4],
            [1, 2],
            [3, 4]])
    >>> torch.cat([x, x], dim=1)
    tensor([[1, 2, 1, 2],
            [3, 4, 3, 4]])
""",
    "stack": """stack(tensors, dim=0, *, out=None) -> Tensor

Joins tensors of one shape along a new dimension ``dim``.

Example::

    >>> torch.stack([torch.zeros(2), torch.ones(2)])
    tensor([[0., 0.],
            [1., 1.]])
    >>> torch.stack([torch.zeros(2), torch.ones(2)], dim=1).shape
    torch.Size([2, 2])
""",
    "addmm": """addmm(input, mat1, mat2, *, beta=1, alpha=1) -> Tensor

``beta * input + alpha * (mat1 @ mat2)``, with ``input`` broadcast to the product's shape
(the product nn.Linear computes).

Example::

    >>> torch.addmm(torch.ones(2), torch.eye(2), torch.tensor([[1., 2.], [3., 4.]]))
    tensor([[2., 3.],
            [4., 5.]])
""",
    "get_default_dtype": """get_default_dtype() -> pytorchlite.dtype

The dtype of floating tensors created from Python floats or by the factories without a dtype.

Example::

    >>> torch.get_default_dtype()
    torch.float32
""",
    "set_default_dtype": """set_default_dtype(d) -> None

Sets the default floating dtype (``pytorchlite.float32`` or ``pytorchlite.float64``).

Example::

    >>> torch.set_default_dtype(torch.float64)
    >>> torch.tensor([1.5]).dtype
    torch.float64
    >>> torch.set_default_dtype(torch.float32)
""",
}

_PY_DOCS = {
    "zeros_like": """zeros_like(input, *, dtype=None, requires_grad=False) -> Tensor

A tensor of zeros with the shape (and, unless given, the dtype) of ``input``.

Example::

    >>> torch.zeros_like(torch.tensor([[1, 2], [3, 4]]))
    tensor([[0, 0],
            [0, 0]])
""",
    "ones_like": """ones_like(input, *, dtype=None, requires_grad=False) -> Tensor

A tensor of ones with the shape (and, unless given, the dtype) of ``input``.

Example::

    >>> torch.ones_like(torch.zeros(2), dtype=torch.int64)
    tensor([1, 1])
""",
    "empty_like": """empty_like(input, *, dtype=None, requires_grad=False) -> Tensor

An uninitialised tensor with the shape (and, unless given, the dtype) of ``input``.

Example::

    >>> torch.empty_like(torch.zeros(2, 3)).shape
    torch.Size([2, 3])
""",
    "full_like": """full_like(input, fill_value, *, dtype=None, requires_grad=False) -> Tensor

A tensor filled with ``fill_value``, with the shape (and, unless given, the dtype) of ``input``.

Example::

    >>> torch.full_like(torch.zeros(2), 3)
    tensor([3., 3.])
""",
    "is_tensor": """is_tensor(obj) -> bool

Whether ``obj`` is a tensor (a ``pytorchlite.Tensor``, or a subclass such as ``nn.Parameter``).

Example::

    >>> torch.is_tensor(torch.zeros(1)), torch.is_tensor([0.0])
    (True, False)
""",
    "is_floating_point": """is_floating_point(input) -> bool

Whether the tensor's dtype is a floating one (float32 or float64).

Example::

    >>> torch.is_floating_point(torch.zeros(1)), torch.is_floating_point(torch.arange(2))
    (True, False)
""",
    "numel": """numel(input) -> int

The number of elements of ``input``.

Example::

    >>> torch.numel(torch.zeros(4, 5))
    20
""",
}


def attach(namespace):
    """Gives the functions of ``namespace`` (pytorchlite's globals) that have no docstring theirs."""
    for name, doc in _DOCS.items():
        fn = getattr(_C, name)
        if not fn.__doc__:
            _C._add_docstr(fn, doc)
    for name, doc in _PY_DOCS.items():
        fn = namespace[name]
        if not fn.__doc__:
            fn.__doc__ = doc
