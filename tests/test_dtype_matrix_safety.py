"""The dtype matrix (tests/dtype_matrix_cases.py) against PyTorch: every dtype through
arithmetic with tensors and Python numbers, pow, clamp, softmax, pooling and convolution and the
random fills, each group run in a child process per library so that a crash of pytorchlite is a
failure of its own. Every case must give torch's values and dtype, or torch's exception type and
message; floating values may differ within a few units in the last place of their dtype (the
"ulp" kind), except where a test below asks for them bit for bit. The divergences not yet fixed
are listed in REMAINING with the reason."""
import pytest

import dtype_matrix_cases as M
from conftest import child_env

pytest.importorskip("torch")

# (group, case id): why pytorchlite still differs there
REMAINING = {}
for _d in ["uint8", "int8", "int16", "int32", "int64"]:
    for _c in ["conv2d", "conv2d({}, bias)", "conv1d"]:
        _cid = _c.format(_d) if "{" in _c else f"{_c}({_d})"
        REMAINING[("pool_conv", _cid)] = "integer convolution is floating-only here"
    REMAINING[("pool_conv", f"interpolate nearest({_d})")] = "another kernel name in the message"
    if _d != "int64":
        REMAINING[("pool_conv", f"conv_transpose2d({_d})")] = "own message for integer dtypes"
REMAINING[("pool_conv", "interpolate nearest(bool)")] = "another kernel name in the message"
for _c in ["avg_pool2d(int64)", "avg_pool1d(int64)", "lp_pool2d(int64)", "lp_pool2d(bool)",
           "conv_transpose2d(int64)"]:
    REMAINING[("pool_conv", _c)] = "PyTorch computes these on int64; pytorchlite refuses"
for _d in ["", "F."]:
    for _dim in ["1", "-1"]:
        REMAINING[("softmax", f"{_d}log_softmax(float16, {_dim})")] = \
            "float16 log_softmax on the last dim rounds differently (1 ulp)"
        REMAINING[("softmax", f"{_d}log_softmax(bfloat16, {_dim})")] = \
            "PyTorch's bfloat16 log_softmax on the last dim rounds its intermediates to bfloat16"

for _d in ["uint8", "int8", "int16", "int32"]:
    for _c in ["bernoulli({} p)", "cauchy_ {}", "exponential_ {}", "log_normal_ {}",
               "multinomial {}", "normal_ 20 {}", "normal_ {}", "rand dtype {}", "rand_like {}",
               "randn dtype {}", "uniform_ {}", "uniform_(-2, 3) {}"]:
        REMAINING[("random", _c.format(_d))] = \
            "the refusal names the int64 compute dtype (Long), not the tensor's"
for _d in ["float16", "bfloat16"]:
    REMAINING[("random", f"normal_ 20 {_d}")] = \
        "PyTorch's 16-element vector normal path for the half dtypes is not followed"

CHECKED = ["binary_tensor", "binary_scalar", "clamp", "softmax", "pool_conv", "random"]


def mismatches(name, exact=False):
    specs = [(n, a) for n, a in M.GROUPS if n == name]
    rows = M.audit(specs, env=child_env())
    return [(key, cid, kind, m, t) for key, cid, kind, m, t in rows
            if (exact or kind != "ulp") and (name, cid) not in REMAINING]


@pytest.mark.parametrize("name", CHECKED)
def test_group_agrees_with_torch(name):
    bad = mismatches(name)
    assert not bad, "\n".join(f"[{k}] {key}: {cid}\n  mine:  {M._short(m)}\n  torch: "
                              f"{M._short(t)}" for key, cid, k, m, t in bad[:20])


def test_no_crash_in_any_group():
    # every group of the matrix runs to its end in a child process of its own library
    names = sorted(set(n for n, _ in M.GROUPS))
    for name in names:
        specs = [(n, a) for n, a in M.GROUPS if n == name]
        rc, res, err = M.child("pytorchlite", specs, env=child_env())
        assert res is not None, (name, rc, err)
        assert set(res) == {f"{n}:{a}" for n, a in specs}


def _one(group, arg, cid):
    rc_t, res_t, err_t = M.child("torch", [(group, arg)], env=child_env())
    rc_p, res_p, err_p = M.child("pytorchlite", [(group, arg)], env=child_env())
    assert res_p is not None, err_p
    key = f"{group}:{arg}"
    return dict(res_p[key])[cid], dict(res_t[key])[cid]


@pytest.mark.parametrize("dt", M.DTYPES)
def test_random_full_range_follows_torch_stream_per_dtype(dt):
    for cid in [f"random_() {dt}", f"random_() 20 {dt}"]:
        mine, theirs = _one("random", dt, cid)
        assert M.compare(mine, theirs) is None, (cid, mine, theirs)


@pytest.mark.parametrize("case", ["int32 ** 2.0 pos", "int32 ** -1.0 pos", "bool ** 2 pos",
                                  "bool ** True pos", "uint8 ** 0 pos"])
def test_pow_of_integer_tensors_by_a_number_bit_for_bit(case):
    dt = case.split()[0]
    mine, theirs = _one("binary_scalar", dt, case)
    assert M.compare(mine, theirs) is None, (mine, theirs)


@pytest.mark.parametrize("dt", ["bool", "int16", "int64", "float16", "float32", "float64"])
def test_inplace_rounding_methods_per_dtype(dt):
    for cid in [f"{dt}.floor_()", f"{dt}.round_()"]:
        mine, theirs = _one("unary", dt, cid)
        assert M.compare(mine, theirs) is None, (cid, mine, theirs)
