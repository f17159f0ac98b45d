"""Decoding into device tensors (DLPack planes, batched YUV->BGR), on the CPU and on a CUDA GPU where there is one."""

from __future__ import annotations

import numpy as np
import pytest

from cv.video import VideoReader
from cv.video_device import DeviceVideoReader, yuv_to_bgr
from tests.conftest import DEVICES, make_clip


@pytest.mark.parametrize("device", DEVICES)
def test_device_batches_match_the_cpu_decoder(tmp_path, device):
    clip = make_clip(tmp_path / "c.mp4", n=20, size=(320, 192))
    ref = list(VideoReader(clip))
    batches = list(DeviceVideoReader(clip, device=device).device_batches(8))
    assert all(str(b.images.device) == device for b in batches)
    assert [len(b) for b in batches] == [8, 8, 4]
    frames = np.concatenate([b.frames for b in batches])
    assert frames.tolist() == [i for i, _, _ in ref]
    imgs = np.concatenate([b.numpy() for b in batches])
    assert imgs.shape == (20, 192, 320, 3) and imgs.dtype == np.uint8
    diff = np.abs(imgs.astype(int) - np.stack([r[2] for r in ref]).astype(int))
    assert diff.mean() < 2.5 and np.percentile(diff, 99) < 40


@pytest.mark.parametrize("device", DEVICES)
def test_device_reader_range_and_stride(tmp_path, device):
    clip = make_clip(tmp_path / "c.mp4", n=30)
    r = DeviceVideoReader(clip, device=device, start=0.4, end=0.8, stride=2)
    frames = np.concatenate([b.frames for b in r.device_batches(4)])
    assert frames.tolist() == [10, 12, 14, 16, 18]


def test_yuv_to_bgr_known_colours():
    import torch

    # limited-range BT.601: (Y, Cb, Cr) of pure colours
    cases = {(235, 128, 128): (255, 255, 255), (16, 128, 128): (0, 0, 0), (81, 90, 240): (0, 0, 255),
             (145, 54, 34): (0, 255, 0), (41, 240, 110): (255, 0, 0)}
    for (Y, U, V), bgr in cases.items():
        y = torch.full((1, 2, 2), Y, dtype=torch.uint8)
        u = torch.full((1, 1, 1), U, dtype=torch.uint8)
        v = torch.full((1, 1, 1), V, dtype=torch.uint8)
        out = yuv_to_bgr(y, u, v, "bt601", False)[0, 0, 0].tolist()
        assert np.abs(np.array(out) - np.array(bgr)).max() <= 3, ((Y, U, V), out, bgr)
