"""``mindspore.dataset.transforms``: TypeCast, for casting a column in ``Dataset.map``."""
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


__all__ = ["TypeCast"]
