"""Keys are keys (str, int, sequences and arrays of them); only floats are vectors. Clamped counts warn."""
import json
import warnings

import numpy as np
import pytest

from latentdb import InvalidInputError, KNNResult, LatentDB


@pytest.mark.parametrize("queries", [
    "3", 3, np.int64(3), ["3"], [3], ("3",), np.array(["3"]), np.array([3]), np.array([3], dtype=np.uint16),
    np.array(["3"], dtype=object),
])
def test_one_key_in_any_form(stitched, queries):
    result = stitched.knn("e5/fortunes", "minilm/fortunes", queries=queries, k=2, anchors="a500")
    assert list(result.queries) == ["3"] and result.keys[0, 0] == "3"


def test_several_keys_mixed_str_and_int(stitched):
    result = stitched.knn("e5/fortunes", "minilm/fortunes", queries=["3", 4, np.int32(11)], k=1, anchors="a500")
    assert list(result.queries) == ["3", "4", "11"]


def test_float_arrays_are_vectors(stitched, sample):
    rows = sample["e5"][[0, 1]]  # keys "3" and "4"
    for queries in (rows, rows.astype(np.float64), rows.astype(np.float16), rows.tolist(), rows[0], list(rows[0])):
        result = stitched.knn("e5/fortunes", "minilm/fortunes", queries=queries, k=1, anchors="a500")
        assert result.keys[0, 0] == "3"


def test_keys_that_look_like_options(db):
    m = np.random.default_rng(1).normal(size=(3, 4)).astype(np.float32)
    db.register("m/d", m, keys=["-k", "--help", "plain"])
    result = db.knn("m/d", "m/d", queries=["-k", "--help"], k=1)
    assert list(result.keys[:, 0]) == ["-k", "--help"]


@pytest.mark.parametrize("queries, error, words", [
    (True, TypeError, r"keys \(str or int\) or float vectors, got bool"),
    (3.5, TypeError, "a single number 3.5 is neither"),
    (b"3", TypeError, "got bytes"),
    (["3", 4.5], TypeError, "mixes keys"),
    (object(), TypeError, "got object"),
    ([], ValueError, "no keys or vectors"),
    (np.array([["3", "4"]]), ValueError, "must be 1-D"),
    (np.zeros((2, 2, 2), np.float32), ValueError, "2-D array"),
    (np.array([True, False]), ValueError, "float16, float32 or float64"),
])
def test_what_is_neither_keys_nor_vectors(tmp_path, queries, error, words):
    db = LatentDB(tmp_path / "never.db")
    with pytest.raises(error, match=words):
        db.knn("a/b", "a/b", queries=queries)
    assert not (tmp_path / "never.db").exists()


def test_a_clamped_anchor_count_warns(stitched):
    with pytest.warns(UserWarning, match="fewer than the 5000 asked for: dataset 'fortunes' has 800 train items") as record:
        summary = stitched.anchors("a5k", "e5/fortunes", "minilm/fortunes", count=5000)
    assert summary["count"] == 800
    # The warning points at the caller's line, not at the bridge.
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert stitched.anchors("a400", "e5/fortunes", "minilm/fortunes", count=400)["count"] == 400


def test_fewer_anchors_than_dimensions_warns(stitched):
    with pytest.warns(UserWarning, match="fewer than the 384 dimensions"):
        stitched.anchors("a100", "e5/fortunes", "minilm/fortunes", count=100)


def test_a_gate_with_warn_only_warns_and_migrates(stitched):
    with pytest.warns(UserWarning, match="failed its gate"):
        summary = stitched.migrate("e5/fortunes", "minilm/fortunes", anchors="a500", as_space="minilm2/fortunes",
                                   gate="mrr>=0.9999", warn_only=True)
    assert summary["passed"] is False and summary["space"] == "minilm2/fortunes"


def test_knn_accepts_both_json_shapes():
    # Today's bare list and the object that names translator, metric and k (issue 16).
    neighbors = [{"key": "3", "label": "work", "score": 0.78, "row": 3}, {"key": "9", "label": None, "score": 0.5, "row": 9}]
    bare = [{"query": "3", "neighbors": neighbors}]
    shaped = {"from": "e5/fortunes", "to": "minilm/fortunes", "k": 2, "metric": "ip", "csls": True,
              "translator": "9b4b5bc6b7525d6a74a98d5e0e975774", "results": bare}
    old = KNNResult.from_cli(json.loads(json.dumps(bare)), source="e5/fortunes", target="minilm/fortunes", k=2,
                             metric="cosine", csls=False)
    new = KNNResult.from_cli(json.loads(json.dumps(shaped)), source="?", target="?", k=0, metric="cosine", csls=False)
    for r in (old, new):
        assert r.rows.tolist() == [[3, 9]] and r.keys.tolist() == [["3", "9"]] and r.labels.tolist() == [["work", None]]
        assert r.scores.dtype == np.float32 and np.allclose(r.scores, [[0.78, 0.5]])
    assert old.translator is None and old.metric == "cosine"
    assert (new.translator, new.metric, new.csls, new.k, new.source) == ("9b4b5bc6b7525d6a74a98d5e0e975774", "ip", True, 2, "e5/fortunes")


def test_knn_into_a_dataframe(stitched):
    pd = pytest.importorskip("pandas")
    result = stitched.knn("e5/fortunes", "minilm/fortunes", queries=["3", "4"], k=3, anchors="a500")
    frame = result.to_pandas()
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == ["query", "rank", "key", "label", "score", "row"]
    assert len(frame) == 6 and frame["rank"].tolist() == [1, 2, 3, 1, 2, 3]
    assert frame["key"].tolist() == result.keys.reshape(-1).tolist()
    labels = stitched.classify("e5/fortunes", "minilm/fortunes", queries=["3", "4"], anchors="a500").to_pandas()
    assert list(labels.columns) == ["query", "label", "score"] and len(labels) == 2


def test_no_translator_choice_passes_none(stitched):
    # Same model: no translator needed, none passed.
    same = stitched.knn("minilm/fortunes", "minilm/fortunes", queries="3", k=1)
    assert same.keys[0, 0] == "3"
    # Across models with nothing given, the CLI decides: today it asks for anchors= (newer CLIs use a
    # cached translator, and none was fitted here).
    with pytest.raises(InvalidInputError):
        stitched.knn("e5/fortunes", "minilm/fortunes", queries="3")
