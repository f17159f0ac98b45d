"""Teams and roles: per-match clustering of shirt colours into two teams, goalkeepers and referees,
fixed per track by vote over its life, and which team attacks which goal per period.

Rules (deterministic, independent of which kit has which colour):
- role: the detector's class with the most confidence-weighted votes over the track's life; a "player" whose
  shirt colour is far from both team colours is resolved by what officials and goalkeepers do: on a touchline
  (median |y| within ``ar_touchline_dist`` of it) it is an assistant referee; in the referee's kit and never on
  the pitch at the same time as the referee, another piece of the referee; near a goal line (mean |x| within
  ``gk_goal_dist`` of it) a goalkeeper, one per goal at a time; anything else is a player whose shirt was badly
  measured (shadow, occlusion, two people in one track).
- one referee on the pitch, the most referee-like person there: a referee whose shirt differs from a team's in
  lightness alone hands the role to a player seen with him whom the detector calls referee clearly more often (the
  real referee's kit may read like that team's, so he is no colour outlier).
- teams: k-means (k = 2, farthest-pair initialisation) on the mean Lab shirt colour of the player tracks.
- naming: with ``home_rule = "left"`` the team whose outfield centroid has the smaller x over the first 30 s of
  rows with pitch positions is "home" (it defends the -x goal at kick-off); the other is "away".
- goalkeepers join the team whose outfield centroid lies on their side of the pitch while they are seen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.cluster.vq import kmeans2

from tracking.config import TeamConfig

HALF_LENGTH = 52.5
HALF_WIDTH = 34.0
GK_TEAM_WINDOW_S = 300.0  # a goalkeeper's team: the teams' sides this long around the time he is seen
MIN_TEAM_AT_ONCE = 3  # a colour cluster is a team only if this many of its tracks are seen at once ...
MIN_TEAM_FRAMES = 5  # ... on at least this many frames (else it is one person: referee, goalkeeper)


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


def robust_two(x: np.ndarray, w: np.ndarray, trim: float, max_seeds: int = 40, iters: int = 10,
               accept: Callable[[np.ndarray], bool] | None = None, init: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two colour clusters that ignore outliers (referees, goalkeepers, badly cropped tracks).

    Trimmed weighted 2-means: a point farther than ``trim`` from both centres costs ``trim**2`` and does not move
    the centres. Every pair of the ``max_seeds`` heaviest points seeds one run; the run of least trimmed cost wins,
    so the split depends neither on the input order nor on which team wears which colour, and a single far
    colour (a referee) cannot take a cluster of its own. ``accept(labels)`` (optional) vetoes splits: the split of
    least cost that it accepts wins, the least cost of all when it accepts none. Returns (labels (N,) in {0, 1},
    distances to the nearest centre (N,), centres (2, D)). ``init`` (2, D): one run from these centres instead of
    the search (a refit from the last fit).
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    n = len(x)
    if n < 2:
        c = np.vstack([x[:1], x[:1]]) if n else np.zeros((2, x.shape[1] if x.ndim == 2 else 3))
        return np.zeros(n, int), np.zeros(n), c
    seeds = np.argsort(-w, kind="stable")[:max_seeds]
    runs: list[tuple[float, int, np.ndarray]] = []
    t2 = trim * trim
    starts = ([np.asarray(init, float)] if init is not None else
              [np.vstack([x[seeds[a]], x[seeds[b]]]) for a in range(len(seeds)) for b in range(a + 1, len(seeds))])
    for c in starts:
        if np.allclose(c[0], c[1]):
            continue
        for _ in range(iters):
            d2 = ((x[:, None] - c[None]) ** 2).sum(axis=2)
            lab = np.argmin(d2, axis=1)
            inl = d2[np.arange(n), lab] <= t2
            newc = c.copy()
            for k in (0, 1):
                m = inl & (lab == k)
                if m.any():
                    newc[k] = np.average(x[m], axis=0, weights=w[m])
            if np.allclose(newc, c):
                break
            c = newc
        d2 = ((x[:, None] - c[None]) ** 2).sum(axis=2)
        lab = np.argmin(d2, axis=1)
        dmin = d2[np.arange(n), lab]
        if (lab == 0).sum() == 0 or (lab == 1).sum() == 0:
            continue
        runs.append((float((w * np.minimum(dmin, t2)).sum()), len(runs), c))
    if not runs:
        lab, c = cluster_two(x)
        return lab, np.linalg.norm(x - c[lab], axis=1), c
    # least cost first; ties (symmetric seeds) keep the first run, order-independent up to the label swap
    runs.sort(key=lambda r: (round(r[0], 9), r[1]))
    c = runs[0][2]
    if accept is not None:
        seen: set[bytes] = set()
        for _, _, cand in runs:
            lab = np.argmin(((x[:, None] - cand[None]) ** 2).sum(axis=2), axis=1)
            key = (lab if lab[0] == 0 else 1 - lab).astype(np.int8).tobytes()
            if key in seen:
                continue
            seen.add(key)
            if accept(lab):
                c = cand
                break
    # canonical label order (lexicographic on the centres) so that swapping kits swaps nothing but names
    if tuple(c[1]) < tuple(c[0]):
        c = c[::-1]
    d = np.linalg.norm(x[:, None] - c[None], axis=2)
    lab = np.argmin(d, axis=1)
    return lab.astype(int), d[np.arange(n), lab], c


def colour_features(lab: np.ndarray, cfg: TeamConfig) -> np.ndarray:
    """Lab colours (N, 3) scaled for clustering: lightness weighted by ``lab_l_weight`` (shadows change it most)."""
    x = np.asarray(lab, dtype=float).reshape(-1, 3).copy()
    x[:, 0] *= cfg.lab_l_weight
    return x


def _special_role(tr: TrackSummary, cfg: TeamConfig) -> str | None:
    """Goalkeeper or referee from the detector's votes alone, None when they do not decide."""
    tot = sum(tr.votes.values())
    gk, ref = tr.votes.get("goalkeeper", 0.0), tr.votes.get("referee", 0.0)
    if tot <= 0 or (gk + ref) < cfg.special_vote_share * tot:
        return None
    if gk >= 2.0 * ref:
        return "goalkeeper"
    if ref >= 2.0 * gk:
        return "referee"
    return None


