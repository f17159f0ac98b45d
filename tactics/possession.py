"""Team in possession per frame from ball-player proximity, with hysteresis; carrier and sequences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tactics.config import PossessionConfig
from tactics.frames import TEAMS, FrameData

NONE, HOME, AWAY, CONTESTED = 0, 1, 2, 3


@dataclass
class Possession:
    """Per-frame possession. ``team`` is 0 home, 1 away, -1 nobody (state contested or none)."""

    team: np.ndarray  #: (F,) team in possession, -1 if none/contested
    state: np.ndarray  #: (F,) object: "team", "contested" or "none"
    carrier_slot: np.ndarray  #: (F,) slot of the carrier within the team's slots, -1 if not clear
    carrier_id: np.ndarray  #: (F,) track id of the carrier, -1 if not clear
    sequence: np.ndarray  #: (F,) possession sequence number (from 0), -1 outside a sequence
    phase_team: np.ndarray  #: (F,) team of the sequence the frame belongs to (contested frames inside included)


def _ffill_index(mask: np.ndarray, reset: np.ndarray) -> np.ndarray:
    """Index of the last True at or before each position, not before the latest ``reset``; -1 if none."""
    pos = np.arange(len(mask))
    last = np.maximum.accumulate(np.where(mask, pos, -1))
    start = np.maximum.accumulate(np.where(reset, pos, 0))
    return np.where(last >= start, last, -1)


def compute_possession(fd: FrameData, cfg: PossessionConfig | None = None) -> Possession:
    """Possession per frame (vectorised over frames).

    A team *controls* the ball in a frame when its nearest player is within ``control_radius`` of a
    ball at most ``max_ball_height`` high and the other team's nearest is not about as close (that is
    *contested*). Possession switches only after ``min_control_s`` of uninterrupted control, carries
    over loose-ball and unseen-ball frames, and lapses to none after ``max_loose_s`` without control
    or at a new period.
    """
    cfg = cfg or PossessionConfig()
    F = fd.n_frames
    if F == 0:
        z = np.zeros(0, dtype=np.int64)
        return Possession(z, np.zeros(0, dtype=object), z, z, z, z)
    bxy = fd.ball[:, :2]
    bz = fd.ball[:, 2]
    ball_ok = np.isfinite(bxy).all(axis=1) & ~(np.isfinite(bz) & (bz > cfg.max_ball_height))
    with np.errstate(invalid="ignore"):
        d = np.linalg.norm(fd.pos - bxy[:, None, None, :], axis=-1)  # (F, 2, K)
    d = np.where(np.isfinite(d), d, np.inf)
    nearest = d.argmin(axis=2)  # (F, 2)
    dmin = np.take_along_axis(d, nearest[:, :, None], axis=2)[:, :, 0]
    near = (dmin <= cfg.control_radius) & ball_ok[:, None]
    with np.errstate(invalid="ignore"):
        contested = near[:, 0] & near[:, 1] & (np.abs(dmin[:, 0] - dmin[:, 1]) < cfg.contest_margin)
    raw = np.full(F, NONE)
    home_wins = near[:, 0] & (~near[:, 1] | (dmin[:, 0] < dmin[:, 1]))
    away_wins = near[:, 1] & (~near[:, 0] | (dmin[:, 1] <= dmin[:, 0]))
    raw[home_wins] = HOME
    raw[away_wins] = AWAY
    raw[contested] = CONTESTED

    # qualifying control runs: same raw team on consecutive frames for >= min_control_s
    min_frames = max(1, int(round(cfg.min_control_s * fd.fps)))
    new_period = np.zeros(F, dtype=bool)
    new_period[0] = True
    new_period[1:] = fd.period[1:] != fd.period[:-1]
    run_start = np.ones(F, dtype=bool)
    run_start[1:] = (raw[1:] != raw[:-1]) | new_period[1:]
    run_id = np.cumsum(run_start) - 1
    run_len = np.bincount(run_id)
    qual = ((raw == HOME) | (raw == AWAY)) & (run_len[run_id] >= min_frames)

    last = _ffill_index(qual, reset=new_period)
    has = last >= 0
    team = np.full(F, -1, dtype=np.int64)
    team[has] = raw[last[has]] - 1
    lapsed = has & ((fd.t - fd.t[np.where(has, last, 0)]) > cfg.max_loose_s)
    team[lapsed] = -1
    phase_team = team.copy()

    state = np.full(F, "none", dtype=object)
    state[team >= 0] = "team"
    state[(raw == CONTESTED)] = "contested"
    team_out = np.where(state == "team", team, -1)

    # carrier: nearest player of the team in possession, if close enough to a visible ball
    carrier_slot = np.full(F, -1, dtype=np.int64)
    carrier_id = np.full(F, -1, dtype=np.int64)
    tm = team_out >= 0
    rows = np.flatnonzero(tm)
    if len(rows):
        tsel = team_out[rows]
        slot = nearest[rows, tsel]
        ok = (dmin[rows, tsel] <= cfg.carrier_radius) & np.isfinite(bxy[rows]).all(axis=1)
        carrier_slot[rows[ok]] = slot[ok]
        carrier_id[rows[ok]] = fd.ids[rows[ok], tsel[ok], slot[ok]]

    # sequences: runs of the same phase team (contested frames inside a run belong to it)
    seq_start = np.zeros(F, dtype=bool)
    seq_start[0] = phase_team[0] >= 0
    seq_start[1:] = (phase_team[1:] >= 0) & ((phase_team[1:] != phase_team[:-1]) | new_period[1:])
    sequence = np.cumsum(seq_start) - 1
    sequence[phase_team < 0] = -1
    return Possession(team_out, state, carrier_slot, carrier_id, sequence, phase_team)


def possession_columns(fd: FrameData, poss: Possession) -> dict[str, np.ndarray]:
    """Columns of the ``possession`` table (without match_id)."""
    names = np.array(TEAMS + (None,), dtype=object)
    return {
        "frame": fd.frame,
        "t": fd.t,
        "team": names[poss.team],
        "state": poss.state,
        "carrier_id": np.where(poss.carrier_id >= 0, poss.carrier_id, None).astype(object),
        "sequence": np.where(poss.sequence >= 0, poss.sequence, None).astype(object),
    }


def possession_sequences(fd: FrameData, poss: Possession) -> dict[str, np.ndarray]:
    """One row per possession sequence: sequence, team, start/end frame and time, duration."""
    m = poss.sequence >= 0
    if not m.any():
        e = np.zeros(0)
        return {"sequence": e.astype(np.int64), "team": e.astype(object), "frame_start": e.astype(np.int64),
                "frame_end": e.astype(np.int64), "t_start": e, "t_end": e, "duration": e}
    seq = poss.sequence[m]
    idx = np.flatnonzero(m)
    starts = np.flatnonzero(np.r_[True, seq[1:] != seq[:-1]])
    ends = np.r_[starts[1:] - 1, len(seq) - 1]
    s, e = idx[starts], idx[ends]
    names = np.array(TEAMS, dtype=object)
    return {
        "sequence": seq[starts],
        "team": names[poss.phase_team[s]],
        "frame_start": fd.frame[s],
        "frame_end": fd.frame[e],
        "t_start": fd.t[s],
        "t_end": fd.t[e],
        "duration": fd.t[e] - fd.t[s],
    }
