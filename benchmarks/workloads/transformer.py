"""Workload: a Transformer encoder training step.

d_model 128, 4 heads, feed-forward 512, 2 nn.TransformerEncoderLayer layers (dropout 0.1,
batch_first), batch 16, sequence 64; mean-squared error against a random target, AdamW.
"""
import importlib

import _common

name, quick = _common.parse_args()
torch = importlib.import_module(name)
nn = importlib.import_module(name + ".nn")
F = importlib.import_module(name + ".nn.functional")
optim = importlib.import_module(name + ".optim")

D_MODEL, HEADS, FF, LAYERS, BATCH, SEQ = 128, 4, 512, 2, 16, 64

torch.manual_seed(0)
layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, FF, dropout=0.1, batch_first=True)
model = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
model.train()
optimizer = optim.AdamW(model.parameters(), lr=1e-3)
inputs = torch.randn(BATCH, SEQ, D_MODEL)
targets = torch.randn(BATCH, SEQ, D_MODEL)
STEPS = 3


def run():
    for _ in range(STEPS):
        optimizer.zero_grad()
        F.mse_loss(model(inputs), targets).backward()
        optimizer.step()


samples = _common.time_per_unit(run, STEPS, _common.repeats(10, quick), warmup=2)
_common.emit(torch, samples)
