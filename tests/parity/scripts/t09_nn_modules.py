import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(
    nn.Linear(4, 8),
    nn.ReLU(),
    nn.Linear(8, 3),
)
print(model)
print(model[0])
print(model[0].weight.shape, model[0].bias.shape)
print(len(model))
for name, p in model.named_parameters():
    print(name, tuple(p.shape), p.requires_grad)
print(list(model.state_dict().keys()))
print(sum(p.numel() for p in model.parameters()))
x = torch.randn(2, 4)
out = model(x)
print(out)
print(out.shape)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 5)
        self.act = nn.Tanh()
        self.drop = nn.Dropout(0.25)
        self.fc2 = nn.Linear(5, 1, bias=False)
        self.block = nn.Sequential(nn.Linear(1, 2), nn.Sigmoid())

    def forward(self, x):
        return self.block(self.fc2(self.drop(self.act(self.fc1(x)))))


net = Net()
print(net)
print([n for n, _ in net.named_modules()])
print([n for n, _ in net.named_children()])
print(net.fc2.bias)
print(net.training, net.fc1.training)
net.eval()
print(net.training, net.drop.training)
net.train()
print(net.drop.training)
print(net(torch.randn(3, 10)).shape)
print(nn.Linear(3, 2))
print(nn.Linear(3, 2, bias=False))
print(nn.ReLU(), nn.Sigmoid(), nn.Tanh(), nn.Softmax(dim=1), nn.Dropout(), nn.Dropout(p=0.1))
print(nn.LeakyReLU(0.2), nn.Flatten(), nn.Identity())
print(nn.MSELoss(), nn.CrossEntropyLoss(), nn.BCELoss(), nn.BCEWithLogitsLoss(), nn.L1Loss())
print(nn.MSELoss(reduction='sum'))
lin = nn.Linear(2, 2)
print(lin.weight)
print(lin.bias)
print(type(lin.weight).__name__, isinstance(lin.weight, torch.Tensor))
print(lin.in_features, lin.out_features)
sd = lin.state_dict()
print(sd)
lin2 = nn.Linear(2, 2)
print(lin2.load_state_dict(sd))
print(torch.equal(lin2.weight, lin.weight))
ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
print(ml)
md = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
print(md)
p = nn.Parameter(torch.ones(2))
print(p)
print(nn.Parameter(torch.zeros(2, 2), requires_grad=False))
