"""The grad_fn survey: one row per call of issue 10's activations, losses, in-place ops and
math functions, built the same way under torch and pytorchlite.

Each case is (id, fn, specs): ``fn(T, F, *inputs)`` makes the call with the library ``T``
(its ``nn.functional`` is ``F``) on inputs made from ``specs``; the same NumPy data feeds both
libraries. Spec kinds: "x" float64 requiring grad; "pos" positive, "unit" in (0.05, 0.95)
and "far" away from the kinks, all requiring grad; "c" a float64 constant; "cpos" a positive
constant; "sign" a +-1 constant; "bin" a 0/1 constant; ("int", shape, high) an int64 constant in [0, high).

Run as a script, it prints each case's grad_fn name (and the names one level down) under
both libraries and lists the mismatches; tests/test_grad_fn_names.py is parametrized over
``CASES``.
"""
import numpy as np

GRAD_KINDS = ("x", "pos", "unit", "far")


def _data(specs, seed):
    rng = np.random.default_rng(seed)
    out = []
    for spec in specs:
        kind, shape = spec[0], spec[1]
        if kind in ("x", "c"):
            a = rng.standard_normal(shape)
        elif kind == "pos":
            a = rng.uniform(0.3, 2.0, shape)
        elif kind == "unit":
            a = rng.uniform(0.05, 0.95, shape)
        elif kind == "far":
            a = rng.uniform(0.2, 2.5, shape) * np.where(rng.random(shape) < 0.5, -1, 1)
        elif kind == "cpos":
            a = rng.uniform(0.3, 2.0, shape)
        elif kind == "sign":
            a = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
        elif kind == "bin":
            a = (rng.random(shape) < 0.5).astype(np.float64)
        elif kind == "int":
            a = rng.integers(0, spec[2], shape)
        else:
            raise ValueError(kind)
        out.append((kind, np.asarray(a)))
    return out


def make_inputs(T, specs, seed=0):
    """The case's inputs as tensors of library T (float64; grad kinds require grad)."""
    out = []
    for kind, a in _data(specs, seed):
        t = T.tensor(a.tolist(), dtype=T.int64 if kind == "int" else T.float64)
        if kind in GRAD_KINDS:
            t.requires_grad_(True)
        out.append(t)
    return out


def run(T, case, seed=0):
    """(output tensor, inputs) of the case under library T."""
    _, fn, specs = case
    inputs = make_inputs(T, specs, seed)
    T.manual_seed(0)
    out = fn(T, T.nn.functional, *inputs)
    if isinstance(out, (tuple, list)):
        out = out[0]
    return out, inputs


def names(out):
    """(grad_fn name, names one level down) of out."""
    g = out.grad_fn
    if g is None:
        return None, ()
    return type(g).__name__, tuple(type(n).__name__ if n is not None else None
                                   for n, _ in g.next_functions)


CASES = []


def case(id, fn, *specs):
    CASES.append((id, fn, specs))


X = ("x", (4, 6))
X4 = ("x", (2, 4, 3, 3))
FAR = ("far", (4, 6))
C = ("c", (4, 6))

# --- activations, functional ---
act1 = {
    "hardtanh": lambda T, F, x: F.hardtanh(x),
    "hardtanh_args": lambda T, F, x: F.hardtanh(x, -0.5, 0.7),
    "relu6": lambda T, F, x: F.relu6(x * 4),
    "hardsigmoid": lambda T, F, x: F.hardsigmoid(x * 4),
    "hardswish": lambda T, F, x: F.hardswish(x * 4),
    "mish": lambda T, F, x: F.mish(x),
    "selu": lambda T, F, x: F.selu(x),
    "celu": lambda T, F, x: F.celu(x, 0.7),
    "elu": lambda T, F, x: F.elu(x),
    "elu_alpha": lambda T, F, x: F.elu(x, 0.5),
    "logsigmoid": lambda T, F, x: F.logsigmoid(x),
    "rrelu_eval": lambda T, F, x: F.rrelu(x),
    "rrelu_train": lambda T, F, x: F.rrelu(x, training=True),
    "softsign": lambda T, F, x: F.softsign(x),
    "softshrink": lambda T, F, x: F.softshrink(x),
    "hardshrink": lambda T, F, x: F.hardshrink(x),
    "tanhshrink": lambda T, F, x: F.tanhshrink(x),
    "threshold": lambda T, F, x: F.threshold(x, 0.1, 20.0),
    "softmin": lambda T, F, x: F.softmin(x, 1),
    "softplus": lambda T, F, x: F.softplus(x),
    "softplus_beta": lambda T, F, x: F.softplus(x, 2.0, 1.0),
    "silu": lambda T, F, x: F.silu(x),
    "gelu": lambda T, F, x: F.gelu(x),
    "gelu_tanh": lambda T, F, x: F.gelu(x, approximate="tanh"),
    "leaky_relu": lambda T, F, x: F.leaky_relu(x),
    "leaky_relu_slope": lambda T, F, x: F.leaky_relu(x, 0.2),
    "relu": lambda T, F, x: F.relu(x),
    "log_softmax": lambda T, F, x: F.log_softmax(x, 1),
    "softmax": lambda T, F, x: F.softmax(x, 1),
    "softmax_dtype": lambda T, F, x: F.softmax(x, 0, dtype=T.float32),
    "normalize": lambda T, F, x: F.normalize(x),
    "normalize_p1": lambda T, F, x: F.normalize(x, 1.0, 0),
    "glu": lambda T, F, x: F.glu(x),
    "glu_dim0": lambda T, F, x: F.glu(x, 0),
}
for k, f in act1.items():
    case(k, f, FAR)

