"""The further losses and distances (nn/_functional_loss.py, nn/_functional_ctc.py,
nn/modules/loss_more.py) and cross_entropy's completed options: values and gradients against
torch and finite differences, every reduction, validation errors, module reprs."""
import warnings

import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn as nn
import pytorchlite.nn.functional as F
from conftest import fd_check


def _torch():
    return pytest.importorskip("torch")


R = np.random.default_rng(5)
A = R.standard_normal((4, 5))
B = R.standard_normal((4, 5))
C = R.standard_normal((4, 5))
POS = R.uniform(0.2, 2.0, (4, 5))
SIGN = np.where(R.standard_normal(4) > 0, 1.0, -1.0)
SIGN45 = np.where(R.standard_normal((4, 5)) > 0, 1.0, -1.0)
COUNTS = R.integers(0, 5, (4, 5)).astype(np.float64)
PROBS = np.exp(B) / np.exp(B).sum(1, keepdims=True)
LABELS = np.array([[3, 0, -1, 1, 2], [4, -1, 0, 0, 0], [0, 1, 2, 3, 4], [2, 2, -1, 0, 1]])

# (name, float args (grad taken), other args, kwargs)
CASES = [
    ("kl_div", (A, PROBS), (), {"reduction": "batchmean"}),
    ("kl_div", (A, B), (), {"reduction": "sum", "log_target": True}),
    ("poisson_nll_loss", (A,), (COUNTS,), {}),
    ("poisson_nll_loss", (POS,), (COUNTS,), {"log_input": False, "full": True}),
    ("gaussian_nll_loss", (A, B, POS), (), {}),
    ("gaussian_nll_loss", (A, B, POS[:, :1]), (), {"full": True, "reduction": "sum"}),
    ("gaussian_nll_loss", (A, B, POS[:, 0]), (), {"eps": 0.5}),
    ("cosine_embedding_loss", (A, B), (SIGN,), {"margin": 0.2}),
    ("hinge_embedding_loss", (A,), (SIGN45,), {"margin": 0.5}),
    ("margin_ranking_loss", (A[0], B[0]), (SIGN45[0],), {"margin": 0.1}),
    ("soft_margin_loss", (A,), (SIGN45,), {}),
    ("multilabel_soft_margin_loss", (A,), ((SIGN45 > 0).astype(np.float64),), {}),
    ("multi_margin_loss", (A,), (np.array([0, 4, 2, 2]),), {}),
    ("multi_margin_loss", (A,), (np.array([0, 4, 2, 2]),), {"p": 2, "margin": 0.7}),
    ("multi_margin_loss", (A[1],), (np.array(3),), {}),
    ("multilabel_margin_loss", (A,), (LABELS,), {}),
    ("multilabel_margin_loss", (A[0],), (LABELS[0],), {}),
    ("triplet_margin_loss", (A, B, C), (), {}),
    ("triplet_margin_loss", (A, B, C), (), {"p": 1, "swap": True, "margin": 2.0}),
    ("triplet_margin_with_distance_loss", (A, B, C), (), {"swap": True}),
    ("pairwise_distance", (A, B), (), {}),
    ("pairwise_distance", (A, B[0]), (), {"p": 3, "keepdim": True}),
    ("pdist", (A,), (), {}),
    ("pdist", (A,), (), {"p": 1.5}),
    ("cosine_similarity", (A, B), (), {}),
    ("cosine_similarity", (A, B[:1]), (), {"dim": 0}),
]
REDUCED = {"kl_div", "pairwise_distance", "pdist", "cosine_similarity",
           "triplet_margin_with_distance_loss", "gaussian_nll_loss"}


def _run(mod, name, floats, others, kw, as_tensor):
    ts = [as_tensor(a, True) for a in floats]
    os = [as_tensor(a, False) for a in others]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = getattr(mod, name)(*ts, *os, **kw)
    w = np.linspace(0.5, 1.5, max(1, int(np.prod(out.shape))), dtype=np.float64)
    (out * as_tensor(w.reshape(tuple(out.shape)), False)).sum().backward()
    return out.detach().numpy(), [t.grad.numpy() for t in ts]


