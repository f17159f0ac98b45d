"""Offline pass over a processed match: stitch tracklets, fill short gaps, smooth, derive speed and acceleration.

Rows are dicts of arrays: ``frame`` (N,), ``t`` (N,), ``track_id`` (N,), ``box`` (N, 4), ``xy`` (N, 2) and
``prov`` (N,) provenance codes (0 detected, 1 predicted, 2 interpolated).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from filterpy.common import Q_discrete_white_noise
from filterpy.kalman import KalmanFilter
from scipy.optimize import linear_sum_assignment
from scipy.signal import savgol_filter
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from tracking.appearance import appearance_distance
from tracking.config import BallConfig, OfflineConfig
from tracking.stature import histogram_median

DETECTED, PREDICTED, INTERPOLATED = 0, 1, 2


@dataclass
class Tracklet:
    """Ends of one online track, for stitching."""

    track_id: int
    t_start: float
    t_end: float
    xy_start: np.ndarray  # first pitch position (NaN if none)
    xy_end: np.ndarray
    app: np.ndarray | None
    role: str
    skin: np.ndarray | None = None  # mean skin saturation and value (2,), None if never sampled
    skin_n: int = 0
    v_start: np.ndarray = field(default_factory=lambda: np.zeros(2))  # velocity over its first rows (m/s)
    v_end: np.ndarray = field(default_factory=lambda: np.zeros(2))  # ... and over its last rows
    numbers: dict[str, float] = field(default_factory=dict)  # shirt number -> summed probability of its reads
    stature: np.ndarray | None = None  # histogram of relative standing heights (tracking.stature), None if none
    lab: np.ndarray | None = None  # mean shirt colour (OpenCV Lab, 3,), None if never sampled
    lab_n: int = 0
    reid: np.ndarray | None = None  # mean re-identification embedding (unit length), None if never sampled
    reid_n: int = 0


def decided_number(votes: dict[str, float], min_votes: float, min_share: float) -> str | None:
    """The shirt number a piece shows: the most read one, where its summed probability reaches ``min_votes`` and
    is at least ``min_share`` of all reads; None otherwise."""
    if not votes:
        return None
    best = max(votes, key=votes.get)
    w = votes[best]
    return best if w >= min_votes and w >= min_share * sum(votes.values()) else None


def add_votes(into: dict[str, float], votes: dict[str, float]) -> dict[str, float]:
    """Add shirt-number ``votes`` to ``into`` (in place); returns ``into``."""
    for k, w in votes.items():
        into[k] = into.get(k, 0.0) + w
    return into


def piece_numbers(rows: dict, parent: dict[int, int], reads: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
                  ) -> dict[int, dict[str, float]]:
    """Shirt-number votes per piece: ``reads`` (frames, online track ids, numbers, probabilities) land on the
    piece (of ``rows``, after :func:`split_tracks`; ``parent``: piece -> online track) holding that track's row
    in that frame."""
    fr, tid, num, prob = reads
    if not len(fr) or not len(rows["frame"]):
        return {}
    piece = rows["track_id"].astype(np.int64)
    ids, inv = np.unique(piece, return_inverse=True)
    orig = np.array([parent.get(int(p), int(p)) for p in ids], np.int64)[inv]
    key = orig * (1 << 32) + rows["frame"].astype(np.int64)
    order = np.argsort(key, kind="stable")
    ks = key[order]
    q = tid.astype(np.int64) * (1 << 32) + fr.astype(np.int64)
    at = np.minimum(np.searchsorted(ks, q), len(ks) - 1)
    hit = ks[at] == q
    out: dict[int, dict[str, float]] = {}
    for p, n, w in zip(piece[order[at[hit]]].tolist(), num[hit].tolist(), prob[hit].tolist()):
        add_votes(out.setdefault(int(p), {}), {n: float(w)})
    return out


def number_breaks(reads: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], t_of: dict[int, float],
                  min_reads: int) -> dict[int, list[float]]:
    """Times where an online track's shirt number changed: ``min_reads`` reads in a row of one number, then as many
    of another (teammates share the kit, so a swap between them at a crossing leaves the colours alone). ``reads``:
    (frames, track ids, numbers, probabilities); ``t_of``: frame -> time. The break lies halfway between the last
    read of the first number and the first of the second."""
    fr, tid, num, _ = reads
    out: dict[int, list[float]] = {}
    if min_reads <= 0 or not len(fr):
        return out
    order = np.lexsort((fr, tid))
    for idx in np.split(order, np.flatnonzero(np.diff(tid[order])) + 1):  # each track's reads, in frame order
        track, f, n = tid[idx[0]], fr[idx], num[idx]
        starts = np.flatnonzero(np.r_[True, n[1:] != n[:-1]])  # runs of one number
        ends = np.r_[starts[1:], len(n)]
        for k in range(len(starts) - 1):
            a0, a1, b1 = starts[k], ends[k], ends[k + 1]
            if a1 - a0 >= min_reads and b1 - a1 >= min_reads:
                t0, t1 = t_of.get(int(f[a1 - 1])), t_of.get(int(f[a1]))
                if t0 is not None and t1 is not None:
                    out.setdefault(int(track), []).append(0.5 * (t0 + t1))
    return out


def _velocity(t: np.ndarray, xy: np.ndarray, k: int = 4) -> np.ndarray:
    """Mean velocity (m/s) between the first and the last ``k`` of rows ``t``, ``xy``; zero for too few rows."""
    if len(t) < 2 * k:
        return np.zeros(2)
    dt = t[-k:].mean() - t[:k].mean()
    return (xy[-k:].mean(axis=0) - xy[:k].mean(axis=0)) / dt if dt > 0 else np.zeros(2)


def tracklets_from_rows(rows: dict, apps: dict[int, np.ndarray | None], roles: dict[int, str],
                        skins: dict[int, tuple[np.ndarray | None, int]] | None = None,
                        numbers: dict[int, dict[str, float]] | None = None,
                        statures: dict[int, np.ndarray | None] | None = None,
                        labs: dict[int, tuple[np.ndarray | None, int]] | None = None,
                        reids: dict[int, tuple[np.ndarray | None, int]] | None = None) -> list[Tracklet]:
    """Start/end times and positions of each track's detected rows (``skins``: id -> (skin tone, samples);
    ``numbers``: id -> shirt-number votes; ``statures``: id -> histogram of relative standing heights; ``labs``:
    id -> (mean shirt Lab, samples); ``reids``: id -> (mean re-identification embedding, samples))."""
    skins = skins or {}
    reids = reids or {}
    labs = labs or {}
    statures = statures or {}
    numbers = numbers or {}
    out = []
    det = rows["prov"] == DETECTED
    order = np.lexsort((rows["t"], rows["track_id"]))
    ids = rows["track_id"][order]
    bounds = np.flatnonzero(np.diff(ids)) + 1
    for grp in np.split(order, bounds):
        g = grp[det[grp]]
        if len(g) == 0:
            continue
        tid = int(rows["track_id"][g[0]])
        xy = rows["xy"][g]
        fin = np.flatnonzero(np.isfinite(xy).all(axis=1))
        xs = np.median(xy[fin[:5]], axis=0) if len(fin) else np.array([np.nan, np.nan])
        xe = np.median(xy[fin[-5:]], axis=0) if len(fin) else np.array([np.nan, np.nan])
        ts = rows["t"][g[fin[0]]] if len(fin) else rows["t"][g[0]]
        te = rows["t"][g[fin[-1]]] if len(fin) else rows["t"][g[-1]]
        sk, skn = skins.get(tid, (None, 0))
        tf = rows["t"][g[fin]]
        vs, ve = _velocity(tf[:12], xy[fin[:12]]), _velocity(tf[-12:], xy[fin[-12:]])
        out.append(Tracklet(tid, float(ts), float(te), xs, xe, apps.get(tid), roles.get(tid, "player"), sk, skn,
                            vs, ve, dict(numbers.get(tid, {})), statures.get(tid), *labs.get(tid, (None, 0)),
                            *reids.get(tid, (None, 0))))
    return out


def split_tracks(rows: dict, split_gap_s: float, first_id: int,
                 breaks: dict[int, list[float]] | None = None) -> tuple[dict, dict[int, int]]:
    """Keep detected rows and cut each track where it went undetected for more than ``split_gap_s``, and at its
    ``breaks`` (track id -> times where its shirt changed: the online tracker swapped people there).

    The online tracker re-identifies tracks after such gaps with what it knew then; cutting there lets the stitcher
    decide again with the whole match. Later pieces get new ids from ``first_id``; returns the rows and a map
    piece id -> online track id.
    """
    det = rows["prov"] == DETECTED
    r = {k: v[det] for k, v in rows.items()}
    order = np.lexsort((r["t"], r["track_id"]))
    r = {k: v[order] for k, v in r.items()}
    tid = r["track_id"]
    parent = {int(i): int(i) for i in np.unique(tid)}
    if len(tid) < 2:
        return r, parent
    cut = np.zeros(len(tid), bool)
    cut[1:] = (tid[1:] == tid[:-1]) & (np.diff(r["t"]) > split_gap_s)
    for track, times in (breaks or {}).items():
        idx = np.flatnonzero(tid == track)
        if len(idx) < 2:
            continue
        at = np.searchsorted(r["t"][idx], np.asarray(times, float) - 1e-9)
        at = at[(at > 0) & (at < len(idx))]
        cut[idx[at]] = True
    if cut.any():
        new_ids = first_id + np.cumsum(cut) - 1
        # rows after a cut take the id of the latest cut within their track
        piece = np.where(cut, new_ids, -1)
        seg = np.maximum.accumulate(np.where(cut, np.arange(len(tid)), -1))
        start = np.r_[True, tid[1:] != tid[:-1]]
        track_start = np.maximum.accumulate(np.where(start, np.arange(len(tid)), -1))
        use = seg > track_start
        out = tid.copy()
        out[use] = piece[seg[use]]
        for k in np.flatnonzero(cut):
            parent[int(piece[k])] = int(tid[k])
        r["track_id"] = out
    return r, parent


def blind_series(t: np.ndarray, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Times (T,) and cumulative seconds without a usable homography up to each (T,) (cut-aways, lost camera).

    ``t`` must be sorted; a frame without a usable homography counts for the time to the next frame."""
    t = np.asarray(t, float)
    if len(t) < 2:
        return t, np.zeros(len(t))
    dt = np.diff(t)
    blind = ~np.asarray(usable, bool)[:-1]
    return t, np.r_[0.0, np.cumsum(np.where(blind, dt, 0.0))]


