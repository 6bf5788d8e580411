"""Recurrent layers RNN, LSTM, GRU and their single-step cells, with PyTorch's semantics.

Parameter names, order, shapes and default initialisation (every parameter drawn from
U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) in parameters() order) are PyTorch's, so seeded
weights and state_dicts cross both ways. A layer's input projection is one linear over all its
time steps. An LSTM layer then runs its whole recurrence in one C call per direction (the
fused cell and its backward, csrc/core/ops/rnn_cell.c) when every step has the same batch and
there is no projection; otherwise, and for GRU/RNN, the recurrences are compositions of
differentiable Tensor operations (the LSTM's is the reference the fused path is tested against).
"""
import math
import numbers
import warnings

import pytorchlite as torch
from ...amp import _policy as _amp
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .linear import _check_device
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}

# LSTM layers run their recurrence as one fused C call per layer-direction (_C._lstm_layer,
# grad_fn MkldnnRnnLayerBackward0 as PyTorch's CPU LSTM). False: every LSTM runs the plain
# composition of Tensor ops below (_lstm_step), the reference the fused path is tested against.
_FUSED_LSTM = True
# the dtypes of the fused layer; float16/bfloat16 compose the Tensor ops, each rounded to the
# dtype as PyTorch's CPU cell rounds them (nearer PyTorch's numbers than the fused layer)
_FUSED_DTYPES = (torch.float32, torch.float64)


# ------------------------------------------------------------------------------ cell steps
def _rnn_tanh_step(gi, h, w_hh, b_hh):
    return torch.tanh(gi + F.linear(h, w_hh, b_hh))


def _rnn_relu_step(gi, h, w_hh, b_hh):
    return torch.relu(gi + F.linear(h, w_hh, b_hh))


