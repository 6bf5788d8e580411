"""torch.autocast on the CPU: the CPU examples of PyTorch's autocast documentation (training,
inference, a region nested with enabled=False), GradScaler on the CPU and a decorated forward;
printed dtypes, grad_fn names and rounded values."""
import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


data = [(torch.randn(4, 8), torch.randint(0, 4, (4,))) for _ in range(3)]

# CPU Training Example: model and optimizer in default precision
model = Net()
optimizer = optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(2):
    for input, target in data:
        optimizer.zero_grad()
        # Runs the forward pass with autocasting.
        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            output = model(input)
            loss = loss_fn(output, target)
        loss.backward()
        optimizer.step()
        print(epoch, output.dtype, output.grad_fn.name(), loss.dtype, f"{loss.item():.2f}",
              model.fc1.weight.grad.dtype)

# CPU Inference Example
model = Net().eval()
with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
    for input, _ in data:
        output = model(input)
        print(output.dtype, tuple(output.shape), output.requires_grad)

# Nested regions: enabled=False forces float32 inside
a_float32, b_float32, c_float32, d_float32 = (torch.rand((8, 8)) for _ in range(4))
with torch.autocast(device_type="cpu"):
    e_lower = torch.mm(a_float32, b_float32)
    f_lower = torch.mm(d_float32, e_lower)
    with torch.autocast(device_type="cpu", enabled=False):
        g_float32 = torch.mm(c_float32, e_lower.float())
    h_lower = torch.mm(d_float32, g_float32)
i_float32 = torch.mm(d_float32, f_lower.float())
print(e_lower.dtype, f_lower.dtype, g_float32.dtype, h_lower.dtype, i_float32.dtype)
print(torch.is_autocast_enabled("cpu"), torch.get_autocast_dtype("cpu"))


# autocast as a decorator of forward, float16, and GradScaler on the CPU
class HalfNet(Net):
    @torch.autocast(device_type="cpu", dtype=torch.float16)
    def forward(self, x):
        return super().forward(x)


model = HalfNet()
optimizer = optim.SGD(model.parameters(), lr=0.05)
scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 10, growth_interval=2)
for input, target in data:
    optimizer.zero_grad()
    output = model(input)
    loss = nn.functional.cross_entropy(output, target)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    print(output.dtype, loss.dtype, scaler.get_scale(), model.fc2.weight.grad.dtype)
print(scaler.state_dict())
