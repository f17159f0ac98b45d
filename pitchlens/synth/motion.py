"""The movement a clip is rendered from: every person's pitch position per frame and the ball's 3D path."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Motion:
    """Positions per frame in the store's convention (metres, origin at the centre spot, +y far touchline).

    ``xy`` is (T, N, 2) for the N people (NaN where a person is absent); ``ball`` is (T, 3) with the
    height in the last column (NaN where the ball position is unknown).
    """

    fps: float
    object_id: np.ndarray
    role: list[str]
    team: list[str | None]
    jersey: list[str | None]
    xy: np.ndarray
    ball: np.ndarray
    ball_id: int = 0
    source: str = "sim"
    cuts: list[int] = field(default_factory=list)  # frames where the data jumps (a new recorded run starts)

    @property
    def n_frames(self) -> int:
        return int(self.xy.shape[0])

    @property
    def velocity(self) -> np.ndarray:
        """Per-person velocity (T, N, 2) in m/s (central differences, zero where unknown)."""
        v = np.gradient(self.xy, axis=0) * self.fps if self.n_frames > 1 else np.zeros_like(self.xy)
        return np.nan_to_num(v)

    def slice(self, start: int, stop: int) -> Motion:
        """Frames ``start:stop`` of this motion."""
        return Motion(self.fps, self.object_id, self.role, self.team, self.jersey, self.xy[start:stop],
                      self.ball[start:stop], self.ball_id, self.source,
                      [c - start for c in self.cuts if start < c < stop])