def _reductions(name, kw):
    if name in REDUCED or "reduction" in kw:
        return [kw]
    return [dict(kw, reduction=r) for r in ("mean", "sum", "none")]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("single", [False, True], ids=["float64", "float32"])
def test_against_torch(case, single):
    th = _torch()
    name, floats, others, kw = case
    for kw2 in _reductions(name, kw):
        def pl(a, g):
            dtype = torch.int64 if np.asarray(a).dtype.kind == "i" else (
                torch.float32 if single else torch.float64)
            return torch.tensor(a, dtype=dtype, requires_grad=g)

        def tt(a, g):
            dtype = th.int64 if np.asarray(a).dtype.kind == "i" else (
                th.float32 if single else th.float64)
            return th.tensor(a, dtype=dtype, requires_grad=g)
        out, grads = _run(F, name, floats, others, kw2, pl)
        tout, tgrads = _run(th.nn.functional, name, floats, others, kw2, tt)
        assert out.shape == tout.shape
        rtol, atol = (2e-5, 1e-6) if single else (1e-10, 1e-12)
        np.testing.assert_allclose(out, tout, rtol=rtol, atol=atol)
        for g, tg in zip(grads, tgrads):
            np.testing.assert_allclose(g, tg, rtol=rtol * 10, atol=atol * 10)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_finite_differences(case):
    name, floats, others, kw = case
    ts = [torch.tensor(a, requires_grad=True) for a in floats]
    os = [torch.tensor(a) for a in others]

    def loss():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = getattr(F, name)(*ts, *os, **kw)
        return (out * out).sum()
    fd_check(ts, loss, tol=1e-5)


def test_numpy_values():
    a, b = torch.tensor(A), torch.tensor(B)
    np.testing.assert_allclose(F.pdist(a).numpy(), [np.linalg.norm(A[i] - A[j])
                                                    for i in range(4) for j in range(i + 1, 4)])
    cos = (A * B).sum(1) / np.linalg.norm(A, axis=1) / np.linalg.norm(B, axis=1)
    np.testing.assert_allclose(F.cosine_similarity(a, b).numpy(), cos)
    np.testing.assert_allclose(F.soft_margin_loss(a, torch.tensor(SIGN45), reduction="sum")
                               .item(), np.log1p(np.exp(-A * SIGN45)).sum())
    kl = (PROBS * (np.log(PROBS) - A)).sum() / 4
    np.testing.assert_allclose(F.kl_div(a, torch.tensor(PROBS), reduction="batchmean").item(),
                               kl)


def test_pdist_zero_distance_gradient_is_zero():
    x = torch.tensor([[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]], requires_grad=True)
    F.pdist(x).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_kl_div_mean_warns():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(torch.zeros(2), torch.ones(2))


