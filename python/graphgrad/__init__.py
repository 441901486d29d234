"""graphgrad: a small graph-mode automatic-differentiation framework with a C++ core and
MindSpore's API (``import graphgrad as mindspore``)."""
from . import _core, nn, ops
from ._context import (COMPATIBLE, GRAPH_MODE, LAX, PYNATIVE_MODE, STRICT, ParallelMode, get_auto_parallel_context,
                       get_context, reset_auto_parallel_context, set_auto_parallel_context, set_context)
from ._functional import jvp, vjp
from ._grad import grad, jit, mutable, value_and_grad
from ._tensor import DType, Parameter, ParameterTuple, Tensor, bool_, float16, float32, float64, int32, int64
from ._trace import TracingError
from ._errors import DTypeError, ShapeError
from ._interop import from_dlpack
from ._sparse import COOTensor, CSRTensor
from ._config import show_config
from .profiler import profile
from ._tensor import _install_eager_ops

_install_eager_ops()

get_num_threads = _core.get_num_threads


def set_num_threads(n: int) -> None:
    """The number of threads graphgrad's kernels use (default: the cores available)."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads: n must be an int, got {type(n).__name__}")
    if not 1 <= n <= 1024:
        raise ValueError(f"set_num_threads: n must be between 1 and 1024, got {n}")
    _core.set_num_threads(n)


tensor = ops.tensor

__all__ = ["COOTensor", "CSRTensor", "DType", "DTypeError", "Parameter", "ParameterTuple", "ShapeError", "Tensor", "TracingError",
           "bool_", "float16", "float32", "float64", "int32", "int64", "tensor", "from_dlpack", "grad", "value_and_grad",
           "jit", "vjp", "jvp",
           "mutable", "nn", "ops", "profile", "set_num_threads", "get_num_threads", "show_config", "set_seed",
           "get_seed", "save_checkpoint", "load_checkpoint", "load_param_into_net", "set_context", "get_context",
           "GRAPH_MODE", "PYNATIVE_MODE", "STRICT", "COMPATIBLE", "LAX", "ParallelMode", "set_auto_parallel_context", "get_auto_parallel_context",
           "reset_auto_parallel_context", "communication", "dtype", "amp", "export", "load", "Model", "Callback",
           "RunContext", "LossMonitor", "TimeMonitor", "History", "LambdaCallback", "CheckpointConfig",
           "ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau", "Metric", "Accuracy", "Loss", "MAE", "MSE",
           "Precision", "Recall", "Fbeta", "F1",
           "TopKCategoricalAccuracy", "Top1CategoricalAccuracy", "Top5CategoricalAccuracy", "get_metric_fn", "names",
           "rearrange_inputs"]
__version__ = "0.1.0"

# Training support (issue 10): the global seed, checkpoints, mindspore.dataset and initializers.
from . import amp, common, communication, context, dataset  # noqa: E402
from .common import dtype  # noqa: E402  (from mindspore import dtype as mstype)
from ._random import get_seed, set_seed  # noqa: E402
from .train import export, load, load_checkpoint, load_param_into_net, save_checkpoint  # noqa: E402
# mindspore.Model and its callbacks and metrics, at the top level as MindSpore has them
from .train import (F1, MAE, MSE, Accuracy, Callback, CheckpointConfig, EarlyStopping, Fbeta, History,  # noqa: E402
                    LambdaCallback, Loss, LossMonitor, Metric, Model, ModelCheckpoint, Precision, Recall,
                    ReduceLROnPlateau, RunContext, TimeMonitor,
                    Top1CategoricalAccuracy, Top5CategoricalAccuracy, TopKCategoricalAccuracy, get_metric_fn, names,
                    rearrange_inputs)
from .profiler import _from_environment  # noqa: E402  (GRAPHGRAD_PROFILE=1: profile the whole run)

_from_environment()
