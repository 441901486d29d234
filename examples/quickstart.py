"""MindSpore's Quick Start (https://www.mindspore.cn/tutorials/en/master/beginner/quick_start.html)
as written, imports changed, on the handwritten digits scikit-learn ships (so it runs offline).

The digits are scaled and padded to MNIST's 28x28 (examples/digits.py), so the tutorial's pipeline
and network run unchanged: Rescale, Normalize, HWC2CHW; Flatten, Dense 784-512-512-10;
CrossEntropyLoss; SGD.

    pip install '.[examples]' && python examples/quickstart.py [--quick] [--out-dir DIR] [--mnist DIR]

With --mnist MNIST_Data (the folder the tutorial downloads: train/ and test/ holding MNIST's idx
files) it reads MNIST with MnistDataset, as the tutorial does, and trains its 3 epochs.
"""
import argparse
import os
import time

import numpy as np
from tqdm import tqdm

import graphgrad as mindspore
from graphgrad import nn
from graphgrad.dataset import GeneratorDataset, MnistDataset, transforms, vision

from digits import test_source, train_source

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="a few epochs, for CI (accuracy not checked)")
parser.add_argument("--epochs", type=int, default=None)
parser.add_argument("--out-dir", default=".", help="where model.ckpt and quickstart.png go")
parser.add_argument("--mnist", metavar="DIR", help="MindSpore's MNIST_Data folder (train/, test/); default: the digits")
args = parser.parse_args()
os.makedirs(args.out_dir, exist_ok=True)
mindspore.set_seed(1)
start = time.perf_counter()

if args.mnist:  # the tutorial's own data
    train_dataset = MnistDataset(os.path.join(args.mnist, "train"))
    test_dataset = MnistDataset(os.path.join(args.mnist, "test"))
else:  # the digits as 28x28 single-channel images, 80% to train, 20% to test (examples/digits.py)
    train_dataset = GeneratorDataset(train_source, ["image", "label"], shuffle=True)
    test_dataset = GeneratorDataset(test_source, ["image", "label"], shuffle=False)


def datapipe(dataset, batch_size):
    image_transforms = [
        vision.Rescale(1.0 / 255.0, 0),
        vision.Normalize(mean=(0.1307,), std=(0.3081,)),
        vision.HWC2CHW()
    ]
    label_transform = transforms.TypeCast(mindspore.int32)

    dataset = dataset.map(image_transforms, 'image')
    dataset = dataset.map(label_transform, 'label')
    dataset = dataset.batch(batch_size)
    return dataset


train_dataset = datapipe(train_dataset, 64)
test_dataset = datapipe(test_dataset, 64)


# Define model
class Network(nn.Cell):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.dense_relu_sequential = nn.SequentialCell(
            nn.Dense(28*28, 512),
            nn.ReLU(),
            nn.Dense(512, 512),
            nn.ReLU(),
            nn.Dense(512, 10)
        )

    def construct(self, x):
        x = self.flatten(x)
        logits = self.dense_relu_sequential(x)
        return logits


model = Network()
print(model)

# Instantiate loss function and optimizer
loss_fn = nn.CrossEntropyLoss()
optimizer = nn.SGD(model.trainable_params(), 1e-2)


# 1. Define forward function
def forward_fn(data, label):
    logits = model(data)
    loss = loss_fn(logits, label)
    return loss, logits


# 2. Get gradient function
grad_fn = mindspore.value_and_grad(forward_fn, None, optimizer.parameters, has_aux=True)


# 3. Define function of one-step training
def train_step(data, label):
    (loss, _), grads = grad_fn(data, label)
    optimizer(grads)
    return loss


def train(model, dataset, epoch):
    size = dataset.get_dataset_size()
    model.set_train()
    losses = []
    with tqdm(dataset.create_tuple_iterator(), total=size, desc=f"epoch {epoch}", leave=False) as bar:
        for data, label in bar:
            loss = float(train_step(data, label).asnumpy())
            losses.append(loss)
            bar.set_postfix(loss=f"{loss:>7f}")
    return float(np.mean(losses))


def test(model, dataset, loss_fn):
    num_batches = dataset.get_dataset_size()
    model.set_train(False)
    total, test_loss, correct = 0, 0, 0
    for data, label in dataset.create_tuple_iterator():
        pred = model(data)
        total += len(data)
        test_loss += loss_fn(pred, label).asnumpy()
        correct += (pred.argmax(1) == label).asnumpy().sum()
    test_loss /= num_batches
    correct /= total
    print(f"Test: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    return float(correct), float(test_loss)


# The tutorial trains 3 epochs over MNIST's 938 batches; the digits give 23 a epoch, so more epochs.
epochs = args.epochs or (3 if args.quick or args.mnist else 40)
history = []
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_loss = train(model, train_dataset, t + 1)
    accuracy, test_loss = test(model, test_dataset, loss_fn)
    history.append((train_loss, test_loss, accuracy))
print("Done!")

# Save checkpoint
ckpt = os.path.join(args.out_dir, "model.ckpt")
mindspore.save_checkpoint(model, ckpt)
print(f"Saved Model to {ckpt}")

# Load model
model = Network()
param_dict = mindspore.load_checkpoint(ckpt)
param_not_load, _ = mindspore.load_param_into_net(model, param_dict)
print(param_not_load)

model.set_train(False)
for data, label in test_dataset:
    pred = model(data)
    predicted = pred.argmax(1)
    print(f'Predicted: "{predicted[:10]}", Actual: "{label[:10]}"')
    break
reloaded, _ = test(model, test_dataset, loss_fn)
assert param_not_load == [] and reloaded == history[-1][2], "the reloaded model must predict as the trained one"

# Plot: training and test loss, test accuracy, per epoch.
import matplotlib  # noqa: E402
matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402

h = np.array(history)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
ax1.plot(range(1, epochs + 1), h[:, 0], label="train")
ax1.plot(range(1, epochs + 1), h[:, 1], label="test")
ax1.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
ax1.legend()
ax2.plot(range(1, epochs + 1), 100 * h[:, 2])
ax2.set(xlabel="epoch", ylabel="%", title="Test accuracy")
fig.tight_layout()
png = os.path.join(args.out_dir, "quickstart.png")
fig.savefig(png, dpi=100)
print(f"Saved the loss and accuracy plot to {png}")
print(f"test accuracy {100 * history[-1][2]:.1f}% after {epochs} epochs in {time.perf_counter() - start:.1f} s")
if not args.quick and not args.mnist and history[-1][2] < 0.95:
    raise SystemExit(f"test accuracy {100 * history[-1][2]:.1f}% is below 95%")
