import torch
import torch.distributions as D
from torch.distributions import constraints, kl_divergence

torch.manual_seed(0)
print(D.Normal(0.0, 1.0).sample((3,)))
print(D.Normal(torch.zeros(2), torch.ones(2)))
for d in [D.Uniform(-1.0, 2.0), D.Bernoulli(0.3), D.Exponential(2.0), D.Gamma(0.5, 1.0),
          D.Beta(2.0, 5.0), D.Categorical(torch.tensor([0.1, 0.2, 0.7])),
          D.OneHotCategorical(torch.tensor([0.5, 0.5])), D.Dirichlet(torch.tensor([1.0, 2.0, 3.0])),
          D.Laplace(0.0, 1.0), D.MultivariateNormal(torch.zeros(2), torch.eye(2))]:
    x = d.sample((4,))
    print(type(d).__name__, tuple(x.shape), d.batch_shape, d.event_shape)
    print(x)
    print(d.log_prob(x))
    print(d.entropy(), d.mean, d.variance)

for d in [D.Poisson(torch.tensor([0.5, 4.0, 30.0])), D.Binomial(10, torch.tensor([0.3, 0.9]))]:
    x = d.sample((3,))
    print(type(d).__name__, x, d.log_prob(x), d.mean, d.variance)

# maximum likelihood for a Normal by gradient ascent on log_prob
data = D.Normal(3.0, 0.5).sample((200,))
loc = torch.zeros((), requires_grad=True)
log_scale = torch.zeros((), requires_grad=True)
opt = torch.optim.Adam([loc, log_scale], lr=0.1)
for step in range(100):
    opt.zero_grad()
    nll = -D.Normal(loc, log_scale.exp()).log_prob(data).mean()
    nll.backward()
    opt.step()
    if step % 25 == 0:
        print(step, f"{nll.item():.4f}")
print(f"{loc.item():.3f} {log_scale.exp().item():.3f}")

# reparameterised samples: gradients reach the parameters
alpha = torch.tensor([2.0, 0.5], requires_grad=True)
D.Gamma(alpha, 1.0).rsample((50,)).mean().backward()
print(alpha.grad)
conc = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
(D.Dirichlet(conc).rsample((10,))[:, 0]).sum().backward()
print(conc.grad)

p, q = D.Normal(0.0, 1.0), D.Normal(1.0, 2.0)
print(kl_divergence(p, q))
print(kl_divergence(D.Categorical(torch.tensor([0.3, 0.7])), D.Categorical(torch.tensor([0.5, 0.5]))))
print(kl_divergence(D.Beta(2.0, 3.0), D.Beta(1.0, 1.0)))
print(D.Independent(D.Normal(torch.zeros(3), 1.0), 1))
print(constraints.unit_interval, constraints.simplex, constraints.independent(constraints.real, 1))
for bad in [lambda: D.Normal(0.0, -1.0), lambda: D.Bernoulli(), lambda: D.Categorical(torch.ones(3)).log_prob(torch.tensor(5))]:
    try:
        bad()
    except ValueError as e:
        print("ValueError:", e)
