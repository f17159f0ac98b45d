"""Team shape per frame, vectorised: centroid, width, length, hull area, stretch index, lines."""

from __future__ import annotations

import numpy as np

from tactics.config import ShapeConfig
from tactics.frames import TEAMS, FrameData


def hull_area(pts: np.ndarray) -> np.ndarray:
    """Convex-hull area of each point set: ``pts`` is (N, K, 2) with NaN rows for absent points.

    A point is a hull vertex when the directions to all other points leave an angular gap of at least
    pi; the vertices, sorted by angle around their mean, give the area by the shoelace formula.
    O(K^2 log K) per set, no Python loop over sets.
    """
    N, K, _ = pts.shape
    if N == 0 or K < 3:
        return np.zeros(N)
    ok = np.isfinite(pts).all(axis=-1)
    p = np.where(ok[..., None], pts, 0.0)
    dx = p[:, None, :, 0] - p[:, :, None, 0]  # (N, i, j): i -> j
    dy = p[:, None, :, 1] - p[:, :, None, 1]
    pair = ok[:, None, :] & ok[:, :, None]
    same = (dx == 0) & (dy == 0) & pair
    ok = ok & ~(same & np.tril(np.ones((K, K), dtype=bool), -1)[None]).any(axis=2)
    other = ok[:, None, :] & ok[:, :, None] & ~np.eye(K, dtype=bool)[None]
    ang = np.arctan2(dy, dx)
    ang[~other] = np.inf
    ang.sort(axis=2)
    m = other.sum(axis=2)  # valid directions per point
    with np.errstate(invalid="ignore"):
        gaps = np.diff(ang, axis=2)
        gaps = np.where(np.arange(K - 1)[None, None, :] < (m - 1)[..., None], gaps, -np.inf)
        wrap = ang[:, :, 0] + 2 * np.pi - np.take_along_axis(ang, np.maximum(m - 1, 0)[..., None], axis=2)[..., 0]
    max_gap = np.maximum(gaps.max(axis=2, initial=-np.inf), wrap)
    vert = ok & (max_gap >= np.pi - 1e-9)
    nv = vert.sum(axis=1)
    c = np.where(vert[..., None], p, 0.0).sum(axis=1) / np.maximum(nv, 1)[:, None]
    theta = np.where(vert, np.arctan2(p[..., 1] - c[:, None, 1], p[..., 0] - c[:, None, 0]), np.inf)
    order = np.argsort(theta, axis=1)
    q = np.take_along_axis(p, order[..., None], axis=1)
    valid = np.arange(K)[None, :] < nv[:, None]
    nxt = np.where(np.arange(K)[None, :] + 1 < nv[:, None], np.arange(K)[None, :] + 1, 0)
    qn = np.take_along_axis(q, nxt[..., None], axis=1)
    term = np.where(valid, q[..., 0] * qn[..., 1] - qn[..., 0] * q[..., 1], 0.0)
    area = 0.5 * np.abs(term.sum(axis=1))
    return np.where(nv >= 3, area, 0.0)


def team_shape(fd: FrameData, team: int, cfg: ShapeConfig | None = None, chunk: int = 20000) -> dict[str, np.ndarray]:
    """Shape of ``team`` (0 home, 1 away) in every frame; x and y are turned so the team attacks +x.

    Outfield players only (goalkeepers excluded). Values are NaN where fewer than ``min_players`` are seen.
    Lines: the deepest ``defenders`` players, the most advanced ``forwards`` and the rest as midfield;
    ``def_line_x`` is the mean x of the defensive line, gaps are between line means.
    """
    cfg = cfg or ShapeConfig()
    d = fd.direction[:, team][:, None, None]
    p = fd.pos[:, team] * d  # (F, K, 2)
    vis = fd.visible[:, team] & ~fd.gk[:, team]
    p = np.where(vis[..., None], p, np.nan)
    n = vis.sum(axis=1)
    enough = n >= max(cfg.min_players, 1)
    F = fd.n_frames
    out: dict[str, np.ndarray] = {"players": n.astype(np.int32)}
    with np.errstate(invalid="ignore", divide="ignore"):
        nn = np.maximum(n, 1)
        x, y = p[..., 0], p[..., 1]
        cx = np.where(vis, x, 0).sum(axis=1) / nn
        cy = np.where(vis, y, 0).sum(axis=1) / nn
        xmax = np.where(vis, x, -np.inf).max(axis=1, initial=-np.inf)
        xmin = np.where(vis, x, np.inf).min(axis=1, initial=np.inf)
        ymax = np.where(vis, y, -np.inf).max(axis=1, initial=-np.inf)
        ymin = np.where(vis, y, np.inf).min(axis=1, initial=np.inf)
        dist = np.hypot(x - cx[:, None], y - cy[:, None])
        stretch = np.where(vis, dist, 0).sum(axis=1) / nn
        xs = np.sort(np.where(vis, x, np.inf), axis=1)
        xs0 = np.where(np.isfinite(xs), xs, 0.0)
        cs = np.concatenate([np.zeros((F, 1)), np.cumsum(xs0, axis=1)], axis=1)
        nd = np.minimum(cfg.defenders, n)
        nf = np.minimum(cfg.forwards, np.maximum(n - nd, 0))
        nm = n - nd - nf
        r = np.arange(F)
        def_mean = cs[r, nd] / np.maximum(nd, 1)
        mid_mean = (cs[r, nd + nm] - cs[r, nd]) / np.maximum(nm, 1)
        fwd_mean = (cs[r, n] - cs[r, nd + nm]) / np.maximum(nf, 1)
    area = np.zeros(F)
    step = max(64, min(chunk, 8_000_000 // max(p.shape[1], 1) ** 2))
    for a in range(0, F, step):
        area[a:a + step] = hull_area(p[a:a + step])
    nan = np.nan
    out.update({
        "centroid_x": np.where(enough, cx, nan),
        "centroid_y": np.where(enough, cy, nan),
        "width": np.where(enough, ymax - ymin, nan),
        "length": np.where(enough, xmax - xmin, nan),
        "hull_area": np.where(enough, area, nan),
        "stretch_index": np.where(enough, stretch, nan),
        "def_line_x": np.where(enough & (nd > 0), def_mean, nan),
        "line_gap_def_mid": np.where(enough & (nm > 0), mid_mean - def_mean, nan),
        "line_gap_mid_fwd": np.where(enough & (nm > 0) & (nf > 0), fwd_mean - mid_mean, nan),
    })
    return out


def shape_columns(fd: FrameData, poss_team: np.ndarray, cfg: ShapeConfig | None = None) -> dict[str, np.ndarray]:
    """Columns of the ``shape`` table (both teams, every frame; without match_id).

    ``poss_team`` (F,) is the team in possession (-1 none) and fills ``in_possession`` (null when nobody has it).
    """
    parts = []
    for team in (0, 1):
        s = team_shape(fd, team, cfg)
        inpos = np.where(poss_team >= 0, poss_team == team, None).astype(object)
        s = {"frame": fd.frame, "t": fd.t, "team": np.full(fd.n_frames, TEAMS[team], dtype=object),
             "in_possession": inpos, **s}
        parts.append(s)
    order = np.argsort(np.r_[np.arange(fd.n_frames) * 2, np.arange(fd.n_frames) * 2 + 1], kind="stable")
    return {k: np.concatenate([parts[0][k], parts[1][k]])[order] for k in parts[0]}
