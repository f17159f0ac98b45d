"""The final camera fit recovers a known broadcast camera, radial distortion included, from a rendered frame."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from cv.calibration.camera_fit import camera_from_homography, fit_camera, line_distances
from cv.calibration.lines import boxes_mask, line_evidence
from cv.camera import Camera
from tests.cv.calib_render import render


def _distort(img: np.ndarray, cam: Camera) -> np.ndarray:
    """The frame a lens with ``cam.k1`` would see: each output pixel samples its undistorted position."""
    h, w = img.shape[:2]
    v, u = np.mgrid[0:h, 0:w].astype(np.float64)
    xd, yd = (u - w / 2) / cam.focal, (v - h / 2) / cam.focal
    xn, yn = xd.copy(), yd.copy()
    for _ in range(20):
        d = 1 + cam.k1 * (xn * xn + yn * yn)
        xn, yn = xd / d, yd / d
    mx = (cam.focal * xn + w / 2).astype(np.float32)
    my = (cam.focal * yn + h / 2).astype(np.float32)
    return cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _reprojection_px(a: Camera, b: Camera) -> np.ndarray:
    """Pixel distance between the two cameras' images of pitch points that ``a`` sees."""
    g = np.stack(np.meshgrid(np.arange(-52.5, 52.6, 2.5), np.arange(-34, 34.1, 2.0)), -1).reshape(-1, 2)
    ua, za = a.ground_to_image(g)
    ub, _ = b.ground_to_image(g)
    ok = (za > 0) & (ua[:, 0] >= 0) & (ua[:, 0] < a.width) & (ua[:, 1] >= 0) & (ua[:, 1] < a.height)
    return np.linalg.norm(ua[ok] - ub[ok], axis=1)


@pytest.mark.parametrize("k1", [-0.08, 0.0])
def test_fit_recovers_camera_with_distortion(k1: float) -> None:
    truth = Camera(position=(-8.0, -72.0, 24.0), focal=620.0, width=640, height=360, k1=k1).look_at((22.0, 4.0, 0.0))
    img, _, boxes = render(truth.with_(k1=0.0), seed=3, players=10)
    img = _distort(img, truth) if k1 else img
    ev = line_evidence(img, players=boxes_mask(img.shape[:2], boxes, 1.0))
    start = truth.with_(pan=truth.pan + np.radians(2.0), tilt=truth.tilt - np.radians(2.0),
                        roll=np.radians(0.5), focal=truth.focal * 1.1, k1=0.0)
    before = _reprojection_px(truth, start)
    assert np.median(before) > 15  # the start is well off the lines
    fit = fit_camera(start, ev.lines, ev.field, ev.players)
    err = _reprojection_px(truth, fit.camera)
    assert len(err) > 50
    assert np.median(err) < 2.0 and np.percentile(err, 90) < 3.0, (np.median(err), fit.camera)
    assert abs(fit.camera.k1 - k1) < 0.03
    d = line_distances(fit.camera, ev.lines, ev.field, ev.players)
    assert d["model_median"] < 1.5 and d["model_within_2px"] > 0.7


def test_camera_from_homography_round_trip() -> None:
    cam = Camera(position=(5.0, -80.0, 21.0), roll=np.radians(1.0), focal=900.0, width=960, height=540)
    cam = cam.look_at((10.0, 0.0, 0.0)).with_(roll=np.radians(1.0))
    back = camera_from_homography(cam.homography, 960, 540)
    assert back is not None
    assert np.allclose(back.position, cam.position, atol=1e-3)
    assert np.allclose([back.pan, back.tilt, back.roll, back.focal], [cam.pan, cam.tilt, cam.roll, cam.focal],
                       atol=1e-4, rtol=1e-5)
