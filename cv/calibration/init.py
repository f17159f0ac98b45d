"""Calibration from nothing: a grid of broadcast camera poses scored against the line evidence, then refined.

Each candidate pose is scored both ways: how far the projected pitch model lies from the painted-line pixels
(image distance field), how far the painted-line pixels lie from the model once mapped onto the pitch (pitch
distance field, metres), and how well the projected pitch agrees with the grass area. The best candidates are
searched more finely around, then refined with :func:`cv.calibration.lines.refine`.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from cv.calibration.lines import LineEvidence, RefineResult, model_points, refine
from cv.camera import Camera
from cv.pitch import DEFAULT_PITCH, PitchModel

#: camera positions tried (metres): centred behind the near touchline at a few distances and heights
POSITIONS = ((0.0, -34.0 - 40.0, 20.0), (0.0, -34.0 - 25.0, 14.0))
INIT_TAUS = (40.0, 30.0, 20.0, 15.0, 10.0, 7.0, 5.0, 4.0, 3.0, 3.0, 3.0)
PITCH_DT_RES = 0.25  # metres per pixel of the pitch-space distance field


def _poses(width: int, height: int, hfovs: np.ndarray, pan_range: tuple[float, float], tilt_range: tuple[float, float],
           step: float = 1 / 3) -> list[tuple[tuple, float, float, float]]:
    out = []
    for pos in POSITIONS:
        for hfov in hfovs:
            f = width / 2 / np.tan(hfov / 2)
            vfov = 2 * np.arctan(height / 2 / f)
            for pan in np.arange(pan_range[0], pan_range[1] + 1e-9, hfov * step):
                for tilt in np.arange(tilt_range[0], tilt_range[1] + 1e-9, vfov * step):
                    out.append((pos, float(pan), float(tilt), float(f)))
    return out


def _homs(poses: list, width: int, height: int) -> np.ndarray:
    return np.array([Camera(position=p, pan=a, tilt=b, focal=f, width=width, height=height).homography
                     for p, a, b, f in poses])


@lru_cache(maxsize=4)
def candidate_grid(width: int, height: int) -> tuple[np.ndarray, tuple]:
    """Coarse grid of pan / tilt / field of view: homographies (C, 3, 3) and the poses they come from."""
    poses = _poses(width, height, np.geomspace(np.radians(9), np.radians(62), 8), (-np.radians(68), np.radians(68)),
                   (np.radians(6), np.radians(42)), step=0.4)
    return _homs(poses, width, height), tuple(poses)


@lru_cache(maxsize=4)
def _pitch_distance(length: float, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) from every point of the pitch surroundings to the nearest marking, and pitch->raster map."""
    pitch = PitchModel(length, width)
    m = 15.0
    W, Hh = int((length + 2 * m) / PITCH_DT_RES), int((width + 2 * m) / PITCH_DT_RES)
    A = np.array([[1 / PITCH_DT_RES, 0, (length / 2 + m) / PITCH_DT_RES],
                  [0, 1 / PITCH_DT_RES, (width / 2 + m) / PITCH_DT_RES], [0, 0, 1.0]])
    img = np.full((Hh, W), 255, np.uint8)
    for mk in pitch.markings:
        p = (np.hstack([mk.points, np.ones((len(mk.points), 1))]) @ A.T)[:, :2]
        cv2.polylines(img, [np.round(p * 4).astype(np.int32)], mk.closed, 0, 1, shift=2)
    d = cv2.distanceTransform(img, cv2.DIST_L2, 3) * PITCH_DT_RES
    return d.astype(np.float32), A


def _grid(shape: tuple[int, int], nx: int = 24, ny: int = 14) -> np.ndarray:
    h, w = shape
    u, v = np.meshgrid((np.arange(nx) + 0.5) * w / nx, (np.arange(ny) + 0.5) * h / ny)
    return np.stack([u.ravel(), v.ravel()], axis=1)


