"""Alignment of a pan-tilt-zoom camera at a known position with the line evidence.

A main broadcast camera turns and zooms but stays where it is. Once its position is known, each frame's
homography has four degrees of freedom (three rotation angles and the focal length) instead of eight, which
keeps the alignment well posed when the visible lines leave some image warp free (a circle and one line,
parallel lines only): the homography cannot slide along directions no real camera can take.
"""

from __future__ import annotations

import numpy as np

from cv.calibration.lines import LineEvidence, RefineResult, bilinear, dist_and_grad, score, visible_model_points


def _rodrigues(w: np.ndarray) -> np.ndarray:
    th = float(np.linalg.norm(w))
    if th < 1e-12:
        return np.eye(3)
    k = w / th
    Kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(th) * Kx + (1 - np.cos(th)) * Kx @ Kx


def snap(H: np.ndarray, C: np.ndarray, width: int, height: int) -> tuple[np.ndarray, float]:
    """Rotation (world -> camera) and focal length of the camera at ``C`` whose homography is closest to ``H``."""
    A = np.array([[1, 0, -C[0]], [0, 1, -C[1]], [0, 0, -C[2]]], dtype=float)
    B = np.asarray(H, dtype=float) @ np.linalg.inv(A)
    K0 = np.array([[1, 0, width / 2], [0, 1, height / 2], [0, 0, 1.0]])
    B = np.linalg.solve(K0, B)
    f = (np.linalg.norm(B[0]) + np.linalg.norm(B[1])) / (2 * np.linalg.norm(B[2]))
    R = np.vstack([B[0] / f, B[1] / f, B[2]])
    if np.linalg.det(R) < 0:
        R = -R
    U, _, Vt = np.linalg.svd(R)
    R = U @ Vt
    return R, float(f)


def ptz_homography(R: np.ndarray, f: float, C: np.ndarray, width: int, height: int) -> np.ndarray:
    K = np.array([[f, 0, width / 2], [0, f, height / 2], [0, 0, 1.0]])
    H = K @ R @ np.array([[1, 0, -C[0]], [0, 1, -C[1]], [0, 0, -C[2]]], dtype=float)
    return H / H[2, 2]


