"""Recurrent layers (RNNCell, LSTMCell, GRUCell, RNN, LSTM, GRU): Parameter names and shapes,
outputs against numbers MindSpore 2.7.2 printed for the same fixed weights and inputs, a
MindSpore-written LSTM checkpoint (fixtures/make_ms_rnn_checkpoint.py), gradients against finite
differences, jit against eager, training, and errors."""
import os

import numpy as np
import pytest

import graphgrad as ms
from graphgrad import Tensor, nn, ops

FIX = os.path.join(os.path.dirname(__file__), "fixtures")
T, B, I, H = 3, 2, 3, 2


def fill(net):
    """Every Parameter set by a formula of its name's rank among the sorted names: the same
    formula set MindSpore's before it printed MS below."""
    for i, (_, p) in enumerate(sorted(net.parameters_and_names(), key=lambda t: t[0])):
        p.set_data(Tensor((0.5 * np.sin(0.37 * np.arange(p.size) + i)).reshape(p.shape).astype(np.float32)))
    return net


def arr(shape, a=0.3, s=0.8):
    return (s * np.cos(a * np.arange(int(np.prod(shape))))).reshape(shape).astype(np.float32)


CELLS = {
    "rnncell_tanh": (nn.RNNCell, {}),
    "rnncell_relu": (nn.RNNCell, {"nonlinearity": "relu"}),
    "rnncell_nobias": (nn.RNNCell, {"has_bias": False}),
    "lstmcell": (nn.LSTMCell, {}),
    "lstmcell_nobias": (nn.LSTMCell, {"has_bias": False}),
    "grucell": (nn.GRUCell, {}),
    "grucell_nobias": (nn.GRUCell, {"has_bias": False}),
}
# name: (class, kwargs, initial state given, seq_length)
LAYERS = {
    "rnn_2layer_bi_hx": (nn.RNN, {"num_layers": 2, "bidirectional": True}, True, None),
    "rnn_relu_nobias": (nn.RNN, {"has_bias": False, "nonlinearity": "relu"}, False, None),
    "lstm_bi_bf_hx": (nn.LSTM, {"bidirectional": True, "batch_first": True}, True, None),
    "lstm_2layer_nobias": (nn.LSTM, {"num_layers": 2, "has_bias": False}, False, None),
    "gru_2layer_bi": (nn.GRU, {"num_layers": 2, "bidirectional": True}, False, None),
    "gru_bf_hx": (nn.GRU, {"batch_first": True}, True, None),
    "lstm_bi_seq_hx": (nn.LSTM, {"bidirectional": True}, True, [3, 1]),
    "gru_2layer_bf_seq": (nn.GRU, {"num_layers": 2, "batch_first": True}, False, [2, 3]),
    "rnn_bi_seq_edges": (nn.RNN, {"bidirectional": True}, True, [0, 3]),  # a length 0 keeps h_0
}

