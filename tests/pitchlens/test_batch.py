"""Many matches as idempotent units: locally and on a real (local) Ray cluster."""

from __future__ import annotations

import pytest

from pitchlens.batch import plan, run_local, run_ray
from pitchlens.store import Store
from tests.conftest import make_clip


@pytest.fixture()
def clips(tmp_path):
    return [make_clip(tmp_path / f"m{i}.mp4", n=12, seed=i) for i in range(2)]


def _over(weights):
    return {"detector": {"profile": "demo", "weights": str(weights), "device": "cpu", "imgsz": 320}}


def test_units_are_idempotent_locally(tmp_path, clips, yolo_weights):
    store = str(tmp_path / "store")
    units = plan(clips)
    first = run_local(units, None, _over(yolo_weights), store)
    assert [r.state for r in first] == ["done", "done"]
    again = run_local(units, None, _over(yolo_weights), store)
    assert [r.state for r in again] == ["skipped", "skipped"]
    changed = {**_over(yolo_weights), "job": {"stride": 2}}
    third = run_local(units[:1], None, changed, store)
    assert third[0].state == "done" and third[0].frames == 6  # new settings: re-processed, replaced whole
    assert Store(store).read("frames", units[0].match_id).num_rows == 6


def test_failed_unit_does_not_stop_the_others(tmp_path, clips, yolo_weights):
    bad = tmp_path / "bad.mp4"
    bad.write_text("not a video")
    res = run_local(plan([bad, *clips]), None, _over(yolo_weights), str(tmp_path / "s"))
    assert [r.state for r in res] == ["failed", "done", "done"] and "not a readable video" in res[0].detail
    assert sorted(Store(tmp_path / "s").match_ids()) == ["m0", "m1"]


def test_duplicate_match_ids_are_refused(tmp_path, clips):
    from cv.errors import UserError

    with pytest.raises(UserError, match="also the id"):
        plan([clips[0], clips[0]])


def test_ray_runs_units_on_workers(tmp_path, clips, yolo_weights):
    pytest.importorskip("ray")
    store = str(tmp_path / "store")
    res = run_ray(plan(clips), None, _over(yolo_weights), store, cpus_per_unit=1)
    assert sorted(r.state for r in res) == ["done", "done"]
    assert sorted(Store(store).match_ids()) == ["m0", "m1"]
    assert all(Store(store).read("frames", m).num_rows == 12 for m in ("m0", "m1"))


def test_a_match_calibrating_in_a_pool_holds_its_cores_on_ray(tmp_path, clips, monkeypatch):
    """Without --cpus-per-match, a match holds one core plus its calibration workers (job.calibration_workers)."""
    from typer.testing import CliRunner

    import pitchlens.batch
    from pitchlens.cli import app

    asked = []
    monkeypatch.setattr(pitchlens.batch, "run_ray", lambda units, *a, **k: asked.append(k["cpus_per_unit"]) or [])
    cfg = tmp_path / "pool.yaml"
    cfg.write_text("job:\n  calibration_workers: 3\n")
    for extra, want in (([], 1.0), (["--config", str(cfg)], 4.0), (["--config", str(cfg), "--cpus-per-match", "2"],
                                                                   2.0)):
        res = CliRunner().invoke(app, ["batch", *map(str, clips), "--store", str(tmp_path / "s"), "--ray", "local",
                                       *extra])
        assert res.exit_code == 0, res.output
        assert asked[-1] == want
