"""``pytorchlite.testing`` (``torch.testing``): ``assert_close`` with PyTorch's tolerances and
reports, and a pytest plugin (``pytorchlite.testing._plugin``: the ``torch_seed`` fixture and
the ``both_frameworks`` marker; see its doc for how to enable it)."""
from ._comparison import assert_close

__all__ = ["assert_close"]
