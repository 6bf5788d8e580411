"""Untrusted input ends as PyTorch ends it: torch.load's safety switches and its errors for
damaged files, the losses' argument checks, and the small-tensor cache of exiting threads.

Each case states the exception type PyTorch raises; when torch is importable the same bytes or
arguments go through it too and its exception type and message must match ours.
"""
import fractions
import io
import os
import pickle
import struct
import threading
import warnings
import zipfile

import pytest

import pytorchlite as torch
from conftest import measures_rss, rss_bytes


def _real_torch():
    try:
        import torch as real
    except ImportError:
        return None
    return real


def _outcome(fn):
    """(exception type, message) of fn(), or ("ok", None); warnings are silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            return type(e), str(e)
    return "ok", None


# ---- torch.load: the environment switches ------------------------------------------------

def _fraction_file():
    buf = io.BytesIO()
    torch.save({"f": fractions.Fraction(1, 3)}, buf)  # loads only with weights_only=False
    return buf.getvalue()


@pytest.mark.parametrize("value", ["1", "y", "yes", "true", "TRUE", "Yes", "on", "0", "false",
                                   "off", "", "2"])
def test_force_no_weights_only_reads_only_true_values(value, monkeypatch):
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", value)
    monkeypatch.delenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", raising=False)
    data = _fraction_file()
    enabled = value.lower() in ("1", "y", "yes", "true")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            torch.load(io.BytesIO(data))
            got = ("ok", None)
        except pickle.UnpicklingError as e:
            got = (type(e), str(e))
    if enabled:
        assert got == ("ok", None)
        assert any("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected" in str(w.message)
                   for w in caught)
    else:
        assert got[0] is pickle.UnpicklingError and "fractions.Fraction" in got[1]
    # an explicit weights_only=True is never overridden by this switch
    explicit = _outcome(lambda: torch.load(io.BytesIO(data), weights_only=True))
    assert explicit[0] is pickle.UnpicklingError
    real = _real_torch()
    if real is not None:
        assert _outcome(lambda: real.load(io.BytesIO(data)))[0] == got[0]
        assert _outcome(lambda: real.load(io.BytesIO(data), weights_only=True))[0] \
            is pickle.UnpicklingError


@pytest.mark.parametrize("value", ["1", "true", "YES", "0", "off"])
def test_force_weights_only_overrides_an_explicit_false(value, monkeypatch):
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", value)
    monkeypatch.delenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", raising=False)
    data = _fraction_file()
    got = _outcome(lambda: torch.load(io.BytesIO(data), weights_only=False))
    if value.lower() in ("1", "true", "yes"):
        assert got[0] is pickle.UnpicklingError and "fractions.Fraction" in got[1]
    else:
        assert got == ("ok", None)
    real = _real_torch()
    if real is not None:
        assert _outcome(lambda: real.load(io.BytesIO(data), weights_only=False))[0] == got[0]


def test_both_switches_set_is_an_error(monkeypatch):
    monkeypatch.setenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "1")
    monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "yes")
    data = _fraction_file()
    got = _outcome(lambda: torch.load(io.BytesIO(data)))
    assert got[0] is RuntimeError and "should be set, but both were set" in got[1]
    real = _real_torch()
    if real is not None:
        assert _outcome(lambda: real.load(io.BytesIO(data))) == got


def test_explicit_pickle_module_defaults_to_unsafe_load(monkeypatch):
    monkeypatch.delenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", raising=False)
    monkeypatch.delenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", raising=False)
    data = _fraction_file()
    assert torch.load(io.BytesIO(data), pickle_module=pickle)["f"] == fractions.Fraction(1, 3)
    got = _outcome(lambda: torch.load(io.BytesIO(data), pickle_module=pickle, weights_only=True))
    assert got[0] is RuntimeError and "explicit pickle_module" in got[1]
    with pytest.warns(UserWarning, match="pickle_load_args only works"):
        torch.load(io.BytesIO(torch_bytes(torch.ones(2))), encoding="latin1")


def torch_bytes(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


# ---- torch.load: malicious and damaged files ---------------------------------------------

class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"echo owned > {self.marker}",)


def _zip_of(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("wrapped", [True, False], ids=["in_zip", "bare_pickle"])
def test_malicious_pickle_is_refused_and_never_runs(wrapped, tmp_path):
    marker = tmp_path / "marker"
    pkl = pickle.dumps(_Evil(marker), protocol=2)
    data = _zip_of([("archive/data.pkl", pkl), ("archive/version", b"3\n")]) if wrapped else pkl
    got = _outcome(lambda: torch.load(io.BytesIO(data)))
    assert got[0] is pickle.UnpicklingError
    assert got[1].startswith("Weights only load failed.")
    assert f"GLOBAL {os.system.__module__}.system whose module" in got[1]
    assert not marker.exists()
    real = _real_torch()
    if real is not None:
        assert _outcome(lambda: real.load(io.BytesIO(data))) == got
        assert not marker.exists()


def _good_file():
    return torch_bytes({"a": torch.arange(6.0)})


def _patched_pickle(find, replace):
    def change(name, data):
        assert not name.endswith("data.pkl") or find in data
        return name, data.replace(find, replace) if name.endswith("data.pkl") else data
    src = zipfile.ZipFile(io.BytesIO(_good_file()))
    return _zip_of([change(n, src.read(n)) for n in src.namelist()])


def _records_changed(change):
    """The good file with each record passed through change(name, bytes) (None drops it)."""
    src = zipfile.ZipFile(io.BytesIO(_good_file()))
    kept = (change(n, src.read(n)) for n in src.namelist())
    return _zip_of([r for r in kept if r is not None])


def _record(suffix, new):
    return _records_changed(lambda n, d: (n, new(d)) if n.endswith(suffix) else (n, d))


def _long(v):
    return b"\x8a\x08" + v.to_bytes(8, "little", signed=True)


def _numel(v):  # the persistent id's element count: ("storage", FloatStorage, "0", "cpu", 6)
    return _patched_pickle(b"cpuq\x06" + _long(6), b"cpuq\x06" + _long(v))


def _size(v):  # the tensor's one dimension (offset 0, size (6,))
    return _patched_pickle(b"K\x00K\x06\x85", b"K\x00" + _long(v) + b"\x85")


def _with_central_directory_damaged():
    data = bytearray(_good_file())
    at = data.rindex(b"PK\x01\x02")
    data[at:at + 2] = b"XX"
    return bytes(data)


_DAMAGED = {
    "empty": (lambda: b"", EOFError),
    "text": (lambda: b"{'a': 1}\n", pickle.UnpicklingError),
    "tuple_without_mark": (lambda: b"this is not a checkpoint", (IndexError,
                                                                pickle.UnpicklingError)),
    "zeros": (lambda: bytes(64), pickle.UnpicklingError),
    "memo_garbage": (lambda: b"hello world", (KeyError, pickle.UnpicklingError)),
    "other_pickle": (lambda: pickle.dumps({"a": 1}, protocol=2), RuntimeError),
    "zip_magic_only": (lambda: b"PK\x03\x04" + bytes(40), RuntimeError),
    "tiny_zip_start": (lambda: _good_file()[:10], RuntimeError),
    "half_file": (lambda: _good_file()[:len(_good_file()) // 2], RuntimeError),
    "last_byte_cut": (lambda: _good_file()[:-1], RuntimeError),
    "central_directory": (_with_central_directory_damaged, RuntimeError),
    "no_data_pkl": (lambda: _zip_of([("archive/version", b"3\n")]), RuntimeError),
    "huge_numel": (lambda: _numel(2 ** 61), RuntimeError),
    "numel_off_by_one": (lambda: _numel(7), RuntimeError),
    "negative_numel": (lambda: _numel(-5), TypeError),
    "huge_size": (lambda: _size(2 ** 40), RuntimeError),
    "no_storage_record": (lambda: _records_changed(
        lambda n, d: None if n.endswith("data/0") else (n, d)), RuntimeError),
    "storage_record_short": (lambda: _record("data/0", lambda d: d[:-4]), RuntimeError),
    "data_pkl_garbage": (lambda: _record("data.pkl", lambda d: b"garbage!"),
                         pickle.UnpicklingError),
    "data_pkl_empty": (lambda: _record("data.pkl", lambda d: b""), EOFError),
    "no_version_record": (lambda: _records_changed(
        lambda n, d: None if n.endswith("/version") else (n, d)), RuntimeError),
    "version_not_a_number": (lambda: _record("/version", lambda d: b"three\n"), RuntimeError),
    "version_too_new": (lambda: _record("/version", lambda d: b"99\n"), RuntimeError),
    "unknown_byteorder": (lambda: _record("byteorder", lambda d: b"middle"), ValueError),
    "overflowing_size": (lambda: _patched_pickle(b"K\x00K\x06\x85q\x07K\x01\x85",
                                                 b"K\x00" + _long(2 ** 62) + b"\x85q\x07"
                                                 + _long(2 ** 62) + b"\x85"), RuntimeError),
}


@pytest.mark.parametrize("weights_only", [True, False])
@pytest.mark.parametrize("case", sorted(_DAMAGED))
def test_damaged_file_raises_what_torch_raises(case, weights_only):
    make, expected = _DAMAGED[case]
    data = make()
    got = _outcome(lambda: torch.load(io.BytesIO(data), weights_only=weights_only))
    types = expected if isinstance(expected, tuple) else (expected,)
    assert got[0] in types, got
    assert got[0] is not zipfile.BadZipFile
    real = _real_torch()
    if real is None:
        return
    want = _outcome(lambda: real.load(io.BytesIO(data), weights_only=weights_only))
    assert got[0] is want[0]
    if case not in _SAME_TYPE_ONLY:
        assert got[1] == want[1]
    elif got[0] is pickle.UnpicklingError and weights_only:
        assert got[1].startswith("Weights only load failed.") and want[1].startswith(
            "Weights only load failed.")


# pybind11 lists its overloads; PyTorch's weights_only unpickler (pure Python) words its own
# errors for a broken data.pkl (pytorchlite's is the C unpickler, restricted)
_SAME_TYPE_ONLY = {"negative_numel", "data_pkl_empty", "data_pkl_garbage"}


def test_stored_records_are_read_without_a_crc_check():
    # PyTorch reads stored records as they are: a flipped payload byte is not an error
    data = bytearray(_good_file())
    info = [i for i in zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()
            if i.filename.endswith("data/0")][0]
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:
                                                    info.header_offset + 30])
    payload = info.header_offset + 30 + name_len + extra_len
    data[payload + 4:payload + 8] = struct.pack("<f", 42.0)
    r = torch.load(io.BytesIO(bytes(data)))
    assert r["a"].tolist() == [0.0, 42.0, 2.0, 3.0, 4.0, 5.0]
    real = _real_torch()
    if real is not None:
        assert real.load(io.BytesIO(bytes(data)))["a"].tolist() == r["a"].tolist()


# ---- the small-tensor cache of a thread is freed when the thread exits -------------------

@measures_rss
def test_short_lived_threads_do_not_keep_their_tensor_cache():
    def work():
        kept = [torch.ones(3) + 1 for _ in range(300)]  # 300 small tensors, then freed
        del kept

    work()
    before = rss_bytes()
    for _ in range(2000):
        t = threading.Thread(target=work)
        t.start()
        t.join()
    grown = rss_bytes() - before
    # each thread caches up to 256 blocks; kept after exit that was ~200 MB for 2000 threads
    assert grown < 20 * 2 ** 20, f"RSS grew by {grown / 2 ** 20:.1f} MB"


# ---- losses check their arguments as PyTorch does -----------------------------------------

def _loss_cases(m):
    """name -> (call, expected exception type or UserWarning, text it contains)."""
    F, nn, T = m.nn.functional, m.nn, m.tensor
    x = T([[0.1, 2.0, -1.0], [0.5, 0.2, 0.3]])  # (N=2, C=3) scores
    t = T([0, 2])
    p, y = T([0.2, 0.7, 0.4]), T([0.0, 1.0, 1.0])
    col = T([[0.0], [1.0]])  # broadcasts against p to (2, 3)
    nan = float("nan")
    out_of_unit = "all elements of input should be between 0 and 1"
    classes = "weight tensor should be defined either for all 3 classes or no classes"
    return {
        "bce_above_one": (lambda: F.binary_cross_entropy(T([1.5, 0.5]), T([1.0, 0.0])),
                          RuntimeError, out_of_unit),
        "bce_negative": (lambda: F.binary_cross_entropy(T([-0.5, 0.5]), T([1.0, 0.0])),
                         RuntimeError, out_of_unit),
        "bce_nan": (lambda: F.binary_cross_entropy(T([nan, 0.5]), T([1.0, 0.0])),
                    RuntimeError, out_of_unit),
        "bce_module": (lambda: nn.BCELoss()(T([1.5, 0.5]), T([1.0, 0.0])),
                       RuntimeError, out_of_unit),
        "bce_size": (lambda: F.binary_cross_entropy(p, T([1.0, 0.0])), ValueError,
                     "Using a target size (torch.Size([2])) that is different to the input "
                     "size (torch.Size([3]))"),
        "bce_broadcastable_size": (lambda: F.binary_cross_entropy(p, T([[1.0, 0.0, 1.0]])),
                                   ValueError, "that is different to the input size"),
        "bce_with_logits_size": (lambda: F.binary_cross_entropy_with_logits(p, T([1.0, 0.0])),
                                 ValueError, "must be the same as input size"),
        "label_smoothing_above_one": (lambda: F.cross_entropy(x, t, label_smoothing=1.5),
                                      RuntimeError, "label_smoothing must be between 0.0 and "
                                      "1.0. Got: 1.5"),
        "label_smoothing_module": (lambda: nn.CrossEntropyLoss(label_smoothing=2.0)(x, t),
                                   RuntimeError, "Got: 2"),
        "label_smoothing_prob_targets": (lambda: F.cross_entropy(x, m.softmax(x, 1),
                                                                 label_smoothing=1.5),
                                         RuntimeError, "label_smoothing must be between"),
        "cross_entropy_weight_length": (lambda: F.cross_entropy(x, t, weight=T([1.0, 2.0])),
                                        RuntimeError, classes + " but got weight tensor of "
                                        "shape: [2]"),
        "cross_entropy_prob_weight": (lambda: F.cross_entropy(x, m.softmax(x, 1),
                                                              weight=T([1.0, 2.0])),
                                      RuntimeError, "cross_entropy: " + classes),
        "nll_weight_length": (lambda: F.nll_loss(x, t, weight=T([1.0, 2.0, 3.0, 4.0])),
                              RuntimeError, classes),
        "nll_weight_2d": (lambda: F.nll_loss(x, t, weight=T([[1.0, 2.0, 3.0]])),
                          RuntimeError, "shape: [1, 3]"),
        "nll_module_weight": (lambda: nn.NLLLoss(weight=T([1.0, 2.0]))(x, t), RuntimeError,
                              classes),
        "nll_target_5": (lambda: F.nll_loss(x, T([5, 0])), IndexError,
                         "Target 5 is out of bounds."),
        "nll_target_negative": (lambda: F.nll_loss(x, T([-1, 0])), IndexError,
                                "Target -1 is out of bounds."),
        "nll_target_5_weighted": (lambda: F.nll_loss(x, T([5, 0]), weight=T([1.0, 1.0, 1.0])),
                                  IndexError, "Target 5 is out of bounds."),
        "cross_entropy_target_5": (lambda: F.cross_entropy(x, T([5, 0])), IndexError,
                                   "Target 5 is out of bounds."),
        "cross_entropy_target_module": (lambda: nn.CrossEntropyLoss()(x, T([0, 3])),
                                        IndexError, "Target 3 is out of bounds."),
        "huber_delta_zero": (lambda: F.huber_loss(p, y, delta=0.0), RuntimeError,
                             "huber_loss does not support non-positive values for delta."),
        "huber_delta_negative": (lambda: F.huber_loss(p, y, delta=-1.0), RuntimeError,
                                 "non-positive values for delta"),
        "huber_module_delta": (lambda: nn.HuberLoss(delta=0.0)(p, y), RuntimeError,
                               "non-positive values for delta"),
        "smooth_l1_beta_negative": (lambda: F.smooth_l1_loss(p, y, beta=-0.5), RuntimeError,
                                    "smooth_l1_loss does not support negative values for "
                                    "beta."),
        "smooth_l1_module_beta": (lambda: nn.SmoothL1Loss(beta=-0.5)(p, y), RuntimeError,
                                  "negative values for beta"),
        "mse_broadcast": (lambda: F.mse_loss(p, col), UserWarning,
                          "Using a target size (torch.Size([2, 1])) that is different to the "
                          "input size (torch.Size([3])). This will likely lead to incorrect "
                          "results due to broadcasting."),
        "mse_module_broadcast": (lambda: nn.MSELoss()(p, col), UserWarning,
                                 "due to broadcasting"),
        "l1_broadcast": (lambda: F.l1_loss(p, col), UserWarning, "due to broadcasting"),
        "mse_not_broadcastable": (lambda: F.mse_loss(p, T([0.0, 1.0])), RuntimeError,
                                  "must match the size of tensor b"),
        "bce_weight_not_broadcastable": (lambda: F.binary_cross_entropy(p, y, weight=T([1.0, 2.0])),
                                         RuntimeError, "Attempting to broadcast a dimension of "
                                         "length 2 at -1!"),
        "bce_target_dtype": (lambda: F.binary_cross_entropy(p, T([0, 1, 1])), RuntimeError,
                             "Found dtype Long but expected Float"),
        "nll_float_target": (lambda: F.nll_loss(x, T([0.0, 2.0])), RuntimeError,
                             "expected target dtype to be Long or Byte, but got Float"),
        "nll_multi_target": (lambda: F.nll_loss(x, T([[0, 1], [1, 1]])), RuntimeError,
                             "0D or 1D target tensor expected, multi-target not supported"),
        "nll_batch_mismatch": (lambda: F.nll_loss(x, T([0, 1, 2])), ValueError,
                               "Expected input batch_size (2) to match target batch_size (3)."),
        "nll_one_row_target_size": (lambda: F.nll_loss(x[0], T([1, 2])), ValueError,
                                    "For 1D input, 1D target must have size 1"),
        "cross_entropy_integer_probabilities": (
            lambda: F.cross_entropy(x, T([[0, 1, 0], [1, 0, 0]])), RuntimeError,
            "Expected floating point type for target with class probabilities, got Long"),
        "cross_entropy_float_class_indices": (lambda: F.cross_entropy(x, T([0.0, 2.0])),
                                              RuntimeError, "expected target dtype to be Long"),
        "mse_integers": (lambda: F.mse_loss(T([1, 2]), T([1, 3])), NotImplementedError,
                         "\"mse_cpu\" not implemented for 'Long'"),
        "huber_integers": (lambda: F.huber_loss(T([1, 2]), T([1, 3])), NotImplementedError,
                           "\"huber_cpu\" not implemented for 'Long'"),
        "smooth_l1_integers": (lambda: F.smooth_l1_loss(T([1, 2]), T([1, 3])),
                               NotImplementedError, "\"smooth_l1_cpu\" not implemented"),
        "cross_entropy_elementwise_mean": (lambda: F.cross_entropy(x, t,
                                                                   reduction="elementwise_mean"),
                                           UserWarning, "'elementwise_mean' is deprecated"),
    } | {
        f"{name}_reduction": (call, ValueError, "avg is not a valid value for reduction")
        for name, call in (
            ("mse", lambda: F.mse_loss(p, y, reduction="avg")),
            ("mse_module", lambda: nn.MSELoss(reduction="avg")(p, y)),
            ("l1", lambda: F.l1_loss(p, y, reduction="avg")),
            ("bce", lambda: F.binary_cross_entropy(p, y, reduction="avg")),
            ("bce_with_logits", lambda: F.binary_cross_entropy_with_logits(p, y,
                                                                           reduction="avg")),
            ("cross_entropy", lambda: F.cross_entropy(x, t, reduction="avg")),
            ("cross_entropy_module", lambda: nn.CrossEntropyLoss(reduction="avg")(x, t)),
            ("nll", lambda: F.nll_loss(x, t, reduction="avg")),
            ("huber", lambda: F.huber_loss(p, y, reduction="avg")),
            ("smooth_l1", lambda: F.smooth_l1_loss(p, y, reduction="avg")),
        )
    }


def _loss_outcome(call):
    """(exception type and text, or ("ok", value)), and the warnings raised on the way."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            r = call()
            got = ("ok", r.tolist())
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            got = (type(e), str(e))
    return got, [(w.category, str(w.message)) for w in caught]


