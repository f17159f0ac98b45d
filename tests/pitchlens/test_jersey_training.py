"""Training the shirt-number reader end to end on a few rendered frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cv.jersey import JerseyReader, PatchGeometry
from pitchlens.jersey_training import JerseySettings, build_samples, train_reader

TINY = JerseySettings(broadcast_frames=2, zoomed_frames=4, cutaway_frames=0, shards=1, epochs=1, batch=16)


def test_patches_are_labelled_with_the_number_the_renderer_drew():
    p, lab, hpx = build_samples(TINY, PatchGeometry())
    assert len(p) == len(lab) == len(hpx) > 20
    assert p.shape[1:] == (32, 32, 3) and p.dtype == np.uint8
    # a number label exactly where the renderer drew a number (referees and fronts: none)
    assert ((lab[:, 0] > 0) == np.isfinite(hpx)).all()
    assert (lab[:, 0] > 0).any() and (lab[:, 0] == 0).any()
    assert (hpx[np.isfinite(hpx)] >= 6).all()


def test_a_trained_model_loads_and_reads(tmp_path: Path):
    out = tmp_path / "numbers.pt"
    m = train_reader(out, TINY, log=lambda s: None)
    assert out.is_file()
    assert 0.0 <= m["exact"] <= 1.0 and m["n"] > 0
    reader = JerseyReader(out)
    img = np.full((200, 300, 3), 90, np.uint8)
    nums, prob = reader.read(img, np.array([[10, 10, 40, 100], [100, 10, 110, 30]], float))
    assert len(nums) == 2 and prob.shape == (2,) and nums[1] is None and prob[1] == 0.0  # the second is too small


def test_train_numbers_command(tmp_path: Path, capsys):
    from tests.pitchlens.test_cli import run

    out = tmp_path / "n.pt"
    code, text, err = run(["train-numbers", "--out", out, "--epochs", "1", "--shards", "1", "--broadcast-frames",
                           "2", "--zoomed-frames", "3", "--cutaway-frames", "0"], capsys)
    assert code == 0, err
    assert out.is_file() and f"wrote {out}" in text and "numbers read" in text
    JerseyReader(out)
    code, _, err = run(["train-numbers", "--out", out, "--broadcast-frames", "0", "--zoomed-frames", "0",
                        "--cutaway-frames", "0"], capsys)
    assert code != 0 and "nothing to train on" in err
