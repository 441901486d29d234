"""graphgrad.dataset: the same columns, rows, dtypes and sizes as MindSpore 2.7.2's pipelines
(tests/fixtures/ms_references.json, made by make_ms_references.py), seeded shuffles, shards, and
clear errors."""
import json
import os

import numpy as np
import pytest

import graphgrad as gg
import graphgrad.dataset as ds

REF = json.load(open(os.path.join(os.path.dirname(__file__), "fixtures", "ms_references.json")))["dataset"]


def xy():
    return ds.NumpySlicesDataset({"x": np.arange(10).reshape(5, 2), "y": np.arange(5)}, shuffle=False)


def xy4():
    return ds.NumpySlicesDataset({"x": np.arange(4.0), "y": np.arange(4)}, shuffle=False)


def gen():
    for i in range(5):
        yield (np.array([i, i]), np.array(i))


def scalars():
    for i in range(3):
        yield (i, float(i))


class Source:
    def __getitem__(self, i):
        return (np.array(i), np.array(float(i)))

    def __len__(self):
        return 6


# The same pipelines as make_ms_references.py builds in MindSpore, keyed alike.
PIPELINES = {
    "dict": lambda: xy(),
    "batch2": lambda: xy().batch(2),
    "batch2_drop": lambda: xy().batch(2, drop_remainder=True),
    "list": lambda: ds.NumpySlicesDataset([1, 2, 3], shuffle=False),
    "floats": lambda: ds.NumpySlicesDataset([1.5, 2.5], shuffle=False),
    "tuple": lambda: ds.NumpySlicesDataset((np.array([1, 2, 3]), np.array([4.0, 5, 6])), shuffle=False),
    "named_array": lambda: ds.NumpySlicesDataset(np.arange(6).reshape(3, 2), column_names=["a"], shuffle=False),
    **{f"shard{k}of3": (lambda k=k: ds.NumpySlicesDataset(list(range(10)), shuffle=False, num_shards=3, shard_id=k))
       for k in range(3)},
    "map_x": lambda: xy4().map(lambda x: x * 10, input_columns="x"),
    "map_chain": lambda: xy4().map([lambda x: x + 1, lambda x: x * 2], input_columns=["y"]),
    "map_default_column": lambda: xy4().map(lambda x: x * 10),
    "map_two_in": lambda: xy4().map(lambda x, y: (x + y, x - y), input_columns=["x", "y"]),
    "map_two_out": lambda: xy4().map(lambda x: (x, x * 2), input_columns=["x"], output_columns=["a", "b"]),
    "map_rename": lambda: xy4().map(lambda y: y * 2, input_columns=["y"], output_columns=["z"]),
    "map_batch": lambda: xy4().map(lambda x: x * 10, input_columns="x").batch(3),
    "generator": lambda: ds.GeneratorDataset(gen, column_names=["a", "b"]),
    "generator_batch2": lambda: ds.GeneratorDataset(gen, column_names=["a", "b"]).batch(2),
    "generator_scalars": lambda: ds.GeneratorDataset(scalars, column_names=["a", "b"]),
    "random_access_batch4": lambda: ds.GeneratorDataset(Source(), column_names=["a", "b"], shuffle=False).batch(4),
    "random_access_shard3of4": lambda: ds.GeneratorDataset(Source(), column_names=["a", "b"], shuffle=False,
                                                           num_shards=4, shard_id=3),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_matches_mindspore(name):
    want, d = REF[name], PIPELINES[name]()
    got = list(d.create_tuple_iterator(output_numpy=True))
    assert d.get_col_names() == want["columns"]
    assert d.get_dataset_size() == want["size"] == len(got)
    assert [[a.tolist() for a in row] for row in got] == want["rows"]
    assert [str(a.dtype) for a in got[0]] == want["dtypes"]


def test_select_columns_and_dict_keys_match_mindspore():
    got = [[a.tolist() for a in r] for r in xy4().create_tuple_iterator(columns=["y"], output_numpy=True)]
    assert got == REF["select_columns"]["rows"]
    d = ds.NumpySlicesDataset({"x": np.arange(3.0), "y": np.arange(3)}, shuffle=False)
    assert [list(r) for r in d.create_dict_iterator(output_numpy=True)][:1] == REF["dict_iterator_keys"]


def test_iterators_yield_tensors():
    row = next(iter(xy4().create_tuple_iterator()))
    assert isinstance(row, list) and all(isinstance(t, gg.Tensor) for t in row)
    assert row[0].dtype == gg.float64 and row[0].asnumpy() == 0.0
    d = next(iter(xy4().create_dict_iterator()))
    assert set(d) == {"x", "y"} and isinstance(d["x"], gg.Tensor)
    assert [r[0].item() for r in xy4()] == [0.0, 1.0, 2.0, 3.0]  # iterating a dataset: tuple iterator


@pytest.mark.skipif(not hasattr(gg, "int64"), reason="graphgrad has no int64 dtype yet")
def test_integer_columns_stay_integers():
    assert next(iter(xy4().create_dict_iterator()))["y"].dtype == gg.int64


def order(d):
    return [int(r[0]) for r in d.create_tuple_iterator(output_numpy=True)]


def test_shuffle_is_the_default_and_follows_the_seed():
    gg.set_seed(11)
    a = ds.NumpySlicesDataset(list(range(50)))
    it = a.create_tuple_iterator(output_numpy=True)
    first, second = [int(r[0]) for r in it], [int(r[0]) for r in it]
    assert sorted(first) == list(range(50)) and first != list(range(50))
    assert first != second  # a new order every epoch
    gg.set_seed(11)
    b = ds.NumpySlicesDataset(list(range(50)))
    assert order(b) == first and order(b) == second
    assert order(ds.NumpySlicesDataset(list(range(50)), shuffle=False)) == list(range(50))


def test_shuffled_shards_split_one_order():
    # Every rank runs the same script with the same seed: their shards cover the data once.
    parts = []
    for rank in range(4):
        gg.set_seed(3)
        parts += order(ds.GeneratorDataset(Source(), ["a", "b"], num_shards=4, shard_id=rank))
    assert len(parts) == 8 and set(parts) == set(range(6))  # ceil(6 / 4) = 2 each; two wrap around


def test_batch_then_map_and_num_samples():
    d = ds.NumpySlicesDataset({"img": np.ones((7, 2, 2), np.float32), "label": np.arange(7)}, shuffle=False)
    d = d.map(lambda img: img / 2, input_columns="img").batch(3, drop_remainder=True)
    rows = list(d.create_dict_iterator(output_numpy=True))
    assert len(rows) == d.get_dataset_size() == 2
    assert rows[0]["img"].shape == (3, 2, 2) and rows[0]["img"].dtype == np.float32 and rows[0]["img"][0, 0, 0] == 0.5
    assert rows[1]["label"].tolist() == [3, 4, 5]
    assert ds.NumpySlicesDataset(list(range(10)), num_samples=4).get_dataset_size() == 4


def test_generator_function_runs_again_each_epoch():
    d = ds.GeneratorDataset(gen, ["a", "b"])
    assert d.get_dataset_size() == 5  # counted by running it, as MindSpore does
    it = d.create_tuple_iterator(output_numpy=True)
    assert len(list(it)) == len(list(it)) == 5


@pytest.mark.parametrize("call, error, words", [
    (lambda: ds.GeneratorDataset(gen), ValueError, "column_names is required"),
    (lambda: ds.GeneratorDataset(gen, ["a"], shuffle=True), ValueError, "__getitem__ and __len__"),
    (lambda: list(ds.GeneratorDataset(Source(), ["a"])), ValueError, "a sample has 2 values but there are 1 columns"),
    (lambda: ds.GeneratorDataset(42, ["a"]), TypeError, "source must be"),
    (lambda: ds.NumpySlicesDataset({"x": [1, 2], "y": [1, 2, 3]}), ValueError, "different lengths"),
    (lambda: ds.NumpySlicesDataset([1, 2], num_shards=2), ValueError, "num_shards and shard_id go together"),
    (lambda: ds.NumpySlicesDataset([1, 2], num_shards=2, shard_id=2), ValueError, "shard_id < num_shards"),
    (lambda: xy().batch(0), ValueError, "batch_size"),
    (lambda: xy().map(lambda v: v, input_columns="nope"), ValueError, "no column 'nope'"),
    (lambda: xy().map("not callable"), TypeError, "callable"),
    (lambda: list(xy4().map(lambda x: (x, x), input_columns="x").create_tuple_iterator()), ValueError,
     "2 values but there are 1 columns"),
    (lambda: list(ds.GeneratorDataset([np.zeros(2), np.zeros(3)], ["a"], shuffle=False).batch(2)), ValueError,
     "column 'a' has rows of different shapes"),
    (lambda: xy().create_tuple_iterator(columns=["z"]), ValueError, "no column 'z'"),
])
def test_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_options_that_would_change_the_data_are_refused():
    with pytest.raises(TypeError, match="does not support per_batch_map"):
        xy().batch(2, per_batch_map=lambda *a: a)
    with pytest.raises(TypeError, match="does not support sampler"):
        ds.NumpySlicesDataset([1, 2], sampler=object())
    xy().batch(2, num_parallel_workers=4)  # speed-only options are fine


def test_quick_start_transforms_as_mindspore_gives_them():
    from graphgrad.dataset import transforms, vision

    img = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    r = vision.Rescale(1 / 255.0, 0)(img)
    n = vision.Normalize(mean=(0.1, 0.2, 0.3), std=(0.5, 0.5, 0.5))(r)
    assert r.dtype == n.dtype == np.float32
    # MindSpore 2.7.2 printed these for the same calls.
    np.testing.assert_allclose(n[0, 0], [-0.2, -0.39215687, -0.58431375], rtol=1e-6)
    assert vision.HWC2CHW()(n).shape == (3, 2, 2)
    assert vision.HWC2CHW()(img[:, :, 0]).shape == (2, 2)  # a 2-d image passes unchanged
    assert vision.Normalize(mean=(10,), std=(2,))(np.array([[[20]]], np.uint8)).tolist() == [[[5.0]]]
    assert transforms.TypeCast(np.float16)(np.array([1])).dtype == np.float16
    assert transforms.TypeCast(gg.float32)(np.array([1])).dtype == np.float32
    with pytest.raises(ValueError, match="3 channel"):
        vision.Normalize(mean=(0.1, 0.2, 0.3), std=(1, 1, 1))(np.zeros((2, 2, 1)))
    # In a pipeline, as the Quick Start writes it.
    data = ds.NumpySlicesDataset({"image": np.full((4, 2, 2, 1), 255, np.uint8), "label": np.arange(4)}, shuffle=False)
    data = data.map([vision.Rescale(1.0 / 255.0, 0), vision.Normalize(mean=(0.5,), std=(0.5,)), vision.HWC2CHW()],
                    "image").map(transforms.TypeCast(np.int32), "label").batch(2)
    image, label = next(iter(data.create_tuple_iterator(output_numpy=True)))
    assert image.shape == (2, 1, 2, 2) and (image == 1).all() and label.dtype == np.int32


# MnistDataset: tiny idx files written here, in the format MNIST's files have (big-endian uint32
# header: magic, count, then rows and cols for images; uint8 data after it).
def write_idx(path, magic, data):
    data = np.asarray(data, np.uint8)
    with open(path, "wb") as f:
        f.write(np.array([magic, *data.shape], ">u4").tobytes() + data.tobytes())


def write_mnist(folder, prefix, images, labels):
    folder.mkdir(exist_ok=True)
    write_idx(folder / f"{prefix}-images-idx3-ubyte", 2051, images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte", 2049, labels)


def mnist_data(n, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28)).astype(np.uint8), rng.integers(0, 10, n).astype(np.uint8)


@pytest.fixture
def mnist(tmp_path):
    """A folder with 5 train and 3 test images; returns it and the arrays written."""
    train, test = mnist_data(5, 0), mnist_data(3, 1)
    write_mnist(tmp_path, "train", *train)
    write_mnist(tmp_path, "t10k", *test)
    return str(tmp_path), train, test


def rows(d):
    return list(d.create_tuple_iterator(output_numpy=True))


def test_mnist_reads_the_files_back_exactly(mnist):
    path, (train_images, train_labels), _ = mnist
    d = ds.MnistDataset(path, usage="train", shuffle=False)
    got = rows(d)
    assert d.get_col_names() == ["image", "label"] and d.get_dataset_size() == len(got) == 5
    for (image, label), want_image, want_label in zip(got, train_images, train_labels):
        assert image.dtype == np.uint8 and image.shape == (28, 28, 1)  # MindSpore's dtypes and shapes
        assert label.dtype == np.uint32 and label.shape == ()
        np.testing.assert_array_equal(image[:, :, 0], want_image)
        assert label == want_label
    image, label = next(iter(d))  # as Tensors: graphgrad widens the integers
    np.testing.assert_array_equal(image.asnumpy()[:, :, 0], train_images[0])
    assert int(label) == train_labels[0]


def test_mnist_usage_selects_the_files(mnist, tmp_path):
    path, (_, train_labels), (_, test_labels) = mnist
    labels = lambda **kw: [int(r[1]) for r in rows(ds.MnistDataset(path, shuffle=False, **kw))]  # noqa: E731
    assert labels(usage="train") == train_labels.tolist()
    assert labels(usage="test") == test_labels.tolist()
    # "all" puts the test set first: MindSpore 2.7.2 does (it sorts the file names, t10k < train).
    assert labels(usage="all") == labels() == test_labels.tolist() + train_labels.tolist()
    only_train = tmp_path / "only_train"
    write_mnist(only_train, "train", *mnist_data(2, 5))
    assert ds.MnistDataset(str(only_train)).get_dataset_size() == 2  # "all" takes the sets present


def test_mnist_num_samples_and_shuffle(mnist):
    path, (_, train_labels), (_, test_labels) = mnist
    every = test_labels.tolist() + train_labels.tolist()
    d = ds.MnistDataset(path, num_samples=3, shuffle=False)
    assert d.get_dataset_size() == 3 and [int(r[1]) for r in rows(d)] == every[:3]
    assert ds.MnistDataset(path, num_samples=0).get_dataset_size() == 8  # 0 means all, as in MindSpore
    assert ds.MnistDataset(path, num_samples=50).get_dataset_size() == 8
    # Shuffled by default: images identify the rows, as the labels repeat.
    gg.set_seed(5)
    ids = [int(r[0].sum()) for r in rows(ds.MnistDataset(path))]
    in_order = [int(r[0].sum()) for r in rows(ds.MnistDataset(path, shuffle=False))]
    assert sorted(ids) == sorted(in_order) and ids != in_order
    gg.set_seed(5)
    assert [int(r[0].sum()) for r in rows(ds.MnistDataset(path))] == ids


@pytest.mark.parametrize("shuffle", [False, True])
def test_mnist_shards_are_disjoint_and_cover_it(mnist, shuffle):
    path = mnist[0]
    everything = sorted(int(r[0].sum()) for r in rows(ds.MnistDataset(path, shuffle=False)))
    shards = []
    for rank in range(4):
        gg.set_seed(2)  # each rank runs the same seeded script
        d = ds.MnistDataset(path, shuffle=shuffle, num_shards=4, shard_id=rank)
        shards.append([int(r[0].sum()) for r in rows(d)])
        assert d.get_dataset_size() == 2
    assert sorted(sum(shards, [])) == everything
    if not shuffle:  # every 4th sample from rank on, as MindSpore gives them
        in_order = [int(r[0].sum()) for r in rows(ds.MnistDataset(path, shuffle=False))]
        assert shards[1] == [in_order[1], in_order[5]]
    # 8 rows in 3 shards: 3 each, the last shard wrapping round to the first row.
    thirds = [rows(ds.MnistDataset(path, shuffle=False, num_shards=3, shard_id=k)) for k in range(3)]
    assert [len(t) for t in thirds] == [3, 3, 3]
    np.testing.assert_array_equal(thirds[2][-1][0], thirds[0][0][0])


def test_mnist_quick_start_pipeline(tmp_path):
    from graphgrad.dataset import transforms, vision

    images, labels = mnist_data(70, 3)
    write_mnist(tmp_path, "train", images, labels)
    d = ds.MnistDataset(str(tmp_path / ""), usage="train", shuffle=False)
    d = d.map([vision.Rescale(1.0 / 255.0, 0), vision.Normalize(mean=(0.1307,), std=(0.3081,)), vision.HWC2CHW()],
              "image")
    d = d.map(transforms.TypeCast(gg.int32), "label").batch(64)
    assert d.get_dataset_size() == 2
    (image, label), (last_image, last_label) = rows(d)
    assert image.shape == (64, 1, 28, 28) and image.dtype == np.float32
    assert label.shape == (64,) and label.dtype == np.int32 and label.tolist() == labels[:64].tolist()
    want = ((images[:64] / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081))[:, None]
    np.testing.assert_allclose(image, want, rtol=1e-5, atol=1e-6)
    assert last_image.shape == (6, 1, 28, 28) and last_label.tolist() == labels[64:].tolist()
    image, label = next(iter(d.create_tuple_iterator()))
    assert image.dtype == gg.float32 and image.shape == (64, 1, 28, 28) and label.dtype == gg.int32


def spoil(path, make_bad):
    """Rewrites the file at path as make_bad(its bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(make_bad(data))


@pytest.mark.parametrize("file, make_bad, error, words", [
    ("train-images-idx3-ubyte", lambda b: b"\x00\x00\x08\x04" + b[4:], ValueError,
     "train-images-idx3-ubyte has magic number 2052, not 2051"),
    ("train-labels-idx1-ubyte", lambda b: b"\x00\x00\x08\x03" + b[4:], ValueError,
     "train-labels-idx1-ubyte has magic number 2051, not 2049"),
    ("train-images-idx3-ubyte", lambda b: b[:-1], ValueError, "train-images-idx3-ubyte has 3935 bytes .* truncated"),
    ("train-labels-idx1-ubyte", lambda b: b[:6], ValueError, "train-labels-idx1-ubyte is truncated: 6 bytes"),
    ("train-images-idx3-ubyte", lambda b: b + b"\x00", ValueError, "too long"),
    ("train-labels-idx1-ubyte", lambda b: b"\x00\x00\x08\x01\x00\x00\x00\x04" + b[8:12], ValueError,
     "has 5 images but .*train-labels-idx1-ubyte has 4 labels"),
    ("train-images-idx3-ubyte", lambda b: b[:8] + b"\x00\x00\x00\x1c\x00\x00\x00\x1b" + b[16:16 + 5 * 28 * 27],
     ValueError, r"items of shape \(28, 27\), MNIST's are \(28, 28\)"),
])
def test_mnist_bad_files_are_refused(mnist, file, make_bad, error, words):
    path = mnist[0]
    spoil(os.path.join(path, file), make_bad)
    with pytest.raises(error, match=words):
        ds.MnistDataset(path, usage="train")
    with pytest.raises(error, match=words):
        ds.MnistDataset(path)  # "all" reads the train files too
    assert ds.MnistDataset(path, usage="test").get_dataset_size() == 3  # the other set is still fine


def test_mnist_missing_files_and_bad_arguments(mnist, tmp_path):
    path = mnist[0]
    with pytest.raises(FileNotFoundError, match="nowhere is not a directory"):
        ds.MnistDataset(str(tmp_path / "nowhere"))
    os.remove(os.path.join(path, "t10k-labels-idx1-ubyte"))
    with pytest.raises(FileNotFoundError, match="no file .*t10k-labels-idx1-ubyte"):
        ds.MnistDataset(path, usage="test")
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        ds.MnistDataset(path)  # the test images are there, so "all" wants their labels
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="no file .*t10k-images-idx3-ubyte"):
        ds.MnistDataset(str(empty))
    with pytest.raises(FileNotFoundError, match="no file .*train-images-idx3-ubyte"):
        ds.MnistDataset(str(empty), usage="train")
    with pytest.raises(ValueError, match="usage must be"):
        ds.MnistDataset(path, usage="val")
    with pytest.raises(TypeError, match="shuffle must be a bool"):
        ds.MnistDataset(path, usage="train", shuffle=1)
    with pytest.raises(ValueError, match="num_samples must be a non-negative int"):
        ds.MnistDataset(path, usage="train", num_samples=-1)
    with pytest.raises(ValueError, match="shard_id < num_shards"):
        ds.MnistDataset(path, usage="train", num_shards=2, shard_id=2)
    with pytest.raises(TypeError, match="does not support sampler"):
        ds.MnistDataset(path, usage="train", sampler=object())
    ds.MnistDataset(path, usage="train", num_parallel_workers=8, cache=None)  # speed-only options are fine


def test_compose_applies_in_order():
    from graphgrad.dataset import transforms

    composed = transforms.Compose([lambda x: x + 1, lambda x: x * 2])
    assert composed(np.array([1, 2])).tolist() == [4, 6]  # (x + 1) * 2, not x * 2 + 1
    # A tuple goes on as several arguments; a Compose is itself a transform.
    pair = transforms.Compose([lambda x, y: (x + y, x - y), lambda a, b: (a * 10, b)])
    assert [v.item() for v in pair(np.array(1), np.array(2))] == [30, -1]
    assert transforms.Compose([composed, lambda x: x - 1])(np.array(1)).item() == 3


def test_compose_inside_map():
    from graphgrad.dataset import transforms, vision

    d = ds.NumpySlicesDataset({"x": np.arange(3), "y": np.arange(3)}, shuffle=False)
    composed = transforms.Compose([lambda x: x + 1, lambda x: x * 2])
    assert [r[0].tolist() for r in rows(d.map(composed, "x"))] == [2, 4, 6]
    assert [r[0].tolist() for r in rows(d.map([composed, lambda x: x - 1], "x"))] == [1, 3, 5]
    split = transforms.Compose([lambda x: (x, x * 2)])
    assert [[a.tolist() for a in r] for r in rows(d.map(split, "x", ["a", "b"]))] == [[0, 0, 0], [1, 2, 1], [2, 4, 2]]
    images = ds.NumpySlicesDataset({"image": np.full((2, 2, 2, 1), 255, np.uint8)}, shuffle=False)
    quick_start = transforms.Compose([vision.Rescale(1.0 / 255.0, 0), vision.Normalize(mean=(0.5,), std=(0.5,)),
                                      vision.HWC2CHW()])
    (image,), _ = rows(images.map(quick_start, "image"))
    assert image.shape == (1, 2, 2) and image.dtype == np.float32 and (image == 1).all()


@pytest.mark.parametrize("transforms_arg, error, words", [
    ((lambda x: x,), TypeError, "must be a list of callables, got tuple"),  # MindSpore takes a list only
    (abs, TypeError, "must be a list of callables, got builtin_function_or_method"),
    ([], ValueError, "must not be empty"),
    ([abs, 3], TypeError, r"transforms\[1\] is not callable, got 3"),
])
def test_compose_bad_input(transforms_arg, error, words):
    from graphgrad.dataset import transforms

    with pytest.raises(error, match=words):
        transforms.Compose(transforms_arg)


# Dataset.shuffle(buffer_size), map's list results, num_samples=0, take/skip/repeat/rename/project
# and output_shapes/output_types. The values asserted below are what MindSpore 2.7.2 gave for the
# same calls (its shuffled orders differ: they come from its own generator).
def ten():
    return ds.NumpySlicesDataset(list(range(10)), shuffle=False)


def epochs(d, n):
    it = d.create_tuple_iterator(output_numpy=True)
    return [[int(r[0]) for r in it] for _ in range(n)]


def test_shuffle_buffer_is_a_seeded_permutation_reshuffled_each_epoch():
    gg.set_seed(7)
    first = epochs(ds.NumpySlicesDataset(list(range(40)), shuffle=False).shuffle(8), 3)
    for e in first:
        assert sorted(e) == list(range(40)) and e != list(range(40))
    assert first[0] != first[1] != first[2]
    gg.set_seed(7)
    assert epochs(ds.NumpySlicesDataset(list(range(40)), shuffle=False).shuffle(8), 3) == first
    gg.set_seed(8)
    assert epochs(ds.NumpySlicesDataset(list(range(40)), shuffle=False).shuffle(8), 1)[0] != first[0]


@pytest.mark.parametrize("buffer_size", [2, 3, 5])
def test_shuffle_buffer_holds_buffer_size_rows(buffer_size):
    # Row i is read in as the (i+1)-th row, after at most i + 1 - buffer_size rows have gone out,
    # so it cannot come out earlier than that; a full shuffle would break this.
    gg.set_seed(1)
    for order in epochs(ten().shuffle(buffer_size), 20):
        assert sorted(order) == list(range(10))
        assert all(order.index(i) >= i + 1 - buffer_size for i in range(10))
    # The first row out is any of the first buffer_size rows, each about as often (over epochs:
    # datasets made under one seed all shuffle alike).
    firsts = [order[0] for order in epochs(ten().shuffle(buffer_size), 300)]
    counts = np.bincount(firsts, minlength=10)
    assert counts[buffer_size:].sum() == 0 and counts[:buffer_size].min() > 300 / buffer_size / 2


def test_shuffle_buffer_larger_than_the_dataset_shuffles_it_all():
    gg.set_seed(3)
    orders = epochs(ten().shuffle(100), 30)
    assert all(sorted(o) == list(range(10)) for o in orders)
    assert {o[0] for o in orders} - {0, 1} and {o[-1] for o in orders} - {8, 9}  # rows move far


def test_shuffle_anywhere_in_a_pipeline():
    gg.set_seed(4)
    d = ten().map(lambda x: x * 2).shuffle(3).batch(4)
    got = [r[0].tolist() for r in d.create_tuple_iterator(output_numpy=True)]
    assert d.get_dataset_size() == 3 and [len(b) for b in got] == [4, 4, 2]
    assert sorted(sum(got, [])) == list(range(0, 20, 2))
    batches = [r[0].tolist() for r in ten().batch(3).shuffle(4).create_tuple_iterator(output_numpy=True)]
    assert sorted(batches) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]  # whole batches move
    g = ds.GeneratorDataset(gen, ["a", "b"]).shuffle(64)  # an iterable source can be shuffled this way
    assert sorted(int(r[1]) for r in g.create_tuple_iterator(output_numpy=True)) == [0, 1, 2, 3, 4]
    assert g.get_dataset_size() == 5
    # Before a repeat: every pass is its own epoch, so its own order (MindSpore: [3, 1, 2, 1, 3, 2]).
    gg.set_seed(5)
    passes = epochs(ds.NumpySlicesDataset(list(range(20)), shuffle=False).shuffle(20).repeat(2), 1)[0]
    assert sorted(passes[:20]) == sorted(passes[20:]) == list(range(20)) and passes[:20] != passes[20:]


@pytest.mark.parametrize("buffer_size, error, words", [
    (1, ValueError, r"buffer_size must be in \[2, 2147483647\], got 1"),  # MindSpore: ValueError, [2, INT32_MAX]
    (0, ValueError, "got 0"),
    (-1, ValueError, "got -1"),
    (2**31, ValueError, "got 2147483648"),
    (2.5, TypeError, "buffer_size must be an int, got 2.5"),  # MindSpore: TypeError
    (True, TypeError, "got True"),
    ("3", TypeError, "got '3'"),
    (None, TypeError, "got None"),
    (np.int64(3), TypeError, r"must be an int, got np.int64\(3\)|got 3"),  # MindSpore refuses numpy ints too
])
def test_shuffle_bad_buffer_size(buffer_size, error, words):
    with pytest.raises(error, match=words):
        ten().shuffle(buffer_size)


def test_shuffle_needs_buffer_size():
    with pytest.raises(TypeError, match="buffer_size"):
        ten().shuffle()


def test_map_list_result_is_one_column_tuple_several():
    # MindSpore 2.7.2: a list result is one array column, with or without output_columns.
    got = rows(xy4().map(lambda x: [x, x * 2], input_columns=["x"]))
    assert [[a.tolist() for a in r] for r in got] == [[[0.0, 0.0], 0], [[1.0, 2.0], 1], [[2.0, 4.0], 2],
                                                      [[3.0, 6.0], 3]]
    assert got[0][0].dtype == np.float64
    d = xy4().map(lambda x: [x, x * 2], input_columns=["x"], output_columns=["a"])
    assert d.get_col_names() == ["a", "y"] and rows(d)[3][0].tolist() == [3.0, 6.0]
    assert rows(xy4().map(lambda x: [1, 2.5], input_columns="x"))[0][0].tolist() == [1.0, 2.5]
    assert rows(xy4().map(lambda x: [x], input_columns="x"))[2][0].tolist() == [2.0]
    # A tuple is several columns; a tuple of one is one column.
    d = xy4().map(lambda x: ([1, 2], x), input_columns="x", output_columns=["a", "b"])
    assert [[a.tolist() for a in r] for r in rows(d)][1] == [[1, 2], 1.0, 1]
    assert [r[0].tolist() for r in rows(xy4().map(lambda x: (x,), input_columns="x"))] == [0.0, 1.0, 2.0, 3.0]


def test_map_list_goes_to_the_next_operation_as_it_is():
    # MindSpore passes the list itself on: list * 10 repeats it, and a list is one argument.
    chained = rows(xy4().map([lambda x: [x, x * 2], lambda v: v * 10], input_columns="x"))
    assert [r[0].tolist() for r in chained[:2]] == [[0.0, 0.0] * 10, [1.0, 2.0] * 10]
    assert [r[0].tolist() for r in rows(xy4().map([lambda x: (x, x * 2), lambda a, b: a + b], "x"))] == [0, 3, 6, 9]
    with pytest.raises(TypeError):
        rows(xy4().map([lambda x: [x, x * 2], lambda a, b: a + b], "x"))


@pytest.mark.parametrize("call, words", [
    (lambda: xy4().map(lambda x: [x, x * 2], input_columns="x", output_columns=["a", "b"]),
     "1 values but there are 2 columns"),
    (lambda: xy4().map(lambda x, y: [x, y], input_columns=["x", "y"], output_columns=["a", "b"]),
     "1 values but there are 2 columns"),
    (lambda: xy4().map(lambda x: (x, x * 2), input_columns="x"), "2 values but there are 1 columns"),
])
def test_map_result_count_must_match_output_columns(call, words):
    with pytest.raises(ValueError, match=words):  # MindSpore: a RuntimeError when iterated
        rows(call())


def sample_sizes(num_samples):
    return (ds.NumpySlicesDataset(list(range(6)), shuffle=False, num_samples=num_samples).get_dataset_size(),
            len(rows(ds.GeneratorDataset(gen, ["a", "b"], num_samples=num_samples))),
            len(rows(ds.GeneratorDataset(Source(), ["a", "b"], shuffle=False, num_samples=num_samples))))


def test_num_samples_zero_or_none_means_all():
    # MindSpore 2.7.2: 0 and None both give every sample, for every source.
    assert sample_sizes(0) == sample_sizes(None) == (6, 5, 6)
    assert sample_sizes(3) == (3, 3, 3)
    assert sample_sizes(100) == (6, 5, 6)
    g = ds.GeneratorDataset(gen, ["a", "b"], num_samples=0)
    assert [int(r[1]) for r in rows(g)] == [0, 1, 2, 3, 4] and g.get_dataset_size() == 5
    # With shards: 0 is the whole shard, a number cuts it.
    shard = lambda n: [int(r[0]) for r in rows(ds.GeneratorDataset(  # noqa: E731
        Source(), ["a", "b"], shuffle=False, num_samples=n, num_shards=2, shard_id=1))]
    assert shard(0) == [1, 3, 5] and shard(2) == [1, 3]


@pytest.mark.parametrize("num_samples, error", [(-1, ValueError), (2.5, TypeError), (True, TypeError),
                                                ("3", TypeError)])
def test_bad_num_samples(num_samples, error):
    for make in (lambda: ds.NumpySlicesDataset([1, 2], num_samples=num_samples),
                 lambda: ds.GeneratorDataset(gen, ["a", "b"], num_samples=num_samples)):
        with pytest.raises(error, match="num_samples must be"):
            make()


def values(d):
    return [[a.tolist() for a in r] for r in rows(d)]


def test_take_skip_repeat_match_mindspore():
    def three():
        return ds.NumpySlicesDataset([1, 2, 3], shuffle=False)

    cases = [  # pipeline, MindSpore 2.7.2's rows
        (ten().take(3), [[0], [1], [2]]),
        (ten().take(-1), [[i] for i in range(10)]),
        (ten().take(20), [[i] for i in range(10)]),
        (ten().skip(3), [[i] for i in range(3, 10)]),
        (ten().skip(0), [[i] for i in range(10)]),
        (ten().skip(20), []),
        (ten().batch(3).take(2), [[[0, 1, 2]], [[3, 4, 5]]]),
        (ten().batch(3).skip(2), [[[6, 7, 8]], [[9]]]),
        (ten().take(5).take(3), [[0], [1], [2]]),
        (ten().skip(5).take(3), [[5], [6], [7]]),
        (ten().take(5).skip(3), [[3], [4]]),
        (three().repeat(2), [[1], [2], [3], [1], [2], [3]]),
        (three().repeat(1), [[1], [2], [3]]),
        (three().repeat(2).batch(4), [[[1, 2, 3, 1]], [[2, 3]]]),
        (three().batch(2).repeat(2), [[[1, 2]], [[3]], [[1, 2]], [[3]]]),
        (three().repeat(3).take(5), [[1], [2], [3], [1], [2]]),
        (three().repeat(2).skip(4), [[2], [3]]),
    ]
    for d, want in cases:
        assert values(d) == want
        assert d.get_dataset_size() == len(want)
        assert d.get_col_names() == ["column_0"]
    g = ds.GeneratorDataset(gen, ["a", "b"]).skip(1).take(2).repeat(2)  # sizes counted by running
    assert [r[1] for r in values(g)] == [1, 2, 1, 2] and g.get_dataset_size() == 4


def test_repeat_forever():
    three = ds.NumpySlicesDataset([1, 2, 3], shuffle=False)
    for endless in (three.repeat(), three.repeat(None), three.repeat(-1)):
        assert values(endless.take(7)) == [[1], [2], [3], [1], [2], [3], [1]]
        # MindSpore 2.7.2 gives one pass's size for an endless repeat, and so 3 after take(7) too.
        assert endless.get_dataset_size() == 3 and endless.take(7).get_dataset_size() == 3
    gen_forever = ds.GeneratorDataset(gen, ["a", "b"]).repeat()
    assert gen_forever.get_dataset_size() == 5 and len(values(gen_forever.take(12))) == 12


@pytest.mark.parametrize("call, error, words", [
    (lambda: ten().take(0), ValueError, r"count must be -1 \(all\) or in \(0, 2147483647\], got 0"),
    (lambda: ten().take(-2), ValueError, "got -2"),
    (lambda: ten().take(2**31), ValueError, "got 2147483648"),
    (lambda: ten().take(2.5), TypeError, "take: count must be an int, got 2.5"),
    (lambda: ten().take(True), TypeError, "got True"),
    (lambda: ten().take(None), TypeError, "got None"),
    (lambda: ten().skip(-1), ValueError, r"skip: count must be in \[0, 2147483647\], got -1"),
    (lambda: ten().skip(2.5), TypeError, "skip: count must be an int, got 2.5"),
    (lambda: ten().skip(None), TypeError, "got None"),
    (lambda: ten().repeat(0), ValueError, "repeat: count must be None or -1 .* got 0"),
    (lambda: ten().repeat(-2), ValueError, "got -2"),
    (lambda: ten().repeat(2.5), TypeError, "repeat: count must be an int or None, got 2.5"),
    (lambda: ten().repeat(True), TypeError, "got True"),
])
def test_take_skip_repeat_bad_counts(call, error, words):
    # The error types are MindSpore 2.7.2's for the same arguments.
    with pytest.raises(error, match=words):
        call()


def xyz():
    return ds.NumpySlicesDataset({"x": np.arange(6.0).reshape(3, 2), "y": np.arange(3), "z": np.arange(3) * 10},
                                 shuffle=False)


def test_rename_and_project_match_mindspore():
    rows_xyz = [[[0.0, 1.0], 0, 0], [[2.0, 3.0], 1, 10], [[4.0, 5.0], 2, 20]]
    for d, names in [(xyz().rename("x", "a"), ["a", "y", "z"]),
                     (xyz().rename(["x", "z"], ["a", "b"]), ["a", "y", "b"]),
                     (xyz().rename(["x", "y"], ["y", "x"]), ["y", "x", "z"])]:  # a swap is allowed
        assert d.get_col_names() == names and values(d) == rows_xyz and d.get_dataset_size() == 3
    renamed = xyz().rename("x", "a").map(lambda a: a + 1, "a")
    assert renamed.get_col_names() == ["a", "y", "z"] and values(renamed)[0][0] == [1.0, 2.0]
    d = xyz().project(["z", "x"])
    assert d.get_col_names() == ["z", "x"] and values(d) == [[0, [0.0, 1.0]], [10, [2.0, 3.0]], [20, [4.0, 5.0]]]
    assert values(xyz().project("y")) == [[0], [1], [2]]
    assert list(next(iter(xyz().project(["z", "y"]).create_dict_iterator(output_numpy=True)))) == ["z", "y"]


@pytest.mark.parametrize("call, error, words", [
    (lambda: xyz().rename(["x"], ["y"]), ValueError, "duplicate columns"),  # MindSpore: RuntimeError
    (lambda: xyz().rename(["q"], ["w"]), ValueError, "no column 'q' to rename"),  # MindSpore: RuntimeError
    (lambda: xyz().rename(["x", "y"], ["w"]), ValueError, "2 input_columns but 1 output_columns"),
    (lambda: xyz().rename(["x", "x"], ["a", "b"]), ValueError, "input_columns has duplicates"),
    (lambda: xyz().rename(["x", "y"], ["a", "a"]), ValueError, "output_columns has duplicates"),
    (lambda: xyz().rename([1], ["a"]), TypeError, "input_columns must be a str or a list of str"),
    (lambda: xyz().rename([], []), ValueError, "input_columns must not be empty"),
    (lambda: xyz().rename(("x",), ("a",)), TypeError, "a str or a list of str"),  # MindSpore refuses tuples
    (lambda: xyz().project(["q"]), ValueError, "no column 'q'"),  # MindSpore: RuntimeError
    (lambda: xyz().project(["x", "x"]), ValueError, "columns has duplicates"),
    (lambda: xyz().project([]), ValueError, "columns must not be empty"),
    (lambda: xyz().project([1]), TypeError, "columns must be a str or a list of str"),
    (lambda: xyz().project(("x",)), TypeError, "a str or a list of str"),
])
def test_rename_project_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_output_shapes_and_types_match_mindspore():
    d = xyz()
    assert d.output_shapes() == [[2], [], []]
    assert d.output_types() == [np.dtype("float64"), np.dtype("int64"), np.dtype("int64")]
    assert d.batch(2).output_shapes() == d.batch(2, drop_remainder=True).output_shapes() == [[2, 2], [2], [2]]
    assert d.project(["z", "x"]).output_shapes() == [[], [2]]
    assert d.skip(5).output_shapes() == [] and d.skip(5).output_types() == []
    assert ds.NumpySlicesDataset([1.5, 2.5]).output_types() == [np.dtype("float64")]
    cast = xy4().map(lambda y: y.astype(np.int32), "y")
    assert cast.output_types() == [np.dtype("float64"), np.dtype("int32")]


def test_dataset_config_seed_as_mindspore_uses_it():
    # mindspore==2.7.2: every dataset made under ds.config.set_seed(s) shuffles alike, and
    # mindspore.set_seed sets the dataset seed too; its argument errors.
    ds.config.set_seed(5)
    assert ds.config.get_seed() == 5
    a = order(ds.NumpySlicesDataset(list(range(30))))
    gg.ops.rand(3)  # other random draws in between change nothing
    b = order(ds.NumpySlicesDataset(list(range(30))))
    assert a == b and sorted(a) == list(range(30)) and a != list(range(30))
    ds.config.set_seed(6)
    assert order(ds.NumpySlicesDataset(list(range(30)))) != a
    gg.set_seed(5)
    assert ds.config.get_seed() == 5 and order(ds.NumpySlicesDataset(list(range(30)))) == a
    for bad, error in [(-1, ValueError), (2**32, ValueError), (1.5, TypeError), ("3", TypeError), (True, TypeError)]:
        with pytest.raises(error):
            ds.config.set_seed(bad)
    assert ds.config.get_seed() == 5
    ds.config.set_num_parallel_workers(4)
    ds.config.set_prefetch_size(2)
    assert (ds.config.get_num_parallel_workers(), ds.config.get_prefetch_size()) == (4, 2)
    with pytest.raises(ValueError):
        ds.config.set_num_parallel_workers(0)
