"""The guide, part 4: record each parameter's mean, std and gradient mean after every epoch."""
import warnings

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

warnings.simplefilter("ignore", UserWarning)  # std() of the one-element bias warns in both

torch.manual_seed(42)
X, y = torch.rand((100, 2)), torch.rand((100, 1))
loader = DataLoader(TensorDataset(X, y), batch_size=10, shuffle=True)
model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

history = {}
for epoch in range(5):
    for inputs, targets in loader:
        optimizer.zero_grad()
        criterion(model(inputs), targets).backward()
        optimizer.step()
    for name, p in model.named_parameters():
        history.setdefault(name, []).append(
            (epoch, p.data.mean().item(), p.data.std().item(), p.grad.mean().item()))

for name, rows in history.items():
    print(f"Parameter: {name}")
    for epoch, mean, std, grad_mean in rows:
        print(f"  Epoch {epoch}: Mean={mean:.6f}, Std={std:.6f}, Grad Mean={grad_mean:.6f}")
print(model[0].weight)
