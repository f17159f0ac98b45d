"""The pitch model: every FIFA marking as polylines and named keypoints, in metres.

Convention (shared with the store): origin at the centre spot, x along the touchlines
(+x towards the goal on the main camera's right), y across (+y towards the far touchline).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

CIRCLE_RADIUS = 9.15
PENALTY_AREA_DEPTH = 16.5
PENALTY_AREA_WIDTH = 40.32
GOAL_AREA_DEPTH = 5.5
GOAL_AREA_WIDTH = 18.32
PENALTY_SPOT_DISTANCE = 11.0
GOAL_WIDTH = 7.32
GOAL_HEIGHT = 2.44
CORNER_RADIUS = 1.0
LINE_WIDTH = 0.12


@dataclass(frozen=True)
class Marking:
    """One painted marking: a named polyline (``closed`` for circles), points in metres (N, 2)."""

    name: str
    points: np.ndarray
    closed: bool = False

    def segments(self) -> np.ndarray:
        """The polyline as (M, 2, 2) segments."""
        p = self.points
        if self.closed:
            p = np.vstack([p, p[:1]])
        return np.stack([p[:-1], p[1:]], axis=1)


def _arc(cx: float, cy: float, r: float, a0: float, a1: float, step_deg: float = 3.0) -> np.ndarray:
    n = max(2, int(np.ceil(abs(np.degrees(a1 - a0)) / step_deg)) + 1)
    a = np.linspace(a0, a1, n)
    return np.stack([cx + r * np.cos(a), cy + r * np.sin(a)], axis=1)


@dataclass(frozen=True)
class PitchModel:
    """A pitch of ``length`` x ``width`` metres with the standard markings."""

    length: float = 105.0
    width: float = 68.0
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def half_length(self) -> float:
        return self.length / 2

    @property
    def half_width(self) -> float:
        return self.width / 2

    @cached_property
    def markings(self) -> list[Marking]:
        """Every marking, each a named polyline."""
        L, W = self.half_length, self.half_width
        out = [
            Marking("touchline_near", np.array([[-L, -W], [L, -W]])),
            Marking("touchline_far", np.array([[-L, W], [L, W]])),
            Marking("goal_line_left", np.array([[-L, -W], [-L, W]])),
            Marking("goal_line_right", np.array([[L, -W], [L, W]])),
            Marking("halfway_line", np.array([[0.0, -W], [0.0, W]])),
            Marking("centre_circle", _arc(0, 0, CIRCLE_RADIUS, 0, 2 * np.pi)[:-1], closed=True),
        ]
        for side, s in (("left", -1.0), ("right", 1.0)):
            gx = s * L
            pa_x = gx - s * PENALTY_AREA_DEPTH
            ga_x = gx - s * GOAL_AREA_DEPTH
            pw, gw = PENALTY_AREA_WIDTH / 2, GOAL_AREA_WIDTH / 2
            out.append(Marking(f"penalty_area_{side}", np.array([[gx, -pw], [pa_x, -pw], [pa_x, pw], [gx, pw]])))
            out.append(Marking(f"goal_area_{side}", np.array([[gx, -gw], [ga_x, -gw], [ga_x, gw], [gx, gw]])))
            spot_x = gx - s * PENALTY_SPOT_DISTANCE
            # the arc is the part of the circle round the spot outside the penalty area
            half = np.arccos((PENALTY_AREA_DEPTH - PENALTY_SPOT_DISTANCE) / CIRCLE_RADIUS)
            centre = np.pi if s > 0 else 0.0
            out.append(Marking(f"penalty_arc_{side}", _arc(spot_x, 0, CIRCLE_RADIUS, centre - half, centre + half)))
            for end, sy in (("near", -1.0), ("far", 1.0)):
                ax = np.pi if s > 0 else 0.0  # direction into the pitch along x
                a_y = -np.pi / 2 if sy > 0 else np.pi / 2  # direction into the pitch along y
                lo, hi = sorted([ax, a_y]) if abs(ax - a_y) <= np.pi else sorted([ax, a_y + 2 * np.pi])
                out.append(Marking(f"corner_arc_{side}_{end}", _arc(gx, sy * W, CORNER_RADIUS, lo, hi)))
        return out

    def marking(self, name: str) -> Marking:
        for m in self.markings:
            if m.name == name:
                return m
        raise KeyError(name)

    @cached_property
    def keypoints(self) -> dict[str, tuple[float, float]]:
        """Named keypoints: line intersections, circle points and spots, in metres."""
        L, W = self.half_length, self.half_width
        pw, gw = PENALTY_AREA_WIDTH / 2, GOAL_AREA_WIDTH / 2
        kp: dict[str, tuple[float, float]] = {
            "corner_left_near": (-L, -W),
            "corner_left_far": (-L, W),
            "corner_right_near": (L, -W),
            "corner_right_far": (L, W),
            "halfway_near": (0.0, -W),
            "halfway_far": (0.0, W),
            "centre_spot": (0.0, 0.0),
            "circle_near": (0.0, -CIRCLE_RADIUS),
            "circle_far": (0.0, CIRCLE_RADIUS),
            "circle_left": (-CIRCLE_RADIUS, 0.0),
            "circle_right": (CIRCLE_RADIUS, 0.0),
        }
        for side, s in (("left", -1.0), ("right", 1.0)):
            gx = s * L
            pa_x = gx - s * PENALTY_AREA_DEPTH
            ga_x = gx - s * GOAL_AREA_DEPTH
            kp[f"penalty_area_{side}_goal_near"] = (gx, -pw)
            kp[f"penalty_area_{side}_goal_far"] = (gx, pw)
            kp[f"penalty_area_{side}_near"] = (pa_x, -pw)
            kp[f"penalty_area_{side}_far"] = (pa_x, pw)
            kp[f"goal_area_{side}_goal_near"] = (gx, -gw)
            kp[f"goal_area_{side}_goal_far"] = (gx, gw)
            kp[f"goal_area_{side}_near"] = (ga_x, -gw)
            kp[f"goal_area_{side}_far"] = (ga_x, gw)
            kp[f"penalty_spot_{side}"] = (gx - s * PENALTY_SPOT_DISTANCE, 0.0)
            d = PENALTY_AREA_DEPTH - PENALTY_SPOT_DISTANCE
            dy = float(np.sqrt(CIRCLE_RADIUS**2 - d**2))
            kp[f"penalty_arc_{side}_near"] = (pa_x, -dy)
            kp[f"penalty_arc_{side}_far"] = (pa_x, dy)
            kp[f"penalty_arc_{side}_top"] = (gx - s * (PENALTY_SPOT_DISTANCE + CIRCLE_RADIUS), 0.0)
            kp[f"goal_post_{side}_near"] = (gx, -GOAL_WIDTH / 2)
            kp[f"goal_post_{side}_far"] = (gx, GOAL_WIDTH / 2)
        return kp

    def keypoint_array(self) -> tuple[list[str], np.ndarray]:
        """Keypoint names and their (K, 2) coordinates in a fixed order."""
        names = list(self.keypoints)
        return names, np.array([self.keypoints[n] for n in names], dtype=np.float64)

    def sample(self, spacing: float = 0.5) -> np.ndarray:
        """Points every ``spacing`` metres along all markings, (N, 2)."""
        pts = []
        for m in self.markings:
            for a, b in m.segments():
                n = max(1, int(np.ceil(np.linalg.norm(b - a) / spacing)))
                t = np.linspace(0, 1, n, endpoint=False)[:, None]
                pts.append(a + t * (b - a))
        return np.vstack(pts)

    def contains(self, xy: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """Whether points (N, 2) lie on the pitch (within ``margin`` metres outside the lines)."""
        xy = np.asarray(xy, dtype=float)
        return (np.abs(xy[..., 0]) <= self.half_length + margin) & (np.abs(xy[..., 1]) <= self.half_width + margin)


DEFAULT_PITCH = PitchModel()
