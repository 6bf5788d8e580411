import torch
import torch.nn as nn
import torch.nn.utils.prune as prune
from torch.utils.data import random_split, WeightedRandomSampler, SubsetRandomSampler, ConcatDataset, TensorDataset, DataLoader, Subset

torch.manual_seed(0)
m = nn.Linear(4, 3)
prune.random_unstructured(m, name="weight", amount=0.3)
print(list(m.named_buffers())[0][0], m.weight_mask)
prune.l1_unstructured(m, name="bias", amount=1)
print(m.bias)
prune.remove(m, "weight")
print(list(n for n, _ in m.named_parameters()))
conv = nn.Conv2d(2, 4, 3)
prune.ln_structured(conv, name="weight", amount=0.5, n=2, dim=0)
print(conv.weight_mask.sum())
ds = TensorDataset(torch.arange(10.), torch.arange(10))
a, b = random_split(ds, [0.7, 0.3], generator=torch.Generator().manual_seed(42))
print(len(a), len(b), a.indices, b.indices)
print(list(WeightedRandomSampler([0.1, 0.9, 0.4], 5, replacement=True)))
print(list(SubsetRandomSampler([3, 5, 7])))
cd = ConcatDataset([ds, Subset(ds, [1, 2])])
print(len(cd), cd[11])
for xb, yb in DataLoader(ds, batch_size=4, drop_last=True, shuffle=True):
    print(xb, yb)
gen = torch.Generator().manual_seed(3)
print(torch.randperm(6, generator=gen), torch.rand(2, generator=gen))
print(torch.nn.utils.parameters_to_vector(m.parameters()).shape)
v = torch.nn.utils.parameters_to_vector(m.parameters())
torch.nn.utils.vector_to_parameters(v * 0 + 1, m.parameters())
print(m.weight)
print(torch.nn.utils.clip_grad_value_ is not None)
sched_model = nn.Linear(2, 2)
opt = torch.optim.SGD(sched_model.parameters(), lr=0.1)
sch = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
for _ in range(5):
    opt.step(); sch.step()
print(sch.get_last_lr(), opt.param_groups[0]['momentum'])
sch2 = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1)
for l in [1.0, 1.0, 1.0, 1.0]:
    sch2.step(l)
print(opt.param_groups[0]['lr'])
