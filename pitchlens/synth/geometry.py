"""Drawing helpers shared by the scene: textured planes through a camera, near-plane clipping, line strips."""

from __future__ import annotations

import cv2
import numpy as np

from cv.camera import Camera

NEAR = 0.3  # metres: points closer than this along the optical axis are not drawn


class Prepared:
    """A camera with its rotation and projection computed once (drawing calls these thousands of times)."""

    def __init__(self, cam: Camera) -> None:
        self.camera = cam
        self.R = cam.R
        self.position = np.asarray(cam.position, dtype=float)
        self.P = cam.P
        self.focal, self.width, self.height, self.k1 = cam.focal, cam.width, cam.height, cam.k1
        self.pan, self.tilt, self.roll = cam.pan, cam.tilt, cam.roll


def prepare(cam: Camera | Prepared) -> Prepared:
    """``cam`` as a :class:`Prepared` camera."""
    return cam if isinstance(cam, Prepared) else Prepared(cam)


def to_cam(cam: Camera, xyz: np.ndarray) -> np.ndarray:
    """World points (N, 3) in camera coordinates (x right, y down, z forward)."""
    return (np.asarray(xyz, dtype=float) - cam.position) @ cam.R.T


def cam_to_px(cam: Camera, pc: np.ndarray) -> np.ndarray:
    """Camera-frame points (N, 3) with z > 0 to pixels, lens distortion included."""
    xn, yn = pc[:, 0] / pc[:, 2], pc[:, 1] / pc[:, 2]
    if cam.k1:
        d = 1 + cam.k1 * (xn * xn + yn * yn)
        xn, yn = xn * d, yn * d
    return np.stack([cam.focal * xn + cam.width / 2, cam.focal * yn + cam.height / 2], axis=1)


def clip_polygon(pc: np.ndarray, near: float = NEAR) -> np.ndarray:
    """Sutherland-Hodgman clip of a camera-frame polygon (N, 3) to z >= near."""
    out = []
    n = len(pc)
    for i in range(n):
        a, b = pc[i], pc[(i + 1) % n]
        ina, inb = a[2] >= near, b[2] >= near
        if ina:
            out.append(a)
        if ina != inb:
            s = (near - a[2]) / (b[2] - a[2])
            out.append(a + s * (b - a))
    return np.array(out).reshape(-1, 3)


def polygon_px(cam: Camera, xyz: np.ndarray) -> np.ndarray | None:
    """The image polygon of a world polygon, clipped to the near plane; None when nothing is in front."""
    pc = clip_polygon(to_cam(cam, xyz))
    if len(pc) < 3:
        return None
    return cam_to_px(cam, pc)


