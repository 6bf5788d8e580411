import torch

torch.manual_seed(0)
x = torch.linspace(-1, 1, 50).unsqueeze(1)
y = 3 * x ** 2 - 2 * x + 1 + 0.1 * torch.randn(x.size())
w = torch.randn(3, requires_grad=True)
lr = 0.1
for step in range(100):
    pred = w[0] * x ** 2 + w[1] * x + w[2]
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        w.grad.zero_()
    if step % 20 == 0:
        print(step, loss.item(), w.tolist())
print(w)
print(f"final loss {loss.item():.6f}")
a = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(2.0, requires_grad=True)
c = a * b + b ** 2
c.backward()
print(a.grad, b.grad, c)
