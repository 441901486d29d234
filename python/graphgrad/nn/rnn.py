"""Recurrent layers as MindSpore 2.7.2 has them: RNNCell, LSTMCell, GRUCell (one step) and
RNN, LSTM, GRU (a sequence, stacked and optionally bidirectional). Written in ops and unrolled
over time in Python, so they differentiate under grad and compile under jit (the trace holds one
copy of the step per time step).

Weights keep MindSpore's names, shapes and gate order, so its checkpoints load unchanged:
weight_ih (gates * hidden, input), weight_hh (gates * hidden, hidden), bias_ih, bias_hh, the gates
stacked as i, f, g, o for the LSTM and r, z, n for the GRU; the layers suffix them _l{k} and
_l{k}_reverse. Every weight starts uniform in +-1/sqrt(hidden_size)."""
import math

import numpy as np

from .. import ops
from .._tensor import Tensor, float32
from .._trace import apply
from ..common.initializer import Uniform
from .cell import Cell
from .layers import Dropout, _init_param


def _size(value, name, cls):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{cls}: {name} must be an int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{cls}: {name} must be a positive int, got {value}")
    return int(value)


def _flag(value, name, cls):
    if not isinstance(value, bool):
        raise TypeError(f"{cls}: {name} must be a bool, got {type(value).__name__}")
    return value


def _nonlinearity(value, cls):
    if value not in ("tanh", "relu"):
        raise ValueError(f"{cls}: nonlinearity must be 'tanh' or 'relu', got {value!r}")
    return value


def _affine(x, w, b):
    """x @ w.T + b (b may be None); one matmul op when the dtypes agree, as Dense does it."""
    if x.dtype is w.dtype:
        operands = [x, w] + ([] if b is None else [b])
        return apply("matmul", operands, {"trans_b": 1, "has_bias": int(b is not None)})
    y = ops.matmul(x, ops.transpose(w, (1, 0)))
    return y if b is None else y + b


# One step of each kind. gi is the input's share (x @ w_ih.T + b_ih), computed by the caller so a
# layer can do it for all time steps in one product; h is (batch, hidden), or (h, c) for the LSTM.

def _rnn_step(gi, h, w_hh, b_hh, nonlinearity):
    z = gi + _affine(h, w_hh, b_hh)
    return ops.tanh(z) if nonlinearity == "tanh" else ops.relu(z)


def _lstm_step(gi, hc, w_hh, b_hh):
    h, c = hc
    i, f, g, o = ops.split(gi + _affine(h, w_hh, b_hh), h.shape[-1], -1)
    c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
    return ops.sigmoid(o) * ops.tanh(c), c


def _gru_step(gi, h, w_hh, b_hh):
    hidden = h.shape[-1]
    i_r, i_z, i_n = ops.split(gi, hidden, -1)
    h_r, h_z, h_n = ops.split(_affine(h, w_hh, b_hh), hidden, -1)
    r = ops.sigmoid(i_r + h_r)
    z = ops.sigmoid(i_z + h_z)
    n = ops.tanh(i_n + r * h_n)  # r gates the hidden share with its bias, as MindSpore (and cuDNN) do
    return (1.0 - z) * n + z * h


def _make_weights(cell, suffixes, input_sizes, hidden, chunks, has_bias, dtype, cls):
    """weight_ih*, weight_hh*, bias_ih*, bias_hh* as attributes, in MindSpore's order (all of one
    kind, for every layer and direction, before the next kind), so parameters_and_names() and
    checkpoints list them as MindSpore's do."""
    init = Uniform(scale=1 / math.sqrt(hidden))
    kinds = [("weight_ih", lambda k: (chunks * hidden, input_sizes[k])),
             ("weight_hh", lambda k: (chunks * hidden, hidden))]
    if has_bias:
        kinds += [("bias_ih", lambda k: (chunks * hidden,)), ("bias_hh", lambda k: (chunks * hidden,))]
    for kind, shape in kinds:
        for k, sfx in enumerate(suffixes):
            setattr(cell, kind + sfx, _init_param(init, shape(k), dtype, None, cls, kind + sfx))


def _check_state(h, shape, what, cls):
    if not isinstance(h, Tensor):
        raise TypeError(f"{cls}: {what} must be a Tensor, got {type(h).__name__}")
    if tuple(h.shape) != tuple(shape):
        raise ValueError(f"{cls}: {what} must have shape {tuple(shape)}, got {tuple(h.shape)}")


# --- cells: one time step


