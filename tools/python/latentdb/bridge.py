"""LatentDB from Python, through the ``latentdb`` CLI.

Every call runs the CLI once with ``--json``; arrays travel as temporary ``.npy`` files. Inputs
are checked here first (a non-2-D or non-float array raises ``ValueError`` before anything
runs); everything else (NaN values, unknown spaces, shape mismatches) is checked by the CLI and
comes back as ``LatentDBError`` with its one-line message.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence, Union

import numpy as np

Queries = Union[np.ndarray, Sequence[str], str]


class LatentDBError(Exception):
    """A failed ``latentdb`` command: ``message`` is the CLI's one-line reason, ``exit_code``
    its exit status (1 bad input or data, 2 usage, 3 store or I/O failure)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.message} (exit code {self.exit_code})"


def find_binary(binary: Optional[str] = None) -> str:
    """The ``latentdb`` executable: ``binary`` if given, else ``$LATENTDB_BINARY``, else
    ``latentdb`` on ``PATH``, else ``.build/release`` or ``.build/debug`` of the checkout this
    package is imported from."""
    if binary is not None:
        candidate = shutil.which(str(binary)) or str(binary)
        if not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
            raise FileNotFoundError(f"latentdb binary {binary!r} is not an executable file")
        return candidate
    from_env = os.environ.get("LATENTDB_BINARY")
    if from_env:
        if not (os.path.isfile(from_env) and os.access(from_env, os.X_OK)):
            raise FileNotFoundError(f"$LATENTDB_BINARY={from_env!r} is not an executable file")
        return from_env
    on_path = shutil.which("latentdb")
    if on_path:
        return on_path
    for parent in Path(__file__).resolve().parents:
        if (parent / "Package.swift").is_file():
            for config in ("release", "debug"):
                built = parent / ".build" / config / "latentdb"
                if built.is_file() and os.access(built, os.X_OK):
                    return str(built)
            break
    raise FileNotFoundError(
        "cannot find the latentdb binary: pass LatentDB(path, binary=...), set $LATENTDB_BINARY, "
        "put latentdb on PATH, or build it in this checkout with `swift build`")


def _matrix(array: Any, what: str) -> np.ndarray:
    """A C-order little-endian float16/32/64 copy of ``array``, or ``ValueError``."""
    a = np.asarray(array)
    if a.ndim != 2:
        raise ValueError(f"{what} must be a 2-D array (rows, columns), got shape {a.shape}")
    if a.dtype.kind != "f" or a.dtype.itemsize not in (2, 4, 8):
        raise ValueError(f"{what} must be float16, float32 or float64, got dtype {a.dtype}")
    return np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))


def _lines(values: Iterable[Any], what: str, rows: int) -> list:
    out = ["" if v is None else str(v) for v in values]
    if len(out) != rows:
        raise ValueError(f"{what}: {len(out)} values for {rows} rows")
    for i, v in enumerate(out):
        if "\n" in v or "\r" in v:
            raise ValueError(f"{what}[{i}] contains a line break: {v!r}")
    return out


