"""The guide, part 2: count total, trainable and frozen parameters."""
import torch.nn as nn


def parameter_counts(model):
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return total, trainable, total - trainable


for model in (nn.Linear(10, 20), nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 2)),
              nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))):
    total, trainable, frozen = parameter_counts(model)
    print(f"{type(model).__name__}: total={total:,} trainable={trainable:,} frozen={frozen:,}")