def assign_roles_teams(tracks: list[TrackSummary], cfg: TeamConfig, rows_t: np.ndarray, rows_x: np.ndarray,
                       rows_id: np.ndarray, rows_y: np.ndarray | None = None
                       ) -> tuple[dict[int, str], dict[int, str | None]]:
    """Role and team per track id.

    Shirt colours decide first: a track whose colour lies within a team cluster is a player of that team (unless
    the detector called it goalkeeper or referee on at least ``role_keep_share`` of its votes); a colour outlier
    is resolved by :func:`_resolve_outliers` (assistant referee, referee, goalkeeper or player). Tracks without
    colour keep the detector's vote. ``rows_*`` are the output rows (time, pitch x, track id, and pitch y where
    known: without it no track is recognised as an assistant referee by position) used to name the teams and
    place goalkeepers and officials.
    """
    roles = {tr.track_id: role_vote(tr.votes) for tr in tracks}
    teams: dict[int, str | None] = {tr.track_id: None for tr in tracks}
    coloured = [tr for tr in tracks if tr.samples >= cfg.min_samples and np.isfinite(tr.lab).all()]
    if len(coloured) < 2:
        return roles, teams
    x = colour_features(np.array([tr.lab for tr in coloured]), cfg)
    w = np.minimum(np.array([tr.samples for tr in coloured], float), cfg.weight_cap)
    trim = cfg.outlier_min_lab * cfg.outlier_factor
    labels, dist, centres = robust_two(x, w, trim, accept=_team_sized(np.array([tr.track_id for tr in coloured]),
                                                                     rows_t, rows_id))
    inl = dist <= trim
    spread = max(float(np.median(dist[inl])) if inl.any() else 0.0, cfg.outlier_min_lab)
    thr = cfg.outlier_factor * spread
    # per-team, per-axis spread (kits vary in lightness with shadows far more than in hue), each track measured
    # against its team without itself: median and MAD of the well-sampled members, so that a referee or a
    # goalkeeper whose kit is close to a team's neither widens its spread nor moves its centre; few-sample
    # tracks never become outliers
    few = np.array([tr.samples < cfg.outlier_min_samples for tr in coloured])
    sig = np.full((len(x), 3), cfg.colour_std_min)
    ctr = centres[labels].copy()
    for k in (0, 1):
        m = np.flatnonzero(inl & (labels == k) & ~few)
        for i in np.flatnonzero(labels == k):
            others = m[m != i]
            if len(others) >= 3:
                ctr[i] = np.median(x[others], axis=0)
                sig[i] = np.maximum(1.4826 * np.median(np.abs(x[others] - ctr[i]), axis=0), cfg.colour_std_min)
    z = np.linalg.norm((x - ctr) / sig, axis=1)
    # two weak cues agreeing: the detector's majority says official or goalkeeper, and the colour is off the team
    voted = np.array([roles[tr.track_id] != "player" for tr in coloured])
    zmax = np.where(voted, cfg.outlier_z_voted, cfg.outlier_z)
    dist = np.where((z > zmax) & ~few, np.inf, np.where(few, np.minimum(dist, thr), dist))
    cluster_of: dict[int, int] = {}
    outliers: list[int] = []
    for i, tr in enumerate(coloured):
        voted = roles[tr.track_id]
        share = tr.votes.get(voted, 0.0) / max(sum(tr.votes.values()), 1e-9)
        if voted != "player" and share >= cfg.role_keep_share:
            continue  # the detector is sure: keep its goalkeeper / referee
        if dist[i] <= thr:
            roles[tr.track_id] = "player"
            cluster_of[tr.track_id] = int(labels[i])
        else:
            outliers.append(i)
    # colour outliers: assistants on the touchlines, the referee, goalkeepers, else players
    kept_refs = [i for i, tr in enumerate(coloured) if roles[tr.track_id] == "referee" and i not in outliers]
    pres = _Presence(rows_t, rows_id, rows_y)
    _resolve_outliers(coloured, outliers, x, centres, thr, cfg, roles, cluster_of, pres, kept_refs)
    _most_voted_referee(coloured, x, centres, thr, cfg, roles, cluster_of, pres)
    # tracks without enough colour samples: nearest centre when within the team spread, else the detector's vote
    for tr in tracks:
        if tr.track_id in cluster_of or roles[tr.track_id] != "player" or not np.isfinite(tr.lab).all():
            continue
        if any(tr is c for c in coloured):
            continue
        d = np.linalg.norm(centres - colour_features(tr.lab, cfg)[0], axis=1)
        if d.min() <= thr:
            cluster_of[tr.track_id] = int(np.argmin(d))
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


