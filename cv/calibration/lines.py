"""White-line evidence on the grass and alignment of the projected pitch model to it.

Everything here works on a reduced-resolution copy of the frame (see ``CalibrationConfig.work_width``).
The evidence is a binary mask of painted-line pixels (white top-hat inside the grass area, players
masked) and its distance transform. :func:`refine` aligns the pitch model, projected through an initial
homography, to that distance field by robust Gauss-Newton over an 8-parameter image-space warp, with an
optional prior that keeps directions the lines do not constrain at the prediction.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import scipy.linalg

from cv.masks import components
from cv.pitch import DEFAULT_PITCH, PitchModel


@dataclass
class LineEvidence:
    """Line evidence of one frame at working resolution."""

    lines: np.ndarray  # uint8 0/255, painted-line pixels
    field: np.ndarray  # uint8 0/255, the grass area (holes for lines and players filled)
    grass: np.ndarray  # uint8 0/255, grass-coloured pixels
    players: np.ndarray  # uint8 0/255, masked people
    dist: np.ndarray  # float32 distance (px) to the nearest line pixel, truncated
    ridge: np.ndarray  # float32 line mask blurred: peaks on the centre of each painted line
    grass_share: float
    line_share: float

    @property
    def shape(self) -> tuple[int, int]:
        return self.lines.shape[:2]


def grass_mask(hsv: np.ndarray) -> np.ndarray:
    """Grass-coloured pixels (uint8 0/255) of an HSV image, adapting to the dominant green hue."""
    sub = hsv[::4, ::4]
    cand = cv2.inRange(sub, (28, 50, 35), (95, 255, 255))
    if cv2.countNonZero(cand) < 0.02 * cand.size:
        return np.zeros(hsv.shape[:2], np.uint8)
    hist = cv2.calcHist([sub], [0], cand, [180], [0, 180]).ravel()
    hist = np.convolve(hist, np.ones(5), mode="same")
    peak = int(np.argmax(hist))
    lo, hi = max(peak - 14, 25), min(peak + 14, 100)
    return cv2.inRange(hsv, (lo, 40, 30), (hi, 255, 255))


def field_mask(grass: np.ndarray, close_px: int = 15) -> np.ndarray:
    """The grass area: grass with the holes of lines and players closed, specks and small patches dropped."""
    h, w = grass.shape
    sm = cv2.resize(grass, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    _, sm = cv2.threshold(sm, 127, 255, cv2.THRESH_BINARY)
    sm = cv2.morphologyEx(sm, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    c = max(3, close_px // 2)
    sm = cv2.morphologyEx(sm, cv2.MORPH_CLOSE, np.ones((c, c), np.uint8))
    n, lab, stats = components(sm)
    if n <= 1:
        return np.zeros_like(grass)
    area = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(area >= max(0.05 * area.max(), 0.002 * sm.size)) + 1
    lut = np.zeros(n, np.uint8)
    lut[keep] = 255
    out = np.take(lut, lab)
    # fill holes (players standing on grass, the centre circle's interior, ...)
    contours, _ = cv2.findContours(out, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(out, contours, -1, 255, thickness=cv2.FILLED)
    return cv2.resize(out, (w, h), interpolation=cv2.INTER_NEAREST)


def boxes_mask(shape: tuple[int, int], boxes: np.ndarray | None, scale: float, pad: int = 2) -> np.ndarray:
    """A mask of detection boxes (xyxy, original pixels) at working resolution."""
    m = np.zeros(shape, np.uint8)
    if boxes is None or len(boxes) == 0:
        return m
    b = np.asarray(boxes, dtype=float)[:, :4] * scale
    h, w = shape
    for x1, y1, x2, y2 in b:
        x1, y1 = max(int(x1) - pad, 0), max(int(y1) - pad, 0)
        x2, y2 = min(int(np.ceil(x2)) + pad, w - 1), min(int(np.ceil(y2)) + pad, h - 1)
        if x2 > x1 and y2 > y1:
            m[y1 : y2 + 1, x1 : x2 + 1] = 255
    return m


def line_evidence(
    small_bgr: np.ndarray,
    hsv: np.ndarray | None = None,
    grass: np.ndarray | None = None,
    players: np.ndarray | None = None,
    field: np.ndarray | None = None,
    tau: float = 24.0,
) -> LineEvidence:
    """Compute the painted-line mask and its distance field for a working-resolution BGR frame."""
    h, w = small_bgr.shape[:2]
    if hsv is None:
        hsv = cv2.cvtColor(small_bgr, cv2.COLOR_BGR2HSV)
    if grass is None:
        grass = grass_mask(hsv)
    if players is None:
        players = np.zeros((h, w), np.uint8)
    if field is None:
        field = field_mask(grass, close_px=max(5, (w // 40) | 1))
    gray = cv2.cvtColor(small_bgr, cv2.COLOR_BGR2GRAY)
    k = max(5, (w // 70) | 1)
    tophat = cv2.morphologyEx(gray, cv2.MORPH_TOPHAT, np.ones((k, k), np.uint8))
    inner = cv2.erode(field, np.ones((3, 3), np.uint8))
    sub_t, sub_i = tophat[::3, ::3], inner[::3, ::3]
    thr = max(12.0, 1.5 * float(np.percentile(sub_t[sub_i > 0], 95)) + 2.0) if sub_i.any() else 255.0
    lines = cv2.threshold(tophat, thr, 255, cv2.THRESH_BINARY)[1]
    lines &= inner
    lines &= ~players
    sat = hsv[::4, ::4, 1][grass[::4, ::4] > 0]
    smax = 0.85 * float(np.median(sat)) if sat.size else 110.0
    lines &= cv2.inRange(hsv[..., 1], 0, max(smax, 60.0))
    # painted lines lie on grass: drop white pixels with little grass around them (graphics, kits, boards)
    around = cv2.blur(grass, (2 * k + 1, 2 * k + 1))
    lines &= cv2.threshold(around, 0.4 * 255, 255, cv2.THRESH_BINARY)[1]
    lines = _drop_blobs(lines, k)
    dist = cv2.distanceTransform(~lines, cv2.DIST_L2, 3)
    np.minimum(dist, tau, out=dist)
    ridge = cv2.GaussianBlur(lines, (0, 0), 1.2).astype(np.float32) * (1.0 / 255.0)
    return LineEvidence(
        lines=lines,
        field=field,
        grass=grass,
        players=players,
        dist=dist,
        ridge=ridge,
        grass_share=cv2.countNonZero(grass) / grass.size,
        line_share=cv2.countNonZero(lines) / lines.size,
    )


def _drop_blobs(lines: np.ndarray, k: int) -> np.ndarray:
    """Remove specks and compact blobs (white kits, the ball) that are not line-shaped."""
    n, lab, stats = components(lines)
    if n <= 1:
        return lines
    bw, bh, area = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_AREA]
    extent = np.maximum(bw, bh)
    fill = area / np.maximum(bw * bh, 1)
    bad = (extent < 4) | ((extent < 2.5 * k) & (fill > 0.35))
    if not bad.any():
        return lines
    keep = np.concatenate([[0], np.where(bad, 0, 255)]).astype(np.uint8)
    if n <= 256:  # labels fit a byte: one 8-bit table lookup (several times faster than indexing by 16-bit labels)
        return cv2.bitwise_and(lines, cv2.LUT(lab.astype(np.uint8), np.pad(keep, (0, 256 - n))))
    return cv2.bitwise_and(lines, np.take(keep, lab))


# --- projection helpers ----------------------------------------------------------------------------------------


def project(H: np.ndarray, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project pitch points (N, 2) through ``H``; returns pixels (N, 2) and the homogeneous depth (N,)."""
    p = xy @ H[:, :2].T + H[:, 2]
    w = p[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = p[:, :2] / w[:, None]
    return uv, w


def bilinear(img: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Sample ``img`` at float pixel positions (N, 2) (clamped to the image)."""
    h, w = img.shape[:2]
    u = np.clip(uv[:, 0], 0, w - 1.001)
    v = np.clip(uv[:, 1], 0, h - 1.001)
    u0, v0 = u.astype(np.int32), v.astype(np.int32)
    fu, fv = u - u0, v - v0
    a = img[v0, u0]
    b = img[v0, u0 + 1]
    c = img[v0 + 1, u0]
    d = img[v0 + 1, u0 + 1]
    return (a * (1 - fu) + b * fu) * (1 - fv) + (c * (1 - fu) + d * fu) * fv


def dist_and_grad(ev: LineEvidence, uv: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distance field of ``ev`` at float pixels ``uv`` (N, 2) and its central-difference gradient, as
    ``bilinear(ev.dist, uv)`` and :func:`_grad` give them (the same numbers one pixel or more inside the image),
    from one gather of each point's neighbourhood instead of five samplings."""
    img = ev.dist
    h, w = img.shape[:2]
    u = np.clip(uv[:, 0], 1, w - 2.001)
    v = np.clip(uv[:, 1], 1, h - 2.001)
    u0, v0 = u.astype(np.int32), v.astype(np.int32)
    fu, fv = u - u0, v - v0
    gu, gv = 1 - fu, 1 - fv
    a = img.ravel()
    i = v0 * w + u0
    c00, c01, c10, c11 = a[i], a[i + 1], a[i + w], a[i + w + 1]
    top = c00 * gu + c01 * fu
    bot = c10 * gu + c11 * fu
    r = top * gv + bot * fv
    # the fractions of the shifted positions as _grad computes them (equal to fu, fv up to rounding)
    fr, fl = (u + 1) - (u0 + 1), (u - 1) - (u0 - 1)
    fd, fup = (v + 1) - (v0 + 1), (v - 1) - (v0 - 1)
    right = (c01 * (1 - fr) + a[i + 2] * fr) * gv + (c11 * (1 - fr) + a[i + w + 2] * fr) * fv
    left = (a[i - 1] * (1 - fl) + c00 * fl) * gv + (a[i + w - 1] * (1 - fl) + c10 * fl) * fv
    down = (c10 * gu + c11 * fu) * (1 - fd) + (a[i + 2 * w] * gu + a[i + 2 * w + 1] * fu) * fd
    up = (a[i - w] * gu + a[i - w + 1] * fu) * (1 - fup) + top * fup
    return r, 0.5 * (right - left), 0.5 * (down - up)


def visible_model_points(
    H: np.ndarray,
    shape: tuple[int, int],
    model_xy: np.ndarray,
    margin: float = 2.0,
    cell: float = 3.0,
    max_points: int = 600,
    masks: tuple[np.ndarray, ...] = (),
) -> np.ndarray:
    """Model points whose projection lies in the image (and outside ``masks``), thinned to one per image cell."""
    h, w = shape
    uv, z = project(H, model_xy[:, :2])
    ok = (z > 0) & np.isfinite(uv).all(axis=1)
    ok &= (uv[:, 0] >= margin) & (uv[:, 0] <= w - 1 - margin) & (uv[:, 1] >= margin) & (uv[:, 1] <= h - 1 - margin)
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        return model_xy[:0]
    ui = uv[idx].astype(np.int32)
    for m in masks:
        idx = idx[m[ui[:, 1], ui[:, 0]] == 0] if len(idx) else idx
        ui = uv[idx].astype(np.int32)
    cells = (uv[idx, 1] // cell).astype(np.int64) * (w // int(cell) + 2) + (uv[idx, 0] // cell).astype(np.int64)
    _, first = np.unique(cells, return_index=True)
    idx = idx[np.sort(first)]
    if len(idx) > max_points:
        idx = idx[np.linspace(0, len(idx) - 1, max_points).astype(int)]
    return model_xy[idx]


# --- alignment --------------------------------------------------------------------------------------------------


@dataclass
class RefineResult:
    """The outcome of :func:`refine` (working-resolution pixels)."""

    H: np.ndarray
    residual: float  # median distance of visible model points to line evidence (px)
    inliers: int  # model points within ``inlier_px`` of a line
    points: int  # visible model points used
    cost: float  # truncated mean distance (lower is better)
    strength: float  # weakest constrained direction (residual px^2 per px^2 of corner motion)


def _norm(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    h, w = shape
    s = w / 2.0
    N = np.array([[1 / s, 0, -w / 2 / s], [0, 1 / s, -h / 2 / s], [0, 0, 1]])
    return N, np.linalg.inv(N)


def _warp(a: np.ndarray) -> np.ndarray:
    return np.array([[1 + a[0], a[1], a[2]], [a[3], 1 + a[4], a[5]], [a[6], a[7], 1.0]])


def _warp_jac(a: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Warp normalised points ``q`` (N, 2); return warped points and d(u)/da, d(v)/da (N, 8)."""
    x, y = q[:, 0], q[:, 1]
    nu = (1 + a[0]) * x + a[1] * y + a[2]
    nv = a[3] * x + (1 + a[4]) * y + a[5]
    d = a[6] * x + a[7] * y + 1.0
    u, v = nu / d, nv / d
    z, one = np.zeros_like(x), np.ones_like(x)
    Ju = np.stack([x, y, one, z, z, z, -x * u, -y * u], axis=1) / d[:, None]
    Jv = np.stack([z, z, z, x, y, one, -x * v, -y * v], axis=1) / d[:, None]
    return np.stack([u, v], axis=1), Ju, Jv


def refine(
    H0: np.ndarray,
    ev: LineEvidence,
    model_xy: np.ndarray | None = None,
    taus: tuple[float, ...] = (12.0, 8.0, 5.0, 4.0, 3.0, 3.0),
    prior: float = 0.0,
    ridge_iters: int = 3,
    inlier_px: float = 1.5,
    pitch: PitchModel = DEFAULT_PITCH,
) -> RefineResult:
    """Align the projected pitch model to the line evidence, starting from ``H0`` (working pixels).

    ``prior`` weighs (in model points) the squared motion of the image corners away from ``H0``.
    """
    shape = ev.shape
    h, w = shape
    if model_xy is None:
        model_xy = model_points(pitch)
    xy = visible_model_points(H0, shape, model_xy, masks=(ev.players,))
    N, Ninv = _norm(shape)
    Hn0 = N @ H0
    corners = np.array([[-1.0, -h / w], [1.0, -h / w], [-1.0, h / w], [1.0, h / w]])
    a = np.zeros(8)
    s = w / 2.0
    if len(xy) < 8:
        return RefineResult(H0, float("inf"), 0, len(xy), float("inf"), 0.0)
    q, _ = project(Hn0, xy[:, :2])
    # tangents: projected a short step along the marking
    q2, _ = project(Hn0, xy[:, :2] + 0.05 * xy[:, 2:4])
    stages = [("dist", t) for t in taus] + [("ridge", 3.0)] * ridge_iters
    offs = np.arange(-3, 4, dtype=float)
    for kind, tau in stages:
        p, Ju, Jv = _warp_jac(a, q)
        uv = p * s + np.array([w / 2, h / 2])
        inside = (uv[:, 0] >= 4) & (uv[:, 0] <= w - 5) & (uv[:, 1] >= 4) & (uv[:, 1] <= h - 5)
        if kind == "dist":
            r, gx, gy = dist_and_grad(ev, uv)
            wt = np.where(inside & (r < tau), (1 - (r / tau) ** 2) ** 2, 0.0)
        else:
            # sub-pixel point-to-line: search the ridge of the line mask along the projected normal
            p2, _, _ = _warp_jac(a, q2)
            t = p2 - p
            t /= np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-12)
            nrm = np.stack([-t[:, 1], t[:, 0]], axis=1)
            samp = uv[:, None, :] + offs[None, :, None] * nrm[:, None, :]
            R = bilinear(ev.ridge, samp.reshape(-1, 2)).reshape(len(uv), len(offs))
            k = np.clip(np.argmax(R, axis=1), 1, len(offs) - 2)
            rows = np.arange(len(uv))
            r0, r1, r2 = R[rows, k - 1], R[rows, k], R[rows, k + 1]
            den = r0 - 2 * r1 + r2
            frac = np.where(den < -1e-6, 0.5 * (r0 - r2) / np.where(den < -1e-6, den, -1.0), 0.0)
            delta = offs[k] + np.clip(frac, -0.5, 0.5)
            ok = inside & (r1 > 0.15) & (den < -1e-6)
            r = -delta
            gx, gy = nrm[:, 0], nrm[:, 1]
            wt = np.where(ok, 1.0 / np.maximum(1.0, np.abs(r)), 0.0)
        J = (gx[:, None] * Ju + gy[:, None] * Jv) * s
        A = (J * wt[:, None]).T @ J
        b = (J * wt[:, None]).T @ r
        if prior > 0:
            _, Cu, Cv = _warp_jac(a, corners)
            Cj = np.vstack([Cu, Cv]) * s
            cp, _, _ = _warp_jac(a, corners)
            disp = (cp - corners).T.ravel() * s
            A = A + prior * Cj.T @ Cj
            b = b + prior * Cj.T @ disp
        A += 1e-6 * np.trace(A) * np.eye(8) / 8 + 1e-9 * np.eye(8)
        try:
            da = -np.linalg.solve(A, b)
        except np.linalg.LinAlgError:
            break
        a = a + da
    H = Ninv @ _warp(a) @ Hn0
    H = H / H[2, 2]
    return score(H, ev, model_xy, inlier_px=inlier_px)


def _grad(img: np.ndarray, uv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference gradient of ``img`` at float pixels ``uv``."""
    dx, dy = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    gx = 0.5 * (bilinear(img, uv + dx) - bilinear(img, uv - dx))
    gy = 0.5 * (bilinear(img, uv + dy) - bilinear(img, uv - dy))
    return gx, gy


def score(H: np.ndarray, ev: LineEvidence, model_xy: np.ndarray, inlier_px: float = 1.5,
          tau: float = 6.0, with_strength: bool = True) -> RefineResult:
    """Quality of ``H`` against the evidence: residual, inliers, truncated cost and constraint strength.

    The strength is the smallest generalised eigenvalue of the inlier point-to-line normal matrix against the
    motion of the image corners: near zero when the visible lines leave some motion of the camera unconstrained
    (e.g. only parallel lines in view). ``with_strength=False`` leaves it at 0 (not computed: a pan / tilt / zoom
    alignment cannot slide along free warp directions, so its callers never read it).
    """
    h, w = ev.shape
    xy = visible_model_points(H, ev.shape, model_xy, masks=(ev.players,))
    if len(xy) < 8:
        return RefineResult(H, float("inf"), 0, len(xy), float("inf"), 0.0)
    uv, _ = project(H, xy[:, :2])
    r = bilinear(ev.dist, uv)
    inl = r < inlier_px
    strength = 0.0
    if with_strength and inl.sum() >= 8:
        N, _ = _norm(ev.shape)
        s = w / 2.0
        q, _ = project(N @ H, xy[inl, :2])
        q2, _ = project(N @ H, xy[inl, :2] + 0.05 * xy[inl, 2:4])
        t = q2 - q
        t /= np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-12)
        _, Ju, Jv = _warp_jac(np.zeros(8), q)
        J = (-t[:, 1:2] * Ju + t[:, 0:1] * Jv) * s
        corners = np.array([[-1.0, -h / w], [1.0, -h / w], [-1.0, h / w], [1.0, h / w]])
        _, Cu, Cv = _warp_jac(np.zeros(8), corners)
        Cj = np.vstack([Cu, Cv]) * s
        try:
            e = scipy.linalg.eigh(J.T @ J, Cj.T @ Cj + 1e-9 * np.eye(8), eigvals_only=True)
            strength = float(max(e[0], 0.0))
        except (np.linalg.LinAlgError, ValueError):
            strength = 0.0
    cost = float(np.mean(np.minimum(r, tau)) / tau)
    near = r[r < 5.0]
    residual = float(np.median(near)) if len(near) >= 8 else float("inf")
    return RefineResult(H, residual, int(inl.sum()), len(xy), cost, strength)


_MODEL_CACHE: dict[tuple[float, float, float], np.ndarray] = {}


def model_points(pitch: PitchModel = DEFAULT_PITCH, spacing: float = 0.5) -> np.ndarray:
    """Pitch-model points every ``spacing`` metres along the markings, (N, 4): x, y and the unit tangent (cached)."""
    key = (pitch.length, pitch.width, spacing)
    if key not in _MODEL_CACHE:
        pts = []
        for m in pitch.markings:
            for a, b in m.segments():
                n = max(1, int(np.ceil(np.linalg.norm(b - a) / spacing)))
                t = np.linspace(0, 1, n, endpoint=False)[:, None]
                tan = (b - a) / max(np.linalg.norm(b - a), 1e-9)
                pts.append(np.hstack([a + t * (b - a), np.broadcast_to(tan, (n, 2))]))
        _MODEL_CACHE[key] = np.vstack(pts)
    return _MODEL_CACHE[key]


def resize_matrix(sx: float, sy: float | None = None) -> np.ndarray:
    """Pixel map of a resize by (sx, sy) with pixel-centre alignment (as cv2.resize does): u' = sx (u + 0.5) - 0.5."""
    sy = sx if sy is None else sy
    return np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1.0]])
