# A polynomial fit through a user-defined autograd.Function, the pattern of the
# "Learning PyTorch with Examples" tutorial (P3 is the Legendre polynomial of degree 3).
import math

import torch


class LegendreP3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x ** 3 - 3 * x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * x ** 2 - 1)


dtype = torch.float64
xs = torch.linspace(-math.pi, math.pi, 500, dtype=dtype)
ys = torch.sin(xs)
a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
lr = 5e-6
for step in range(600):
    pred = a + b * LegendreP3.apply(c + d * xs)
    loss = (pred - ys).pow(2).sum()
    if step % 100 == 99:
        print(step, f"{loss.item():.6f}")
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c, d):
            p -= lr * p.grad
            p.grad = None
print(type(pred.grad_fn).__name__, pred.grad_fn.next_functions[1][0].__class__.__name__)
y = LegendreP3.apply(c + d * xs)
print(type(y.grad_fn).__name__, str(y.grad_fn).split(" object")[0])
print(f"y = {a.item():.5f} + {b.item():.5f} * P3({c.item():.5f} + {d.item():.5f} x)")
x = torch.tensor([0.5, -0.25], dtype=dtype, requires_grad=True)
print(torch.autograd.gradcheck(LegendreP3.apply, (x,)))
(g,) = torch.autograd.grad(LegendreP3.apply(x).sum(), x)
print(g)
