"""Small scenes with exact truth for the tracking tests: pitch paths -> camera boxes -> noisy detections."""

from __future__ import annotations

import numpy as np

from cv.camera import Camera
from tracking import MatchTracker, TrackingConfig
from tracking.metrics import pitch_scores
from tracking.simulate import DetectionNoise, simulate

FPS = 25.0


def fixed_camera(target=(0.0, 0.0), focal: float = 1900.0) -> list[Camera]:
    cam = Camera(position=(0.0, -74.0, 22.0), focal=focal).look_at((target[0], target[1], 0.0))
    return [cam]


def run(xy: np.ndarray, roles: list[str], ball: np.ndarray | None = None, cameras: list[Camera] | None = None,
        shirts: np.ndarray | None = None, images: bool = False, noise: DetectionNoise | None = None,
        seed: int = 0, cfg: TrackingConfig | None = None, no_homography: np.ndarray | None = None,
        drop_ball: set[int] | None = None, redetect=None, heights: np.ndarray | None = None,
        inspect: dict | None = None):
    """Track a scene; returns (columns, truth dict, tracker) (``inspect``: see ``MatchTracker.finish``)."""
    T, N = xy.shape[:2]
    if ball is None:
        ball = np.full((T, 3), np.nan)
    if cameras is None:
        cameras = fixed_camera()
    if len(cameras) == 1:
        cameras = cameras * T
    if shirts is None:
        shirts = np.tile([[30, 30, 200]], (N, 1))
    noise = noise or DetectionNoise(fp_rate=0.0, ball_fp_rate=0.0, class_confusion=0.0)
    tr = MatchTracker(cfg or TrackingConfig(), fps=FPS, redetect=redetect, app_every=1)
    truth = {"frame": [], "object_id": [], "x": [], "y": []}
    for fr in simulate(xy, roles, ball, FPS, seed=seed, noise=noise, cameras=cameras, shirts=shirts,
                       shorts=shirts // 2, images=images, no_homography=no_homography, heights=heights):
        det = fr.detections
        if drop_ball and fr.frame in drop_ball:
            det = det[det.data["class_name"] != "ball"]
        tr.update(frame=fr.frame, t=fr.t, detections=det, homography=fr.H, usable=True, image=fr.image)
        truth["frame"] += [fr.frame] * len(fr.truth_ids)
        truth["object_id"] += fr.truth_ids.tolist()
        truth["x"] += fr.truth_xy[:, 0].tolist()
        truth["y"] += fr.truth_xy[:, 1].tolist()
    cols = {k: np.asarray(v) for k, v in tr.finish(inspect=inspect).items()}
    return cols, {k: np.asarray(v) for k, v in truth.items()}, tr


def people(cols: dict) -> dict:
    sel = cols["role"] != "ball"
    return {k: v[sel] for k, v in cols.items()}


def score(cols: dict, truth: dict) -> dict:
    p = people(cols)
    return pitch_scores(truth, {"frame": p["frame"], "track_id": p["track_id"], "x": p["x"], "y": p["y"]},
                        fps=FPS, hota=False)


def truth_to_track(cols: dict, truth: dict, obj: int, max_dist: float = 1.5) -> np.ndarray:
    """Track id nearest to object ``obj`` in each frame where it is visible (-1: none within ``max_dist``)."""
    p = people(cols)
    out = []
    for f, o, x, y in zip(truth["frame"], truth["object_id"], truth["x"], truth["y"], strict=True):
        if o != obj:
            continue
        sel = (p["frame"] == f) & np.isfinite(p["x"])
        if not sel.any():
            out.append(-1)
            continue
        d = np.hypot(p["x"][sel] - x, p["y"][sel] - y)
        k = int(np.argmin(d))
        out.append(int(p["track_id"][sel][k]) if d[k] <= max_dist else -1)
    return np.array(out)
