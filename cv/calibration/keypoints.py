"""Pitch keypoints from an ultralytics pose model, then a RANSAC homography.

The model is any ultralytics pose checkpoint whose keypoints are pitch landmarks. ``keypoint_map`` gives, for
each keypoint index of the model, the name of a :class:`cv.pitch.PitchModel` keypoint (a list in index order or
a mapping index -> name; unmapped indices are ignored).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from cv.errors import SettingsError as ConfigError
from cv.errors import WeightsError as InputError
from cv.pitch import DEFAULT_PITCH, PitchModel


def parse_keypoint_map(kmap: dict | list | None, pitch: PitchModel = DEFAULT_PITCH) -> dict[int, tuple[float, float]]:
    """Model keypoint index -> pitch coordinates (m); unknown names raise a one-line ConfigError."""
    if kmap is None:
        raise ConfigError("calibration.keypoint_map: needed with keypoint weights (index -> pitch keypoint name)")
    items = enumerate(kmap) if isinstance(kmap, list) else kmap.items()
    out = {}
    for k, name in items:
        if name is None or name == "":
            continue
        if name not in pitch.keypoints:
            raise ConfigError(f"calibration.keypoint_map[{k}]: unknown pitch keypoint {name!r} (see cv.pitch)")
        out[int(k)] = pitch.keypoints[name]
    if len(out) < 4:
        raise ConfigError("calibration.keypoint_map: at least 4 keypoints must map to pitch keypoints")
    return out


def homography_from_keypoints(uv: np.ndarray, conf: np.ndarray, index_xy: dict[int, tuple[float, float]],
                              min_conf: float = 0.5, ransac_px: float = 6.0) -> tuple[np.ndarray | None, int, float]:
    """RANSAC homography from one image's keypoints (K, 2) and confidences (K,): (H, inliers, RMS px)."""
    idx = [i for i in index_xy if i < len(uv) and conf[i] >= min_conf and np.isfinite(uv[i]).all()]
    if len(idx) < 4:
        return None, 0, float("nan")
    src = np.array([index_xy[i] for i in idx], dtype=np.float64)
    dst = uv[idx].astype(np.float64)
    H, inl = cv2.findHomography(src, dst, cv2.RANSAC, ransac_px)
    if H is None or inl is None or inl.sum() < 4:
        return None, 0, float("nan")
    H = H / H[2, 2]
    m = inl.ravel() == 1
    p = np.hstack([src[m], np.ones((m.sum(), 1))]) @ H.T
    rms = float(np.sqrt(np.mean(np.sum((p[:, :2] / p[:, 2:3] - dst[m]) ** 2, axis=1))))
    return H, int(m.sum()), rms


class KeypointModel:
    """An ultralytics pose model that finds pitch keypoints."""

    def __init__(self, weights: str | None, keypoint_map: dict | list | None, conf: float = 0.5,
                 device: str | None = None, pitch: PitchModel = DEFAULT_PITCH) -> None:
        if not weights:
            raise ConfigError("calibration.keypoint_weights: method 'keypoints' needs a pose model file")
        if not Path(weights).is_file():
            raise InputError(f"{weights}: keypoint weights not found (calibration.keypoint_weights)")
        from ultralytics import YOLO

        self.index_xy = parse_keypoint_map(keypoint_map, pitch)
        self.model = YOLO(weights, task="pose")
        self.conf = conf
        self.device = device

    def __call__(self, image_bgr: np.ndarray) -> tuple[np.ndarray | None, int, float]:
        """Homography (pitch m -> px of ``image_bgr``), inliers and RMS from the best detection."""
        res = self.model.predict(image_bgr, verbose=False, device=self.device, conf=0.1)[0]
        if res.keypoints is None or len(res.keypoints) == 0:
            return None, 0, float("nan")
        boxes_conf = res.boxes.conf.cpu().numpy() if res.boxes is not None else np.ones(len(res.keypoints))
        best = int(np.argmax(boxes_conf))
        uv = res.keypoints.xy[best].cpu().numpy()
        kc = res.keypoints.conf
        c = kc[best].cpu().numpy() if kc is not None else np.ones(len(uv))
        return homography_from_keypoints(uv, c, self.index_xy, self.conf)