class _Presence:
    """Per track: the output time steps it is on, and its median |y| (NaN without ``rows_y``)."""

    def __init__(self, rows_t: np.ndarray, rows_id: np.ndarray, rows_y: np.ndarray | None) -> None:
        rows_id = np.asarray(rows_id)
        _, step = np.unique(np.asarray(rows_t, float), return_inverse=True)
        order = np.argsort(rows_id, kind="stable")
        bounds = np.flatnonzero(np.diff(rows_id[order])) + 1
        ay = None if rows_y is None else np.abs(np.asarray(rows_y, float))
        self.steps: dict[int, np.ndarray] = {}
        self.abs_y: dict[int, float] = {}
        for grp in np.split(order, bounds) if len(order) else []:
            tid = int(rows_id[grp[0]])
            self.steps[tid] = np.unique(step[grp])
            yy = ay[grp][np.isfinite(ay[grp])] if ay is not None else np.zeros(0)
            self.abs_y[tid] = float(np.median(yy)) if len(yy) else float("nan")

    def of(self, tid: int) -> np.ndarray:
        return self.steps.get(tid, np.zeros(0, np.intp))

    def exclusive(self, tid: int, steps: np.ndarray, share: float) -> bool:
        """The track and ``steps`` (another person's) are seen at once on at most ``share`` of the shorter."""
        mine = self.of(tid)
        both = np.intersect1d(mine, steps, assume_unique=True).size
        return both <= share * max(min(len(mine), len(steps)), 1)

    def on_touchline(self, tid: int, cfg: TeamConfig) -> bool:
        return bool(self.abs_y.get(tid, np.nan) >= HALF_WIDTH - cfg.ar_touchline_dist)


