"""Every method of LatentDB against the real CLI, on the bundled sample."""
import numpy as np
import pytest

from latentdb import ClassifyResult, InvalidInputError, KNNResult, LatentDB, find_binary


def cosine_top_k(database, queries, k):
    """An independent reference: exact cosine k-NN in NumPy (float64)."""
    d = database / np.linalg.norm(database, axis=1, keepdims=True)
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    scores = q.astype(np.float64) @ d.T.astype(np.float64)
    rows = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, rows, axis=1), rows


def test_three_lines_from_numpy_to_cross_model_neighbours(db, sample):
    db.register("e5/fortunes", sample["e5"], keys=sample["keys"], labels=sample["labels"], split=sample["split"])
    db.register("minilm/fortunes", sample["minilm"], keys=sample["keys"])
    db.anchors("a500", "e5/fortunes", "minilm/fortunes", count=500, seed=0)
    result = db.knn("e5/fortunes", "minilm/fortunes", queries=["3", "4"], k=5, anchors="a500")
    assert isinstance(result, KNNResult) and len(result) == 2
    assert result.scores.shape == (2, 5) and result.scores.dtype == np.float32
    assert result.rows.shape == (2, 5) and result.rows.dtype == np.int64
    assert result.keys.dtype == object and result.labels.dtype == object
    assert list(result.queries) == ["3", "4"]
    assert np.all(np.diff(result.scores, axis=1) <= 0)
    # Translated items find their own counterpart near the top (96 % first on this sample).
    assert "3" in result.keys[0] and "4" in result.keys[1]
    # Rows are rows of the target space: its keys and labels at those rows.
    keys, labels = np.array(sample["keys"], dtype=object), np.array(sample["labels"], dtype=object)
    assert np.array_equal(result.keys, keys[result.rows]) and np.array_equal(result.labels, labels[result.rows])
    # The tuple view of old code still works.
    key, label, score = list(result)[0][0]
    assert (key, label) == (result.keys[0, 0], result.labels[0, 0]) and score == pytest.approx(float(result.scores[0, 0]))


def test_same_space_knn_matches_numpy(stitched, sample):
    queries = sample["minilm"][[0, 17, 512, 999]]
    result = stitched.knn("minilm/fortunes", "minilm/fortunes", queries=queries, k=10)
    scores, rows = cosine_top_k(sample["minilm"], queries, 10)
    assert np.array_equal(result.rows, rows)
    assert np.allclose(result.scores, scores, atol=1e-5)
    assert result.translator is None and list(result.queries) == ["0", "1", "2", "3"]


def test_array_queries_answer_like_keys(stitched, sample):
    by_key = stitched.knn("e5/fortunes", "minilm/fortunes", queries="3", k=3, anchors="a500")
    by_rows = stitched.knn("e5/fortunes", "minilm/fortunes", queries=sample["e5"][[0]], k=3, anchors="a500")
    by_vector = stitched.knn("e5/fortunes", "minilm/fortunes", queries=sample["e5"][0], k=3, anchors="a500")
    by_list = stitched.knn("e5/fortunes", "minilm/fortunes", queries=sample["e5"][0:1].tolist(), k=3, anchors="a500")
    for other in (by_rows, by_vector, by_list):
        assert other.scores.shape == (1, 3)
        assert np.array_equal(other.rows, by_key.rows)
        assert np.allclose(other.scores, by_key.scores, atol=1e-5)


def test_translate_returns_the_same_rows_by_key_and_by_vector(stitched, sample):
    out = stitched.translate("e5/fortunes", "minilm/fortunes", queries=["3", "4", "11"], anchors="a500")
    assert out.shape == (3, 384) and out.dtype == np.float32
    same = stitched.translate("e5/fortunes", "minilm/fortunes", queries=sample["e5"][[0, 1, 2]].astype(np.float64), anchors="a500")
    assert np.allclose(out, same, atol=1e-5)
    one = stitched.translate("e5/fortunes", "minilm/fortunes", queries=sample["e5"][0], anchors="a500")
    assert one.shape == (1, 384) and np.allclose(one[0], out[0], atol=1e-5)


def test_translate_is_the_fitted_affine_map(stitched, sample):
    # Translation is linear after scaling: translate(a·x + b·y) relates to translate(x), translate(y)
    # by the same affine map. Checked on many rows through the pipes, against NumPy's least squares.
    x = sample["e5"]
    out = stitched.translate("e5/fortunes", "minilm/fortunes", queries=x, anchors="a500")
    assert out.shape == (1000, 384)
    design = np.hstack([x.astype(np.float64), np.ones((1000, 1))])
    coef, *_ = np.linalg.lstsq(design, out.astype(np.float64), rcond=None)
    assert np.abs(design @ coef - out).max() < 1e-3


