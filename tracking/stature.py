"""Standing heights of people from their boxes: a cue that tells apart teammates whom the kit cannot.

A person's height comes from his box's top row through the camera that the pitch homography implies. A zoomed
view pins that camera down poorly and scales every height in the frame alike, so each height is taken relative to
the median of the frame's whole figures; a track gathers its relative heights in a histogram, whose median is
robust to the odd box that holds an arm, a shadow or half of another player.
"""

from __future__ import annotations

import numpy as np

from tracking.projection import foot_points, image_to_pitch

#: bin edges of relative heights (a person's height over the median height of the frame's whole figures)
STATURE_EDGES = np.linspace(0.85, 1.15, 61)
#: absolute heights (m) outside this range are not people standing (a box cut by another, a bad camera)
PLAUSIBLE_M = (1.0, 2.8)


def statures(H: np.ndarray, xyxy: np.ndarray, P: np.ndarray, Hinv: np.ndarray | None = None) -> np.ndarray:
    """Standing heights (N,) in metres of people whose whole figure is in their boxes (N, 4).

    A person stands at his foot point's pitch position (through ``H``); his height is the one at which the
    camera ``P`` (3x4, pitch metres with z up to pixels) puts the top of his head on the box's top row. NaN where
    that row is not above the feet or the foot point is behind the camera.
    """
    xyxy = np.asarray(xyxy, dtype=float).reshape(-1, 4)
    out = np.full(len(xyxy), np.nan)
    if not len(xyxy):
        return out
    P = np.asarray(P, dtype=float)
    g = image_to_pitch(H, foot_points(xyxy), Hinv)
    X = np.c_[g, np.zeros(len(g)), np.ones(len(g))]
    v, w = X @ P[1], X @ P[2]  # image row of the foot point: v / w
    top = xyxy[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        h = (top * w - v) / (P[1, 2] - top * P[2, 2])
        ok = (w > 0) & (w + h * P[2, 2] > 0) & (top < v / w) & (h > 0)
    out[ok] = h[ok]
    return out


def whole_figures(xyxy: np.ndarray, image_height: int, min_px: float = 0.0) -> np.ndarray:
    """Boxes (N, 4) that hold a whole figure alone: at least ``min_px`` tall, clear of the picture's top and bottom
    edges and of every other box (N,) bool."""
    xyxy = np.asarray(xyxy, dtype=float).reshape(-1, 4)
    clear = (xyxy[:, 1] > 1.5) & (xyxy[:, 3] < image_height - 1.5) & (xyxy[:, 3] - xyxy[:, 1] >= min_px)
    if len(xyxy) > 1:
        ix = np.minimum(xyxy[:, None, 2], xyxy[None, :, 2]) - np.maximum(xyxy[:, None, 0], xyxy[None, :, 0])
        iy = np.minimum(xyxy[:, None, 3], xyxy[None, :, 3]) - np.maximum(xyxy[:, None, 1], xyxy[None, :, 1])
        touch = (ix > 0) & (iy > 0)
        np.fill_diagonal(touch, False)
        clear &= ~touch.any(axis=1)
    return clear


def relative_statures(H: np.ndarray, xyxy: np.ndarray, shape: tuple[int, ...], min_people: int,
                      min_px: float = 0.0, Hinv: np.ndarray | None = None) -> np.ndarray:
    """Heights (N,) of the whole figures (at least ``min_px`` tall) among boxes (N, 4) relative to their median in
    the frame; NaN for the other boxes, outside :data:`STATURE_EDGES`, or everywhere when fewer than ``min_people``
    whole figures (or no camera) are found (``shape``: the image's height and width). A box's top row is good to a
    pixel or two, so small figures give too coarse a height."""
    from cv.calibration.camera_fit import camera_from_homography

    xyxy = np.asarray(xyxy, dtype=float).reshape(-1, 4)
    out = np.full(len(xyxy), np.nan)
    if min_people <= 0:
        return out
    idx = np.flatnonzero(whole_figures(xyxy, int(shape[0]), min_px))
    if len(idx) < min_people:
        return out
    cam = camera_from_homography(H, int(shape[1]), int(shape[0]))
    if cam is None:
        return out
    h = statures(H, xyxy[idx], cam.P, Hinv)
    ok = (h >= PLAUSIBLE_M[0]) & (h <= PLAUSIBLE_M[1])
    if ok.sum() < min_people:
        return out
    r = h[ok] / np.median(h[ok])
    keep = (r >= STATURE_EDGES[0]) & (r < STATURE_EDGES[-1])
    out[idx[ok][keep]] = r[keep]
    return out


def stature_bins(values: np.ndarray) -> np.ndarray:
    """Bin index (N,) in :data:`STATURE_EDGES` of each relative height (finite values inside the edges only)."""
    return np.clip(np.searchsorted(STATURE_EDGES, values, side="right") - 1, 0, len(STATURE_EDGES) - 2)


def histogram_median(hist: np.ndarray | None) -> tuple[float, int]:
    """Median relative height of a histogram over :data:`STATURE_EDGES` (interpolated in its bin) and its sample
    count; (NaN, 0) when empty."""
    if hist is None:
        return float("nan"), 0
    hist = np.asarray(hist, dtype=float)
    n = float(hist.sum())
    if n <= 0:
        return float("nan"), 0
    c = np.cumsum(hist)
    k = int(np.searchsorted(c, n / 2))
    below = c[k] - hist[k]
    frac = (n / 2 - below) / hist[k] if hist[k] > 0 else 0.5
    lo, hi = STATURE_EDGES[k], STATURE_EDGES[k + 1]
    return float(lo + frac * (hi - lo)), int(n)
