"""Vision layer modules: reprs, defaults and state, training / evaluation behaviour, dropout
streams, errors (type and message as PyTorch's) and memory formats."""
import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn as nn
import pytorchlite.nn.functional as F

try:
    import torch as real_torch
except ImportError:
    real_torch = None

needs_torch = pytest.mark.skipif(real_torch is None, reason="needs PyTorch as the oracle")

MODULES = [
    "GroupNorm(2, 4)", "GroupNorm(3, 6, eps=1e-3, affine=False)", "InstanceNorm1d(3)",
    "InstanceNorm2d(3, affine=True, track_running_stats=True)", "InstanceNorm3d(4, momentum=None)",
    "LocalResponseNorm(3)", "LocalResponseNorm(2, alpha=0.1, beta=0.5, k=2.0)", "BatchNorm3d(4)",
    "BatchNorm3d(4, momentum=None, track_running_stats=False)", "Dropout3d()", "AlphaDropout(0.2)",
    "FeatureAlphaDropout(0.3, inplace=True)", "MaxUnpool2d(2)", "MaxUnpool2d((2, 3), 1, 1)",
    "MaxUnpool1d(3, 2)", "AdaptiveMaxPool2d((3, None))", "AdaptiveMaxPool2d(4, return_indices=True)",
    "AdaptiveMaxPool1d(3, True)", "LPPool2d(2, 3)", "LPPool2d(1.5, (2, 3), stride=2, ceil_mode=True)",
    "LPPool1d(3, 2)", "ZeroPad1d(2)", "ZeroPad2d((1, 2, 3, 4))", "ZeroPad3d(1)",
    "ConstantPad1d((1, 2), 3.5)", "ConstantPad2d(1, -1)", "ConstantPad3d((1, 2, 0, 1, 2, 0), 0.5)",
    "ReflectionPad1d(2)", "ReflectionPad2d((1, 2, 2, 1))", "ReflectionPad3d(1)",
    "ReplicationPad1d((0, 3))", "ReplicationPad2d(2)", "ReplicationPad3d((1, 0, 0, 1, 1, 1))",
    "CircularPad1d(2)", "CircularPad2d((1, 2, 0, 1))", "CircularPad3d(1)",
    "Upsample(scale_factor=2)", "Upsample(size=(3, 4), mode='bilinear')",
    "Upsample(scale_factor=(2, 3), mode='bicubic', align_corners=True)",
    "UpsamplingNearest2d(scale_factor=2)", "UpsamplingBilinear2d(size=5)", "PixelShuffle(2)",
    "PixelUnshuffle(3)", "ChannelShuffle(2)", "Fold((4, 5), 2)", "Fold(output_size=6, kernel_size=(2, 3), stride=2)",
    "Unfold(3, padding=1)", "Unfold((2, 3), dilation=2, stride=(1, 2))",
]


@needs_torch
@pytest.mark.parametrize("spec", MODULES)
def test_repr_and_state_as_torch(spec):
    mine, ref = eval("nn." + spec), eval("real_torch.nn." + spec)
    assert repr(mine) == repr(ref)
    mine_sd, ref_sd = mine.state_dict(), ref.state_dict()
    assert list(mine_sd) == list(ref_sd)
    for k in ref_sd:
        np.testing.assert_array_equal(mine_sd[k].numpy(), ref_sd[k].numpy())
        assert str(mine_sd[k].dtype) == str(ref_sd[k].dtype)


def test_reprs_without_torch():
    assert repr(nn.GroupNorm(2, 4)) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    assert repr(nn.InstanceNorm2d(3)) == ("InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, "
                                          "bias=False, track_running_stats=False)")
    assert repr(nn.ZeroPad2d(2)) == "ZeroPad2d((2, 2, 2, 2))"
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.PixelShuffle(2)) == "PixelShuffle(upscale_factor=2)"
    assert nn.GroupNorm(2, 4).weight.tolist() == [1.0] * 4
    assert nn.InstanceNorm1d(3).running_mean is None


