"""torch.distributed for a library without a distributed backend: nothing can initialise a
process group, so the queries answer as an uninitialised PyTorch does (is_initialized() is
False, get_rank() and the collectives raise PyTorch's ValueError) and init_process_group says
clearly that it is not available. Single-process scripts that guard their distributed code
with is_available() / is_initialized() run unchanged."""
import enum
import os

__all__ = ["is_available", "is_initialized", "is_gloo_available", "is_nccl_available",
           "is_mpi_available", "is_torchelastic_launched", "init_process_group",
           "destroy_process_group", "get_rank", "get_world_size", "barrier", "all_reduce",
           "all_gather", "broadcast", "reduce", "gather", "scatter", "ReduceOp"]

_NO_GROUP = ("Default process group has not been initialized, please make sure to call "
             "init_process_group.")


def is_available():
    """False: pytorchlite has no distributed backend."""
    return False


def is_initialized():
    return False


def is_gloo_available():
    return False


def is_nccl_available():
    return False


def is_mpi_available():
    return False


def is_torchelastic_launched():
    """Whether the process was started by torchelastic (its run id is in the environment)."""
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


def init_process_group(*args, **kwargs):
    raise NotImplementedError("torch.distributed.init_process_group: pytorchlite has no "
                              "distributed backend (gloo, nccl, mpi); run single-process")


def _no_group(*args, **kwargs):
    raise ValueError(_NO_GROUP)


get_rank = get_world_size = barrier = destroy_process_group = _no_group
all_reduce = all_gather = broadcast = reduce = gather = scatter = _no_group


class RedOpType(enum.Enum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8
    UNUSED = 9


class ReduceOp:
    """The reduction kinds of the collectives (ReduceOp.SUM prints RedOpType.SUM)."""

    RedOpType = RedOpType


for _op in RedOpType:
    setattr(ReduceOp, _op.name, _op)