def test_fit_then_reuse_by_fingerprint(stitched):
    fit = stitched.fit("e5/fortunes", "minilm/fortunes", anchors="a500")
    assert fit["cached"] is False and fit["method"] == "ortho" and len(fit["fingerprint"]) == 32
    assert stitched.fit("e5/fortunes", "minilm/fortunes", anchors="a500")["cached"] is True
    again = stitched.knn("e5/fortunes", "minilm/fortunes", queries="3", k=2, translator=fit["fingerprint"][:12])
    fresh = stitched.knn("e5/fortunes", "minilm/fortunes", queries="3", k=2, anchors="a500")
    assert np.array_equal(again.rows, fresh.rows) and again.translator == fit["fingerprint"]
    refit = stitched.fit("e5/fortunes", "minilm/fortunes", anchors="a500", method="linear", refit=True)
    assert refit["cached"] is False and refit["method"] == "linear"


@pytest.mark.parametrize("decoder", ["knn", "linear"])
def test_classify_returns_arrays(stitched, sample, decoder):
    result = stitched.classify("e5/fortunes", "minilm/fortunes", queries=["3", "4", "11"], anchors="a500", decoder=decoder)
    assert isinstance(result, ClassifyResult) and len(result) == 3
    assert list(result.queries) == ["3", "4", "11"]
    assert result.labels.dtype == object and set(result.labels) <= set(sample["labels"])
    assert result.scores.dtype == np.float32 and result.scores.shape == (3,)
    assert result.decoder == decoder and result.trained_on == 800
    if decoder == "knn":
        # A sum of at most 10 cosine similarities.
        assert np.all((result.scores > 0) & (result.scores <= 10))
    # Accuracy on the test split is far above chance (10 classes).
    test = [k for k, s in zip(sample["keys"], sample["split"]) if s == "test"]
    truth = dict(zip(sample["keys"], sample["labels"]))
    predicted = stitched.classify("e5/fortunes", "minilm/fortunes", queries=test, anchors="a500", decoder=decoder)
    assert np.mean([truth[q] == label for q, label in zip(predicted.queries, predicted.labels)]) > 0.25


def test_eval_reports_each_method(stitched):
    report = stitched.eval("e5/fortunes", "minilm/fortunes", count=300, seed=0, methods=["ortho", "linear"], csls=True)
    assert {"native", "absolute", "ortho", "linear"} <= set(report["results"])
    assert report["results"]["ortho"]["top1"] > report["results"]["absolute"]["top1"]
    assert report["n_anchors"] == 300 and report["results"]["ortho"]["top1_csls"] is not None
    sweep = stitched.eval("e5/fortunes", "minilm/fortunes", methods=["ortho"], sweep_anchors=[100, 400])
    assert [e["n_anchors"] for e in sweep["evaluations"]] == [100, 400]


def test_spaces_info_export_and_remove(db, sample, tmp_path):
    summary = db.register("e5/fortunes", sample["e5"].astype(np.float16), keys=sample["keys"])
    assert summary["sourceDType"] == "<f2" and summary["rows"] == 1000
    assert [s["space"] for s in db.spaces()] == ["e5/fortunes"]
    assert db.info("e5/fortunes")["dim"] == 384
    exported = db.export("e5/fortunes")
    assert exported.dtype == np.float32 and np.array_equal(exported, sample["e5"].astype(np.float16).astype(np.float32))
    db.register("e5/fortunes", sample["e5"], keys=sample["keys"], replace=True)
    assert np.array_equal(db.export("e5/fortunes"), sample["e5"])
    written = db.export("e5/fortunes", tmp_path / "out.npy")
    assert written["rows"] == 1000 and np.array_equal(np.load(tmp_path / "out.npy"), sample["e5"])
    assert db.remove("e5/fortunes")["removed"] == "e5/fortunes"
    assert db.spaces() == []


def test_large_arrays_round_trip_through_the_pipes(db):
    rng = np.random.default_rng(7)
    big = rng.standard_normal((60_000, 64)).astype(np.float32)
    db.register("big/d", big, codec="lz4")
    assert np.array_equal(db.export("big/d"), big)
    as64 = rng.standard_normal((1000, 64))
    db.register("big64/e", as64)
    assert np.array_equal(db.export("big64/e"), as64.astype(np.float32))


