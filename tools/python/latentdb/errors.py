"""Errors of the LatentDB bridge: one base class, and subclasses that are also the builtins a
Python user catches (``KeyError`` for an unknown item key, ``LookupError`` for an unknown space,
``ValueError`` for bad input, ``OSError`` for a store that cannot be used).

The CLI reports each failure as ``{"error": {"code", "message", "exit"}}`` (``--json``); the
bridge turns that object into one of these, with the message reworded for Python: CLI flags
become the keyword arguments that set them (``--anchors`` → ``anchors=``) and the temporary
files or standard input the bridge used become the argument they came from (``queries=``).
"""
import re
from typing import Dict, Mapping, Optional, Type

__all__ = [
    "LatentDBError", "InvalidInputError", "UnknownSpaceError", "UnknownKeyError", "StoreError", "NotServedError",
]


class LatentDBError(Exception):
    """A failed LatentDB operation.

    Attributes
    ----------
    code : str or None
        The catalogue code, e.g. ``"E0703"`` (stable; ``None`` for a check the bridge makes
        itself before running the CLI).
    message : str
        The reason, one line, without the CLI's ``latentdb: error[E0703]:`` prefix.
    exit_code : int
        The CLI's exit status: 1 bad input or data, 2 usage, 3 store or I/O failure (0 when the
        bridge refused the call before running anything).
    """

    def __init__(self, message: str, exit_code: int = 0, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.code = code

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}" if self.code else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, exit_code={self.exit_code})"

    # Exceptions pickle through their args: keep the three attributes.
    def __reduce__(self):
        return (type(self), (self.message, self.exit_code, self.code))


class InvalidInputError(LatentDBError, ValueError):
    """Bad input or usage: an array of the wrong shape, a bad name, options that conflict, NaN in
    embeddings, too few anchors, a quality gate not met (CLI exit status 1 or 2)."""


class UnknownSpaceError(LatentDBError, LookupError):
    """A space, anchor set, translator or hub that the store does not hold."""


class UnknownKeyError(LatentDBError, KeyError):
    """Item keys that the space's dataset does not hold (``E0703``)."""

    # KeyError's own __str__ shows the repr of its argument; ours is a sentence.
    __str__ = LatentDBError.__str__


class StoreError(LatentDBError, OSError):
    """The store cannot be used: no store at the path, not a LatentDB store, a newer format,
    corruption, a full disk, a busy or unwritable file (CLI exit status 3)."""

    __str__ = LatentDBError.__str__


class NotServedError(LatentDBError, NotImplementedError):
    """A method of :class:`~latentdb.LatentDB` that ``latentdb serve`` has no route for, called on
    ``LatentDB.connect(url)``: call it on ``LatentDB(path)``, the store file, instead."""

    __str__ = LatentDBError.__str__


# Codes whose failure is a lookup; everything else is classed by exit status.
_CLASS_OF_CODE: Dict[str, Type[LatentDBError]] = {
    "E0401": StoreError,         # no store at the path
    "E0402": UnknownSpaceError,  # unknown space
    "E0404": UnknownSpaceError,  # unknown anchor set
    "E0405": UnknownSpaceError,  # unknown translator
    "E0407": UnknownSpaceError,  # unknown hub
    "E0408": UnknownSpaceError,  # hub does not contain the space
    "E0703": UnknownKeyError,    # unknown query keys
}


def error_class(code: Optional[str], exit_code: int) -> Type[LatentDBError]:
    """The exception class for a CLI failure with this code and exit status."""
    if code in _CLASS_OF_CODE:
        return _CLASS_OF_CODE[code]
    if exit_code == 3:
        return StoreError
    if exit_code in (1, 2):
        return InvalidInputError
    return LatentDBError


# CLI wording → Python wording, for the flags the bridge sets from keyword arguments.
_PYTHON_NAMES: Dict[str, str] = {
    "--anchors": "anchors", "--translator": "translator", "--method": "method", "--methods": "methods",
    "--scaling": "scaling", "--ridge-lambda": "ridge_lambda", "--refine": "refine", "--select-by": "select_by",
    "--via-hub": "via_hub", "--via": "via", "--metric": "metric", "--decoder": "decoder", "--count": "count",
    "--seed": "seed", "--sampler": "sampler", "--file": "pairs", "--gate": "gate", "--as": "as_space",
    "--dataset": "dataset", "--member": "member", "--codec": "codec", "--test-fraction": "test_fraction",
    "--sweep-anchors": "sweep_anchors", "--plot": "plot", "--spaces": "spaces", "--labels": "labels",
    "--split": "split", "--embeddings": "embeddings", "--input": "queries", "--key": "queries",
    "--keys": "queries", "--output": "path", "--from": "src", "--to": "dst", "-k": "k",
}
_PYTHON_FLAGS: Dict[str, str] = {
    "--replace": "replace=True", "--stratified": "stratified=True", "--refit": "refit=True",
    "--csls": "csls=True", "--warn-only": "warn_only=True",
}
_HINTS = [
    (re.compile(r"\s*\(see latentdb --help\)"), ""),
    (re.compile(r"\s*\(or set --db / LATENTDB_PATH\)"), ""),
    (re.compile(r"`latentdb init`"), "LatentDB.init()"),
    (re.compile(r"`latentdb check`"), "LatentDB.check()"),
    (re.compile(r"`latentdb translators ls`"), "LatentDB.translators()"),
    (re.compile(r"`latentdb hub create ([^` ]+) …`"), r"LatentDB.hub('\1', …)"),
    (re.compile(r"give exactly one of --key, --keys, --input"), "give queries="),
    (re.compile(r"--key/--keys need"), "keys in queries= need"),
]
_FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z-]*|-k)(?![\w-])(?: <[^>]+>| (?=[A-Z0-9-])([A-Z][A-Z_/]*|-?\d[\w.]*)(?![\w/]))?")


def pythonic(message: str, names: Optional[Mapping[str, str]] = None) -> str:
    """``message`` with the CLI's flags, hints and the bridge's own files named as in Python.

    ``names`` maps what this call's CLI invocation used to what the user passed: a temporary
    file or ``standard input`` → ``"queries="``, and flags whose keyword differs in this method
    (``{"--from": "from_space"}``).
    """
    names = dict(names or {})
    for needle, argument in sorted(names.items(), key=lambda kv: -len(kv[0])):
        if not needle.startswith("-"):
            message = message.replace(needle, argument)
    for pattern, replacement in _HINTS:
        message = pattern.sub(replacement, message)

    def rename(match: "re.Match[str]") -> str:
        flag, value = match.group(1), match.group(2)
        if flag in _PYTHON_FLAGS and value is None:
            return _PYTHON_FLAGS[flag]
        name = names.get(flag, _PYTHON_NAMES.get(flag))
        if name is None:
            return match.group(0)
        name = name.rstrip("=")
        return f"{name}={value}" if value else f"{name}="

    return _FLAG.sub(rename, message)


def from_cli(payload: Mapping[str, object], names: Optional[Mapping[str, str]] = None) -> LatentDBError:
    """The exception for the CLI's ``{"code", "message", "exit"}`` error object."""
    code = payload.get("code")
    code = str(code) if code else None
    exit_code = int(payload.get("exit") or 1)  # type: ignore[arg-type]
    message = pythonic(str(payload.get("message") or f"latentdb failed with exit status {exit_code}"), names)
    return error_class(code, exit_code)(message, exit_code, code)
