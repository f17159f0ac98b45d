"""Synthetic renderer: truth consistency, determinism, cut-aways, files written."""

from __future__ import annotations

import av
import numpy as np
import pytest

from cv.camera import apply_homography
from cv.pitch import DEFAULT_PITCH
from pitchlens.synth.render import ClipRenderer, render_clip, render_frames
from pitchlens.synth.truth import load_truth


@pytest.fixture(scope="module")
def main_frames():
    from pitchlens.synth.motion_sim import simulate

    m = simulate(11, 12, 25.0)
    m.ball[:] = (2.0, 1.0, 0.11)  # the camera follows the ball: centre circle and halfway line in view
    m.xy[:, :, 1] *= 0.5  # bring more people into the picture
    r = ClipRenderer(seed=11, n_frames=12, size=(640, 360), motion=m, cutaways=False)
    return r, [r.frame(i) for i in range(0, 12, 3)]


def test_markings_are_drawn_where_the_truth_homography_puts_them(main_frames):
    _, frames = main_frames
    checked = 0
    for img, row, objs in frames:
        assert row["shot"] == "main"
        H = np.asarray(row["homography"]).reshape(3, 3)
        gray = img.astype(np.float32).mean(axis=2)
        h, w = gray.shape
        pts = DEFAULT_PITCH.sample(0.25)
        uv = apply_homography(H, pts)
        # compare each line point with points 1.2 m to either side (grass), away from people and graphics
        busy = np.zeros((h, w), bool)
        busy[:90, :] = True  # score bug area
        for o in objs:
            if o["visible"]:
                busy[max(int(o["y1"]) - 3, 0):int(o["y2"]) + 3, max(int(o["x1"]) - 3, 0):int(o["x2"]) + 3] = True
        on, off = [], []
        for (x, y), (u, v) in zip(pts, uv, strict=False):
            iu, iv = int(round(u)), int(round(v))
            if not (2 <= iu < w - 2 and 2 <= iv < h - 2) or busy[iv, iu]:
                continue
            side = apply_homography(H, np.array([[x + 1.2, y + 1.2], [x - 1.2, y - 1.2]]))
            ok = [(int(round(a)), int(round(b))) for a, b in side if 0 <= round(a) < w and 0 <= round(b) < h]
            if len(ok) < 2:
                continue
            on.append(gray[iv - 1:iv + 2, iu - 1:iu + 2].max())
            off.append(np.mean([gray[b, a] for a, b in ok]))
        if len(on) >= 30:
            checked += 1
            assert np.median(np.array(on) - np.array(off)) > 25, "markings are not where the homography says"
    assert checked >= 2


def test_player_box_bottom_matches_pitch_position(main_frames):
    _, frames = main_frames
    n = 0
    for img, row, objs in frames:
        H = np.asarray(row["homography"]).reshape(3, 3)
        h, w = img.shape[:2]
        for o in objs:
            if o["role"] == "ball" or not o["visible"] or o["occluded"] > 0.0:
                continue
            if o["x1"] <= 0 or o["x2"] >= w or o["y1"] <= 0 or o["y2"] >= h:
                continue
            u, v = apply_homography(H, np.array([[o["x"], o["y"]]]))[0]
            height = o["y2"] - o["y1"]
            assert abs(o["y2"] - v) <= 2 + 0.06 * height, (o, u, v)
            assert o["x1"] - 1 <= u <= o["x2"] + 1
            n += 1
    assert n >= 10


def test_ball_box_contains_projected_ball(main_frames):
    r, frames = main_frames
    seen = 0
    for i, (_img, _row, objs) in zip(range(0, 12, 3), frames, strict=False):
        ball = [o for o in objs if o["role"] == "ball"]
        assert len(ball) == 1
        b = ball[0]
        if b["visible"] and b["occluded"] == 0:
            uv, _ = r.plans[i].camera.project(np.array([[b["x"], b["y"], b["z"]]]))
            assert b["x1"] - 1 <= uv[0, 0] <= b["x2"] + 1 and b["y1"] - 1 <= uv[0, 1] <= b["y2"] + 1
            seen += 1
    assert seen >= 1


def test_same_seed_same_frames_and_truth_other_seed_differs():
    a = ClipRenderer(seed=5, n_frames=6, size=(320, 180), cutaways=False)
    b = ClipRenderer(seed=5, n_frames=6, size=(320, 180), cutaways=False)
    c = ClipRenderer(seed=6, n_frames=6, size=(320, 180), cutaways=False)
    for i in (0, 5):
        ia, ra, oa = a.frame(i)
        ib, rb, ob = b.frame(i)
        ic, _, _ = c.frame(i)
        assert np.array_equal(ia, ib)
        assert ra == rb and oa == ob
        assert not np.array_equal(ia, ic)


