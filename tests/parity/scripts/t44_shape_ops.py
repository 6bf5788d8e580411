"""Shape, indexing, scatter and counting ops: values, shapes, grad_fn names, gradients and
errors, as a PyTorch script prints them."""
import torch



def name(t):
    return t.grad_fn.name()


torch.manual_seed(0)
x = torch.randn(3, 4, requires_grad=True)
print(name(torch.flip(x, [0, 1])), x.flip(1)[0])
print(torch.roll(x, 1, 1)[0], torch.rot90(x).shape, name(torch.rot90(x, 2, [1, 0])))
print(name(torch.tril(x, -1)), torch.triu(x)[1])
print(torch.tril_indices(3, 3), torch.triu_indices(2, 4, 1))
print(torch.diag(x), name(torch.diagonal(x, 1)), torch.diag_embed(x[0, :2]))
print(torch.trace(x), torch.diagflat(torch.tensor([1, 2])), name(torch.trace(x)))
print(x.repeat_interleave(2, dim=0).shape, torch.repeat_interleave(torch.tensor([2, 0, 1])))
print(torch.tile(torch.arange(3), (2, 2)))
print(torch.movedim(torch.zeros(2, 3, 4), 0, -1).shape, name(torch.moveaxis(x, 0, 1)))
print([t.shape for t in torch.tensor_split(torch.arange(10), 3)], torch.hsplit(x, 2)[1].shape)
print(torch.hstack([torch.ones(2), torch.zeros(3)]), torch.vstack([torch.ones(2), torch.zeros(2)]))
print(torch.column_stack([torch.arange(3), torch.arange(3) * 2]), torch.dstack([x, x]).shape)
print(torch.atleast_2d(torch.tensor(3.)), [t.shape for t in torch.atleast_3d(x, torch.ones(2))])
print(name(torch.take(x, torch.tensor([0, 11]))), torch.take_along_dim(x, x.argmax(1, keepdim=True), 1))
gx, gy = torch.meshgrid(torch.arange(3), torch.arange(2), indexing="xy")
print(gx, gy, torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4])))
print(torch.combinations(torch.tensor([1, 2, 3]), 2), torch.vander(torch.tensor([1, 2, 3]), 4))
idx = torch.tensor([[0, 1, 2, 0]])
src = torch.arange(1., 5.).reshape(1, 4).requires_grad_()
for reduce in ["sum", "prod", "mean", "amax", "amin"]:
    y = x.scatter_reduce(0, idx, src, reduce, include_self=reduce != "mean")
    y.sum().backward()
    print(reduce, y[0], y.grad_fn.name(), src.grad[0], x.grad[0])
    x.grad = src.grad = None
print(torch.zeros(3, 4).scatter_(1, torch.tensor([[3], [0], [1]]), 1.0))
print(torch.zeros(2, 3).scatter_add_(0, torch.tensor([[1, 1, 0]]), torch.ones(1, 3)))
print(name(x.index_fill(1, torch.tensor([0, 2]), -1.)), x.index_copy(0, torch.tensor([2]), src[:1, :4] * 0)[2])
print(name(x.masked_select(x > 0)), name(x.masked_scatter(x > 0, torch.zeros(12))))
a = torch.tensor([4, 1, 1, 3, 4, 4])
print(torch.unique(a, return_inverse=True, return_counts=True), torch.unique_consecutive(a))
print(torch.bincount(a), torch.count_nonzero(x > 0), torch.argwhere(a == 4).t())
print(torch.histc(torch.tensor([1., 2, 1]), bins=4, min=0, max=3), torch.histogram(torch.tensor([1., 2, 1]), bins=2))
seq = torch.tensor([1, 3, 5, 7])
print(torch.bucketize(torch.tensor([0, 3, 6]), seq), torch.searchsorted(seq, torch.tensor([3, 8]), right=True))
y = torch.zeros(2, 3)
print(y.t_().shape, y.unsqueeze_(0).shape, y.squeeze_().shape, y.transpose_(0, 1).shape)
print(torch.arange(6.).as_strided((2, 2), (1, 2)), torch.ravel(x.t()).shape)
h = x * 2
h.t_()
h.unsqueeze_(0)
(h * torch.arange(12.).reshape(1, 4, 3)).sum().backward()
print(h.shape, x.grad)
x.grad = None
for bad in [lambda: torch.flip(x, [0, 0]), lambda: torch.tril(torch.ones(3)), lambda: torch.rot90(x, 1, [0]),
            lambda: x.scatter(0, idx.float(), src), lambda: torch.take(x, torch.tensor([12])),
            lambda: torch.bincount(torch.tensor([-1])), lambda: torch.hsplit(x, 3),
            lambda: torch.meshgrid(x, indexing="ij"), lambda: x.scatter_reduce(0, idx, src, "max")]:
    try:
        bad()
    except Exception as e:
        print(type(e).__name__, str(e).split("\n")[0][:64])