def test_integer_labels_and_default_keys(db):
    m = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    db.register("m/d", m, labels=np.array([0, 1, 0, 1, 2, 2]))
    assert db.info("m/d")["labels"] == {"0": 2, "1": 2, "2": 2}
    assert db.knn("m/d", "m/d", queries=0, k=1).keys[0, 0] == "0"


def test_anchor_sets(stitched, sample):
    pairs = sample["keys"][:50]
    with pytest.warns(UserWarning, match="50 anchors, fewer than the 384 dimensions"):
        made = stitched.anchors("mine", "e5/fortunes", "minilm/fortunes", pairs=pairs)
    assert made["count"] == 50 and made["sampler"] == "file"
    assert {s["name"] for s in stitched.anchor_sets()} == {"a500", "mine"}
    shown = stitched.anchor_set("mine")
    assert shown["summary"]["count"] == 50 and [p[0] for p in shown["pairs"]] == pairs
    with pytest.warns(UserWarning, match="100 anchors, fewer than the 384 dimensions"):
        stratified = stitched.anchors("s100", "e5/fortunes", "minilm/fortunes", count=100, stratified=True)
    assert stratified["count"] == 100 and stratified["sampler"] == "stratified"
    stitched.remove_anchors("mine")
    assert {s["name"] for s in stitched.anchor_sets()} == {"a500", "s100"}


def test_translators_move_to_another_store(stitched, sample, tmp_path):
    fit = stitched.fit("e5/fortunes", "minilm/fortunes", anchors="a500")
    listed = stitched.translators()
    assert [t["fingerprint"] for t in listed] == [fit["fingerprint"]] and listed[0]["current"] is True
    exported = stitched.export_translator(fit["fingerprint"][:8], tmp_path / "e5-to-minilm.ldbt")
    assert exported["fingerprint"] == fit["fingerprint"]

    with LatentDB(tmp_path / "other.db") as other:
        imported = other.import_translator(tmp_path / "e5-to-minilm.ldbt")
        assert imported["fingerprint"] == fit["fingerprint"]
        other.register("e5/news", sample["e5"][:300], keys=sample["keys"][:300])
        other.register("minilm/news", sample["minilm"][:300], keys=sample["keys"][:300])
        there = other.knn("e5/news", "minilm/news", queries=["3", "4"], k=3, translator=fit["fingerprint"])
        here = stitched.knn("e5/fortunes", "minilm/fortunes", queries=["3", "4"], k=3, anchors="a500")
        assert list(there.keys[:, 0]) == list(here.keys[:, 0]) == ["3", "4"]
    assert stitched.remove_translator(fit["fingerprint"]) == fit["fingerprint"]
    assert stitched.translators() == []


def test_migrate_and_query_the_migrated_space(stitched, sample):
    stitched.register("e5/corpus", sample["e5"][500:], keys=sample["keys"][500:])
    summary = stitched.migrate("e5/fortunes", "minilm/fortunes", anchors="a500", as_space="minilm/corpus",
                               dataset="corpus", gate=("mrr", 0.5))
    assert summary["space"] == "minilm/corpus" and summary["passed"] is True and summary["rows"] == 500
    assert summary["quality"]["mrr"] >= 0.5
    migrated = stitched.export("minilm/corpus")
    translated = stitched.translate("e5/fortunes", "minilm/fortunes", queries=sample["e5"][500:],
                                    translator=summary["translator"])
    assert np.allclose(migrated, translated, atol=1e-5)
    # New-model queries find the migrated items.
    hits = stitched.knn("minilm/fortunes", "minilm/corpus", queries=sample["minilm"][500:520], k=1)
    assert np.mean(hits.keys[:, 0] == np.array(sample["keys"][500:520], dtype=object)) > 0.8
    assert "provenance" in stitched.info("minilm/corpus") and stitched.info("minilm/corpus")["provenance"]


def test_hubs(stitched, sample):
    stitched.register("glove50/fortunes", sample["glove50"], keys=sample["keys"])
    hub = stitched.hub("h3", ["e5/fortunes", "minilm/fortunes", "glove50/fortunes"], anchors="a500")
    assert hub["spaces"] == ["e5/fortunes", "minilm/fortunes", "glove50/fortunes"] and hub["anchorCount"] == 500
    assert [h["name"] for h in stitched.hubs()] == ["h3"]
    via = stitched.knn("e5/fortunes", "glove50/fortunes", queries="3", k=5, via_hub="h3")
    assert via.scores.shape == (1, 5)
    translated = stitched.translate("e5/fortunes", "glove50/fortunes", queries=["3"], via_hub="h3")
    assert translated.shape == (1, 50)
    stitched.remove_hub("h3")
    assert stitched.hubs() == []


