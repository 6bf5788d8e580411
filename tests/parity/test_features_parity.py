"""retain_grad, advanced indexing, erf / GELU and einsum against real PyTorch: values,
shapes, grad_fn names, gradients, warnings and the exception type and message of each
mistake. Skipped when torch is not installed."""
import random
import warnings

import numpy as np
import pytest

import pytorchlite

torch = pytest.importorskip("torch")


def _outcome(fn):
    """(result, None) or (None, (exception type name, message))."""
    try:
        return fn(), None
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return None, (type(e).__name__, str(e))


# ---------------------------------------------------------------- retain_grad

def _retain_script(m):
    out = []
    x = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x * x + 1
    out.append((y.retains_grad, x.retains_grad))
    y.retain_grad()
    x.retain_grad()
    out.append((y.retains_grad, x.retains_grad))
    z = (y * y).sum()
    z.backward(retain_graph=True)
    first = y.grad
    z.backward()
    out += [first.tolist(), y.grad.tolist(), x.grad.tolist(), first is y.grad]
    e = x * 2
    e.retain_grad()
    e.mul_(3)
    (e ** 2).sum().backward()
    out.append(e.grad.tolist())
    r = (x * 3).sum()
    r.retain_grad()
    r.backward()
    out.append(r.grad.tolist())
    out.append(_outcome(lambda: m.ones(2).retain_grad())[1])
    return out


def test_retain_grad_matches_torch():
    assert _retain_script(pytorchlite) == _retain_script(torch)


def test_non_leaf_grad_warning_matches_torch():
    msgs = []
    for m in (torch, pytorchlite):
        y = m.ones(2, requires_grad=True) * 2
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert y.grad is None
        assert len(caught) == 1 and caught[0].category is UserWarning
        # PyTorch appends the C++ source location it was raised from
        msgs.append(str(caught[0].message).split(" (Triggered internally")[0])
    assert msgs[0] == msgs[1]


# ---------------------------------------------------------------- advanced indexing

def _random_keys(n, seed):
    """Deterministic random subscripts over a (3, 4, 2, 5)-shaped tensor, as plain data:
    ('mask', bools) and ('t', nested ints) become tensors of the library under test."""
    rng = random.Random(seed)
    shape = (3, 4, 2, 5)
    keys = []
    for _ in range(n):
        key, d = [], 0
        while d < len(shape) and rng.random() < 0.85:
            size = shape[d]
            r = rng.random()
            if r < 0.15:
                key.append(slice(None))
            elif r < 0.25:
                key.append(slice(rng.randint(-size, size), None, rng.randint(1, 2)))
            elif r < 0.35:
                key.append(rng.randint(-size, size))  # may be out of bounds
            elif r < 0.42:
                key.append(None)
                continue
            elif r < 0.45:
                key.append(rng.random() < 0.5)
                continue
            elif r < 0.75:
                key.append([rng.randint(-size, size - 1) for _ in range(rng.randint(1, 3))])
            elif r < 0.85:
                key.append(("mask", [rng.random() < 0.5 for _ in range(size)]))
            else:
                rows = rng.randint(1, 2)
                key.append(("t", [[rng.randint(0, size - 1)] for _ in range(rows)]))
            d += 1
        if rng.random() < 0.15:
            key.insert(rng.randint(0, len(key)), Ellipsis)
        keys.append(tuple(key))
    return keys


KEYS = _random_keys(300, 7)


def _convert(key, m):
    return tuple(m.tensor(k[1]) if isinstance(k, tuple) else k for k in key)


def _index_run(m, key):
    data = np.arange(120, dtype=np.float64).reshape(3, 4, 2, 5)
    k = _convert(key, m)
    x = m.tensor(data, requires_grad=True)
    res, err = _outcome(lambda: x[k])
    if err:
        return err
    out = [tuple(res.shape), res.detach().numpy().tolist(),
           res.grad_fn.name() if res.grad_fn else None]
    if res.numel():
        w = np.linspace(-1, 1, res.numel()).reshape(res.shape)
        (res * m.tensor(w)).sum().backward()
        out.append(x.grad.numpy().tolist())
    y = m.tensor(data)
    values = np.linspace(5, 6, res.numel()).reshape(res.shape)
    _, set_err = _outcome(lambda: y.__setitem__(k, m.tensor(values)))
    out += [set_err, y.numpy().tolist()]
    return out