inplace_acts = {
    "hardtanh_inplace": lambda T, F, x: F.hardtanh(x.clone(), inplace=True),
    "hardtanh_": lambda T, F, x: F.hardtanh_(x.clone()),
    "relu6_inplace": lambda T, F, x: F.relu6(x.clone(), inplace=True),
    "hardsigmoid_inplace": lambda T, F, x: F.hardsigmoid(x * 4, inplace=True),
    "hardswish_inplace": lambda T, F, x: F.hardswish(x * 4, inplace=True),
    "mish_inplace": lambda T, F, x: F.mish(x.clone(), inplace=True),
    "selu_inplace": lambda T, F, x: F.selu(x.clone(), inplace=True),
    "selu_": lambda T, F, x: F.selu_(x.clone()),
    "celu_inplace": lambda T, F, x: F.celu(x.clone(), inplace=True),
    "celu_": lambda T, F, x: F.celu_(x.clone()),
    "elu_inplace": lambda T, F, x: F.elu(x.clone(), inplace=True),
    "elu_": lambda T, F, x: F.elu_(x.clone()),
    "rrelu_eval_inplace": lambda T, F, x: F.rrelu(x.clone(), inplace=True),
    "rrelu_train_inplace": lambda T, F, x: F.rrelu(x.clone(), training=True, inplace=True),
    "rrelu_": lambda T, F, x: F.rrelu_(x.clone()),
    "threshold_inplace": lambda T, F, x: F.threshold(x.clone(), 0.1, 20.0, inplace=True),
    "threshold_": lambda T, F, x: F.threshold_(x.clone(), 0.1, 20.0),
    "leaky_relu_inplace": lambda T, F, x: F.leaky_relu(x.clone(), inplace=True),
    "leaky_relu_": lambda T, F, x: F.leaky_relu_(x.clone(), 0.2),
    "relu_inplace": lambda T, F, x: F.relu(x.clone(), inplace=True),
    "silu_inplace": lambda T, F, x: F.silu(x.clone(), inplace=True),
}
for k, f in inplace_acts.items():
    case(k, f, FAR)

case("prelu", lambda T, F, x, w: F.prelu(x, w), ("far", (2, 3, 4)), ("pos", (3,)))
case("prelu_single", lambda T, F, x, w: F.prelu(x, w), FAR, ("pos", (1,)))
case("softmax2d_module", lambda T, F, x: T.nn.Softmax2d()(x), X4)
case("cosine_similarity", lambda T, F, a, b: F.cosine_similarity(a, b), X, X)
case("cosine_similarity_dim0", lambda T, F, a, b: F.cosine_similarity(a, b, 0), X, X)
case("pairwise_distance", lambda T, F, a, b: F.pairwise_distance(a, b), X, X)
case("pairwise_distance_p3", lambda T, F, a, b: F.pairwise_distance(a, b, 3, keepdim=True),
     X, X)
case("pdist", lambda T, F, a: F.pdist(a), X)
case("pdist_p1", lambda T, F, a: F.pdist(a, 1.5), X)
case("one_hot", lambda T, F, i: F.one_hot(i, 5), ("int", (4,), 5))
for mode in ("constant", "reflect", "replicate", "circular"):
    case(f"pad_{mode}", lambda T, F, x, m=mode: F.pad(x, (1, 2, 2, 1), mode=m), X4)
    case(f"pad_{mode}_zero", lambda T, F, x, m=mode: F.pad(x, (0, 0), mode=m), ("x", (2, 3, 4)))
case("pad_constant_value", lambda T, F, x: F.pad(x, (1, 1), value=2.0), X)
case("pad_reflect_1d", lambda T, F, x: F.pad(x, (2, 1), mode="reflect"), ("x", (2, 3, 5)))
case("pad_replicate_3d", lambda T, F, x: F.pad(x, (1, 1, 1, 1, 1, 1), mode="replicate"),
     ("x", (1, 2, 3, 3, 3)))
