"""Shirt-number reader: patch geometry, decoding, the trained model on rendered players, bad model files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from cv.camera import Camera
from cv.errors import WeightsError
from cv.jersey import JerseyReader, PatchGeometry, decode, label_of, patches
from pitchlens.synth.people import HAIR, PALETTE, SKIN, Kit, Look, draw_person
from tests.conftest import DEVICES

WEIGHTS = Path(__file__).resolve().parents[2] / "weights" / "pitchlens-jersey.pt"


def test_patch_is_the_upper_back_of_the_box():
    img = np.zeros((200, 200, 3), np.uint8)
    img[40:120, 60:100] = (0, 0, 255)  # a box 80 px tall, 40 wide ...
    img[50:70, 62:98] = (255, 255, 255)  # ... with a white band across its upper back
    p = patches(img, np.array([[60, 40, 100, 120]], float), PatchGeometry(size=32))
    assert p.shape == (1, 32, 32, 3)
    rows = p[0].astype(int).sum(axis=(1, 2))
    white = np.flatnonzero(rows > 0.8 * rows.max())
    # band at box rows 10-30 of 80 -> patch rows (10/80 - 0.10) / 0.45 * 32 = 1.8 .. (30/80 - 0.10) / 0.45 * 32 = 19.6
    assert white.min() <= 3 and 17 <= white.max() <= 20
    assert (p[0, 24:, 16, 2] > 200).all() and (p[0, 24:, 16, :2] < 50).all()  # red below the band


def test_labels_and_decoding_round_trip():
    assert label_of(None) == (0, 0, 0)
    assert label_of("7") == (1, 7, 0)
    assert label_of("23") == (2, 2, 3)
    assert label_of("07") == (1, 7, 0)
    count = torch.tensor([[9.0, 0, 0], [0, 9.0, 0], [0, 0, 9.0], [0, 0, 0.1]])
    d1 = torch.zeros(4, 10)
    d2 = torch.zeros(4, 10)
    d1[:, 2] = 9.0
    d2[:, 3] = 9.0
    nums, prob = decode(count, d1, d2)
    assert nums == [None, "2", "23", "23"]
    assert prob[:3].min() > 0.99 and prob[3] < 0.5  # the last one barely prefers two digits


def _player(number: str, facing_away: bool, dist: float = 15.0) -> tuple[np.ndarray, np.ndarray]:
    img = np.zeros((360, 640, 3), np.uint8)
    img[:] = (40, 130, 50)
    ids = np.zeros(img.shape[:2], np.int32)
    cam = Camera(position=(0.0, -dist, 12.0), focal=900.0, width=640, height=360).look_at((0.0, 0.0, 1.0))
    kit = Kit(PALETTE["red"], PALETTE["red"], PALETTE["white"], PALETTE["red"], (245, 245, 245))
    look = Look(kit=kit, skin=SKIN[2], hair=HAIR[0], height=1.8, build=1.0)
    vel = np.array([0.0, 3.0 if facing_away else -3.0])
    draw_person(img, ids, 1, cam, look, np.zeros(2), vel, 0.5, number)
    ys, xs = np.nonzero(ids == 1)
    return img, np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], float)


@pytest.mark.skipif(not WEIGHTS.is_file(), reason="weights/pitchlens-jersey.pt not present")
@pytest.mark.parametrize("device", DEVICES)
def test_trained_reader_reads_the_back_and_not_the_front(device: str):
    reader = JerseyReader(WEIGHTS, device=device)
    for number in ("23", "8", "14"):
        img, box = _player(number, facing_away=True)
        nums, prob = reader.read(img, box)
        assert nums == [number] and prob[0] >= 0.9, (number, nums, prob)
    img, box = _player("23", facing_away=False)
    nums, prob = reader.read(img, box)
    assert nums[0] is None or prob[0] < 0.9
    # too small a box is not read at all
    img, box = _player("23", facing_away=True, dist=60.0)
    assert reader.read(img, box) == ([None], pytest.approx(np.zeros(1)))


def test_bad_model_files_name_the_file(tmp_path: Path):
    with pytest.raises(WeightsError, match="nope.pt"):
        JerseyReader(tmp_path / "nope.pt")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a model")
    with pytest.raises(WeightsError, match="junk.pt: not a pitchlens shirt-number model"):
        JerseyReader(junk)
