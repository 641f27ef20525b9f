"""Python bridge to LatentDB: ``from latentdb import LatentDB``."""
from .bridge import LatentDB, LatentDBError, find_binary

__all__ = ["LatentDB", "LatentDBError", "find_binary"]
__version__ = "0.1.0"
