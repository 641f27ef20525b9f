"""NumPy-shaped answers of the bridge: one row per query, one column per neighbour."""
from dataclasses import dataclass
from typing import Any, Iterator, List, Mapping, Optional, Sequence

import numpy as np

__all__ = ["KNNResult", "ClassifyResult"]


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("to_pandas() needs pandas: pip install pandas") from error
    return pandas


@dataclass(frozen=True, repr=False)
class KNNResult:
    """Nearest neighbours of ``q`` queries, ``k`` each, best first.

    Attributes
    ----------
    scores : numpy.ndarray of float32, shape (q, k)
        Similarity to each neighbour under ``metric`` (cosine, inner product, or negative squared
        L2 distance for ``l2``), after CSLS re-scoring when ``csls`` is true. Higher is closer.
    rows : numpy.ndarray of int64, shape (q, k)
        Row of each neighbour in the target space (the row of ``export(target)``).
    keys : numpy.ndarray of object (str), shape (q, k)
        Item key of each neighbour.
    labels : numpy.ndarray of object (str or None), shape (q, k)
        Label of each neighbour's item, ``None`` where it has none.
    queries : numpy.ndarray of object (str), shape (q,)
        Each query's key, or its row number (as a string) for query vectors.
    translator : str or None
        Fingerprint (or chain) of the translator that answered; ``None`` when no translation was
        needed, or when the CLI did not say (older CLIs' bare-list output).
    source, target : str
        The spaces translated from and searched.
    k : int
    metric : str
    csls : bool
    """

    scores: np.ndarray
    rows: np.ndarray
    keys: np.ndarray
    labels: np.ndarray
    queries: np.ndarray
    translator: Optional[str]
    source: str
    target: str
    k: int
    metric: str
    csls: bool

    @classmethod
    def from_cli(cls, output: Any, source: str, target: str, k: int, metric: str, csls: bool,
                 translator: Optional[str] = None) -> "KNNResult":
        """From ``knn --json``: either the object ``{from, to, k, metric, csls, translator,
        results}`` or, from older CLIs, the bare ``results`` list."""
        if isinstance(output, Mapping):
            results: Sequence[Mapping[str, Any]] = output.get("results", [])
            source = str(output.get("from", source))
            target = str(output.get("to", target))
            k = int(output.get("k", k))
            metric = str(output.get("metric", metric))
            csls = bool(output.get("csls", csls))
            translator = output.get("translator", translator)
        else:
            results = output
        q = len(results)
        width = max([len(r["neighbors"]) for r in results] + [0])
        scores = np.full((q, width), np.nan, dtype=np.float32)
        rows = np.full((q, width), -1, dtype=np.int64)
        keys = np.full((q, width), None, dtype=object)
        labels = np.full((q, width), None, dtype=object)
        for i, result in enumerate(results):
            for j, n in enumerate(result["neighbors"]):
                scores[i, j] = n["score"]
                rows[i, j] = n.get("row", -1)
                keys[i, j] = n["key"]
                labels[i, j] = n.get("label")
        queries = np.array([str(r["query"]) for r in results], dtype=object)
        return cls(scores, rows, keys, labels, queries, translator, source, target, k, metric, csls)

    def __len__(self) -> int:
        return int(self.scores.shape[0])

    def __iter__(self) -> Iterator[List[tuple]]:
        """Per query, the list of ``(key, label, score)`` of its neighbours."""
        for i in range(len(self)):
            yield [(self.keys[i, j], self.labels[i, j], float(self.scores[i, j])) for j in range(self.scores.shape[1])]

    def __repr__(self) -> str:
        via = f", translator={self.translator[:12]!r}" if self.translator else ""
        return (f"KNNResult({self.source} → {self.target}, {len(self)} queries × {self.scores.shape[1]} neighbours, "
                f"metric={self.metric!r}{', csls' if self.csls else ''}{via})")

    def to_pandas(self) -> Any:
        """One row per (query, neighbour): ``query, rank, key, label, score, row`` (rank 1 is the
        nearest). Needs pandas."""
        pd = _pandas()
        q, k = self.scores.shape
        return pd.DataFrame({
            "query": np.repeat(self.queries, k),
            "rank": np.tile(np.arange(1, k + 1), q),
            "key": self.keys.reshape(-1),
            "label": self.labels.reshape(-1),
            "score": self.scores.reshape(-1),
            "row": self.rows.reshape(-1),
        })


@dataclass(frozen=True, repr=False)
class ClassifyResult:
    """A predicted label for each of ``q`` queries.

    Attributes
    ----------
    queries : numpy.ndarray of object (str), shape (q,)
        Each query's key, or its row number (as a string) for query vectors.
    labels : numpy.ndarray of object (str), shape (q,)
        The predicted label.
    scores : numpy.ndarray of float32, shape (q,)
        How strongly the decoder chose it. ``decoder="knn"``: the sum of the cosine similarities
        of the query's 10 nearest labelled training items that carry the predicted label (at most
        10; the label with the largest sum wins). ``decoder="linear"``: the ridge regression's
        output for the predicted class, fitted on one-hot targets (about 1 for a clear choice,
        near 1/classes for a guess). Comparable between queries of one call, not a probability.
    decoder : str
        ``"knn"`` or ``"linear"``.
    translator : str or None
        Fingerprint (or chain) of the translator used; ``None`` when no translation was needed.
    trained_on : int
        Labelled training items of the target space the decoder was fitted on.
    source, target : str
    """

    queries: np.ndarray
    labels: np.ndarray
    scores: np.ndarray
    decoder: str
    translator: Optional[str]
    trained_on: int
    source: str
    target: str

    @classmethod
    def from_cli(cls, output: Mapping[str, Any]) -> "ClassifyResult":
        predictions = output.get("predictions", [])
        return cls(
            queries=np.array([str(p["query"]) for p in predictions], dtype=object),
            labels=np.array([p["label"] for p in predictions], dtype=object),
            scores=np.array([p["score"] for p in predictions], dtype=np.float32),
            decoder=str(output.get("decoder", "")),
            translator=output.get("translator"),
            trained_on=int(output.get("trainedOn", 0)),
            source=str(output.get("from", "")),
            target=str(output.get("to", "")),
        )

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def __repr__(self) -> str:
        return f"ClassifyResult({self.source} → {self.target}, {len(self)} queries, decoder={self.decoder!r})"

    def to_pandas(self) -> Any:
        """One row per query: ``query, label, score``. Needs pandas."""
        pd = _pandas()
        return pd.DataFrame({"query": self.queries, "label": self.labels, "score": self.scores})
