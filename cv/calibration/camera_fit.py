"""Final camera fit of a single frame: the full broadcast camera aligned with the painted lines.

Starting from a rough camera (a candidate of the search from nothing), the position (x, y, z), pan, tilt, roll,
focal length and one radial distortion coefficient ``k1`` are fitted by robust least squares
(:func:`scipy.optimize.least_squares`, soft-L1 loss) so that pitch-model points, projected through the camera,
land on line-evidence pixels: the residual of a point is the distance-transform value at its projection.
Coarse to fine: the evidence mask is reduced to half its size first (wide basin, truncated
distances), then fitted at full size. :func:`line_distances` measures the result honestly: pixel distances from the
projected model to the nearest line pixel inside the visible pitch, and from the line pixels to the projected model.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.optimize import least_squares
from scipy.spatial import cKDTree

from cv.calibration.lines import bilinear, model_points
from cv.camera import Camera
from cv.pitch import DEFAULT_PITCH, PitchModel

#: pyramid levels (share of the evidence size) and the distance truncation (px at that level) of each
#: and the parameters freed there: "r" pan / tilt / roll / focal, "p" position, "k" the radial coefficient
LEVELS: tuple[tuple[float, float, str], ...] = ((0.5, 8.0, "r"), (0.5, 5.0, "rp"), (1.0, 4.0, "rp"),
                                                (1.0, 2.5, "rpk"))
K1_MAX = 0.4  # bound on the radial coefficient (normalised image coordinates)
EVIDENCE_POINTS = 500  # line pixels per level in the evidence-to-model term
EVIDENCE_WEIGHT = 0.5  # weight of that term against the model-to-evidence term (per point, equal totals at 1)
POSITION_SIGMA = 25.0  # metres: weak hold of the camera position at its start (depth is traded against zoom)
K1_SIGMA = 0.05  # weak hold of the radial coefficient at 0: broadcast lenses are close to distortion-free


@dataclass
class CameraFit:
    """A fitted camera (image size of the evidence) and how well its projected model lies on the lines."""

    camera: Camera
    median_px: float  # median distance of visible model points to the nearest line pixel
    p90_px: float
    inlier_share: float  # share of visible model points within 2 px of a line pixel
    points: int  # visible model points measured
    cost: float  # final robust cost of the fit
    chamfer: float  # truncated mean distance both ways (model to lines + lines to model, px): lower is better


def camera_from_homography(H: np.ndarray, width: int, height: int) -> Camera | None:
    """The camera (no distortion) nearest to a pitch homography; None when no camera above the ground fits."""
    from cv.calibration.dictionary import _camera

    r = _camera(H, width, height)
    if r is None:
        return None
    C, f, Rcw = r
    R = Rcw.T  # world -> camera; rows: image right, image down, optical axis
    fwd, right = R[2], R[0]
    pan = float(np.arctan2(fwd[0], fwd[1]))
    tilt = float(np.arcsin(np.clip(-fwd[2], -1.0, 1.0)))
    right0 = np.array([np.cos(pan), -np.sin(pan), 0.0])
    down0 = np.cross(fwd, right0)
    roll = float(np.arctan2(right @ down0, right @ right0))
    return Camera(position=tuple(float(v) for v in C), pan=pan, tilt=tilt, roll=roll, focal=float(f),
                  width=int(width), height=int(height))


def camera_from_pose(params: np.ndarray, width: int, height: int) -> Camera:
    """The camera of dictionary pose parameters (x, y, z, pan, tilt, hfov) for an image of ``width`` x ``height``."""
    f = width / 2 / np.tan(params[5] / 2)
    return Camera(position=tuple(float(v) for v in params[:3]), pan=float(params[3]), tilt=float(params[4]),
                  focal=float(f), width=int(width), height=int(height))


def _vec(cam: Camera) -> np.ndarray:
    return np.array([*cam.position, cam.pan, cam.tilt, cam.roll, np.log(cam.focal), cam.k1])


def _cam(v: np.ndarray, width: int, height: int) -> Camera:
    return Camera(position=(float(v[0]), float(v[1]), float(v[2])), pan=float(v[3]), tilt=float(v[4]),
                  roll=float(v[5]), focal=float(np.exp(v[6])), width=width, height=height, k1=float(v[7]))


def _scaled(cam: Camera, s: float, width: int, height: int) -> Camera:
    return cam.with_(focal=cam.focal * s, width=width, height=height)


def _project(cam: Camera, xy: np.ndarray) -> np.ndarray:
    """Ground points (N, 2) to pixels (N, 2); NaN behind the camera or where the distortion folds back."""
    uv, z = cam.ground_to_image(xy)
    bad = z <= 1e-6
    if cam.k1 < 0:  # barrel distortion folds back beyond r^2 = -1 / (3 k1): no valid image there
        cam_pts = (np.hstack([xy, np.zeros((len(xy), 1))]) - np.asarray(cam.position)) @ cam.R.T
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = (cam_pts[:, 0] ** 2 + cam_pts[:, 1] ** 2) / cam_pts[:, 2] ** 2
        bad |= ~(r2 < -1.0 / (3.0 * cam.k1))
    uv[bad] = np.nan
    return uv


def _visible(cam: Camera, xy: np.ndarray, shape: tuple[int, int], keep: np.ndarray | None,
             margin: float = 1.0) -> np.ndarray:
    """Indices of model points projecting inside the image (and on ``keep`` where given)."""
    h, w = shape
    uv = _project(cam, xy)
    ok = np.isfinite(uv).all(axis=1)
    ok &= (uv[:, 0] >= margin) & (uv[:, 0] <= w - 1 - margin) & (uv[:, 1] >= margin) & (uv[:, 1] <= h - 1 - margin)
    idx = np.flatnonzero(ok)
    if keep is not None and len(idx):
        ui = uv[idx].astype(np.int32)
        idx = idx[keep[ui[:, 1], ui[:, 0]] > 0]
    return idx


def _distance(lines: np.ndarray) -> np.ndarray:
    d = cv2.distanceTransform(np.where(lines > 0, 0, 255).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return cv2.GaussianBlur(d, (0, 0), 0.7)  # smooth the kinks so that finite differences see a slope


def _level(mask: np.ndarray, s: float) -> np.ndarray:
    if s >= 1.0:
        return mask
    h, w = mask.shape[:2]
    small = cv2.resize(mask, (max(8, int(round(w * s))), max(8, int(round(h * s)))), interpolation=cv2.INTER_AREA)
    return np.where(small > 40, 255, 0).astype(np.uint8)


def fit_camera(cam0: Camera, lines: np.ndarray, field: np.ndarray | None = None, players: np.ndarray | None = None,
               pitch: PitchModel = DEFAULT_PITCH, fit_k1: bool = True,
               levels: tuple[tuple[float, float, str], ...] = LEVELS, max_nfev: int = 60) -> CameraFit:
    """Fit the full camera to a line-evidence mask (uint8 0/255, the camera's image size), coarse to fine.

    ``field`` (grass area) limits the model points used to the visible pitch and ``players`` removes occluded
    ones. ``fit_k1`` False keeps the start's distortion (a homography-only camera when it is 0).
    """
    h, w = lines.shape[:2]
    mp = model_points(pitch, spacing=0.25)
    xy = mp[:, :2]
    mp_dense = model_points(pitch, spacing=0.2)[:, :2] if EVIDENCE_WEIGHT > 0 else mp[:0, :2]
    keep = None
    if field is not None:
        keep = cv2.dilate(field, np.ones((9, 9), np.uint8))
        if players is not None:
            keep = cv2.bitwise_and(keep, cv2.bitwise_not(players))
    v = _vec(cam0.with_(width=w, height=h))
    pos0 = v[:3].copy()
    cost = float("nan")
    for s, tau, which in levels:
        free = np.zeros(8, bool)
        free[3:7] = "r" in which
        free[:3] = "p" in which
        free[7] = fit_k1 and "k" in which
        m = _level(lines, s)
        lh, lw = m.shape
        sx = lw / w
        dist = np.minimum(_distance(m), tau * 3)
        kp = None if keep is None else cv2.resize(keep, (lw, lh), interpolation=cv2.INTER_NEAREST)
        cam_l = _scaled(_cam(v, w, h), sx, lw, lh)
        idx = _visible(cam_l, xy, (lh, lw), kp)
        if len(idx) < 12:
            break
        # one point per ~1.5 px of image length at this level: near and far markings count by their image length
        uv = _project(cam_l, xy[idx])
        cells = (uv[:, 1] // 1.5).astype(np.int64) * (lw + 2) + (uv[:, 0] // 1.5).astype(np.int64)
        _, first = np.unique(cells, return_index=True)
        pts = xy[idx[np.sort(first)]]
        # line pixels (at most ``EVIDENCE_POINTS``): each should lie on the projected model (the other way round)
        ev_px = np.column_stack(np.nonzero(m)[::-1]).astype(float)
        if len(ev_px) > EVIDENCE_POINTS:
            ev_px = ev_px[np.linspace(0, len(ev_px) - 1, EVIDENCE_POINTS).astype(int)]
        dense = mp_dense[_visible(_scaled(_cam(v, w, h), sx, lw, lh), mp_dense, (lh, lw), None, margin=-3 * lw)]
        wev = np.sqrt(len(pts) / max(len(ev_px), 1)) * EVIDENCE_WEIGHT if s < 1.0 else 0.0  # coarse levels only

        def residuals(p: np.ndarray, pts=pts, dist=dist, lw=lw, lh=lh, sx=sx, tau=tau, ev_px=ev_px, dense=dense,
                      wev=wev, free=free) -> np.ndarray:
            full = v.copy()
            full[free] = p
            c = _scaled(_cam(full, w, h), sx, lw, lh)
            q = _project(c, pts)
            out = np.isnan(q).any(axis=1) | (q[:, 0] < 0) | (q[:, 0] > lw - 1) | (q[:, 1] < 0) | (q[:, 1] > lh - 1)
            r = np.full(len(pts), 3.0 * tau)
            if (~out).any():
                r[~out] = bilinear(dist, q[~out])
            parts = [r]
            if len(ev_px) and len(dense) and wev > 0:
                qd = _project(c, dense)
                qd = qd[np.isfinite(qd).all(axis=1)]
                de = np.full(len(ev_px), 3.0 * tau)
                if len(qd):
                    de = np.minimum(cKDTree(qd).query(ev_px, k=1)[0], 3.0 * tau)
                parts.append(wev * de)
            wp = np.sqrt(len(pts)) * 0.05
            parts.append((full[:3] - pos0) / POSITION_SIGMA * wp)
            parts.append(np.array([full[7] / K1_SIGMA * wp]))
            return np.concatenate(parts)

        lo = np.array([-200.0, -250.0, 1.0, -np.pi, -0.2, -0.5, np.log(50.0), -K1_MAX])
        hi = np.array([200.0, 250.0, 150.0, np.pi, 1.5, 0.5, np.log(1e5), K1_MAX])
        x0 = np.clip(v[free], lo[free] + 1e-9, hi[free] - 1e-9)
        diff = np.array([0.05, 0.05, 0.05, 2e-4, 2e-4, 2e-4, 2e-4, 2e-4])[free]
        res = least_squares(residuals, x0, bounds=(lo[free], hi[free]), loss="soft_l1", f_scale=max(1.0, tau / 3),
                            x_scale=diff * 10, diff_step=None, method="trf", max_nfev=max_nfev,
                            jac="2-point")
        v[free] = res.x
        cost = float(res.cost)
    cam = _cam(v, w, h)
    d = line_distances(cam, lines, field, players, pitch)
    return CameraFit(cam, d["model_median"], d["model_p90"], d["model_within_2px"], int(d["points"]), cost,
                     d["chamfer"])


def fit_best(starts: list[Camera], lines: np.ndarray, field: np.ndarray | None = None,
             players: np.ndarray | None = None, pitch: PitchModel = DEFAULT_PITCH, fit_k1: bool = True,
             max_nfev: int = 60) -> CameraFit | None:
    """:func:`fit_camera` from each start; the fit that explains the lines best both ways (lowest chamfer)."""
    best: CameraFit | None = None
    for c in starts:
        f = fit_camera(c, lines, field, players, pitch, fit_k1=fit_k1, max_nfev=max_nfev)
        if f.points >= 12 and np.isfinite(f.chamfer) and (best is None or f.chamfer < best.chamfer):
            best = f
    return best


def line_distances(cam: Camera, lines: np.ndarray, field: np.ndarray | None = None,
                   players: np.ndarray | None = None, pitch: PitchModel = DEFAULT_PITCH) -> dict[str, float]:
    """How close the projected pitch model lies to the painted lines (px at the mask's size).

    model_*: distance from each visible model point (every 0.25 m, inside the grass area, not on a player, thinned
    to one per 2 px cell) to the nearest line pixel. evidence_*: distance from each line pixel to the projected model
    (lines that are no marking, e.g. a goal net, count here).
    """
    h, w = lines.shape[:2]
    cam = cam.with_(width=w, height=h) if (cam.width, cam.height) != (w, h) else cam
    xy = model_points(pitch, spacing=0.25)[:, :2]
    keep = None
    if field is not None:
        keep = field.copy()
        if players is not None:
            keep = cv2.bitwise_and(keep, cv2.bitwise_not(players))
    idx = _visible(cam, xy, (h, w), keep)
    uv = _project(cam, xy[idx])
    if len(uv):
        cells = (uv[:, 1] // 2).astype(np.int64) * (w + 2) + (uv[:, 0] // 2).astype(np.int64)
        _, first = np.unique(cells, return_index=True)
        uv = uv[np.sort(first)]
    d = cv2.distanceTransform(np.where(lines > 0, 0, 255).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    r = bilinear(d, uv) if len(uv) else np.array([np.inf])
    drawn = np.zeros((h, w), np.uint8)
    full = _project(cam, model_points(pitch, spacing=0.05)[:, :2])
    ok = np.isfinite(full).all(axis=1) & (np.abs(full[:, 0] - w / 2) < 2 * w) & (np.abs(full[:, 1] - h / 2) < 2 * h)
    fi = np.round(full[ok]).astype(np.int32)
    inb = (fi[:, 0] >= 0) & (fi[:, 0] < w) & (fi[:, 1] >= 0) & (fi[:, 1] < h)
    drawn[fi[inb, 1], fi[inb, 0]] = 255
    dm = cv2.distanceTransform(np.where(drawn > 0, 0, 255).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    ev = dm[lines > 0]
    if ev.size == 0:
        ev = np.array([np.inf])
    return dict(chamfer=float(np.mean(np.minimum(r, 10.0)) + np.mean(np.minimum(ev, 10.0))),
                model_median=float(np.median(r)), model_p90=float(np.percentile(r, 90)),
                model_within_2px=float(np.mean(r <= 2.0)), points=float(len(uv)),
                evidence_median=float(np.median(ev)), evidence_p90=float(np.percentile(ev, 90)),
                evidence_within_2px=float(np.mean(ev <= 2.0)))