# Printed by MindSpore 2.7.2 (CPU) for the cases above, rounded to 6 decimals: a cell's output
# (h', or h' and c'), a layer's output then h_n (and c_n).
MS = {
    'rnncell_tanh': [
        [[0.469109, -0.267331], [0.473979, 0.327026]],
    ],
    'rnncell_relu': [
        [[0.508928, 0.0], [0.51519, 0.339495]],
    ],
    'rnncell_nobias': [
        [[0.800475, 0.746496], [0.366405, 0.376594]],
    ],
    'lstmcell': [
        [[0.330083, 0.179593], [0.217638, 0.006696]],
        [[0.861112, 0.599052], [0.414662, 0.015445]],
    ],
    'lstmcell_nobias': [
        [[-0.03939, 0.178499], [-0.117223, -0.085657]],
        [[-0.059344, 0.368031], [-0.207632, -0.165935]],
    ],
    'grucell': [
        [[0.655776, 0.443061], [0.417208, 0.190623]],
    ],
    'grucell_nobias': [
        [[-0.047962, 0.390474], [-0.009784, 0.089156]],
    ],
    'rnn_2layer_bi_hx': [
        [[[0.779096, 0.035666, -0.077373, -0.584002], [0.197465, -0.12185, -0.358411, -0.162972]],
         [[-0.538123, 0.218206, -0.034803, 0.729451], [-0.650808, 0.691107, 0.192673, 0.908505]],
         [[-0.557434, 0.70553, -0.155626, 0.819373], [-0.228797, 0.18965, -0.165896, 0.428361]]],
        [[[-0.493533, -0.784006], [-0.692156, -0.379456]], [[0.513442, 0.846171], [0.011909, 0.693268]],
         [[-0.557434, 0.70553], [-0.228797, 0.18965]], [[-0.077373, -0.584002], [-0.358411, -0.162972]]],
    ],
    'rnn_relu_nobias': [
        [[[1.036465, 0.672927], [0.379148, 0.310549]], [[0.0, 0.363962], [0.0, 0.0]], [[0.0, 0.0], [0.112377, 0.0]]],
        [[[0.0, 0.0], [0.112377, 0.0]]],
    ],
    'lstm_bi_bf_hx': [
        [[[0.149085, 0.074207, -0.48342, -0.100621], [0.093347, 0.019843, -0.253678, -0.16564],
          [0.199025, 0.074585, -0.090516, -0.13381]],
         [[0.165457, -0.024459, 0.039525, -0.099799], [0.258168, 0.052698, 0.014849, -0.065312],
          [0.300905, 0.141969, -0.072788, -0.010291]]],
        [[[0.199025, 0.074585], [0.300905, 0.141969]], [[-0.48342, -0.100621], [0.039525, -0.099799]]],
        [[[0.51227, 0.242873], [0.614423, 0.309861]], [[-0.96348, -0.183531], [0.231745, -0.421119]]],
    ],
    'lstm_2layer_nobias': [
        [[[-0.007337, 0.019217], [-0.00126, 0.009569]], [[-0.006772, 0.002019], [-0.001326, -0.019189]],
         [[-0.003523, -0.022663], [0.000894, -0.011232]]],
        [[[-0.025959, -0.26122], [0.011483, -0.046175]], [[-0.003523, -0.022663], [0.000894, -0.011232]]],
        [[[-0.062512, -0.447681], [0.02192, -0.094081]], [[-0.007577, -0.048047], [0.0018, -0.022635]]],
    ],
    'gru_2layer_bi': [
        [[[0.078503, 0.047467, 0.112479, -0.073841], [0.143522, 0.060471, 0.157718, -0.133354]],
         [[0.340449, 0.154544, 0.23344, -0.16782], [0.49929, 0.207993, 0.249561, -0.181189]],
         [[0.569939, 0.298387, 0.199023, -0.121297], [0.520489, 0.297089, 0.063362, -0.06397]]],
        [[[0.400514, 0.272447], [0.013207, 0.023203]], [[-0.050397, 0.342356], [0.138914, 0.273241]],
         [[0.569939, 0.298387], [0.520489, 0.297089]], [[0.112479, -0.073841], [0.157718, -0.133354]]],
    ],
    'gru_bf_hx': [
        [[[0.655776, 0.443061], [0.635037, 0.468774], [0.373815, 0.310054]],
         [[0.085815, 0.007808], [0.02753, 0.031034], [0.200891, 0.130812]]],
        [[[0.373815, 0.310054], [0.200891, 0.130812]]],
    ],
    'lstm_bi_seq_hx': [
        [[[0.149085, 0.074207, -0.374098, -0.083304], [-0.04134, -0.184002, -0.16155, -0.059554]],
         [[0.212911, 0.09229, -0.019263, -0.150944], [0.0, 0.0, 0.0, 0.0]],
         [[0.274927, 0.118363, -0.044872, -0.100882], [0.0, 0.0, 0.0, 0.0]]],
        [[[0.274927, 0.118363], [-0.04134, -0.184002]], [[-0.374098, -0.083304], [-0.16155, -0.059554]]],
        [[[0.729715, 0.481276], [-0.076546, -0.349154]], [[-0.659585, -0.157639], [-0.336996, -0.116588]]],
    ],
    'gru_2layer_bf_seq': [
        [[[-0.083088, -0.110118], [-0.135123, -0.155223], [0.0, 0.0]],
         [[-0.168053, -0.294501], [-0.334292, -0.522358], [-0.465726, -0.623703]]],
        [[[-0.193134, -0.301223], [0.434052, 0.231309]], [[-0.135123, -0.155223], [-0.465726, -0.623703]]],
    ],
    'rnn_bi_seq_edges': [
        [[[0.0, 0.0, 0.0, 0.0], [0.305083, 0.637855, 0.892436, 0.763912]],
         [[0.0, 0.0, 0.0, 0.0], [-0.068621, -0.738321, -0.777985, -0.630971]],
         [[0.0, 0.0, 0.0, 0.0], [0.726668, 0.772233, 0.742123, 0.493246]]],
        [[[0.4, 0.351033], [0.726668, 0.772233]], [[-0.166459, -0.320457], [0.892436, 0.763912]]],
    ],
}


def cell_inputs():
    return Tensor(arr((B, I))), Tensor(arr((B, H), 0.5, 0.4)), Tensor(arr((B, H), 0.9, 0.6))


