#!/usr/bin/env bash
# Serving benchmark (issue 14): one-query cross-model knn (exact, k = 10, cosine) from a/big to
# b/big, ROWS × DIM float32 each (default 100,000 × 768, rows tiled from the real fortunes
# embeddings; a/big is b/big under a seeded rotation plus noise, so the translator is a real
# fit), through the release `latentdb serve` with 1 and 8 concurrent clients (p50/p99 latency,
# queries/s), beside FAISS in-process on the same data and query (IndexFlatIP over the normalised
# target, the query translated by the same kind of map first) and beside today's CLI (a fresh
# process per query). Everything runs in one go on this machine; loopback only.
# With MODE `indexed` (tools/serve-bench/run.sh 1000000 384 10 indexed): b/big is
# ../shared/bench/clustered.py's embedding-like data (tiled rows would give an index nothing to
# separate), b/big gets an IVF index with the default lists and sample, queries go through it at
# its default nprobe, and FAISS is IndexIVFFlat with the same lists, sample size and nprobe.
# Usage: tools/serve-bench/run.sh [ROWS] [DIM] [SECONDS per client count] [exact|indexed]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-100000}
dim=${2:-768}
seconds=${3:-10}
mode=${4:-exact}
shared=${LATENTDB_SHARED:-../shared}
venv=${BENCH_VENV:-$HOME/.venvs/bench}
work=$(mktemp -d)
server_pid=""
cleanup() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

swift build -c release --product latentdb >/dev/null
swift build -c release --package-path server --product latentdb-server >/dev/null
bin=$(swift build -c release --show-bin-path)/latentdb
export LATENTDB_SERVER=$(swift build -c release --package-path server --show-bin-path)/latentdb-server
export LATENTDB_PATH="$work/bench.db"

if [ "$mode" = indexed ]; then python3 "$shared/bench/clustered.py" "$work/b.npy" --rows "$rows" --dim "$dim" >/dev/null; fi
python3 - "$rows" "$dim" "$work" "$shared/data/fortunes" "$mode" <<'PY'
import sys, numpy as np
rows, dim, work, src, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
if mode == "indexed":
    b = np.load(f"{work}/b.npy")
else:
    base = np.hstack([np.load(f"{src}/e5.npy"), np.load(f"{src}/minilm.npy")]).astype(np.float32)
    b = np.ascontiguousarray(np.resize(base, (rows, base.shape[1]))[:, :dim])
rng = np.random.default_rng(0)
rotation, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
a = (b @ rotation.astype(np.float32) + rng.normal(0, 0.01, b.shape).astype(np.float32)).astype(np.float32)
np.save(f"{work}/a.npy", a)
np.save(f"{work}/b.npy", b)
open(f"{work}/keys.txt", "w").write("".join(f"{i}\n" for i in range(rows)))
PY
"$bin" register a/big --embeddings "$work/a.npy" --keys "$work/keys.txt" --quiet
"$bin" register b/big --embeddings "$work/b.npy" --keys "$work/keys.txt" --quiet
"$bin" anchors create anc --from a/big --to b/big --count 2000 --seed 0 --quiet
"$bin" fit --from a/big --to b/big --anchors anc --quiet >/dev/null
index="{}"
if [ "$mode" = indexed ]; then
  "$bin" index create b/big --seed 0 --quiet
  index=$("$bin" index info b/big --json)
fi

port=$((20000 + RANDOM % 20000))
"$bin" serve --port "$port" --memory 4GiB > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do curl -sf "localhost:$port/v1/health" >/dev/null && break; sleep 0.1; done

faiss="{}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import faiss" 2>/dev/null; then
  faiss=$("$venv/bin/python" - "$work" "$index" <<'PY'
import json, statistics, sys, time, numpy as np, faiss
work, index_info = sys.argv[1], json.loads(sys.argv[2])
a, b = np.load(f"{work}/a.npy"), np.load(f"{work}/b.npy")
anchors = np.random.default_rng(0).choice(len(a), 2000, replace=False)
# The same kind of map LatentDB fits: standard scaling, Procrustes, back to the target's scale.
ma, sa, mb, sb = a[anchors].mean(0), a[anchors].std(0, ddof=1), b[anchors].mean(0), b[anchors].std(0, ddof=1)
sa[sa < 1e-6], sb[sb < 1e-6] = 1, 1  # a dead dimension passes unchanged, as in LatentDB's scaling
u, _, vt = np.linalg.svd(((a[anchors] - ma) / sa).T @ ((b[anchors] - mb) / sb))
w = (u @ vt).astype(np.float32)
unit = b / np.linalg.norm(b, axis=1, keepdims=True)
if index_info:
    lists, sample, nprobe = index_info["lists"], index_info["sample"], index_info["defaultNProbe"]
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(b.shape[1]), b.shape[1], lists, faiss.METRIC_INNER_PRODUCT)
    index.train(unit[np.random.default_rng(0).choice(len(unit), sample, replace=False)])
    index.nprobe = nprobe
