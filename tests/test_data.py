"""pytorchlite.utils.data: datasets, samplers, collate and DataLoader batching."""
import collections

import numpy as np
import pytest

import pytorchlite as torch
from pytorchlite.utils import data
from pytorchlite.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    random_split,
)
from pytorchlite.utils.data import dataloader as dataloader_module


def _xy(n=10, features=3):
    x = torch.tensor(np.arange(n * features, dtype=np.float32).reshape(n, features))
    y = torch.tensor(np.arange(n, dtype=np.int64) * 10)
    return x, y


def test_tensor_dataset():
    x, y = _xy()
    ds = TensorDataset(x, y)
    assert len(ds) == 10
    xi, yi = ds[3]
    np.testing.assert_array_equal(xi.numpy(), [9.0, 10.0, 11.0])
    assert yi.item() == 30 and yi.dim() == 0
    with pytest.raises(AssertionError, match="^Size mismatch between tensors$"):
        TensorDataset(x, torch.tensor(np.zeros(9, np.float32)))


def test_batches_and_drop_last():
    x, y = _xy()
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert [b[1].numpy().tolist() for b in batches] == [[0, 10, 20, 30], [40, 50, 60, 70],
                                                        [80, 90]]
    for xb, yb in batches:
        assert xb.dtype == torch.float32 and yb.dtype == torch.int64
    assert type(batches[0]) is list and len(batches[0]) == 2
    assert tuple(batches[0][0].shape) == (4, 3) and tuple(batches[2][0].shape) == (2, 3)

    loader = DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [b[1].numpy().tolist() for b in loader] == [[0, 10, 20, 30], [40, 50, 60, 70]]


def test_batch_size_one_and_none():
    x, y = _xy(3)
    batches = list(DataLoader(TensorDataset(x, y)))
    assert len(batches) == 3 and tuple(batches[0][0].shape) == (1, 3)
    unbatched = list(DataLoader(TensorDataset(x, y), batch_size=None))
    assert len(unbatched) == 3
    assert type(unbatched[0]) is list and tuple(unbatched[0][0].shape) == (3,)


def _all_batches(loader):
    return [[t.numpy().copy() for t in batch] for batch in loader]


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_fast_path_equals_general_path(monkeypatch, shuffle, drop_last):
    x, y = _xy(23)
    w = torch.tensor(np.arange(23, dtype=np.float64) / 7)
    ds = TensorDataset(x, y, w)

    torch.manual_seed(5)
    fast = _all_batches(DataLoader(ds, batch_size=5, shuffle=shuffle, drop_last=drop_last))
    after_fast = torch.rand(4).numpy()

    monkeypatch.setattr(dataloader_module, "_ROW_GATHER", False)
    torch.manual_seed(5)
    loader = DataLoader(ds, batch_size=5, shuffle=shuffle, drop_last=drop_last)
    general = _all_batches(loader)
    after_general = torch.rand(4).numpy()

    assert len(fast) == len(general) == len(loader)
    for fb, gb in zip(fast, general):
        assert len(fb) == len(gb) == 3
        for f, g in zip(fb, gb):
            assert f.dtype == g.dtype and f.shape == g.shape
            np.testing.assert_array_equal(f, g)
    np.testing.assert_array_equal(after_fast, after_general)


def test_fast_path_batches_are_copies():
    x, y = _xy(4)
    xb, _ = next(iter(DataLoader(TensorDataset(x, y), batch_size=2)))
    xb.mul_(0)
    assert x.numpy()[0, 1] == 1.0


def test_shuffle_is_a_permutation_and_reproducible():
    x, y = _xy(20)
    ds = TensorDataset(x, y)
    torch.manual_seed(0)
    first = np.concatenate([b[1].numpy() for b in DataLoader(ds, batch_size=6, shuffle=True)])
    assert sorted(first.tolist()) == list(range(0, 200, 10))
    torch.manual_seed(0)
    again = np.concatenate([b[1].numpy() for b in DataLoader(ds, batch_size=6, shuffle=True)])
    np.testing.assert_array_equal(first, again)
    loader = DataLoader(ds, batch_size=6, shuffle=True)
    e1 = np.concatenate([b[1].numpy() for b in loader])
    e2 = np.concatenate([b[1].numpy() for b in loader])
    assert not np.array_equal(e1, e2)  # reshuffled each epoch


def test_generator_argument_drives_the_shuffle():
    ds = TensorDataset(*_xy(12))
    orders = []
    for _ in range(2):
        g = torch.Generator()
        g.manual_seed(123)
        torch.manual_seed(99)  # the global stream must not matter
        loader = DataLoader(ds, batch_size=4, shuffle=True, generator=g)
        orders.append(np.concatenate([b[1].numpy() for b in loader]))
        torch.manual_seed(7)
    np.testing.assert_array_equal(orders[0], orders[1])


