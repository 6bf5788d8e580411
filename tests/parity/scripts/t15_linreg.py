import torch
import torch.nn as nn

torch.manual_seed(42)
X = torch.randn(100, 1) * 10
y = X + 3 * torch.randn(100, 1)
model = nn.Linear(1, 1)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
[w, b] = model.parameters()
print(w.item(), b.item())
losses = []
for epoch in range(20):
    y_pred = model(X)
    loss = criterion(y_pred, y)
    losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if epoch % 5 == 0:
        print(f"epoch: {epoch} loss: {loss.item():.4f}")
        print("epoch:", epoch, "loss:", loss.item())
print(f"w={w.item():.4f}, b={b.item():.4f}")
print(model.weight, model.bias)
print(losses[-1])
with torch.no_grad():
    print(model(torch.tensor([[1.0], [2.0]])))
