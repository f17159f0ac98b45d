"""Teams by shirt colour (independent of which team wears which kit), goalkeepers, referee, directions."""

from __future__ import annotations

import numpy as np
from tracking_scenes import FPS, fixed_camera, people, run

from tracking.config import TeamConfig
from tracking.simulate import DetectionNoise
from tracking.teams import TrackSummary, assign_roles_teams, attacking_directions, cluster_two

RED, BLUE, YELLOW, MAGENTA, BLACK = (30, 30, 210), (200, 80, 20), (20, 220, 230), (200, 20, 200), (15, 15, 15)


def _scene(seed: int = 0, n: int = 75):
    rng = np.random.default_rng(seed)
    starts = np.vstack([np.c_[rng.uniform(-32, -6, 5), rng.uniform(-25, 25, 5)],   # team A, left half
                        np.c_[rng.uniform(6, 32, 5), rng.uniform(-25, 25, 5)],     # team B, right half
                        [[-46.0, 0.0], [46.0, 2.0], [0.0, -12.0]]])                # GK A, GK B, referee
    vel = rng.normal(0, 2.0, (len(starts), 2))
    t = np.arange(n)[:, None, None] / FPS
    xy = starts[None] + vel[None] * t
    roles = ["player"] * 10 + ["goalkeeper", "goalkeeper", "referee"]
    return xy, roles


def _majority(cols, truth, key):
    """Per truth object: the value of column ``key`` of its nearest output rows (majority)."""
    p = people(cols)
    out = {}
    for obj in np.unique(truth["object_id"]):
        vals = []
        for f, x, y in zip(truth["frame"][truth["object_id"] == obj], truth["x"][truth["object_id"] == obj],
                           truth["y"][truth["object_id"] == obj], strict=True):
            sel = (p["frame"] == f) & np.isfinite(p["x"])
            if sel.any():
                d = np.hypot(p["x"][sel] - x, p["y"][sel] - y)
                k = int(np.argmin(d))
                if d[k] < 1.5:
                    vals.append(str(p[key][sel][k]))
        if vals:
            u, c = np.unique(vals, return_counts=True)
            out[int(obj)] = u[np.argmax(c)]
    return out


def _run(kits, seed=0):
    xy, roles = _scene(seed)
    noise = DetectionNoise(fp_rate=0.0, ball_fp_rate=0.0, class_confusion=0.05)
    cols, truth, tr = run(xy, roles, shirts=np.array(kits), images=True, noise=noise, seed=seed,
                          cameras=fixed_camera(focal=900.0))
    return cols, truth, tr


def test_team_split_same_with_swapped_kits():
    a = [RED] * 5 + [BLUE] * 5 + [YELLOW, MAGENTA, BLACK]
    b = [BLUE] * 5 + [RED] * 5 + [YELLOW, MAGENTA, BLACK]
    cols_a, truth_a, _ = _run(a)
    cols_b, truth_b, _ = _run(b)
    ta, tb = _majority(cols_a, truth_a, "team"), _majority(cols_b, truth_b, "team")
    assert len(ta) == 13 and len(tb) == 13
    # left team (objects 1-5) is home, right team away, goalkeepers with their side, referee without team
    for t in (ta, tb):
        assert all(t[i] == "home" for i in range(1, 6)), t
        assert all(t[i] == "away" for i in range(6, 11)), t
        assert t[11] == "home" and t[12] == "away" and t[13] == "None"
    ra, rb = _majority(cols_a, truth_a, "role"), _majority(cols_b, truth_b, "role")
    for r in (ra, rb):
        assert [r[i] for i in range(1, 11)] == ["player"] * 10
        assert r[11] == "goalkeeper" and r[12] == "goalkeeper" and r[13] == "referee"
    # the vote fixes one team per track
    for cols in (cols_a, cols_b):
        p = people(cols)
        for tid in np.unique(p["track_id"]):
            assert len(set(p["team"][p["track_id"] == tid].tolist())) == 1


