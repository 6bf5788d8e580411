"""DistributedSampler: each of ``num_replicas`` processes reads its own share of a dataset.

The permutation is ``randperm(len(dataset))`` from a fresh Generator seeded with
``seed + epoch``, the same on every replica and the same as PyTorch's; the list is padded
by repeating its head (or cut, with ``drop_last``) to a multiple of ``num_replicas``, and
replica ``rank`` takes every ``num_replicas``-th index from position ``rank``.

reference: https://pytorch.org/docs/stable/data.html#torch.utils.data.distributed.DistributedSampler
"""
import math

import pytorchlite

from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _no_process_group():
    # what torch.distributed raises when asked for the world size or rank without
    # init_process_group(); pytorchlite has no process groups
    from ...distributed import _NO_GROUP

    return ValueError(_NO_GROUP)


class DistributedSampler(Sampler):
    r"""Sampler that restricts data loading to a subset of the dataset.

    Args:
        dataset: Dataset used for sampling.
        num_replicas (int): Number of processes participating in distributed training.
        rank (int): Rank of the current process within :attr:`num_replicas`.
        shuffle (bool, optional): If ``True`` (default), sampler will shuffle the indices.
        seed (int, optional): random seed used to shuffle the sampler if
            :attr:`shuffle=True`; identical across all processes. Default: ``0``.
        drop_last (bool, optional): if ``True``, drop the tail of the data to make it
            evenly divisible across the replicas; if ``False``, add extra indices (the
            first ones again) to make it so. Default: ``False``.

    Call :meth:`set_epoch` at the start of each epoch, before creating the DataLoader
    iterator, to get a new order each epoch.

    Note:
        pytorchlite has no ``torch.distributed``: ``num_replicas`` and ``rank`` must be
        given; without them this raises the ValueError torch raises when no process group
        is initialised.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            raise _no_process_group()
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            # the largest equal share: the tail past it is dropped
            self.num_samples = math.ceil(
                (len(self.dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            g = pytorchlite.Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = pytorchlite.randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))

        if not self.drop_last:
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            else:
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[: self.total_size]
        if len(indices) != self.total_size:
            raise AssertionError(
                f"Number of indices ({len(indices)}) does not match total_size "
                f"({self.total_size})"
            )

        indices = indices[self.rank: self.total_size: self.num_replicas]
        if len(indices) != self.num_samples:
            raise AssertionError(
                f"Number of subsampled indices ({len(indices)}) does not match num_samples "
                f"({self.num_samples})"
            )
        return iter(indices)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        r"""Set the epoch for this sampler: with ``shuffle=True`` each epoch gets its own
        order (the same on every replica)."""
        self.epoch = epoch
