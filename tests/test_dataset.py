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