def call_cell(name, cell, x, h, c):
    return cell(x, (h, c)) if isinstance(cell, nn.LSTMCell) else cell(x, h)


def layer_inputs(name):
    cls, kw, given, sl = LAYERS[name]
    nd = (2 if kw.get("bidirectional") else 1) * kw.get("num_layers", 1)
    x = Tensor(arr((B, T, I) if kw.get("batch_first") else (T, B, I)))
    hx = None
    if given:
        h, c = Tensor(arr((nd, B, H), 0.5, 0.4)), Tensor(arr((nd, B, H), 0.9, 0.6))
        hx = (h, c) if cls is nn.LSTM else h
    return x, hx, None if sl is None else Tensor(np.array(sl, np.int32))


def flat(out):
    """A layer's (output, h_n) or (output, (h_n, c_n)), or a cell's output, as a list of arrays."""
    if not isinstance(out, tuple):
        return [out.asnumpy()]
    items = []
    for o in out:
        items += flat(o)
    return items


def check(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.array(w, np.float32), rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("name", list(CELLS))
def test_cell_outputs_match_mindspore(name):
    cls, kw = CELLS[name]
    cell = fill(cls(I, H, **kw))
    check(flat(call_cell(name, cell, *cell_inputs())), MS[name])


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_outputs_match_mindspore(name):
    cls, kw, _, _ = LAYERS[name]
    net = fill(cls(I, H, **kw))
    x, hx, sl = layer_inputs(name)
    check(flat(net(x, hx, sl)), MS[name])


def test_parameter_names_shapes_and_order_are_mindsporess():
    net = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    got = [(n, tuple(p.shape)) for n, p in net.parameters_and_names()]
    want = []
    for kind in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]:
        for sfx in ["_l0", "_l0_reverse", "_l1", "_l1_reverse"]:
            inner = {"weight_ih": 3 if sfx.startswith("_l0") else 8, "weight_hh": 4}.get(kind)
            want.append((kind + sfx, (16, inner) if inner else (16,)))
    assert got == want
    assert [n for n, _ in nn.GRU(3, 2, has_bias=False).parameters_and_names()] == ["weight_ih_l0", "weight_hh_l0"]
    assert [(n, tuple(p.shape)) for n, p in nn.GRUCell(3, 2).parameters_and_names()] == [
        ("weight_ih", (6, 3)), ("weight_hh", (6, 2)), ("bias_ih", (6,)), ("bias_hh", (6,))]
    assert [n for n, _ in nn.RNNCell(3, 2, has_bias=False).parameters_and_names()] == ["weight_ih", "weight_hh"]

    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.rnn = nn.LSTM(3, 2)
            self.cell = nn.GRUCell(3, 2)
    # as MindSpore names them inside a network
    assert [p.name for p in Net().get_parameters()] == [
        "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
        "cell.weight_ih", "cell.weight_hh", "cell.bias_ih", "cell.bias_hh"]


def test_initialisation_is_uniform_within_one_over_sqrt_hidden():
    ms.set_seed(3)
    for net in (nn.LSTM(3, 100, bidirectional=True), nn.GRUCell(3, 100), nn.RNN(5, 100, num_layers=2)):
        v = np.concatenate([p.asnumpy().ravel() for p in net.get_parameters()])
        assert np.abs(v).max() <= 0.1
        assert np.abs(v).max() > 0.099 and abs(v.mean()) < 0.01  # spread over the whole range, centred
        assert all(p.dtype == ms.float32 for p in net.get_parameters())
    assert nn.GRU(3, 4, dtype=ms.float64).weight_ih_l0.dtype == ms.float64


def test_mindspore_lstm_checkpoint_loads_and_gives_its_outputs():
    want = np.load(os.path.join(FIX, "ms_lstm.npz"))
    net = nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)
    not_loaded, _ = ms.load_param_into_net(net, ms.load_checkpoint(os.path.join(FIX, "ms_lstm.ckpt")))
    assert not_loaded == []
    hx = (Tensor(want["h0"]), Tensor(want["c0"]))
    out, (h, c) = net(Tensor(want["x"]), hx)
    for got, key in [(out, "output"), (h, "h_n"), (c, "c_n")]:
        np.testing.assert_allclose(got.asnumpy(), want[key], rtol=1e-5, atol=1e-6)
    out, (h, c) = net(Tensor(want["x"]), hx, Tensor(want["seq_length"]))
    for got, key in [(out, "output_seq"), (h, "h_n_seq"), (c, "c_n_seq")]:
        np.testing.assert_allclose(got.asnumpy(), want[key], rtol=1e-5, atol=1e-6)