@pytest.mark.parametrize("call,exc,msg", [
    (lambda: F.kl_div(torch.ones(2), torch.ones(2), reduction="bad"), ValueError,
     "bad is not a valid value for reduction"),
    (lambda: F.gaussian_nll_loss(torch.ones(3, 4), torch.ones(3, 4), -torch.ones(3, 4)),
     ValueError, "var has negative entry"),
    (lambda: F.gaussian_nll_loss(torch.ones(3, 4), torch.ones(3, 4), torch.ones(3, 2)),
     ValueError, "var is of incorrect size"),
    (lambda: F.cosine_embedding_loss(torch.ones(3), torch.ones(3), torch.ones(3)),
     RuntimeError, r"1D target tensor expects 2D input tensors, but found inputs with sizes "
                   r"\[3\] and \[3\]."),
    (lambda: F.cosine_embedding_loss(torch.ones(3, 4), torch.ones(3, 4), torch.ones(3, 1)),
     RuntimeError, "0D or 1D target tensor expected"),
    (lambda: F.margin_ranking_loss(torch.ones(4), torch.ones(4), torch.ones(1, 4)),
     RuntimeError, "All input tensors should have same dimension"),
    (lambda: F.multilabel_margin_loss(torch.ones(3, 4), torch.ones(3, 4)), RuntimeError,
     "expected scalar type Long but found Float"),
    (lambda: F.multilabel_margin_loss(torch.ones(3, 4), torch.ones(3, 3, dtype=torch.int64)),
     RuntimeError, r"inconsistent target size: \[3, 3\] for input of size: \[3, 4\]"),
    (lambda: F.multilabel_margin_loss(torch.ones(4), torch.tensor([1, 5, -1, 0])),
     RuntimeError, "argument #2 'target' is out of range"),
    (lambda: F.multi_margin_loss(torch.ones(3, 4), torch.tensor([0, 1, 5])), RuntimeError,
     "target out of range"),
    (lambda: F.multi_margin_loss(torch.ones(3, 4), torch.tensor([0, 1, 2]), p=3), ValueError,
     "only p == 1 and p == 2 supported"),
    (lambda: F.multi_margin_loss(torch.ones(3, 4), torch.tensor([0, 1])), RuntimeError,
     r"Expected target size \[3\], but got \[2\]. Input has shape \[3, 4\]."),
    (lambda: F.multi_margin_loss(torch.ones(3, 4), torch.tensor([0, 1, 2]),
                                 weight=torch.ones(3)), RuntimeError,
     r"inconsistent weight size, expected 4 but got \[3\]"),
    (lambda: F.multi_margin_loss(torch.ones(2, 0), torch.tensor([0, 0])), RuntimeError,
     "Expected non-empty vector or matrix"),
    (lambda: F.triplet_margin_loss(torch.ones(3, 4), torch.ones(3, 4), torch.ones(3)),
     RuntimeError, "anchor 2D, positive 2D, and negative 1D inputs"),
    (lambda: F.triplet_margin_loss(torch.ones(3, 4), torch.ones(3, 4), torch.ones(3, 4),
                                   margin=0), ValueError, "margin must be greater than 0"),
    (lambda: F.pdist(torch.ones(1, 3, 4)), RuntimeError, "pdist only supports 2D tensors"),
    (lambda: F.pdist(torch.ones(3, 4), p=-1), RuntimeError, "non-negative p values"),
    (lambda: F.cosine_similarity(torch.tensor([1, 2]), torch.tensor([1, 2])), RuntimeError,
     "yet common dtype is Long"),
    (lambda: F.poisson_nll_loss(torch.ones(2), torch.ones(2), reduction="x"), ValueError,
     "x is not a valid value for reduction"),
    (lambda: F.one_hot(torch.tensor([1, -1])), RuntimeError, "Class values must be non-neg"),
    (lambda: F.one_hot(torch.tensor([1, 5]), 3), RuntimeError, "smaller than num_classes"),
    (lambda: F.one_hot(torch.tensor([], dtype=torch.int64)), RuntimeError,
     "Can not infer total number of classes from empty tensor."),
])
def test_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


def test_module_reprs_and_forward():
    th = _torch()
    pairs = [
        ("KLDivLoss", {}), ("KLDivLoss", {"reduction": "batchmean", "log_target": True}),
        ("PoissonNLLLoss", {}), ("GaussianNLLLoss", {}), ("CosineEmbeddingLoss", {}),
        ("HingeEmbeddingLoss", {}), ("MarginRankingLoss", {}), ("MultiLabelMarginLoss", {}),
        ("MultiLabelSoftMarginLoss", {}), ("MultiMarginLoss", {}), ("SoftMarginLoss", {}),
        ("TripletMarginLoss", {}), ("TripletMarginWithDistanceLoss", {}), ("CTCLoss", {}),
    ]
    for name, kw in pairs:
        m, tm = getattr(nn, name)(**kw), getattr(th.nn, name)(**kw)
        assert repr(m) == repr(tm)
        for attr in ("reduction", "margin", "log_target", "full", "eps", "p", "swap", "blank",
                     "zero_infinity", "log_input"):
            if hasattr(tm, attr):
                assert getattr(m, attr) == getattr(tm, attr), (name, attr)
    x, y = torch.tensor(A), torch.tensor(B)
    assert nn.TripletMarginLoss(margin=0.5, p=1)(x, y, torch.tensor(C)).item() == \
        pytest.approx(F.triplet_margin_loss(x, y, torch.tensor(C), margin=0.5, p=1).item())
    assert nn.MultiMarginLoss(weight=torch.ones(5))(x, torch.tensor([0, 1, 2, 3])).item() == \
        pytest.approx(F.multi_margin_loss(x, torch.tensor([0, 1, 2, 3])).item())


