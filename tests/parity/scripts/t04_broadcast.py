import torch

torch.manual_seed(2)
a = torch.arange(3).reshape(3, 1)
b = torch.arange(4)
print(a + b)
print((a * b).shape)
x = torch.randn(2, 3)
print(x + torch.tensor([1.0, 2.0, 3.0]))
print(x - x.mean(dim=0))
print(x / x.sum(dim=1, keepdim=True))
print(torch.ones(2, 1, 3) + torch.ones(4, 1))
e = torch.tensor([1.0, 2.0]).expand(3, 2)
print(e, e.shape, e.stride())
print(torch.tensor([[1], [2]]).expand(-1, 3))
try:
    torch.ones(2, 3) + torch.ones(4)
except RuntimeError as err:
    print(type(err).__name__, err)
try:
    torch.ones(2, 3) @ torch.ones(2, 3)
except RuntimeError as err:
    print(type(err).__name__, err)
