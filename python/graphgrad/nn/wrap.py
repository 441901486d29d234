"""Wrapper cells: a network with its loss, and MindSpore's packaged train step."""
from .._grad import jit, value_and_grad
from .cell import Cell
from .optim import Optimizer


class WithLossCell(Cell):
    """loss_fn(backbone(data), label). auto_prefix=False: the backbone's Parameters keep their names."""

    def __init__(self, backbone, loss_fn):
        super().__init__(auto_prefix=False)
        for arg, v in (("backbone", backbone), ("loss_fn", loss_fn)):
            if not isinstance(v, Cell):
                raise TypeError(f"WithLossCell: {arg} must be a Cell, got {type(v).__name__}")
        self._backbone = backbone
        self._loss_fn = loss_fn

    def construct(self, data, label):
        return self._loss_fn(self._backbone(data), label)

    @property
    def backbone_network(self):
        return self._backbone


class TrainOneStepCell(Cell):
    """One training step: the loss and the gradients of network (a Cell returning the loss) with
    respect to optimizer.parameters, then optimizer(grads); returns the loss. sens scales the
    gradient of the loss (1.0 by default).

    Forward, backward and the update run as one compiled graph (the update through ops.assign,
    which writes the Parameters when the call succeeds)."""

    def __init__(self, network, optimizer, sens=None, return_grad=False):
        super().__init__(auto_prefix=False)
        if not isinstance(network, Cell):
            raise TypeError(f"TrainOneStepCell: network must be a Cell, got {type(network).__name__}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"TrainOneStepCell: optimizer must be an nn optimizer, got {type(optimizer).__name__}")
        self.network = network
        self.optimizer = optimizer
        self.weights = optimizer.parameters
        self.sens = 1.0 if sens is None else float(sens)
        self.return_grad = bool(return_grad)
        self.grad_fn = value_and_grad(network, None, self.weights)
        self._compiled = jit(self._step)

    def _step(self, *inputs):
        loss, grads = self.grad_fn(*inputs)
        if self.sens != 1.0:
            grads = tuple(g * self.sens for g in grads)
        self.optimizer(grads)
        return (loss, grads) if self.return_grad else loss

    def construct(self, *inputs):
        self.optimizer._check_lr_steps()  # a compiled step cannot raise for it: look before the call
        return self._compiled(*inputs)
