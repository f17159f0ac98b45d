"""Tracking benchmark: pitchlens vs ultralytics ByteTrack / BoT-SORT and the ``trackers`` package's ByteTrack on
the same simulated detections (truth motion from the match simulator, broadcast camera following the ball, box
jitter, misses, occlusion, false positives, class confusion), scored in pitch space (hit within 2 m).

    .venv/bin/python bench/tracking_bench.py --seeds 0 1 2 --seconds 60 --images --out bench/RESULTS_tracking.md

Tracker cost is the online ``update`` time only (detection generation and rendering excluded), one process.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cv.camera import Camera  # noqa: E402
from pitchlens.synth.motion_sim import simulate as simulate_motion  # noqa: E402
from tracking import MatchTracker, TrackingConfig  # noqa: E402
from tracking.metrics import ball_scores, pitch_scores  # noqa: E402
from tracking.projection import foot_points, image_to_pitch  # noqa: E402
from tracking.simulate import DetectionNoise, follow_camera, simulate  # noqa: E402

KITS = {"home": (40, 40, 200), "away": (200, 90, 30)}
GK = {"home": (30, 220, 230), "away": (200, 30, 200)}


def make_clip(seed: int, seconds: float, images: bool, fps: float = 25.0, focal: float = 1900.0):
    """Simulated match ``m`` and its frames; ``focal`` (px) of the broadcast camera (smaller: wider view)."""
    m = simulate_motion(seed, int(seconds * fps), fps)
    shirts = np.array([GK[t] if r == "goalkeeper" else KITS[t] if t else (15, 15, 15)
                       for r, t in zip(m.role, m.team, strict=True)])
    cams = follow_camera(m.ball[:, :2], fps, Camera(position=(0.0, -74.0, 22.0), focal=focal))
    frames = list(simulate(m.xy, m.role, m.ball, fps, seed=seed + 100, noise=DetectionNoise(), shirts=shirts,
                           shorts=shirts // 2, images=images, ids=m.object_id, cameras=cams))
    return m, frames


def truth_tables(m, frames):
    truth = {"frame": [], "object_id": [], "x": [], "y": []}
    ball = {"frame": [], "x": [], "y": [], "visible": []}
    for fr in frames:
        truth["frame"] += [fr.frame] * len(fr.truth_ids)
        truth["object_id"] += fr.truth_ids.tolist()
        truth["x"] += fr.truth_xy[:, 0].tolist()
        truth["y"] += fr.truth_xy[:, 1].tolist()
        ball["frame"].append(fr.frame)
        ball["x"].append(fr.ball_xyz[0])
        ball["y"].append(fr.ball_xyz[1])
        ball["visible"].append(fr.ball_visible)
    return {k: np.asarray(v) for k, v in truth.items()}, {k: np.asarray(v) for k, v in ball.items()}


def run_pitchlens(frames, fps, images):
    tr = MatchTracker(TrackingConfig(), fps=fps)
    t0, c0 = time.perf_counter(), time.process_time()
    for fr in frames:
        tr.update(frame=fr.frame, t=fr.t, detections=fr.detections, homography=fr.H, usable=True,
                  image=fr.image if images else None)
    online = time.perf_counter() - t0
    run_pitchlens.cpu_s = time.process_time() - c0
    t1 = time.perf_counter()
    cols = {k: np.asarray(v) for k, v in tr.finish().items()}
    return cols, online, time.perf_counter() - t1


class _Res:
    """The Results-like view ultralytics' trackers read (conf, xywh, xyxy, cls; boolean indexing)."""

    def __init__(self, xyxy, conf, cls):
        self.xyxy, self.conf, self.cls = xyxy, conf, cls
        self.xywh = np.c_[(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]]

    def __len__(self):
        return len(self.conf)

    def __getitem__(self, i):
        return _Res(self.xyxy[i], self.conf[i], self.cls[i])


