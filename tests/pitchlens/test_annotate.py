"""Annotated video and radar."""

from __future__ import annotations

import numpy as np

from cv.video import VideoReader
from pitchlens.annotate import TEAM_COLOURS, annotate_match, radar
from pitchlens.config import load_config
from pitchlens.job import process_video


def test_radar_puts_points_where_the_coordinates_say():
    img = radar([(0.0, 0.0, 0), (52.5 - 5, 34 - 5, 1)], size=(315, 204))
    h, w = img.shape[:2]
    home = np.array(TEAM_COLOURS["home"].as_bgr())
    away = np.array(TEAM_COLOURS["away"].as_bgr())
    assert np.abs(img[h // 2, w // 2].astype(int) - home).max() < 30  # centre spot
    # +x right, +y up: the away point is in the top-right corner
    ys, xs = np.where(np.abs(img.astype(int) - away).max(axis=2) < 30)
    assert xs.mean() > 0.85 * w and ys.mean() < 0.2 * h


def test_annotate_writes_every_frame(tmp_path, small_clip, yolo_weights):
    cfg = load_config(overrides={"detector": {"profile": "demo", "weights": str(yolo_weights), "device": "cpu"}})
    process_video(small_clip, cfg, store=tmp_path / "s", match_id="m")
    out = tmp_path / "a.mp4"
    n = annotate_match(tmp_path / "s", "m", out)
    assert n == 30
    r = VideoReader(out)
    assert sum(1 for _ in r) == 30 and (r.info.width, r.info.height) == (320, 192)
    first = next(iter(VideoReader(out)))[2]
    src = next(iter(VideoReader(small_clip)))[2]
    assert np.abs(first.astype(int) - src.astype(int)).mean() > 1  # the radar was drawn in
