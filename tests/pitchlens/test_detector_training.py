"""Demo detector training: labels from truth, and a tiny end-to-end training run that loads as profile demo."""

from __future__ import annotations

import numpy as np

from cv.detect import CLASSES, Detector, DetectorSettings
from pitchlens.detector_training import (
    BENCHMARK_SEEDS,
    TrainSettings,
    crop_windows,
    keep_truth_box,
    train_detector,
    yolo_labels,
)


def test_labels_follow_truth_boxes_and_skip_hidden_ones():
    objs = [
        {"role": "player", "visible": True, "x1": 110.0, "y1": 50.0, "x2": 120.0, "y2": 80.0, "occluded": 0.1},
        {"role": "ball", "visible": True, "x1": 150.0, "y1": 60.0, "x2": 156.0, "y2": 66.0, "occluded": 0.0},
        {"role": "referee", "visible": True, "x1": 130.0, "y1": 50.0, "x2": 140.0, "y2": 80.0, "occluded": 0.9},
        {"role": "player", "visible": False, "x1": None, "y1": None, "x2": None, "y2": None, "occluded": None},
        {"role": "goalkeeper", "visible": True, "x1": 500.0, "y1": 50.0, "x2": 510.0, "y2": 80.0, "occluded": 0.0},
    ]
    lines = [list(map(float, s.split())) for s in yolo_labels(objs, 100, 40, 160)]
    assert [int(v[0]) for v in lines] == [CLASSES.index("player"), CLASSES.index("ball")]
    np.testing.assert_allclose(lines[0][1:], [15 / 160, 25 / 160, 10 / 160, 30 / 160], atol=1e-6)
    np.testing.assert_allclose(lines[1][1:], [53 / 160, 23 / 160, 6 / 160, 6 / 160], atol=1e-6)
    assert not keep_truth_box("player", 0, 0, 3, 5, 0.0) and keep_truth_box("ball", 0, 0, 3, 3, 0.0)


def test_first_crop_holds_the_ball():
    ball = {"role": "ball", "visible": True, "x1": 1200.0, "y1": 700.0, "x2": 1206.0, "y2": 706.0}
    (x0, y0), = crop_windows(np.random.default_rng(0), [ball], (1280, 720), 320, 1)
    assert x0 <= 1200 and 1206 <= x0 + 320 and y0 <= 700 and 706 <= y0 + 320


def test_tiny_training_run_gives_demo_weights(tmp_path):
    s = TrainSettings(images=8, epochs=1, imgsz=160, seed=77, crops_per_frame=4, batch=8, workers=0, scene_frames=2,
                      scene_stride=5)
    summary = train_detector(tmp_path / "w.pt", tmp_path / "work", s)
    assert summary["images"] == {"train": 8, "val": 1}
    assert 0 < (tmp_path / "w.pt").stat().st_size < 15e6
    labels = list((tmp_path / "work" / "dataset" / "labels" / "train").glob("*.txt"))
    assert sum(len(p.read_text().split()) for p in labels) > 0  # rendered frames produced boxes
    det = Detector(str(tmp_path / "w.pt"), profile="demo", settings=DetectorSettings(device="cpu", imgsz=320))
    assert [det.model.names[i] for i in range(4)] == list(CLASSES)
    out = det([np.zeros((180, 320, 3), np.uint8)])
    assert len(out) == 1 and set(out[0].data["class_name"]) <= set(CLASSES)


def test_benchmark_seeds_are_never_training_scenes():
    from pitchlens.detector_training import _scene_seed

    assert not {_scene_seed(1000, k) for k in range(5000)} & set(BENCHMARK_SEEDS)
