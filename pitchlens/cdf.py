"""A stored match -> the Common Data Format (CDF v0.3.2): ``meta.json`` and ``tracking.jsonl``.

CDF is the open, provider-neutral format for football match data (Anzer et al., 2025). Its pitch coordinates are
the store's own: metres, origin at the centre spot, +x along the length, +y towards the far touchline. Its frames
keep the direction of play as it was; each period in ``meta.json`` says which way the home team played, found from
the teams' positions (:func:`tracking.teams.attacking_directions`).

What a broadcast clip does not know is written as plain defaults, never guessed:
- times: ``kickoff`` (UTC) plus the video's seconds; by default the clip starts at 1970-01-01T00:00:00Z;
- competition, season and venue ids: ``"unknown"`` unless given;
- players are tracks (``id`` ``"track N"``), ``jersey_number`` -1 where no number was read, ``is_starter`` true
  for tracks first seen in the first period;
- referees go to ``officials``; people without a team are left out.

A person appears in a frame only where his position is known; ``is_visible`` is true where he was detected in that
frame (false where the position was predicted or interpolated). Positions outside CDF's area (beyond 65 m / 42.5 m
of the centre) are left out. A frame without a ball position has ``null`` ball coordinates, as the schema allows
(the format's validator, 0.1.1, asks for numbers there all the same). A period whose direction of play the
positions do not show (a team unseen) takes the opposite of the period before it (or after it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from cv.pitch import DEFAULT_PITCH
from pitchlens.errors import InputError
from pitchlens.exporters import _periods
from pitchlens.store import Store
from tracking.teams import attacking_directions

CDF_VERSION = "0.3.2"
PERIOD_NAMES = ("first_half", "second_half", "first_half_extratime", "second_half_extratime", "shootout")
X_MAX, Y_MAX = 65.0, 42.5  # CDF's coordinate bounds (m)
NO_JERSEY = -1


@dataclass(frozen=True)
class CdfExport:
    """What :func:`write_cdf` wrote."""

    meta: Path
    tracking: Path
    frames: int
    players: int
    officials: int


def _utc(kickoff: datetime, seconds: float) -> str:
    return (kickoff + timedelta(seconds=float(seconds))).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _kickoff(value: str | datetime | None) -> datetime:
    if value is None:
        return datetime(1970, 1, 1, tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as e:
            raise InputError(f"kickoff {value!r}: not an ISO 8601 date and time ({e})") from None
    if value.tzinfo is None:
        raise InputError(f"kickoff {value.isoformat()}: give a time zone (CDF times are UTC), e.g. 2024-05-01T18:30Z")
    return value.astimezone(timezone.utc)


def _home_directions(found: list[int | None]) -> list[int]:
    """The home team's direction (+1: towards +x) in each period: as found from the positions, else the
    opposite of the nearest period found before it (the ends change every period), else of the nearest after it,
    else +1 (CDF requires a direction for every period but a shootout)."""
    out: list[int | None] = list(found)
    for k in range(len(out)):
        if out[k] is None and k > 0 and out[k - 1] is not None:
            out[k] = -out[k - 1]
    for k in range(len(out) - 2, -1, -1):
        if out[k] is None and out[k + 1] is not None:
            out[k] = -out[k + 1]
    return [1 if d is None else int(d) for d in out]


def _write_atomic(path: Path, lines) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line)
    os.replace(tmp, path)


def write_cdf(store: str | Path, match_id: str, out_dir: str | Path, *, kickoff: str | datetime | None = None,
              period_gap_s: float = 300.0, period_starts: Sequence[float] | None = None,
              competition_id: str = "unknown", season_id: str = "unknown", venue_id: str = "unknown") -> CdfExport:
    """Write ``match_id`` of ``store`` as CDF ``meta.json`` and ``tracking.jsonl`` into ``out_dir`` (each file
    replaced whole). Periods as in :func:`pitchlens.exporters.to_kloppy`: they begin at ``period_starts`` when given,
    else wherever time jumps by more than ``period_gap_s``; at most five (CDF's halves, extra time, shootout)."""
    st = Store(store)
    tracks = st.read("tracks", match_id)
    if tracks.num_rows == 0:
        raise InputError(f"{st.root}: match {match_id} has no tracks (is it in this store?)")
    ko = _kickoff(kickoff)
    c = {k: tracks.column(k).to_pylist() for k in ("track_id", "role", "team", "jersey", "provenance")}
    frame, t, x, y, z, speed, accel = (tracks.column(k).to_numpy(zero_copy_only=False).astype(float)
                                       for k in ("frame", "t", "x", "y", "z", "speed", "accel"))
    role = np.asarray(c["role"], dtype=object)
    team = np.asarray(c["team"], dtype=object)
    tid = np.asarray(c["track_id"], dtype=np.int64)
    inside = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= X_MAX) & (np.abs(y) <= Y_MAX)
    person = np.isin(role, ["player", "goalkeeper"]) & np.isin(team, ["home", "away"])
    official = role == "referee"
    ball = role == "ball"
    keep = inside & (person | official | ball)
    if not keep.any():
        raise InputError(f"{st.root}: match {match_id} has no positions on the pitch to export")

    times = np.unique(t[keep])
    spans = _periods(times, period_gap_s, period_starts)
    if len(spans) > len(PERIOD_NAMES):
        raise InputError(f"match {match_id}: {len(spans)} periods found, CDF has at most {len(PERIOD_NAMES)} "
                         "(give --period-starts, or a larger period gap)")
    starts = np.array([a for a, _ in spans])
    home_dir = _home_directions([d["home"] for d in attacking_directions(t, x, team, role, spans)])

    def period_of(seconds: float) -> int:
        return int(np.searchsorted(starts, seconds + 1e-9, side="right")) - 1

    meta_rows = st.read("matches", match_id).to_pylist()
    fps = float(meta_rows[0]["fps"]) if meta_rows and meta_rows[0]["fps"] else 25.0
    version = (meta_rows[0].get("pipeline_version") if meta_rows else None) or "unknown"

    # per frame: its time, period, people and ball; the teams' players and the officials, each once
    order = np.lexsort((tid, frame))
    by_frame: dict[int, dict] = {}
    roster: dict[str, dict[int, dict]] = {"home": {}, "away": {}}
    officials: dict[int, dict] = {}
    for k in order[keep[order]]:
        f = int(frame[k])
        rec = by_frame.get(f)
        if rec is None:
            rec = by_frame[f] = {"t": float(t[k]), "period": period_of(float(t[k])), "home": [], "away": [],
                                 "officials": [], "ball": None}
        i = int(tid[k])
        xy = {"x": round(float(x[k]), 3), "y": round(float(y[k]), 3)}
        if ball[k]:
            rec["ball"] = {**xy, "z": None if not np.isfinite(z[k]) else round(float(z[k]), 3)}
            continue
        item = {"id": f"track {i}", **xy}
        if np.isfinite(speed[k]):
            item["vel"] = round(float(speed[k]), 3)
        if np.isfinite(accel[k]):
            item["acc"] = round(float(accel[k]), 3)
        item["is_visible"] = c["provenance"][k] == "detected"
        side = "officials" if official[k] else str(team[k])
        rec[side].append(item)
        if official[k]:
            officials.setdefault(i, {"id": f"track {i}"})
        elif i not in roster[side]:  # first seen here
            jersey = c["jersey"][k]
            roster[side][i] = {"id": f"track {i}", "team_id": side,
                               "jersey_number": int(jersey) if jersey is not None and str(jersey).isdigit()
                               else NO_JERSEY,
                               "is_starter": rec["period"] == 0}
    first_frame = min(by_frame)

    def lines():
        for f in sorted(by_frame):
            rec = by_frame[f]
            out = {"frame_id": f - first_frame, "timestamp": _utc(ko, rec["t"]),
                   "period": PERIOD_NAMES[rec["period"]], "match": {"id": match_id},
                   "teams": {"home": {"id": "home", "players": rec["home"]},
                             "away": {"id": "away", "players": rec["away"]}},
                   "ball": rec["ball"] or {"x": None, "y": None, "z": None}}
            if rec["officials"]:
                out["officials"] = rec["officials"]
            yield json.dumps(out, separators=(",", ":")) + "\n"

    periods, whistles = [], []
    for n, ((a, b), d) in enumerate(zip(spans, home_dir, strict=True)):
        in_p = [f for f, rec in by_frame.items() if rec["period"] == n]
        p = {"period": PERIOD_NAMES[n], "start_time": _utc(ko, a), "end_time": _utc(ko, b),
             "frame_id_start": min(in_p) - first_frame, "frame_id_end": max(in_p) - first_frame}
        p["play_direction"] = "left_right" if d > 0 else "right_left"
        p["left_team_id"], p["right_team_id"] = ("home", "away") if d > 0 else ("away", "home")
        periods.append(p)
        whistles += [{"type": PERIOD_NAMES[n], "sub_type": "start", "time": p["start_time"]},
                     {"type": PERIOD_NAMES[n], "sub_type": "end", "time": p["end_time"]}]
    source = {"version": str(version), "name": "pitchlens", "fps": int(round(fps)), "collection_timing": "post_match"}
    meta = {
        "competition": {"id": competition_id},
        "season": {"id": season_id},
        "match": {"id": match_id, "kickoff_time": _utc(ko, 0.0), "periods": periods, "whistles": whistles},
        "teams": {side: {"id": side, "players": [roster[side][i] for i in sorted(roster[side])]}
                  for side in ("home", "away")},
        "venue": {"id": venue_id, "pitch_length": DEFAULT_PITCH.length, "pitch_width": DEFAULT_PITCH.width},
        "officials": [officials[i] for i in sorted(officials)],
        "meta": {"video": {"perspective": "broadcast", "version": str(version), "name": "pitchlens",
                           "fps": int(round(fps))},
                 "tracking": source, "event": None, "landmarks": None, "ball": source,
                 "meta": {"version": str(version), "name": "pitchlens"}, "cdf": {"version": CDF_VERSION}},
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _write_atomic(out / "tracking.jsonl", lines())
    _write_atomic(out / "meta.json", [json.dumps(meta, indent=2) + "\n"])
    return CdfExport(out / "meta.json", out / "tracking.jsonl", len(by_frame),
                     len(roster["home"]) + len(roster["away"]), len(officials))
