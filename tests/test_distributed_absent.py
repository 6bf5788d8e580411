"""torch.distributed without a backend (pytorchlite/distributed): the answers of an
uninitialised PyTorch, and a clear error for init_process_group."""
import pytest

import pytorchlite as pl


def test_no_backend():
    d = pl.distributed
    assert not d.is_available() and not d.is_initialized()
    with pytest.raises(NotImplementedError, match="no distributed backend"):
        d.init_process_group("gloo")


def test_queries_as_uninitialised_torch():
    torch = pytest.importorskip("torch")
    for name in ("get_rank", "get_world_size", "barrier"):
        with pytest.raises(ValueError) as ours:
            getattr(pl.distributed, name)()
        with pytest.raises(ValueError) as theirs:
            getattr(torch.distributed, name)()
        assert str(ours.value) == str(theirs.value)
    assert str(pl.distributed.ReduceOp.MAX) == str(torch.distributed.ReduceOp.MAX)
