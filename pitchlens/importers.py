"""Tracking data from other providers (through kloppy) -> the store's ``tracks`` and ``matches`` tables.

Coordinates become the store's: metres, origin at the centre spot, +y towards the far touchline
(kloppy's Second Spectrum system, sized to the provider's pitch). The attacking direction is made
explicit and fixed by convention: **the home team attacks +x in odd periods (1, 3) and -x in even
periods (2, 4)** (kloppy's ``Orientation.HOME_AWAY``). Time ``t`` runs on across periods: each period
starts ``period_gap_s`` (default 900 s, a half-time break) after the previous one ends, so analyses see a
new period at the hole, and ``frame = round(t * fps)``.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa

from pitchlens.errors import InputError
from pitchlens.schema import MATCHES, TRACKS, conform

PROVIDERS = ("skillcorner", "pff", "sportec", "metrica", "secondspectrum", "tracab")
BALL_TRACK_ID = -1
_ANON_BASE = 1_000_000_000


@dataclass
class ImportedMatch:
    """What an import produces: the two tables plus facts about the source."""

    match_id: str
    tracks: pa.Table
    matches: pa.Table
    fps: float
    periods: int


def _file(path: str | os.PathLike, what: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: {what} not found")
    return p


def load_kloppy(provider: str, raw_data: str | os.PathLike, meta_data: str | os.PathLike,
                roster: str | os.PathLike | None = None, sample_rate: float | None = None):  # noqa: ANN201
    """Load a provider's tracking files with kloppy in Second Spectrum coordinates (metres, centred, y up).

    ``sample_rate`` (0-1] keeps that share of the frames (kloppy's own sampling).
    """
    provider = provider.lower()
    if provider not in PROVIDERS:
        raise InputError(f"--provider {provider}: unknown provider (use one of {', '.join(PROVIDERS)})")
    raw = str(_file(raw_data, "raw tracking data"))
    meta = str(_file(meta_data, "metadata"))
    coords = "secondspectrum"
    kw = {"coordinates": coords, "sample_rate": sample_rate}
    try:
        if provider == "skillcorner":
            from kloppy import skillcorner
            return skillcorner.load(meta_data=meta, raw_data=raw, **kw)
        if provider == "pff":
            from kloppy import pff
            if roster is None:
                raise InputError(f"{raw}: PFF tracking needs the roster file (--roster)")
            return pff.load_tracking(raw_data=raw, meta_data=meta, roster_meta_data=str(_file(roster, "roster")),
                                     **kw)
        if provider == "sportec":
            from kloppy import sportec
            return sportec.load_tracking(raw_data=raw, meta_data=meta, **kw)
        if provider == "metrica":
            from kloppy import metrica
            if meta.lower().endswith(".csv"):  # Metrica CSV: home file as raw data, away file as metadata
                return metrica.load_tracking_csv(home_data=raw, away_data=meta, **kw)
            return metrica.load_tracking_epts(meta_data=meta, raw_data=raw, **kw)
        if provider == "secondspectrum":
            from kloppy import secondspectrum
            return secondspectrum.load(meta_data=meta, raw_data=raw, **kw)
        from kloppy import tracab
        return tracab.load(meta_data=meta, raw_data=raw, **kw)
    except InputError:
        raise
    except Exception as e:  # kloppy raises many types for malformed input
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"{raw}: cannot read as {provider} tracking data ({msg})") from e


def _player_key(player_id: object, anon: dict[str, int]) -> int:
    s = str(player_id)
    if re.fullmatch(r"-?\d{1,17}", s):
        return int(s)
    if s not in anon:
        anon[s] = _ANON_BASE + len(anon)
    return anon[s]


def dataset_to_tracks(
    dataset, match_id: str, period_gap_s: float = 900.0, sample_rate: float | None = None  # noqa: ANN001
) -> tuple[dict[str, np.ndarray], float, int]:
    """kloppy TrackingDataset -> columns of ``tracks`` (store convention, see module doc), fps, periods.

    ``sample_rate``: the share of frames kloppy kept; the frame rate returned is the kept frames' rate.
    """
    from kloppy.domain import PositionType

    ds = dataset
    fps = float(ds.metadata.frame_rate or 0) * (sample_rate or 1.0) or _estimate_fps(ds)
    frames = [fr for fr in ds.frames if fr.period is not None]
    if not frames:
        raise InputError(f"match {match_id}: the tracking data has no frames")
    flip = _home_away_flip(ds, frames)
    # time offsets: periods follow each other with a gap
    per_ids = sorted({fr.period.id for fr in frames})
    ts = np.array([fr.timestamp.total_seconds() for fr in frames])
    pid = np.array([fr.period.id for fr in frames])
    offset = {}
    end = None
    for p in per_ids:
        m = pid == p
        start = ts[m].min()
        offset[p] = 0.0 - start if end is None else end + period_gap_s - start
        end = ts[m].max() + offset[p]
    anon: dict[str, int] = {}
    pkeys: dict[object, tuple[int, str, str, str | None]] = {}
    c: dict[str, list] = {k: [] for k in ("t", "track_id", "role", "team", "jersey", "x", "y", "z")}
    for fr, tsec, p, sgn in zip(frames, ts, pid, flip, strict=True):
        t = float(tsec + offset[p])
        for pl, pdat in fr.players_data.items():
            co = pdat.coordinates
            if co is None or co.x is None or co.y is None or not (np.isfinite(co.x) and np.isfinite(co.y)):
                continue
            info = pkeys.get(pl)
            if info is None:
                pos = getattr(pl, "starting_position", None)
                gk = pos is not None and (pos == PositionType.Goalkeeper or "goalkeeper" in str(pos).lower())
                ground = getattr(getattr(pl.team, "ground", None), "value", None)
                info = (_player_key(pl.player_id, anon), "goalkeeper" if gk else "player", ground,
                        None if pl.jersey_no is None else str(pl.jersey_no))
                pkeys[pl] = info
            c["t"].append(t)
            c["track_id"].append(info[0])
            c["role"].append(info[1])
            c["team"].append(info[2])
            c["jersey"].append(info[3])
            c["x"].append(sgn * co.x)
            c["y"].append(sgn * co.y)
            c["z"].append(None)
        b = fr.ball_coordinates
        if b is not None and b.x is not None and b.y is not None and np.isfinite(b.x) and np.isfinite(b.y):
            z = getattr(b, "z", None)
            c["t"].append(t)
            c["track_id"].append(BALL_TRACK_ID)
            c["role"].append("ball")
            c["team"].append(None)
            c["jersey"].append(None)
            c["x"].append(sgn * b.x)
            c["y"].append(sgn * b.y)
            c["z"].append(None if z is None or not np.isfinite(z) else z)
    t = np.asarray(c["t"], dtype=float)
    cols = {
        "match_id": np.full(len(t), match_id, dtype=object),
        "frame": np.round(t * fps).astype(np.int64),
        "t": t,
        "track_id": np.asarray(c["track_id"], dtype=np.int64),
        "role": np.asarray(c["role"], dtype=object),
        "team": np.asarray(c["team"], dtype=object),
        "jersey": np.asarray(c["jersey"], dtype=object),
        "x": np.asarray(c["x"], dtype=float),
        "y": np.asarray(c["y"], dtype=float),
        "z": np.asarray(c["z"], dtype=object),
        "provenance": np.full(len(t), "imported", dtype=object),
    }
    return cols, fps, len(per_ids)


def _home_away_flip(ds, frames: list) -> np.ndarray:  # noqa: ANN001
    """Per frame +1 or -1: the factor that turns the dataset's coordinates into home attacking +x in odd
    periods (kloppy's HOME_AWAY), a half-turn about the centre spot where the data has it the other way."""
    from kloppy.domain import Orientation

    orient = ds.metadata.orientation
    pid = np.array([fr.period.id for fr in frames])
    odd = pid % 2 == 1
    if orient == Orientation.HOME_AWAY:
        return np.ones(len(frames))
    if orient == Orientation.AWAY_HOME:
        return -np.ones(len(frames))
    if orient == Orientation.STATIC_HOME_AWAY:
        return np.where(odd, 1.0, -1.0)
    if orient == Orientation.STATIC_AWAY_HOME:
        return np.where(odd, -1.0, 1.0)
    if orient in (Orientation.BALL_OWNING_TEAM, Orientation.ACTION_EXECUTING_TEAM):
        home_owns = np.array([getattr(getattr(fr.ball_owning_team, "ground", None), "value", None) == "home"
                              for fr in frames])
        home_plus = np.where(home_owns, 1.0, -1.0)  # the team on the ball plays towards +x
        return np.where(odd, home_plus, -home_plus)
    raise InputError(f"{ds.metadata.provider}: the data does not say which way the teams play (orientation "
                     f"{orient}); cannot put it into the store's convention")


def _estimate_fps(ds) -> float:  # noqa: ANN001
    ts = np.array([fr.timestamp.total_seconds() for fr in ds.frames[:200]])
    d = np.diff(ts)
    d = d[d > 0]
    if len(d) == 0:
        raise InputError("tracking data: cannot tell the frame rate")
    return float(round(1.0 / np.median(d), 3))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def import_tracking(
    provider: str,
    raw_data: str | os.PathLike,
    meta_data: str | os.PathLike,
    match_id: str | None = None,
    roster: str | os.PathLike | None = None,
    sample_rate: float | None = None,
) -> ImportedMatch:
    """Read a provider's tracking files into ``tracks`` and ``matches`` tables of the store's schemas."""
    if sample_rate is not None and not 0 < sample_rate <= 1:
        raise InputError(f"--sample-rate {sample_rate}: must be in (0, 1]")
    ds = load_kloppy(provider, raw_data, meta_data, roster, sample_rate)
    raw = Path(raw_data)
    if match_id is None:
        gid = getattr(ds.metadata, "game_id", None)
        match_id = re.sub(r"[^A-Za-z0-9_.\-]", "_", f"{provider}-{gid if gid else raw.stem}")
    cols, fps, n_periods = dataset_to_tracks(ds, match_id, sample_rate=sample_rate)
    del ds  # the kloppy objects are the bulk of the memory
    tracks = conform(cols, TRACKS)
    frames = np.unique(cols["frame"])
    t = cols["t"]
    matches = conform({
        "match_id": [match_id],
        "source": [f"{provider}:{raw.name}"],
        "source_sha256": [_sha256(raw)],
        "fps": [fps],
        "frames": [len(frames)],
        "duration": [float(t.max() - t.min()) if len(t) else 0.0],
        "processed_at": [datetime.now(timezone.utc)],
        "status": ["imported"],
    }, MATCHES)
    return ImportedMatch(match_id, tracks, matches, fps, n_periods)