else:
    index = faiss.IndexFlatIP(b.shape[1])
index.add(unit)
out = {"faiss": faiss.__version__, "omp_threads": faiss.omp_get_max_threads(), "index": type(index).__name__}
for threads in sorted({1, faiss.omp_get_max_threads()}):
    faiss.omp_set_num_threads(threads)
    times = []
    for i in range(200):
        start = time.perf_counter()
        q = (((a[i:i + 1] - ma) / sa) @ w) * sb + mb
        q /= np.linalg.norm(q)
        index.search(q.astype(np.float32), 10)
        times.append(time.perf_counter() - start)
    out[f"p50_ms_{threads}t"] = round(statistics.median(times[20:]) * 1e3, 3)
print(json.dumps(out))
PY
)
fi

python3 - "$port" "$rows" "$seconds" "$bin" "$faiss" "$mode" <<'PY'
import http.client, json, multiprocessing as mp, statistics, subprocess, sys, time
port, rows, seconds, binary, faiss = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], json.loads(sys.argv[5])

def client(index, clients, until, queue, offset):
    """One client: one keep-alive connection, one-query knn by key, until the deadline."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    times, i = [], index + offset
    while time.time() < until:
        body = json.dumps({"from": "a/big", "to": "b/big", "anchors": "anc", "keys": [str(i % rows)], "k": 10})
        start = time.perf_counter()
        conn.request("POST", "/v1/knn", body, {"Content-Type": "application/json"})
        answer = conn.getresponse()
        data = answer.read()
        times.append(time.perf_counter() - start)
        if answer.status != 200:
            queue.put(("error", f"{answer.status} {data[:200]!r}"))
            return
        i += clients
    queue.put(("times", times))

def run(clients, offset):
    queue = mp.Queue()
    until = time.time() + seconds
    procs = [mp.Process(target=client, args=(c, clients, until, queue, offset)) for c in range(clients)]
    for p in procs: p.start()
    results = [queue.get() for _ in procs]
    for p in procs: p.join()
    errors = [r[1] for r in results if r[0] == "error"]
    if errors: sys.exit(f"failed requests: {errors[:3]}")
    times = sorted(t for r in results for t in r[1])
    return {"clients": clients, "requests": len(times), "qps": round(len(times) / seconds, 1),
            "p50_ms": round(statistics.median(times) * 1e3, 2), "p99_ms": round(times[int(0.99 * (len(times) - 1))] * 1e3, 2)}

# Warm-up: the first request decodes the query space and loads the translator; with an index, the
# warm-up's queries bring most lists into memory. The measured queries are other rows than the
# warm-up's (from the middle of the space on), so a measured query is never a repeat of a warm one.
run(1, 0)
served = [run(1, rows // 2), run(8, rows // 2)]
cli = []
for i in range(5):
    start = time.perf_counter()
    subprocess.run([binary, "knn", "--from", "a/big", "--to", "b/big", "--anchors", "anc", "--key", str(i), "-k", "10", "--json"],
                   check=True, stdout=subprocess.DEVNULL)
    cli.append(time.perf_counter() - start)
cli_ms = statistics.median(cli) * 1e3
print(f"one-query cross-model knn, {sys.argv[6]}, k=10, {rows} x target; load {open('/proc/loadavg').read().split()[0]}")
print(f"{'path':28s} {'p50 ms':>9s} {'p99 ms':>9s} {'q/s':>8s}")
for r in served:
    print(f"{'serve, ' + str(r['clients']) + ' client(s)':28s} {r['p50_ms']:9.2f} {r['p99_ms']:9.2f} {r['qps']:8.1f}")
print(f"{'CLI, fresh process':28s} {cli_ms:9.1f} {'':>9s} {1e3 / cli_ms:8.1f}")
for key, value in faiss.items():
    if key.startswith("p50_ms"):
        print(f"{'FAISS in-process, ' + key.split('_')[-1]:28s} {value:9.2f} {'':>9s} {1e3 / value:8.1f}")
summary = {"rows": rows, "served": served, "cli_p50_ms": round(cli_ms, 1), "faiss": faiss,
           "scaling_8_vs_1": round(served[1]["qps"] / served[0]["qps"], 2)}
best_faiss = min([v for k, v in faiss.items() if k.startswith("p50_ms")], default=None)
if best_faiss:
    summary["serve_p50_vs_faiss"] = round(served[0]["p50_ms"] / best_faiss, 2)
print(json.dumps(summary))
PY