def _person(det):
    sel = det.data["class_name"] != "ball"
    return det[sel]


def _to_pitch_rows(frame, H, boxes, ids, out):
    if len(ids) == 0 or H is None:
        return
    xy = image_to_pitch(H, foot_points(boxes))
    out["frame"] += [frame] * len(ids)
    out["track_id"] += list(ids)
    out["x"] += xy[:, 0].tolist()
    out["y"] += xy[:, 1].tolist()


def run_ultralytics(frames, fps, kind, images):
    from ultralytics.trackers.bot_sort import BOTSORT
    from ultralytics.trackers.byte_tracker import BYTETracker
    from ultralytics.utils import ROOT

    cfg = yaml.safe_load(open(ROOT / "cfg" / "trackers" / f"{kind}.yaml"))
    if kind == "botsort" and not images:
        cfg["gmc_method"] = "none"
    args = SimpleNamespace(**cfg)
    trk = BYTETracker(args) if kind == "bytetrack" else BOTSORT(args)
    out = {"frame": [], "track_id": [], "x": [], "y": []}
    el = 0.0
    for fr in frames:
        d = _person(fr.detections)
        res = _Res(d.xyxy.astype(np.float32), d.confidence.astype(np.float32), d.class_id.astype(np.float32))
        t0 = time.perf_counter()
        o = trk.update(res, fr.image if images else None)
        el += time.perf_counter() - t0
        if len(o):
            _to_pitch_rows(fr.frame, fr.H, o[:, :4], o[:, 4].astype(int), out)
    return {k: np.asarray(v) for k, v in out.items()}, el


def run_trackers_bytetrack(frames, fps):
    import trackers

    trk = trackers.ByteTrackTracker(frame_rate=fps)
    out = {"frame": [], "track_id": [], "x": [], "y": []}
    el = 0.0
    for fr in frames:
        d = _person(fr.detections)
        t0 = time.perf_counter()
        o = trk.update(d)
        el += time.perf_counter() - t0
        if len(o) and o.tracker_id is not None:
            ok = o.tracker_id >= 0
            _to_pitch_rows(fr.frame, fr.H, o.xyxy[ok], o.tracker_id[ok].astype(int), out)
    return {k: np.asarray(v) for k, v in out.items()}, el