def test_class_weights_against_torch():
    th = _torch()
    w = POS[0]
    tgt = np.array([0, 4, 2, 2])
    for fn, target in (("multi_margin_loss", tgt), ("multilabel_soft_margin_loss",
                                                   (SIGN45 > 0).astype(np.float64))):
        for reduction in ("mean", "sum", "none"):
            x = torch.tensor(A, requires_grad=True)
            tx = th.tensor(A, requires_grad=True)
            y = getattr(F, fn)(x, torch.tensor(target), weight=torch.tensor(w),
                               reduction=reduction)
            ty = getattr(th.nn.functional, fn)(tx, th.tensor(target), weight=th.tensor(w),
                                               reduction=reduction)
            np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
            (y * y).sum().backward()
            (ty * ty).sum().backward()
            np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)


# ------------------------------------------------------------------------------- CTC
_CTC_LOGITS = np.random.default_rng(0).standard_normal((12, 3, 5))
_CTC_TARGETS = np.array([[1, 2, 2, 0], [3, 1, 0, 0], [4, 4, 4, 4]])


def _ctc(lib, dtype, reduction, normalise, concatenated=False, zero_infinity=False):
    x = lib.tensor(_CTC_LOGITS.astype(dtype), requires_grad=True)
    lp = x.log_softmax(2) if normalise else x
    lengths = [3, 2, 4]
    targets = _CTC_TARGETS
    if concatenated:
        targets = np.concatenate([row[:n] for row, n in zip(targets, lengths)])
    loss = lib.nn.functional.ctc_loss(lp, lib.tensor(targets), lib.tensor([12, 9, 10]),
                                      lib.tensor(lengths), reduction=reduction,
                                      zero_infinity=zero_infinity)
    w = np.arange(1, loss.numel() + 1).reshape(tuple(loss.shape)).astype(dtype)
    (loss * lib.tensor(w)).sum().backward()
    return loss.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("normalise", [True, False])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_ctc_against_torch(reduction, normalise, dtype):
    th = _torch()
    out, grad = _ctc(torch, dtype, reduction, normalise)
    tout, tgrad = _ctc(th, dtype, reduction, normalise)
    tol = 1e-12 if dtype == "float64" else 2e-5
    np.testing.assert_allclose(out, tout, rtol=tol, atol=tol)
    np.testing.assert_allclose(grad, tgrad, rtol=tol, atol=tol)
    out2, grad2 = _ctc(torch, dtype, reduction, normalise, concatenated=True)
    np.testing.assert_allclose(out2, out, rtol=tol)
    np.testing.assert_allclose(grad2, grad, rtol=tol)


def test_ctc_brute_force_and_fd():
    # a tiny case: sum over every alignment path that collapses to the target
    import itertools
    T, C = 4, 3
    lp = np.log(np.random.default_rng(3).dirichlet(np.ones(C), T))
    target = [1, 2]
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        collapsed = [k for i, k in enumerate(path) if k != 0 and (i == 0 or path[i - 1] != k)]
        if collapsed == target:
            total += np.exp(sum(lp[t, k] for t, k in enumerate(path)))
    x = torch.tensor(lp, requires_grad=True)
    loss = F.ctc_loss(x, torch.tensor(target), torch.tensor(T), torch.tensor(2),
                      reduction="sum")
    np.testing.assert_allclose(loss.item(), -np.log(total), rtol=1e-12)
    logits = torch.tensor(np.random.default_rng(4).standard_normal((T, C)), requires_grad=True)
    fd_check([logits], lambda: F.ctc_loss(logits.log_softmax(1), torch.tensor(target),
                                          torch.tensor(T), torch.tensor(2)), tol=1e-6)


