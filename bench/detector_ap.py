"""Detector AP50 on rendered benchmark clips, per clip and shot type, for one or more weights side by side.

Runs each detector directly on the clip's frames (whole 1280x720 frames, the pipeline's detector settings: imgsz
1280, conf 0.1) and scores player and ball AP50 with ``pitchlens.evaluation.detection_ap50`` against the truth,
on every ``--stride``-th frame; also per shot type (main / closeup / other) and the frames per second.

    python bench/detector_ap.py --weights weights/pitchlens-demo.pt other.pt --clips bench/out/clip-900?-10s
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cv.detect import CLASSES, Detector, DetectorSettings  # noqa: E402
from cv.video import VideoReader  # noqa: E402
from pitchlens.evaluation import _Rows, detection_ap50  # noqa: E402


def detect_clip(det: Detector, clip: Path, stride: int, batch: int = 8) -> tuple[dict, float]:
    """Detections of every ``stride``-th frame as columns, and the detector's frames per second."""
    cols: dict[str, list] = {k: [] for k in ("frame", "x1", "y1", "x2", "y2", "cls", "conf")}
    buf: list[tuple[int, np.ndarray]] = []
    spent = 0.0

    def flush() -> None:
        nonlocal spent
        t = time.perf_counter()
        out = det([img for _, img in buf])
        spent += time.perf_counter() - t
        for (f, _), d in zip(buf, out, strict=True):
            for (x1, y1, x2, y2), c, p in zip(d.xyxy, d.class_id, d.confidence, strict=True):
                for k, v in zip(cols, (f, x1, y1, x2, y2, CLASSES[int(c)], p), strict=True):
                    cols[k].append(v)
        buf.clear()

    n = 0
    for f, _, img in VideoReader(clip / "clip.mp4", stride=stride):
        buf.append((int(f), img))
        n += 1
        if len(buf) == batch:
            flush()
    if buf:
        flush()
    return {k: np.array(v, dtype=object if k == "cls" else float) for k, v in cols.items()}, n / max(spent, 1e-9)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", nargs="+", required=True)
    ap.add_argument("--clips", nargs="+", type=Path, required=True)
    ap.add_argument("--stride", type=int, default=1)
    ap.add_argument("--imgsz", type=int, default=1280)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--json", type=Path, help="Write the figures here.")
    a = ap.parse_args()

    res: dict = {}
    for w in a.weights:
        det = Detector(w, profile="football", settings=DetectorSettings(imgsz=a.imgsz, device=a.device))
        res[w] = {}
        for clip in a.clips:
            objs = _Rows.of(pq.read_table(clip / "truth" / "objects.parquet"))
            frames = pq.read_table(clip / "truth" / "frames.parquet").to_pydict()
            cols, fps = detect_clip(det, clip, a.stride)
            dets = _Rows({**cols, "frame": cols["frame"].astype(np.int64)})
            shot = dict(zip(frames["frame"], frames["shot"], strict=True))
            done = sorted({int(f) for f in frames["frame"] if f % a.stride == 0})
            row = {"all": detection_ap50(objs, dets, done), "fps": round(fps, 1)}
            for kind in ("main", "closeup", "other"):
                fr = [f for f in done if shot[f] == kind]
                if fr and len(fr) < len(done):
                    row[kind] = detection_ap50(objs, dets, fr)
            res[w][clip.name] = row
            print(w, clip.name, json.dumps({k: v if k == "fps" else {c: None if x is None else round(x, 3)
                                                                     for c, x in v.items() if c in ("player", "ball")}
                                            for k, v in row.items()}), flush=True)
    print()
    print("| clip | " + " | ".join(Path(w).name for w in a.weights) + " |")
    print("|---" * (len(a.weights) + 1) + "|")
    for clip in a.clips:
        cells = []
        for w in a.weights:
            r = res[w][clip.name]
            parts = [f"{r['all']['player']:.3f} / {r['all']['ball'] or 0:.3f}"]
            parts += [f"{k} {r[k]['player']:.3f}" for k in ("main", "closeup", "other") if k in r
                      and r[k]["player"] is not None]
            cells.append(", ".join(parts))
        print(f"| {clip.name} | " + " | ".join(cells) + " |")
    means = [(np.mean([res[w][c.name]["all"]["player"] for c in a.clips]),
              np.mean([res[w][c.name]["all"]["ball"] or 0 for c in a.clips]),
              np.mean([res[w][c.name]["fps"] for c in a.clips])) for w in a.weights]
    print("| mean | " + " | ".join(f"{p:.3f} / {b:.3f} ({f:.1f} frames/s)" for p, b, f in means) + " |")
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
