import json
import sys

import numpy as np
import pytest

from latentdb import LatentDB
from latentdb import export


class StubEncoder:
    """Stands in for a SentenceTransformer: a deterministic vector per text."""

    def __init__(self, dim=8):
        self.dim = dim
        self.calls = []

    def encode(self, texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=False, show_progress_bar=False):
        self.calls.append((list(texts), batch_size, normalize_embeddings))
        out = np.array([[(len(t) + i) % 7 + 0.5 * (ord(t[0]) % 3) for i in range(self.dim)] for t in texts], dtype=np.float64)
        if normalize_embeddings:
            out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out


def test_text_file(tmp_path):
    src = tmp_path / "items.txt"
    src.write_text("first item\n\nsecond\nthird one\n", encoding="utf-8")
    stub = StubEncoder()
    assert export.main([str(src), "--model", "stub", "--output", str(tmp_path / "out" / "e.npy"), "--batch-size", "2"], encoder=stub) == 0
    vectors = np.load(tmp_path / "out" / "e.npy")
    assert vectors.shape == (3, 8) and vectors.dtype == np.float32
    assert (tmp_path / "out" / "keys.txt").read_text().splitlines() == ["0", "1", "2"]
    assert not (tmp_path / "out" / "labels.txt").exists()
    assert stub.calls == [(["first item", "second", "third one"], 2, False)]


def test_csv_with_columns_registers(tmp_path, capsys):
    src = tmp_path / "items.csv"
    src.write_text('id,text,label\na1,"hello, world",greeting\nb2,goodbye,farewell\nc3,"multi\nline",other\n', encoding="utf-8")
    out = tmp_path / "e.npy"
    code = export.main([str(src), "--model", "stub", "--output", str(out), "--text-column", "text", "--key-column", "id",
                        "--label-column", "label", "--normalize", "--json"], encoder=StubEncoder())
    assert code == 0
    written = json.loads(capsys.readouterr().out)
    assert written["rows"] == 3 and written["dim"] == 8
    assert (tmp_path / "keys.txt").read_text().splitlines() == ["a1", "b2", "c3"]
    assert (tmp_path / "labels.txt").read_text().splitlines() == ["greeting", "farewell", "other"]
    assert np.allclose(np.linalg.norm(np.load(out), axis=1), 1, atol=1e-6)
    # What it wrote is what `latentdb register` reads.
    db = LatentDB(tmp_path / "t.db")
    db.register("stub/items", np.load(out), keys=(tmp_path / "keys.txt").read_text().splitlines(),
                labels=(tmp_path / "labels.txt").read_text().splitlines())
    assert db.info("stub/items")["rows"] == 3


def test_jsonl(tmp_path):
    src = tmp_path / "items.jsonl"
    src.write_text('{"body": "x one", "k": 7}\n\n{"body": "y two", "k": 8, "extra": true}\n', encoding="utf-8")
    assert export.main([str(src), "--model", "stub", "-o", str(tmp_path / "e.npy"), "--text-column", "body",
                        "--key-column", "k", "--keys", str(tmp_path / "my-keys.txt")], encoder=StubEncoder(4)) == 0
    assert (tmp_path / "my-keys.txt").read_text().splitlines() == ["7", "8"]
    assert np.load(tmp_path / "e.npy").shape == (2, 4)


@pytest.mark.parametrize("name, content, args, message", [
    ("a.csv", "id,text\n1,a\n", ["--text-column", "body"], "no column 'body' (--text-column); columns: id, text"),
    ("a.csv", "id,text\n1,a\n1,b\n", ["--key-column", "id"], "duplicate key '1'"),
    ("a.csv", "id,text\n1,a\n2,\n", [], "item 1: empty 'text'"),
    ("a.jsonl", '{"text": "a"}\nnot json\n', [], "line 2: not JSON"),
    ("a.jsonl", '["text"]\n', [], "expected a JSON object"),
    ("a.txt", "hello\n", ["--key-column", "id"], "need a CSV or JSONL file"),
    ("a.txt", "\n\n", [], "no items"),
])
def test_bad_input(tmp_path, capsys, name, content, args, message):
    src = tmp_path / name
    src.write_text(content, encoding="utf-8")
    assert export.main([str(src), "--model", "stub", "-o", str(tmp_path / "e.npy"), *args], encoder=StubEncoder()) == 1
    err = capsys.readouterr().err
    assert err.startswith("latentdb-embed: error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "e.npy").exists()


def test_bad_encoder_output(tmp_path, capsys):
    class Broken:
        def encode(self, texts, **_):
            return np.full((len(texts), 3), np.nan)
    src = tmp_path / "a.txt"
    src.write_text("a\nb\n")
    assert export.main([str(src), "--model", "x", "-o", str(tmp_path / "e.npy")], encoder=Broken()) == 1
    assert "NaN" in capsys.readouterr().err


def test_missing_sentence_transformers_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails as if not installed
    src = tmp_path / "a.txt"
    src.write_text("hello\n")
    assert export.main([str(src), "--model", "all-MiniLM-L6-v2", "-o", str(tmp_path / "e.npy")]) == 1
    assert "pip install sentence-transformers" in capsys.readouterr().err


def test_sentence_transformers_is_imported_lazily():
    import importlib
    sys.modules.pop("sentence_transformers", None)
    importlib.reload(export)
    assert "sentence_transformers" not in sys.modules
