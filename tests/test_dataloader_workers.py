"""DataLoader with worker processes: batches, order and random draws against torch's, worker
info, worker_init_fn, errors from workers, timeouts and shutdown (no process left behind)."""
import gc
import multiprocessing
import os
import re
import subprocess
import sys
import textwrap
import time
import warnings

import pytest

import loader_helpers as lh
import pytorchlite
from conftest import child_env
from pytorchlite.utils.data import DataLoader, _worker

LIBS = ["pytorchlite", "torch"]


@pytest.fixture(autouse=True)
def _fast_status_checks(monkeypatch):
    # a dead worker is noticed after one status-check interval; keep the tests quick
    monkeypatch.setattr(_worker, "MP_STATUS_CHECK_INTERVAL", 0.5)


def torch_or_skip():
    return pytest.importorskip("torch")


def plain(x):
    """Nested lists/dicts of Python numbers, whichever library made the batch."""
    if hasattr(x, "tolist"):
        return x.tolist()
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    return x


def run(lib_name, make_dataset, seed=0, epochs=1, after=True, **kwargs):
    """Every batch of ``epochs`` passes (as plain values) and the main process's next two
    random numbers, under ``lib_name``."""
    lib = lh.lib(lib_name)
    lib.manual_seed(seed)
    loader = lh.data(lib_name).DataLoader(make_dataset(lib_name), **kwargs)
    out = [[plain(b) for b in loader] for _ in range(epochs)]
    if after:
        out.append(lib.rand(2).tolist())
    return out


def both(make_dataset, **kwargs):
    torch_or_skip()
    return [run(name, make_dataset, **kwargs) for name in LIBS]


def worker_pids(it):
    return [w.pid for w in it._workers]


def alive(pid):
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def assert_gone(pids, deadline=30.0):
    end = time.monotonic() + deadline
    while any(alive(p) for p in pids) and time.monotonic() < end:
        time.sleep(0.05)
    assert not [p for p in pids if alive(p)]
    assert not [c for c in multiprocessing.active_children() if c.pid in pids]


# ---- same batches and random draws as torch ----

@pytest.mark.parametrize("num_workers", [1, 2])
def test_random_draws_inside_workers_match_torch(num_workers):
    mine, theirs = both(lh.RandomDraws, seed=11, batch_size=3, shuffle=True,
                        num_workers=num_workers)
    assert mine == theirs
    seeds = {s for batch in mine[0] for s in batch[5]}
    assert len(seeds) == num_workers


def test_loader_generator_gives_the_base_seed_and_order():
    torch_or_skip()
    out = []
    for name in LIBS:
        g = lh.lib(name).Generator()
        g.manual_seed(5)
        out.append(run(name, lh.RandomDraws, seed=1, batch_size=4, shuffle=True,
                       num_workers=2, generator=g))
    assert out[0] == out[1]


def test_persistent_workers_continue_their_streams_across_epochs():
    mine, theirs = both(lh.RandomDraws, seed=3, epochs=2, batch_size=2, shuffle=True,
                        num_workers=2, persistent_workers=True, prefetch_factor=1)
    assert mine == theirs
    assert mine[0] != mine[1]


def test_persistent_workers_are_reused_and_stopped_with_the_loader():
    loader = DataLoader(lh.Slow(n=6, delay=0), batch_size=2, num_workers=2,
                        persistent_workers=True)
    first = iter(loader)
    pids = worker_pids(first)
    assert [b.tolist() for b in first] == [[0, 1], [2, 3], [4, 5]]
    assert all(alive(p) for p in pids)
    second = iter(loader)
    assert second is first and worker_pids(second) == pids
    assert next(second).tolist() == [0, 1]  # an abandoned pass, then a full one
    assert [b.tolist() for b in iter(loader)] == [[0, 1], [2, 3], [4, 5]]
    del loader, first, second
    gc.collect()
    assert_gone(pids)


@pytest.mark.parametrize("kwargs", [
    dict(batch_size=None),
    dict(batch_size=3, drop_last=True),
    dict(batch_size=3, collate_fn=lh.sum_collate),
    dict(batch_sampler=[[5, 1], [0], [2, 3, 4]]),
    dict(batch_size=2, sampler=[4, 4, 0, 1]),
    dict(batch_size=2, prefetch_factor=1, shuffle=True),
])
def test_batching_options_in_workers_match_torch(kwargs):
    mine, theirs = both(lambda name: lh.Slow(n=7, delay=0), num_workers=2, **kwargs)
    assert mine == theirs


