"""Parametrizations, lazy layers, state_dict hooks and functional_call, as the PyTorch
parametrizations tutorial and the torch.func docs use them."""
import torch
import torch.nn as nn
import torch.nn.utils.parametrize as parametrize


class Average(nn.Module):
    def forward(self, X):
        return (X + X.T) / 2


torch.manual_seed(0)
layer = nn.Linear(3, 3)
parametrize.register_parametrization(layer, "weight", Average())
print(layer)
print(parametrize.is_parametrized(layer), parametrize.is_parametrized(layer, "bias"))
print(list(layer.state_dict().keys()))
W = layer.weight
print(torch.allclose(W, W.T))
with parametrize.cached():
    print(layer.weight is layer.weight)
parametrize.remove_parametrizations(layer, "weight")
print(layer, type(layer).__name__)

sn = nn.utils.parametrizations.spectral_norm(nn.Linear(4, 3))
print([k for k in sn.state_dict()])
print("sigma-normalised weight:", sn.weight.detach())
orth = nn.utils.parametrizations.orthogonal(nn.Linear(3, 3))
print("orthogonal:", torch.allclose(orth.weight @ orth.weight.T, torch.eye(3), atol=1e-5))

lazy = nn.LazyLinear(2)
print(lazy, lazy.weight)
out = lazy(torch.ones(4, 5))
print(lazy, out.shape)
print(lazy.weight)

model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
model.register_state_dict_pre_hook(lambda m, prefix, keep_vars: print("saving", prefix or "<root>"))
print(list(model.state_dict().keys()))
params = {k: torch.zeros_like(v) for k, v in model.named_parameters()}
print(torch.func.functional_call(model, params, (torch.ones(3, 2),)))
print(model(torch.ones(1, 2)))

pl = nn.ParameterList([nn.Parameter(torch.randn(2)) for _ in range(3)])
pd = nn.ParameterDict({"scale": nn.Parameter(torch.ones(1)), "shift": nn.Parameter(torch.zeros(1))})
print(pl)
print(pd)
print(sum(p.numel() for p in pl.parameters()), list(pd.keys()))