def _fd_check(net, loss, params, eps=1e-6):
    """grad of loss over the net's Parameters against central differences, in float64."""
    weights = list(net.trainable_params())
    grads = ms.grad(loss, None, weights)(*params)
    assert len(grads) == len(weights)
    for w, g in zip(weights, grads):
        base = w.asnumpy().copy()
        num = np.zeros_like(base)
        for k in range(base.size):
            for sign in (1, -1):
                v = base.copy()
                v.reshape(-1)[k] += sign * eps
                w.set_data(Tensor(v))
                num.reshape(-1)[k] += sign * float(loss(*params).asnumpy()) / (2 * eps)
            w.set_data(Tensor(base))
        np.testing.assert_allclose(g.asnumpy(), num, rtol=1e-5, atol=1e-7, err_msg=w.name)


def test_gradients_match_finite_differences():
    ms.set_seed(0)
    f64 = ms.float64
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((3, 2, 2)), f64)
    h0 = Tensor(rng.standard_normal((2, 2, 2)), f64)
    c0 = Tensor(rng.standard_normal((2, 2, 2)), f64)
    sl = Tensor(np.array([3, 2], np.int32))
    w = Tensor(rng.standard_normal((3, 2, 4)), f64)
    lstm = nn.LSTM(2, 2, bidirectional=True, dtype=f64)
    _fd_check(lstm, lambda x, h, c: ops.sum(lstm(x, (h, c), sl)[0] * w), (x, h0, c0))
    gru = nn.GRU(2, 2, num_layers=2, dtype=f64)
    _fd_check(gru, lambda x, h: ops.sum(gru(x, h)[0] * w[..., :2]) + ops.sum(gru(x, h)[1]), (x, h0))
    # and through the inputs and the initial state
    gx, gh = ms.grad(lambda x, h: ops.sum(gru(x, h)[0] * w[..., :2]), (0, 1))(x, h0)
    for got, arg in [(gx, 0), (gh, 1)]:
        args = [x.asnumpy(), h0.asnumpy()]
        num = np.zeros_like(args[arg])
        for k in range(num.size):
            for sign in (1, -1):
                a = [v.copy() for v in args]
                a[arg].reshape(-1)[k] += sign * 1e-6
                val = ops.sum(gru(Tensor(a[0], f64), Tensor(a[1], f64))[0] * w[..., :2]).asnumpy()
                num.reshape(-1)[k] += sign * float(val) / 2e-6
        np.testing.assert_allclose(got.asnumpy(), num, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["lstm_bi_seq_hx", "gru_2layer_bi", "rnn_2layer_bi_hx"])
def test_jit_equals_eager(name):
    cls, kw, _, _ = LAYERS[name]
    net = fill(cls(I, H, **kw))
    x, hx, sl = layer_inputs(name)
    eager = flat(net(x, hx, sl))
    compiled = flat(ms.jit(lambda x, hx, sl: net(x, hx, sl))(x, hx, sl))
    ms.set_context(mode=ms.GRAPH_MODE)  # the Cell's construct compiled on call, hx and seq_length maybe None
    try:
        graph = flat(net(x, hx, sl))
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    assert len(compiled) == len(graph) == len(eager)
    for e, c, g in zip(eager, compiled, graph):
        np.testing.assert_allclose(c, e, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-7)
    cell = fill(nn.LSTMCell(I, H))
    xc, h, c = cell_inputs()
    for e, j in zip(cell(xc, (h, c)), ms.jit(lambda x, h, c: cell(x, (h, c)))(xc, h, c)):
        np.testing.assert_allclose(j.asnumpy(), e.asnumpy(), rtol=1e-6, atol=1e-7)


class _Classifier(nn.Cell):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(1, 8, batch_first=True)
        self.head = nn.Dense(8, 1)

    def construct(self, x):
        _, h = self.rnn(x)
        return self.head(h[0])


def test_training_a_tiny_sequence_task_lowers_the_loss():
    # is the sum of a sequence of +-1 positive? The GRU must carry it along the sequence.
    ms.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.choice([-1.0, 1.0], (32, 5, 1)).astype(np.float32)
    y = (x.sum(1) > 0).astype(np.float32)
    net = _Classifier()
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.BCEWithLogitsLoss()), nn.Adam(net.trainable_params(), 0.05))
    losses = [float(step(Tensor(x), Tensor(y)).asnumpy()) for _ in range(30)]
    assert losses[-1] < 0.5 * losses[0], losses


