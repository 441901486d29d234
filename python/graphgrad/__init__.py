"""graphgrad: a small graph-mode automatic-differentiation framework with a C++ core and
MindSpore's API (``import graphgrad as mindspore``)."""
from . import _core, nn, ops
from ._functional import jvp, vjp
from ._grad import grad, jit, mutable, value_and_grad
from ._tensor import DType, Parameter, Tensor, bool_, float16, float32, float64, int32, int64
from ._trace import TracingError

get_num_threads = _core.get_num_threads


def set_num_threads(n):
    """The number of threads graphgrad's kernels use (default: the cores available)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads: n must be an int, got {type(n).__name__}")
    if not 1 <= n <= 1024:
        raise ValueError(f"set_num_threads: n must be between 1 and 1024, got {n}")
    _core.set_num_threads(n)


tensor = ops.tensor

__all__ = ["DType", "Parameter", "Tensor", "TracingError", "bool_", "float16", "float32", "float64", "int32", "int64",
           "tensor", "grad", "value_and_grad", "jit", "vjp", "jvp", "mutable",
           "nn", "ops", "set_num_threads", "get_num_threads"]
__version__ = "0.1.0"

# Training support (issue 10): the global seed, checkpoints, mindspore.dataset and initializers.
from . import common, dataset  # noqa: E402
from ._random import get_seed, set_seed  # noqa: E402
from .train import load_checkpoint, load_param_into_net, save_checkpoint  # noqa: E402
