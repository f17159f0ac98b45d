"""Long-format tracks -> dense per-frame arrays (frames x teams x slots), with attacking directions.

Slots are per frame: the players of a team visible in a frame fill slots ``0..n-1`` (sorted by
track id), so the arrays stay small however many track ids a match has. Missing values are NaN
(positions) or -1 (ids).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tactics.config import DirectionConfig, KinematicsConfig
from tactics.kinematics import smooth_tracks

TEAMS = ("home", "away")


@dataclass
class FrameData:
    """Dense per-frame arrays of one match."""

    frame: np.ndarray  #: (F,) frame numbers, sorted
    t: np.ndarray  #: (F,) seconds
    ids: np.ndarray  #: (F, 2, K) track id per team slot, -1 where empty
    pos: np.ndarray  #: (F, 2, K, 2) smoothed x, y (m), NaN where empty
    vel: np.ndarray  #: (F, 2, K, 2) velocity (m/s), NaN where empty
    gk: np.ndarray  #: (F, 2, K) slot holds a goalkeeper
    ball: np.ndarray  #: (F, 3) ball x, y, z (z NaN if unknown), NaN where the ball is not seen
    ball_vel: np.ndarray  #: (F, 2) ball velocity on the ground plane
    period: np.ndarray  #: (F,) period index from 0 (a new one after each time hole > period_gap_s)
    direction: np.ndarray  #: (F, 2) +1 if the team attacks towards +x in that frame, else -1
    fps: float

    @property
    def n_frames(self) -> int:
        return len(self.frame)

    @property
    def visible(self) -> np.ndarray:
        """(F, 2, K) slot holds a player with a position."""
        return self.ids >= 0


def _col(cols: Mapping[str, object], name: str, n: int, dtype: object = float) -> np.ndarray:
    v = cols.get(name)
    if v is None:
        return np.full(n, np.nan) if dtype is float else np.full(n, None, dtype=object)
    a = np.asarray(v)
    if dtype is float:
        return np.asarray(a, dtype=float)
    return a.astype(object)


def build_frames(
    cols: Mapping[str, object],
    fps: float,
    kinematics: KinematicsConfig | None = None,
    direction: DirectionConfig | None = None,
    ball_half_window_s: float = 0.1,
) -> FrameData:
    """Turn long-format track columns (frame, t, track_id, role, team, x, y[, z]) into :class:`FrameData`.

    Rows without a pitch position are ignored. Players are rows whose role is ``player`` or
    ``goalkeeper`` (or null) with team ``home``/``away``; the ball is the role ``ball`` (the first row
    per frame if several). Referees and everything else are ignored.
    """
    kin = kinematics or KinematicsConfig()
    dcfg = direction or DirectionConfig()
    frame_col = np.asarray(cols["frame"], dtype=np.int64)
    n = len(frame_col)
    t_col = _col(cols, "t", n)
    x = _col(cols, "x", n)
    y = _col(cols, "y", n)
    z = _col(cols, "z", n)
    role = _col(cols, "role", n, object)
    team = _col(cols, "team", n, object)
    tid = np.asarray(cols["track_id"], dtype=np.int64) if "track_id" in cols else np.zeros(n, dtype=np.int64)

    frames, first = np.unique(frame_col, return_index=True)  # frame numbers increase with time
    t = t_col[first] if n else np.zeros(0)
    fi = np.searchsorted(frames, frame_col)
    F = len(frames)

    has_pos = np.isfinite(x) & np.isfinite(y)
    team_code = np.full(n, -1, dtype=np.int64)
    team_code[team == TEAMS[0]] = 0
    team_code[team == TEAMS[1]] = 1
    is_ball = role == "ball"
    is_player = ((role == "player") | (role == "goalkeeper") | (role == None)) & (team_code >= 0) & has_pos  # noqa: E711
    is_gk = role == "goalkeeper"

    # --- players: smoothing per track, then slots per (frame, team)
    pr = np.flatnonzero(is_player)
    p_pos, p_vel = smooth_tracks(
        tid[pr] * 2 + team_code[pr], t_col[pr], np.stack([x[pr], y[pr]], axis=1), fps,
        kin.half_window_s, kin.max_gap_s, kin.max_speed,
    )
    order = np.lexsort((tid[pr], team_code[pr], fi[pr]))
    pr_o = pr[order]
    grp = fi[pr_o] * 2 + team_code[pr_o]
    start = np.ones(len(grp), dtype=bool)
    start[1:] = grp[1:] != grp[:-1]
    first_of = np.maximum.accumulate(np.where(start, np.arange(len(grp)), 0)) if len(grp) else np.zeros(0, int)
    slot = np.arange(len(grp)) - first_of
    K = int(slot.max()) + 1 if len(slot) else 1
    ids = np.full((F, 2, K), -1, dtype=np.int64)
    pos = np.full((F, 2, K, 2), np.nan)
    vel = np.full((F, 2, K, 2), np.nan)
    gk = np.zeros((F, 2, K), dtype=bool)
    fr, tc = fi[pr_o], team_code[pr_o]
    ids[fr, tc, slot] = tid[pr_o]
    pos[fr, tc, slot] = p_pos[order]
    vel[fr, tc, slot] = p_vel[order]
    gk[fr, tc, slot] = is_gk[pr_o]

    # --- ball: first row per frame
    ball = np.full((F, 3), np.nan)
    ball_vel = np.full((F, 2), np.nan)
    br = np.flatnonzero(is_ball & has_pos)
    if len(br):
        br = br[np.lexsort((br, fi[br]))]
        keep = np.ones(len(br), dtype=bool)
        keep[1:] = fi[br][1:] != fi[br][:-1]
        br = br[keep]
        b_pos, b_vel = smooth_tracks(
            np.zeros(len(br), dtype=np.int64), t_col[br], np.stack([x[br], y[br]], axis=1), fps,
            ball_half_window_s, kin.max_gap_s, None,
        )
        ball[fi[br], 0:2] = np.stack([x[br], y[br]], axis=1)
        ball[fi[br], 2] = z[br]
        ball_vel[fi[br]] = b_vel

    period = periods(t, dcfg.period_gap_s)
    direction_arr = attacking_directions(pos, gk, period)
    return FrameData(frames, t, ids, pos, vel, gk, ball, ball_vel, period, direction_arr, float(fps))


def periods(t: np.ndarray, gap_s: float) -> np.ndarray:
    """Period index per frame: a new period starts after each hole in time longer than ``gap_s``."""
    if len(t) == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.zeros(len(t), dtype=np.int64)
    new[1:] = np.diff(t) > gap_s
    return np.cumsum(new)


def attacking_directions(pos: np.ndarray, gk: np.ndarray, period: np.ndarray) -> np.ndarray:
    """(F, 2) attacking direction (+1 towards +x) of home and away, constant within each period.

    Evidence per period, strongest first: the goalkeepers' median x (a keeper stands in front of the
    goal his team defends); otherwise the teams' mean x (the team in front on average defends that end,
    since defenders stand between attackers and their goal). Home and away always attack opposite goals.
    """
    F = pos.shape[0]
    out = np.zeros((F, 2))
    if F == 0:
        return out
    n_per = int(period.max()) + 1
    x = pos[..., 0]
    gk_x = np.where(gk, x, np.nan)
    out_x = np.where(~gk, x, np.nan)
    for p in range(n_per):  # periods: a handful per match
        m = period == p
        score = 0.0
        for team, sign in ((0, 1.0), (1, -1.0)):
            g = gk_x[m, team]
            g = g[np.isfinite(g)]
            if len(g) >= 10 and abs(np.median(g)) > 10.0:
                score += -sign * np.sign(np.median(g))
        if score == 0.0:
            hx = np.nanmean(out_x[m, 0]) if np.isfinite(out_x[m, 0]).any() else np.nan
            ax = np.nanmean(out_x[m, 1]) if np.isfinite(out_x[m, 1]).any() else np.nan
            if np.isfinite(hx) and np.isfinite(ax) and hx != ax:
                score = 1.0 if hx < ax else -1.0
            else:
                score = 1.0
        home = 1.0 if score > 0 else -1.0
        out[m, 0] = home
        out[m, 1] = -home
    return out
