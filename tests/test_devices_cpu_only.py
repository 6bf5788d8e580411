"""Device API as a CPU-only PyTorch build answers it: Module.cuda/xpu/to, set_default_device's
late failure, Tensor.pin_memory/share_memory_/get_device, torch.version, torch.mps, torch.xpu
and torch.cuda's context managers and queries. Every case is run on pytorchlite (its outcome
kind checked) and, where PyTorch is importable, compared with it: the exception type and the
first line of its message, or the repr of the result."""
import warnings

import pytest

import pytorchlite

OK = "ok"


def outcome(fn, module):
    """fn(module) as ('ok', repr of the result) or ('raises', type name, first message line)."""
    try:
        value = fn(module)
    except Exception as exc:  # noqa: BLE001 - the outcome is what is compared
        return ("raises", type(exc).__name__, str(exc).split("\n")[0])
    return (OK, repr(value))


def check_kind(out, expected):
    """out is a result (expected OK) or an exception of the class expected."""
    if expected == OK:
        assert out[0] == OK, out
    else:
        assert out[:2] == ("raises", expected.__name__), out


def _linear(t):
    return t.nn.Linear(2, 2)


# name -> (fn taking the torch module, expected outcome kind)
CASES = {
    "module.cuda": (lambda t: _linear(t).cuda(), AssertionError),
    "module.cuda(0)": (lambda t: _linear(t).cuda(0), RuntimeError),
    "module.cuda('cuda:0')": (lambda t: _linear(t).cuda("cuda:0"), AssertionError),
    "module.xpu": (lambda t: _linear(t).xpu(), AssertionError),
    "module.ipu": (lambda t: _linear(t).ipu(), RuntimeError),
    "module.to('cuda')": (lambda t: _linear(t).to("cuda"), AssertionError),
    "module.to('cuda:1')": (lambda t: _linear(t).to("cuda:1"), AssertionError),
    "module.to(device='cuda')": (lambda t: _linear(t).to(device="cuda"), AssertionError),
    "module.to(cuda, float64)": (lambda t: _linear(t).to(t.device("cuda"), t.float64),
                                 AssertionError),
    "module.to('cuda', int64)": (lambda t: _linear(t).to("cuda", t.int64), TypeError),
    "module.to('mps')": (lambda t: _linear(t).to("mps"), RuntimeError),
    "module.to('xpu')": (lambda t: _linear(t).to("xpu"), AssertionError),
    "module.to('ipu')": (lambda t: _linear(t).to("ipu"), RuntimeError),
    "module.to(0)": (lambda t: _linear(t).to(0), RuntimeError),
    "module.to('foo')": (lambda t: _linear(t).to("foo"), RuntimeError),
    "module.to('cpu')": (lambda t: _linear(t).to("cpu"), OK),
    "module.cpu": (lambda t: _linear(t).cpu(), OK),
    "module.share_memory": (lambda t: _linear(t).share_memory(), OK),
    "parameterless.cuda": (lambda t: t.nn.ReLU().cuda(), OK),
    "parameterless.to('mps')": (lambda t: t.nn.ReLU().to("mps"), OK),
    "parameterless.xpu": (lambda t: t.nn.ReLU().xpu(), OK),
    "Linear(device='cuda')": (lambda t: t.nn.Linear(2, 2, device="cuda"), AssertionError),
    "Linear(device=0)": (lambda t: t.nn.Linear(2, 2, device=0), RuntimeError),
    "tensor.cuda": (lambda t: t.zeros(2).cuda(), AssertionError),
    "tensor.to('xpu')": (lambda t: t.zeros(2).to("xpu"), AssertionError),
    "tensor.to('ipu')": (lambda t: t.zeros(2).to("ipu"), RuntimeError),
    "tensor.pin_memory": (lambda t: t.zeros(2).pin_memory(), RuntimeError),
    "tensor.pin_memory(0)": (lambda t: t.zeros(2).pin_memory(0), RuntimeError),
    "tensor.is_pinned": (lambda t: t.zeros(2).is_pinned(), OK),
    "tensor.is_shared": (lambda t: t.zeros(2).is_shared(), OK),
    "tensor.share_memory_": (lambda t: t.zeros(2).share_memory_(), OK),
    "tensor.share_memory_.is_shared": (lambda t: t.zeros(2).share_memory_().is_shared(), OK),
    "tensor.share_memory_.is_pinned": (lambda t: t.zeros(2).share_memory_().is_pinned(), OK),
    "empty.share_memory_.is_shared": (lambda t: t.zeros(0).share_memory_().is_shared(), OK),
    "tensor.share_memory_(1)": (lambda t: t.zeros(2).share_memory_(1), TypeError),
    "tensor.get_device": (lambda t: t.zeros(2).get_device(), OK),
    "scalar.get_device": (lambda t: t.tensor(1.0).get_device(), OK),
    "tensor.is_mps": (lambda t: t.zeros(2).is_mps, OK),
    "tensor.is_xpu": (lambda t: t.zeros(2).is_xpu, OK),
    "tensor.is_cpu": (lambda t: t.zeros(2).is_cpu, OK),
    "version.cuda": (lambda t: t.version.cuda, OK),
    "version.hip": (lambda t: t.version.hip, OK),
    "version.rocm": (lambda t: t.version.rocm, OK),
    "version.xpu": (lambda t: t.version.xpu, OK),
    "version.debug": (lambda t: t.version.debug, OK),
    "version.__all__": (lambda t: t.version.__all__, OK),
    "mps.is_available": (lambda t: t.mps.is_available(), OK),
    "mps.device_count": (lambda t: t.mps.device_count(), OK),
    "mps.manual_seed": (lambda t: t.mps.manual_seed(1), OK),
    "mps.seed": (lambda t: t.mps.seed(), RuntimeError),
    "mps.get_rng_state": (lambda t: t.mps.get_rng_state(), RuntimeError),
    "mps.synchronize": (lambda t: t.mps.synchronize(), RuntimeError),
    "mps.empty_cache": (lambda t: t.mps.empty_cache(), RuntimeError),
    "mps.current_allocated_memory": (lambda t: t.mps.current_allocated_memory(), RuntimeError),
    "mps.driver_allocated_memory": (lambda t: t.mps.driver_allocated_memory(), RuntimeError),
    "mps.recommended_max_memory": (lambda t: t.mps.recommended_max_memory(), RuntimeError),
    "mps.set_per_process_memory_fraction":
        (lambda t: t.mps.set_per_process_memory_fraction(0.5), RuntimeError),
    "mps.compile_shader": (lambda t: t.mps.compile_shader(""), RuntimeError),
    "backends.mps.is_built": (lambda t: t.backends.mps.is_built(), OK),
    "xpu.is_available": (lambda t: t.xpu.is_available(), OK),
    "xpu.device_count": (lambda t: t.xpu.device_count(), OK),
    "xpu.is_initialized": (lambda t: t.xpu.is_initialized(), OK),
    "xpu.manual_seed": (lambda t: t.xpu.manual_seed(1), OK),
    "xpu.empty_cache": (lambda t: t.xpu.empty_cache(), OK),
    "xpu.memory_allocated": (lambda t: t.xpu.memory_allocated(), OK),
    "xpu.current_device": (lambda t: t.xpu.current_device(), AssertionError),
    "xpu.synchronize": (lambda t: t.xpu.synchronize(), AssertionError),
    "xpu.init": (lambda t: t.xpu.init(), AssertionError),
    "xpu.set_device": (lambda t: t.xpu.set_device(0), AssertionError),
    "xpu.get_rng_state": (lambda t: t.xpu.get_rng_state(), AssertionError),
    "cuda.set_device(0)": (lambda t: t.cuda.set_device(0), AttributeError),
    "cuda.set_device('cuda:0')": (lambda t: t.cuda.set_device("cuda:0"), AttributeError),
    "cuda.set_device(-1)": (lambda t: t.cuda.set_device(-1), OK),
    "cuda.set_device('cpu')": (lambda t: t.cuda.set_device("cpu"), ValueError),
    "cuda.set_device(cuda)": (lambda t: t.cuda.set_device(t.device("cuda")), ValueError),
    "cuda.set_device(None)": (lambda t: t.cuda.set_device(None), ValueError),
    "cuda.device(0).idx": (lambda t: t.cuda.device(0).idx, OK),
    "cuda.device('cuda').idx": (lambda t: t.cuda.device("cuda").idx, OK),
    "cuda.device('cuda:1').idx": (lambda t: t.cuda.device(t.device("cuda:1")).idx, OK),
    "cuda.device('cpu')": (lambda t: t.cuda.device("cpu"), ValueError),
    "cuda.device(0) entered": (lambda t: t.cuda.device(0).__enter__(), RuntimeError),
    "cuda.device(-1) entered": (lambda t: t.cuda.device(-1).__enter__(), OK),
    "cuda.device(None) entered": (lambda t: t.cuda.device(None).__enter__(), TypeError),
    "cuda.device_of": (lambda t: t.cuda.device_of(t.zeros(2)).idx, OK),
    "cuda.device_of entered": (lambda t: t.cuda.device_of(t.zeros(2)).__enter__(), OK),
    "cuda.Stream()": (lambda t: t.cuda.Stream(), RuntimeError),
    "cuda.Stream(priority=0)": (lambda t: t.cuda.Stream(priority=0), RuntimeError),
    "cuda.Event()": (lambda t: t.cuda.Event(enable_timing=True), RuntimeError),
    "cuda.stream(None) entered": (lambda t: t.cuda.stream(None).__enter__(), OK),
    "cuda.get_rng_state": (lambda t: t.cuda.get_rng_state(), AssertionError),
    "cuda.get_rng_state_all": (lambda t: t.cuda.get_rng_state_all(), OK),
    "cuda.set_rng_state": (lambda t: t.cuda.set_rng_state(t.zeros(2, dtype=t.uint8)), OK),
    "cuda.initial_seed": (lambda t: t.cuda.initial_seed(), AssertionError),
    "cuda.get_arch_list": (lambda t: t.cuda.get_arch_list(), OK),
    "cuda.get_gencode_flags": (lambda t: t.cuda.get_gencode_flags(), OK),
    "cuda.memory_stats": (lambda t: t.cuda.memory_stats(), OK),
    "cuda.memory_reserved": (lambda t: t.cuda.memory_reserved(), OK),
    "cuda.reset_peak_memory_stats": (lambda t: t.cuda.reset_peak_memory_stats(),
                                     AttributeError),
    "cuda.mem_get_info": (lambda t: t.cuda.mem_get_info(), AssertionError),
    "cuda.default_stream": (lambda t: t.cuda.default_stream(), AssertionError),
    "cuda.init": (lambda t: t.cuda.init(), AssertionError),
    "cuda.is_current_stream_capturing": (lambda t: t.cuda.is_current_stream_capturing(),
                                         RuntimeError),
    "cuda.set_stream": (lambda t: t.cuda.set_stream(None), OK),
    "cuda.is_tf32_supported": (lambda t: t.cuda.is_tf32_supported(), OK),
    "cuda.can_device_access_peer": (lambda t: t.cuda.can_device_access_peer(0, 1),
                                    AssertionError),
    "cuda.default_generators": (lambda t: t.cuda.default_generators, OK),
    "cuda.OutOfMemoryError": (lambda t: t.cuda.OutOfMemoryError is t.OutOfMemoryError, OK),
    "accelerator.current_accelerator": (lambda t: t.accelerator.current_accelerator(), OK),
    # factories: the device string parsed as torch.device does, then CPU-only PyTorch's refusal
    "zeros(device='xpu')": (lambda t: t.zeros(2, device="xpu"), AssertionError),
    "ones(device='xpu:0')": (lambda t: t.ones(2, device="xpu:0"), AssertionError),
    "zeros(device='mtia')": (lambda t: t.zeros(2, device="mtia"), AssertionError),
    "zeros(device='hpu')": (lambda t: t.zeros(2, device="hpu"), ModuleNotFoundError),
    "zeros(device='foo')": (lambda t: t.zeros(2, device="foo"), RuntimeError),
    "zeros(device='CPU')": (lambda t: t.zeros(2, device="CPU"), RuntimeError),
    "zeros(device='cuda:x')": (lambda t: t.zeros(2, device="cuda:x"), RuntimeError),
    "zeros(device='cpu:-1')": (lambda t: t.zeros(2, device="cpu:-1"), RuntimeError),
    "empty(device='cpu:1')": (lambda t: t.empty(2, device="cpu:1").shape, OK),
    "full(device=cpu)": (lambda t: t.full((2,), 1.0, device=t.device("cpu")), OK),
    "tensor(device='xpu')": (lambda t: t.tensor([1.0], device="xpu"), AssertionError),
    "zeros(pin_memory=True)": (lambda t: t.zeros(2, pin_memory=True), RuntimeError),
    "empty(pin_memory=True)": (lambda t: t.empty(2, pin_memory=True), RuntimeError),
    "tensor(pin_memory=True)": (lambda t: t.tensor([1.0], pin_memory=True), RuntimeError),
    "randn(pin_memory=True)": (lambda t: t.randn(2, pin_memory=True), RuntimeError),
    "zeros(pin_memory=False)": (lambda t: t.zeros(2, pin_memory=False), OK),
}


