"""pytorchlite.testing: assert_close's verdicts and reports against torch.testing's, and the
pytest plugin (torch_seed, framework, both_frameworks) run through pytester."""
import numpy as np
import pytest

import pytorchlite
from pytorchlite.testing import assert_close

pytest_plugins = ["pytester"]

NAN, INF = float("nan"), float("inf")

# name -> builder(lib) returning (actual, expected, kwargs); run with pytorchlite and torch
CASES = {
    "close": lambda t: (t.tensor([1.0, 2.0, 3.0]), t.tensor([1.0, 2.5, 3.0]), {}),
    "within_default_tolerance": lambda t: (t.tensor([1.0, 2.0]), t.tensor([1.0, 2.000001]), {}),
    "two_dims": lambda t: (t.tensor([[1.0, 2.0], [3.0, 4.0]]),
                           t.tensor([[1.0, 2.0], [3.0, 5.0]]), {}),
    "negative": lambda t: (t.tensor([-1.0, -2.0]), t.tensor([-1.0, -2.5]), {}),
    "float64": lambda t: (t.tensor([1.0], dtype=t.float64),
                          t.tensor([1.0001], dtype=t.float64), {}),
    "int": lambda t: (t.tensor([1, 2, 3]), t.tensor([1, 2, 4]), {}),
    "int_third": lambda t: (t.tensor([1]), t.tensor([3]), {}),
    "int_with_tolerances": lambda t: (t.tensor([1, 5]), t.tensor([1, 3]),
                                      {"rtol": 0.1, "atol": 1}),
    "bool": lambda t: (t.tensor([True, False]), t.tensor([True, True]), {}),
    "zero_dim": lambda t: (t.tensor(1.0), t.tensor(2.0), {}),
    "nan": lambda t: (t.tensor([NAN]), t.tensor([NAN]), {}),
    "equal_nan": lambda t: (t.tensor([NAN, 1.0]), t.tensor([NAN, 2.0]), {"equal_nan": True}),
    "equal_nan_passes": lambda t: (t.tensor([NAN]), t.tensor([NAN]), {"equal_nan": True}),
    "inf": lambda t: (t.tensor([INF, 1.0]), t.tensor([1.0, 1.0]), {}),
    "inf_equal": lambda t: (t.tensor([INF]), t.tensor([INF]), {}),
    "zero_expected": lambda t: (t.tensor([1.0, 2.0]), t.tensor([0.0, 2.0]), {}),
    "many": lambda t: (t.arange(1000.0), t.cat([t.arange(999.0), t.tensor([1000.0])]), {}),
    "tolerances": lambda t: (t.zeros(3), t.tensor([0.0, 1e-3, 2.0]), {"rtol": 0.1, "atol": 0.01}),
    "shape": lambda t: (t.zeros(2), t.zeros(3), {}),
    "dtype": lambda t: (t.zeros(2), t.zeros(2, dtype=t.float64), {}),
    "dtype_unchecked": lambda t: (t.tensor([1, 2]), t.tensor([1.0, 2.5]), {"check_dtype": False}),
    "stride": lambda t: (t.zeros(2, 2).t(), t.zeros(2, 2), {"check_stride": True}),
    "requires_grad": lambda t: (t.zeros(1, requires_grad=True), t.zeros(1), {}),
    "empty": lambda t: (t.zeros(0), t.zeros(0), {}),
    "numbers": lambda t: (1.0, 1.1, {}),
    "int_numbers": lambda t: (1, 2, {}),
    "int_vs_float": lambda t: (1, 1.0, {}),
    "int_vs_float_unchecked": lambda t: (1, 2.0, {"check_dtype": False}),
    "nan_numbers": lambda t: (NAN, NAN, {}),
    "booleans": lambda t: (True, False, {}),
    "none": lambda t: (None, None, {}),
    "list": lambda t: ([t.zeros(1), t.ones(1)], [t.zeros(1), t.zeros(1)], {}),
    "nested": lambda t: ({"a": [t.zeros(1), {"b": t.zeros(2)}]},
                         {"a": [t.zeros(1), {"b": t.ones(2)}]}, {}),
    "list_length": lambda t: ([1, 2], [1], {}),
    "dict_keys": lambda t: ({"a": 1}, {"b": 1}, {}),
    "tuple_vs_list": lambda t: ((1, 2), [1, 2], {}),
    "msg": lambda t: (t.zeros(1), t.ones(1), {"msg": "custom"}),
    "msg_callable": lambda t: ([t.zeros(1)], [t.ones(1)], {"msg": lambda m: "X" + m}),
    "msg_on_shape": lambda t: (t.zeros(2), t.zeros(3), {"msg": "custom"}),
    "tensor_vs_number": lambda t: (t.zeros(1), 1.0, {}),
    "strings": lambda t: ("a", "a", {}),
    "rtol_only": lambda t: (t.zeros(1), t.ones(1), {"rtol": 1e-3}),
    "numpy": lambda t: (np.zeros(2), np.ones(2), {}),
}


def outcome(lib, case):
    actual, expected, kwargs = CASES[case](lib)
    try:
        lib.testing.assert_close(actual, expected, **kwargs)
    except Exception as e:  # noqa: BLE001 (the type is part of what is compared)
        return type(e).__name__, str(e)
    return "passed", ""


