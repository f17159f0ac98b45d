"""Real movement: players and ball from recorded tracking data, loaded with kloppy.

Sources: the excerpts in ``../shared/data/tracking/`` (PFF FC World Cup 2022 final, DFL/Sportec) and the full
SkillCorner match that ships inside kloppy's wheel. Positions are converted to the store's convention with
kloppy's Second Spectrum coordinate system (metres, origin at the centre spot, y towards the far touchline)
and scaled to a 105 x 68 m pitch; every continuous run is resampled to the clip's frame rate. When a clip is
longer than a run the next run follows (a jump in positions, which the director treats as a cut).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cv.pitch import DEFAULT_PITCH
from pitchlens.errors import InputError
from pitchlens.synth.motion import Motion

SOURCES = ("pff", "sportec", "skillcorner")


def default_data_dir() -> Path:
    """``../shared/data`` next to the repository root."""
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def _kloppy_files() -> Path:
    import kloppy

    return Path(kloppy.__file__).parent / "tests" / "files"


def available_sources(data_dir: Path | str | None = None) -> list[str]:
    """The sources whose files are present."""
    d = Path(data_dir) if data_dir else default_data_dir()
    t = d / "tracking" if (d / "tracking").is_dir() else d
    out = []
    if (t / "pff_wc2022_final" / "pff_10517.jsonl").is_file():
        out.append("pff")
    if (t / "sportec" / "sportec_positional.xml").is_file():
        out.append("sportec")
    if (_kloppy_files() / "skillcorner_structured_data.json").is_file():
        out.append("skillcorner")
    return out


def load_dataset(source: str, data_dir: Path | str | None = None):
    """Load one source as a kloppy TrackingDataset in Second Spectrum coordinates."""
    d = Path(data_dir) if data_dir else default_data_dir()
    t = d / "tracking" if (d / "tracking").is_dir() else d
    if source == "pff":
        from kloppy import pff

        f = t / "pff_wc2022_final"
        need = [f / "pff_metadata_10517.json", f / "pff_rosters_10517.json", f / "pff_10517.jsonl"]
        _require(need)
        return pff.load_tracking(*map(str, need), coordinates="secondspectrum")
    if source == "sportec":
        from kloppy import sportec

        need = [t / "sportec" / "sportec_meta.xml", t / "sportec" / "sportec_positional.xml"]
        _require(need)
        return sportec.load_tracking(*map(str, need), coordinates="secondspectrum")
    if source == "skillcorner":
        from kloppy import skillcorner

        f = _kloppy_files()
        need = [f / "skillcorner_match_data.json", f / "skillcorner_structured_data.json"]
        _require(need)
        return skillcorner.load(meta_data=str(need[0]), raw_data=str(need[1]), coordinates="secondspectrum")
    raise InputError(f"--motion real: unknown tracking source {source!r} (expected one of {', '.join(SOURCES)})")


def _require(paths: list[Path]) -> None:
    for p in paths:
        if not p.is_file():
            raise InputError(f"{p}: tracking data not found (needed for --motion real)")


def dataset_to_motion(ds, fps: float, n_frames: int, start_run: int = 0) -> Motion:
    """Resample a kloppy TrackingDataset to ``n_frames`` frames at ``fps`` in the store's convention."""
    from kloppy.domain import Ground

    dims = ds.metadata.pitch_dimensions
    sx = DEFAULT_PITCH.half_length / ((dims.x_dim.max - dims.x_dim.min) / 2)
    sy = DEFAULT_PITCH.half_width / ((dims.y_dim.max - dims.y_dim.min) / 2)
    players = []
    for team in ds.metadata.teams:
        for p in team.players:
            players.append((0 if team.ground == Ground.HOME else 1, p))
    players.sort(key=lambda tp: (tp[0], int(tp[1].jersey_no or 0)))
    index = {p: i for i, (_, p) in enumerate(players)}
    n = len(players)
    rate = float(ds.metadata.frame_rate)
    frames = ds.frames
    raw = np.full((len(frames), n, 2), np.nan)
    ball = np.full((len(frames), 3), np.nan)
    for k, fr in enumerate(frames):
        for p, pd in fr.players_data.items():
            c = pd.coordinates
            if p in index and c is not None and c.x is not None:
                raw[k, index[p]] = (c.x * sx, c.y * sy)
        b = fr.ball_coordinates
        if b is not None and b.x is not None:
            z = getattr(b, "z", None)
            ball[k] = (b.x * sx, b.y * sy, max(float(z), 0.11) if z is not None else 0.11)
    # continuous runs: consecutive frame ids within one period
    fid = np.array([fr.frame_id for fr in frames])
    per = np.array([fr.period.id for fr in frames])
    step = np.median(np.diff(fid)) if len(fid) > 1 else 1
    breaks = np.flatnonzero((np.diff(fid) != step) | (np.diff(per) != 0)) + 1
    runs = [r for r in np.split(np.arange(len(frames)), breaks) if len(r) >= 2]
    if not runs:
        raise InputError("tracking data: no continuous run of at least two frames")
    xy_out, ball_out, cuts = [], [], []
    total, r_i = 0, start_run % len(runs)
    while total < n_frames:
        run = runs[r_i]
        t_src = (np.arange(len(run))) / rate
        t_dst = np.arange(0, t_src[-1] + 1e-9, 1.0 / fps)
        t_dst = t_dst[: n_frames - total]
        xy_out.append(_interp(t_src, raw[run], t_dst))
        ball_out.append(_interp(t_src, ball[run], t_dst))
        if total:
            cuts.append(total)
        total += len(t_dst)
        r_i = (r_i + 1) % len(runs)
    teams = ["home" if t == 0 else "away" for t, _ in players]
    roles = ["goalkeeper" if _is_keeper(p) else "player" for _, p in players]
    jerseys = [str(p.jersey_no) if p.jersey_no is not None else None for _, p in players]
    m = Motion(fps=fps, object_id=np.arange(1, n + 1, dtype=np.int64), role=roles, team=teams, jersey=jerseys,
               xy=np.concatenate(xy_out), ball=np.concatenate(ball_out), ball_id=0, source="real", cuts=cuts)
    # keep only people who appear at least once
    seen = np.isfinite(m.xy).all(axis=2).any(axis=0)
    keep = np.flatnonzero(seen)
    m.object_id, m.xy = m.object_id[keep], m.xy[:, keep]
    m.role, m.team, m.jersey = [roles[i] for i in keep], [teams[i] for i in keep], [jerseys[i] for i in keep]
    return m


