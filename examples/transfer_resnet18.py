"""Transfer learning with the guide's recipe on a ResNet-18 (examples/resnet.py).

Count the parameters (the guide's count_parameters), freeze the backbone, replace the
classifier `fc` by a 10-class head and train it a few SGD-momentum steps; then unfreeze
`layer4` with a ten times lower learning rate in a second parameter group, train a few more
steps, and evaluate in eval() mode. The images are generated (8 x 3 x 64 x 64 per batch), so
it runs in seconds, offline. A PyTorch script: run it with ``python transfer_resnet18.py``, or
with pytorchlite standing in for torch as ``python -m pytorchlite run transfer_resnet18.py``.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resnet import resnet18  # noqa: E402


def count_parameters(model):
    """Count total and trainable parameters in a PyTorch model (the guide's function)."""
    total_params = sum(p.numel() for p in model.parameters())
    trainable_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return {'total': total_params, 'trainable': trainable_params,
            'non_trainable': total_params - trainable_params}


def print_counts(title, model):
    counts = count_parameters(model)
    print(title)
    print(f"  Total parameters: {counts['total']:,}")
    print(f"  Trainable parameters: {counts['trainable']:,}")
    print(f"  Non-trainable parameters: {counts['non_trainable']:,}")


def train(model, optimizer, images, labels, steps, tag):
    model.train()
    for step in range(steps):
        batch = slice((step % 2) * 8, (step % 2) * 8 + 8)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images[batch]), labels[batch])
        loss.backward()
        optimizer.step()
        print(f"{tag} step {step}: loss {loss.item():.3f}")


torch.manual_seed(0)
model = resnet18()  # stands in for a pretrained backbone (no download here)
print_counts("ResNet-18 as built:", model)

# 1. freeze the backbone, replace the head
for param in model.parameters():
    param.requires_grad = False
model.fc = nn.Linear(model.fc.in_features, 10)
print("new head:", model.fc)
print_counts("frozen backbone, new head:", model)

# generated "images": two batches of 8, the class shifts the mean of one colour channel
labels = torch.arange(16) % 10
images = torch.randn(16, 3, 64, 64) * 0.5
images[:, labels % 3] += (labels.float() / 10).view(16, 1, 1)

frozen_before = model.conv1.weight.clone()
head = torch.optim.SGD(model.fc.parameters(), lr=0.05, momentum=0.9)
train(model, head, images, labels, 4, "head")
print("backbone unchanged:", torch.equal(frozen_before, model.conv1.weight))

# 2. unfreeze layer4 with a lower learning rate in its own parameter group
for param in model.layer4.parameters():
    param.requires_grad = True
print_counts("layer4 unfrozen:", model)
optimizer = torch.optim.SGD([{"params": model.fc.parameters(), "lr": 0.05},
                             {"params": model.layer4.parameters(), "lr": 0.005}], momentum=0.9)
for i, group in enumerate(optimizer.param_groups):
    print(f"group {i}: lr={group['lr']} tensors={len(group['params'])} "
          f"elements={sum(p.numel() for p in group['params']):,}")
layer4_before = model.layer4[1].conv2.weight.clone()
train(model, optimizer, images, labels, 3, "fine-tune")
print("layer4 changed:", not torch.equal(layer4_before, model.layer4[1].conv2.weight))
print("conv1 still unchanged:", torch.equal(frozen_before, model.conv1.weight))
print("frozen grads:", model.layer3[0].conv1.weight.grad)

# 3. evaluate with the running statistics
model.eval()
with torch.no_grad():
    logits = model(images)
print("eval logits:", tuple(logits.shape), "training mode:", model.training)
print("eval loss:", f"{F.cross_entropy(logits, labels).item():.2f}")
