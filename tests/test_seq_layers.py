"""Sequence-model layers on their own: hand-computed values and float64 finite differences.

Embedding, LayerNorm, RMSNorm, RNN/LSTM/GRU (+ cells) and nn.utils.rnn packing.
"""
import math

import numpy as np
import pytest

import pytorchlite as torch
import pytorchlite.nn as nn
import pytorchlite.nn.functional as F
from conftest import fd_check
from pytorchlite.nn.utils import rnn as rnn_utils


# ------------------------------------------------------------------------------ Embedding
def test_embedding_lookup_and_index_add_gradient_with_repeats():
    w = torch.tensor(np.arange(12, dtype=np.float64).reshape(4, 3), requires_grad=True)
    idx = torch.tensor([[1, 3], [1, 1]])
    out = F.embedding(idx, w)
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.detach().numpy()[1, 0], [3.0, 4.0, 5.0])
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [0.0, 3.0, 0.0, 1.0])


def test_embedding_padding_row_zeroed_and_gets_no_gradient():
    emb = nn.Embedding(5, 2, padding_idx=-1)
    assert emb.padding_idx == 4
    np.testing.assert_array_equal(emb.weight.detach().numpy()[4], [0.0, 0.0])
    with torch.no_grad():
        emb.weight[4] = torch.tensor([2.0, 3.0])
    out = emb(torch.tensor([4, 0, 4]))
    np.testing.assert_array_equal(out.detach().numpy()[0], [2.0, 3.0])  # value still read
    (out * out).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy()[4], [0.0, 0.0])
    assert emb.weight.grad.numpy()[0].any()


def test_embedding_scale_grad_by_freq_divides_by_count():
    emb = nn.Embedding(3, 2, scale_grad_by_freq=True)
    emb(torch.tensor([0, 0, 0, 2])).sum().backward()
    np.testing.assert_allclose(emb.weight.grad.numpy(), [[1, 1], [0, 0], [1, 1]])


def test_embedding_max_norm_renormalises_rows_in_place():
    w = torch.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    emb = nn.Embedding.from_pretrained(w, max_norm=1.0)
    emb(torch.tensor([0, 1]))
    rows = emb.weight.detach().numpy()
    assert abs(np.linalg.norm(rows[0]) - 1.0) < 1e-6
    np.testing.assert_allclose(rows[1], [0.3, 0.4], rtol=1e-6)  # under the norm: untouched
    np.testing.assert_allclose(rows[2], [6.0, 8.0])  # not looked up: untouched


def test_embedding_from_pretrained_freeze_and_errors():
    w = torch.ones(4, 2)
    assert not nn.Embedding.from_pretrained(w).weight.requires_grad
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(4, 2, padding_idx=4)
    with pytest.raises(IndexError, match="index out of range in self"):
        nn.Embedding(4, 2)(torch.tensor([4]))
    with pytest.raises(RuntimeError, match="'indices' to have one of the following"):
        nn.Embedding(4, 2)(torch.tensor([1.0]))
    with pytest.raises(NotImplementedError, match="sparse"):
        nn.Embedding(4, 2, sparse=True)(torch.tensor([1]))


# ------------------------------------------------------------------------------ norms
def test_layer_norm_hand_values_biased_variance():
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0]], dtype=torch.float64)
    out = F.layer_norm(x, (4,), eps=0.0).numpy()
    expected = (np.array([1, 2, 3, 4]) - 2.5) / math.sqrt(1.25)
    np.testing.assert_allclose(out[0], expected, rtol=1e-12)


def test_rms_norm_hand_values_and_default_eps():
    x = torch.tensor([3.0, 4.0], dtype=torch.float64)
    out = F.rms_norm(x, (2,), eps=0.0).numpy()
    np.testing.assert_allclose(out, [3 / math.sqrt(12.5), 4 / math.sqrt(12.5)], rtol=1e-12)
    tiny = F.rms_norm(torch.zeros(2, dtype=torch.float64), (2,)).numpy()
    assert np.isfinite(tiny).all()  # the dtype's eps keeps 0/0 away