def test_clip_files_and_cutaways_flagged(tmp_path):
    out = render_clip(tmp_path / "clip", seconds=2.0, seed=3, size=(320, 180), fps=25, cutaways=True)
    truth = load_truth(out)
    frames = truth.frames.to_pylist()
    assert len(frames) == 50
    shots = {f["shot"] for f in frames}
    assert {"main", "closeup", "other"} <= shots
    for f in frames:
        assert (f["homography"] is None) == (f["shot"] != "main")
    kinds = {c["kind"] for c in truth.meta["cameras"]}
    assert {"main", "closeup", "replay", "graphics"} <= kinds
    graphics = {c["frame"] for c in truth.meta["cameras"] if c["kind"] == "graphics"}
    obj_frames = set(truth.objects.column("frame").to_pylist())
    assert not graphics & obj_frames
    objs = truth.objects.to_pylist()
    # replay frames show earlier positions: their rows equal the rows of the replayed frame
    cams = truth.meta["cameras"]
    rep = next(c for c in cams if c["kind"] == "replay")
    src = [c for c in cams if c["frame"] == rep["motion_index"]][0]
    assert src["kind"] in ("main", "closeup") and rep["motion_index"] < rep["frame"]
    pos = {(o["frame"], o["object_id"]): (o["x"], o["y"], o["z"]) for o in objs}
    ids_rep = [k[1] for k in pos if k[0] == rep["frame"]]
    assert ids_rep and all(pos[(rep["frame"], i)] == pos[(src["frame"], i)] for i in ids_rep)
    roles = {o["role"] for o in objs}
    assert roles == {"player", "goalkeeper", "referee", "ball"}
    assert {o["team"] for o in objs if o["role"] in ("player", "goalkeeper")} == {"home", "away"}
    assert all(o["team"] is None for o in objs if o["role"] in ("referee", "ball"))
    ids = {(o["object_id"], o["role"]) for o in objs}
    assert len({i for i, _ in ids}) == len(ids)  # an id never changes role
    with av.open(str(out / "clip.mp4")) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        n = sum(1 for _ in c.decode(video=0))
        assert (s.codec_context.width, s.codec_context.height) == (320, 180)
    assert n == 50
    assert truth.meta["fps"] == 25 and truth.meta["seed"] == 3


def test_render_frames_for_training_varies_scenes():
    out = list(render_frames(seed=1, n=4, size=(320, 192), scene_frames=2, stride=3))
    assert len(out) == 4
    seeds = {t["frame"]["scene_seed"] for _, t in out}
    assert len(seeds) == 2
    img, t = out[0]
    assert img.shape == (192, 320, 3)
    assert any(o["visible"] for o in t["objects"])


def test_occlusion_measured_from_drawn_pixels():
    from pitchlens.synth.motion import Motion

    n = 3
    xy = np.tile(np.array([[0.0, 0.0], [0.0, 1.2], [5.0, -3.0]]), (n, 1, 1))  # #2 stands just behind #1
    ball = np.tile(np.array([3.0, 0.0, 0.11]), (n, 1))
    m = Motion(fps=25.0, object_id=np.array([1, 2, 3]), role=["player"] * 3, team=["home", "away", "home"],
               jersey=["7", "9", "4"], xy=xy, ball=ball)
    r = ClipRenderer(seed=2, n_frames=n, size=(640, 360), motion=m, cutaways=False)
    img, row, objs = r.frame(0)
    by_id = {o["object_id"]: o for o in objs}
    near, far, alone = by_id[1], by_id[2], by_id[3]
    assert near["visible"] and far["visible"]
    assert near["occluded"] == 0.0 and alone["occluded"] == 0.0
    assert 0.1 < far["occluded"] < 1.0
    # the two stand in line of sight: their boxes overlap, and the far one's feet are inside the near one's box
    assert far["x1"] < near["x2"] and near["x1"] < far["x2"] and far["y1"] < near["y2"] and near["y1"] < far["y2"]
    H = np.asarray(row["homography"]).reshape(3, 3)
    u, v = apply_homography(H, np.array([[0.0, 1.2]]))[0]
    assert near["x1"] <= u <= near["x2"] and near["y1"] <= v <= near["y2"]


def test_parallel_rendering_writes_the_same_files(tmp_path):
    one = render_clip(tmp_path / "one", seconds=0.6, seed=8, size=(320, 180), cutaways=False)
    two = render_clip(tmp_path / "two", seconds=0.6, seed=8, size=(320, 180), cutaways=False, workers=2)
    for rel in ("clip.mp4", "truth/frames.parquet", "truth/objects.parquet", "truth/meta.json"):
        assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel
