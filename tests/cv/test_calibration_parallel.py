"""A video calibrated in a pool of processes, one time window each: every frame once, in order, and as accurate as
one calibrator running through the whole clip."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from cv.calibration import CalibrationConfig, build_calibrator
from cv.calibration.parallel import WindowPool, windows
from cv.video import VideoReader
from pitchlens.synth.render import render_clip
from tests.cv.calib_render import error_m


def test_windows_cover_the_span_once():
    assert windows(0.0, 5.0, 2.0) == [(0.0, 2.0), (2.0, 4.0), (4.0, 5.0)]
    assert windows(1.0, 3.0, 2.0) == [(1.0, 3.0)]
    assert windows(0.0, 0.5, 2.0) == [(0.0, 0.5)]


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    d = tmp_path_factory.mktemp("parallel") / "clip"
    render_clip(d, seconds=4.0, seed=4343, size=(640, 360), fps=10.0, cutaways=False)
    return d


def _errors(clip, results) -> list[float]:
    truth = {r["frame"]: r for r in pq.read_table(clip / "truth" / "frames.parquet").to_pylist()}
    out = []
    for r in results:
        ht = truth[r.frame]["homography"]
        if r.usable and r.H is not None and ht is not None:
            out.append(float(np.median(error_m(np.asarray(ht).reshape(3, 3), r.H, 640, 360))))
    return out


def test_a_pool_of_windows_calibrates_like_one_calibrator(clip):
    cfg = CalibrationConfig()
    seq = build_calibrator(cfg)
    one = [seq.update(img, frame=i, t=t) for i, t, img in VideoReader(clip / "clip.mp4")]
    with WindowPool(clip / "clip.mp4", cfg, duration=4.0, workers=2, window_s=1.5, warmup_s=1.0) as pool:
        assert len(pool.windows) == 3
        par = list(pool.results())
    assert [r.frame for r in par] == [r.frame for r in one] == list(range(40))
    e_one, e_par = _errors(clip, one), _errors(clip, par)
    assert len(e_par) >= 0.9 * len(one) and len(e_par) >= len(e_one) - 2  # usable on the same frames, or nearly
    assert np.median(e_par) < 0.5 and np.median(e_par) < np.median(e_one) + 0.1


def test_the_calibrate_command_with_workers(clip, tmp_path, capsys):
    from tests.pitchlens.test_cli import run

    tables = {}
    for workers in (1, 2):
        out = tmp_path / f"frames-{workers}.parquet"
        code, text, err = run(["calibrate", str(clip / "clip.mp4"), "--out", str(out), "--workers", str(workers),
                               "--window", "1.5"], capsys)
        assert code == 0, err
        assert "40 frames" in text
        tables[workers] = pq.read_table(out).to_pylist()
    assert [r["frame"] for r in tables[2]] == [r["frame"] for r in tables[1]] == list(range(40))
    assert sum(r["usable"] for r in tables[2]) >= sum(r["usable"] for r in tables[1]) - 2
