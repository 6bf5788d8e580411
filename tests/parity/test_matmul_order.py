"""The order in which float32 products add their terms (csrc/core/ops/linalg.c,
blas_order_f32): PyTorch's BLAS order where it follows a simple rule. Our own side is checked on
every machine against NumPy models of the two orders; the torch side where torch's BLAS is the
one the rule was measured on (blas_order.torch_matmul_is_k_ordered)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import blas_order
import pytorchlite as pl


def fused_chain(a, b):
    """Each C[i, j] a chain of fused multiply-adds over k from zero (exact products in float64,
    one rounding per step: the same as a float32 fma)."""
    out = np.zeros((a.shape[0], b.shape[1]), np.float32)
    for k in range(a.shape[1]):
        out = (out.astype(np.float64) + np.outer(a[:, k].astype(np.float64), b[k, :])).astype(np.float32)
    return out


# (transposition, M, K, N, the order): shapes of small linear layers, their gradients and
# regressions over many samples
CASES = [("NT", 2000, 3, 1, "k"), ("NT", 64, 2, 8, "k"), ("NN", 2000, 1, 3, "k"),
         ("TN", 1, 2000, 3, "k"), ("TN", 3, 500, 1, "k"), ("NN", 300, 16, 4, "k"),
         ("TN", 8, 100, 2, "k"), ("NN", 2, 64, 100, "k"), ("NN", 1, 784, 256, "k"),
         ("NT", 16, 2, 16, "f"), ("NT", 12, 4, 32, "f"), ("NT", 64, 128, 256, "f"),
         ("NN", 16, 8, 64, "f"), ("TN", 32, 100, 12, "f"), ("NT", 100, 5, 20, "f"),
         ("NN", 4, 3, 12, "f")]


def _operands(tr, M, K, N, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((M, K)).astype(np.float32),
            rng.standard_normal((K, N)).astype(np.float32))


def _product(m, tr, a, b):
    x = m.from_numpy(np.ascontiguousarray(a.T)).t() if tr == "TN" else m.from_numpy(a)
    y = m.from_numpy(np.ascontiguousarray(b.T)).t() if tr == "NT" else m.from_numpy(b)
    return (x @ y).numpy()


def _has_fma():
    try:
        with open("/proc/cpuinfo") as f:
            return " fma " in f.read()
    except OSError:
        return False


@pytest.mark.parametrize("case", CASES, ids=lambda c: "x".join(map(str, c)))
def test_our_order(case):
    tr, M, K, N, order = case
    if order == "f" and not (_has_fma() and os.environ.get("PYTORCHLITE_GEMM") in
                             (None, "avx2", "avx512")):
        pytest.skip("the fused order needs the FMA kernels")
    a, b = _operands(*case[:4])
    want = blas_order.k_order_matmul(a, b) if order == "k" else fused_chain(a, b)
    assert _product(pl, tr, a, b).tobytes() == want.tobytes()


def test_a_fused_and_a_k_order_product_differ_on_these_operands():
    # the two models are told apart by the cases above (else the test could not fail)
    for tr, M, K, N, order in CASES:
        if K > 1 and M * N > 4:
            a, b = _operands(tr, M, K, N)
            assert blas_order.k_order_matmul(a, b).tobytes() != fused_chain(a, b).tobytes()


@pytest.mark.parametrize("path", ["avx2", "avx512"])
def test_forced_kernel_paths_keep_the_order(path):
    if not _has_fma():
        pytest.skip("no FMA on this CPU")
    code = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; import test_matmul_order as t\n"
            "for c in t.CASES: t.test_our_order(c)\nprint('ok')")
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    env = dict(os.environ, PYTORCHLITE_GEMM=path)
    r = subprocess.run([sys.executable, "-c", code, here, root], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr[-2000:]


@pytest.mark.parametrize("threads", [1, 2])
def test_as_torch_where_its_blas_is_the_measured_one(threads):
    torch = pytest.importorskip("torch")
    if not blas_order.torch_matmul_is_k_ordered():
        pytest.skip("torch's BLAS orders small products otherwise on this machine")
    was_t, was_p = torch.get_num_threads(), pl.get_num_threads()
    torch.set_num_threads(threads)
    pl.set_num_threads(threads)
    try:
        for case in CASES:
            a, b = _operands(*case[:4], seed=1)
            got, want = _product(pl, case[0], a, b), _product(torch, case[0], a, b)
            assert got.tobytes() == want.tobytes(), case
    finally:
        torch.set_num_threads(was_t)
        pl.set_num_threads(was_p)


# float64 products in k order (blas_order_f64): no fused rule there
CASES_F64 = [("NT", 2000, 3, 1), ("NN", 300, 16, 4), ("TN", 8, 100, 2), ("NN", 64, 32, 10),
             ("TN", 5, 32, 1), ("NN", 2, 64, 100)]


def _k_order_f64(a, b):
    out = np.zeros((a.shape[0], b.shape[1]))
    for k in range(a.shape[1]):
        out = out + np.outer(a[:, k], b[k, :])
    return out


@pytest.mark.parametrize("case", CASES_F64, ids=lambda c: "x".join(map(str, c)))
def test_float64_k_order(case):
    a, b = (x.astype(np.float64) for x in _operands(*case))
    assert _product(pl, case[0], a, b).tobytes() == _k_order_f64(a, b).tobytes()
    torch = pytest.importorskip("torch")
    if blas_order.torch_matmul_is_k_ordered():
        assert _product(torch, case[0], a, b).tobytes() == _k_order_f64(a, b).tobytes()
