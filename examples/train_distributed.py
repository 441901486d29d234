"""MindSpore's Quick Start, data parallel (MindSpore's "Data Parallel" tutorial's few added lines):
every process trains the same network on its shard of the digits, the gradients are averaged
over the processes by an all-reduce inside the compiled train step, and every process ends with
the same weights.

    mpirun -n 2 python examples/train_distributed.py [--quick] [--batch-size 32] [--out-dir DIR]

Without mpirun it runs as a group of one. --batch-size is per process: with N processes a step
sees N times as many samples."""
import argparse
import os
import time

import numpy as np

import graphgrad as mindspore
from graphgrad import nn
from graphgrad.communication import get_group_size, get_rank, init
from graphgrad.dataset import GeneratorDataset, transforms, vision

from digits import test_source, train_source

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="a few epochs, for CI (accuracy not checked)")
parser.add_argument("--epochs", type=int, default=None)
parser.add_argument("--batch-size", type=int, default=32, help="per process")
parser.add_argument("--out-dir", default=".", help="where model.ckpt goes (rank 0 writes it)")
args = parser.parse_args()

mindspore.set_context(mode=mindspore.GRAPH_MODE)
mindspore.set_auto_parallel_context(parallel_mode=mindspore.ParallelMode.DATA_PARALLEL, gradients_mean=True)
init()
rank, size = get_rank(), get_group_size()
mindspore.set_seed(1)  # the same shuffle on every rank: the shards of one batch are disjoint
start = time.perf_counter()


def datapipe(dataset, batch_size):
    image_transforms = [vision.Rescale(1.0 / 255.0, 0), vision.Normalize(mean=(0.1307,), std=(0.3081,)),
                        vision.HWC2CHW()]
    dataset = dataset.map(image_transforms, 'image')
    dataset = dataset.map(transforms.TypeCast(mindspore.int32), 'label')
    return dataset.batch(batch_size)


# Each rank reads every size-th sample: its shard.
train_dataset = datapipe(GeneratorDataset(train_source, ["image", "label"], shuffle=True, num_shards=size,
                                          shard_id=rank), args.batch_size)
test_dataset = datapipe(GeneratorDataset(test_source, ["image", "label"], shuffle=False), 64)


class Network(nn.Cell):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.dense_relu_sequential = nn.SequentialCell(nn.Dense(28*28, 512), nn.ReLU(), nn.Dense(512, 512), nn.ReLU(),
                                                       nn.Dense(512, 10))

    def construct(self, x):
        return self.dense_relu_sequential(self.flatten(x))


model = Network()
loss_fn = nn.CrossEntropyLoss()
optimizer = nn.SGD(model.trainable_params(), 1e-2 * size)  # N times the batch: a larger step
grad_fn = mindspore.value_and_grad(lambda data, label: loss_fn(model(data), label), None, optimizer.parameters)
grad_reducer = nn.DistributedGradReducer(optimizer.parameters)  # also broadcasts rank 0's initial weights


@mindspore.jit
def train_step(data, label):
    loss, grads = grad_fn(data, label)
    grads = grad_reducer(grads)  # the average over the ranks, in buckets, overlapping the backward pass
    optimizer(grads)
    return loss


def accuracy():
    model.set_train(False)
    correct = total = 0
    for data, label in test_dataset.create_tuple_iterator():
        correct += (model(data).argmax(1) == label).asnumpy().sum()
        total += len(data)
    model.set_train()
    return correct / total


epochs = args.epochs or (2 if args.quick else 20)
model.set_train()
for epoch in range(1, epochs + 1):
    t0 = time.perf_counter()
    losses = [float(train_step(data, label).asnumpy()) for data, label in train_dataset.create_tuple_iterator()]
    seconds = time.perf_counter() - t0
    if rank == 0:
        samples = len(losses) * args.batch_size * size
        print(f"epoch {epoch}: loss {np.mean(losses):.4f} (rank 0's shard), test accuracy {100 * accuracy():.1f}%, "
              f"{samples / seconds:.0f} samples/s over {size} process(es)")

weights = np.concatenate([p.asnumpy().ravel() for p in model.trainable_params()])
everyone = mindspore.ops.AllGather()(mindspore.Tensor(weights[None])).asnumpy()
assert all(np.array_equal(everyone[0], w) for w in everyone), "the ranks' weights differ"
mindspore.save_checkpoint(model, os.path.join(args.out_dir, "model.ckpt"))  # rank 0 writes it
if rank == 0:
    final = accuracy()
    print(f"{size} process(es): test accuracy {100 * final:.1f}% after {epochs} epochs in "
          f"{time.perf_counter() - start:.1f} s; every rank holds the same weights")
    if not args.quick and final < 0.95:
        raise SystemExit(f"test accuracy {100 * final:.1f}% is below 95%")