def test_layer_norm_and_rms_norm_finite_differences(rng):
    ln = nn.LayerNorm((2, 3), dtype=torch.float64)
    rms = nn.RMSNorm(3, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(torch.tensor(rng.normal(size=(2, 3))))
        ln.bias.copy_(torch.tensor(rng.normal(size=(2, 3))))
        rms.weight.copy_(torch.tensor(rng.normal(size=3)))
    x = torch.tensor(rng.normal(size=(4, 2, 3)), requires_grad=True)
    c = torch.tensor(rng.normal(size=(4, 2, 3)))
    fd_check([x, ln.weight, ln.bias], lambda: (ln(x) * c).sum())
    fd_check([x, rms.weight], lambda: (rms(x) * c).sum())


def test_norm_shape_errors():
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*, 8\]"):
        nn.LayerNorm(8)(torch.zeros(2, 7))
    assert repr(nn.LayerNorm(8, bias=False)) == \
        "LayerNorm((8,), eps=1e-05, elementwise_affine=True, bias=False)"
    assert nn.LayerNorm(4, elementwise_affine=False).weight is None


# ------------------------------------------------------------------------------ recurrences
def test_rnn_cell_hand_value():
    cell = nn.RNNCell(1, 1, dtype=torch.float64)
    with torch.no_grad():
        for p, v in zip(cell.parameters(), (0.5, -0.25, 0.1, 0.2)):
            p.fill_(v)
    out = cell(torch.tensor([[2.0]], dtype=torch.float64),
               torch.tensor([[1.0]], dtype=torch.float64))
    assert abs(out.item() - math.tanh(0.5 * 2 - 0.25 + 0.3)) < 1e-12


def test_gru_cell_hand_value_uses_r_inside_the_hidden_term():
    cell = nn.GRUCell(1, 1, bias=True, dtype=torch.float64)
    wi, wh, bi, bh = [0.3, -0.2, 0.5], [0.1, 0.4, -0.6], [0.05, 0.0, 0.2], [0.0, 0.1, 0.3]
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor([[v] for v in wi], dtype=torch.float64))
        cell.weight_hh.copy_(torch.tensor([[v] for v in wh], dtype=torch.float64))
        cell.bias_ih.copy_(torch.tensor(bi, dtype=torch.float64))
        cell.bias_hh.copy_(torch.tensor(bh, dtype=torch.float64))
    x, h = 1.5, -0.7
    sig = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    r = sig(wi[0] * x + bi[0] + wh[0] * h + bh[0])
    z = sig(wi[1] * x + bi[1] + wh[1] * h + bh[1])
    n = math.tanh(wi[2] * x + bi[2] + r * (wh[2] * h + bh[2]))
    out = cell(torch.tensor([x], dtype=torch.float64), torch.tensor([h], dtype=torch.float64))
    assert out.shape == (1,)
    assert abs(out.item() - ((1 - z) * n + z * h)) < 1e-12


@pytest.mark.parametrize("cls,kw", [
    (nn.LSTM, dict(num_layers=2, bidirectional=True)),
    (nn.LSTM, dict(proj_size=2, batch_first=True)),
    (nn.GRU, dict(num_layers=2, bidirectional=True)),
    (nn.RNN, dict(nonlinearity="relu", bidirectional=True)),
])
def test_recurrent_layers_finite_differences(rng, cls, kw):
    m = cls(2, 3, dtype=torch.float64, **kw)
    x = torch.tensor(rng.normal(size=(3, 2, 2)), requires_grad=True)
    out0 = m(x)[0]
    c = torch.tensor(rng.normal(size=tuple(out0.shape)))

    def loss():
        out, h = m(x)
        h = h[1] if isinstance(h, tuple) else h
        return (out * c).sum() + (h * h).sum()
    fd_check([x] + list(m.parameters()), loss)


def test_packed_input_finite_differences(rng):
    m = nn.GRU(2, 3, bidirectional=True, dtype=torch.float64)
    x = torch.tensor(rng.normal(size=(4, 3, 2)), requires_grad=True)
    c = torch.tensor(rng.normal(size=(4, 3, 6)))

    def loss():
        packed = rnn_utils.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False)
        out, h = m(packed)
        padded, _ = rnn_utils.pad_packed_sequence(out)
        return (padded * c).sum() + h.sum()
    fd_check([x] + list(m.parameters()), loss)
    # the padded steps of x do not influence anything
    loss().backward()
    np.testing.assert_array_equal(x.grad.numpy()[2:, 0], 0.0)
    np.testing.assert_array_equal(x.grad.numpy()[1:, 2], 0.0)