def _run_both(spec, shape, steps=3, seed=0, train=True, grad=True):
    """Feeds the same inputs to the module in both libraries; returns max output difference
    and asserts equal state and input gradients."""
    rng = np.random.default_rng(seed)
    mine, ref = eval("nn." + spec), eval("real_torch.nn." + spec)
    mine.train(train), ref.train(train)
    for _ in range(steps):
        a = rng.standard_normal(shape)
        x_m, x_t = torch.tensor(a, requires_grad=grad), real_torch.tensor(a, requires_grad=grad)
        mine.double(), ref.double()
        y_m, y_t = mine(x_m), ref(x_t)
        np.testing.assert_allclose(y_m.detach().numpy(), y_t.detach().numpy(), rtol=1e-9,
                                   atol=1e-10)
        if grad:
            w = rng.standard_normal(tuple(y_t.shape))
            (y_m * torch.tensor(w)).sum().backward()
            (y_t * real_torch.tensor(w)).sum().backward()
            np.testing.assert_allclose(x_m.grad.numpy(), x_t.grad.numpy(), rtol=1e-9, atol=1e-10)
    for k, v in ref.state_dict().items():
        np.testing.assert_allclose(mine.state_dict()[k].numpy(), v.numpy(), rtol=1e-10)
    for (name, p_m), (_, p_t) in zip(mine.named_parameters(), ref.named_parameters()):
        np.testing.assert_allclose(p_m.grad.numpy(), p_t.grad.numpy(), rtol=1e-9, atol=1e-10)


@needs_torch
@pytest.mark.parametrize("spec,shape", [
    ("GroupNorm(3, 6)", (2, 6, 4, 3)), ("GroupNorm(2, 4, affine=False)", (3, 4, 5)),
    ("InstanceNorm1d(3)", (2, 3, 7)), ("InstanceNorm1d(3)", (3, 7)),
    ("InstanceNorm2d(3, affine=True, track_running_stats=True)", (4, 3, 5, 3)),
    ("InstanceNorm2d(3, track_running_stats=True, momentum=None)", (3, 5, 3)),
    ("InstanceNorm3d(2, affine=True)", (2, 2, 3, 4, 2)),
    ("BatchNorm3d(3)", (2, 3, 3, 4, 2)), ("BatchNorm3d(3, momentum=None)", (2, 3, 2, 2, 2)),
    ("BatchNorm2d(3, track_running_stats=False)", (4, 3, 2, 2)),
    ("BatchNorm1d(3, momentum=None)", (5, 3)),
    ("LocalResponseNorm(3)", (2, 5, 4, 4)), ("LPPool2d(2, 2)", (2, 3, 6, 6)),
    ("AdaptiveMaxPool2d((2, 3))", (2, 3, 7, 8)), ("ZeroPad2d((1, 2, 0, 3))", (2, 3, 4, 4)),
    ("ConstantPad3d(1, 2.5)", (1, 2, 2, 3, 2)), ("ReflectionPad2d((1, 2, 2, 1))", (2, 3, 4, 4)),
    ("ReplicationPad3d((1, 0, 0, 2, 1, 1))", (1, 2, 3, 3, 3)), ("CircularPad2d(1)", (2, 3, 4, 4)),
    ("Upsample(scale_factor=2, mode='bilinear')", (2, 3, 4, 5)),
    ("UpsamplingBilinear2d(scale_factor=2)", (2, 3, 4, 5)),
    ("UpsamplingNearest2d(size=(5, 7))", (2, 3, 4, 5)), ("PixelShuffle(2)", (2, 8, 3, 3)),
    ("PixelUnshuffle(2)", (2, 2, 4, 6)), ("ChannelShuffle(3)", (2, 6, 2, 2)),
    ("ChannelShuffle(2)", (2, 4, 3)), ("Unfold(2, stride=2)", (2, 3, 4, 6)),
    ("Fold((4, 6), 2, stride=2)", (2, 12, 6)),
])
def test_module_forward_backward_state_as_torch(spec, shape):
    _run_both(spec, shape)
    if "Norm" in spec:
        _run_both(spec, shape, train=False)


