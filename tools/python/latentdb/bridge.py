"""LatentDB from Python, through the ``latentdb`` CLI.

Every call runs the CLI once with ``--json``. Arrays go to its standard input and come back from
its standard output as ``.npy`` streams (``--embeddings -``, ``--input -``, ``--output -``): no
temporary array files. Text inputs (keys, labels, splits, anchor pairs) travel as small temporary
text files, or, for query keys, on the command line.

Inputs are checked here first where Python can say it better (shapes, dtypes, what counts as a
key); everything else is checked by the CLI, whose error object becomes an exception of
:mod:`latentdb.errors` with the message reworded for Python.
"""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import warnings
from pathlib import Path
from typing import (TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union, overload)

import numpy as np

from . import _npy
from .errors import InvalidInputError, LatentDBError, from_cli, pythonic
from .results import ClassifyResult, KNNResult

if TYPE_CHECKING:
    from .remote import RemoteLatentDB

__all__ = ["LatentDB", "find_binary", "Queries", "Gate"]

#: Queries: item keys (a ``str`` or ``int``, or a sequence / 1-D NumPy array of them), or
#: vectors in the source model's space (a float array: one 1-D vector, or rows × dim).
Queries = Union[str, int, Sequence[Union[str, int]], Sequence[Sequence[float]], np.ndarray]
#: A quality gate for :meth:`LatentDB.migrate`: ``"mrr>=0.9"`` or ``("mrr", 0.9)``.
Gate = Union[str, Tuple[str, float]]
PathLike = Union[str, "os.PathLike[str]"]
_Self = TypeVar("_Self", bound="LatentDB")

# Query keys beyond this many characters go through a temporary file instead of the command line.
_ARGUMENT_BUDGET = 64 * 1024


def find_binary(binary: Optional[str] = None) -> str:
    """The ``latentdb`` executable to run.

    Parameters
    ----------
    binary : str, optional
        A path or a command name on ``PATH``.

    Returns
    -------
    str
        ``binary`` if given, else ``$LATENTDB_BINARY``, else ``latentdb`` on ``PATH``, else
        ``.build/release`` or ``.build/debug`` of the checkout this package is imported from.

    Raises
    ------
    FileNotFoundError
        When none of them is an executable file.
    """
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


def _invalid(message: str) -> InvalidInputError:
    return InvalidInputError(message)


def _matrix(array: Any, argument: str, allow_vector: bool = False) -> np.ndarray:
    """A C-order little-endian float16/32/64 array (2-D; a 1-D vector becomes one row when
    ``allow_vector``), or :class:`InvalidInputError` naming ``argument``."""
    a = np.asarray(array)
    if allow_vector and a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2:
        shape = "rows × dim" + (" (or one 1-D vector)" if allow_vector else "")
        raise _invalid(f"{argument}= must be a 2-D array ({shape}), got shape {a.shape}")
    if a.dtype.kind != "f" or a.dtype.itemsize not in (2, 4, 8):
        raise _invalid(f"{argument}= must be float16, float32 or float64, got dtype {a.dtype}")
    return np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))


def _text_values(values: Any, argument: str, rows: Optional[int]) -> List[str]:
    out = ["" if v is None else str(v) for v in values]
    if rows is not None and len(out) != rows:
        raise _invalid(f"{argument}=: {len(out)} values for {rows} rows")
    for i, v in enumerate(out):
        if "\n" in v or "\r" in v:
            raise _invalid(f"{argument}=[{i}] contains a line break: {v!r}")
    return out


