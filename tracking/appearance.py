"""Shirt appearance: HSV colour histograms of torso crops with grass pixels masked out.

Histograms are L1-normalised and returned as their square roots, so the Bhattacharyya coefficient of two
histograms is a dot product and a whole cost matrix is one matrix product.
"""

from __future__ import annotations

import cv2
import numpy as np

from tracking.config import TeamConfig


def torso_boxes(xyxy: np.ndarray, cfg: TeamConfig) -> np.ndarray:
    """Torso sub-boxes (N, 4) of person boxes (N, 4)."""
    xyxy = np.asarray(xyxy, dtype=float).reshape(-1, 4)
    w = xyxy[:, 2] - xyxy[:, 0]
    h = xyxy[:, 3] - xyxy[:, 1]
    return np.stack([xyxy[:, 0] + cfg.torso_side * w, xyxy[:, 1] + cfg.torso_top * h,
                     xyxy[:, 2] - cfg.torso_side * w, xyxy[:, 1] + cfg.torso_bottom * h], axis=1)


def hist_dim(cfg: TeamConfig) -> int:
    """Length of one appearance vector."""
    return cfg.hue_bins * cfg.sat_bins + cfg.val_bins


def shirt_features(image: np.ndarray, xyxy: np.ndarray, cfg: TeamConfig) -> tuple[np.ndarray, np.ndarray]:
    """Appearance vectors (N, D) (sqrt of normalised histograms) and mean shirt colours (N, 3) in Lab.

    The histogram is hue x saturation over chromatic pixels plus a value histogram of achromatic pixels
    (white, black and grey kits). Rows whose crop is empty or all grass are NaN.
    """
    n = len(xyxy)
    d = hist_dim(cfg)
    feats = np.full((n, d), np.nan, dtype=np.float32)
    labs = np.full((n, 3), np.nan, dtype=np.float32)
    if n == 0 or image is None:
        return feats, labs
    H, W = image.shape[:2]
    boxes = torso_boxes(xyxy, cfg)
    x1 = np.clip(boxes[:, 0], 0, W)
    x2 = np.clip(boxes[:, 2], 0, W)
    y1 = np.clip(boxes[:, 1], 0, H)
    y2 = np.clip(boxes[:, 3], 0, H)
    idx = np.flatnonzero((x2 - x1 >= 1) & (y2 - y1 >= 1))
    if not len(idx):
        return feats, labs
    m = len(idx)
    # each torso resampled to crop_h x crop_w cells, each cell the mean of k x k pixels (an area resize), gathered
    # from all boxes at once (no per-box resize)
    k = max(1, cfg.crop_supersample)
    gx = (np.arange(cfg.crop_w * k) + 0.5) / (cfg.crop_w * k)
    gy = (np.arange(cfg.crop_h * k) + 0.5) / (cfg.crop_h * k)
    xs = np.minimum((x1[idx, None] + gx * (x2 - x1)[idx, None]).astype(np.intp), W - 1)
    ys = np.minimum((y1[idx, None] + gy * (y2 - y1)[idx, None]).astype(np.intp), H - 1)
    lin = ys[:, :, None] * W + xs[:, None, :]  # (M, crop_h k, crop_w k) flat pixel indices
    if image.flags.c_contiguous:  # np.take on rows is several times faster than 2-D fancy indexing
        px = np.take(image.reshape(-1, 3), lin, axis=0)
    else:
        px = image[ys[:, :, None], xs[:, None, :]]
    if k > 1:  # all crops stacked in one column: an integer-factor area resize averages exact k x k blocks
        px = cv2.resize(px.reshape(m * cfg.crop_h * k, cfg.crop_w * k, 3), (cfg.crop_w, m * cfg.crop_h),
                        interpolation=cv2.INTER_AREA)
    flat = px.reshape(m, -1, 3)  # (M, P, 3) BGR
    hsv = cv2.cvtColor(flat, cv2.COLOR_BGR2HSV).astype(np.int32)  # (M, P, 3)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    grass = (hue >= cfg.grass_hue[0]) & (hue <= cfg.grass_hue[1]) & (sat >= cfg.grass_min_sat)
    keep = ~grass
    chroma = keep & (sat >= 40) & (val >= 40)
    hb = np.minimum(hue * cfg.hue_bins // 180, cfg.hue_bins - 1)
    sb = np.minimum(sat * cfg.sat_bins // 256, cfg.sat_bins - 1)
    vb = np.minimum(val * cfg.val_bins // 256, cfg.val_bins - 1)
    bins = np.where(chroma, hb * cfg.sat_bins + sb, cfg.hue_bins * cfg.sat_bins + vb)
    bins = np.where(keep, bins, d)  # grass goes to a dropped overflow bin
    offs = (np.arange(m) * (d + 1))[:, None]
    counts = np.bincount((bins + offs).ravel(), minlength=m * (d + 1)).reshape(m, d + 1)[:, :d].astype(np.float32)
    tot = counts.sum(axis=1)
    ok = tot > 0
    counts[ok] /= tot[ok, None]
    f = np.sqrt(counts)
    f[~ok] = np.nan
    # the mean colour also keeps grass-hued pixels far brighter or more saturated than this frame's grass (a lime kit)
    ref = cv2.cvtColor(np.ascontiguousarray(image[::16, ::16]), cv2.COLOR_BGR2HSV).reshape(-1, 3).astype(np.int32)
    rg = (ref[:, 0] >= cfg.grass_hue[0]) & (ref[:, 0] <= cfg.grass_hue[1]) & (ref[:, 1] >= cfg.grass_min_sat)
    if rg.sum() >= 50:
        keep = keep | (sat > np.median(ref[rg, 1]) + 60) | (val > np.median(ref[rg, 2]) + 60)
    kf = keep.astype(np.float32)
    nk = np.maximum(kf.sum(axis=1), 1.0)
    bgr_mean = np.matmul(kf[:, None, :], flat.astype(np.float32))[:, 0] / nk[:, None]  # mean of non-grass pixels
    lab_mean = cv2.cvtColor(np.clip(bgr_mean, 0, 255).astype(np.uint8)[:, None, :], cv2.COLOR_BGR2LAB)[:, 0]
    lab_mean = lab_mean.astype(np.float32)
    lab_mean[~ok] = np.nan
    feats[idx] = f
    labs[idx] = lab_mean
    return feats, labs


def appearance_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bhattacharyya distances (Na, Nb) in [0, 1] between sqrt-histograms; NaN rows give 0.5 (unknown)."""
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    if a.size == 0 or b.size == 0:
        return np.zeros((len(a), len(b)), dtype=np.float32)
    na, nb = np.isnan(a), np.isnan(b)
    bc = np.where(na, 0.0, a) @ np.where(nb, 0.0, b).T
    dist = np.sqrt(np.clip(1.0 - bc, 0.0, 1.0))
    unknown = na.any(axis=1)[:, None] | nb.any(axis=1)[None, :]
    dist[unknown] = 0.5
    return dist


# skin: orange-red hues (OpenCV 0-180), moderately saturated, not too dark; covers light to dark skin tones. Pure
# reds (hue below 4) are left out: a red shirt's shaded folds and edges fall there, never skin
SKIN_HUE = (4, 25)
SKIN_SAT = (25, 200)
SKIN_VAL_MIN = 35


def skin_tone(image: np.ndarray, xyxy: np.ndarray, cfg: TeamConfig, grid: tuple[int, int] = (10, 30),
              min_pixels: int = 6) -> np.ndarray:
    """Median saturation and value (N, 2) of the skin pixels (face, arms, legs) of person boxes (N, 4).

    Teammates share the kit but not the skin tone, so this tells apart players that shirt colours cannot. The box
    (its middle 80 % across) is sampled on a ``grid`` (columns, rows) of points; rows with fewer than
    ``min_pixels`` skin samples are NaN.
    """
    xyxy = np.asarray(xyxy, dtype=float).reshape(-1, 4)
    out = np.full((len(xyxy), 2), np.nan, dtype=np.float32)
    fin = np.isfinite(xyxy).all(axis=1)
    if not fin.any() or image is None:
        return out
    if not fin.all():
        out[fin] = skin_tone(image, xyxy[fin], cfg, grid, min_pixels)
        return out
    H, W = image.shape[:2]
    gw, gh = grid
    w = xyxy[:, 2] - xyxy[:, 0]
    gx = 0.1 + 0.8 * (np.arange(gw) + 0.5) / gw
    gy = (np.arange(gh) + 0.5) / gh
    xs = np.clip((xyxy[:, 0, None] + gx * w[:, None]).astype(np.intp), 0, W - 1)
    ys = np.clip((xyxy[:, 1, None] + gy * (xyxy[:, 3] - xyxy[:, 1])[:, None]).astype(np.intp), 0, H - 1)
    px = image[ys[:, :, None], xs[:, None, :]].reshape(len(xyxy), -1, 3)  # (N, gh*gw, 3) BGR
    hsv = cv2.cvtColor(np.ascontiguousarray(px), cv2.COLOR_BGR2HSV).astype(np.float32)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    grass = (hue >= cfg.grass_hue[0]) & (hue <= cfg.grass_hue[1]) & (sat >= cfg.grass_min_sat)
    skin = ((hue >= SKIN_HUE[0]) & (hue <= SKIN_HUE[1]) & (sat >= SKIN_SAT[0]) & (sat <= SKIN_SAT[1])
            & (val >= SKIN_VAL_MIN) & ~grass)
    cnt = skin.sum(axis=1)
    ok = cnt >= min_pixels
    if ok.any():
        # median of the skin samples of each box: non-skin samples sort last, the middle skin sample is taken
        sv = np.sort(np.where(skin[ok][..., None], hsv[ok][..., 1:], np.inf), axis=1)  # (M, P, 2)
        k = cnt[ok]
        rows = np.arange(len(k))
        out[ok] = 0.5 * (sv[rows, (k - 1) // 2] + sv[rows, k // 2])
    return out
