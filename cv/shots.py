"""Shot types per frame (main wide camera / close-up / other) and cut detection, from cheap evidence."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class ShotFeatures:
    """Cheap per-frame evidence for the shot type."""

    grass_share: float  # share of grass-coloured pixels in the frame
    field_share: float  # share of the frame inside the grass area
    person_height: float  # median detected person height / frame height (0 when unknown)
    blob_share: float  # largest non-grass blob inside the grass area / frame area
    line_share: float  # share of painted-line pixels


def shot_features(grass: np.ndarray, field: np.ndarray, lines: np.ndarray | None, boxes: np.ndarray | None,
                  frame_height: int) -> ShotFeatures:
    """Compute :class:`ShotFeatures` from working-resolution masks and detection boxes (original pixels)."""
    n = grass.size
    person = 0.0
    if boxes is not None and len(boxes):
        b = np.asarray(boxes, dtype=float)
        person = float(np.median(b[:, 3] - b[:, 1])) / frame_height
    holes = cv2.bitwise_and(field, cv2.bitwise_not(grass))
    holes = cv2.morphologyEx(holes, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    blob = 0.0
    k, _, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=8)
    if k > 1:
        blob = float(stats[1:, cv2.CC_STAT_AREA].max()) / n
    return ShotFeatures(
        grass_share=cv2.countNonZero(grass) / n,
        field_share=cv2.countNonZero(field) / n,
        person_height=person,
        blob_share=blob,
        line_share=0.0 if lines is None else cv2.countNonZero(lines) / n,
    )


def classify_shot(f: ShotFeatures, min_grass_share: float = 0.35, closeup_person_height: float = 0.3,
                  closeup_blob_share: float = 0.04) -> str:
    """``main`` / ``closeup`` / ``other`` from :class:`ShotFeatures`."""
    if f.grass_share < min_grass_share * 0.5 or f.field_share < min_grass_share:
        return "other"
    if f.person_height > closeup_person_height or f.blob_share > closeup_blob_share:
        return "closeup"
    if f.grass_share < min_grass_share:
        return "other"
    return "main"


class CutDetector:
    """Hard cuts from the change of a coarse colour histogram between consecutive frames."""

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self.prev: np.ndarray | None = None
        self.last_distance = 0.0

    def reset(self) -> None:
        self.prev = None

    def update(self, hsv: np.ndarray) -> bool:
        """True when ``hsv`` (an HSV frame, any size) starts a new shot."""
        small = hsv[::4, ::4]
        hist = cv2.calcHist([small], [0, 1, 2], None, [18, 4, 4], [0, 180, 0, 256, 0, 256])
        cv2.normalize(hist, hist, 1.0, 0.0, cv2.NORM_L1)
        cut = False
        if self.prev is not None:
            self.last_distance = float(cv2.compareHist(self.prev, hist, cv2.HISTCMP_BHATTACHARYYA))
            cut = self.last_distance > self.threshold
        self.prev = hist
        return cut
