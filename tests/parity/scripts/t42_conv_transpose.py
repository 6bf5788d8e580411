import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def show(name, t):
    print(name, tuple(t.shape), [round(v, 4) for v in t.flatten()[:4].tolist()])


# a DCGAN-style generator: latent (N, 8, 1, 1) -> image (N, 1, 8, 8)
gen = nn.Sequential(
    nn.ConvTranspose2d(8, 6, 4, stride=1, padding=0, bias=False),
    nn.ReLU(),
    nn.ConvTranspose2d(6, 3, 4, stride=2, padding=1),
    nn.ReLU(),
    nn.ConvTranspose2d(3, 1, 3, stride=1, padding=1, bias=False),
    nn.Tanh(),
)
print(gen)
z = torch.randn(2, 8, 1, 1)
img = gen(z)
show("image", img)
print(img.grad_fn.__class__.__name__, img.grad_fn.next_functions[0][0].__class__.__name__)
loss = ((img - 0.25) ** 2).mean()
loss.backward()
print("loss", round(loss.item(), 4))
for name, p in gen.named_parameters():
    show(name + ".grad", p.grad)

# a tiny volumetric autoencoder: Conv3d down, ConvTranspose3d up, output_size= to match
enc = nn.Conv3d(2, 4, 3, stride=2, padding=1)
dec = nn.ConvTranspose3d(4, 2, 3, stride=2, padding=1)
print(enc, dec, sep="\n")
vol = torch.randn(1, 2, 5, 6, 4, requires_grad=True)
code = torch.relu(enc(vol))
print(code.shape, code.grad_fn.__class__.__name__)
rec = dec(code, output_size=vol.shape)
print(rec.shape, rec.grad_fn.__class__.__name__)
err = F.mse_loss(rec, vol)
err.backward()
print("mse", round(err.item(), 4))
show("vol.grad", vol.grad)
show("enc.weight.grad", enc.weight.grad)
show("dec.bias.grad", dec.bias.grad)

# 1-D transposed convolution with groups, dilation and output_padding
up = nn.ConvTranspose1d(4, 2, 3, stride=3, output_padding=2, groups=2, dilation=2)
print(up)
seq = torch.randn(4, 5)
out = up(seq)
show("up1d", out)
print(out.grad_fn.__class__.__name__)
reflect = nn.Conv3d(2, 2, 3, padding=1, padding_mode="replicate", groups=2, bias=False)
print(reflect)
show("replicate", reflect(vol.detach()))
try:
    F.conv_transpose2d(torch.randn(1, 4, 3, 3), torch.randn(4, 2, 3, 3), stride=2, output_padding=2)
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    F.conv3d(torch.randn(1, 3, 4, 4, 4), torch.randn(2, 2, 3, 3, 3))
except RuntimeError as e:
    print("RuntimeError:", e)
