#!/usr/bin/env python3
"""Generates the small .npy fixtures of EmbeddingCodecTests with NumPy (run once, commit the output).

    python3 make_fixtures.py      # writes next to this script

Every float matrix holds the same values A (exactly representable in float16), so each
reader test can compare against one expected matrix.
"""
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
A = np.array([[0.0, -0.0, 1.0, -2.5, 0.125],
              [3.0, 1024.0, -0.5, 0.75, 2.0],
              [-1.0, 0.25, 65504.0, -3.5, 6.0]], dtype=np.float32)


def save(name, arr, **kw):
    np.save(os.path.join(HERE, name), arr, **kw)


def write_version(name, arr, version):
    with open(os.path.join(HERE, name), "wb") as f:
        np.lib.format.write_array(f, arr, version=version)


# Valid embeddings.
save("f32_3x5.npy", A)
save("f16_3x5.npy", A.astype("<f2"))
save("f64_3x5.npy", A.astype("<f8"))
save("f32_0x4.npy", np.zeros((0, 4), dtype=np.float32))
write_version("f32_3x5_v2.npy", A, (2, 0))
write_version("f32_3x5_v3.npy", A, (3, 0))
# Float32 with special bit patterns and an odd shape, for byte-identical re-writing.
S = np.array([[np.nan, np.inf, -np.inf], [-0.0, 1e-45, 1.17549435e-38], [3.4028235e38, -1.0, 7.0]], dtype=np.float32)
save("f32_specials_3x3.npy", S)

# Invalid as embeddings.
save("f32_fortran_3x5.npy", np.asfortranarray(A))
save("f32_bigendian_3x5.npy", A.astype(">f4"))
save("object_1d.npy", np.array([1, "a", None], dtype=object), allow_pickle=True)
save("i4_3x5.npy", A.astype("<i4"))
save("f32_1d.npy", A[0])
save("f32_3d.npy", A.reshape(3, 5, 1))

# Integer label arrays: values [-3..] where the type allows, else [0..].
signed = np.array([-3, 0, 1, 2, 127], dtype=np.int64)
unsigned = np.array([0, 1, 2, 200, 255], dtype=np.int64)
for t in ["<i1", "<i2", "<i4", "<i8"]:
    save(f"labels_{t[1:]}.npy", signed.astype(t))
for t in ["<u1", "<u2", "<u4", "<u8"]:
    save(f"labels_{t[1:]}.npy", unsigned.astype(t))
save("labels_i4_n1.npy", signed.astype("<i4").reshape(-1, 1))
save("labels_u8_too_big.npy", np.array([1, 2**63], dtype="<u8"))
save("labels_i8_written.npy", np.array([5, -1, 0, 2**40, -2**62], dtype=np.int64))
