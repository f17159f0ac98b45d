"""The YOLO detector: real ultralytics models, profiles and bad weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cv.detect import CLASSES, Detector, DetectorSettings, load_yolo, resolve_weights
from cv.errors import WeightsError
from tests.conftest import DEVICES, ROOT


def test_detector_returns_role_labelled_detections(yolo_weights):
    det = Detector(str(yolo_weights), "demo", settings=DetectorSettings(imgsz=320, conf=0.001, device="cpu"))
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 255, (3, 192, 320, 3), dtype=np.uint8)
    out = det(imgs)
    assert len(out) == 3
    for d in out:
        assert d.xyxy.shape[1] == 4 and len(d.data["class_name"]) == len(d)
        assert set(d.data["class_name"]) <= set(CLASSES)
        assert all(CLASSES[c] == n for c, n in zip(d.class_id, d.data["class_name"], strict=False))
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


def _synthetic_frames(n: int = 2):
    from pitchlens.synth.render import render_frames

    frames = []
    for img, _ in render_frames(seed=4242, n=n, size=(640, 384)):
        frames.append(img)
    return np.stack(frames)


@pytest.mark.parametrize("device", DEVICES)
def test_batched_torch_path_matches_ultralytics_predict(yolo_weights, device):
    """The device-side batched pre/post-processing finds the boxes ultralytics' predict finds (fp16 on a GPU)."""
    imgs = _synthetic_frames(2)
    s = DetectorSettings(imgsz=640, conf=0.25, device=device)
    fast = Detector(str(yolo_weights), "demo", settings=DetectorSettings(**{**s.__dict__, "backend": "torch"}))
    slow = Detector(str(yolo_weights), "demo", settings=DetectorSettings(**{**s.__dict__, "backend": "ultralytics"}))
    assert fast.backend == "torch" and slow.backend == "ultralytics"
    a, b = fast(imgs), slow(imgs)
    if device != "cpu":  # frames already on the GPU (as NVDEC gives them) give the same boxes as host frames
        on_device = fast(torch.from_numpy(imgs).to(device))
        assert [len(d) for d in on_device] == [len(d) for d in a]
        assert all(np.abs(x.xyxy - y.xyxy).max(initial=0) < 1.0 for x, y in zip(on_device, a, strict=True))
    import supervision as sv

    for da, db in zip(a, b, strict=False):
        strong = db.confidence > 0.4
        if strong.sum() == 0:
            continue
        iou = sv.box_iou_batch(db.xyxy[strong], da.xyxy) if len(da) else np.zeros((strong.sum(), 1))
        assert (iou.max(axis=1) > 0.9).mean() >= 0.95
        assert abs(len(da) - len(db)) <= max(2, 0.1 * len(db))


@pytest.mark.parametrize("device", DEVICES)
def test_letterbox_matches_ultralytics(yolo_weights, device):
    from ultralytics.data.augment import LetterBox

    det = Detector(str(yolo_weights), "demo", settings=DetectorSettings(device=device, backend="torch"))
    img = _synthetic_frames(1)[0]
    ref = LetterBox(640, auto=True, stride=32)(image=img)
    x = torch.from_numpy(img[None]).to(device).permute(0, 3, 1, 2).float() / 255
    ours, r, pad = det._fast.letterbox(x, 640)
    ours = (ours[0].permute(1, 2, 0).cpu().numpy() * 255)
    assert ours.shape == ref.shape
    assert np.abs(ours - ref.astype(np.float32)).mean() < 2.0


def test_crop_redetector_finds_the_ball_in_crop_pixels(yolo_weights):
    """The ball tracker's second look: the detector on a crop around the ball, enlarged twice, gives the ball's
    box in the crop's own pixels."""
    from cv.detect import crop_redetector
    from pitchlens.synth.render import render_frames

    if yolo_weights.name != "pitchlens-demo.pt":
        pytest.skip("needs the project's trained demo model")
    det = Detector(str(yolo_weights), "demo", settings=DetectorSettings(device="cpu"))
    hook = crop_redetector(det, 2.0)
    found = tried = 0
    for img, truth in render_frames(seed=77, n=12, size=(1280, 720), randomize=False):
        ball = [o for o in truth["objects"] if o["role"] == "ball" and o["visible"] and not o["occluded"]]
        if not ball or not np.isfinite(ball[0]["x1"]):
            continue
        b = ball[0]
        cx, cy = 0.5 * (b["x1"] + b["x2"]), 0.5 * (b["y1"] + b["y2"])
        x0, y0 = int(np.clip(cx - 160, 0, 1280 - 320)), int(np.clip(cy - 160, 0, 720 - 320))
        boxes, conf = hook(img[y0:y0 + 320, x0:x0 + 320])
        assert boxes.shape[1] == 4 and len(boxes) == len(conf)
        tried += 1
        if len(boxes):
            best = boxes[np.argmax(conf)]
            d = np.hypot(0.5 * (best[0] + best[2]) + x0 - cx, 0.5 * (best[1] + best[3]) + y0 - cy)
            found += d < 4.0
    assert tried >= 4 and found >= 0.75 * tried, (found, tried)


def test_detector_brings_torchvision_nms(yolo_weights):
    """ultralytics' NMS uses torchvision's kernel only when torchvision is imported, else a slow pure-torch loop."""
    import subprocess
    import sys

    code = ("import sys; from cv.detect import Detector, DetectorSettings; "
            f"Detector({str(yolo_weights)!r}, 'demo', settings=DetectorSettings(device='cpu')); "
            "print('torchvision' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip().splitlines()[-1] == "True"


@pytest.mark.parametrize("backend", ["torch", "ultralytics"])
def test_calls_from_two_threads_give_the_single_thread_boxes(yolo_weights, backend):
    """The job detects in a background thread while the ball tracker asks for crops: concurrent calls (the torch
    path runs them together, ultralytics' stateful predictor takes turns) give what one thread gives."""
    from concurrent.futures import ThreadPoolExecutor

    det = Detector(str(yolo_weights), "demo", settings=DetectorSettings(imgsz=320, conf=0.05, device="cpu",
                                                                        backend=backend))
    imgs = _synthetic_frames(4)
    jobs = [imgs[:2], imgs[2:3], imgs[3:], imgs[1:3]] * 3
    alone = [det(list(j)) for j in jobs]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda j: det(list(j)), jobs))
    for a, b in zip(alone, together, strict=True):
        assert [len(d) for d in a] == [len(d) for d in b]
        assert all(np.allclose(x.xyxy, y.xyxy, atol=1e-3) for x, y in zip(a, b, strict=True))
