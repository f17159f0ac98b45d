"""Online ball tracker: filterpy constant-acceleration Kalman filter, candidate selection and gating,
and a re-detection hook that runs a detector on a full-resolution crop around the predicted position.

The state lives on the pitch (ground projection of the ball's contact point, metres) where a homography is usable
and in pixels otherwise; a change of space restarts the filter. Interpolation across short gaps and the in-air flag
are computed by the offline pass (:func:`tracking.offline.finish_ball`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tracking.config import BallConfig
from tracking.kalman import CA_POS, Gaussian, ca_state, mahalanobis_sq
from tracking.projection import box_centres, feet_to_pitch, image_to_pitch, pitch_to_image

#: The ball's track id in the output.
BALL_TRACK_ID = 0

#: Re-detection hook: gets a BGR crop, returns (boxes (N, 4) in crop pixels, confidences (N,)) or sv.Detections.
Redetector = Callable[[np.ndarray], object]


class BallTracker:
    """One ball, tracked online; call :meth:`update` once per frame in order."""

    def __init__(self, cfg: BallConfig | None = None, redetect: Redetector | None = None):
        self.cfg = cfg or BallConfig()
        self.redetect = redetect
        self.kf: Gaussian | None = None
        self.space: str | None = None  # "pitch" or "image"
        self.t_last = -np.inf
        self.misses = 0
        self._t_prev: float | None = None
        self.redetections = 0
        self._hyps: list[list] = []  # chains of candidates away from the track: (frame, t, box, conf, z, R)
        self._hyp_space: str | None = None
        self.rec: list[tuple] = []  # (frame, t, box x1 y1 x2 y2, x, y, provenance code)
        # screen spots of ball candidates: [u, v, t_first, t_last, hits, ground xy at first usable hit (2,), static]
        self._spots: list[list] = []
        self.static_dropped = 0
        self._Hinv: np.ndarray | None = None

    def _candidates(self, xyxy: np.ndarray, H: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        c = self.cfg
        if H is not None:
            xy, R = feet_to_pitch(H, xyxy, 0.0, c.meas_std_px, self._Hinv)
            return xy, R
        return self._image_candidates(xyxy)

    def _up(self, H: np.ndarray | None, box: np.ndarray, xy: np.ndarray) -> np.ndarray:
        """Unit pitch direction of "up in the image" at a ball box's ground point (away from the camera)."""
        if H is None:
            return np.array([np.nan, np.nan])
        foot = np.array([[(box[0] + box[2]) / 2, box[3] - 10.0]])
        d = image_to_pitch(H, foot, self._Hinv)[0] - xy
        return d / max(float(np.linalg.norm(d)), 1e-9)

    def _image_candidates(self, xyxy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = self.cfg
        z = box_centres(xyxy)
        R = np.tile(np.eye(2) * c.meas_std_px**2, (len(z), 1, 1))
        return z, R

    def _start(self, z: np.ndarray, R: np.ndarray, space: str) -> None:
        scale = 1.0 if space == "pitch" else 30.0  # rough px per metre for the initial velocity spread
        self.kf = ca_state(z, R, vel_std=15.0 * scale, acc_std=10.0 * scale)
        self.space = space

    def _crop_candidates(self, image: np.ndarray, H: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Run the re-detection hook on a crop around the predicted pixel position."""
        empty = np.zeros((0, 4)), np.zeros(0)
        if self.redetect is None or image is None or self.kf is None:
            return empty
        p = self.kf.x[list(CA_POS)]
        if self.space == "pitch":
            if H is None:
                return empty
            uv = pitch_to_image(H, p[None])[0]
        else:
            uv = p
        if not np.isfinite(uv).all():
            return empty
        h, w = image.shape[:2]
        s = self.cfg.crop_size
        x0 = int(np.clip(uv[0] - s / 2, 0, max(0, w - s)))
        y0 = int(np.clip(uv[1] - s / 2, 0, max(0, h - s)))
        crop = image[y0:y0 + s, x0:x0 + s]
        if crop.size == 0:
            return empty
        out = self.redetect(crop)
        if hasattr(out, "xyxy"):
            boxes, conf = np.asarray(out.xyxy, float), np.asarray(out.confidence, float)
        else:
            boxes, conf = (np.asarray(a, float) for a in out)
        boxes = boxes.reshape(-1, 4) + np.array([x0, y0, x0, y0], float)
        self.redetections += 1
        return boxes, conf.reshape(-1)

    def update(self, frame: int, t: float, xyxy: np.ndarray, conf: np.ndarray, H: np.ndarray | None,
               image: np.ndarray | None = None, Hinv: np.ndarray | None = None) -> None:
        """Advance one frame with the ball detections of that frame (boxes (N, 4), confidences (N,)).

        ``Hinv``: the inverse of ``H`` where the caller has it (saves inversions)."""
        c = self.cfg
        self._Hinv = None if H is None else (np.linalg.inv(H) if Hinv is None else Hinv)
        dt = 0.04 if self._t_prev is None else max(1e-3, t - self._t_prev)
        self._t_prev = t
        space = "pitch" if H is not None else "image"
        xyxy = np.asarray(xyxy, float).reshape(-1, 4)
        conf = np.asarray(conf, float).reshape(-1)
        keep = conf >= c.min_conf
        xyxy, conf = xyxy[keep], conf[keep]
        keep = self._not_static(t, xyxy, H)
        xyxy, conf = xyxy[keep], conf[keep]
        if self.kf is not None and (space != self.space or t - self.t_last > c.max_lost_s):
            self.kf = None  # restart: different space or lost too long
        if space != self._hyp_space:
            self._hyps = []
            self._hyp_space = space
        if self.kf is not None:
            self.kf.predict_ca(dt, c.accel_std if space == "pitch" else c.image_accel_std)

        # lost for a while: no single candidate is trusted; a chain of them must confirm the ball first
        direct = self.kf is not None and t - self.t_last <= c.init_max_gap_s + 1e-9
        chosen = self._choose(xyxy, conf, H) if direct else None
        if chosen is None and direct and self.misses + 1 >= c.redetect_after:
            bx, bc = self._crop_candidates(image, H)
            keep = bc >= c.min_conf
            if keep.any():
                chosen = self._choose(bx[keep], bc[keep], H)
                if chosen is not None:
                    xyxy, conf = bx[keep], bc[keep]
        if chosen is None:
            # candidates away from the track: (re)acquire only on a chain consistent over several frames
            hyp = self._grow_hypotheses(frame, t, xyxy, conf, H, space)
            if hyp is not None:
                self._restart_on(hyp, space)
                return
        if chosen is not None:
            j, z, R = chosen
            self.kf.update_pos(z, R)
            self.t_last = t
            self.misses = 0
            self._hyps = []
            xy = z if space == "pitch" else (np.nan, np.nan)
            self.rec.append((frame, t, *xyxy[j], xy[0], xy[1], 0, *self._up(H, xyxy[j], z)))
            return
        self.misses += 1
        if self.kf is not None:
            p = self.kf.x[list(CA_POS)]
            if space == "pitch":
                uv = pitch_to_image(H, p[None])[0]
                xy = p
            else:
                uv, xy = p, (np.nan, np.nan)
            self.rec.append((frame, t, uv[0] - 3, uv[1] - 6, uv[0] + 3, uv[1], xy[0], xy[1], 1, np.nan, np.nan))

    def _not_static(self, t: float, xyxy: np.ndarray, H: np.ndarray | None) -> np.ndarray:
        """Mask of candidates that are not screen-fixed: a "ball" that keeps its pixel position while the camera
        moves (its ground point shifts on the pitch) is a graphic or a mark on the glass, not the ball."""
        c = self.cfg
        self._spots = [s for s in self._spots if t - s[3] <= c.static_forget_s]
        keep = np.ones(len(xyxy), bool)
        if len(xyxy) == 0:
            return keep
        uv = box_centres(xyxy)
        ground = image_to_pitch(H, uv, self._Hinv) if H is not None else np.full((len(uv), 2), np.nan)
        for i, (u, v) in enumerate(uv):
            spot = None
            for s in self._spots:
                if abs(s[0] - u) <= c.static_px and abs(s[1] - v) <= c.static_px:
                    spot = s
                    break
            if spot is None:
                self._spots.append([u, v, t, t, 1, ground[i].copy(), False])
                continue
            spot[3] = t
            spot[4] += 1
            if not np.isfinite(spot[5]).all():
                spot[5] = ground[i].copy()
            if not spot[6] and spot[4] >= c.static_frames and t - spot[2] >= c.static_min_s:
                moved = np.isfinite(ground[i]).all() and np.isfinite(spot[5]).all() and \
                    float(np.linalg.norm(ground[i] - spot[5])) >= c.static_pitch_m
                spot[6] = bool(moved or t - spot[2] >= c.static_s)
            if spot[6]:
                keep[i] = False
                self.static_dropped += 1
        return keep

    def _grow_hypotheses(self, frame: int, t: float, xyxy: np.ndarray, conf: np.ndarray, H: np.ndarray | None,
                         space: str) -> list | None:
        """Extend chains of candidates that move like a ball; return the first chain with ``init_frames`` links
        (and a confident member), or None."""
        c = self.cfg
        self._hyps = [h for h in self._hyps if t - h[-1][1] <= c.init_max_gap_s]
        if len(xyxy) == 0:
            return None
        z, R = self._candidates(xyxy, H)
        ok = np.flatnonzero(np.isfinite(z).all(axis=1))
        slack = c.gate_min_m if space == "pitch" else 10.0
        speed = c.max_speed if space == "pitch" else 30.0 * c.max_speed
        used = set()
        grown = []
        for h in self._hyps:
            last = h[-1]
            reach = slack + speed * (t - last[1])
            d = np.linalg.norm(z[ok] - last[4], axis=1) if len(ok) else np.zeros(0)
            cand = [k for k in np.argsort(d) if d[k] <= reach and ok[k] not in used]
            if cand:
                j = ok[cand[0]]
                used.add(j)
                grown.append(h + [self._member(frame, t, xyxy[j], conf[j], z[j], R[j], H)])
            else:
                grown.append(h)
        for j in ok:
            if j not in used:
                grown.append([self._member(frame, t, xyxy[j], conf[j], z[j], R[j], H)])
        self._hyps = grown[-16:]
        for h in self._hyps:
            if h[-1][0] == frame and len(h) >= c.init_frames and max(m[3] for m in h) >= c.init_conf:
                return h
        return None

    def _member(self, frame: int, t: float, box: np.ndarray, conf: float, z: np.ndarray, R: np.ndarray,
                H: np.ndarray | None) -> tuple:
        return (frame, t, box.copy(), conf, z.copy(), R.copy(), self._up(H, box, z))

    def _restart_on(self, hyp: list, space: str) -> None:
        """Start the filter on a confirmed chain of candidates and record its members as detected rows."""
        c = self.cfg
        first = hyp[0][0]
        while self.rec and self.rec[-1][0] >= first and self.rec[-1][8] == 1:
            self.rec.pop()  # predicted rows of the old track over the chain's frames
        self._start(hyp[0][4], hyp[0][5], space)
        prev_t = hyp[0][1]
        for k, (frame, t, box, _, z, R, up) in enumerate(hyp):
            if k:
                self.kf.predict_ca(t - prev_t, c.accel_std if space == "pitch" else c.image_accel_std)
                self.kf.update_pos(z, R)
                prev_t = t
            if self.rec and self.rec[-1][0] >= frame:
                continue
            xy = z if space == "pitch" else (np.nan, np.nan)
            self.rec.append((frame, t, *box, xy[0], xy[1], 0, *up))
        self.t_last = hyp[-1][1]
        self.misses = 0
        self._hyps = []

    def _choose(self, xyxy: np.ndarray, conf: np.ndarray, H: np.ndarray | None):
        """Pick the candidate inside the gate closest to the prediction, or (no track) the most confident one."""
        c = self.cfg
        if len(xyxy) == 0:
            return None
        z, R = self._candidates(xyxy, H)
        ok = np.isfinite(z).all(axis=1)
        if not ok.any():
            return None
        if self.kf is None:
            cand = np.flatnonzero(ok & (conf >= c.init_conf))
            if len(cand) == 0:
                return None
            j = cand[np.argmax(conf[cand])]
            return j, z[j], R[j]
        mean = self.kf.x[list(CA_POS)][None]
        cov = self.kf.P[np.ix_(CA_POS, CA_POS)][None]
        d2 = mahalanobis_sq(mean, cov, z[ok], R[ok])[0]
        dist = np.linalg.norm(z[ok] - mean, axis=1)
        gate_min = c.gate_min_m if self.space == "pitch" else 10.0
        speed = c.max_speed if self.space == "pitch" else 30.0 * c.max_speed
        reach = gate_min + speed * (self._t_prev - self.t_last)
        inside = ((d2 <= c.gate_chi2) | (dist <= gate_min)) & (dist <= reach)
        if not inside.any():
            return None
        idx = np.flatnonzero(ok)[inside]
        # closest to the prediction, confidence breaking near-ties
        score = d2[inside] - 2.0 * conf[idx]
        j = idx[np.argmin(score)]
        return j, z[j], R[j]

    def records(self) -> dict[str, np.ndarray]:
        """Raw online ball rows: frame, t, box (N, 4), xy (N, 2), provenance code (0 detected, 1 predicted) and
        up (N, 2), the pitch direction of "up in the image" at detected balls."""
        if not self.rec:
            return {"frame": np.zeros(0, np.int64), "t": np.zeros(0), "box": np.zeros((0, 4), np.float32),
                    "xy": np.zeros((0, 2)), "prov": np.zeros(0, np.int8), "up": np.zeros((0, 2))}
        a = np.array(self.rec, dtype=float)
        return {"frame": a[:, 0].astype(np.int64), "t": a[:, 1], "box": a[:, 2:6].astype(np.float32),
                "xy": a[:, 6:8], "prov": a[:, 8].astype(np.int8), "up": a[:, 9:11]}

