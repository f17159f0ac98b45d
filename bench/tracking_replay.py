"""Re-run only the tracking stage on processed benchmark clips and score it.

Reads a match's ``detections`` and ``frames`` (homography, usable) from a processed store, decodes the clip's
images, feeds :class:`tracking.MatchTracker` exactly as the job runner does, commits the tracks into a copy of the
store and scores them with :func:`pitchlens.evaluation.evaluate`. Also reports role accuracy (player-frames
matched to truth within 2 m, main camera) and per-track team/role against truth.

Usage::

    nice -n 10 .venv/bin/python bench/tracking_replay.py --clips 9001 9002 --verbose
    nice -n 10 .venv/bin/python bench/tracking_replay.py --store bench/out/store-30s-run4 --clip-suffix 30s \
        --copy /tmp/replay-run4
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cv.detect import empty_detections  # noqa: E402
from cv.video import VideoReader  # noqa: E402
from pitchlens.config import load_config  # noqa: E402
from pitchlens.evaluation import evaluate  # noqa: E402
from pitchlens.job import (  # noqa: E402
    build_number_reader,
    build_reid,
    detections_by_frame,
    number_weights,
    reid_weights,
)
from pitchlens.schema import TRACKS, conform  # noqa: E402
from pitchlens.store import Store  # noqa: E402
from tracking import MatchTracker  # noqa: E402

ROOT = Path(__file__).resolve().parent
KEYS = ("team_accuracy", "role_accuracy", "idf1_pitch", "hota_pitch", "id_switches", "id_switches_per_person_min",
        "ball_err_median_m", "ball_seen_share")


def stored_frames(clip_dir: Path, store: Store, match_id: str,
                  truth_homography: bool = False) -> tuple[float, Iterator[tuple]]:
    """The clip's frame rate and its decoded frames with what the run stored for each: (frame, t, image,
    detections, homography or None where not usable, usable, shot type). ``truth_homography``: the rendered
    camera's homography instead of the calibration's on the frames that have one (tracking with an exact
    calibration, to tell its errors from the calibration's)."""
    dets = detections_by_frame(store.read("detections", match_id))
    fr = store.read("frames", match_id).to_pydict()
    rows = {int(f): (h, bool(u), sh) for f, h, u, sh in zip(fr["frame"], fr["homography"], fr["usable"], fr["shot"],
                                                             strict=True)}
    if truth_homography:
        tf = pq.read_table(clip_dir / "truth" / "frames.parquet").to_pydict()
        exact = {int(f): h for f, h in zip(tf["frame"], tf["homography"], strict=True) if h is not None}
        rows = {f: ((exact[f], True, sh) if f in exact else (None, False, sh)) for f, (_, _, sh) in rows.items()}
    reader = VideoReader(clip_dir / "clip.mp4")
    empty = empty_detections()

    def frames() -> Iterator[tuple]:
        for f, t, img in reader:
            if f not in rows:
                continue
            h, usable, shot = rows[f]
            H = np.asarray(h, float).reshape(3, 3) if usable and h is not None else None
            yield f, t, img, dets.get(f, empty), H, usable, shot

    return reader.info.fps, frames()


def replay(clip_dir: Path, store: Store, out_store: Store, match_id: str,
           shots: bool = True, redetect=None, numbers: bool = True,
           overrides: dict | None = None, truth_homography: bool = False,
           inspect: dict | None = None) -> tuple[dict, MatchTracker]:
    """Track one match again (``shots``: pass the stored shot types, so tracks end at cuts; ``redetect``: the
    ball tracker's re-detection hook, as the job gives it; ``overrides``: configuration changes, as in
    :func:`load_config`; ``truth_homography``: see :func:`stored_frames`; ``inspect``: passed to
    :meth:`MatchTracker.finish`); returns (tracks columns, the tracker)."""
    fps, frames = stored_frames(clip_dir, store, match_id, truth_homography)
    # the stored detections are the demo detector's
    cfg = load_config(overrides={**(overrides or {}), "detector": {"profile": "demo"}})
    reader = build_number_reader(number_weights(cfg)) if numbers else None
    tracker = MatchTracker(cfg.tracking, fps=fps, redetect=redetect, numbers=reader,
                           reid=build_reid(reid_weights(cfg)))
    for f, t, img, det, H, usable, shot in frames:
        tracker.update(frame=f, t=t, detections=det, homography=H, usable=usable, image=img,
                       shot=shot if shots else None)
    cols = tracker.finish(inspect=inspect)
    n = len(cols["frame"])
    out_store.commit(match_id, {"tracks": conform({"match_id": [match_id] * n, **cols}, TRACKS)}, replace=False)
    return cols, tracker


def role_report(truth_dir: Path, cols: dict, verbose: bool) -> float:
    """Role accuracy over matched person-frames, and per-track truth majority when verbose."""
    obj = pq.read_table(truth_dir / "objects.parquet").to_pandas()
    fr = pq.read_table(truth_dir / "frames.parquet").to_pandas()
    main = set(fr.loc[fr["shot"] == "main", "frame"].astype(int))
    people = obj[obj["role"] != "ball"]
    tr_role = np.asarray(cols["role"], dtype=object)
    keep = tr_role != "ball"
    frame, tid = cols["frame"][keep], cols["track_id"][keep]
    x, y = cols["x"][keep], cols["y"][keep]
    role, team = tr_role[keep], np.asarray(cols["team"], dtype=object)[keep]
    ok = tot = 0
    per: dict[int, list] = {}
    by_f = {f: g for f, g in people.groupby("frame")}
    for f in np.unique(frame):
        if int(f) not in main or f not in by_f:
            continue
        g = by_f[f]
        s = (frame == f) & np.isfinite(x)
        if not s.any():
            continue
        d = np.hypot(g["x"].to_numpy()[:, None] - x[s][None], g["y"].to_numpy()[:, None] - y[s][None])
        r, c = linear_sum_assignment(np.where(d < 2.0, d, 1e6))
        for i, j in zip(r, c, strict=True):
            if d[i, j] >= 2.0:
                continue
            tot += 1
            ok += g["role"].iloc[i] == role[s][j]
            per.setdefault(int(tid[s][j]), []).append((int(g["object_id"].iloc[i]), g["role"].iloc[i],
                                                        g["team"].iloc[i], role[s][j], team[s][j]))
    if verbose:
        for k in sorted(per):
            v = per[k]
            ids, cnt = np.unique([a[0] for a in v], return_counts=True)
            best = v[[a[0] for a in v].index(ids[np.argmax(cnt)])]
            print(f"   track {k:3d} n={len(v):3d} truth id {best[0]:3d} {best[1]:10s} {str(best[2]):5s} "
                  f"-> {best[3]:10s} {best[4]}  (purity {cnt.max() / len(v):.2f})")
    return ok / tot if tot else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", nargs="+", type=int, default=[9001, 9002, 9003, 9004, 9005, 9006])
    ap.add_argument("--store", default=str(ROOT / "out" / "store"))
    ap.add_argument("--copy", default="/tmp/tracking_replay_store")
    ap.add_argument("--clip-suffix", default="10s", help="clips are read from out/clip-<seed>-<suffix>")
    ap.add_argument("--json", default=None, help="write every clip's figures to this JSON file")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--redetect", action="store_true",
                    help="give the ball tracker the job's re-detection hook (the demo detector on CPU)")
    ap.add_argument("--set", dest="overrides", type=json.loads, default=None,
                    help='configuration overrides as JSON, e.g. \'{"tracking": {"offline": {"stitch_rounds": 1}}}\'')
    ap.add_argument("--truth-homography", action="store_true",
                    help="track with the rendered camera's homography instead of the calibration's")
    a = ap.parse_args()
    src = Path(a.store)
    dst = Path(a.copy)
    if dst.resolve() == src.resolve():
        raise SystemExit("--copy must differ from --store")
    shutil.rmtree(dst, ignore_errors=True)  # a copy left by an earlier run may hold another store's frames
    shutil.copytree(src, dst)
    store, out_store = Store(src), Store(dst)
    hook = None
    if a.redetect:
        from cv.detect import crop_redetector
        from pitchlens.job import build_detector

        cfg = load_config(overrides={"detector": {"profile": "demo", "device": "cpu"}})
        hook = crop_redetector(build_detector(cfg), cfg.tracking.ball.redetect_upscale)
    res = {}
    for c in a.clips:
        clip = ROOT / "out" / f"clip-{c}-{a.clip_suffix}"
        mid = f"bench-{c}"
        t0 = time.perf_counter()
        cols, tracker = replay(clip, store, out_store, mid, redetect=hook, overrides=a.overrides,
                               truth_homography=a.truth_homography)
        ev = evaluate(clip / "truth", out_store, mid)
        ev["role_accuracy"] = role_report(clip / "truth", cols, a.verbose)
        res[c] = ev
        print(f"{c}: " + "  ".join(f"{k}={ev.get(k) if ev.get(k) is None else round(ev[k], 3)}" for k in KEYS)
              + f"  ({time.perf_counter() - t0:.1f} s; {tracker.ball.redetections} ball re-detections)", flush=True)
    print("| clip | " + " | ".join(KEYS) + " |")
    print("|---" * (len(KEYS) + 1) + "|")
    for c, ev in res.items():
        print(f"| {c} | " + " | ".join("-" if ev.get(k) is None else f"{ev[k]:.3f}" for k in KEYS) + " |")
    means = [np.nanmean([np.nan if ev.get(k) is None else ev[k] for ev in res.values()]) for k in KEYS]
    print("| mean | " + " | ".join(f"{m:.3f}" for m in means) + " |")
    if a.json:
        Path(a.json).write_text(json.dumps({str(c): ev for c, ev in res.items()}, indent=1, default=str))


if __name__ == "__main__":
    main()
