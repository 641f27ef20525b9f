"""``latentdb-embed``: embed a text, CSV or JSONL file with a sentence-transformers model and
write what ``latentdb register`` reads: ``OUT.npy`` (float32), ``keys.txt`` and, with a label
column, ``labels.txt``.

    latentdb-embed fortunes.csv --text-column text --key-column id --label-column label \\
        --model sentence-transformers/all-MiniLM-L6-v2 --output minilm.npy

Input formats (``--format auto`` picks by extension: ``.csv``, ``.jsonl``/``.ndjson``, else text):
one item per line (blank lines skipped; keys are 0, 1, … like ``latentdb register``'s default),
CSV with a header row, or JSON Lines (one object per line). sentence-transformers is imported only
when a model is loaded: install it yourself (``pip install sentence-transformers``).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np


class ExportError(Exception):
    """Bad input for the exporter: printed as one line, exit code 1."""


def read_items(path: str, fmt: str = "auto", text_column: Optional[str] = None,
               key_column: Optional[str] = None, label_column: Optional[str] = None
               ) -> Tuple[List[str], List[str], Optional[List[str]]]:
    """(texts, keys, labels or None) from a text, CSV or JSONL file."""
    if fmt == "auto":
        lower = path.lower()
        fmt = "csv" if lower.endswith(".csv") else "jsonl" if lower.endswith((".jsonl", ".ndjson")) else "text"
    if fmt == "text":
        if key_column or label_column or text_column:
            raise ExportError(f"{path}: --text-column/--key-column/--label-column need a CSV or JSONL file")
        with open(path, encoding="utf-8") as f:
            texts = [line.rstrip("\r\n") for line in f if line.strip()]
        return texts, [str(i) for i in range(len(texts))], None

    if fmt == "csv":
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            records = list(reader)
            columns = reader.fieldnames or []
    elif fmt == "jsonl":
        records, columns = [], []
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ExportError(f"{path}, line {number}: not JSON ({e.msg})") from None
                if not isinstance(record, dict):
                    raise ExportError(f"{path}, line {number}: expected a JSON object, found {type(record).__name__}")
                records.append(record)
                columns += [k for k in record if k not in columns]
    else:
        raise ExportError(f"unknown format {fmt!r}: expected auto, text, csv or jsonl")

    text_column = text_column or "text"
    for option, column in (("--text-column", text_column), ("--key-column", key_column), ("--label-column", label_column)):
        if column is not None and column not in columns:
            raise ExportError(f"{path}: no column {column!r} ({option}); columns: {', '.join(map(str, columns)) or 'none'}")

    def cell(record: dict, column: str, number: int, required: bool) -> Optional[str]:
        value = record.get(column)
        if value is None or value == "":
            if required:
                raise ExportError(f"{path}, item {number}: empty {column!r}")
            return None
        text = str(value)
        if "\n" in text and column != text_column:
            raise ExportError(f"{path}, item {number}: {column!r} contains a line break")
        return text

    texts = [cell(r, text_column, i, True) for i, r in enumerate(records)]
    keys = [cell(r, key_column, i, True) for i, r in enumerate(records)] if key_column else [str(i) for i in range(len(records))]
    labels = [cell(r, label_column, i, False) or "" for i, r in enumerate(records)] if label_column else None
    seen = {}
    for i, key in enumerate(keys):
        if key in seen:
            raise ExportError(f"{path}: duplicate key {key!r} at items {seen[key]} and {i}")
        seen[key] = i
    return texts, keys, labels


def load_encoder(model: str) -> Any:
    """A ``SentenceTransformer(model)``; sentence-transformers is imported here, not before."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise ExportError("latentdb-embed needs sentence-transformers to load a model: "
                          "pip install sentence-transformers (or pass an encoder object from Python)") from None
    return SentenceTransformer(model)


def embed(texts: Sequence[str], encoder: Any, batch_size: int = 64, normalize: bool = False) -> np.ndarray:
    """``encoder.encode(texts, ...)`` as a float32 (n, d) array, checked."""
    vectors = encoder.encode(list(texts), batch_size=batch_size, convert_to_numpy=True,
                             normalize_embeddings=normalize, show_progress_bar=False)
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(texts):
        raise ExportError(f"the encoder returned shape {vectors.shape} for {len(texts)} texts; expected ({len(texts)}, d)")
    if not np.isfinite(vectors).all():
        raise ExportError("the encoder returned NaN or infinite values")
    return vectors


def write_outputs(output: str, vectors: np.ndarray, keys: Sequence[str], labels: Optional[Sequence[str]],
                  keys_path: Optional[str] = None, labels_path: Optional[str] = None) -> dict:
    directory = os.path.dirname(os.path.abspath(output))
    os.makedirs(directory, exist_ok=True)
    keys_path = keys_path or os.path.join(directory, "keys.txt")
    np.save(output, np.ascontiguousarray(vectors, dtype="<f4"))
    with open(keys_path, "w", encoding="utf-8") as f:
        f.write("".join(k + "\n" for k in keys))
    written = {"embeddings": output, "keys": keys_path, "rows": int(vectors.shape[0]), "dim": int(vectors.shape[1])}
    if labels is not None:
        labels_path = labels_path or os.path.join(directory, "labels.txt")
        with open(labels_path, "w", encoding="utf-8") as f:
            f.write("".join(l + "\n" for l in labels))
        written["labels"] = labels_path
    return written


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="latentdb-embed",
        description="Embed a text, CSV or JSONL file with a sentence-transformers model, for `latentdb register`.",
        epilog="Example: latentdb-embed items.csv --text-column text --key-column id --label-column label "
               "--model sentence-transformers/all-MiniLM-L6-v2 --output minilm.npy")
    p.add_argument("input", help="text (one item per line), .csv (with a header) or .jsonl file")
    p.add_argument("--model", required=True, help="sentence-transformers model name or path (installed locally)")
    p.add_argument("--output", "-o", required=True, help="output .npy (float32); keys.txt and labels.txt go beside it")
    p.add_argument("--format", default="auto", choices=["auto", "text", "csv", "jsonl"])
    p.add_argument("--text-column", help="CSV/JSONL column holding the text (default: text)")
    p.add_argument("--key-column", help="CSV/JSONL column holding unique keys (default: row numbers 0, 1, …)")
    p.add_argument("--label-column", help="CSV/JSONL column holding labels (writes labels.txt)")
    p.add_argument("--keys", help="keys file to write (default: keys.txt beside --output)")
    p.add_argument("--labels", help="labels file to write (default: labels.txt beside --output)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--normalize", action="store_true", help="L2-normalise the embeddings")
    p.add_argument("--json", action="store_true", help="print what was written as JSON")
    return p


def main(argv: Optional[Sequence[str]] = None, encoder: Any = None) -> int:
    """Entry point of ``latentdb-embed``; ``encoder`` (an object with ``encode``) replaces the model."""
    args = parser().parse_args(argv)
    try:
        texts, keys, labels = read_items(args.input, args.format, args.text_column, args.key_column, args.label_column)
        if not texts:
            raise ExportError(f"{args.input}: no items")
        vectors = embed(texts, encoder if encoder is not None else load_encoder(args.model), args.batch_size, args.normalize)
        written = write_outputs(args.output, vectors, keys, labels, args.keys, args.labels)
    except (ExportError, OSError, UnicodeDecodeError) as e:
        print(f"latentdb-embed: error: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(written, sort_keys=True))
    else:
        extra = f", {written['labels']}" if "labels" in written else ""
        print(f"wrote {written['rows']} × {written['dim']} to {written['embeddings']}, {written['keys']}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