def test_packed_last_state_equals_each_sequence_run_alone(rng):
    m = nn.LSTM(2, 3, dtype=torch.float64)
    seqs = [torch.tensor(rng.normal(size=(n, 2))) for n in (2, 5, 3)]
    _, (h, c) = m(rnn_utils.pack_sequence(seqs, enforce_sorted=False))
    for b, s in enumerate(seqs):
        _, (h1, c1) = m(s)
        np.testing.assert_allclose(h.detach().numpy()[0, b], h1.detach().numpy()[0], rtol=1e-12)
        np.testing.assert_allclose(c.detach().numpy()[0, b], c1.detach().numpy()[0], rtol=1e-12)


def test_rnn_shapes_unbatched_and_batch_first():
    m = nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True)
    out, (h, c) = m(torch.zeros(3, 7, 4))
    assert out.shape == (3, 7, 10) and h.shape == (4, 3, 5) and c.shape == (4, 3, 5)
    out, (h, c) = m(torch.zeros(7, 4))
    assert out.shape == (7, 10) and h.shape == (4, 5)
    assert len(m.all_weights) == 4 and len(m.all_weights[0]) == 4
    assert m.flatten_parameters() is None


def test_rnn_bad_inputs():
    m = nn.GRU(10, 20)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. "
                                           "Expected 10, got 7"):
        m(torch.zeros(5, 3, 7))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 3, 20\), got \[1, 4, 20\]"):
        m(torch.zeros(5, 3, 10), torch.zeros(1, 4, 20))
    with pytest.raises(ValueError, match="GRU: Expected input to be 2D or 3D, got 4D instead"):
        m(torch.zeros(1, 5, 3, 10))
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.5)


# ------------------------------------------------------------------------------ packing
def test_pack_and_pad_round_trip():
    a, b, c = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0]), torch.tensor([5.0, 6.0])
    padded = rnn_utils.pad_sequence([a, b, c], batch_first=True, padding_value=-1.0)
    np.testing.assert_array_equal(padded.numpy(), [[1, 2, 3], [4, -1, -1], [5, 6, -1]])
    left = rnn_utils.pad_sequence([a, b], padding_side="left")
    np.testing.assert_array_equal(left.numpy(), [[1, 0], [2, 0], [3, 4]])
    packed = rnn_utils.pack_sequence([a, b, c], enforce_sorted=False)
    np.testing.assert_array_equal(packed.data.numpy(), [1, 5, 4, 2, 6, 3])
    assert packed.batch_sizes.tolist() == [3, 2, 1]
    back, lengths = rnn_utils.pad_packed_sequence(packed, batch_first=True, total_length=4)
    assert lengths.tolist() == [3, 1, 2] and back.shape == (3, 4)
    np.testing.assert_array_equal(back.numpy()[1], [4, 0, 0, 0])
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        rnn_utils.pack_sequence([b, a])
    with pytest.raises(ValueError, match="Expected total_length to be at least"):
        rnn_utils.pad_packed_sequence(packed, total_length=2)


# ------------------------------------------------------------------------------ EmbeddingBag
def test_embedding_bag_hand_values_modes_and_padding():
    w = torch.tensor([[0.0, 1.0], [2.0, -3.0], [4.0, 5.0], [-6.0, 7.0]])
    idx, off = torch.tensor([1, 2, 3, 0, 3]), torch.tensor([0, 2, 2])
    np.testing.assert_array_equal(F.embedding_bag(idx, w, off, mode="sum").numpy(),
                                  [[6, 2], [0, 0], [-12, 15]])
    np.testing.assert_array_equal(F.embedding_bag(idx, w, off, mode="max").numpy(),
                                  [[4, 5], [0, 0], [0, 7]])
    # the padding entry leaves the bag and its count
    np.testing.assert_array_equal(
        F.embedding_bag(idx, w, off, mode="mean", padding_idx=3).numpy(),
        [[3, 1], [0, 0], [0, 1]])


def test_embedding_bag_finite_differences(rng):
    w = torch.tensor(rng.normal(size=(5, 3)), requires_grad=True)
    psw = torch.tensor(rng.normal(size=6), requires_grad=True)
    idx, off = torch.tensor([0, 4, 4, 1, 2, 4]), torch.tensor([0, 3])
    c = torch.tensor(rng.normal(size=(2, 3)))
    fd_check([w, psw], lambda: (F.embedding_bag(idx, w, off, mode="sum",
                                                per_sample_weights=psw) * c).sum())
    fd_check([w], lambda: (F.embedding_bag(idx, w, off, mode="mean") * c).sum())
    fd_check([w], lambda: (F.embedding_bag(idx, w, off, mode="max") * c).sum())