case("pad_circular_1d", lambda T, F, x: F.pad(x, (2, 1), mode="circular"), ("x", (2, 3, 5)))

# --- activations, modules ---
modules = {
    "Hardtanh": "Hardtanh()", "ReLU6": "ReLU6()", "Hardsigmoid": "Hardsigmoid()",
    "Hardswish": "Hardswish()", "Mish": "Mish()", "SELU": "SELU()", "CELU": "CELU()",
    "ELU": "ELU()", "LogSigmoid": "LogSigmoid()", "RReLU": "RReLU()",
    "Softsign": "Softsign()", "Softshrink": "Softshrink()", "Hardshrink": "Hardshrink()",
    "Tanhshrink": "Tanhshrink()", "Threshold": "Threshold(0.1, 20.0)", "Softmin": "Softmin(1)",
    "Softplus": "Softplus()", "SiLU": "SiLU()", "GELU": "GELU()", "LeakyReLU": "LeakyReLU()",
    "LogSoftmax": "LogSoftmax(1)", "Softmax": "Softmax(1)", "GLU": "GLU()", "ReLU": "ReLU()",
    "Hardtanh_inplace": "Hardtanh(inplace=True)", "ReLU6_inplace": "ReLU6(inplace=True)",
    "SELU_inplace": "SELU(inplace=True)", "CELU_inplace": "CELU(inplace=True)",
    "ELU_inplace": "ELU(inplace=True)", "RReLU_inplace": "RReLU(inplace=True)",
    "Threshold_inplace": "Threshold(0.1, 20.0, inplace=True)",
    "LeakyReLU_inplace": "LeakyReLU(inplace=True)", "Mish_inplace": "Mish(inplace=True)",
    "Hardswish_inplace": "Hardswish(inplace=True)",
    "Hardsigmoid_inplace": "Hardsigmoid(inplace=True)",
}
for k, expr in modules.items():
    case("module_" + k, lambda T, F, x, e=expr: eval("T.nn." + e, {"T": T})(x.clone()), FAR)
case("module_RReLU_train", lambda T, F, x: T.nn.RReLU().train()(x.clone()), FAR)
case("module_PReLU", lambda T, F, x: T.nn.PReLU(3).double()(x), ("far", (2, 3, 4)))