@pytest.mark.parametrize("fast", [True, False])
def test_tensor_dataset_in_workers_matches_torch(fast, monkeypatch):
    # the row-gather fast path and the per-sample path give torch's batches in workers too
    monkeypatch.setattr(pytorchlite.utils.data.dataloader, "_ROW_GATHER", fast)

    def tensors(name):
        lib = lh.lib(name)
        x = lib.arange(30, dtype=lib.float32).reshape(10, 3)
        return lh.data(name).TensorDataset(x, lib.arange(10) * 2, x[:, 0] > 10)

    mine, theirs = both(tensors, seed=4, batch_size=4, shuffle=True, num_workers=2, epochs=2)
    assert mine == theirs


def test_len_with_workers():
    assert len(DataLoader(lh.Slow(n=7), batch_size=3, num_workers=2)) == 3
    assert len(DataLoader(lh.Slow(n=7), batch_size=3, num_workers=2, drop_last=True)) == 2


def test_out_of_order_delivery_gives_the_same_batches(tmp_path):
    # worker 0 holds its first batch until released; worker 1 has batches 1 and 3
    flag = tmp_path / "release"
    it = iter(DataLoader(lh.Gated(str(flag)), batch_size=2, num_workers=2, in_order=False))
    first = [next(it).tolist() for _ in range(2)]
    flag.touch()
    assert first == [[2, 3], [6, 7]]
    assert [b.tolist() for b in it] == [[0, 1], [4, 5]]
    # in order: released by worker 1 loading index 7, and still yielded in sampler order
    loader = DataLoader(lh.Gated(str(tmp_path / "by_worker"), last=7), batch_size=2,
                        num_workers=2)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5], [6, 7]]


def test_persistent_workers_with_an_iterable_dataset_match_torch():
    mine, theirs = both(lambda name: lh.sharded_range(name, 5), epochs=2, batch_size=2,
                        num_workers=2, persistent_workers=True)
    assert mine == theirs and mine[0] == mine[1]


def test_unpicklable_dataset_under_spawn_warns_as_torch():
    class Local:  # a spawned worker could not import it
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return i

    with pytest.warns(UserWarning, match="Got pickle error when attempting to start a worker"):
        # Python 3.13 words it "Can't get local object"
        with pytest.raises(AttributeError, match="Can't (pickle|get) local object"):
            next(iter(DataLoader(Local(), num_workers=1, multiprocessing_context="spawn")))


# ---- worker info and worker_init_fn ----

def test_get_worker_info_is_none_in_the_main_process():
    assert pytorchlite.utils.data.get_worker_info() is None


@pytest.mark.filterwarnings("ignore:This DataLoader will create 3 worker processes")
def test_worker_info_and_init_fn_match_torch():
    mine, theirs = both(lh.WorkerFacts, batch_size=2, num_workers=3,
                        worker_init_fn=lh.record_init, after=False)
    drop_pids = [[{k: v for k, v in b.items() if k != "pid"} for b in run] for run in
                 (mine[0], theirs[0])]
    assert drop_pids[0] == drop_pids[1]
    batch = mine[0][1]
    assert batch["id"] == [1, 1] and batch["num_workers"] == [3, 3]
    assert batch["init"] == [[1, 1], [1, 1], [3, 3]]  # (worker_id, info.id, info.num_workers)
    assert batch["same_type"] == [True, True] and batch["dataset_n"] == [6, 6]
    assert os.getpid() not in mine[0][0]["pid"]


def test_worker_info_fields():
    info = _worker.WorkerInfo(id=1, num_workers=2, seed=7, dataset=None)
    assert (info.id, info.num_workers, info.seed, info.dataset, info.rng,
            info.worker_method) == (1, 2, 7, None, None, "multiprocessing")
    torch_or_skip()
    from torch.utils.data._utils.worker import WorkerInfo
    assert repr(info) == repr(WorkerInfo(id=1, num_workers=2, seed=7, dataset=None))


def test_numpy_seed_words_are_torchs():
    torch_or_skip()
    from torch.utils.data._utils.worker import _generate_state
    for base_seed, worker_id in [(0, 0), (12345678901234567, 3), (2 ** 63 - 1, 7)]:
        assert _worker._numpy_seed_words(base_seed, worker_id) == _generate_state(
            base_seed, worker_id)


