"""Whole-match tracking: the online player and ball trackers frame by frame, then the offline pass.

Output (``MatchTracker.finish``): a dict of equal-length columns named as the store's ``tracks`` table
(without ``match_id``). Players, goalkeepers and referees get ids from 1; the ball has track id 0.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from tracking.ball import BALL_TRACK_ID, BallTracker, Redetector
from tracking.config import TrackingConfig
from tracking.offline import (
    add_votes,
    blind_series,
    decided_number,
    drop_short,
    fill_gaps,
    fill_positions,
    finish_ball,
    number_breaks,
    piece_numbers,
    relabel,
    smooth_tracks,
    split_tracks,
    stitch,
    tracklets_from_rows,
)
from tracking.teams import TrackSummary, assign_roles_teams, attacking_directions, role_vote
from tracking.tracker import PERSON_CLASSES, PROV_DETECTED, PlayerTracker, ReidModel


class NumberReader(Protocol):
    """Reads shirt numbers: (numbers or None, probabilities) for the boxes (N, 4) of a BGR image."""

    def read(self, image: np.ndarray, xyxy: np.ndarray) -> tuple[list[str | None], np.ndarray]: ...


PROV_NAMES = np.array(["detected", "predicted", "interpolated"], dtype=object)


class MatchTracker:
    """Track one match: call :meth:`update` for every decoded frame in order, then :meth:`finish`."""

    def __init__(self, cfg: TrackingConfig | None = None, fps: float = 25.0, redetect: Redetector | None = None,
                 app_every: int = 5, numbers: NumberReader | None = None, reid: ReidModel | None = None):
        """``numbers``: reads shirt numbers from a frame's person boxes (``cv.jersey.JerseyReader``), or None;
        ``reid``: embeds them for re-identification (``cv.reid.ReidEmbedder``), or None."""
        self.cfg = cfg or TrackingConfig()
        self.numbers = numbers
        self._reads: list[tuple[int, int, str, float]] = []  # frame, online track id, number, probability
        self.fps = float(fps)
        self.players = PlayerTracker(self.cfg.player, self.cfg.teams, app_every=app_every,
                                     segment_gap_s=self.cfg.offline.split_gap_s, reid=reid)
        self.ball = BallTracker(self.cfg.ball, redetect=redetect)
        self._frames: list[int] = []
        self._t: list[float] = []
        self._usable: list[bool] = []
        self._shot: str | None = None
        self._H: dict[int, np.ndarray] = {}  # usable homographies per frame (camera height for the in-air test)
        self._size: tuple[int, int] | None = None  # image width, height
        self.directions: list[dict] = []

    def update(self, frame: int, t: float, detections, homography: np.ndarray | None = None, usable: bool = True,
               image: np.ndarray | None = None, shot: str | None = None) -> None:
        """Advance one frame.

        ``detections``: ``supervision.Detections`` (xyxy in original-frame pixels, confidence, class_id and
        ``data["class_name"]`` in player/goalkeeper/referee/ball); ``homography``: 3x3 pitch metres -> pixels or
        None; ``usable``: False where the mapping must not be used (the frame is then tracked in image space only);
        ``image``: the BGR frame (for shirt colours and ball re-detection) or None; ``shot``: the frame's shot type
        (main / closeup / other) where known: where it changes from the previous frame's, every player track ends
        (a cut; the offline pass joins the tracks again), so no identity is carried across a cut by image overlap.
        """
        H = np.asarray(homography, dtype=float) if (homography is not None and usable) else None
        if H is not None and not np.isfinite(H).all():
            H = None
        n = 0 if detections is None else len(detections)
        if n:
            xyxy = np.asarray(detections.xyxy, dtype=float)
            conf = (np.asarray(detections.confidence, dtype=float) if detections.confidence is not None
                    else np.ones(n))
            names = detections.data.get("class_name") if detections.data else None
            names = np.asarray(names if names is not None else ["player"] * n).astype(str)
        else:
            xyxy, conf, names = np.zeros((0, 4)), np.zeros(0), np.zeros(0, dtype=str)
        is_ball = names == "ball"
        is_person = (names == PERSON_CLASSES[0]) | (names == PERSON_CLASSES[1]) | (names == PERSON_CLASSES[2])
        Hinv = None if H is None else np.linalg.inv(H)
        if H is not None:
            self._H[int(frame)] = H.copy()
        if image is not None and self._size is None:
            self._size = (int(image.shape[1]), int(image.shape[0]))
        if shot is not None:
            if self._shot is not None and shot != self._shot and self.cfg.player.end_at_cut:
                self.players.cut()
            self._shot = shot
        self.players.update(frame, t, xyxy[is_person], conf[is_person], names[is_person], H, image, Hinv)
        # every k-th update, counted by the frames recorded so far (this one is appended below)
        if self.numbers is not None and image is not None and len(self._frames) % max(1, self.cfg.numbers.every) == 0:
            self._read_numbers(frame, image)
        self.ball.update(frame, t, xyxy[is_ball], conf[is_ball], H, image, Hinv)
        self._frames.append(int(frame))
        self._t.append(float(t))
        self._usable.append(H is not None)

    def _read_numbers(self, frame: int, image: np.ndarray) -> None:
        """Read the shirt numbers of the tracks detected in this frame."""
        p = self.players
        if not p.rec_frame or p.rec_frame[-1][0] != frame:
            return
        det = p.rec_prov[-1] == PROV_DETECTED
        if not det.any():
            return
        ids = p.rec_id[-1][det]
        nums, prob = self.numbers.read(image, p.rec_box[-1][det])
        for tid, num, q in zip(ids.tolist(), nums, prob.tolist()):
            if num is not None and q >= self.cfg.numbers.min_prob:
                self._reads.append((int(frame), int(tid), num, float(q)))

    def _reads_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        r = self._reads
        return (np.array([x[0] for x in r], np.int64), np.array([x[1] for x in r], np.int64),
                np.array([x[2] for x in r], dtype=object), np.array([x[3] for x in r], float))

    def _rise_per_m(self, frame: int, xy: np.ndarray) -> float:
        """Metres a ball's ground projection moves away from the camera per metre of height, at ground point ``xy``
        on ``frame``: the horizontal distance to the camera over its height (NaN where the camera is unknown)."""
        H = self._H.get(int(frame))
        if H is None or self._size is None:
            return float("nan")
        from cv.calibration.camera_fit import camera_from_homography  # only for in-air candidates

        cam = camera_from_homography(H, *self._size)
        if cam is None or cam.position[2] <= 0:
            return float("nan")
        c = np.asarray(cam.position, float)
        return float(np.hypot(xy[0] - c[0], xy[1] - c[1]) / c[2])

    def finish(self, periods: list[tuple[float, float]] | None = None,
               inspect: dict | None = None) -> dict[str, np.ndarray]:
        """Offline pass; returns the ``tracks`` columns (frame, t, track_id, role, team, jersey, x1, y1, x2, y2,
        x, y, z, speed, accel, provenance, in_air) sorted by track id then frame.

        ``periods`` ((t_start, t_end) per period) sets the attacking directions kept in ``self.directions``.
        ``inspect``: a dict that receives what the stitcher saw and decided, for diagnostics: ``pieces`` (the
        detected rows cut into pieces: frame, t, track_id = piece id, xy), ``tracklets`` (their
        :class:`~tracking.offline.Tracklet` ends), ``drift``, ``blind`` and ``mapping`` (piece id -> track id).
        """
        cfg = self.cfg
        frames_all = np.asarray(self._frames, dtype=np.int64)
        t_all = np.asarray(self._t, dtype=float)
        usable_all = np.asarray(self._usable, dtype=bool)
        order = np.argsort(frames_all, kind="stable")
        frames_all, t_all, usable_all = frames_all[order], t_all[order], usable_all[order]

        rows = self.players.records()
        tracks = {tr.id: tr for tr in self.players.all_tracks()}
        first = max(tracks, default=0) + 1
        reads = self._reads_arrays()
        breaks = {k: list(v) for k, v in self.players.breaks.items()}
        t_of = dict(zip(frames_all.tolist(), t_all.tolist(), strict=True))
        for k, v in number_breaks(reads, t_of, cfg.offline.number_break_reads).items():
            breaks.setdefault(k, []).extend(v)
        rows, parent = split_tracks(rows, cfg.offline.split_gap_s, first, breaks)
        # each piece is judged by the segment of its online track that it covers (own votes and colours)
        t0 = _piece_starts(rows)
        segs = {pid: tracks[tid].segment_at(t0[pid]) for pid, tid in parent.items() if tid in tracks and pid in t0}
        roles0 = {pid: role_vote(sg.votes) for pid, sg in segs.items() if sg is not None}
        apps = {pid: sg.app for pid, sg in segs.items() if sg is not None}
        skins = {pid: (sg.skin, sg.skin_n) for pid, sg in segs.items() if sg is not None}
        statures = {pid: sg.stature for pid, sg in segs.items() if sg is not None}
        labs = {pid: (sg.lab_sum / sg.lab_n if sg.lab_n else None, sg.lab_n) for pid, sg in segs.items()
                if sg is not None}
        reids = {pid: (sg.reid, sg.reid_n) for pid, sg in segs.items() if sg is not None}
        numbers = piece_numbers(rows, parent, reads)
        tracklets = tracklets_from_rows(rows, apps, roles0, skins, numbers, statures, labs, reids)
        drift, blind = self.players.drift_series(), blind_series(t_all, usable_all)
        mapping = stitch(tracklets, cfg.offline, drift, blind)
        if inspect is not None:
            inspect.update(pieces={k: rows[k] for k in ("frame", "t", "track_id", "xy")}, tracklets=tracklets,
                           drift=drift, blind=blind, mapping=mapping)
        rows = relabel(rows, mapping)
        rows = fill_gaps(rows, frames_all, t_all, usable_all, cfg.offline.interp_max_gap_s)
        rows = drop_short(rows, max(1, int(round(cfg.offline.min_track_s * self.fps))))
        if cfg.offline.fill_positions:
            rows = fill_positions(rows, cfg.offline.interp_max_gap_s)
        xy, speed, accel = smooth_tracks(rows, self.fps, cfg.offline)

        # per stitched track: votes, colour, position, for roles and teams
        summ: dict[int, TrackSummary] = {}
        for pid, sg in segs.items():
            if sg is None:
                continue
            root = mapping.get(pid, pid)
            s = summ.get(root)
            if s is None:
                s = summ[root] = TrackSummary(root, np.zeros(3), 0, {}, np.nan)
            s.lab = s.lab + sg.lab_sum
            s.samples += sg.lab_n
            for k, v in sg.votes.items():
                s.votes[k] = s.votes.get(k, 0.0) + v
        present = set(np.unique(rows["track_id"]).tolist())
        summaries = []
        for root, s in summ.items():
            if root not in present:
                continue
            s.lab = s.lab / s.samples if s.samples else np.full(3, np.nan)
            sel = (rows["track_id"] == root) & np.isfinite(xy[:, 0])
            s.mean_x = float(xy[sel, 0].mean()) if sel.any() else np.nan
            summaries.append(s)
        roles, teams = assign_roles_teams(summaries, cfg.teams, rows["t"], xy[:, 0], rows["track_id"], xy[:, 1])
        n = len(rows["frame"])
        pooled: dict[int, dict[str, float]] = {}
        for pid, votes in numbers.items():
            add_votes(pooled.setdefault(mapping.get(pid, pid), {}), votes)
        shirt = {root: decided_number(v, cfg.offline.number_votes, cfg.offline.number_share)
                 for root, v in pooled.items()}
        role_col = np.array([roles.get(int(i), "player") for i in rows["track_id"]], dtype=object)
        team_col = np.array([teams.get(int(i)) for i in rows["track_id"]], dtype=object)
        self.directions = attacking_directions(rows["t"], xy[:, 0], team_col, role_col, periods)

        ball = finish_ball(self.ball.records(), frames_all, t_all, usable_all, self.fps, cfg.ball, self._rise_per_m)
        nb = len(ball["frame"])
        cols = {
            "frame": np.concatenate([rows["frame"], ball["frame"]]).astype(np.int64),
            "t": np.concatenate([rows["t"], ball["t"]]),
            "track_id": np.concatenate([rows["track_id"], np.full(nb, BALL_TRACK_ID, np.int64)]),
            "role": np.concatenate([role_col, np.full(nb, "ball", dtype=object)]),
            "team": np.concatenate([team_col, np.full(nb, None, dtype=object)]),
            "jersey": np.concatenate([np.array([shirt.get(int(i)) for i in rows["track_id"]], dtype=object),
                                      np.full(nb, None, dtype=object)]),
            "x1": np.concatenate([rows["box"][:, 0], ball["box"][:, 0]]).astype(np.float32),
            "y1": np.concatenate([rows["box"][:, 1], ball["box"][:, 1]]).astype(np.float32),
            "x2": np.concatenate([rows["box"][:, 2], ball["box"][:, 2]]).astype(np.float32),
            "y2": np.concatenate([rows["box"][:, 3], ball["box"][:, 3]]).astype(np.float32),
            "x": np.concatenate([xy[:, 0], ball["xy"][:, 0]]),
            "y": np.concatenate([xy[:, 1], ball["xy"][:, 1]]),
            "z": np.concatenate([np.full(n, np.nan), ball["z"]]),
            "speed": np.concatenate([speed, ball["speed"]]),
            "accel": np.concatenate([accel, ball["accel"]]),
            "provenance": PROV_NAMES[np.concatenate([rows["prov"], ball["prov"]]).astype(int)],
            "in_air": np.concatenate([np.zeros(n, bool), ball["in_air"]]),
        }
        return cols


def _piece_starts(rows: dict) -> dict[int, float]:
    """First time of each track id in ``rows``."""
    tid = rows["track_id"]
    if not len(tid):
        return {}
    order = np.lexsort((rows["t"], tid))
    first = order[np.r_[True, tid[order][1:] != tid[order][:-1]]]
    return {int(tid[i]): float(rows["t"][i]) for i in first}
