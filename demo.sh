#!/usr/bin/env bash
# The README's first command: installs the system libraries (Debian), builds LatentDB, and runs
# a real stitching session on the bundled sample (examples/fortunes: 1,000 fortune cookies
# embedded by three different models). Needs no network beyond apt and no ../shared.
set -euo pipefail
cd "$(dirname "$0")"

need=()
for pkg in libsqlite3-dev libopenblas-dev liblapacke-dev liblz4-dev zlib1g-dev libpq-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "== building (swift build -c ${LATENTDB_BUILD:-release})"
swift build -c "${LATENTDB_BUILD:-release}" --product latentdb 2>&1 | grep -E "error|warning: |Compiling latentdb|Build complete" || true
bin="$(swift build -c "${LATENTDB_BUILD:-release}" --show-bin-path)/latentdb"
[ -x "$bin" ] || { echo "build failed" >&2; exit 1; }

export LATENTDB_PATH="${LATENTDB_DEMO_DB:-demo.db}"
rm -f "$LATENTDB_PATH" "$LATENTDB_PATH-wal" "$LATENTDB_PATH-shm"
data=examples/fortunes
run() { echo; echo "\$ latentdb $*"; "$bin" "$@"; }

run init
for model in e5 minilm glove50; do
  run register "$model/fortunes" --embeddings "$data/$model.npy" --keys "$data/keys.txt" \
      --labels "$data/labels.txt" --split "$data/split.txt"
done
run ls
run info minilm/fortunes
run export minilm/fortunes --output "${TMPDIR:-/tmp}/minilm-export.npy"
cmp "$data/minilm.npy" "${TMPDIR:-/tmp}/minilm-export.npy" && echo "export is byte-identical to the registered file"

# Stitching: anchors from the train split, a cached translator, cross-model queries.
run anchors create a500 --from e5/fortunes --to minilm/fortunes --count 500 --seed 0
run fit --from e5/fortunes --to minilm/fortunes --anchors a500 --method ortho
run fit --from e5/fortunes --to minilm/fortunes --anchors a500 --method ortho --quiet   # second time: from the cache
run knn --from e5/fortunes --to minilm/fortunes --key 3 --key 4 -k 3   # the cached translator: no anchors to repeat
run classify --from e5/fortunes --to minilm/fortunes --key 3 --key 4 --key 11 --decoder linear
run eval --from e5/fortunes --to minilm/fortunes --count 500 --seed 0 --csls
# A harder pair (GloVe averages vs a transformer): the paper's ortho, then what LatentDB adds.
run eval --from glove50/fortunes --to e5/fortunes --count 500 --seed 0 --methods ortho,linear,auto --refine 2 --csls
run translators ls
run check
