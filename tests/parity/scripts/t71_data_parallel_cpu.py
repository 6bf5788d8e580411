# nn.DataParallel and nn.parallel on a CPU-only build
import torch
import torch.nn as nn
torch.manual_seed(0)
m = nn.DataParallel(nn.Linear(2, 3), device_ids=[0])
print(m); print(list(m.state_dict().keys()), m.device_ids)
print(m(torch.ones(1, 2)))
print(isinstance(m, nn.Module), m.module.weight.shape)
sd = m.module.state_dict(); m2 = nn.Linear(2, 3); print(m2.load_state_dict(sd))
for f in [lambda: nn.parallel.data_parallel(nn.Linear(2, 3), torch.ones(1, 2)), lambda: nn.parallel.DistributedDataParallel(nn.Linear(2, 2)), lambda: nn.DataParallel(nn.Linear(2, 3)).cuda()]:
    try: f()
    except Exception as e: print(type(e).__name__, e)
