"""Tensors in and out of other libraries without copying, and Tensors through pickle and copy.

- ``Tensor.from_numpy(a)``: the tensor uses the array's memory (MindSpore's from_numpy).
- ``np.asarray(t)``, ``np.from_dlpack(t)``: read-only numpy views of the tensor's memory.
- ``t.__dlpack__()``, ``t.__dlpack_device__()``, ``graphgrad.from_dlpack(x)``: DLPack both ways
  with numpy, PyTorch, JAX, CuPy (CPU), ...
- pickle, ``copy.copy``, ``copy.deepcopy`` of Tensor and Parameter (name and requires_grad kept).

graphgrad never writes a tensor's memory, so sharing it is safe from graphgrad's side; what you
share with it, you must not change while a tensor uses it (see from_numpy).
"""
import copy
from typing import Any, Optional, Tuple

import numpy as np

from . import _core
from ._errors import type_name
from ._tensor import _DTYPES, Tensor, _concrete

_CPU = (1, 0)  # DLPack's (kDLCPU, device 0)


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor over ``array``'s memory, without a copy (as MindSpore's ``Tensor.from_numpy``).

    The array must stay unchanged while the tensor (or anything computed lazily from it) is in
    use: graphgrad never writes it, but it does not stop you from doing so, and a change shows
    in the tensor. Call ``array.setflags(write=False)`` to have numpy enforce that. An array that
    is not C-contiguous, aligned and native-endian is copied instead (as MindSpore does for
    non-contiguous arrays); a dtype graphgrad does not have is a TypeError."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"Tensor.from_numpy: expected a numpy.ndarray, got {type_name(array)}")
    if array.dtype.newbyteorder("=") not in [d.np for d in _DTYPES]:
        names = ", ".join(str(d.np) for d in _DTYPES)
        raise TypeError(f"Tensor.from_numpy: graphgrad has {names}; got an array of dtype {array.dtype}. "
                        "Tensor(array, graphgrad.float32) copies and converts it")
    t = _core._from_numpy(array)
    if t is None:  # strided, misaligned or byte-swapped: one contiguous native copy
        t = Tensor(np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("=")))
    return t


def _array(self, dtype=None, copy=None):
    # numpy's array protocol (numpy 2: copy=None may share, copy=False must share, True must not).
    # The shared array is read-only: writing it would change an immutable tensor.
    view = _concrete(self, "__array__ (conversion to numpy)")
    if dtype is not None and np.dtype(dtype) != view.dtype:
        if copy is False:
            raise ValueError(f"a {self.dtype} Tensor cannot be viewed as {np.dtype(dtype)} without a copy")
        return view.astype(dtype)
    return np.array(view) if copy else view


def __dlpack__(self, *, stream: Any = None, max_version: Optional[Tuple[int, int]] = None,
               dl_device: Optional[Tuple[int, int]] = None, copy: Optional[bool] = None):
    """A DLPack capsule over the tensor's memory (read-only), or over a copy when copy=True."""
    _concrete(self, "__dlpack__")
    if stream is not None and stream != -1:
        raise BufferError(f"__dlpack__: graphgrad tensors live on the CPU, which has no streams; got stream={stream!r}")
    if dl_device is not None and tuple(dl_device) != _CPU:
        raise BufferError(f"__dlpack__: graphgrad tensors live on the CPU (device {_CPU}); got dl_device={dl_device!r}")
    versioned = max_version is not None and max_version[0] >= 1
    return _core._to_dlpack(self, versioned, bool(copy))


def __dlpack_device__(self) -> Tuple[int, int]:
    return _CPU


def from_dlpack(x: Any) -> Tensor:
    """A Tensor over the memory of ``x``: anything with ``__dlpack__`` on the CPU (a numpy array,
    a torch or JAX CPU tensor, ...) or a DLPack capsule. Zero-copy when ``x`` is C-contiguous
    and of a dtype graphgrad has (float32, float64); strided data is copied. As with from_numpy,
    ``x`` must not change while the tensor is in use."""
    if isinstance(x, Tensor):
        return x
    if hasattr(x, "__dlpack__"):
        if hasattr(x, "__dlpack_device__") and tuple(x.__dlpack_device__()) != _CPU:
            raise BufferError(f"from_dlpack: graphgrad runs on the CPU, and this {type(x).__name__} is on device "
                              f"{tuple(x.__dlpack_device__())}; move it to the CPU first (e.g. .cpu())")
        try:
            capsule = x.__dlpack__(max_version=(1, 0))
        except TypeError:  # a producer from before DLPack 1.0 takes no max_version
            capsule = x.__dlpack__()
    elif type(x).__name__ == "PyCapsule":
        capsule = x
    else:
        raise TypeError(f"from_dlpack: expected an object with __dlpack__ (numpy, torch, JAX, ...) or a DLPack "
                        f"capsule, got {type_name(x)}")
    t = _core._from_dlpack(capsule)
    if t is None:  # strided or misaligned: numpy makes the contiguous copy
        t = Tensor(np.ascontiguousarray(np.from_dlpack(_Capsule(capsule) if capsule is not x else x)))
    return t


class _Capsule:
    """Hands an already-made capsule to np.from_dlpack (which wants an object with __dlpack__)."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, **kwargs):
        return self.capsule

    def __dlpack_device__(self):
        return _CPU


# -- pickle and copy --

def _rebuild(cls, array, dtype_code, state=None):
    t = cls.__new__(cls)
    Tensor.__init__(t, from_numpy(array), _DTYPES[dtype_code])  # the unpickled array is ours: no copy
    if state:
        t.__dict__.update(state)
    return t


def _reduce_ex(self, protocol):
    # A Parameter (or any subclass) keeps its attributes: name, requires_grad, ...
    _concrete(self, "pickle")
    return _rebuild, (type(self), np.array(self._numpy()), self._dtype_code, getattr(self, "__dict__", None) or None)


def _copy(self):
    # Storage is immutable (set_data replaces it, never writes it): a copy may share it.
    _concrete(self, "copy")
    t = type(self).__new__(type(self))
    Tensor.__init__(t, self)
    if hasattr(self, "__dict__"):
        t.__dict__.update(self.__dict__)
    return t


def _deepcopy(self, memo):
    t = _copy(self)
    if hasattr(self, "__dict__"):
        t.__dict__.update(copy.deepcopy(self.__dict__, memo))
    return t


Tensor.from_numpy = staticmethod(from_numpy)
Tensor.__array__ = _array
# numpy's binary operators defer to Tensor's (np_array + t calls t.__radd__) instead of turning
# the tensor into an array and returning an array.
Tensor.__array_priority__ = 1000
Tensor.__dlpack__ = __dlpack__
Tensor.__dlpack_device__ = __dlpack_device__
Tensor.__reduce_ex__ = _reduce_ex
Tensor.__copy__ = _copy
Tensor.__deepcopy__ = _deepcopy  # Parameter inherits all of these
