"""Image <-> pitch mapping through the frame's homography (H maps pitch metres to pixels).

The pitch position of a person is the inverse-homography image of the bottom centre of the box (foot point).
Measurement covariances are carried from pixels to metres through the Jacobian of the inverse homography.
"""

from __future__ import annotations

import numpy as np


def foot_points(xyxy: np.ndarray) -> np.ndarray:
    """Bottom-centre points (N, 2) of boxes (N, 4) in pixels."""
    xyxy = np.asarray(xyxy, dtype=float).reshape(-1, 4)
    return np.stack([(xyxy[:, 0] + xyxy[:, 2]) * 0.5, xyxy[:, 3]], axis=1)


def box_centres(xyxy: np.ndarray) -> np.ndarray:
    """Centre points (N, 2) of boxes (N, 4)."""
    xyxy = np.asarray(xyxy, dtype=float).reshape(-1, 4)
    return np.stack([(xyxy[:, 0] + xyxy[:, 2]) * 0.5, (xyxy[:, 1] + xyxy[:, 3]) * 0.5], axis=1)


def pitch_to_image(H: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Pitch points (N, 2) in metres -> pixels (N, 2); points behind the camera become NaN."""
    H = np.asarray(H, dtype=float)
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    h = xy @ H[:, :2].T + H[:, 2]
    # the sign of w for points in front of the camera is the sign at the pitch centre
    ref = np.sign(H[2, 2]) if H[2, 2] != 0 else 1.0
    w = h[:, 2]
    w = np.where(w * ref > 0, w, np.nan)
    return h[:, :2] / w[:, None]


def image_to_pitch(H: np.ndarray, uv: np.ndarray, Hinv: np.ndarray | None = None) -> np.ndarray:
    """Pixels (N, 2) -> pitch metres (N, 2) on the ground plane; points above the horizon become NaN."""
    H = np.asarray(H, dtype=float)
    Hinv = np.linalg.inv(H) if Hinv is None else Hinv
    uv = np.asarray(uv, dtype=float).reshape(-1, 2)
    h = uv @ Hinv[:, :2].T + Hinv[:, 2]
    w = h[:, 2]
    # a pixel maps in front of the camera when its pitch point maps back with the sign of the pitch centre
    # (w_back = (H[2] . (x, y, 1)) = 1 / w up to the sign of w, so the sign test is on w alone)
    ref = np.sign(H[2, 2]) if H[2, 2] != 0 else 1.0
    front = w * ref > 0
    w = np.where(front, w, np.nan)
    return h[:, :2] / w[:, None]


def inverse_jacobian(Hinv: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Jacobians (N, 2, 2) of pixel -> pitch at pixels ``uv`` (N, 2), for ``Hinv`` mapping pixels to metres."""
    uv = np.asarray(uv, dtype=float).reshape(-1, 2)
    a = uv @ Hinv[:2, :2].T + Hinv[:2, 2]  # (N, 2) numerators
    w = uv @ Hinv[2, :2] + Hinv[2, 2]  # (N,)
    J = (Hinv[None, :2, :2] * w[:, None, None] - a[:, :, None] * Hinv[None, 2, :2][:, None, :]) / (w**2)[:, None, None]
    return J


def pixel_scale(H: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Local image scale (px per metre, geometric mean of the two axes) at pitch points (N, 2)."""
    H = np.asarray(H, dtype=float)
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    a = xy @ H[:2, :2].T + H[:2, 2]
    w = xy @ H[2, :2] + H[2, 2]
    # Jacobian J = (H[:2, :2] w - a H[2, :2]) / w^2, its determinant written out (2 x 2)
    w2 = w * w
    j00 = (H[0, 0] * w - a[:, 0] * H[2, 0]) / w2
    j01 = (H[0, 1] * w - a[:, 0] * H[2, 1]) / w2
    j10 = (H[1, 0] * w - a[:, 1] * H[2, 0]) / w2
    j11 = (H[1, 1] * w - a[:, 1] * H[2, 1]) / w2
    return np.sqrt(np.abs(j00 * j11 - j01 * j10))


def feet_to_pitch(H: np.ndarray, xyxy: np.ndarray, std_frac: float, std_min_px: float,
                  Hinv: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pitch positions (N, 2) of box foot points and their measurement covariances (N, 2, 2) in m^2.

    The foot point's pixel std is ``max(std_min_px, std_frac * box height)`` vertically and half that horizontally.
    """
    Hinv = np.linalg.inv(np.asarray(H, dtype=float)) if Hinv is None else Hinv
    xyxy = np.asarray(xyxy, dtype=float).reshape(-1, 4)
    uv = foot_points(xyxy)
    xy = image_to_pitch(H, uv, Hinv)
    h = xyxy[:, 3] - xyxy[:, 1]
    sv = np.maximum(std_min_px, std_frac * h)
    su = np.maximum(std_min_px, 0.5 * std_frac * h)
    J = inverse_jacobian(Hinv, uv)
    var = np.stack([su * su, sv * sv], axis=1)  # diagonal pixel covariance
    R = (J * var[:, None, :]) @ np.transpose(J, (0, 2, 1))  # J S J^T
    return xy, R


def heads_to_pitch(H: np.ndarray, xyxy: np.ndarray, camera: np.ndarray, height: float,
                   Hinv: np.ndarray | None = None) -> np.ndarray:
    """Pitch positions (N, 2) of people whose feet are below the picture, from the tops of their boxes.

    The ray through a box's top centre meets the ground at G, beyond the person; he stands where that ray is
    ``height`` metres above the ground: on the line from the camera's ground point to G, at (z - height) / z of
    the way (``camera``: its position x, y, z in pitch metres). NaN where the top is above the horizon or the
    camera is not higher than ``height``.
    """
    xyxy = np.asarray(xyxy, dtype=float).reshape(-1, 4)
    out = np.full((len(xyxy), 2), np.nan)
    cx, cy, cz = (float(v) for v in camera)
    if cz <= height or not len(xyxy):
        return out
    Hinv = np.linalg.inv(np.asarray(H, dtype=float)) if Hinv is None else Hinv
    top = np.stack([(xyxy[:, 0] + xyxy[:, 2]) * 0.5, xyxy[:, 1]], axis=1)
    g = image_to_pitch(H, top, Hinv)
    f = image_to_pitch(H, foot_points(xyxy), Hinv)
    c = np.array([cx, cy])
    # below the horizon, the top's ray meets the ground beyond the cut foot point, in the same direction
    with np.errstate(invalid="ignore"):
        ok = (np.einsum("ij,ij->i", g - c, f - c) > 0) & (np.linalg.norm(g - c, axis=1) > np.linalg.norm(f - c, axis=1))
    p = c + (g - c) * (cz - height) / cz
    out[ok] = p[ok]
    return out