class _CellBase(Cell):
    _chunks = 1

    def __init__(self, input_size, hidden_size, has_bias=True, dtype=float32):
        super().__init__()
        cls = type(self).__name__
        self.input_size = _size(input_size, "input_size", cls)
        self.hidden_size = _size(hidden_size, "hidden_size", cls)
        self.has_bias = _flag(has_bias, "has_bias", cls)
        _make_weights(self, [""], [self.input_size], self.hidden_size, self._chunks, has_bias, dtype, cls)

    def _check(self, x, states):
        cls = type(self).__name__
        if not isinstance(x, Tensor) or x.ndim != 2 or x.shape[1] != self.input_size:
            raise ValueError(f"{cls}: x must be (batch, input_size={self.input_size}), got "
                             f"{tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__}")
        for h, what in states:
            _check_state(h, (x.shape[0], self.hidden_size), what, cls)

    def _gi(self, x):
        return _affine(x, self.weight_ih, self.bias_ih if self.has_bias else None)

    def _b_hh(self):
        return self.bias_hh if self.has_bias else None


class RNNCell(_CellBase):
    """h' = nonlinearity(x @ weight_ih.T + bias_ih + hx @ weight_hh.T + bias_hh); nonlinearity is
    'tanh' or 'relu'. Called as cell(x, hx) with x (batch, input_size) and hx (batch, hidden_size)."""

    def __init__(self, input_size, hidden_size, has_bias=True, nonlinearity="tanh", dtype=float32):
        super().__init__(input_size, hidden_size, has_bias, dtype)
        self.nonlinearity = _nonlinearity(nonlinearity, "RNNCell")

    def construct(self, x, hx):
        self._check(x, [(hx, "hx")])
        return _rnn_step(self._gi(x), hx, self.weight_hh, self._b_hh(), self.nonlinearity)


class LSTMCell(_CellBase):
    """One LSTM step, gates i, f, g, o: cell(x, (hx, cx)) -> (h', c')."""
    _chunks = 4

    def construct(self, x, hx):
        if not isinstance(hx, tuple) or len(hx) != 2:
            raise TypeError(f"LSTMCell: hx must be a tuple (hx, cx), got {type(hx).__name__}")
        self._check(x, [(hx[0], "hx[0]"), (hx[1], "hx[1]")])
        return _lstm_step(self._gi(x), hx, self.weight_hh, self._b_hh())


class GRUCell(_CellBase):
    """One GRU step, gates r, z, n: h' = (1 - z) * n + z * hx, n = tanh(W_in x + b_in + r * (W_hn hx + b_hn))."""
    _chunks = 3

    def construct(self, x, hx):
        self._check(x, [(hx, "hx")])
        return _gru_step(self._gi(x), hx, self.weight_hh, self._b_hh())


# --- layers: a sequence


class _RNNBase(Cell):
    _chunks = 1

    def __init__(self, input_size, hidden_size, num_layers=1, has_bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, dtype=float32):
        super().__init__()
        cls = type(self).__name__
        self.input_size = _size(input_size, "input_size", cls)
        self.hidden_size = _size(hidden_size, "hidden_size", cls)
        self.num_layers = _size(num_layers, "num_layers", cls)
        self.has_bias = _flag(has_bias, "has_bias", cls)
        self.batch_first = _flag(batch_first, "batch_first", cls)
        self.bidirectional = _flag(bidirectional, "bidirectional", cls)
        if not isinstance(dropout, float):  # MindSpore's takes a float only
            raise TypeError(f"{cls}: dropout must be a float, got {type(dropout).__name__}")
        if not 0 <= dropout < 1:
            raise ValueError(f"{cls}: dropout must be in [0, 1), got {dropout}")
        self.dropout = dropout
        self.num_directions = 2 if bidirectional else 1
        self._suffixes = [f"_l{k}{'_reverse' if d else ''}" for k in range(self.num_layers)
                          for d in range(self.num_directions)]
        in_sizes = [self.input_size if k < self.num_directions else self.num_directions * self.hidden_size
                    for k in range(len(self._suffixes))]
        _make_weights(self, self._suffixes, in_sizes, self.hidden_size, self._chunks, has_bias, dtype, cls)
        self.dropout_op = Dropout(p=dropout)  # between layers, while training

    # Each subclass has _states(x, hx): hx as a tuple of (num_layers * num_directions, batch,
    # hidden) Tensors, zeros when None; and _step(gi, state, w_hh, b_hh): the next state.

    def construct(self, x, hx=None, seq_length=None):
        cls = type(self).__name__
        if not isinstance(x, Tensor) or x.ndim != 3 or x.shape[-1] != self.input_size:
            order = "(batch, seq_len" if self.batch_first else "(seq_len, batch"
            raise ValueError(f"{cls}: x must be {order}, input_size={self.input_size}), got "
                             f"{tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__}")
        if self.batch_first:
            x = ops.transpose(x, (1, 0, 2))
        steps, batch = x.shape[0], x.shape[1]
        states = self._states(x, hx)
        for h in states:
            _check_state(h, (len(self._suffixes), batch, self.hidden_size), "hx", cls)
        masks = self._masks(seq_length, steps, batch)
        finals = []
        for layer in range(self.num_layers):
            if layer and self.training and self.dropout:
                x = self.dropout_op(x)
            outs = []
            for d in range(self.num_directions):
                k = layer * self.num_directions + d
                out, last = self._run(x, tuple(s[k] for s in states), self._suffixes[k], masks, reverse=d == 1)
                outs.append(out)
                finals.append(last)
            x = outs[0] if len(outs) == 1 else ops.concat(outs, -1)
        if self.batch_first:
            x = ops.transpose(x, (1, 0, 2))
        final = tuple(ops.stack([f[i] for f in finals], 0) for i in range(len(states)))
        return x, (final if len(final) == 2 else final[0])

    def _masks(self, seq_length, steps, batch):
        """Per time step, a (batch, 1) bool Tensor: True while the step is within that sample's
        length. None when every sample runs the whole sequence."""
        if seq_length is None:
            return None
        cls = type(self).__name__
        if not isinstance(seq_length, Tensor) or seq_length.dtype.kind != "i":
            what = seq_length.dtype if isinstance(seq_length, Tensor) else type(seq_length).__name__
            raise TypeError(f"{cls}: seq_length must be an int32 or int64 Tensor, got {what}")
        if tuple(seq_length.shape) != (batch,):
            raise ValueError(f"{cls}: seq_length must have shape (batch,) = ({batch},), got {tuple(seq_length.shape)}")
        lengths = ops.reshape(seq_length, (batch, 1))
        return [lengths > t for t in range(steps)]

    def _run(self, x, state, sfx, masks, reverse):
        """One direction of one layer over the whole sequence: (outputs (steps, batch, hidden),
        final state). Past a sample's length its output is 0 and its state is held; run in
        reverse, the held state is the initial one until the sample's last step, so the reverse
        direction starts at each sample's own end."""
        steps, batch = x.shape[0], x.shape[1]
        w_ih, w_hh = getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx)
        b_ih = getattr(self, "bias_ih" + sfx) if self.has_bias else None
        b_hh = getattr(self, "bias_hh" + sfx) if self.has_bias else None
        # the input's share of the gates for every step in one product
        gi_all = ops.reshape(_affine(ops.reshape(x, (steps * batch, x.shape[2])), w_ih, b_ih), (steps, batch, -1))
        outs = [None] * steps
        for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
            new = self._step(gi_all[t], state, w_hh, b_hh)
            new = new if isinstance(new, tuple) else (new,)
            if masks is None:
                state = new
                outs[t] = new[0]
            else:
                state = tuple(ops.where(masks[t], n, s) for n, s in zip(new, state))
                outs[t] = ops.where(masks[t], new[0], 0.0)
        return ops.stack(outs, 0), state


