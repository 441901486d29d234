"""graphgrad.nn: Cell (a module with Parameters and child Cells) and the BCE-with-logits loss."""
from . import ops
from ._tensor import Parameter, Tensor


class Cell:
    """Base class of models: define ``construct``; calling the cell calls it. Parameters and child
    Cells assigned as attributes are registered in assignment order."""

    def __init__(self, auto_prefix=True):
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_cells", {})

    def __setattr__(self, name, value):
        params = self.__dict__.get("_params")
        if params is None:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        cells = self.__dict__["_cells"]
        if name in params or name in cells:
            from ._grad import invalidate
            invalidate()  # compiled graphs captured what this attribute held
        params.pop(name, None)
        cells.pop(name, None)
        if isinstance(value, Parameter):
            if value.name is None:
                value.name = name
            params[name] = value
        elif isinstance(value, Cell):
            for p in value.get_parameters():  # a child's Parameters take their attribute path
                if not p.name.startswith(f"{name}."):  # (once: re-assigning the same child must not repeat it)
                    p.name = f"{name}.{p.name}"
            cells[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        self.__dict__["_params"].pop(name, None)
        self.__dict__["_cells"].pop(name, None)
        object.__delattr__(self, name)

    def __call__(self, *args, **kwargs):
        from ._context import graph_mode
        from ._trace import current
        if graph_mode() and current() is None:  # GRAPH_MODE: construct compiled, once per signature
            compiled = self.__dict__.get("_compiled_construct")
            if compiled is None:
                from ._grad import jit
                compiled = jit(self.construct)
                object.__setattr__(self, "_compiled_construct", compiled)
            return compiled(*args, **kwargs)
        return self.construct(*args, **kwargs)

    def construct(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} is a Cell without construct(): define "
                                  "construct(self, ...) to say what calling it computes")

    def get_parameters(self, expand=True):
        """Own Parameters first, then each child's, depth-first in assignment order; each once."""
        seen, order = set(), []

        def visit(cell):
            for p in cell._params.values():
                if id(p) not in seen:
                    seen.add(id(p))
                    order.append(p)
            if expand:
                for c in cell._cells.values():
                    visit(c)

        visit(self)
        return iter(order)

    def trainable_params(self, recurse=True):
        return [p for p in self.get_parameters(expand=recurse) if p.requires_grad]

    def untrainable_params(self, recurse=True):
        return [p for p in self.get_parameters(expand=recurse) if not p.requires_grad]

    def cells(self):
        return iter(self._cells.values())

    def name_cells(self):
        return dict(self._cells)


class BCEWithLogitsLoss(Cell):
    """Sigmoid + binary cross-entropy; see ops.binary_cross_entropy_with_logits."""

    def __init__(self, reduction="mean", weight=None, pos_weight=None):
        super().__init__()
        ops.check_reduction(reduction, "BCEWithLogitsLoss")
        for arg, v in (("weight", weight), ("pos_weight", pos_weight)):
            if v is not None and not isinstance(v, Tensor):
                raise TypeError(f"BCEWithLogitsLoss: {arg} must be a Tensor or None, got {type(v).__name__}")
        self.reduction = reduction
        self.weight = weight
        self.pos_weight = pos_weight

    def construct(self, logits, labels):
        return ops.binary_cross_entropy_with_logits(logits, labels, self.weight, self.pos_weight, self.reduction)
