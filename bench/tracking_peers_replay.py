"""pitchlens against peer trackers on the same detections of processed benchmark clips, in one run.

For each clip, the demo detector's stored person detections and the stored homographies (usable frames only) of a
processed store are fed, frame by frame with the decoded images, to:

- pitchlens (``tracking.MatchTracker``, exactly as the job runner: shot types, images, the offline pass);
- ultralytics ByteTrack and BoT-SORT (their default YAML settings; BoT-SORT with its camera-motion compensation on
  the images);
- the ``trackers`` package's ByteTrack.

Peers' boxes are placed on the pitch through the same homography (foot point). Each tracker's rows are committed
as the ``tracks`` table of its own copy of the store and scored by :func:`pitchlens.evaluation.evaluate` (pitch
IDF1, HOTA, MOTA, switches). Speeds are the update calls alone, on one core (``--one-core``); pitchlens' offline
pass is timed separately.

The peers come with the ``bench`` extra (``.venv/bin/pip install -e ".[bench]"``). Usage::

    nice .venv/bin/python bench/tracking_peers_replay.py --store bench/out/store-30s-run8 --clip-suffix 30s \
        --work /tmp/peers [--clips 9001 9002] [--one-core]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import supervision as sv
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tracking_bench import _person, _Res  # noqa: E402
from tracking_replay import stored_frames  # noqa: E402

from pitchlens.config import load_config  # noqa: E402
from pitchlens.evaluation import evaluate  # noqa: E402
from pitchlens.job import build_reid, reid_weights  # noqa: E402
from pitchlens.schema import TRACKS, conform  # noqa: E402
from pitchlens.store import Store  # noqa: E402
from tracking import MatchTracker  # noqa: E402
from tracking.projection import foot_points, image_to_pitch  # noqa: E402

ROOT = Path(__file__).resolve().parent
NAMES = ("pitchlens", "ultralytics ByteTrack", "ultralytics BoT-SORT", "trackers ByteTrack")
KEYS = ("idf1_pitch", "hota_pitch", "mota_pitch", "id_switches", "id_switches_per_person_min")


class _Peer:
    """One peer tracker: ``update(frame, t, dets, H, image)`` collects pitch rows; ``seconds`` its update time."""

    def __init__(self, kind: str, fps: float) -> None:
        self.kind = kind
        self.seconds = 0.0
        self.rows: dict[str, list] = {k: [] for k in ("frame", "t", "track_id", "x1", "y1", "x2", "y2", "x", "y")}
        if kind == "trackers":
            import trackers

            self.trk = trackers.ByteTrackTracker(frame_rate=fps)
        else:
            from ultralytics.trackers.bot_sort import BOTSORT
            from ultralytics.trackers.byte_tracker import BYTETracker
            from ultralytics.utils import ROOT as UROOT

            cfg = yaml.safe_load(open(UROOT / "cfg" / "trackers" / f"{kind}.yaml"))
            args = SimpleNamespace(**cfg)
            self.trk = BYTETracker(args) if kind == "bytetrack" else BOTSORT(args)

    def update(self, frame: int, t: float, det: sv.Detections, H: np.ndarray | None, image: np.ndarray) -> None:
        t0 = time.perf_counter()
        if self.kind == "trackers":
            o = self.trk.update(det)
            ok = o.tracker_id >= 0 if (len(o) and o.tracker_id is not None) else np.zeros(len(o), bool)
            boxes, ids = o.xyxy[ok], (o.tracker_id[ok].astype(int) if ok.any() else np.zeros(0, int))
        else:
            res = _Res(det.xyxy.astype(np.float32), det.confidence.astype(np.float32), det.class_id.astype(np.float32))
            o = self.trk.update(res, image)
            boxes = o[:, :4] if len(o) else np.zeros((0, 4))
            ids = o[:, 4].astype(int) if len(o) else np.zeros(0, int)
        self.seconds += time.perf_counter() - t0
        if not len(ids):
            return
        xy = image_to_pitch(H, foot_points(boxes)) if H is not None else np.full((len(ids), 2), np.nan)
        r = self.rows
        r["frame"] += [frame] * len(ids)
        r["t"] += [t] * len(ids)
        r["track_id"] += ids.tolist()
        for k, col in zip(("x1", "y1", "x2", "y2"), np.asarray(boxes, float).T, strict=True):
            r[k] += col.tolist()
        r["x"] += xy[:, 0].tolist()
        r["y"] += xy[:, 1].tolist()

    def columns(self, match_id: str) -> dict:
        n = len(self.rows["frame"])
        return {"match_id": [match_id] * n, **self.rows, "role": ["player"] * n, "provenance": ["detected"] * n}


def run_clip(clip_dir: Path, store: Store, outs: dict[str, Store], match_id: str) -> dict[str, dict]:
    """Track one clip with every tracker; returns figures and seconds per tracker name."""
    fps, frames = stored_frames(clip_dir, store, match_id)
    cfg = load_config(overrides={"detector": {"profile": "demo"}})
    ours = MatchTracker(cfg.tracking, fps=fps, reid=build_reid(reid_weights(cfg)))  # the job's, less the numbers
    peers = {NAMES[1]: _Peer("bytetrack", fps), NAMES[2]: _Peer("botsort", fps), NAMES[3]: _Peer("trackers", fps)}
    t_ours = 0.0
    n = 0
    for f, t, img, d, H, usable, shot in frames:
        t0 = time.perf_counter()
        ours.update(frame=f, t=t, detections=d, homography=H, usable=usable, image=img, shot=shot)
        t_ours += time.perf_counter() - t0
        people = _person(d)
        for p in peers.values():
            p.update(f, t, people, H, img)
        n += 1
    t0 = time.perf_counter()
    cols = ours.finish()
    t_off = time.perf_counter() - t0
    m = len(cols["frame"])
    out = {}
    tables = {NAMES[0]: {"match_id": [match_id] * m, **cols}} | {k: p.columns(match_id) for k, p in peers.items()}
    secs = {NAMES[0]: t_ours} | {k: p.seconds for k, p in peers.items()}
    for name, tab in tables.items():
        outs[name].commit(match_id, {"tracks": conform(tab, TRACKS)}, replace=False)
        ev = evaluate(clip_dir / "truth", outs[name], match_id)
        out[name] = {k: ev.get(k) for k in KEYS} | {"fps": n / secs[name] if secs[name] else float("nan")}
    out[NAMES[0]]["offline_s"] = t_off
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", nargs="+", type=int, default=[9001, 9002, 9003, 9004, 9005, 9006])
    ap.add_argument("--store", default=str(ROOT / "out" / "store-30s-run8"))
    ap.add_argument("--clip-suffix", default="30s", help="clips are read from out/clip-<seed>-<suffix>")
    ap.add_argument("--work", default="/tmp/tracking_peers", help="folder for one store copy per tracker")
    ap.add_argument("--one-core", action="store_true", help="pin this process to one core (speed figures)")
    a = ap.parse_args()
    if a.one_core and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    src = Store(a.store)
    outs = {}
    for k, name in enumerate(NAMES):
        dst = Path(a.work) / f"t{k}"
        if dst.exists():
            shutil.rmtree(dst)
        shutil.copytree(a.store, dst)
        outs[name] = Store(dst)
    res: dict[int, dict] = {}
    for c in a.clips:
        clip = ROOT / "out" / f"clip-{c}-{a.clip_suffix}"
        res[c] = run_clip(clip, src, outs, f"bench-{c}")
        print(f"{c}: " + "  ".join(f"{n}: IDF1 {r['idf1_pitch']:.3f} sw/min {r['id_switches_per_person_min']:.2f} "
                                   f"{r['fps']:.0f} fps" for n, r in res[c].items()), flush=True)
    print("\n| clip | tracker | IDF1 pitch | HOTA pitch | MOTA pitch | ID switches | switches / person-min | "
          "update frames/s |")
    print("|---|---|---|---|---|---|---|---|")
    for c, by in res.items():
        for name, r in by.items():
            print(f"| {c} | {name} | {r['idf1_pitch']:.3f} | {r['hota_pitch']:.3f} | {r['mota_pitch']:.3f} | "
                  f"{r['id_switches']:.0f} | {r['id_switches_per_person_min']:.3f} | {r['fps']:.0f} |")
    for name in NAMES:
        vals = {k: np.mean([res[c][name][k] for c in res]) for k in (*KEYS, "fps")}
        print(f"| mean | {name} | {vals['idf1_pitch']:.3f} | {vals['hota_pitch']:.3f} | {vals['mota_pitch']:.3f} | "
              f"{vals['id_switches']:.1f} | {vals['id_switches_per_person_min']:.3f} | {vals['fps']:.0f} |")


if __name__ == "__main__":
    main()
