"""Identities through crossings, exits and re-entries, and frames without a homography."""

from __future__ import annotations

import numpy as np
from tracking_scenes import FPS, fixed_camera, run, score, truth_to_track

from tracking import TrackingConfig
from tracking.simulate import DetectionNoise


def _line(p0, p1, n):
    return np.linspace(p0, p1, n)


def test_identical_kits_crossing_keep_ids():
    # two players in the same kit run towards each other and cross (0.3 m apart at the crossing point)
    n = 100
    a = _line((-8.0, 0.0), (8.0, 0.3), n)
    b = _line((8.0, 0.6), (-8.0, 0.3), n)
    c = _line((-3.0, 8.0), (3.0, 8.0), n)  # a third player nearby
    xy = np.stack([a, b, c], axis=1)
    noise = DetectionNoise(fp_rate=0.0, ball_fp_rate=0.0, class_confusion=0.0, miss_rate=0.05)
    for seed in range(3):
        cols, truth, _ = run(xy, ["player"] * 3, images=True, noise=noise, seed=seed)
        s = score(cols, truth)
        assert s["id_switches"] == 0, (seed, s)
        for obj in (1, 2):
            ids = truth_to_track(cols, truth, obj)
            ids = ids[ids >= 0]
            assert len(ids) > 0.9 * n
            assert len(np.unique(ids)) == 1, (seed, obj, np.unique(ids, return_counts=True))
        # the two crossing players end on different tracks
        assert truth_to_track(cols, truth, 1)[-1] != truth_to_track(cols, truth, 2)[-1]


def test_player_leaving_frame_for_3s_keeps_id():
    # the camera looks at the centre; player 1 runs out beyond the right edge, stays out 3 s, comes back
    n_out = int(3 * FPS)
    go = _line((10.0, -5.0), (35.0, -5.0), 60)  # 25 m in 2.4 s
    away = np.tile([[35.0, -5.0]], (n_out, 1)) + np.linspace(0, 1, n_out)[:, None] * [2.0, 0.0]
    back = _line((37.0, -5.0), (10.0, -3.0), 60)
    p1 = np.vstack([go, away, back])
    n = len(p1)
    p2 = _line((-10.0, 5.0), (-5.0, 5.0), n)
    p3 = _line((0.0, -10.0), (2.0, -8.0), n)
    xy = np.stack([p1, p2, p3], axis=1)
    seen: dict = {}
    cols, truth, tr = run(xy, ["player"] * 3, images=True, seed=1, inspect=seen)
    # the player is really out of the image for about 3 s
    vis_frames = truth["frame"][truth["object_id"] == 1]
    assert (np.diff(vis_frames) > 1).any() and np.diff(vis_frames).max() >= 0.8 * n_out
    ids = truth_to_track(cols, truth, 1)
    ids = ids[ids >= 0]
    assert len(np.unique(ids)) == 1, np.unique(ids, return_counts=True)
    assert score(cols, truth)["id_switches"] == 0
    # what the stitcher saw: his pieces before and after the exit, joined into his one track
    piece_ids = {tl.track_id for tl in seen["tracklets"]}
    assert set(seen["mapping"]) == piece_ids
    assert set(np.unique(seen["pieces"]["track_id"]).tolist()) == piece_ids
    his = sorted((tl for tl in seen["tracklets"] if seen["mapping"][tl.track_id] == ids[0]), key=lambda tl: tl.t_start)
    gaps = [b.t_start - a.t_end for a, b in zip(his, his[1:])]
    assert gaps and max(gaps) >= 2.0, gaps


def test_no_homography_frames_keep_tracking_and_get_interpolated_positions():
    from dataclasses import replace

    n = 80
    xy = np.stack([_line((-5.0, 0.0), (5.0, 0.0), n), _line((0.0, 6.0), (0.0, -2.0), n)], axis=1)
    gap = np.zeros(n, bool)
    gap[30:40] = True  # the calibration fails for 10 frames; the camera keeps the same view
    cols, truth, _ = run(xy, ["player"] * 2, no_homography=gap, seed=2)
    people = cols["role"] != "ball"
    in_gap = people & np.isin(cols["frame"], np.flatnonzero(gap))
    assert in_gap.sum() >= 15  # tracked in image space
    # positions across the drop-out are interpolated between the track's own positions on either side
    assert (cols["provenance"][in_gap] == "interpolated").all()
    pos = np.c_[cols["x"][in_gap], cols["y"][in_gap]]
    err = np.linalg.norm(pos[:, None] - xy[cols["frame"][in_gap]], axis=2).min(axis=1)
    assert np.isfinite(err).all() and err.max() < 0.5
    out_gap = people & ~np.isin(cols["frame"], np.flatnonzero(gap))
    assert np.isfinite(cols["x"][out_gap]).mean() > 0.95
    assert len(np.unique(cols["track_id"][people])) == 2
    # without position filling those frames have null positions
    cfg = TrackingConfig()
    cfg.offline = replace(cfg.offline, fill_positions=False)
    cols, _, _ = run(xy, ["player"] * 2, no_homography=gap, seed=2, cfg=cfg)
    in_gap = (cols["role"] != "ball") & np.isin(cols["frame"], np.flatnonzero(gap))
    assert in_gap.sum() >= 15 and np.isnan(cols["x"][in_gap]).all() and np.isnan(cols["y"][in_gap]).all()


