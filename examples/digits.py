"""scikit-learn's handwritten digits as MNIST-like 28x28 images, for the examples (offline).

The digits are 8x8 with values 0..16; each is scaled to a 24x24 uint8 image and padded to
28x28, as MNIST centres its 20x20 digits, so MindSpore's Quick Start pipeline and network run
unchanged. 80% train, 20% test, in a fixed shuffled order."""
import numpy as np
from scipy import ndimage
from sklearn.datasets import load_digits

digits = load_digits()
images = np.stack([np.pad(ndimage.zoom(d, 3, order=1), 2) for d in digits.images])  # 8x8 -> 24x24 -> 28x28
images = (np.clip(images, 0, 16) * (255 / 16)).astype(np.uint8)[..., None]  # HWC, as MNIST's files
order = np.random.default_rng(0).permutation(len(images))
split = int(0.8 * len(images))


class Digits:
    """A random-access source for GeneratorDataset: (image, label) by index."""

    def __init__(self, idx):
        self.idx = idx

    def __getitem__(self, i):
        j = self.idx[i]
        return images[j], np.int64(digits.target[j])

    def __len__(self):
        return len(self.idx)


train_source, test_source = Digits(order[:split]), Digits(order[split:])
