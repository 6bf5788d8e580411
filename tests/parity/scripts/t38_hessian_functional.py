"""torch.autograd.functional: hessian, hvp, vhp, jvp, vjp, and gradgradcheck."""
import torch
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp

torch.manual_seed(0)
x = torch.randn(3, dtype=torch.float64)
y = torch.randn(3, dtype=torch.float64)
u = torch.randn(3, dtype=torch.float64)


def f(a):
    return (a.exp() * a.sin()).sum() + (a.softmax(0) * a).sum()


def g(a, b):
    return (a ** 2 * b).sum() + (a * b.tanh()).sum() + (a * b).sigmoid().sum()


# "+ 0": the sign of an exact-zero entry may differ (pytorchlite composes some second
# derivatives from other ops); every other digit must match
print(hessian(f, x) + 0)
print([[h + 0 for h in row] for row in hessian(g, (x, y))])
print(hvp(f, x, u))
print(vhp(g, (x, y), (u, u)))
print(jvp(lambda a: a.tanh() * 2 + a ** 3, x, u))
print(vjp(lambda a: a.sigmoid() * a, x, u))
print(jacobian(lambda a: (a @ a.unsqueeze(1)) * a, x))
w = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
print(torch.autograd.gradgradcheck(lambda a: (a @ a.t()).log_softmax(1), (w,)))
print(torch.autograd.gradgradcheck(lambda a: torch.nn.functional.mse_loss(a.tanh(), a * 0.5), (w,)))
