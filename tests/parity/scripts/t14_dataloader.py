import torch
from torch.utils.data import DataLoader, TensorDataset, Dataset, random_split

torch.manual_seed(0)
X = torch.arange(20, dtype=torch.float32).reshape(10, 2)
y = torch.arange(10)
ds = TensorDataset(X, y)
print(len(ds), ds[3])
loader = DataLoader(ds, batch_size=4, shuffle=True)
print(len(loader))
for xb, yb in loader:
    print(xb.shape, yb)
loader = DataLoader(ds, batch_size=4, shuffle=False, drop_last=True)
print(len(loader))
for i, (xb, yb) in enumerate(loader):
    print(i, xb, yb)
train, test = random_split(ds, [7, 3])
print(len(train), len(test), train.indices, test.indices)
print(train[0])
g = torch.Generator().manual_seed(42)
a, b = random_split(range(10), [0.6, 0.4], generator=g)
print(list(a), list(b))


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": torch.tensor([float(i)]), "y": i * i}


dl = DataLoader(Squares(5), batch_size=2)
for batch in dl:
    print(batch)
batch = next(iter(DataLoader(ds, batch_size=3, shuffle=True)))
print(batch)
for xb, yb in DataLoader(ds, batch_size=6):
    print(yb.dtype, xb.dtype, yb)
print(DataLoader(ds, batch_size=3).batch_size)
