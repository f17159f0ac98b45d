"""Temporal filtering of the camera: jump gating and a complementary blend of measurement and motion prediction."""

from __future__ import annotations

import cv2
import numpy as np


def corner_shift(Ha: np.ndarray, Hb: np.ndarray, shape: tuple[int, int]) -> float:
    """Largest displacement (px) of the image corners between two pitch homographies (via the pitch plane)."""
    h, w = shape
    c = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]], dtype=np.float64)
    M = Hb @ np.linalg.inv(Ha)
    p = np.hstack([c, np.ones((4, 1))]) @ M.T
    if np.any(p[:, 2] <= 1e-9):
        return float("inf")
    return float(np.max(np.linalg.norm(p[:, :2] / p[:, 2:3] - c, axis=1)))


class CameraFilter:
    """Accepts or rejects each measured homography against the motion prediction and blends the two.

    ``smoothing`` in [0, 1): share of the prediction kept (0 = trust the measurement). A measurement that moves an
    image corner by more than ``gate_px`` from the prediction is rejected; after ``max_rejects`` rejections in a row
    the tracker is considered lost.
    """

    def __init__(self, smoothing: float = 0.0, gate_px: float = 25.0, max_rejects: int = 5) -> None:
        self.smoothing = float(smoothing)
        self.gate_px = float(gate_px)
        self.max_rejects = int(max_rejects)
        self.rejects = 0

    def reset(self) -> None:
        self.rejects = 0

    @property
    def lost(self) -> bool:
        return self.rejects >= self.max_rejects

    def step(self, H_pred: np.ndarray, H_meas: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, bool]:
        """Filtered homography and whether the measurement was accepted (gated on interior image points: the
        corners may lie near the horizon, where any change of the camera moves them without bound)."""
        if interior_shift(H_pred, H_meas, shape) > self.gate_px:
            self.rejects += 1
            return H_pred, False
        self.rejects = 0
        if self.smoothing <= 0:
            return H_meas, True
        return blend(H_pred, H_meas, 1.0 - self.smoothing, shape), True


def interior_shift(Ha: np.ndarray, Hb: np.ndarray, shape: tuple[int, int]) -> float:
    """Largest displacement (px) of points of the lower middle of the image between two pitch homographies."""
    h, w = shape
    c = np.array([[0.2 * w, 0.45 * h], [0.8 * w, 0.45 * h], [0.2 * w, 0.9 * h], [0.8 * w, 0.9 * h],
                  [0.5 * w, 0.7 * h]], dtype=np.float64)
    M = Hb @ np.linalg.inv(Ha)
    p = np.hstack([c, np.ones((len(c), 1))]) @ M.T
    if np.any(p[:, 2] <= 1e-9):
        return float("inf")
    return float(np.max(np.linalg.norm(p[:, :2] / p[:, 2:3] - c, axis=1)))


def blend(Ha: np.ndarray, Hb: np.ndarray, alpha: float, shape: tuple[int, int]) -> np.ndarray:
    """The homography moving the image corners ``alpha`` of the way from ``Ha`` to ``Hb``."""
    h, w = shape
    c = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]], dtype=np.float64)
    M = Hb @ np.linalg.inv(Ha)
    p = np.hstack([c, np.ones((4, 1))]) @ M.T
    q = c + alpha * (p[:, :2] / p[:, 2:3] - c)
    C = cv2.getPerspectiveTransform(c.astype(np.float32), q.astype(np.float32))
    H = C @ Ha
    return H / H[2, 2]
