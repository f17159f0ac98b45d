"""Config, projection and the batched Kalman equations against filterpy."""

from __future__ import annotations

import numpy as np
import pytest
from filterpy.common import Q_discrete_white_noise
from filterpy.kalman import KalmanFilter

from cv.camera import Camera
from tracking import TrackingConfig
from tracking.kalman import (
    CA_POS,
    batch_predict_ca,
    batch_predict_cv,
    batch_update_pos,
    ca_state,
    constant_acceleration,
)
from tracking.projection import image_to_pitch, inverse_jacobian, pitch_to_image


def test_config_from_dict_and_unknown_key():
    cfg = TrackingConfig.from_dict({"player": {"min_hits": 2, "gate_chi2": 9}, "offline": {"smoother": "rts"}})
    assert cfg.player.min_hits == 2 and cfg.player.gate_chi2 == 9.0 and cfg.offline.smoother == "rts"
    assert TrackingConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="tracking.player.min_hit"):
        TrackingConfig.from_dict({"player": {"min_hit": 2}})
    with pytest.raises(ValueError, match="tracking.ball.gate_chi2"):
        TrackingConfig.from_dict({"ball": {"gate_chi2": "wide"}})


def test_projection_round_trip_and_jacobian():
    H = Camera(position=(0.0, -74.0, 22.0), focal=1500.0).look_at((10.0, 5.0, 0.0)).homography
    xy = np.array([[0.0, 0.0], [20.0, -10.0], [-30.0, 25.0]])
    uv = pitch_to_image(H, xy)
    np.testing.assert_allclose(image_to_pitch(H, uv), xy, atol=1e-6)
    Hinv = np.linalg.inv(H)
    J = inverse_jacobian(Hinv, uv)
    eps = 1e-3
    for k in range(2):
        d = np.zeros(2)
        d[k] = eps
        num = (image_to_pitch(H, uv + d) - image_to_pitch(H, uv - d)) / (2 * eps)
        np.testing.assert_allclose(J[:, :, k], num, rtol=1e-4, atol=1e-7)
    # a point above the horizon has no pitch position
    assert np.isnan(image_to_pitch(H, np.array([[640.0, -2000.0]]))).all()


def test_batched_kalman_matches_filterpy():
    rng = np.random.default_rng(0)
    dt, q = 0.04, 3.0
    kfs, X, P = [], [], []
    for _ in range(5):
        kf = KalmanFilter(dim_x=4, dim_z=2)
        kf.x = rng.normal(size=4)
        A = rng.normal(size=(4, 4))
        kf.P = A @ A.T + np.eye(4)
        kf.F = np.kron(np.eye(2), [[1, dt], [0, 1]])
        kf.Q = Q_discrete_white_noise(2, dt, q**2, block_size=2)
        kf.H = np.array([[1.0, 0, 0, 0], [0, 0, 1.0, 0]])
        kfs.append(kf)
        X.append(kf.x.copy())
        P.append(kf.P.copy())
    X, P = batch_predict_cv(np.array(X), np.array(P), dt, q)
    Z = rng.normal(size=(5, 2))
    R = np.array([np.diag(rng.uniform(0.1, 1.0, 2)) for _ in range(5)])
    X, P = batch_update_pos(X, P, Z, R)
    for i, kf in enumerate(kfs):
        kf.predict()
        kf.update(Z[i], R=R[i])
        np.testing.assert_allclose(X[i], kf.x, atol=1e-9)
        np.testing.assert_allclose(P[i], kf.P, atol=1e-9)


