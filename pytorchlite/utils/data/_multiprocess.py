"""One pass over a DataLoader with ``num_workers > 0``: worker processes, their queues, the
order in which batches come back, and shutdown.

Each worker has its own index queue; all share one result queue. Task ``k`` (the k-th batch
of indices from the sampler) goes to worker ``k % num_workers`` (skipping workers whose
IterableDataset copy is exhausted); ``prefetch_factor * num_workers`` tasks are kept in
flight, the first ones sent when the iterator is created, one more each time a batch is
handed out. With ``in_order=True`` batches are yielded in task order (a batch that arrives
early waits in ``_task_info``); with ``in_order=False`` in arrival order. This is PyTorch's
scheduling, so the sampler is pulled at the same moments and the same batches come out.

Shutdown (end of the pass, iterator garbage-collected, loader deleted, exception): set the
done event, send None to every worker, join each with a timeout, terminate whatever is left.
Workers are daemonic, so they cannot outlive the main process either.

Tensors cross the process boundary by pickling (a copy of their data), not shared memory.

reference: https://pytorch.org/docs/stable/data.html#multi-process-data-loading
"""
import atexit
import itertools
import multiprocessing
import pickle
import queue
import signal
import time
import warnings
import weakref

from . import _worker
from ._fetch import _DatasetKind
from .dataloader import _BaseDataLoaderIter

__all__ = []

# Set when the interpreter starts to exit: multiprocessing's own exit handler then
# terminates the (daemonic) workers, and queues may already be unusable.
_python_exiting = False


def _set_python_exiting():
    global _python_exiting
    _python_exiting = True


atexit.register(_set_python_exiting)

# Persistent workers live as long as their loader, possibly until exit: shut them down first.
_persistent_iterators = weakref.WeakSet()


def _shutdown_persistent_at_exit():
    for it in tuple(_persistent_iterators):
        it._shutdown_workers()


