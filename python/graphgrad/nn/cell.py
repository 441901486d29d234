"""Cell (a module with Parameters and child Cells), SequentialCell and CellList.

A Parameter's name is its attribute path from the outermost Cell it was assigned into
(``seq.0.weight``): the name is fixed when a child is assigned, as MindSpore does, so
checkpoints written from the whole network and from a part of it agree."""
from collections import OrderedDict

from .._context import graph_mode
from .._tensor import Parameter
from .._trace import current


class Cell:
    """Base class of models: define ``construct``; calling the cell calls it. Parameters and child
    Cells assigned as attributes are registered in assignment order. ``auto_prefix=False`` keeps
    the children's Parameter names as they are (wrappers such as WithLossCell use it)."""

    def __init__(self, auto_prefix=True, flags=None):
        object.__setattr__(self, "_params", OrderedDict())
        object.__setattr__(self, "_cells", OrderedDict())
        object.__setattr__(self, "_auto_prefix", bool(auto_prefix))
        object.__setattr__(self, "_adopted_as", None)  # the attribute name our Parameters were prefixed with
        object.__setattr__(self, "_parent", None)  # the Cell that adopted us
        object.__setattr__(self, "training", False)  # MindSpore's default: set_train() turns it on

    def __setattr__(self, name, value):
        params = self.__dict__.get("_params")
        if params is None:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        cells = self.__dict__["_cells"]
        if name in params or name in cells:
            from .._grad import invalidate
            invalidate()  # compiled graphs captured what this attribute held
        # A replaced attribute keeps its place in the order (of parameters, of checkpoints).
        if isinstance(value, Parameter):
            cells.pop(name, None)
            if value.name is None:
                prefix = self._prefix()
                value.name = f"{prefix}.{name}" if prefix else name
            params[name] = value
        elif isinstance(value, Cell):
            params.pop(name, None)
            cells[name] = value
            self._adopt(name, value)
        else:
            params.pop(name, None)
            cells.pop(name, None)
        object.__setattr__(self, name, value)

    def _adopt(self, name, cell):
        """MindSpore's naming: a child's Parameters are renamed to their attribute path from the
        outermost Cell (``seq.0.weight``; a BatchNorm's moving_mean, named 'mean' on its own,
        becomes ``bn.moving_mean``), each time the child is assigned, so the last parent names
        a shared child."""
        if not self._auto_prefix or cell._global_names:
            return
        object.__setattr__(cell, "_adopted_as", name)
        object.__setattr__(cell, "_parent", self)
        cell._name_parameters()

    # An optimizer's Parameters (the network's and its state) keep their names wherever it is put.
    _global_names = False

    def _name_parameters(self):
        prefix = self._prefix()
        for path, p in self._paths_here():
            p.name = f"{prefix}.{path}"

    def _paths_here(self):
        """(attribute path, Parameter) for our Parameters and our children's, each once: not
        those under a _global_names cell."""
        seen, out = set(), []

        def visit(cell, path):
            for attr, p in cell._params.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    out.append((f"{path}{attr}", p))
            for name, c in cell._cells.items():
                if not c._global_names:
                    visit(c, f"{path}{name}.")
        visit(self, "")
        return out

    def _prefix(self):
        parts, c = [], self
        while c._adopted_as is not None:
            parts.append(c._adopted_as)
            c = c._parent
        return ".".join(reversed(parts))

    def __delattr__(self, name):
        if name in self._params or name in self._cells:
            from .._grad import invalidate
            invalidate()
        self._params.pop(name, None)
        self._cells.pop(name, None)
        object.__delattr__(self, name)

    def insert_child_to_cell(self, child_name, child_cell):
        if not isinstance(child_cell, Cell):
            raise TypeError(f"insert_child_to_cell: child_cell must be a Cell, got {type(child_cell).__name__}")
        setattr(self, child_name, child_cell)

    def insert_param_to_cell(self, param_name, param, check_name_contain_dot=True):
        if not isinstance(param, Parameter):
            raise TypeError(f"insert_param_to_cell: param must be a Parameter, got {type(param).__name__}")
        if check_name_contain_dot and "." in param_name:
            raise KeyError(f"insert_param_to_cell: param_name must not contain '.', got {param_name!r}")
        setattr(self, param_name, param)

    def __call__(self, *args, **kwargs):
        if graph_mode() and current() is None:  # GRAPH_MODE: construct compiled, once per signature
            compiled = self.__dict__.get("_compiled_construct")
            if compiled is None:
                from .._grad import jit
                compiled = jit(self.construct)
                object.__setattr__(self, "_compiled_construct", compiled)
            return compiled(*args, **kwargs)
        return self.construct(*args, **kwargs)

    def construct(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} is a Cell without construct(): define "
                                  "construct(self, ...) to say what calling it computes")

    def set_grad(self, requires_grad=True):
        """Kept for MindSpore's API: graphgrad differentiates whatever grad/value_and_grad ask for."""
        return self

    # --- training mode

    def set_train(self, mode=True):
        """Training mode on (Dropout drops, BatchNorm uses and updates batch statistics) or off,
        for this Cell and every Cell under it."""
        for _, c in self.cells_and_names():
            object.__setattr__(c, "training", bool(mode))
        return self

    # --- walking the network

    def cells_and_names(self, cells=None, name_prefix=""):
        """(path, cell) for this Cell and every Cell under it, each once, depth-first."""
        seen = set() if cells is None else cells
        if id(self) in seen:
            return
        seen.add(id(self))
        yield name_prefix, self
        for name, c in self._cells.items():
            yield from c.cells_and_names(seen, f"{name_prefix}.{name}" if name_prefix else name)

    def parameters_and_names(self, name_prefix="", expand=True):
        """(path, Parameter) for each Parameter, own first, then each child's in assignment order;
        a shared Parameter once. Two different Parameters with one name are an error: checkpoints
        and optimizers key on names."""
        seen, by_name = set(), {}
        for path, cell in (self.cells_and_names(name_prefix=name_prefix) if expand else [(name_prefix, self)]):
            for attr, p in cell._params.items():
                if id(p) in seen:
                    continue
                seen.add(id(p))
                full = f"{path}.{attr}" if path else attr
                other = by_name.get(p.name)
                if other is not None:
                    raise ValueError(f"{type(self).__name__}: two different Parameters are both named {p.name!r} "
                                     f"(at {other!r} and {full!r}); Parameter names in one network must be unique")
                by_name[p.name] = full
                yield full, p

    def get_parameters(self, expand=True):
        """Own Parameters first, then each child's, depth-first in assignment order; each once."""
        return iter([p for _, p in self.parameters_and_names(expand=expand)])

    def trainable_params(self, recurse=True):
        return [p for p in self.get_parameters(expand=recurse) if p.requires_grad]

    def untrainable_params(self, recurse=True):
        return [p for p in self.get_parameters(expand=recurse) if not p.requires_grad]

    def parameters_dict(self, recurse=True):
        """An OrderedDict of Parameter name -> Parameter."""
        return OrderedDict((p.name, p) for p in self.get_parameters(expand=recurse))

    def cells(self):
        return iter(self._cells.values())

    def name_cells(self):
        return OrderedDict(self._cells)

    def update_parameters_name(self, prefix="", recurse=True):
        for p in self.get_parameters(expand=recurse):
            p.name = prefix + p.name

    def extend_repr(self):
        return ""

    def __repr__(self):
        """As MindSpore 2.7 prints a Cell: ``Name(extend_repr)``, or with children one per line,
        indented, after the extend_repr line, and a closing ``)``."""
        extra = self.extend_repr()
        if not self._cells:
            return f"{type(self).__name__}({extra})"
        lines = [f"{type(self).__name__}("] + ([f"  {extra}"] if extra else [])
        for name, c in self._cells.items():
            lines.append(f"  ({name}): " + repr(c).replace("\n", "\n  "))
        return "\n".join(lines + [")"])


