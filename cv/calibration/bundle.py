"""Joint estimate of the main camera's position over several frames (a small bundle adjustment).

On a narrow view (a piece of the centre circle and a line) one frame barely fixes where the camera stands: the
distance along the viewing direction trades off against the zoom, and the perspective that tells them apart is a
fraction of a pixel. Frames with other pans and zooms see the pitch along other directions, and a camera that
pans and zooms but does not move must explain all of them from one position. The fit here shares the position
over the frames (each keeps its own rotation and focal length), aligns every frame with its line evidence
(distance field, then the sub-pixel ridge) and holds the position weakly to where broadcast main cameras stand
(near the halfway line, some 20-45 m behind the near touchline), which settles what the lines leave free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cv.calibration.lines import LineEvidence, RefineResult, score, visible_model_points
from cv.calibration.ptz import _rodrigues, line_terms, ptz_homography, snap
from cv.pitch import DEFAULT_PITCH, PitchModel

#: broadcast prior: the main camera near the halfway line, ~32 m behind the near touchline (height free: the
#: lines fix the elevation); weights per m^2 in units of one model point's squared working px
PRIOR_BEHIND_M = 32.0
PRIOR_WEIGHTS = (0.0005, 0.002, 0.0)


def broadcast_prior(pitch: PitchModel = DEFAULT_PITCH) -> np.ndarray:
    """Where a main broadcast camera stands most often (x, y, z metres; z unused)."""
    return np.array([0.0, -pitch.half_width - PRIOR_BEHIND_M, 0.0])


@dataclass
class JointFit:
    """The shared position (m) and every frame's aligned homography (working px) with its score."""

    position: np.ndarray
    results: list[RefineResult]


def joint_position(frames: list[tuple[np.ndarray, LineEvidence]], C0: np.ndarray, model_xy: np.ndarray,
                   pitch: PitchModel = DEFAULT_PITCH,
                   taus: tuple[float, ...] = (8.0, 6.0, 5.0, 4.0, 3.0, 3.0, 3.0, 3.0), ridge_iters: int = 4,
                   max_step_m: float = 4.0, prior_weights: tuple[float, float, float] = PRIOR_WEIGHTS,
                   prior_centre: np.ndarray | None = None) -> JointFit:
    """Align ``frames`` ((homography, evidence) pairs, working px) with one camera position, starting at ``C0``.

    Robust Gauss-Newton over the position (3) and each frame's rotation vector and log focal length (4 each); the
    position is held to ``prior_centre`` (default :func:`broadcast_prior`) with ``prior_weights`` per axis.
    """
    C0 = np.asarray(C0, dtype=float)
    centre = broadcast_prior(pitch) if prior_centre is None else np.asarray(prior_centre, dtype=float)
    per = []
    for H0, ev in frames:
        h, w = ev.shape
        R0, f0 = snap(H0, C0, w, h)
        xy = visible_model_points(H0, ev.shape, model_xy, masks=(ev.players,))
        if len(xy) < 8:
            continue
        X = np.hstack([xy[:, :2], np.ones((len(xy), 1))])
        X2 = np.hstack([xy[:, :2] + 0.05 * xy[:, 2:4], np.ones((len(xy), 1))])
        per.append((ev, R0, f0, X, X2, H0))
    m = len(per)
    if m == 0:
        return JointFit(C0, [])
    n = 3 + 4 * m
    p = np.zeros(n)  # position change, then per frame: rotation vector, log focal change
    Pw = np.zeros(n)
    Pw[:3] = prior_weights
    c0 = np.zeros(n)
    c0[:3] = np.where(Pw[:3] > 0, centre - C0, 0.0)
    eps = 1e-5

    def proj(i: int, q: np.ndarray, C: np.ndarray, pts: np.ndarray) -> np.ndarray:
        ev, R0, f0 = per[i][0], per[i][1], per[i][2]
        h, w = ev.shape
        Hq = ptz_homography(_rodrigues(q[:3]) @ R0, f0 * np.exp(q[3]), C, w, h)
        z = pts @ Hq.T
        return z[:, :2] / z[:, 2:3]

    # first each frame's camera at C0 that reproduces its starting homography (the snap is algebraic only)
    for i, (_, _, _, X, _, H0) in enumerate(per):
        tgt = X @ np.asarray(H0, dtype=float).T
        tgt = tgt[:, :2] / tgt[:, 2:3]
        q = np.zeros(4)
        for _ in range(5):
            uv = proj(i, q, C0, X)
            J = np.stack([(proj(i, q + eps * np.eye(4)[k], C0, X) - uv) / eps for k in range(4)], axis=2)
            J = J.reshape(-1, 4)
            A = J.T @ J + 1e-9 * np.eye(4)
            step = np.linalg.solve(A, J.T @ (uv - tgt).ravel())
            q -= step
            if np.abs(step).max() < 1e-7:
                break
        p[3 + 4 * i : 7 + 4 * i] = q
    for kind, tau in [("dist", t) for t in taus] + [("ridge", 3.0)] * ridge_iters:
        A = np.diag(Pw)
        b = Pw * (p - c0)
        C = C0 + p[:3]
        for i, (ev, _, _, X, X2, _) in enumerate(per):
            sl = slice(3 + 4 * i, 7 + 4 * i)
            q = p[sl]
            uv = proj(i, q, C, X)
            J = np.empty((len(uv), 2, 7))
            for k in range(4):
                J[:, :, k] = (proj(i, q + eps * np.eye(4)[k], C, X) - uv) / eps
            for k in range(3):
                J[:, :, 4 + k] = (proj(i, q, C + eps * np.eye(3)[k], X) - uv) / eps
            tangent = proj(i, q, C, X2) - uv if kind == "ridge" else None
            Jr, r, wt = line_terms(kind, tau, uv, J, tangent, ev)
            Jw = Jr * wt[:, None]
            idx = np.r_[np.arange(sl.start, sl.stop), 0, 1, 2]
            A[np.ix_(idx, idx)] += Jw.T @ Jr
            b[idx] += Jw.T @ r
        # damping scaled per parameter: along the viewing direction the position is only weakly curved
        A += np.diag(1e-6 * np.diag(A) + 1e-9)
        try:
            step = np.linalg.solve(A, b)
        except np.linalg.LinAlgError:
            break
        # a trust region: the position moves at most ``max_step_m`` per iteration, the rest in proportion
        step *= min(1.0, max_step_m / max(float(np.linalg.norm(step[:3])), 1e-12))
        p = p - step
    C = C0 + p[:3]
    out = []
    for i, (ev, R0, f0, _, _, _) in enumerate(per):
        h, w = ev.shape
        q = p[3 + 4 * i : 7 + 4 * i]
        out.append(score(ptz_homography(_rodrigues(q[:3]) @ R0, f0 * np.exp(q[3]), C, w, h), ev, model_xy))
    return JointFit(C, out)