# ---- IterableDataset ----

@pytest.mark.parametrize("shard", [True, False])
@pytest.mark.parametrize("batch_size", [None, 2])
def test_iterable_dataset_is_replicated_in_each_worker_as_torch(shard, batch_size):
    mine, theirs = both(lambda name: lh.sharded_range(name, 5, shard=shard),
                        batch_size=batch_size, num_workers=2, after=False)
    assert mine == theirs
    flat = [x for b in mine[0] for x in (b if batch_size else [b])]
    if shard:
        assert sorted(flat) == [0, 11, 20, 31, 40]
    else:
        assert sorted(flat) == sorted([i * 10 for i in range(5)] + [i * 10 + 1 for i in range(5)])


@pytest.mark.parametrize("num_workers", [0, 2])
def test_iterable_length_mismatch_warns_as_torch(num_workers):
    torch_or_skip()
    messages = []
    for name in LIBS:
        loader = lh.data(name).DataLoader(lh.sharded_range(name, 4, shard=False, length=3),
                                          num_workers=num_workers)
        assert len(loader) == 3
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            list(loader)
        messages.append([str(w.message) for w in caught if "Length of" in str(w.message)])
    assert messages[0] == messages[1]
    assert len(messages[0]) == (1 if num_workers == 0 else 5)


# ---- errors ----

def _worker_error(lib_name, dataset, **kwargs):
    it = iter(lh.data(lib_name).DataLoader(dataset, batch_size=2, num_workers=2, **kwargs))
    with pytest.raises(Exception) as info:
        list(it)
    # shut down now: the traceback keeps the iterator alive, and torch's iterator, shut down
    # later from a garbage-collected cycle, waits its full join timeout for each worker
    it._shutdown_workers()
    return info


@pytest.mark.parametrize("exc_type", [ValueError, KeyError, IndexError])
def test_worker_exception_is_reraised_with_its_traceback(exc_type):
    torch_or_skip()
    mine, theirs = (_worker_error(name, lh.Failing(bad=5, exc_type=exc_type)) for name in LIBS)
    assert mine.type is theirs.type is exc_type
    text, their_text = str(mine.value), str(theirs.value)
    assert text.startswith(f"Caught {exc_type.__name__} in DataLoader worker process 0.\n"
                           "Original Traceback (most recent call last):\n")
    assert 'raise self.exc_type(f"bad index {i}")' in text
    assert text.splitlines()[0] == their_text.splitlines()[0]
    assert text.splitlines()[-1] == their_text.splitlines()[-1]


def test_unrebuildable_exception_becomes_runtime_error():
    info = _worker_error("pytorchlite", lh.FailingTwoArg(bad=2))
    assert info.type is RuntimeError
    assert str(info.value).startswith("Caught TwoArgError in DataLoader worker process 1.")


def test_worker_init_fn_error_is_reraised():
    info = _worker_error("pytorchlite", lh.Slow(n=4, delay=0), worker_init_fn=lh.failing_init)
    assert info.type is ValueError
    assert str(info.value).startswith("Caught ValueError in DataLoader worker process 0.")
    assert "init failed in 0" in str(info.value)


@pytest.mark.parametrize("kill", [False, True])
def test_dead_worker_is_reported_as_torch(kill):
    torch_or_skip()
    texts = []
    for name in LIBS:
        it = iter(lh.data(name).DataLoader(lh.Dies(bad=2, kill=kill), batch_size=2,
                                           num_workers=2))
        pids = worker_pids(it)
        with pytest.raises(RuntimeError) as info:
            list(it)
        it._shutdown_workers()
        assert_gone(pids)
        texts.append([re.sub(r"\d{2,}", "PID", str(e))
                      for e in (info.value, info.value.__cause__)])
    # the message is torch's; the cause names the exit code or signal when the death was seen
    # through the worker's status (under load either library may notice it first another way)
    for text in texts:
        assert text[0] == "DataLoader worker (pid(s) PID) exited unexpectedly"
    mine = texts[LIBS.index("pytorchlite")][1]
    assert re.match(r"DataLoader worker \(pid PID\) (exited unexpectedly with exit code 3|is killed "
                    r"by signal: Killed)", mine), mine
    causes = [t[1] for t in texts if t[1] != "None"]
    assert len(set(causes)) <= 1, causes