@needs_torch
@pytest.mark.parametrize("name,shape", [("Dropout3d", (2, 3, 2, 2, 2)), ("Dropout3d", (3, 2, 2, 2)),
                                        ("AlphaDropout", (4, 5, 3)),
                                        ("FeatureAlphaDropout", (3, 4, 2, 2)),
                                        ("AlphaDropout", (7,))])
@pytest.mark.parametrize("p", [0.2, 0.5, 1.0])
def test_dropout_streams_bit_for_bit(name, shape, p):
    a = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    torch.manual_seed(11), real_torch.manual_seed(11)
    mine, ref = getattr(nn, name)(p), getattr(real_torch.nn, name)(p)
    for _ in range(2):
        np.testing.assert_array_equal(mine(torch.tensor(a)).numpy(), ref(real_torch.tensor(a)).numpy())
    mine.eval()
    assert mine(torch.tensor(a)).tolist() == torch.tensor(a).tolist()
    # the stream advanced the same way: the next draw still agrees
    assert torch.rand(3).tolist() == real_torch.rand(3).tolist()


@needs_torch
def test_functional_dropout_inplace_and_flags():
    a = np.random.default_rng(4).standard_normal((2, 3, 4, 4)).astype(np.float32)
    torch.manual_seed(5), real_torch.manual_seed(5)
    for fn in ("alpha_dropout", "feature_alpha_dropout", "dropout3d"):
        x_m, x_t = torch.tensor(a), real_torch.tensor(a)
        kw = {"training": True, "inplace": True}
        out_m = getattr(F, fn)(x_m, 0.4, **kw)
        out_t = getattr(real_torch.nn.functional, fn)(x_t, 0.4, **kw)
        np.testing.assert_array_equal(x_m.numpy(), x_t.numpy())
        np.testing.assert_array_equal(out_m.numpy(), out_t.numpy())
    assert F.alpha_dropout(torch.ones(3)).tolist() == [1.0] * 3  # training=False by default


def test_alpha_dropout_keeps_moments():
    torch.manual_seed(0)
    x = torch.randn(200000)
    y = F.alpha_dropout(x, 0.3, training=True)
    assert abs(y.mean().item()) < 0.02 and abs(y.std().item() - 1) < 0.02
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * 0.3 + 1) * 0.7)
    dropped = np.isclose(y.numpy(), alpha * a * (0.3 - 1), rtol=1e-6)
    kept = torch.tensor(~dropped)
    assert 0.66 < kept.float().mean().item() < 0.74


