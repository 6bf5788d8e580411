import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(43)


class TinyUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.down1 = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.GroupNorm(2, 8), nn.ReLU())
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.down2 = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.InstanceNorm2d(16, affine=True),
                                   nn.ReLU())
        self.up_shuffle = nn.Sequential(nn.Conv2d(16, 32, 1), nn.PixelShuffle(2))
        self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.unpool = nn.MaxUnpool2d(2)
        self.pad = nn.ReflectionPad2d(1)
        self.head = nn.Conv2d(8 + 8 + 8, 2, 3)
        self.drop = nn.Dropout2d(0.25)

    def forward(self, x):
        d1 = self.down1(x)
        p, idx = self.pool(d1)
        d2 = self.down2(p)
        u1 = self.up_shuffle(d2)
        u2 = self.up(p)
        u3 = self.unpool(p, idx, output_size=d1.shape)
        cat = torch.cat([self.drop(u1), u2, u3], 1)
        return self.head(self.pad(cat))


net = TinyUNet()
print(net)
x = torch.randn(2, 3, 8, 8)
out = net(x)
print(out.shape, out.grad_fn.__class__.__name__)
print(out[0, 0].detach().round(decimals=4))
loss = out.pow(2).mean()
loss.backward()
print(round(loss.item(), 4))
print(net.down1[0].weight.grad[0, 0].round(decimals=4))
print(net.down2[1].weight.grad.round(decimals=4))

# the other layers, one at a time
y = torch.randn(1, 4, 5, 6, requires_grad=True)
print(nn.AdaptiveMaxPool2d((2, 3))(y).detach().round(decimals=4))
vals, where = F.adaptive_max_pool2d(y, 2, return_indices=True)
print(where)
print(nn.LPPool2d(2, 2)(y.abs()).shape, nn.LocalResponseNorm(2)(y).sum().item() != 0)
print(F.interpolate(y, size=(3, 4), mode="bicubic", align_corners=True)[0, 0].detach().round(decimals=4))
print(F.interpolate(y, scale_factor=1.5, mode="nearest").shape)
print(F.interpolate(y, scale_factor=0.5, mode="nearest-exact", recompute_scale_factor=True).shape)
cols = nn.Unfold(2, stride=2, padding=(1, 0))(y)
print(cols.shape, nn.Fold((6, 6), 2, stride=2)(cols).shape)
print(nn.PixelUnshuffle(2)(torch.arange(16.0).reshape(1, 1, 4, 4)).flatten().tolist())
for pad in (nn.ZeroPad2d((1, 0, 2, 0)), nn.ConstantPad1d(2, 7.5), nn.ReplicationPad2d(1), nn.CircularPad1d(1)):
    print(pad, pad(torch.arange(6.0).reshape(1, 2, 3)).tolist())
bn3 = nn.BatchNorm3d(2, momentum=None)
for step in range(3):
    bn3(torch.randn(2, 2, 2, 2, 3) * (step + 1))
print(bn3, bn3.running_var.round(decimals=4), bn3.num_batches_tracked)
torch.manual_seed(5)
print(nn.AlphaDropout(0.3)(torch.ones(8)).round(decimals=4))
print(nn.FeatureAlphaDropout(0.5)(torch.ones(2, 3, 1)).flatten().round(decimals=4))
print(nn.Dropout3d(0.5)(torch.ones(1, 4, 1, 1, 1)).flatten())
z = torch.randn(2, 3, 4, 4).contiguous(memory_format=torch.channels_last)
print(z.stride(), z.is_contiguous(), z.is_contiguous(memory_format=torch.channels_last))
print(net.to(memory_format=torch.channels_last).head.weight.stride())
