"""Datasets and functions for tests/test_dataloader_workers.py, in an importable module so that
worker processes started with 'spawn' can unpickle them. Each works with pytorchlite or with
torch: the library is named by a string ("pytorchlite" or "torch") and imported on use."""
import importlib
import os
import random
import signal
import time

import numpy as np


def lib(name):
    return importlib.import_module(name)


def data(name):
    return importlib.import_module(name + ".utils.data")


class RandomDraws:
    """Sample i: (i, two draws of the library's rand, Python's random, NumPy's global rand,
    the worker's id and seed) — what a worker's seeding decides."""

    def __init__(self, lib_name, n=10):
        self.lib_name = lib_name
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = data(self.lib_name).get_worker_info()
        return (i, lib(self.lib_name).rand(2), random.random(), float(np.random.rand()),
                info.id, info.seed)


class WorkerFacts:
    """Sample i: what get_worker_info() and the worker_init_fn said in the worker that loaded
    it, as plain values."""

    def __init__(self, lib_name, n=6):
        self.lib_name = lib_name
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = data(self.lib_name).get_worker_info()
        return {"i": i, "id": info.id, "num_workers": info.num_workers,
                "dataset_n": info.dataset.n, "same_type": type(info.dataset) is type(self),
                "init": INIT_CALLS.get(info.id), "pid": os.getpid()}


# worker id -> what worker_init_fn saw (each worker process has its own copy)
INIT_CALLS = {}


def record_init(worker_id):
    info = importlib.import_module("pytorchlite.utils.data").get_worker_info()
    if info is None:  # running under torch
        info = importlib.import_module("torch.utils.data").get_worker_info()
    INIT_CALLS[worker_id] = (worker_id, info.id, info.num_workers)


def failing_init(worker_id):
    raise ValueError(f"init failed in {worker_id}")


class Failing:
    """Raises ``exc_type(message)`` at index ``bad``."""

    def __init__(self, bad=3, exc_type=ValueError, n=8):
        self.bad = bad
        self.exc_type = exc_type
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            raise self.exc_type(f"bad index {i}")
        return i


class TwoArgError(Exception):
    """An exception type that cannot be rebuilt from one message string."""

    def __init__(self, a, b):
        super().__init__(a, b)


class FailingTwoArg(Failing):
    def __getitem__(self, i):
        if i == self.bad:
            raise TwoArgError("a", "b")
        return i


class Dies:
    """The worker process exits abruptly at index ``bad``: exit code 3, or killed by
    SIGKILL when ``kill``."""

    def __init__(self, bad=2, n=8, kill=False):
        self.bad = bad
        self.n = n
        self.kill = kill

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            if self.kill:
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(3)
        return i


class Slow:
    """Each sample sleeps ``delay`` seconds (index ``only`` alone, when given)."""

    def __init__(self, n=8, delay=0.001, only=None):
        self.n = n
        self.delay = delay
        self.only = only

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.only is None or i == self.only:
            time.sleep(self.delay)
        return i


class Gated:
    """Index 0 waits (up to a minute) until the file ``flag_path`` exists: the test creates
    it, or loading index ``last`` does."""

    def __init__(self, flag_path, n=8, last=None):
        self.flag_path = flag_path
        self.n = n
        self.last = last

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == 0:
            end = time.monotonic() + 60
            while not os.path.exists(self.flag_path) and time.monotonic() < end:
                time.sleep(0.01)
        elif i == self.last:
            open(self.flag_path, "w").close()
        return i


def sum_collate(batch):
    """A collate_fn that the workers run: the batch's sum and its length."""
    return (sum(batch), len(batch))


def _sharded_iter(self):
    info = data(self.lib_name).get_worker_info()
    start, step = (0, 1) if info is None or not self.shard else (info.id, info.num_workers)
    for i in range(start, self.n, step):
        yield i * 10 + (0 if info is None else info.id)


def _iterable_class(lib_name):
    base = data(lib_name).IterableDataset

    class ShardedRange(base):
        """Yields i*10 + worker id for i in range(n); each worker takes every
        num_workers-th i when ``shard``, all of them otherwise."""

        def __init__(self, n, shard=True, length=None):
            self.lib_name = lib_name
            self.n = n
            self.shard = shard
            self.length = n if length is None else length

        def __len__(self):
            return self.length

        def __repr__(self):
            return "ShardedRange()"

        __iter__ = _sharded_iter

    return ShardedRange


_ITERABLE_NAMES = {"pytorchlite": "PlShardedRange", "torch": "TorchShardedRange"}


def __getattr__(name):
    # the classes are made on first use, so that importing this module (as a spawned worker
    # does to unpickle a dataset) does not import torch
    for lib_name, class_name in _ITERABLE_NAMES.items():
        if name == class_name:
            cls = _iterable_class(lib_name)
            cls.__qualname__ = cls.__name__ = class_name
            globals()[class_name] = cls
            return cls
    raise AttributeError(name)


def sharded_range(lib_name, *args, **kwargs):
    name = _ITERABLE_NAMES[lib_name]
    cls = globals().get(name) or __getattr__(name)
    return cls(*args, **kwargs)