class RNN(_RNNBase):
    """An Elman RNN over a sequence: net(x, hx=None, seq_length=None) -> (output, h_n). x is
    (seq_len, batch, input_size), or (batch, seq_len, input_size) with batch_first; hx and h_n are
    (num_layers * num_directions, batch, hidden_size); output is (seq_len, batch, num_directions *
    hidden_size). seq_length (batch,) int Tensor: each sample's length; output is 0 past it and h_n
    is the state at its last step. nonlinearity ('tanh' or 'relu') is keyword-only, as MindSpore's."""

    def __init__(self, *args, nonlinearity="tanh", **kwargs):
        super().__init__(*args, **kwargs)
        self.nonlinearity = _nonlinearity(nonlinearity, "RNN")

    def _states(self, x, hx):
        if hx is None:
            return (ops.zeros((len(self._suffixes), x.shape[1], self.hidden_size), x.dtype),)
        if not isinstance(hx, Tensor):
            raise TypeError(f"RNN: hx must be a Tensor, got {type(hx).__name__}")
        return (hx,)

    def _step(self, gi, state, w_hh, b_hh):
        return _rnn_step(gi, state[0], w_hh, b_hh, self.nonlinearity)


class GRU(_RNNBase):
    """A GRU over a sequence, called and shaped as RNN; gates r, z, n as GRUCell's."""
    _chunks = 3

    def _states(self, x, hx):
        if hx is None:
            return (ops.zeros((len(self._suffixes), x.shape[1], self.hidden_size), x.dtype),)
        if not isinstance(hx, Tensor):
            raise TypeError(f"GRU: hx must be a Tensor, got {type(hx).__name__}")
        return (hx,)

    def _step(self, gi, state, w_hh, b_hh):
        return _gru_step(gi, state[0], w_hh, b_hh)


class LSTM(_RNNBase):
    """An LSTM over a sequence: net(x, hx=None, seq_length=None) -> (output, (h_n, c_n)), hx a
    tuple (h_0, c_0); shapes as RNN's, gates i, f, g, o as LSTMCell's."""
    _chunks = 4

    def _states(self, x, hx):
        if hx is None:
            zeros = ops.zeros((len(self._suffixes), x.shape[1], self.hidden_size), x.dtype)
            return (zeros, zeros)
        if not isinstance(hx, tuple) or len(hx) != 2:
            raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
        return hx

    def _step(self, gi, state, w_hh, b_hh):
        return _lstm_step(gi, state, w_hh, b_hh)


__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]
