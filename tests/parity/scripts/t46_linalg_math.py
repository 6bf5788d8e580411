"""Least squares, a Gaussian log-likelihood through slogdet and solve, logsumexp mixtures,
norms and the everyday math functions: values, named results, grad_fn names and gradients."""
import math

import torch

torch.manual_seed(0)
# least squares: fit y = 2 x0 - 3 x1 + 0.5 with a little noise
X = torch.randn(20, 2, dtype=torch.float64)
A = torch.cat([X, torch.ones(20, 1, dtype=torch.float64)], 1)
y = (A @ torch.tensor([2.0, -3.0, 0.5], dtype=torch.float64)).unsqueeze(1)
y = y + 0.01 * torch.randn(20, 1, dtype=torch.float64)
sol = torch.linalg.lstsq(A, y)
print(sol.solution.squeeze(1), sol.rank)
print(torch.linalg.pinv(A).matmul(y).squeeze(1))
print(torch.dist(A @ sol.solution, y) < 0.1)

# Gaussian log-likelihood of points under N(mu, L L^T), gradient w.r.t. the factor
L = torch.tensor([[1.0, 0.0], [0.3, 0.8]], dtype=torch.float64, requires_grad=True)
mu = torch.zeros(2, dtype=torch.float64, requires_grad=True)
pts = torch.randn(5, 2, dtype=torch.float64)
cov = L @ L.mT + 0.1 * torch.eye(2, dtype=torch.float64)
sign, logdet = torch.linalg.slogdet(cov)
diff = pts - mu
maha = (diff * torch.linalg.solve(cov, diff.mT).mT).sum(1)
ll = -0.5 * (maha + logdet + 2 * math.log(2 * math.pi)).sum()
print(sign, ll)
ll.backward()
print(L.grad)
print(mu.grad)
print(torch.linalg.cholesky(cov.detach()))
print(torch.linalg.eigvalsh(cov.detach()))
print(torch.linalg.det(cov.detach()), torch.logdet(cov.detach()))
print(torch.linalg.inv(cov.detach()))

# a mixture's log-density with logsumexp
logits = torch.tensor([[0.1, 2.0, -1.0], [3.0, 3.0, -50.0]], requires_grad=True)
lse = torch.logsumexp(logits, dim=1)
print(lse, lse.grad_fn is not None)
lse.sum().backward()
print(logits.grad)
print(torch.logcumsumexp(logits.detach(), 1))
print(torch.logaddexp(torch.tensor([0.0, -100.0]), torch.tensor([0.0, -101.0])))

# norms
M = torch.arange(6.0).reshape(2, 3) - 2
for p in ["fro", "nuc", float("inf"), -float("inf"), 1, -1, 2, -2]:
    print(p, torch.linalg.matrix_norm(M, p))
print(torch.linalg.vector_norm(M, 0), torch.linalg.vector_norm(M, 3, dim=1))
print(torch.norm(M), torch.norm(M, dim=0), torch.linalg.norm(M, ord=2))

# reductions with named results
v = torch.tensor([[3.0, 1.0, 2.0, 1.0], [0.5, 4.0, 4.0, -1.0]])
print(torch.cummax(v, 1))
print(torch.aminmax(v, dim=1))
print(torch.kthvalue(v, 2, 1))
print(torch.quantile(v, torch.tensor([0.25, 0.5]), dim=1))
print(torch.std_mean(v, dim=1))
print(torch.diff(v, dim=1), torch.amax(v, 0), torch.nanmean(torch.tensor([1.0, float("nan"), 3.0])))

# elementwise math, bitwise ops and out=
t = torch.tensor([-1.5, 0.0, 0.25, 2.0])
print(torch.xlogy(t.abs(), 2.0), torch.nan_to_num(t.log()), torch.signbit(-t))
print(torch.lerp(t, torch.ones(4), 0.25), torch.addcmul(t, t, t, value=2))
print(torch.heaviside(t, torch.tensor([0.5])), torch.isclose(t, t + 1e-9), torch.pow(2, t))
i = torch.tensor([5, -3, 12])
print(i & 6, i | 1, i ^ 3, ~i, i << 2, i >> 1, torch.bitwise_left_shift(1, i.abs()))
print(torch.outer(t[:2], t), torch.kron(torch.eye(2), torch.ones(1, 2)))
print(torch.cdist(torch.eye(2), torch.ones(1, 2)), torch.cross(torch.eye(3), torch.ones(3, 3), dim=1))
out = torch.empty(0)
print(torch.add(t, 1, out=out) is out, out)
print(torch.sum(torch.ones(2, 3), axis=1, keepdims=True))
