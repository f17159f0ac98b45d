"""The per-frame calibration loop: shot type, cuts, camera motion, (re-)initialisation, line refinement,
verification and filtering.

Every frame: a small copy (``flow_width``) gives the cut detector, the shot evidence and the camera motion
(optical flow of the background). Every ``refine_every`` frames, and whenever the camera must be found anew,
the line evidence is computed at ``work_width`` and the projected pitch model is aligned with it; the result
is verified (the model must explain the evidence both ways) and the camera dropped when it no longer does.
The main camera's position, once found, is estimated jointly over verified frames: first a few frames after it
was found, then, as the camera pans, frames looking along other directions (what one view leaves free, the
distance along it, those fix).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from cv.calibration import dictionary
from cv.calibration.base import CalibrationConfig, FrameCalibration
from cv.calibration.bundle import joint_position
from cv.calibration.filter import CameraFilter, interior_shift
from cv.calibration.init import InitResult, initialise, refit
from cv.calibration.lines import (
    RefineResult,
    boxes_mask,
    field_mask,
    grass_mask,
    line_evidence,
    model_points,
    refine,
    resize_matrix,
    score,
)
from cv.calibration.motion import MotionEstimator
from cv.calibration.ptz import refine_ptz, snap
from cv.calibration.ptzsearch import PTZ_INIT_TAUS, PTZResult, fit_end_camera, search_ptz, search_ptz_closer
from cv.calibration.verify import Agreement, agreement, end_camera, plausible_main_camera
from cv.pitch import PitchModel
from cv.shots import CutDetector, ShotSegment, classify_shot, shot_features

TRACK_TAUS = (8.0, 5.0, 3.0, 3.0)
PTZ_TAUS = (16.0, 12.0, 8.0, 5.0, 4.0, 3.0, 3.0, 3.0)
PTZ_TRACK_TAUS = (10.0, 6.0, 4.0, 3.0)  # re-alignment of a camera carried by good motion
STEADY_PX = 1.0  # working px: a re-alignment moving the carried camera less than this leaves it steady
STEADY_FACTOR = 2  # a steady camera is re-aligned this many times less often
MIN_STRENGTH = 0.01  # weakest constrained warp direction accepted from nothing, unless a real camera fits closely
MIN_EVIDENCE_PX = 150  # line pixels (at 640 wide) below which a frame cannot verify a camera
MIN_MODEL_POINTS = 40  # visible model points below which a frame cannot verify a camera
END_MARGIN = -0.02  # a frame matching a behind-the-goal pose about as well as any main pose is "other"
OTHER_RECHECK = 10  # frames after which a segment taken for a replay is looked at again
END_CHECK_FRAMES = 24  # frames after a camera was found during which replays are looked for
END_MIN_F1 = 0.6  # agreement of a behind-the-goal camera fit that marks a frame as a replay
MISFIT_EVIDENCE_PX = 600  # line pixels (at 640 wide) for a contradicted search to count against the main camera
PTZ_CLEAR_F1 = 0.9  # agreement of the best grid pose of the known camera below which a closer search is tried
PTZ_MIN_INLIERS = 12  # model points on a line for a pan / tilt / zoom of the known camera to count
SETTLE_FRAMES = 6  # verified frames over which the position found on one frame is estimated jointly
SETTLE_GAP = 8  # frames between two of them
SETTLE_MAX_LOSS = 0.02  # agreement (F1) a frame may lose when the joint position is taken
FIT_STARTS = 3  # best poses of a rejected search the full camera fit starts from
FIT_NFEV = 30  # evaluations per level of that fit
VIEW_ANGLE = np.radians(1.0)  # a verified frame looking at least this far from every kept view is kept
VIEW_KEEP = 6  # views kept for the position estimate (the most spread)
VIEW_MIN = 4  # views needed for an estimate over them
WIDEN_GAP = 50  # frames between two estimates over the kept views (doubling with each that hardly moves it)
WIDEN_MIN_GAIN = 0.01  # mean agreement (F1) the views must gain for a new estimate to replace the position
WIDEN_STABLE_M = 0.5  # metres an estimate must move the camera to count as a change
POOR_VIEW_F1 = 0.8  # a verified view with plenty of lines explained worse than this prompts an estimate at once ...
POOR_VIEW_FIXED_F1 = 0.85  # ... kept only if it explains that view at least this well
INIT_REFINE = 5  # poses of a search from nothing aligned with the lines (the most similar after the local search)


@dataclass
class _Past:
    """What the look-back buffer keeps of one main-camera frame: enough to carry a camera found later back to it."""

    result: FrameCalibration
    motion: np.ndarray | None  # image motion (flow px) from the previous frame to this one
    ev: object | None  # line evidence, when it was computed on this frame


class TrackingCalibrator:
    """Calibrates frames in order; ``method`` decides how the camera is found from nothing.

    ``lines``: dictionary search of camera poses on the line evidence; ``keypoints``: a pose model's keypoints
    and RANSAC; ``manual``: a fixed homography from the config. Between (re-)initialisations the homography is
    carried by background motion and re-aligned on the painted lines every ``refine_every`` frames.
    """

    def __init__(self, cfg: CalibrationConfig, keypoint_model=None, manual_H: np.ndarray | None = None,
                 manual_rms: float = float("nan")) -> None:
        self.cfg = cfg
        self.pitch = PitchModel(cfg.pitch_length, cfg.pitch_width)
        self.model_xy = model_points(self.pitch)
        self.keypoints = keypoint_model
        self.manual_H = manual_H
        self.manual_rms = manual_rms
        self.motion = MotionEstimator(max_points=200, min_inliers=15, ransac_px=0.7)
        self.cuts = CutDetector(cfg.cut_threshold)
        self.filter = CameraFilter(cfg.smoothing, cfg.gate_px, cfg.max_rejects)
        self.reset()

    def reset(self) -> None:
        """Forget the camera and its position (new video)."""
        self.camera_position: np.ndarray | None = None  # of the main camera, once found on a well-determined frame
        self.settle: list[tuple[int, np.ndarray, object]] | None = None  # frames to estimate the position over
        self._new_position()
        self.search_fails = 0  # failed searches from nothing in a row (the wait before the next one doubles)
        self.frame = 0  # the frame being calibrated
        self.next_fit = 0  # first frame at which a rejected search may be followed by a full camera fit
        self.fit_fails = 0  # full camera fits in a row that were rejected (the wait before the next one doubles)
        self._agreement: Agreement | None = None  # the last verification's agreement with the lines
        self.past: deque[_Past] = deque(maxlen=max(0, int(self.cfg.lookback)))
        self.revised: list[FrameCalibration] = []
        self._found = False
        self.H: np.ndarray | None = None  # working-resolution homography of the last frame
        self.usable = False
        self.since_refine = 0
        self.steady = False  # the last re-alignment hardly moved the camera the motion carried
        self.since_init = 0
        self.since_verified = 0
        self.fails = 0
        self.wait_init = 0
        self.seg: ShotSegment | None = None  # the shot since the last cut
        self.seg_rows: dict[int, FrameCalibration] = {}  # its frames as last reported (up to ``lookback``)
        self.seg_closer = False  # a closer search of the known camera was tried in the segment
        self.body_label = "main"  # label of the last segment that was not a transition
        self.replay_frames = 0
        self.last_main_H: np.ndarray | None = None  # working-px camera of the last verified main-camera frame
        self.last: RefineResult | None = None
        self.last_init: InitResult | None = None
        self.motion.reset()
        self.cuts.reset()
        self.filter.reset()

    def _new_position(self) -> None:
        """A camera position found from nothing: views along other directions are collected for it anew."""
        self.views: list[tuple[int, np.ndarray, object, np.ndarray]] = []  # frame, camera, evidence, view axis
        self.next_widen = 0
        self.next_poor = 0  # frame from which a poorly explained view may prompt an estimate
        self.widen_stable = 0

    def revisions(self) -> list[FrameCalibration]:
        """Calibrations of earlier frames revised since the last call (a camera found at a frame is carried back by
        camera motion over the unusable frames before it, up to ``lookback`` frames); the caller replaces its
        rows for those frames."""
        out, self.revised = self.revised, []
        return out

    def _lose(self) -> None:
        self.wait_init = 0
        self.H = None
        self.usable = False
        self.last = None
        self.fails = 0
        self.filter.reset()

    def update(self, image: np.ndarray, frame: int = 0, t: float = 0.0, boxes: np.ndarray | None = None,
               hint_H: np.ndarray | None = None, confidences: np.ndarray | None = None) -> FrameCalibration:
        """Calibrate one BGR frame (frames must come in order); ``boxes`` are person boxes xyxy in its pixels.

        ``confidences`` (one per box), when given, keep boxes below ``person_min_conf`` out of the people mask of
        the line evidence (unsure, often large false boxes would hide painted lines); every box is still evidence
        of the shot type (close-up people are often found with low confidence).

        ``hint_H`` (pitch m -> px of ``image``), when given, replaces the search from nothing whenever the tracker
        has to (re-)initialise; it is refined on the lines like any other start. Earlier frames may be revised
        afterwards: see :meth:`revisions`.
        """
        self._found, self._M, self._ev, self._calibrated = False, None, None, False
        self.frame = frame
        res = self._update(image, frame, t, boxes, hint_H, confidences)
        if not self._calibrated or res.cut:
            self.past.clear()
        if self._calibrated and self.past.maxlen:
            if self._found and self.H is not None and self.usable:
                self._backfill(image.shape[:2])
            self.past.append(_Past(res, self._M, self._ev if not res.usable else None))
        if self.usable and self.H is not None and self._calibrated:
            self.last_main_H = self.H.copy()
        return self._relabel(res)

    def _relabel(self, res: FrameCalibration) -> FrameCalibration:
        """Give the frame, and the earlier frames of its segment, the segment's one shot type."""
        seg = self.seg
        for r in self.revised:
            if r.frame in self.seg_rows:
                self.seg_rows[r.frame] = r
        self.seg_rows[res.frame] = res
        while len(self.seg_rows) > max(1, int(self.cfg.lookback)):
            self.seg_rows.pop(next(iter(self.seg_rows)))
        label = seg.label() if seg is not None else res.shot
        if label == "main" and not seg.found and res.shot == "main":
            return res
        out = res
        for f, r in list(self.seg_rows.items()):
            if r.shot == label:
                continue
            new = _with_shot(r, label)
            self.seg_rows[f] = new
            if f == res.frame:
                out = new
            else:
                self.revised.append(new)
        return out

    def _new_segment(self, frame: int) -> None:
        prev = self.seg
        after = False
        if prev is not None:
            single = prev.n == 1 and prev.busy == 1  # one changed frame between two cuts: part of a transition
            if prev.transition or single:
                if single:
                    for r in list(self.seg_rows.values()):
                        if r.shot != "other":
                            self.revised.append(_with_shot(r, "other"))
                after = self.body_label == "main"  # a wipe out of the main camera: a replay follows
            else:
                self.body_label = prev.label()
        self.seg = ShotSegment(frame, after_transition=after, cut_in=prev is not None)
        self.seg_closer = False  # a closer search of the known camera was tried in the segment
        self.seg_rows = {}
        self.replay_frames = 0

    def _backfill(self, shape: tuple[int, int]) -> None:
        """Carry the camera just found back over the buffered unusable frames by their camera motion."""
        cfg = self.cfg
        h0, w0 = shape
        ws = int(cfg.work_width)
        hs = max(16, int(round(h0 * ws / w0)))
        fw = min(int(cfg.flow_width), ws)
        fh = max(16, int(round(h0 * fw / w0)))
        S = resize_matrix(ws / w0, hs / h0)
        F = resize_matrix(ws / fw, hs / fh)
        Finv = np.linalg.inv(F)
        Sinv = np.linalg.inv(S)
        H = self.H.copy()
        M = self._M
        for past in reversed(self.past):
            if M is None or past.result.usable:
                break
            H = np.linalg.inv(F @ M @ Finv) @ H
            H /= H[2, 2]
            method = cfg.method + "+back"
            if past.ev is not None and self.camera_position is not None:
                r, _ = refine_ptz(H, self.camera_position, past.ev, self.model_xy, taus=PTZ_TAUS, position_prior=4.0)
                a = agreement(H, past.ev, self.pitch, tol_px=1.5)
                if a.contradicted:
                    break
                if np.isfinite(r.residual) and interior_shift(H, r.H, past.ev.shape) < cfg.gate_px:
                    H = r.H
            old = past.result
            Ho = Sinv @ H
            past.result = FrameCalibration(old.frame, old.t, "main", Ho / Ho[2, 2], method, usable=True, cut=old.cut)
            self.revised.append(past.result)
            M = past.motion
            if old.cut:
                break

    def _update(self, image: np.ndarray, frame: int, t: float, boxes: np.ndarray | None,
                hint_H: np.ndarray | None, confidences: np.ndarray | None = None) -> FrameCalibration:
        cfg = self.cfg
        people = shot_boxes = boxes
        if boxes is not None and confidences is not None:
            conf = np.asarray(confidences)
            people = np.asarray(boxes)[conf >= cfg.person_min_conf]
            shot_boxes = np.asarray(boxes)[conf >= cfg.shot_min_conf]
        h0, w0 = image.shape[:2]
        ws = int(cfg.work_width)
        hs = max(16, int(round(h0 * ws / w0)))
        fw = min(int(cfg.flow_width), ws)
        fh = max(16, int(round(h0 * fw / w0)))
        S = resize_matrix(ws / w0, hs / h0)
        F = resize_matrix(ws / fw, hs / fh)  # flow px -> working px
        small = _shrink(image, ws, hs)
        tiny = _shrink(small, fw, fh)
        hsv_t = cv2.cvtColor(tiny, cv2.COLOR_BGR2HSV)
        grass_t = grass_mask(hsv_t)
        field_t = field_mask(grass_t, close_px=max(5, (fw // 40) | 1))
        cut = self.cuts.update(hsv_t)
        feats = shot_features(grass_t, field_t, None, shot_boxes, h0)
        raw = classify_shot(feats, cfg.min_grass_share, cfg.closeup_person_height)
        method = cfg.method
        if cut or self.seg is None:
            self.search_fails = 0
            self._new_segment(frame)
        seg = self.seg
        seg.add(raw, self.cuts.busy, self.cuts.last_change, t)
        if seg.replay:
            # a segment taken for a replay is looked at again now and then
            self.replay_frames += 1
            if self.replay_frames >= OTHER_RECHECK:
                seg.replay, self.replay_frames = False, 0
        shot = "main"
        if raw != "main" or not seg.may_be_main():
            shot = seg.label() if seg.label() != "main" else raw
        if shot != "main":
            self._lose()
            self.motion.reset()
            return FrameCalibration(frame, t, shot, None, method, cut=cut)
        self._calibrated = True
        if method == "manual":
            return FrameCalibration(frame, t, shot, self.manual_H, method, self.manual_rms,
                                    0 if self.manual_H is None else 4, self.manual_H is not None, cut)
        if cut:
            self._lose()
            self.motion.reset()
            self.search_fails = 0
        gray = cv2.cvtColor(tiny, cv2.COLOR_BGR2GRAY)
        players_t = boxes_mask((fh, fw), people, fw / w0)
        M, _ = self.motion.update(gray, cv2.bitwise_not(players_t))
        self._M = M
        H_pred = None
        force_refine = False
        if self.H is not None:
            if M is None:  # no usable motion: keep the last camera and re-align it on the lines now
                H_pred, force_refine = self.H.copy(), True
            else:
                H_pred = F @ M @ np.linalg.inv(F) @ self.H
                H_pred /= H_pred[2, 2]
        self.since_refine += 1
        self.since_init += 1
        self.since_verified += 1
        reinit = H_pred is None or (cfg.init_every > 0 and self.since_init >= cfg.init_every)
        if method == "keypoints" and self.since_init >= cfg.keypoint_every:
            reinit = True
        if reinit and H_pred is None and hint_H is None and self.wait_init > 0:
            self.wait_init -= 1
            return FrameCalibration(frame, t, shot, None, method, cut=cut)
        # a camera that the lines kept where the motion carried it is re-aligned half as often
        every = cfg.refine_every * (STEADY_FACTOR if self.steady else 1)
        if not reinit and not force_refine and self.since_refine < every:
            self.H = H_pred  # motion only: the usable flag of the last verification stands
            if self.since_verified > cfg.max_unverified:
                self.usable = False
            return self._result(frame, t, shot, method, S, self.last, cut, motion_only=True)
        hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
        field = cv2.resize(field_t, (ws, hs), interpolation=cv2.INTER_NEAREST)
        players = boxes_mask((hs, ws), people, ws / w0)
        ev = line_evidence(small, hsv, grass_mask(hsv), players, field, tau=100.0)
        self._ev = ev
        self.since_refine = 0
        res: RefineResult | None = None
        if reinit:
            res = self._initialise(image, ev, S, hint_H)
            if res is None:
                if H_pred is None:
                    if hint_H is None:
                        # back-off: the wait before the next search doubles with every failure in a row
                        wait = (int(cfg.init_retry) + 1) * 2 ** min(self.search_fails, 10) - 1
                        self.wait_init = min(wait, int(cfg.max_retry_wait))
                        self.search_fails += 1
                    return FrameCalibration(frame, t, shot, None, method, cut=cut)
                reinit = False  # keep tracking when a scheduled re-initialisation fails
            else:
                self._found = H_pred is None
                self.search_fails = 0
                self.since_init = 0
                self.filter.reset()
                self.H, self.last = res.H, res
                self._verified(True)
        if not reinit:
            if self.camera_position is not None:
                # the position stays where it was found: along the optical axis it trades off against the zoom
                res, _ = refine_ptz(H_pred, self.camera_position, ev, self.model_xy,
                                    taus=PTZ_TAUS if force_refine else PTZ_TRACK_TAUS,
                                    ridge_iters=3 if force_refine else 2, position_prior=4.0)
            else:
                res = refine(H_pred, ev, self.model_xy, taus=TRACK_TAUS, prior=1.0, pitch=self.pitch)
            H, accepted = self.filter.step(H_pred, res.H, ev.shape)
            self.steady = bool(accepted and np.isfinite(res.residual)
                               and interior_shift(H_pred, res.H, ev.shape) < STEADY_PX)
            if self.filter.lost:
                self._lose()
                return FrameCalibration(frame, t, shot, None, method, res.residual / (ws / w0), res.inliers, False, cut)
            self.H = H
            if accepted:
                self.last = res
                if self._replay(ev):
                    seg.replay, seg.found = True, False
                    self._lose()
                    return FrameCalibration(frame, t, "other", None, method, cut=cut)
                if not self._verify(ev, res, ws / w0):
                    if self.fails >= cfg.verify_fails:
                        self._lose()
                        return FrameCalibration(frame, t, shot, None, method, res.residual / (ws / w0),
                                                res.inliers, False, cut)
                elif self.since_verified == 0 and self.settle is not None:
                    res = self._settle(frame, ev, res, S)
                elif self.since_verified == 0 and self.camera_position is not None and cfg.method == "lines":
                    res = self._widen(frame, ev, res, S)
            else:
                # the re-alignment jumped too far: the prediction stands, but only if it explains the evidence
                res = None
                if not self._verify(ev, score(H_pred, ev, self.model_xy), ws / w0) and self.fails >= cfg.verify_fails:
                    self._lose()
                    return FrameCalibration(frame, t, shot, None, method, cut=cut)
        return self._result(frame, t, shot, method, S, res, cut)

    def _settle(self, frame: int, ev, res: RefineResult, S: np.ndarray) -> RefineResult:
        """Collect verified frames; once there are enough, estimate the camera position over all of them jointly
        (:func:`cv.calibration.bundle.joint_position`) and keep it when no frame explains its lines worse. The
        buffered earlier frames are revised by the correction of the nearest of those frames."""
        keys = self.settle
        if keys and frame - keys[-1][0] < SETTLE_GAP:
            return res
        keys.append((frame, self.H.copy(), ev))
        if len(keys) < SETTLE_FRAMES:
            return res
        self.settle = None  # once per camera found from nothing
        fit = self._joint(keys, S)
        return res if fit is None else fit.results[-1]

    def _widen(self, frame: int, ev, res: RefineResult, S: np.ndarray) -> RefineResult:
        """Keep verified frames that look along new directions (``views``) and estimate the position again over
        them now and then. Frames a few seconds apart see the pitch along directions tens of degrees apart: where
        the frames of the first estimate (all looking one way) left the distance along the view free, these fix
        it. The wait between estimates doubles with every one that hardly moves the camera or is refused. A view
        with plenty of lines that the camera explains poorly (F1 below ``POOR_VIEW_F1``: zoomed-in views leave the
        distance along the view free, and a position found there shows its error once the camera turns) is kept
        whatever its direction and prompts an estimate at once."""
        R, _ = snap(self.H, self.camera_position, ev.shape[1], ev.shape[0])
        axis = R[2]
        views = self.views
        ag = self._agreement  # this frame's, from its verification
        # plenty of lines that the camera explains poorly: its position is off in a way this view shows
        poor = ag.f1 < POOR_VIEW_F1 and ag.evidence * (640.0 / ev.shape[1]) ** 2 >= MISFIT_EVIDENCE_PX
        near = [float(np.arccos(np.clip(axis @ a, -1.0, 1.0))) for *_, a in views]
        if near and min(near) < VIEW_ANGLE:
            if not poor:
                return res
            views.pop(int(np.argmin(near)))  # this view replaces the kept one looking the same way
        views.append((frame, self.H.copy(), ev, axis))
        while len(views) > VIEW_KEEP:  # drop the kept view (not this one) closest to another
            ax = np.array([a for *_, a in views])
            ang = np.arccos(np.clip(ax @ ax.T, -1.0, 1.0)) + np.eye(len(views)) * 10.0
            views.pop(int(np.argmin(ang[:-1].min(axis=1))))
        if len(views) < VIEW_MIN or (frame < self.next_widen and not (poor and frame >= self.next_poor)):
            return res
        if poor:  # estimated now, whatever the wait; then not again on a poor view for WIDEN_GAP frames
            self.next_poor = frame + WIDEN_GAP
        before = self.camera_position.copy()
        # prompted by a poor view, the new position must explain that view well (a view that is poor because its
        # own camera slid would otherwise pull the position after it)
        fit = self._joint([(f, H, e) for f, H, e, _ in views], S, min_gain=WIDEN_MIN_GAIN,
                          last_min_f1=POOR_VIEW_FIXED_F1 if poor else 0.0)
        if fit is not None:
            for k, r in enumerate(fit.results):
                f, _, e, _ = views[k]
                Rk, _ = snap(r.H, fit.position, e.shape[1], e.shape[0])
                views[k] = (f, r.H.copy(), e, Rk[2])
        if fit is None or float(np.linalg.norm(fit.position - before)) < WIDEN_STABLE_M:
            self.widen_stable += 1
        self.next_widen = frame + WIDEN_GAP * 2 ** min(self.widen_stable, 6)
        return res if fit is None else fit.results[-1]

    def _joint(self, keys: list[tuple[int, np.ndarray, object]], S: np.ndarray, min_gain: float = -1.0,
               last_min_f1: float = 0.0):
        """The position estimated jointly over ``keys`` (frame, working-px camera, evidence; this frame last),
        kept when no frame explains its lines worse, their mean agreement (F1) gains at least ``min_gain`` and
        this frame's reaches ``last_min_f1``: the camera of this frame and the buffered earlier frames follow
        (each by the correction of the nearest key frame). None when refused."""
        fit = joint_position([(H, e) for _, H, e in keys], self.camera_position, self.model_xy, self.pitch)
        if len(fit.results) != len(keys):
            return None
        gain, f1 = [], 0.0
        for (_, H, e), r in zip(keys, fit.results, strict=True):
            f1 = agreement(r.H, e, self.pitch, tol_px=1.5).f1  # the last one is this frame's
            gain.append(f1 - agreement(H, e, self.pitch, tol_px=1.5).f1)
            if gain[-1] < -SETTLE_MAX_LOSS:
                return None
        if float(np.mean(gain)) < min_gain or f1 < last_min_f1:
            return None
        self.camera_position = fit.position
        self.H = fit.results[-1].H
        Sinv = np.linalg.inv(S)
        corr = {f: Sinv @ r.H @ np.linalg.inv(H) @ S for (f, H, _), r in zip(keys, fit.results, strict=True)}
        for past in self.past:
            old = past.result
            if not old.usable or old.H is None:
                continue
            D = corr[min(corr, key=lambda f: abs(f - old.frame))]
            Hn = D @ old.H
            past.result = FrameCalibration(old.frame, old.t, old.shot, Hn / Hn[2, 2], old.method, old.residual,
                                           old.inliers, True, old.cut)
            self.revised.append(past.result)
        return fit

    def _verified(self, ok: bool) -> None:
        if ok:
            if self.seg is not None:
                self.seg.found = True
            self.fails = 0
            self.since_verified = 0
            self.usable = True
        else:
            self.fails += 1
            self.usable = False

    def _verify(self, ev, r: RefineResult, scale: float) -> bool:
        """Check the camera against the evidence; returns False only when the evidence contradicts it."""
        cfg = self.cfg
        a = agreement(r.H, ev, self.pitch, tol_px=1.5)
        self._agreement = a
        enough = a.evidence * (640.0 / ev.shape[1]) ** 2 >= MIN_EVIDENCE_PX and a.points >= MIN_MODEL_POINTS
        ok = (a.precision >= cfg.min_precision and a.recall >= cfg.min_recall and r.inliers >= cfg.min_inliers
              and r.residual / scale <= cfg.max_residual)
        if self.camera_position is not None and cfg.method == "lines":
            # a pan / tilt / zoom of the known camera cannot slide along directions the lines leave free: the
            # evidence there is checks it where it lies (a faint or blurred line missing is no contradiction)
            ok = ok or self._ptz_supported(a, r, scale)
            enough = a.contradicted  # fail only on contradiction; otherwise hold until max_unverified
        if self.camera_position is not None and cfg.method == "lines":
            # the main camera pans, tilts and zooms but does not move: a homography that implies another
            # position (or no real camera) has slid along a direction the visible lines leave free
            h, w = ev.shape
            cam = dictionary.camera_from_homography(r.H, w, h)
            moved = cam is None or float(np.linalg.norm(cam[0] - self.camera_position)) > cfg.max_camera_shift
            gap = dictionary.camera_gap(r.H, w, h) * 640.0 / w
            if moved or gap > cfg.max_camera_gap:
                self._verified(False)
                return False
        if ok:
            self._verified(True)
            return True
        if not enough:  # too little to tell: keep the flag until max_unverified frames have passed
            if self.since_verified > cfg.max_unverified:
                self.usable = False
            return True
        self._verified(False)
        return False

    def _replay(self, ev) -> bool:
        """Shortly after the camera was found: does a camera behind a goal explain the frame as well (a replay
        that began with a gradual transition instead of a cut)?"""
        if (self.since_init > END_CHECK_FRAMES or self.camera_position is None or self.cfg.method != "lines"
                or (self.since_init // max(1, self.cfg.refine_every)) % 2 == 0):
            return False  # checked on every other re-alignment only
        a = agreement(self.H, ev, self.pitch, tol_px=1.5)
        fit = fit_end_camera(ev, self.pitch, k=3)
        return bool(fit is not None and fit[0].f1 >= END_MIN_F1 and end_camera(fit[1], self.pitch)
                    and fit[0].f1 > a.f1 - 0.1)

    def _ptz_supported(self, a: Agreement, r: RefineResult, scale: float) -> bool:
        return bool(not a.contradicted and a.near_recall >= 0.75 and a.recall >= self.cfg.min_recall
                    and a.precision >= 0.35 and r.inliers >= PTZ_MIN_INLIERS
                    and r.residual / scale <= self.cfg.max_residual)

    def _initialise(self, image: np.ndarray, ev, S: np.ndarray, hint_H: np.ndarray | None = None
                    ) -> RefineResult | None:
        cfg = self.cfg
        scale = image.shape[1] / ev.shape[1]
        H0 = None if hint_H is None else S @ np.asarray(hint_H, dtype=float)
        if H0 is None and self.keypoints is not None:
            Hk, n, _ = self.keypoints(image)
            if Hk is not None:
                H0 = S @ Hk
        if H0 is not None:
            r = refine(H0 / H0[2, 2], ev, self.model_xy, taus=(20.0, 12.0, 8.0, 5.0, 3.0, 3.0), pitch=self.pitch)
            if r.inliers < cfg.min_inliers or r.residual * scale > cfg.max_residual:
                return None
            # a given start must explain the evidence like any other camera, and be a real main camera
            h, w = ev.shape
            a = agreement(r.H, ev, self.pitch, tol_px=1.5)
            cam = dictionary.camera_from_homography(r.H, w, h)
            pos = None if cam is None else cam[0]
            if (a.precision < cfg.min_precision or a.recall < cfg.min_recall
                    or not plausible_main_camera(pos, self.pitch)
                    or dictionary.camera_gap(r.H, w, h) * 640.0 / w > cfg.max_camera_gap):
                return None
            self.camera_position = pos
            self.settle = []
            self._new_position()
            return r
        if not (cfg.method == "lines" or self.keypoints is None):
            return None
        ir = None
        if self.camera_position is not None and cfg.method == "lines":
            # the main camera's position is known: only its pan, tilt and zoom are searched
            pr = search_ptz(ev, self.camera_position, self.pitch, k=max(3, cfg.init_candidates // 2))
            if self.last_main_H is not None:
                # the main camera kept following play during the cut-away: start also from where it was
                r, _ = refine_ptz(self.last_main_H, self.camera_position, ev, self.model_xy, taus=PTZ_INIT_TAUS,
                                  ridge_iters=2, position_prior=1e4)
                if np.isfinite(r.residual):
                    a = agreement(r.H, ev, self.pitch, tol_px=1.5)
                    if pr is None or a.f1 > pr.agreement.f1:
                        pr = PTZResult(r, a, 0.0)
            # a clear fit by a camera behind a goal, better than the known camera's: a replay
            fit = fit_end_camera(ev, self.pitch)
            if (fit is not None and fit[0].f1 >= END_MIN_F1 and end_camera(fit[1], self.pitch)
                    and (pr is None or fit[0].f1 > pr.agreement.f1 - 0.1)):
                self.seg.replay_seen()
                return None
            if (pr is None or pr.agreement.f1 < PTZ_CLEAR_F1) and (self.seg.found or not self.seg_closer):
                # costs a few grid searches: once per shot until the main camera is found in it (not again at
                # every retry on a replay or a card), at every search once it was found and lost
                self.seg_closer = True
                pr = search_ptz_closer(ev, self.camera_position, self.pitch, k=max(3, cfg.init_candidates // 2),
                                       refine_top=2, best=pr)
            if pr is not None and self._accept_ptz(pr, scale):
                return pr.refined
            if (pr is not None and pr.agreement.contradicted
                    and pr.agreement.evidence * (640.0 / ev.shape[1]) ** 2 >= MISFIT_EVIDENCE_PX):
                self.seg.misfit += 1  # plenty of lines, and no pan / tilt / zoom of the main camera lies on them
            main_sim, end_sim = dictionary.similarities(ev.lines, self.pitch)
            if end_sim > main_sim + END_MARGIN:
                self.seg.replay_seen()
            return None
        if self.camera_position is not None:  # after a cut: the same camera is the most likely
            ir = initialise(ev, self.pitch, k=max(3, cfg.init_candidates // 2),
                            prior_position=tuple(self.camera_position), refine_top=INIT_REFINE)
        if ir is None or not self._accept(ir, scale):
            ir2 = initialise(ev, self.pitch, k=cfg.init_candidates, refine_top=INIT_REFINE)
            if ir2 is not None and (ir is None or (ir2.plausible, ir2.score) > (ir.plausible, ir.score)):
                ir = ir2
        if ir is not None and not self._accept(ir, scale):
            ir = self._refit(ir, ev, scale)
        self.last_init = ir
        if ir is None:
            return None
        if not self._accept(ir, scale):
            # a clear fit by a camera that is not the main camera (e.g. behind a goal): not a main-camera shot
            if ((ir.agreement.f1 >= 0.9 and ir.camera_gap <= cfg.max_camera_gap and end_camera(ir.position, self.pitch))
                    or ir.end_similarity > ir.main_similarity + END_MARGIN):
                self.seg.replay_seen()
            return None
        self.camera_position = ir.position
        self.settle = []  # found on one frame: estimated again over the next verified frames
        self._new_position()
        return ir.refined

    def _refit(self, ir: InitResult, ev, scale: float) -> InitResult:
        """A rejected search: the full camera fitted from its best poses, when it passes the same checks (at most
        one fit per ``fit_every`` frames while none passes, the wait doubling with every rejected fit). Not tried
        when the candidate sees fewer model points than a camera needs inliers: the fit hardly widens the view."""
        cfg = self.cfg
        if (cfg.fit_every <= 0 or self.frame < self.next_fit or not ir.poses
                or ir.refined.points < cfg.min_inliers):
            return ir
        fr = refit(ir, ev, self.pitch, starts=FIT_STARTS, max_nfev=FIT_NFEV)
        if fr is not None and self._accept(fr, scale):
            self.fit_fails = 0
            self.next_fit = self.frame + 1
            return fr
        self.next_fit = self.frame + int(cfg.fit_every) * 2 ** min(self.fit_fails, 4)
        self.fit_fails += 1
        return ir

    def _accept_ptz(self, pr: PTZResult, scale: float) -> bool:
        a, r = pr.agreement, pr.refined
        return bool(self._ptz_supported(a, r, scale) and a.recall >= 0.6 and a.f1 >= self.cfg.refind_min_f1)

    def _accept(self, ir: InitResult, scale: float) -> bool:
        cfg = self.cfg
        r = ir.refined
        return bool(ir.plausible and ir.agreement.f1 >= cfg.init_min_f1 and ir.camera_gap <= cfg.max_camera_gap
                    and (r.strength >= MIN_STRENGTH or ir.camera_gap <= 0.25 * cfg.max_camera_gap)
                    and r.inliers >= cfg.min_inliers
                    and r.residual * scale <= cfg.max_residual)

    def _result(self, frame: int, t: float, shot: str, method: str, S: np.ndarray, r: RefineResult | None,
                cut: bool, motion_only: bool = False) -> FrameCalibration:
        H = np.linalg.inv(S) @ self.H
        H = H / H[2, 2]
        scale = 1.0 / S[0, 0]
        if r is None:
            return FrameCalibration(frame, t, shot, H, method, float("nan"), 0, self.usable, cut)
        return FrameCalibration(frame, t, shot, H, method + ("+flow" if motion_only else ""), r.residual * scale,
                                r.inliers, self.usable, cut)


def _with_shot(r: FrameCalibration, shot: str) -> FrameCalibration:
    """``r`` with another shot type: frames that are not main-camera frames lose their camera."""
    if shot == "main":
        return FrameCalibration(r.frame, r.t, shot, r.H, r.method, r.residual, r.inliers, r.usable, r.cut)
    return FrameCalibration(r.frame, r.t, shot, None, r.method, cut=r.cut)


def _shrink(image: np.ndarray, w: int, h: int) -> np.ndarray:
    """``image`` at ``w`` x ``h``: two-to-one by bilinear sampling (the exact 2x2 mean, fast), else by area."""
    h0, w0 = image.shape[:2]
    if (w, h) == (w0, h0):
        return image
    if w0 == 2 * w and h0 == 2 * h:
        return cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
