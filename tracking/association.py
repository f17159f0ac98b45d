"""Association costs and assignment: IoU, Mahalanobis gate in pitch space, appearance, Hungarian solver."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

INFEASIBLE = 1e6


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU (Na, Nb) of boxes ``a`` (Na, 4) and ``b`` (Nb, 4) in xyxy; NaN boxes give 0."""
    a = np.asarray(a, dtype=float).reshape(-1, 4)
    b = np.asarray(b, dtype=float).reshape(-1, 4)
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = inter / union
    return np.where(union > 0, iou, 0.0)


def assign(cost: np.ndarray, max_cost: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum-cost matching; returns (pairs (M, 2) of row/col, unmatched rows, unmatched cols).

    Entries above ``max_cost`` (or at ``INFEASIBLE``) are never matched.
    """
    nr, nc = cost.shape
    if nr == 0 or nc == 0:
        return np.zeros((0, 2), dtype=int), np.arange(nr), np.arange(nc)
    c = np.where(cost <= max_cost, cost, INFEASIBLE)
    # drop rows / cols with no feasible entry before solving (smaller problem)
    rows = np.flatnonzero((c < INFEASIBLE).any(axis=1))
    cols = np.flatnonzero((c < INFEASIBLE).any(axis=0))
    pairs = np.zeros((0, 2), dtype=int)
    if len(rows) and len(cols):
        sub = c[np.ix_(rows, cols)]
        r, k = linear_sum_assignment(sub)
        ok = sub[r, k] < INFEASIBLE
        pairs = np.stack([rows[r[ok]], cols[k[ok]]], axis=1)
    mr = np.ones(nr, bool)
    mc = np.ones(nc, bool)
    mr[pairs[:, 0]] = False
    mc[pairs[:, 1]] = False
    return pairs, np.flatnonzero(mr), np.flatnonzero(mc)


def motion_cost(d2: np.ndarray, dist: np.ndarray, gate_chi2: float, gate_min_m: float,
                max_radius: np.ndarray | None = None) -> np.ndarray:
    """Normalised Mahalanobis cost sqrt(d2 / gate) (T, D); INFEASIBLE outside the gate.

    A pair is inside the gate when ``d2 <= gate_chi2`` or the Euclidean distance is below ``gate_min_m``,
    and (if given) the distance is within the track's reachable radius ``max_radius`` (T,).
    """
    inside = (d2 <= gate_chi2) | (dist <= gate_min_m)
    if max_radius is not None:
        inside &= dist <= max_radius[:, None]
    c = np.sqrt(np.minimum(d2, gate_chi2) / gate_chi2)
    return np.where(inside & np.isfinite(d2), c, INFEASIBLE)
