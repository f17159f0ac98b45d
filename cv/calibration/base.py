"""The calibrator interface, its configuration and the per-frame result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

METHODS = ("lines", "keypoints", "manual")


@dataclass
class CalibrationConfig:
    """Settings of every calibrator (the ``calibration:`` section of the config)."""

    method: str = "lines"
    work_width: int = 640
    flow_width: int = 320
    refine_every: int = 4
    min_inliers: int = 40
    max_residual: float = 4.0
    min_precision: float = 0.6
    min_recall: float = 0.5
    verify_fails: int = 2
    max_unverified: int = 25
    init_candidates: int = 10
    init_min_f1: float = 0.75
    # the known main camera found again after a cut-away (a pan / tilt / zoom search) must agree with the lines at
    # least this well (F1): below it, poses slid along the one long line in view (a penalty-box line, the arc and
    # the goal area 5.5 m off) passed the looser checks that hold a camera already found
    refind_min_f1: float = 0.7
    max_camera_gap: float = 40.0
    max_camera_shift: float = 10.0
    init_retry: int = 2
    max_retry_wait: int = 12
    fit_every: int = 0  # frames between full camera fits after rejected searches (doubling); 0: never (default:
    # on a cut-away clip it let wrong cameras through the acceptance checks)
    person_min_conf: float = 0.3  # boxes below this detector confidence are not masked as people
    shot_min_conf: float = 0.2  # boxes below this detector confidence are no evidence of a close-up
    lookback: int = 50
    gate_px: float = 25.0
    max_rejects: int = 5
    smoothing: float = 0.0
    cut_threshold: float = 0.5
    min_grass_share: float = 0.35
    closeup_person_height: float = 0.3
    init_every: int = 0
    keypoint_weights: str | None = None
    keypoint_map: dict[int, str] | list[str] | None = None
    keypoint_conf: float = 0.5
    keypoint_every: int = 10
    keypoint_device: str | None = None
    manual_points: list[list[float]] | None = None
    pitch_length: float = 105.0
    pitch_width: float = 68.0

    @classmethod
    def from_dict(cls, d: dict | None) -> CalibrationConfig:
        """Build from a config mapping; unknown keys are a ConfigError."""
        from cv.errors import SettingsError as ConfigError

        d = dict(d or {})
        names = set(cls.__dataclass_fields__)
        bad = sorted(set(d) - names)
        if bad:
            raise ConfigError(f"calibration.{bad[0]}: unknown key (known: {', '.join(sorted(names))})")
        cfg = cls(**d)
        if cfg.method not in METHODS:
            raise ConfigError(f"calibration.method: {cfg.method!r} is not one of {', '.join(METHODS)}")
        return cfg


@dataclass
class FrameCalibration:
    """The calibration of one frame.

    ``H`` maps pitch metres (x, y, 1) to pixels (u, v, 1) of the original frame, or is None
    when the frame is not from the main camera or cannot be calibrated.
    """

    frame: int
    t: float
    shot: str
    H: np.ndarray | None
    method: str
    residual: float = float("nan")
    inliers: int = 0
    usable: bool = False
    cut: bool = False

    def row(self) -> dict:
        """A row of the ``frames`` table (without ``match_id``)."""
        return {
            "frame": self.frame,
            "t": self.t,
            "shot": self.shot,
            "homography": None if self.H is None else [float(v) for v in np.asarray(self.H).ravel()],
            "calib_method": self.method,
            "calib_residual": None if not np.isfinite(self.residual) else float(self.residual),
            "calib_inliers": int(self.inliers),
            "usable": bool(self.usable),
        }


class Calibrator(Protocol):
    """Anything that calibrates frames in order."""

    def update(
        self, image: np.ndarray, frame: int = 0, t: float = 0.0, boxes: np.ndarray | None = None,
        confidences: np.ndarray | None = None,
    ) -> FrameCalibration: ...

    def reset(self) -> None: ...
