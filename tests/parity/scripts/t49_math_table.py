"""The elementwise math functions a physics or signal-processing notebook reaches for: trig and
hyperbolic functions and their inverses, exp2/log2/log10, erfc, sinc, atan2, hypot, copysign,
fmax/fmin, with gradients, printed at 4 decimals."""
import math

import torch

torch.manual_seed(0)
t = torch.linspace(-0.9, 0.9, 7, requires_grad=True)
for name in ["tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "atanh", "exp2", "log10",
             "erfc", "sinc", "arcsin", "arctanh"]:
    y = getattr(torch, name)(t)
    g, = torch.autograd.grad(y.sum(), t)
    print(f"{name:8s}", y.grad_fn.name(), y.detach().round(decimals=4), g.round(decimals=4))
print(torch.acosh(t.detach() + 2), torch.log2(torch.tensor([1, 2, 8])))
# polar coordinates of a point cloud
xy = torch.randn(5, 2, requires_grad=True)
r = torch.hypot(xy[:, 0], xy[:, 1])
theta = torch.atan2(xy[:, 1], xy[:, 0])
(r * theta).sum().backward()
print(r, theta, xy.grad, sep="\n")
print(torch.copysign(torch.tensor([1.0, -2.0, 3.0]), torch.tensor([-1.0, 1.0, -0.0])))
nan = float("nan")
a, b = torch.tensor([1.0, nan, 3.0]), torch.tensor([nan, 2.0, 1.0])
print(torch.fmax(a, b), torch.fmin(a, b), torch.maximum(a, b))
x = torch.tensor([0.5, 2.0], requires_grad=True)
w = x * 1
w.sinh_()
w.sum().backward()
print(w, x.grad, w.grad_fn.name())
print(torch.tensor([3, -4]).atan2(torch.tensor([1, 1])), torch.tensor([math.pi]).sin().abs() < 1e-6)
for bad in [lambda: torch.hypot(torch.tensor([1, 2]), torch.tensor([1, 2])),
            lambda: torch.abs(torch.tensor([True])),
            lambda: torch.relu(torch.tensor([True]))]:
    try:
        bad()
    except Exception as e:  # noqa: BLE001
        print(type(e).__name__, str(e).splitlines()[0])
try:
    torch.atan2(torch.ones(2), 2)
except TypeError:
    print("atan2 takes a Tensor other")
