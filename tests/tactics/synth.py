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


def simulated_match(seconds: float = 240.0, fps: float = 5.0, seed: int = 0, home: str = "4-4-2",
                    away: str = "4-3-3", spell_s: float = 20.0) -> dict[str, np.ndarray]:
    """A small made-up match: two blocks in template shapes sliding with the ball, possession changing
    every ``spell_s`` seconds; home attacks +x. Returns track columns (with match_id left out)."""
    from tactics.templates import template

    rng = np.random.default_rng(seed)
    n = int(seconds * fps)
    f = np.arange(n)
    t = f / fps
    spell = (t // spell_s).astype(int)
    owner = spell % 2  # 0 home, 1 away
    shift = 12.0 * np.sin(2 * np.pi * t / 60.0)  # the play moves up and down the pitch
    tr = Tracks(fps)
    keepers(tr, f)
    carriers = []
    for team, label, sign, base in ((0, home, 1.0, 100), (1, away, -1.0, 200)):
        _, q, _ = template(label)
        for i, (x, y) in enumerate(q):
            wob = rng.normal(0, 0.4, (n, 2)).cumsum(axis=0) * 0.05
            px = sign * (x * 1.3) + shift + wob[:, 0]
            py = sign * y + wob[:, 1]
            tr.add(base + i, ("home", "away")[team], "player", f, px, py)
            carriers.append((team, px, py))
    # the ball is at the feet of a player of the team in possession, changing player every 2 s
    bx = np.zeros(n)
    by = np.zeros(n)
    pick = (t // 2.0).astype(int)
    for k in range(n):
        team = owner[k]
        cand = [c for c in carriers if c[0] == team]
        c = cand[pick[k] % len(cand)]
        bx[k], by[k] = c[1][k] + 0.3, c[2][k]
    tr.add(-1, None, "ball", f, bx, by, z=0.1)
    return tr.columns()