# --- losses ---
REDS = ("mean", "sum", "none")
N, K = 4, 5
LX, LY = ("x", (N, K)), ("x", (N, K))
for r in REDS:
    case(f"mse_{r}", lambda T, F, a, b, r=r: F.mse_loss(a, b, reduction=r), LX, LY)
    case(f"l1_{r}", lambda T, F, a, b, r=r: F.l1_loss(a, b, reduction=r), LX, LY)
    case(f"nll_{r}", lambda T, F, a, t, r=r: F.nll_loss(a, t, reduction=r), LX, ("int", (N,), K))
    case(f"ce_{r}", lambda T, F, a, t, r=r: F.cross_entropy(a, t, reduction=r), LX,
         ("int", (N,), K))
    case(f"ce_prob_{r}", lambda T, F, a, p, r=r: F.cross_entropy(a, p.softmax(1), reduction=r),
         LX, ("c", (N, K)))
    case(f"ce_smooth_{r}", lambda T, F, a, t, r=r: F.cross_entropy(
        a, t, reduction=r, label_smoothing=0.1), LX, ("int", (N,), K))
    case(f"ce_smooth_ignore_{r}", lambda T, F, a, t, r=r: F.cross_entropy(
        a, t, reduction=r, label_smoothing=0.1, ignore_index=2), LX, ("int", (N,), K))
    case(f"ce_prob_smooth_{r}", lambda T, F, a, p, r=r: F.cross_entropy(
        a, p.softmax(1), reduction=r, label_smoothing=0.2), LX, ("c", (N, K)))
    case(f"ce_nd_{r}", lambda T, F, a, t, r=r: F.cross_entropy(a, t, reduction=r),
         ("x", (2, K, 3, 2)), ("int", (2, 3, 2), K))
    case(f"ce_ignore_{r}", lambda T, F, a, t, r=r: F.cross_entropy(a, t, reduction=r,
                                                                   ignore_index=1),
         LX, ("int", (N,), K))
    case(f"bce_{r}", lambda T, F, a, b, r=r: F.binary_cross_entropy(a, b, reduction=r),
         ("unit", (N, K)), ("bin", (N, K)))
    case(f"bce_target_grad_{r}", lambda T, F, a, b, r=r: F.binary_cross_entropy(
        a, b, reduction=r), ("unit", (N, K)), ("unit", (N, K)))
    case(f"bce_weight_{r}", lambda T, F, a, b, w, r=r: F.binary_cross_entropy(
        a, b, w, reduction=r), ("unit", (N, K)), ("bin", (N, K)), ("cpos", (K,)))
    case(f"huber_weight_{r}", lambda T, F, a, b, w, r=r: F.huber_loss(
        a, b, reduction=r, weight=w), LX, LY, ("cpos", (N, K)))
    case(f"bce_logits_{r}", lambda T, F, a, b, r=r: F.binary_cross_entropy_with_logits(
        a, b, reduction=r), LX, ("bin", (N, K)))
    case(f"bce_logits_pw_{r}", lambda T, F, a, b, w, r=r: F.binary_cross_entropy_with_logits(
        a, b, reduction=r, pos_weight=w), LX, ("bin", (N, K)), ("cpos", (K,)))
    case(f"smooth_l1_{r}", lambda T, F, a, b, r=r: F.smooth_l1_loss(a, b, reduction=r), LX, LY)
    case(f"smooth_l1_beta0_{r}", lambda T, F, a, b, r=r: F.smooth_l1_loss(
        a, b, reduction=r, beta=0.0), LX, LY)
    case(f"huber_{r}", lambda T, F, a, b, r=r: F.huber_loss(a, b, reduction=r, delta=0.7),
         LX, LY)
    case(f"kl_div_{r}", lambda T, F, a, p, r=r: F.kl_div(a, p, reduction=r), LX, ("unit", (N, K)))
    case(f"kl_div_logt_{r}", lambda T, F, a, p, r=r: F.kl_div(a, p, reduction=r,
                                                              log_target=True), LX, LY)
    case(f"poisson_nll_{r}", lambda T, F, a, t, r=r: F.poisson_nll_loss(a, t, reduction=r),
         LX, ("pos", (N, K)))
    case(f"poisson_nll_full_{r}", lambda T, F, a, t, r=r: F.poisson_nll_loss(
        a, t, log_input=False, full=True, reduction=r), ("pos", (N, K)), ("pos", (N, K)))
    case(f"gaussian_nll_{r}", lambda T, F, a, b, v, r=r: F.gaussian_nll_loss(a, b, v,
                                                                            reduction=r),
         LX, LY, ("pos", (N, K)))
    case(f"cosine_embedding_{r}", lambda T, F, a, b, y, r=r: F.cosine_embedding_loss(
        a, b, y, margin=0.1, reduction=r), LX, LY, ("sign", (N,)))
    case(f"hinge_embedding_{r}", lambda T, F, a, y, r=r: F.hinge_embedding_loss(
        a, y, reduction=r), LX, ("sign", (N, K)))
    case(f"margin_ranking_{r}", lambda T, F, a, b, y, r=r: F.margin_ranking_loss(
        a, b, y, reduction=r, margin=0.1), ("x", (N,)), ("x", (N,)), ("sign", (N,)))
    case(f"multilabel_margin_{r}", lambda T, F, a, t, r=r: F.multilabel_margin_loss(
        a, t, reduction=r), LX, ("int", (N, K), K))
    case(f"multilabel_soft_margin_{r}", lambda T, F, a, t, r=r: F.multilabel_soft_margin_loss(
        a, t, reduction=r), LX, ("bin", (N, K)))
    case(f"multi_margin_{r}", lambda T, F, a, t, r=r: F.multi_margin_loss(a, t, reduction=r),
         LX, ("int", (N,), K))
    case(f"multi_margin_p2_{r}", lambda T, F, a, t, r=r: F.multi_margin_loss(
        a, t, p=2, margin=0.7, reduction=r), LX, ("int", (N,), K))
    case(f"soft_margin_{r}", lambda T, F, a, y, r=r: F.soft_margin_loss(a, y, reduction=r),
         LX, ("sign", (N, K)))
    case(f"triplet_{r}", lambda T, F, a, p, n, r=r: F.triplet_margin_loss(a, p, n, reduction=r),
         LX, LY, LY)
    case(f"triplet_swap_{r}", lambda T, F, a, p, n, r=r: F.triplet_margin_loss(
        a, p, n, p=1, swap=True, margin=2.0, reduction=r), LX, LY, LY)
    case(f"triplet_dist_{r}", lambda T, F, a, p, n, r=r: F.triplet_margin_with_distance_loss(
        a, p, n, reduction=r), LX, LY, LY)
    case(f"ctc_{r}", lambda T, F, lp, tg, r=r: F.ctc_loss(
        lp.log_softmax(2), tg + 1, T.tensor([6, 5]), T.tensor([3, 2]), reduction=r),
        ("x", (6, 2, 4)), ("int", (2, 3), 3))