class _CellSequence(Cell):
    """What SequentialCell and CellList share: children ``0``, ``1``, ... in order, indexed,
    sliced, iterated and appended to like a list."""

    def _position(self, index, what="index", end=0):
        """index as a position in [0, n + end), negatives from the end; n + end is allowed for insert."""
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"{type(self).__name__}: {what} must be an int, got {type(index).__name__}")
        n = len(self._cells)
        if not -n <= index < n + end:
            raise IndexError(f"{type(self).__name__}: index {index} is out of range for {n} cells")
        return index + n if index < 0 else index

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(list(self._cells.values())[index])
        return list(self._cells.values())[self._position(index, "index (or a slice)")]

    def __setitem__(self, index, cell):
        items = list(self._cells.items())
        k = self._position(index)
        items[k] = (items[k][0], self._check_cell(cell, "__setitem__"))
        self._rebuild(items)

    def __delitem__(self, index):
        items = list(self._cells.items())
        if isinstance(index, slice):
            del items[index]
        else:
            del items[self._position(index, "index (or a slice)")]
        self._rebuild(items)

    def insert(self, index, cell):
        items = list(self._cells.items())
        items.insert(self._position(index, end=1), ("", self._check_cell(cell, "insert")))
        self._rebuild(items)

    def _check_cell(self, cell, what):
        if not isinstance(cell, Cell):
            raise TypeError(f"{type(self).__name__}.{what}: expected a Cell, got {type(cell).__name__}")
        return cell

    def _rebuild(self, items):
        """The children after an edit, as MindSpore keeps them: numbered ones renumbered by place
        (named ones, from an OrderedDict, keep their names), each Parameter renamed by its path."""
        from .._grad import invalidate
        invalidate()  # compiled graphs captured the old children
        for name in list(self._cells):
            object.__delattr__(self, name)
        self._cells.clear()
        for i, (name, c) in enumerate(items):
            setattr(self, str(i) if name == "" or name.isdigit() else name, c)

    def __len__(self):
        return len(self._cells)

    def __iter__(self):
        return iter(self._cells.values())

    def append(self, cell):
        setattr(self, str(len(self._cells)), self._check_cell(cell, "append"))
        return self


