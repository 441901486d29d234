"""graphgrad.common: MindSpore's ``mindspore.common`` namespace (initializers, data types, sparse tensors)."""
from . import dtype, initializer
from .._sparse import COOTensor, CSRTensor
