"""graphgrad.ops: the operations, eager outside a trace and recorded into the graph inside one.
Each function checks its Python arguments, applies MindSpore's type promotion and hands the op
to the C++ core, where its shape rule, kernel and gradient live."""
from ._array import *  # noqa: F401,F403
from ._array import __all__ as _array_all
from ._math import *  # noqa: F401,F403
from ._math import __all__ as _math_all
from ._nn import (binary_cross_entropy, binary_cross_entropy_with_logits, check_reduction,  # noqa: F401
                  cosine_embedding_loss, cross_entropy, gaussian_nll_loss, hinge_embedding_loss, huber_loss, kl_div,
                  l1_loss, margin_ranking_loss, mse_loss, multi_margin_loss, multilabel_soft_margin_loss, nll_loss,
                  smooth_l1_loss, soft_margin_loss, triplet_margin_loss)
from ._sample import *  # noqa: F401,F403
from ._sample import __all__ as _sample_all
from ._primitives import *  # noqa: F401,F403
from ._primitives import __all__ as _primitives_all

_nn_all = {"binary_cross_entropy", "binary_cross_entropy_with_logits", "cosine_embedding_loss", "cross_entropy",
           "gaussian_nll_loss", "hinge_embedding_loss", "huber_loss", "kl_div", "l1_loss", "margin_ranking_loss",
           "mse_loss", "multi_margin_loss", "multilabel_soft_margin_loss", "nll_loss", "smooth_l1_loss",
           "soft_margin_loss", "triplet_margin_loss"}
from ._conv import *  # noqa: F401,F403,E402
from ._conv import __all__ as _conv_all  # noqa: E402
from ._comm import *  # noqa: F401,F403,E402  (last: it imports graphgrad.communication, which uses ops)
from ._comm import __all__ as _comm_all  # noqa: E402

__all__ = sorted(set(_array_all) | set(_math_all) | set(_sample_all) | _nn_all | set(_comm_all) | set(_primitives_all)
                 | set(_conv_all))


def __getattr__(name):
    # ops.GradOperation is written with grad, which needs ops whole: imported when first asked for
    if name == "GradOperation":
        from .._functional import GradOperation
        return GradOperation
    raise AttributeError(f"module 'graphgrad.ops' has no attribute {name!r}")
