"""The image transforms MindSpore's Quick Start maps over its data (``mindspore.dataset.vision``),
on numpy arrays: each is a callable for ``Dataset.map``. Results are float32, as in MindSpore."""
import numpy as np


class Rescale:
    """image * rescale + shift."""

    def __init__(self, rescale, shift):
        self.rescale, self.shift = float(rescale), float(shift)

    def __call__(self, img):
        return (np.asarray(img, np.float32) * np.float32(self.rescale) + np.float32(self.shift)).astype(np.float32)


class Normalize:
    """(image - mean) / std per channel; channels last (HWC) unless is_hwc=False."""

    def __init__(self, mean, std, is_hwc=True):
        self.mean, self.std = np.asarray(mean, np.float32).ravel(), np.asarray(std, np.float32).ravel()
        if self.mean.shape != self.std.shape or not self.mean.size:
            raise ValueError(f"Normalize: mean and std need one value per channel, got {list(mean)} and {list(std)}")
        if (self.std <= 0).any():
            raise ValueError(f"Normalize: std must be positive, got {list(std)}")
        self.is_hwc = is_hwc

    def __call__(self, img):
        a = np.asarray(img, np.float32)
        channels = 1 if a.ndim == 2 else a.shape[-1] if self.is_hwc else a.shape[0]
        if a.ndim not in (2, 3) or channels != self.mean.size:
            raise ValueError(f"Normalize: expected an image with {self.mean.size} channel(s) "
                             f"({'HWC' if self.is_hwc else 'CHW'}), got shape {a.shape}")
        mean, std = (self.mean, self.std) if self.is_hwc or a.ndim == 2 else \
            (self.mean.reshape(-1, 1, 1), self.std.reshape(-1, 1, 1))
        return ((a - mean) / std).astype(np.float32)


class HWC2CHW:
    """Channels last to channels first; a 2-d image passes unchanged, as in MindSpore."""

    def __call__(self, img):
        a = np.asarray(img)
        if a.ndim == 2:
            return a
        if a.ndim != 3:
            raise ValueError(f"HWC2CHW: expected an image of shape (H, W, C) or (H, W), got shape {a.shape}")
        return np.ascontiguousarray(a.transpose(2, 0, 1))


__all__ = ["Rescale", "Normalize", "HWC2CHW"]
