"""Online tracker for people (players, goalkeepers, referees).

Tracks are held as arrays (one row per live track), so a frame costs a fixed number of numpy calls whatever the
number of players. Per track: a constant-velocity Kalman state in pitch metres (filterpy's model, batched; started
on the first frame with a usable homography), the last image box and its velocity (image-space fallback), the box
size relative to the local image scale (to predict the box from the pitch position under camera motion), a running
appearance histogram and confidence-weighted votes of the detector's class.

Association per frame (BYTE-style cascade):
  1. active tracks (matched last frame, including tentative ones) vs high-confidence detections,
  2. lost tracks (missed frames, within ``max_lost_s``) vs the remaining high-confidence detections (re-id),
  3. the remaining active tracks vs low-confidence detections (motion terms only).
Cost = w_maha * sqrt(d^2 / gate) + w_iou * (1 - IoU) + w_app * Bhattacharyya distance, with the Mahalanobis gate
in pitch space. The homography carries camera motion: predictions live on the pitch and are projected through
the current frame's homography, so a panning camera needs no separate compensation.

Lost tracks move with the group: the tracker integrates the mean velocity of the tracks it sees ("drift"), and a
lost track is looked for at its last position plus the drift since it was lost (players off screen shift with the
play much like those on screen). Re-identification after more than ``reid_defer_s`` is only made online when it is
unambiguous (``reid_ratio``); otherwise a new track starts and the offline stitcher decides with the whole match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from tracking.appearance import appearance_distance, hist_dim, shirt_features, skin_tone
from tracking.association import INFEASIBLE, assign, iou_matrix, motion_cost
from tracking.config import PlayerConfig, TeamConfig
from tracking.kalman import CV_POS, batch_predict_cv, batch_update_pos, mahalanobis_sq
from tracking.projection import feet_to_pitch, heads_to_pitch, pitch_to_image, pixel_scale
from tracking.stature import STATURE_EDGES, relative_statures, stature_bins
from tracking.teams import colour_features, robust_two

PROV_DETECTED, PROV_PREDICTED, PROV_INTERPOLATED = 0, 1, 2
PROVENANCE_NAMES = ("detected", "predicted", "interpolated")
PERSON_CLASSES = ("player", "goalkeeper", "referee")
_FAR = 1e6  # pitch position given to detections above the horizon (never inside a gate)


class ReidModel(Protocol):
    """Embeds person boxes for re-identification (``cv.reid.ReidEmbedder``): unit vectors (N, geo.dim), NaN rows
    for boxes it cannot embed."""

    geo: Any  # has ``dim``

    def embed(self, image: np.ndarray, xyxy: np.ndarray) -> np.ndarray: ...


@dataclass
class Segment:
    """What one stretch of a track saw: from a detection after a gap longer than ``segment_gap_s`` (or the
    birth) to the next such gap. The offline pass cuts tracks at the same gaps and judges each piece by its own
    votes and colours, so a wrong online re-identification does not lend one player's colours to another."""

    t_start: float
    votes: dict[str, float]
    app: np.ndarray | None  # normalised mean shirt histogram (sqrt), None if never sampled
    app_n: int
    lab_sum: np.ndarray
    lab_n: int
    skin: np.ndarray | None = None  # mean skin saturation and value (2,), None if never sampled
    skin_n: int = 0
    stature: np.ndarray | None = None  # histogram of relative standing heights (tracking.stature), None if none
    reid: np.ndarray | None = None  # mean re-identification embedding (cv.reid), None if never sampled
    reid_n: int = 0


@dataclass
class Track:
    """Summary of one identity of the online tracker (what the offline pass needs)."""

    id: int
    confirmed: bool
    votes: dict[str, float] = field(default_factory=dict)
    app: np.ndarray | None = None
    app_n: int = 0
    lab_sum: np.ndarray = field(default_factory=lambda: np.zeros(3))
    lab_n: int = 0
    segments: list[Segment] = field(default_factory=list)

    def segment_at(self, t: float) -> Segment | None:
        """The segment that was running at time ``t`` (the last one started at or before it)."""
        best = None
        for seg in self.segments:
            if seg.t_start <= t + 1e-6:
                best = seg
        return best


# per-track arrays: name -> (trailing shape, dtype, fill value)
def _fields(d: int, e: int = 0) -> dict[str, tuple[tuple[int, ...], type, float]]:
    """``d``: length of a shirt histogram; ``e``: of a re-identification embedding (0: none)."""
    return {
        "id": ((), np.int64, 0), "X": ((4,), float, 0.0), "P": ((4, 4), float, 0.0), "has_kf": ((), bool, False),
        "box": ((4,), float, 0.0), "vel": ((4,), float, 0.0), "size": ((2,), float, np.nan),
        "hits": ((), np.int64, 0), "misses": ((), np.int64, 0), "confirmed": ((), bool, False),
        "t_last": ((), float, 0.0), "app": ((d,), np.float32, np.nan), "app_n": ((), np.int64, 0),
        "lab_sum": ((3,), float, 0.0), "lab_n": ((), np.int64, 0), "votes": ((3,), float, 0.0),
        "last_det": ((), np.int64, -1), "drift0": ((2,), float, 0.0),
        # the running segment (see Segment)
        "seg_t0": ((), float, 0.0), "seg_votes": ((3,), float, 0.0), "seg_app": ((d,), np.float32, 0.0),
        "seg_app_n": ((), np.int64, 0), "seg_lab": ((3,), float, 0.0), "seg_lab_n": ((), np.int64, 0),
        "seg_skin": ((2,), float, 0.0), "seg_skin_n": ((), np.int64, 0),
        "seg_stature": ((len(STATURE_EDGES) - 1,), np.int32, 0),
        "seg_reid": ((e,), np.float32, 0.0), "seg_reid_n": ((), np.int64, 0),
        # shirt samples in a row far from the track's appearance (a possible swap to another person)
        "odd_n": ((), np.int64, 0), "odd_t": ((), float, 0.0), "odd_app": ((d,), np.float32, 0.0),
        "lab_ema": ((3,), float, np.nan), "odd_lab": ((3,), float, 0.0), "odd_lab_n": ((), np.int64, 0),
        # evidence that the samples come from the other team's kit (CUSUM) and when it started to gather
        "lab_sq": ((3,), float, 0.0), "tm_s": ((), float, 0.0), "tm_t": ((), float, 0.0),
    }


