"""mindspore.dataset.config: the dataset seed (every dataset made under it shuffles alike;
graphgrad.set_seed sets it too) and the pipeline settings scripts set. graphgrad runs a pipeline
in the calling thread, so the worker and prefetch settings are kept and reported, nothing more."""
import numbers

from .. import _random

_settings = {"num_parallel_workers": 8, "prefetch_size": 16}


def set_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"dataset.config.set_seed: seed must be an int, got {type(seed).__name__}")
    _random.set_dataset_seed(seed)


def get_seed():
    """The dataset seed; None until set_seed (here or graphgrad's) was called: shuffles are then unseeded."""
    return _random.get_dataset_seed()


def _set(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"dataset.config.set_{name}: expected an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"dataset.config.set_{name}: must be at least 1, got {value}")
    _settings[name] = int(value)


def set_num_parallel_workers(num):
    _set("num_parallel_workers", num)


def get_num_parallel_workers():
    return _settings["num_parallel_workers"]


def set_prefetch_size(size):
    _set("prefetch_size", size)


def get_prefetch_size():
    return _settings["prefetch_size"]
