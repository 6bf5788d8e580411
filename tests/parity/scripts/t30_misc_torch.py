import torch
import math

torch.manual_seed(17)
print(torch.__name__, isinstance(torch.__version__, str))
print(torch.pi if hasattr(torch, "pi") else math.pi)
print(torch.float32, torch.float, torch.double, torch.long, torch.int64, torch.bool)
print(torch.float32 == torch.float, torch.int64 is torch.long)
print(torch.tensor([1, 2]).dtype == torch.long)
print(torch.device("cpu"), torch.tensor([1]).device)
print(torch.cuda.is_available())
print(torch.get_default_dtype())
g = torch.Generator()
g.manual_seed(3)
print(torch.rand(3, generator=g))
print(torch.initial_seed())
state = torch.get_rng_state()
a = torch.rand(2)
torch.set_rng_state(state)
b = torch.rand(2)
print(torch.equal(a, b))
print(torch.empty(3).shape)
print(torch.zeros((2, 2)).tolist())
print(torch.tensor(range(5)))
print(torch.as_tensor([1.0, 2.0]))
print(torch.tensor([[1.0, 2.0]]).numpy())
with torch.no_grad():
    print(torch.is_grad_enabled())


@torch.no_grad()
def f(x):
    return x * 2


print(f(torch.ones(1, requires_grad=True)).requires_grad)
print(torch.manual_seed(5) is not None)
print(torch.randn(2, 2).T.shape)
print(torch.tensor([1.0, 2.0, 3.0]).mean().item())
print(round(torch.tensor(2.567).item(), 2))
print(int(torch.tensor(3)), float(torch.tensor(2.5)), bool(torch.tensor(1)))
print(len(torch.zeros(4, 2)), [t.shape for t in torch.zeros(2, 3)])
print(list(torch.arange(3)))
print(torch.arange(6).reshape(2, 3).tolist())
print(max(torch.tensor([1, 5, 3])), sum(torch.tensor([1.0, 2.0])))
print(torch.tensor([1, 2, 3]) in [torch.tensor([1, 2, 3])] if False else 2 in torch.tensor([1, 2, 3]))
