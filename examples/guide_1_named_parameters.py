"""The guide, part 1: list a network's parameters by name with their shapes."""
import torch
import torch.nn as nn


class TwoLayerNet(nn.Module):
    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.layer1 = nn.Linear(n_in, n_hidden)
        self.layer2 = nn.Linear(n_hidden, n_out)

    def forward(self, x):
        return self.layer2(torch.relu(self.layer1(x)))


torch.manual_seed(0)
net = TwoLayerNet(10, 20, 2)
print(net)
for name, p in net.named_parameters():
    print(f"{name}: {p.size()} {p.dtype} requires_grad={p.requires_grad}")
print(net.layer1.bias)
