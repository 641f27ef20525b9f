"""Every error class, each raised by the real CLI, with Python-shaped messages."""
import pickle
import re

import numpy as np
import pytest

from latentdb import (InvalidInputError, LatentDB, LatentDBError, StoreError, UnknownKeyError, UnknownSpaceError)

# What a Python user must never see in a message: the CLI's prefix, its flags, the bridge's plumbing.
CLI_WORDING = re.compile(r"latentdb: error|error\[E\d{4}\]|(?<![\w-])--[a-z]|standard input|latentdb-\w+/|LATENTDB_PATH")


def assert_python_shaped(error, code, exit_code):
    assert error.code == code, f"{error.code}: {error.message}"
    assert error.exit_code == exit_code
    assert not CLI_WORDING.search(error.message), error.message
    assert str(error).startswith(f"[{code}] ")


def test_unknown_key_is_a_key_error(stitched):
    with pytest.raises(KeyError) as caught:
        stitched.knn("e5/fortunes", "minilm/fortunes", queries=["3", "no-such-key"], anchors="a500")
    error = caught.value
    assert isinstance(error, UnknownKeyError) and isinstance(error, LatentDBError)
    assert_python_shaped(error, "E0703", 1)
    assert "1 unknown keys in e5/fortunes" in error.message and "'no-such-key'" in error.message
    # KeyError's own str() would be the repr of the message; ours reads as a sentence.
    assert str(error) == "[E0703] " + error.message


def test_unknown_key_through_a_keys_file_names_queries(stitched):
    many = [f"missing-{i:05d}-" + "x" * 40 for i in range(2000)]  # beyond the command-line budget: a temporary file
    with pytest.raises(UnknownKeyError) as caught:
        stitched.classify("e5/fortunes", "minilm/fortunes", queries=many, anchors="a500")
    assert_python_shaped(caught.value, "E0703", 1)
    assert "2000 unknown keys" in caught.value.message


@pytest.mark.parametrize("call, code, words", [
    (lambda db: db.info("nope/fortunes"), "E0402", "unknown space 'nope/fortunes'"),
    (lambda db: db.fit("e5/fortunes", "minilm/fortunes", anchors="nope"), "E0404", "unknown anchor set 'nope'"),
    (lambda db: db.knn("e5/fortunes", "minilm/fortunes", "3", translator="abcdef"), "E0405", "no translator with id 'abcdef'"),
    (lambda db: db.knn("e5/fortunes", "minilm/fortunes", "3", via_hub="nope"), "E0407", "unknown hub 'nope'"),
])
def test_unknown_names_are_lookup_errors(stitched, call, code, words):
    with pytest.raises(LookupError) as caught:
        call(stitched)
    assert isinstance(caught.value, UnknownSpaceError)
    assert_python_shaped(caught.value, code, 1)
    assert words in caught.value.message
    assert not isinstance(caught.value, KeyError)


@pytest.mark.parametrize("call, code, exit_code, words", [
    # From the library: a space that exists, with the Python argument that would replace it.
    (lambda db, s: db.register("e5/fortunes", s["e5"], keys=s["keys"]), "E0403", 1, "pass replace=True to swap it"),
    # NaN in embeddings, named by the argument they came from rather than standard input.
    (lambda db, s: db.register("x/y", np.where(np.arange(40).reshape(10, 4) == 29, np.nan, 1.0)), "E0150",
     1, "embeddings=: row 7, column 1 is nan"),
    # Query vectors of the wrong width.
    (lambda db, s: db.knn("e5/fortunes", "minilm/fortunes", np.zeros((1, 5), np.float32), anchors="a500"), "E0152",
     1, "queries= has 5 columns; expected 384"),
    # No translator given and none cached for the pair: the arguments to give, as Python arguments.
    (lambda db, s: db.knn("e5/fortunes", "minilm/fortunes", "3"), "E0680", 1, "no cached translator from model 'e5' to model 'minilm'"),
    # An invalid enum value lists every choice (the CLI used to print an empty list).
    (lambda db, s: db.knn("e5/fortunes", "minilm/fortunes", "3", anchors="a500", method="procrustes"), "E0201", 2,
     "The value 'procrustes' is invalid for 'method='. Please provide one of the following: ortho, linear, lortho, affine, scaled-ortho, ridge, residual, auto"),
    (lambda db, s: db.knn("e5/fortunes", "minilm/fortunes", "3", anchors="a500", metric="euclid"), "E0201", 2,
     "Please provide one of 'cosine', 'ip' or 'l2'"),
    (lambda db, s: db.anchors("a500", "e5/fortunes", "minilm/fortunes", count=10), "E0502", 1, "pass replace=True or pick another name"),
    (lambda db, s: db.migrate("e5/fortunes", "minilm/fortunes", anchors="a500", as_space="minilm2/fortunes", gate="mrr>=0.999"),
     "E0804", 1, "failed its gate: held-out mrr"),
])
def test_bad_input_is_a_value_error(stitched, sample, call, code, exit_code, words):
    with pytest.raises(ValueError) as caught:
        call(stitched, sample)
    assert isinstance(caught.value, InvalidInputError)
    assert_python_shaped(caught.value, code, exit_code)
    assert words in caught.value.message
    # Nothing was stored by the failed call.
    assert {s["space"] for s in stitched.spaces()} == {"e5/fortunes", "minilm/fortunes"}


def test_no_store_is_a_store_error(tmp_path):
    db = LatentDB(tmp_path / "absent.db")
    with pytest.raises(OSError) as caught:
        db.spaces()
    assert isinstance(caught.value, StoreError)
    assert_python_shaped(caught.value, "E0401", 1)
    assert "create one with LatentDB.init()" in caught.value.message


def test_a_file_that_is_not_a_store_is_a_store_error(tmp_path):
    (tmp_path / "notes.db").write_bytes(b"these are my notes, not a database\n" * 200)
    with pytest.raises(StoreError) as caught:
        LatentDB(tmp_path / "notes.db").spaces()
    assert caught.value.exit_code == 3 and caught.value.code.startswith("E03")
    assert isinstance(caught.value, OSError)


def test_errors_pickle_with_their_fields(stitched):
    with pytest.raises(UnknownKeyError) as caught:
        stitched.knn("e5/fortunes", "minilm/fortunes", queries=["nope"], anchors="a500")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is UnknownKeyError and (copy.code, copy.message, copy.exit_code) == (
        caught.value.code, caught.value.message, caught.value.exit_code)


def test_a_crash_without_an_error_object_is_still_an_error(tmp_path):
    # A binary that dies without printing JSON (here: a shell script) is reported by its status.
    fake = tmp_path / "latentdb"
    fake.write_text("#!/bin/sh\necho 'something broke' >&2\nexit 7\n")
    fake.chmod(0o755)
    with pytest.raises(LatentDBError) as caught:
        LatentDB(tmp_path / "x.db", binary=str(fake)).spaces()
    assert type(caught.value) is LatentDBError and caught.value.exit_code == 7 and caught.value.code is None
    assert "something broke" in caught.value.message
