import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(7)
# small integer data: every sum is exact, so printed values match to the last digit
x = torch.randint(-3, 4, (2, 3, 6, 6)).float()
conv = nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False)
print(conv)
with torch.no_grad():
    conv.weight.copy_(torch.randint(-2, 3, conv.weight.shape).float())
y = conv(x)
print(y.shape, y.grad_fn.__class__.__name__)
print(y[0, 0])
depthwise = nn.Conv2d(3, 3, 3, groups=3, padding="same", padding_mode="reflect")
print(depthwise, depthwise.weight.shape)
conv1 = nn.Conv1d(3, 2, 2, dilation=2)
print(conv1, conv1(x[:, :, 0]).shape)

pool = nn.MaxPool2d(2, return_indices=True)
out, idx = pool(x)
print(pool)
print(out[1, 2])
print(idx[1, 2])
print(nn.MaxPool2d(3, stride=2, ceil_mode=True)(x).shape)
print(nn.AvgPool2d(2)(x)[0, 1])
print(nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)(x)[0, 0])
print(nn.AdaptiveAvgPool2d((2, 3))(x)[1, 0])
print(nn.AdaptiveAvgPool2d(1)(x).shape, nn.AvgPool1d(2)(x[:, :, 0]).shape)

bn = nn.BatchNorm2d(3)
print(bn)
for step in range(3):
    bn(x * (step + 1))
print(bn.running_mean, bn.running_var, bn.num_batches_tracked)
bn.eval()
print(bn(x).shape, list(bn.state_dict().keys()))

drop = nn.Dropout2d(0.5)
print(drop, drop(torch.ones(2, 4, 1, 1)).flatten())

w = x.clone().requires_grad_()
F.max_pool2d(w, 2).sum().backward()
print(w.grad[0, 0])