def _merge_duplicates(xyxy: np.ndarray, conf: np.ndarray, votes: np.ndarray,
                      iou_min: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop boxes overlapping a more confident box by IoU >= ``iou_min`` (one person detected under two classes:
    detectors suppress duplicates per class only); the kept box collects the dropped boxes' class votes."""
    n = len(xyxy)
    if n < 2 or iou_min >= 1.0:
        return xyxy, conf, votes
    iou = iou_matrix(xyxy, xyxy)
    order = np.arange(n)
    better = (conf[None, :] > conf[:, None]) | ((conf[None, :] == conf[:, None]) & (order[None, :] < order[:, None]))
    dup = (iou >= iou_min) & better  # dup[i, k]: box i is a duplicate of the better box k
    drop = dup.any(axis=1)
    if not drop.any():
        return xyxy, conf, votes
    keeper = np.argmax(np.where(dup, conf[None, :], -1.0), axis=1)  # the most confident box each one duplicates
    votes = votes.copy()
    np.add.at(votes, keeper[drop], votes[drop])
    keep = ~drop
    return xyxy[keep], conf[keep], votes[keep]


def _unit(a: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float32, as the appearance vectors are kept)."""
    a = np.asarray(a, np.float32)
    return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-9)


def _row_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bhattacharyya distance between matching rows of two sets of unit sqrt-histograms (see
    :func:`tracking.appearance.appearance_distance`, which compares every row with every row)."""
    return np.sqrt(np.clip(1.0 - (a * b).sum(axis=1), 0.0, 1.0))


def _votes(v: np.ndarray) -> dict[str, float]:
    return {k: float(x) for k, x in zip(PERSON_CLASSES, v, strict=True) if x > 0}


class PlayerTracker:
    """Online multi-person tracker; call :meth:`update` once per frame in order."""

    def __init__(self, cfg: PlayerConfig | None = None, team_cfg: TeamConfig | None = None, app_every: int = 5,
                 segment_gap_s: float = 0.5, reid: ReidModel | None = None):
        """``reid``: embeds person boxes for re-identification (``cv.reid.ReidEmbedder``) on the frames where
        shirt colours are sampled, or None."""
        self.cfg = cfg or PlayerConfig()
        self.segment_gap_s = segment_gap_s
        self.segments: dict[int, list[Segment]] = {}  # closed segments per track id
        self.team_cfg = team_cfg or TeamConfig()
        self.app_every = max(1, app_every)
        self.D = hist_dim(self.team_cfg)
        self.reid = reid
        self.E = int(reid.geo.dim) if reid is not None else 0
        self._spec = _fields(self.D, self.E)
        self.s: dict[str, np.ndarray] = {k: np.full((0, *sh), fill, dtype=dt) for k, (sh, dt, fill) in
                                         self._spec.items()}
        self.dead: list[Track] = []
        self.breaks: dict[int, list[float]] = {}  # track id -> times where its shirt changed (see _apply)
        self._kits: tuple[np.ndarray, np.ndarray] | None = None  # the two kits' colours and per-sample spread
        self._kits_t = -np.inf
        self._next_id = 1
        self._t_prev: float | None = None
        self._n_updates = 0
        self.drift = np.zeros(2)  # integrated mean velocity of the tracks seen (m)
        self.drift_t: list[float] = []
        self.drift_xy: list[np.ndarray] = []
        self.reid_online = 0
        self.reid_deferred = 0
        # per-frame records (concatenated at the end)
        self.rec_frame: list[np.ndarray] = []
        self.rec_t: list[np.ndarray] = []
        self.rec_id: list[np.ndarray] = []
        self.rec_box: list[np.ndarray] = []
        self.rec_xy: list[np.ndarray] = []
        self.rec_prov: list[np.ndarray] = []

    @property
    def n(self) -> int:
        """Number of live tracks."""
        return len(self.s["id"])

    # ------------------------------------------------------------------ helpers
    def _predict(self, dt: float) -> None:
        s = self.s
        if not self.n:
            return
        X = s["X"]
        tau = self.cfg.lost_velocity_decay_s
        if tau > 0:
            lost = s["misses"] > 0
            if lost.any():
                k = np.exp(-dt / tau)
                X[lost, 1] *= k
                X[lost, 3] *= k
        s["X"], s["P"] = batch_predict_cv(X, s["P"], dt, self.cfg.accel_std)

    def _predicted_boxes(self, H: np.ndarray | None) -> np.ndarray:
        """Image boxes (n, 4) of all live tracks: projected from the pitch state where possible."""
        s = self.s
        boxes = s["box"] + s["vel"] * (s["misses"] + 1)[:, None]
        if H is None:
            return boxes
        ok = s["has_kf"] & np.isfinite(s["size"][:, 0])
        if not ok.any():
            return boxes
        xy = s["X"][ok][:, CV_POS]
        uv = pitch_to_image(H, xy)
        wh = s["size"][ok] * pixel_scale(H, xy)[:, None]
        pb = np.stack([uv[:, 0] - wh[:, 0] / 2, uv[:, 1] - wh[:, 1], uv[:, 0] + wh[:, 0] / 2, uv[:, 1]], axis=1)
        fin = np.isfinite(pb).all(axis=1)
        idx = np.flatnonzero(ok)[fin]
        boxes[idx] = pb[fin]
        return boxes

    def _base_cost(self, ctx: dict) -> None:
        """Motion cost of every live track vs every detection (one set of matrix operations per frame).

        Active tracks (matched last frame) are gated by the Mahalanobis distance; lost tracks are looked for at
        their position plus the group drift since they were lost, within a radius growing with the gap. Sets
        ``ctx["cost"]`` (T, N) and ``ctx["dist"]`` (T, N) (pitch distances, metres)."""
        c = self.cfg
        s = self.s
        nt, nd = self.n, len(ctx["boxes"])
        if nt == 0 or nd == 0:
            ctx["cost"] = ctx["dist"] = np.zeros((nt, nd))
            return
        iou = iou_matrix(ctx["pred_boxes"], ctx["boxes"])
        cost = c.w_iou * (1.0 - iou)
        if not ctx["pitch"]:
            ctx["cost"] = np.where(iou >= c.min_iou_image, cost, INFEASIBLE)
            ctx["dist"] = np.zeros((nt, nd))
            return
        lost = s["misses"] > 0
        means = s["X"][:, CV_POS]
        if c.group_drift and lost.any():
            means = means + np.where(lost[:, None], self.drift - s["drift0"], 0.0)
        d2 = mahalanobis_sq(means, s["P"][:, ::2, ::2], ctx["xy"], ctx["R"])
        diff = means[:, None] - ctx["xy"][None]
        dist = np.sqrt(diff[..., 0] ** 2 + diff[..., 1] ** 2)
        radius = None
        if lost.any():
            gap = ctx["t"] - s["t_last"]
            radius = np.where(lost, c.gate_min_m + c.max_speed * gap, np.inf)
        mc = motion_cost(d2, dist, c.gate_chi2, c.gate_min_m, radius)
        if radius is not None:
            # long gaps: the covariance has grown too wide to rank candidates; rank by distance / radius
            far = lost & (gap > c.reid_defer_s)
            if far.any():
                mc[far] = np.where(mc[far] < INFEASIBLE, dist[far] / radius[far, None], INFEASIBLE)
        has_kf = s["has_kf"]
        if not has_kf.all():  # tracks born where no homography was usable fall back to IoU gating
            mc[~has_kf] = np.where(iou[~has_kf] >= c.min_iou_image, 0.5, INFEASIBLE)
        ctx["cost"] = cost + c.w_maha * mc
        ctx["dist"] = dist

    def _stage_cost(self, ti: np.ndarray, dj: np.ndarray, ctx: dict, use_app: bool) -> np.ndarray:
        """Cost matrix (len(ti), len(dj)) of track rows ``ti`` vs detections ``dj``: the motion cost plus, where
        shirt colours are available, the appearance distance (gated)."""
        cost = ctx["cost"][ti][:, dj]
        c = self.cfg
        if use_app and c.w_app > 0 and ctx["image"] is not None and cost.size:
            ad = ctx.get("app_dist")
            if ad is None:
                ad = ctx["app_dist"] = appearance_distance(self.s["app"], ctx["feat"])
            ad = ad[ti][:, dj]
            cost = np.where(ad <= c.app_gate, cost + c.w_app * ad, INFEASIBLE)
        return cost

    def _association_features(self, rows: np.ndarray, dj: np.ndarray, ctx: dict) -> None:
        """Shirt features of the detections ``dj`` that the appearance term can change: on sampling frames all of
        them, otherwise those competing with another detection for a track (or with another track for them)."""
        if ctx["image"] is None or not len(dj):
            return
        if ctx["sample"]:
            self._det_features(dj, ctx)
            return
        if not len(rows):
            return
        feasible = ctx["cost"][rows][:, dj] < self.cfg.max_cost
        amb_col = feasible.sum(axis=0) >= 2
        amb_row = feasible.sum(axis=1) >= 2
        if amb_row.any():
            amb_col |= feasible[amb_row].any(axis=0)
        if amb_col.any():
            self._det_features(dj[amb_col], ctx)

    def _det_features(self, dj: np.ndarray, ctx: dict) -> None:
        """Compute (once) the shirt features of detections ``dj`` into ``ctx["feat"]`` and ``ctx["lab"]``."""
        if ctx["image"] is None:
            return
        todo = dj[~ctx["tried"][dj]]
        if len(todo):
            f, lab = shirt_features(ctx["image"], ctx["boxes"][todo], self.team_cfg)
            ctx["feat"][todo] = f
            ctx["lab"][todo] = lab
            if ctx["sample"]:
                ctx["skin"][todo] = skin_tone(ctx["image"], ctx["boxes"][todo], self.team_cfg)
            ctx["tried"][todo] = True
            ctx.pop("app_dist", None)

    def _reid_filter(self, pairs: np.ndarray, cost: np.ndarray, dist: np.ndarray, ti: np.ndarray) -> np.ndarray:
        """Keep re-identifications after long gaps only when the chosen pair is clearly nearer (drift-compensated)
        than any rival: another feasible detection for the track, or another lost track for the detection."""
        c = self.cfg
        if not len(pairs):
            return pairs
        gap = self._t_now - self.s["t_last"][ti[pairs[:, 0]]]
        keep = np.ones(len(pairs), bool)
        dd = np.where(cost < c.max_cost, dist, np.inf)
        for k, (i, j) in enumerate(pairs):
            if gap[k] <= c.reid_defer_s:
                continue
            row = np.delete(dd[i], j)
            col = np.delete(dd[:, j], i)
            rival = min(row.min(initial=np.inf), col.min(initial=np.inf))
            if dd[i, j] > c.reid_ratio * rival:
                keep[k] = False
        self.reid_deferred += int((~keep).sum())
        self.reid_online += int(keep.sum())
        return pairs[keep]

    # ------------------------------------------------------------------ main step
    def update(self, frame: int, t: float, xyxy: np.ndarray, conf: np.ndarray, cls: np.ndarray,
               H: np.ndarray | None, image: np.ndarray | None = None, Hinv: np.ndarray | None = None) -> None:
        """Advance one frame with person detections (boxes (N, 4), confidences (N,), class names (N,)).

        ``Hinv``: the inverse of ``H`` where the caller has it (saves an inversion)."""
        c = self.cfg
        dt = 0.04 if self._t_prev is None else max(1e-3, t - self._t_prev)
        self._t_prev = t
        self._t_now = t
        self._n_updates += 1
        self._predict(dt)
        s = self.s

        xyxy = np.asarray(xyxy, dtype=float).reshape(-1, 4)
        conf = np.asarray(conf, dtype=float).reshape(-1)
        cls = np.asarray(cls)
        keep = conf >= c.low_conf
        if not keep.all():
            xyxy, conf, cls = xyxy[keep], conf[keep], cls[keep]
        ci = np.where(cls == PERSON_CLASSES[1], 1, np.where(cls == PERSON_CLASSES[2], 2, 0))
        votes = np.zeros((len(xyxy), 3))
        votes[np.arange(len(xyxy)), ci] = conf
        xyxy, conf, votes = _merge_duplicates(xyxy, conf, votes, c.dup_iou)
        n = len(xyxy)
        pitch = H is not None
        ctx: dict = {"boxes": xyxy, "pitch": pitch, "t": t, "image": image,
                     "sample": image is not None and (self.app_every == 1 or self._n_updates % self.app_every == 1),
                     "feat": np.full((n, self.D), np.nan, dtype=np.float32),
                     "lab": np.full((n, 3), np.nan, dtype=np.float32), "tried": np.zeros(n, bool),
                     "skin": np.full((n, 2), np.nan, dtype=np.float32),
                     "stature": np.full(n, np.nan), "votes": votes}
        if pitch:
            Hinv = np.linalg.inv(H) if Hinv is None else Hinv
            xy, R = feet_to_pitch(H, xyxy, c.foot_std_frac, c.foot_std_min_px, Hinv)
            if c.head_height > 0 and image is not None:
                self._place_cut_feet(H, Hinv, xyxy, image.shape, xy, R)
            if ctx["sample"]:
                ctx["stature"] = relative_statures(H, xyxy, image.shape, c.stature_min_people,
                                                    c.stature_min_px, Hinv)
            bad = ~np.isfinite(xy).all(axis=1)
            if bad.any():  # above the horizon: cannot be a person on the pitch
                xy[bad] = _FAR
            ctx["xy"], ctx["R"] = xy, R
        ctx["pred_boxes"] = self._predicted_boxes(H)
        self._base_cost(ctx)

        high = np.flatnonzero(conf >= c.high_conf)
        low = np.flatnonzero(conf < c.high_conf)
        miss = s["misses"]
        active = np.flatnonzero(miss == 0)
        lost = np.flatnonzero((miss > 0) & s["confirmed"])
        self._association_features(active, high, ctx)

        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        # stage 1: active tracks vs high-confidence detections
        cost = self._stage_cost(active, high, ctx, use_app=True)
        pairs, ur, uc = assign(cost, c.max_cost)
        rows.append(active[pairs[:, 0]])
        cols.append(high[pairs[:, 1]])
        rem_high, rem_active = high[uc], active[ur]
        # stage 2: lost tracks vs remaining high-confidence detections (re-identification), recently lost first
        if len(lost) and len(rem_high):
            gap = t - s["t_last"][lost]
            for grp, far in ((lost[gap <= c.reid_defer_s], False), (lost[gap > c.reid_defer_s], True)):
                if not len(grp) or not len(rem_high):
                    continue
                self._association_features(grp, rem_high, ctx)
                cost = self._stage_cost(grp, rem_high, ctx, use_app=True)
                pairs, _, _ = assign(cost, c.max_cost)
                if far:
                    pairs = self._reid_filter(pairs, cost, ctx["dist"][grp][:, rem_high], grp)
                rows.append(grp[pairs[:, 0]])
                cols.append(rem_high[pairs[:, 1]])
                rem_high = np.delete(rem_high, pairs[:, 1])
        # stage 3: remaining active tracks vs low-confidence detections, motion only
        if len(rem_active) and len(low):
            cost = self._stage_cost(rem_active, low, ctx, use_app=False)
            pairs, _, _ = assign(cost, c.low_max_cost)
            rows.append(rem_active[pairs[:, 0]])
            cols.append(low[pairs[:, 1]])
        r = np.concatenate(rows).astype(np.int64)
        j = np.concatenate(cols).astype(np.int64)
        matched = np.zeros(self.n, bool)
        matched[r] = True
        s["misses"][~matched] += 1
        s["hits"][~matched] = 0
        self._apply(r, j, ctx, conf, new=False)

        # births
        births = rem_high[conf[rem_high] >= c.new_track_conf]
        if len(births):
            self._det_features(births, ctx)
            self._birth(births, ctx, conf)
            s = self.s
        self._update_drift(dt)
        self._record(frame, t, H, ctx)
        # deletions: tentative tracks die on their first miss, confirmed ones after max_lost_s
        gone = (s["misses"] > 0) & (~s["confirmed"] | (t - s["t_last"] > c.max_lost_s))
        if gone.any():
            for i in np.flatnonzero(gone & s["confirmed"]):
                self.dead.append(self._summary(i))
            keep = ~gone
            self.s = {k: v[keep] for k, v in s.items()}

    def _place_cut_feet(self, H: np.ndarray, Hinv: np.ndarray, xyxy: np.ndarray, shape: tuple, xy: np.ndarray,
                        R: np.ndarray) -> None:
        """Boxes cut by the picture's bottom edge: their pitch positions from the box tops (in place)."""
        cut = xyxy[:, 3] >= shape[0] - 1.5
        if not cut.any():
            return
        from cv.calibration.camera_fit import camera_from_homography

        cam = camera_from_homography(H, int(shape[1]), int(shape[0]))
        if cam is None:
            return
        idx = np.flatnonzero(cut)
        p = heads_to_pitch(H, xyxy[idx], np.asarray(cam.position, float), self.cfg.head_height, Hinv)
        ok = np.isfinite(p).all(axis=1)
        xy[idx[ok]] = p[ok]
        R[idx[ok]] *= self.cfg.head_std_factor ** 2

    def cut(self) -> None:
        """End every live track (a cut to another shot: nothing on screen continues what was there before).

        Confirmed tracks are kept as summaries for the offline pass, which joins them to their continuations."""
        s = self.s
        for i in np.flatnonzero(s["confirmed"]):
            self.dead.append(self._summary(int(i)))
        self.s = {k: v[:0] for k, v in s.items()}

    def _birth(self, dj: np.ndarray, ctx: dict, conf: np.ndarray) -> None:
        m = len(dj)
        new = {k: np.full((m, *sh), fill, dtype=dt) for k, (sh, dt, fill) in self._spec.items()}
        new["id"] = np.arange(self._next_id, self._next_id + m, dtype=np.int64)
        self._next_id += m
        new["box"] = ctx["boxes"][dj].copy()
        new["P"][:] = np.eye(4)
        base = self.n
        self.s = {k: np.concatenate([self.s[k], new[k]]) for k in self.s}
        self._apply(np.arange(base, base + m), dj, ctx, conf, new=True)

    def _apply(self, r: np.ndarray, j: np.ndarray, ctx: dict, conf: np.ndarray, new: bool) -> None:
        """Update track rows ``r`` with detections ``j`` (vectorised)."""
        c = self.cfg
        s = self.s
        if not len(r):
            return
        box = ctx["boxes"][j]
        if not new:
            gap = (s["misses"][r] + 1)[:, None]
            s["vel"][r] = 0.7 * s["vel"][r] + 0.3 * (box - s["box"][r]) / gap
        gap_t = ctx["t"] - s["t_last"][r]
        if new:
            s["seg_t0"][r] = ctx["t"]
        else:
            cut = gap_t > self.segment_gap_s
            if cut.any():
                self._close_segments(r[cut], ctx["t"])
        s["box"][r] = box
        s["t_last"][r] = ctx["t"]
        s["misses"][r] = 0
        s["hits"][r] += 1
        s["confirmed"][r] |= s["hits"][r] >= c.min_hits
        s["votes"][r] += ctx["votes"][j]  # rows r are distinct
        s["seg_votes"][r] += ctx["votes"][j]
        s["last_det"][r] = j
        s["drift0"][r] = self.drift
        if ctx["pitch"]:
            z = ctx["xy"][j]
            ok = np.abs(z[:, 0]) < _FAR / 10
            # a Kalman update where the filter is running and the gap is short; a restart otherwise
            upd = ok & s["has_kf"][r] & (gap_t <= c.reid_defer_s)
            ini = ok & ~upd
            if upd.any():
                ru = r[upd]
                s["X"][ru], s["P"][ru] = batch_update_pos(s["X"][ru], s["P"][ru], z[upd], ctx["R"][j[upd]])
            if ini.any():
                ri = r[ini]
                X = np.zeros((len(ri), 4))
                X[:, 0], X[:, 2] = z[ini, 0], z[ini, 1]
                P = np.zeros((len(ri), 4, 4))
                P[:, ::2, ::2] = ctx["R"][j[ini]]
                P[:, 1, 1] = P[:, 3, 3] = 9.0  # velocity std 3 m/s
                s["X"][ri], s["P"][ri] = X, P
                s["has_kf"][ri] = True
        f = ctx["feat"][j]
        fok = ~np.isnan(f[:, 0])
        if fok.any():
            rf, f = r[fok], f[fok]
            old = s["app"][rf]
            fresh = np.isnan(old[:, 0])
            if c.app_break_n > 0 and not new:
                self._shirt_breaks(rf, f, old, fresh, ctx["t"], ctx["lab"][j[fok]])
                if c.team_break > 0:
                    self._team_breaks(rf, f, ctx["t"], ctx["lab"][j[fok]])
                old = s["app"][rf]
            m = c.app_momentum
            a = _unit(m * np.where(fresh[:, None], 0.0, old) + (1 - m) * f)
            s["app"][rf] = np.where(fresh[:, None], f, a)
            s["app_n"][rf] += 1
            s["seg_app"][rf] += f
            s["seg_app_n"][rf] += 1
            lab = ctx["lab"][j[fok]]
            lok = np.isfinite(lab).all(axis=1)
            s["lab_sum"][rf[lok]] += lab[lok]
            s["lab_sq"][rf[lok]] += lab[lok] ** 2
            s["lab_n"][rf[lok]] += 1
            s["seg_lab"][rf[lok]] += lab[lok]
            s["seg_lab_n"][rf[lok]] += 1
        sk = ctx["skin"][j]
        kok = np.isfinite(sk).all(axis=1)
        if kok.any():
            s["seg_skin"][r[kok]] += sk[kok]
            s["seg_skin_n"][r[kok]] += 1
        if self.E and ctx["sample"]:
            # the boxes whose shirts were sampled (confident detections); a segment's mean embedding settles
            # after a few samples, so only the segments short of reid_max_samples embed (the network is the
            # costliest part of a sample)
            need = (s["seg_reid_n"][r] < c.reid_max_samples) & ~np.isnan(ctx["feat"][j][:, 0])
            if need.any():
                em = self.reid.embed(ctx["image"], ctx["boxes"][j[need]])
                eok = np.isfinite(em).all(axis=1)
                rn = r[need][eok]
                s["seg_reid"][rn] += em[eok]
                s["seg_reid_n"][rn] += 1
        st = ctx["stature"][j]
        sok = np.isfinite(st)
        if sok.any():
            s["seg_stature"][r[sok], stature_bins(st[sok])] += 1  # rows r are distinct

    def _shirt_breaks(self, rf: np.ndarray, f: np.ndarray, old: np.ndarray, fresh: np.ndarray, t: float,
                      lab: np.ndarray | None = None) -> None:
        """Where ``app_break_n`` shirt samples in a row are farther than
        ``app_break`` from the appearance of a track with at least ``app_break_min_samples`` samples, their mean is
        too, and it is within ``app_break_match`` of another track's appearance (another kit seen elsewhere), the
        track has passed to another person (a swap at a crossing): the time of the first of them is kept in
        ``self.breaks`` (the offline pass cuts the track there), the track's appearance becomes theirs and its
        running segment restarts there."""
        c = self.cfg
        s = self.s
        dist = _row_distance(np.where(fresh[:, None], 0.0, old), f)
        judged = s["app_n"][rf] >= c.app_break_min_samples
        odd = ~fresh & (dist > c.app_break) & judged
        if c.lab_break > 0 and lab is not None:
            # the histogram ignores brightness: a navy and a light blue kit share their hues. The mean colour (Lab,
            # lightness weighted as for the teams) tells them apart
            ema = s["lab_ema"][rf]
            lok = np.isfinite(lab).all(axis=1)
            dl = np.linalg.norm(colour_features(lab, self.team_cfg) - colour_features(ema, self.team_cfg), axis=1)
            odd_l = lok & np.isfinite(dl) & (dl > c.lab_break) & judged
            odd |= odd_l
            start = lok & ~np.isfinite(ema[:, 0])
            upd = lok & ~odd_l & ~start
            s["lab_ema"][rf[start]] = lab[start]
            s["lab_ema"][rf[upd]] = c.app_momentum * ema[upd] + (1 - c.app_momentum) * lab[upd]
            fl = odd & lok
            first_l = fl & (s["odd_n"][rf] == 0)
            s["odd_lab"][rf[first_l]] = 0.0
            s["odd_lab_n"][rf[first_l]] = 0
            s["odd_lab"][rf[fl]] += lab[fl]
            s["odd_lab_n"][rf[fl]] += 1
        first = odd & (s["odd_n"][rf] == 0)
        s["odd_t"][rf[first]] = t
        s["odd_app"][rf[first]] = 0.0
        s["odd_app"][rf[odd]] += f[odd]
        s["odd_n"][rf[odd]] += 1
        s["odd_n"][rf[~odd]] = 0
        pos = np.flatnonzero(s["odd_n"][rf] >= c.app_break_n)
        cand = rf[pos]
        if not len(cand):
            return
        # a swap: the new shirt is another person's kit, so it matches another track's appearance (a zoom or a
        # shadow changes one track's shirt, not into another kit)
        a = _unit(s["odd_app"][cand])
        d = appearance_distance(a, s["app"])  # (B, T), NaN apps give 0.5
        d_own = _row_distance(a, old[pos])  # old is set: odd needs it
        d[np.arange(len(cand)), cand] = np.inf
        d[:, np.isnan(s["app"][:, 0]) | ~s["confirmed"]] = np.inf
        other = d.min(axis=1) if d.shape[1] else np.full(len(cand), np.inf)
        swap = (d_own > c.app_break) & (other <= c.app_break_match)
        if c.lab_break > 0:
            ml = colour_features(s["odd_lab"][cand] / np.maximum(s["odd_lab_n"][cand], 1)[:, None], self.team_cfg)
            emas = colour_features(s["lab_ema"], self.team_cfg)
            own = np.linalg.norm(ml - emas[cand], axis=1)
            dl = np.linalg.norm(ml[:, None, :] - emas[None, :, :], axis=2)  # (B, T)
            dl[np.arange(len(cand)), cand] = np.inf
            dl[:, ~np.isfinite(s["lab_ema"][:, 0]) | ~s["confirmed"]] = np.inf
            near = dl.min(axis=1) if dl.shape[1] else np.full(len(cand), np.inf)
            swap |= (s["odd_lab_n"][cand] >= c.app_break_n) & (own > c.lab_break) & (near <= c.lab_break_match)
        brk = cand[swap]
        s["odd_n"][cand[~swap]] = 0
        if not len(brk):
            return
        lab_new = s["odd_lab"][brk] / np.maximum(s["odd_lab_n"][brk], 1)[:, None] if c.lab_break > 0 else None
        self._cut(brk, s["odd_t"][brk], _unit(s["odd_app"][brk]), lab_new)

    def _cut(self, rows: np.ndarray, times: np.ndarray, app: np.ndarray, lab: np.ndarray | None) -> None:
        """Track rows ``rows`` passed to another person at ``times``: the times are kept in ``self.breaks`` (the
        offline pass cuts the tracks there), the tracks take the new person's appearance ``app`` (and mean colour
        ``lab`` when given) and their running segments restart there."""
        s = self.s
        for i, t in zip(rows, times, strict=True):
            self.breaks.setdefault(int(s["id"][i]), []).append(float(t))
            self._close_segments(np.array([i]), float(t))
        s["app"][rows] = app
        if lab is not None:
            s["lab_ema"][rows] = lab
        s["odd_n"][rows] = 0

    def _fit_kits(self, t: float) -> None:
        """Refit (every ``team_model_every_s``) the two kits' colours from the confirmed tracks' mean shirt colours
        (:func:`~tracking.teams.robust_two`, referees and goalkeepers trimmed) and the spread of one sample about
        its track's mean (pooled over the tracks, per axis)."""
        c, tc, s = self.cfg, self.team_cfg, self.s
        if t - self._kits_t < c.team_model_every_s:
            return
        self._kits_t = t
        n = s["lab_n"].astype(float)
        ok = s["confirmed"] & (n >= c.app_break_min_samples)
        if ok.sum() < 6:
            return
        mean = s["lab_sum"][ok] / n[ok, None]
        x = colour_features(mean, tc)
        w, trim = np.minimum(n[ok], tc.weight_cap), tc.outlier_min_lab * tc.outlier_factor
        k = max(3, len(x) // 4)

        def worn(lab: np.ndarray) -> bool:  # both kits worn by several tracks (a referee is no kit of his own)
            return min((lab == 0).sum(), (lab == 1).sum()) >= k

        lab = None
        if self._kits is not None:  # refit from the last fit; search again only when that fails
            lab, _, centres = robust_two(x, w, trim, init=self._kits[0])
        if lab is None or not worn(lab):
            _, _, centres = robust_two(x, w, trim, max_seeds=12, accept=worn)
        within = np.maximum(s["lab_sq"][ok] - n[ok, None] * mean**2, 0.0).sum(axis=0) / max((n[ok] - 1).sum(), 1)
        sd = np.sqrt(within) * np.array([tc.lab_l_weight, 1.0, 1.0])
        self._kits = (centres, np.maximum(sd, 1.0))

    def _team_breaks(self, rf: np.ndarray, f: np.ndarray, t: float, lab: np.ndarray) -> None:
        """A swap at a crossing between two kits close in colour (navy and light blue).

        Each shirt sample of a track whose running segment is of one team adds the log-likelihood ratio of the
        other kit against its own (Gaussian, the per-sample spread of :meth:`_fit_kits`; at most a quarter of
        ``team_break``), less ``team_break_drift``. The sum, floored at zero (a CUSUM), passing ``team_break``
        means the track has passed to a player of the other team since the sum last left zero: it is cut there,
        like a swap :meth:`_shirt_breaks` sees."""
        c, s = self.cfg, self.s
        self._fit_kits(t)
        if self._kits is None:
            return
        centres, sd = self._kits
        n = s["seg_lab_n"][rf]
        ok = np.isfinite(lab).all(axis=1) & (n >= c.app_break_min_samples)
        if not ok.any():
            return
        rows, x = rf[ok], colour_features(lab[ok], self.team_cfg)
        seg = colour_features(s["seg_lab"][rows] / n[ok, None], self.team_cfg)
        dseg = np.linalg.norm(seg[:, None, :] - centres[None], axis=2)  # (B, 2)
        own = np.argmin(dseg, axis=1)
        player = dseg[np.arange(len(rows)), own] <= self.team_cfg.outlier_min_lab * self.team_cfg.outlier_factor
        z2 = (((x[:, None, :] - centres[None]) / sd) ** 2).sum(axis=2)  # (B, 2)
        # one sample says at most a quarter of what a cut needs: a shirt half hidden at a crossing is no swap
        cap = c.team_break / 4
        llr = np.clip(0.5 * (z2[np.arange(len(rows)), own] - z2[np.arange(len(rows)), 1 - own]), -cap, cap)
        prev = s["tm_s"][rows]
        cur = np.where(player, np.maximum(prev + llr - c.team_break_drift, 0.0), 0.0)
        rising = (prev <= 0) & (cur > 0)
        s["tm_t"][rows[rising]] = t
        s["tm_s"][rows] = cur
        cut = cur > c.team_break
        if cut.any():
            s["tm_s"][rows[cut]] = 0.0
            self._cut(rows[cut], s["tm_t"][rows[cut]], f[ok][cut], lab[ok][cut])

    def _segment(self, i: int) -> Segment:
        """The running segment of track row ``i``."""
        s = self.s
        n = int(s["seg_app_n"][i])
        app = _unit(s["seg_app"][i][None].astype(float))[0] if n else None
        k = int(s["seg_skin_n"][i])
        hist = s["seg_stature"][i]
        m = int(s["seg_reid_n"][i])
        reid = _unit(s["seg_reid"][i][None].astype(float))[0] if m else None
        return Segment(float(s["seg_t0"][i]), _votes(s["seg_votes"][i]), app, n, s["seg_lab"][i].copy(),
                       int(s["seg_lab_n"][i]), s["seg_skin"][i] / k if k else None, k,
                       hist.copy() if hist.any() else None, reid, m)

    def _close_segments(self, rows: np.ndarray, t: float) -> None:
        """Close the running segments of track rows ``rows`` and start new ones at ``t``."""
        s = self.s
        for i in rows:
            self.segments.setdefault(int(s["id"][i]), []).append(self._segment(int(i)))
        s["seg_t0"][rows] = t
        for k in s:
            if k.startswith("seg_") and k != "seg_t0":
                s[k][rows] = 0

    def _update_drift(self, dt: float) -> None:
        """Integrate the mean velocity of the confirmed tracks matched this frame."""
        s = self.s
        seen = (s["misses"] == 0) & s["confirmed"] & s["has_kf"] & (s["hits"] >= 2)
        if seen.sum() >= 3:
            v = np.sort(s["X"][seen][:, 1::2], axis=0)  # median per axis (np.median is slow on a few rows)
            k = len(v)
            self.drift = self.drift + dt * 0.5 * (v[(k - 1) // 2] + v[k // 2])
        self.drift_t.append(self._t_now)
        self.drift_xy.append(self.drift.copy())

    def _record(self, frame: int, t: float, H: np.ndarray | None, ctx: dict) -> None:
        s = self.s
        n = self.n
        if not n:
            return
        det = s["misses"] == 0
        prov = np.where(det, PROV_DETECTED, PROV_PREDICTED).astype(np.int8)
        boxes = s["box"].copy()
        xy = np.full((n, 2), np.nan)
        if not det.all():
            # rows born this frame are detected; the others keep their row from before the births
            boxes[~det] = ctx["pred_boxes"][np.flatnonzero(~det)]
        if ctx["pitch"]:
            z = ctx["xy"][s["last_det"][det]]
            z[np.abs(z[:, 0]) >= _FAR / 10] = np.nan
            xy[det] = z
            pk = ~det & s["has_kf"]
            xy[pk] = s["X"][pk][:, CV_POS]
            # size ratio (box size per local image scale) for box prediction under camera motion
            ok = det & np.isfinite(xy[:, 0])
            if ok.any():
                sc = pixel_scale(H, xy[ok])
                wh = np.stack([boxes[ok, 2] - boxes[ok, 0], boxes[ok, 3] - boxes[ok, 1]], axis=1) / sc[:, None]
                old = s["size"][ok]
                s["size"][ok] = np.where(np.isnan(old), wh, 0.8 * old + 0.2 * wh)
        self.rec_frame.append(np.full(n, frame, dtype=np.int64))
        self.rec_t.append(np.full(n, t))
        self.rec_id.append(s["id"].copy())
        self.rec_box.append(boxes.astype(np.float32))
        self.rec_xy.append(xy)
        self.rec_prov.append(prov)

    # ------------------------------------------------------------------ results
    def _summary(self, i: int) -> Track:
        s = self.s
        app = s["app"][i].copy()
        tid = int(s["id"][i])
        return Track(id=tid, confirmed=bool(s["confirmed"][i]), votes=_votes(s["votes"][i]),
                     app=None if np.isnan(app[0]) else app, app_n=int(s["app_n"][i]), lab_sum=s["lab_sum"][i].copy(),
                     lab_n=int(s["lab_n"][i]), segments=[*self.segments.get(tid, []), self._segment(i)])

    def all_tracks(self) -> list[Track]:
        """Every confirmed track ever started (alive and deleted), as summaries."""
        return self.dead + [self._summary(i) for i in range(self.n) if self.s["confirmed"][i]]

    def drift_series(self) -> tuple[np.ndarray, np.ndarray]:
        """Times (T,) and integrated group drift (T, 2) in metres, one row per frame."""
        if not self.drift_t:
            return np.zeros(0), np.zeros((0, 2))
        return np.asarray(self.drift_t), np.asarray(self.drift_xy)

    def records(self) -> dict[str, np.ndarray]:
        """Raw online rows of confirmed tracks: frame, t, track_id, box (N, 4), xy (N, 2), provenance code."""
        confirmed = np.array(sorted(tr.id for tr in self.all_tracks()), dtype=np.int64)
        if not self.rec_id:
            return {"frame": np.zeros(0, np.int64), "t": np.zeros(0), "track_id": np.zeros(0, np.int64),
                    "box": np.zeros((0, 4), np.float32), "xy": np.zeros((0, 2)), "prov": np.zeros(0, np.int8)}
        ids = np.concatenate(self.rec_id)
        keep = np.isin(ids, confirmed)
        return {"frame": np.concatenate(self.rec_frame)[keep], "t": np.concatenate(self.rec_t)[keep],
                "track_id": ids[keep], "box": np.concatenate(self.rec_box)[keep],
                "xy": np.concatenate(self.rec_xy)[keep], "prov": np.concatenate(self.rec_prov)[keep]}
