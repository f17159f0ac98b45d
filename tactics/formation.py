"""Formations: positions normalised to the block, assigned to templates by the Hungarian algorithm."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from tactics.config import FormationConfig
from tactics.templates import TEMPLATES, central_mf_count, template

UNKNOWN = "unknown"


@dataclass
class FormationFit:
    """Best template for one set of outfield positions."""

    formation: str  #: label such as "4-3-3", or "unknown"
    roles: np.ndarray  #: (n,) role per input player (None when unknown)
    cost: float  #: mean distance to the assigned template slots, in units of the template's spread (lower = surer)
    defenders: int | None
    midfielders: int | None
    forwards: int | None
    central_mf_count: int | None


def _rotation(a: np.ndarray, b: np.ndarray, max_rad: float) -> np.ndarray:
    """Rotation (2x2) that best turns centred ``a`` onto centred ``b`` (Kabsch), clamped to +-max_rad."""
    h = a.T @ b
    ang = np.arctan2(h[0, 1] - h[1, 0], h[0, 0] + h[1, 1])
    ang = float(np.clip(ang, -max_rad, max_rad))
    c, s = np.cos(ang), np.sin(ang)
    return np.array([[c, -s], [s, c]])


def _normalise(p: np.ndarray) -> np.ndarray:
    sd = np.maximum(p.std(axis=0), 1e-6)
    return (p - p.mean(axis=0)) / sd


def fit_template(points: np.ndarray, label: str, cfg: FormationConfig | None = None) -> tuple[float, np.ndarray]:
    """Fit one template to ``points`` (n <= 10, attacking +x, left +y). Returns (cost, slot per point).

    Both sides are scaled per axis to unit spread (so a block's overall size and aspect do not matter),
    then assignment (Hungarian) alternates with a fit of rotation, per-axis scale and shift of the points
    onto their assigned slots.
    """
    cfg = cfg or FormationConfig()
    _, q, _ = template(label)
    qn = _normalise(q)
    pn = _normalise(points)
    cur = pn
    max_rad = np.deg2rad(cfg.max_rotation_deg)
    cols = np.arange(len(points))
    for _ in range(max(1, cfg.iterations)):
        cost_m = np.linalg.norm(cur[:, None, :] - qn[None, :, :], axis=-1)
        rows, cols = linear_sum_assignment(cost_m)
        target = qn[cols]
        if len(points) < 3:
            break
        tc = target - target.mean(axis=0)
        pc = pn - pn.mean(axis=0)
        sd_t = np.maximum(tc.std(axis=0), 1e-6)
        pc = pc * sd_t
        rot = _rotation(pc, tc, max_rad)
        cur = pc @ rot.T + target.mean(axis=0)
    cost_m = np.linalg.norm(cur[:, None, :] - qn[None, :, :], axis=-1)
    rows, cols = linear_sum_assignment(cost_m)
    return float(cost_m[rows, cols].mean()), cols


def detect_formation(points: np.ndarray, cfg: FormationConfig | None = None) -> FormationFit:
    """Best template for outfield ``points`` (n, 2) in the team's attacking frame (+x forward, +y left)."""
    cfg = cfg or FormationConfig()
    points = np.asarray(points, dtype=float)
    points = points[np.isfinite(points).all(axis=1)]
    n = len(points)
    if n < cfg.min_players or n > 10:
        return FormationFit(UNKNOWN, np.full(n, None, dtype=object), float("nan"), None, None, None, None)
    best: tuple[float, str, np.ndarray] | None = None
    for label in cfg.templates:
        if label not in TEMPLATES:
            raise KeyError(f"tactics.formation.templates: unknown template {label!r}")
        cost, cols = fit_template(points, label, cfg)
        if best is None or cost < best[0]:
            best = (cost, label, cols)
    assert best is not None
    cost, label, cols = best
    roles, _, line = template(label)
    counts = [int((line == k).sum()) for k in (0, 1, 2)]
    return FormationFit(label, roles[cols], cost, counts[0], counts[1], counts[2], central_mf_count(roles))