def test_timeout():
    loader = DataLoader(lh.Slow(n=4, delay=2.0, only=0), batch_size=2, num_workers=1,
                        timeout=0.1)
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.1 seconds$"):
        next(iter(loader))


def test_option_errors_match_torch():
    torch = torch_or_skip()
    cases = [
        dict(num_workers=0, prefetch_factor=2),
        dict(num_workers=0, multiprocessing_context="spawn"),
        dict(num_workers=2, multiprocessing_context="threads"),
        dict(num_workers=2, multiprocessing_context=3),
        dict(num_workers=0, persistent_workers=True),
        dict(num_workers=2, prefetch_factor=-1),
        dict(num_workers=0, timeout=-1),
    ]
    for kwargs in cases:
        errors = []
        for loader_cls in (DataLoader, torch.utils.data.DataLoader):
            with pytest.raises(Exception) as info:
                loader_cls(range(4), **kwargs)
            errors.append((info.type, str(info.value)))
        assert errors[0] == errors[1], kwargs


# torch's iterator, refused before it sets its fields, fails in its __del__ afterwards
_TORCH_DEL_FAILS = pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.mark.parametrize("lib_name",
                         ["pytorchlite", pytest.param("torch", marks=_TORCH_DEL_FAILS)])
def test_iterator_refusals_match_torch(lib_name):
    if lib_name == "torch":
        torch_or_skip()
    loader_cls = lh.data(lib_name).DataLoader
    with pytest.raises(AssertionError,
                       match="^_SingleProcessDataLoaderIter requires timeout == 0$"):
        iter(loader_cls(range(4), timeout=1))
    with pytest.raises(AssertionError, match="^prefetch_factor must be greater than 0 for "
                                             "MultiProcessingDataLoaderIter$"):
        iter(loader_cls(range(4), num_workers=1, prefetch_factor=0))
    gc.collect()


def test_warnings_match_torch():
    torch = torch_or_skip()
    got = []
    for loader_cls in (DataLoader, torch.utils.data.DataLoader):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loader = loader_cls(list(range(4)), num_workers=len(os.sched_getaffinity(0)) + 1,
                                pin_memory=True, pin_memory_device="cuda")
            iter(loader)._shutdown_workers()
        got.append(sorted(str(w.message) for w in caught))
    # too many workers (at construction and at iter), pin_memory_device, pin_memory
    assert got[0] == got[1] and len(got[0]) == 4


# ---- shutdown ----

def test_workers_exit_after_a_full_pass():
    it = iter(DataLoader(lh.Slow(n=6, delay=0), batch_size=2, num_workers=2))
    pids = worker_pids(it)
    assert [b.tolist() for b in it] == [[0, 1], [2, 3], [4, 5]]
    assert_gone(pids)


def test_workers_exit_when_the_iterator_is_dropped_early():
    it = iter(DataLoader(lh.Slow(n=40, delay=0), batch_size=2, num_workers=2))
    pids = worker_pids(it)
    for batch in it:
        break
    del it, batch
    gc.collect()
    assert_gone(pids)


def test_workers_exit_after_a_worker_exception_and_an_interrupt():
    it = iter(DataLoader(lh.Failing(bad=3), batch_size=2, num_workers=2))
    pids = worker_pids(it)
    with pytest.raises(ValueError):
        list(it)
    del it
    gc.collect()
    assert_gone(pids)

    it = iter(DataLoader(lh.Slow(n=40, delay=0), batch_size=2, num_workers=2))
    pids = worker_pids(it)
    with pytest.raises(KeyboardInterrupt):
        for _ in it:
            raise KeyboardInterrupt
    del it
    gc.collect()
    assert_gone(pids)


def test_interrupted_script_leaves_no_worker_behind():
    script = textwrap.dedent("""
        import os, signal, sys
        sys.path.insert(0, sys.argv[1])
        import loader_helpers as lh
        from pytorchlite.utils.data import DataLoader
        it = iter(DataLoader(lh.Slow(n=1000, delay=0.01), batch_size=2, num_workers=2))
        print(*[w.pid for w in it._workers], flush=True)
        for i, _ in enumerate(it):
            if i == 3:
                os.kill(os.getpid(), signal.SIGINT)
    """)
    proc = subprocess.run([sys.executable, "-c", script, os.path.dirname(__file__)],
                          capture_output=True, text=True, env=child_env(), timeout=120)
    assert proc.returncode != 0 and "KeyboardInterrupt" in proc.stderr
    assert_gone([int(p) for p in proc.stdout.split()])


