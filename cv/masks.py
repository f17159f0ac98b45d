"""Helpers on binary masks shared by the pixel stages (calibration line evidence, shot features)."""

from __future__ import annotations

import cv2
import numpy as np


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """8-connected components of a binary mask: count, labels and stats (as ``cv2.connectedComponentsWithStats``;
    16-bit labels whenever they cannot overflow, which halves the cost)."""
    h, w = mask.shape[:2]
    ltype = cv2.CV_16U if ((h + 1) // 2) * ((w + 1) // 2) < 65535 else cv2.CV_32S  # one component per 2x2 at most
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8, ltype=ltype)
    return n, lab, stats
