"""The global seed (``mindspore.set_seed``/``get_seed``) and the numpy Generators drawn from it.

Everything random (initializers, random ops) takes its own Generator from ``generator()``. After
``set_seed(s)`` the n-th Generator handed out is the same in every run, so a script is
reproducible as a whole, and no two consumers share a stream. Without a seed each Generator
starts from fresh OS entropy.

Datasets draw theirs from the dataset seed instead (``mindspore.dataset.config.set_seed``, which
``set_seed`` sets too), as MindSpore's do: every dataset made under one seed shuffles alike, however
many initializers ran before it."""
import threading

import numpy as np

_lock = threading.Lock()
_seed = None
_count = 0  # Generators handed out since the last set_seed

# MindSpore's rule: an op seed without a global seed still gives a fixed stream.
_DEFAULT_GLOBAL_SEED = 0


def set_seed(seed):
    """Sets the global seed (an int in [0, 2**32 - 1]) and restarts the sequence of Generators."""
    global _seed, _count
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"set_seed: seed must be an int, got {type(seed).__name__}")
    if not 0 <= seed <= 2**32 - 1:
        raise ValueError(f"set_seed: seed must be between 0 and 2**32 - 1, got {seed}")
    with _lock:
        _seed, _count = int(seed), 0
    set_dataset_seed(seed)


def get_seed():
    """The global seed, or None when set_seed was never called."""
    return _seed


def generator(op_seed=None):
    """A fresh numpy Generator. With ``op_seed`` (an op's own seed argument) it depends only on
    the global seed and op_seed; without, it is the next in the sequence from the global seed."""
    global _count
    if op_seed is not None:
        if isinstance(op_seed, bool) or not isinstance(op_seed, (int, np.integer)) or op_seed < 0:
            raise TypeError(f"seed must be a non-negative int, got {op_seed!r}")
        base = _DEFAULT_GLOBAL_SEED if _seed is None else _seed
        return np.random.default_rng([base, 1, int(op_seed)])
    with _lock:
        if _seed is None:
            return np.random.default_rng()
        n, _count = _count, _count + 1
        return np.random.default_rng([_seed, 0, n])


_dataset_seed = None


def set_dataset_seed(seed):
    global _dataset_seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"set_seed: seed must be an int, got {type(seed).__name__}")
    if not 0 <= seed <= 2**32 - 1:
        raise ValueError(f"set_seed: seed must be between 0 and 2**32 - 1, got {seed}")
    _dataset_seed = int(seed)


def get_dataset_seed():
    return _dataset_seed


def dataset_generator(stream):
    """A Generator for one dataset's `stream` (0: a source's shuffle, 1: a shuffle buffer): the
    same for every dataset made under one dataset seed; fresh entropy without one."""
    return np.random.default_rng() if _dataset_seed is None else np.random.default_rng([_dataset_seed, 2, stream])
