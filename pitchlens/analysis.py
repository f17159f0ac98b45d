"""Tactics from Python and notebooks: tracks in (Arrow, pandas or a dict of arrays), Arrow tables out.

Every table returned here has the store's schema (``pitchlens.schema``), so it can be committed with
``Store.commit`` or queried with DuckDB directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pitchlens.errors import ConfigError, InputError
from pitchlens.schema import TABLES, conform
from tactics.config import TacticsConfig, tactics_config_from_mapping
from tactics.formation import detect_formation
from tactics.frames import FrameData, build_frames
from tactics.match import TABLE_NAMES, analyse_frames
from tactics.possession import compute_possession, possession_sequences
from tactics.pressing import pressing_matrices as _pressing_matrices

SCHEMAS: dict[str, pa.Schema] = {name: TABLES[name] for name in TABLE_NAMES}
_NEEDED = ("frame", "t", "track_id", "role", "team", "x", "y")

TracksLike = pa.Table | Mapping[str, Any] | Any  # pandas.DataFrame too


def config_from_mapping(section: Mapping[str, Any] | None) -> TacticsConfig:
    """A :class:`TacticsConfig` from the ``tactics:`` section of a YAML configuration."""
    try:
        return tactics_config_from_mapping(dict(section or {}))
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigError(str(e).strip("'\"")) from e


def _to_arrow(tracks: TracksLike) -> pa.Table:
    if isinstance(tracks, pa.Table):
        return tracks
    if isinstance(tracks, Mapping):
        return pa.table({k: np.asarray(v) if not isinstance(v, pa.Array) else v for k, v in tracks.items()})
    if hasattr(tracks, "to_dict") and hasattr(tracks, "columns"):  # pandas
        return pa.Table.from_pandas(tracks, preserve_index=False)
    kind = type(tracks).__name__
    raise InputError(f"tracks: expected a pyarrow Table, pandas DataFrame or dict of arrays, got {kind}")


def track_columns(tracks: TracksLike, match_id: str | None = None) -> dict[str, np.ndarray]:
    """Numpy columns (frame, t, track_id, role, team, x, y, z) of one match's tracks."""
    tb = _to_arrow(tracks)
    missing = [c for c in _NEEDED if c not in tb.column_names]
    if missing:
        raise InputError(f"tracks: missing columns {missing}")
    if match_id is not None and "match_id" in tb.column_names:
        tb = tb.filter(pc.equal(tb.column("match_id"), match_id))
    out: dict[str, np.ndarray] = {}
    for c in ("frame", "track_id"):
        out[c] = np.asarray(tb.column(c).cast(pa.int64()).fill_null(-1).to_numpy())
    for c in ("t", "x", "y", "z"):
        if c in tb.column_names:
            out[c] = np.asarray(tb.column(c).cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    for c in ("role", "team"):
        out[c] = np.asarray(tb.column(c).cast(pa.string()).to_numpy(zero_copy_only=False), dtype=object)
    return out


def frame_data(tracks: TracksLike, fps: float, config: TacticsConfig | None = None,
               match_id: str | None = None) -> FrameData:
    """Dense per-frame arrays (smoothed positions, velocities, attacking directions) of one match."""
    cfg = config or TacticsConfig()
    _check_fps(fps)
    return build_frames(track_columns(tracks, match_id), fps, cfg.kinematics, cfg.direction)


def _check_fps(fps: float) -> None:
    if not (isinstance(fps, (int, float)) and np.isfinite(fps) and fps > 0):
        raise InputError(f"fps: must be a positive number, got {fps!r}")


def _table(name: str, cols: Mapping[str, Any], match_id: str) -> pa.Table:
    n = len(next(iter(cols.values()))) if cols else 0
    d = {"match_id": [match_id] * n, **{k: (list(v) if isinstance(v, np.ndarray) and v.dtype == object else v)
                                          for k, v in cols.items()}}
    return conform(d, SCHEMAS[name])


def compute_tactics(tracks: pa.Table, match_id: str, fps: float,
                    config: TacticsConfig | None = None) -> dict[str, pa.Table]:
    """Every tactics table of one match: possession, pressing, pressing_1s, formations, formation_roles,
    shape, shape_windows, each conformed to its schema in ``pitchlens.schema``.

    ``tracks`` has the ``tracks`` schema (rows of other matches are ignored). Partial visibility and a
    missing ball give nulls and fewer rows, never an error.
    """
    cfg = config or TacticsConfig()
    fd = frame_data(tracks, fps, cfg, match_id)
    _, tables = analyse_frames(fd, cfg)
    return {name: _table(name, tables[name], match_id) for name in TABLE_NAMES}


def possession(tracks: TracksLike, fps: float, match_id: str = "match", config: TacticsConfig | None = None
               ) -> pa.Table:
    """The ``possession`` table of one match."""
    return compute_tactics(_to_arrow(tracks), match_id, fps, config)["possession"]


def possession_phases(tracks: TracksLike, fps: float, config: TacticsConfig | None = None) -> pa.Table:
    """One row per possession sequence: sequence, team, frame_start, frame_end, t_start, t_end, duration."""
    cfg = config or TacticsConfig()
    fd = frame_data(tracks, fps, cfg)
    return pa.table(possession_sequences(fd, compute_possession(fd, cfg.possession)))


def pressing_matrices(tracks: TracksLike, fps: float, frames: list[int] | np.ndarray | None = None,
                      config: TacticsConfig | None = None) -> dict[str, np.ndarray]:
    """Time/probability-to-intercept matrices for ``frames`` (default: every frame with a team in possession).

    Direction: ``tti[n, i, j]`` is the time the pressing team's player ``mover_ids[n, i]`` needs to reach
    the team in possession's player ``target_ids[n, j]``; ``tti_ball``/``pti_ball`` are to the ball. Also
    returns ``frame`` and ``pressing_team`` (0 home, 1 away) per row.
    """
    cfg = config or TacticsConfig()
    fd = frame_data(tracks, fps, cfg)
    poss = compute_possession(fd, cfg.possession)
    rows = np.flatnonzero(poss.team >= 0)
    if frames is not None:
        rows = rows[np.isin(fd.frame[rows], np.asarray(frames))]
    out = _pressing_matrices(fd, poss, rows, cfg.pressing)
    out["frame"] = fd.frame[rows]
    out["pressing_team"] = 1 - poss.team[rows]
    return out


def formation_of(points: np.ndarray, config: TacticsConfig | None = None) -> dict[str, Any]:
    """Formation of one set of outfield positions (n, 2), team attacking +x with its left at +y."""
    fit = detect_formation(np.asarray(points, dtype=float), (config or TacticsConfig()).formation)
    return {"formation": fit.formation, "roles": list(fit.roles), "cost": fit.cost, "defenders": fit.defenders,
            "midfielders": fit.midfielders, "forwards": fit.forwards, "central_mf_count": fit.central_mf_count}
