"""MindSpore's ``mindspore.ops.operations`` (``from mindspore.ops import operations as P``): the
Primitive classes, collectives included, under the module name older MindSpore code imports."""
from ._comm import *  # noqa: F401,F403
from ._comm import __all__ as _comm_all
from ._primitives import *  # noqa: F401,F403
from ._primitives import __all__ as _primitives_all

__all__ = sorted(set(_primitives_all) | set(_comm_all))
