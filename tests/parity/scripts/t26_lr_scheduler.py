import torch
import torch.nn as nn
from torch.optim.lr_scheduler import StepLR, ExponentialLR, CosineAnnealingLR, LambdaLR

torch.manual_seed(0)
model = nn.Linear(2, 1)
for sched_cls, kw in [(StepLR, dict(step_size=2, gamma=0.5)), (ExponentialLR, dict(gamma=0.9)),
                      (CosineAnnealingLR, dict(T_max=5)),
                      (LambdaLR, dict(lr_lambda=lambda e: 1.0 / (e + 1)))]:
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = sched_cls(opt, **kw)
    lrs = []
    for epoch in range(6):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    print(sched_cls.__name__, lrs)
    print(sched.get_last_lr())
