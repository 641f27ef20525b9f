#!/usr/bin/env bash
# Builds the libFuzzer targets (release, -sanitize=fuzzer,address) and fuzzes one of them.
#
#   tools/fuzz/run.sh TARGET SECONDS      TARGET: fuzz-npy | fuzz-block | fuzz-translator | all
#
# The entry points: Sources/fuzz-*/main.swift (LLVMFuzzerTestOneInput) and FuzzDriver.c.
#
# Seeds come from tools/fuzz/corpus/<kind>/ (committed, read-only here); what the fuzzer finds
# goes to $FUZZ_WORK (default tools/fuzz/.work, ignored by git), crashes to
# $FUZZ_WORK/artifacts/. Exits non-zero when the fuzzer finds a crash, a leak, a timeout or an
# out-of-memory input. Reproduce one with: .build/release/TARGET ARTIFACT
set -euo pipefail
cd "$(dirname "$0")"
target="${1:?usage: run.sh TARGET SECONDS}"
seconds="${2:?usage: run.sh TARGET SECONDS}"
work="${FUZZ_WORK:-$PWD/.work}"

if [ "$target" = all ]; then
    for t in fuzz-npy fuzz-block fuzz-translator; do ./run.sh "$t" "$seconds"; done
    exit 0
fi
case "$target" in
    fuzz-npy) kind=npy ;;
    fuzz-block) kind=block ;;
    fuzz-translator) kind=translator ;;
    *) echo "unknown target '$target': fuzz-npy, fuzz-block, fuzz-translator or all" >&2; exit 2 ;;
esac

# FUZZ_SKIP_BUILD=1: use what is built (to run several targets at once without two builds).
if [ -z "${FUZZ_SKIP_BUILD:-}" ]; then
    swift build -c release --product "$target" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2
fi
binary="$(swift build -c release --show-bin-path)/$target"

mkdir -p "$work/$target" "$work/artifacts"
echo "== $target for ${seconds}s (seeds corpus/$kind, findings $work/$target)" >&2
# rss_limit: a parser must not need 2 GiB for any input; max_len: far above every seed.
"$binary" "$work/$target" "corpus/$kind" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -max_len=65536 -timeout=10 \
    -artifact_prefix="$work/artifacts/$target-" -print_final_stats=1
