"""index_add_ / index_add: values, PyTorch's errors, and the graph through a view (CopySlices)."""
import torch
x = torch.zeros(3, 4)
for args in [(0, torch.tensor([0, 2]), torch.ones(2, 4)), (1, torch.tensor([0, 0, 3]), torch.ones(3, 3)),
             (0, torch.tensor([[0]]), torch.ones(1, 4)), (0, torch.tensor([0, 5]), torch.ones(2, 4)),
             (0, torch.tensor([0., 1.]), torch.ones(2, 4)), (0, torch.tensor([0, 1]), torch.ones(2, 4, dtype=torch.float64)),
             (0, torch.tensor([0, 2]), torch.ones(3, 4)), (0, torch.tensor([0, 2]), torch.ones(2, 3)),
             (-1, torch.tensor([0, -1]), torch.ones(3, 2)), (2, torch.tensor([0]), torch.ones(1, 4))]:
    try:
        print(x.clone().index_add_(*args, alpha=2).sum())
    except Exception as e:
        print(type(e).__name__, e)
torch.manual_seed(0)
a = torch.randn(3, requires_grad=True)
b = torch.randn(4, requires_grad=True)
y = b * 1
y.index_add_(0, torch.tensor([1, 1, 3]), a, alpha=0.5)
print(y.grad_fn.name())
(y * torch.arange(4.)).sum().backward()
print(a.grad, b.grad)
z = torch.zeros(2, 4)
z[1].index_add_(0, torch.tensor([0, 2, 2]), a)
print(type(z.grad_fn).__name__, z)
print(torch.index_add(torch.ones(3, dtype=torch.long), 0, torch.tensor([2]), torch.tensor([7]), alpha=2))
