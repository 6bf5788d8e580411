"""A physics-informed network (Burgers-style residual): u_t + u u_x - nu u_xx through
autograd.grad(create_graph=True) twice, trained with Adam."""
import torch
import torch.nn as nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
nu = 0.01
for step in range(6):
    xt = torch.rand(32, 2, requires_grad=True)
    u = net(xt)
    du = torch.autograd.grad(u, xt, torch.ones_like(u), create_graph=True)[0]
    u_x, u_t = du[:, 0:1], du[:, 1:2]
    u_xx = torch.autograd.grad(u_x, xt, torch.ones_like(u_x), create_graph=True)[0][:, 0:1]
    residual = u_t + u * u_x - nu * u_xx
    x0 = torch.rand(16, 1)
    ic = net(torch.cat([x0, torch.zeros_like(x0)], 1)) + torch.sin(3.14159 * x0)
    loss = residual.pow(2).mean() + ic.pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, f"{loss.item():.6f}")
print(u_xx.grad_fn is not None, net[0].weight.grad.shape)
