"""Camera motion between consecutive frames: sparse optical flow on the background, players masked.

A broadcast camera pans, tilts and zooms about a fixed point, so the whole background (grass, boards, stands)
moves by one image homography per frame. Tracked corners give it by RANSAC; it carries the pitch homography
from frame to frame between full re-estimations.
"""

from __future__ import annotations

import cv2
import numpy as np


class MotionEstimator:
    """Frame-to-frame image homographies (working pixels) from Lucas-Kanade flow of background corners."""

    def __init__(self, max_points: int = 250, min_inliers: int = 25, ransac_px: float = 1.0) -> None:
        self.max_points = max_points
        self.min_inliers = min_inliers
        self.ransac_px = ransac_px
        self.reset()

    def reset(self) -> None:
        """Forget the previous frame (after a cut); the mask of static graphics is kept."""
        self.prev: np.ndarray | None = None
        self.pts: np.ndarray | None = None
        if not hasattr(self, "static"):
            self.static: np.ndarray | None = None

    def update(self, gray: np.ndarray, mask: np.ndarray | None = None) -> tuple[np.ndarray | None, int]:
        """Motion from the previous frame to ``gray`` as a 3x3 homography (None when unknown) and its inlier count.

        ``mask`` (uint8, nonzero = usable) excludes players and static graphics from the corners.
        """
        M, n = None, 0
        if self.prev is not None and self.pts is not None and len(self.pts) >= 8:
            nxt, st, _ = cv2.calcOpticalFlowPyrLK(self.prev, gray, self.pts, None, winSize=(13, 13), maxLevel=3,
                                                  criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 10, 0.03))
            ok = st.ravel() == 1
            if ok.sum() >= 8:
                a, b = self.pts[ok].reshape(-1, 2), nxt[ok].reshape(-1, 2)
                H, inl = cv2.findHomography(a, b, cv2.RANSAC, self.ransac_px, maxIters=500, confidence=0.995)
                d = np.linalg.norm(b - a, axis=1)
                if np.median(d) > 0.4:
                    # corners that stay put while the background moves: static graphics (score, logo); never
                    # track there again
                    if self.static is None:
                        self.static = np.zeros(gray.shape, np.uint8)
                    for x, y in a[d < 0.04].astype(int):
                        cv2.circle(self.static, (int(x), int(y)), 8, 255, -1)
                if H is not None and inl is not None:
                    n = int(inl.sum())
                    if n >= self.min_inliers:
                        M = H / H[2, 2]
                        keep = b[inl.ravel() == 1]
                        if mask is not None and len(keep):
                            ki = np.clip(keep.astype(int), 0, [gray.shape[1] - 1, gray.shape[0] - 1])
                            keep = keep[mask[ki[:, 1], ki[:, 0]] > 0]
                        self.pts = keep.reshape(-1, 1, 2).astype(np.float32)
        if M is None:
            self.pts = None
        if self.pts is None or len(self.pts) < self.max_points // 2:
            self._top_up(gray, mask)
        self.prev = gray
        return M, n

    def _top_up(self, gray: np.ndarray, mask: np.ndarray | None) -> None:
        m = None if mask is None else mask.copy()
        if self.static is not None and self.static.shape == gray.shape:
            m = cv2.bitwise_not(self.static) if m is None else cv2.bitwise_and(m, cv2.bitwise_not(self.static))
        if m is not None and self.pts is not None:
            for x, y in self.pts.reshape(-1, 2).astype(int):
                cv2.circle(m, (int(x), int(y)), 7, 0, -1)
        need = self.max_points - (0 if self.pts is None else len(self.pts))
        new = cv2.goodFeaturesToTrack(gray, maxCorners=max(need, 1), qualityLevel=0.002, minDistance=7, mask=m,
                                      blockSize=5)
        if new is None:
            return
        self.pts = new.astype(np.float32) if self.pts is None else np.vstack([self.pts, new.astype(np.float32)])
