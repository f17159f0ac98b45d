"""Teams and roles: per-match clustering of shirt colours into two teams, goalkeepers and referees,
fixed per track by vote over its life, and which team attacks which goal per period.

Rules (deterministic, independent of which kit has which colour):
- role: the detector's class with the most confidence-weighted votes over the track's life; a "player" whose
  shirt colour is far from both team colours is re-labelled goalkeeper (mean position within ``gk_goal_dist``
  of a goal line) or referee (elsewhere).
- teams: k-means (k = 2, farthest-pair initialisation) on the mean Lab shirt colour of the player tracks.
- naming: with ``home_rule = "left"`` the team whose outfield centroid has the smaller x over the first 30 s of
  rows with pitch positions is "home" (it defends the -x goal at kick-off); the other is "away".
- goalkeepers join the team whose outfield centroid lies on their side of the pitch while they are seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.vq import kmeans2

from tracking.config import TeamConfig

HALF_LENGTH = 52.5


@dataclass
class TrackSummary:
    """What team/role assignment needs to know about one (stitched) track."""

    track_id: int
    lab: np.ndarray  # mean Lab shirt colour (3,), NaN if never sampled
    samples: int  # number of colour samples
    votes: dict[str, float]  # detector class -> confidence-weighted votes
    mean_x: float  # mean pitch x (NaN if never on a usable frame)


def role_vote(votes: dict[str, float]) -> str:
    """The class with the most votes (ties: player < goalkeeper < referee order)."""
    if not votes:
        return "player"
    order = {"player": 0, "goalkeeper": 1, "referee": 2}
    return max(votes.items(), key=lambda kv: (kv[1], -order.get(kv[0], 9)))[0]


def cluster_two(colours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split colours (N, 3) into two clusters; returns (labels (N,) in {0, 1}, centres (2, 3)).

    Initialised with the two colours farthest apart, so the split does not depend on input order or on which
    team wears which colour.
    """
    x = np.asarray(colours, dtype=float)
    if len(x) < 2:
        return np.zeros(len(x), int), np.vstack([x[:1], x[:1]]) if len(x) else np.zeros((2, 3))
    d = np.linalg.norm(x[:, None] - x[None], axis=2)
    i, j = np.unravel_index(np.argmax(d), d.shape)
    centres, labels = kmeans2(x, np.vstack([x[i], x[j]]), iter=20, minit="matrix")
    return labels.astype(int), centres


def assign_roles_teams(tracks: list[TrackSummary], cfg: TeamConfig, rows_t: np.ndarray, rows_x: np.ndarray,
                       rows_id: np.ndarray) -> tuple[dict[int, str], dict[int, str | None]]:
    """Role and team per track id.

    ``rows_*`` are the output rows (time, pitch x, track id) used to name the teams and place goalkeepers.
    """
    roles = {tr.track_id: role_vote(tr.votes) for tr in tracks}
    teams: dict[int, str | None] = {tr.track_id: None for tr in tracks}
    coloured = [tr for tr in tracks if tr.samples >= cfg.min_samples and np.isfinite(tr.lab).all()]
    players = [tr for tr in coloured if roles[tr.track_id] == "player"]
    if len(players) < 2:
        return roles, teams
    labels, centres = cluster_two(np.array([tr.lab for tr in players]))
    # spread of the team clusters: median distance of members to their centre
    dists = np.linalg.norm(np.array([tr.lab for tr in players]) - centres[labels], axis=1)
    spread = max(float(np.median(dists)), 4.0)
    cluster_of: dict[int, int] = {}
    for tr in coloured:
        dc = np.linalg.norm(centres - tr.lab, axis=1)
        k = int(np.argmin(dc))
        role = roles[tr.track_id]
        if role == "player" and dc[k] > cfg.outlier_factor * spread and dc[k] > 15.0:
            near_goal = np.isfinite(tr.mean_x) and abs(tr.mean_x) > HALF_LENGTH - cfg.gk_goal_dist
            roles[tr.track_id] = "goalkeeper" if near_goal else "referee"
            continue
        if role == "player":
            cluster_of[tr.track_id] = k
    # tracks without enough colour samples: nearest centre if they have any colour at all
    for tr in tracks:
        if tr.track_id not in cluster_of and roles[tr.track_id] == "player" and np.isfinite(tr.lab).all():
            cluster_of[tr.track_id] = int(np.argmin(np.linalg.norm(centres - tr.lab, axis=1)))
    # name the clusters: "home" has the smaller outfield centroid x early on
    names = _name_clusters(cluster_of, rows_t, rows_x, rows_id, cfg)
    for tid, k in cluster_of.items():
        teams[tid] = names[k]
    # goalkeepers: the team whose outfield centroid is on their side while they are seen
    for tr in tracks:
        if roles[tr.track_id] != "goalkeeper":
            continue
        teams[tr.track_id] = _goalkeeper_team(tr.track_id, cluster_of, names, rows_t, rows_x, rows_id)
    return roles, teams


