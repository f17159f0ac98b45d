"""Detections with known truth, for tests and benchmarks: pitch positions -> boxes through a camera ->
noisy detections (jitter, misses, occlusion, false positives, class confusion), optional flat-colour frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import supervision as sv

from cv.camera import Camera

PERSON_HEIGHT = {"player": 1.8, "goalkeeper": 1.9, "referee": 1.8}
BALL_DIAMETER = 0.22


@dataclass
class DetectionNoise:
    """How a simulated detector errs."""

    box_std_frac: float = 0.03  # box edge jitter, fraction of box height
    miss_rate: float = 0.05  # visible, unoccluded objects missed
    occluded_miss_rate: float = 0.5  # objects more than half covered by a nearer one
    fp_rate: float = 0.3  # false person boxes per frame (Poisson mean)
    class_confusion: float = 0.03  # probability of a wrong person class
    ball_detect_rate: float = 0.75
    ball_fp_rate: float = 0.1
    ball_std_px: float = 1.0


@dataclass
class Frame:
    """One simulated frame: detections, mapping and truth."""

    frame: int
    t: float
    detections: sv.Detections
    H: np.ndarray | None
    image: np.ndarray | None
    truth_ids: np.ndarray  # ids of the objects visible in the image
    truth_xy: np.ndarray  # their pitch positions (N, 2)
    truth_boxes: np.ndarray
    ball_xyz: np.ndarray  # (3,) or NaN
    ball_visible: bool
    extra: dict = field(default_factory=dict)


def follow_camera(ball_xy: np.ndarray, fps: float, cam: Camera | None = None, lag_s: float = 0.8) -> list[Camera]:
    """A broadcast camera panning after the ball (exponentially smoothed target)."""
    cam = cam or Camera(position=(0.0, -74.0, 22.0), focal=1900.0)
    a = 1.0 - np.exp(-1.0 / (lag_s * fps))
    tgt = np.array(ball_xy[0], dtype=float)
    tgt = np.nan_to_num(tgt)
    out = []
    for p in ball_xy:
        if np.isfinite(p).all():
            tgt = tgt + a * (np.clip(p, [-45, -30], [45, 30]) - tgt)
        out.append(cam.look_at((float(tgt[0]), float(tgt[1]), 0.0)))
    return out


def person_boxes(cam: Camera, xy: np.ndarray, heights: np.ndarray) -> np.ndarray:
    """Image boxes (N, 4) of upright people at pitch points (N, 2)."""
    xy = np.asarray(xy, float).reshape(-1, 2)
    n = len(xy)
    if n == 0:
        return np.zeros((0, 4))
    foot, _ = cam.project(np.hstack([xy, np.zeros((n, 1))]))
    head, _ = cam.project(np.hstack([xy, heights[:, None]]))
    h = foot[:, 1] - head[:, 1]
    w = 0.38 * h
    cx = 0.5 * (foot[:, 0] + head[:, 0])
    return np.stack([cx - w / 2, head[:, 1], cx + w / 2, foot[:, 1]], axis=1)


def ball_box(cam: Camera, xyz: np.ndarray) -> np.ndarray:
    """Image box (4,) of the ball at world point ``xyz`` (centre of the ball)."""
    c, depth = cam.project(np.asarray(xyz, float)[None] + np.array([[0, 0, BALL_DIAMETER / 2]]))
    r = 0.5 * cam.focal * BALL_DIAMETER / max(float(depth[0]), 1e-3)
    r = max(r, 1.5)
    return np.array([c[0, 0] - r, c[0, 1] - r, c[0, 0] + r, c[0, 1] + r])


def _occlusion(boxes: np.ndarray) -> np.ndarray:
    """Share of each box covered by boxes whose feet are nearer the camera (lower in the image)."""
    n = len(boxes)
    occ = np.zeros(n)
    if n < 2:
        return occ
    x1 = np.maximum(boxes[:, None, 0], boxes[None, :, 0])
    y1 = np.maximum(boxes[:, None, 1], boxes[None, :, 1])
    x2 = np.minimum(boxes[:, None, 2], boxes[None, :, 2])
    y2 = np.minimum(boxes[:, None, 3], boxes[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    nearer = boxes[None, :, 3] > boxes[:, None, 3]
    cover = np.where(nearer, inter, 0.0).max(axis=1)
    occ = cover / np.maximum(area, 1e-9)
    return occ


def render(cam: Camera, boxes: np.ndarray, shirts: np.ndarray, shorts: np.ndarray, ball: np.ndarray | None,
           grass=(60, 140, 60), seed: int = 0) -> np.ndarray:
    """A flat-colour frame: striped grass, each person as shirt / shorts / legs rectangles (far to near)."""
    img = np.empty((cam.height, cam.width, 3), np.uint8)
    img[:] = grass
    img[::40] = (70, 155, 70)
    order = np.argsort(boxes[:, 3]) if len(boxes) else []
    for i in order:
        x1, y1, x2, y2 = boxes[i]
        h = y2 - y1
        pts = [(x1, y1, x2, y1 + 0.13 * h, (40, 60, 90)), (x1, y1 + 0.13 * h, x2, y1 + 0.55 * h, shirts[i]),
               (x1 + 0.1 * (x2 - x1), y1 + 0.55 * h, x2 - 0.1 * (x2 - x1), y1 + 0.7 * h, shorts[i]),
               (x1 + 0.2 * (x2 - x1), y1 + 0.7 * h, x2 - 0.2 * (x2 - x1), y2, (30, 30, 30))]
        for a, b, c, d, col in pts:
            cv2.rectangle(img, (int(a), int(b)), (int(c), int(d)), tuple(int(v) for v in col), -1)
    if ball is not None and np.isfinite(ball).all():
        c = ((ball[0] + ball[2]) / 2, (ball[1] + ball[3]) / 2)
        cv2.circle(img, (int(c[0]), int(c[1])), max(1, int((ball[2] - ball[0]) / 2)), (250, 250, 250), -1)
    return img


def simulate(xy: np.ndarray, roles: list[str], ball_xyz: np.ndarray, fps: float = 25.0, seed: int = 0,
             noise: DetectionNoise | None = None, cameras: list[Camera] | None = None,
             shirts: np.ndarray | None = None, shorts: np.ndarray | None = None, images: bool = False,
             no_homography: np.ndarray | None = None, ids: np.ndarray | None = None,
             heights: np.ndarray | None = None):
    """Yield :class:`Frame` per frame for people at ``xy`` (T, N, 2) (NaN: absent) and the ball ``ball_xyz`` (T, 3).

    ``no_homography`` (T,) bool marks frames given without a mapping (H = None); ``heights`` (N,) are the people's
    heights in metres (default: by role, give or take 7 %).
    """
    rng = np.random.default_rng(seed)
    noise = noise or DetectionNoise()
    T, N = xy.shape[:2]
    ids = np.arange(1, N + 1) if ids is None else np.asarray(ids)
    if cameras is None:
        cameras = follow_camera(ball_xyz[:, :2], fps)
    scatter = rng.uniform(0.93, 1.07, N)  # drawn either way: the noise that follows stays the same
    if heights is None:
        heights = np.array([PERSON_HEIGHT.get(r, 1.8) for r in roles]) * scatter
    heights = np.asarray(heights, float)
    roles_arr = np.array(roles)
    names = np.array(["player", "goalkeeper", "referee"])
    for f in range(T):
        cam = cameras[f]
        present = np.isfinite(xy[f]).all(axis=1)
        idx = np.flatnonzero(present)
        boxes = person_boxes(cam, xy[f, idx], heights[idx])
        W, Hh = cam.width, cam.height
        vis = (boxes[:, 2] > 0) & (boxes[:, 0] < W) & (boxes[:, 3] > 0) & (boxes[:, 1] < Hh)
        idx, boxes = idx[vis], boxes[vis]
        occ = _occlusion(boxes)
        det_boxes, det_conf, det_cls = [], [], []
        for k, i in enumerate(idx):
            miss = noise.occluded_miss_rate if occ[k] > 0.5 else noise.miss_rate
            if rng.random() < miss:
                continue
            h = boxes[k, 3] - boxes[k, 1]
            b = boxes[k] + rng.normal(0, noise.box_std_frac * h, 4)
            b = np.clip(b, [0, 0, 0, 0], [W, Hh, W, Hh])
            if b[2] - b[0] < 2 or b[3] - b[1] < 2:
                continue
            conf = rng.uniform(0.15, 0.5) if occ[k] > 0.3 else rng.uniform(0.55, 0.95)
            name = roles_arr[i]
            if rng.random() < noise.class_confusion:
                name = rng.choice(names[names != name])
            det_boxes.append(b)
            det_conf.append(conf)
            det_cls.append(name)
        for _ in range(rng.poisson(noise.fp_rate)):
            h = rng.uniform(30, 90)
            x0, y0 = rng.uniform(0, W - h * 0.4), rng.uniform(0, Hh - h)
            det_boxes.append(np.array([x0, y0, x0 + 0.4 * h, y0 + h]))
            det_conf.append(rng.uniform(0.2, 0.65))
            det_cls.append("player")
        bxyz = ball_xyz[f]
        bvis = False
        bbox = None
        if np.isfinite(bxyz).all():
            bbox = ball_box(cam, bxyz)
            bvis = bool(0 <= bbox[0] and bbox[2] <= W and 0 <= bbox[1] and bbox[3] <= Hh)
            if bvis and rng.random() < noise.ball_detect_rate:
                det_boxes.append(bbox + rng.normal(0, noise.ball_std_px, 4))
                det_conf.append(rng.uniform(0.3, 0.9))
                det_cls.append("ball")
        for _ in range(rng.poisson(noise.ball_fp_rate)):
            x0, y0 = rng.uniform(0, W - 8), rng.uniform(0, Hh - 8)
            det_boxes.append(np.array([x0, y0, x0 + 6, y0 + 6]))
            det_conf.append(rng.uniform(0.1, 0.4))
            det_cls.append("ball")
        cls_names = np.array(det_cls, dtype="<U10")
        cid = {"player": 0, "goalkeeper": 1, "referee": 2, "ball": 3}
        det = sv.Detections(xyxy=np.array(det_boxes, float).reshape(-1, 4), confidence=np.array(det_conf, float),
                            class_id=np.array([cid[c] for c in det_cls], int), data={"class_name": cls_names})
        img = None
        if images:
            img = render(cam, boxes, shirts[idx], shorts[idx], bbox if bvis else None)
        H = None if (no_homography is not None and no_homography[f]) else cam.homography
        yield Frame(f, f / fps, det, H, img, ids[idx], xy[f, idx], boxes, bxyz, bvis)
