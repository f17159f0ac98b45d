"""Pitch calibration: a homography (pitch metres -> pixels) for every main-camera frame, with its quality.

    cal = build_calibrator(CalibrationConfig(method="lines"))
    res = cal.update(image_bgr, frame=i, t=seconds, boxes=person_boxes_xyxy_or_None)
"""

from __future__ import annotations

from cv.calibration.base import METHODS, CalibrationConfig, Calibrator, FrameCalibration
from cv.calibration.tracker import TrackingCalibrator

__all__ = ["METHODS", "CalibrationConfig", "Calibrator", "FrameCalibration", "TrackingCalibrator", "build_calibrator"]


def build_calibrator(cfg: CalibrationConfig | dict | None = None) -> TrackingCalibrator:
    """The calibrator ``cfg.method`` names; bad settings raise a one-line ConfigError."""
    from cv.errors import SettingsError as ConfigError

    if cfg is None or isinstance(cfg, dict):
        cfg = CalibrationConfig.from_dict(cfg)
    if cfg.method not in METHODS:
        raise ConfigError(f"calibration.method: {cfg.method!r} is not one of {', '.join(METHODS)}")
    if cfg.method == "manual":
        from cv.calibration.manual import manual_homography

        H, rms = manual_homography(cfg.manual_points)
        return TrackingCalibrator(cfg, manual_H=H, manual_rms=rms)
    model = None
    if cfg.method == "keypoints" or cfg.keypoint_weights:
        from cv.calibration.keypoints import KeypointModel

        model = KeypointModel(cfg.keypoint_weights, cfg.keypoint_map, cfg.keypoint_conf, cfg.keypoint_device)
    return TrackingCalibrator(cfg, keypoint_model=model)
