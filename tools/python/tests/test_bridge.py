import os

import numpy as np
import pytest

from latentdb import LatentDB, LatentDBError, find_binary


def test_three_lines_from_numpy_to_cross_model_neighbours(db, sample):
    db.register("e5/fortunes", sample["e5"], keys=sample["keys"], labels=sample["labels"], split=sample["split"])
    db.register("minilm/fortunes", sample["minilm"], keys=sample["keys"])
    db.anchors("a500", "e5/fortunes", "minilm/fortunes", count=500, seed=0)
    neighbours = db.knn("e5/fortunes", "minilm/fortunes", queries=["3", "4"], k=5, anchors="a500")
    assert len(neighbours) == 2 and all(len(n) == 5 for n in neighbours)
    key, label, score = neighbours[0][0]
    assert isinstance(key, str) and isinstance(label, str) and isinstance(score, float)
    assert [s for _, _, s in neighbours[0]] == sorted((s for _, _, s in neighbours[0]), reverse=True)
    # Translated items find their own counterpart near the top (96 % first on this sample).
    assert "3" in [k for k, _, _ in neighbours[0]] and "4" in [k for k, _, _ in neighbours[1]]


def test_array_queries_answer_like_keys(stitched, sample):
    by_key = stitched.knn("e5/fortunes", "minilm/fortunes", queries="3", k=3, anchors="a500")
    by_vector = stitched.knn("e5/fortunes", "minilm/fortunes", queries=sample["e5"][[0]], k=3, anchors="a500")
    assert [k for k, _, _ in by_key[0]] == [k for k, _, _ in by_vector[0]]
    assert np.allclose([s for *_, s in by_key[0]], [s for *_, s in by_vector[0]], atol=1e-5)
    # A list of lists is an array too.
    as_list = stitched.knn("e5/fortunes", "minilm/fortunes", queries=sample["e5"][:1].tolist(), k=3, anchors="a500")
    assert [k for k, _, _ in as_list[0]] == [k for k, _, _ in by_key[0]]


def test_translate_fit_classify_eval(stitched, sample):
    out = stitched.translate("e5/fortunes", "minilm/fortunes", queries=["3", "4", "11"], anchors="a500")
    assert out.shape == (3, 384) and out.dtype == np.float32
    same = stitched.translate("e5/fortunes", "minilm/fortunes", queries=sample["e5"][:3].astype(np.float64), anchors="a500")
    assert np.allclose(out, same, atol=1e-5)

    fit = stitched.fit("e5/fortunes", "minilm/fortunes", anchors="a500")
    assert fit["cached"] is True and fit["method"] == "ortho" and len(fit["fingerprint"]) == 32
    again = stitched.knn("e5/fortunes", "minilm/fortunes", queries="3", k=2, translator=fit["fingerprint"][:12])
    assert again[0] == stitched.knn("e5/fortunes", "minilm/fortunes", queries="3", k=2, anchors="a500")[0]

    # minilm has no labels of its own here: they are the dataset's, shared by both spaces.
    predictions = stitched.classify("e5/fortunes", "minilm/fortunes", queries=["3", "4"], anchors="a500", decoder="linear")
    assert len(predictions) == 2 and all(label in set(sample["labels"]) for label, _ in predictions)

    report = stitched.eval("e5/fortunes", "minilm/fortunes", count=300, seed=0, methods=["ortho", "linear"])
    assert {"native", "absolute", "ortho", "linear"} <= set(report["results"])
    assert report["results"]["ortho"]["top1"] > report["results"]["absolute"]["top1"]


def test_spaces_export_and_remove(db, sample):
    summary = db.register("e5/fortunes", sample["e5"].astype(np.float16), keys=sample["keys"])
    assert summary["sourceDType"] == "<f2" and summary["rows"] == 1000
    assert [s["space"] for s in db.spaces()] == ["e5/fortunes"]
    exported = db.export("e5/fortunes")
    assert exported.dtype == np.float32 and np.array_equal(exported, sample["e5"].astype(np.float16).astype(np.float32))
    db.register("e5/fortunes", sample["e5"], keys=sample["keys"], replace=True)
    assert np.array_equal(db.export("e5/fortunes"), sample["e5"])
    db.remove("e5/fortunes")
    assert db.spaces() == []


