"""Writes residual_fixture.json: the `residual` estimator at a fixed kernel width and strength,
in float64 NumPy, independently of the Swift code.

ortho (partial completion, padded) in the scaled spaces, then RBF kernel ridge on its residual
R = Ys - Xs W: centres C = the scaled source anchors (all of them when n <= 1024, else rows
floor(j n / 1024)), gamma = width / median squared distance between the first min(m, 200)
centres (off-diagonal pairs, upper median), alpha = (K_nm^T K_nm + lam K_mm + eps I)^-1 K_nm^T R
with eps = 1e-10 trace / m; translate: (Zs W + k(Zs, C) alpha), then the target's norm and scale.

Run from anywhere: python3 Tests/TranslationTests/Fixtures/make_residual_fixture.py
"""
import json, os
import numpy as np

EPS = float(np.finfo(np.float64).eps)
MAX_CENTRES = 1024


def scaling_state(x):
    scale = x.std(axis=0, ddof=1)
    scale[(scale < 10 * EPS) | (scale == 0)] = 1.0
    return x.mean(axis=0), scale


def normalise(x):
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def sqdist(a, b):
    return np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T, 0)


def fit(X, Y, l2, width, lam):
    d1, d2 = X.shape[1], Y.shape[1]
    (mx, sx), (my, sy) = scaling_state(X), scaling_state(Y)
    Xs, Ys = (X - mx) / sx, (Y - my) / sy
    ny = 1.0
    if l2:
        ny = np.linalg.norm(Ys, axis=1).mean()
        Xs, Ys = normalise(Xs), normalise(Ys)
    d = max(d1, d2)
    u, s, vh = np.linalg.svd(np.pad(Xs, ((0, 0), (0, d - d1))).T @ np.pad(Ys, ((0, 0), (0, d - d2))))
    r = int((s > 1e-6 * s[0]).sum())
    W = (u[:, :r] @ vh[:r, :])[:d1, :d2]
    R = Ys - Xs @ W
    n = len(Xs)
    m = min(n, MAX_CENTRES)
    C = Xs if m == n else Xs[[j * n // m for j in range(m)]]
    sample = C[:min(m, 200)]
    D = sqdist(sample, sample)
    off = np.sort(D[np.triu_indices(len(sample), 1)])
    gamma = width / max(off[len(off) // 2], 1e-12)
    Knm = np.exp(-gamma * sqdist(Xs, C))
    Kmm = np.exp(-gamma * sqdist(C, C))
    A = Knm.T @ Knm + lam * Kmm
    A += np.eye(m) * 1e-10 * np.trace(A) / m
    alpha = np.linalg.solve(A, Knm.T @ R)

    def translate(Q, corrected=True):
        Z = (Q - mx) / sx
        if l2:
            Z = normalise(Z)
        out = Z @ W
        if corrected:
            out = out + np.exp(-gamma * sqdist(Z, C)) @ alpha
        return out * ny * sy + my

    return gamma, alpha, translate


def problem(n, d1, d2, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d1)) * rng.uniform(0.5, 3, d1) + rng.normal(size=d1)
    Y = np.tanh(X @ rng.normal(size=(d1, d2)) / 3) * 2 + 0.05 * rng.normal(size=(n, d2)) + 1.0
    query = rng.normal(size=(5, d1)) * 1.5 + X.mean(0)
    return X, Y, query


out = {"note": "float64 NumPy; residual estimator at fixed width and lambda", "cases": []}
for name, (n, d1, d2, seed), l2, width, lam in (
        ("small", (60, 7, 5, 21), False, 1.0, 1.0),
        ("small+l2", (60, 7, 5, 21), True, 0.5, 0.1),
        ("nystrom", (1100, 6, 4, 22), False, 2.0, 10.0)):
    X, Y, query = problem(n, d1, d2, seed)
    gamma, alpha, translate = fit(X, Y, l2, width, lam)
    before = float(((translate(X, False) - Y) ** 2).mean())
    after = float(((translate(X) - Y) ** 2).mean())
    assert after < before, "the correction must fit the anchors better than the map alone"
    out["cases"].append({"name": name, "X": X.tolist(), "Y": Y.tolist(), "query": query.tolist(), "l2": l2,
                         "width": width, "lambda": lam, "gamma": gamma, "centres": min(n, MAX_CENTRES),
                         "translated_query": translate(query).tolist(),
                         "anchor_mse_ortho": before, "anchor_mse_residual": after})

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "residual_fixture.json"), "w") as f:
    json.dump(out, f, sort_keys=True)
print("wrote", ", ".join(f"{c['name']}: anchor MSE {c['anchor_mse_ortho']:.4f} -> {c['anchor_mse_residual']:.4f}"
                         for c in out["cases"]))