def _gru_step(gi, h, w_hh, b_hh):
    """gi = W_ih x + b_ih, gates in PyTorch's order r, z, n."""
    gh = F.linear(h, w_hh, b_hh)
    i_r, i_z, i_n = gi.chunk(3, 1)
    h_r, h_z, h_n = gh.chunk(3, 1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (h - n) * z + n  # PyTorch's order of operations (their roundings in float16)


def _lstm_step(gi, state, w_hh, b_hh, w_hr=None):
    """gi = W_ih x + b_ih, gates in PyTorch's order i, f, g, o; state = (h, c)."""
    h, c = state
    gates = gi + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, 1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h = torch.sigmoid(o) * torch.tanh(c)
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU (parameters, checks, the layer loop).

    Note:
        ``flatten_parameters()`` is a no-op (there is no cuDNN weight buffer). ``device`` may
        only be None or "cpu".
    """

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                     "dropout", "bidirectional", "proj_size"]

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        _check_device(device)
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
                or isinstance(dropout, bool)):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        gate_size = _GATES[mode] * hidden_size
        kwargs = {} if dtype is None else {"dtype": dtype}
        self._flat_weights_names = []
        self._all_weights = []
        real_hidden = proj_size if proj_size > 0 else hidden_size
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                shapes = [(gate_size, layer_input), (gate_size, real_hidden)]
                names = ["weight_ih_l{}{}", "weight_hh_l{}{}"]
                if bias:
                    shapes += [(gate_size,), (gate_size,)]
                    names += ["bias_ih_l{}{}", "bias_hh_l{}{}"]
                if proj_size > 0:
                    shapes.append((proj_size, hidden_size))
                    names.append("weight_hr_l{}{}")
                suffix = "_reverse" if direction == 1 else ""
                names = [n.format(layer, suffix) for n in names]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(torch.empty(shape, **kwargs)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        """Every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), in order."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self):
        """A no-op: the weights are used where they are."""

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -------------------------------------------------------------------- checks
    def _num_directions(self):
        return 2 if self.bidirectional else 1

    def check_input(self, input, batch_sizes):
        w_dtype = self.weight_ih_l0.dtype
        if input.dtype != w_dtype and not _amp.on():
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({w_dtype}). Convert input: input.to({w_dtype}), or convert "
                             f"model: model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.shape[-1]:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")

    def _expected_hidden(self, batch, size):
        return (self.num_layers * self._num_directions(), batch, size)

    @staticmethod
    def check_hidden_size(hx, expected, msg="Expected hidden size {}, got {}"):
        if tuple(hx.shape) != tuple(expected):
            raise RuntimeError(msg.format(tuple(expected), list(hx.shape)))

    # -------------------------------------------------------------------- the loop
    def _layer_weights(self, layer, direction):
        suffix = "_reverse" if direction == 1 else ""
        get = lambda name: getattr(self, f"{name}_l{layer}{suffix}")  # noqa: E731
        w_ih, w_hh = get("weight_ih"), get("weight_hh")
        b_ih = get("bias_ih") if self.bias else None
        b_hh = get("bias_hh") if self.bias else None
        w_hr = get("weight_hr") if self.proj_size > 0 else None
        return w_ih, w_hh, b_ih, b_hh, w_hr

    def _run(self, data, batch_sizes, hx):
        """data (N, input_size) packed time-major with batch_sizes (a list of ints).

        hx is h0 (layers*dirs, B, H) or, for LSTM, (h0, c0). Returns the last layer's output
        data (N, dirs * H_out), or (T, B, dirs * H) from the fused LSTM path, and the final
        states in hx's layout.
        """
        is_lstm = self.mode == "LSTM"
        step = {"RNN_TANH": _rnn_tanh_step, "RNN_RELU": _rnn_relu_step,
                "GRU": _gru_step}.get(self.mode)
        offsets = [0]
        for bs in batch_sizes:
            offsets.append(offsets[-1] + bs)
        dirs = self._num_directions()
        steps_n = len(batch_sizes)
        fused = (is_lstm and _FUSED_LSTM and self.proj_size == 0 and steps_n > 0
                 and data.dtype in _FUSED_DTYPES and batch_sizes.count(batch_sizes[0]) == steps_n)
        h_finals, c_finals = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(dirs):
                w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_weights(layer, direction)
                k = layer * dirs + direction
                if fused:
                    # every step's input projection as one GEMM, then the recurrence in C
                    bias = b_ih + b_hh if b_ih is not None else None
                    gi_all = F.linear(data, w_ih, bias)
                    h0, c0 = hx[0][k], hx[1][k]
                    if _amp.on():  # PyTorch's fused CPU LSTM layer runs in the autocast dtype
                        h0, c0, w_hh = _amp.cast(_amp.LOWER, h0, c0, w_hh)
                    out, c = torch._C._lstm_layer(
                        gi_all.view(steps_n, batch_sizes[0], gi_all.shape[-1]), h0, c0, w_hh,
                        direction == 1)
                    outputs.append(out)  # (T, B, H): the next layer's linear takes it as is
                    h_finals.append(out[0] if direction == 1 else out[steps_n - 1])
                    c_finals.append(c)
                    continue
                gi_all = F.linear(data, w_ih, b_ih)
                if is_lstm:
                    h, c = hx[0][k], hx[1][k]
                else:
                    h = hx[k]
                order = range(len(batch_sizes))
                if direction == 1:
                    order = reversed(order)
                steps = [None] * len(batch_sizes)
                for t in order:
                    bs = batch_sizes[t]
                    gi = gi_all[offsets[t]:offsets[t + 1]]
                    full = bs == h.shape[0]
                    h_in = h if full else h[:bs]
                    if is_lstm:
                        c_in = c if full else c[:bs]
                        h_new, c_new = _lstm_step(gi, (h_in, c_in), w_hh, b_hh, w_hr)
                        c = c_new if full else torch.cat([c_new, c[bs:]], 0)
                    else:
                        h_new = step(gi, h_in, w_hh, b_hh)
                    h = h_new if full else torch.cat([h_new, h[bs:]], 0)
                    steps[t] = h_new
                outputs.append(torch.cat(steps, 0))
                h_finals.append(h)
                if is_lstm:
                    c_finals.append(c)
            data = outputs[0] if dirs == 1 else torch.cat(outputs, outputs[0].dim() - 1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                data = F.dropout(data, self.dropout, True)
        h_n = torch.stack(h_finals, 0)
        if is_lstm:
            return data, (h_n, torch.stack(c_finals, 0))
        return data, h_n

    def forward(self, input, hx=None):
        is_lstm = self.mode == "LSTM"
        name = {"LSTM": "LSTM", "GRU": "GRU"}.get(self.mode, "RNN")
        h_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        packed = isinstance(input, PackedSequence)
        unbatched = False
        sorted_indices = unsorted_indices = None
        if packed:
            data, batch_sizes_t = input.data, input.batch_sizes
            sorted_indices, unsorted_indices = input.sorted_indices, input.unsorted_indices
            batch_sizes = [int(b) for b in batch_sizes_t.tolist()]
            batch = batch_sizes[0]
            self.check_input(data, batch_sizes_t)
        else:
            if input.dim() not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D "
                                 "instead")
            unbatched = input.dim() == 2
            self._check_hx_dims(hx, unbatched, is_lstm)
            if unbatched:
                input = input.unsqueeze(0 if self.batch_first else 1)
                if hx is not None:
                    hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1)) if is_lstm \
                        else hx.unsqueeze(1)
            if self.batch_first:
                input = input.transpose(0, 1)
            self.check_input(input, None)
            steps, batch = input.shape[0], input.shape[1]
            batch_sizes = [batch] * steps
            data = input.reshape(steps * batch, input.shape[2])
        dirs = self._num_directions()
        if hx is None:
            zeros = torch.zeros((self.num_layers * dirs, batch, h_size), dtype=data.dtype)
            if is_lstm:
                hx = (zeros, torch.zeros((self.num_layers * dirs, batch, self.hidden_size),
                                         dtype=data.dtype))
            else:
                hx = zeros
        else:
            if sorted_indices is not None:
                hx = (hx[0].index_select(1, sorted_indices),
                      hx[1].index_select(1, sorted_indices)) if is_lstm \
                    else hx.index_select(1, sorted_indices)
            if is_lstm:
                self.check_hidden_size(hx[0], self._expected_hidden(batch, h_size),
                                       "Expected hidden[0] size {}, got {}")
                self.check_hidden_size(hx[1], self._expected_hidden(batch, self.hidden_size),
                                       "Expected hidden[1] size {}, got {}")
            else:
                self.check_hidden_size(hx, self._expected_hidden(batch, h_size))
        out, hidden = self._run(data, batch_sizes, hx)
        if packed:
            if out.dim() == 3:
                out = out.reshape(-1, out.shape[2])
            if unsorted_indices is not None:
                hidden = (hidden[0].index_select(1, unsorted_indices),
                          hidden[1].index_select(1, unsorted_indices)) if is_lstm \
                    else hidden.index_select(1, unsorted_indices)
            return PackedSequence(out, batch_sizes_t, sorted_indices, unsorted_indices), hidden
        if out.dim() == 2:
            out = out.reshape(len(batch_sizes), batch, out.shape[1])
        if self.batch_first:
            out = out.transpose(0, 1)
        if unbatched:
            out = out.squeeze(0 if self.batch_first else 1)
            hidden = (hidden[0].squeeze(1), hidden[1].squeeze(1)) if is_lstm \
                else hidden.squeeze(1)
        return out, hidden

    @staticmethod
    def _check_hx_dims(hx, unbatched, is_lstm):
        if hx is None:
            return
        want = 2 if unbatched else 3
        kind = "unbatched 2-D" if unbatched else "batched 3-D"
        if is_lstm:
            if hx[0].dim() != want or hx[1].dim() != want:
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but "
                                   f"got ({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
        elif hx.dim() != want:
            raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got "
                               f"{hx.dim()}-D tensor")


