"""API-wide fuzzing: every Tensor method and top-level function called with edge-case tensors
(zero-size, nan/inf, int64's limits, transposed, strided, expanded with stride 0, requiring grad),
argument lists of wrong types and lengths, and hostile objects (__index__, __float__, __len__ and
__bool__ that raise, lie or return garbage); plus backward twice and in-place writes to saved
tensors. The inputs are in tests/fuzz_pool.py.

Every call must return or raise an exception of the kinds PyTorch uses for bad input (or the
hostile object's own exception); a crash fails the whole run. When torch is importable the same
call is made on torch: when both raise, the exception types must agree; when torch returns and
pytorchlite raises, pytorchlite's error must be a documented limit (NotImplementedError).

The run is derandomized and bounded (PL_FUZZ_EXAMPLES raises the counts for a long hunt).
"""
import os
import subprocess
import sys
import warnings

import pytest

import pytorchlite

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import fuzz_pool as fp  # noqa: E402
from conftest import child_env  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

N = int(os.environ.get("PL_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=N * 15, derandomize=not os.environ.get("PL_FUZZ_RANDOM"),
                deadline=None, database=None, report_multiple_bugs=False,
                suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
# OverflowError: PyTorch's own for ints past 64 bits; MemoryError: the interpreter refusing a list of
# 2**62 items (a __len__ that lies); HostileError: the hostile objects' own.
ALLOWED = (RuntimeError, IndexError, ValueError, TypeError, NotImplementedError, OverflowError, MemoryError,
           fp.HostileError)

# Python in PyTorch too, with PyTorch's own exception kind for a bad argument: torch.norm's
# AttributeError for a non-Tensor input, torch.compile's AssertionError for a non-callable.
TORCH_OWN_ERRORS = {"torch.norm ": AttributeError, "torch.compile ": AssertionError}

METHODS = fp.method_names(pytorchlite)
FUNCTIONS = fp.function_names(pytorchlite)
N_TENSORS = len(fp.tensors(pytorchlite))
N_SCALARS = len(fp.scalars(pytorchlite))
# out= is not supported yet (the everyday-API issue adds it): calls with it are checked for no
# crash and an allowed exception kind only, not against torch's result.
KWARGS = [{}, {}, {}, {"dim": 0}, {"dim": -1}, {"dim": 5}, {"keepdim": True},
          {"dtype": "int64"}, {"dtype": "bool"}, {"out": None}, {"bogus": 1}]
# A __len__ of 2**62 makes tensor(data) walk every item, as PyTorch does too (it hangs there as
# well): the data-taking functions do not get that object.
DATA_TAKERS = {"tensor", "as_tensor", "new_tensor"}


def _kwargs(m, kw):
    if "dtype" in kw:
        return {"dtype": getattr(m, kw["dtype"])}
    return dict(kw)


def _pool(m):
    return fp.tensors(m) + fp.scalars(m)


def _outcome(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = fn()
            repr(r)  # printing the result must not crash either
            return "ok", r
        except Exception as e:  # noqa: BLE001 - the type is what is checked
            return "err", e


def _skip(name, picks, pool):
    args = [pool[i] for i in picks]
    if name in DATA_TAKERS and any(isinstance(a, fp.HugeLen) for a in args):
        return True
    return False


def _mismatch(condition, message):
    """Assert; with PL_FUZZ_COLLECT=path, append the message to that file instead (a long hunt
    lists every difference from torch in one run)."""
    path = os.environ.get("PL_FUZZ_COLLECT")
    if path and not condition:
        with open(path, "a") as f:
            f.write(message.replace("\n", " ") + "\n")
        return
    assert condition, message


def _signature_error(e):
    """torch's argument parser refusing an argument list (a TypeError for wrong types, counts or
    missing arguments; a ValueError for an int past int64). pytorchlite's binding checks most
    argument lists as PyTorch does, but where several arguments are wrong it may raise another
    kind first; such calls are checked for "no crash, an exception of the expected kinds" only
    (PL_FUZZ_COLLECT lists them)."""
    if isinstance(e, ValueError):
        return "Overflow when unpacking long long" in str(e)
    return isinstance(e, TypeError) and any(
        k in str(e) for k in ("argument", "takes", "expected", "unpack"))


def _check(call, what, compare=True):
    """No crash and an allowed exception kind; with compare (and torch), torch's outcome too."""
    status, got = _outcome(lambda: call(pytorchlite))
    own = next((kind for prefix, kind in TORCH_OWN_ERRORS.items() if what.startswith(prefix)), ())
    if status == "err" and not isinstance(got, own):
        assert isinstance(got, ALLOWED), f"{what}: {type(got).__name__}: {got}"
    if torch is None or not compare:
        return
    t_status, want = _outcome(lambda: call(torch))
    if t_status == "err" and _signature_error(want) and not os.environ.get("PL_FUZZ_COLLECT"):
        return
    if t_status == "err" and "INTERNAL ASSERT FAILED" in str(want):
        return  # a bug inside torch's argument parser is no behaviour to match
    if status == "err" and t_status == "err":
        if isinstance(got, (fp.HostileError, NotImplementedError)) or \
                isinstance(want, fp.HostileError):
            return
        _mismatch(isinstance(got, type(want)) or isinstance(want, type(got)),
                  f"{what}: raised {type(got).__name__} ({got}), torch {type(want).__name__} ({want})")
    elif status == "err":
        _mismatch(isinstance(got, (NotImplementedError, fp.HostileError)) or "pytorchlite" in str(got),
                  f"{what}: raised {type(got).__name__} ({got}); torch returned")


@FUZZ
@given(name=st.sampled_from(METHODS), ti=st.integers(0, N_TENSORS - 1),
       picks=st.lists(st.integers(0, N_TENSORS + N_SCALARS - 1), max_size=3),
       kw=st.sampled_from(KWARGS))
def test_methods_on_edge_inputs(name, ti, picks, kw):
    if _skip(name, picks + [ti], _pool(pytorchlite)):
        return

    def call(m):
        pool = _pool(m)
        return getattr(pool[ti], name)(*[pool[i] for i in picks], **_kwargs(m, kw))

    # a private helper of pytorchlite's own that torch lacks is only checked for no crash
    _check(call, f"Tensor.{name} on #{ti} args {picks} {kw}",
           compare=torch is None or (hasattr(torch.Tensor, name) and "out" not in kw))


@FUZZ
@given(name=st.sampled_from(FUNCTIONS),
       picks=st.lists(st.integers(0, N_TENSORS + N_SCALARS - 1), max_size=4),
       kw=st.sampled_from(KWARGS))
def test_functions_on_edge_inputs(name, picks, kw):
    if _skip(name, picks, _pool(pytorchlite)):
        return

    def call(m):
        pool = _pool(m)
        return getattr(m, name)(*[pool[i] for i in picks], **_kwargs(m, kw))

    _check(call, f"torch.{name} args {picks} {kw}", compare="out" not in kw)


# ---- autograd misuse ----

GRAPHS = fp.GRAPHS
_graph = fp.graph


@FUZZ
@given(op=st.sampled_from(GRAPHS), retain=st.booleans(), how=st.sampled_from(
    ["twice", "inplace_input", "inplace_output", "grad_of_nonleaf", "inplace_leaf"]))
def test_autograd_misuse(op, retain, how):
    def call(m):
        x = m.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
        y = _graph(m, op, x)
        loss = y.sum()
        if how == "twice":
            if not retain:
                return None  # a freed graph: test_backward_twice_freed_graph, in a subprocess
            loss.backward(retain_graph=True)
            loss.backward()
        elif how == "inplace_input":
            with m.no_grad():
                x.mul_(2)  # x is saved by most graphs: backward must raise or ignore
            loss.backward()
        elif how == "inplace_output":
            y.add_(1)  # y's own history is rebased; backward goes through the add
            y.sum().backward()
        elif how == "grad_of_nonleaf":
            loss.backward()
            return y.grad
        else:
            x.add_(1)  # a leaf that requires grad: PyTorch's RuntimeError
        return x.grad

    _check(call, f"{how} through {op} retain={retain}")


# Backward through a graph whose saved tensors were freed must raise PyTorch's RuntimeError. Run
# in a child process, so that a crash is a failure of this test rather than of the run.
TWICE_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[2])
import pytorchlite as m
from fuzz_pool import graph
x = m.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
loss = graph(m, sys.argv[1], x).sum()
loss.backward()
try:
    loss.backward()
except RuntimeError as e:
    print("RuntimeError", e)
"""


@pytest.mark.parametrize("op", GRAPHS)
def test_backward_twice_freed_graph(op):
    r = subprocess.run([sys.executable, "-c", TWICE_SCRIPT, op, os.path.dirname(__file__)],
                       capture_output=True, text=True, env=child_env(), timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("RuntimeError Trying to backward through the graph a second time"), \
        r.stdout + r.stderr[-2000:]
