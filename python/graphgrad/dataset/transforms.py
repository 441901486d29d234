"""``mindspore.dataset.transforms``: TypeCast, for casting a column in ``Dataset.map``, and Compose,
for chaining transforms into one."""
import numpy as np


class TypeCast:
    """Casts to ``data_type``: a graphgrad dtype (graphgrad.float32, ...) or a numpy type."""

    def __init__(self, data_type):
        np_type = getattr(data_type, "np", None)  # a graphgrad DType carries its numpy type
        try:
            self.np_type = np.dtype(np_type if np_type is not None else data_type)
        except TypeError:
            raise TypeError(f"TypeCast: data_type must be a graphgrad or numpy dtype, got {data_type!r}") from None

    def __call__(self, data):
        return np.asarray(data).astype(self.np_type)


class Compose:
    """Applies ``transforms`` (a list of callables) in order, each to what the one before returned;
    a tuple result is passed on as several arguments, as ``Dataset.map`` does. One Compose is one
    operation for ``Dataset.map`` or for a list of operations there."""

    def __init__(self, transforms):
        # A list only, as MindSpore: code that runs here then runs there too.
        if not isinstance(transforms, list):
            raise TypeError(f"Compose: transforms must be a list of callables, got {type(transforms).__name__}")
        if not transforms:
            raise ValueError("Compose: transforms must not be empty")
        for i, t in enumerate(transforms):
            if not callable(t):
                raise TypeError(f"Compose: transforms[{i}] is not callable, got {t!r:.60}")
        self.transforms = list(transforms)

    def __call__(self, *args):
        out = self.transforms[0](*args)
        for t in self.transforms[1:]:
            out = t(*out) if isinstance(out, tuple) else t(out)
        return out


__all__ = ["TypeCast", "Compose"]