class RNN(RNNBase):
    """Elman RNN: h_t = tanh (or relu) of (W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self_nl = args[3]
            args = args[:3] + args[4:]
        else:
            self_nl = kwargs.pop("nonlinearity", "tanh")
        if self_nl == "tanh":
            mode = "RNN_TANH"
        elif self_nl == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self_nl}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = self_nl
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory, gates i, f, g, o; ``proj_size`` > 0 projects h by weight_hr."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit, gates r, z, n with n = tanh(W_in x + b_in + r * (W_hn h + b_hn))."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# ----------------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """Shared parameters and checks of RNNCell, LSTMCell and GRUCell."""

    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        _check_device(device)
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kwargs = {} if dtype is None else {"dtype": dtype}
        self.weight_ih = Parameter(torch.empty((num_chunks * hidden_size, input_size),
                                               **kwargs))
        self.weight_hh = Parameter(torch.empty((num_chunks * hidden_size, hidden_size),
                                               **kwargs))
        if bias:
            self.bias_ih = Parameter(torch.empty(num_chunks * hidden_size, **kwargs))
            self.bias_hh = Parameter(torch.empty(num_chunks * hidden_size, **kwargs))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self):
        """Every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), in order."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prepare(self, input, hx, name, n_states):
        """Checks; returns (2-D input, list of 2-D states, unbatched flag)."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             "instead")
        if hx is not None:
            for h in (hx if n_states == 2 else (hx,)):
                if h.dim() not in (1, 2):
                    raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got "
                                     f"{h.dim()}D instead")
        unbatched = input.dim() == 1
        if unbatched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} "
                               f"expected {self.input_size}")
        batch = input.shape[0]
        if hx is None:
            states = [torch.zeros((batch, self.hidden_size), dtype=input.dtype)
                      for _ in range(n_states)]
        else:
            states = list(hx) if n_states == 2 else [hx]
            states = [h.unsqueeze(0) if unbatched else h for h in states]
        for i, h in enumerate(states):
            if h.shape[0] != batch:
                raise RuntimeError(f"Input batch size {batch} doesn't match hidden{i} batch "
                                   f"size {h.shape[0]}")
            if h.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got "
                                   f"{h.shape[1]}, expected {self.hidden_size}")
        return input, states, unbatched


class RNNCell(RNNCellBase):
    """One step of an Elman RNN (tanh or relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input, hx=None):
        x, (h,), unbatched = self._prepare(input, hx, "RNNCell", 1)
        step = _rnn_tanh_step if self.nonlinearity == "tanh" else _rnn_relu_step
        out = step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return out.squeeze(0) if unbatched else out


class LSTMCell(RNNCellBase):
    """One LSTM step; returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        x, (h, c), unbatched = self._prepare(input, hx, "LSTMCell", 2)
        h, c = _lstm_step(F.linear(x, self.weight_ih, self.bias_ih), (h, c), self.weight_hh,
                          self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """One GRU step."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        x, (h,), unbatched = self._prepare(input, hx, "GRUCell", 1)
        out = _gru_step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh,
                        self.bias_hh)
        return out.squeeze(0) if unbatched else out
