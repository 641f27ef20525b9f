"""Python bridge to LatentDB: ``from latentdb import LatentDB``.

``LatentDB(path)`` drives the ``latentdb`` CLI on a store file: NumPy arrays in, NumPy-shaped
answers out (:class:`KNNResult`, :class:`ClassifyResult`), failures as :class:`LatentDBError`
subclasses that are also the builtins Python code catches (``KeyError``, ``LookupError``,
``ValueError``, ``OSError``). ``LatentDB.connect(url, token=…)`` (:class:`RemoteLatentDB`) sends the
same calls to a running ``latentdb serve`` instead.
"""
from .bridge import Gate, LatentDB, Queries, find_binary
from .errors import InvalidInputError, LatentDBError, NotServedError, StoreError, UnknownKeyError, UnknownSpaceError
from .remote import RemoteLatentDB
from .results import ClassifyResult, KNNResult

__all__ = [
    "LatentDB", "find_binary", "Queries", "Gate", "KNNResult", "ClassifyResult",
    "LatentDBError", "InvalidInputError", "UnknownSpaceError", "UnknownKeyError", "StoreError", "NotServedError",
    "RemoteLatentDB",
]
__version__ = "0.2.0"
