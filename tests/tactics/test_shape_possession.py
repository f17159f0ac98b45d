import numpy as np
import pytest
from scipy.spatial import ConvexHull

from tactics.config import PossessionConfig
from tactics.frames import build_frames
from tactics.kinematics import smooth_tracks
from tactics.possession import compute_possession, possession_sequences
from tactics.shape import hull_area, team_shape

from .synth import Tracks, keepers


def test_hull_area_matches_scipy_with_gaps_duplicates_and_collinear_points():
    rng = np.random.default_rng(0)
    p = rng.normal(size=(300, 11, 2)) * 12
    p[rng.random((300, 11)) < 0.3] = np.nan
    p[0, :5] = [[0, 0], [1, 0], [2, 0], [1, 1], [1, 1]]
    p[0, 5:] = np.nan
    ref = []
    for pts in p:
        q = pts[np.isfinite(pts).all(axis=1)]
        ref.append(ConvexHull(q).volume if len(q) >= 3 else 0.0)
    np.testing.assert_allclose(hull_area(p), ref, atol=1e-9)


def test_velocity_is_exact_for_uniform_motion_and_split_at_gaps():
    t = np.r_[np.arange(0, 2, 0.1), np.arange(5, 7, 0.1)]
    key = np.zeros(len(t), dtype=np.int64)
    x = np.where(t < 3, 3.0 * t, 100 - 2.0 * t)  # a jump in the hole must not leak into the velocity
    pos, vel = smooth_tracks(key, t, np.stack([x, np.zeros_like(x)], axis=1), 10.0, 0.3, 0.5)
    np.testing.assert_allclose(vel[t < 3, 0], 3.0, atol=1e-9)
    np.testing.assert_allclose(vel[t > 3, 0], -2.0, atol=1e-9)
    np.testing.assert_allclose(pos[:, 0], x, atol=1e-9)


def block(tr: Tracks, f: np.ndarray) -> None:
    """Home: 4 defenders at x=-20, 4 midfielders at x=-5, 2 forwards at x=10 (attacking +x)."""
    ys4 = [-21, -7, 7, 21]
    for i, y in enumerate(ys4):
        tr.add(10 + i, "home", "player", f, -20.0, y)
        tr.add(20 + i, "home", "player", f, -5.0, y)
    tr.add(30, "home", "player", f, 10.0, -6)
    tr.add(31, "home", "player", f, 10.0, 6)


def test_team_shape_known_block():
    tr = Tracks()
    f = np.arange(10)
    keepers(tr, f)
    block(tr, f)
    tr.add(110, "away", "player", f, 0.0, 0.0)
    fd = build_frames(tr.columns(), tr.fps)
    s = team_shape(fd, 0)
    assert s["players"][0] == 10
    assert s["width"][0] == pytest.approx(42.0)
    assert s["length"][0] == pytest.approx(30.0)
    assert s["def_line_x"][0] == pytest.approx(-20.0)
    assert s["line_gap_def_mid"][0] == pytest.approx(15.0)
    assert s["line_gap_mid_fwd"][0] == pytest.approx(15.0)
    assert s["centroid_x"][0] == pytest.approx((-80 - 20 + 20) / 10)
    assert s["hull_area"][0] == pytest.approx(15 * 42 + 0.5 * (42 + 12) * 15)  # rectangle + trapezoid
    # the same block attacking -x (turned by 180 degrees) gives the same shape
    tr2 = Tracks()
    keepers(tr2, f, home_attacks_plus_x=False)
    for r in tr.rows:
        if r[4] == "home" and r[3] == "player":
            tr2.rows.append((r[0], r[1], r[2], r[3], r[4], -r[5], -r[6], r[7]))
    tr2.add(110, "away", "player", f, 0.0, 0.0)
    s2 = team_shape(build_frames(tr2.columns(), tr2.fps), 0)
    for k in ("width", "length", "def_line_x", "centroid_x", "centroid_y", "hull_area"):
        assert s2[k][0] == pytest.approx(s[k][0]), k


def test_shape_with_too_few_players_is_null():
    tr = Tracks()
    f = np.arange(5)
    tr.add(10, "home", "player", f, 0.0, 0.0)
    tr.add(11, "home", "player", f, 5.0, 0.0)
    s = team_shape(build_frames(tr.columns(), tr.fps), 0)
    assert s["players"][0] == 2 and np.isnan(s["width"][0])


def possession_case(away_touch_frames: int) -> np.ndarray:
    tr = Tracks(10.0)
    f = np.arange(60)
    tr.add(7, "home", "player", f, 0.0, 0.0)
    tr.add(107, "away", "player", f, 6.0, 0.0)
    # ball at home's feet, then briefly at away's feet, then back
    bx = np.where((f >= 20) & (f < 20 + away_touch_frames), 6.2, 0.2)
    tr.add(-1, None, "ball", f, bx, 0.0)
    fd = build_frames(tr.columns(), tr.fps)
    return compute_possession(fd, PossessionConfig(min_control_s=0.3)).team


def test_possession_hysteresis():
    brief = possession_case(1)  # one frame of away control: no switch
    assert (brief == 0).all()
    long = possession_case(10)  # a full second: away has it
    assert (long[22:29] == 1).all() and (long[:20] == 0).all() and (long[35:] == 0).all()


def test_possession_lapses_without_ball_and_contested():
    tr = Tracks(10.0)
    f = np.arange(100)
    tr.add(7, "home", "player", f, 0.0, 0.0)
    tr.add(107, "away", "player", f, 20.0, 0.0)
    tr.add(108, "away", "player", f[80:], 0.4, 0.0)  # comes into view next to the ball
    tr.add(-1, None, "ball", f[:10], 0.2, 0.0)  # ball seen for 1 s, then lost
    tr.add(-1, None, "ball", f[80:], 0.2, 0.0)  # back, between two players
    fd = build_frames(tr.columns(), tr.fps)
    poss = compute_possession(fd)
    assert (poss.team[:10] == 0).all()
    assert (poss.team[10:38] == 0).all()  # carries over while unseen (max_loose_s = 3 s)
    assert (poss.team[45:80] == -1).all() and set(poss.state[45:80]) == {"none"}
    assert set(poss.state[80:]) == {"contested"}
    seqs = possession_sequences(fd, poss)
    assert list(seqs["team"]) == ["home"]
    assert seqs["frame_start"][0] == 0
