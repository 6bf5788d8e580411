import torch
import torch.nn as nn
import torch.optim as optim

for cls, kwargs in [(optim.Adam, dict(lr=0.01)), (optim.Adam, dict(lr=0.01, weight_decay=0.1)),
                    (optim.AdamW, dict(lr=0.01)), (optim.Adam, dict(lr=0.01, amsgrad=True)),
                    (optim.Adam, dict(lr=0.001, betas=(0.8, 0.99), eps=1e-6))]:
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    opt = cls(model.parameters(), **kwargs)
    x = torch.randn(16, 2)
    y = x.sum(dim=1, keepdim=True)
    for step in range(6):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    print(cls.__name__, f"{loss.item():.6f}")
    print(model[2].weight)
print(opt)
st = opt.state_dict()
print(st["param_groups"])
print(sorted(st["state"][0].keys()), st["state"][0]["step"])