BAD_CALLS = [
    "F.pixel_shuffle(lib.zeros(2, 3), 2)", "F.pixel_shuffle(lib.zeros(1, 5, 2, 2), 2)",
    "F.pixel_shuffle(lib.zeros(1, 4, 2, 2), 0)", "F.pixel_unshuffle(lib.zeros(1, 1, 3, 4), 2)",
    "F.pixel_unshuffle(lib.zeros(1, 1, 4, 3), 2)", "F.group_norm(lib.zeros(2, 5, 3), 2)",
    "F.group_norm(lib.zeros(3), 1)", "F.group_norm(lib.zeros(1, 4), 4)",
    "F.group_norm(lib.zeros(2, 4, 3), 2, lib.ones(3))", "nn.GroupNorm(3, 4)",
    "F.instance_norm(lib.zeros(2, 3, 1))", "nn.InstanceNorm2d(3)(lib.zeros(2, 3))",
    "nn.InstanceNorm2d(3, affine=True)(lib.zeros(2, 4, 2, 2))", "nn.BatchNorm3d(3)(lib.zeros(2, 3, 2, 2))",
    "F.local_response_norm(lib.zeros(2, 3), 2)", "F.unfold(lib.zeros(2, 3), 2)",
    "F.unfold(lib.zeros(1, 1, 2, 2), 3)", "F.fold(lib.zeros(1, 5, 4), (3, 3), 2)",
    "F.fold(lib.zeros(1, 4, 5), (3, 3), 2)", "F.fold(lib.zeros(4), (3, 3), 2)", "F.unfold(lib.zeros(3), 2)",
    "F.unfold(lib.zeros(1, 2, 3, 4, 5), 2)", "F.fold(lib.zeros(1, 2, 3, 4), 3, 2)",
    "F.adaptive_max_pool1d(lib.zeros(2, 3, 4, 5), 2)", "F.adaptive_max_pool2d(lib.zeros(2, 0, 4), 2)",
    "F.max_unpool2d(lib.zeros(2, 2), lib.zeros(2, 2, dtype=lib.int64), 2)",
    "F.pixel_shuffle(lib.zeros(1, 4, 2, 2), 2.0)", "F.group_norm(lib.zeros(2, 4, 3), 0)",
    "F.interpolate(lib.zeros(1, 1, 5, 4, 3), size=(3, 0, 1))",
    "F.adaptive_max_pool2d(lib.zeros(2, 3), 2)", "F.adaptive_max_pool1d(lib.zeros(2), 2)",
    "F.max_unpool2d(lib.zeros(1, 1, 2, 2), lib.zeros(1, 1, 2, 2, dtype=lib.int64), 2, output_size=(9, 9))",
    "F.max_unpool2d(lib.zeros(1, 1, 2, 2), lib.zeros(1, 1, 2, 2, dtype=lib.int64), 2, output_size=(1, 2, 3))",
    "F.max_unpool2d(lib.zeros(1, 1, 2, 2), lib.full((1, 1, 2, 2), 40, dtype=lib.int64), 2)",
    "F.dropout3d(lib.zeros(2, 3), 1.5)", "F.alpha_dropout(lib.zeros(2), -0.1)",
    "F.feature_alpha_dropout(lib.zeros(3), 0.5, True)", "nn.CircularPad2d(1)(lib.zeros(2, 2))",
    "F.interpolate(lib.zeros(1, 1, 5), scale_factor=2, mode='bilinear')",
    "F.interpolate(lib.zeros(1, 1, 5, 5), scale_factor=2, mode='trilinear')",
    "F.interpolate(lib.zeros(1, 1, 5), size=0)", "F.interpolate(lib.zeros(1, 1, 5, 4), size=(3, 0))",
    "F.interpolate(lib.zeros(1, 1, 5), size=3, align_corners=False)",
    "F.interpolate(lib.zeros(1, 1, 5), size=(3, 3))", "F.interpolate(lib.zeros(1, 1, 5), (3.5,))",
    "F.interpolate(lib.zeros(1, 1, 4, 4), scale_factor=(2, 2, 2))",
    "F.interpolate(lib.zeros(1, 1, 5), scale_factor=2, antialias=True)",
    "F.channel_shuffle(lib.zeros(2, 4), 2)", "F.channel_shuffle(lib.zeros(2, 4, 3), 0)",
    "F.channel_shuffle(lib.zeros(2, 5, 3), 2)", "F.channel_shuffle(1, 2)",
    "F.channel_shuffle(lib.zeros(2, 4, 3), 2.0)",
    "F.interpolate(lib.zeros(2, 3), size=2)", "F.interpolate(lib.zeros(1, 1, 4, 4), 2, mode='lanczos')",
    "F.interpolate(lib.zeros(1, 1, 4, 4), 2, mode='lanczos', align_corners=True, antialias=True)",
    "F.interpolate(lib.zeros(1, 1, 4), 2, mode='lanczos')",
    "F.interpolate(lib.zeros(1, 1, 4), 2, mode='lanczos', antialias=True)",
    "F.interpolate(lib.zeros(1, 1, 4, 4), 2, mode='bogus')", "F.interpolate(lib.arange(6).reshape(1, 1, 6), 3)",
    "F.interpolate(lib.arange(6).reshape(1, 1, 6), 3, mode='linear')",
    "F.interpolate(lib.arange(6).reshape(1, 1, 1, 6), 3, mode='bilinear')",
    "F.interpolate(lib.ones(1, 1, 2, 6).bool(), 3, mode='bicubic')",
    "lib.zeros(2, 3).contiguous(memory_format=lib.channels_last)",
    "lib.zeros(2, 3, 4, 5).to(memory_format=lib.channels_last_3d)",
    "lib.zeros(2, 3).is_contiguous(memory_format=1)",
]