@pytest.mark.parametrize("name", CASES)
def test_outcome_kind(name):
    fn, expected = CASES[name]
    check_kind(outcome(fn, pytorchlite), expected)


@pytest.mark.parametrize("name", CASES)
def test_same_as_torch(name):
    torch = pytest.importorskip("torch")
    fn, expected = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = outcome(fn, pytorchlite), outcome(fn, torch)
    check_kind(theirs, expected)
    assert ours == theirs


def _warned(fn, module):
    """(outcome of fn(module), [(warning class, first line of its message)])."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = outcome(fn, module)
    return out, [(w.category.__name__, str(w.message).split(" (Triggered internally")[0])
                 for w in caught]


WARNING_CASES = {
    "has_cuda": (lambda t: t.has_cuda, OK),
    "has_mps": (lambda t: t.has_mps, OK),
    "has_cudnn": (lambda t: t.has_cudnn, OK),
    "pin_memory('cpu')": (lambda t: t.zeros(2).pin_memory("cpu"), RuntimeError),
    "pin_memory('cuda')": (lambda t: t.zeros(2).pin_memory("cuda"), RuntimeError),
    "pin_memory('mps')": (lambda t: t.zeros(2).pin_memory("mps"), RuntimeError),
    "pin_memory('xpu')": (lambda t: t.zeros(2).pin_memory("xpu"), RuntimeError),
    "is_pinned('cuda')": (lambda t: t.zeros(2).is_pinned("cuda"), OK),
    "cuda.memory_cached": (lambda t: t.cuda.memory_cached(), OK),
    "cuda.max_memory_cached": (lambda t: t.cuda.max_memory_cached(), OK),
    "cuda.reset_max_memory_allocated": (lambda t: t.cuda.reset_max_memory_allocated(),
                                        AttributeError),
    "cuda.reset_max_memory_cached": (lambda t: t.cuda.reset_max_memory_cached(),
                                     AttributeError),
}


@pytest.mark.parametrize("name", WARNING_CASES)
def test_warnings_kind(name):
    fn, expected = WARNING_CASES[name]
    out, caught = _warned(fn, pytorchlite)
    check_kind(out, expected)
    assert caught and {c[0] for c in caught} <= {"UserWarning", "DeprecationWarning",
                                                  "FutureWarning"}


@pytest.mark.parametrize("name", WARNING_CASES)
def test_warnings_same_as_torch(name):
    torch = pytest.importorskip("torch")
    fn, expected = WARNING_CASES[name]
    ours, theirs = _warned(fn, pytorchlite), _warned(fn, torch)
    check_kind(theirs[0], expected)
    assert ours == theirs


def test_has_cuda_warns_at_the_caller():
    with pytest.warns(UserWarning, match="'has_cuda' is deprecated") as record:
        assert pytorchlite.has_cuda is False
    assert record[0].filename == __file__


# ---- set_default_device: accepted at once, fails at the first factory that uses it ----

def _default_device_story(t, where):
    """Outcomes of factories and queries while where is the default device, then after
    restoring the CPU with None."""
    calls = [lambda t: t.zeros(2), lambda t: t.tensor([1.0]), lambda t: t.as_tensor([1.0]),
             lambda t: t.ones(2, 2), lambda t: t.linspace(0, 1, 3), lambda t: t.randperm(0),
             lambda t: t.eye(2), lambda t: t.arange(3), lambda t: t.full((2,), 1.0),
             lambda t: t.nn.Linear(2, 2), lambda t: t.get_default_device(),
             lambda t: t.zeros(2, device="cpu"), lambda t: t.zeros_like(t.zeros(2, device="cpu"))]
    t.set_default_device(where)
    try:
        story = [outcome(fn, t) for fn in calls]
    finally:
        t.set_default_device(None)
    return story + [outcome(lambda t: t.get_default_device(), t), outcome(lambda t: t.zeros(1), t)]


def test_default_device_cuda_fails_late():
    story = _default_device_story(pytorchlite, "cuda")
    for out in story[:-4]:
        assert out == ("raises", "AssertionError", "Torch not compiled with CUDA enabled")
    assert story[-4] == story[-3] == (OK, "tensor([0., 0.])")
    assert story[-2] == (OK, "device(type='cpu')") and story[-1] == (OK, "tensor([0.])")


def _check_story_kinds(story, first):
    """The first factory ends as first says; nothing fails for want of a name."""
    check_kind(story[0], first)
    assert all(out[0] == OK or out[1] in ("AssertionError", "RuntimeError",
                                          "NotImplementedError") for out in story), story


@pytest.mark.parametrize("where, first", [("cuda", AssertionError), ("cuda:0", AssertionError),
                                          ("xpu", AssertionError), ("cpu", OK)])
def test_default_device_same_as_torch(where, first):
    torch = pytest.importorskip("torch")
    ours, theirs = _default_device_story(pytorchlite, where), _default_device_story(torch, where)
    _check_story_kinds(theirs, first)
    assert ours == theirs


def test_default_device_mps_same_exception_types():
    torch = pytest.importorskip("torch")
    ours, theirs = (_default_device_story(m, "mps") for m in (pytorchlite, torch))
    _check_story_kinds(theirs, NotImplementedError)
    assert [o[:2] for o in ours] == [o[:2] for o in theirs]


@pytest.mark.parametrize("where", [0, "foo", "cuda:x"])
def test_set_default_device_rejects_what_torch_rejects(where):
    torch = pytest.importorskip("torch")
    ours, theirs = (outcome(lambda t: t.set_default_device(where), m) for m in (pytorchlite, torch))
    check_kind(ours, RuntimeError)
    assert ours == theirs
    assert pytorchlite.get_default_device() == pytorchlite.device("cpu")


def test_device_context_manager_fails_late():
    with pytorchlite.device("cuda"):
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
            pytorchlite.zeros(2)
        assert pytorchlite.zeros(2, device="cpu").shape == (2,)
    assert pytorchlite.zeros(2).device == pytorchlite.device("cpu")


def test_default_device_restores_the_same_factories():
    zeros, tensor = pytorchlite.zeros, pytorchlite.tensor
    pytorchlite.set_default_device("cuda")
    try:
        assert pytorchlite.zeros is not zeros
        assert pytorchlite.zeros.__name__ == zeros.__name__
    finally:
        pytorchlite.set_default_device("cpu")
    assert pytorchlite.zeros is zeros and pytorchlite.tensor is tensor


def test_default_device_with_index():
    pytorchlite.set_default_device("cuda:1")
    try:
        assert pytorchlite.get_default_device() == pytorchlite.device("cuda", 1)
    finally:
        pytorchlite.set_default_device(None)


# ---- shared memory: a property of the storage, so views see it ----

def test_share_memory_marks_the_storage():
    x = pytorchlite.zeros(4, 4)
    before = x[1:]
    assert not x.is_shared() and not before.is_shared()
    assert x.share_memory_() is x
    assert x.is_shared() and before.is_shared()
    assert x.t().is_shared() and x.detach().is_shared() and x[2:, 1].is_shared()
    assert not x.clone().is_shared() and not pytorchlite.zeros(4, 4).is_shared()


def test_share_memory_survives_the_marking_tensor():
    x = pytorchlite.zeros(3)
    view = x[1:]
    x.share_memory_()
    assert view.is_shared()
    del x
    assert view.is_shared()  # the view now vouches for the storage


def test_module_share_memory():
    m = pytorchlite.nn.Linear(2, 2)
    assert m.share_memory() is m
    assert m.weight.is_shared() and m.bias.is_shared() and m.weight.data.is_shared()


def test_shared_views_same_as_torch():
    torch = pytest.importorskip("torch")

    def story(t):
        x = t.zeros(3)
        y = x[1:]
        x.share_memory_()
        m = t.nn.Linear(2, 2).share_memory()
        return [y.is_shared(), x.clone().is_shared(), x.view(3).is_shared(),
                x.detach().is_shared(), m.weight.is_shared(), t.zeros(2)[0:1].is_shared()]

    assert story(pytorchlite) == story(torch)


# ---- without PyTorch ----

def test_version_module():
    import pytorchlite.version as version

    assert pytorchlite.version is version
    assert version.__version__ == pytorchlite.__version__
    assert version.cuda is None and version.hip is None and version.debug is False
    assert isinstance(version.git_version, str)


def test_module_moves_keep_the_module_usable():
    m = pytorchlite.nn.Linear(2, 2)
    w = m.weight.detach().clone()
    with pytest.raises(AssertionError, match="^Torch not compiled with CUDA enabled$"):
        m.cuda()
    with pytest.raises(RuntimeError, match="^PyTorch is not linked with support for mps devices$"):
        m.to("mps")
    assert pytorchlite.equal(m.weight, w) and m.to("cpu") is m


def test_cuda_device_context_is_a_noop_for_negative_index():
    with pytorchlite.cuda.device(-1):
        assert pytorchlite.zeros(1).get_device() == -1
    with pytorchlite.cuda.device_of(pytorchlite.zeros(1)):
        pass
    with pytorchlite.cuda.stream(None):
        pass


def test_stream_and_event_cannot_be_made():
    with pytest.raises(RuntimeError, match="requires CUDA support"):
        pytorchlite.cuda.Stream()
    with pytest.raises(RuntimeError, match="dummy base class Event"):
        pytorchlite.cuda.Event()
    with pytest.raises(RuntimeError, match="without MPS backend"):
        pytorchlite.mps.Event()
