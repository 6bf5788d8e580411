import torch
import torch.nn as nn

torch.manual_seed(9)
model = nn.Sequential(nn.Linear(5, 5), nn.Tanh(), nn.Linear(5, 1))
x = torch.randn(16, 5) * 10
loss = model(x).pow(2).mean()
loss.backward()
total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
print(total)
print(sum(p.grad.norm() ** 2 for p in model.parameters()).sqrt())
nn.utils.clip_grad_value_(model.parameters(), clip_value=0.01)
print(model[0].weight.grad)
vec = nn.utils.parameters_to_vector(model.parameters())
print(vec.shape, vec[:5])
