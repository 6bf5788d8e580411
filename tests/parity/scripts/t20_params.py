import torch
import torch.nn as nn


class SimpleNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(SimpleNN, self).__init__()
        self.layer1 = nn.Linear(input_size, hidden_size)
        self.layer2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        x = torch.relu(self.layer1(x))
        return self.layer2(x)


torch.manual_seed(0)
model = SimpleNN(10, 20, 2)
for name, param in model.named_parameters():
    print(f"{name}: {param.size()}")
print(model)
total = sum(p.numel() for p in model.parameters())
trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
print(f"Total parameters: {total:,}")
for param in model.layer1.parameters():
    param.requires_grad = False
print(f"Trainable: {sum(p.numel() for p in model.parameters() if p.requires_grad):,}")
for name, param in model.named_parameters():
    print(f"{name}: requires_grad = {param.requires_grad}")
opt = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1)
x = torch.randn(4, 10)
loss = model(x).pow(2).mean()
loss.backward()
print(model.layer1.weight.grad, model.layer2.bias.grad)
opt.step()
print(model.layer2.bias)
model.requires_grad_(True)
print([p.requires_grad for p in model.parameters()])
print({k: v.shape for k, v in model.state_dict().items()})
for name, buf in model.named_buffers():
    print(name)
print(model.layer1.weight.data.mean(), model.layer1.weight.data.std())
print(f"Mean: {model.layer2.weight.data.mean():.4f}")
print(f"Std: {model.layer2.weight.data.std():.4f}")
print(next(model.parameters()).dtype, next(model.parameters()).device)
model.zero_grad()
print(model.layer2.weight.grad)