def test_cluster_two_is_symmetric_in_colours():
    rng = np.random.default_rng(3)
    red = rng.normal([60, 170, 150], 3, (8, 3))
    blue = rng.normal([50, 140, 90], 3, (7, 3))
    lab1, _ = cluster_two(np.vstack([red, blue]))
    lab2, _ = cluster_two(np.vstack([blue, red]))
    split1 = {frozenset(np.flatnonzero(lab1 == k)) for k in (0, 1)}
    split2 = {frozenset((np.flatnonzero(lab2 == k) + 8) % 15) for k in (0, 1)}
    assert split1 == split2 == {frozenset(range(8)), frozenset(range(8, 15))}


def test_attacking_directions_per_period():
    t = np.r_[np.zeros(4), np.ones(4) * 100]
    x = np.r_[-20, -10, 15, 25, 20, 10, -15, -25].astype(float)
    team = np.array(["home", "home", "away", "away"] * 2, dtype=object)
    role = np.array(["player"] * 8, dtype=object)
    d = attacking_directions(t, x, team, role, periods=[(0, 50), (50, 150)])
    assert [p["home"] for p in d] == [1, -1] and [p["away"] for p in d] == [-1, 1]


def _fragmented_referee_scene(seed: int = 0):
    """Two kits that differ only slightly (a kit the grass mask mostly removes looks much like a muddy striped one)
    and a referee in a loud colour, broken into eight pieces that each carry as many colour samples as a player."""
    rng = np.random.default_rng(seed)
    n_frames, tracks, rows = 200, [], []
    t = np.arange(n_frames) / FPS
    for k in range(20):  # ten players per team, all seen on every frame
        lab = np.array([85.0, 128.0, 120.0 if k < 10 else 132.0]) + rng.normal(0, 1.5, 3)
        mx = (-20.0 if k < 10 else 20.0) + rng.normal(0, 5)
        tracks.append(TrackSummary(k + 1, lab, 80, {"player": 80.0}, mx))
        rows.append((t, np.full(n_frames, mx), np.full(n_frames, k + 1)))
    for j in range(8):  # the referee: one piece after the other, never two at once
        sl = slice(j * n_frames // 8, (j + 1) * n_frames // 8)
        lab = np.array([125.0, 144.0, 168.0]) + rng.normal(0, 1.0, 3)
        tracks.append(TrackSummary(100 + j, lab, 80, {"player": 60.0, "referee": 20.0}, 2.0))
        rows.append((t[sl], np.full(len(t[sl]), 2.0), np.full(len(t[sl]), 100 + j)))
    rows_t, rows_x, rows_id = (np.concatenate([r[i] for r in rows]) for i in range(3))
    return tracks, rows_t, rows_x, rows_id.astype(np.int64)


def test_fragmented_referee_does_not_take_a_team():
    tracks, rows_t, rows_x, rows_id = _fragmented_referee_scene()
    roles, teams = assign_roles_teams(tracks, TeamConfig(), rows_t, rows_x, rows_id)
    left = {teams[i] for i in range(1, 11)}
    right = {teams[i] for i in range(11, 21)}
    assert left == {"home"} and right == {"away"}, (left, right)
    assert all(roles[i] == "player" for i in range(1, 21))
    assert all(roles[100 + j] == "referee" and teams[100 + j] is None for j in range(8)), (roles, teams)


def test_lime_kit_keeps_its_colour_on_grass():
    """A shirt in grass hues but far brighter than the grass is shirt, not grass, for the team colour."""
    import cv2

    from tracking.appearance import shirt_features

    grass = cv2.cvtColor(np.uint8([[[48, 120, 130]]]), cv2.COLOR_HSV2BGR)[0, 0]
    img = np.empty((360, 640, 3), np.uint8)
    img[:] = grass
    lime, dark = (60, 250, 190), (30, 30, 30)
    img[100:200, 300:340] = lime
    img[125:135, 316:324] = dark  # a shirt number
    feats, labs = shirt_features(img, np.array([[300.0, 100.0, 340.0, 200.0]]), TeamConfig())
    want = cv2.cvtColor(np.uint8([[lime]]), cv2.COLOR_BGR2LAB)[0, 0].astype(float)
    num = cv2.cvtColor(np.uint8([[dark]]), cv2.COLOR_BGR2LAB)[0, 0].astype(float)
    assert np.isfinite(feats).all()
    # mostly the lime shirt (the number covers a minority of the torso), nowhere near the number's colour
    assert np.linalg.norm(labs[0] - want) < np.linalg.norm(labs[0] - num) / 3, (labs[0], want, num)
