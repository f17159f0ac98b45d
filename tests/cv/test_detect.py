"""The YOLO detector: real ultralytics models, profiles and bad weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cv.detect import CLASSES, Detector, DetectorSettings, load_yolo, resolve_weights
from cv.errors import WeightsError


def test_detector_returns_role_labelled_detections(yolo_weights):
    det = Detector(str(yolo_weights), "demo", settings=DetectorSettings(imgsz=320, conf=0.001, device="cpu"))
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 255, (3, 192, 320, 3), dtype=np.uint8)
    out = det(imgs)
    assert len(out) == 3
    for d in out:
        assert d.xyxy.shape[1] == 4 and len(d.data["class_name"]) == len(d)
        assert set(d.data["class_name"]) <= set(CLASSES)
        assert all(CLASSES[c] == n for c, n in zip(d.class_id, d.data["class_name"]))
        if len(d):
            assert (d.xyxy[:, 0] >= -1).all() and (d.xyxy[:, 2] <= 321).all()


def test_batched_equals_single(yolo_weights):
    det = Detector(str(yolo_weights), "demo", settings=DetectorSettings(imgsz=320, conf=0.05, device="cpu"))
    rng = np.random.default_rng(1)
    imgs = rng.integers(0, 255, (2, 192, 320, 3), dtype=np.uint8)
    both = det(imgs)
    one = det(imgs[1:])
    assert len(both[1]) == len(one[0])
    if len(one[0]):
        assert np.allclose(both[1].xyxy, one[0].xyxy, atol=1.0)


def test_profile_must_match_model_classes(yolo_weights):
    with pytest.raises(WeightsError, match="match none of profile 'coco'"):
        Detector(str(yolo_weights), "coco")


def test_custom_class_map(yolo_weights):
    det = Detector(str(yolo_weights), "coco", class_map={"player": "player"})
    assert set(det.lut.values()) == {CLASSES.index("player")}


def test_missing_and_bad_weights(tmp_path):
    with pytest.raises(WeightsError, match="no such weights file"):
        load_yolo(str(tmp_path / "nope" / "x.pt"))
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(WeightsError, match="empty"):
        load_yolo(str(empty))
    text = tmp_path / "text.pt"
    text.write_text("not a model")
    with pytest.raises(WeightsError, match="text.pt: not a YOLO model"):
        load_yolo(str(text))
    other = tmp_path / "dict.pt"
    torch.save({"weights": [1, 2, 3]}, other)
    with pytest.raises(WeightsError, match="dict.pt: not a YOLO model"):
        load_yolo(str(other))


def test_named_model_without_network_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WeightsError, match="--weights.*--profile demo"):
        load_yolo("yolo11m.pt")


def test_resolve_weights_looks_in_weights_dir(tmp_path):
    (tmp_path / "m.pt").write_bytes(b"x")
    assert resolve_weights("m.pt", [tmp_path]) == str(tmp_path / "m.pt")
    assert resolve_weights("yolo11m.pt", [tmp_path]) == "yolo11m.pt"
