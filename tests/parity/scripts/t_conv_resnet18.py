# A ResNet-18 built from examples/resnet.py: its printed structure, parameter count, state_dict
# keys, a train step (BatchNorm batch statistics, in-place residual add and ReLU) and an eval
# forward; grad_fn names of the layers a user inspects.
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples"))
from resnet import resnet18  # noqa: E402

torch.manual_seed(0)
model = resnet18(num_classes=5, zero_init_residual=True)
print(model.layer2)
print(sum(p.numel() for p in model.parameters()))
keys = list(model.state_dict())
print(len(keys), keys[:7], keys[-4:])
x = torch.randn(4, 3, 40, 40)
y = torch.tensor([0, 1, 2, 4])
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for step in range(2):
    opt.zero_grad()
    out = model(x)
    loss = F.cross_entropy(out, y)
    loss.backward()
    opt.step()
    print(step, out.shape, out.grad_fn.name(), f"{loss.item():.3f}")
print(model.conv1(x).grad_fn.name(), model.maxpool(x).grad_fn)
print(model.bn1.num_batches_tracked, model.bn1.running_mean[:3])
print(model.layer1[0].bn2.weight.grad.abs().sum() > 0, model.fc.bias.grad.shape)
model.eval()
with torch.no_grad():
    z = model(x)
print(z.shape, z.argmax(1), z.requires_grad)
