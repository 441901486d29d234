"""graphgrad.common: MindSpore's ``mindspore.common`` namespace (initializers)."""
from . import initializer
