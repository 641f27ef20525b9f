"""Builds the bundled sample from ../../../shared/data/fortunes (run once; outputs are committed).

1,000 of the 4,955 fortunes, 100 per class, seeded; glove50's all-zero row 2787 is kept on
purpose (cosine and L2 normalisation must survive it). Keys are the original row numbers.
"""
import json, os, sys
import numpy as np

src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../../shared/data/fortunes")
labels = np.load(os.path.join(src, "labels.npy"))
classes = json.load(open(os.path.join(src, "classes.json")))
rng = np.random.default_rng(2023)
rows = []
for c in range(len(classes)):
    members = np.where(labels == c)[0]
    pick = rng.choice(members, 100, replace=False)
    if c == labels[2787] and 2787 not in pick:
        pick[0] = 2787
    rows.extend(pick.tolist())
rows = np.array(sorted(rows))
for model in ("e5", "minilm", "glove50"):
    m = np.load(os.path.join(src, model + ".npy"))
    np.save(model + ".npy", np.ascontiguousarray(m[rows]).astype(np.float32))
np.save("labels.npy", labels[rows].astype(np.int64))
open("keys.txt", "w").write("".join(f"{r}\n" for r in rows))
open("labels.txt", "w").write("".join(classes[l] + "\n" for l in labels[rows]))
perm = np.random.default_rng(0).permutation(len(rows))
split = np.array(["train"] * len(rows), dtype=object)
split[perm[:200]] = "test"
open("split.txt", "w").write("".join(s + "\n" for s in split))
json.dump(classes, open("classes.json", "w"))
print("rows", len(rows), "zero glove row kept:", 2787 in rows)
