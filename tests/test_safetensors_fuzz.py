"""Corrupted safetensors files: whatever the bytes, pytorchlite.safetensors either loads them or
raises SafetensorError, and (with the safetensors package installed) accepts exactly the files
the reference accepts, with the same values."""
import os

import numpy as np
import pytest

import pytorchlite as torch
from pytorchlite.safetensors import SafetensorError, safe_open, save

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FUZZ = settings(max_examples=int(os.environ.get("PL_FUZZ_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

VALID = save({"weight": torch.arange(6.0).reshape(2, 3), "step": torch.tensor([7, 8]),
              "mask": torch.tensor([True, False, True])}, metadata={"k": "v"})

edits = st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), max_size=4)
cuts = st.one_of(st.none(), st.integers(0, len(VALID) + 8))


def corrupt(data, changes, cut):
    buf = bytearray(data)
    for pos, value in changes:
        buf[pos] = value
    if cut is not None:
        buf = buf[:cut] if cut <= len(buf) else buf + b"\0" * (cut - len(buf))
    return bytes(buf)


def ours(path):
    try:
        with safe_open(path, framework="np") as f:
            return "ok", {k: f.get_tensor(k) for k in f.keys()}, f.metadata()
    except SafetensorError as e:
        return "error", str(e), None


def reference(path):
    import safetensors

    try:
        with safetensors.safe_open(str(path), framework="np") as f:
            return "ok", {k: f.get_tensor(k) for k in f.keys()}, f.metadata()
    except Exception as e:  # noqa: BLE001 (the reference's SafetensorError)
        if type(e).__name__ != "SafetensorError":
            raise
        return "error", str(e), None


@FUZZ
@given(changes=edits, cut=cuts)
def test_corrupted_files_load_or_raise_cleanly(tmp_path, changes, cut):
    path = tmp_path / "f.safetensors"
    path.write_bytes(corrupt(VALID, changes, cut))
    verdict, value, metadata = ours(path)  # never another exception, never a crash
    if verdict == "ok":
        assert all(isinstance(v, np.ndarray) for v in value.values())


@FUZZ
@given(changes=edits, cut=cuts)
def test_corrupted_files_get_the_references_verdict(tmp_path, changes, cut):
    pytest.importorskip("safetensors")
    path = tmp_path / "f.safetensors"
    path.write_bytes(corrupt(VALID, changes, cut))
    mine, theirs = ours(path), reference(path)
    assert mine[0] == theirs[0], (mine[1], theirs[1])
    if mine[0] == "ok":
        assert mine[2] == theirs[2]
        assert sorted(mine[1]) == sorted(theirs[1])
        for k in mine[1]:
            assert mine[1][k].dtype == theirs[1][k].dtype
            np.testing.assert_array_equal(mine[1][k], theirs[1][k])
