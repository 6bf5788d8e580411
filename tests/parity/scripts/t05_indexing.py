import torch

x = torch.arange(20).reshape(4, 5)
print(x[0])
print(x[:, 1])
print(x[1:3])
print(x[1:3, 2:])
print(x[-1])
print(x[::2])
print(x[:, ::2])
print(x[1, 2], x[1, 2].item())
print(x[x > 10])
print(x[torch.tensor([0, 2])])
print(x[[0, 3], [1, 4]])
print(x[..., -1])
print(x[None].shape, x[:, None].shape)
mask = x % 2 == 0
print(mask)
y = x.clone()
y[mask] = 0
print(y)
y[0] = 100
print(y)
y[:, 0] = torch.tensor([9, 8, 7, 6])
print(y)
z = torch.zeros(3, 3)
z[1, 1] = 5
z[0, :] = 1.5
print(z)
print(torch.where(x > 10, x, torch.zeros_like(x)))
print(torch.where(x > 15))
print(x.nonzero()[:3])
print(x.index_select(0, torch.tensor([3, 0])))
print(x.gather(1, torch.tensor([[0], [1], [2], [3]])))
print(x.masked_fill(x < 5, -1))
try:
    x[4]
except IndexError as e:
    print(type(e).__name__, e)
try:
    x[0, 10]
except IndexError as e:
    print(type(e).__name__, e)
