"""Calibration on rendered frames with exact homographies: recovery, drift, cuts, non-pitch frames, manual errors."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from cv.calibration import CalibrationConfig, build_calibrator
from cv.calibration.init import INIT_TAUS
from cv.calibration.lines import line_evidence, refine, resize_matrix
from cv.calibration.manual import manual_homography
from cv.camera import Camera
from cv.errors import SettingsError as ConfigError
from tests.cv.calib_render import crowd_frame, error_m, graphics_frame, render

W, H = 960, 540


def test_refine_recovers_known_homography():
    c = Camera(position=(2.0, -80.0, 22.0), width=W, height=H, focal=1300.0).look_at((25.0, 4.0, 0.0))
    img, Ht, boxes = render(c, seed=1)
    small = cv2.resize(img, (640, 360), interpolation=cv2.INTER_AREA)
    S = resize_matrix(640 / W, 360 / H)
    ev = line_evidence(small, players=None)
    Hs = S @ Ht
    start = np.array([[1.01, 0.004, 6.0], [-0.003, 0.99, -5.0], [0.0, 0.0, 1.0]]) @ Hs
    assert np.median(error_m(Hs, start, 640, 360)) > 0.8  # the start is clearly off
    r = refine(start / start[2, 2], ev, taus=INIT_TAUS)
    err = error_m(Hs, r.H, 640, 360)
    assert np.median(err) < 0.15 and np.percentile(err, 95) < 0.5
    assert r.inliers > 100


def test_manual_points_give_the_homography_and_bad_points_a_clear_error():
    c = Camera(position=(0.0, -70.0, 18.0), width=W, height=H, focal=1200.0).look_at((0.0, 0.0, 0.0))
    xy = np.array([[-20.0, -20.0], [20.0, -20.0], [20.0, 20.0], [-20.0, 20.0], [0.0, 0.0]])
    uv, _ = c.ground_to_image(xy)
    Hm, rms = manual_homography(np.hstack([uv, xy]).tolist())
    assert rms < 1e-3
    assert np.allclose(Hm, c.homography / c.homography[2, 2], atol=1e-5 * np.abs(Hm).max())
    with pytest.raises(ConfigError, match="at least 4"):
        manual_homography(np.hstack([uv, xy])[:3].tolist())
    line = np.array([[0.0, 0.0], [5.0, 0.0], [10.0, 0.0], [20.0, 0.0]])
    uvl, _ = c.ground_to_image(line)
    with pytest.raises(ConfigError, match="collinear"):
        manual_homography(np.hstack([uvl, line]).tolist())
    with pytest.raises(ConfigError, match="manual_points"):
        build_calibrator(CalibrationConfig(method="manual", manual_points=None))


def test_crowd_and_graphics_frames_are_flagged_not_calibrated():
    cal = build_calibrator(CalibrationConfig())
    for i, img in enumerate([crowd_frame(W, H), graphics_frame(W, H)]):
        res = cal.update(img, frame=i, t=i / 25)
        assert res.shot == "other"
        assert res.H is None and not res.usable
        assert res.row()["homography"] is None


def _pan(n: int, start: float, stop: float) -> list[Camera]:
    base = Camera(position=(2.0, -80.0, 22.0), width=W, height=H, focal=1500.0)
    return [base.look_at((float(x), 6.0, 0.0)) for x in np.linspace(start, stop, n)]


def test_drift_over_a_long_pan_stays_bounded_and_a_cut_resets():
    cams = _pan(60, -35.0, 35.0)
    cal = build_calibrator(CalibrationConfig(refine_every=2))
    rng = np.random.default_rng(3)
    errs = []
    for i, c in enumerate(cams):
        img, Ht, boxes = render(c, seed=2, rng=rng)
        hint = Ht @ np.array([[1.0, 0.0, 1.0], [0.0, 1.0, -1.0], [0.0, 0.0, 1.0]]) if i == 0 else None
        res = cal.update(img, frame=i, t=i / 25, boxes=boxes, hint_H=hint)
        assert res.shot == "main" and res.H is not None
        errs.append(np.median(error_m(Ht, res.H, W, H)))
    errs = np.array(errs)
    assert errs[0] < 0.3
    # 70 m of pan: the error at the end is as small as at the start (no accumulated drift)
    assert errs[-10:].max() < 0.5 and np.median(errs) < 0.3
    # a hard cut to the crowd and back: the old camera is forgotten, the next main frame is found anew
    res = cal.update(crowd_frame(W, H), frame=60, t=60 / 25)
    assert res.H is None and res.shot == "other"
    assert cal.H is None
    img, Ht, boxes = render(_pan(1, -30.0, -30.0)[0], seed=2, rng=rng)
    res = cal.update(img, frame=61, t=61 / 25, boxes=boxes, hint_H=Ht)
    assert res.H is not None and np.median(error_m(Ht, res.H, W, H)) < 0.3


def test_config_rejects_unknown_keys_and_methods():
    with pytest.raises(ConfigError, match="calibration.bogus"):
        CalibrationConfig.from_dict({"bogus": 1})
    with pytest.raises(ConfigError, match="calibration.method"):
        CalibrationConfig.from_dict({"method": "magic"})


def test_dictionary_search_finds_a_rendered_camera_from_nothing():
    c = Camera(position=(3.0, -75.0, 20.0), width=W, height=H, focal=1100.0).look_at((30.0, 2.0, 0.0))
    img, Ht, boxes = render(c, seed=4)
    res = build_calibrator(CalibrationConfig()).update(img, frame=0, t=0.0, boxes=boxes)
    assert res.shot == "main" and res.H is not None and res.usable
    err = error_m(Ht, res.H, W, H)
    assert np.median(err) < 0.5 and np.percentile(err, 95) < 1.5


def test_camera_position_and_bank_poses():
    from cv.calibration.dictionary import camera_from_homography, camera_gap, get_bank

    c = Camera(position=(-4.0, -70.0, 18.0), width=W, height=H, focal=900.0).look_at((-20.0, 5.0, 0.0))
    pos, f = camera_from_homography(c.homography, W, H)
    assert np.allclose(pos, c.position, atol=1e-6) and abs(f - 900.0) < 1e-6
    assert camera_gap(c.homography, W, H) < 1e-6
    # a stretched homography is no real camera
    assert camera_gap(np.diag([1.08, 1.0, 1.0]) @ c.homography, W, H) > 10
    bank = get_bank(64, 36)
    assert len(bank.feats) > 10000 and np.allclose(np.linalg.norm(bank.feats[:50], axis=1), 1.0, atol=1e-4)
    assert (bank.params[~bank.end, 1] < -34).all()  # main cameras behind the near touchline
    assert (np.abs(bank.params[bank.end, 0]) > 52.5).all() and bank.end.sum() > 500  # replay cameras behind a goal


def test_a_wrong_camera_is_not_flagged_usable():
    cams = _pan(12, -10.0, 0.0)
    cal = build_calibrator(CalibrationConfig(refine_every=1))
    off = np.array([[1.0, 0.0, 6.0], [0.0, 1.0, 4.0], [0.0, 0.0, 1.0]])  # 6 m / 4 m off: outside any basin
    rng = np.random.default_rng(5)
    for i, c in enumerate(cams):
        img, Ht, boxes = render(c, seed=2, rng=rng)
        res = cal.update(img, frame=i, t=i / 25, boxes=boxes, hint_H=Ht @ off if i == 0 else None)
        if res.usable:
            assert np.median(error_m(Ht, res.H, W, H)) < 1.0


def test_unsure_boxes_do_not_hide_the_lines():
    c = Camera(position=(2.0, -80.0, 22.0), width=W, height=H, focal=1300.0).look_at((25.0, 4.0, 0.0))
    img, Ht, _ = render(c, seed=1)
    big = np.array([[W * 0.02, H * 0.3, W * 0.98, H * 0.58]])  # one wide box over much of the painted lines

    def inliers(conf: float) -> int:
        cal = build_calibrator(CalibrationConfig(person_min_conf=0.3))
        res = cal.update(img, frame=0, t=0.0, boxes=big, hint_H=Ht, confidences=np.array([conf]))
        return int(res.row()["calib_inliers"] or 0)

    unsure, confident = inliers(0.12), inliers(0.9)
    assert unsure > 2 * max(confident, 1)  # a confident box is masked as a person, an unsure one is not