def test_integer_labels_and_default_keys(db):
    m = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    db.register("m/d", m, labels=np.array([0, 1, 0, 1, 2, 2]))
    info = db.info("m/d")
    assert info["labels"] == {"0": 2, "1": 2, "2": 2}
    assert db.knn("m/d", "m/d", queries="0", k=1)[0][0][0] == "0"


def test_cli_errors_become_exceptions(stitched, sample):
    with pytest.raises(LatentDBError) as error:
        stitched.register("e5/fortunes", sample["e5"], keys=sample["keys"])
    assert error.value.exit_code == 1
    assert "already exists" in error.value.message and "--replace" in error.value.message
    with pytest.raises(LatentDBError, match="unknown keys"):
        stitched.knn("e5/fortunes", "minilm/fortunes", queries=["no-such-key"], anchors="a500")
    # The knn above fitted and cached a translator: without anchors= it is reused.
    assert stitched.knn("e5/fortunes", "minilm/fortunes", queries=["3"], k=1)[0][0][0] == "3"
    with pytest.raises(LatentDBError, match="no cached translator"):
        stitched.knn("minilm/fortunes", "e5/fortunes", queries=["3"])
    with pytest.raises(LatentDBError, match="columns; expected 384"):
        stitched.knn("e5/fortunes", "minilm/fortunes", queries=np.zeros((1, 5), np.float32), anchors="a500")
    bad = sample["e5"][:10].copy()
    bad[4, 7] = np.nan
    with pytest.raises(LatentDBError, match="row 4, column 7 is nan"):
        stitched.register("x/y", bad)
    assert [s["space"] for s in stitched.spaces()] == ["e5/fortunes", "minilm/fortunes"]


@pytest.mark.parametrize("array, message", [
    (np.zeros(5, np.float32), "2-D array"),
    (np.zeros((2, 3, 4), np.float32), "2-D array"),
    (np.zeros((3, 4), np.int64), "float16, float32 or float64"),
    (np.array([["a", "b"]]), "float16, float32 or float64"),
    (np.zeros((3, 4), np.complex64), "float16, float32 or float64"),
])
def test_bad_arrays_raise_value_error_before_running(tmp_path, array, message):
    db = LatentDB(tmp_path / "never-created.db")
    with pytest.raises(ValueError, match=message):
        db.register("m/d", array)
    assert not (tmp_path / "never-created.db").exists()


def test_other_value_errors(db, sample):
    with pytest.raises(ValueError, match="3 values for 2 rows"):
        db.register("m/d", np.zeros((2, 3), np.float32), keys=["a", "b", "c"])
    with pytest.raises(ValueError, match="line break"):
        db.register("m/d", np.zeros((2, 3), np.float32), keys=["a", "b\nc"])
    with pytest.raises(ValueError, match="2-D"):
        db.knn("a/b", "a/b", queries=np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="k must be at least 1"):
        db.knn("a/b", "a/b", queries="x", k=0)
    with pytest.raises(ValueError, match="count="):
        db.anchors("a", "a/b", "c/b")


def test_binary_resolution(tmp_path, monkeypatch):
    real = find_binary()
    assert LatentDB(tmp_path / "x.db", binary=real).binary == real
    with pytest.raises(FileNotFoundError, match="not an executable"):
        LatentDB(tmp_path / "x.db", binary=str(tmp_path / "nope"))
    monkeypatch.setenv("LATENTDB_BINARY", str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="LATENTDB_BINARY"):
        LatentDB(tmp_path / "x.db")
    monkeypatch.setenv("LATENTDB_BINARY", real)
    assert LatentDB(tmp_path / "x.db").binary == real
