"""Does a homography explain the frame? Agreement of the projected pitch model with the line evidence, both ways,
and plausibility of the camera it implies."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from cv.calibration.lines import LineEvidence
from cv.pitch import DEFAULT_PITCH, PitchModel

NEAR_PX = 8  # band (working px) around the projected model in which evidence must lie on the model
NEAR_MIN_PX = 60  # evidence pixels in that band needed to call the model contradicted

_RUNS: dict[tuple[float, float], tuple[np.ndarray, np.ndarray]] = {}


def _marking_samples(pitch: PitchModel, spacing: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Points along every marking (N, 2) and the index of their marking (N,), in drawing order (cached)."""
    key = (pitch.length, pitch.width)
    if key not in _RUNS:
        pts, ids = [], []
        for k, m in enumerate(pitch.markings):
            p = m.points if not m.closed else np.vstack([m.points, m.points[:1]])
            seg = []
            for a, b in zip(p[:-1], p[1:], strict=True):
                n = max(1, int(np.ceil(np.linalg.norm(b - a) / spacing)))
                seg.append(a + np.linspace(0, 1, n, endpoint=False)[:, None] * (b - a))
            seg.append(p[-1:])
            q = np.vstack(seg)
            pts.append(q)
            ids.append(np.full(len(q), k))
        _RUNS[key] = (np.vstack(pts), np.concatenate(ids))
    return _RUNS[key]


def model_mask(H: np.ndarray, shape: tuple[int, int], pitch: PitchModel = DEFAULT_PITCH,
               thickness: int = 5) -> np.ndarray:
    """The projected markings drawn ``thickness`` px wide (uint8 0/255) on an image of ``shape``."""
    return _draw(_model_runs(H, shape, pitch), shape, thickness)


def _draw(runs: list[np.ndarray], shape: tuple[int, int], thickness: int) -> np.ndarray:
    out = np.zeros(shape, np.uint8)
    if runs:
        cv2.polylines(out, runs, False, 255, thickness, cv2.LINE_8, shift=2)
    return out


def _model_runs(H: np.ndarray, shape: tuple[int, int], pitch: PitchModel) -> list[np.ndarray]:
    """The projected markings as polylines (int32 px with 2 fractional bits), split where they leave the plane."""
    h, w = shape
    pts, ids = _marking_samples(pitch)
    p = np.hstack([pts, np.ones((len(pts), 1))]) @ np.asarray(H, dtype=float).T
    z = p[:, 2]
    ok = z > 1e-9
    uv = np.zeros((len(p), 2))
    uv[ok] = p[ok, :2] / z[ok, None]
    ok &= (np.abs(uv[:, 0] - w / 2) < 4 * w) & (np.abs(uv[:, 1] - h / 2) < 4 * h)
    # runs of consecutive valid points of one marking (split where a point is invalid or the marking changes)
    start = ok & np.r_[True, ~ok[:-1] | (ids[1:] != ids[:-1])]
    run = np.cumsum(start)[ok]
    q = np.round(uv[ok] * 4).astype(np.int32)
    edges = np.flatnonzero(np.r_[True, run[1:] != run[:-1], True])
    return [q[a:b] for a, b in zip(edges[:-1], edges[1:], strict=True) if b - a >= 2]


@dataclass
class Agreement:
    """How well a homography explains the line evidence of one frame."""

    precision: float  # share of the visible, unoccluded projected model that lands on line evidence
    recall: float  # share of the line evidence that lies on the projected model
    points: int  # visible model points
    evidence: int  # line-evidence pixels
    near: int = 0  # line-evidence pixels within ``NEAR_PX`` of the projected model
    near_recall: float = 0.0  # share of those on the model (within the tolerance): low when the model is off

    @property
    def contradicted(self) -> bool:
        """The model lands off the evidence: evidence runs close beside it rather than on it, or most evidence
        is unexplained. Absent evidence (a faint or blurred line) is no contradiction."""
        return bool((self.near >= NEAR_MIN_PX and self.near_recall < 0.6)
                    or (self.evidence >= 4 * NEAR_MIN_PX and self.recall < 0.3))

    @property
    def f1(self) -> float:
        s = self.precision + self.recall
        return 0.0 if s <= 0 else 2 * self.precision * self.recall / s


def agreement(H: np.ndarray, ev: LineEvidence, pitch: PitchModel = DEFAULT_PITCH, tol_px: float = 2.0) -> Agreement:
    """Agreement of ``H`` (pitch m -> working px) with ``ev``: both ways, within ``tol_px``."""
    h, w = ev.shape
    n_ev = int(cv2.countNonZero(ev.lines))
    pts, _ = _marking_samples(pitch)
    p = np.hstack([pts, np.ones((len(pts), 1))]) @ np.asarray(H, dtype=float).T
    z = p[:, 2]
    ok = z > 1e-9
    uv = np.full((len(p), 2), -1.0)
    uv[ok] = p[ok, :2] / z[ok, None]
    ok &= (uv[:, 0] >= 2) & (uv[:, 0] <= w - 3) & (uv[:, 1] >= 2) & (uv[:, 1] <= h - 3)
    ui = uv[ok].astype(np.int32)
    inside = ev.field[ui[:, 1], ui[:, 0]] > 0
    free = ev.players[ui[:, 1], ui[:, 0]] == 0
    ui = ui[inside & free]
    # thin to one point per 3 px cell so that near and far markings count by their image length
    if len(ui):
        _, first = np.unique((ui[:, 1] // 3) * (w // 3 + 1) + ui[:, 0] // 3, return_index=True)
        ui = ui[first]
    npts = len(ui)
    precision = float(np.mean(ev.dist[ui[:, 1], ui[:, 0]] <= tol_px)) if npts else 0.0
    near, near_recall = 0, 0.0
    if n_ev:
        runs = _model_runs(H, (h, w), pitch)
        m = _draw(runs, (h, w), int(2 * tol_px) + 1)
        on = cv2.countNonZero(cv2.bitwise_and(ev.lines, m))
        recall = on / n_ev
        band = _draw(runs, (h, w), 2 * NEAR_PX + 1)
        near = cv2.countNonZero(cv2.bitwise_and(ev.lines, band))
        near_recall = on / near if near else 0.0
    else:
        recall = 0.0
    return Agreement(precision, float(recall), npts, n_ev, int(near), float(near_recall))


def plausible_main_camera(position: np.ndarray | None, pitch: PitchModel = DEFAULT_PITCH) -> bool:
    """A main broadcast camera: in the stand behind the near touchline, raised, not far beyond the pitch ends."""
    if position is None:
        return False
    x, y, z = (float(v) for v in position)
    return (y < -pitch.half_width - 5.0 and y > -pitch.half_width - 160.0 and 4.0 < z < 80.0
            and abs(x) < pitch.half_length)


def end_camera(position: np.ndarray | None, pitch: PitchModel = DEFAULT_PITCH) -> bool:
    """A camera behind one of the goals (replays): beyond a goal line, between the extended touchlines."""
    if position is None:
        return False
    x, y, z = (float(v) for v in position)
    return abs(x) > pitch.half_length + 5.0 and abs(y) < pitch.half_width + 10.0 and z > 2.0
