import io
import torch
import torch.nn as nn

torch.manual_seed(4)
model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
buf = io.BytesIO()
torch.save(model.state_dict(), buf)
buf.seek(0)
restored = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
print(restored.load_state_dict(torch.load(buf)))
x = torch.randn(2, 3)
print(torch.equal(model(x), restored(x)))
print(restored[0].weight)
buf = io.BytesIO()
torch.save({"epoch": 3, "t": torch.arange(4)}, buf)
buf.seek(0)
ck = torch.load(buf)
print(ck["epoch"], ck["t"])
