#!/usr/bin/env bash
# Larger-than-memory benchmark: a ROWS × DIM float32 .npy (default 2,000,000 × 768 = 6.1 GB),
# generated in chunks, registered and queried with the release build under /usr/bin/time -v.
# Both commands must stay under 1 GiB of peak RSS: register streams the file block by block,
# knn streams the stored blocks. Not for CI (minutes, and about 3× the file in free disk).
#
#   tools/large-bench/run.sh [DIR] [ROWS] [DIM]      DIR defaults to /tmp/latentdb-large-bench
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="${1:-/tmp/latentdb-large-bench}"
rows="${2:-2000000}"
dim="${3:-768}"
bytes=$((rows * dim * 4))
limit_kb=$((1024 * 1024))

mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
free_kb=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
# The .npy, the WAL while the transaction is open, and the store after the checkpoint.
need_kb=$((bytes / 1024 * 3 + 1024 * 1024))
if [ "$free_kb" -lt "$need_kb" ]; then
    echo "not enough room in $dir: $((free_kb / 1024)) MiB free, $((need_kb / 1024)) MiB needed" >&2
    exit 1
fi

swift build -c release --product latentdb >&2
latentdb="$(swift build -c release --show-bin-path)/latentdb"

echo "== generating $rows × $dim float32 ($((bytes / 1000000)) MB) in $dir" >&2
python3 - "$dir/x.npy" "$rows" "$dim" <<'PY'
import sys, numpy as np
from numpy.lib import format as npformat
path, rows, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
out = npformat.open_memmap(path, mode="w+", dtype="<f4", shape=(rows, dim))
rng = np.random.default_rng(0)
basis = rng.standard_normal((64, dim)).astype("<f4")  # low-rank structure, like real embeddings
chunk = 50_000
for start in range(0, rows, chunk):
    n = min(chunk, rows - start)
    x = rng.standard_normal((n, 64)).astype("<f4") @ basis + 0.1 * rng.standard_normal((n, dim)).astype("<f4")
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    out[start:start + n] = x
    out.flush()
del out
PY
sync

store="$dir/large.db"
measure() {  # label, command…
    local label="$1"; shift
    /usr/bin/time -v "$@" > "$dir/$label.out" 2> "$dir/$label.time"
    local rss wall
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$dir/$label.time")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$dir/$label.time")
    echo "$label: wall $wall, peak RSS $((rss / 1024)) MiB" >&2
    if [ "$rss" -ge "$limit_kb" ]; then echo "$label: peak RSS over 1 GiB" >&2; return 1; fi
    echo "$wall"
}
to_seconds() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }' <<< "$1"; }

"$latentdb" init --db "$store" --quiet
wall=$(measure register "$latentdb" register big/x --db "$store" --embeddings "$dir/x.npy" --quiet)
seconds=$(to_seconds "$wall")
echo "register: $(awk -v b="$bytes" -v s="$seconds" 'BEGIN { printf "%.0f MB/s", b / 1e6 / s }') ($((bytes / 1000000)) MB in $seconds s); store $(du -m "$store" | cut -f1) MiB" >&2
measure knn "$latentdb" knn --db "$store" --from big/x --to big/x --key 0 -k 10 --metric ip > /dev/null
head -5 "$dir/knn.out" >&2