def _is_keeper(p) -> bool:
    pos = getattr(p, "starting_position", None)
    return pos is not None and "goalkeeper" in str(getattr(pos, "name", pos)).lower()


def _interp(t_src: np.ndarray, v: np.ndarray, t_dst: np.ndarray) -> np.ndarray:
    """Linear interpolation along the first axis; NaN stays NaN where either neighbour is NaN."""
    flat = v.reshape(len(v), -1)
    out = np.empty((len(t_dst), flat.shape[1]))
    pos = np.clip(np.searchsorted(t_src, t_dst, side="right") - 1, 0, len(t_src) - 2)
    f = ((t_dst - t_src[pos]) / (t_src[pos + 1] - t_src[pos]))[:, None]
    out[:] = flat[pos] * (1 - f) + flat[pos + 1] * f
    return out.reshape((len(t_dst),) + v.shape[1:])


def load_real(seed: int, n_frames: int, fps: float = 25.0, data_dir: Path | str | None = None,
              source: str | None = None) -> Motion:
    """Real movement for a clip: ``source`` (default: PFF, else Sportec) from ``data_dir``; the seed picks the run.

    Raises InputError with the missing path when the data is absent.
    """
    avail = available_sources(data_dir)
    if source is None:
        shared = [s for s in ("pff", "sportec") if s in avail]
        if not shared:
            d = Path(data_dir) if data_dir else default_data_dir()
            raise InputError(f"{d / 'tracking'}: no real tracking data found (needed for --motion real)")
        source = shared[0]
    ds = load_dataset(source, data_dir)
    return dataset_to_motion(ds, fps, n_frames, start_run=int(np.random.default_rng([seed, 2]).integers(0, 1000)))