def test_ctc_zero_infinity_and_errors():
    th = _torch()
    outs = []
    for lib in (torch, th):
        x = lib.tensor(_CTC_LOGITS[:, :2], requires_grad=True)
        loss = lib.nn.functional.ctc_loss(x.log_softmax(2), lib.tensor([1, 2] + [3] * 11),
                                          lib.tensor([12, 3]), lib.tensor([1, 12]),
                                          zero_infinity=True, reduction="none")
        loss.sum().backward()
        outs.append((loss.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-12)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-10, atol=1e-12)
    lp = torch.zeros(5, 2, 3)
    with pytest.raises(RuntimeError, match="blank must be in label range"):
        F.ctc_loss(lp, torch.ones(2, 2, dtype=torch.int64), torch.tensor([5, 5]),
                   torch.tensor([2, 2]), blank=3)
    with pytest.raises(RuntimeError, match="Expected input_lengths to have value at most 5"):
        F.ctc_loss(lp, torch.ones(2, 2, dtype=torch.int64), torch.tensor([6, 5]),
                   torch.tensor([2, 2]))
    with pytest.raises(RuntimeError, match="Expected tensor to have size 4 at dimension 0"):
        F.ctc_loss(lp, torch.ones(3, dtype=torch.int64), torch.tensor([5, 5]),
                   torch.tensor([2, 2]))
    with pytest.raises(RuntimeError, match="Expected target_lengths to have value at least 0"):
        F.ctc_loss(lp, torch.ones(2, 2, dtype=torch.int64), torch.tensor([5, 5]),
                   torch.tensor([2, -1]))
    with pytest.raises(NotImplementedError, match="ctc_loss_cpu"):
        F.ctc_loss(lp.long(), torch.ones(2, 2, dtype=torch.int64), torch.tensor([5, 5]),
                   torch.tensor([2, 2]))
    with pytest.raises(RuntimeError, match="input_lengths must be of size batch_size"):
        F.ctc_loss(lp, torch.ones(2, 2, dtype=torch.int64), torch.tensor([5]),
                   torch.tensor([2, 2]))
    m = nn.CTCLoss(blank=1, zero_infinity=True)
    assert repr(m) == "CTCLoss()" and m.blank == 1 and m.zero_infinity


# ------------------------------------------------------------- cross_entropy's options
_CE_X = np.random.default_rng(9).standard_normal((3, 4, 2, 5))
_CE_T = np.random.default_rng(9).integers(0, 4, (3, 2, 5))
_CE_W = np.array([0.5, 1.0, 2.0, 1.5])