def _is_key(value: Any) -> bool:
    return isinstance(value, (str, np.str_, int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _query_keys(queries: Any) -> Optional[List[str]]:
    """The keys in ``queries``, or ``None`` when they are vectors.

    Keys are keys: a ``str`` or ``int``, or a sequence / NumPy array of them. Only floats are
    vectors. ``bool`` is neither (``True`` as key ``"1"`` would be a silent surprise).
    """
    if _is_key(queries):
        return [str(queries)]
    if isinstance(queries, (bytes, bytearray)):
        raise TypeError("queries= must be keys (str or int) or float vectors, got bytes")
    if isinstance(queries, np.ndarray):
        if queries.dtype.kind in "USiu" or (queries.dtype.kind == "O" and all(_is_key(q) for q in queries.reshape(-1))):
            if queries.ndim != 1:
                raise _invalid(f"queries=: an array of keys must be 1-D, got shape {queries.shape}")
            if queries.size == 0:
                raise _invalid("queries=: no keys or vectors given")
            return [str(q) for q in queries.tolist()]
        return None
    if isinstance(queries, (float, np.floating)):
        raise TypeError(f"queries= must be keys (str or int) or float vectors; a single number {queries!r} is neither: "
                        "pass [vector] for one vector")
    try:
        items = list(queries)
    except TypeError:
        raise TypeError(f"queries= must be keys (str or int) or float vectors, got {type(queries).__name__}") from None
    if not items:
        raise _invalid("queries=: no keys or vectors given")
    if all(_is_key(q) for q in items):
        return [str(q) for q in items]
    if any(_is_key(q) for q in items):
        raise TypeError("queries= mixes keys with other values: give keys (str or int) or float vectors, not both")
    return None


class LatentDB:
    """A LatentDB store (one SQLite file), driven through the ``latentdb`` CLI.

    Parameters
    ----------
    path : str or os.PathLike
        The store file. It is created by the first write (:meth:`register`,
        :meth:`import_translator`) or by :meth:`init`.
    binary : str, optional
        The ``latentdb`` executable (see :func:`find_binary`).

    Examples
    --------
    >>> with LatentDB("latent.db") as db:                              # doctest: +SKIP
    ...     db.register("e5/fortunes", e5, keys=keys, labels=labels)
    ...     db.register("minilm/fortunes", minilm, keys=keys)
    ...     db.anchors("a500", "e5/fortunes", "minilm/fortunes", count=500)
    ...     db.knn("e5/fortunes", "minilm/fortunes", "3", k=5, anchors="a500").to_pandas()
    """

    def __init__(self, path: PathLike, binary: Optional[str] = None) -> None:
        self.path: str = os.fspath(path)
        self.binary: str = find_binary(binary)
        self._closed = False

    def __repr__(self) -> str:
        return f"LatentDB({self.path!r}{', closed' if self._closed else ''})"

    @staticmethod
    def connect(url: str, token: Optional[str] = None, timeout: float = 120.0) -> "RemoteLatentDB":
        """A running ``latentdb serve`` instead of a store file: the same methods where the server
        has a route (``spaces``, ``info``, ``translators``, ``knn``, ``classify``, ``translate``,
        ``fit``), the same answers and exceptions; the others raise ``NotServedError``.

        Parameters
        ----------
        url : str
            ``"http://127.0.0.1:8765"``.
        token : str, optional
            The bearer token of a server started with ``--token-file``.
        timeout : float, default 120
            Seconds to wait for one answer.

        Returns
        -------
        RemoteLatentDB
        """
        from .remote import RemoteLatentDB
        return RemoteLatentDB(url, token=token, timeout=timeout)

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Closes this handle: later calls raise ``ValueError``. The store file stays as it is
        (every call is its own transaction; nothing is held open between calls)."""
        self._closed = True

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def __enter__(self: _Self) -> _Self:
        self._check_open()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"operation on a closed LatentDB ({self.path})")

    # -- running the CLI -----------------------------------------------------------------------

    def _run(self, command: Sequence[str], options: Sequence[str] = (), *, stdin: Optional[np.ndarray] = None,
             stdout_array: bool = False, names: Optional[Mapping[str, str]] = None,
             report_statuses: Sequence[int] = ()) -> Tuple[Any, Optional[np.ndarray]]:
        """Runs ``latentdb COMMAND --db PATH --json OPTIONS``: ``stdin`` is sent as ``.npy`` on its
        standard input; with ``stdout_array`` its standard output is read as ``.npy`` (and its
        JSON comes on stderr). Returns (JSON, array). ``report_statuses``: non-zero statuses that
        still print a report rather than an error (``check``)."""
        self._check_open()
        args = [self.binary, *command, "--db", self.path, "--json", *options]
        env = dict(os.environ)
        env.pop("LATENTDB_PATH", None)
        proc = subprocess.Popen(args, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        threads: List[threading.Thread] = []
        stderr_chunks: List[bytes] = []
        assert proc.stdout is not None and proc.stderr is not None

        def feed() -> None:
            assert proc.stdin is not None
            try:
                _npy.write(proc.stdin, stdin)  # type: ignore[arg-type]
            except (BrokenPipeError, ConnectionResetError):
                pass  # the CLI stopped reading: it failed, and its error says why
            finally:
                try:
                    proc.stdin.close()
                except (BrokenPipeError, OSError):
                    pass

        def drain_stderr() -> None:
            stderr_chunks.append(proc.stderr.read())  # type: ignore[union-attr]

        if stdin is not None:
            threads.append(threading.Thread(target=feed, daemon=True))
        threads.append(threading.Thread(target=drain_stderr, daemon=True))
        for t in threads:
            t.start()
        array = None
        try:
            if stdout_array:
                array = _npy.read(proc.stdout)
                rest = proc.stdout.read()
            else:
                rest = proc.stdout.read()
            status = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            for t in threads:
                t.join()
            proc.stdout.close()
            proc.stderr.close()
        stderr = b"".join(stderr_chunks).decode("utf-8", "replace")
        json_text = stderr if stdout_array else rest.decode("utf-8", "replace")
        output = _last_json(json_text)
        if status != 0 and not (status in report_statuses and isinstance(output, dict) and "error" not in output):
            raise _failure(status, output, stderr, command, names)
        self._warn(output, stderr, names)
        if stdout_array and array is None:
            raise LatentDBError(f"latentdb {' '.join(command)} printed no array", status)
        return output, array

    @staticmethod
    def _warn(output: Any, stderr: str, names: Optional[Mapping[str, str]]) -> None:
        """The CLI's warnings (its JSON ``warnings`` list, else its ``warning:`` lines) as
        ``UserWarning`` at the caller's line."""
        if isinstance(output, dict) and isinstance(output.get("warnings"), list):
            messages = [str(w) for w in output["warnings"]]
        else:
            prefix = "latentdb: warning: "
            messages = [line[len(prefix):] for line in stderr.splitlines() if line.startswith(prefix)]
        for message in messages:
            warnings.warn(pythonic(message, names), UserWarning, stacklevel=4)

    @staticmethod
    def _query_options(queries: Queries, directory: str, source_dim_hint: Optional[int] = None
                       ) -> Tuple[List[str], Optional[np.ndarray], Dict[str, str]]:
        """CLI options, standard input and message names for ``queries``."""
        keys = _query_keys(queries)
        if keys is None:
            vectors = _matrix(queries, "queries", allow_vector=True)
            return ["--input", "-"], vectors, {"query file standard input": "queries=", "standard input": "queries="}
        _text_values(keys, "queries", None)
        if sum(len(k) + 8 for k in keys) <= _ARGUMENT_BUDGET:
            return [f"--key={k}" for k in keys], None, {}
        path = os.path.join(directory, "query-keys.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(k + "\n" for k in keys))
        return ["--keys", path], None, {path: "queries="}

    @staticmethod
    def _translator_options(anchors: Optional[str], translator: Optional[str], method: Optional[str],
                            scaling: Optional[str], via: Optional[Sequence[str]] = None,
                            via_hub: Optional[str] = None) -> List[str]:
        """How the translator is chosen. With neither ``anchors`` nor ``translator`` (nor a
        chain or hub) nothing is passed, and the CLI decides (the same model needs no translator;
        newer CLIs use the newest cached translator of the pair)."""
        if translator is not None and anchors is not None:
            raise _invalid("give anchors= (with method=) or translator=, not both")
        options: List[str] = []
        if translator is not None:
            options += ["--translator", str(translator)]
        if anchors is not None:
            options += ["--anchors", str(anchors)]
        if method is not None:
            options += ["--method", str(method)]
        if scaling is not None:
            options += ["--scaling", str(scaling)]
        for space in via or ():
            options += ["--via", str(space)]
        if via_hub is not None:
            options += ["--via-hub", str(via_hub)]
        return options

    # -- the store -----------------------------------------------------------------------------

    def init(self) -> Dict[str, Any]:
        """Creates an empty store at :attr:`path` (or checks an existing one).

        Returns
        -------
        dict
            ``store`` (its path) and ``schemaVersion``.
        """
        return self._run(["init"])[0]

    def check(self) -> Dict[str, Any]:
        """Verifies the store: SQLite's integrity, foreign keys, every block's checksum, every
        translator.

        Returns
        -------
        dict
            ``ok`` (bool), ``problems`` (one string per problem, naming its space and block),
            ``spacesChecked``, ``blocksChecked``, ``translatorsChecked``. Problems are reported
            here, not raised.
        """
        report = self._run(["check"], report_statuses=(3,))[0]
        report.setdefault("ok", not report.get("problems"))
        return report

    def vacuum(self) -> Dict[str, Any]:
        """Compacts the store file after removals.

        Returns
        -------
        dict
            ``bytesBefore`` and ``bytesAfter``.
        """
        return self._run(["vacuum"])[0]

    # -- spaces --------------------------------------------------------------------------------

    def register(self, name: str, embeddings: Any, keys: Optional[Sequence[Any]] = None,
                 labels: Optional[Union[Sequence[Any], np.ndarray]] = None, split: Optional[Sequence[Any]] = None,
                 replace: bool = False, codec: Optional[str] = None) -> Dict[str, Any]:
        """Stores ``embeddings`` as space ``name`` (``MODEL/DATASET``), in one transaction.

        Parameters
        ----------
        name : str
            ``MODEL/DATASET``, e.g. ``"minilm/fortunes"``.
        embeddings : array_like, shape (rows, dim)
            float16, float32 or float64 (stored as float32). NaN or ±Inf is refused.
        keys : sequence of str or int, optional
            One unique key per row (default: row numbers ``"0"``, ``"1"``, …). A dataset's keys
            are shared by its spaces: a second model's rows may come in another order.
        labels : sequence or 1-D integer array, optional
            One label per row (``None`` or ``""``: unlabelled).
        split : sequence of str, optional
            One split per row (``"train"``, ``"test"``, …).
        replace : bool, default False
            Replace an existing space of that name atomically.
        codec : str, optional
            Block codec: ``"bitshuffle-lz4"`` (default), ``"shuffle-lz4"`` or ``"lz4"``.

        Returns
        -------
        dict
            ``space, rows, dim, sourceDType, codec, storedBytes, compressionRatio, version``, …

        Raises
        ------
        InvalidInputError
            Bad array, keys or labels; the space exists and ``replace`` is false.
        """
        matrix = _matrix(embeddings, "embeddings")
        rows = matrix.shape[0]
        names: Dict[str, str] = {"standard input": "embeddings="}
        with tempfile.TemporaryDirectory(prefix="latentdb-") as d:
            options = ["--embeddings", "-"]
            for argument, values in (("keys", keys), ("labels", labels), ("split", split)):
                if values is None:
                    continue
                path = os.path.join(d, f"{argument}.txt")
                if argument == "labels" and isinstance(values, np.ndarray) and values.dtype.kind in "iu":
                    if values.ndim != 1 or len(values) != rows:
                        raise _invalid(f"labels=: shape {values.shape} for {rows} rows")
                    path = os.path.join(d, "labels.npy")
                    np.save(path, values.astype("<i8"))
                else:
                    with open(path, "w", encoding="utf-8") as f:
                        f.write("".join(v + "\n" for v in _text_values(values, argument, rows)))
                options += [f"--{argument}", path]
                names[path] = f"{argument}="
            if replace:
                options.append("--replace")
            if codec:
                options += ["--codec", codec]
            return self._run(["register", name], options, stdin=matrix, names=names)[0]

    def spaces(self) -> List[Dict[str, Any]]:
        """The spaces of the store, one dict each (``space, rows, dim, codec, storedBytes,
        version``, …)."""
        return self._run(["ls"])[0]

    def info(self, name: str) -> Dict[str, Any]:
        """One space: shape, storage, version, provenance, label and split counts.

        Raises
        ------
        UnknownSpaceError
            The store holds no space ``name``.
        """
        return self._run(["info", name])[0]

    def remove(self, name: str) -> Dict[str, Any]:
        """Removes space ``name`` (and its dataset when no other space uses it).

        Returns
        -------
        dict
            ``removed`` and ``datasetRemoved``.
        """
        return self._run(["rm", name])[0]

    @overload
    def export(self, name: str) -> np.ndarray: ...

    @overload
    def export(self, name: str, path: PathLike, format: str = "npy") -> Dict[str, Any]: ...

    def export(self, name: str, path: Optional[PathLike] = None, format: str = "npy") -> Any:
        """The stored matrix of space ``name``, exactly as registered.

        Parameters
        ----------
        name : str
        path : str or os.PathLike, optional
            Write a file instead of returning the array.
        format : {"npy", "safetensors", "fvecs"}
            The file's format (with ``path`` only).

        Returns
        -------
        numpy.ndarray of float32, shape (rows, dim)
            Without ``path``; else the export summary (dict).
        """
        if path is None:
            if format != "npy":
                raise _invalid("format= needs path=: the array itself is returned as NumPy")
            return self._run(["export", name], ["--output", "-"], stdout_array=True)[1]
        return self._run(["export", name], ["--output", os.fspath(path), "--format", format])[0]

    # -- anchors -------------------------------------------------------------------------------

    def anchors(self, name: str, src: str, dst: str, count: Optional[int] = None, seed: int = 0,
                stratified: bool = False, sampler: Optional[str] = None, pairs: Optional[Sequence[Any]] = None,
                replace: bool = False) -> Dict[str, Any]:
        """Creates anchor set ``name`` between spaces ``src`` and ``dst``.

        Parameters
        ----------
        name : str
        src, dst : str
            ``MODEL/DATASET`` of both sides.
        count : int, optional
            Anchors to draw (from the train split when the dataset has splits). When fewer items
            are available, all of them are taken and a ``UserWarning`` says so.
        seed : int, default 0
        stratified : bool, default False
            The same count per label.
        sampler : {"uniform", "stratified", "farthest", "kmeans"}, optional
        pairs : sequence, optional
            The correspondences themselves instead of ``count``: keys (same dataset) or
            ``(source_key, target_key)`` pairs.
        replace : bool, default False

        Returns
        -------
        dict
            ``name, from, to, sampler, count, hash, warnings``, …

        Warns
        -----
        UserWarning
            ``count`` was clamped to the available items; fewer anchors than dimensions.
        """
        options = ["--from", src, "--to", dst]
        names: Dict[str, str] = {}
        with tempfile.TemporaryDirectory(prefix="latentdb-") as d:
            if pairs is not None:
                if count is not None or stratified or sampler is not None:
                    raise _invalid("pairs= gives the anchors itself: drop count=/stratified=/sampler=")
                lines = ["\t".join(map(str, p)) if isinstance(p, (tuple, list)) else str(p) for p in pairs]
                path = os.path.join(d, "anchors.txt")
                with open(path, "w", encoding="utf-8") as f:
                    f.write("".join(line + "\n" for line in _text_values(lines, "pairs", None)))
                options += ["--file", path]
                names[path] = "pairs="
            else:
                if count is None:
                    raise _invalid("give count= (with stratified= or sampler=) or pairs=")
                options += ["--count", str(int(count)), "--seed", str(int(seed))]
                if stratified:
                    options.append("--stratified")
                if sampler is not None:
                    options += ["--sampler", sampler]
            if replace:
                options.append("--replace")
            return self._run(["anchors", "create", name], options, names=names)[0]

    def anchor_sets(self) -> List[Dict[str, Any]]:
        """The anchor sets of the store, one dict each."""
        return self._run(["anchors", "ls"])[0]

    def anchor_set(self, name: str) -> Dict[str, Any]:
        """Anchor set ``name``: ``summary`` (dict) and ``pairs`` (``[source_key, target_key]`` each)."""
        return self._run(["anchors", "show", name], ["--limit", "0"])[0]

    def remove_anchors(self, name: str) -> Dict[str, Any]:
        """Removes anchor set ``name``."""
        return self._run(["anchors", "rm", name])[0]

    # -- translators ---------------------------------------------------------------------------

    def fit(self, src: str, dst: str, anchors: str, method: str = "ortho", scaling: str = "standard",
            ridge_lambda: Optional[float] = None, refine: int = 0, select_by: Optional[str] = None,
            refit: bool = False) -> Dict[str, Any]:
        """Fits (or fetches from the cache) the translator ``src → dst`` on anchor set ``anchors``.

        Parameters
        ----------
        src, dst : str
        anchors : str
        method : str, default "ortho"
            ``ortho``, ``linear``, ``lortho``, ``affine``, ``scaled-ortho``, ``ridge``, ``residual`` or ``auto``.
        scaling : str, default "standard"
            ``standard``, ``l2``, ``center`` or ``none``.
        ridge_lambda : float, optional
        refine : int, default 0
            Rounds of refinement from unpaired items.
        select_by : {"mrr", "top1", "mse"}, optional
            What ``auto`` maximises.
        refit : bool, default False
            Fit again even when cached.

        Returns
        -------
        dict
            ``fingerprint, cached, method, scaling, anchorCount, residualMSE, singularValues``, …
        """
        options = ["--from", src, "--to", dst, "--anchors", anchors, "--method", method, "--scaling", scaling]
        if ridge_lambda is not None:
            options += ["--ridge-lambda", repr(float(ridge_lambda))]
        if refine:
            options += ["--refine", str(int(refine))]
        if select_by is not None:
            options += ["--select-by", select_by]
        if refit:
            options.append("--refit")
        return self._run(["fit"], options)[0]

    def translators(self) -> List[Dict[str, Any]]:
        """The cached translators, one dict each (``fingerprint, from, to, method, scaling,
        anchors, current``, …); ``current`` is false once a space they were fitted on changed."""
        return self._run(["translators", "ls"])[0]

    def remove_translator(self, fingerprint: str) -> str:
        """Removes a cached translator (fingerprint or unique prefix); returns its fingerprint."""
        return self._run(["translators", "rm", fingerprint])[0]["removed"]

    def export_translator(self, fingerprint: str, path: PathLike) -> Dict[str, Any]:
        """Writes a translator (fingerprint or unique prefix) to a checksummed, versioned file
        that :meth:`import_translator` reads into another store."""
        return self._run(["translator", "export", fingerprint], ["--output", os.fspath(path)])[0]

    def import_translator(self, path: PathLike) -> Dict[str, Any]:
        """Stores the translator of a file written by :meth:`export_translator` (creating the
        store if needed). It then serves queries between spaces of the same two models."""
        return self._run(["translator", "import", os.fspath(path)])[0]

    # -- queries -------------------------------------------------------------------------------

    def translate(self, src: Optional[str], dst: Optional[str], queries: Queries, anchors: Optional[str] = None,
                  translator: Optional[str] = None, method: Optional[str] = None, scaling: Optional[str] = None,
                  via: Optional[Sequence[str]] = None, via_hub: Optional[str] = None) -> np.ndarray:
        """``queries`` translated into ``dst``'s space.

        Parameters
        ----------
        src, dst : str or None
            Source and target spaces (both may be ``None`` with ``translator=``).
        queries : str, int, sequence of keys, or float array
            Item keys of ``src``, or vectors of its model (one 1-D vector, or rows × dim).
        anchors : str, optional
            Fit (or reuse) the translator on this anchor set, with ``method`` and ``scaling``.
        translator : str, optional
            A stored translator's fingerprint or unique prefix.
        method, scaling : str, optional
        via : sequence of str, optional
            Translate through these spaces (a chain of cached translators).
        via_hub : str, optional
            Translate through a hub (:meth:`hub`).

        Returns
        -------
        numpy.ndarray of float32, shape (queries, target dim)
        """
        with tempfile.TemporaryDirectory(prefix="latentdb-") as d:
            query_options, stdin, names = self._query_options(queries, d)
            options = [*(["--from", src] if src else []), *(["--to", dst] if dst else []), *query_options,
                       "--output", "-", *self._translator_options(anchors, translator, method, scaling, via, via_hub)]
            return self._run(["translate"], options, stdin=stdin, stdout_array=True, names=names)[1]  # type: ignore[return-value]

    def knn(self, src: str, dst: str, queries: Queries, k: int = 10, anchors: Optional[str] = None,
            translator: Optional[str] = None, method: Optional[str] = None, scaling: Optional[str] = None,
            metric: str = "cosine", csls: bool = False, via: Optional[Sequence[str]] = None,
            via_hub: Optional[str] = None) -> KNNResult:
        """Nearest neighbours in ``dst`` of queries from ``src`` (translated first when the models
        differ).

        Parameters
        ----------
        src, dst : str
        queries : str, int, sequence of keys, or float array
            Item keys of ``src`` (``"3"``, ``3``, ``["3", "4"]``, an array of str or int), or
            vectors of its model: one 1-D vector (answered as one row) or a rows × dim float
            array. Only float arrays are vectors.
        k : int, default 10
        anchors, translator, method, scaling, via, via_hub
            How the translator is chosen, as in :meth:`translate`. With none of them the CLI
            decides: spaces of one model need none.
        metric : {"cosine", "ip", "l2"}, default "cosine"
        csls : bool, default False
            Re-score by CSLS (hubness correction) for cross-model queries.

        Returns
        -------
        KNNResult
            ``scores`` (float32, queries × k), ``rows`` (int64), ``keys``, ``labels``,
            ``translator``; ``to_pandas()``.

        Raises
        ------
        UnknownKeyError
            A query key is not in ``src``'s dataset (also a ``KeyError``).
        UnknownSpaceError
            ``src``, ``dst``, the anchor set or the translator is not in the store.
        """
        if isinstance(k, bool) or int(k) < 1:
            raise _invalid(f"k= must be at least 1, got {k}")
        with tempfile.TemporaryDirectory(prefix="latentdb-") as d:
            query_options, stdin, names = self._query_options(queries, d)
            options = ["--from", src, "--to", dst, *query_options, "-k", str(int(k)), "--metric", metric,
                       *self._translator_options(anchors, translator, method, scaling, via, via_hub)]
            if csls:
                options.append("--csls")
            output = self._run(["knn"], options, stdin=stdin, names=names)[0]
        return KNNResult.from_cli(output, source=src, target=dst, k=int(k), metric=metric, csls=csls,
                                  translator=translator)

    def classify(self, src: str, dst: str, queries: Queries, anchors: Optional[str] = None,
                 translator: Optional[str] = None, method: Optional[str] = None, scaling: Optional[str] = None,
                 decoder: str = "knn", via: Optional[Sequence[str]] = None, via_hub: Optional[str] = None
                 ) -> ClassifyResult:
        """Predicted labels in ``dst`` for queries from ``src``: a decoder trained on ``dst``'s
        labelled train items reads the translated queries.

        Parameters
        ----------
        src, dst : str
        queries : str, int, sequence of keys, or float array
            As in :meth:`knn`.
        anchors, translator, method, scaling, via, via_hub
            As in :meth:`translate`.
        decoder : {"knn", "linear"}, default "knn"

        Returns
        -------
        ClassifyResult
            ``queries``, ``labels`` and ``scores`` arrays (see :class:`ClassifyResult` for what a
            score means), ``translator``, ``trained_on``; ``to_pandas()``.
        """
        with tempfile.TemporaryDirectory(prefix="latentdb-") as d:
            query_options, stdin, names = self._query_options(queries, d)
            options = ["--from", src, "--to", dst, *query_options, "--decoder", decoder,
                       *self._translator_options(anchors, translator, method, scaling, via, via_hub)]
            return ClassifyResult.from_cli(self._run(["classify"], options, stdin=stdin, names=names)[0])

    def eval(self, src: str, dst: str, anchors: Optional[str] = None, count: Optional[int] = None,
             seed: Optional[int] = None, methods: Optional[Sequence[str]] = None, scaling: Optional[str] = None,
             ridge_lambda: Optional[float] = None, select_by: Optional[str] = None, refine: int = 0,
             sampler: Optional[str] = None, via_hub: Optional[str] = None, decoders: Optional[Sequence[str]] = None,
             csls: bool = False, test_fraction: Optional[float] = None,
             sweep_anchors: Optional[Sequence[int]] = None) -> Dict[str, Any]:
        """Measures stitching ``src → dst`` as the paper does: anchors from the train split, each
        method fitted on them, the test split translated and scored by ``dst``'s decoders and by
        retrieval.

        Parameters
        ----------
        src, dst : str
        anchors : str, optional
            A stored anchor set (else ``count`` anchors are drawn with ``seed``).
        count : int, optional
            Default 1000 (clamped to the train items).
        seed : int, optional
        methods : sequence of str, optional
            Default ``["ortho", "linear", "lortho", "affine"]``.
        scaling, ridge_lambda, select_by, refine, sampler, via_hub
            As in :meth:`fit` and :meth:`anchors`.
        decoders : sequence of {"knn", "linear"}, optional
        csls : bool, default False
            Also report retrieval by CSLS.
        test_fraction : float, optional
            Test share when the dataset has no splits (default 0.2).
        sweep_anchors : sequence of int, optional
            Evaluate at each of these anchor counts.

        Returns
        -------
        dict
            ``results`` (per method: ``accuracy_knn, accuracy_linear, top1, top5, mrr, mse,
            cosine``), ``order``, ``n_anchors``, …; with ``sweep_anchors``, ``evaluations``.
        """
        options = ["--from", src, "--to", dst]
        for flag, value in (("--anchors", anchors), ("--count", count), ("--seed", seed), ("--scaling", scaling),
                            ("--ridge-lambda", ridge_lambda), ("--select-by", select_by), ("--sampler", sampler),
                            ("--via-hub", via_hub), ("--test-fraction", test_fraction)):
            if value is not None:
                options += [flag, str(value)]
        for flag, values in (("--methods", methods), ("--decoder", decoders), ("--sweep-anchors", sweep_anchors)):
            if values is not None:
                options += [flag, ",".join(map(str, [values] if isinstance(values, str) else values))]
        if refine:
            options += ["--refine", str(int(refine))]
        if csls:
            options.append("--csls")
        return self._run(["eval"], options)[0]

    # -- migration and hubs --------------------------------------------------------------------

    def migrate(self, from_space: str, to_space: str, anchors: str, as_space: str, dataset: Optional[str] = None,
                gate: Optional[Gate] = None, method: str = "ortho", scaling: Optional[str] = None,
                warn_only: bool = False, replace: bool = False) -> Dict[str, Any]:
        """Translates every item of a dataset from ``from_space``'s model into a new space of
        ``to_space``'s model (no re-embedding), behind a quality gate.

        The translator is fitted between ``from_space`` and ``to_space`` (the items both models
        embedded) on ``anchors``; its quality is first measured on held-out anchors (20 %).

        Parameters
        ----------
        from_space, to_space : str
            The old and new model's spaces of the paired items.
        anchors : str
        as_space : str
            The new space, ``NEW_MODEL/DATASET``.
        dataset : str, optional
            The dataset to migrate (default: ``from_space``'s).
        gate : str or (str, float), optional
            Minimum held-out quality: ``"mrr>=0.9"`` or ``("mrr", 0.9)``; metrics ``mrr``,
            ``top1``, ``top5``, ``cosine``. Below it nothing is stored and
            :class:`InvalidInputError` is raised, unless ``warn_only``.
        method, scaling : str
        warn_only : bool, default False
            Below the gate, warn (``UserWarning``) and migrate anyway.
        replace : bool, default False
            Replace ``as_space`` if it exists.

        Returns
        -------
        dict
            ``space, source, translator, quality`` (``top1, top5, mrr, cosine``), ``passed``, …
        """
        options = ["--from", from_space, "--to", to_space, "--anchors", anchors, "--as", as_space, "--method", method]
        if dataset is not None:
            options += ["--dataset", dataset]
        if gate is not None:
            if isinstance(gate, tuple):
                metric, value = gate
                gate = f"{metric}>={float(value)!r}"
            options += ["--gate", str(gate)]
        if scaling is not None:
            options += ["--scaling", scaling]
        if warn_only:
            options.append("--warn-only")
        if replace:
            options.append("--replace")
        names = {"--from": "from_space", "--to": "to_space"}
        return self._run(["migrate"], options, names=names)[0]

    def hub(self, name: str, spaces: Sequence[str], anchors: str, scaling: Optional[str] = None) -> Dict[str, Any]:
        """Aligns several spaces to one shared space (generalised Procrustes): N maps instead of
        N² translators; use it with ``via_hub=name`` in :meth:`knn`, :meth:`translate`, ….

        Parameters
        ----------
        name : str
        spaces : sequence of str
            At least two member spaces.
        anchors : str
            An anchor set pairing the members' datasets.
        scaling : str, optional

        Returns
        -------
        dict
            ``name, spaces, dimension, anchorCount, iterations``, …
        """
        if isinstance(spaces, str):
            spaces = [spaces]
        options = ["--spaces", ",".join(spaces), "--anchors", anchors]
        if scaling is not None:
            options += ["--scaling", scaling]
        return self._run(["hub", "create", name], options)[0]

    def hubs(self) -> List[Dict[str, Any]]:
        """The hubs of the store, one dict each (``current`` is false once a member changed)."""
        return self._run(["hub", "ls"])[0]

    def remove_hub(self, name: str) -> Dict[str, Any]:
        """Removes hub ``name``."""
        return self._run(["hub", "rm", name])[0]


def _last_json(text: str) -> Any:
    """The last line of ``text`` that is a JSON value (the CLI prints one)."""
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line[:1] in ("{", "["):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def _failure(status: int, output: Any, stderr: str, command: Sequence[str],
             names: Optional[Mapping[str, str]]) -> LatentDBError:
    """The exception for a failed run: from the CLI's JSON error object, else (a crash, a
    signal) from what it printed."""
    if isinstance(output, dict) and isinstance(output.get("error"), dict):
        return from_cli(output["error"], names)
    lines = [line for line in stderr.splitlines() if line.strip()]
    detail = lines[-1] if lines else (f"killed by signal {-status}" if status < 0 else f"exit status {status}")
    return LatentDBError(f"latentdb {' '.join(command)} failed: {detail}", status)
