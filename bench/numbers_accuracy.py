"""Shirt-number reader on the benchmark clips: how often it reads, and how often it is right.

For every ``--every``-th frame of each clip, the stored person detections of a processed run are read with the
number model (``cv.jersey.JerseyReader``); each read at least ``--min-prob`` sure is matched to the truth person
whose box overlaps it most (IoU >= 0.5) and scored against that person's shirt number. Reported per clip: boxes
tall enough to be read, sure reads, their precision, and the truth persons whose number was read right at least
once. Usage::

    .venv/bin/python bench/numbers_accuracy.py --store bench/out/store-30s-run8 --clip-suffix 30s \\
        --weights weights/pitchlens-jersey.pt --min-prob 0.99
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from tracking_replay import stored_frames  # noqa: E402

from cv.jersey import JerseyReader  # noqa: E402
from pitchlens.store import Store  # noqa: E402
from tracking.association import iou_matrix  # noqa: E402


def score_clip(clip: Path, store: Store, match_id: str, reader: JerseyReader, every: int, min_prob: float) -> dict:
    """Reads, right reads and persons read on one clip."""
    obj = pq.read_table(clip / "truth" / "objects.parquet").to_pandas()
    obj = obj[(obj["role"] != "ball") & obj["visible"].astype(bool)]
    by_frame = {f: g for f, g in obj.groupby("frame")}
    _, frames = stored_frames(clip, store, match_id)
    tall = reads = right = 0
    people_read: set[int] = set()
    numbered = set(obj.loc[obj["jersey"].notna(), "object_id"].astype(int))
    for f, _t, img, det, _H, _usable, _shot in frames:
        if f % every or not len(det):
            continue
        boxes = det.xyxy[det.data["class_name"] != "ball"]
        tall += int((boxes[:, 3] - boxes[:, 1] >= reader.geo.min_box_h).sum())
        nums, prob = reader.read(img, boxes)
        g = by_frame.get(f)
        for k, (num, p) in enumerate(zip(nums, prob, strict=True)):
            if num is None or p < min_prob:
                continue
            reads += 1
            if g is None:
                continue
            iou = iou_matrix(boxes[k:k + 1], g[["x1", "y1", "x2", "y2"]].to_numpy(float))[0]
            j = int(np.argmax(iou))
            if iou[j] >= 0.5 and g["jersey"].iloc[j] == num:
                right += 1
                people_read.add(int(g["object_id"].iloc[j]))
    return {"tall_boxes": tall, "reads": reads, "right": right,
            "precision": right / reads if reads else float("nan"),
            "people_read": len(people_read), "people": len(numbered)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--clips", nargs="+", type=int, default=[9001, 9002, 9003, 9004, 9005, 9006])
    ap.add_argument("--clip-suffix", default="30s")
    ap.add_argument("--weights", default=str(ROOT.parent / "weights" / "pitchlens-jersey.pt"))
    ap.add_argument("--every", type=int, default=2)
    ap.add_argument("--min-prob", type=float, default=0.99)
    a = ap.parse_args()
    reader = JerseyReader(a.weights)
    store = Store(a.store)
    print("| clip | boxes tall enough | sure reads | right | precision | people read / with a number |")
    print("|---|---|---|---|---|---|")
    tot = {"tall_boxes": 0, "reads": 0, "right": 0}
    for c in a.clips:
        r = score_clip(ROOT / "out" / f"clip-{c}-{a.clip_suffix}", store, f"bench-{c}", reader, a.every, a.min_prob)
        for k in tot:
            tot[k] += r[k]
        print(f"| {c} | {r['tall_boxes']} | {r['reads']} | {r['right']} | {r['precision']:.3f} | "
              f"{r['people_read']} / {r['people']} |", flush=True)
    prec = tot["right"] / tot["reads"] if tot["reads"] else float("nan")
    print(f"| all | {tot['tall_boxes']} | {tot['reads']} | {tot['right']} | {prec:.3f} | |")


if __name__ == "__main__":
    main()
