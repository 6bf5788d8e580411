"""The DataLoader worker process: its loop, its seeding, get_worker_info() and the wrapper that
carries a worker's exception (with its traceback text) back to the main process.

Protocol (the same as PyTorch's): the main process puts ``(task_idx, index)`` on the worker's
own index queue; the worker puts ``(task_idx, batch)`` on the shared result queue, where batch
may be an ``_ExceptionWrapper`` or, for an IterableDataset whose copy in this worker is
exhausted, an ``_IterableDatasetStopIteration``. ``None`` on the index queue ends the worker;
``_ResumeIteration`` (persistent workers) restarts its fetcher for a new pass and is echoed
back on the result queue.

Seeding, as PyTorch's ``_worker_loop``: ``seed = base_seed + worker_id`` seeds Python's
``random`` and the default generator; NumPy's global RandomState gets the four 32-bit words
of ``SeedSequence([worker_id, base_seed mod 2**32, base_seed >> 32, 0])``.

reference: https://pytorch.org/docs/stable/data.html#multi-process-data-loading
"""
import dataclasses
import os
import queue
import random
import sys
import traceback

import pytorchlite

from ._fetch import _DatasetKind

__all__ = ["WorkerInfo", "get_worker_info"]

# Seconds the main process waits for a worker to exit at shutdown before terminating it.
MP_STATUS_CHECK_INTERVAL = 5.0

# Seconds between two checks, while a worker waits for work, that the main process is alive
# and has not ended the pass; and, while the main process waits for a batch, that no worker
# has died (PyTorch learns that from SIGCHLD). The None that normally ends a worker can be
# lost: when the iterator dies in a garbage-collected cycle (an exception's traceback holds
# it), the index queue's feeder thread is finalised before the shutdown puts None on it.
WORKER_POLL_INTERVAL = 0.1


@dataclasses.dataclass(frozen=True)
class WorkerInfo:
    """Information about the current DataLoader worker process.

    Attributes:
        id: the current worker id (0 to num_workers - 1)
        num_workers: total number of workers
        seed: random seed set for this worker (``base_seed + id``)
        dataset: this process's copy of the dataset object
        rng: None (PyTorch's thread workers keep their generators here)
        worker_method: ``"multiprocessing"``
    """

    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = "multiprocessing"


_worker_info = None


def get_worker_info():
    r"""Returns the information about the current :class:`~torch.utils.data.DataLoader`
    iterator worker process: a :class:`WorkerInfo` with ``id``, ``num_workers``, ``seed`` and
    ``dataset`` (this process's copy) when called in a worker, None in the main process.

    Useful in ``worker_init_fn`` or in an IterableDataset's ``__iter__`` to give each worker
    its own shard of the data.
    """
    return _worker_info


@dataclasses.dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """Sent by a worker whose copy of an IterableDataset is exhausted."""
    worker_id: int


@dataclasses.dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers at the start of a new pass."""
    seed: object = None


class _KeyErrorMessage(str):
    """A KeyError's argument that prints as itself (KeyError shows the repr of its argument,
    which would turn the traceback's newlines into ``\\n``)."""

    def __repr__(self):
        return self


class _ExceptionWrapper:
    """An exception caught in a worker, as type and formatted traceback text (a traceback
    object cannot be pickled); ``reraise()`` raises it in the main process."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            # an exception type that needs other arguments
            raise RuntimeError(msg) from None
        raise exception


def _numpy_seed_words(base_seed, worker_id):
    """The four 32-bit words PyTorch seeds NumPy with in worker ``worker_id``."""
    import numpy as np

    mask = 0xFFFFFFFF
    entropy = [worker_id, base_seed & mask, base_seed >> 32, 0]
    return np.random.SeedSequence(entropy).generate_state(4).tolist()


def _seed_worker(base_seed, worker_id):
    seed = base_seed + worker_id
    random.seed(seed)
    pytorchlite.manual_seed(seed)
    try:
        import numpy as np
    except ImportError:
        return seed
    np.random.seed(_numpy_seed_words(base_seed, worker_id))
    return seed


def _parent_alive(parent_pid):
    return os.getppid() == parent_pid


def _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event, auto_collation,
                 collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers,
                 row_gather=False):
    """The body of worker process ``worker_id``; returns when told to (None on its index
    queue), when the main process dies, or on KeyboardInterrupt."""
    global _worker_info
    try:
        parent_pid = os.getppid()
        pytorchlite.set_num_threads(1)
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"

        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                  collate_fn, drop_last, row_gather)
        except Exception:
            init_exception = _ExceptionWrapper(where=where)

        iteration_end = False
        while _parent_alive(parent_pid):
            try:
                r = index_queue.get(timeout=WORKER_POLL_INTERVAL)
            except queue.Empty:
                if done_event.is_set():
                    break  # shut down, and nothing left to read
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                      collate_fn, drop_last, row_gather)
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                # the pass is over: drop what is still queued until None arrives
                continue
            idx, index = r
            if init_exception is not None:
                data = init_exception
                init_exception = None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = _ExceptionWrapper(where=where)
            data_queue.put((idx, data))
            del data, idx, index, r  # do not hold a batch while waiting for the next index
    except KeyboardInterrupt:
        pass  # the main process sees the interrupt too and shuts the workers down
    if done_event.is_set():
        # do not block this process's exit on flushing results nobody will read
        data_queue.cancel_join_thread()
        data_queue.close()
