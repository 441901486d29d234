"""Zero-copy exchange: Tensor.from_numpy, numpy's array protocol, DLPack both ways with numpy
(always), PyTorch and JAX (where installed); pickle and copy of Tensor and Parameter."""
import copy
import pickle

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import Parameter, Tensor, _core, ops


def addr(a):
    return a.__array_interface__["data"][0]


# -- Tensor.from_numpy --

@pytest.mark.parametrize("dtype, expected", [(np.float32, gg.float32), (np.float64, gg.float64)])
def test_from_numpy_shares_memory(dtype, expected):
    a = np.arange(6, dtype=dtype).reshape(2, 3)
    t = Tensor.from_numpy(a)
    assert t.dtype is expected and t.shape == (2, 3)
    assert _core._data_ptr(t) == addr(a)
    a[0, 0] = 42  # documented: a change to the array shows in the tensor (as in MindSpore)
    assert t.asnumpy()[0, 0] == 42


def test_from_numpy_keeps_the_array_alive():
    t = Tensor.from_numpy(np.arange(1000, dtype=np.float32))
    import gc
    gc.collect()
    junk = [np.full(1000, -1.0, np.float32) for _ in range(100)]  # reuse freed memory, if any was freed
    assert t.asnumpy()[999] == 999 and len(junk) == 100


def test_from_numpy_tensors_compute_like_copies():
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((4, 5), (5, 3), (3,)))
    f = gg.jit(lambda x, w, b: ops.matmul(x, w) + b)
    shared = f(Tensor.from_numpy(x), Tensor.from_numpy(w), Tensor.from_numpy(b)).asnumpy()
    copied = f(Tensor(x), Tensor(w), Tensor(b)).asnumpy()
    np.testing.assert_array_equal(shared, copied)


def test_from_numpy_misaligned_array_is_copied_and_correct():
    buf = np.zeros(4 * 6 + 1, np.uint8)
    a = buf[1:].view(np.float32)  # 1 byte off: not aligned for float32
    a[:] = np.arange(6)
    assert not a.flags.aligned
    t = Tensor.from_numpy(a)
    np.testing.assert_array_equal(t.asnumpy(), np.arange(6))
    np.testing.assert_array_equal((t + t).asnumpy(), 2 * np.arange(6))


