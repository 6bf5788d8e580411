import torch
import torch.nn as nn

torch.manual_seed(42)
w = torch.empty(64, 32)
for name, fn in [
    ("xavier_uniform", lambda t: nn.init.xavier_uniform_(t)),
    ("xavier_normal", lambda t: nn.init.xavier_normal_(t, gain=2.0)),
    ("kaiming_uniform", lambda t: nn.init.kaiming_uniform_(t, nonlinearity="relu")),
    ("kaiming_normal", lambda t: nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")),
    ("normal", lambda t: nn.init.normal_(t, mean=1.0, std=0.5)),
    ("uniform", lambda t: nn.init.uniform_(t, -0.1, 0.1)),
    ("constant", lambda t: nn.init.constant_(t, 0.3)),
    ("zeros", lambda t: nn.init.zeros_(t)),
    ("ones", lambda t: nn.init.ones_(t)),
    ("orthogonal", lambda t: nn.init.orthogonal_(t)),
    ("trunc_normal", lambda t: nn.init.trunc_normal_(t, std=0.02)),
]:
    fn(w)
    print(f"{name:16s} mean={w.mean().item():+.4f} std={w.std().item():.4f} "
          f"min={w.min().item():+.4f} max={w.max().item():+.4f}")
print(nn.init.calculate_gain("relu"), nn.init.calculate_gain("tanh"),
      nn.init.calculate_gain("leaky_relu", 0.2), nn.init.calculate_gain("sigmoid"))
e = torch.empty(3, 3)
nn.init.eye_(e)
print(e)
lin = nn.Linear(5, 3)
print(lin.weight)
print(lin.bias)


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        m.bias.data.fill_(0.01)


net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
net.apply(init_weights)
print(net[0].weight)
print(net[2].bias)
print(net[0].weight.data.mean())
