import torch
import torch.nn as nn

torch.manual_seed(3)


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.lin = nn.Linear(d, d)
        self.register_buffer("running", torch.zeros(d))
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        self.running += x.detach().mean(0)
        return self.lin(x) * self.scale


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block(3) for _ in range(2)])
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        for b in self.blocks:
            x = torch.relu(b(x))
        return self.head(x)


m = Model()
print(m)
print(list(m.state_dict().keys()))
print([n for n, _ in m.named_buffers()])
print(sum(p.numel() for p in m.parameters()))
print(len(list(m.modules())), len(list(m.children())))
out = m(torch.randn(4, 3))
print(out)
print(m.blocks[0].running)
sd = m.state_dict()
m2 = Model()
m2.load_state_dict(sd)
print(torch.allclose(m2(torch.ones(1, 3)), m(torch.ones(1, 3))))
try:
    m2.load_state_dict({"head.weight": torch.zeros(1, 3)})
except RuntimeError as e:
    print(type(e).__name__, e)
print(m2.load_state_dict({"head.weight": torch.zeros(1, 3)}, strict=False))
m.zero_grad()
print(m.head.weight.grad)
print(m.head)
print(m.get_submodule("blocks.1.lin"))
print(m.get_parameter("head.bias").shape)
m.head.weight.requires_grad_(False)
print([n for n, p in m.named_parameters() if not p.requires_grad])
print(isinstance(m.blocks, nn.ModuleList), type(m.blocks[0]).__name__)
seq = nn.Sequential()
seq.add_module("fc", nn.Linear(2, 2))
seq.append(nn.ReLU())
print(seq)
print(seq[-1], seq[0:1])
from collections import OrderedDict
od = nn.Sequential(OrderedDict([("a", nn.Linear(1, 2)), ("act", nn.ReLU())]))
print(od)
print(od.a)
print(m.training)
print(m.eval() is m, m.training, m.blocks[0].training)
