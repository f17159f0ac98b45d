"""Pinhole camera geometry for broadcast cameras: pose, projection and the pitch homography.

World frame: pitch metres (see ``cv.pitch``), z up. A main broadcast camera sits in the
stand behind the near touchline (negative y), raised, looking towards +y. ``pan`` turns it
towards +x (radians), ``tilt`` looks down (radians), ``roll`` turns the image clockwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Camera:
    """A pinhole camera: position (m), pan/tilt/roll (rad), focal length (px), image size (px), radial k1."""

    position: tuple[float, float, float] = (0.0, -34.0 - 40.0, 20.0)
    pan: float = 0.0
    tilt: float = 0.3
    roll: float = 0.0
    focal: float = 1400.0
    width: int = 1280
    height: int = 720
    k1: float = 0.0

    def with_(self, **kw) -> Camera:
        """A copy with some fields changed."""
        return replace(self, **kw)

    @property
    def K(self) -> np.ndarray:
        """The 3x3 intrinsic matrix (principal point at the image centre)."""
        return np.array([[self.focal, 0, self.width / 2], [0, self.focal, self.height / 2], [0, 0, 1.0]])

    @property
    def R(self) -> np.ndarray:
        """World-to-camera rotation (rows: image right, image down, optical axis) in world coordinates."""
        cp, sp, ct, st = np.cos(self.pan), np.sin(self.pan), np.cos(self.tilt), np.sin(self.tilt)
        fwd = np.array([sp * ct, cp * ct, -st])
        right = np.array([cp, -sp, 0.0])
        down = np.cross(fwd, right)
        if self.roll:
            cr, sr = np.cos(self.roll), np.sin(self.roll)
            right, down = cr * right + sr * down, -sr * right + cr * down
        return np.stack([right, down, fwd])

    @property
    def t(self) -> np.ndarray:
        return -self.R @ np.asarray(self.position, dtype=float)

    @property
    def P(self) -> np.ndarray:
        """The 3x4 projection matrix (ignores lens distortion)."""
        return self.K @ np.hstack([self.R, self.t[:, None]])

    @property
    def homography(self) -> np.ndarray:
        """The 3x3 homography mapping pitch (x, y, 1) on the ground plane to pixels (ignores distortion)."""
        R, t = self.R, self.t
        H = self.K @ np.stack([R[:, 0], R[:, 1], t], axis=1)
        return H / H[2, 2]

    def project(self, xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project world points (N, 3) to pixels (N, 2); also returns depth (N,) (<= 0 is behind the camera)."""
        xyz = np.atleast_2d(np.asarray(xyz, dtype=float))
        cam = (xyz - np.asarray(self.position)) @ self.R.T
        z = cam[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            xn, yn = cam[:, 0] / z, cam[:, 1] / z
        if self.k1:
            r2 = xn * xn + yn * yn
            d = 1 + self.k1 * r2
            xn, yn = xn * d, yn * d
        uv = np.stack([self.focal * xn + self.width / 2, self.focal * yn + self.height / 2], axis=1)
        return uv, z

    def ground_to_image(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project ground points (N, 2) at z = 0."""
        xy = np.atleast_2d(np.asarray(xy, dtype=float))
        return self.project(np.hstack([xy, np.zeros((len(xy), 1))]))

    def image_to_ground(self, uv: np.ndarray) -> np.ndarray:
        """Back-project pixels (N, 2) to the ground plane (distortion-free model)."""
        return apply_homography(np.linalg.inv(self.homography), uv)

    def look_at(self, target: tuple[float, float, float]) -> Camera:
        """A copy of this camera panned and tilted to look at ``target`` (x, y, z)."""
        d = np.asarray(target, dtype=float) - np.asarray(self.position, dtype=float)
        pan = float(np.arctan2(d[0], d[1]))
        tilt = float(np.arctan2(-d[2], np.hypot(d[0], d[1])))
        return self.with_(pan=pan, tilt=tilt)

    @property
    def hfov(self) -> float:
        """Horizontal field of view in radians."""
        return 2 * float(np.arctan(self.width / (2 * self.focal)))


def apply_homography(H: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Map points (N, 2) through a 3x3 homography; points at infinity become NaN."""
    pts = np.atleast_2d(np.asarray(pts, dtype=float))
    h = np.hstack([pts, np.ones((len(pts), 1))]) @ np.asarray(H, dtype=float).T
    with np.errstate(divide="ignore", invalid="ignore"):
        out = h[:, :2] / h[:, 2:3]
    out[~np.isfinite(out).all(axis=1)] = np.nan
    return out


def scale_homography(H: np.ndarray, sx: float, sy: float | None = None) -> np.ndarray:
    """The homography for an image resized by (sx, sy) (pixel coordinates multiplied)."""
    sy = sx if sy is None else sy
    return np.diag([sx, sy, 1.0]) @ np.asarray(H, dtype=float)
