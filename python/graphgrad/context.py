"""mindspore.context: set_context and the auto-parallel context under their older module name
(``from mindspore import context; context.set_auto_parallel_context(...)``)."""
from ._context import (GRAPH_MODE, PYNATIVE_MODE, ParallelMode, get_auto_parallel_context,  # noqa: F401
                       get_context, reset_auto_parallel_context, set_auto_parallel_context, set_context)
