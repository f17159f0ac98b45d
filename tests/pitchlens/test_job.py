"""The processing job: a real clip through the real model into the real store; resume after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pyarrow.compute as pc
import pytest

from pitchlens.config import load_config
from pitchlens.job import default_match_id, process_video
from pitchlens.store import Store
from tests.conftest import DEVICES, make_clip


def _cfg(weights, **job):
    return load_config(overrides={"detector": {"profile": "demo", "weights": str(weights), "device": "cpu",
                                               "imgsz": 320, "conf": 0.01},
                                  "job": job, "video": {"batch_size": 4}})


def test_process_writes_every_table_of_a_match(tmp_path, small_clip, yolo_weights):
    res = process_video(small_clip, _cfg(yolo_weights), store=tmp_path, match_id="m")
    st = Store(tmp_path)
    m = st.read("matches", "m").to_pylist()[0]
    assert m["frames"] == res.frames == 30 and m["status"] == "complete"
    assert m["width"] == 320 and m["height"] == 192 and abs(m["fps"] - 25) < 1e-6
    assert abs(m["duration"] - 1.2) < 1e-6 and len(m["source_sha256"]) == 64
    frames = st.read("frames", "m")
    assert frames.column("frame").to_pylist() == list(range(30))
    det = st.read("detections", "m")
    assert det.num_rows == res.detections
    assert not (tmp_path / "_work" / "m").exists()  # checkpoints are removed once the match has landed


def test_stride_and_range(tmp_path, small_clip, yolo_weights):
    process_video(small_clip, _cfg(yolo_weights), store=tmp_path, match_id="s", start=0.2, end=1.0, stride=3)
    frames = Store(tmp_path).read("frames", "s").column("frame").to_pylist()
    assert frames == [6, 9, 12, 15, 18, 21, 24]


def test_default_match_id():
    assert default_match_id("/x/My Match (2024).mp4") == "My_Match_2024"


def test_killed_job_resumes_without_redetecting(tmp_path, yolo_weights):
    clip = make_clip(tmp_path / "long.mp4", n=80)
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text(f"detector:\n  profile: demo\n  weights: {yolo_weights}\n  device: cpu\n  imgsz: 320\n"
                        "  conf: 0.01\njob:\n  chunk_frames: 8\nvideo:\n  batch_size: 4\n")
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-m", "pitchlens.cli", "process", str(clip), "--store", str(store),
                             "--match-id", "r", "--config", str(cfg_file), "--quiet"], cwd=os.getcwd())
    work = store / "_work" / "r"
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None and len(list(work.glob("chunk-*.parquet"))) < 3:
        time.sleep(0.2)
    assert proc.poll() is None, "job finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    chunks = list(work.glob("chunk-*.parquet"))
    assert len(chunks) >= 3
    assert Store(store).match_ids() == []  # nothing half-written in the store
    cfg = load_config(cfg_file)
    res = process_video(clip, cfg, store=store, match_id="r")
    assert res.resumed_frames >= 24 and res.frames == 80
    resumed = Store(store).read("detections", "r")
    fresh_store = tmp_path / "fresh"
    process_video(clip, cfg, store=fresh_store, match_id="r")
    fresh = Store(fresh_store).read("detections", "r")
    assert resumed.num_rows == fresh.num_rows
    key = ["frame", "cls", "x1", "y1"]
    a = resumed.select(key).sort_by([(k, "ascending") for k in key])
    b = fresh.select(key).sort_by([(k, "ascending") for k in key])
    assert a.column("frame").equals(b.column("frame"))
    assert (pc.max(pc.abs(pc.subtract(a.column("x1"), b.column("x1")))).as_py() or 0.0) < 0.5


@pytest.mark.parametrize("device", DEVICES)
def test_device_backend_gives_the_same_match(tmp_path, small_clip, yolo_weights, device):
    """Decoding into device tensors (NVDEC on a GPU) feeds the same pipeline to the same result."""
    base = _cfg(yolo_weights)
    dev = load_config(overrides={"detector": {"profile": "demo", "weights": str(yolo_weights), "device": device,
                                              "imgsz": 320, "conf": 0.01},
                                 "video": {"batch_size": 4, "backend": "device"}})
    a = process_video(small_clip, base, store=tmp_path / "a", match_id="m")
    b = process_video(small_clip, dev, store=tmp_path / "b", match_id="m")
    assert a.frames == b.frames == 30
    fa = Store(tmp_path / "a").read("frames", "m").column("frame").to_pylist()
    fb = Store(tmp_path / "b").read("frames", "m").column("frame").to_pylist()
    assert fa == fb
    da, db = Store(tmp_path / "a").read("detections", "m"), Store(tmp_path / "b").read("detections", "m")
    assert abs(da.num_rows - db.num_rows) <= max(3, 0.1 * da.num_rows)


def test_a_second_job_on_the_same_match_is_refused(tmp_path, small_clip, yolo_weights):
    import pytest

    from pitchlens.errors import StoreError
    from pitchlens.job import _Checkpoint

    st = Store(tmp_path).ensure()
    held = _Checkpoint(st, "m", {"k": 1})
    try:
        with pytest.raises(StoreError, match="being processed by another job"):
            process_video(small_clip, _cfg(yolo_weights), store=tmp_path, match_id="m")
    finally:
        held.close()
    res = process_video(small_clip, _cfg(yolo_weights), store=tmp_path, match_id="m")  # free again
    assert res.frames == 30



def test_detecting_ahead_in_a_thread_changes_nothing(tmp_path, small_clip, yolo_weights):
    """Decoding and detection run ahead in a background thread (video.prefetch); the match is the same inline."""
    tables = {}
    for depth in (0, 2):
        cfg = load_config(overrides={"detector": {"profile": "demo", "weights": str(yolo_weights), "device": "cpu",
                                                  "imgsz": 320, "conf": 0.01},
                                     "video": {"batch_size": 4, "prefetch": depth}})
        res = process_video(small_clip, cfg, store=tmp_path / f"d{depth}", match_id="m")
        assert res.frames == 30
        st = Store(tmp_path / f"d{depth}")
        tables[depth] = {name: st.read(name, "m") for name in ("detections", "frames", "tracks")}
    for name in ("detections", "frames", "tracks"):
        assert tables[0][name].num_rows > 0
        assert tables[0][name].equals(tables[2][name]), name


def test_calibration_workers_give_the_same_match(tmp_path, yolo_weights):
    """job.calibration_workers: detection first, then time windows calibrated in a pool of processes (fed the
    detections), then the frames decoded again and tracked; the match is the one the inline calibrator gives."""
    import numpy as np

    from pitchlens.synth.render import render_clip

    render_clip(tmp_path / "clip", seconds=3.0, seed=4344, size=(640, 360), fps=10.0, cutaways=False)
    got = {}
    for workers in (0, 2):
        cfg = load_config(overrides={"detector": {"profile": "demo", "weights": str(yolo_weights), "device": "cpu",
                                                  "imgsz": 640},
                                     "job": {"calibration_workers": workers, "calibration_window_s": 1.0},
                                     "video": {"batch_size": 4}})
        res = process_video(tmp_path / "clip" / "clip.mp4", cfg, store=tmp_path / f"w{workers}", match_id="m")
        assert res.frames == 30
        st = Store(tmp_path / f"w{workers}")
        got[workers] = {name: st.read(name, "m").to_pandas() for name in ("frames", "tracks")}
    one, pool = got[0], got[2]
    assert list(pool["frames"]["frame"]) == list(one["frames"]["frame"]) == list(range(30))
    assert one["frames"]["usable"].sum() >= 25 and pool["frames"]["usable"].sum() >= one["frames"]["usable"].sum() - 2
    m = one["tracks"].merge(pool["tracks"], on=["frame", "track_id"], suffixes=("_1", "_p"))
    assert len(m) >= 0.9 * len(one["tracks"]) > 0
    assert np.nanmedian(np.hypot(m["x_1"] - m["x_p"], m["y_1"] - m["y_p"])) < 0.2


def test_shirt_number_model_follows_the_detector_profile(tmp_path):
    from cv.errors import WeightsError
    from pitchlens.job import DEMO_NUMBERS, build_number_reader, number_weights

    assert number_weights(load_config(overrides={"detector": {"profile": "demo"}})) == DEMO_NUMBERS
    assert number_weights(load_config(overrides={"detector": {"profile": "coco"}})) == ""  # real footage: off
    mine = str(tmp_path / "mine.pt")
    cfg = load_config(overrides={"detector": {"profile": "coco"}, "tracking": {"numbers": {"weights": mine}}})
    assert number_weights(cfg) == mine
    assert build_number_reader("") is None
    assert build_number_reader(DEMO_NUMBERS) is not None  # found under weights/
    with pytest.raises(WeightsError, match="mine.pt: shirt-number model not found"):
        build_number_reader(mine)
