import torch

a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = a.sigmoid()
c = b * 2
b.mul_(3) if False else None
try:
    d = a.exp()
    d.add_(1)
    d.sum().backward()
    print(a.grad)
except RuntimeError as e:
    print(type(e).__name__, e)
try:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    y.sum().backward()
    print(x.grad)
except RuntimeError as e:
    print(type(e).__name__, e)
try:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    y.sum().backward()
except RuntimeError as e:
    print(type(e).__name__, e)
try:
    leaf = torch.ones(2, requires_grad=True)
    leaf += 1
except RuntimeError as e:
    print(type(e).__name__, e)
w = torch.ones(2, requires_grad=True)
with torch.no_grad():
    w -= 0.1 * torch.ones(2)
print(w, w.requires_grad, w.is_leaf)
w.data.add_(1)
print(w)
v = torch.randn(3, requires_grad=True) if False else torch.tensor([0.5, -0.5, 2.0], requires_grad=True)
out = (v.relu() * v.tanh()).sum()
out.backward()
print(v.grad)
v.grad = None
(v ** 3).mean().backward()
print(v.grad)
v.grad.data.zero_()
print(v.grad)
z = torch.tensor(2.0, requires_grad=True)
for _ in range(3):
    y = z * z
    y.backward()
print(z.grad)
m = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
s = m.sum(dim=0)
s.backward(torch.tensor([1.0, 10.0]))
print(m.grad)
print(s.grad_fn.name(), [type(f).__name__ for f, _ in s.grad_fn.next_functions])
