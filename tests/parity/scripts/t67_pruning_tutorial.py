# The pruning tutorial: LeNet, random/L1/Ln pruning, iterative pruning, serialization, remove, global pruning, a custom method
import torch
from torch import nn
import torch.nn.utils.prune as prune
import torch.nn.functional as F

torch.manual_seed(0)


class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 3)
        self.conv2 = nn.Conv2d(6, 16, 3)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, int(x.nelement() / x.shape[0]))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


model = LeNet()
module = model.conv1
print(list(module.named_parameters()))
print(list(module.named_buffers()))
prune.random_unstructured(module, name="weight", amount=0.3)
print(list(module.named_parameters()))
print(list(module.named_buffers()))
print(module.weight)
print([(k, type(h).__name__) for k, h in module._forward_pre_hooks.items()])
prune.l1_unstructured(module, name="bias", amount=3)
print(list(module.named_parameters()))
print(list(module.named_buffers()))
print(module.bias)
print([(k, type(h).__name__) for k, h in module._forward_pre_hooks.items()])
prune.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)
print(module.weight)
for hook in module._forward_pre_hooks.values():
    if hook._tensor_name == "weight":
        break
print([type(h).__name__ for h in hook])
print(model.state_dict().keys())
prune.remove(module, 'weight')
print(list(module.named_parameters()))
print(list(module.named_buffers()))
new_model = LeNet()
for name, module in new_model.named_modules():
    if isinstance(module, torch.nn.Conv2d):
        prune.l1_unstructured(module, name='weight', amount=0.2)
    elif isinstance(module, torch.nn.Linear):
        prune.l1_unstructured(module, name='weight', amount=0.4)
print(dict(new_model.named_buffers()).keys())
model = LeNet()
parameters_to_prune = ((model.conv1, 'weight'), (model.conv2, 'weight'), (model.fc1, 'weight'), (model.fc2, 'weight'), (model.fc3, 'weight'))
prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured, amount=0.2)
for name, m in [("conv1", model.conv1), ("conv2", model.conv2), ("fc1", model.fc1), ("fc2", model.fc2), ("fc3", model.fc3)]:
    print("Sparsity in {}.weight: {:.2f}%".format(name, 100. * float(torch.sum(m.weight == 0)) / float(m.weight.nelement())))
print(prune.is_pruned(model))
out = model(torch.randn(2, 1, 28, 28))
print(out.shape, out.grad_fn.name())


class FooBarPruningMethod(prune.BasePruningMethod):
    PRUNING_TYPE = 'unstructured'

    def compute_mask(self, t, default_mask):
        mask = default_mask.clone()
        mask.view(-1)[::2] = 0
        return mask


def foobar_unstructured(module, name):
    FooBarPruningMethod.apply(module, name)
    return module


model = LeNet()
foobar_unstructured(model.fc3, name='bias')
print(model.fc3.bias_mask)
m = nn.Linear(5, 4)
prune.random_structured(m, "weight", amount=2, dim=1)
print(m.weight_mask)
prune.custom_from_mask(m, "bias", torch.tensor([1., 0., 1., 0.]))
print(m.bias, m.bias_orig.grad)
(m(torch.ones(1, 5)).sum()).backward()
print(m.weight_orig.grad, m.bias_orig.grad)
for bad in [lambda: prune.l1_unstructured(nn.Linear(2, 2), "weight", amount=1.5), lambda: prune.l1_unstructured(nn.Linear(2, 2), "weight", amount=9),
            lambda: prune.remove(nn.Linear(2, 2), "weight"), lambda: prune.ln_structured(nn.Linear(2, 2), "bias", 1, 2, 0), lambda: prune.l1_unstructured(nn.Linear(2, 2), "weight", amount="a")]:
    try:
        bad()
    except Exception as e:
        print(type(e).__name__, str(e)[:120])
