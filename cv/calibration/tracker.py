"""The per-frame calibration loop: shot type, cuts, camera motion, (re-)initialisation, line refinement, filtering."""

from __future__ import annotations

import cv2
import numpy as np

from cv.calibration.base import CalibrationConfig, FrameCalibration
from cv.calibration.filter import CameraFilter
from cv.calibration.init import initialise
from cv.calibration.lines import (
    RefineResult,
    boxes_mask,
    field_mask,
    grass_mask,
    line_evidence,
    model_points,
    refine,
    resize_matrix,
)
from cv.calibration.motion import MotionEstimator
from cv.pitch import PitchModel
from cv.shots import CutDetector, classify_shot, shot_features

TRACK_TAUS = (8.0, 5.0, 3.0, 3.0)
MIN_STRENGTH = 0.01  # weakest constrained direction accepted for a calibration from nothing
INIT_RETRY = 10  # frames to wait after a failed search from nothing before searching again


class TrackingCalibrator:
    """Calibrates frames in order; ``method`` decides how the camera is found from nothing.

    ``lines``: pose-grid search on the line evidence; ``keypoints``: a pose model's keypoints and RANSAC;
    ``manual``: a fixed homography from the config. Between (re-)initialisations the homography is carried by
    background motion and refined on the painted lines (every ``refine_every`` frames).
    """

    def __init__(self, cfg: CalibrationConfig, keypoint_model=None, manual_H: np.ndarray | None = None,
                 manual_rms: float = float("nan")) -> None:
        self.cfg = cfg
        self.pitch = PitchModel(cfg.pitch_length, cfg.pitch_width)
        self.model_xy = model_points(self.pitch)
        self.keypoints = keypoint_model
        self.manual_H = manual_H
        self.manual_rms = manual_rms
        self.motion = MotionEstimator()
        self.cuts = CutDetector(cfg.cut_threshold)
        self.filter = CameraFilter(cfg.smoothing, cfg.gate_px, cfg.max_rejects)
        self.reset()

    def reset(self) -> None:
        """Forget the camera (new video)."""
        self.H: np.ndarray | None = None  # working-resolution homography of the last frame
        self.usable = False
        self.since_refine = 0
        self.since_init = 0
        self.wait_init = 0
        self.last: RefineResult | None = None
        self.motion.reset()
        self.cuts.reset()
        self.filter.reset()

    def _lose(self) -> None:
        self.wait_init = 0
        self.H = None
        self.usable = False
        self.last = None
        self.filter.reset()

    def update(self, image: np.ndarray, frame: int = 0, t: float = 0.0, boxes: np.ndarray | None = None,
               hint_H: np.ndarray | None = None) -> FrameCalibration:
        """Calibrate one BGR frame (frames must come in order); ``boxes`` are person boxes xyxy in its pixels.

        ``hint_H`` (pitch m -> px of ``image``), when given, replaces the search from nothing whenever the tracker
        has to (re-)initialise; it is refined on the lines like any other start.
        """
        cfg = self.cfg
        h0, w0 = image.shape[:2]
        ws = int(cfg.work_width)
        hs = max(16, int(round(h0 * ws / w0)))
        S = resize_matrix(ws / w0, hs / h0)
        small = cv2.resize(image, (ws, hs), interpolation=cv2.INTER_AREA) if (ws, hs) != (w0, h0) else image
        hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
        grass = grass_mask(hsv)
        field = field_mask(grass, close_px=max(5, (ws // 40) | 1))
        players = boxes_mask((hs, ws), boxes, ws / w0)
        cut = self.cuts.update(hsv)
        feats = shot_features(grass, field, None, boxes, h0)
        shot = classify_shot(feats, cfg.min_grass_share, cfg.closeup_person_height)
        method = cfg.method
        if shot != "main":
            self._lose()
            self.motion.reset()
            return FrameCalibration(frame, t, shot, None, method, cut=cut)
        if method == "manual":
            return FrameCalibration(frame, t, shot, self.manual_H, method, self.manual_rms,
                                    0 if self.manual_H is None else 4, self.manual_H is not None, cut)
        if cut:
            self._lose()
            self.motion.reset()
        gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        M, nmot = self.motion.update(gray, cv2.bitwise_not(players))
        H_pred = None
        if self.H is not None and M is not None:
            H_pred = M @ self.H
            H_pred /= H_pred[2, 2]
        self.since_refine += 1
        self.since_init += 1
        reinit = H_pred is None or (cfg.init_every > 0 and self.since_init >= cfg.init_every)
        if method == "keypoints" and self.since_init >= cfg.keypoint_every:
            reinit = True
        if reinit and H_pred is None and hint_H is None and self.wait_init > 0:
            self.wait_init -= 1
            return FrameCalibration(frame, t, shot, None, method, cut=cut)
        if not reinit and self.since_refine < cfg.refine_every:
            # motion only: keep the usable flag of the last refinement
            self.H = H_pred
            return self._result(frame, t, shot, method, S, self.last, cut, motion_only=True)
        ev = line_evidence(small, hsv, grass, players, field)
        self.since_refine = 0
        res: RefineResult | None = None
        if reinit:
            res = self._initialise(image, ev, S, hint_H)
            if res is None and H_pred is None and hint_H is None:
                self.wait_init = INIT_RETRY
            if res is None and H_pred is not None:
                reinit = False  # keep tracking when a scheduled re-initialisation fails
            elif res is not None:
                self.since_init = 0
                self.filter.reset()
                self.H, self.last = res.H, res
        if not reinit:
            res = refine(H_pred, ev, self.model_xy, taus=TRACK_TAUS, prior=1.0, pitch=self.pitch)
            H, accepted = self.filter.step(H_pred, res.H, ev.shape)
            if self.filter.lost:
                self._lose()
                return FrameCalibration(frame, t, shot, None, method, res.residual / (ws / w0), res.inliers, False, cut)
            if not accepted:
                res = None
            self.H = H
            if res is not None:
                self.last = res
        if self.H is None:
            return FrameCalibration(frame, t, shot, None, method, cut=cut)
        return self._result(frame, t, shot, method, S, res, cut)

    def _initialise(self, image: np.ndarray, ev, S: np.ndarray, hint_H: np.ndarray | None = None
                    ) -> RefineResult | None:
        cfg = self.cfg
        H0 = None if hint_H is None else S @ np.asarray(hint_H, dtype=float)
        if H0 is None and self.keypoints is not None:
            Hk, n, _ = self.keypoints(image)
            if Hk is not None:
                H0 = S @ Hk
        if H0 is not None:
            r = refine(H0 / H0[2, 2], ev, self.model_xy, taus=(20.0, 12.0, 8.0, 5.0, 3.0, 3.0), pitch=self.pitch)
        elif cfg.method == "lines" or self.keypoints is None:
            r = initialise(ev, self.pitch)
        else:
            return None
        if r is None or r.inliers < cfg.min_inliers or (hint_H is None and r.strength < MIN_STRENGTH):
            return None
        if r.residual * (image.shape[1] / ev.shape[1]) > cfg.max_residual:
            return None
        return r

    def _result(self, frame: int, t: float, shot: str, method: str, S: np.ndarray, r: RefineResult | None,
                cut: bool, motion_only: bool = False) -> FrameCalibration:
        H = np.linalg.inv(S) @ self.H
        H = H / H[2, 2]
        scale = 1.0 / S[0, 0]
        if r is None:
            return FrameCalibration(frame, t, shot, H, method, float("nan"), 0, self.usable and motion_only, cut)
        residual = r.residual * scale
        usable = (r.inliers >= self.cfg.min_inliers and residual <= self.cfg.max_residual
                  and r.inliers >= 0.25 * max(r.points, 1))
        if not motion_only:
            self.usable = usable
        return FrameCalibration(frame, t, shot, H, method + ("+flow" if motion_only else ""), residual, r.inliers,
                                self.usable, cut)