def _resolve_outliers(coloured: list[TrackSummary], outliers: list[int], x: np.ndarray, centres: np.ndarray,
                      thr: float, cfg: TeamConfig, roles: dict[int, str], cluster_of: dict[int, int],
                      pres: _Presence, kept_refs: list[int]) -> None:
    """Roles (and teams, through ``cluster_of``) of the colour outliers (indices into ``coloured``; ``x`` their
    colour features), in place.

    1. median |y| within ``ar_touchline_dist`` of a touchline: an assistant referee ("referee");
    2. the referee's kit is the colour of the outlier with the most referee votes (then the most samples) that
       could be the referee (not near a goal line, or voted referee; the detector's sure referees ``kept_refs``
       included); an outlier in that kit (within ``thr``), or away from the goals, that is never on the pitch at
       the same time as the referee's tracks taken so far (voted referee first, then most-sampled first) is
       another piece of him (his shirt reads differently in other light);
    3. near a goal line (mean |x| within ``gk_goal_dist`` of it) or voted goalkeeper: a goalkeeper candidate;
       per goal, candidates are taken from the least team-like colour on (its distance to the nearer team
       scaled down below ``2 * outlier_min_samples`` colour samples), each only when no goalkeeper already taken
       at that goal is seen at the same time;
    4. anything else (a second person in the referee's kit or in no one's kit seen while the referee is, a
       candidate that a goalkeeper excludes) is a player whose shirt was badly measured: it joins the team whose
       colour is clearly the nearer (``outlier_team_ratio``), else (and always when it looks like the referee:
       his shirt in the box, not the player's) no team.
    "Seen at the same time" allows ``exclusive_share`` of the shorter track (duplicate boxes, hand-overs).
    """
    share = cfg.exclusive_share
    d_team = np.linalg.norm(x[:, None] - centres[None], axis=2)  # (N, 2)

    def near_goal(i: int) -> bool:
        mx = coloured[i].mean_x
        return bool(np.isfinite(mx) and abs(mx) > HALF_LENGTH - cfg.gk_goal_dist)

    rest = []
    for i in outliers:
        if pres.on_touchline(coloured[i].track_id, cfg):
            roles[coloured[i].track_id] = "referee"
        else:
            rest.append(i)
    kept_refs = [i for i in kept_refs if not pres.on_touchline(coloured[i].track_id, cfg)]
    votes = {i: _special_role(coloured[i], cfg) for i in rest}
    cands = [i for i in rest if votes[i] == "referee" or (votes[i] is None and not near_goal(i))] + kept_refs
    # the detector's referee votes first, then the samples: a mixed track (two players joined) can hold more
    # samples than the referee and reads as an outlier too, but is not voted referee
    ref_col = x[max(cands, key=lambda i: (coloured[i].votes.get("referee", 0.0), coloured[i].samples,
                                          -coloured[i].track_id))] if cands else None
    ref_steps = np.zeros(0, np.intp)
    for i in kept_refs:
        ref_steps = np.union1d(ref_steps, pres.of(coloured[i].track_id))
    keepers: list[int] = []
    players: list[int] = []
    ref_kit: set[int] = set()
    for i in sorted(rest, key=lambda i: (votes[i] != "referee", -coloured[i].samples, coloured[i].track_id)):
        tid = coloured[i].track_id
        like_ref = ref_col is not None and float(np.linalg.norm(x[i] - ref_col)) <= thr
        if like_ref:
            ref_kit.add(i)
        if votes[i] != "goalkeeper" and (like_ref or not near_goal(i)) and pres.exclusive(tid, ref_steps, share):
            roles[tid] = "referee"
            ref_steps = np.union1d(ref_steps, pres.of(tid))
        elif votes[i] == "goalkeeper" or near_goal(i):
            keepers.append(i)
        else:
            players.append(i)
    taken: dict[int, np.ndarray] = {}
    # least team-like first; a colour from few samples counts for less (a short, mixed box near a goal)
    sure = np.minimum(np.array([tr.samples for tr in coloured], float) / (2 * cfg.outlier_min_samples), 1.0)
    for i in sorted(keepers, key=lambda i: (-d_team[i].min() * sure[i], coloured[i].track_id)):
        tid, mx = coloured[i].track_id, coloured[i].mean_x
        side = int(np.sign(mx)) if np.isfinite(mx) else 0
        got = taken.get(side, np.zeros(0, np.intp))
        if side == 0 or pres.exclusive(tid, got, share):
            roles[tid] = "goalkeeper"
            taken[side] = np.union1d(got, pres.of(tid))
        else:
            players.append(i)
    for i in players:
        tid = coloured[i].track_id
        roles[tid] = "player"
        k = int(np.argmin(d_team[i]))
        if i not in ref_kit and d_team[i, k] <= cfg.outlier_team_ratio * d_team[i, 1 - k]:
            cluster_of[tid] = k