@pytest.mark.parametrize("n", [1, 17, 16384, 16385, 100_000, (4 << 20) // 4 + 5])
def test_results_are_64_byte_aligned_in_every_buffer_size_class(n):
    """Recycled below 64 KiB, malloc'ed and aligned by hand below 4 MiB, 2 MiB pages above: a
    result (and the next one, which may take the buffer the first freed) starts on a cache line."""
    x = np.arange(n, dtype=np.float32)
    t, f = Tensor(x), gg.jit(ops.neg)
    for _ in range(3):
        r = f(t)
        assert _core._data_ptr(r) % 64 == 0
        np.testing.assert_array_equal(r.asnumpy(), -x)
        del r


def test_from_numpy_strided_and_big_endian_arrays_are_copied():
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    t = Tensor.from_numpy(a.T)
    assert _core._data_ptr(t) != addr(a)
    np.testing.assert_array_equal(t.asnumpy(), a.T)
    be = np.arange(3, dtype=">f4")
    np.testing.assert_array_equal(Tensor.from_numpy(be).asnumpy(), [0, 1, 2])


def test_from_numpy_rejects_what_it_cannot_hold():
    with pytest.raises(TypeError, match="got an array of dtype complex64"):
        Tensor.from_numpy(np.arange(3, dtype=np.complex64))
    with pytest.raises(TypeError, match="expected a numpy.ndarray, got list"):
        Tensor.from_numpy([1.0, 2.0])


def test_empty_array():
    t = Tensor.from_numpy(np.zeros((0, 3), np.float32))
    assert t.shape == (0, 3)
    assert gg.from_dlpack(np.zeros((2, 0))).shape == (2, 0)


# -- numpy's array protocol --

def test_asarray_is_a_read_only_view():
    t = Tensor(np.arange(4, dtype=np.float32))
    v = np.asarray(t)
    assert addr(v) == _core._data_ptr(t)
    assert not v.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        v[0] = 1  # graphgrad's storage is immutable
    c = np.array(t)  # np.array copies by default: a writable array of its own
    c[0] = 5
    assert t.asnumpy()[0] == 0


def test_array_protocol_copy_and_dtype():
    t = Tensor(np.arange(3, dtype=np.float32))
    assert addr(np.asarray(t, copy=False)) == _core._data_ptr(t)
    assert np.asarray(t, copy=True).flags.writeable
    np.testing.assert_array_equal(np.asarray(t, dtype=np.float64), [0, 1, 2])
    with pytest.raises(ValueError):
        np.asarray(t, dtype=np.float64, copy=False)


def test_numpy_operators_defer_to_tensor():
    # np_array + tensor is a Tensor (numpy defers to Tensor's operator), never a numpy array
    t = Tensor(np.ones(3, np.float32))
    out = np.full(3, 2.0, np.float32) + t
    assert isinstance(out, Tensor) and out.dtype is gg.float32
    np.testing.assert_array_equal(out.asnumpy(), [3.0, 3.0, 3.0])


# -- DLPack with numpy --

def test_dlpack_device():
    assert Tensor([1.0]).__dlpack_device__() == (1, 0)


def test_numpy_from_dlpack_shares_read_only_memory():
    t = Tensor(np.arange(6, dtype=np.float64).reshape(2, 3))
    a = np.from_dlpack(t)
    assert a.dtype == np.float64 and a.shape == (2, 3)
    assert addr(a) == _core._data_ptr(t)
    assert not a.flags.writeable
    del t  # the array keeps the storage alive
    np.testing.assert_array_equal(a, np.arange(6).reshape(2, 3))


def test_numpy_from_dlpack_copy_is_writable():
    t = Tensor(np.arange(3, dtype=np.float32))
    a = np.from_dlpack(t, copy=True)
    assert addr(a) != _core._data_ptr(t) and a.flags.writeable
    a[0] = 9
    assert t.asnumpy()[0] == 0


def test_legacy_capsule():
    t = Tensor(np.arange(3, dtype=np.float32))
    cap = t.__dlpack__()  # no max_version: a pre-1.0 "dltensor" capsule
    u = gg.from_dlpack(cap)
    assert _core._data_ptr(u) == _core._data_ptr(t)
    with pytest.raises(TypeError):
        gg.from_dlpack(cap)  # a capsule is consumed once


def test_from_dlpack_numpy_zero_copy():
    a = np.arange(6, dtype=np.float32).reshape(3, 2)
    t = gg.from_dlpack(a)
    assert _core._data_ptr(t) == addr(a) and t.dtype is gg.float32
    np.testing.assert_array_equal(t.asnumpy(), a)
    np.testing.assert_array_equal(gg.from_dlpack(a.T).asnumpy(), a.T)  # strided: copied


def test_from_dlpack_errors():
    with pytest.raises(TypeError, match="dtype.*not supported"):
        gg.from_dlpack(np.arange(3, dtype=np.uint16))
    with pytest.raises(TypeError, match="__dlpack__"):
        gg.from_dlpack([1.0, 2.0])
    with pytest.raises(BufferError, match="CPU"):
        Tensor([1.0]).__dlpack__(dl_device=(2, 0))


def test_dlpack_of_a_traced_tensor_is_a_tracing_error():
    def f(x):
        np.from_dlpack(x)
        return x

    with pytest.raises(gg.TracingError):
        gg.jit(f)(Tensor([1.0]))


# -- PyTorch and JAX, where installed --

def test_torch_roundtrip():
    torch = pytest.importorskip("torch")
    t = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    pt = torch.from_dlpack(t)
    assert pt.data_ptr() == _core._data_ptr(t) and pt.dtype == torch.float32
    assert pt.tolist() == [[0, 1, 2], [3, 4, 5]]
    src = torch.arange(4, dtype=torch.float64)
    back = gg.from_dlpack(src)
    assert _core._data_ptr(back) == src.data_ptr() and back.dtype is gg.float64
    np.testing.assert_array_equal(back.asnumpy(), [0, 1, 2, 3])
    np.testing.assert_array_equal(gg.from_dlpack(torch.ones(2, 3).T).asnumpy(), np.ones((3, 2)))


def test_jax_roundtrip():
    jax = pytest.importorskip("jax")
    jnp = pytest.importorskip("jax.numpy")
    t = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    j = jnp.from_dlpack(t)
    np.testing.assert_array_equal(np.asarray(j), np.arange(6).reshape(2, 3))
    back = gg.from_dlpack(jnp.arange(4, dtype=jnp.float32))
    assert back.dtype is gg.float32
    np.testing.assert_array_equal(back.asnumpy(), [0, 1, 2, 3])
    assert jax.devices()[0].platform == "cpu"


# -- pickle and copy --

@pytest.mark.parametrize("dtype", [gg.float32, gg.float64])
def test_pickle_tensor(dtype):
    t = Tensor(np.arange(6).reshape(2, 3), dtype)
    u = pickle.loads(pickle.dumps(t))
    assert type(u) is Tensor and u.dtype is dtype and u.shape == (2, 3)
    np.testing.assert_array_equal(u.asnumpy(), t.asnumpy())


def test_pickle_parameter_keeps_name_and_requires_grad():
    p = Parameter(Tensor(np.ones((2, 2)), gg.float32), name="w", requires_grad=False)
    q = pickle.loads(pickle.dumps(p))
    assert type(q) is Parameter and q.name == "w" and q.requires_grad is False
    np.testing.assert_array_equal(q.asnumpy(), np.ones((2, 2)))
    q.set_data(Tensor(np.zeros((2, 2)), gg.float32))  # still a working Parameter
    assert p.asnumpy()[0, 0] == 1


def test_deepcopy_parameter_is_independent():
    p = Parameter(Tensor(np.ones(3), gg.float32), name="b")
    q = copy.deepcopy(p)
    assert type(q) is Parameter and q.name == "b" and q.requires_grad is True
    q.set_data(Tensor(np.zeros(3), gg.float32))
    np.testing.assert_array_equal(p.asnumpy(), np.ones(3))
    assert copy.copy(p).name == "b"


def test_deepcopy_of_a_cell_gives_working_parameters():
    class Linear(gg.nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = Parameter(Tensor(np.ones((3, 2)), gg.float32), name="w")

        def construct(self, x):
            return ops.matmul(x, self.w)

    m = Linear()
    m2 = copy.deepcopy(m)
    assert m2.w is not m.w and m2.w.name == "w"
    grads = gg.grad(lambda x: ops.binary_cross_entropy_with_logits(m2(x), ops.zeros(2)), None,
                    m2.trainable_params())(Tensor(np.ones(3), gg.float32))
    assert grads[0].shape == (3, 2)
