"""graphgrad's public exceptions and the names users see in messages.

ShapeError and DTypeError are raised by the C++ shape rules; they subclass ValueError and
TypeError (as MindSpore's errors do), so ``except ValueError`` catches a shape mismatch too.
"""
from typing import Any

from . import _core
from ._tensor import Tensor
from ._trace import TracingError

ShapeError = _core.ShapeError
DTypeError = _core.DTypeError
for _cls in (ShapeError, DTypeError, TracingError):
    _cls.__module__ = "graphgrad"  # tracebacks say graphgrad.ShapeError, not graphgrad._core.ShapeError
ShapeError.__doc__ = "Operand shapes that an op cannot take (a ValueError)."
DTypeError.__doc__ = "Operand or attribute dtypes that an op cannot take (a TypeError)."

# Python's own messages use the class's name: "unsupported operand type(s) for -: 'float' and
# 'Tensor'", never the extension module's "graphgrad._core.Tensor".
Tensor.__name__ = Tensor.__qualname__ = "Tensor"
Tensor.__module__ = "graphgrad"


def type_name(x: Any) -> str:
    """How a message names a value's type, with what to do when it is a numpy array or a list."""
    name = type(x).__name__
    if type(x).__module__ == "numpy" and name == "ndarray":
        return "numpy.ndarray (wrap it in Tensor(...), or Tensor.from_numpy(...) to share its memory)"
    if isinstance(x, (list, tuple)) and x and not isinstance(x[0], Tensor):
        return f"{name} (wrap it in Tensor(...))"
    return name


_core_init = Tensor.__init__


def _init(self, input_data=None, dtype=None, *, shape=None, init=None, **kwargs):
    # MindSpore's Tensor also takes shape= and init= (an initializer); pybind11 would answer a
    # wrong call with its list of overloads, so the keywords are handled here.
    if kwargs:
        raise TypeError(f"Tensor() got unexpected keyword argument(s) {', '.join(sorted(kwargs))}; it takes "
                        "input_data and dtype, or shape, dtype and init")
    if shape is not None or init is not None:
        if input_data is not None:
            raise TypeError("Tensor(): give input_data, or shape= and init=, not both")
        if shape is None or init is None:
            raise TypeError("Tensor(shape=..., init=...) needs both: the shape and an initializer (One(), "
                            "Normal(), ... from graphgrad.common.initializer, or its name)")
        from .common.initializer import initializer
        from ._tensor import float32
        # Filled now; MindSpore defers it to init_data(), which here returns the tensor as it is.
        input_data = initializer(init, shape, float32 if dtype is None else dtype)
    _core_init(self, input_data, dtype)


_init.__doc__ = _core_init.__doc__
_init.__name__, _init.__qualname__ = "__init__", "Tensor.__init__"  # as Python's own messages name it
Tensor.__init__ = _init
