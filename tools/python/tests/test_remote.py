"""LatentDB.connect against a real `latentdb serve` on loopback: each served method answers what
the file-based LatentDB answers for the same call, and fails with the same exception."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, SAMPLE, read_lines
from latentdb import (ClassifyResult, InvalidInputError, KNNResult, LatentDB, LatentDBError, NotServedError,
                      RemoteLatentDB, StoreError, UnknownKeyError, UnknownSpaceError, find_binary)

TOKEN = "pytest-token-0123456789abcdef"


def server_binary():
    """$LATENTDB_SERVER (CI sets it: then it must exist), else this checkout's server build."""
    given = os.environ.get("LATENTDB_SERVER")
    if given:
        assert os.access(given, os.X_OK), f"$LATENTDB_SERVER={given!r} is not an executable file"
        return given
    for config in ("release", "debug"):
        built = REPO / "server" / ".build" / config / "latentdb-server"
        if os.access(built, os.X_OK):
            return str(built)
    reason = ("latentdb-server is not built (swift build --package-path server) and $LATENTDB_SERVER is not set: "
              "the LatentDB.connect tests need a real server")
    print(reason, file=sys.stderr)
    pytest.skip(reason)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A store of the bundled sample (two models, 500 anchors), opened by file and served by a
    real `latentdb serve` with a token: (file-based LatentDB, url)."""
    server = server_binary()
    directory = tmp_path_factory.mktemp("served")
    db = LatentDB(directory / "store.db")
    keys, labels, split = read_lines("keys.txt"), read_lines("labels.txt"), read_lines("split.txt")
    db.register("e5/fortunes", np.load(SAMPLE / "e5.npy"), keys=keys, labels=labels, split=split)
    db.register("minilm/fortunes", np.load(SAMPLE / "minilm.npy"), keys=keys, labels=labels, split=split)
    db.anchors("a500", "e5/fortunes", "minilm/fortunes", count=500, seed=0)
    token_file = directory / "token"
    token_file.write_text(TOKEN + "\n")
    port = free_port()
    env = dict(os.environ, LATENTDB_SERVER=server)
    log = open(directory / "server.log", "wb")
    process = subprocess.Popen([find_binary(), "serve", "--db", db.path, "--port", str(port), "--token-file", str(token_file)],
                               stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/v1/health", timeout=1) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"latentdb serve did not start: {(directory / 'server.log').read_text()}")
        time.sleep(0.1)
    yield db, url
    process.terminate()
    assert process.wait(timeout=30) == 0, "SIGTERM: the server exits 0"
    log.close()


@pytest.fixture
def remote(served):
    with LatentDB.connect(served[1], token=TOKEN) as client:
        yield client


def same_knn(a: KNNResult, b: KNNResult):
    assert np.array_equal(a.rows, b.rows) and np.array_equal(a.keys, b.keys) and np.array_equal(a.labels, b.labels)
    assert np.array_equal(a.queries, b.queries)
    assert a.scores.dtype == b.scores.dtype == np.float32 and np.allclose(a.scores, b.scores, atol=1e-6)
    assert (a.translator, a.source, a.target, a.k, a.metric, a.csls) == (b.translator, b.source, b.target, b.k, b.metric, b.csls)


def test_read_routes_answer_what_the_file_answers(served, remote):
    db, _ = served
    assert isinstance(remote, RemoteLatentDB)
    assert remote.spaces() == db.spaces()
    assert remote.info("e5/fortunes") == db.info("e5/fortunes")
    fitted = remote.fit("e5/fortunes", "minilm/fortunes", anchors="a500", method="lortho")
    by_file = db.fit("e5/fortunes", "minilm/fortunes", anchors="a500", method="lortho")
    # The same translator: the file-based call finds the one the server fitted in the store.
    assert by_file["cached"] is True and len(fitted["fingerprint"]) == 32
    assert {k: v for k, v in fitted.items() if k != "cached"} == {k: v for k, v in by_file.items() if k != "cached"}
    assert remote.translators() == db.translators()
    assert remote.health()["status"] == "ok"


def test_knn_by_keys_and_by_vectors_matches_the_file_based_class(served, remote):
    db, _ = served
    for queries in (["3", "4", "11"], 11, np.array([3, 20]), np.array(["16", "19"])):
        same_knn(remote.knn("e5/fortunes", "minilm/fortunes", queries, k=5, anchors="a500"),
                 db.knn("e5/fortunes", "minilm/fortunes", queries, k=5, anchors="a500"))
    vectors = np.load(SAMPLE / "e5.npy")[[0, 17, 512]]
    served_answer = remote.knn("e5/fortunes", "minilm/fortunes", vectors, k=4, anchors="a500", csls=True)
    same_knn(served_answer, db.knn("e5/fortunes", "minilm/fortunes", vectors, k=4, anchors="a500", csls=True))
    assert served_answer.scores.shape == (3, 4) and served_answer.csls
    # A 1-D vector is one query, float64 is accepted, as in the file-based class.
    one = remote.knn("minilm/fortunes", "minilm/fortunes", np.load(SAMPLE / "minilm.npy")[5].astype(np.float64), k=3)
    assert one.scores.shape == (1, 3) and one.keys[0, 0] == read_lines("keys.txt")[5] and one.translator is None


def test_classify_and_translate_match_the_file_based_class(served, remote):
    db, _ = served
    for queries in (["3", "4"], np.load(SAMPLE / "minilm.npy")[:50]):
        a = remote.classify("minilm/fortunes", "e5/fortunes", queries, anchors="a500", decoder="linear")
        b = db.classify("minilm/fortunes", "e5/fortunes", queries, anchors="a500", decoder="linear")
        assert isinstance(a, ClassifyResult)
        assert np.array_equal(a.queries, b.queries) and np.array_equal(a.labels, b.labels)
        assert np.allclose(a.scores, b.scores, atol=1e-6) and (a.translator, a.trained_on) == (b.translator, b.trained_on)
    for queries in (["3", "4", "11"], np.load(SAMPLE / "e5.npy")[100:300]):
        a = remote.translate("e5/fortunes", "minilm/fortunes", queries, anchors="a500")
        b = db.translate("e5/fortunes", "minilm/fortunes", queries, anchors="a500")
        assert a.dtype == np.float32 and a.shape == b.shape and np.array_equal(a, b)


@pytest.mark.parametrize("call, exception, code", [
    (lambda d: d.knn("e5/fortunes", "minilm/fortunes", ["no-such-key"], anchors="a500"), UnknownKeyError, "E0703"),
    (lambda d: d.knn("nope/fortunes", "minilm/fortunes", ["3"], anchors="a500"), UnknownSpaceError, "E0402"),
    (lambda d: d.info("nope/fortunes"), UnknownSpaceError, "E0402"),
    (lambda d: d.knn("e5/fortunes", "minilm/fortunes", ["3"], anchors="no-such-anchors"), UnknownSpaceError, "E0404"),
    (lambda d: d.knn("e5/fortunes", "minilm/fortunes", np.ones((1, 3), np.float32), anchors="a500"), InvalidInputError, "E0152"),
    (lambda d: d.knn("e5/fortunes", "minilm/fortunes", np.full((1, 384), np.nan, np.float32), anchors="a500"), InvalidInputError, "E0151"),
])
def test_failures_raise_what_the_file_based_class_raises(served, remote, call, exception, code):
    db, _ = served
    with pytest.raises(exception) as by_file:
        call(db)
    with pytest.raises(exception) as by_server:
        call(remote)
    assert by_server.value.code == by_file.value.code == code
    if code == "E0703":
        assert isinstance(by_server.value, KeyError)
    assert "request body" not in by_server.value.message


def test_a_wrong_or_missing_token_and_no_server_are_errors(served):
    _, url = served
    for token in (None, "not-the-token-0000000000"):
        with pytest.raises(LatentDBError) as failure:
            LatentDB.connect(url, token=token).spaces()
        assert failure.value.code == "E0295" and isinstance(failure.value, InvalidInputError)
    # Health needs no token.
    assert LatentDB.connect(url).health()["status"] == "ok"
    with pytest.raises(StoreError, match="cannot reach the LatentDB server"):
        LatentDB.connect(f"http://127.0.0.1:{free_port()}").spaces()
    with pytest.raises(InvalidInputError):
        LatentDB.connect("127.0.0.1:8765")


def test_methods_the_server_lacks_say_so(remote):
    for name in set(vars(LatentDB)) - {"connect"}:
        if not name.startswith("_") and callable(getattr(LatentDB, name)):
            assert hasattr(remote, name), f"LatentDB.{name} has no counterpart on LatentDB.connect"
    with pytest.raises(NotServedError, match=r"register\(\) is not offered by the server") as failure:
        remote.register("x/y", np.ones((2, 2), np.float32))
    assert isinstance(failure.value, NotImplementedError)
    with pytest.raises(NotServedError, match="ridge_lambda"):
        remote.fit("e5/fortunes", "minilm/fortunes", anchors="a500", ridge_lambda=0.1)
    remote.close()
    with pytest.raises(ValueError, match="closed"):
        remote.spaces()
