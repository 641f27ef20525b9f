"""``.npy`` through pipes: arrays go to the CLI's standard input and come back from its standard
output with no temporary file and no extra copy (the array's own buffer is written; the answer
is read straight into a new array)."""
import ast
from typing import BinaryIO, Optional, Tuple

import numpy as np

_MAGIC = b"\x93NUMPY"


def header(array: np.ndarray) -> bytes:
    """The header ``np.save`` writes for a C-order ``array`` (format 1.0, data aligned to 64)."""
    text = f"{{'descr': '{array.dtype.str}', 'fortran_order': False, 'shape': {tuple(array.shape)!r}, }}".encode("latin1")
    text += b" " * (63 - (len(_MAGIC) + 4 + len(text)) % 64) + b"\n"
    if len(text) > 0xFFFF:
        raise ValueError("array header too large for .npy format 1.0")
    return _MAGIC + b"\x01\x00" + len(text).to_bytes(2, "little") + text


def _bytes(array: np.ndarray) -> memoryview:
    """The bytes of a C-contiguous array, without a copy."""
    return memoryview(array.reshape(-1).view(np.uint8))


def write(stream: BinaryIO, array: np.ndarray) -> None:
    """Writes ``array`` (C-contiguous) as ``.npy`` to ``stream``."""
    stream.write(header(array))
    if array.size:
        stream.write(_bytes(array))


def _read_exactly(stream: BinaryIO, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = stream.read(count - len(data))
        if not chunk:
            break
        data += chunk
    return data


def read(stream: BinaryIO) -> Optional[np.ndarray]:
    """The ``.npy`` array on ``stream``, or ``None`` when the stream ends before a whole array
    (the CLI failed before writing it: its error says why)."""
    prefix = _read_exactly(stream, 10)
    if len(prefix) < 10 or prefix[:6] != _MAGIC:
        return None
    major = prefix[6]
    if major == 1:
        length = int.from_bytes(prefix[8:10], "little")
    else:
        more = _read_exactly(stream, 2)
        if len(more) < 2:
            return None
        length = int.from_bytes(prefix[8:10] + more, "little")
    text = _read_exactly(stream, length)
    if len(text) < length:
        return None
    fields = ast.literal_eval(text.decode("latin1" if major < 3 else "utf8"))
    shape: Tuple[int, ...] = tuple(fields["shape"])
    fortran = bool(fields["fortran_order"])
    array = np.empty(shape[::-1] if fortran else shape, dtype=np.dtype(fields["descr"]))
    view = _bytes(array) if array.size else memoryview(bytearray())
    done = 0
    while done < len(view):
        got = stream.readinto(view[done:])  # type: ignore[attr-defined]
        if not got:
            return None
        done += got
    return array.T if fortran else array