class SequentialCell(_CellSequence):
    """Cells called one after another; built from Cells, a list of Cells or an OrderedDict
    (its keys name the children: ``seq.<key>.weight``; otherwise ``seq.0.weight``)."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            items = list(args[0].items())
        elif len(args) == 1 and isinstance(args[0], list):
            items = [(str(i), c) for i, c in enumerate(args[0])]
        else:
            items = [(str(i), c) for i, c in enumerate(args)]
        for name, c in items:
            if not isinstance(c, Cell):
                raise TypeError(f"SequentialCell: every element must be a Cell, got {type(c).__name__} for {name!r}")
            setattr(self, name, c)

    def construct(self, input_data):
        for c in self._cells.values():
            input_data = c(input_data)
        return input_data


class CellList(_CellSequence):
    """A list of Cells, registered as children ``0``, ``1``, ... (no construct of its own)."""

    def __init__(self, *args):
        super().__init__()
        cells = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
        for c in cells:
            self.append(c)

    def extend(self, cells):
        for c in cells:
            self.append(c)
        return self


class CellDict(Cell):
    """Cells by string key, in insertion order, registered as children under their keys (so a
    Dense at key 'b' of a CellDict ``d`` holds ``d.b.weight``); built from a dict, an
    OrderedDict, a CellDict or an iterable of (key, Cell) pairs. No construct of its own."""

    def __init__(self, *args, **kwargs):
        super().__init__(**kwargs)
        if len(args) > 1:  # (MindSpore's ignores them silently)
            raise TypeError(f"CellDict: expected at most one argument (the Cells by key), got {len(args)}")
        if args:
            self.update(args[0])

    def _check_key(self, key):
        if not isinstance(key, str):
            raise TypeError(f"CellDict: a key must be a str, got {type(key).__name__}")
        if key == "":
            raise KeyError("CellDict: a key must not be the empty string")
        if "." in key:
            raise KeyError(f"CellDict: a key must not contain '.', got {key!r}")
        if key not in self._cells and hasattr(self, key):  # it would hide a method or attribute
            raise KeyError(f"CellDict: the key {key!r} is an attribute of Cell; choose another")

    def __getitem__(self, key):
        return self._cells[key]

    def __setitem__(self, key, cell):
        self._check_key(key)
        if not isinstance(cell, Cell):
            raise TypeError(f"CellDict: the value for {key!r} must be a Cell, got {type(cell).__name__}")
        setattr(self, key, cell)

    def __delitem__(self, key):
        if key not in self._cells:
            raise KeyError(key)
        delattr(self, key)

    def __len__(self):
        return len(self._cells)

    def __iter__(self):
        return iter(self._cells)

    def __contains__(self, key):
        return key in self._cells

    def keys(self):
        return self._cells.keys()

    def values(self):
        return self._cells.values()

    def items(self):
        return self._cells.items()

    def pop(self, key):
        cell = self[key]
        del self[key]
        return cell

    def clear(self):
        for key in list(self._cells):
            del self[key]

    def update(self, cells):
        """Cells added (or replaced, keeping their place) from a mapping or from (key, Cell) pairs."""
        if isinstance(cells, (dict, CellDict)):
            pairs = list(cells.items())
        else:
            try:
                pairs = list(cells)
            except TypeError:
                raise TypeError(f"CellDict.update: expected a dict or an iterable of (key, Cell) pairs, got "
                                f"{type(cells).__name__}") from None
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"CellDict.update: element #{i} must be a (key, Cell) pair, got {pair!r}")
        for key, cell in pairs:
            self[key] = cell
