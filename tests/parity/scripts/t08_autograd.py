import torch

x = torch.tensor([2.0, 3.0], requires_grad=True)
y = x ** 2 + 3 * x
print(y)
z = y.sum()
print(z)
print(z.grad_fn is not None, z.grad_fn.name())
print(type(z.grad_fn).__name__, type(y.grad_fn).__name__)
z.backward()
print(x.grad)
print(x.is_leaf, y.is_leaf, y.requires_grad)
x.grad.zero_()
out = (x * x).mean()
out.backward()
print(x.grad)
w = torch.tensor([1.0, -1.0], requires_grad=True)
loss = (w * x).sum()
loss.backward(retain_graph=True)
print(w.grad)
loss.backward()
print(w.grad)
with torch.no_grad():
    q = x * 2
print(q.requires_grad, q.grad_fn)
d = x.detach()
print(d.requires_grad, d)
print(x)
print(x * 2)
a = torch.ones(2, 2, requires_grad=True)
b = a + 2
c = b * b * 3
out = c.mean()
print(b, c, out, sep="\n")
out.backward()
print(a.grad)
try:
    out.backward()
except RuntimeError as e:
    print(type(e).__name__, e)
s = torch.tensor(1.0, requires_grad=True)
t = s * 3
t.retain_grad()
(t ** 2).backward()
print(s.grad, t.grad)
try:
    torch.tensor([1.0, 2.0], requires_grad=True).pow(2).backward()
except RuntimeError as e:
    print(type(e).__name__, e)
v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
u = v * 2
u.backward(torch.tensor([0.1, 1.0, 0.0001]))
print(v.grad)
print(torch.is_grad_enabled())
with torch.set_grad_enabled(False):
    print(torch.is_grad_enabled())
k = torch.zeros(3)
k.requires_grad_()
print(k)
print(x.requires_grad_(False))
print(x.grad)
