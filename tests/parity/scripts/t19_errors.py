import torch
import torch.nn as nn

cases = [
    lambda: torch.ones(2, 3) @ torch.ones(4, 5),
    lambda: torch.ones(2, 3).view(4, 2),
    lambda: torch.ones(2, 3) + torch.ones(3, 2),
    lambda: torch.cat([torch.ones(2, 3), torch.ones(2, 4)]),
    lambda: torch.stack([torch.ones(2), torch.ones(3)]),
    lambda: torch.ones(2, 3).sum(dim=2),
    lambda: torch.ones(2, 3).transpose(0, 3),
    lambda: torch.ones(3)[5],
    lambda: nn.Linear(3, 2)(torch.ones(4, 5)),
    lambda: torch.ones(2).backward(),
    lambda: torch.tensor([1, 2]).mean(),
    lambda: torch.ones(2, requires_grad=True).numpy(),
    lambda: torch.tensor([1.0, 2.0]).item(),
    lambda: torch.ones(2, 2).reshape(3),
    lambda: torch.zeros(2, 3).squeeze(5),
    lambda: nn.functional.cross_entropy(torch.randn(3, 4), torch.tensor([0, 1, 4])),
    lambda: torch.ones(3, requires_grad=True).add_(1),
    lambda: torch.tensor([[1, 2], [3]]),
    lambda: torch.ones(2, 3).expand(3, 3),
    lambda: torch.ones(2, 3).permute(0),
    lambda: torch.ones(2, 2).unsqueeze(4),
    lambda: torch.mm(torch.ones(2), torch.ones(2)),
    lambda: nn.MSELoss()(torch.ones(2, 3), torch.ones(3)),
]
for i, fn in enumerate(cases):
    try:
        fn()
        print(i, "no error")
    except Exception as e:
        print(i, type(e).__name__, e)
