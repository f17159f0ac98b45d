"""Hand-made track columns for tactics tests."""

from __future__ import annotations

import numpy as np


class Tracks:
    """Accumulates long-format track rows (the columns tactics reads)."""

    def __init__(self, fps: float = 10.0) -> None:
        self.fps = fps
        self.rows: list[tuple] = []

    def add(self, track_id: int, team: str | None, role: str, frames: np.ndarray, x: np.ndarray, y: np.ndarray,
            z: float | None = None) -> Tracks:
        frames = np.asarray(frames)
        x = np.broadcast_to(np.asarray(x, dtype=float), frames.shape)
        y = np.broadcast_to(np.asarray(y, dtype=float), frames.shape)
        for f, xi, yi in zip(frames, x, y, strict=False):
            self.rows.append((int(f), f / self.fps, track_id, role, team, float(xi), float(yi),
                              np.nan if z is None else z))
        return self

    def columns(self) -> dict[str, np.ndarray]:
        names = ("frame", "t", "track_id", "role", "team", "x", "y", "z")
        out = {}
        for i, n in enumerate(names):
            vals = [r[i] for r in self.rows]
            out[n] = np.array(vals, dtype=object if n in ("role", "team") else None)
        out["z"] = out["z"].astype(float)
        return out


def keepers(tr: Tracks, frames: np.ndarray, home_attacks_plus_x: bool = True) -> Tracks:
    """Both goalkeepers in front of the goals their teams defend."""
    s = 1.0 if home_attacks_plus_x else -1.0
    tr.add(1, "home", "goalkeeper", frames, -50.0 * s, 0.0)
    tr.add(101, "away", "goalkeeper", frames, 50.0 * s, 0.0)
    return tr
