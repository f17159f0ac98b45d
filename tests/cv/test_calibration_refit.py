"""The full camera fit behind a rejected search from nothing: it recovers a camera from a poor pose, and it never
makes a frame without a pitch usable (nor runs on every frame of one)."""

from __future__ import annotations

import cv2
import numpy as np

from cv.calibration import CalibrationConfig, build_calibrator, dictionary
from cv.calibration.init import initialise, refit
from cv.calibration.lines import boxes_mask, line_evidence
from cv.camera import Camera
from tests.cv.calib_render import error_m, render

W, H = 640, 360


def test_refit_recovers_the_camera_from_a_poor_pose():
    truth = Camera(position=(4.0, -68.0, 22.0), width=W, height=H, focal=700.0).look_at((-18.0, 6.0, 0.0))
    img, Ht, boxes = render(truth, seed=6, players=8)
    ev = line_evidence(img, players=boxes_mask(img.shape[:2], boxes, 1.0))
    ir = initialise(ev, k=3)
    assert ir is not None and len(ir.poses) >= 1
    # a pose 5 m too close and 1 m too low, panned 1.5 and tilted 1 degree off, 5 % too wide
    x, y, z = truth.position
    bad = np.array([x + 2.0, y + 5.0, z - 1.0, truth.pan + np.radians(1.5), truth.tilt - np.radians(1.0),
                    truth.hfov * 1.05])
    ir.poses = [bad]
    assert np.median(error_m(Ht, dictionary.pose_homography(bad, W, H), W, H)) > 1.0  # the pose alone is well off
    fr = refit(ir, ev, starts=1, max_nfev=30)
    assert fr is not None
    err = error_m(Ht, fr.refined.H, W, H)
    assert np.median(err) < 0.3 and np.percentile(err, 95) < 0.6, (np.median(err), np.percentile(err, 95))
    # and it would pass the checks of a camera found from nothing
    cfg = CalibrationConfig()
    assert fr.plausible and fr.camera_gap < 1.0
    assert fr.agreement.f1 >= cfg.init_min_f1 and fr.refined.inliers >= cfg.min_inliers


def _not_a_pitch(seed: int = 0) -> np.ndarray:
    """Striped, noisy grass crossed by white lines that no pitch has (random chords and a skewed ellipse)."""
    rng = np.random.default_rng(seed)
    img = np.zeros((720, 1280, 3), np.float32)
    img[:] = (40, 120, 50)
    img[:, (np.arange(1280) // 90) % 2 == 1] *= 1.08
    img += rng.normal(0, 5, (180, 320, 1)).repeat(4, 0).repeat(4, 1)
    img = np.clip(img, 0, 255).astype(np.uint8)
    for _ in range(7):
        p, q = rng.uniform((0, 0), (1280, 720), (2, 2)).astype(int)
        cv2.line(img, tuple(map(int, p)), tuple(map(int, q)), (235, 238, 235), 3, cv2.LINE_AA)
    cv2.ellipse(img, (700, 400), (260, 60), 17, 0, 300, (235, 238, 235), 3, cv2.LINE_AA)
    return cv2.GaussianBlur(img, (3, 3), 0.6)


def test_fallback_never_calibrates_a_frame_without_a_pitch_and_backs_off():
    img = _not_a_pitch(1)
    cal = build_calibrator(CalibrationConfig(fit_every=10))
    off = build_calibrator(CalibrationConfig(fit_every=0))
    usable, searches, fits = [], [], []
    for i in range(60):
        n_search, n_fit = cal.search_fails, cal.fit_fails
        res = cal.update(img, frame=i, t=i / 25)
        assert res.shot == "main"  # grass and lines: the camera is looked for
        usable.append(res.usable)
        usable.append(off.update(img, frame=i, t=i / 25).usable)
        if cal.search_fails > n_search:
            searches.append(i)
        if cal.fit_fails > n_fit:
            fits.append(i)
    assert not any(usable)
    # the fit ran (its searches were rejected), but backed off: at frames 0, 21 and 45 at most (waits 10, 20, 40)
    assert 1 <= cal.fit_fails <= 3, cal.fit_fails
    # each fit followed a rejected search on its frame, never sooner than the doubling wait after the last one
    assert fits[0] == searches[0] == 0 and set(fits) <= set(searches), (fits, searches)
    assert all(b - a >= 10 * 2**k for k, (a, b) in enumerate(zip(fits, fits[1:]))), fits
    assert len(fits) < len(searches), (fits, searches)
    # fit_every 0: the same searches were made and rejected, and no full fit followed any of them
    assert off.search_fails == cal.search_fails >= 1 and off.fit_fails == 0, (off.search_fails, cal.search_fails)