def test_iterator_draws_from_the_global_stream_even_without_shuffle():
    ds = TensorDataset(*_xy(6))
    torch.manual_seed(3)
    untouched = torch.rand(2).numpy()
    torch.manual_seed(3)
    list(DataLoader(ds, batch_size=2))
    assert not np.array_equal(torch.rand(2).numpy(), untouched)


class _Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return {"i": i, "sq": float(i * i), "v": torch.tensor(np.array([i, -i], np.float32))}

    def __len__(self):
        return self.n


def test_custom_dataset_dict_collate():
    batches = list(DataLoader(_Squares(5), batch_size=2))
    assert len(batches) == 3
    b = batches[0]
    assert set(b) == {"i", "sq", "v"}
    assert b["i"].dtype == torch.int64 and b["i"].numpy().tolist() == [0, 1]
    assert b["sq"].dtype == torch.float64 and b["sq"].numpy().tolist() == [0.0, 1.0]
    np.testing.assert_array_equal(b["v"].numpy(), [[0, 0], [1, -1]])


def test_default_collate_types():
    point = collections.namedtuple("Point", ["x", "y"])
    out = default_collate([point(1, 2.0), point(3, 4.0)])
    assert type(out) is point
    assert out.x.dtype == torch.int64 and out.y.dtype == torch.float64
    out = default_collate([(1, "a"), (2, "b")])
    assert type(out) is list and out[1] == ("a", "b")
    out = default_collate([[1, 2], [3, 4]])
    assert [t.numpy().tolist() for t in out] == [[1, 3], [2, 4]]
    out = default_collate([np.array([1.0, 2.0]), np.array([3.0, 4.0])])
    assert out.dtype == torch.float64 and tuple(out.shape) == (2, 2)
    out = default_collate([True, False])
    assert out.dtype == torch.bool
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal "
                                           "size"):
        default_collate([[1, 2], [3]])


def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert list(BatchSampler(SequentialSampler(range(10)), 3, False)) == [
        [0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert list(BatchSampler(SequentialSampler(range(10)), 3, True)) == [
        [0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len(BatchSampler(range(10), 3, False)) == 4
    assert len(BatchSampler(range(10), 3, True)) == 3
    g = torch.Generator()
    g.manual_seed(1)
    perm = list(RandomSampler(range(9), generator=g))
    assert sorted(perm) == list(range(9))
    g.manual_seed(1)
    assert list(RandomSampler(range(9), generator=g)) == perm
    g.manual_seed(1)
    with_replacement = list(RandomSampler(range(5), replacement=True, num_samples=70,
                                          generator=g))
    assert len(with_replacement) == 70 and set(with_replacement) <= set(range(5))
    picked = list(SubsetRandomSampler([10, 20, 30]))
    assert sorted(picked) == [10, 20, 30]
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(range(3), num_samples=0)


def test_dataloader_argument_errors():
    ds = TensorDataset(*_xy(4))
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=BatchSampler(range(4), 2, False), batch_size=2)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    loader = DataLoader(ds, batch_size=2)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after "
                                         "DataLoader is initialized"):
        loader.batch_size = 3


def test_custom_sampler_and_batch_sampler():
    ds = TensorDataset(*_xy(6))
    got = [b[1].numpy().tolist() for b in DataLoader(ds, batch_size=2, sampler=[5, 3, 1, 0])]
    assert got == [[50, 30], [10, 0]]
    got = [b[1].numpy().tolist()
           for b in DataLoader(ds, batch_sampler=[[0, 5], [2], [1, 1, 1]])]
    assert got == [[0, 50], [20], [10, 10, 10]]


def test_subset_and_random_split():
    ds = TensorDataset(*_xy(10))
    sub = Subset(ds, [7, 2])
    assert len(sub) == 2 and sub[0][1].item() == 70
    g = torch.Generator()
    g.manual_seed(42)
    parts = random_split(ds, [3, 7], generator=g)
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    g.manual_seed(42)
    assert random_split(ds, [3, 7], generator=g)[0].indices == parts[0].indices
    parts = random_split(range(10), [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(ds, [3, 3])


def test_iterable_dataset():
    class Stream(data.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    batches = [b.numpy().tolist() for b in DataLoader(Stream(), batch_size=3)]
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    batches = [b.numpy().tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)]
    assert batches == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(), shuffle=True)


def test_concat_dataset():
    a = TensorDataset(*_xy(3))
    b = TensorDataset(*_xy(2))
    both = a + b
    assert len(both) == 5 and both[3][1].item() == 0 and both[-1][1].item() == 10
