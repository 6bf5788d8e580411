"""StackDataset, ConcatDataset/ChainDataset and DistributedSampler against torch.utils.data."""
import pytest

import pytorchlite
from pytorchlite.utils.data import (
    ChainDataset,
    ConcatDataset,
    DataLoader,
    DistributedSampler,
    IterableDataset,
    StackDataset,
    TensorDataset,
)
from pytorchlite.utils.data import distributed as distributed_module


def torch_or_skip():
    return pytest.importorskip("torch")


class Batched:
    """A dataset with ``__getitems__`` that counts its calls (and may return too few)."""

    def __init__(self, n, short=False):
        self.n = n
        self.short = short
        self.calls = 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i * 100

    def __getitems__(self, indices):
        self.calls += 1
        items = [i * 100 + 1 for i in indices]
        return items[:-1] if self.short else items


# ---- StackDataset ----

def test_stack_dataset_tuple_and_dict_forms():
    stack = StackDataset(range(3), "abc")
    assert len(stack) == 3 and stack[1] == (1, "b")
    assert stack.__getitems__([2, 0]) == [(2, "c"), (0, "a")]
    named = StackDataset(n=range(3), s="abc")
    assert named[2] == {"n": 2, "s": "c"}
    assert named.__getitems__([0, 1]) == [{"n": 0, "s": "a"}, {"n": 1, "s": "b"}]
    assert isinstance(stack.datasets, tuple) and isinstance(named.datasets, dict)


def test_stack_dataset_uses_nested_getitems():
    inner = Batched(4)
    assert StackDataset(inner, range(4)).__getitems__([3, 1]) == [(301, 3), (101, 1)]
    assert StackDataset(a=inner).__getitems__([0]) == [{"a": 1}]
    assert inner.calls == 2
    assert StackDataset(inner)[2] == (200,)


def test_stack_dataset_matches_torch():
    torch = torch_or_skip()
    T = torch.utils.data
    for args, kwargs in [((range(4), Batched(4)), {}), ((), {"x": range(4), "y": Batched(4)})]:
        mine, theirs = StackDataset(*args, **kwargs), T.StackDataset(*args, **kwargs)
        assert mine.__getitems__([1, 3]) == theirs.__getitems__([1, 3])
        assert [mine[i] for i in range(4)] == [theirs[i] for i in range(4)]
    x = torch.arange(12).reshape(6, 2)
    batches = [[b.tolist() for b in batch]
               for batch in T.DataLoader(T.StackDataset(x, x * 2), batch_size=4)]
    px = pytorchlite.tensor(x.tolist())
    mine = [[b.tolist() for b in batch]
            for batch in DataLoader(StackDataset(px, px * 2), batch_size=4)]
    assert mine == batches


def test_stack_dataset_errors_match_torch():
    torch = torch_or_skip()
    T = torch.utils.data
    cases = [((range(2),), {"a": range(2)}), ((range(2), range(3)), {}),
             ((), {"a": range(2), "b": range(3)}), ((), {})]
    for args, kwargs in cases:
        errors = []
        for cls in (StackDataset, T.StackDataset):
            with pytest.raises(ValueError) as info:
                cls(*args, **kwargs)
            errors.append(str(info.value))
        assert errors[0] == errors[1]
    errors = []
    for cls in (StackDataset, T.StackDataset):
        with pytest.raises(ValueError) as info:
            cls(range(3), Batched(3, short=True)).__getitems__([0, 1])
        errors.append(str(info.value))
    assert errors[0] == errors[1] == "Nested dataset's output size mismatch. Expected 2, got 1"


# ---- ConcatDataset / ChainDataset ----

class Count(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_concat_and_chain_datasets():
    concat = ConcatDataset([range(3), TensorDataset(pytorchlite.arange(2))])
    assert len(concat) == 5 and concat[1] == 1 and concat[-1][0].item() == 1
    chain = ChainDataset([Count(2), Count(3)])
    assert list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5
    assert list(Count(1) + Count(2)) == [0, 0, 1]
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([Count(2)])


# ---- DistributedSampler ----

@pytest.mark.parametrize("n", [0, 1, 7, 10, 13])
@pytest.mark.parametrize("num_replicas", [1, 3, 4])
def test_distributed_sampler_indices_match_torch(n, num_replicas):
    torch = torch_or_skip()
    TD = torch.utils.data.distributed.DistributedSampler
    for rank in range(num_replicas):
        for shuffle in (True, False):
            for drop_last in (True, False):
                mine = DistributedSampler(range(n), num_replicas=num_replicas, rank=rank,
                                          shuffle=shuffle, seed=3, drop_last=drop_last)
                theirs = TD(range(n), num_replicas=num_replicas, rank=rank,
                            shuffle=shuffle, seed=3, drop_last=drop_last)
                assert (mine.num_samples, mine.total_size, len(mine)) == (
                    theirs.num_samples, theirs.total_size, len(theirs))
                for epoch in (0, 1, 7):
                    mine.set_epoch(epoch)
                    theirs.set_epoch(epoch)
                    if n == 0 and not drop_last:
                        continue  # both fail on the padding of an empty dataset
                    assert list(mine) == list(theirs), (rank, shuffle, drop_last, epoch)


def test_distributed_sampler_replicas_cover_the_dataset():
    parts = [list(DistributedSampler(range(10), num_replicas=3, rank=r)) for r in range(3)]
    everything = sum(parts, [])
    assert len(everything) == 12 and set(everything) == set(range(10))  # two repeated
    s = DistributedSampler(range(10), num_replicas=3, rank=0)
    first = list(s)
    assert list(s) == first
    s.set_epoch(1)
    assert list(s) != first and s.epoch == 1


def test_distributed_sampler_does_not_touch_the_global_stream():
    pytorchlite.manual_seed(0)
    expected = pytorchlite.rand(3).tolist()
    pytorchlite.manual_seed(0)
    list(DistributedSampler(range(10), num_replicas=2, rank=1))
    assert pytorchlite.rand(3).tolist() == expected


def test_distributed_sampler_errors_match_torch():
    torch = torch_or_skip()
    TD = torch.utils.data.distributed.DistributedSampler
    for kwargs in [{}, {"num_replicas": 2}, {"rank": 0}, {"num_replicas": 2, "rank": 2},
                   {"num_replicas": 2, "rank": -1}]:
        errors = []
        for cls in (DistributedSampler, TD):
            with pytest.raises(Exception) as info:
                cls(range(4), **kwargs)
            errors.append((info.type, str(info.value)))
        assert errors[0] == errors[1], kwargs


def test_distributed_sampler_in_a_loader_with_workers():
    torch = torch_or_skip()
    out = []
    for lib, sampler_cls in ((pytorchlite, DistributedSampler),
                             (torch, torch.utils.data.distributed.DistributedSampler)):
        sampler = sampler_cls(range(11), num_replicas=2, rank=1, seed=5)
        sampler.set_epoch(2)
        loader = lib.utils.data.DataLoader(range(11), batch_size=2, sampler=sampler,
                                           num_workers=2)
        out.append([b.tolist() for b in loader])
    assert out[0] == out[1]


def test_distributed_module_path():
    assert pytorchlite.utils.data.distributed is distributed_module
    assert distributed_module.DistributedSampler is DistributedSampler
