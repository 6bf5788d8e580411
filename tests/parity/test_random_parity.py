"""Bitwise parity of pytorchlite's random streams with torch on CPU, from the same seed.

Every sampler is run by both libraries with the same seed and layout; the values must be
identical bit for bit and the generators must end in the same state.
"""
import os
import shutil
import subprocess

import numpy as np
import pytest

ref = pytest.importorskip("torch")
# torch warns about float ranges past 2^24 (random_wide on float32); the draws still match
pytestmark = pytest.mark.filterwarnings("ignore:to - 1 is out of bounds")
import pytorchlite as pl  # noqa: E402

SIZES = (1, 15, 16, 17, 1000, 1001)
LAYOUTS = ("contiguous", "transposed", "strided")
FLOATS = ("float32", "float64")


def np_of(t):
    a = t.detach().numpy() if hasattr(t, "detach") else t.numpy()
    return np.ascontiguousarray(a)


def same_bits(a, b):
    a, b = np_of(a), np_of(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def state_of(m):
    return np_of(m.get_rng_state()).astype(np.uint8).tobytes()


def make(m, n, dtype, layout):
    """A tensor of n (contiguous, strided) or 2n (transposed) elements of the given layout."""
    dt = getattr(m, dtype)
    if layout == "contiguous":
        return m.empty(n, dtype=dt)
    if layout == "transposed":
        return m.empty(2, n, dtype=dt).t()
    return m.empty(n, 3, dtype=dt)[:, 1]


def run_both(fn, seed=0):
    """fn(module) -> tensor; returns both results after seeding both default generators."""
    out = []
    for m in (ref, pl):
        m.manual_seed(seed)
        out.append(fn(m))
    return out


def assert_parity(fn, seed=0):
    a, b = run_both(fn, seed)
    assert same_bits(a, b), (np_of(a)[:8], np_of(b)[:8])
    assert state_of(ref) == state_of(pl)


FILLS = {
    "uniform_": lambda t: t.uniform_(),
    "uniform_ab": lambda t: t.uniform_(-0.37, 2.5),
    "normal_": lambda t: t.normal_(),
    "normal_ms": lambda t: t.normal_(0.3, 1.7),
    "exponential_": lambda t: t.exponential_(1.5),
    "cauchy_": lambda t: t.cauchy_(0.2, 1.3),
    "log_normal_": lambda t: t.log_normal_(0.2, 0.7),
    "geometric_": lambda t: t.geometric_(0.3),
    "bernoulli_": lambda t: t.bernoulli_(0.3),
    "random_": lambda t: t.random_(),
    "random_to": lambda t: t.random_(10),
    "random_from_to": lambda t: t.random_(-3, 100),
    "random_wide": lambda t: t.random_(0, 2**28),
    "random_from": lambda t: t.random_(5, None),
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", sorted(FILLS))
def test_inplace_fills(name, dtype, n, layout):
    fill = FILLS[name]
    assert_parity(lambda m: fill(make(m, n, dtype, layout)))


@pytest.mark.parametrize("name", ["geometric_", "bernoulli_", "random_", "random_to",
                                  "random_from_to", "random_wide", "random_from"])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_integer_fills(name, n, layout):
    assert_parity(lambda m: FILLS[name](make(m, n, "int64", layout)))


@pytest.mark.parametrize("n", SIZES)
def test_bool_fills(n):
    assert_parity(lambda m: make(m, n, "bool", "contiguous").bernoulli_(0.5))
    assert_parity(lambda m: make(m, n, "bool", "transposed").random_())


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_factories(dtype, n):
    def dt(m):
        return getattr(m, dtype)
    assert_parity(lambda m: m.rand(n, dtype=dt(m)))
    assert_parity(lambda m: m.randn(n, dtype=dt(m)))
    assert_parity(lambda m: m.randn((n, 2), dtype=dt(m)))
    assert_parity(lambda m: m.randint(-5, 17, (n,), dtype=dt(m)))
    assert_parity(lambda m: m.randperm(n, dtype=dt(m)))
    assert_parity(lambda m: m.normal(0.5, 2.0, size=(n,), dtype=dt(m)))
    assert_parity(lambda m: m.rand_like(m.zeros(n, 2, dtype=dt(m)).t()))
    assert_parity(lambda m: m.randn_like(m.zeros(n, 2, dtype=dt(m)).t()))
    assert_parity(lambda m: m.randn_like(m.zeros(n, 2, dtype=dt(m))))


@pytest.mark.parametrize("n", SIZES)
def test_randint_and_randperm_int64(n):
    assert_parity(lambda m: m.randint(10, (n,)))
    assert_parity(lambda m: m.randint(-2**40, 2**40, (n,)))
    assert_parity(lambda m: m.randint(0, 2**28 - 1, (n,)))
    assert_parity(lambda m: m.randperm(n))
    assert_parity(lambda m: m.randint_like(m.zeros(n, dtype=m.int64), 3, 9))


@pytest.mark.parametrize("dtype", FLOATS)
def test_normal_tensor_forms(dtype):
    def mean(m):
        m.manual_seed(100)
        return m.rand(17, dtype=getattr(m, dtype)) * 4 - 2

    def std(m):
        m.manual_seed(101)
        return m.rand(17, dtype=getattr(m, dtype)) + 0.5

    for fn in (lambda m, mu, sd: m.normal(mu, sd),
               lambda m, mu, sd: m.normal(mu, 0.7),
               lambda m, mu, sd: m.normal(-0.4, sd)):
        outs = []
        for m in (ref, pl):
            mu, sd = mean(m), std(m)
            m.manual_seed(0)
            outs.append(fn(m, mu, sd))
        assert same_bits(*outs)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("pdtype", FLOATS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_bernoulli_tensor_p(dtype, pdtype, layout):
    for n in SIZES:
        outs = []
        for m in (ref, pl):
            m.manual_seed(9)
            out = make(m, n, dtype, layout)
            p = m.rand(tuple(out.shape), dtype=getattr(m, pdtype))
            out.bernoulli_(p)
            outs.append((out, m.bernoulli(p)))
        assert same_bits(outs[0][0], outs[1][0])
        assert same_bits(outs[0][1], outs[1][1])
        assert state_of(ref) == state_of(pl)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("replacement", [False, True])
@pytest.mark.parametrize("shape, k", [((30,), 1), ((30,), 12), ((5, 30), 7), ((5, 30), 1),
                                      ((30, 5), 3)])
def test_multinomial(dtype, replacement, shape, k):
    def probs(m):
        m.manual_seed(77)
        w = m.rand(*shape, dtype=getattr(m, dtype))
        return w.t() if shape == (30, 5) else w
    outs = []
    for m in (ref, pl):
        p = probs(m)
        m.manual_seed(0)
        outs.append(m.multinomial(p, k, replacement))
    assert same_bits(*outs)
    assert state_of(ref) == state_of(pl)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, k, kind", [
    ((65536,), 65536, "uniform"),  # float32 keys tie: the order of ties is torch's too
    ((65536,), 1024, "uniform"),   # k * 64 <= n: torch's partial-sort branch
    ((65536,), 1025, "rand"),      # just past it: the nth_element branch
    ((20000,), 19999, "sparse"),   # mostly zero probabilities: long runs of equal keys
    ((6, 5000), 4000, "uniform"),  # 2-D, one draw per row
    ((6, 5000), 70, "sparse"),
    ((5000, 6), 5, "transposed"),  # 2-D input that is a transposed view
])
def test_multinomial_without_replacement_large(dtype, shape, k, kind):
    def probs(m):
        dt = getattr(m, dtype)
        m.manual_seed(5)
        if kind == "uniform":
            return m.ones(*shape, dtype=dt)
        if kind == "transposed":
            return m.rand(*shape[::-1], dtype=dt).t()
        w = m.rand(*shape, dtype=dt)
        if kind == "sparse":
            w = w * (w > 0.99).to(dt) + (w < 0.001).to(dt)
        return w
    outs = []
    for m in (ref, pl):
        p = probs(m)
        m.manual_seed(0)
        outs.append(m.multinomial(p, k, replacement=False))
    assert same_bits(*outs)
    assert state_of(ref) == state_of(pl)


def test_cached_normal_sample_across_calls():
    def seq(m):
        a = m.randn(5)
        b = m.randn(3, dtype=m.float64)
        c = m.randn(20)
        d = m.randn(1)
        e = m.empty(4, 2).t().normal_()
        return m.cat([a, b.float(), c, d, e.reshape(-1)])
    assert_parity(seq, seed=3)


def test_states_cross_over():
    # torch -> pytorchlite, with a cached normal sample in the state
    ref.manual_seed(21)
    ref.randn(3)
    pl.set_rng_state(ref.get_rng_state())
    assert same_bits(ref.randn(7), pl.randn(7))
    assert same_bits(ref.rand(33, dtype=ref.float64), pl.rand(33, dtype=pl.float64))
    # pytorchlite -> torch
    pl.manual_seed(22)
    pl.randn(1)
    ref.set_rng_state(ref.tensor(np_of(pl.get_rng_state()), dtype=ref.uint8))
    assert same_bits(ref.randn(9), pl.randn(9))
    assert state_of(ref) == state_of(pl)
    # whole state bytes agree after the same seeding
    ref.manual_seed(2**63 + 7)
    pl.manual_seed(2**63 + 7)
    assert state_of(ref) == state_of(pl)


def test_generator_objects():
    gr = ref.Generator().manual_seed(5)
    gp = pl.Generator().manual_seed(5)
    assert same_bits(ref.randn(40, generator=gr), pl.randn(40, generator=gp))
    assert same_bits(ref.randperm(25, generator=gr), pl.randperm(25, generator=gp))
    assert gr.get_state().numpy().tobytes() == np_of(gp.get_state()).astype(np.uint8).tobytes()
    assert ref.Generator().initial_seed() == pl.Generator().initial_seed()
    gp2 = pl.Generator()
    gp2.set_state(gr.get_state())
    assert same_bits(ref.rand(10, generator=gr), pl.rand(10, generator=gp2))


def test_nn_init_style_draws():
    # kaiming_uniform_ bounds computed in Python float64 then cast in the kernel
    a = 5 ** 0.5
    bound = (3.0 ** 0.5) * ((2.0 / (1 + a ** 2)) ** 0.5) / (784 ** 0.5)
    assert_parity(lambda m: m.empty(128, 784).uniform_(-bound, bound))


# ---------------------------------------------------------------- the C core on its own

def test_c_core_streams_match_torch(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if cc is None:
        pytest.skip("no C compiler")
    core = os.path.join(root, "csrc", "core")
    sources = sorted(os.path.join(d, f) for d, _, files in os.walk(core) for f in files
                     if f.endswith(".c"))
    exe = str(tmp_path / "test_rng")
    build = subprocess.run(
        [cc, "-std=c11", "-O2", "-ffp-contract=off", "-pthread", "-I" + os.path.join(root, "csrc"),
         os.path.join(root, "tests", "c", "test_rng.c"), *sources, "-lm", "-o", exe],
        capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    run = subprocess.run([exe], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = subprocess.run([exe, "print"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    assert lines
    for line in lines:
        kind, dtype, n, *vals = line.split()
        if kind == "randperm":
            ref.manual_seed(0)
            assert [int(v) for v in vals] == ref.randperm(int(n)).tolist()
            continue
        ref.manual_seed(0)
        dt = getattr(ref, dtype)
        samplers = {"gamma": lambda: ref._standard_gamma(ref.full((100, 3), 0.7, dtype=dt)),
                    "dirichlet": lambda: ref._sample_dirichlet(ref.full((100, 3), 0.7, dtype=dt)),
                    "poisson": lambda: ref.poisson(ref.full((100, 3), 12.5, dtype=dt)),
                    "binomial": lambda: ref.binomial(ref.full((100, 3), 40.0, dtype=dt),
                                                     ref.full((100, 3), 0.35, dtype=dt))}
        if kind in samplers:
            got = [float.fromhex(v) for v in vals]
            assert got == samplers[kind]().double().reshape(-1).tolist(), line[:80]
            continue
        t = ref.empty(int(n), dtype=getattr(ref, dtype))
        {"uniform": lambda: t.uniform_(-0.5, 2.0), "normal": lambda: t.normal_(0.3, 1.7),
         "exponential": lambda: t.exponential_(1.5)}[kind]()
        got = [float.fromhex(v) for v in vals]
        assert got == t.double().tolist(), line[:80]