def score_candidates(Hs: np.ndarray, ev: LineEvidence, pitch: PitchModel = DEFAULT_PITCH, tau: float = 10.0,
                     tau_m: float = 2.0, chunk: int = 256, seed: int = 0) -> np.ndarray:
    """Score (lower is better) of each homography (C, 3, 3) against the evidence, in about [0, 3]."""
    h, w = ev.shape
    mp = model_points(pitch, spacing=2.0)[:, :2]
    X = np.hstack([mp, np.ones((len(mp), 1))])
    g = _grid(ev.shape)
    field = ev.field[g[:, 1].astype(int), g[:, 0].astype(int)] > 0
    G = np.hstack([g, np.ones((len(g), 1))])
    vs, us = np.nonzero(ev.lines)
    if len(us) > 250:
        sel = np.random.default_rng(seed).choice(len(us), 250, replace=False)
        us, vs = us[sel], vs[sel]
    E = np.stack([us, vs, np.ones_like(us)], axis=1).astype(float)
    pdist, A = _pitch_distance(pitch.length, pitch.width)
    ph, pw = pdist.shape
    dist = np.minimum(ev.dist, tau)
    out = np.empty(len(Hs))
    for i0 in range(0, len(Hs), chunk):
        Hc = Hs[i0 : i0 + chunk]
        # model -> image
        p = np.einsum("cij,nj->cni", Hc, X)
        z = p[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            u, v = p[..., 0] / z, p[..., 1] / z
        vis = (z > 0) & (u >= 0) & (u <= w - 1) & (v >= 0) & (v <= h - 1)
        d = np.where(vis, dist[np.where(vis, v, 0).astype(np.int32), np.where(vis, u, 0).astype(np.int32)], 0.0)
        nvis = vis.sum(axis=1)
        chamfer = d.sum(axis=1) / np.maximum(nvis, 1) / tau
        Hi = np.linalg.inv(Hc)
        # evidence -> pitch
        if len(E):
            q = np.einsum("cij,nj->cni", A @ Hi, E)
            qz = q[..., 2]
            with np.errstate(divide="ignore", invalid="ignore"):
                x, y = q[..., 0] / qz, q[..., 1] / qz
            ok = (qz > 0) & (x >= 0) & (x <= pw - 1) & (y >= 0) & (y <= ph - 1)
            dm = np.where(ok, pdist[np.where(ok, y, 0).astype(np.int32), np.where(ok, x, 0).astype(np.int32)], tau_m)
            explained = np.minimum(dm, tau_m).mean(axis=1) / tau_m
        else:
            explained = np.ones(len(Hc))
        # field agreement on an image grid
        q = np.einsum("cij,nj->cni", Hi, G)
        qz = q[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            x, y = q[..., 0] / qz, q[..., 1] / qz
        ground = qz > 0
        ax, ay = np.abs(x) - pitch.half_length, np.abs(y) - pitch.half_width
        inside = ground & (ax < -1) & (ay < -1)
        far_out = ~ground | (ax > 12) | (ay > 10)
        bad = (field[None, :] & far_out) | (~field[None, :] & inside)
        out[i0 : i0 + chunk] = chamfer + explained + bad.mean(axis=1) + np.where(nvis < 20, 1.0, 0.0)
    return out


def initialise(ev: LineEvidence, pitch: PitchModel = DEFAULT_PITCH, starts: int = 40,
               tau: float = 60.0, tau_m: float = 10.0) -> RefineResult | None:
    """Multi-start calibration: the ``starts`` best grid poses under a wide-basin score are each refined on the
    lines; the refinement that best explains the evidence (both ways, tight tolerances) wins (working px)."""
    h, w = ev.shape
    if ev.line_share <= 0:
        return None
    Hs, _ = candidate_grid(w, h)
    sc = score_candidates(Hs, ev, pitch, tau=tau, tau_m=tau_m)
    mp = model_points(pitch)
    results: list[RefineResult] = []
    seen: list[np.ndarray] = []
    for i in np.argsort(sc):
        if len(results) >= starts:
            break
        sig = _signature(Hs[i], w, h)
        if any(np.median(np.linalg.norm(sig - s, axis=1)) < 2.0 for s in seen):
            continue
        seen.append(sig)
        results.append(refine(Hs[i], ev, mp, taus=INIT_TAUS, ridge_iters=0, pitch=pitch))
    if not results:
        return None
    final = score_candidates(np.array([r.H for r in results]), ev, pitch, tau=4.0, tau_m=0.5)
    best = results[int(np.argmin(final))]
    return refine(best.H, ev, mp, taus=(3.0, 3.0), pitch=pitch)


def _signature(H: np.ndarray, w: int, h: int) -> np.ndarray:
    """Pitch positions (m) of points across the image, clipped: tells candidates apart."""
    c = np.array([[0.2 * w, 0.5 * h], [0.8 * w, 0.5 * h], [0.5 * w, 0.9 * h], [0.5 * w, 0.3 * h]])
    p = np.hstack([c, np.ones((4, 1))]) @ np.linalg.inv(H).T
    z = np.where(p[:, 2:3] > 1e-9, p[:, 2:3], 1e-9)
    return np.clip(p[:, :2] / z, -150, 150)
