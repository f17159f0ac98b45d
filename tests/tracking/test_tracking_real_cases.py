"""Cases met on rendered clips with a real detector: a referee whose kit is the farthest colour, a referee close
to one team's kit, kits whose lightness varies with shadows, and a screen graphic detected as the ball."""

from __future__ import annotations

import numpy as np
import supervision as sv
from tracking_scenes import FPS

from cv.camera import Camera
from tracking import MatchTracker, TrackingConfig
from tracking.config import TeamConfig
from tracking.teams import TrackSummary, assign_roles_teams


def _summaries(rng: np.random.Generator, swap: bool = False) -> tuple[list[TrackSummary], dict[int, str]]:
    """Eight white-kit and eight yellow-kit players (lightness spread by shadows), two stretches of a red-kit
    referee (many samples), a grey referee near the white kit's colour, a pink goalkeeper near his goal."""
    white, yellow = np.array([160.0, 124.0, 128.0]), np.array([160.0, 119.0, 180.0])
    if swap:
        white, yellow = yellow, white
    out, truth = [], {}
    tid = 1
    for kit, name, xs in ((white, "w", (5.0, 30.0)), (yellow, "y", (-30.0, -5.0))):
        for _ in range(8):
            lab = kit + np.r_[rng.uniform(-35, 35), rng.normal(0, 2, 2)]
            out.append(TrackSummary(tid, lab, int(rng.integers(20, 60)), {"player": 100.0, "referee": 3.0},
                                    float(rng.uniform(*xs))))
            truth[tid] = name
            tid += 1
    for lab, votes, x, role in (((72.0, 166.0, 156.0), {"player": 130.0, "referee": 60.0}, -3.0, "referee"),
                                ((71.0, 165.0, 155.0), {"player": 98.0, "referee": 28.0}, -5.0, "referee"),
                                ((128.0, 131.0, 138.0), {"player": 400.0, "referee": 2.0}, 18.0, "referee"),
                                ((161.0, 167.0, 123.0), {"player": 80.0}, 49.5, "goalkeeper")):
        out.append(TrackSummary(tid, np.array(lab), 150 if role == "referee" else 20, votes, x))
        truth[tid] = role
        tid += 1
    return out, truth


def _assign(tracks: list[TrackSummary]) -> tuple[dict, dict]:
    ids = np.array([tr.track_id for tr in tracks])
    xs = np.array([tr.mean_x for tr in tracks])
    # one row per track, each at a time of its own: the cases come from different clips, and one match never
    # has two referees (in two kits) on the pitch at once
    return assign_roles_teams(tracks, TeamConfig(), np.arange(len(ids), dtype=float), xs, ids)


def test_referees_and_shadows_do_not_break_the_team_split():
    rng = np.random.default_rng(0)
    for swap in (False, True):
        tracks, truth = _summaries(rng, swap)
        for order in (tracks, tracks[::-1]):
            roles, teams = _assign(order)
            players = [t for t, r in truth.items() if r in ("w", "y")]
            assert all(roles[t] == "player" for t in players), roles
            for kit in ("w", "y"):
                names = {teams[t] for t, r in truth.items() if r == kit}
                assert len(names) == 1 and names <= {"home", "away"}, (kit, names)
            assert {teams[t] for t, r in truth.items() if r == "w"} != {teams[t] for t, r in truth.items() if r == "y"}
            # the yellow kit plays on -x: home
            assert {teams[t] for t, r in truth.items() if r == "y"} == {"home"}
            for t, r in truth.items():
                if r in ("referee", "goalkeeper"):
                    assert roles[t] == r, (t, roles[t], r)
                    if r == "referee":
                        assert teams[t] is None
            gk = next(t for t, r in truth.items() if r == "goalkeeper")
            assert teams[gk] == "away"  # the white kit is on +x, as is the goalkeeper


def _panning_camera(k: int) -> Camera:
    """Follows the ball with a swaying lag, so that the ball moves on screen while the graphic does not."""
    return Camera(position=(0.0, -74.0, 22.0), focal=1900.0).look_at((-12.0 + 0.4 * k + 3.0 * np.sin(k / 8.0),
                                                                      0.0, 0.0))


def test_screen_graphic_detected_as_ball_is_ignored():
    n = 150
    ball = np.stack([-12.0 + 0.4 * np.arange(n), np.full(n, -2.0)], axis=1)  # 10 m/s along x, camera follows
    hidden = set(range(40, 50))  # the real ball is missed for 0.4 s: the tracker has to re-acquire it
    tr = MatchTracker(TrackingConfig(), fps=FPS)
    for k in range(n):
        cam = _panning_camera(k)
        uv, _ = cam.ground_to_image(ball[k][None])
        boxes, conf = [[1232.0, 37.0, 1242.0, 47.0]], [0.6]  # the graphic: same pixels in every frame
        if k not in hidden:
            boxes.append([uv[0, 0] - 5, uv[0, 1] - 10, uv[0, 0] + 5, uv[0, 1]])
            conf.append(0.5)
        det = sv.Detections(xyxy=np.array(boxes, np.float32), confidence=np.array(conf, np.float32),
                            class_id=np.zeros(len(boxes), int), data={"class_name": np.array(["ball"] * len(boxes))})
        tr.update(frame=k, t=k / FPS, detections=det, homography=cam.homography, usable=True)
    cols = tr.finish()
    sel = cols["role"] == "ball"
    f, x, y = cols["frame"][sel], cols["x"][sel], cols["y"][sel]
    err = np.hypot(x - ball[f, 0], y - ball[f, 1])
    late = f >= 50
    assert late.sum() >= 95, f[late]
    assert np.median(err[late]) < 0.5 and (err[late] < 2.0).mean() > 0.95, np.round(err[late][::10], 1)
    assert tr.ball.static_dropped > 50