def test_dropout_between_layers_only_while_training():
    ms.set_seed(0)
    x = Tensor(arr((T, B, I)))
    net = nn.GRU(I, H, num_layers=2, dropout=0.9)
    eval_out = net(x)[0].asnumpy()
    np.testing.assert_array_equal(net(x)[0].asnumpy(), eval_out)
    net.set_train()
    assert np.abs(net(x)[0].asnumpy() - eval_out).max() > 1e-3
    one = nn.GRU(I, H, dropout=0.9).set_train()  # one layer: nothing between layers to drop
    np.testing.assert_array_equal(one(x)[0].asnumpy(), one(x)[0].asnumpy())


@pytest.mark.parametrize("make, exc, words", [
    (lambda: nn.RNN(3, 2, nonlinearity="sigmoid"), ValueError, "RNN: nonlinearity"),
    (lambda: nn.RNNCell(3, 2, nonlinearity="relu6"), ValueError, "RNNCell: nonlinearity"),
    (lambda: nn.LSTM(3, 2, nonlinearity="relu"), TypeError, "nonlinearity"),
    (lambda: nn.GRU(3, 2, dropout=1.5), ValueError, "GRU: dropout"),
    (lambda: nn.GRU(3, 2, dropout=1), TypeError, "GRU: dropout must be a float"),
    (lambda: nn.LSTM(3, 2, num_layers=0), ValueError, "LSTM: num_layers"),
    (lambda: nn.LSTM(3, 2.0), TypeError, "LSTM: hidden_size must be an int"),
    (lambda: nn.RNN(0, 2), ValueError, "RNN: input_size"),
    (lambda: nn.RNN(3, 2, has_bias=1), TypeError, "RNN: has_bias must be a bool"),
    (lambda: nn.GRU(3, 2, batch_first=1), TypeError, "GRU: batch_first"),
    (lambda: nn.GRU(3, 2, bidirectional=1), TypeError, "GRU: bidirectional"),
    (lambda: nn.GRUCell(3, 2, has_bias=1), TypeError, "GRUCell: has_bias"),
    (lambda: nn.LSTMCell(1.5, 2), TypeError, "LSTMCell: input_size"),
])
def test_construction_errors(make, exc, words):
    with pytest.raises(exc, match=words):
        make()


@pytest.mark.parametrize("call, exc, words", [
    (lambda: nn.RNN(3, 2)(Tensor(arr((T, B, 5)))), ValueError, r"RNN: x must be \(seq_len, batch, input_size=3\)"),
    (lambda: nn.GRU(3, 2, batch_first=True)(Tensor(arr((T, 3)))), ValueError, r"GRU: x must be \(batch, seq_len"),
    (lambda: nn.RNN(3, 2)(Tensor(arr((T, B, 3))), Tensor(arr((2, B, 2)))), ValueError,
     r"RNN: hx must have shape \(1, 2, 2\), got \(2, 2, 2\)"),
    (lambda: nn.LSTM(3, 2)(Tensor(arr((T, B, 3))), Tensor(arr((1, B, 2)))), TypeError, "LSTM: hx must be a tuple"),
    (lambda: nn.LSTM(3, 2)(Tensor(arr((T, B, 3))), (Tensor(arr((1, B, 2))), Tensor(arr((1, B, 5))))),
     ValueError, "LSTM: hx must have shape"),
    (lambda: nn.GRU(3, 2)(Tensor(arr((T, B, 3))), (Tensor(arr((1, B, 2))),)), TypeError, "GRU: hx must be a Tensor"),
    (lambda: nn.RNN(3, 2)(Tensor(arr((T, B, 3))), None, Tensor(np.array([1.0, 2.0], np.float32))), TypeError,
     "RNN: seq_length must be an int32 or int64 Tensor"),
    (lambda: nn.RNN(3, 2)(Tensor(arr((T, B, 3))), None, Tensor(np.array([1, 2, 3], np.int32))), ValueError,
     r"RNN: seq_length must have shape \(batch,\)"),
    (lambda: nn.RNNCell(3, 2)(Tensor(arr((B, 5))), Tensor(arr((B, 2)))), ValueError, "RNNCell: x must be"),
    (lambda: nn.GRUCell(3, 2)(Tensor(arr((3,))), Tensor(arr((2,)))), ValueError, "GRUCell: x must be"),
    (lambda: nn.GRUCell(3, 2)(Tensor(arr((B, 3))), Tensor(arr((3, 2)))), ValueError, "GRUCell: hx must have shape"),
    (lambda: nn.LSTMCell(3, 2)(Tensor(arr((B, 3))), Tensor(arr((B, 2)))), TypeError, "LSTMCell: hx must be a tuple"),
])
def test_call_errors(call, exc, words):
    with pytest.raises(exc, match=words):
        call()
