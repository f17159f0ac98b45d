"""Analysis windows: long possession phases and fixed-length windows; per-window formations and shape."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tactics.config import FormationConfig
from tactics.formation import UNKNOWN, detect_formation
from tactics.frames import TEAMS, FrameData
from tactics.possession import Possession

SHAPE_KEYS = ("centroid_x", "centroid_y", "width", "length", "hull_area", "stretch_index", "def_line_x",
              "line_gap_def_mid", "line_gap_mid_fwd")


@dataclass
class Window:
    window_id: int
    kind: str  #: "possession" (one possession phase) or "fixed"
    start: int  #: first frame index (into FrameData)
    end: int  #: last frame index, inclusive


def make_windows(fd: FrameData, poss: Possession, cfg: FormationConfig | None = None) -> list[Window]:
    """Possession phases longer than ``min_phase_s`` and fixed ``fixed_window_s`` windows (per period)."""
    cfg = cfg or FormationConfig()
    out: list[Window] = []
    F = fd.n_frames
    if F == 0:
        return out
    seq = poss.sequence
    m = seq >= 0
    if m.any():
        idx = np.flatnonzero(m)
        s = seq[m]
        starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
        ends = np.r_[starts[1:] - 1, len(s) - 1]
        for a, b in zip(idx[starts], idx[ends], strict=False):
            if fd.t[b] - fd.t[a] > cfg.min_phase_s:
                out.append(Window(len(out), "possession", int(a), int(b)))
    for p in np.unique(fd.period):
        rows = np.flatnonzero(fd.period == p)
        t0 = fd.t[rows[0]]
        k = np.floor((fd.t[rows] - t0) / cfg.fixed_window_s).astype(np.int64)
        cuts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
        ends = np.r_[cuts[1:] - 1, len(k) - 1]
        for a, b in zip(rows[cuts], rows[ends], strict=False):
            out.append(Window(len(out), "fixed", int(a), int(b)))
    return out


def _mean_positions(fd: FrameData, rows: np.ndarray, team: int, cfg: FormationConfig
                    ) -> tuple[np.ndarray, np.ndarray, int]:
    """Mean attacking-frame position per outfield track over ``rows``; the (up to) 10 most present
    tracks seen in at least ``min_presence`` of the frames. Returns (ids, xy, number seen)."""
    ids = fd.ids[rows, team]
    ok = (ids >= 0) & ~fd.gk[rows, team]
    d = fd.direction[rows, team][:, None, None]
    p = (fd.pos[rows, team] * d)[ok]
    tid = ids[ok]
    if len(tid) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 2)), 0
    u, inv = np.unique(tid, return_inverse=True)
    cnt = np.bincount(inv)
    sx = np.bincount(inv, weights=p[:, 0])
    sy = np.bincount(inv, weights=p[:, 1])
    keep = cnt >= cfg.min_presence * len(rows)
    order = np.argsort(-cnt[keep], kind="stable")[:10]
    sel = np.flatnonzero(keep)[order]
    xy = np.stack([sx[sel] / cnt[sel], sy[sel] / cnt[sel]], axis=1)
    return u[sel], xy, int(keep.sum())


def window_tables(
    fd: FrameData, poss: Possession, shapes: dict[int, dict[str, np.ndarray]], cfg: FormationConfig | None = None
) -> tuple[dict[str, list], dict[str, list], dict[str, list]]:
    """Rows of ``formations``, ``formation_roles`` and ``shape_windows`` (without match_id).

    For each window and team, the frames where that team is in possession and those where the other
    team is are treated separately (``in_possession``); a side with fewer than ``min_frames`` frames is skipped.
    """
    cfg = cfg or FormationConfig()
    form: dict[str, list] = {k: [] for k in ("window_id", "window_kind", "team", "in_possession", "t_start", "t_end",
                                             "frame_start", "frame_end", "formation", "defenders", "midfielders",
                                             "forwards", "central_mf_count", "cost", "players_seen")}
    roles: dict[str, list] = {k: [] for k in ("window_id", "team", "in_possession", "track_id", "role", "x", "y")}
    shp: dict[str, list] = {k: [] for k in ("window_id", "team", "in_possession", "t_start", "t_end", *SHAPE_KEYS)}
    for w in make_windows(fd, poss, cfg):
        span = np.arange(w.start, w.end + 1)
        pt = poss.phase_team[span]
        for team in (0, 1):
            for inpos in (True, False):
                rows = span[pt == (team if inpos else 1 - team)]
                if len(rows) < cfg.min_frames:
                    continue
                tids, xy, seen = _mean_positions(fd, rows, team, cfg)
                fit = detect_formation(xy, cfg)
                vals = (w.window_id, w.kind, TEAMS[team], inpos, float(fd.t[rows[0]]), float(fd.t[rows[-1]]),
                        int(fd.frame[rows[0]]), int(fd.frame[rows[-1]]), fit.formation, fit.defenders,
                        fit.midfielders, fit.forwards, fit.central_mf_count,
                        None if fit.formation == UNKNOWN else fit.cost, seen)
                for k, v in zip(form, vals, strict=False):
                    form[k].append(v)
                if fit.formation != UNKNOWN:
                    for i in range(len(tids)):
                        for k, v in zip(roles, (w.window_id, TEAMS[team], inpos, int(tids[i]), fit.roles[i],
                                                float(xy[i, 0]), float(xy[i, 1])), strict=False):
                            roles[k].append(v)
                s = shapes[team]
                svals = [w.window_id, TEAMS[team], inpos, float(fd.t[rows[0]]), float(fd.t[rows[-1]])]
                for key in SHAPE_KEYS:
                    v = s[key][rows]
                    v = v[np.isfinite(v)]
                    svals.append(float(v.mean()) if len(v) else None)
                for k, v in zip(shp, svals, strict=False):
                    shp[k].append(v)
    return form, roles, shp
