import torch
import torch.nn as nn
import torch.optim as optim

for kwargs in [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.05, momentum=0.9, nesterov=True),
               dict(lr=0.1, weight_decay=0.01), dict(lr=0.1, momentum=0.5, dampening=0.1)]:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), **kwargs)
    x = torch.randn(8, 3)
    y = torch.randn(8, 1)
    for step in range(5):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        print(step, f"{loss.item():.6f}")
    print(model.weight.data, model.bias.data)
print(opt)
print(opt.param_groups[0]["lr"], len(opt.param_groups), sorted(opt.param_groups[0].keys()))
print(list(opt.state_dict().keys()))