@pytest.mark.parametrize("chunk", range(6))
def test_random_subscripts_match_torch(chunk):
    for key in KEYS[chunk * 50:(chunk + 1) * 50]:
        assert _index_run(pytorchlite, key) == _index_run(torch, key), key


INDEX_ERRORS = [
    lambda m, x: x[[0, 2], [1, 3, 2]],
    lambda m, x: x[m.zeros(2, 3, dtype=m.long), m.zeros(3, 2, dtype=m.long)],
    lambda m, x: x[[0, 1], [0, 1, 2], [0]],
    lambda m, x: x[[0, 5], [1, 3]],
    lambda m, x: x[:, [0, 1], [1, 7]],
    lambda m, x: x[:, :, [0, 7]],
    lambda m, x: x[m.tensor([True, False])],
    lambda m, x: x[:, m.ones(4, 4, dtype=m.bool)],
    lambda m, x: x[[0, 2], m.tensor([1.0, 3.0])],
    lambda m, x: x[[0], [0], [0], [0]],
    lambda m, x: x[None, 0, 7],
    lambda m, x: x[..., 9],
    lambda m, x: x[[True, True, False, True], [0, 1]],
]


@pytest.mark.parametrize("k", range(len(INDEX_ERRORS)))
def test_index_errors_match_torch(k):
    got = [_outcome(lambda: INDEX_ERRORS[k](m, m.arange(60).reshape(3, 4, 5)))[1]
           for m in (torch, pytorchlite)]
    assert got[0] is not None and got[1] == got[0]


SET_ERRORS = [
    lambda m, y: y.__setitem__(([0, 2], [1, 3]), m.tensor([5.0, 6.0, 7.0])),
    lambda m, y: y.__setitem__(([0, 2], [1, 3]), m.tensor([5, 6])),
    lambda m, y: y.__setitem__(([0, 2], [1, 3]), m.tensor([1.0, 2.0], dtype=m.float64)),
    lambda m, y: y.__setitem__(([0, 2], [1, 9]), 1.0),
    lambda m, y: y.__setitem__(([0, 2], [1, 3]), m.ones(2, 2)),
]


@pytest.mark.parametrize("k", range(len(SET_ERRORS)))
def test_assignment_errors_match_torch(k):
    got = [_outcome(lambda: SET_ERRORS[k](m, m.zeros(3, 4)))[1] for m in (torch, pytorchlite)]
    assert got[0] is not None and got[1] == got[0]


def test_deprecated_list_of_sequences_key_matches_torch():
    got = []
    for m in (torch, pytorchlite):
        x = m.arange(60).reshape(3, 4, 5)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = x[[[0, 2], [1, 3]]]
        msg = str(caught[0].message).split(" (Triggered internally")[0]
        got.append((r.tolist(), caught[0].category.__name__, msg))
    assert got[0] == got[1]


# ---------------------------------------------------------------- erf and GELU

XS = np.linspace(-6, 6, 241)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fn", ["erf", "gelu", "gelu_tanh"])
def test_erf_gelu_values_grads_and_names_match_torch(fn, dtype):
    res = []
    for m in (torch, pytorchlite):
        x = m.tensor(XS.astype(dtype), requires_grad=True)
        if fn == "erf":
            y = m.erf(x)
        else:
            y = m.nn.functional.gelu(x, approximate="tanh" if fn == "gelu_tanh" else "none")
        (y * m.tensor(np.cos(XS).astype(dtype))).sum().backward()
        res.append((y.grad_fn.name(), y.dtype, y.detach().numpy(), x.grad.numpy()))
    (tn, tdt, ty, tg), (ln, ldt, ly, lg) = res
    assert ln == tn and str(ldt) == str(tdt)
    # float32: PyTorch's vectorized erf (and oneDNN's for GELU) round differently from libm
    atol = 2e-6 if dtype == "float32" else 1e-14
    np.testing.assert_allclose(ly, ty, rtol=0, atol=atol)
    np.testing.assert_allclose(lg, tg, rtol=0, atol=atol)


