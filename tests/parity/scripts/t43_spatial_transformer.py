import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(431)


class STN(nn.Module):
    """A tiny spatial transformer: predicts an affine map, resamples, classifies."""

    def __init__(self):
        super().__init__()
        self.loc = nn.Sequential(nn.Conv2d(1, 4, 3), nn.AdaptiveMaxPool2d(2), nn.ReLU(),
                                 nn.Flatten(), nn.Linear(16, 6))
        with torch.no_grad():
            self.loc[-1].weight.mul_(0.1)
            self.loc[-1].bias.copy_(torch.tensor([1.0, 0, 0, 0, 1.0, 0]))
        self.body = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.GroupNorm(2, 4), nn.ReLU(),
                                  nn.LPPool2d(2, 2), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))

    def forward(self, x):
        theta = self.loc(x).view(-1, 2, 3)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
        return self.body(x)


net = STN().double()  # float64: printed digits do not depend on summation order
x = torch.randn(6, 1, 8, 8, dtype=torch.float64)
y = torch.tensor([0, 1, 2, 0, 1, 2])
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for step in range(5):
    opt.zero_grad()
    loss = F.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    print(step, round(loss.item(), 4))
print(net.loc[-1].bias.detach().round(decimals=4))

theta = torch.tensor([[[0.8, -0.2, 0.1], [0.3, 1.1, -0.2]]], dtype=torch.float64,
                     requires_grad=True)
img = torch.arange(20.0, dtype=torch.float64).reshape(1, 1, 4, 5)
for mode in ("bilinear", "nearest", "bicubic"):
    for pad in ("zeros", "border", "reflection"):
        grid = F.affine_grid(theta, [1, 1, 3, 4], align_corners=True)
        out = F.grid_sample(img, grid, mode=mode, padding_mode=pad, align_corners=True)
        print(mode, pad, out.flatten().detach().round(decimals=4).tolist())
out.sum().backward()
print(theta.grad.round(decimals=4))
small = torch.arange(12.0).reshape(1, 1, 3, 4)
for mode, kw in (("nearest", {}), ("nearest-exact", {}), ("bilinear", {"align_corners": True}),
                 ("bicubic", {"align_corners": False}), ("area", {})):
    print(mode, F.interpolate(small, size=(4, 6), mode=mode, **kw)[0, 0].round(decimals=4).tolist())
print(F.interpolate(small[:, :, 0], scale_factor=1.5, mode="linear").round(decimals=4).tolist())
print(nn.Upsample(scale_factor=(1, 2), mode="nearest")(small).shape)