def test_batched_constant_acceleration_matches_filterpy():
    """The ball's constant-acceleration predict/update (batched and single-state) against filterpy's KalmanFilter."""
    rng = np.random.default_rng(1)
    kfs, X, P = [], [], []
    for _ in range(4):
        R0 = np.diag(rng.uniform(0.1, 1.0, 2))
        kf = constant_acceleration(rng.normal(size=2) * 10, R0, vel_std=5.0, acc_std=3.0)
        kf.x = kf.x + rng.normal(size=6)
        kfs.append(kf)
        X.append(kf.x.copy())
        P.append(kf.P.copy())
    X, P = np.array(X), np.array(P)
    single = ca_state(kfs[0].x[list(CA_POS)], kfs[0].P[np.ix_(CA_POS, CA_POS)], vel_std=5.0, acc_std=3.0)
    single.x, single.P = X[0].copy(), P[0].copy()
    for dt in (0.04, 0.08, 0.04):
        X, P = batch_predict_ca(X, P, dt, 30.0)
        single.predict_ca(dt, 30.0)
        Z = rng.normal(size=(4, 2)) * 5
        R = np.array([np.diag(rng.uniform(0.05, 2.0, 2)) for _ in range(4)])
        X, P = batch_update_pos(X, P, Z, R, CA_POS)
        single.update_pos(Z[0], R[0])
        for i, kf in enumerate(kfs):
            F = np.kron(np.eye(2), [[1, dt, 0.5 * dt * dt], [0, 1, dt], [0, 0, 1]])
            kf.predict(F=F, Q=Q_discrete_white_noise(3, dt, 30.0**2, block_size=2))
            kf.update(Z[i], R=R[i])
            np.testing.assert_allclose(X[i], kf.x, rtol=1e-9, atol=1e-9)
            np.testing.assert_allclose(P[i], kf.P, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(single.x, kfs[0].x, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(single.P, kfs[0].P, rtol=1e-9, atol=1e-9)


def test_split_and_stitch_follow_the_group_drift():
    from tracking.config import OfflineConfig
    from tracking.offline import Tracklet, split_tracks, stitch

    # one online track with a 2 s hole is cut in two pieces; the second keeps the rows after the hole
    t = np.r_[np.arange(10), np.arange(60, 70)] * 0.04
    rows = {"frame": np.r_[np.arange(10), np.arange(60, 70)], "t": t, "track_id": np.full(20, 7),
            "box": np.zeros((20, 4), np.float32), "xy": np.zeros((20, 2)), "prov": np.zeros(20, np.int8)}
    out, parent = split_tracks(rows, 0.5, 100)
    assert out["track_id"].tolist() == [7] * 10 + [100] * 10 and parent == {7: 7, 100: 7}
    # two players leave at x = 0 and x = 6 while the whole group shifts 12 m towards +x; 4 s later
    # pieces start at x = 12 and x = 18: with the drift each end links to its own player
    a_end = Tracklet(1, 0.0, 1.0, np.zeros(2), np.array([0.0, 0.0]), None, "player")
    b_end = Tracklet(2, 0.0, 1.0, np.zeros(2), np.array([6.0, 0.0]), None, "player")
    a_new = Tracklet(3, 5.0, 8.0, np.array([12.0, 0.0]), np.zeros(2), None, "player")
    b_new = Tracklet(4, 5.0, 8.0, np.array([18.0, 0.0]), np.zeros(2), None, "player")
    drift = (np.array([0.0, 1.0, 5.0, 8.0]), np.array([[0.0, 0.0], [0.0, 0.0], [12.0, 0.0], [12.0, 0.0]]))
    cfg = OfflineConfig()
    m = stitch([a_end, b_end, a_new, b_new], cfg, drift)
    assert m[3] == 1 and m[4] == 2
    # only the first player comes back: the drift says it is him; without it the second player's end is nearer
    assert stitch([a_end, b_end, a_new], cfg, drift)[3] == 1
    assert stitch([a_end, b_end, a_new], cfg, None)[3] == 2


def test_stitch_prefers_one_likely_link_to_two_unlikely_ones():
    """A player back after 3 s near where he left is linked to himself, although linking his end to a far later
    start and another end to his start would link more tracklets (that cross-over needs two unlikely links)."""
    from dataclasses import replace

    from tracking.config import OfflineConfig
    from tracking.offline import Tracklet, stitch

    e1 = Tracklet(1, 0.0, 10.0, np.zeros(2), np.array([0.0, 0.0]), None, "player")
    e2 = Tracklet(2, 0.0, 5.0, np.zeros(2), np.array([22.5, 0.0]), None, "player")
    s1 = Tracklet(3, 13.0, 20.0, np.array([4.0, 0.0]), np.zeros(2), None, "player")
    s2 = Tracklet(4, 28.0, 30.0, np.array([27.2, 0.0]), np.zeros(2), None, "player")  # 23 s after e2: too late
    cfg = replace(OfflineConfig(), stitch_max_gap_s=20.0, stitch_sigma_rate=4.0)
    m = stitch([e1, e2, s1, s2], cfg)
    assert m[3] == 1 and m[4] == 4 and m[2] == 2
    # forcing as many links as possible (no cost for leaving an end unlinked) gives the cross-over
    m = stitch([e1, e2, s1, s2], replace(cfg, stitch_new_cost=1e5))
    assert m[3] == 2 and m[4] == 1


def test_track_segments_keep_their_own_votes_across_a_reidentification():
    from tracking.simulate import person_boxes
    from tracking.tracker import PlayerTracker

    cam = Camera(position=(0.0, -74.0, 22.0), focal=1900.0).look_at((0.0, 0.0, 0.0))
    H = cam.homography
    pt = PlayerTracker(segment_gap_s=0.5)
    for f in range(40):
        if 10 <= f < 30:  # undetected for 0.8 s
            pt.update(f, f * 0.04, np.zeros((0, 4)), np.zeros(0), np.zeros(0, str), H)
            continue
        box = person_boxes(cam, np.array([[0.01 * f, 0.0]]), np.array([1.8]))
        pt.update(f, f * 0.04, box, np.array([0.9]), np.array(["referee" if f < 10 else "player"]), H)
    tracks = pt.all_tracks()
    assert len(tracks) == 1  # re-identified online
    segs = tracks[0].segments
    assert [round(sg.t_start, 2) for sg in segs] == [0.0, 1.2]
    assert set(segs[0].votes) == {"referee"} and set(segs[1].votes) == {"player"}
    assert tracks[0].segment_at(1.3) is segs[1] and tracks[0].segment_at(0.2) is segs[0]
    assert set(tracks[0].votes) == {"referee", "player"}


def test_one_person_detected_under_two_classes_is_one_track():
    """Detectors suppress overlapping boxes per class only: a player also boxed as a referee must not start a
    second track; the kept box carries both classes' votes."""
    from dataclasses import replace

    from tracking.config import PlayerConfig
    from tracking.simulate import person_boxes
    from tracking.tracker import PlayerTracker

    cam = Camera(position=(0.0, -74.0, 22.0), focal=1900.0).look_at((0.0, 0.0, 0.0))
    H = cam.homography

    def run(cfg: PlayerConfig) -> list:
        pt = PlayerTracker(cfg)
        for f in range(20):
            box = person_boxes(cam, np.array([[0.05 * f, 0.0], [8.0, 3.0]]), np.array([1.8, 1.8]))
            dup = box[0] + np.array([1.0, 0.5, 0.0, 0.0])  # nearly the same box, other class, less confident
            pt.update(f, f * 0.04, np.vstack([box, dup]), np.array([0.8, 0.85, 0.7]),
                      np.array(["player", "player", "referee"]), H)
        return pt.all_tracks()

    tracks = run(PlayerConfig())
    assert len(tracks) == 2
    first = min(tracks, key=lambda tr: tr.id)
    assert first.votes["player"] == pytest.approx(0.8 * 20) and first.votes["referee"] == pytest.approx(0.7 * 20)
    assert len(run(replace(PlayerConfig(), dup_iou=1.0))) == 3  # without merging: a duplicate track


def test_ball_ignores_a_lone_far_candidate_and_reacquires_on_a_chain():
    from tracking import BallTracker

    H = Camera(position=(0.0, -74.0, 22.0), focal=1900.0).look_at((0.0, 0.0, 0.0)).homography
    bt = BallTracker()

    def box(xy):
        u, v = pitch_to_image(H, np.array([xy]))[0]
        return np.array([[u - 3, v - 6, u + 3, v]])

    frame = 0
    for k in range(10):  # rolling ball, then lost for 10 frames
        bt.update(frame, frame * 0.04, box((k * 0.3, 0.0)), np.array([0.8]), H)
        frame += 1
    for _ in range(10):
        bt.update(frame, frame * 0.04, np.zeros((0, 4)), np.zeros(0), H)
        frame += 1
    # one confident false ball 25 m away: not taken
    bt.update(frame, frame * 0.04, box((25.0, 10.0)), np.array([0.9]), H)
    frame += 1
    r = bt.records()
    assert r["prov"][-1] == 1 and np.hypot(*(r["xy"][-1] - [25.0, 10.0])) > 5
    # a chain of three candidates moving like a ball elsewhere: the track restarts on it, all three detected
    for k in range(3):
        bt.update(frame, frame * 0.04, box((-15.0 + 0.4 * k, 5.0)), np.array([0.7]), H)
        frame += 1
    r = bt.records()
    assert (r["prov"][-3:] == 0).all()
    np.testing.assert_allclose(r["xy"][-1], [-14.2, 5.0], atol=0.2)
    assert len(np.unique(r["frame"])) == len(r["frame"])


def _cut_scene(shots: bool) -> tuple[set[int], set[int]]:
    """A player on the main camera for 1 s, then a 1 s close-up (no usable homography) whose one person is boxed
    where the player was; returns the online track ids seen on each side of the cut."""
    import supervision as sv

    from tracking import MatchTracker
    from tracking.simulate import person_boxes

    cam = Camera(position=(0.0, -74.0, 22.0), focal=1900.0).look_at((0.0, 0.0, 0.0))
    H = cam.homography
    box = person_boxes(cam, np.array([[0.0, 0.0]]), np.array([1.8]))
    mt = MatchTracker(fps=25.0)
    for f in range(50):
        main = f < 25
        b = box if main else box + np.array([[-4.0, -30.0, 4.0, 2.0]])  # larger close-up box, IoU > 0.5
        det = sv.Detections(xyxy=b.astype(float), confidence=np.array([0.9]), class_id=np.array([0]),
                            data={"class_name": np.array(["player"], dtype=object)})
        mt.update(f, f * 0.04, det, homography=H if main else None, usable=main,
                  shot=("main" if main else "closeup") if shots else None)
    rec = mt.players.records()
    before = set(rec["track_id"][(rec["frame"] < 25) & (rec["prov"] == 0)].tolist())
    after = set(rec["track_id"][(rec["frame"] >= 25) & (rec["prov"] == 0)].tolist())
    return before, after


def test_tracks_end_at_a_cut_when_shot_types_are_given():
    before, after = _cut_scene(shots=True)
    assert len(before) == 1 and len(after) == 1 and before.isdisjoint(after)
    # without shot types the close-up box continues the main-camera track by image overlap
    before, after = _cut_scene(shots=False)
    assert before == after and len(before) == 1


def test_stitch_widens_the_reach_over_seconds_without_a_homography():
    from dataclasses import replace

    from tracking.config import OfflineConfig
    from tracking.offline import Tracklet, blind_series, stitch

    t = np.arange(0.0, 12.0, 0.04)
    usable = ~((t >= 2.0) & (t < 6.0))  # a 4 s cut-away
    bt, bc = blind_series(t, usable)
    assert bc[-1] == pytest.approx(4.0, abs=0.05) and np.all(np.diff(bc) >= 0)
    a = Tracklet(1, 0.0, 2.0, np.zeros(2), np.zeros(2), None, "player")
    b = Tracklet(2, 6.5, 9.0, np.array([18.0, 0.0]), np.zeros(2), None, "player")  # 18 m away 4.5 s later
    cfg = replace(OfflineConfig(), stitch_sigma_rate=4.0, stitch_max_speed=6.0)
    assert stitch([a, b], cfg, blind=(bt, bc))[2] == 2  # not linked: too far for the motion model
    assert stitch([a, b], replace(cfg, stitch_blind_rate=30.0), blind=(bt, bc))[2] == 1


def test_fill_positions_bridges_a_calibration_drop_out_within_one_track_only():
    from tracking.offline import DETECTED, INTERPOLATED, fill_positions

    t = np.r_[np.arange(10) * 0.04, np.arange(10) * 0.04]
    tid = np.r_[np.full(10, 1), np.full(10, 2)]
    xy = np.c_[np.arange(20, dtype=float), np.zeros(20)]
    xy[3:6] = np.nan  # track 1: a drop-out between frames 2 and 6
    xy[10:12] = np.nan  # track 2 starts without a position: nothing to interpolate from
    rows = {"t": t, "track_id": tid, "xy": xy, "prov": np.full(20, DETECTED, np.int8)}
    out = fill_positions(rows, max_gap_s=1.0)
    np.testing.assert_allclose(out["xy"][3:6, 0], [3.0, 4.0, 5.0])
    assert (out["prov"][3:6] == INTERPOLATED).all() and (out["prov"][:3] == DETECTED).all()
    assert np.isnan(out["xy"][10:12]).all() and np.isnan(rows["xy"][3:6]).all()
    assert np.isnan(fill_positions(rows, max_gap_s=0.1)["xy"][3:6]).all()  # longer than the limit


def test_stitch_lets_near_identical_shirts_overrule_the_detector_role():
    from dataclasses import replace

    from tracking.config import OfflineConfig
    from tracking.offline import Tracklet, stitch

    shirt = np.zeros(8, np.float32)
    shirt[2] = 1.0
    other = np.full(8, np.sqrt(1 / 8), np.float32)
    a = Tracklet(1, 0.0, 5.0, np.zeros(2), np.zeros(2), shirt, "player")
    b = Tracklet(2, 5.6, 9.0, np.array([0.8, 0.0]), np.zeros(2), shirt, "referee")  # same shirt, voted referee
    cfg = OfflineConfig()
    assert stitch([a, b], cfg)[2] == 1
    assert stitch([a, b], replace(cfg, stitch_role_app=0.0))[2] == 2  # roles decide alone
    c = Tracklet(2, 5.6, 9.0, np.array([0.8, 0.0]), np.zeros(2), other, "referee")  # another shirt: kept apart
    assert stitch([a, c], replace(cfg, stitch_max_app=1.0))[2] == 2


def test_people_cut_by_the_bottom_edge_are_placed_from_the_top_of_their_box():
    from cv.calibration.camera_fit import camera_from_homography
    from tracking.projection import heads_to_pitch

    cam = Camera(position=(0.0, -45.0, 16.0), focal=1400.0, width=1280, height=720).look_at((0.0, -20.0, 0.0))
    H = cam.homography
    people = np.array([[-3.0, -30.8], [2.0, -31.0], [6.0, -30.6]])
    feet, _ = cam.project(np.c_[people, np.zeros(3)])
    heads, _ = cam.project(np.c_[people, np.full(3, 1.8)])
    assert (feet[:, 1] > 720).all() and (heads[:, 1] < 700).all()  # feet below the picture, heads in it
    boxes = np.c_[heads[:, 0] - 15, heads[:, 1], heads[:, 0] + 15, np.full(3, 720.0)]  # cut at the bottom edge
    naive = image_to_pitch(H, np.c_[(boxes[:, 0] + boxes[:, 2]) / 2, boxes[:, 3]])
    assert (np.linalg.norm(naive - people, axis=1) > 0.5).all()  # the cut foot point is well off
    fitted = camera_from_homography(H, 1280, 720)
    got = heads_to_pitch(H, boxes, np.asarray(fitted.position), 1.8)
    assert np.abs(got - people).max() < 0.05
    # a wrong height costs in proportion: 10 cm on a 16 m high camera shifts the person by a fraction of a metre
    off = heads_to_pitch(H, boxes, np.asarray(fitted.position), 1.9)
    assert 0.05 < np.abs(off - people).max() < 0.6
    # a top above the horizon gives no position
    sky = np.array([[600.0, -1000.0, 630.0, 720.0]])
    assert np.isnan(heads_to_pitch(H, sky, np.asarray(fitted.position), 1.8)).all()


def test_standing_heights_come_from_whole_boxes_through_the_fitted_camera():
    from cv.calibration.camera_fit import camera_from_homography
    from tracking.stature import statures

    cam = Camera(position=(10.0, -48.0, 18.0), focal=1600.0, width=1280, height=720).look_at((5.0, 0.0, 0.0))
    people = np.array([[-8.0, -10.0], [5.0, 0.0], [14.0, 12.0]])
    tall = np.array([1.66, 1.79, 1.93])
    feet, _ = cam.project(np.c_[people, np.zeros(3)])
    heads, _ = cam.project(np.c_[people, tall])
    boxes = np.c_[feet[:, 0] - 8, heads[:, 1], feet[:, 0] + 8, feet[:, 1]]
    fitted = camera_from_homography(cam.homography, 1280, 720)
    got = statures(cam.homography, boxes, fitted.P)
    assert np.abs(got - tall).max() < 0.01
    # a box one pixel taller reads a little taller, in proportion to how far away the person stands
    assert (statures(cam.homography, boxes + [0, -1, 0, 0], fitted.P) > got).all()
    # a top not above the feet gives no height
    odd = np.array([[600.0, 500.0, 630.0, 400.0], [600.0, 500.0, 630.0, 500.0]])
    assert np.isnan(statures(cam.homography, odd, fitted.P)).all()


def test_relative_heights_need_whole_figures_and_company():
    from tracking.stature import histogram_median, relative_statures, stature_bins

    cam = Camera(position=(0.0, -40.0, 14.0), focal=2400.0, width=1280, height=720).look_at((0.0, 0.0, 0.0))
    people = np.array([[-6.0, -2.0], [-2.0, 3.0], [2.0, -3.0], [6.0, 2.0], [0.0, 6.0]])
    tall = np.array([1.70, 1.80, 1.85, 1.75, 1.95])
    feet, _ = cam.project(np.c_[people, np.zeros(5)])
    heads, _ = cam.project(np.c_[people, tall])
    boxes = np.c_[feet[:, 0] - 15, heads[:, 1], feet[:, 0] + 15, feet[:, 1]]
    r = relative_statures(cam.homography, boxes, (720, 1280), min_people=3, min_px=40)
    assert np.allclose(r, tall / np.median(tall), atol=0.005)
    # a box that touches another, one cut by the picture's edge and one too small hold no whole figure
    odd = boxes.copy()
    odd[1, 0] = odd[0, 2] - 2  # touches box 0
    odd[4, 3] = 720.0
    odd[3, 1] = odd[3, 3] - 30
    r = relative_statures(cam.homography, odd, (720, 1280), min_people=1, min_px=40)
    assert np.isfinite(r[2]) and np.isnan(r[[0, 1, 3, 4]]).all()
    # too few whole figures in the frame: no heights at all
    assert np.isnan(relative_statures(cam.homography, odd, (720, 1280), min_people=2, min_px=40)).all()
    # the median of a histogram of relative heights
    h = np.bincount(stature_bins(np.array([0.9, 0.97, 0.99, 1.01, 1.02, 1.1])), minlength=60)
    m, n = histogram_median(h)
    assert n == 6 and 0.99 <= m <= 1.01
    assert np.isnan(histogram_median(None)[0]) and histogram_median(np.zeros(60))[1] == 0


def test_reid_embeddings_are_sampled_into_the_track_segments(tmp_path):
    """With a re-identification model, the frames where shirt colours are sampled also embed the boxes, and each
    segment keeps the mean embedding (unit length) and its sample count; without one, none."""
    from cv.reid import CropGeometry, ReidEmbedder, build_net, save_model
    from tracking.tracker import PlayerTracker

    geo = CropGeometry(height=16, width=8, dim=6, min_box_h=20.0)
    emb = ReidEmbedder(save_model(build_net(geo), tmp_path / "reid.pt", geo))
    img = np.zeros((200, 300, 3), np.uint8)
    img[:] = (40, 130, 50)
    img[50:110, 100:125] = (0, 0, 200)
    for model, want in ((emb, True), (None, False)):
        tr = PlayerTracker(app_every=2, reid=model)
        for f in range(12):
            box = np.array([[100.0 + f, 50.0, 125.0 + f, 110.0]])
            tr.update(f, f / 25, box, np.array([0.9]), np.array(["player"]), None, image=img)
        seg = tr.all_tracks()[0].segments[-1]
        assert (seg.reid is not None) == want
        if want:
            assert seg.reid_n >= 4 and abs(float(np.linalg.norm(seg.reid)) - 1.0) < 1e-5
