import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(123)
n = 300
X = torch.randn(n, 2)
y = ((X[:, 0] > 0).long() + (X[:, 1] > 0).long())
dataset = TensorDataset(X, y)
train_ds, val_ds = torch.utils.data.random_split(dataset, [240, 60])
train_loader = DataLoader(train_ds, batch_size=32, shuffle=True)
val_loader = DataLoader(val_ds, batch_size=60)

model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for epoch in range(5):
    model.train()
    total, correct, running = 0, 0, 0.0
    for xb, yb in train_loader:
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running += loss.item() * xb.size(0)
        correct += (logits.argmax(dim=1) == yb).sum().item()
        total += yb.size(0)
    model.eval()
    with torch.no_grad():
        xv, yv = next(iter(val_loader))
        out = model(xv)
        val_acc = (out.argmax(1) == yv).float().mean().item()
    print(f"epoch {epoch + 1}: loss {running / total:.4f} train acc {correct / total:.3f} "
          f"val acc {val_acc:.3f}")
probs = F.softmax(model(X[:3]), dim=1)
print(probs)
print(probs.argmax(dim=1), y[:3])
_, predicted = torch.max(model(X[:5]).data, 1)
print(predicted)
