import os
from pathlib import Path

import numpy as np
import pytest

from latentdb import LatentDB

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "examples" / "fortunes"


def read_lines(name):
    return (SAMPLE / name).read_text(encoding="utf-8").splitlines()


@pytest.fixture
def db(tmp_path):
    # The binary: $LATENTDB_BINARY (CI sets it to the debug build), else PATH, else this checkout's .build.
    return LatentDB(tmp_path / "test.db")


@pytest.fixture(scope="session")
def sample():
    return {
        "e5": np.load(SAMPLE / "e5.npy"),
        "minilm": np.load(SAMPLE / "minilm.npy"),
        "glove50": np.load(SAMPLE / "glove50.npy"),
        "keys": read_lines("keys.txt"),
        "labels": read_lines("labels.txt"),
        "split": read_lines("split.txt"),
    }


@pytest.fixture
def stitched(db, sample):
    """Two models of the bundled sample and 500 anchors between them."""
    db.register("e5/fortunes", sample["e5"], keys=sample["keys"], labels=sample["labels"], split=sample["split"])
    db.register("minilm/fortunes", sample["minilm"], keys=sample["keys"])
    db.anchors("a500", "e5/fortunes", "minilm/fortunes", count=500, seed=0)
    return db