def blind_stretches(blind: tuple[np.ndarray, np.ndarray], min_s: float) -> list[tuple[float, float]]:
    """(last usable time, first usable time again) of each stretch without a usable homography lasting at least
    ``min_s`` seconds; ``blind`` as returned by :func:`blind_series`."""
    t, cum = np.asarray(blind[0], float), np.asarray(blind[1], float)
    if len(t) < 2:
        return []
    runs = _runs(np.diff(cum) > 0)  # frame k is blind for [t_k, t_k+1)
    return [(float(t[a - 1] if a > 0 else t[a]), float(t[b])) for a, b in runs if t[b] - t[a] >= min_s]


def cut_shift(d: np.ndarray, ok: np.ndarray, radius: float, min_pairs: int, prior_m: float) -> np.ndarray | None:
    """The common displacement of the people across one cut-away, or None when too few agree.

    ``d`` (E, S, 2): displacement from each track end before the cut to each track start after it; ``ok`` (E, S):
    pairs that may be one person (kit, role). Each candidate shift (every pair's displacement, and none) is scored
    by a robust likelihood: each end adds ``log(0.05 + exp(-r^2 / 2 radius^2))`` for its best start within
    ``radius`` of the shift, plus a Gaussian prior of std ``prior_m`` on the shift (a formation moved by one line
    spacing also matches many pairs). The best is refined by a one-to-one assignment and the median of the
    assigned pairs within ``3 radius``; at least ``min_pairs`` must agree.
    """
    if ok.sum() < min_pairs:
        return None
    cand = np.vstack([d[ok], np.zeros((1, 2))])
    big = 1e6
    r2 = ((d[None, :, :, :] - cand[:, None, None, :]) ** 2).sum(axis=3)  # (C, E, S)
    best = np.where(ok[None], np.exp(-0.5 * r2 / radius**2), 0.0).max(axis=2)  # (C, E)
    score = np.log(0.05 + best).sum(axis=1) - 0.5 * (cand**2).sum(axis=1) / prior_m**2
    c = cand[int(np.argmax(score))]
    for _ in range(5):
        cost = np.where(ok, ((d - c) ** 2).sum(axis=2), big)
        r, k = linear_sum_assignment(cost)
        good = cost[r, k] <= (3 * radius) ** 2
        if good.sum() < min_pairs:
            return None
        new = np.median(d[r[good], k[good]], axis=0)
        if np.allclose(new, c, atol=1e-3):
            break
        c = new
    return c


def _mean_cost(x: np.ndarray, cnt: np.ndarray, i: np.ndarray, j: np.ndarray, w: float, std: Sequence[float],
               floor: Sequence[float], cap: float, unknown: float = 0.0) -> np.ndarray:
    """``w`` times half the squared difference of the means ``x`` (n, d; NaN unknown) of pairs (``i[k]``, ``j[k]``),
    each axis over its variance ``std^2 (1 / cnt_i + 1 / cnt_j) + floor^2``, capped at ``cap``; pairs where either
    mean is unknown cost ``w * unknown``."""
    sd2 = np.asarray(std, float) ** 2
    fl2 = np.asarray(floor, float) ** 2
    var = sd2[None, :] * (1 / cnt[i, None] + 1 / cnt[j, None]) + fl2
    r2 = ((x[i] - x[j]) ** 2 / var).sum(axis=1)
    return w * np.where(np.isfinite(r2), np.minimum(0.5 * r2, cap), unknown)


