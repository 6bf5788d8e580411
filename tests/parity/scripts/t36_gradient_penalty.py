"""WGAN-GP style gradient penalty: a small conv critic, the gradient of its output w.r.t. an
interpolated input taken with create_graph=True, and the penalty trained through it."""
import torch
import torch.nn as nn

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
critic = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.Tanh(), nn.AvgPool2d(2),
                       nn.Conv2d(4, 4, 3), nn.Tanh(), nn.Flatten(), nn.Linear(4, 1))
opt = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
real = torch.randn(8, 1, 6, 6)
fake = torch.randn(8, 1, 6, 6) * 0.5
for step in range(5):
    alpha = torch.rand(8, 1, 1, 1)
    mix = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    out = critic(mix)
    grad, = torch.autograd.grad(out.sum(), mix, create_graph=True)
    penalty = ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
    loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(step, f"{loss.item():.10f}", f"{penalty.item():.10f}")
print(grad.grad_fn.name(), critic[0].weight.grad.abs().sum().item() > 0)
