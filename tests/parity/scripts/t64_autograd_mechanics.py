# Autograd mechanics and the autograd tutorial: requires_grad, grad_fn chains, hooks, no_grad, inference_mode, jacobian products
import torch

torch.manual_seed(0)
x = torch.ones(5)
y = torch.zeros(3)
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(f"Gradient function for z = {z.grad_fn}".split(" object")[0])
print(f"Gradient function for loss = {loss.grad_fn}".split(" object")[0])
loss.backward()
print(w.grad)
print(b.grad)
z = torch.matmul(x, w) + b
print(z.requires_grad)
with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)
z_det = (torch.matmul(x, w) + b).detach()
print(z_det.requires_grad)
inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")
a = torch.randn(2, 2, requires_grad=True)
h = a.register_hook(lambda g: g * 2)
(a * 3).sum().backward()
print(a.grad)
h.remove()
c = a * a
c.retain_grad()
c.sum().backward()
print(c.grad, a.grad)
with torch.inference_mode():
    q = a * 2
print(q.requires_grad, q.is_inference())
x = torch.randn(3, requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
print(y)
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)
print(x.grad)
print(torch.autograd.functional.jacobian(lambda t: t ** 2, torch.tensor([1., 2.])))
print(torch.autograd.functional.vjp(lambda t: t.exp().sum(), torch.tensor([0., 1.])))
t = torch.tensor([1., 2., 3.], requires_grad=True)
g, = torch.autograd.grad((t ** 3).sum(), t, create_graph=True)
g2, = torch.autograd.grad(g.sum(), t)
print(g, g2)
print(torch.is_grad_enabled())
torch.set_grad_enabled(False)
print((t * 2).requires_grad)
torch.set_grad_enabled(True)
e = torch.tensor(1.0, requires_grad=True)
r = e.expand(3)
print(r.grad_fn.name(), r._base is None, r.is_leaf)