@needs_torch
@pytest.mark.parametrize("call", BAD_CALLS)
def test_errors_as_torch(call):
    outcomes = []
    for lib, nn_, F_ in ((torch, nn, F), (real_torch, real_torch.nn, real_torch.nn.functional)):
        try:
            eval(call, {"lib": lib, "nn": nn_, "F": F_})
            outcomes.append(None)
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            outcomes.append((type(e).__name__, str(e).split("\n")[0]))
    assert outcomes[1] is not None, "PyTorch accepts this call"
    assert outcomes[0] == outcomes[1]


# ----------------------------------------------------------------- memory formats
def test_memory_format_objects():
    assert repr(torch.channels_last) == "torch.channels_last"
    assert str(torch.contiguous_format) == "torch.contiguous_format"
    assert isinstance(torch.preserve_format, torch.memory_format)
    import pickle
    assert pickle.loads(pickle.dumps(torch.channels_last)) is torch.channels_last


def test_channels_last_strides_and_values():
    x = torch.arange(120.0).reshape(2, 3, 4, 5)
    y = x.contiguous(memory_format=torch.channels_last)
    assert y.stride() == (60, 1, 15, 3)
    assert not y.is_contiguous() and y.is_contiguous(memory_format=torch.channels_last)
    assert y.tolist() == x.tolist()
    assert y.contiguous(memory_format=torch.channels_last) is y
    assert y.clone().stride() == (60, 1, 15, 3)
    for copy in (y.clone(), y.clone(memory_format=torch.channels_last),
                 x.clone(memory_format=torch.channels_last), y.clone(memory_format=torch.contiguous_format)):
        assert copy.data_ptr() != y.data_ptr() and copy.data_ptr() != x.data_ptr()
        copy.zero_()
    assert y.tolist() == x.tolist() and x.sum().item() == 7140.0
    assert y.clone(memory_format=torch.contiguous_format).stride() == (60, 20, 5, 1)
    assert y.to(torch.float64).stride() == (60, 1, 15, 3)
    assert y.contiguous().stride() == (60, 20, 5, 1)
    z = torch.zeros(1, 2, 3, 4, 5).to(memory_format=torch.channels_last_3d)
    assert z.stride() == (120, 1, 40, 10, 2)
    # a single channel is already channels-last: returned as it is, as PyTorch does
    one = torch.zeros(2, 1, 4, 5)
    assert one.contiguous(memory_format=torch.channels_last) is one


def test_module_to_channels_last_keeps_results():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Upsample(scale_factor=2, mode="bilinear"),
                        nn.GroupNorm(2, 4), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1))
    x = torch.randn(2, 3, 8, 8)
    ref = net(x).detach().numpy()
    net.to(memory_format=torch.channels_last)
    w = net[0].weight
    assert w.is_contiguous(memory_format=torch.channels_last) and w.stride() == (27, 1, 9, 3)
    assert net[0].bias.stride() == (1,)
    out = net(x.contiguous(memory_format=torch.channels_last))
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-5, atol=1e-6)


@needs_torch
def test_channels_last_through_layers_as_torch(rng):
    a = rng.standard_normal((2, 4, 6, 6)).astype(np.float32)
    x_m = torch.tensor(a).contiguous(memory_format=torch.channels_last).requires_grad_()
    x_t = real_torch.tensor(a).contiguous(memory_format=real_torch.channels_last).requires_grad_()
    calls = ["F.max_pool2d(x, 2)", "F.avg_pool2d(x, 3, 1, 1)", "F.adaptive_avg_pool2d(x, 3)",
             "F.adaptive_max_pool2d(x, 4)", "F.interpolate(x, scale_factor=1.5, mode='bicubic')",
             "F.group_norm(x, 2)", "F.instance_norm(x)", "F.pixel_shuffle(x, 2)",
             "F.unfold(x, 3)", "F.pad(x, (1, 1, 2, 0), mode='reflect')",
             "F.conv2d(x, w, padding=1)", "F.batch_norm(x, None, None, training=True)"]
    wa = rng.standard_normal((3, 4, 3, 3)).astype(np.float32)
    for call in calls:
        out_m = eval(call, {"F": F, "x": x_m, "w": torch.tensor(wa)})
        out_t = eval(call, {"F": real_torch.nn.functional, "x": x_t, "w": real_torch.tensor(wa)})
        np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=call)
        out_m.sum().backward(), out_t.sum().backward()
        np.testing.assert_allclose(x_m.grad.numpy(), x_t.grad.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=call)
        x_m.grad, x_t.grad = None, None


