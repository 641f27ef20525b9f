#!/usr/bin/env python3
"""Per-call cost of the Python bridge, beside what a NumPy (and FAISS, when installed) user would
run instead, in the same process and the same run, alternated.

    LATENTDB_BINARY=.build/release/latentdb python tools/python/bench.py [--rounds 15] [--rows 100000]

Cases (medians over rounds; the ratio is bridge / alternative):
  knn-1      one-query k-NN (k = 10) on the bundled sample (e5 → minilm, 1,000 rows, cached
             translator), a key and a vector query, through the CLI and, when latentdb-server is
             built ($LATENTDB_SERVER, else server/.build/release), through `latentdb serve` and
             LatentDB.connect; beside NumPy's cosine top-k of the translated vector and FAISS
             IndexFlatIP.search on the same 1,000 rows
  translate  --rows × 384 float32 rows through a stored translator (pipes both ways, end to end;
             and .npy bodies both ways through the server); beside NumPy's product of the same
             rows by a 384 × 384 matrix plus a bias
  register   --rows × 384 float32 rows into a new space; beside np.save of the same array to a
             file, and FAISS IndexFlatIP.add + write_index

The machine is shared: read ratios, not absolute times.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from latentdb import LatentDB  # noqa: E402

SAMPLE = HERE.parent.parent / "examples" / "fortunes"


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def alternate(cases, rounds):
    """Runs each case once per round, in turn; returns the median seconds of each."""
    times = {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            times[name].append(timed(fn))
    return {name: statistics.median(t) for name, t in times.items()}


def faiss_module():
    try:
        import faiss
        faiss.omp_set_num_threads(1)
        return faiss
    except ImportError:
        return None


def server_binary():
    given = os.environ.get("LATENTDB_SERVER")
    built = HERE.parent.parent / "server" / ".build" / "release" / "latentdb-server"
    return given if given else (str(built) if built.is_file() else None)


def serve(db, server):
    """`latentdb serve` on db's store, on a free loopback port: (process, url)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([db.binary, "serve", "--db", db.path, "--port", str(port), "--max-body", "1GiB"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=dict(os.environ, LATENTDB_SERVER=server))
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url + "/v1/health", timeout=1).read()
            return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("latentdb serve did not start")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    faiss = faiss_module()
    rng = np.random.default_rng(0)
    keys = (SAMPLE / "keys.txt").read_text(encoding="utf-8").splitlines()
    e5, minilm = np.load(SAMPLE / "e5.npy"), np.load(SAMPLE / "minilm.npy")

    with tempfile.TemporaryDirectory(prefix="latentdb-bench-") as work:
        db = LatentDB(Path(work) / "bench.db")
        server = server_binary()
        print(f"binary {db.binary}; server {server or 'not built'}; {os.cpu_count()} cores; rounds {args.rounds}; "
              f"faiss {'yes' if faiss else 'not installed'}")
        db.register("e5/fortunes", e5, keys=keys)
        db.register("minilm/fortunes", minilm, keys=keys)
        db.anchors("a500", "e5/fortunes", "minilm/fortunes", count=500, seed=0)
        fingerprint = db.fit("e5/fortunes", "minilm/fortunes", anchors="a500")["fingerprint"]
        rows = []
        process, remote = None, None
        if server:
            process, url = serve(db, server)
            remote = LatentDB.connect(url)

        # knn-1: one query, through the CLI, against the same search in memory.
        vector = e5[0]  # the item of key "3"
        translated = db.translate("e5/fortunes", "minilm/fortunes", queries=vector, translator=fingerprint)
        unit = minilm / np.linalg.norm(minilm, axis=1, keepdims=True)
        q = translated / np.linalg.norm(translated, axis=1, keepdims=True)

        def numpy_knn():
            s = q @ unit.T
            top = np.argpartition(-s[0], 10)[:10]
            return top[np.argsort(-s[0, top])]

        cases = {
            "bridge key": lambda: db.knn("e5/fortunes", "minilm/fortunes", "3", k=10, translator=fingerprint),
            "bridge vector": lambda: db.knn("e5/fortunes", "minilm/fortunes", vector, k=10, translator=fingerprint),
            "numpy": numpy_knn,
        }
        if remote:
            remote.knn("e5/fortunes", "minilm/fortunes", "3", k=10, translator=fingerprint)  # decodes both spaces
            cases["served key"] = lambda: remote.knn("e5/fortunes", "minilm/fortunes", "3", k=10, translator=fingerprint)
            cases["served vector"] = lambda: remote.knn("e5/fortunes", "minilm/fortunes", vector, k=10, translator=fingerprint)
        if faiss:
            index = faiss.IndexFlatIP(unit.shape[1])
            index.add(np.ascontiguousarray(unit, dtype=np.float32))
            cases["faiss"] = lambda: index.search(np.ascontiguousarray(q, dtype=np.float32), 10)
        medians = alternate(cases, max(args.rounds, 21))
        for name in ("bridge key", "bridge vector") + (("served key", "served vector") if remote else ()):
            rows.append(("knn-1", name, medians[name], "numpy", medians["numpy"]))
            if faiss:
                rows.append(("knn-1", name, medians[name], "faiss", medians["faiss"]))

        # translate: rows × 384 through stdin/stdout against NumPy's product.
        x = rng.standard_normal((args.rows, 384)).astype(np.float32)
        w = rng.standard_normal((384, 384)).astype(np.float32)
        b = rng.standard_normal(384).astype(np.float32)
        out = db.translate("e5/fortunes", "minilm/fortunes", queries=x, translator=fingerprint)
        assert out.shape == x.shape and out.dtype == np.float32
        cases = {
            "bridge": lambda: db.translate("e5/fortunes", "minilm/fortunes", queries=x, translator=fingerprint),
            "numpy": lambda: x @ w + b,
        }
        if remote:
            assert np.array_equal(remote.translate("e5/fortunes", "minilm/fortunes", x, translator=fingerprint), out)
            cases["served"] = lambda: remote.translate("e5/fortunes", "minilm/fortunes", x, translator=fingerprint)
        medians = alternate(cases, args.rounds)
        for name in ("bridge", "served") if remote else ("bridge",):
            rows.append((f"translate {args.rows}x384", name, medians[name], "numpy x@W+b", medians["numpy"]))
        if process:
            process.terminate()
            process.wait()

        # register: a new space per round (the name changes), against persisting the same array.
        counter = iter(range(10**6))
        path = Path(work) / "x.npy"
        cases = {
            "bridge": lambda: db.register(f"bench{next(counter)}/rows", x),
            "np.save": lambda: np.save(path, x),
        }
        if faiss:
            def faiss_register():
                index = faiss.IndexFlatIP(384)
                index.add(x)
                faiss.write_index(index, str(Path(work) / "x.faiss"))
            cases["faiss"] = faiss_register
        medians = alternate(cases, max(3, args.rounds // 3))
        rows.append((f"register {args.rows}x384", "bridge", medians["bridge"], "np.save", medians["np.save"]))
        if faiss:
            rows.append((f"register {args.rows}x384", "bridge", medians["bridge"], "faiss add+write", medians["faiss"]))

    print(f"{'case':<24} {'ours':<14} {'median':>10}   {'alternative':<16} {'median':>10}   {'ratio':>7}")
    for case, ours, t, other, u in rows:
        print(f"{case:<24} {ours:<14} {t * 1e3:>8.1f}ms   {other:<16} {u * 1e3:>8.2f}ms   {t / u:>6.2f}x")


if __name__ == "__main__":
    main()
