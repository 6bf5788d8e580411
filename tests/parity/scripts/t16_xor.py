import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)
X = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float32)
Y = torch.tensor([[0], [1], [1], [0]], dtype=torch.float32)


class XOR(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 8)
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return torch.sigmoid(self.out(torch.tanh(self.hidden(x))))


model = XOR()
opt = optim.Adam(model.parameters(), lr=0.05)
loss_fn = nn.BCELoss()
for epoch in range(200):
    opt.zero_grad()
    out = model(X)
    loss = loss_fn(out, Y)
    loss.backward()
    opt.step()
    if epoch % 50 == 0:
        print(f"Epoch {epoch}, Loss: {loss.item():.4f}")
with torch.no_grad():
    preds = model(X)
    print(preds)
    print((preds > 0.5).float())
    print(preds.round())
    acc = ((preds > 0.5).float() == Y).float().mean()
    print(f"Accuracy: {acc.item() * 100:.1f}%")
