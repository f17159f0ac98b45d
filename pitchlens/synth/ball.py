"""The ball: a shaded disc of 22 cm at its 3D position, and its shadow on the grass."""

from __future__ import annotations

import cv2
import numpy as np

from cv.camera import Camera
from pitchlens.synth.geometry import NEAR, cam_to_px, to_cam

BALL_RADIUS = 0.11


def ball_shadow(cam: Camera, xyz: np.ndarray) -> tuple[np.ndarray, float] | None:
    """The ball's shadow straight below it: an ellipse polygon and its strength (fainter when high)."""
    a = np.linspace(0, 2 * np.pi, 10, endpoint=False)
    r = BALL_RADIUS * (1 + 0.15 * xyz[2])
    pts = np.stack([xyz[0] + r * np.cos(a), xyz[1] + r * np.sin(a), 0 * a], axis=1)
    pc = to_cam(cam, pts)
    if (pc[:, 2] <= NEAR).any():
        return None
    return cam_to_px(cam, pc), float(0.5 / (1 + 0.5 * max(xyz[2] - BALL_RADIUS, 0)))


def draw_ball(img: np.ndarray, ids: np.ndarray, id_value: int, cam: Camera, xyz: np.ndarray,
              color: tuple[int, int, int] = (235, 235, 235), trail: np.ndarray | None = None) -> int:
    """Draw the ball centred at world ``xyz``; paints ``id_value`` into ``ids``; returns the pixels drawn.

    ``trail``: where the ball was when the shutter opened; a fast ball is drawn as a translucent streak.
    """
    pc = to_cam(cam, np.atleast_2d(xyz))
    if pc[0, 2] <= NEAR:
        return 0
    c = cam_to_px(cam, pc)[0]
    r = BALL_RADIUS * cam.focal / pc[0, 2]
    h, w = img.shape[:2]
    if trail is not None and np.isfinite(trail).all():
        pt = to_cam(cam, np.atleast_2d(trail))
        if pt[0, 2] > NEAR:
            c0 = cam_to_px(cam, pt)[0]
            if np.linalg.norm(c - c0) > max(2.0, r):
                return _streak(img, ids, id_value, c0, c, r, color)
    if c[0] < -r - 2 or c[1] < -r - 2 or c[0] > w + r + 2 or c[1] > h + r + 2:
        return 0
    S = 8
    rr = max(int(round(max(r, 0.8) * S)), 4)
    x0, y0 = max(int(c[0] - r) - 2, 0), max(int(c[1] - r) - 2, 0)
    x1, y1 = min(int(c[0] + r) + 3, w), min(int(c[1] + r) + 3, h)
    if x1 <= x0 or y1 <= y0:
        return 0
    roi = img[y0:y1, x0:x1]
    mask = np.zeros(roi.shape[:2], np.uint8)
    cc = (int(round((c[0] - x0) * S)), int(round((c[1] - y0) * S)))
    cv2.circle(mask, cc, rr, 255, -1, cv2.LINE_8, 3)
    if not mask.any():
        cv2.circle(mask, (cc[0] // S, cc[1] // S), 0, 255, -1)
    cv2.circle(roi, cc, rr, color, -1, cv2.LINE_8, 3)
    if r > 3:  # shading on the lower side and a panel or two
        dark = tuple(int(v * 0.7) for v in color)
        cv2.ellipse(roi, (cc[0], cc[1] + rr // 3), (rr * 3 // 4, rr // 2), 0, 0, 180, dark, -1, cv2.LINE_8, 3)
        cv2.circle(roi, (cc[0] - rr // 3, cc[1] - rr // 4), max(rr // 4, 1), (40, 40, 40), -1, cv2.LINE_8, 3)
    sel = mask > 0
    ids[y0:y1, x0:x1][sel] = id_value
    return int(sel.sum())


def _streak(img: np.ndarray, ids: np.ndarray, id_value: int, c0: np.ndarray, c1: np.ndarray, r: float,
            color: tuple[int, int, int]) -> int:
    """A motion-blurred ball: a capsule from ``c0`` to ``c1``, fainter the longer it is."""
    h, w = img.shape[:2]
    lo, hi = np.minimum(c0, c1) - r - 2, np.maximum(c0, c1) + r + 3
    x0, y0 = max(int(lo[0]), 0), max(int(lo[1]), 0)
    x1, y1 = min(int(hi[0]), w), min(int(hi[1]), h)
    if x1 <= x0 or y1 <= y0:
        return 0
    S = 8
    roi = img[y0:y1, x0:x1]
    mask = np.zeros(roi.shape[:2], np.uint8)
    p0 = (int(round((c0[0] - x0) * S)), int(round((c0[1] - y0) * S)))
    p1 = (int(round((c1[0] - x0) * S)), int(round((c1[1] - y0) * S)))
    cv2.line(mask, p0, p1, 255, max(1, int(round(2 * max(r, 0.7)))), cv2.LINE_8, 3)
    sel = mask > 0
    if not sel.any():
        return 0
    length = float(np.linalg.norm(c1 - c0))
    a = float(np.clip(2 * r / max(length, 1e-6) + 0.3, 0.4, 1.0))
    roi[sel] = (roi[sel] * (1 - a) + np.array(color, np.float32) * a).astype(np.uint8)
    ids[y0:y1, x0:x1][sel] = id_value
    return int(sel.sum())
