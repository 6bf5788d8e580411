"""The guide, part 5: initialise weights with Xavier, Kaiming or orthogonal and biases with zeros."""
import torch
import torch.nn as nn


def init_weights(model, method):
    for name, p in model.named_parameters():
        if "weight" in name:
            if method == "xavier":
                nn.init.xavier_normal_(p.data)
            elif method == "kaiming":
                nn.init.kaiming_normal_(p.data, mode="fan_out", nonlinearity="relu")
            elif method == "orthogonal":
                nn.init.orthogonal_(p.data)
        else:
            nn.init.zeros_(p.data)


for method in ("xavier", "kaiming", "orthogonal"):
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 2))
    init_weights(model, method)
    print(method)
    for name, p in model.named_parameters():
        print(f"  {name}: mean={p.data.mean():.4f} std={p.data.std():.4f}")