def test_gelu_module_and_errors_match_torch():
    for args in ((), ("tanh",)):
        assert repr(pytorchlite.nn.GELU(*args)) == repr(torch.nn.GELU(*args))
    cases = [
        lambda m: m.nn.functional.gelu(m.tensor([1, 2])),
        lambda m: m.nn.functional.gelu(m.ones(2), approximate="foo"),
        lambda m: m.erf(m.tensor([1, 2])).dtype,
    ]
    for case in cases:
        t, l = _outcome(lambda: case(torch)), _outcome(lambda: case(pytorchlite))
        assert (str(l[0]), l[1]) == (str(t[0]), t[1])


# ---------------------------------------------------------------- einsum

EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("ij,jk", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("bij,jk->bik", [(2, 3, 4), (4, 5)]),
    ("ij->ji", [(3, 4)]), ("ii->", [(4, 4)]), ("ii->i", [(4, 4)]), ("bii->bi", [(2, 3, 3)]),
    ("i,j->ij", [(4,), (5,)]), ("i,i->", [(4,), (4,)]), ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]), ("ij,ij->ij", [(3, 4), (1, 4)]), ("ij,kj->ik", [(3, 4), (5, 4)]),
    ("ij,jk->ki", [(3, 4), (4, 5)]), ("ij,jk,kl->il", [(3, 4), (4, 5), (5, 2)]),
    ("ij,j->i", [(3, 4), (4,)]), ("...ij,jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij->ij", [(2, 3, 4)]), ("i...j,jk", [(2, 3, 4), (4, 5)]), ("ij->...", [(3, 4)]),
    ("Ab,bc", [(3, 4), (4, 5)]), ("ij", [(3, 4)]), ("ji", [(3, 4)]), ("bij->bji", [(2, 3, 4)]),
    ("bi,bi->b", [(3, 4), (3, 4)]), ("ij,kl->ijkl", [(2, 3), (3, 2)]), ("", [()]),
]


@pytest.mark.parametrize("k", range(len(EINSUM)))
def test_einsum_matches_torch(k):
    eq, shapes = EINSUM[k]
    rng = np.random.default_rng(k)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    res = []
    for m in (torch, pytorchlite):
        ts = [m.tensor(a, requires_grad=True) for a in arrays]
        out = m.einsum(eq, *ts)
        w = np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).astype(np.float32)
        (out * m.tensor(w)).sum().backward()
        res.append((tuple(out.shape), out.grad_fn.name(), out.detach().numpy(),
                    [t.grad.numpy() for t in ts]))
    (ts_, tn, tv, tg), (ls_, ln, lv, lg) = res
    assert (ls_, ln) == (ts_, tn)
    np.testing.assert_allclose(lv, tv, rtol=1e-5, atol=1e-5)
    for a, b in zip(lg, tg):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


EINSUM_ERRORS = [
    ("ij,jk->ik", [(3, 4)]), ("ij->ij", [(3, 4), (3, 4)]), ("ijk->i", [(3, 4)]),
    ("ij,jk->ik", [(3, 4), (3, 4)]), ("ij->k", [(3, 4)]), ("i1->i", [(3, 4)]),
    ("ij->ii", [(3, 4)]), ("i.j->ij", [(3, 4)]), ("ij-->j", [(3, 4)]), ("ii->i", [(3, 4)]),
    ("......->", [(3, 4)]), ("ij...k->", [(3, 4)]), ("ij->i.", [(3, 4)]),
    ("i...,...j->ij", [(3, 4), (3, 4)]), ("ij->...i...", [(3, 4)]), ("ij", []),
]


@pytest.mark.parametrize("k", range(len(EINSUM_ERRORS)))
def test_einsum_errors_match_torch(k):
    eq, shapes = EINSUM_ERRORS[k]
    got = [_outcome(lambda: m.einsum(eq, *[m.ones(s) for s in shapes]))[1]
           for m in (torch, pytorchlite)]
    assert got[0] is not None and got[1] == got[0]