def skin_cost(tracklets: list[Tracklet], cfg: OfflineConfig, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Link cost of the skin tones of the tracklet pairs (``i[k]``, ``j[k]``): ``stitch_w_skin`` times half the
    normalised squared difference, capped at ``stitch_skin_cap``; the variance of a tracklet's mean is the
    per-sample variance over its samples plus a floor (lighting). Pairs where either tone is unknown cost 0."""
    i, j = np.asarray(i, int), np.asarray(j, int)
    if cfg.stitch_w_skin <= 0 or not len(i):
        return np.zeros(len(i))
    n = len(tracklets)
    sk = np.array([tr.skin if tr.skin is not None and tr.skin_n > 0 else np.full(2, np.nan) for tr in tracklets],
                  float).reshape(n, 2)
    cnt = np.array([max(tr.skin_n, 1) for tr in tracklets], float)
    return _mean_cost(sk, cnt, i, j, cfg.stitch_w_skin, cfg.stitch_skin_std, cfg.stitch_skin_floor,
                      cfg.stitch_skin_cap)


def kit_cost(tracklets: list[Tracklet], cfg: OfflineConfig, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Link cost of the shirts' mean chroma (Lab a and b) of the tracklet pairs (``i[k]``, ``j[k]``), built like
    :func:`skin_cost` from ``stitch_w_kit``, ``stitch_kit_std``, ``stitch_kit_floor`` and ``stitch_kit_cap``.

    The shirt histograms compare shades bin by bin, so two kits close in hue (or a grey one, whose hue is noise)
    look alike to them; the mean chroma of the samples still sets the two apart. Pairs where either is unknown
    cost 0."""
    i, j = np.asarray(i, int), np.asarray(j, int)
    if cfg.stitch_w_kit <= 0 or not len(i):
        return np.zeros(len(i))
    n = len(tracklets)
    known = [tr.lab is not None and tr.lab_n >= max(cfg.stitch_kit_min_samples, 1) for tr in tracklets]
    ab = np.array([tr.lab[1:] if k else np.full(2, np.nan) for tr, k in zip(tracklets, known, strict=True)],
                  float).reshape(n, 2)
    cnt = np.array([max(tr.lab_n, 1) for tr in tracklets], float)
    return _mean_cost(ab, cnt, i, j, cfg.stitch_w_kit, cfg.stitch_kit_std, cfg.stitch_kit_floor, cfg.stitch_kit_cap)


def stature_cost(tracklets: list[Tracklet], cfg: OfflineConfig, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Link cost of the standing heights of the tracklet pairs (``i[k]``, ``j[k]``), built like :func:`skin_cost`
    on the medians of their relative heights (:mod:`tracking.stature`) from ``stitch_w_stature``,
    ``stitch_stature_std``, ``stitch_stature_floor`` and ``stitch_stature_cap``."""
    i, j = np.asarray(i, int), np.asarray(j, int)
    if cfg.stitch_w_stature <= 0 or not len(i):
        return np.zeros(len(i))
    med = [histogram_median(tr.stature) for tr in tracklets]
    h = np.array([m for m, _ in med], float)[:, None]
    cnt = np.array([max(k, 1) for _, k in med], float)
    # an unknown height costs what one person's own heights cost on average (half a chi-square with one degree of
    # freedom), so that a piece never measured is no cheaper a link than one that matches
    return _mean_cost(h, cnt, i, j, cfg.stitch_w_stature, [cfg.stitch_stature_std], [cfg.stitch_stature_floor],
                      cfg.stitch_stature_cap, unknown=0.5)


def reid_cost(tracklets: list[Tracklet], cfg: OfflineConfig, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Link cost of the re-identification embeddings of the tracklet pairs (``i[k]``, ``j[k]``):
    ``stitch_w_reid`` times the cosine distance of their means beyond ``stitch_reid_free`` plus
    ``stitch_reid_spread`` times ``sqrt(1 / n_i + 1 / n_j)`` (a mean of few samples strays further), over
    ``stitch_reid_scale``, capped at ``stitch_reid_cap``. Pairs where either has fewer than
    ``stitch_reid_min_samples`` samples, or is a referee (the model learnt players), cost 0."""
    i, j = np.asarray(i, int), np.asarray(j, int)
    if cfg.stitch_w_reid <= 0 or not len(i):
        return np.zeros(len(i))
    known = np.array([tr.reid is not None and tr.reid_n >= max(cfg.stitch_reid_min_samples, 1)
                      and tr.role != "referee" for tr in tracklets])
    if not known.any():
        return np.zeros(len(i))
    dim = len(next(tr.reid for tr, k in zip(tracklets, known, strict=True) if k))
    e = np.array([tr.reid if k else np.zeros(dim) for tr, k in zip(tracklets, known, strict=True)], float)
    e /= np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
    d = 1.0 - (e[i] * e[j]).sum(axis=1)
    n = np.array([max(tr.reid_n, 1) for tr in tracklets], float)
    free = cfg.stitch_reid_free + cfg.stitch_reid_spread * np.sqrt(1.0 / n[i] + 1.0 / n[j])
    c = np.clip((d - free) / cfg.stitch_reid_scale, 0.0, cfg.stitch_reid_cap)
    return cfg.stitch_w_reid * np.where(known[i] & known[j], c, 0.0)


def looks_cost(tracklets: list[Tracklet], cfg: OfflineConfig, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Link cost of the mean colours and build: skin tone (:func:`skin_cost`), standing height
    (:func:`stature_cost`), the shirt's mean chroma (:func:`kit_cost`) and the re-identification embedding
    (:func:`reid_cost`)."""
    return (skin_cost(tracklets, cfg, i, j) + stature_cost(tracklets, cfg, i, j) + kit_cost(tracklets, cfg, i, j)
            + reid_cost(tracklets, cfg, i, j))


def stitch(tracklets: list[Tracklet], cfg: OfflineConfig,
           drift: tuple[np.ndarray, np.ndarray] | None = None,
           blind: tuple[np.ndarray, np.ndarray] | None = None) -> dict[int, int]:
    """Join tracklets that continue each other (motion and appearance); returns track id -> stitched id.

    A tracklet's end may link to a later tracklet's start when the gap is at most ``stitch_max_gap_s`` (or the
    start comes at most ``stitch_overlap_s`` before the end: a new track took the player over), the
    distance is reachable at ``stitch_max_speed`` (plus ``stitch_slack_m``), their appearance distance is at most
    ``stitch_max_app`` and their detector roles agree (referee or not; unless their appearance distance is below
    ``stitch_role_app``). ``drift`` (times (T,), positions (T, 2)) is the group
    drift of the online tracker: with ``stitch_drift`` an end is moved by the drift across the gap. With
    ``stitch_velocity_s`` the end is carried on at its last velocity, and the start back at its first, for half the
    gap up to that long each (a player keeps running for a moment after he is lost).
    Pieces shorter than ``stitch_min_s`` (a box seen for a frame or two, often on the wrong person at a crossing)
    are left out: they would cut a chain in two or divert it.

    The cost of a link is the negative log-likelihood of the (drift-compensated) displacement under an isotropic
    Gaussian whose variance grows with the gap, ``sigma^2 = stitch_sigma0_m^2 + stitch_sigma_rate * gap``, plus
    ``stitch_w_app`` times the appearance distance; a short gap with a small displacement beats a long one that a
    wide reach would also allow. ``blind`` (times (T,), cumulative seconds without a usable homography (T,), see
    :func:`blind_series`): the seconds of a gap spent in cut-aways add ``stitch_blind_rate`` each to the variance
    (the group drift is not followed there). With ``stitch_cut_shift`` the people's common shift across each
    cut-away of at least ``stitch_cut_min_s`` is estimated from the track ends just before it and the starts just
    after it (:func:`cut_shift`); links across it are compared after that shift, and its seconds add
    ``stitch_cut_sigma_rate`` to the variance instead of ``stitch_sigma_rate``. The two tracklets' mean looks add
    :func:`looks_cost`: skin tones (teammates share the kit, not the skin), the shirts' mean chroma, the
    re-identification embeddings and, where measured, standing heights. Links are chosen by one minimum-cost
    assignment of ends to starts, so chains of several tracklets form at once; with ``stitch_rounds`` > 1 the
    pieces without a skin sample then take the tone of the piece before them in their chain and the links are
    chosen again. With ``stitch_chain_pass`` the chains are then linked once more as wholes
    (:func:`chain_tracklets`): their colours and skin tone, pooled over all their pieces, are surer than a short
    piece's, and their appearance gate is ``stitch_chain_max_app``. In every assignment a start at most
    ``stitch_adjacent_s`` after an end and ``stitch_adjacent_m`` from it, no other piece as close to either,
    passes the colour gate whatever its colours (one person lost by the online tracker for a frame, his crop
    spoilt from then on): waived in the first assignment already, so that a teammate further on cannot take the
    end, a link no later pass undoes. With ``stitch_insert`` the chains that fit a gap of another chain are put there
    (:func:`insert_chains`) before that pass, which could otherwise give them to an open end, and again after it.
    """
    mapping = {tr.track_id: tr.track_id for tr in tracklets}
    tracklets = [tr for tr in tracklets if tr.t_end - tr.t_start >= cfg.stitch_min_s]
    n = len(tracklets)
    if n < 2:
        return mapping
    i, j, base = candidate_links(tracklets, cfg, drift, blind)
    nxt = _assign_links(n, i, j, base + looks_cost(tracklets, cfg, i, j), cfg.stitch_new_cost)
    # a piece whose skin was never sampled would bridge two teammates: it takes the tone of the sampled piece before
    # it in its chain and the links are chosen again
    for _ in range(max(cfg.stitch_rounds - 1, 0)):
        filled = _inherit_skin(tracklets, nxt)
        if filled is None:
            break
        nxt = _assign_links(n, i, j, base + looks_cost(filled, cfg, i, j), cfg.stitch_new_cost)
    mapping = _chains(tracklets, nxt, mapping)
    if cfg.stitch_chain_pass:  # the chains, with their pooled colours and skin, are linked once more
        chain_cfg = replace(cfg, stitch_chain_pass=False, stitch_min_s=0.0, stitch_max_app=cfg.stitch_chain_max_app)
        if cfg.stitch_insert:  # first the pieces that fit a gap, before another chain's end takes them
            mapping = insert_chains(tracklets, mapping, chain_cfg, drift, blind)
        again = stitch(chain_tracklets(tracklets, mapping), chain_cfg, drift, blind)
        mapping = {tid: again.get(root, root) for tid, root in mapping.items()}
        if cfg.stitch_insert:
            mapping = insert_chains(tracklets, mapping, chain_cfg, drift, blind)
    return mapping


def insert_chains(tracklets: list[Tracklet], mapping: dict[int, int], cfg: OfflineConfig,
                  drift: tuple[np.ndarray, np.ndarray] | None = None,
                  blind: tuple[np.ndarray, np.ndarray] | None = None) -> dict[int, int]:
    """Put chains that lie wholly inside a gap of another chain into that gap; returns the new ``mapping``.

    End-to-start links never join a chain to one that starts before it and ends after it: a player seen, lost,
    seen briefly at the edge of the picture, lost again and seen for good becomes a long chain and a short one in
    its gap. A chain ``Y`` inside the gap between pieces ``a`` and ``b`` of chain ``X`` is put there when the links
    ``a`` -> ``Y`` and ``Y`` -> ``b`` (pooled colours and skin of ``X`` and ``Y``, the gates of ``cfg``) cost less
    than ``a`` -> ``b`` plus leaving ``Y`` on its own (``stitch_insert_new_cost``). Both links compare the same
    pooled colours and skin, ``X``'s with ``Y``'s, so that evidence is counted once, not once per link; and a chain
    that fits a gap is likelier to belong there than an end is to any start, so leaving it alone costs more than
    leaving an end unlinked does in the assignment. A gap across a cut-away is judged the same way, without the
    people's common shift (three pieces are too few to estimate it): the variance grown over the gap covers it.
    Best gains first; each gap takes one chain, and a chain put into a gap of a chain that is itself put into a gap
    goes along with it."""
    groups: dict[int, list[Tracklet]] = {}
    for tr in tracklets:
        groups.setdefault(mapping.get(tr.track_id, tr.track_id), []).append(tr)
    whole = {tr.track_id: tr for tr in chain_tracklets(tracklets, mapping)}
    gaps = []  # (root, a, b)
    for root, trs in groups.items():
        trs.sort(key=lambda tr: tr.t_start)
        gaps += [(root, a, b) for a, b in zip(trs, trs[1:]) if b.t_start > a.t_end]
    if not gaps:
        return mapping
    ga = np.array([a.t_end for _, a, _ in gaps])
    gb = np.array([b.t_start for _, _, b in gaps])
    cand = []
    for root_y, y in whole.items():
        for k in np.flatnonzero((ga < y.t_start) & (gb > y.t_end)):
            root_x, a, b = gaps[k]
            if root_x == root_y:
                continue
            x = whole[root_x]
            own = {"app": x.app, "skin": x.skin, "skin_n": x.skin_n, "role": x.role, "stature": x.stature,
                   "lab": x.lab, "lab_n": x.lab_n, "reid": x.reid, "reid_n": x.reid_n}
            ends = [replace(a, **own), y, replace(b, **own)]
            ii, jj = np.array([0, 1, 0]), np.array([1, 2, 2])
            c, colour = _link_cost_terms(ends, cfg, drift, blind)
            c = c[ii, jj]
            if c[0] >= 1e6 or c[1] >= 1e6:
                continue
            means = looks_cost(ends, cfg, ii, jj)
            c = c + means
            # both links compare X's pooled colours, skin and height with Y's: that term is counted once
            twice = colour[ii[:2], jj[:2]] + means[:2]
            gain = min(c[2], cfg.stitch_new_cost) + cfg.stitch_insert_new_cost - c[0] - c[1] + twice.min()
            if gain > 0:
                cand.append((gain, root_y, k))
    moved: dict[int, int] = {}  # chain Y -> chain X it is put into
    used_gap: set[int] = set()
    for _, root_y, k in sorted(cand, key=lambda g: -g[0]):
        if root_y in moved or k in used_gap:
            continue
        moved[root_y] = gaps[k][0]
        used_gap.add(k)

    def into(root: int) -> int:
        """The chain ``root`` ends up in: a chain put into a gap of one that was itself put into a gap goes along."""
        while root in moved:
            root = moved[root]
        return root

    return {tid: into(root) for tid, root in mapping.items()}


def chain_tracklets(tracklets: list[Tracklet], mapping: dict[int, int]) -> list[Tracklet]:
    """One tracklet per chain of ``mapping`` (track id -> chain id): its first piece's start, its last piece's
    end, the shirt histogram of its pieces weighted by their durations, the skin tone pooled over their samples
    and the majority role."""
    groups: dict[int, list[Tracklet]] = {}
    for tr in tracklets:
        groups.setdefault(mapping.get(tr.track_id, tr.track_id), []).append(tr)
    out = []
    for root, trs in groups.items():
        trs = sorted(trs, key=lambda tr: tr.t_start)
        placed = [tr for tr in trs if np.isfinite(tr.xy_start).all()] or trs
        a, b = placed[0], placed[-1]
        apps = [(tr.app, tr.t_end - tr.t_start + 1e-3) for tr in trs if tr.app is not None]
        app = None
        if apps:
            v = np.sum([x * w for x, w in apps], axis=0)
            app = v / max(float(np.linalg.norm(v)), 1e-12)
        skin, skin_n = _pooled_mean([(tr.skin, tr.skin_n) for tr in trs])
        lab, lab_n = _pooled_mean([(tr.lab, tr.lab_n) for tr in trs])
        reid, reid_n = _pooled_mean([(tr.reid, tr.reid_n) for tr in trs])
        hs = [tr.stature for tr in trs if tr.stature is not None]
        stature = np.sum(hs, axis=0) if hs else None
        roles: dict[str, float] = {}
        numbers: dict[str, float] = {}
        for tr in trs:
            roles[tr.role] = roles.get(tr.role, 0.0) + tr.t_end - tr.t_start
            add_votes(numbers, tr.numbers)
        out.append(Tracklet(root, a.t_start, b.t_end, a.xy_start, b.xy_end, app, max(roles, key=roles.get), skin,
                            skin_n, a.v_start, b.v_end, numbers, stature, lab, lab_n, reid, reid_n))
    return out


def _pooled_mean(means: list[tuple[np.ndarray | None, int]]) -> tuple[np.ndarray | None, int]:
    """Mean over all samples of (mean, sample count) pairs (unknown or empty ones left out) and the count."""
    known = [(x, n) for x, n in means if x is not None and n > 0]
    n = sum(k for _, k in known)
    return (np.sum([x * k for x, k in known], axis=0) / n if known else None), n


def candidate_links(tracklets: list[Tracklet], cfg: OfflineConfig,
                    drift: tuple[np.ndarray, np.ndarray] | None = None,
                    blind: tuple[np.ndarray, np.ndarray] | None = None,
                    window_s: float = 60.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The possible links end ``i`` -> start ``j`` and their costs without the skin term (three arrays).

    A whole match holds thousands of pieces, and a link spans at most ``stitch_max_gap_s``: the ends are taken a
    window of ``window_s`` at a time, against the pieces from just before the window to the latest start any of its
    ends may reach (with room for the cut-away shift estimates), so memory and time grow with the match's length,
    not with its square. Each link's cost is the one :func:`_link_costs` gives over all the pieces at once."""
    n = len(tracklets)
    ts = np.array([tr.t_start for tr in tracklets], float)
    te = np.array([tr.t_end for tr in tracklets], float)
    empty = (np.zeros(0, int), np.zeros(0, int), np.zeros(0))
    if n == 0:
        return empty
    margin = cfg.stitch_cut_window_s + 1.0
    out = []
    for k0 in np.arange(te.min(), te.max() + window_s, window_s):
        own = np.flatnonzero((te >= k0) & (te < k0 + window_s))
        if not len(own):
            continue
        sel = np.flatnonzero((te >= k0 - margin) & (ts <= k0 + window_s + cfg.stitch_max_gap_s + margin))
        base = _link_costs([tracklets[k] for k in sel], cfg, drift, blind)[np.searchsorted(sel, own)]
        bi, bj = np.nonzero(base < 1e6)
        out.append((own[bi], sel[bj], base[bi, bj]))
    if not out:
        return empty
    return tuple(np.concatenate(parts) for parts in zip(*out, strict=True))


def _link_costs(tracklets: list[Tracklet], cfg: OfflineConfig, drift: tuple[np.ndarray, np.ndarray] | None,
                blind: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Cost (n, n) of linking each end to each start without the skin term; 1e6 where impossible."""
    return _link_cost_terms(tracklets, cfg, drift, blind)[0]


def _link_cost_terms(tracklets: list[Tracklet], cfg: OfflineConfig, drift: tuple[np.ndarray, np.ndarray] | None,
                     blind: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_link_costs` and, (n, n), the colour term it holds (``stitch_w_app`` times the colour distance)."""
    n = len(tracklets)
    ts = np.array([tr.t_start for tr in tracklets])
    te = np.array([tr.t_end for tr in tracklets])
    xs = np.array([tr.xy_start for tr in tracklets])
    xe = np.array([tr.xy_end for tr in tracklets])
    gap = ts[None, :] - te[:, None]  # end i -> start j
    shift = np.zeros((n, n, 2))
    if cfg.stitch_drift and drift is not None and len(drift[0]) > 1:
        dt_, dxy = drift
        at = np.stack([np.interp(ts, dt_, dxy[:, 0]), np.interp(ts, dt_, dxy[:, 1])], axis=1)
        ae = np.stack([np.interp(te, dt_, dxy[:, 0]), np.interp(te, dt_, dxy[:, 1])], axis=1)
        shift = at[None, :, :] - ae[:, None, :]
    if cfg.stitch_velocity_s > 0:  # each end carried on at its velocity (and each start back) for a while
        h = np.minimum(np.maximum(gap, 0) / 2, cfg.stitch_velocity_s)[:, :, None]
        ve = np.array([tr.v_end for tr in tracklets]).reshape(n, 2)
        vs = np.array([tr.v_start for tr in tracklets]).reshape(n, 2)
        shift = shift + ve[:, None, :] * h + vs[None, :, :] * h
    roles = np.array([tr.role == "referee" for tr in tracklets])
    same_role = roles[:, None] == roles[None, :]
    D = len(next((tr.app for tr in tracklets if tr.app is not None), []))
    # a start may come slightly before the end it continues (a new track picked the player up a frame before the
    # old one let go), never before the earlier piece's start nor after its whole span
    later = (ts[None, :] > ts[:, None]) & (te[None, :] > te[:, None])
    min_gap = -cfg.stitch_overlap_s - 1e-9 if cfg.stitch_overlap_s > 0 else 0.0
    feasible = (gap > min_gap) & later & (gap <= cfg.stitch_max_gap_s)
    if D:
        apps = np.array([tr.app if tr.app is not None else np.full(D, np.nan) for tr in tracklets])
        ad = appearance_distance(apps, apps)
        if cfg.stitch_numbers:  # shirt numbers: a different one rules a link out, the same one outweighs colour
            num = [decided_number(tr.numbers, cfg.number_votes, cfg.number_share) for tr in tracklets]
            if any(num):
                _, codes = np.unique(np.array([x or "" for x in num], dtype=object).astype(str), return_inverse=True)
                known = np.array([x is not None for x in num])
                both = known[:, None] & known[None, :]
                same = both & (codes[:, None] == codes[None, :])
                feasible &= ~(both & ~same)
                ad = np.where(same & (ad <= cfg.stitch_number_max_app), 0.0, ad)
        # a start right after an end, where it left off, and no other piece that close to either: one person the
        # online tracker lost for a frame (a box cut by the picture's edge, a crossing), whatever his colours
        adj = (gap > 0) & (gap <= cfg.stitch_adjacent_s + 1e-9)
        if adj.any():
            adj &= np.linalg.norm(xs[None, :, :] - xe[:, None, :], axis=2) <= cfg.stitch_adjacent_m
            adj &= (adj.sum(axis=1, keepdims=True) == 1) & (adj.sum(axis=0, keepdims=True) == 1)
        feasible &= (ad <= cfg.stitch_max_app) | adj
        # the detector's referee/player votes are unreliable: near-identical shirts overrule them
        same_role |= ad < cfg.stitch_role_app
    else:
        ad = np.zeros((n, n))
    feasible &= same_role
    # cut-aways: the people seen before one and after it move by a common shift (the teams slide with the ball)
    comp = np.zeros((n, n))  # seconds of each gap whose motion the cut shifts account for
    if blind is not None and cfg.stitch_cut_shift:
        for b0, b1 in blind_stretches(blind, cfg.stitch_cut_min_s):
            ends = np.flatnonzero((te <= b0 + 1e-6) & (te >= b0 - cfg.stitch_cut_window_s)
                                  & np.isfinite(xe).all(axis=1))
            starts = np.flatnonzero((ts >= b1 - 1e-6) & (ts <= b1 + cfg.stitch_cut_window_s)
                                    & np.isfinite(xs).all(axis=1))
            d = xs[starts][None, :, :] - xe[ends][:, None, :] - shift[np.ix_(ends, starts)]
            c = cut_shift(d, feasible[np.ix_(ends, starts)], cfg.stitch_cut_radius_m, cfg.stitch_cut_min_pairs,
                          cfg.stitch_cut_prior_speed * (b1 - b0))
            if c is None:
                continue
            across = (te[:, None] <= b0 + 1e-6) & (ts[None, :] >= b1 - 1e-6)
            shift = shift + np.where(across[:, :, None], c, 0.0)
            comp += np.where(across, b1 - b0, 0.0)
    dist = np.linalg.norm(xs[None, :, :] - xe[:, None, :] - shift, axis=2)
    reach = cfg.stitch_slack_m + cfg.stitch_max_speed * np.maximum(gap, 0)
    feasible &= np.isfinite(dist) & (dist <= reach)
    var = (cfg.stitch_sigma0_m**2 + cfg.stitch_sigma_rate * np.maximum(gap - comp, 0)
           + cfg.stitch_cut_sigma_rate * comp)
    if blind is not None and len(blind[0]) > 1 and cfg.stitch_blind_rate > 0:
        bs, be = np.interp(ts, blind[0], blind[1]), np.interp(te, blind[0], blind[1])
        var = var + cfg.stitch_blind_rate * np.maximum(bs[None, :] - be[:, None], 0.0)
    r2 = dist**2 / var
    feasible &= r2 <= cfg.stitch_gate_chi2
    looks = cfg.stitch_w_app * ad
    with np.errstate(invalid="ignore"):
        return np.where(feasible, 0.5 * r2 + np.log(var) + looks, 1e6), looks


def _assign_links(n: int, i: np.ndarray, j: np.ndarray, cost: np.ndarray, tau: float) -> dict[int, int]:
    """One minimum-cost assignment of the ``n`` ends to the ``n`` starts over the possible links ``i[k]`` ->
    ``j[k]`` costing ``cost[k]``; returns end index -> start index. Leaving an end (and a start) unlinked costs
    ``tau``: a link is made only where it is cheaper, so two long, unlikely links never displace one likely link
    just to link more tracklets.

    Sparse: ends and starts each get a stand-in for "unlinked" (cost ``tau`` / 2), and the stand-ins of a linked
    pair pair up with each other, so only the possible links are stored."""
    if not len(i):
        return {}
    ar = np.arange(n)
    rows = np.concatenate([i, ar, n + ar, n + j])  # ends, then the starts' stand-ins
    cols = np.concatenate([j, n + ar, ar, n + i])  # starts, then the ends' stand-ins
    # every full matching has 2n edges, so the +1 (no edge may weigh 0 in a sparse matrix) changes no choice
    w = np.concatenate([cost, np.full(2 * n, 0.5 * tau), np.zeros(len(i))]) + 1.0
    r, c = min_weight_full_bipartite_matching(csr_matrix((w, (rows, cols)), shape=(2 * n, 2 * n)))
    return {int(a): int(b) for a, b in zip(r, c, strict=True) if a < n and b < n}


def _inherit_skin(tracklets: list[Tracklet], nxt: dict[int, int]) -> list[Tracklet] | None:
    """Tracklets whose skin tone is unknown take the tone of the sampled tracklet before them in their chain (the
    one after them where none is before); None if none changes.

    Only the skin: an inherited shirt histogram would gate links hard (``stitch_max_app``), and the shirt of one
    player seen at two zooms differs too much for that."""
    out = list(tracklets)
    changed = False
    for chain in _chain_lists(len(tracklets), nxt):
        known = [tracklets[k].skin is not None and tracklets[k].skin_n > 0 for k in chain]
        if not any(known) or all(known):
            continue
        src = chain[known.index(True)]
        for k, kn in zip(chain, known, strict=True):
            if kn:
                src = k
                continue
            out[k] = replace(tracklets[k], skin=tracklets[src].skin, skin_n=tracklets[src].skin_n)
            changed = True
    return out if changed else None


def _chain_lists(n: int, nxt: dict[int, int]) -> list[list[int]]:
    """The chains (lists of tracklet indices, first to last) that the links ``nxt`` (end -> start) form."""
    prev = {j: i for i, j in nxt.items()}
    chains = []
    for i in range(n):
        if i in prev:
            continue
        chain = [i]
        while chain[-1] in nxt:
            chain.append(nxt[chain[-1]])
        chains.append(chain)
    return chains


def _chains(tracklets: list[Tracklet], nxt: dict[int, int], mapping: dict[int, int]) -> dict[int, int]:
    """Track id -> id of the first tracklet of its chain."""
    for chain in _chain_lists(len(tracklets), nxt):
        for k in chain[1:]:
            mapping[tracklets[k].track_id] = tracklets[chain[0]].track_id
    return mapping


def fill_gaps(rows: dict, frames_all: np.ndarray, t_all: np.ndarray, usable_all: np.ndarray,
              max_gap_s: float) -> dict:
    """Keep detected rows; fill gaps up to ``max_gap_s`` between detected rows by linear interpolation.

    Predicted rows are dropped (inside a short gap they are replaced by interpolated ones). Interpolated pitch
    positions are NaN on frames without a usable homography.
    """
    det = rows["prov"] == DETECTED
    fr, t, tid = rows["frame"][det], rows["t"][det], rows["track_id"][det]
    box, xy = rows["box"][det].astype(float), rows["xy"][det]
    order = np.lexsort((fr, tid))
    fr, t, tid, box, xy = fr[order], t[order], tid[order], box[order], xy[order]
    parts = {"frame": [fr], "t": [t], "track_id": [tid], "box": [box], "xy": [xy], "prov": [np.zeros(len(fr), np.int8)]}
    if len(fr) > 1:
        same = tid[1:] == tid[:-1]
        dgap = t[1:] - t[:-1]
        cand = np.flatnonzero(same & (fr[1:] - fr[:-1] > 1) & (dgap <= max_gap_s + 1e-9))
        for k in cand:
            a, b = np.searchsorted(frames_all, [fr[k], fr[k + 1]])
            mid = np.arange(a + 1, b)
            if len(mid) == 0:
                continue
            tm = t_all[mid]
            w = ((tm - t[k]) / (t[k + 1] - t[k]))[:, None]
            parts["frame"].append(frames_all[mid])
            parts["t"].append(tm)
            parts["track_id"].append(np.full(len(mid), tid[k]))
            parts["box"].append(box[k] + w * (box[k + 1] - box[k]))
            ixy = xy[k] + w * (xy[k + 1] - xy[k])
            ixy[~usable_all[mid]] = np.nan
            parts["xy"].append(ixy)
            parts["prov"].append(np.full(len(mid), INTERPOLATED, np.int8))
    out = {k: np.concatenate(v) for k, v in parts.items()}
    order = np.lexsort((out["frame"], out["track_id"]))
    return {k: v[order] for k, v in out.items()}


def fill_positions(rows: dict, max_gap_s: float) -> dict:
    """Interpolate missing pitch positions (frames without a usable homography: a calibration drop-out) between
    positions of the same track at most ``max_gap_s`` apart; those rows become "interpolated".

    ``rows`` sorted by (track, frame); returns new rows (the input is not changed)."""
    xy = rows["xy"]
    miss = ~np.isfinite(xy).all(axis=1)
    if not miss.any():
        return rows
    xy = xy.copy()
    prov = rows["prov"].copy()
    t, tid = rows["t"], rows["track_id"]
    for a, b in _runs(miss):
        lo, hi = a - 1, b
        if lo < 0 or hi >= len(t) or tid[lo] != tid[a] or tid[hi] != tid[a] or t[hi] - t[lo] > max_gap_s + 1e-9:
            continue
        w = ((t[a:b] - t[lo]) / (t[hi] - t[lo]))[:, None]
        xy[a:b] = xy[lo] + w * (xy[hi] - xy[lo])
        prov[a:b] = INTERPOLATED
    return {**rows, "xy": xy, "prov": prov}


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index ranges of consecutive True values."""
    m = np.concatenate([[False], mask, [False]])
    d = np.flatnonzero(np.diff(m.astype(np.int8)))
    return list(zip(d[::2], d[1::2], strict=True))


def _rts(xy: np.ndarray, dt: float, cfg: OfflineConfig) -> tuple[np.ndarray, np.ndarray]:
    kf = KalmanFilter(dim_x=4, dim_z=2)
    kf.F = np.kron(np.eye(2), np.array([[1.0, dt], [0.0, 1.0]]))
    kf.H = np.array([[1.0, 0, 0, 0], [0, 0, 1.0, 0]])
    kf.Q = Q_discrete_white_noise(dim=2, dt=dt, var=cfg.rts_accel_std**2, block_size=2)
    kf.R = np.eye(2) * cfg.rts_meas_std**2
    kf.x = np.array([xy[0, 0], 0.0, xy[0, 1], 0.0])
    kf.P = np.diag([cfg.rts_meas_std**2, 25.0, cfg.rts_meas_std**2, 25.0])
    mu, cov, _, _ = kf.batch_filter(xy)
    xs, _, _, _ = kf.rts_smoother(mu, cov)
    return xs[:, [0, 2]], xs[:, [1, 3]]


def smooth_tracks(rows: dict, fps: float, cfg: OfflineConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Smoothed positions (N, 2), speed (N,) and tangential acceleration (N,) of rows sorted by (track, frame).

    Each run of consecutive frames with a pitch position is smoothed on its own (Savitzky-Golay or RTS).
    """
    n = len(rows["frame"])
    xy_s = rows["xy"].copy()
    speed = np.full(n, np.nan)
    accel = np.full(n, np.nan)
    if n == 0:
        return xy_s, speed, accel
    fin = np.isfinite(rows["xy"]).all(axis=1)
    cont = np.ones(n, bool)
    cont[1:] = (rows["track_id"][1:] == rows["track_id"][:-1]) & (rows["frame"][1:] - rows["frame"][:-1] == 1)
    # run boundaries: a new run starts where continuity breaks or the position is missing
    start = ~cont | ~fin
    seg_id = np.cumsum(start)
    dt = 1.0 / fps
    win = max(3, int(round(cfg.savgol_window_s * fps)) | 1)
    for a, b in _runs(fin):
        # split [a, b) further on continuity breaks
        cuts = [a] + [k for k in range(a + 1, b) if seg_id[k] != seg_id[k - 1]] + [b]
        for s, e in zip(cuts[:-1], cuts[1:], strict=True):
            m = e - s
            p = rows["xy"][s:e]
            if m < 3:
                if m == 2:
                    v = (p[1] - p[0]) / dt
                    speed[s:e] = np.hypot(*v)
                continue
            if cfg.smoother == "rts":
                ps, v = _rts(p, dt, cfg)
            elif cfg.smoother == "savgol" and m > cfg.savgol_order + 1:
                w = min(win, m if m % 2 else m - 1)
                order = min(cfg.savgol_order, w - 1)
                ps = savgol_filter(p, w, order, axis=0)
                v = savgol_filter(p, w, order, deriv=1, delta=dt, axis=0)
            else:
                ps, v = p, np.gradient(p, dt, axis=0)
            xy_s[s:e] = ps
            sp = np.hypot(v[:, 0], v[:, 1])
            speed[s:e] = sp
            accel[s:e] = np.gradient(sp, dt)
    return xy_s, speed, accel


def relabel(rows: dict, mapping: dict[int, int]) -> dict:
    """Rows with each piece id replaced by its stitched id (``mapping``). Where two linked pieces overlap by a
    frame or two (:attr:`OfflineConfig.stitch_overlap_s`), the rows of the piece that started later are kept."""
    piece = rows["track_id"]
    ids, inv = np.unique(piece, return_inverse=True)
    tid = np.array([mapping.get(int(i), int(i)) for i in ids], dtype=np.int64)[inv]
    out = dict(rows, track_id=tid)
    if not len(tid):
        return out
    first = np.full(len(ids), np.inf)
    np.minimum.at(first, inv, rows["t"])
    t0 = first[inv]  # each row's piece start
    order = np.lexsort((-t0, rows["frame"], tid))
    dup = np.r_[False, (tid[order][1:] == tid[order][:-1]) & (rows["frame"][order][1:] == rows["frame"][order][:-1])]
    if not dup.any():
        return out
    keep = np.sort(order[~dup])
    return {k: v[keep] for k, v in out.items()}


def drop_short(rows: dict, min_detected: int) -> dict:
    """Remove tracks with fewer than ``min_detected`` detected rows."""
    det = rows["prov"] == DETECTED
    ids, counts = np.unique(rows["track_id"][det], return_counts=True)
    keep = np.isin(rows["track_id"], ids[counts >= min_detected])
    return {k: v[keep] for k, v in rows.items()}


def _looks_like_flight(xy: np.ndarray, up: np.ndarray, a: int, b: int, cfg: BallConfig,
                       rise_per_m: Callable[[int, np.ndarray], float] | None = None) -> bool:
    """Whether positions ``xy[a-1:b+1]`` bulge from their chord towards ``up`` (away from the camera) like a
    ball in the air, rather than bending sideways (a pass or deflection).

    ``rise_per_m(row, xy)``: metres of bulge per metre of height at that row and ground point (the horizontal
    distance to the camera over its height), NaN where unknown; the bulge must then reach ``air_min_height_m``
    times it (a given height bulges more the farther the camera), else ``air_min_rise_m``."""
    lo, hi = max(0, a - 1), min(len(xy) - 1, b)
    if hi - lo < 3:
        return False
    p = xy[lo:hi + 1]
    u = np.nanmean(up[lo:hi + 1], axis=0)
    if not np.isfinite(u).all() or not np.isfinite(p).all():
        return False
    u = u / max(np.linalg.norm(u), 1e-9)
    w = np.linspace(0.0, 1.0, len(p))[:, None]
    dev = p - (p[0] + w * (p[-1] - p[0]))
    rise = dev @ u
    side = dev @ np.array([-u[1], u[0]])
    peak = rise.max()
    need = cfg.air_min_rise_m
    if rise_per_m is not None and cfg.air_min_height_m > 0:
        top = int(np.argmax(rise))
        k = rise_per_m(lo + top, p[top])
        if np.isfinite(k) and k > 0:
            need = cfg.air_min_height_m * k
    if peak < need:
        return False
    inner = rise[1:-1]
    return bool((inner > -0.2 * peak).mean() >= 0.8 and np.sqrt(np.mean(side**2)) <= cfg.air_side_ratio * peak)


def finish_ball(rows: dict, frames_all: np.ndarray, t_all: np.ndarray, usable_all: np.ndarray, fps: float,
                cfg: BallConfig, rise_per_m: Callable[[int, np.ndarray], float] | None = None) -> dict:
    """Ball rows: detected rows, gaps up to ``max_gap_s`` interpolated, speed, and the in-air flag.

    In-air candidates: where the ground projection of the ball moves faster than a rolling ball can (``max_speed``)
    or accelerates harder than ``air_accel`` (Savitzky-Golay over ``air_window_s``) for at least ``air_min_frames``
    frames. A candidate is kept only when it looks like a flight: between take-off and landing the ground
    projection bulges away from the camera (a ball above the ground is seen higher in the image, so its projection
    lands farther away) by at least ``air_min_rise_m``, mostly on that side of the chord, with little sideways
    deviation (``air_side_ratio``); a pass or a deflection bends the path sideways or not at all. ``rows["up"]``
    (N, 2) gives per detected row the pitch direction of "up in the image" at the ball. During an
    in-air run the pitch position is the straight line between the take-off and landing ground points (the
    horizontal motion of a ball in flight) and ``z`` is unknown (NaN); on the ground ``z`` is 0.
    """
    r = {k: v for k, v in rows.items() if k != "up"}
    up_rows = rows.get("up", np.full((len(rows["frame"]), 2), np.nan))
    r["track_id"] = np.zeros(len(r["frame"]), np.int64)
    r = fill_gaps(r, frames_all, t_all, usable_all, cfg.max_gap_s)
    up = np.full((len(r["frame"]), 2), np.nan)
    det = rows["prov"] == DETECTED
    pos = np.searchsorted(r["frame"], rows["frame"][det])
    ok = (pos < len(r["frame"])) & (r["frame"][np.minimum(pos, len(r["frame"]) - 1)] == rows["frame"][det])
    up[pos[ok]] = up_rows[det][ok]
    n = len(r["frame"])
    xy = r["xy"].copy()
    speed = np.full(n, np.nan)
    accel = np.full(n, np.nan)
    in_air = np.zeros(n, bool)
    flight = np.zeros(n, bool)  # in-air runs widened by the smoothing half-window: take-off to landing
    dt = 1.0 / fps
    fin = np.isfinite(xy).all(axis=1)
    cont = np.ones(n, bool)
    cont[1:] = r["frame"][1:] - r["frame"][:-1] == 1
    win = max(5, int(round(cfg.air_window_s * fps)) | 1)
    for a, b in _runs(fin):
        cuts = [a] + [k for k in range(a + 1, b) if not cont[k]] + [b]
        for s, e in zip(cuts[:-1], cuts[1:], strict=True):
            m = e - s
            if m < 3:
                continue
            p = xy[s:e]
            w = min(win, m if m % 2 else m - 1)
            if w >= 5:
                v = savgol_filter(p, w, 2, deriv=1, delta=dt, axis=0)
                acc = savgol_filter(p, w, 2, deriv=2, delta=dt, axis=0)
            else:
                v = np.gradient(p, dt, axis=0)
                acc = np.gradient(v, dt, axis=0)
            sp = np.hypot(v[:, 0], v[:, 1])
            am = np.hypot(acc[:, 0], acc[:, 1])
            air = (sp > cfg.max_speed) | (am > cfg.air_accel)
            half = w // 2  # the smoothing window blurs take-off and landing by about this much
            runs = _runs(air)
            for ra, rb in runs:
                if rb - ra >= cfg.air_min_frames and _looks_like_flight(
                        xy, up, s + max(0, ra - half), s + min(m, rb + half), cfg,
                        None if rise_per_m is None else (lambda i, g: rise_per_m(int(r["frame"][i]), g))):
                    # take-off and landing kinks nearby are candidate runs of their own: part of the same flight
                    in_air[s + ra:s + rb] = True
                    near = [(a2, b2) for a2, b2 in runs if a2 < rb + w and b2 > ra - w]
                    fa, fb = min(a2 for a2, _ in near), max(b2 for _, b2 in near)
                    flight[s + max(0, fa - half):s + min(m, fb + half)] = True
            speed[s:e] = sp
            accel[s:e] = np.gradient(sp, dt)
    # straight-line horizontal path during flight, between the ground points around the run
    for a, b in _runs(flight):
        lo, hi = a - 1, b
        if lo < 0 or hi >= n or not (np.isfinite(xy[lo]).all() and np.isfinite(xy[hi]).all()):
            continue
        if r["frame"][hi] - r["frame"][lo] != hi - lo:
            continue
        w = ((r["t"][a:b] - r["t"][lo]) / (r["t"][hi] - r["t"][lo]))[:, None]
        xy[a:b] = xy[lo] + w * (xy[hi] - xy[lo])
        sp = np.linalg.norm(xy[hi] - xy[lo]) / (r["t"][hi] - r["t"][lo])
        speed[a:b] = sp
    z = np.where(in_air, np.nan, 0.0)
    z[~np.isfinite(xy).all(axis=1)] = np.nan
    r["xy"] = xy
    r["speed"] = speed
    r["accel"] = accel
    r["z"] = z
    r["in_air"] = in_air
    return r