def test_script_exiting_with_live_workers_leaves_none_behind():
    # a persistent loader and an abandoned pass are both alive when the interpreter exits
    script = textwrap.dedent("""
        import sys
        sys.path.insert(0, sys.argv[1])
        import loader_helpers as lh
        from pytorchlite.utils.data import DataLoader
        kept = DataLoader(lh.Slow(n=100, delay=0.01), batch_size=2, num_workers=2,
                          persistent_workers=True)
        first = iter(kept)
        next(first)
        second = iter(DataLoader(lh.Slow(n=100, delay=0.01), batch_size=2, num_workers=2))
        next(second)
        print(*[w.pid for w in first._workers + second._workers], flush=True)
    """)
    proc = subprocess.run([sys.executable, "-c", script, os.path.dirname(__file__)],
                          capture_output=True, text=True, env=child_env(), timeout=120)
    assert proc.returncode == 0 and proc.stderr == ""
    pids = [int(p) for p in proc.stdout.split()]
    assert len(pids) == 4
    assert_gone(pids)


# ---- start methods ----

def _tensors_and_draws(name):
    data = lh.data(name)
    x = lh.lib(name).arange(20).reshape(10, 2)
    return data.StackDataset(data.TensorDataset(x), lh.RandomDraws(name))


def test_spawn_context_matches_torchs_batches():
    # the dataset (tensors included) is pickled to the spawned workers
    torch_or_skip()
    mine = run("pytorchlite", _tensors_and_draws, seed=2, batch_size=3, shuffle=True,
               num_workers=2, multiprocessing_context="spawn")
    theirs = run("torch", _tensors_and_draws, seed=2, batch_size=3, shuffle=True,
                 num_workers=2)
    assert mine == theirs


def test_run_script_with_spawned_workers_aliases_torch_in_them(tmp_path):
    # `python -m pytorchlite run`: a spawned worker imports the script again, and its
    # `import torch` must give pytorchlite there too
    script = tmp_path / "spawn_script.py"
    script.write_text(textwrap.dedent("""
        import torch
        from torch.utils.data import DataLoader, Dataset, get_worker_info

        class Where(Dataset):
            def __len__(self):
                return 2

            def __getitem__(self, i):
                return f"{type(torch.ones(1)).__module__} {get_worker_info().id}"

        if __name__ == "__main__":
            print(list(DataLoader(Where(), batch_size=None, num_workers=1,
                                  multiprocessing_context="spawn")))
    """))
    proc = subprocess.run([sys.executable, "-m", "pytorchlite", "run", str(script)],
                          capture_output=True, text=True, env=child_env(), timeout=120)
    assert proc.stderr == ""
    assert proc.stdout == "['pytorchlite 0', 'pytorchlite 0']\n"


def test_contexts_are_accepted():
    for method in multiprocessing.get_all_start_methods():
        loader = DataLoader(range(3), num_workers=1, multiprocessing_context=method)
        assert loader.multiprocessing_context.get_start_method() == method
    ctx = multiprocessing.get_context("fork")
    assert DataLoader(range(3), num_workers=1, multiprocessing_context=ctx) \
        .multiprocessing_context is ctx
    assert re.search("fork", str(multiprocessing.get_all_start_methods()))


def test_multiprocessing_module_matches_torchs_names():
    mp = pytorchlite.multiprocessing
    ctx = mp.get_context("spawn")
    assert DataLoader(range(3), num_workers=1, multiprocessing_context=ctx) \
        .multiprocessing_context is ctx
    assert mp.get_sharing_strategy() == "file_descriptor"
    mp.set_sharing_strategy("file_system")
    try:
        assert mp.get_sharing_strategy() == "file_system"
    finally:
        mp.set_sharing_strategy("file_descriptor")
    with pytest.raises(AssertionError, match="^invalid sharing strategy 'shm', expected one of"):
        mp.set_sharing_strategy("shm")
    torch = torch_or_skip()
    assert sorted(mp.__all__) == sorted(torch.multiprocessing.__all__)
    assert mp.get_all_sharing_strategies() == torch.multiprocessing.get_all_sharing_strategies()