atexit.register(_shutdown_persistent_at_exit)


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Iterates once over the DataLoader's dataset, loading batches in worker processes."""

    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._prefetch_factor <= 0:
            raise AssertionError(
                "prefetch_factor must be greater than 0 for MultiProcessingDataLoaderIter")
        context = loader.multiprocessing_context
        if context is None:
            context = multiprocessing
        self._worker_init_fn = loader.worker_init_fn
        self._worker_result_queue = context.Queue()
        self._data_queue = self._worker_result_queue
        self._shutdown = False
        self._workers_done_event = context.Event()
        self._index_queues = []
        self._workers = []
        try:
            for i in range(self._num_workers):
                index_queue = context.Queue()
                # a worker that stops reading must not block the main process's exit
                index_queue.cancel_join_thread()
                w = context.Process(
                    target=_worker._worker_loop,
                    args=(self._dataset_kind, self._dataset, index_queue,
                          self._worker_result_queue, self._workers_done_event,
                          self._auto_collation, self._collate_fn, self._drop_last,
                          self._base_seed, self._worker_init_fn, i, self._num_workers,
                          self._row_gather),
                )
                w.daemon = True
                try:
                    w.start()
                except (TypeError, AttributeError, pickle.PicklingError):
                    # 'spawn' and 'forkserver' pickle the dataset and functions
                    warnings.warn(
                        "Got pickle error when attempting to start a worker Process. This "
                        "might be because the worker Process arguments are not picklable. "
                        "Python 3.14+ changed the multiprocessing start method in non-Mac "
                        "POSIX platforms to 'forkserver', which requires the worker Process "
                        "arguments to be picklable. You can also try "
                        "multiprocessing.set_start_method('fork').",
                        stacklevel=4,
                    )
                    raise
                self._index_queues.append(index_queue)
                self._workers.append(w)
        except BaseException:
            self._workers_status = [True] * len(self._workers)
            self._shutdown_workers()
            raise
        if self._persistent_workers:
            _persistent_iterators.add(self)
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._send_idx = 0  # task number of the next batch of indices sent to a worker
        self._rcvd_idx = 0  # task number of the next batch to yield
        # task number -> (worker_id,) while in flight, (worker_id, data) once arrived early
        self._task_info = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # persistent workers: restart every fetcher and wait until each has done so
            # (results of an abandoned previous pass are dropped on the way)
            for index_queue in self._index_queues:
                index_queue.put(_worker._ResumeIteration())
            pending = self._num_workers
            while pending > 0:
                return_idx, _ = self._get_data()
                if isinstance(return_idx, _worker._ResumeIteration):
                    pending -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    # ---- receiving ----

    def _try_get_data(self, timeout=None):
        """(True, item) from the result queue, or (False, None) after ``timeout`` seconds
        (default: ``MP_STATUS_CHECK_INTERVAL``). Waits in short slices and raises as soon as a
        worker has died, as PyTorch's SIGCHLD handler makes it do."""
        if timeout is None:
            timeout = _worker.MP_STATUS_CHECK_INTERVAL
        end = time.monotonic() + timeout
        while True:
            wait = min(_worker.WORKER_POLL_INTERVAL, max(end - time.monotonic(), 0.0))
            try:
                return True, self._data_queue.get(timeout=wait)
            except queue.Empty as e:
                self._raise_if_a_worker_died(e)
                if time.monotonic() >= end:
                    return False, None
            except Exception as e:
                self._raise_if_a_worker_died(e)
                raise

    def _raise_if_a_worker_died(self, error):
        failed = []
        for worker_id, w in enumerate(self._workers):
            if self._workers_status[worker_id] and not w.is_alive():
                failed.append(w)
                self._mark_worker_as_unavailable(worker_id)
        if not failed:
            return
        w = failed[0]
        if not w.exitcode:
            cause = error  # it ended on its own (its parent seemed gone)
        elif w.exitcode < 0:
            cause = RuntimeError(f"DataLoader worker (pid {w.pid}) is killed by signal: "
                                 f"{signal.strsignal(-w.exitcode)}. ")
        else:
            cause = RuntimeError(
                f"DataLoader worker (pid {w.pid}) exited unexpectedly with exit code "
                f"{w.exitcode}. Details are lost due to multiprocessing. Rerunning with "
                "num_workers=0 may give better error trace.")
        if cause is not error:
            cause.__cause__ = error
        pids = ", ".join(str(w.pid) for w in failed)
        raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from cause

    def _get_data(self):
        if self._timeout > 0:
            success, data = self._try_get_data(self._timeout)
            if success:
                return data
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        while True:
            success, data = self._try_get_data()
            if success:
                return data

    def _next_data(self):
        while True:
            # skip tasks whose worker has ended its IterableDataset before answering them
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    worker_id = info[0]
                    if len(info) == 2 or self._workers_status[worker_id]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                # nothing in flight and the sampler is exhausted: the pass is over
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if len(self._task_info[self._rcvd_idx]) == 2:
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if self._dataset_kind == _DatasetKind.Iterable and isinstance(
                    data, _worker._IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue

            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)  # early: keep it until its turn
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _process_data(self, data, worker_id):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, _worker._ExceptionWrapper):
            data.reraise()
        return data

    # ---- sending ----

    def _try_put_index(self):
        """Sends the sampler's next index (or batch of indices) to the next active worker."""
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_queue_idx = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_queue_idx]:
                if self._in_order:
                    break
                if self._workers_num_tasks[worker_queue_idx] < max_tasks // sum(
                        self._workers_status):
                    break
        else:
            return  # no active worker left
        self._index_queues[worker_queue_idx].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_queue_idx,)
        self._workers_num_tasks[worker_queue_idx] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    # ---- shutdown ----

    def _mark_worker_as_unavailable(self, worker_id):
        """Tells worker ``worker_id`` to exit (it may already be dead) and stops sending it
        work."""
        self._index_queues[worker_id].put(None)
        self._workers_status[worker_id] = False

    def _shutdown_workers(self):
        if _python_exiting or self._shutdown:
            return
        self._shutdown = True
        _persistent_iterators.discard(self)
        try:
            self._workers_done_event.set()
            for worker_id in range(len(self._workers)):
                if self._persistent_workers or self._workers_status[worker_id]:
                    self._mark_worker_as_unavailable(worker_id)
            for w in self._workers:
                w.join(timeout=_worker.MP_STATUS_CHECK_INTERVAL)
            for q in self._index_queues:
                q.cancel_join_thread()
                q.close()
            self._worker_result_queue.cancel_join_thread()
            self._worker_result_queue.close()
        finally:
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=_worker.MP_STATUS_CHECK_INTERVAL)

    def __del__(self):
        # the constructor may have failed before these were set
        if getattr(self, "_workers", None) is not None and hasattr(self, "_workers_status"):
            self._shutdown_workers()
