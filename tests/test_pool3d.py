"""3-D pooling (nn/_functional_pool3d.py) against torch: values, indices, gradients, node
names, module reprs and errors."""
import numpy as np
import pytest

import pytorchlite as pl

torch = pytest.importorskip("torch")

CONFIGS = {
    "max 2": lambda F, x: F.max_pool3d(x, 2),
    "max idx": lambda F, x: F.max_pool3d(x, 3, 2, 1, return_indices=True),
    "max dil ceil": lambda F, x: F.max_pool3d(x, (2, 3, 2), (2, 2, 3), (1, 1, 0),
                                              dilation=(1, 2, 1), ceil_mode=True,
                                              return_indices=True),
    "avg 2": lambda F, x: F.avg_pool3d(x, 2),
    "avg pad": lambda F, x: F.avg_pool3d(x, 3, 2, 1),
    "avg pad exclude": lambda F, x: F.avg_pool3d(x, 3, 2, 1, count_include_pad=False),
    "avg ceil": lambda F, x: F.avg_pool3d(x, 3, 2, 1, ceil_mode=True),
    "avg ceil exclude": lambda F, x: F.avg_pool3d(x, 3, 2, 1, ceil_mode=True,
                                                  count_include_pad=False),
    "avg divisor": lambda F, x: F.avg_pool3d(x, 2, divisor_override=3),
    "adaptive avg": lambda F, x: F.adaptive_avg_pool3d(x, (2, 3, 4)),
    "adaptive avg 1": lambda F, x: F.adaptive_avg_pool3d(x, 1),
    "adaptive avg even": lambda F, x: F.adaptive_avg_pool3d(x, (7, 4, 3)),
    "adaptive max": lambda F, x: F.adaptive_max_pool3d(x, (3, 2, 5), return_indices=True),
    "unbatched": lambda F, x: F.max_pool3d(x[0], 2),
    "unbatched avg": lambda F, x: F.avg_pool3d(x[1], 2, 1),
}


def _run(m, fn):
    gen = np.random.default_rng(0)
    x = m.from_numpy(gen.standard_normal((2, 3, 7, 8, 9)).astype(np.float32)).requires_grad_()
    out = fn(m.nn.functional, x)
    outs = out if isinstance(out, tuple) else (out,)
    outs[0].pow(2).sum().backward()
    return ([o.detach().numpy() for o in outs], x.grad.numpy(), outs[0].grad_fn.name())


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_as_torch(name):
    (ours, og, on), (theirs, tg, tn) = _run(pl, CONFIGS[name]), _run(torch, CONFIGS[name])
    assert on == tn
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(og, tg, rtol=1e-6, atol=1e-6)


def test_modules_and_errors():
    for m in (pl, torch):
        nn = m.nn
        net = nn.Sequential(nn.MaxPool3d(2), nn.AvgPool3d(2, ceil_mode=True),
                            nn.AdaptiveAvgPool3d((1, 1, 1)), nn.AdaptiveMaxPool3d(2, True))
        if m is pl:
            ours = repr(net)
        else:
            assert ours == repr(net)

    def err(m, f):
        with pytest.raises(Exception) as info:
            f(m.nn.functional, m.ones(1, 1, 3, 4, 5))
        return type(info.value).__name__, str(info.value)

    for f in [lambda F, x: F.max_pool3d(x, 4), lambda F, x: F.avg_pool3d(x, 4),
              lambda F, x: F.max_pool3d(x, 2, padding=2),
              lambda F, x: F.avg_pool3d(x, 2, divisor_override=0),
              lambda F, x: F.max_pool3d(x[0, 0, 0], 2)]:
        assert err(pl, f)[0] == err(torch, f)[0]
    assert err(pl, lambda F, x: F.max_pool3d(x, 4)) == err(torch, lambda F, x: F.max_pool3d(x, 4))
    assert err(pl, lambda F, x: F.avg_pool3d(x, 4)) == err(torch, lambda F, x: F.avg_pool3d(x, 4))
