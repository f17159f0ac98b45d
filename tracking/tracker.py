"""Online tracker for people (players, goalkeepers, referees).

State per track: a filterpy constant-velocity Kalman filter in pitch metres (started on the first frame with a
usable homography), the last image box with its velocity (image-space fallback), the box size relative to the
local image scale (to predict the box from the pitch position under camera motion), an appearance histogram and
votes of the detector's class.

Association per frame (BYTE-style cascade):
  1. active tracks (matched last frame, including tentative ones) vs high-confidence detections,
  2. lost tracks (missed frames, within ``max_lost_s``) vs the remaining high-confidence detections (re-id),
  3. the remaining active tracks vs low-confidence detections (motion terms only).
Cost = w_maha * sqrt(d^2 / gate) + w_iou * (1 - IoU) + w_app * Bhattacharyya distance, with the Mahalanobis gate
in pitch space. The homography carries camera motion: predictions live on the pitch and are projected through
the current frame's homography, so a panning camera needs no separate compensation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tracking.appearance import appearance_distance, hist_dim, shirt_features
from tracking.association import INFEASIBLE, assign, iou_matrix, motion_cost
from tracking.config import PlayerConfig, TeamConfig
from tracking.kalman import batch_predict_cv, batch_update_pos, cv_state, mahalanobis_sq
from tracking.projection import feet_to_pitch, pitch_to_image, pixel_scale

PROV_DETECTED, PROV_PREDICTED, PROV_INTERPOLATED = 0, 1, 2
PROVENANCE_NAMES = ("detected", "predicted", "interpolated")
PERSON_CLASSES = ("player", "goalkeeper", "referee")


@dataclass
class Track:
    """One identity in the online tracker."""

    id: int
    box: np.ndarray
    t_last: float
    x: np.ndarray | None = None  # pitch state (x, vx, y, vy) in metres, None until a usable homography
    P: np.ndarray | None = None
    img_vel: np.ndarray = field(default_factory=lambda: np.zeros(4))
    size_ratio: np.ndarray | None = None  # (w, h) / local px-per-metre at the foot point
    hits: int = 1
    misses: int = 0
    confirmed: bool = False
    app: np.ndarray | None = None
    app_n: int = 0
    lab_sum: np.ndarray = field(default_factory=lambda: np.zeros(3))
    lab_n: int = 0
    votes: dict[str, float] = field(default_factory=dict)
    pitch_sum: np.ndarray = field(default_factory=lambda: np.zeros(2))
    pitch_n: int = 0
    last_det: int = -1

    def pos(self) -> np.ndarray:
        return self.x[[0, 2]] if self.x is not None else np.array([np.nan, np.nan])


class PlayerTracker:
    """Online multi-person tracker; call :meth:`update` once per frame in order."""

    def __init__(self, cfg: PlayerConfig | None = None, team_cfg: TeamConfig | None = None, app_every: int = 5):
        self.cfg = cfg or PlayerConfig()
        self.team_cfg = team_cfg or TeamConfig()
        self.app_every = max(1, app_every)
        self.tracks: list[Track] = []
        self.dead: list[Track] = []
        self._next_id = 1
        self._t_prev: float | None = None
        self._n_updates = 0
        # per-frame records (concatenated at the end)
        self.rec_frame: list[np.ndarray] = []
        self.rec_t: list[np.ndarray] = []
        self.rec_id: list[np.ndarray] = []
        self.rec_box: list[np.ndarray] = []
        self.rec_xy: list[np.ndarray] = []
        self.rec_prov: list[np.ndarray] = []

    # ------------------------------------------------------------------ helpers
    def _new_track(self, box: np.ndarray, t: float) -> Track:
        tr = Track(id=self._next_id, box=box.copy(), t_last=t)
        self._next_id += 1
        if self.cfg.min_hits <= 1:
            tr.confirmed = True
        self.tracks.append(tr)
        return tr

    def _predict(self, dt: float) -> None:
        tau = self.cfg.lost_velocity_decay_s
        trs = [tr for tr in self.tracks if tr.x is not None]
        if not trs:
            return
        X = np.array([tr.x for tr in trs])
        P = np.array([tr.P for tr in trs])
        if tau > 0:
            lost = np.array([tr.misses > 0 for tr in trs])
            X[lost, 1] *= np.exp(-dt / tau)
            X[lost, 3] *= np.exp(-dt / tau)
        X, P = batch_predict_cv(X, P, dt, self.cfg.accel_std)
        for i, tr in enumerate(trs):
            tr.x, tr.P = X[i], P[i]

    def _predicted_boxes(self, tracks: list[Track], H: np.ndarray | None) -> np.ndarray:
        boxes = np.array([tr.box + tr.img_vel * (tr.misses + 1) for tr in tracks]).reshape(-1, 4)
        if H is None or not tracks:
            return boxes
        idx = [i for i, tr in enumerate(tracks) if tr.x is not None and tr.size_ratio is not None]
        if not idx:
            return boxes
        xy = np.array([tracks[i].pos() for i in idx])
        uv = pitch_to_image(H, xy)
        sc = pixel_scale(H, xy)
        wh = np.array([tracks[i].size_ratio for i in idx]) * sc[:, None]
        pb = np.stack([uv[:, 0] - wh[:, 0] / 2, uv[:, 1] - wh[:, 1], uv[:, 0] + wh[:, 0] / 2, uv[:, 1]], axis=1)
        ok = np.isfinite(pb).all(axis=1)
        boxes[np.array(idx)[ok]] = pb[ok]
        return boxes

    def _cost(self, tracks: list[Track], det_idx: np.ndarray, ctx: dict, use_app: bool,
              lost: bool = False) -> np.ndarray:
        c = self.cfg
        nt, nd = len(tracks), len(det_idx)
        if nt == 0 or nd == 0:
            return np.zeros((nt, nd))
        boxes = ctx["boxes"][det_idx]
        iou = iou_matrix(ctx["pred_boxes"][[ctx["tindex"][tr.id] for tr in tracks]], boxes)
        cost = c.w_iou * (1.0 - iou)
        if ctx["pitch"]:
            has_kf = np.array([tr.x is not None for tr in tracks])
            zxy = ctx["xy"][det_idx]
            zR = ctx["R"][det_idx]
            means = np.array([tr.pos() for tr in tracks])
            covs = np.array([tr.P[::2, ::2] if tr.x is not None else np.eye(2) for tr in tracks])
            d2 = mahalanobis_sq(means, covs, zxy, zR)
            dist = np.linalg.norm(means[:, None] - zxy[None], axis=2)
            radius = None
            if lost:
                gap = np.array([ctx["t"] - tr.t_last for tr in tracks])
                radius = c.gate_min_m + c.max_speed * gap
            mc = motion_cost(d2, dist, c.gate_chi2, c.gate_min_m, radius)
            # tracks without pitch state (born where no homography was usable) fall back to IoU gating
            img_ok = iou >= c.min_iou_image
            mc[~has_kf] = np.where(img_ok[~has_kf], 0.5, INFEASIBLE)
            cost = cost + c.w_maha * mc
        else:
            cost = np.where(iou >= c.min_iou_image, cost, INFEASIBLE)
        if use_app and c.w_app > 0 and ctx["image"] is not None:
            feats = self._det_features(det_idx, ctx, only_ambiguous=cost < c.max_cost)
            tapp = np.array([tr.app if tr.app is not None else np.full(ctx["D"], np.nan, np.float32)
                             for tr in tracks])
            ad = appearance_distance(tapp, feats)
            cost = np.where(ad <= c.app_gate, cost + c.w_app * ad, INFEASIBLE)
        return cost

    def _det_features(self, det_idx: np.ndarray, ctx: dict, only_ambiguous: np.ndarray | None = None) -> np.ndarray:
        """Appearance features of detections ``det_idx``, computed lazily (only where they can change a choice)."""
        feats = ctx["feat"]
        if ctx["image"] is None:
            return feats[det_idx]
        need = np.isnan(feats[det_idx, 0])
        if only_ambiguous is not None and not ctx["sample"]:
            feasible = only_ambiguous
            amb_col = feasible.sum(axis=0) >= 2
            amb_row = feasible.sum(axis=1) >= 2
            amb_col |= feasible[amb_row].any(axis=0)
            need &= amb_col
        todo = det_idx[need & ~ctx["tried"][det_idx]]
        if len(todo):
            f, lab = shirt_features(ctx["image"], ctx["boxes"][todo], self.team_cfg)
            feats[todo] = f
            ctx["lab"][todo] = lab
            ctx["tried"][todo] = True
        return feats[det_idx]

    # ------------------------------------------------------------------ main step
    def update(self, frame: int, t: float, xyxy: np.ndarray, conf: np.ndarray, cls: np.ndarray,
               H: np.ndarray | None, image: np.ndarray | None = None) -> None:
        """Advance one frame with person detections (boxes (N, 4), confidences (N,), class names (N,))."""
        c = self.cfg
        dt = 0.04 if self._t_prev is None else max(1e-3, t - self._t_prev)
        self._t_prev = t
        self._n_updates += 1
        self._predict(dt)

        xyxy = np.asarray(xyxy, dtype=float).reshape(-1, 4)
        conf = np.asarray(conf, dtype=float).reshape(-1)
        keep = conf >= c.low_conf
        xyxy, conf, cls = xyxy[keep], conf[keep], np.asarray(cls)[keep]
        n = len(xyxy)
        pitch = H is not None
        ctx: dict = {"boxes": xyxy, "pitch": pitch, "t": t, "image": image, "D": hist_dim(self.team_cfg),
                     "sample": image is not None and (self._n_updates % self.app_every == 1 or self.app_every == 1)}
        ctx["feat"] = np.full((n, ctx["D"]), np.nan, dtype=np.float32)
        ctx["lab"] = np.full((n, 3), np.nan, dtype=np.float32)
        ctx["tried"] = np.zeros(n, bool)
        if pitch:
            Hinv = np.linalg.inv(H)
            xy, R = feet_to_pitch(H, xyxy, c.foot_std_frac, c.foot_std_min_px, Hinv)
            ctx["xy"], ctx["R"] = xy, R
            bad = ~np.isfinite(xy).all(axis=1)
            if bad.any():  # above the horizon: cannot be a person on the pitch
                ctx["xy"][bad] = 1e6
        ctx["pred_boxes"] = self._predicted_boxes(self.tracks, H)
        ctx["tindex"] = {tr.id: i for i, tr in enumerate(self.tracks)}

        high = np.flatnonzero(conf >= c.high_conf)
        low = np.flatnonzero(conf < c.high_conf)
        active = [tr for tr in self.tracks if tr.misses == 0]
        lost = [tr for tr in self.tracks if tr.misses > 0 and tr.confirmed]

        matches: list[tuple[Track, int]] = []
        # stage 1: active tracks vs high-confidence detections
        cost = self._cost(active, high, ctx, use_app=True)
        pairs, ur, uc = assign(cost, c.max_cost)
        matches += [(active[i], high[j]) for i, j in pairs]
        rem_high = high[uc]
        rem_active = [active[i] for i in ur]
        # stage 2: lost tracks vs remaining high-confidence detections (re-identification)
        if lost and len(rem_high):
            cost = self._cost(lost, rem_high, ctx, use_app=True, lost=True)
            pairs, _, uc = assign(cost, c.max_cost)
            matches += [(lost[i], rem_high[j]) for i, j in pairs]
            rem_high = rem_high[uc]
        # stage 3: remaining active tracks vs low-confidence detections, motion only
        if rem_active and len(low):
            cost = self._cost(rem_active, low, ctx, use_app=False)
            pairs, _, _ = assign(cost, c.low_max_cost)
            matches += [(rem_active[i], low[j]) for i, j in pairs]

        matched_ids = set()
        ctx["pending"] = []
        for tr, j in matches:
            self._apply(tr, j, ctx, cls[j], conf[j], dt)
            matched_ids.add(tr.id)
        if ctx["pending"]:
            pend = ctx["pending"]
            X, P = batch_update_pos(np.array([p[0].x for p in pend]), np.array([p[0].P for p in pend]),
                                    np.array([p[1] for p in pend]), np.array([p[2] for p in pend]))
            for i, (tr, _, _) in enumerate(pend):
                tr.x, tr.P = X[i], P[i]
        for tr in self.tracks:
            if tr.id not in matched_ids:
                tr.misses += 1
                tr.hits = 0
        # births
        births = [j for j in rem_high if conf[j] >= c.new_track_conf]
        if births:
            self._det_features(np.array(births), ctx)
            for j in births:
                tr = self._new_track(xyxy[j], t)
                tr.hits = 0
                self._apply(tr, j, ctx, cls[j], conf[j], dt, new=True)
        # deletions: tentative tracks die on their first miss, confirmed ones after max_lost_s
        alive = []
        for tr in self.tracks:
            if tr.misses > 0 and (not tr.confirmed or t - tr.t_last > c.max_lost_s):
                self.dead.append(tr)
            else:
                alive.append(tr)
        self.tracks = alive
        self._record(frame, t, H, ctx)

    def _apply(self, tr: Track, j: int, ctx: dict, cls_name: str, conf: float, dt: float, new: bool = False) -> None:
        c = self.cfg
        box = ctx["boxes"][j]
        if not new:
            gap = tr.misses + 1
            tr.img_vel = 0.7 * tr.img_vel + 0.3 * (box - tr.box) / gap
        tr.box = box.copy()
        tr.t_last = ctx["t"]
        tr.misses = 0
        tr.hits += 1
        if tr.hits >= c.min_hits:
            tr.confirmed = True
        tr.votes[cls_name] = tr.votes.get(cls_name, 0.0) + float(conf)
        tr.last_det = j
        if ctx["pitch"]:
            xy = ctx["xy"][j]
            if np.isfinite(xy).all() and abs(xy[0]) < 1e5:
                R = ctx["R"][j]
                if tr.x is None:
                    tr.x, tr.P = cv_state(xy, R, vel_std=3.0)
                else:
                    ctx["pending"].append((tr, xy, R))
                tr.pitch_sum += xy
                tr.pitch_n += 1
        f = ctx["feat"][j]
        if not np.isnan(f[0]):
            if tr.app is None:
                tr.app = f.copy()
            else:
                m = c.app_momentum
                a = m * tr.app + (1 - m) * f
                tr.app = a / max(np.linalg.norm(a), 1e-9)
            tr.app_n += 1
            lab = ctx["lab"][j]
            if np.isfinite(lab).all():
                tr.lab_sum += lab
                tr.lab_n += 1

    def _record(self, frame: int, t: float, H: np.ndarray | None, ctx: dict) -> None:
        trs = self.tracks
        if not trs:
            return
        n = len(trs)
        ids = np.array([tr.id for tr in trs], dtype=np.int64)
        prov = np.array([PROV_DETECTED if tr.misses == 0 else PROV_PREDICTED for tr in trs], dtype=np.int8)
        boxes = np.empty((n, 4))
        xy = np.full((n, 2), np.nan)
        pred = self._predicted_boxes(trs, H) if (prov == PROV_PREDICTED).any() else None
        for i, tr in enumerate(trs):
            if prov[i] == PROV_DETECTED:
                boxes[i] = tr.box
                if ctx["pitch"]:
                    z = ctx["xy"][tr.last_det]
                    if abs(z[0]) < 1e5:
                        xy[i] = z
            else:
                boxes[i] = pred[i]
                if ctx["pitch"] and tr.x is not None:
                    xy[i] = tr.pos()
        # size ratio (box size per local image scale) for box prediction under camera motion
        if H is not None:
            det = prov == PROV_DETECTED
            ok = det & np.isfinite(xy).all(axis=1)
            if ok.any():
                sc = pixel_scale(H, xy[ok])
                wh = np.stack([boxes[ok, 2] - boxes[ok, 0], boxes[ok, 3] - boxes[ok, 1]], axis=1) / sc[:, None]
                for k, i in enumerate(np.flatnonzero(ok)):
                    tr = trs[i]
                    tr.size_ratio = wh[k] if tr.size_ratio is None else 0.8 * tr.size_ratio + 0.2 * wh[k]
        self.rec_frame.append(np.full(n, frame, dtype=np.int64))
        self.rec_t.append(np.full(n, t))
        self.rec_id.append(ids)
        self.rec_box.append(boxes.astype(np.float32))
        self.rec_xy.append(xy)
        self.rec_prov.append(prov)

    # ------------------------------------------------------------------ results
    def all_tracks(self) -> list[Track]:
        """Every track ever started (alive and deleted)."""
        return self.dead + self.tracks

    def records(self) -> dict[str, np.ndarray]:
        """Raw online rows of confirmed tracks: frame, t, track_id, box (N, 4), xy (N, 2), provenance code."""
        confirmed = np.array(sorted(tr.id for tr in self.all_tracks() if tr.confirmed), dtype=np.int64)
        if not self.rec_id:
            return {"frame": np.zeros(0, np.int64), "t": np.zeros(0), "track_id": np.zeros(0, np.int64),
                    "box": np.zeros((0, 4), np.float32), "xy": np.zeros((0, 2)), "prov": np.zeros(0, np.int8)}
        ids = np.concatenate(self.rec_id)
        keep = np.isin(ids, confirmed)
        return {"frame": np.concatenate(self.rec_frame)[keep], "t": np.concatenate(self.rec_t)[keep],
                "track_id": ids[keep], "box": np.concatenate(self.rec_box)[keep],
                "xy": np.concatenate(self.rec_xy)[keep], "prov": np.concatenate(self.rec_prov)[keep]}
