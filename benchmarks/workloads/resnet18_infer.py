"""Workload: ResNet-18 inference (examples/resnet.py), one 3x224x224 image, eval mode under
no_grad."""
import importlib

import _common
import _resnet

name, quick = _common.parse_args()
torch = importlib.import_module(name)
nn = importlib.import_module(name + ".nn")

torch.manual_seed(0)
model = _resnet.load(torch, nn).resnet18()
model.eval()
image = torch.randn(1, 3, 224, 224)
STEPS = 2


def run():
    with torch.no_grad():
        for _ in range(STEPS):
            model(image)


samples = _common.time_per_unit(run, STEPS, _common.repeats(9, quick))
_common.emit(torch, samples)
