"""Workload: the classic PyTorch MNIST example's training step.

conv 1->32 (3x3), relu, conv 32->64 (3x3), relu, max_pool2d(2), dropout(0.25), flatten
9216->128, relu, dropout(0.5), 128->10, log_softmax + nll_loss; batch 64 of 1x28x28, Adam.
"""
import importlib

import _common

name, quick = _common.parse_args()
torch = importlib.import_module(name)
nn = importlib.import_module(name + ".nn")
F = importlib.import_module(name + ".nn.functional")
optim = importlib.import_module(name + ".optim")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = torch.flatten(self.dropout1(x), 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


torch.manual_seed(0)
images = torch.randn(64, 1, 28, 28)
labels = torch.randint(0, 10, (64,))
model = Net()
optimizer = optim.Adam(model.parameters(), lr=1e-3)
STEPS = 5


def run():
    for _ in range(STEPS):
        optimizer.zero_grad()
        F.nll_loss(model(images), labels).backward()
        optimizer.step()


samples = _common.time_per_unit(run, STEPS, _common.repeats(9, quick))
_common.emit(torch, samples)
