"""LatentDB from Python, through a running ``latentdb serve``: ``LatentDB.connect(url, token=…)``.

The server keeps decoded spaces and translators in memory, so a call costs an HTTP round trip
(milliseconds on loopback) instead of a process start and a decode. Query vectors travel as
``application/x-npy`` bodies and translations come back as ``.npy``; item keys as JSON. Answers
and exceptions are those of the file-based :class:`~latentdb.LatentDB` for the same call: the
server answers with the CLI's ``--json`` shapes and its error objects carry the same codes.

Only the standard library's ``http.client`` is used (no new dependency), over one kept-alive
connection per handle (a new connection per call cost more than the server's answer).
"""
import http.client
import io
import json
import threading
import urllib.parse
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar

import numpy as np

from . import _npy
from .bridge import LatentDB, Queries, _invalid, _matrix, _query_keys, _text_values
from .errors import LatentDBError, NotServedError, StoreError, from_cli
from .results import ClassifyResult, KNNResult

__all__ = ["RemoteLatentDB"]

_Self = TypeVar("_Self", bound="RemoteLatentDB")

# What the server's messages call the argument the user passed.
_NAMES = {"request body": "queries="}


class RemoteLatentDB:
    """A store served by ``latentdb serve``, with the methods of :class:`~latentdb.LatentDB` that
    the server has routes for: :meth:`spaces`, :meth:`info`, :meth:`translators`, :meth:`knn`,
    :meth:`classify`, :meth:`translate`, :meth:`fit`. The others (``register``, ``anchors``,
    ``eval``, …) raise :class:`~latentdb.NotServedError`: open the store file with
    ``LatentDB(path)`` for them.

    Parameters
    ----------
    url : str
        The server's base address, e.g. ``"http://127.0.0.1:8765"``.
    token : str, optional
        The bearer token of a server started with ``--token-file``.
    timeout : float, default 120
        Seconds to wait for one answer (the server has its own ``--request-timeout``).

    Examples
    --------
    >>> with LatentDB.connect("http://127.0.0.1:8765") as db:               # doctest: +SKIP
    ...     db.knn("e5/fortunes", "minilm/fortunes", "3", k=5, anchors="a500").to_pandas()
    """

    def __init__(self, url: str, token: Optional[str] = None, timeout: float = 120.0) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise _invalid(f"url= must be http://HOST:PORT, got {url!r}")
        self.url: str = url.rstrip("/")
        self.timeout = float(timeout)
        self._token = token
        self._closed = False
        self._parsed = parsed
        self._connection: Optional[http.client.HTTPConnection] = None
        self._lock = threading.Lock()  # one request at a time on the kept-alive connection

    def __repr__(self) -> str:
        return f"LatentDB.connect({self.url!r}{', closed' if self._closed else ''})"

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Closes this handle and its connection: later calls raise ``ValueError`` (the server
        keeps running)."""
        self._closed = True
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

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
            raise ValueError(f"operation on a closed LatentDB ({self.url})")

    # -- HTTP ----------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, json_body: Optional[Mapping[str, Any]] = None,
                 array: Optional[np.ndarray] = None, query: Optional[Mapping[str, Any]] = None,
                 want_array: bool = False) -> Tuple[Any, Optional[np.ndarray], Mapping[str, str]]:
        """One request: a JSON body, or ``array`` as an ``.npy`` body with the other fields in
        ``query``. Returns (JSON answer, array answer, headers); a failure raises the exception
        of its error code, as the file-based class does."""
        self._check_open()
        target = self._parsed.path.rstrip("/") + path
        if query:
            target += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        headers = {"Accept": "application/x-npy" if want_array else "application/json"}
        data: Optional[bytes] = None
        if array is not None:
            buffer = io.BytesIO()
            _npy.write(buffer, array)
            data, headers["Content-Type"] = buffer.getvalue(), "application/x-npy"
        elif json_body is not None:
            data, headers["Content-Type"] = json.dumps(json_body).encode("utf-8"), "application/json"
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            status, reason, body, answer_headers = self._exchange(method, target, data, headers)
        except (http.client.HTTPException, OSError) as error:
            raise StoreError(f"cannot reach the LatentDB server at {self.url}: {error}", 3) from None
        if status >= 400:
            raise _http_failure(status, reason, body, method, path)
        kind = answer_headers.get("Content-Type", "")
        if kind.startswith("application/x-npy"):
            return None, _npy.read(io.BytesIO(body)), answer_headers
        output = json.loads(body.decode("utf-8")) if body else None
        LatentDB._warn(output, "", _NAMES)
        return output, None, answer_headers

    def _exchange(self, method: str, target: str, data: Optional[bytes],
                  headers: Dict[str, str]) -> Tuple[int, str, bytes, Mapping[str, str]]:
        """One request on the kept-alive connection, opened on first use. When a reused
        connection turns out closed by the server while idle, the request goes once more on a
        new one (every served route is idempotent: reads, and fit, whose result is cached)."""
        with self._lock:
            for attempt in range(2):
                reused = self._connection is not None
                if self._connection is None:
                    kind = http.client.HTTPSConnection if self._parsed.scheme == "https" else http.client.HTTPConnection
                    self._connection = kind(self._parsed.netloc, timeout=self.timeout)
                try:
                    self._connection.request(method, target, body=data, headers=headers)
                    response = self._connection.getresponse()
                    body = response.read()
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                    self._connection.close()
                    self._connection = None
                    if attempt == 1 or not reused:
                        raise
                    continue
                except BaseException:
                    self._connection.close()
                    self._connection = None
                    raise
                if response.will_close:
                    self._connection.close()
                    self._connection = None
                return response.status, response.reason, body, response.headers
        raise AssertionError("unreachable")

    @staticmethod
    def _queries(queries: Queries) -> Tuple[Dict[str, Any], Optional[np.ndarray]]:
        """``queries`` as JSON fields (keys) or an array for an ``.npy`` body (vectors), checked
        as the file-based class checks them."""
        keys = _query_keys(queries)
        if keys is None:
            return {}, _matrix(queries, "queries", allow_vector=True)
        return {"keys": _text_values(keys, "queries", None)}, None

    @staticmethod
    def _translator_fields(anchors: Optional[str], translator: Optional[str], method: Optional[str],
                           scaling: Optional[str], via: Optional[Sequence[str]], via_hub: Optional[str]) -> Dict[str, Any]:
        if translator is not None and anchors is not None:
            raise _invalid("give anchors= (with method=) or translator=, not both")
        fields: Dict[str, Any] = {"anchors": anchors, "translator": translator, "method": method, "scaling": scaling,
                                  "via": list(via) if via else None, "via_hub": via_hub}
        return {k: v for k, v in fields.items() if v is not None}

    def _query(self, path: str, fields: Dict[str, Any], queries: Queries, want_array: bool = False
               ) -> Tuple[Any, Optional[np.ndarray]]:
        """A query route: keys in the JSON body, or vectors as the ``.npy`` body and every other
        field as a query parameter."""
        extra, vectors = self._queries(queries)
        if vectors is None:
            output, array, _ = self._request("POST", path, json_body={**fields, **extra}, want_array=want_array)
        else:
            params = {k: (",".join(v) if isinstance(v, list) else ("true" if v is True else "false" if v is False else v))
                      for k, v in fields.items()}
            output, array, _ = self._request("POST", path, array=vectors, query=params, want_array=want_array)
        return output, array

    # -- what the server offers ----------------------------------------------------------------

    def health(self) -> Dict[str, Any]:
        """The server's ``status``, library ``version``, ``store`` path and ``schema`` version."""
        return self._request("GET", "/v1/health")[0]

    def spaces(self) -> List[Dict[str, Any]]:
        """The spaces of the store, as :meth:`LatentDB.spaces`."""
        return self._request("GET", "/v1/spaces")[0]

    def info(self, name: str) -> Dict[str, Any]:
        """One space, as :meth:`LatentDB.info`.

        Raises
        ------
        UnknownSpaceError
            The store holds no space ``name``.
        """
        if not isinstance(name, str) or name.count("/") != 1:
            raise _invalid(f"name= must be MODEL/DATASET (one '/'), got {name!r}")
        model, dataset = (urllib.parse.quote(part, safe="") for part in name.split("/"))
        return self._request("GET", f"/v1/spaces/{model}/{dataset}")[0]

    def translators(self) -> List[Dict[str, Any]]:
        """The cached translators, as :meth:`LatentDB.translators`."""
        return self._request("GET", "/v1/translators")[0]

    def fit(self, src: str, dst: str, anchors: str, method: str = "ortho", scaling: str = "standard",
            ridge_lambda: Optional[float] = None, refine: int = 0, select_by: Optional[str] = None,
            refit: bool = False) -> Dict[str, Any]:
        """Fits (or fetches from the cache) the translator ``src → dst``, as :meth:`LatentDB.fit`.
        The server takes ``method``, ``scaling`` and ``refit``; ``ridge_lambda``, ``refine`` and
        ``select_by`` raise :class:`NotServedError`."""
        for argument, value in (("ridge_lambda", ridge_lambda), ("refine", refine or None), ("select_by", select_by)):
            if value is not None:
                raise NotServedError(f"fit({argument}=…) is not offered by the server at {self.url}: "
                                     "call fit on LatentDB(path), the store file")
        body = {"from": src, "to": dst, "anchors": anchors, "method": method, "scaling": scaling, "refit": bool(refit)}
        return self._request("POST", "/v1/fit", json_body=body)[0]

    def translate(self, src: Optional[str], dst: Optional[str], queries: Queries, anchors: Optional[str] = None,
                  translator: Optional[str] = None, method: Optional[str] = None, scaling: Optional[str] = None,
                  via: Optional[Sequence[str]] = None, via_hub: Optional[str] = None) -> np.ndarray:
        """``queries`` translated into ``dst``'s space, as :meth:`LatentDB.translate`: a float32
        array (queries × target dim), sent and answered as ``.npy``."""
        if src is None or dst is None:
            raise NotServedError(f"translate without src= and dst= is not offered by the server at {self.url}: "
                                 "give both spaces, or call translate on LatentDB(path)")
        fields = {"from": src, "to": dst, **self._translator_fields(anchors, translator, method, scaling, via, via_hub)}
        array = self._query("/v1/translate", fields, queries, want_array=True)[1]
        if array is None:
            raise LatentDBError(f"the server at {self.url} answered translate without an array")
        return array

    def knn(self, src: str, dst: str, queries: Queries, k: int = 10, anchors: Optional[str] = None,
            translator: Optional[str] = None, method: Optional[str] = None, scaling: Optional[str] = None,
            metric: str = "cosine", csls: bool = False, via: Optional[Sequence[str]] = None,
            via_hub: Optional[str] = None) -> KNNResult:
        """Nearest neighbours in ``dst`` of queries from ``src``, as :meth:`LatentDB.knn`.

        Returns
        -------
        KNNResult
        """
        if isinstance(k, bool) or int(k) < 1:
            raise _invalid(f"k= must be at least 1, got {k}")
        fields = {"from": src, "to": dst, "k": int(k), "metric": metric, "csls": bool(csls),
                  **self._translator_fields(anchors, translator, method, scaling, via, via_hub)}
        output = self._query("/v1/knn", fields, queries)[0]
        return KNNResult.from_cli(output, source=src, target=dst, k=int(k), metric=metric, csls=csls, translator=translator)

    def classify(self, src: str, dst: str, queries: Queries, anchors: Optional[str] = None,
                 translator: Optional[str] = None, method: Optional[str] = None, scaling: Optional[str] = None,
                 decoder: str = "knn", via: Optional[Sequence[str]] = None, via_hub: Optional[str] = None
                 ) -> ClassifyResult:
        """Predicted labels in ``dst`` for queries from ``src``, as :meth:`LatentDB.classify`.

        Returns
        -------
        ClassifyResult
        """
        fields = {"from": src, "to": dst, "decoder": decoder,
                  **self._translator_fields(anchors, translator, method, scaling, via, via_hub)}
        return ClassifyResult.from_cli(self._query("/v1/classify", fields, queries)[0])


