"""A stored match -> other tools' models: a kloppy ``TrackingDataset``.

The inverse of :mod:`pitchlens.importers`. Coordinates stay the store's: metres, origin at the centre spot,
+y towards the far touchline (kloppy's Second Spectrum system on a 105 x 68 m pitch), and so does the attacking
direction, kloppy's ``HOME_AWAY``: imported matches are stored that way, and in a processed video "home" is the
team that attacks +x at the start. The store keeps no period column: periods begin at ``period_starts`` when
given, else wherever the match's time jumps by more than ``period_gap_s`` (imported matches keep a 900 s break
between periods). Players are the tracks with a team (``player`` and ``goalkeeper`` roles), one kloppy
``Player`` each, whose ``player_id`` is the track id; referees and people without a team are left out. The
ball's height goes to ``ball_coordinates.z`` where it is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import numpy as np

from cv.pitch import DEFAULT_PITCH
from pitchlens.errors import InputError
from pitchlens.store import Store


def _periods(t: np.ndarray, gap_s: float, starts: Sequence[float] | None = None) -> list[tuple[float, float]]:
    """(start, end) seconds of each stretch of the sorted unique times ``t``: split before each of ``starts``, or
    at the gaps over ``gap_s``."""
    if starts is not None:
        cut = np.unique(np.searchsorted(t, np.asarray(starts, float) - 1e-9))
        cut = cut[(cut > 0) & (cut < len(t))]
    else:
        cut = np.flatnonzero(np.diff(t) > gap_s) + 1
    starts = np.r_[0, cut]
    ends = np.r_[cut - 1, len(t) - 1]
    return [(float(t[a]), float(t[b])) for a, b in zip(starts, ends, strict=True)]


def to_kloppy(store: str | Path, match_id: str, period_gap_s: float = 300.0,
              period_starts: Sequence[float] | None = None):
    """The tracks of ``match_id`` in ``store`` as a kloppy ``TrackingDataset`` (one frame per stored frame);
    ``period_starts``: the times (s) at which the second and later periods begin (see the module doc)."""
    from kloppy.domain import (
        DatasetFlag,
        Ground,
        Metadata,
        Orientation,
        Period,
        Player,
        PlayerData,
        Point,
        Point3D,
        PositionType,
        Provider,
        SecondSpectrumCoordinateSystem,
        Team,
        TrackingDataset,
    )
    from kloppy.domain.models.tracking import Frame

    st = Store(store)
    tracks = st.read("tracks", match_id)
    if tracks.num_rows == 0:
        raise InputError(f"{st.root}: match {match_id} has no tracks (is it in this store?)")
    c = tracks.to_pydict()
    frame, t, x, y = (tracks.column(k).to_numpy(zero_copy_only=False) for k in ("frame", "t", "x", "y"))  # nulls: NaN
    ok = np.isfinite(x) & np.isfinite(y)
    matches = st.read("matches", match_id).to_pylist()
    fps = float(matches[0]["fps"]) if matches and matches[0]["fps"] else None

    times = np.unique(t[ok])
    periods = [Period(id=k + 1, start_timestamp=timedelta(seconds=a), end_timestamp=timedelta(seconds=b))
               for k, (a, b) in enumerate(_periods(times, period_gap_s, period_starts))]
    starts = np.array([p.start_timestamp.total_seconds() for p in periods])

    teams = {"home": Team(team_id="home", name="home", ground=Ground.HOME),
             "away": Team(team_id="away", name="away", ground=Ground.AWAY)}
    players: dict[int, Player] = {}
    for tid, role, team, jersey in zip(c["track_id"], c["role"], c["team"], c["jersey"], strict=True):
        if tid in players or team not in teams or role not in ("player", "goalkeeper"):
            continue
        p = Player(player_id=str(tid), team=teams[team], name=f"track {tid}",
                   jersey_no=int(jersey) if jersey is not None and str(jersey).isdigit() else None,
                   starting_position=PositionType.Goalkeeper if role == "goalkeeper" else None)
        teams[team].players.append(p)
        players[tid] = p

    speed = c["speed"]
    z = c["z"]
    by_frame: dict[int, dict] = {}
    for k in np.flatnonzero(ok):
        f = int(frame[k])
        rec = by_frame.setdefault(f, {"t": float(t[k]), "players": {}, "ball": None})
        role, tid = c["role"][k], c["track_id"][k]
        if role == "ball":
            rec["ball"] = Point3D(x=float(x[k]), y=float(y[k]), z=None if z[k] is None else float(z[k]))
        elif tid in players:
            rec["players"][players[tid]] = PlayerData(coordinates=Point(x=float(x[k]), y=float(y[k])),
                                                      speed=None if speed[k] is None else float(speed[k]))
    records = []
    for f in sorted(by_frame):
        rec = by_frame[f]
        pi = int(np.searchsorted(starts, rec["t"] + 1e-9, side="right")) - 1
        records.append(Frame(frame_id=f, timestamp=timedelta(seconds=rec["t"] - starts[pi]), statistics=[],
                             ball_owning_team=None, ball_state=None, period=periods[pi],
                             players_data=rec["players"], other_data={}, ball_coordinates=rec["ball"]))
    cs = SecondSpectrumCoordinateSystem(pitch_length=DEFAULT_PITCH.length, pitch_width=DEFAULT_PITCH.width)
    metadata = Metadata(
        periods=periods, teams=[teams["home"], teams["away"]], coordinate_system=cs,
        pitch_dimensions=cs.pitch_dimensions,
        orientation=Orientation.HOME_AWAY,
        flags=DatasetFlag(0), provider=Provider.OTHER, frame_rate=fps, game_id=match_id,
    )
    return TrackingDataset(records=records, metadata=metadata)
