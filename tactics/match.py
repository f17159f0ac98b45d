"""All tactics of one match from long-format track columns, as plain column dicts."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tactics.config import TacticsConfig
from tactics.frames import FrameData, build_frames
from tactics.possession import Possession, compute_possession, possession_columns
from tactics.pressing import compute_pressing, pressing_columns, pressing_per_second
from tactics.shape import shape_columns, team_shape
from tactics.windows import window_tables

TABLE_NAMES = ("possession", "pressing", "pressing_1s", "formations", "formation_roles", "shape", "shape_windows")


def analyse_frames(fd: FrameData, config: TacticsConfig | None = None) -> tuple[Possession, dict[str, dict]]:
    """Possession, pressing, formations and shape for prepared :class:`FrameData`."""
    cfg = config or TacticsConfig()
    poss = compute_possession(fd, cfg.possession)
    pf = compute_pressing(fd, poss, cfg.pressing)
    shapes = {team: team_shape(fd, team, cfg.shape) for team in (0, 1)}
    form, roles, shp = window_tables(fd, poss, shapes, cfg.formation)
    shape = shape_columns(fd, poss.team, cfg.shape)
    return poss, {
        "possession": possession_columns(fd, poss),
        "pressing": pressing_columns(fd, pf),
        "pressing_1s": pressing_per_second(fd, pf),
        "formations": form,
        "formation_roles": roles,
        "shape": shape,
        "shape_windows": shp,
    }


def analyse(cols: Mapping[str, object], fps: float, config: TacticsConfig | None = None) -> dict[str, dict]:
    """Every tactics table of one match (column dicts without ``match_id``) from track columns.

    ``cols`` needs ``frame``, ``t``, ``track_id``, ``role``, ``team``, ``x``, ``y`` (``z`` optional), in
    the store's coordinates (metres, centre origin).
    """
    cfg = config or TacticsConfig()
    if float(fps) <= 0 or not np.isfinite(float(fps)):
        raise ValueError(f"fps must be positive, got {fps}")
    fd = build_frames(cols, fps, cfg.kinematics, cfg.direction)
    return analyse_frames(fd, cfg)[1]
