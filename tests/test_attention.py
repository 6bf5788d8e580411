"""Attention layers on their own: hand-computed values and float64 finite differences.

scaled_dot_product_attention, MultiheadAttention and the Transformer layers."""
import math

import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn as nn
import pytorchlite.nn.functional as F
from conftest import fd_check


def np_softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def rand64(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def test_sdpa_matches_numpy_with_bool_and_float_masks():
    q, k, v = rand64(2, 3, 4, seed=1), rand64(2, 5, 4, seed=2), rand64(2, 5, 3, seed=3)
    keep = np.random.default_rng(4).random((3, 5)) > 0.4
    keep[:, 0] = True
    add = rand64(3, 5, seed=5)
    s = q @ k.transpose(0, 2, 1) / math.sqrt(4)
    got = F.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k), torch.tensor(v),
                                         attn_mask=torch.tensor(keep))
    want = np_softmax(np.where(keep, s, -np.inf)) @ v
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)
    got = F.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k), torch.tensor(v),
                                         attn_mask=torch.tensor(add), scale=0.7)
    want = np_softmax(q @ k.transpose(0, 2, 1) * 0.7 + add) @ v
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)


def test_sdpa_causal_first_row_is_first_value():
    q, v = rand64(1, 4, 2, seed=1), rand64(1, 4, 3, seed=2)
    out = F.scaled_dot_product_attention(torch.tensor(q), torch.tensor(q), torch.tensor(v),
                                         is_causal=True).numpy()
    np.testing.assert_allclose(out[0, 0], v[0, 0], rtol=1e-12)
    s = q[0, :2] @ q[0, :2].T / math.sqrt(2)
    np.testing.assert_allclose(out[0, 1], np_softmax(s[1]) @ v[0, :2], rtol=1e-12)


def test_sdpa_gradients_finite_differences():
    q, k, v = (torch.tensor(rand64(2, 3, 4, seed=s), requires_grad=True) for s in (1, 2, 3))
    mask = torch.tensor(rand64(3, 3, seed=4))
    fd_check([q, k, v], lambda: (F.scaled_dot_product_attention(q, k, v, attn_mask=mask) ** 2)
             .sum())


def test_sdpa_fully_masked_row_gives_zeros():
    q = torch.tensor(rand64(1, 2, 3))
    keep = torch.tensor(np.array([[True, True], [False, False]]))
    out = F.scaled_dot_product_attention(q, q, q, attn_mask=keep).numpy()
    assert np.all(out[0, 1] == 0) and np.all(np.isfinite(out))


def test_mha_single_head_matches_numpy():
    torch.manual_seed(0)
    m = nn.MultiheadAttention(4, 1, dtype=torch.float64)
    x = rand64(3, 1, 4, seed=1)
    w, b = m.in_proj_weight.detach().numpy(), m.in_proj_bias.detach().numpy()
    with torch.no_grad():
        m.in_proj_bias.copy_(torch.tensor(rand64(12, seed=2)))
        m.out_proj.bias.copy_(torch.tensor(rand64(4, seed=3)))
    b = m.in_proj_bias.detach().numpy()
    q, k, v = (x[:, 0] @ w[i * 4:(i + 1) * 4].T + b[i * 4:(i + 1) * 4] for i in range(3))
    att = np_softmax(q @ k.T / 2.0)
    want = att @ v @ m.out_proj.weight.detach().numpy().T + m.out_proj.bias.detach().numpy()
    out, weights = m(torch.tensor(x), torch.tensor(x), torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy()[:, 0], want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(weights.detach().numpy()[0], att, rtol=1e-12, atol=1e-12)


def test_mha_key_padding_mask_ignores_padded_keys():
    torch.manual_seed(0)
    m = nn.MultiheadAttention(4, 2, dtype=torch.float64)
    x = torch.tensor(rand64(3, 2, 4, seed=1))
    kpm = torch.tensor(np.array([[False, False, True], [False, False, False]]))
    out, w = m(x, x, x, key_padding_mask=kpm)
    assert np.all(w.detach().numpy()[0, :, 2] == 0)
    out2, _ = m(x[:2, :1], x[:2, :1], x[:2, :1])
    np.testing.assert_allclose(out.detach().numpy()[:2, 0], out2.detach().numpy()[:, 0],
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kw", [{}, {"add_bias_kv": True, "add_zero_attn": True},
                                {"kdim": 3, "vdim": 2}])
def test_mha_gradients_finite_differences(kw):
    torch.manual_seed(0)
    m = nn.MultiheadAttention(4, 2, dtype=torch.float64, **kw)
    q = torch.tensor(rand64(3, 2, 4, seed=1), requires_grad=True)
    k = torch.tensor(rand64(2, 2, kw.get("kdim", 4), seed=2))
    v = torch.tensor(rand64(2, 2, kw.get("vdim", 4), seed=3))
    params = [q] + list(m.parameters())
    fd_check(params, lambda: (m(q, k, v)[0] ** 2).sum(), tol=1e-5)


def test_mha_embed_dim_not_divisible():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(6, 4)


def test_square_subsequent_mask_values():
    m = nn.Transformer.generate_square_subsequent_mask(3).numpy()
    assert m.dtype == np.float32
    np.testing.assert_array_equal(m, np.triu(np.full((3, 3), -np.inf), 1) + 0.0)


def test_encoder_layers_start_equal_and_causal_hint_gives_same_result():
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, dtype=torch.float64)
    enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    p0, p1 = (dict(enc.layers[i].named_parameters()) for i in (0, 1))
    for n in p0:
        np.testing.assert_array_equal(p0[n].detach().numpy(), p1[n].detach().numpy())
        assert p0[n] is not p1[n]
    x = torch.tensor(rand64(3, 2, 4, seed=1))
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64)
    a = enc(x, mask=mask).detach().numpy()
    b = enc(x, mask=mask, is_causal=True).detach().numpy()
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    # position 0 sees only itself: changing later positions leaves it unchanged
    y = x.clone()
    with torch.no_grad():
        y[2] = 5.0
    c = enc(y, mask=mask).detach().numpy()
    np.testing.assert_allclose(a[:2], c[:2], rtol=1e-12, atol=1e-12)
    assert not np.allclose(a[2], c[2])


def test_decoder_layer_gradients_finite_differences():
    torch.manual_seed(0)
    layer = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=True,
                                       activation="gelu", dtype=torch.float64)
    tgt = torch.tensor(rand64(3, 1, 4, seed=1), requires_grad=True)
    mem = torch.tensor(rand64(2, 1, 4, seed=2), requires_grad=True)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64)
    fd_check([tgt, mem], lambda: (layer(tgt, mem, tgt_mask=mask) ** 2).sum(), tol=1e-5)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
def test_transformer_checks_batch_and_features():
    torch.manual_seed(0)
    t = nn.Transformer(4, 2, 1, 1, 8)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        t(torch.zeros(3, 2, 4), torch.zeros(3, 1, 4))
    with pytest.raises(RuntimeError, match="must be equal to d_model"):
        t(torch.zeros(3, 2, 4), torch.zeros(3, 2, 5))