def team_role_accuracy(cols, m, frames):
    """Share of visible player-frames (nearest output row within 2 m) with the right role / team partition."""
    p = {k: v[cols["role"] != "ball"] for k, v in cols.items()}
    by_frame = {}
    for i, f in enumerate(p["frame"]):
        by_frame.setdefault(int(f), []).append(i)
    idx = {int(o): k for k, o in enumerate(m.object_id)}
    n = role_ok = 0
    same = swap = 0
    for fr in frames:
        rows = np.array(by_frame.get(fr.frame, []), dtype=int)
        for oid, xy in zip(fr.truth_ids, fr.truth_xy, strict=True):
            n += 1
            if len(rows) == 0:
                continue
            d = np.hypot(p["x"][rows] - xy[0], p["y"][rows] - xy[1])
            k = int(np.nanargmin(d)) if np.isfinite(d).any() else -1
            if k < 0 or d[k] > 2.0:
                continue
            j = rows[k]
            role_ok += p["role"][j] == m.role[idx[int(oid)]]
            tt, pt = m.team[idx[int(oid)]], p["team"][j]
            flip = {"home": "away", "away": "home"}
            same += (pt == tt) if tt else (pt is None)
            swap += (pt == flip[tt]) if tt else (pt is None)
    return role_ok / max(n, 1), max(same, swap) / max(n, 1), same >= swap


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--images", action="store_true", help="render flat-colour frames (appearance, BoT-SORT GMC)")
    ap.add_argument("--out", default=None)
    ap.add_argument("--no-peers", action="store_true", help="run pitchlens only")
    a = ap.parse_args()
    fps = 25.0
    lines = []
    agg: dict[str, list] = {}
    for seed in a.seeds:
        m, frames = make_clip(seed, a.seconds, a.images, fps)
        truth, btruth = truth_tables(m, frames)
        cols, online, offline = run_pitchlens(frames, fps, a.images)
        pl = cols["role"] != "ball"
        mine = {k: cols[k][pl] for k in ("frame", "track_id", "x", "y")}
        res = {"pitchlens": (pitch_scores(truth, mine, fps=fps), online)}
        peers = [("ultralytics ByteTrack", run_ultralytics, ("bytetrack", a.images)),
                 ("ultralytics BoT-SORT", run_ultralytics, ("botsort", a.images)),
                 ("trackers ByteTrack", run_trackers_bytetrack, ())]
        if a.no_peers:
            peers = []
        for name, fn, extra in peers:
            try:
                out, el = fn(frames, fps, *extra)
                res[name] = (pitch_scores(truth, out, fps=fps), el)
            except Exception as e:  # noqa: BLE001 - a peer that cannot run is reported, not fatal
                res[name] = ({"error": repr(e)}, float("nan"))
        b = ball_scores(btruth, {k: cols[k][~pl] for k in ("frame", "x", "y")})
        air_truth = m.ball[:, 2] > 0.5
        bf = cols["frame"][~pl]
        air_pred = np.zeros(len(frames), bool)
        air_pred[bf[cols["in_air"][~pl]]] = True
        role_acc, team_acc, naming = team_role_accuracy(cols, m, frames)
        lines.append(f"\n### seed {seed}: {len(frames)} frames ({a.seconds:.0f} s), images={a.images}\n")
        lines.append("| tracker | IDF1 | HOTA | MOTA | ID sw | sw / player-min | frames/s (update only) |")
        lines.append("|---|---|---|---|---|---|---|")
        for name, (s, el) in res.items():
            if "error" in s:
                lines.append(f"| {name} | failed: {s['error'][:80]} | | | | | |")
                continue
            fps_run = len(frames) / el if el > 0 else float("nan")
            lines.append(f"| {name} | {s['idf1']:.3f} | {s.get('hota', float('nan')):.3f} | {s['mota']:.3f} | "
                         f"{s['id_switches']} | {s['switches_per_player_minute']:.3f} | {fps_run:.0f} |")
            agg.setdefault(name, []).append((s["idf1"], s.get("hota", np.nan), s["switches_per_player_minute"],
                                             fps_run))
        lines.append(f"\npitchlens: role accuracy {role_acc:.3f}, team accuracy {team_acc:.3f} "
                     f"(home/away naming matches the simulator: {naming}); ball median error "
                     f"{b['ball_median_m']:.2f} m, p90 {b['ball_p90_m']:.2f} m, reported on "
                     f"{b['ball_reported_share']:.3f} of {b['ball_visible_frames']} visible frames; in-air (truth "
                     f"z > 0.5 m) frames {int(air_truth.sum())}, flagged {int(air_pred.sum())}, both "
                     f"{int((air_truth & air_pred).sum())}; online update {len(frames) / run_pitchlens.cpu_s:.0f} "
                     f"frames/s CPU time; offline pass {offline:.2f} s.")
        print("\n".join(lines[-len(res) - 4:]), flush=True)
    lines.append("\n### mean over seeds\n")
    lines.append("| tracker | IDF1 | HOTA | sw / player-min | frames/s |")
    lines.append("|---|---|---|---|---|")
    for name, v in agg.items():
        v = np.array(v, float)
        lines.append(f"| {name} | {v[:, 0].mean():.3f} | {np.nanmean(v[:, 1]):.3f} | {v[:, 2].mean():.3f} | "
                     f"{v[:, 3].mean():.0f} |")
    text = "\n".join(lines)
    print(text[text.index("### mean"):])
    if a.out:
        with open(a.out, "a") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
