"""A small renderer of broadcast-like frames with exact homographies, for calibration tests.

Grass with mowing stripes and noise, the pitch model's markings painted 12 cm wide, stands and boards
beyond the pitch, a few player-sized blobs. The image is a perspective warp of a top-down texture.
"""

from __future__ import annotations

import cv2
import numpy as np

from cv.camera import Camera
from cv.pitch import DEFAULT_PITCH, LINE_WIDTH

PPM = 16.0  # texture pixels per metre
MARGIN = 30.0  # metres drawn around the pitch: 10 m of run-off, then stands (flattened onto the ground plane)
RUNOFF = 10.0


def _texture(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Top-down texture of the pitch and run-off, and the homography pitch metres -> texture pixels."""
    L, W = DEFAULT_PITCH.half_length + MARGIN, DEFAULT_PITCH.half_width + MARGIN
    tw, th = int(2 * L * PPM), int(2 * W * PPM)
    T = np.array([[PPM, 0, L * PPM], [0, -PPM, W * PPM], [0, 0, 1.0]])  # +y up in the pitch -> rows up
    rng = np.random.default_rng(seed)
    img = np.zeros((th, tw, 3), np.uint8)
    xs = (np.arange(tw) / PPM - L)
    stripe = ((np.floor((xs + 52.5) / 5.25)).astype(int) % 2)[None, :]
    base = np.array([40, 120, 50], np.float32)
    tex = base[None, None, :] * (1 + 0.08 * stripe[..., None])
    tex = np.broadcast_to(tex, (th, tw, 3)).astype(np.float32).copy()
    tex += rng.normal(0, 5, (th // 4 + 1, tw // 4 + 1, 1)).repeat(4, 0).repeat(4, 1)[:th, :tw]
    img = np.clip(tex, 0, 255).astype(np.uint8)
    # stands beyond the run-off: coarse crowd noise, fixed per seed so that it moves with the camera
    crowd = rng.integers(20, 200, (th // 6 + 1, tw // 6 + 1, 3), dtype=np.uint8).repeat(6, 0).repeat(6, 1)[:th, :tw]
    ys, xs_ = np.mgrid[0:th, 0:tw]
    px, py = xs_ / PPM - L, W - ys / PPM
    out_ = (np.abs(px) > DEFAULT_PITCH.half_length + RUNOFF) | (np.abs(py) > DEFAULT_PITCH.half_width + RUNOFF)
    img[out_] = crowd[out_]
    lw = max(1, int(round(LINE_WIDTH * PPM)))
    for m in DEFAULT_PITCH.markings:
        pts = (np.hstack([m.points, np.ones((len(m.points), 1))]) @ T.T)[:, :2]
        cv2.polylines(img, [np.round(pts * 4).astype(np.int32)], m.closed, (235, 238, 235), lw, cv2.LINE_AA, shift=2)
    for side in (-1, 1):
        c = T @ np.array([side * 41.5, 0, 1])
        cv2.circle(img, (int(c[0]), int(c[1])), max(2, lw), (235, 238, 235), -1, cv2.LINE_AA)
    c = T @ np.array([0, 0, 1])
    cv2.circle(img, (int(c[0]), int(c[1])), max(2, lw), (235, 238, 235), -1, cv2.LINE_AA)
    return img, T


_TEX: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def render(cam: Camera, seed: int = 0, players: int = 12, rng: np.random.Generator | None = None) -> tuple[
    np.ndarray, np.ndarray, np.ndarray
]:
    """Render a frame seen by ``cam``; returns (BGR image, H pitch->pixels, player boxes xyxy)."""
    if seed not in _TEX:
        _TEX[seed] = _texture(seed)
    tex, T = _TEX[seed]
    H = cam.homography
    Himg = H @ np.linalg.inv(T)
    w, h = cam.width, cam.height
    rng = rng or np.random.default_rng(seed + 1)
    # background beyond the drawn ground: a plain dark roof
    bg = np.full((h, w, 3), (60, 50, 70), np.uint8)
    # supersample twice to keep thin far lines continuous
    H2 = np.array([[2.0, 0, 0.5], [0, 2.0, 0.5], [0, 0, 1]]) @ Himg
    out = cv2.warpPerspective(tex, H2, (2 * w, 2 * h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    out = cv2.resize(out, (w, h), interpolation=cv2.INTER_AREA)
    valid = cv2.warpPerspective(np.full(tex.shape[:2], 255, np.uint8), Himg, (w, h), flags=cv2.INTER_NEAREST)
    out[valid == 0] = bg[valid == 0]
    # boards along the far touchline (+2..+3 m beyond, 1 m high): a band between two projected lines
    L = DEFAULT_PITCH.half_length + 10
    W = DEFAULT_PITCH.half_width + 3
    xs = np.linspace(-L, L, 60)
    bot, _ = cam.project(np.stack([xs, np.full_like(xs, W), np.zeros_like(xs)], 1))
    top, _ = cam.project(np.stack([xs, np.full_like(xs, W), np.ones_like(xs)], 1))
    for i in range(len(xs) - 1):
        poly = np.array([bot[i], bot[i + 1], top[i + 1], top[i]])
        if np.isfinite(poly).all() and np.abs(poly).max() < 1e5:
            col = (30, 30, 200) if i % 2 else (200, 120, 20)
            cv2.fillConvexPoly(out, np.round(poly).astype(np.int32), col)
    # players: blobs 1.8 m tall on random positions in view
    boxes = []
    inv = np.linalg.inv(H)
    for _ in range(players * 4):
        if len(boxes) >= players:
            break
        u, v = rng.uniform(0.05 * w, 0.95 * w), rng.uniform(0.2 * h, 0.98 * h)
        g = inv @ np.array([u, v, 1.0])
        if g[2] <= 0:
            continue
        x, y = g[:2] / g[2]
        if not DEFAULT_PITCH.contains(np.array([[x, y]]))[0]:
            continue
        foot, _ = cam.project(np.array([[x, y, 0.0]]))
        head, _ = cam.project(np.array([[x, y, 1.8]]))
        ph = float(foot[0, 1] - head[0, 1])
        if ph < 4:
            continue
        pw = 0.35 * ph
        x1, y1, x2, y2 = foot[0, 0] - pw / 2, head[0, 1], foot[0, 0] + pw / 2, foot[0, 1]
        kit = (245, 245, 245) if rng.random() < 0.5 else (40, 40, 200)
        cv2.ellipse(out, (int(foot[0, 0]), int((y1 + y2) / 2)), (max(1, int(pw / 2)), max(1, int(ph / 2))), 0, 0, 360,
                    kit, -1, cv2.LINE_AA)
        boxes.append([x1, y1, x2, y2])
    out = cv2.GaussianBlur(out, (3, 3), 0.6)
    return out, H, np.array(boxes, dtype=float).reshape(-1, 4)


def crowd_frame(w: int = 1280, h: int = 720, seed: int = 0) -> np.ndarray:
    """A frame of only crowd (no grass)."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 255, (h // 6 + 1, w // 6 + 1, 3), dtype=np.uint8).repeat(6, 0).repeat(6, 1)[:h, :w]
    return cv2.GaussianBlur(img, (5, 5), 1.5)


def graphics_frame(w: int = 1280, h: int = 720) -> np.ndarray:
    """A full-screen graphic: a flat blue panel with white text and bars."""
    img = np.full((h, w, 3), (120, 40, 20), np.uint8)
    cv2.rectangle(img, (w // 8, h // 4), (7 * w // 8, 3 * h // 4), (200, 200, 200), 4)
    for i in range(5):
        cv2.putText(img, f"PLAYER {i}  0{i}:00", (w // 6, h // 3 + i * 60), cv2.FONT_HERSHEY_SIMPLEX, 1.5,
                    (255, 255, 255), 3)
    return img


def error_m(H_true: np.ndarray, H_est: np.ndarray, w: int, h: int, step: float = 2.0) -> np.ndarray:
    """Distances (m) between truth and estimate over a grid of pitch points visible in the image."""
    from cv.camera import apply_homography

    xs, ys = np.meshgrid(np.arange(-52.5, 52.6, step), np.arange(-34, 34.1, step))
    g = np.stack([xs.ravel(), ys.ravel()], 1)
    uv = apply_homography(H_true, g)
    ok = np.isfinite(uv).all(1) & (uv[:, 0] >= 0) & (uv[:, 0] < w) & (uv[:, 1] >= 0) & (uv[:, 1] < h)
    back = apply_homography(np.linalg.inv(H_est), uv[ok])
    return np.linalg.norm(back - g[ok], axis=1)
