"""Joint camera-position estimate over several frames (cv.calibration.bundle)."""

from __future__ import annotations

import cv2
import numpy as np

from cv.calibration.bundle import joint_position
from cv.calibration.lines import line_evidence, model_points, resize_matrix
from cv.camera import Camera
from tests.cv.calib_render import error_m, render

W, H = 960, 540
POS = np.array([2.0, -78.0, 30.0])


def _frames(targets: list[tuple[float, float]], focal: float) -> tuple[list, list]:
    S = resize_matrix(640 / W, 360 / H)
    evs, truth = [], []
    for k, (x, y) in enumerate(targets):
        c = Camera(position=tuple(POS), width=W, height=H, focal=focal).look_at((x, y, 0.0))
        img, Ht, _ = render(c, seed=3 + k, players=0)
        evs.append(line_evidence(cv2.resize(img, (640, 360), interpolation=cv2.INTER_AREA), tau=100.0))
        Hw = S @ Ht
        truth.append(Hw / Hw[2, 2])
    return evs, truth


def test_a_position_too_close_along_the_view_is_pulled_back_by_several_frames():
    # narrow views with different pans; each starts from the camera 12 m too close along the viewing direction
    # that best reproduces its true homography (what a single-frame fit leaves)
    evs, truth = _frames([(-14.0, 4.0), (0.0, 6.0), (14.0, 4.0), (30.0, 0.0), (-30.0, 2.0), (4.0, -6.0)], 1900.0)
    wrong = POS - 12.0 * POS / np.linalg.norm(POS)
    mp = model_points()
    start = joint_position(list(zip(truth, evs, strict=True)), wrong, mp, taus=(), ridge_iters=0)
    assert np.allclose(start.position, wrong)
    before = [np.median(error_m(Ht, r.H, 640, 360, step=1.0)) for Ht, r in zip(truth, start.results, strict=True)]
    fit = joint_position([(r.H, e) for r, e in zip(start.results, evs, strict=True)], wrong, mp,
                         prior_weights=(0.0, 0.0, 0.0))
    after = [np.median(error_m(Ht, r.H, 640, 360, step=1.0)) for Ht, r in zip(truth, fit.results, strict=True)]
    assert np.median(before) > 0.4
    assert np.linalg.norm(fit.position - POS) < 2.0
    assert max(after) < 0.1


def test_a_position_prior_pulls_the_camera_while_the_lines_stay_aligned():
    # the prior moves the camera along what one narrow view leaves free (the distance along the viewing direction),
    # not across it (x is fixed by the lines), and the frame's lines stay explained
    evs, truth = _frames([(0.0, 6.0)], 1900.0)
    centre = np.array([-6.0, -60.0, 0.0])
    fit = joint_position([(truth[0], evs[0])], POS, model_points(), prior_weights=(1.0, 1.0, 0.0),
                         prior_centre=centre)
    assert fit.position[1] - POS[1] > 5.0
    assert abs(fit.position[0] - POS[0]) < 1.0
    assert fit.results[0].inliers >= 0.95 * fit.results[0].points


def test_a_position_found_on_views_looking_one_way_is_corrected_by_views_along_other_directions():
    # the camera was found on a narrow view 30 m too far back along it (zoomed in to match), and the first
    # joint estimate, over frames that all looked the same way, kept it there. Once the camera pans, the views
    # along other directions fix the position, and the homographies follow
    from cv.calibration import CalibrationConfig, build_calibrator

    focal = 2600.0
    xs = np.r_[np.linspace(-6.0, -5.0, 12), np.linspace(-5.0, 30.0, 72)]
    target = np.array([xs[0], 4.0, 0.0])
    back = POS + 30.0 * (POS - target) / np.linalg.norm(POS - target)
    scale = np.linalg.norm(back - target) / np.linalg.norm(POS - target)
    far = Camera(position=tuple(back), width=W, height=H, focal=focal * scale).look_at(tuple(target))
    cal = build_calibrator(CalibrationConfig())
    rng = np.random.default_rng(4)
    errs = {}
    for i, x in enumerate(xs):
        img, Ht, boxes = render(Camera(position=tuple(POS), width=W, height=H, focal=focal).look_at((x, 4.0, 0.0)),
                                seed=5, rng=rng)
        res = cal.update(img, frame=i, t=i / 25, boxes=boxes, hint_H=Ht if i == 0 else None)
        cal.revisions()
        if i == 0:  # as a search from nothing and a first joint estimate on views looking one way may leave it
            Hw = resize_matrix(640 / W, 360 / H) @ far.homography
            cal.camera_position, cal.H, cal.settle = back, Hw / Hw[2, 2], None
        if res.usable:
            errs[i] = float(np.median(error_m(Ht, res.H, W, H)))
    assert np.linalg.norm(cal.camera_position - POS) < 2.0
    assert len(errs) == len(xs)
    assert max(errs[i] for i in range(len(xs) - 30, len(xs))) < 0.1