@pytest.mark.parametrize("case", sorted(_loss_cases(torch)))
def test_loss_argument_checks_match_torch(case):
    call, expected, text = _loss_cases(torch)[case]
    got, warned = _loss_outcome(call)
    if expected is UserWarning:
        assert got[0] == "ok"
        assert any(cat is UserWarning and text in msg for cat, msg in warned), warned
    else:
        assert got[0] is expected and text in got[1], got
    real = _real_torch()
    if real is not None:
        assert _loss_outcome(_loss_cases(real)[case][0]) == (got, warned)


def test_label_smoothing_below_zero_acts_as_none():
    x = torch.tensor([[0.1, 2.0, -1.0], [0.5, 0.2, 0.3]])
    t = torch.tensor([0, 2])
    F = torch.nn.functional
    assert F.cross_entropy(x, t, label_smoothing=-0.1).item() == F.cross_entropy(x, t).item()


# ---- multinomial without replacement: the samples are the keys probs / q in order ----------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_multinomial_without_replacement_takes_keys_in_order(dtype):
    # PyTorch draws q ~ Exp(1) in probs' layout and returns topk(probs / q): the same q comes
    # from exponential_ after the same seed. 65536 float32 keys include ties.
    dt = getattr(torch, dtype)
    p = torch.rand(65536, dtype=dt) + 0.5
    torch.manual_seed(7)
    keys = (p / torch.empty_like(p).exponential_(1)).tolist()
    for k in (65536, 1024, 1025, 3):
        torch.manual_seed(7)
        r = torch.multinomial(p, k, replacement=False).tolist()
        assert len(set(r)) == k
        picked = [keys[i] for i in r]
        assert all(a >= b for a, b in zip(picked, picked[1:]))
        assert min(picked) >= sorted(keys, reverse=True)[k - 1]


