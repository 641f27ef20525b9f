"""Writes protocol_fixture.json: the reference protocol (../shared/reference/protocol.py) on the
bundled sample, for every ordered pair of its three models, with the sample's split and a fixed
anchor file of 600 train items. More anchors than the 384 dimensions on purpose: with fewer, the
Procrustes problem is rank-deficient, its rotation in the null space is arbitrary, and two LAPACK
builds legitimately disagree. Run from the repository root: python3 Tests/CLITests/Fixtures/make_protocol_fixture.py
"""
import json, os, subprocess, sys
import numpy as np

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))
sample = os.path.join(root, "examples/fortunes")
protocol = os.path.join(root, "../shared/reference/protocol.py")
here = os.path.dirname(os.path.abspath(__file__))

split = [s.strip() for s in open(os.path.join(sample, "split.txt"))]
keys = [s.strip() for s in open(os.path.join(sample, "keys.txt"))]
train = [i for i, s in enumerate(split) if s == "train"]
anchors = sorted(np.random.default_rng(7).choice(train, 600, replace=False).tolist())
rows_file = os.path.join(here, "protocol_anchor_rows.txt")
open(rows_file, "w").write("".join(f"{r}\n" for r in anchors))
open(os.path.join(here, "protocol_anchor_keys.txt"), "w").write("".join(f"{keys[r]}\n" for r in anchors))

out = {}
for a in ("e5", "minilm", "glove50"):
    for b in ("e5", "minilm", "glove50"):
        if a == b:
            continue
        result = subprocess.run([sys.executable, protocol, sample, a, b, "--split-file", os.path.join(sample, "split.txt"),
                                 "--anchors-file", rows_file], check=True, capture_output=True, text=True)
        out[f"{a}->{b}"] = json.loads(result.stdout)
json.dump(out, open(os.path.join(here, "protocol_fixture.json"), "w"), indent=1, sort_keys=True)
print("wrote", len(out), "pairs")