def test_tracks_in_metres_with_provenance_and_speed():
    n = 100
    speed = 6.0
    p1 = np.stack([np.linspace(0, speed * (n - 1) / FPS, n) - 5.0, np.zeros(n)], axis=1)
    xy = p1[:, None, :]
    drop = DetectionNoise(fp_rate=0.0, ball_fp_rate=0.0, class_confusion=0.0, miss_rate=0.2)
    cols, truth, _ = run(xy, ["player"], noise=drop, seed=3)
    p = cols["role"] != "ball"
    assert set(np.unique(cols["provenance"][p])) <= {"detected", "interpolated"}
    assert (cols["provenance"][p] == "interpolated").sum() > 5
    mid = p & (cols["frame"] > 10) & (cols["frame"] < n - 10)
    assert abs(np.nanmedian(cols["speed"][mid]) - speed) < 0.5
    # positions within half a metre of the truth after smoothing
    tx = {int(f): x for f, x in zip(truth["frame"], truth["x"], strict=True)}
    err = [abs(x - tx[int(f)]) for f, x in zip(cols["frame"][p], cols["x"][p], strict=True) if int(f) in tx]
    assert np.median(err) < 0.3


def test_columns_conform_to_tracks_schema():
    from pitchlens.schema import TRACKS, conform

    n = 40
    xy = np.stack([_line((-5.0, 0.0), (5.0, 0.0), n)], axis=1)
    ball = np.c_[_line((-3.0, 1.0), (3.0, 1.0), n), np.zeros(n)]
    cols, _, _ = run(xy, ["player"], ball=ball, seed=4)
    lengths = {len(v) for v in cols.values()}
    assert len(lengths) == 1
    table = conform({"match_id": ["m"] * lengths.pop(), **cols}, TRACKS)
    assert table.num_rows > 2 * n - 10
    assert set(table.column("role").to_pylist()) == {"player", "ball"}
    assert table.column("team").null_count >= n - 5  # the ball and a lone player have no team


def test_teammates_lost_together_come_back_told_apart_by_their_heights():
    """Two teammates in one kit, 1.68 m and 1.92 m tall, run side by side, are lost together for 3 s and come back
    each where the other would be: their standing heights keep their ids; without them motion swaps them."""
    T = 250
    t = np.arange(T) / FPS
    short = np.stack([np.zeros(T), -4.0 + 1.0 * t], axis=1)
    tall = short + [3.0, 0.0]
    back = t >= 6.0
    short[back, 0] += 2.5  # each comes back next to where the other is heading
    tall[back, 0] -= 2.5
    gone = (t >= 3.0) & (t < 6.0)
    short[gone] = np.nan
    tall[gone] = np.nan
    others = [np.tile([x, y], (T, 1)) for x, y in ((-10.0, 3.0), (-8.0, -4.0), (9.0, -3.0), (10.0, 4.0))]
    xy = np.stack([short, tall, *others], axis=1)
    heights = np.array([1.68, 1.92, 1.8, 1.78, 1.82, 1.8])
    for w, same in ((1.0, True), (0.0, False)):
        cfg = TrackingConfig()
        cfg.player.stature_min_people = 3
        cfg.offline.stitch_w_stature = w
        cols, truth, _ = run(xy, ["player"] * 6, images=True, heights=heights, cfg=cfg,
                             cameras=fixed_camera(focal=3000.0))
        a, b = truth_to_track(cols, truth, 1), truth_to_track(cols, truth, 2)
        a, b = a[a >= 0], b[b >= 0]
        assert len(a) > 150 and len(b) > 150
        assert (a[0] == a[-1] and b[0] == b[-1]) == same, (w, a[[0, -1]], b[[0, -1]])
        assert a[0] != b[0] and a[-1] != b[-1]
