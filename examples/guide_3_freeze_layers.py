"""The guide, part 3: freeze a layer by name and check that training leaves it unchanged."""
import torch
import torch.nn as nn

torch.manual_seed(1)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
for name, p in model.named_parameters():
    if name.startswith("0."):
        p.requires_grad = False
for name, p in model.named_parameters():
    print(f"{name}: requires_grad = {p.requires_grad}")

frozen_before = model[0].weight.clone()
optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
x, y = torch.randn(16, 4), torch.randn(16, 1)
for step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    print(f"step {step}: loss={loss.item():.6f}")
print("frozen layer unchanged:", torch.equal(frozen_before, model[0].weight))
print("frozen grad:", model[0].weight.grad)
