"""The cheaper computations of the calibration give the numbers of the plain ones."""

from __future__ import annotations

import cv2
import numpy as np

from cv.calibration.init import initialise
from cv.calibration.lines import _grad, bilinear, dist_and_grad, line_evidence, resize_matrix
from cv.calibration.verify import _marking_samples, agreement, model_mask
from cv.camera import Camera
from cv.pitch import DEFAULT_PITCH
from tests.cv.calib_render import render

W, H = 960, 540


def _evidence(cam: Camera, seed: int):
    img, Ht, boxes = render(cam, seed=seed)
    small = cv2.resize(img, (640, 360), interpolation=cv2.INTER_AREA)
    return line_evidence(small), resize_matrix(640 / W, 360 / H) @ Ht


def _reference_mask(Hm: np.ndarray, shape: tuple[int, int], thickness: int) -> np.ndarray:
    """The projected markings drawn point run by point run, one marking at a time."""
    h, w = shape
    out = np.zeros(shape, np.uint8)
    pts, ids = _marking_samples(DEFAULT_PITCH)
    p = np.hstack([pts, np.ones((len(pts), 1))]) @ Hm.T
    for k in np.unique(ids):
        run: list[np.ndarray] = []
        for q in p[ids == k]:
            uv = q[:2] / q[2] if q[2] > 1e-9 else None
            if uv is not None and abs(uv[0] - w / 2) < 4 * w and abs(uv[1] - h / 2) < 4 * h:
                run.append(np.round(uv * 4).astype(np.int32))
                continue
            if len(run) >= 2:
                cv2.polylines(out, [np.array(run)], False, 255, thickness, cv2.LINE_8, shift=2)
            run = []
        if len(run) >= 2:
            cv2.polylines(out, [np.array(run)], False, 255, thickness, cv2.LINE_8, shift=2)
    return out


def test_distance_and_gradient_in_one_gather_equal_separate_samplings():
    cam = Camera(position=(2.0, -80.0, 22.0), width=W, height=H, focal=1300.0).look_at((25.0, 4.0, 0.0))
    ev, _ = _evidence(cam, seed=1)
    rng = np.random.default_rng(0)
    uv = np.column_stack([rng.uniform(1.0, 638.0, 4000), rng.uniform(1.0, 358.0, 4000)])
    r, gx, gy = dist_and_grad(ev, uv)
    ref_gx, ref_gy = _grad(ev.dist, uv)
    assert np.any(ref_gx != 0) and np.any(ref_gy != 0)
    np.testing.assert_array_equal(r, bilinear(ev.dist, uv))
    np.testing.assert_array_equal(gx, ref_gx)
    np.testing.assert_array_equal(gy, ref_gy)


def test_model_mask_equals_drawing_run_by_run_and_agreement_uses_it():
    cam = Camera(position=(0.0, -60.0, 18.0), width=640, height=360, focal=700.0)
    shape = (360, 640)
    for target in [(0.0, 0.0, 0.0), (40.0, 10.0, 0.0), (-52.0, -30.0, 0.0), (0.0, 60.0, 30.0)]:
        # the last one looks over the pitch: markings behind the camera split the runs
        Hm = cam.look_at(target).homography
        Hm = Hm / Hm[2, 2]
        for thickness in (4, 17):
            ref = _reference_mask(Hm, shape, thickness)
            np.testing.assert_array_equal(model_mask(Hm, shape, thickness=thickness), ref)
    ev, Hs = _evidence(Camera(position=(2.0, -80.0, 22.0), width=W, height=H, focal=1300.0).look_at((25.0, 4.0, 0.0)),
                       seed=1)
    a = agreement(Hs, ev, tol_px=1.5)
    on = cv2.countNonZero(cv2.bitwise_and(ev.lines, _reference_mask(Hs, ev.shape, 4)))
    assert a.recall == on / a.evidence and a.recall > 0.5


def test_aligning_only_the_most_similar_poses_finds_the_same_camera():
    cam = Camera(position=(3.0, -75.0, 20.0), width=W, height=H, focal=1100.0).look_at((30.0, 2.0, 0.0))
    ev, _ = _evidence(cam, seed=4)
    full = initialise(ev, k=10)
    top = initialise(ev, k=10, refine_top=5)
    assert full is not None and top is not None
    np.testing.assert_allclose(top.refined.H, full.refined.H)
    assert top.agreement.f1 == full.agreement.f1 and top.agreement.f1 > 0.75
    assert len(top.poses) == 5 and len(full.poses) >= 5
