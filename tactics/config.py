"""Every tactics parameter, typed, with its default.

The dataclasses nest the way the ``tactics:`` section of the YAML configuration does
(one mapping per dataclass); :func:`tactics_config_from_mapping` builds one from that section.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, get_type_hints


@dataclass(frozen=True)
class KinematicsConfig:
    """Smoothed positions and velocities from raw tracks (local linear fit per track segment)."""

    half_window_s: float = 0.3  #: the fit uses samples within +-this many seconds of each frame
    max_gap_s: float = 0.5  #: a track with a hole longer than this is split into separate segments
    max_speed: float = 12.0  #: player speeds above this (m/s) are clipped (tracking glitches)


@dataclass(frozen=True)
class PossessionConfig:
    """Team in possession from ball-player proximity with hysteresis."""

    control_radius: float = 1.5  #: a player this close to the ball (m, on the ground plane) controls it
    max_ball_height: float = 2.5  #: a ball higher than this (m) is in flight: nobody controls it
    contest_margin: float = 0.5  #: both teams within control_radius and closer than this to each other: contested
    min_control_s: float = 0.2  #: a team must control the ball this long for possession to switch
    max_loose_s: float = 3.0  #: possession lapses to none after this long without control (pass, ball unseen)
    carrier_radius: float = 2.0  #: the nearest player of the team in possession within this is the carrier


@dataclass(frozen=True)
class PressingConfig:
    """Pressing intensity after Bekkers (arXiv:2501.04712); defaults are the paper's."""

    reaction_time: float = 0.7  #: tau, seconds before a presser changes course
    max_speed: float = 12.0  #: v_max of a presser (m/s)
    sigma: float = 0.45  #: spread of the logistic probability to intercept
    time_threshold: float = 1.5  #: T, seconds: tti = T gives probability 0.5
    active_threshold: float = 0.5  #: a presser with probability >= this on any target counts as active
    counter_press_s: float = 5.0  #: frames this long after losing the ball are counter-pressing


@dataclass(frozen=True)
class FormationConfig:
    """Formation windows and template assignment."""

    fixed_window_s: float = 120.0  #: length of the fixed windows (s)
    min_phase_s: float = 10.0  #: possession phases longer than this get their own window
    min_players: int = 8  #: fewer outfield players seen in a window: formation "unknown"
    min_presence: float = 0.2  #: a player counts as seen if present in this share of the window's frames
    min_frames: int = 10  #: fewer frames of a team in (or out of) possession in a window: no row
    max_rotation_deg: float = 20.0  #: largest block rotation fitted before assignment
    iterations: int = 3  #: alternations of assignment and similarity fit
    templates: tuple[str, ...] = (
        "4-4-2", "4-3-3", "4-2-3-1", "3-5-2", "3-4-3", "5-3-2", "4-1-4-1", "4-5-1", "4-1-2-1-2", "5-4-1",
        "4-4-1-1", "3-4-2-1",
    )  #: templates tried, by label (see tactics.templates)


@dataclass(frozen=True)
class ShapeConfig:
    """Team shape per frame."""

    min_players: int = 4  #: fewer visible outfield players: shape values are null
    defenders: int = 4  #: the deepest this many outfield players form the defensive line
    forwards: int = 2  #: the most advanced this many form the forward line; the rest are midfield


@dataclass(frozen=True)
class DirectionConfig:
    """Which goal each team attacks."""

    period_gap_s: float = 60.0  #: a hole in time longer than this starts a new period (teams may switch ends)


@dataclass(frozen=True)
class TacticsConfig:
    """All tactics parameters."""

    kinematics: KinematicsConfig = field(default_factory=KinematicsConfig)
    possession: PossessionConfig = field(default_factory=PossessionConfig)
    pressing: PressingConfig = field(default_factory=PressingConfig)
    formation: FormationConfig = field(default_factory=FormationConfig)
    shape: ShapeConfig = field(default_factory=ShapeConfig)
    direction: DirectionConfig = field(default_factory=DirectionConfig)


def tactics_config_from_mapping(data: dict[str, Any] | None, cls: type = TacticsConfig, path: str = "tactics") -> Any:
    """Build a config dataclass from a nested mapping; unknown keys raise ``KeyError`` naming the key."""
    data = dict(data or {})
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    names = {fl.name for fl in fields(cls)}
    for key, value in data.items():
        if key not in names:
            raise KeyError(f"{path}.{key}: unknown key (known: {', '.join(sorted(names))})")
        typ = hints[key]
        if is_dataclass(typ):
            kwargs[key] = tactics_config_from_mapping(value, typ, f"{path}.{key}")
        elif typ is float or typ == "float":
            kwargs[key] = float(value)
        elif typ is int:
            kwargs[key] = int(value)
        elif getattr(typ, "__origin__", None) is tuple:
            kwargs[key] = tuple(value)
        else:
            kwargs[key] = value
    return cls(**kwargs)
