"""Workload: an MNIST-shaped MLP step, 784 -> 256 -> 10 with relu, batch 64, SGD momentum 0.9.

The loss is cross_entropy on class labels; a framework without it uses mse_loss against one-hot
targets instead, and the result says which loss ran.
"""
import importlib

import _common

name, quick = _common.parse_args()
torch = importlib.import_module(name)
nn = importlib.import_module(name + ".nn")
F = importlib.import_module(name + ".nn.functional")
optim = importlib.import_module(name + ".optim")

torch.manual_seed(0)
images = torch.randn(64, 784)
labels = torch.randint(0, 10, (64,))
model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

if hasattr(F, "cross_entropy"):
    loss_name = "cross_entropy"
    target = labels

    def loss_fn(out):
        return F.cross_entropy(out, target)
else:
    loss_name = "mse_loss(one-hot)"
    target = (labels.unsqueeze(1) == torch.arange(10)).float()

    def loss_fn(out):
        return F.mse_loss(out, target)

STEPS = 10


def run():
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss_fn(model(images)).backward()
        optimizer.step()


samples = _common.time_per_unit(run, STEPS, _common.repeats(15, quick))
_common.emit(torch, samples, loss=loss_name)
