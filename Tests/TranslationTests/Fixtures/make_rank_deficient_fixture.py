"""Writes rank_deficient_fixture.json: ortho, ortho+l2 and l-ortho with the *partial* completion
(U_r V_r^T over the numerical rank r of X^T Y, resp. of the least-squares W) on anchors that
leave part of the map undetermined, in float64 NumPy, independently of the Swift code.

Two problems, each with a target dimension that is constant over the anchors:
  few_anchors  6 anchors, 8 -> 10 dims: centred anchors have rank 5 < min(d1, d2) = 8;
  dead_target 30 anchors, 6 -> 6 dims: enough anchors, but the dead column leaves rank 5 of 6.
Scaling as the reference (latentis): mean and unbiased std, std < 10 * eps64 -> 1, L2 rows with
the mean norm of the scaled target anchors; ortho pads the narrower side on the right.
Rank rule (README, "How this departs from the paper"): sigma_i > 1e-6 * sigma_1.

Run from anywhere: python3 Tests/TranslationTests/Fixtures/make_rank_deficient_fixture.py
"""
import json, os
import numpy as np

RELATIVE_TOLERANCE = 1e-6
EPS = float(np.finfo(np.float64).eps)


def scaling_state(x):
    scale = x.std(axis=0, ddof=1)
    scale[(scale < 10 * EPS) | (scale == 0)] = 1.0
    return x.mean(axis=0), scale


def normalise(x):
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def partial_isometry(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    r = int((s > RELATIVE_TOLERANCE * s[0]).sum()) if s[0] > 0 else 0
    return u[:, :r] @ vh[:r, :], r


def fit(X, Y, method, l2):
    d1, d2 = X.shape[1], Y.shape[1]
    (mx, sx), (my, sy) = scaling_state(X), scaling_state(Y)
    Xs, Ys = (X - mx) / sx, (Y - my) / sy
    ny = None
    if l2:
        ny = np.linalg.norm(Ys, axis=1).mean()
        Xs, Ys = normalise(Xs), normalise(Ys)
    if method == "ortho":
        d = max(d1, d2)
        Xp = np.pad(Xs, ((0, 0), (0, d - d1)))
        Yp = np.pad(Ys, ((0, 0), (0, d - d2)))
        R, r = partial_isometry(Xp.T @ Yp)
        R = R[:d1, :d2]   # the rest of the padded map is zero under the partial completion
    else:  # l-ortho
        W = np.linalg.lstsq(Xs, Ys, rcond=None)[0]
        R, r = partial_isometry(W)

    def translate(Q):
        Z = (Q - mx) / sx
        if l2:
            Z = normalise(Z)
        Z = Z @ R
        if l2:
            Z = Z * ny
        return Z * sy + my

    return R, r, translate


def problem(n, d1, d2, dead, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d1)) * rng.uniform(0.5, 3, d1) + rng.normal(size=d1)
    M = rng.normal(size=(d1, d2))
    Y = np.tanh(X @ M / 4) * 2 + 0.1 * rng.normal(size=(n, d2)) - 1.0
    Y[:, dead] = 0.75
    query = rng.normal(size=(4, d1)) * 2 + 0.5
    return X, Y, query


out = {"note": "float64 NumPy; partial completion U_r V_r^T, rank: sigma > 1e-6 sigma_1", "cases": {}}
for name, (n, d1, d2, dead, seed) in {"few_anchors": (6, 8, 10, 3, 11), "dead_target": (30, 6, 6, 2, 12)}.items():
    X, Y, query = problem(n, d1, d2, dead, seed)
    case = {"X": X.tolist(), "Y": Y.tolist(), "query": query.tolist(), "dead_column": dead,
            "dead_value": 0.75, "results": {}}
    for key, method, l2 in (("ortho", "ortho", False), ("ortho+l2", "ortho", True), ("l-ortho", "l-ortho", False)):
        R, r, translate = fit(X, Y, method, l2)
        tq = translate(query)
        assert np.allclose(tq[:, dead], 0.75), "a dead target dimension must translate to its anchor mean"
        case["results"][key] = {"R": R.tolist(), "rank": r, "map_dimensions": min(d1, d2),
                                "translated_query": tq.tolist(),
                                "translated_anchors_mse": float(((translate(X) - Y) ** 2).mean())}
    out["cases"][name] = case

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "rank_deficient_fixture.json"), "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
print("wrote", ", ".join(f"{k}: rank {v['results']['ortho']['rank']}, l-ortho {v['results']['l-ortho']['rank']}"
                         for k, v in out["cases"].items()))
