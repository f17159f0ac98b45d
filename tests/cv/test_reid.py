"""Re-identification embeddings: crops, the trained model on rendered teammates, bad model files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cv.camera import Camera
from cv.errors import WeightsError
from cv.reid import CropGeometry, ReidEmbedder, build_net, crops, save_model
from pitchlens.synth.people import HAIR, PALETTE, SKIN, Kit, Look, draw_person
from tests.conftest import DEVICES

WEIGHTS = Path(__file__).resolve().parents[2] / "weights" / "pitchlens-reid.pt"


def test_crops_scale_each_box_and_leave_outside_boxes_blank():
    img = np.zeros((100, 200, 3), np.uint8)
    img[20:60, 50:70] = (0, 0, 255)
    geo = CropGeometry(height=16, width=8)
    out = crops(img, np.array([[50, 20, 70, 60], [300, 10, 320, 50]], float), geo)
    assert out.shape == (2, 16, 8, 3)
    assert (out[0] == (0, 0, 255)).all()  # the box is the red patch, scaled
    assert not out[1].any()  # outside the picture


def _teammate(skin: int, hair: int, x: float, facing: float) -> tuple[np.ndarray, np.ndarray]:
    """One player of a red kit on grass, rendered at pitch x (m) running towards ``facing`` (m/s in y)."""
    img = np.zeros((360, 640, 3), np.uint8)
    img[:] = (40, 130, 50)
    ids = np.zeros(img.shape[:2], np.int32)
    cam = Camera(position=(0.0, -14.0, 9.0), focal=900.0, width=640, height=360).look_at((0.0, 0.0, 1.0))
    kit = Kit(PALETTE["red"], PALETTE["red"], PALETTE["white"], PALETTE["red"], (245, 245, 245))
    look = Look(kit=kit, skin=SKIN[skin], hair=HAIR[hair], height=1.8, build=1.0)
    draw_person(img, ids, 1, cam, look, np.array([x, 0.0]), np.array([0.0, facing]), 0.3, None)
    ys, xs = np.nonzero(ids == 1)
    return img, np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], float)


@pytest.mark.skipif(not WEIGHTS.is_file(), reason="weights/pitchlens-reid.pt not present")
@pytest.mark.parametrize("device", DEVICES)
def test_trained_model_tells_teammates_in_one_kit_apart(device: str):
    """Two players in the same kit, one pale and fair-haired, one dark and dark-haired, each seen at two places
    and running two ways: each one's views are nearer each other than to the other player's."""
    emb = ReidEmbedder(WEIGHTS, device=device)
    views = {who: [_teammate(*look, x, facing) for x, facing in ((-2.0, 3.0), (2.0, -3.0))]
             for who, look in {"pale": (0, 3), "dark": (len(SKIN) - 1, 0)}.items()}
    e = {who: np.vstack([emb.embed(img, box) for img, box in v]) for who, v in views.items()}
    assert all(np.allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5) for x in e.values())
    same = [1 - float(x[0] @ x[1]) for x in e.values()]
    other = [1 - float(a @ b) for a in e["pale"] for b in e["dark"]]
    assert max(same) < min(other), (same, other)


@pytest.mark.skipif(not WEIGHTS.is_file(), reason="weights/pitchlens-reid.pt not present")
def test_a_mirrored_crop_embeds_next_to_the_crop():
    """The training mirrors half its crops, so one pass suffices: a player and his mirror image land together."""
    emb = ReidEmbedder(WEIGHTS)
    img, box = _teammate(0, 3, 0.0, 3.0)
    mirrored = np.ascontiguousarray(img[:, ::-1])
    mbox = np.array([[img.shape[1] - box[0, 2], box[0, 1], img.shape[1] - box[0, 0], box[0, 3]]])
    assert 1.0 - float(emb.embed(img, box)[0] @ emb.embed(mirrored, mbox)[0]) < 0.03


def test_small_and_cut_boxes_are_not_embedded_and_bad_files_name_the_file(tmp_path: Path):
    geo = CropGeometry(height=16, width=8, dim=4, min_box_h=30.0)
    path = save_model(build_net(geo), tmp_path / "m.pt", geo)
    emb = ReidEmbedder(path)
    boxes = np.array([[10, 10, 20, 30], [10, 10, 30, 50], [0, 10, 20, 50], [80, 60, 100, 100]], float)
    out = emb.embed(np.zeros((100, 100, 3), np.uint8), boxes)
    assert out.shape == (4, 4) and np.isfinite(out[1]).all()
    assert np.isnan(out[[0, 2, 3]]).all()  # too small; cut by the left edge; by the right and bottom edges
    with pytest.raises(WeightsError, match="not found"):
        ReidEmbedder(tmp_path / "missing.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a model")
    with pytest.raises(WeightsError, match=r"bad\.pt: not a pitchlens re-identification model"):
        ReidEmbedder(bad)


def test_a_tiny_training_run_writes_a_model_the_embedder_loads(tmp_path: Path):
    """Two short rendered clips, one epoch: the file holds the recipe and the people count, and loads."""
    from pitchlens.reid_training import ReidSettings, render_clips, train_embedder

    s = ReidSettings(seeds=[9301, 9302], seconds=0.6, every=2, epochs=1, batch=32)
    clips = render_clips(tmp_path / "clips", s)
    assert [c.name for c in clips] == ["clip-9301", "clip-9302"]
    out = train_embedder(tmp_path / "reid.pt", clips, s, log=lambda _: None)
    import torch

    meta = torch.load(out, weights_only=True)["meta"]
    assert meta["settings"]["seeds"] == [9301, 9302] and meta["people"] >= 4 and meta["crops"] >= meta["people"]
    emb = ReidEmbedder(out)
    img = np.zeros((200, 200, 3), np.uint8)
    e = emb.embed(img, np.array([[50, 50, 80, 130]], float))
    assert e.shape == (1, emb.geo.dim) and abs(float(np.linalg.norm(e[0])) - 1.0) < 1e-5
