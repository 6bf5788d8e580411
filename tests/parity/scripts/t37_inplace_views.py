"""Writes into tensors that are part of a graph: through views, by index, and the errors."""
import torch

torch.manual_seed(0)
a = torch.randn(3, 4, requires_grad=True)
x = a.clone()
x[:, 0] = 0
print(type(x.grad_fn).__name__, x.grad_fn.name())
x[1] *= 2
x[2, 1:3].add_(1)
x.t()[1].sub_(0.5)
y = x.view(-1)
y[3:6].mul_(3)
print(type(y.grad_fn).__name__, y.is_leaf, y.requires_grad)
(x * x).sum().backward()
print(a.grad)
base = torch.zeros(2, 3)
w = torch.tensor([1., 2., 3.], requires_grad=True)
base[0] = w * 2
base[1, :2] = w[:2] ** 2
sib = base[1]
base.mul_(3)
print(type(base.grad_fn).__name__, type(sib.grad_fn).__name__)
(sib.sum() + base.sum()).backward()
print(w.grad)
m = torch.randn(4, 3, requires_grad=True)
h = m * 1
h[[0, 2], 1:] = torch.ones(2, 2) * 7
h[h > 1] = 0.5
h[torch.tensor([True, False, True, False])] *= 3
h.index_put_((torch.tensor([3]), torch.tensor([0])), torch.tensor(9.0))
h.sum().backward()
print(type(h.grad_fn).__name__, m.grad)
for bad in (lambda: w.__setitem__(0, 2.0), lambda: w.view(3).mul_(2),
            lambda: w.__setitem__(torch.tensor([0]), 1.0)):
    try:
        bad()
    except RuntimeError as e:
        print("RuntimeError:", e)
q = torch.randn(3, requires_grad=True)
e = q.exp()
e[0] = 1.0
try:
    e.sum().backward()
except RuntimeError as err:
    print(str(err)[:120])
r = torch.tensor([3.5, -2.25, 7.0], requires_grad=True)
s = torch.div(r, 2, rounding_mode="floor") + torch.div(r, 1.5, rounding_mode="trunc")
s.sum().backward()
print(s, r.grad)