@pytest.mark.parametrize("case", sorted(CASES))
def test_assert_close_matches_torch(case):
    real = pytest.importorskip("torch")
    assert outcome(pytorchlite, case) == outcome(real, case)


def test_reports_without_torch():
    """The report's numbers come from the inputs (a check that needs no torch)."""
    t = pytorchlite
    kind, text = outcome(t, "close")
    assert kind == "AssertionError"
    rel = float(np.float32(0.5) / np.float32(2.5))
    assert text.splitlines() == [
        "Tensor-likes are not close!", "",
        "Mismatched elements: 1 / 3 (33.3%)",
        "Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)",
        f"Greatest relative difference: {rel} at index (1,) (up to 1.3e-06 allowed)"]
    assert outcome(t, "within_default_tolerance") == ("passed", "")
    assert outcome(t, "int")[1].startswith("Tensor-likes are not equal!")
    assert "The failure occurred for item ['a'][1]['b']" in outcome(t, "nested")[1]
    assert outcome(t, "rtol_only")[0] == "ValueError"
    assert outcome(t, "tensor_vs_number") == (
        "TypeError", "No comparison pair was able to handle inputs of type "
                     "<class 'torch.Tensor'> and <class 'float'>.")


def test_pytorchlite_and_torch_tensors_compare_directly():
    real = pytest.importorskip("torch")
    assert_close(pytorchlite.arange(4.0), real.arange(4.0))
    with pytest.raises(AssertionError, match="Mismatched elements: 1 / 2") as info:
        assert_close(pytorchlite.tensor([1.0, 2.0]), real.tensor([1.0, 3.0]))
    with pytest.raises(AssertionError) as theirs:
        real.testing.assert_close(real.tensor([1.0, 2.0]), real.tensor([1.0, 3.0]))
    assert str(info.value) == str(theirs.value)


def test_torch_testing_is_pytorchlite_testing():
    assert pytorchlite.testing.assert_close is assert_close


# --------------------------------------------------------------------------- the plugin

PLUGIN = ("-p", "pytorchlite.testing._plugin")


def test_torch_seed_seeds_and_restores(pytester):
    pytester.makepyfile("""
        import pytest
        import pytorchlite as torch

        def test_seeded(torch_seed):
            assert torch_seed == 0
            first = torch.rand(3).tolist()
            torch.manual_seed(0)
            assert torch.rand(3).tolist() == first

        @pytest.mark.torch_seed(1234)
        def test_marker(torch_seed):
            assert torch_seed == 1234
            drawn = torch.rand(2).tolist()
            torch.manual_seed(1234)
            assert torch.rand(2).tolist() == drawn

    """)
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=2)


def test_torch_seed_restores_the_callers_stream(pytester):
    pytester.makepyfile("""
        import pytorchlite as torch

        STATE = {}

        def test_a_set_stream():
            torch.manual_seed(99)
            STATE["expected"] = torch.rand(4).tolist()
            torch.manual_seed(99)

        def test_b_uses_fixture(torch_seed):
            torch.rand(10)

        def test_c_stream_continues():
            assert torch.rand(4).tolist() == STATE["expected"]
    """)
    pytester.runpytest(*PLUGIN, "-p", "no:randomly").assert_outcomes(passed=3)


def test_ini_option_sets_the_seed(pytester):
    pytester.makeini("[pytest]\ntorch_seed = 42\n")
    pytester.makepyfile("""
        def test_seed(torch_seed):
            assert torch_seed == 42
    """)
    pytester.runpytest(*PLUGIN).assert_outcomes(passed=1)


def test_both_frameworks_runs_twice(pytester):
    try:
        import torch  # noqa: F401
        has_torch = True
    except ImportError:
        has_torch = False
    pytester.makepyfile("""
        import pytest

        @pytest.mark.both_frameworks
        def test_softmax(framework, torch_seed):
            x = framework.randn(4, 5)
            framework.testing.assert_close(x.softmax(1).sum(1), framework.ones(4))
            assert framework.__name__ in ("pytorchlite", "torch")

        def test_default_framework(framework):
            assert framework.__name__ == "pytorchlite"
    """)
    result = pytester.runpytest(*PLUGIN, "-v")
    result.stdout.fnmatch_lines(["*test_softmax?pytorchlite? PASSED*",
                                 "*test_softmax?torch? " + ("PASSED*" if has_torch
                                                            else "SKIPPED*")])
    result.assert_outcomes(passed=3 if has_torch else 2, skipped=0 if has_torch else 1)


def test_same_seed_same_numbers_in_both_frameworks(pytester):
    pytest.importorskip("torch")
    pytester.makepyfile("""
        import pytest
        DRAWS = {}

        @pytest.mark.both_frameworks
        def test_draw(framework, torch_seed):
            DRAWS[framework.__name__] = framework.rand(5).tolist()

        def test_compare():
            assert DRAWS["pytorchlite"] == DRAWS["torch"]
    """)
    pytester.runpytest(*PLUGIN).assert_outcomes(passed=3)


def test_plugin_is_opt_in(pytester):
    pytester.makepyfile("""
        def test_seed(torch_seed):
            pass
    """)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'torch_seed' not found*"])
