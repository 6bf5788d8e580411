"""Workload: the guide's training loop, time per epoch and the process's peak memory.

A 2 -> 4 -> 1 MLP (Linear, relu, Linear), MSELoss, SGD lr=0.01, and a shuffling DataLoader over a
TensorDataset of 100 samples in batches of 10: ten steps per epoch.
"""
import importlib

import _common

name, quick = _common.parse_args()
torch = importlib.import_module(name)
nn = importlib.import_module(name + ".nn")
optim = importlib.import_module(name + ".optim")
data = importlib.import_module(name + ".utils.data")


class SimpleModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 4)
        self.fc2 = nn.Linear(4, 1)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        return self.fc2(x)


torch.manual_seed(42)
X = torch.rand((100, 2))
y = torch.rand((100, 1))
loader = data.DataLoader(data.TensorDataset(X, y), batch_size=10, shuffle=True)
model = SimpleModel()
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.01)
EPOCHS = 10


def run():
    for _ in range(EPOCHS):
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = criterion(model(inputs), targets)
            loss.backward()
            optimizer.step()


samples = _common.time_per_unit(run, EPOCHS, _common.repeats(15, quick))
_common.emit(torch, samples, max_rss_mib=_common.max_rss_mib())