def _most_voted_referee(coloured: list[TrackSummary], x: np.ndarray, centres: np.ndarray, thr: float,
                        cfg: TeamConfig, roles: dict[int, str], cluster_of: dict[int, int], pres: _Presence) -> None:
    """One referee on the pitch: the most referee-like person there. A referee (not an assistant on a touchline)
    whose shirt chroma (Lab a, b) lies within ``thr`` of a team's, so that only its lightness set him apart,
    hands the role to the player seen with him (beyond ``exclusive_share``) whose share of the detector's referee
    votes is at least ``referee_vote_ratio`` times his, the highest such first; he becomes a player of the team
    whose colour is clearly the nearer (``outlier_team_ratio``), else of none. A referee in a kit close to one
    team's is no colour outlier, and a player of that team whose shirt reads darker or lighter (shadow, a pattern
    read differently) took his role; a referee whose chroma is his own keeps it, however often the detector calls
    a dark team's players referee. Both tracks need ``outlier_min_samples`` colour samples. Where no referee is
    left on the pitch (assistants on the touchlines aside), the player within a team's chroma with the highest
    share of referee votes becomes the referee when that share is at least ``referee_min_share`` and
    ``referee_vote_ratio`` times every other player's. In place."""
    if cfg.referee_vote_ratio <= 0:
        return
    share = np.array([tr.votes.get("referee", 0.0) / max(sum(tr.votes.values()), 1e-9) for tr in coloured])
    sure = [i for i, tr in enumerate(coloured) if tr.samples >= cfg.outlier_min_samples]
    d_team = np.linalg.norm(x[:, None] - centres[None], axis=2)
    d_chroma = np.linalg.norm(x[:, None, 1:] - centres[None, :, 1:], axis=2).min(axis=1)
    for i in sorted(sure, key=lambda i: coloured[i].track_id):
        tid = coloured[i].track_id
        if roles[tid] != "referee" or pres.on_touchline(tid, cfg) or d_chroma[i] > thr:
            continue
        need = max(cfg.referee_vote_ratio * share[i], 1e-9)
        steps = pres.of(tid)
        rivals = [j for j in sure if roles[coloured[j].track_id] == "player" and share[j] >= need
                  and not pres.exclusive(coloured[j].track_id, steps, cfg.exclusive_share)]
        if not rivals:
            continue
        j = max(rivals, key=lambda j: (share[j], -coloured[j].track_id))
        roles[coloured[j].track_id] = "referee"
        cluster_of.pop(coloured[j].track_id, None)
        roles[tid] = "player"
        k = int(np.argmin(d_team[i]))
        if d_team[i, k] <= cfg.outlier_team_ratio * d_team[i, 1 - k]:
            cluster_of[tid] = k
    if cfg.referee_min_share <= 0 or any(roles[tr.track_id] == "referee" and not pres.on_touchline(tr.track_id, cfg)
                                         for tr in coloured):
        return
    # no referee on the pitch: one hidden in a team's colours is the player the detector calls referee far more
    # often than anyone else
    players = [i for i in sure if roles[coloured[i].track_id] == "player"]
    cands = [i for i in players if d_chroma[i] <= thr and not pres.on_touchline(coloured[i].track_id, cfg)]
    if not cands:
        return
    i = max(cands, key=lambda i: (share[i], -coloured[i].track_id))
    rest = max((share[j] for j in players if j != i), default=0.0)
    if share[i] >= cfg.referee_min_share and share[i] >= cfg.referee_vote_ratio * rest:
        roles[coloured[i].track_id] = "referee"
        cluster_of.pop(coloured[i].track_id, None)