def _http_failure(status: int, reason: str, body: bytes, method: str, path: str) -> LatentDBError:
    """The exception for an HTTP error answer: from its ``{"error": {code, message, exit}}``
    body when it has one (every answer of ``latentdb serve`` does), else from its status."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        return from_cli(payload["error"], _NAMES)
    return LatentDBError(f"{method} {path}: HTTP {status} {reason}", 3 if status >= 500 else 1)


def _not_served(name: str):
    def method(self: RemoteLatentDB, *args: Any, **kwargs: Any) -> Any:
        raise NotServedError(f"{name}() is not offered by the server at {self.url} (it serves spaces, info, translators, "
                             f"knn, classify, translate and fit): call it on LatentDB(path), the store file")
    method.__name__ = name
    method.__qualname__ = f"RemoteLatentDB.{name}"
    method.__doc__ = f"Not offered by ``latentdb serve``: raises :class:`NotServedError` (use ``LatentDB(path).{name}``)."
    return method


# Every other public method of the file-based class exists here too, and says why it fails.
for _name in sorted(vars(LatentDB)):
    if not _name.startswith("_") and _name != "connect" and callable(getattr(LatentDB, _name)) and not hasattr(RemoteLatentDB, _name):
        setattr(RemoteLatentDB, _name, _not_served(_name))
del _name