loss_modules = {
    "MSELoss": "MSELoss()", "L1Loss": "L1Loss()", "SmoothL1Loss": "SmoothL1Loss()",
    "HuberLoss": "HuberLoss()",
    "KLDivLoss": "KLDivLoss(reduction='batchmean')",
}
for k, expr in loss_modules.items():
    case("module_" + k, lambda T, F, a, b, e=expr: eval("T.nn." + e, {"T": T})(a, b), LX, LY)
case("module_SoftMarginLoss", lambda T, F, a, y: T.nn.SoftMarginLoss()(a, y), LX,
     ("sign", (N, K)))
case("module_CrossEntropyLoss", lambda T, F, a, t: T.nn.CrossEntropyLoss()(a, t), LX,
     ("int", (N,), K))
case("module_NLLLoss", lambda T, F, a, t: T.nn.NLLLoss()(a, t), LX, ("int", (N,), K))
case("module_BCELoss", lambda T, F, a, b: T.nn.BCELoss()(a, b), ("unit", (N, K)),
     ("bin", (N, K)))
case("module_BCEWithLogitsLoss", lambda T, F, a, b: T.nn.BCEWithLogitsLoss()(a, b), LX,
     ("bin", (N, K)))
case("module_PoissonNLLLoss", lambda T, F, a, t: T.nn.PoissonNLLLoss()(a, t), LX, ("pos", (N, K)))
case("module_GaussianNLLLoss", lambda T, F, a, b, v: T.nn.GaussianNLLLoss()(a, b, v), LX, LY,
     ("pos", (N, K)))
case("module_CosineEmbeddingLoss", lambda T, F, a, b, y: T.nn.CosineEmbeddingLoss()(a, b, y),
     LX, LY, ("sign", (N,)))
case("module_HingeEmbeddingLoss", lambda T, F, a, y: T.nn.HingeEmbeddingLoss()(a, y), LX,
     ("sign", (N, K)))
case("module_MarginRankingLoss", lambda T, F, a, b, y: T.nn.MarginRankingLoss()(a, b, y),
     ("x", (N,)), ("x", (N,)), ("sign", (N,)))
case("module_MultiLabelMarginLoss", lambda T, F, a, t: T.nn.MultiLabelMarginLoss()(a, t), LX,
     ("int", (N, K), K))
case("module_MultiLabelSoftMarginLoss",
     lambda T, F, a, t: T.nn.MultiLabelSoftMarginLoss()(a, t), LX, ("bin", (N, K)))
case("module_MultiMarginLoss", lambda T, F, a, t: T.nn.MultiMarginLoss()(a, t), LX,
     ("int", (N,), K))
case("module_TripletMarginLoss", lambda T, F, a, p, n: T.nn.TripletMarginLoss()(a, p, n),
     LX, LY, LY)
case("module_TripletMarginWithDistanceLoss",
     lambda T, F, a, p, n: T.nn.TripletMarginWithDistanceLoss()(a, p, n), LX, LY, LY)
case("module_CTCLoss", lambda T, F, lp, tg: T.nn.CTCLoss()(
    lp.log_softmax(2), tg + 1, T.tensor([6, 5]), T.tensor([3, 2])),
    ("x", (6, 2, 4)), ("int", (2, 3), 3))

