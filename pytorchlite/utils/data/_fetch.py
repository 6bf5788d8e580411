"""Fetchers: turn one index (or one list of indices) from the sampler into a collated batch.

The same fetchers run in the main process (``num_workers=0``) and in each worker process, so
both paths call ``__getitem__``/``__getitems__``/``next()`` and the collate function in the
same order.

reference: https://pytorch.org/docs/stable/data.html#loading-batched-and-non-batched-data
"""

import pytorchlite

__all__ = []


class _DatasetKind:
    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last, row_gather=False):
        """``row_gather``: the loader checked that ``_TensorRowsFetcher`` gives the same
        batches (see ``dataloader._row_gather_tensors``)."""
        if kind == _DatasetKind.Map:
            fetcher_cls = _TensorRowsFetcher if row_gather else _MapDatasetFetcher
            return fetcher_cls(dataset, auto_collation, collate_fn, drop_last)
        return _IterableDatasetFetcher(dataset, auto_collation, collate_fn, drop_last)


class _BaseDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, possibly_batched_index):
        raise NotImplementedError


class _MapDatasetFetcher(_BaseDatasetFetcher):
    """``dataset[i]`` for each index of the batch (or ``__getitems__`` once), then collate."""

    def fetch(self, possibly_batched_index):
        dataset = self.dataset
        if self.auto_collation:
            getitems = getattr(dataset, "__getitems__", None)
            if getitems:
                data = getitems(possibly_batched_index)
            else:
                data = [dataset[idx] for idx in possibly_batched_index]
        else:
            data = dataset[possibly_batched_index]
        return self.collate_fn(data)


class _TensorRowsFetcher(_BaseDatasetFetcher):
    """A TensorDataset batch gathered from each tensor with one index operation: the same
    list of tensors as ``default_collate`` over per-sample ``__getitem__``."""

    def fetch(self, possibly_batched_index):
        index = pytorchlite.tensor(possibly_batched_index, dtype=pytorchlite.int64)
        return [t[index] for t in self.dataset.tensors]


class _IterableDatasetFetcher(_BaseDatasetFetcher):
    """``next()`` on this process's iterator of the dataset, ``batch_size`` times; raises
    StopIteration once the stream is exhausted (or the last batch is short and dropped)."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in possibly_batched_index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if len(data) == 0 or (self.drop_last and len(data) < len(possibly_batched_index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)
