"""Smoothed positions and velocities from tracks with gaps, in one vectorised pass."""

from __future__ import annotations

import numpy as np


def segments(key: np.ndarray, t: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Segment id per row for rows sorted by (key, t): a new segment at each new key or time hole > max_gap_s."""
    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.ones(n, dtype=bool)
    new[1:] = (key[1:] != key[:-1]) | ((t[1:] - t[:-1]) > max_gap_s)
    return np.cumsum(new) - 1


def local_linear_fit(
    seg: np.ndarray, t: np.ndarray, values: np.ndarray, half_window_s: float, max_rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares line through the samples of the same segment within +-half_window_s of each row.

    ``values`` is (n, d) sorted by (segment, t). Returns the fitted value at each row's own time
    (smoothed position) and the slope (velocity, units per second). A row with no neighbour in its
    segment keeps its value and gets velocity 0. Loops over the window's row offsets only
    (``2 * max_rows + 1`` numpy passes), never over rows.
    """
    n, d = values.shape
    w_n = np.zeros(n)
    s_t = np.zeros(n)
    s_tt = np.zeros(n)
    s_x = np.zeros((n, d))
    s_tx = np.zeros((n, d))
    eps = 1e-9
    for j in range(-max_rows, max_rows + 1):
        if j == 0:
            idx = np.arange(n)
            ok = np.ones(n, dtype=bool)
        else:
            idx = np.arange(n) + j
            ok = (idx >= 0) & (idx < n)
            idx = np.clip(idx, 0, n - 1)
            ok &= seg[idx] == seg
            ok &= np.abs(t[idx] - t) <= half_window_s + eps
        dt = np.where(ok, t[idx] - t, 0.0)
        xv = np.where(ok[:, None], values[idx], 0.0)
        w = ok.astype(float)
        w_n += w
        s_t += dt
        s_tt += dt * dt
        s_x += xv
        s_tx += dt[:, None] * xv
    den = w_n * s_tt - s_t * s_t
    good = den > 1e-12
    slope = np.zeros((n, d))
    slope[good] = (w_n[good, None] * s_tx[good] - s_t[good, None] * s_x[good]) / den[good, None]
    fitted = (s_x - slope * s_t[:, None]) / np.maximum(w_n, 1.0)[:, None]
    return fitted, slope


def smooth_tracks(
    key: np.ndarray,
    t: np.ndarray,
    xy: np.ndarray,
    fps: float,
    half_window_s: float,
    max_gap_s: float,
    max_speed: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed positions and velocities for long-format tracks (any row order).

    ``key`` identifies a track, ``t`` is seconds, ``xy`` is (n, d) metres. Returns (positions, velocities)
    in the input row order. Velocities faster than ``max_speed`` are scaled down to it.
    """
    n = len(key)
    xy = np.asarray(xy, dtype=float)
    if n == 0:
        xy = xy.reshape(0, xy.shape[-1] if xy.ndim == 2 else 2)
        return xy.copy(), np.zeros_like(xy)
    xy = xy.reshape(n, -1)
    order = np.lexsort((t, key))
    k, ts, v = key[order], t[order], xy[order]
    seg = segments(k, ts, max_gap_s)
    max_rows = max(1, int(np.ceil(half_window_s * fps + 1e-6)))
    fitted, slope = local_linear_fit(seg, ts, v, half_window_s, max_rows)
    if max_speed is not None:
        speed = np.linalg.norm(slope, axis=1)
        scale = np.where(speed > max_speed, max_speed / np.maximum(speed, 1e-12), 1.0)
        slope *= scale[:, None]
    pos = np.empty_like(fitted)
    vel = np.empty_like(slope)
    pos[order] = fitted
    vel[order] = slope
    return pos, vel