# --- in-place ops on a non-leaf ---
IDX = ("int", (4, 6), 4)
inplace_ops = {
    "tril_": (lambda T, F, x: x.clone().tril_(), X),
    "triu_": (lambda T, F, x: x.clone().triu_(1), X),
    "scatter_": (lambda T, F, x, s, i: x.clone().scatter_(0, i, s), X, X, IDX),
    "scatter_value_": (lambda T, F, x, i: x.clone().scatter_(0, i, 2.0), X, IDX),
    "scatter_add_": (lambda T, F, x, s, i: x.clone().scatter_add_(0, i, s), X, X, IDX),
    "scatter_reduce_sum_": (lambda T, F, x, s, i: x.clone().scatter_reduce_(0, i, s, "sum"),
                            X, X, IDX),
    "scatter_reduce_amax_": (lambda T, F, x, s, i: x.clone().scatter_reduce_(
        0, i, s, "amax", include_self=False), X, X, IDX),
    "index_copy_": (lambda T, F, x, s: x.clone().index_copy_(0, T.tensor([2, 0]), s),
                    X, ("x", (2, 6))),
    "index_fill_": (lambda T, F, x: x.clone().index_fill_(1, T.tensor([1, 3]), -1.0), X),
    "index_add_": (lambda T, F, x, s: x.clone().index_add_(0, T.tensor([2, 0]), s, alpha=2),
                   X, ("x", (2, 6))),
    "masked_fill_": (lambda T, F, x, m: x.clone().masked_fill_(m > 0, 0.5), X, C),
    "masked_fill_tensor_": (lambda T, F, x, m, v: x.clone().masked_fill_(m > 0, v.sum()),
                            X, C, ("x", ())),
    "masked_scatter_": (lambda T, F, x, m, s: x.clone().masked_scatter_(m > 0, s), X, C, X),
    "addcmul_": (lambda T, F, x, a, b: x.clone().addcmul_(a, b, value=0.5), X, X, X),
    "addcdiv_": (lambda T, F, x, a, b: x.clone().addcdiv_(a, b, value=0.5), X, X,
                 ("pos", (4, 6))),
    "lerp_": (lambda T, F, x, e: x.clone().lerp_(e, 0.3), X, X),
    "clamp_": (lambda T, F, x: x.clone().clamp_(-0.5, 0.5), X),
    "fill_": (lambda T, F, x: x.clone().fill_(1.0), X),
    "zero_": (lambda T, F, x: x.clone().zero_(), X),
    "exp_": (lambda T, F, x: x.clone().exp_(), X),
    "mul_": (lambda T, F, x, y: x.clone().mul_(y), X, X),
    "put_": (lambda T, F, x, s: x.clone().put_(T.tensor([1, 7]), s), X, ("x", (2,))),
    "index_put_": (lambda T, F, x, s: x.clone().index_put_((T.tensor([1, 3]),), s), X,
                   ("x", (2, 6))),
    "setitem": (lambda T, F, x, s: _setitem(x.clone(), s), X, ("x", (6,))),
    "t_": (lambda T, F, x: x.clone().t_(), X),
    "squeeze_": (lambda T, F, x: x.clone().unsqueeze_(0), X),
    "logit_": (lambda T, F, x: x.clone().logit_(), ("unit", (4, 6))),
    "nan_to_num_": (lambda T, F, x: x.clone().nan_to_num_(), X),
    "copysign_": (lambda T, F, x, y: x.clone().copysign_(y), FAR, C),
    "hypot_": (lambda T, F, x, y: x.clone().hypot_(y), X, X),
    "atan2_": (lambda T, F, x, y: x.clone().atan2_(y), X, X),
    "xlogy_": (lambda T, F, x, y: x.clone().xlogy_(y), X, ("pos", (4, 6))),
    "sinc_": (lambda T, F, x: x.clone().sinc_(), X),
    "digamma_": (lambda T, F, x: x.clone().digamma_(), ("pos", (4, 6))),
    "lgamma_": (lambda T, F, x: x.clone().lgamma_(), ("pos", (4, 6))),
    "erfinv_": (lambda T, F, x: x.clone().erfinv_(), ("unit", (4, 6))),
    "fmod_": (lambda T, F, x: x.clone().fmod_(0.7), X),
    "remainder_": (lambda T, F, x: x.clone().remainder_(0.7), X),
    "heaviside_": (lambda T, F, x, y: x.clone().heaviside_(y), X, C),
    "renorm_": (lambda T, F, x: x.clone().renorm_(2, 0, 1.0), X),
}


def _setitem(x, s):
    x[1] = s
    return x


for k, (f, *specs) in inplace_ops.items():
    case(k, f, *specs)

