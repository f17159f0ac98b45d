"""Ball: interpolation across a hidden stretch, in-air flag, re-detection on a crop."""

from __future__ import annotations

import cv2
import numpy as np
from tracking_scenes import FPS, run

from tracking.simulate import DetectionNoise

NOISE = DetectionNoise(fp_rate=0.0, ball_fp_rate=0.0, class_confusion=0.0, ball_detect_rate=1.0)


def _rolling(n: int, v=(8.0, 2.0), p0=(-10.0, -3.0)) -> np.ndarray:
    t = np.arange(n) / FPS
    return np.stack([p0[0] + v[0] * t, p0[1] + v[1] * t, np.zeros(n)], axis=1)


def _ball(cols: dict) -> dict:
    sel = cols["role"] == "ball"
    return {k: v[sel] for k, v in cols.items()}


def test_ball_hidden_for_10_frames_is_interpolated_and_flagged():
    n = 60
    ball = _rolling(n)
    xy = np.full((n, 1, 2), np.nan)
    hidden = set(range(25, 35))
    cols, _, _ = run(xy, ["player"], ball=ball, noise=NOISE, drop_ball=hidden)
    b = _ball(cols)
    assert set(np.unique(b["track_id"])) == {0}
    frames = b["frame"].tolist()
    assert hidden <= set(frames)
    for f in hidden:
        i = frames.index(f)
        assert b["provenance"][i] == "interpolated"
        assert np.hypot(b["x"][i] - ball[f, 0], b["y"][i] - ball[f, 1]) < 0.5
    shown = ~np.isin(b["frame"], list(hidden))
    assert (b["provenance"][shown] == "detected").all()
    assert not b["in_air"].any()
    assert np.nanmedian(b["z"]) == 0.0


def test_lofted_ball_is_flagged_in_air():
    n = 100
    t = np.arange(n) / FPS
    ball = _rolling(n, v=(6.0, 0.0))
    # a lofted pass between frames 30 and 70 (1.6 s, apex 3.1 m)
    fl = (t >= 1.2) & (t <= 2.8)
    tau = t[fl] - 1.2
    ball[fl, 2] = 9.81 / 2 * tau * (1.6 - tau)
    cols, _, _ = run(np.full((n, 1, 2), np.nan), ["player"], ball=ball, noise=NOISE)
    b = _ball(cols)
    air = b["in_air"]
    flight = np.isin(b["frame"], np.flatnonzero(ball[:, 2] > 1.0))
    ground = np.isin(b["frame"], np.flatnonzero(ball[:, 2] == 0.0))
    assert air[flight].mean() > 0.7
    assert air[ground].mean() < 0.15
    # during flight the reported position is on the straight ground track, not the far-away ray projection
    fi = np.flatnonzero(flight & air)
    err = np.hypot(b["x"][fi] - ball[b["frame"][fi], 0], b["y"][fi] - ball[b["frame"][fi], 1])
    assert np.median(err) < 1.5


def _white_blob_detector(crop: np.ndarray):
    """A real detector for the rendered ball: the brightest white blob in the crop."""
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    _, mask = cv2.threshold(grey, 240, 255, cv2.THRESH_BINARY)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    boxes = [[x, y, x + w, y + h] for x, y, w, h, _ in stats[1:n]]
    return np.array(boxes, float).reshape(-1, 4), np.full(len(boxes), 0.8)


def test_redetection_hook_recovers_missed_ball():
    n = 50
    ball = _rolling(n)
    missed = set(range(10, 50, 2))  # the main detector misses every other frame from frame 10
    cols, _, tr = run(np.full((n, 1, 2), np.nan), ["player"], ball=ball, noise=NOISE, images=True,
                      drop_ball=missed, redetect=_white_blob_detector)
    b = _ball(cols)
    assert tr.ball.redetections >= len(missed) - 2
    rec = np.isin(b["frame"], list(missed)) & (b["provenance"] == "detected")
    assert rec.sum() >= len(missed) - 2
    err = np.hypot(b["x"][rec] - ball[b["frame"][rec], 0], b["y"][rec] - ball[b["frame"][rec], 1])
    assert np.median(err) < 0.5


def test_in_air_bulge_threshold_scales_with_the_camera_distance():
    from tracking.config import BallConfig
    from tracking.offline import _looks_like_flight

    s = np.linspace(0.0, 1.0, 21)
    xy = np.c_[20.0 * s, 8.0 * s * (1 - s)]  # a 2 m bulge away from the camera (+y) over a 20 m chord
    up = np.tile([0.0, 1.0], (len(s), 1))
    cfg = BallConfig(air_min_rise_m=1.0, air_min_height_m=1.0)
    assert _looks_like_flight(xy, up, 1, 20, cfg)  # no camera: the fixed 1 m bulge
    assert _looks_like_flight(xy, up, 1, 20, cfg, lambda i, g: 1.5)  # near the camera: 2 m bulge = 1.3 m high
    assert not _looks_like_flight(xy, up, 1, 20, cfg, lambda i, g: 5.0)  # far away: only 0.4 m high
    assert _looks_like_flight(xy, up, 1, 20, cfg, lambda i, g: float("nan"))  # unknown camera: fixed bulge


def test_rise_per_metre_of_height_from_the_homography():
    import supervision as sv

    from cv.camera import Camera
    from tracking import MatchTracker

    cam = Camera(position=(5.0, -74.0, 22.0), focal=1900.0).look_at((10.0, 5.0, 0.0))
    mt = MatchTracker(fps=FPS)
    empty = sv.Detections.empty()
    empty.data["class_name"] = np.zeros(0, dtype=object)
    mt.update(0, 0.0, empty, homography=cam.homography, image=np.zeros((cam.height, cam.width, 3), np.uint8))
    g = np.array([10.0, 5.0])
    k = mt._rise_per_m(0, g)
    assert abs(k - np.hypot(10.0 - 5.0, 5.0 + 74.0) / 22.0) < 0.05
    assert np.isnan(mt._rise_per_m(1, g))  # no homography on that frame
