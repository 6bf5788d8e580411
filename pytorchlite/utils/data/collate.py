"""default_collate and default_convert: how a DataLoader turns samples into a batch.

reference: https://pytorch.org/docs/stable/data.html#torch.utils.data.default_collate
"""
import collections.abc
import copy
import re
import sys

import pytorchlite

__all__ = ["collate", "default_collate", "default_collate_fn_map", "default_convert"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, "
    "dicts or lists; found {}"
)


def default_convert(data):
    r"""Convert each NumPy array element into a :class:`torch.Tensor`; recurse into
    mappings and sequences; leave anything else unchanged."""
    elem_type = type(data)
    if isinstance(data, pytorchlite.Tensor):
        return data
    if (elem_type.__module__ == "numpy" and elem_type.__name__ != "str_"
            and elem_type.__name__ != "string_"):
        if (elem_type.__name__ == "ndarray"
                and np_str_obj_array_pattern.search(data.dtype.str) is not None):
            return data
        return pytorchlite.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # Backwards compatibility.
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch, *, collate_fn_map=None):
    r"""General collate function: dispatches on the type of the batch's first element
    through ``collate_fn_map`` and recurses into mappings and sequences."""
    elem = batch[0]
    elem_type = type(elem)

    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: collate([d[key] for d in batch],
                                           collate_fn_map=collate_fn_map) for key in elem})
                return clone
            return elem_type({key: collate([d[key] for d in batch],
                                           collate_fn_map=collate_fn_map) for key in elem})
        except TypeError:
            return {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
                    for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map)
                           for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(elem) == elem_size for elem in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map)
                    for samples in transposed]  # Backwards compatibility.
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map)
                              for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]

    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    return pytorchlite.stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return collate([pytorchlite.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return pytorchlite.as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None):
    return pytorchlite.tensor(batch, dtype=pytorchlite.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return pytorchlite.tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


# Filled lazily: pytorchlite.Tensor may not exist yet while the package is importing.
default_collate_fn_map = {}


def _fill_numpy_entries():
    """NumPy's types join the map once NumPy is imported (pytorchlite never imports it first)."""
    np = sys.modules.get("numpy")
    if np is not None and np.ndarray not in default_collate_fn_map:
        default_collate_fn_map[np.ndarray] = collate_numpy_array_fn
        default_collate_fn_map[(np.bool_, np.number, np.object_)] = collate_numpy_scalar_fn


def _fill_default_map():
    default_collate_fn_map[pytorchlite.Tensor] = collate_tensor_fn
    _fill_numpy_entries()
    default_collate_fn_map[float] = collate_float_fn
    default_collate_fn_map[int] = collate_int_fn
    default_collate_fn_map[str] = collate_str_fn
    default_collate_fn_map[bytes] = collate_str_fn


if hasattr(pytorchlite, "Tensor"):
    _fill_default_map()


def default_collate(batch):
    r"""Take in a batch of data and put the elements within the batch into a tensor with
    an additional outer dimension - batch size.

    Tensors are stacked, Python ints become an int64 tensor, floats a float64 tensor,
    NumPy arrays and scalars tensors; mappings, namedtuples and sequences are collated
    element-wise (a tuple of per-sample fields becomes a list of batched fields).
    """
    if not default_collate_fn_map:
        _fill_default_map()
    _fill_numpy_entries()
    return collate(batch, collate_fn_map=default_collate_fn_map)
