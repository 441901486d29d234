"""Wrapper cells: a network with its loss (to train or to evaluate), MindSpore's packaged train
step, and the gradient reducer of data-parallel training."""
from .. import communication
from .._context import data_parallel, get_auto_parallel_context
from .._grad import jit, value_and_grad
from .._tensor import Parameter, float32
from .._trace import apply
from ..communication import GlobalComm
from ..communication.comm_func import broadcast, collective
from ..ops import cast, concat, reshape
from .cell import Cell
from .optim import Optimizer


def _check_cells(owner, **cells):
    for arg, v in cells.items():
        if not isinstance(v, Cell):
            raise TypeError(f"{owner}: {arg} must be a Cell, got {type(v).__name__}")


class WithLossCell(Cell):
    """loss_fn(backbone(data), label). auto_prefix=False: the backbone's Parameters keep their names."""

    def __init__(self, backbone, loss_fn):
        super().__init__(auto_prefix=False)
        _check_cells("WithLossCell", backbone=backbone, loss_fn=loss_fn)
        self._backbone = backbone
        self._loss_fn = loss_fn

    def construct(self, data, label):
        return self._loss_fn(self._backbone(data), label)

    @property
    def backbone_network(self):
        return self._backbone


class WithEvalCell(Cell):
    """(loss_fn(network(data), label), network(data), label), for evaluation.
    auto_prefix=False: the network's Parameters keep their names."""

    def __init__(self, network, loss_fn, add_cast_fp32=False):
        super().__init__(auto_prefix=False)
        _check_cells("WithEvalCell", network=network, loss_fn=loss_fn)
        self._network = network
        self._loss_fn = loss_fn
        self.add_cast_fp32 = bool(add_cast_fp32)

    def construct(self, data, label):
        outputs = self._network(data)
        if self.add_cast_fp32:
            outputs = cast(outputs, float32)
        return self._loss_fn(outputs, label), outputs, label


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
        # Data parallel (set_auto_parallel_context): the ranks' gradients are reduced before the update.
        self.grad_reducer = DistributedGradReducer(self.weights) if data_parallel() else None
        self._compiled = jit(self._step)

    def _step(self, *inputs):
        loss, grads = self.grad_fn(*inputs)
        if self.sens != 1.0:
            grads = tuple(g * self.sens for g in grads)
        if self.grad_reducer is not None:
            grads = self.grad_reducer(grads)
        self.optimizer(grads)
        return (loss, grads) if self.return_grad else loss

    def construct(self, *inputs):
        return self._compiled(*inputs)


class DistributedGradReducer(Cell):
    """Data-parallel gradients: takes each rank's gradients of ``parameters`` and returns, in the
    same order, their sum over the ranks, or their mean (``mean``; by default the auto-parallel
    context's gradients_mean) dividing by ``degree`` (by default the group size).

    Made, it broadcasts the parameters from rank 0, so every rank starts from the same weights.
    Inside a compiled step the gradients travel in buckets of about comm_fusion's size (1 MB by
    default: ``set_auto_parallel_context(comm_fusion={"allreduce": {"mode": "size", "config": MB}})``),
    filled in the order the backward pass produces them; each bucket is one all-reduce that the
    graph starts as soon as its last gradient exists and waits for where the optimizer first reads
    it, so the transfer runs behind the rest of the backward pass (the dump shows where).
    ``fusion_type`` is accepted for MindSpore's signature; the buckets come from comm_fusion."""

    def __init__(self, parameters, mean=None, degree=None, fusion_type=1, group=GlobalComm.WORLD_COMM_GROUP):
        super().__init__(auto_prefix=False)
        communication._check_group(group, "DistributedGradReducer")
        self.weights = tuple(parameters)
        for i, p in enumerate(self.weights):
            if not isinstance(p, Parameter):
                raise TypeError(f"DistributedGradReducer: parameters[{i}] must be a Parameter, got {type(p).__name__}")
        self.size = communication.get_group_size()
        self.mean = get_auto_parallel_context("gradients_mean") if mean is None else bool(mean)
        self.degree = self.size if degree is None else degree
        if isinstance(self.degree, bool) or not isinstance(self.degree, int) or self.degree <= 0:
            raise ValueError(f"DistributedGradReducer: degree must be a positive int, got {degree!r}")
        megabytes = get_auto_parallel_context("comm_fusion")["allreduce"]["config"]
        self.bucket_bytes = int(megabytes * 2 ** 20)
        if self.size > 1 and get_auto_parallel_context("parameter_broadcast"):
            for p in self.weights:
                p.set_data(broadcast(p, 0))

    def _buckets(self, grads):
        """Lists of gradient indices: in the order the graph computes them (a traced gradient's
        node number), one dtype each, about bucket_bytes each (a larger gradient goes alone)."""
        order = sorted(range(len(grads)), key=lambda i: grads[i]._node if grads[i]._symbolic_ else i)
        buckets, size = [], 0
        for i in order:
            nbytes = grads[i].size * grads[i].dtype.np.itemsize
            if not buckets or size + nbytes > self.bucket_bytes or grads[buckets[-1][0]].dtype != grads[i].dtype:
                buckets.append([])
                size = 0
            buckets[-1].append(i)
            size += nbytes
        return buckets

    def construct(self, grads):
        grads = tuple(grads)
        if len(grads) != len(self.weights):
            raise ValueError(f"DistributedGradReducer: got {len(grads)} gradients for {len(self.weights)} parameters")
        if self.size == 1:  # nothing to exchange
            return tuple(g * (1.0 / self.degree) for g in grads) if self.mean and self.degree != 1 else grads
        out = list(grads)
        for bucket in self._buckets(grads):
            parts = [grads[i] for i in bucket]
            flat = parts[0] if len(parts) == 1 else concat([reshape(g, (-1,)) for g in parts])
            if self.mean:
                flat = flat * (1.0 / self.degree)  # before the sum: the division overlaps too
            name = ",".join(self.weights[i].name or f"grad{i}" for i in bucket)
            reduced = collective("all_reduce", flat, "sum", name=name)
            if len(parts) == 1:
                out[bucket[0]] = reduced
                continue
            offset = 0
            for i, g in zip(bucket, parts):  # the parts are views of the reduced bucket
                out[i] = apply("view", [reduced], {"offset": offset, "shape": list(g.shape)})
                offset += g.size
        return tuple(out)
