"""A fixed camera calibrated from four or more image <-> pitch correspondences given in the config."""

from __future__ import annotations

import cv2
import numpy as np

from cv.errors import SettingsError as ConfigError


def manual_homography(points: list[list[float]] | np.ndarray | None, key: str = "calibration.manual_points",
                      min_spread_m: float = 1.0) -> tuple[np.ndarray, float]:
    """The homography (pitch m -> px) from rows ``[u, v, x, y]`` and its RMS reprojection error (px).

    Fewer than four rows, non-finite values, or pitch points (or pixels) that are (nearly) collinear raise a
    one-line :class:`ConfigError` naming ``key``.
    """
    if points is None:
        raise ConfigError(f"{key}: method 'manual' needs at least 4 rows [u, v, x, y] (pixel and pitch metres)")
    try:
        a = np.asarray(points, dtype=float)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{key}: rows must be 4 numbers [u, v, x, y] ({e})") from e
    if a.ndim != 2 or a.shape[1] != 4:
        raise ConfigError(f"{key}: rows must be 4 numbers [u, v, x, y], got shape {list(a.shape)}")
    if len(a) < 4:
        raise ConfigError(f"{key}: {len(a)} correspondences given, at least 4 are needed")
    if not np.isfinite(a).all():
        raise ConfigError(f"{key}: values must be finite numbers")
    for cols, what, tol in (((2, 3), "pitch points", min_spread_m), ((0, 1), "image points", 2.0)):
        p = a[:, cols]
        if _collinear(p, tol):
            raise ConfigError(f"{key}: the {what} are (nearly) collinear; give at least 4 points, no 3 on one line")
    H, _ = cv2.findHomography(a[:, 2:4], a[:, 0:2], 0)
    if H is None or not np.isfinite(H).all() or abs(np.linalg.det(H)) < 1e-12:
        raise ConfigError(f"{key}: the correspondences do not define a homography")
    H = H / H[2, 2]
    p = np.hstack([a[:, 2:4], np.ones((len(a), 1))]) @ H.T
    rms = float(np.sqrt(np.mean(np.sum((p[:, :2] / p[:, 2:3] - a[:, :2]) ** 2, axis=1))))
    return H, rms


def _collinear(p: np.ndarray, tol: float) -> bool:
    """True when the points lie within ``tol`` of one line (second singular value of the centred set)."""
    c = p - p.mean(axis=0)
    s = np.linalg.svd(c, compute_uv=False)
    spread = s[1] / np.sqrt(len(p))
    # at least four points must be in general position: drop each point in turn and test the others too
    if spread < tol:
        return True
    if len(p) == 4:
        for i in range(4):
            q = np.delete(p, i, axis=0)
            q = q - q.mean(axis=0)
            area = abs(np.cross(q[1] - q[0], q[2] - q[0])) / 2
            if area < tol * np.max(np.linalg.norm(q[1:] - q[0], axis=1)) * 0.5:
                return True
    return False