def _team_sized(ids: np.ndarray, rows_t: np.ndarray, rows_id: np.ndarray, min_tracks: int = MIN_TEAM_AT_ONCE,
                min_frames: int = MIN_TEAM_FRAMES) -> Callable[[np.ndarray], bool]:
    """Veto for colour splits: each cluster must hold a team, i.e. at least ``min_tracks`` of its tracks seen at
    once on at least ``min_frames`` frames. A cluster whose tracks are never seen together is one person (the
    referee, a goalkeeper) in pieces, however many samples its pieces hold."""
    pos = {int(t): i for i, t in enumerate(ids.tolist())}
    row_track = np.array([pos.get(int(t), -1) for t in np.asarray(rows_id).tolist()], dtype=np.intp)
    keep = row_track >= 0
    row_track = row_track[keep]
    _, row_time = np.unique(np.asarray(rows_t, float)[keep], return_inverse=True)
    n_time = int(row_time.max()) + 1 if len(row_time) else 0

    def accept(labels: np.ndarray) -> bool:
        if not n_time:
            return True
        lab_rows = np.asarray(labels)[row_track]
        for k in (0, 1):
            at_once = np.bincount(row_time[lab_rows == k], minlength=n_time)
            if (at_once >= min_tracks).sum() < min_frames:
                return False
        return True

    return accept


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
    """The team defending the goal on the goalkeeper's side: of the two teams' outfield centroids around the time he
    is seen (``GK_TEAM_WINDOW_S`` either side, so within a half), the one nearer his goal. Only the centroids'
    order counts: the people in the picture near a goalkeeper are often the attackers, whose centroid is then the
    nearer to him. With one team seen then, the same over the whole match; with one team seen there, that one."""
    mine = (rows_id == gk) & np.isfinite(rows_x)
    if not mine.any():
        return None
    gx = rows_x[mine].mean()
    t_lo, t_hi = rows_t[mine].min(), rows_t[mine].max()
    near = (rows_t >= t_lo - GK_TEAM_WINDOW_S) & (rows_t <= t_hi + GK_TEAM_WINDOW_S) & np.isfinite(rows_x)
    team_rows = [np.isin(rows_id, np.array([i for i, kk in cluster_of.items() if kk == k], dtype=np.int64))
                 for k in (0, 1)]
    for where in (near, np.isfinite(rows_x)):
        centroid = {}
        for k in (0, 1):
            sel = where & team_rows[k]
            if sel.any():
                centroid[k] = float(rows_x[sel].mean())
        if len(centroid) == 2:
            return names[min(centroid, key=lambda k: -np.sign(gx) * centroid[k])]
        if centroid:
            return names[next(iter(centroid))]
    return None


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