def plane_homography(cam: Camera, origin: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Homography from texture pixels (col, row) to image pixels for the world plane ``origin + col*u + row*v``.

    Texture pixel centres sit at integer (col, row), as in OpenCV; image pixel centres at integer (u, v).
    """
    P = cam.P
    M = np.stack([np.append(u, 0.0), np.append(v, 0.0), np.append(origin, 1.0)], axis=1)
    return P @ M


class TexturedPlane:
    """A rectangular texture laid on a world plane; ``origin`` is the centre of texture pixel (0, 0)."""

    def __init__(self, texture: np.ndarray, origin, u, v, front: tuple[float, float, float] | None = (0, 0, 10)
                 ) -> None:
        """``front``: a point on the visible side (the plane is not drawn for cameras behind it); None: two-sided."""
        self.texture = texture
        self.origin = np.asarray(origin, dtype=float)
        self.u = np.asarray(u, dtype=float)
        self.v = np.asarray(v, dtype=float)
        th, tw = texture.shape[:2]
        c = np.array([[-0.5, -0.5], [tw - 0.5, -0.5], [tw - 0.5, th - 0.5], [-0.5, th - 0.5]])
        self.corners = self.origin + c[:, :1] * self.u + c[:, 1:] * self.v
        self.normal = np.cross(self.u, self.v)
        if front is not None:
            side = float(self.normal @ (np.asarray(front, dtype=float) - self.origin))
            self.normal = self.normal * (1.0 if side >= 0 else -1.0)
        self.two_sided = front is None

    def draw(self, img: np.ndarray, cam: Camera, mask_out: np.ndarray | None = None) -> np.ndarray | None:
        """Warp the texture into ``img`` through ``cam``; returns the drawn polygon in pixels (or None).

        ``mask_out`` (uint8, image size), when given, is set to 0 under the plane (used to erase identities).
        """
        if not self.two_sided and float(self.normal @ (np.asarray(cam.position) - self.origin)) <= 0:
            return None  # seen from behind (a camera inside or behind a stand)
        pc = to_cam(cam, self.corners)
        clipped = bool((pc[:, 2] < NEAR).any())
        pc = clip_polygon(pc) if clipped else pc
        if len(pc) < 3:
            return None
        poly = cam_to_px(cam, pc)
        h, w = img.shape[:2]
        x0, y0 = np.floor(poly.min(axis=0)).astype(int)
        x1, y1 = np.ceil(poly.max(axis=0)).astype(int) + 1
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 <= x0 or y1 <= y0:
            return None
        H = plane_homography(cam, self.origin, self.u, self.v)
        T = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1.0]])
        roi = img[y0:y1, x0:x1]
        if not clipped and self.texture.shape[2] == 3 and mask_out is None:
            # the whole plane is in front of the camera: warp straight into the image, outside stays untouched
            cv2.warpPerspective(self.texture, T @ H, (x1 - x0, y1 - y0), dst=roi, flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_TRANSPARENT)
            return poly
        warped = cv2.warpPerspective(self.texture, T @ H, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
        m = np.zeros(roi.shape[:2], np.uint8)
        cv2.fillPoly(m, [np.round((poly - [x0, y0]) * 16).astype(np.int32)], 255, cv2.LINE_8, 4)
        if warped.ndim == 3 and warped.shape[2] == 4:  # alpha texture
            a = (warped[..., 3].astype(np.uint16) * m // 255).astype(np.uint8)
            sel = a > 0
            af = a[sel].astype(np.float32)[:, None] / 255.0
            roi[sel] = (warped[..., :3][sel] * af + roi[sel] * (1 - af)).astype(np.uint8)
            if mask_out is not None:
                mask_out[y0:y1, x0:x1][a > 128] = 0
        else:
            cv2.copyTo(warped, m, roi)
            if mask_out is not None:
                mask_out[y0:y1, x0:x1][m > 0] = 0
        return poly


def strip_polygons(cam: Camera, pts: np.ndarray, half_width: float, closed: bool) -> list[list[np.ndarray]]:
    """Image polygons of a ground polyline (N, 2) painted ``2*half_width`` metres wide, split at the near plane.

    Returns groups of contours; each group is filled together (a closed ring is its outer and inner contour).
    """
    p = np.vstack([pts, pts[:1]]) if closed else pts
    d = np.gradient(p, axis=0)
    if closed:
        d[0] = d[-1] = p[1] - p[-2]
    nrm = np.stack([-d[:, 1], d[:, 0]], axis=1)
    nrm /= np.maximum(np.linalg.norm(nrm, axis=1, keepdims=True), 1e-9)
    left = np.hstack([p + nrm * half_width, np.zeros((len(p), 1))])
    right = np.hstack([p - nrm * half_width, np.zeros((len(p), 1))])
    lc, rc = to_cam(cam, left), to_cam(cam, right)
    ok = (lc[:, 2] > NEAR) & (rc[:, 2] > NEAR)
    out = []
    if closed and ok.all():  # ring: two contours, filled even-odd
        return [[cam_to_px(cam, lc[:-1]), cam_to_px(cam, rc[:-1])]]
    idx = np.flatnonzero(ok)
    if len(idx) < 2:
        return out
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    for r in runs:
        if len(r) < 2:
            continue
        out.append([np.vstack([cam_to_px(cam, lc[r]), cam_to_px(cam, rc[r][::-1])])])
    return out


def densify(pts: np.ndarray, step: float, closed: bool) -> np.ndarray:
    """Resample a polyline so that consecutive points are at most ``step`` metres apart."""
    p = np.vstack([pts, pts[:1]]) if closed else pts
    out = [p[:1]]
    for a, b in zip(p[:-1], p[1:], strict=False):
        n = max(1, int(np.ceil(np.linalg.norm(b - a) / step)))
        t = np.linspace(0, 1, n + 1)[1:, None]
        out.append(a + t * (b - a))
    q = np.vstack(out)
    return q[:-1] if closed else q
