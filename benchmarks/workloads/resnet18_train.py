"""Workload: a ResNet-18 training step (examples/resnet.py, torchvision's layout).

Batch 8 of 3x96x96 images, 1000 classes, cross_entropy, SGD momentum 0.9, weight decay 1e-4;
train mode (BatchNorm batch statistics).
"""
import importlib

import _common
import _resnet

name, quick = _common.parse_args()
torch = importlib.import_module(name)
nn = importlib.import_module(name + ".nn")
F = importlib.import_module(name + ".nn.functional")
optim = importlib.import_module(name + ".optim")

torch.manual_seed(0)
model = _resnet.load(torch, nn).resnet18()
model.train()
images = torch.randn(8, 3, 96, 96)
labels = torch.randint(0, 1000, (8,))
optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
STEPS = 2


def run():
    for _ in range(STEPS):
        optimizer.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()


samples = _common.time_per_unit(run, STEPS, _common.repeats(9, quick))
_common.emit(torch, samples)