def test_init_check_vacuum(tmp_path, sample):
    db = LatentDB(tmp_path / "fresh.db")
    assert db.init()["schemaVersion"] >= 1 and (tmp_path / "fresh.db").exists()
    db.register("e5/fortunes", sample["e5"], keys=sample["keys"])
    report = db.check()
    assert report["ok"] is True and report["problems"] == [] and report["spacesChecked"] == 1 and report["blocksChecked"] >= 1
    db.remove("e5/fortunes")
    sizes = db.vacuum()
    assert 0 < sizes["bytesAfter"] <= sizes["bytesBefore"]


def test_check_reports_a_corrupt_block_instead_of_raising(tmp_path):
    import sqlite3
    db = LatentDB(tmp_path / "c.db")
    db.register("m/d", np.random.default_rng(3).standard_normal((2000, 16)).astype(np.float32))
    assert db.check()["ok"] is True
    # A bit flipped on disk, inside one block's payload (past its header), as a failing disk would.
    with sqlite3.connect(tmp_path / "c.db") as raw:
        (blob,) = raw.execute("SELECT data FROM block ORDER BY idx LIMIT 1").fetchone()
        flipped = bytearray(blob)
        flipped[len(flipped) // 2] ^= 0x10
        raw.execute("UPDATE block SET data = ? WHERE idx = 0", (bytes(flipped),))
    report = db.check()
    assert report["ok"] is False and any("m/d" in p and "block 0" in p for p in report["problems"]), report


def test_context_manager_and_close(tmp_path):
    with LatentDB(tmp_path / "x.db") as db:
        assert not db.closed
        db.init()
    assert db.closed
    with pytest.raises(ValueError, match="closed LatentDB"):
        db.spaces()
    again = LatentDB(tmp_path / "x.db")
    assert again.spaces() == []
    again.close()
    again.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        with again:
            pass


@pytest.mark.parametrize("array, message", [
    (np.zeros(5, np.float32), "2-D array"),
    (np.zeros((2, 3, 4), np.float32), "2-D array"),
    (np.zeros((3, 4), np.int64), "float16, float32 or float64"),
    (np.array([["a", "b"]]), "float16, float32 or float64"),
    (np.zeros((3, 4), np.complex64), "float16, float32 or float64"),
])
def test_bad_arrays_raise_before_running(tmp_path, array, message):
    db = LatentDB(tmp_path / "never-created.db")
    with pytest.raises(InvalidInputError, match=message) as error:
        db.register("m/d", array)
    assert isinstance(error.value, ValueError) and error.value.code is None and "embeddings=" in error.value.message
    assert not (tmp_path / "never-created.db").exists()


def test_other_argument_errors(db):
    with pytest.raises(ValueError, match="3 values for 2 rows"):
        db.register("m/d", np.zeros((2, 3), np.float32), keys=["a", "b", "c"])
    with pytest.raises(ValueError, match="line break"):
        db.register("m/d", np.zeros((2, 3), np.float32), keys=["a", "b\nc"])
    with pytest.raises(ValueError, match="k= must be at least 1"):
        db.knn("a/b", "a/b", queries="x", k=0)
    with pytest.raises(ValueError, match="count="):
        db.anchors("a", "a/b", "c/b")
    with pytest.raises(ValueError, match="not both"):
        db.knn("a/b", "c/b", queries="x", anchors="a", translator="t")


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


def test_the_package_is_typed():
    import inspect
    from pathlib import Path

    import latentdb
    assert (Path(latentdb.__file__).parent / "py.typed").is_file()
    public = [name for name, _ in inspect.getmembers(LatentDB, inspect.isfunction) if not name.startswith("_")]
    assert {"init", "check", "vacuum", "register", "spaces", "info", "remove", "export", "anchors", "anchor_sets",
            "anchor_set", "remove_anchors", "fit", "translators", "remove_translator", "export_translator",
            "import_translator", "translate", "knn", "classify", "eval", "migrate", "hub", "hubs", "remove_hub",
            "close"} <= set(public)
    for name in public:
        method = getattr(LatentDB, name)
        signature = inspect.signature(method)
        assert method.__doc__ and len(method.__doc__.strip()) > 20, f"{name} has no docstring"
        for parameter in signature.parameters.values():
            if parameter.name != "self":
                assert parameter.annotation is not inspect.Parameter.empty, f"{name}({parameter.name}) has no type hint"
                assert not isinstance(parameter.annotation, str), f"{name}({parameter.name}) hint is a string"
        assert signature.return_annotation is not inspect.Signature.empty, f"{name} has no return type"