def test_like_factories_keep_channels_last():
    x = torch.zeros(2, 3, 4, 5).contiguous(memory_format=torch.channels_last)
    for fn in (torch.zeros_like, torch.ones_like, torch.empty_like):
        assert fn(x).stride() == (60, 1, 15, 3)
        assert fn(x, memory_format=torch.contiguous_format).stride() == (60, 20, 5, 1)
        assert fn(torch.zeros(2, 3, 4, 5), memory_format=torch.channels_last).stride() == (60, 1, 15, 3)
        made = fn(x, requires_grad=True)
        assert made.is_leaf and made.requires_grad
    assert torch.full_like(x, 2.0).stride() == (60, 1, 15, 3)
    assert torch.ones_like(x).tolist() == torch.ones(2, 3, 4, 5).tolist()


@needs_torch
@pytest.mark.parametrize("name", ["dropout", "alpha_dropout", "feature_alpha_dropout",
                                  "dropout2d", "dropout3d"])
def test_dropout_stream_on_channels_last_input(name):
    # PyTorch draws the mask in the input's memory order: a channels-last input gets a
    # channels-last mask, so the zeroed elements differ from those of a row-major input
    shape = (2, 4, 3, 3, 2) if name == "dropout3d" else (2, 4, 3, 3)
    fmt = "channels_last_3d" if name == "dropout3d" else "channels_last"
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    torch.manual_seed(1), real_torch.manual_seed(1)
    mine = getattr(F, name)(torch.tensor(a).contiguous(memory_format=getattr(torch, fmt)), 0.5,
                            True)
    ref = getattr(real_torch.nn.functional, name)(
        real_torch.tensor(a).contiguous(memory_format=getattr(real_torch, fmt)), 0.5, True)
    np.testing.assert_array_equal(mine.numpy(), ref.numpy())


def test_empty_channels_last():
    assert torch.empty(2, 3, 4, 5, memory_format=torch.channels_last).stride() == (60, 1, 15, 3)
    z = torch.empty((1, 2, 3, 4, 5), memory_format=torch.channels_last_3d)
    assert z.stride() == (120, 1, 40, 10, 2)
    leaf = torch.empty(2, 3, 4, 5, memory_format=torch.channels_last, requires_grad=True)
    assert leaf.is_leaf and leaf.requires_grad
    assert torch.empty(2, 3).stride() == (3, 1)
    with pytest.raises(RuntimeError, match="required rank 4 tensor"):
        torch.empty(2, 3, memory_format=torch.channels_last)
    with pytest.raises(RuntimeError, match="unsupported memory format Preserve"):
        torch.empty(2, 3, 4, 5, memory_format=torch.preserve_format)


@needs_torch
def test_unbatched_channel_dropout_in_place():
    a = np.random.default_rng(2).standard_normal((4, 6)).astype(np.float32)
    for name, shape in (("dropout1d", (4, 6)), ("dropout3d", (4, 2, 3, 1))):
        torch.manual_seed(3), real_torch.manual_seed(3)
        x_m, x_t = torch.tensor(a.reshape(shape)), real_torch.tensor(a.reshape(shape))
        out_m = getattr(F, name)(x_m, 0.5, True, inplace=True)
        out_t = getattr(real_torch.nn.functional, name)(x_t, 0.5, True, inplace=True)
        np.testing.assert_array_equal(x_m.numpy(), x_t.numpy())
        np.testing.assert_array_equal(out_m.numpy(), out_t.numpy())
        assert tuple(out_m.shape) == shape
