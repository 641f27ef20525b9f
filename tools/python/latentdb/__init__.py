"""Python bridge to LatentDB: ``from latentdb import LatentDB``.

``LatentDB(path)`` drives the ``latentdb`` CLI on a store file: NumPy arrays in, NumPy-shaped
answers out (:class:`KNNResult`, :class:`ClassifyResult`), failures as :class:`LatentDBError`
subclasses that are also the builtins Python code catches (``KeyError``, ``LookupError``,
``ValueError``, ``OSError``).
"""
from .bridge import Gate, LatentDB, Queries, find_binary
from .errors import InvalidInputError, LatentDBError, StoreError, UnknownKeyError, UnknownSpaceError
from .results import ClassifyResult, KNNResult

__all__ = [
    "LatentDB", "find_binary", "Queries", "Gate", "KNNResult", "ClassifyResult",
    "LatentDBError", "InvalidInputError", "UnknownSpaceError", "UnknownKeyError", "StoreError",
]
__version__ = "0.2.0"
