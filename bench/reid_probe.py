"""How well do the re-identification embedding (``cv.reid``), the skin tone and the shirt colour tell teammates apart?

    python bench/reid_probe.py --weights weights/pitchlens-reid.pt [--test 9001 ... 9026] [--every 3]
    python bench/reid_probe.py --train-clips DIR... [--epochs 10]   # train one first (pitchlens.reid_training)

Crops every ``--every``-th main-camera frame's players and goalkeepers (truth boxes at least 40 px tall and at most
20 % occluded) out of the rendered benchmark clips (``bench/out/clip-SEED-30s``) and scores the embedding the way
the stitcher would use it: each person's crops are cut into 1 s pieces, a piece is the mean of its crops, and the
question is whether two pieces at least 3 s apart are one person or two teammates (goalkeepers excluded). The
score is the area under the ROC curve (AUC) of the distance between the pieces; the same is measured for the skin
tone the stitcher uses (``tracking.appearance.skin_tone``), for the mean shirt colour (Lab) and for the two
together.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def collect(clip_dir: Path, every: int) -> dict[str, np.ndarray]:
    """Crops (N, h, w, 3) BGR with their person, team, role, time and the stitcher's skin tone and shirt Lab."""
    from cv.reid import CropGeometry, crops
    from pitchlens.reid_training import ReidSettings, truth_frames
    from tracking.appearance import shirt_features, skin_tone
    from tracking.config import TeamConfig

    tc, geo = TeamConfig(), CropGeometry()
    out: dict[str, list] = {k: [] for k in ("crop", "obj", "team", "role", "t", "skin", "lab")}
    for _, t, img, g in truth_frames(clip_dir, ReidSettings(every=every)):
        boxes = g[["x1", "y1", "x2", "y2"]].to_numpy(float)
        out["crop"] += list(crops(img, boxes, geo))
        out["skin"] += list(skin_tone(img, boxes, tc))
        out["lab"] += list(shirt_features(img, boxes, tc)[1])
        out["obj"] += g["object_id"].astype(int).tolist()
        out["team"] += g["team"].astype(str).tolist()
        out["role"] += g["role"].astype(str).tolist()
        out["t"] += [t] * len(g)
    return {k: np.asarray(v) for k, v in out.items()}


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """P(distance of a same-person pair < distance of a teammates pair), ties half."""
    from scipy.stats import rankdata

    r = rankdata(np.concatenate([pos, neg]))
    return float((r[len(pos):].sum() - len(neg) * (len(neg) + 1) / 2) / (len(pos) * len(neg)))


def pieces(d: dict[str, np.ndarray], feats: dict[str, np.ndarray], span: float = 1.0):
    """Mean features per (person, 1 s piece) with enough crops: keys, person, team, time."""
    keys = {}
    for k in range(len(d["obj"])):
        if d["role"][k] != "player":
            continue
        keys.setdefault((int(d["obj"][k]), int(d["t"][k] // span)), []).append(k)
    rows = [(o, p, ks) for (o, p), ks in keys.items() if len(ks) >= 3]
    obj = np.array([o for o, _, _ in rows])
    t = np.array([p * span for _, p, _ in rows])
    team = np.array([d["team"][ks[0]] for _, _, ks in rows])
    out = {}
    for name, f in feats.items():
        out[name] = np.array([np.nanmean(f[ks], axis=0) for _, _, ks in rows])
    return obj, team, t, out


def score(d: dict[str, np.ndarray], emb: np.ndarray) -> dict[str, float]:
    skin = d["skin"].astype(float) / np.array([20.0, 15.0])  # the stitcher's per-sample std
    lab = d["lab"].astype(float)[:, 1:] / np.array([10.0, 14.0])
    obj, team, t, f = pieces(d, {"reid": emb, "skin": skin, "kit": lab, "skin+kit": np.hstack([skin, lab])})
    i, j = np.triu_indices(len(obj), 1)
    far = np.abs(t[i] - t[j]) >= 3.0
    same = (obj[i] == obj[j]) & far
    mates = (obj[i] != obj[j]) & (team[i] == team[j]) & far
    res = {"pieces": len(obj), "same_pairs": int(same.sum()), "teammate_pairs": int(mates.sum())}
    for name, x in f.items():
        if name == "reid":
            x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
            dist = 1.0 - (x[i] * x[j]).sum(axis=1)
        else:
            dist = np.linalg.norm(x[i] - x[j], axis=1)
        ok = np.isfinite(dist)
        res[name] = round(auc(dist[same & ok], dist[mates & ok]), 3)
        if name == "reid":  # where one person's and two teammates' distances lie (for stitch_reid_*)
            res["reid_same_p50_p90_p99"] = [round(float(np.quantile(dist[same & ok], q)), 3) for q in (.5, .9, .99)]
            res["reid_mates_p1_p10_p50"] = [round(float(np.quantile(dist[mates & ok], q)), 3) for q in (.01, .1, .5)]
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", type=Path, help="a trained model (cv.reid); else one is trained on --train-clips")
    ap.add_argument("--train-clips", nargs="*", type=Path, default=[])
    ap.add_argument("--test", nargs="+", type=int,
                    default=[9001, 9002, 9003, 9004, 9005, 9006, 9021, 9022, 9023, 9024, 9025, 9026])
    ap.add_argument("--every", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--clips", type=Path, default=ROOT / "bench" / "out")
    a = ap.parse_args()
    from cv.reid import ReidEmbedder
    from pitchlens.reid_training import ReidSettings, embed_all, train_embedder

    weights = a.weights
    if weights is None:
        weights = Path("/tmp/reid-probe.pt")
        train_embedder(weights, a.train_clips, ReidSettings(epochs=a.epochs))
    net = ReidEmbedder(weights).net
    tot: dict[str, list] = {}
    for s in a.test:
        d = collect(a.clips / f"clip-{s}-30s", a.every)
        r = score(d, embed_all(net, d["crop"]))
        print(s, r, flush=True)
        for k, v in r.items():
            tot.setdefault(k, []).append(v)
    tot = {k: np.mean(np.array(v, float), axis=0).round(3).tolist() for k, v in tot.items()}
    print("mean", tot)


if __name__ == "__main__":
    main()
