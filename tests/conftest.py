"""Shared test helpers: float64 central differences and torch's optional presence."""
import os

import sys

import numpy as np
import pytest

# With pytorchlite's optional MKL route (the mkl wheel installed), the real PyTorch is imported
# first: MKL opens its layers with global scope, and a torch imported after them would link its
# BLAS and VML calls to that sequential MKL and default to one thread (README, Known differences).
if os.environ.get("PYTORCHLITE_MKL") != "0" and os.path.isfile(os.path.join(sys.prefix, "lib", "libmkl_rt.so.2")):
    try:
        import torch as _real_torch  # noqa: F401
    except ImportError:
        pass

import pytorchlite as torch  # noqa: E402


def child_env(**extra):
    """Environment for a subprocess that must import the same pytorchlite as the tests do
    (the installed package, or the in-place build of a development checkout)."""
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(torch.__file__)))
    path = os.pathsep.join(p for p in (pkg_parent, os.environ.get("PYTHONPATH")) if p)
    return dict(os.environ, PYTHONPATH=path, **extra)


def rss_bytes():
    """The process's resident set size (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# A test that bounds the growth of resident memory: it needs /proc, and means nothing under
# AddressSanitizer, whose quarantine keeps freed memory resident.
measures_rss = pytest.mark.skipif(
    not os.path.exists("/proc/self/statm") or "asan" in os.environ.get("LD_PRELOAD", ""),
    reason="reads /proc/self/statm; RSS is meaningless under AddressSanitizer")


def numeric_grad(fn, inputs, eps=1e-6):
    """Central differences of scalar fn(*inputs) w.r.t. each float64 input (NumPy arrays)."""
    grads = []
    for k, x in enumerate(inputs):
        g = np.zeros_like(x)
        it = np.nditer(x, flags=["multi_index"])
        for _ in it:
            idx = it.multi_index
            old = x[idx]
            x[idx] = old + eps
            hi = fn(*inputs)
            x[idx] = old - eps
            lo = fn(*inputs)
            x[idx] = old
            g[idx] = (hi - lo) / (2 * eps)
        grads.append(g)
    return grads


def fd_check(params, loss_fn, eps=1e-6, tol=1e-6):
    """Analytic gradients of loss_fn() w.r.t. each float64 tensor in params vs central
    differences (the tensors are perturbed in place under no_grad)."""
    for p in params:
        p.grad = None
    loss_fn().backward()
    for p in params:
        analytic = p.grad.numpy().copy()
        numeric = np.zeros_like(analytic)
        flat = p.detach().numpy().reshape(-1).copy()
        for i in range(flat.size):
            idx = np.unravel_index(i, analytic.shape)
            with torch.no_grad():
                p[idx] = flat[i] + eps
                hi = loss_fn().item()
                p[idx] = flat[i] - eps
                lo = loss_fn().item()
                p[idx] = flat[i]
            numeric[idx] = (hi - lo) / (2 * eps)
        np.testing.assert_allclose(analytic, numeric, rtol=tol, atol=tol)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def to_pl(a, requires_grad=False):
    return torch.tensor(a, requires_grad=requires_grad)
