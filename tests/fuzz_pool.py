"""Inputs for the API-wide fuzz tests (tests/test_fuzz_api.py): edge-case tensors, hostile Python
objects and argument values, and the list of methods and functions to call with them.

Sizes in the pools are tiny (at most 3) or too large to allocate anywhere (2**62 and up), so a
fuzzed call never asks for a few GiB that would actually be handed out."""
import math

INT64_MIN, INT64_MAX = -2 ** 63, 2 ** 63 - 1


class HostileError(Exception):
    """Raised by the hostile objects below; it must reach the caller unchanged."""


class RaisingIndex:
    def __index__(self):
        raise HostileError("__index__")


class HugeIndex:
    def __index__(self):
        return 2 ** 70


class WrongIndex:
    def __index__(self):
        return "not an int"  # Python itself turns this into a TypeError


class RaisingFloat:
    def __float__(self):
        raise HostileError("__float__")


class NanFloat:
    def __float__(self):
        return math.nan


class LyingLen:
    """A sequence whose __len__ promises more items than __getitem__ has."""

    def __len__(self):
        return 3

    def __getitem__(self, i):
        if i >= 1:
            raise IndexError(i)
        return 1


class HugeLen:
    def __len__(self):
        return 2 ** 62

    def __getitem__(self, i):
        return 0


class RaisingLen:
    def __len__(self):
        raise HostileError("__len__")

    def __getitem__(self, i):
        return 0


class RaisingBool:
    def __bool__(self):
        raise HostileError("__bool__")


def tensors(m):
    """Edge-case tensors of library m, freshly built (in-place calls may change them)."""
    nan, inf = math.nan, math.inf
    return [
        m.empty(0),
        m.zeros(2, 0, 3),
        m.empty(0, dtype=m.int64),
        m.tensor([nan, inf, -inf, 0.0, -0.0, 3e38]),
        m.tensor([nan, inf, -inf, 1e308, -1e-308], dtype=m.float64),
        m.tensor([INT64_MIN, INT64_MAX, 0, -1]),
        m.tensor([True, False, True]),
        m.tensor(3.5),
        m.tensor(INT64_MIN),
        m.arange(12.0).reshape(3, 4).t(),                     # transposed
        m.arange(10, dtype=m.int64)[::3],                     # strided
        m.arange(24.0, dtype=m.float64).reshape(2, 3, 4).permute(2, 0, 1),
        m.tensor([1.0, 2.0]).expand(3, 2),                    # stride 0
        m.tensor(5.0).expand(4),
        m.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True),
        m.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True) * 2,
    ]


def scalars(m):
    """Argument values that are not tensors: numbers at the limits, wrong types, hostile objects,
    shape-like lists of wrong lengths, dtypes."""
    return [
        0, 1, -1, 2, 3, 2 ** 62, INT64_MAX, INT64_MIN, 2 ** 64, -(2 ** 64),
        0.5, -1.5, math.nan, math.inf, -math.inf, 1e308,
        True, False, None, "abc", b"x", object(),
        [], [1] * 9, [0, 0], [-1, -1], (2, 3), [2 ** 62, 2 ** 62], [[1]], [1.5], [None],
        RaisingIndex(), HugeIndex(), WrongIndex(), RaisingFloat(), NanFloat(),
        LyingLen(), HugeLen(), RaisingLen(), RaisingBool(),
        m.float32, m.int64, m.bool, m.float64,
    ]


# Tensor methods and functions that change global state, do I/O, start threads, or are covered
# by their own tests (backward: test_backward_*; register_hook: the autograd hooks' tests).
SKIP_METHODS = {"backward", "register_hook", "numpy", "cuda", "data_ptr", "tolist", "type",
                "_make_subclass", "_numpy_binary", "_numpy_unary", "_to_dtype", "_gelu",
                "retain_grad", "share_memory_"}
SKIP_FUNCTIONS = {"save", "load", "manual_seed", "seed", "set_default_dtype", "set_num_threads",
                  "set_printoptions", "set_rng_state", "set_grad_enabled", "Generator",
                  "OutOfMemoryError", "Size", "Tensor", "device", "dtype", "no_grad", "enable_grad",
                  "get_rng_state", "initial_seed", "get_num_threads", "get_default_dtype",
                  "is_grad_enabled", "einsum", "from_numpy", "typename"}


def method_names(m):
    names = []
    for n in sorted(dir(m.Tensor)):
        if n.startswith("__") or n in SKIP_METHODS:
            continue
        if callable(getattr(m.Tensor, n, None)):
            names.append(n)
    return names


def function_names(m):
    return [n for n in sorted(dir(m)) if not n.startswith("_") and n not in SKIP_FUNCTIONS and
            callable(getattr(m, n)) and not isinstance(getattr(m, n), type)]


# Small graphs for the autograd misuse tests: each saves an input or its output for backward.
GRAPHS = ["mul", "exp", "sigmoid", "matmul", "div", "pow", "sum", "view", "expand", "index"]


def graph(m, op, x):
    if op == "mul":
        return x * x
    if op == "exp":
        return x.exp()
    if op == "sigmoid":
        return x.sigmoid()
    if op == "matmul":
        return x @ x.t()
    if op == "div":
        return x / (x * x + 1)
    if op == "pow":
        return x ** 3
    if op == "sum":
        return x.sum(0) * x
    if op == "view":
        return x.view(-1) * 2
    if op == "expand":
        return x.unsqueeze(0).expand(2, *x.shape) * x
    return x[m.tensor([0, 0])] * 3
