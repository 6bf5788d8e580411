"""examples/resnet.py: ResNet-18 (and 34/50) built from pytorchlite.nn with torchvision's module
names, parameter counts and initialisation; a torchvision-layout state_dict saved by torch.save
loads with strict=True and gives torch's logits in eval mode."""
import importlib.util
import os
import sys

import numpy as np
import pytest

import pytorchlite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "resnet.py")


def load_example(framework):
    """examples/resnet.py imported with `torch` resolving to `framework` (a module)."""
    names = {"torch": framework, "torch.nn": framework.nn}
    saved = {k: sys.modules.get(k) for k in names}
    sys.modules.update(names)
    try:
        spec = importlib.util.spec_from_file_location(f"resnet_{framework.__name__}", EXAMPLE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return module


@pytest.fixture(scope="module")
def lite():
    return load_example(pytorchlite)


def _count(model):
    return sum(p.numel() for p in model.parameters())


def test_parameter_counts(lite):
    assert _count(lite.resnet18()) == 11_689_512
    assert _count(lite.resnet18(num_classes=10)) == 11_689_512 - 990 * 513
    assert _count(lite.resnet34()) == 21_797_672
    assert _count(lite.resnet50()) == 25_557_032


def test_module_structure_and_init(lite):
    pytorchlite.manual_seed(0)
    m = lite.resnet18()
    top = [name for name, _ in m.named_children()]
    assert top == ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4",
                   "avgpool", "fc"]
    assert type(m.layer1[0]).__name__ == "BasicBlock"
    assert m.layer1[0].downsample is None and m.layer2[0].downsample is not None
    assert tuple(m.layer3[0].downsample[0].weight.shape) == (256, 128, 1, 1)
    # kaiming_normal_ fan_out, relu gain: std sqrt(2 / (out_channels * kh * kw))
    w = m.conv1.weight.detach().numpy()
    assert abs(w.std() / np.sqrt(2.0 / (64 * 49)) - 1) < 0.05
    assert abs(w.mean()) < 0.01
    w = m.layer4[1].conv2.weight.detach().numpy()
    assert abs(w.std() / np.sqrt(2.0 / (512 * 9)) - 1) < 0.02
    assert np.all(m.bn1.weight.detach().numpy() == 1) and np.all(m.bn1.bias.detach().numpy() == 0)
    assert np.all(m.layer2[0].bn2.weight.detach().numpy() == 1)
    z = lite.resnet18(zero_init_residual=True)
    assert np.all(z.layer2[0].bn2.weight.detach().numpy() == 0)
    assert np.all(z.layer2[0].bn1.weight.detach().numpy() == 1)
    assert np.all(lite.resnet50(zero_init_residual=True).layer1[0].bn3.weight.detach().numpy() == 0)


def test_forward_shapes_and_identity_blocks(lite):
    pytorchlite.manual_seed(0)
    m = lite.resnet18(num_classes=7, zero_init_residual=True)
    m.eval()
    x = pytorchlite.randn(2, 3, 64, 64)
    with pytorchlite.no_grad():
        assert tuple(m(x).shape) == (2, 7)
        # a zero-initialised residual branch makes a block without downsample relu(identity)
        h = pytorchlite.relu(pytorchlite.randn(2, 64, 16, 16))
        np.testing.assert_array_equal(m.layer1[0](h).numpy(), h.numpy())


# ---------------------------------------------------------------------- against torch


def torch_resnet18(torch):
    """An independent pure-torch ResNet-18 in torchvision's layout (torchvision is not needed)."""
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                                nn.BatchNorm2d(cout))

        def forward(self, x):
            skip = x if self.downsample is None else self.downsample(x)
            return torch.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))) + skip)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU()
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            cin = 64
            for i, cout in enumerate([64, 128, 256, 512]):
                stride = 1 if i == 0 else 2
                setattr(self, f"layer{i + 1}",
                        nn.Sequential(Block(cin, cout, stride), Block(cout, cout, 1)))
                cin = cout
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(512, 1000)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(self.avgpool(x).flatten(1))

    return Net()


@pytest.fixture(scope="module")
def torch_state(tmp_path_factory):
    """(torch module, torch model with trained-looking BatchNorm statistics, its saved file)."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    ref = torch_resnet18(torch)
    with torch.no_grad():  # non-trivial running statistics and affine parameters
        for mod in ref.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.2, 0.2)
                mod.running_var.uniform_(0.5, 2.0)
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
                mod.num_batches_tracked.fill_(7)
    ref.eval()
    path = tmp_path_factory.mktemp("resnet") / "resnet18.pt"
    torch.save(ref.state_dict(), path)
    return torch, ref, path


def test_state_dict_keys_and_shapes_match_torchvision_layout(lite, torch_state):
    torch, ref, _ = torch_state
    ours = lite.resnet18().state_dict()
    theirs = ref.state_dict()
    assert list(ours) == list(theirs)
    assert len(ours) == 122
    for k in theirs:
        assert tuple(ours[k].shape) == tuple(theirs[k].shape), k
        assert str(ours[k].dtype) == str(theirs[k].dtype), k


def test_strict_load_gives_torch_logits_in_eval(lite, torch_state):
    torch, ref, path = torch_state
    model = lite.resnet18()
    result = model.load_state_dict(pytorchlite.load(path), strict=True)
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    assert int(model.layer3[1].bn2.num_batches_tracked) == 7
    model.eval()
    torch.manual_seed(1)
    x = torch.randn(2, 3, 96, 96)
    with torch.no_grad():
        want = ref(x).numpy()
    with pytorchlite.no_grad():
        got = model(pytorchlite.tensor(x.numpy())).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert np.abs(want).max() > 0.1  # the comparison means something


def test_example_under_torch_is_the_same_architecture(lite, torch_state):
    torch, ref, path = torch_state
    tm = load_example(torch).resnet18()
    assert list(tm.state_dict()) == list(ref.state_dict())
    tm.load_state_dict(torch.load(path), strict=True)
    tm.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        np.testing.assert_array_equal(tm(x).numpy(), ref(x).numpy())


# ------------------------------------------------------------- the transfer-learning example


def test_transfer_example_runs_and_freezes_what_it_says():
    import subprocess

    from conftest import child_env

    script = os.path.join(ROOT, "examples", "transfer_resnet18.py")
    result = subprocess.run([sys.executable, "-m", "pytorchlite", "run", script],
                            capture_output=True, text=True, env=child_env(), timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[1:4] == ["  Total parameters: 11,689,512", "  Trainable parameters: 11,689,512",
                        "  Non-trainable parameters: 0"]
    head = 512 * 10 + 10
    backbone = 11_689_512 - 513_000
    layer4 = 8_393_728
    i = out.index("frozen backbone, new head:")
    assert out[i + 1:i + 4] == [f"  Total parameters: {backbone + head:,}",
                                f"  Trainable parameters: {head:,}",
                                f"  Non-trainable parameters: {backbone:,}"]
    i = out.index("layer4 unfrozen:")
    assert out[i + 2] == f"  Trainable parameters: {head + layer4:,}"
    assert f"group 1: lr=0.005 tensors=15 elements={layer4:,}" in out
    assert "backbone unchanged: True" in out and "layer4 changed: True" in out
    assert "conv1 still unchanged: True" in out and "frozen grads: None" in out
    losses = [float(line.split()[-1]) for line in out if " step " in line]
    assert len(losses) == 7 and all(np.isfinite(losses))
    assert out[-2] == "eval logits: (16, 10) training mode: False"
