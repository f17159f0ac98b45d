"""Pressing intensity after Bekkers (arXiv:2501.04712), vectorised over frames.

Direction: the *movers* are the pressing team's players (the team out of possession); the *targets*
are the players of the team in possession and the ball. ``tti[..., i, j]`` is the time mover ``i``
needs to reach target ``j``; ``pti`` is the matching probability to intercept. Sums over a column
give the pressure on one target; sums over a row give one presser's involvement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tactics.config import PressingConfig
from tactics.frames import TEAMS, FrameData
from tactics.possession import Possession


def time_to_intercept(
    p_movers: np.ndarray,
    v_movers: np.ndarray,
    p_targets: np.ndarray,
    v_targets: np.ndarray,
    reaction_time: float,
    max_speed: float,
    angle_eps: float = 0.0,
) -> np.ndarray:
    """Seconds for each mover to reach each target: shape ``(..., M, T)``, ``[..., i, j]`` = mover i -> target j.

    Positions and velocities are ``(..., M, D)`` / ``(..., T, D)`` (D = 2 or 3). A target is aimed at
    where it will be in one second (``p + v``). The mover first keeps running for ``reaction_time``
    at its current velocity, then runs straight at ``max_speed``; turning costs ``|v| * angle / pi``
    seconds, where ``angle`` is between the mover's velocity and the line from mover to aim point.
    ``angle_eps`` is added to the cosine's denominator (0: exact; unravelsports adds 1e-10, which turns an
    exactly aligned run into an angle of about 1e-6 rad).
    """
    p_movers = np.asarray(p_movers, dtype=float)
    v_movers = np.asarray(v_movers, dtype=float)
    dest = np.asarray(p_targets, dtype=float) + np.asarray(v_targets, dtype=float)
    after = p_movers + v_movers * reaction_time
    shape = np.broadcast_shapes(p_movers.shape[:-2], dest.shape[:-2]) + (p_movers.shape[-2], dest.shape[-2])
    rel2 = np.zeros(shape)  # |aim point - mover|^2
    run2 = np.zeros(shape)  # |aim point - mover after reaction|^2
    dot = np.zeros(shape)  # mover velocity . (aim point - mover)
    u2 = np.zeros(p_movers.shape[:-1])
    for k in range(p_movers.shape[-1]):  # 2 or 3 components: loop over axes, not pairs
        r = dest[..., None, :, k] - p_movers[..., :, None, k]
        rel2 += r * r
        dot += v_movers[..., :, None, k] * r
        q = dest[..., None, :, k] - after[..., :, None, k]
        run2 += q * q
        u2 += v_movers[..., k] ** 2
    u_mag = np.sqrt(u2)[..., :, None]
    den = u_mag * np.sqrt(rel2) + angle_eps
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.clip(np.where(den > 0, dot / np.where(den > 0, den, 1.0), 0.0), -1.0, 1.0)
    return u_mag * np.arccos(cos) / np.pi + reaction_time + np.sqrt(run2) / max_speed


def probability_to_intercept(tti: np.ndarray, sigma: float, time_threshold: float) -> np.ndarray:
    """Logistic probability ``1 / (1 + exp(-pi / sqrt(3) / sigma * (T - tti)))``."""
    expo = np.clip(-np.pi / np.sqrt(3.0) / sigma * (time_threshold - tti), -700.0, 700.0)
    return 1.0 / (1.0 + np.exp(expo))


@dataclass
class PressingFrames:
    """Per-frame pressing aggregates for the team out of possession (rows only where a team has the ball)."""

    index: np.ndarray  #: (N,) frame index into FrameData
    team: np.ndarray  #: (N,) pressing team (0 home, 1 away)
    carrier_pressure: np.ndarray  #: (N,) sum of presser probabilities on the carrier (ball merged), NaN if unknown
    total_pressure: np.ndarray  #: (N,) sum of all presser-target probabilities
    active_pressers: np.ndarray  #: (N,) pressers with probability >= active_threshold on some target
    visible_pressers: np.ndarray  #: (N,)
    visible_targets: np.ndarray  #: (N,)
    counter_press: np.ndarray  #: (N,) within counter_press_s of the pressing team losing the ball


def _gather(fd: FrameData, rows: np.ndarray, team: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return fd.pos[rows, team], fd.vel[rows, team], fd.ids[rows, team]


def pressing_matrices(
    fd: FrameData, poss: Possession, rows: np.ndarray, cfg: PressingConfig | None = None
) -> dict[str, np.ndarray]:
    """Matrices for frames ``rows`` (each must have a team in possession).

    Returns ``tti``/``pti`` of shape (N, K, K) (movers = pressing team slots, targets = team in possession
    slots; NaN where a slot is empty), ``tti_ball``/``pti_ball`` (N, K) to the ball, ``mover_ids`` and
    ``target_ids`` (N, K, -1 where empty). The carrier's column is not merged here.
    """
    cfg = cfg or PressingConfig()
    att = poss.team[rows]
    dfd = 1 - att
    pm, vm, mid = _gather(fd, rows, dfd)
    pt, vt, tid = _gather(fd, rows, att)
    tti = time_to_intercept(pm, vm, pt, vt, cfg.reaction_time, cfg.max_speed)
    bp = fd.ball[rows, None, :2]
    bv = np.nan_to_num(fd.ball_vel[rows, None, :], nan=0.0)
    tti_ball = time_to_intercept(pm, vm, bp, bv, cfg.reaction_time, cfg.max_speed)[..., 0]
    return {
        "tti": tti,
        "pti": probability_to_intercept(tti, cfg.sigma, cfg.time_threshold),
        "tti_ball": tti_ball,
        "pti_ball": probability_to_intercept(tti_ball, cfg.sigma, cfg.time_threshold),
        "mover_ids": mid,
        "target_ids": tid,
    }


def compute_pressing(
    fd: FrameData, poss: Possession, cfg: PressingConfig | None = None, chunk: int = 20000
) -> PressingFrames:
    """Pressing aggregates for every frame with a team in possession (chunks of ``chunk`` frames)."""
    cfg = cfg or PressingConfig()
    rows_all = np.flatnonzero(poss.team >= 0)
    n = len(rows_all)
    carrier = np.full(n, np.nan)
    total = np.zeros(n)
    active = np.zeros(n, dtype=np.int64)
    vis_p = np.zeros(n, dtype=np.int64)
    vis_t = np.zeros(n, dtype=np.int64)
    for a in range(0, n, chunk):
        rows = rows_all[a:a + chunk]
        m = pressing_matrices(fd, poss, rows, cfg)
        pti = np.nan_to_num(m["pti"], nan=0.0)
        pti_ball = m["pti_ball"]
        cs = poss.carrier_slot[rows]
        has_c = cs >= 0
        k = np.arange(len(rows))
        tti_c = m["tti"][k, :, np.maximum(cs, 0)]  # (N, K) to the carrier
        tti_c = np.where(has_c[:, None], tti_c, np.nan)
        tti_cb = np.fmin(tti_c, m["tti_ball"])  # carrier merged with the ball (the smaller time)
        p_cb = probability_to_intercept(tti_cb, cfg.sigma, cfg.time_threshold)
        p_cb = np.where(np.isfinite(tti_cb), p_cb, 0.0)
        any_c = np.isfinite(tti_cb).any(axis=1)
        carrier[a:a + len(rows)] = np.where(any_c, p_cb.sum(axis=1), np.nan)
        # total pressure: player targets, the carrier's column replaced by the merged one
        pti[k[has_c], :, cs[has_c]] = p_cb[has_c]
        total[a:a + len(rows)] = pti.sum(axis=(1, 2))
        row_max = pti.max(axis=2, initial=0.0)
        row_max = np.maximum(row_max, np.where(np.isfinite(pti_ball), pti_ball, 0.0))
        active[a:a + len(rows)] = (row_max >= cfg.active_threshold).sum(axis=1)
        vis_p[a:a + len(rows)] = (m["mover_ids"] >= 0).sum(axis=1)
        vis_t[a:a + len(rows)] = (m["target_ids"] >= 0).sum(axis=1)

    press_team = 1 - poss.team[rows_all]
    counter = _counter_press(fd, poss, cfg.counter_press_s)[rows_all]
    return PressingFrames(rows_all, press_team, carrier, total, active, vis_p, vis_t, counter)


def _counter_press(fd: FrameData, poss: Possession, window_s: float) -> np.ndarray:
    """(F,) True where the team out of possession had the ball itself within the last ``window_s`` seconds."""
    F = fd.n_frames
    pos_i = np.arange(F)
    start = np.zeros(F, dtype=bool)
    if F:
        start[0] = True
        start[1:] = fd.period[1:] != fd.period[:-1]
    pstart = np.maximum.accumulate(np.where(start, pos_i, 0))
    out = np.zeros(F, dtype=bool)
    for team in (0, 1):
        last = np.maximum.accumulate(np.where(poss.team == team, pos_i, -1))
        ok = last >= pstart
        since = fd.t - fd.t[np.maximum(last, 0)]
        pressing = poss.team == 1 - team
        out |= pressing & ok & (since <= window_s)
    return out


def pressing_columns(fd: FrameData, pf: PressingFrames) -> dict[str, np.ndarray]:
    """Columns of the ``pressing`` table (without match_id)."""
    names = np.array(TEAMS, dtype=object)
    return {
        "frame": fd.frame[pf.index],
        "t": fd.t[pf.index],
        "team": names[pf.team],
        "carrier_pressure": pf.carrier_pressure,
        "total_pressure": pf.total_pressure,
        "active_pressers": pf.active_pressers.astype(np.int32),
        "visible_pressers": pf.visible_pressers.astype(np.int32),
        "visible_targets": pf.visible_targets.astype(np.int32),
        "counter_press": pf.counter_press,
    }


def pressing_per_second(fd: FrameData, pf: PressingFrames) -> dict[str, np.ndarray]:
    """Columns of ``pressing_1s``: means per (whole second of ``t``, pressing team); NaN-aware for the carrier."""
    t = fd.t[pf.index]
    sec = np.floor(t).astype(np.int64)
    key = sec * 2 + pf.team
    uniq, inv = np.unique(key, return_inverse=True)
    cnt = np.bincount(inv, minlength=len(uniq)).astype(float)

    def mean(v: np.ndarray) -> np.ndarray:
        v = v.astype(float)
        ok = np.isfinite(v)
        s = np.bincount(inv, weights=np.where(ok, v, 0.0), minlength=len(uniq))
        c = np.bincount(inv, weights=ok.astype(float), minlength=len(uniq))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(c > 0, s / np.maximum(c, 1), np.nan)

    names = np.array(TEAMS, dtype=object)
    return {
        "second": uniq // 2,
        "t": (uniq // 2).astype(float),
        "team": names[uniq % 2],
        "carrier_pressure": mean(pf.carrier_pressure),
        "total_pressure": mean(pf.total_pressure),
        "active_pressers": mean(pf.active_pressers),
        "visible_pressers": mean(pf.visible_pressers),
        "visible_targets": mean(pf.visible_targets),
        "counter_press": np.bincount(inv, weights=pf.counter_press.astype(float), minlength=len(uniq)) > 0,
        "frames": cnt.astype(np.int32),
    }
