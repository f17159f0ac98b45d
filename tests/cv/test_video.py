"""Decoding real files: timestamps, ranges, strides, bad and broken files."""

from __future__ import annotations

import numpy as np
import pytest

from cv.errors import MediaError
from cv.video import VideoReader, write_video
from tests.conftest import make_clip


def test_frames_and_timestamps(small_clip):
    r = VideoReader(small_clip)
    items = list(r)
    assert len(items) == 30 and r.stopped is None
    assert [i for i, _, _ in items] == list(range(30))
    assert np.allclose([t for _, t, _ in items], np.arange(30) / 25.0, atol=1e-3)
    assert items[0][2].shape == (192, 320, 3) and items[0][2].dtype == np.uint8


def test_batches_are_bounded_and_complete(small_clip):
    batches = list(VideoReader(small_clip).batches(8))
    assert [len(b) for b in batches] == [8, 8, 8, 6]
    assert all(b.images.shape[0] <= 8 for b in batches)
    assert np.concatenate([b.frames for b in batches]).tolist() == list(range(30))


def test_start_end_stride(small_clip):
    items = list(VideoReader(small_clip, start=0.4, end=0.8, stride=2))
    assert [i for i, _, _ in items] == [10, 12, 14, 16, 18]
    assert all(0.4 - 1e-6 <= t < 0.8 for _, t, _ in items)


def test_opencv_fallback_reads_the_same_frames(small_clip):
    a = list(VideoReader(small_clip, backend="pyav"))
    b = list(VideoReader(small_clip, backend="opencv"))
    assert len(a) == len(b)
    assert np.abs(a[5][2].astype(int) - b[5][2].astype(int)).mean() < 3


def test_variable_frame_rate_uses_timestamps(tmp_path):
    """A file whose frames are unevenly spaced keeps its real times."""
    import av

    path = tmp_path / "vfr.mp4"
    pts = [0, 1, 2, 5, 6, 10]  # in 1/25 s ticks
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 64, 64, "yuv420p"
        s.codec_context.time_base = __import__("fractions").Fraction(1, 25)
        for p in pts:
            f = av.VideoFrame.from_ndarray(np.full((64, 64, 3), p * 20, np.uint8), format="rgb24")
            f.pts = p
            f.time_base = s.codec_context.time_base
            for pk in s.encode(f):
                out.mux(pk)
        for pk in s.encode():
            out.mux(pk)
    ts = [t for _, t, _ in VideoReader(path)]
    assert np.allclose(ts, np.array(pts) / 25.0, atol=1e-3)


def test_missing_empty_and_text_files(tmp_path):
    with pytest.raises(MediaError, match="no such file"):
        VideoReader(tmp_path / "nope.mp4")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match="empty"):
        VideoReader(empty)
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 10)
    with pytest.raises(MediaError, match="notes.mp4: not a readable video"):
        VideoReader(text)


def test_truncated_file_decodes_what_it_can(tmp_path):
    full = make_clip(tmp_path / "full.mp4", n=40)
    data = full.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])
    r = VideoReader(cut)
    n = sum(1 for _ in r)
    assert 0 < n < 40


def test_corrupt_mid_stream_records_how_far_it_got(tmp_path):
    rng = np.random.default_rng(1)
    path = tmp_path / "noisy.mp4"
    write_video(path, [rng.integers(0, 255, (96, 160, 3), dtype=np.uint8) for _ in range(40)])
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    for i in range(mid, mid + len(data) // 8):
        data[i] = (data[i] * 7 + 13) % 256
    bad = tmp_path / "corrupt.mp4"
    bad.write_bytes(bytes(data))
    r = VideoReader(bad)
    n = sum(1 for _ in r)
    assert 0 < n < 40
    assert r.stopped is not None and "decode error" in r.stopped


def test_write_video_round_trip(tmp_path):
    frames = [np.full((64, 96, 3), (i * 30) % 255, np.uint8) for i in range(5)]
    assert write_video(tmp_path / "w.mp4", frames, fps=10) == 5
    r = VideoReader(tmp_path / "w.mp4")
    assert r.info.fps == pytest.approx(10) and (r.info.width, r.info.height) == (96, 64)
