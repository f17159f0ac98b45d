"""Many matches: each an idempotent unit, run locally or across machines with Ray.

A unit is (video, match id). It is skipped when the store already holds that match, complete,
from the same video bytes (sha256) and the same settings (config hash); otherwise it runs the
ordinary job, whose result lands in one atomic commit. Units can therefore be retried, re-run
or spread over many GPU machines without double work or half-written matches. With Ray, every
worker must see the same store path (a shared filesystem).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cv.errors import UserError
from cv.video import sha256_file
from pitchlens.config import Config, load_config
from pitchlens.job import default_match_id, process_video
from pitchlens.store import Store


@dataclass
class Unit:
    """One match to process."""

    video: str
    match_id: str


@dataclass
class UnitResult:
    match_id: str
    video: str
    state: str  # done | skipped | failed
    detail: str = ""
    frames: int = 0
    seconds: float = 0.0


def plan(videos: Sequence[str | os.PathLike], match_ids: Sequence[str] | None = None) -> list[Unit]:
    """Units for ``videos`` (match ids from file names unless given); duplicate ids are an error."""
    ids = list(match_ids) if match_ids else [default_match_id(v) for v in videos]
    if len(ids) != len(videos):
        raise UserError(f"--match-id: {len(ids)} ids for {len(videos)} videos")
    seen: dict[str, str] = {}
    for v, m in zip(videos, ids, strict=False):
        if m in seen:
            raise UserError(f"{v}: match id {m!r} is also the id of {seen[m]}; pass distinct --match-id values")
        seen[m] = str(v)
    return [Unit(str(v), m) for v, m in zip(videos, ids, strict=False)]


def already_done(store: str | os.PathLike, unit: Unit, cfg: Config) -> bool:
    """Whether the store holds ``unit`` complete, from the same bytes and settings."""
    st = Store(store)
    if not st.exists or st.manifest(unit.match_id) is None:
        return False
    rows = st.read("matches", unit.match_id).to_pylist()
    if not rows:
        return False
    row = rows[0]
    if row["status"] != "complete" or row["config_hash"] != cfg.hash():
        return False
    try:
        return row["source_sha256"] == sha256_file(unit.video)
    except OSError:
        return False


def run_unit(unit: Unit, config_path: str | None, overrides: dict | None, store: str, force: bool = False,
             start: float | None = None, end: float | None = None, stride: int | None = None) -> UnitResult:
    """Process one unit (the body of a Ray task, or a local loop step); never raises user errors."""
    try:
        cfg = load_config(config_path, overrides)
        if not force and already_done(store, unit, cfg):
            return UnitResult(unit.match_id, unit.video, "skipped", "already in the store, same video and settings")
        res = process_video(unit.video, cfg, store=store, match_id=unit.match_id, start=start, end=end,
                            stride=stride)
        state = "done" if res.status == "complete" else "failed"
        return UnitResult(unit.match_id, unit.video, state, res.status, res.frames, res.seconds)
    except UserError as e:
        return UnitResult(unit.match_id, unit.video, "failed", str(e))


def run_local(units: Sequence[Unit], config_path: str | None, overrides: dict | None, store: str,
              force: bool = False, on_result: Callable[[UnitResult], None] | None = None) -> list[UnitResult]:
    """Run units one after another in this process."""
    out = []
    for u in units:
        r = run_unit(u, config_path, overrides, store, force)
        out.append(r)
        if on_result:
            on_result(r)
    return out


def run_ray(units: Sequence[Unit], config_path: str | None, overrides: dict | None, store: str,
            address: str | None = None, gpus_per_unit: float = 0.0, cpus_per_unit: float = 1.0,
            force: bool = False, retries: int = 2,
            on_result: Callable[[UnitResult], None] | None = None) -> list[UnitResult]:
    """Run units as Ray tasks (``address``: a cluster, or None for a local one).

    Each task holds ``gpus_per_unit`` GPUs; Ray schedules them over the cluster and retries a
    task whose worker died (``retries``). The store path must be shared by all workers.
    """
    try:
        import ray
    except ImportError as e:
        raise UserError("--ray: Ray is not installed; pip install 'pitchlens[scale]'") from e
    store = str(Path(store).resolve())
    config_path = str(Path(config_path).resolve()) if config_path else None
    Store(store).ensure()
    started_here = not ray.is_initialized()
    if started_here:
        root = str(Path(__file__).resolve().parents[1])
        env = {"env_vars": {"PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}}
        if address:
            ray.init(address=address, runtime_env=env, log_to_driver=False)
        else:
            ray.init(runtime_env=env, log_to_driver=False, include_dashboard=False,
                     num_cpus=max(1, os.cpu_count() or 1))
    try:
        task = ray.remote(run_unit).options(num_gpus=gpus_per_unit, num_cpus=cpus_per_unit, max_retries=retries)
        pending = {task.remote(u, config_path, overrides, store, force): u for u in units}
        results = []
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                unit = pending.pop(ref)
                try:
                    r = ray.get(ref)
                except Exception as e:  # noqa: BLE001 - a crashed worker after its retries
                    r = UnitResult(unit.match_id, unit.video, "failed", f"worker failed: {type(e).__name__}: {e}")
                results.append(r)
                if on_result:
                    on_result(r)
        return results
    finally:
        if started_here:
            ray.shutdown()
