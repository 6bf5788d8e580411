"""Reductions with named results, out= and its errors, scalar-first functions, and the errors
of the linear algebra: printed results, exception types and messages."""
import warnings

import torch

warnings.simplefilter("ignore")
x = torch.tensor([[2.0, -1.0, 4.0, 4.0], [0.5, 3.0, -2.0, 3.0]], requires_grad=True)
for r in (torch.cummin(x, 1), torch.mode(x.detach(), 1), torch.nanmedian(x, 1), torch.kthvalue(x, 3, 1, True)):
    print(r)
for how in ("linear", "lower", "higher", "midpoint", "nearest"):
    print(how, torch.quantile(x, 0.4, dim=1, interpolation=how).detach())
y = torch.logcumsumexp(x, 1) + torch.amax(x, 1, keepdim=True) + torch.nansum(x)
y.sum().backward()
print(x.grad)
print(torch.var_mean(x.detach(), dim=1, correction=0), torch.aminmax(x.detach()))
print(torch.diff(x.detach(), append=torch.zeros(2, 1)), torch.msort(x.detach()))
print(torch.add(1, x.detach()), torch.mul(2.5, x.detach()), torch.div(1, torch.tensor([2, 4])), torch.add(2, 3))

o = torch.empty(0)
print(torch.mean(x.detach(), 1, out=o), o)
v, i = torch.empty(0), torch.empty(0, dtype=torch.long)
print(torch.max(x.detach(), 1, out=(v, i)))
for call in [lambda: torch.add(x, 1, out=torch.empty(2, 4)),
             lambda: torch.add(x.detach(), 1, out=torch.empty(2, 4, dtype=torch.long)),
             lambda: torch.linalg.inv(torch.zeros(2, 2)),
             lambda: torch.linalg.cholesky(-torch.eye(3)),
             lambda: torch.linalg.det(torch.ones(2, 3)),
             lambda: torch.linalg.solve(torch.eye(2), torch.ones(3)),
             lambda: torch.linalg.matrix_norm(torch.ones(2, 2), 3),
             lambda: torch.quantile(torch.ones(3), 1.5),
             lambda: torch.kthvalue(torch.ones(3), 4),
             lambda: torch.logaddexp(torch.ones(2), 1.0),
             lambda: torch.heaviside(torch.ones(2), torch.ones(2, dtype=torch.long)),
             lambda: torch.mv(torch.ones(2, 3), torch.ones(2)),
             lambda: torch.ones(2) << 1,
             lambda: torch.isclose(torch.ones(2), torch.ones(2, dtype=torch.float64)),
             lambda: torch.amax(torch.empty(0))]:
    try:
        print(call())
    except Exception as e:
        print(type(e).__name__, e)
i = torch.tensor([[7, -8], [1, 2]])
i <<= 2
i ^= 5
print(i, torch.bitwise_right_shift(i, 70), torch.bitwise_and(12, i))