def refine_ptz(H0: np.ndarray, C: np.ndarray, ev: LineEvidence, model_xy: np.ndarray,
               taus: tuple[float, ...] = (8.0, 5.0, 3.0, 3.0), ridge_iters: int = 3,
               inlier_px: float = 1.5, position_prior: float | np.ndarray = 4.0,
               prior_centre: np.ndarray | None = None) -> tuple[RefineResult, np.ndarray]:
    """Align the pitch model seen by a camera near ``C`` (metres) with ``ev``, starting from ``H0`` (working px):
    robust Gauss-Newton over rotation, log focal length and the camera position, the position held to
    ``prior_centre`` (default ``C``) by a prior of ``position_prior`` (weight per m^2, in units of one model point's
    squared px; one number or one per axis). Returns the result and the position estimate."""
    h, w = ev.shape
    R0, f0 = snap(H0, C, w, h)
    xy = visible_model_points(H0, ev.shape, model_xy, masks=(ev.players,))
    if len(xy) < 8:
        return RefineResult(H0, float("inf"), 0, len(xy), float("inf"), 0.0), np.asarray(C, dtype=float)
    X = np.hstack([xy[:, :2], np.ones((len(xy), 1))])
    X2 = np.hstack([xy[:, :2] + 0.05 * xy[:, 2:4], np.ones((len(xy), 1))])  # a short step along the marking
    C = np.asarray(C, dtype=float)
    n = 7
    p = np.zeros(n)  # rotation vector (camera frame), log focal change, position change (m)

    def proj(q: np.ndarray, pts: np.ndarray = X) -> np.ndarray:
        Hq = ptz_homography(_rodrigues(q[:3]) @ R0, f0 * np.exp(q[3]), C + q[4:7], w, h)
        z = pts @ Hq.T
        return z[:, :2] / z[:, 2:3]

    eps = 1e-5
    steps = np.vstack([np.zeros(n), eps * np.eye(n)])

    def proj_jac(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Projections (N, 2) at ``q`` and their forward-difference Jacobian (N, 2, n), in one batch."""
        Hs = _ptz_homographies(q + steps, R0, f0, C, w, h)
        z = (X @ Hs.reshape(-1, 3).T).reshape(len(X), n + 1, 3)  # one matrix product for all n + 1 cameras
        uv = z[..., :2] / z[..., 2:3]  # (N, n + 1, 2)
        return uv[:, 0], ((uv[:, 1:] - uv[:, :1]) / eps).transpose(0, 2, 1)

    P = np.diag(np.r_[np.zeros(4), np.broadcast_to(np.asarray(position_prior, dtype=float), 3)])
    # the prior pulls the position change towards c0 (zero when the prior is centred on the start)
    c0 = np.zeros(n) if prior_centre is None else np.r_[np.zeros(4), np.asarray(prior_centre, dtype=float) - C]
    # first the camera near C that best reproduces H0 on the visible model points (the algebraic snap is only a
    # start: with a distant, narrow camera a small change of H0 implies metres of camera motion)
    target = X @ np.asarray(H0, dtype=float).T
    target = target[:, :2] / target[:, 2:3]
    for _ in range(6):
        uv, J = proj_jac(p)
        J = J.reshape(-1, n)
        e = (uv - target).ravel()
        A = J.T @ J + P * len(uv) * 0.01
        A += 1e-9 * np.trace(A) * np.eye(n)
        step = np.linalg.solve(A, J.T @ e + P * len(uv) * 0.01 @ (p - c0))
        p = p - step
        if np.abs(step).max() < 1e-7:
            break
    for kind, tau in [("dist", t) for t in taus] + [("ridge", 3.0)] * ridge_iters:
        uv, J = proj_jac(p)  # (N, 2), (N, 2, n)
        Jr, r, wt = line_terms(kind, tau, uv, J, proj(p, X2) - uv if kind == "ridge" else None, ev)
        A = (Jr * wt[:, None]).T @ Jr
        b = (Jr * wt[:, None]).T @ r
        A = A + P
        b = b + P @ (p - c0)
        A += 1e-6 * np.trace(A) * np.eye(n) + 1e-12 * np.eye(n)
        try:
            p = p - np.linalg.solve(A, b)
        except np.linalg.LinAlgError:
            break
    H = ptz_homography(_rodrigues(p[:3]) @ R0, f0 * np.exp(p[3]), C + p[4:7], w, h)
    return score(H, ev, model_xy, inlier_px=inlier_px, with_strength=False), C + p[4:7]


def _ptz_homographies(Q: np.ndarray, R0: np.ndarray, f0: float, C: np.ndarray, width: int, height: int
                      ) -> np.ndarray:
    """:func:`ptz_homography` of the cameras ``Q`` (B, 7: rotation vector, log focal change, position change)
    about ``R0``, ``f0``, ``C``, vectorised (B, 3, 3)."""
    w = Q[:, :3]
    th = np.linalg.norm(w, axis=1)
    k = w / np.where(th < 1e-12, 1.0, th)[:, None]
    Kx = np.zeros((len(Q), 3, 3))
    Kx[:, 0, 1], Kx[:, 0, 2], Kx[:, 1, 2] = -k[:, 2], k[:, 1], -k[:, 0]
    Kx[:, 1, 0], Kx[:, 2, 0], Kx[:, 2, 1] = k[:, 2], -k[:, 1], k[:, 0]
    s = np.where(th < 1e-12, 0.0, np.sin(th))[:, None, None]
    c = np.where(th < 1e-12, 0.0, 1 - np.cos(th))[:, None, None]
    R = (np.eye(3) + s * Kx + c * Kx @ Kx) @ R0
    f = f0 * np.exp(Q[:, 3])
    Cq = C + Q[:, 4:7]
    # K @ R @ [[1, 0, -Cx], [0, 1, -Cy], [0, 0, -Cz]]
    M = np.stack([R[:, :, 0], R[:, :, 1], -np.einsum("bij,bj->bi", R, Cq)], axis=2)
    H = np.stack([f[:, None] * M[:, 0] + width / 2 * M[:, 2], f[:, None] * M[:, 1] + height / 2 * M[:, 2], M[:, 2]],
                 axis=1)
    return H / H[:, 2:3, 2:3]


_OFFS = np.arange(-3, 4, dtype=float)


def line_terms(kind: str, tau: float, uv: np.ndarray, J: np.ndarray, tangent: np.ndarray | None, ev: LineEvidence
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One robust alignment step's terms for projected model points ``uv`` (N, 2) with Jacobian ``J`` (N, 2, n):
    the residual Jacobian (N, n), residuals (N,) and weights (N,). ``kind`` "dist": the distance field truncated at
    ``tau``; "ridge": sub-pixel, the ridge of the line mask along the normal of ``tangent`` (N, 2) (the distance
    field is flat across the width of a painted line)."""
    h, w = ev.shape
    inside = (uv[:, 0] >= 4) & (uv[:, 0] <= w - 5) & (uv[:, 1] >= 4) & (uv[:, 1] <= h - 5)
    if kind == "dist":
        r, gx, gy = dist_and_grad(ev, uv)
        wt = np.where(inside & (r < tau), (1 - (r / tau) ** 2) ** 2, 0.0)
    else:
        t = tangent / np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-12)
        nrm = np.stack([-t[:, 1], t[:, 0]], axis=1)
        samp = uv[:, None, :] + _OFFS[None, :, None] * nrm[:, None, :]
        Rg = bilinear(ev.ridge, samp.reshape(-1, 2)).reshape(len(uv), len(_OFFS))
        k = np.clip(np.argmax(Rg, axis=1), 1, len(_OFFS) - 2)
        rows = np.arange(len(uv))
        r0, r1, r2 = Rg[rows, k - 1], Rg[rows, k], Rg[rows, k + 1]
        den = r0 - 2 * r1 + r2
        frac = np.where(den < -1e-6, 0.5 * (r0 - r2) / np.where(den < -1e-6, den, -1.0), 0.0)
        r = -(_OFFS[k] + np.clip(frac, -0.5, 0.5))
        gx, gy = nrm[:, 0], nrm[:, 1]
        wt = np.where(inside & (r1 > 0.15) & (den < -1e-6), 1.0 / np.maximum(1.0, np.abs(r)), 0.0)
    return gx[:, None] * J[:, 0, :] + gy[:, None] * J[:, 1, :], r, wt
