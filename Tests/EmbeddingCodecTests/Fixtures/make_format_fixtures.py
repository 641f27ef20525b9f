#!/usr/bin/env python3
"""Generates the .npz, safetensors, .fvecs and .bvecs fixtures of EmbeddingCodecTests (run once,
commit the output). NumPy writes the .npz files; safetensors, .fvecs and .bvecs are written
byte by byte here (no safetensors package), following each format's definition.

    python3 make_format_fixtures.py      # writes next to this script

Float fixtures hold the matrix A of make_fixtures.py (bf16: with 65504 → 65280, which bf16 holds exactly).
"""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
A = np.array([[0.0, -0.0, 1.0, -2.5, 0.125],
              [3.0, 1024.0, -0.5, 0.75, 2.0],
              [-1.0, 0.25, 65504.0, -3.5, 6.0]], dtype=np.float32)
B = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20  # bvecs values 0..220


def path(name):
    return os.path.join(HERE, name)


# .npz: one array stored, one deflated, several arrays.
np.savez(path("one_3x5.npz"), emb=A)
np.savez_compressed(path("one_3x5_compressed.npz"), emb=A.astype("<f8"))
np.savez_compressed(path("three.npz"), emb=A, other=A[:2], labels=np.arange(3))


def safetensors(name, tensors, metadata=None, pad=True):
    """tensors: list of (name, dtype string, shape, raw bytes), laid out in order."""
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for tname, dtype, shape, raw in tensors:
        header[tname] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    with open(path(name), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


bf16 = A.copy()
bf16[2, 2] = 65280.0
safetensors("f32_3x5.safetensors", [("emb", "F32", A.shape, A.astype("<f4").tobytes())], metadata={"format": "pt"})
safetensors("f16_3x5.safetensors", [("emb", "F16", A.shape, A.astype("<f2").tobytes())])
safetensors("f64_3x5.safetensors", [("emb", "F64", A.shape, A.astype("<f8").tobytes())])
safetensors("bf16_3x5.safetensors", [("emb", "BF16", A.shape, (bf16.view("<u4") >> 16).astype("<u2").tobytes())])
safetensors("two.safetensors", [("emb", "F32", A.shape, A.tobytes()), ("bias", "F32", (5,), A[0].tobytes())])


def vecs(name, m, fmt):
    with open(path(name), "wb") as f:
        for row in m:
            f.write(struct.pack("<i", len(row)) + row.astype(fmt).tobytes())


vecs("f32_3x5.fvecs", A, "<f4")
vecs("u8_3x4.bvecs", B, "u1")