def test_mmap_needs_a_zip_file_on_disk(tmp_path):
    legacy = tmp_path / "legacy.pt"
    legacy.write_bytes(pickle.dumps(5, protocol=2))
    calls = {
        "buffer": lambda m: m.load(io.BytesIO(_good_file()), mmap=True),
        "not_zip_path": lambda m: m.load(str(legacy), mmap=True),
        "not_zip_buffer": lambda m: m.load(io.BytesIO(legacy.read_bytes()), mmap=True),
    }
    want_types = {"buffer": ValueError, "not_zip_path": RuntimeError,
                  "not_zip_buffer": RuntimeError}
    real = _real_torch()
    for name, call in calls.items():
        got = _outcome(lambda: call(torch))
        assert got[0] is want_types[name], got
        if real is not None:
            assert _outcome(lambda: call(real)) == got
    path = tmp_path / "ok.pt"
    path.write_bytes(_good_file())
    assert torch.load(str(path), mmap=True)["a"].tolist() == list(range(6))


@pytest.mark.parametrize("target, reduction", [([1], "mean"), ([1], "none"), (1, "none"),
                                               (2, "sum")])
def test_nll_loss_of_one_row(target, reduction):
    def run(m):
        x = m.tensor([0.1, 2.0, -1.0], requires_grad=True)
        loss = m.nn.functional.nll_loss(x, m.tensor(target), reduction=reduction)
        if isinstance(target, list):  # torch's backward refuses a (1,) target here
            return tuple(loss.shape), loss.tolist()
        loss.sum().backward()
        return tuple(loss.shape), loss.tolist(), x.grad.tolist()

    got = run(torch)
    assert got[0] == () and got[1] == -[0.1, 2.0, -1.0][target[0] if isinstance(target, list)
                                                        else target]
    real = _real_torch()
    if real is not None:
        assert run(real) == got