# --- math and reductions ---
P = ("pos", (4, 6))
math = {
    "logsumexp": (lambda T, F, x: T.logsumexp(x, 1), X),
    "cumprod": (lambda T, F, x: T.cumprod(x, 1), X),
    "cumsum": (lambda T, F, x: T.cumsum(x, 1), X),
    "cummax": (lambda T, F, x: T.cummax(x, 1), X),
    "cummin": (lambda T, F, x: T.cummin(x, 0), X),
    "logcumsumexp": (lambda T, F, x: T.logcumsumexp(x, 1), X),
    "amax": (lambda T, F, x: T.amax(x, 1), X),
    "amin": (lambda T, F, x: T.amin(x, (0, 1)), X),
    "aminmax": (lambda T, F, x: T.aminmax(x, dim=1), X),
    "nansum": (lambda T, F, x: T.nansum(x, 1), X),
    "nanmean": (lambda T, F, x: T.nanmean(x, 1), X),
    "prod_dim": (lambda T, F, x: T.prod(x, 1), X),
    "prod": (lambda T, F, x: T.prod(x), X),
    "median_dim": (lambda T, F, x: T.median(x, 1), X),
    "median": (lambda T, F, x: T.median(x), X),
    "nanmedian_dim": (lambda T, F, x: T.nanmedian(x, 1), X),
    "nanmedian": (lambda T, F, x: T.nanmedian(x), X),
    "mode": (lambda T, F, x: T.mode(x, 1), X),
    "kthvalue": (lambda T, F, x: T.kthvalue(x, 2, 1), X),
    "quantile": (lambda T, F, x: T.quantile(x, 0.3, dim=1), X),
    "quantile_all": (lambda T, F, x: T.quantile(x, 0.3), X),
    "nanquantile": (lambda T, F, x: T.nanquantile(x, 0.3, dim=1), X),
    "std_mean": (lambda T, F, x: T.std_mean(x, 1), X),
    "var_mean": (lambda T, F, x: T.var_mean(x, 1), X),
    "std_mean_mean": (lambda T, F, x: T.std_mean(x, 1)[1], X),
    "std": (lambda T, F, x: T.std(x, 1), X),
    "var": (lambda T, F, x: T.var(x), X),
    "norm": (lambda T, F, x: T.norm(x), X),
    "norm_p1_dim": (lambda T, F, x: T.norm(x, 1, 1), X),
    "norm_fro": (lambda T, F, x: T.norm(x, "fro"), X),
    "norm_nuc": (lambda T, F, x: T.norm(x, "nuc"), X),
    "norm_inf": (lambda T, F, x: x.norm(float("inf")), X),
    "vector_norm": (lambda T, F, x: T.linalg.vector_norm(x), X),
    "vector_norm_p3": (lambda T, F, x: T.linalg.vector_norm(x, 3, dim=1), X),
    "vector_norm_inf": (lambda T, F, x: T.linalg.vector_norm(x, float("inf"), dim=1), X),
    "vector_norm_0": (lambda T, F, x: T.linalg.vector_norm(x, 0), X),
    "matrix_norm": (lambda T, F, x: T.linalg.matrix_norm(x), X),
    "matrix_norm_nuc": (lambda T, F, x: T.linalg.matrix_norm(x, "nuc"), X),
    "matrix_norm_2": (lambda T, F, x: T.linalg.matrix_norm(x, 2), X),
    "matrix_norm_1": (lambda T, F, x: T.linalg.matrix_norm(x, 1), X),
    "matrix_norm_inf": (lambda T, F, x: T.linalg.matrix_norm(x, float("inf")), X),
    "linalg_norm": (lambda T, F, x: T.linalg.norm(x), X),
    "diff": (lambda T, F, x: T.diff(x, dim=1), X),
    "diff_n2": (lambda T, F, x: T.diff(x, 2, 0), X),
    "lerp": (lambda T, F, x, e: T.lerp(x, e, 0.3), X, X),
    "lerp_tensor": (lambda T, F, x, e, w: T.lerp(x, e, w), X, X, X),
    "addcmul": (lambda T, F, x, a, b: T.addcmul(x, a, b, value=0.5), X, X, X),
    "addcdiv": (lambda T, F, x, a, b: T.addcdiv(x, a, b, value=0.5), X, X, P),
    "addmv": (lambda T, F, v, m, w: T.addmv(v, m, w), ("x", (4,)), X, ("x", (6,))),
    "addbmm": (lambda T, F, m, a, b: T.addbmm(m, a, b), ("x", (3, 4)), ("x", (2, 3, 5)),
               ("x", (2, 5, 4))),
    "baddbmm": (lambda T, F, m, a, b: T.baddbmm(m, a, b), ("x", (2, 3, 4)), ("x", (2, 3, 5)),
                ("x", (2, 5, 4))),
    "addr": (lambda T, F, m, a, b: T.addr(m, a, b), ("x", (3, 4)), ("x", (3,)), ("x", (4,))),
    "mv": (lambda T, F, m, v: T.mv(m, v), X, ("x", (6,))),
    "outer": (lambda T, F, a, b: T.outer(a, b), ("x", (3,)), ("x", (4,))),
    "inner": (lambda T, F, a, b: T.inner(a, b), X, ("x", (3, 6))),
    "kron": (lambda T, F, a, b: T.kron(a, b), ("x", (2, 3)), ("x", (3, 2))),
    "tensordot": (lambda T, F, a, b: T.tensordot(a, b, 1), X, ("x", (6, 3))),
    "cross": (lambda T, F, a, b: T.cross(a, b, dim=1), ("x", (4, 3)), ("x", (4, 3))),
    "linalg_cross": (lambda T, F, a, b: T.linalg.cross(a, b), ("x", (4, 3)), ("x", (4, 3))),
    "cdist": (lambda T, F, a, b: T.cdist(a, b), X, ("x", (3, 6))),
    "cdist_p1": (lambda T, F, a, b: T.cdist(a, b, 1.0), X, ("x", (3, 6))),
    "dist": (lambda T, F, a, b: T.dist(a, b), X, X),
    "dist_p3": (lambda T, F, a, b: T.dist(a, b, 3), X, X),
    "logaddexp": (lambda T, F, a, b: T.logaddexp(a, b), X, X),
    "logaddexp2": (lambda T, F, a, b: T.logaddexp2(a, b), X, X),
    "logit": (lambda T, F, x: T.logit(x), ("unit", (4, 6))),
    "logit_eps": (lambda T, F, x: T.logit(x, 0.1), ("unit", (4, 6))),
    "xlogy": (lambda T, F, a, b: T.xlogy(a, b), X, P),
    "special_xlog1py": (lambda T, F, a, b: T.special.xlog1py(a, b), X, P),
    "erfinv": (lambda T, F, x: T.erfinv(x), ("unit", (4, 6))),
    "erf": (lambda T, F, x: T.erf(x), X),
    "i0": (lambda T, F, x: T.i0(x), X),
    "nan_to_num": (lambda T, F, x: T.nan_to_num(x), X),
    "heaviside": (lambda T, F, a, b: T.heaviside(a, b), X, C),
    "sgn": (lambda T, F, x: T.sgn(x), X),
    "fix": (lambda T, F, x: T.fix(x), X),
    "positive": (lambda T, F, x: T.positive(x), X),
    "lgamma": (lambda T, F, x: T.lgamma(x), P),
    "digamma": (lambda T, F, x: T.digamma(x), P),
    "trace": (lambda T, F, x: T.trace(x), X),
    "msort": (lambda T, F, x: T.msort(x), X),
    "clamp_tensor": (lambda T, F, x, lo: T.clamp(x, lo), X, C),
    "flip": (lambda T, F, x: T.flip(x, (0,)), X),
    "roll": (lambda T, F, x: T.roll(x, 1, 1), X),
    "rot90": (lambda T, F, x: T.rot90(x), X),
    "trapezoid": (lambda T, F, x: T.trapezoid(x), X),
    "logdet": (lambda T, F, x: T.logdet(x @ x.mT + T.eye(4, dtype=T.float64)), X),
    "take_along_dim": (lambda T, F, x, i: T.take_along_dim(x, i, 0), X, IDX),
    "take": (lambda T, F, x: T.take(x, T.tensor([0, 5, 7])), X),
    "masked_select": (lambda T, F, x, m: T.masked_select(x, m > 0), X, C),
    "repeat_interleave": (lambda T, F, x: T.repeat_interleave(x, 2, 0), X),
    "tile": (lambda T, F, x: T.tile(x, (2, 1)), X),
    "diag_embed": (lambda T, F, x: T.diag_embed(x), X),
    "diagflat": (lambda T, F, x: T.diagflat(x), ("x", (3,))),
    "tril": (lambda T, F, x: T.tril(x), X),
    "index_add": (lambda T, F, x, s: T.index_add(x, 0, T.tensor([2, 0]), s), X, ("x", (2, 6))),
    "scatter_reduce": (lambda T, F, x, s, i: T.scatter_reduce(x, 0, i, s, "prod"), X, X, IDX),
    "masked_scatter": (lambda T, F, x, m, s: T.masked_scatter(x, m > 0, s), X, C, X),
    "polygamma": (lambda T, F, x: T.polygamma(1, x), P),
    "mvlgamma": (lambda T, F, x: T.mvlgamma(x + 2, 2), P),
    "frac": (lambda T, F, x: T.frac(x), X),
    "float_power": (lambda T, F, x: T.float_power(x, 2), X),
    "cummax_values": (lambda T, F, x: T.cummax(x, 1).values, X),
}
for k, (f, *specs) in math.items():
    case(k, f, *specs)


def survey(torch_mod, lite_mod, show_all=False):
    """Print the rows and return the ids whose names differ (or fail under one library)."""
    bad = []
    for c in CASES:
        row = []
        for T in (torch_mod, lite_mod):
            try:
                row.append(names(run(T, c)[0]))
            except Exception as e:  # noqa: BLE001 (a survey: report and go on)
                row.append((f"!{type(e).__name__}: {str(e)[:60]}", ()))
        same = row[0][0] == row[1][0]
        if not same:
            bad.append(c[0])
        if show_all or not same:
            print(f"{'  ' if same else '!!'} {c[0]:32s} torch={row[0][0]} {row[0][1]}\n"
                  f"   {'':32s} lite ={row[1][0]} {row[1][1]}")
    return bad


if __name__ == "__main__":
    import sys

    import torch

    import pytorchlite

    bad = survey(torch, pytorchlite, "-a" in sys.argv)
    print(f"{len(bad)} of {len(CASES)} cases differ")