class LatentDB:
    """A LatentDB store (one SQLite file), driven through the CLI.

    >>> db = LatentDB("latent.db")
    >>> db.register("e5/fortunes", e5, keys=keys)
    """

    def __init__(self, path: Union[str, os.PathLike], binary: Optional[str] = None):
        self.path = os.fspath(path)
        self.binary = find_binary(binary)

    def __repr__(self) -> str:
        return f"LatentDB({self.path!r}, binary={self.binary!r})"

    # -- running the CLI ------------------------------------------------------------------

    def _run(self, command: Sequence[str], options: Sequence[str] = ()) -> Any:
        args = [self.binary, *command, "--db", self.path, "--json", *options]
        env = dict(os.environ)
        env.pop("LATENTDB_PATH", None)
        proc = subprocess.run(args, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
        errors = [line for line in proc.stderr.splitlines() if line.strip()]
        if proc.returncode != 0:
            message = next((l for l in reversed(errors) if l.startswith("latentdb: error: ")), None)
            message = message[len("latentdb: error: "):] if message else (errors[-1] if errors else f"latentdb {' '.join(command)} failed")
            raise LatentDBError(message, proc.returncode)
        for line in errors:
            if line.startswith("latentdb: warning: "):
                warnings.warn(line[len("latentdb: warning: "):], stacklevel=3)
        text = proc.stdout.strip()
        return json.loads(text) if text else None

    def _query_options(self, directory: str, queries: Queries) -> list:
        """``--input`` for an array of vectors, ``--keys`` for item keys (a string is one key)."""
        if isinstance(queries, str):
            queries = [queries]
        is_keys = not isinstance(queries, np.ndarray) and len(queries) > 0 and all(isinstance(q, str) for q in queries)
        if not is_keys:
            if not isinstance(queries, np.ndarray) and len(queries) == 0:
                raise ValueError("queries: no keys or vectors given")
            path = os.path.join(directory, "queries.npy")
            np.save(path, _matrix(queries, "queries"))
            return ["--input", path]
        path = os.path.join(directory, "query-keys.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(k + "\n" for k in _lines(queries, "queries", len(queries))))
        return ["--keys", path]

    @staticmethod
    def _translator_options(anchors, method, scaling, translator) -> list:
        if translator is not None:
            if anchors is not None:
                raise ValueError("give anchors= (with method=) or translator=, not both")
            return ["--translator", translator]
        if anchors is not None:
            return ["--anchors", anchors, "--method", method, "--scaling", scaling]
        return []

    # -- the API --------------------------------------------------------------------------

    def register(self, name: str, array: Any, keys: Optional[Sequence[str]] = None,
                 labels: Optional[Sequence[Any]] = None, split: Optional[Sequence[str]] = None,
                 replace: bool = False, codec: Optional[str] = None) -> dict:
        """Registers ``array`` (rows × dim, float) as space ``MODEL/DATASET``; returns the CLI's summary."""
        m = _matrix(array, "embeddings")
        rows = m.shape[0]
        with tempfile.TemporaryDirectory(prefix="latentdb-") as d:
            path = os.path.join(d, "embeddings.npy")
            np.save(path, m)
            options = ["--embeddings", path]
            for what, values in (("keys", keys), ("labels", labels), ("split", split)):
                if values is None:
                    continue
                file = os.path.join(d, f"{what}.txt")
                if what == "labels" and isinstance(values, np.ndarray) and values.dtype.kind in "iu":
                    if values.ndim != 1 or len(values) != rows:
                        raise ValueError(f"labels: shape {values.shape} for {rows} rows")
                    file = os.path.join(d, "labels.npy")
                    np.save(file, values.astype("<i8"))
                else:
                    with open(file, "w", encoding="utf-8") as f:
                        f.write("".join(v + "\n" for v in _lines(values, what, rows)))
                options += [f"--{what}", file]
            if replace:
                options.append("--replace")
            if codec:
                options += ["--codec", codec]
            return self._run(["register", name], options)

    def spaces(self) -> list:
        """The spaces of the store (``latentdb ls``), one dict each."""
        return self._run(["ls"])

    def info(self, name: str) -> dict:
        return self._run(["info", name])

    def remove(self, name: str) -> Any:
        return self._run(["rm", name])

    def export(self, name: str) -> np.ndarray:
        """The stored matrix of space ``name`` (float32)."""
        with tempfile.TemporaryDirectory(prefix="latentdb-") as d:
            path = os.path.join(d, "export.npy")
            self._run(["export", name], ["--output", path])
            return np.load(path)

    def anchors(self, name: str, src: str, dst: str, count: Optional[int] = None, seed: int = 0,
                stratified: bool = False, pairs: Optional[Sequence[Any]] = None, replace: bool = False) -> dict:
        """Creates anchor set ``name`` between two spaces: ``count`` items drawn with ``seed``
        (per label with ``stratified``), or explicit ``pairs`` (keys, or (source, target) key pairs)."""
        options = ["--from", src, "--to", dst]
        with tempfile.TemporaryDirectory(prefix="latentdb-") as d:
            if pairs is not None:
                if count is not None or stratified:
                    raise ValueError("pairs= gives the anchors itself: drop count=/stratified=")
                lines = ["\t".join(map(str, p)) if isinstance(p, (tuple, list)) else str(p) for p in pairs]
                path = os.path.join(d, "anchors.txt")
                with open(path, "w", encoding="utf-8") as f:
                    f.write("".join(l + "\n" for l in _lines(lines, "pairs", len(lines))))
                options += ["--file", path]
            else:
                if count is None:
                    raise ValueError("give count= (with stratified= or not) or pairs=")
                options += ["--count", str(int(count)), "--seed", str(int(seed))]
                if stratified:
                    options.append("--stratified")
            if replace:
                options.append("--replace")
            return self._run(["anchors", "create", name], options)

    def fit(self, src: str, dst: str, anchors: str, method: str = "ortho", scaling: str = "standard",
            refit: bool = False) -> dict:
        """Fits (or fetches from the cache) the translator ``src → dst``; returns its summary."""
        options = ["--from", src, "--to", dst, "--anchors", anchors, "--method", method, "--scaling", scaling]
        return self._run(["fit"], options + (["--refit"] if refit else []))

    def knn(self, src: str, dst: str, queries: Queries, k: int = 10, anchors: Optional[str] = None,
            method: str = "ortho", translator: Optional[str] = None, metric: str = "cosine",
            csls: bool = False, scaling: str = "standard") -> list:
        """Neighbours in ``dst`` of each query from ``src``: a list per query of (key, label, score)."""
        if int(k) < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        with tempfile.TemporaryDirectory(prefix="latentdb-") as d:
            options = ["--from", src, "--to", dst, *self._query_options(d, queries), "-k", str(int(k)),
                       "--metric", metric, *self._translator_options(anchors, method, scaling, translator)]
            if csls:
                options.append("--csls")
            summary = self._run(["knn"], options)
        # knn --json is an object like classify's (from, to, k, metric, csls, translator, results).
        return [[(n["key"], n.get("label"), float(n["score"])) for n in r["neighbors"]] for r in summary["results"]]

    def classify(self, src: str, dst: str, queries: Queries, anchors: Optional[str] = None,
                 method: str = "ortho", translator: Optional[str] = None, decoder: str = "knn",
                 scaling: str = "standard") -> list:
        """Predicted labels in ``dst`` for each query from ``src``: a list of (label, score)."""
        with tempfile.TemporaryDirectory(prefix="latentdb-") as d:
            options = ["--from", src, "--to", dst, *self._query_options(d, queries), "--decoder", decoder,
                       *self._translator_options(anchors, method, scaling, translator)]
            summary = self._run(["classify"], options)
        return [(p["label"], float(p["score"])) for p in summary["predictions"]]

    def translate(self, src: str, dst: str, queries: Queries, anchors: Optional[str] = None,
                  method: str = "ortho", translator: Optional[str] = None, scaling: str = "standard") -> np.ndarray:
        """The queries translated into ``dst``'s space (float32, one row per query)."""
        with tempfile.TemporaryDirectory(prefix="latentdb-") as d:
            output = os.path.join(d, "translated.npy")
            options = ["--from", src, "--to", dst, *self._query_options(d, queries), "--output", output,
                       *self._translator_options(anchors, method, scaling, translator)]
            self._run(["translate"], options)
            return np.load(output)

    def eval(self, src: str, dst: str, **options: Any) -> dict:
        """``latentdb eval``: keyword options become flags (``count=500`` → ``--count 500``,
        ``methods=["ortho", "linear"]`` → ``--methods ortho,linear``, ``csls=True`` → ``--csls``)."""
        args = ["--from", src, "--to", dst]
        for key, value in options.items():
            flag = "--" + key.replace("_", "-")
            if value is None or value is False:
                continue
            if value is True:
                args.append(flag)
            elif isinstance(value, (list, tuple)):
                args += [flag, ",".join(map(str, value))]
            else:
                args += [flag, str(value)]
        return self._run(["eval"], args)
