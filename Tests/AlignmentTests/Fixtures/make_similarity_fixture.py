"""Writes similarity_fixture.json: linear CKA, SVCCA (top components explaining 99 % of the
variance, mean canonical correlation) and mutual k-NN overlap (cosine, self excluded) of small
paired spaces, in float64 NumPy, independently of the Swift code (Alignment's `Similarity`).

CKA: Kornblith et al. 2019, ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F) on centred columns.
SVCCA: Raghu et al. 2017; the CCA of the reduced spaces is computed the textbook way here
(whitening by the inverse square roots of the covariance matrices), not through the
orthonormal bases the Swift code uses, so the two are independent routes to the same numbers.
Run from anywhere: python3 Tests/AlignmentTests/Fixtures/make_similarity_fixture.py
"""
import json, os
import numpy as np


def cka(x, y):
    x, y = x - x.mean(0), y - y.mean(0)
    return float(np.linalg.norm(y.T @ x) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)))


def reduce(x, variance=0.99):
    x = x - x.mean(0)
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    energy = np.cumsum(s ** 2) / (s ** 2).sum()
    k = int(np.searchsorted(energy, variance) + 1)   # fewest components reaching `variance`
    return x @ vt[:k].T, k


def inverse_sqrt(c):
    w, v = np.linalg.eigh(c)
    return v @ np.diag(w ** -0.5) @ v.T


def svcca(x, y):
    a, ka = reduce(x)
    b, kb = reduce(y)
    caa, cbb, cab = a.T @ a, b.T @ b, a.T @ b
    rho = np.linalg.svd(inverse_sqrt(caa) @ cab @ inverse_sqrt(cbb), compute_uv=False)
    return float(np.minimum(rho, 1).mean()), ka, kb


def mutual_knn(x, y, k):
    def neighbours(m):
        m = m / np.linalg.norm(m, axis=1, keepdims=True)
        s = m @ m.T
        np.fill_diagonal(s, -np.inf)
        return np.argsort(-s, axis=1)[:, :k]
    nx, ny = neighbours(x), neighbours(y)
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(nx, ny)]))


def pair(n, d1, d2, seed, noise):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 5))
    x = z @ rng.normal(size=(5, d1)) + 0.3 * rng.normal(size=(n, d1)) + rng.normal(size=d1)
    y = np.tanh(z @ rng.normal(size=(5, d2)) / 2) + noise * rng.normal(size=(n, d2)) + 2
    return x.astype(np.float32).astype(np.float64), y.astype(np.float32).astype(np.float64)


cases = {}
for name, (n, d1, d2, seed, noise) in {"close": (80, 12, 9, 1, 0.05), "far": (60, 7, 10, 2, 1.0)}.items():
    x, y = pair(n, d1, d2, seed, noise)
    score, ka, kb = svcca(x, y)
    cases[name] = {"X": x.tolist(), "Y": y.tolist(), "linear_cka": cka(x, y), "svcca": score,
                   "svcca_components": [ka, kb], "mutual_knn": {str(k): mutual_knn(x, y, k) for k in (5, 10)}}
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "similarity_fixture.json"), "w") as f:
    json.dump({"note": "float64 NumPy; X, Y rounded to float32 first", "cases": cases}, f, indent=1, sort_keys=True)
print({k: (round(v["linear_cka"], 4), round(v["svcca"], 4), v["svcca_components"], v["mutual_knn"]) for k, v in cases.items()})
