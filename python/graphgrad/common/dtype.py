"""mindspore.common.dtype (``from mindspore import dtype as mstype``): the data types."""
from .._tensor import DType, bool_, float16, float32, float64, int32, int64

__all__ = ["DType", "bool_", "float16", "float32", "float64", "int32", "int64"]
