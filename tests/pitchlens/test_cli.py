"""The command line: end to end on a real clip, and one clear line for each bad input."""

from __future__ import annotations

import json
import sys

import pytest
import torch

from pitchlens.cli import main
from pitchlens.store import Store
from tests.conftest import make_clip


def run(argv, capsys):
    old = sys.argv
    sys.argv = ["pitchlens", *map(str, argv)]
    try:
        main()
        code = 0
    except SystemExit as e:
        code = e.code or 0
    finally:
        sys.argv = old
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture()
def demo_args(yolo_weights):
    return ["--profile", "demo", "--weights", yolo_weights, "--device", "cpu", "--quiet"]


def test_process_then_query_and_matches(tmp_path, small_clip, demo_args, capsys):
    store = tmp_path / "store"
    code, out, err = run(["process", small_clip, "--store", store, "--match-id", "m1", *demo_args], capsys)
    assert code == 0, err
    code, out, err = run(["query", "SELECT count(*) AS n FROM frames", "--store", store, "--format", "json"], capsys)
    assert code == 0 and json.loads(out) == [{"n": 30}]
    code, out, err = run(["matches", "--store", store, "--format", "csv"], capsys)
    assert code == 0 and "m1" in out and "complete" in out
    code, out, err = run(["query", "SELECT frame, t FROM frames ORDER BY frame LIMIT 3", "--store", store,
                          "--format", "parquet", "--out", tmp_path / "o.parquet"], capsys)
    import pyarrow.parquet as pq

    assert code == 0 and pq.read_table(tmp_path / "o.parquet").column("frame").to_pylist() == [0, 1, 2]


def _assert_one_line_error(code, err, *needles):
    assert code != 0
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert "Traceback" not in err
    text = " ".join(lines)
    assert text.startswith("error:"), err
    for n in needles:
        assert str(n) in text, (n, err)


def test_bad_videos(tmp_path, demo_args, capsys):
    store = tmp_path / "store"
    cases = {}
    cases["missing"] = (tmp_path / "missing.mp4", "no such file")
    (tmp_path / "zero.mp4").write_bytes(b"")
    cases["zero"] = (tmp_path / "zero.mp4", "empty")
    (tmp_path / "text.mp4").write_text("hello\n" * 100)
    cases["text"] = (tmp_path / "text.mp4", "not a readable video")
    for _name, (path, why) in cases.items():
        code, out, err = run(["process", path, "--store", store, *demo_args], capsys)
        _assert_one_line_error(code, err, path.name, why)
    assert Store(store).match_ids() == []


def test_corrupt_video_is_kept_partial(tmp_path, demo_args, capsys):
    import numpy as np

    from cv.video import write_video

    rng = np.random.default_rng(2)
    path = tmp_path / "noisy.mp4"
    write_video(path, [rng.integers(0, 255, (96, 160, 3), dtype=np.uint8) for _ in range(40)])
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + len(data) // 8):
        data[i] = (data[i] * 7 + 13) % 256
    path.write_bytes(bytes(data))
    store = tmp_path / "store"
    code, out, err = run(["process", path, "--store", store, "--match-id", "c", *demo_args], capsys)
    _assert_one_line_error(code, err, "noisy.mp4", "decode error after")
    m = Store(store).read("matches", "c").to_pylist()[0]
    assert m["status"].startswith("partial") and 0 < m["frames"] < 40


def test_truncated_video_is_kept_partial(tmp_path, demo_args, capsys):
    full = make_clip(tmp_path / "full.mp4", n=50)
    cut = tmp_path / "cut.mp4"
    data = full.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    store = tmp_path / "store"
    code, out, err = run(["process", cut, "--store", store, "--match-id", "t", *demo_args], capsys)
    _assert_one_line_error(code, err, "cut.mp4", "truncated")
    m = Store(store).read("matches", "t").to_pylist()[0]
    assert m["status"].startswith("partial: truncated") and 0 < m["frames"] < 50


def test_bad_weights(tmp_path, small_clip, capsys):
    store = tmp_path / "store"
    bad = tmp_path / "bad.pt"
    bad.write_text("nope")
    other = tmp_path / "other.pt"
    torch.save({"a": 1}, other)
    for w, why in ((tmp_path / "missing.pt", "no such weights file"), (bad, "not a YOLO model"),
                   (other, "not a YOLO model")):
        code, out, err = run(["process", small_clip, "--store", store, "--profile", "demo", "--weights", w,
                              "--quiet"], capsys)
        _assert_one_line_error(code, err, w.name, why)
    assert not (store / "_manifests").exists() or Store(store).match_ids() == []


def test_coco_default_without_network_names_the_ways_out(tmp_path, small_clip, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["process", small_clip, "--store", tmp_path / "s", "--quiet"], capsys)
    _assert_one_line_error(code, err, "yolo11m.pt", "--weights", "--profile demo")


def test_unwritable_store(tmp_path, small_clip, demo_args, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    code, out, err = run(["process", small_clip, "--store", blocker / "store", *demo_args], capsys)
    _assert_one_line_error(code, err, "store")


def test_bad_config_key(tmp_path, small_clip, demo_args, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("detector:\n  confidence: 0.3\n")
    code, out, err = run(["process", small_clip, "--config", cfg, *demo_args], capsys)
    _assert_one_line_error(code, err, "c.yaml", "detector.confidence", "unknown key")


def test_bad_sql(tmp_path, small_clip, demo_args, capsys):
    store = tmp_path / "store"
    run(["process", small_clip, "--store", store, *demo_args], capsys)
    code, out, err = run(["query", "SELECT * FROM nosuchtable", "--store", store], capsys)
    _assert_one_line_error(code, err, "SQL", "nosuchtable")
    code, out, err = run(["query", "DELETE FROM tracks", "--store", store], capsys)
    _assert_one_line_error(code, err, "only SELECT")


def test_debug_shows_traceback(tmp_path, demo_args, capsys):
    code, out, err = run(["--debug", "process", tmp_path / "missing.mp4", *demo_args], capsys)
    assert code != 0 and "Traceback" in err
