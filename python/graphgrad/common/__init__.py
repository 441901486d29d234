"""graphgrad.common: MindSpore's ``mindspore.common`` namespace (initializers, data types)."""
from . import dtype, initializer