@pytest.mark.parametrize("shape", ["1d", "2d", "3d", "4d", "5d"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("opts", [{}, {"weight": True}, {"ignore_index": 2},
                                  {"label_smoothing": 0.2},
                                  {"label_smoothing": 0.2, "ignore_index": 1},
                                  {"label_smoothing": 0.3, "ignore_index": 0, "weight": True},
                                  {"probs": True}, {"probs": True, "weight": True,
                                                    "label_smoothing": 0.1}])
def test_cross_entropy_against_torch(shape, reduction, opts):
    th = _torch()
    x, t = _CE_X, _CE_T
    if shape == "1d":
        x, t = x[0, :, 0, 0], t[0, 0, 0]
    elif shape == "2d":
        x, t = x[:, :, 0, 0], t[:, 0, 0]
    elif shape == "3d":
        x, t = x[:, :, 0, :], t[:, 0, :]
    elif shape == "5d":
        x, t = x.reshape(3, 4, 2, 5, 1), t.reshape(3, 2, 5, 1)
    opts = dict(opts)
    if shape == "1d" and opts.get("ignore_index") == t:
        t = np.array((int(t) + 1) % 4)  # one ignored sample makes a 0/0 mean (NaN)
    probs = opts.pop("probs", False)
    if probs:
        e = np.exp(np.random.default_rng(2).standard_normal(x.shape))
        t = e / e.sum(0 if x.ndim == 1 else 1, keepdims=True)
    results = []
    for lib in (torch, th):
        kw = dict(opts)
        if kw.pop("weight", False):
            kw["weight"] = lib.tensor(_CE_W)
        xt = lib.tensor(x, requires_grad=True)
        loss = lib.nn.functional.cross_entropy(xt, lib.tensor(t), reduction=reduction, **kw)
        (loss * loss).sum().backward()
        results.append((loss.detach().numpy(), xt.grad.numpy()))
    assert results[0][0].shape == results[1][0].shape
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10, atol=1e-14)


def test_nll_loss_nd_errors():
    x = torch.zeros(2, 3, 4, 5)
    with pytest.raises(RuntimeError, match=r"size mismatch \(got input: \[2, 3, 4, 5\] , "
                                           r"target: \[2, 4, 4\]"):
        F.nll_loss(x, torch.zeros(2, 4, 4, dtype=torch.int64))
    with pytest.raises(RuntimeError, match="only batches of spatial targets supported"):
        F.nll_loss(x, torch.zeros(2, 4, dtype=torch.int64))
    with pytest.raises(RuntimeError, match=r"Expected target size \[2, 4\], got \[2, 5\]"):
        F.nll_loss(torch.zeros(2, 3, 4), torch.zeros(2, 5, dtype=torch.int64))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(2\) to match target"):
        F.nll_loss(x, torch.zeros(3, 4, 5, dtype=torch.int64))


# --------------------------------------------- binary_cross_entropy_with_logits (fused op)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("extras", ["", "weight", "pos_weight", "both"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_bce_with_logits_against_torch(reduction, extras, dtype):
    th = _torch()
    x = A.astype(dtype) * 3
    t = PROBS.astype(dtype)
    w = POS[0].astype(dtype)
    pw = POS[1].astype(dtype) * 2
    res = []
    for lib in (torch, th):
        xt = lib.tensor(x, requires_grad=True)
        tt = lib.tensor(t, requires_grad=True)
        kw = {}
        if extras in ("weight", "both"):
            kw["weight"] = lib.tensor(w)
        if extras in ("pos_weight", "both"):
            kw["pos_weight"] = lib.tensor(pw)
        loss = lib.nn.functional.binary_cross_entropy_with_logits(xt, tt, reduction=reduction,
                                                                  **kw)
        (loss * loss).sum().backward()
        res.append((_np_(loss), _np_(xt.grad), _np_(tt.grad), type(loss.grad_fn).__name__))
    tol = 1e-12 if dtype == "float64" else 2e-6
    for k in range(3):
        np.testing.assert_allclose(res[0][k], res[1][k], rtol=tol, atol=tol)
    assert res[0][3] == res[1][3] == "BinaryCrossEntropyWithLogitsBackward0"


def _np_(t):
    return t.detach().numpy()


def test_bce_with_logits_fd_and_double_backward():
    th = _torch()
    x = torch.tensor(A, requires_grad=True)
    t = torch.tensor(PROBS, requires_grad=True)
    pw = torch.tensor(POS[1])
    fd_check([x, t], lambda: F.binary_cross_entropy_with_logits(x, t, pos_weight=pw) ** 2)
    grads = []
    for lib in (torch, th):
        xt = lib.tensor(A, requires_grad=True)
        loss = lib.nn.functional.binary_cross_entropy_with_logits(
            xt, lib.tensor(PROBS), weight=lib.tensor(POS[0]), reduction="sum")
        (g,) = lib.autograd.grad(loss, xt, create_graph=True)
        (g * g).sum().backward()
        grads.append(_np_(xt.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        F.binary_cross_entropy_with_logits(torch.zeros(3), torch.zeros(3),
                                           weight=torch.ones(2, 3))


def test_bce_with_logits_binding_refuses_bad_arguments():
    x = torch.zeros(3)
    with pytest.raises(TypeError):
        torch._C._bce_with_logits(x, x, None, None)
    with pytest.raises(TypeError):
        torch._C._bce_with_logits(x, "t", None, None, 1)
    with pytest.raises(RuntimeError):
        torch._C._bce_with_logits(x, torch.zeros(4), None, None, 1)
    with pytest.raises(RuntimeError):
        torch._C._bce_with_logits(x, x, torch.zeros(2), None, 1)
    out = torch._C._bce_with_logits(torch.zeros(0), torch.zeros(0), None, None, 2)
    assert out.item() == 0.0