def _name_clusters(cluster_of: dict[int, int], rows_t: np.ndarray, rows_x: np.ndarray, rows_id: np.ndarray,
                   cfg: TeamConfig) -> dict[int, str]:
    ids = np.array(list(cluster_of), dtype=np.int64)
    ks = np.array([cluster_of[i] for i in ids])
    lut = dict(zip(ids.tolist(), ks.tolist(), strict=True))
    ok = np.isfinite(rows_x) & np.isin(rows_id, ids)
    if not ok.any():
        return {0: "home", 1: "away"}
    t0 = rows_t[ok].min()
    early = ok & (rows_t <= t0 + 30.0)
    k_rows = np.array([lut[i] for i in rows_id[early]])
    means = [rows_x[early][k_rows == k].mean() if (k_rows == k).any() else np.inf for k in (0, 1)]
    left = 0 if means[0] <= means[1] else 1
    if cfg.home_rule == "right":
        left = 1 - left
    return {left: "home", 1 - left: "away"}


def _goalkeeper_team(gk: int, cluster_of: dict[int, int], names: dict[int, str], rows_t: np.ndarray,
                     rows_x: np.ndarray, rows_id: np.ndarray) -> str | None:
    mine = (rows_id == gk) & np.isfinite(rows_x)
    if not mine.any():
        return None
    gx = rows_x[mine].mean()
    t_lo, t_hi = rows_t[mine].min(), rows_t[mine].max()
    span = (rows_t >= t_lo) & (rows_t <= t_hi) & np.isfinite(rows_x)
    best, best_d = None, np.inf
    for k in (0, 1):
        members = np.array([i for i, kk in cluster_of.items() if kk == k], dtype=np.int64)
        sel = span & np.isin(rows_id, members)
        if not sel.any():
            continue
        d = abs(rows_x[sel].mean() - gx)
        if d < best_d:
            best, best_d = names[k], d
    return best


def attacking_directions(t: np.ndarray, x: np.ndarray, team: np.ndarray, role: np.ndarray,
                         periods: list[tuple[float, float]] | None = None) -> list[dict]:
    """Which goal each team attacks, per period: ``[{"period": 1, "t_start", "t_end", "home": +1|-1, "away": ...}]``.

    +1 means attacking towards +x. A team attacks away from the side where its outfield centroid (and so its
    own goal) lies over the period. ``periods`` defaults to one period spanning all rows.
    """
    t = np.asarray(t, float)
    x = np.asarray(x, float)
    team = np.asarray(team, dtype=object)
    role = np.asarray(role, dtype=object)
    if periods is None:
        periods = [(float(np.nanmin(t)), float(np.nanmax(t)))] if len(t) else []
    out = []
    for i, (a, b) in enumerate(periods, start=1):
        sel = (t >= a) & (t <= b) & np.isfinite(x) & (role == "player")
        mh = x[sel & (team == "home")].mean() if (sel & (team == "home")).any() else np.nan
        ma = x[sel & (team == "away")].mean() if (sel & (team == "away")).any() else np.nan
        if np.isnan(mh) or np.isnan(ma):
            d = None
        else:
            d = 1 if mh < ma else -1
        out.append({"period": i, "t_start": a, "t_end": b, "home": d, "away": None if d is None else -d})
    return out
