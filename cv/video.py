"""Video decoding: frames streamed in bounded batches with real timestamps.

PyAV is the main backend, OpenCV the fallback. The container's frame count is never trusted:
frames are numbered as they decode and timed by their presentation timestamps, so files that
claim more frames than they hold, and variable-frame-rate files, come out right. A file that is
corrupt part-way decodes as far as it can; :attr:`VideoReader.stopped` says where and why.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from cv.errors import MediaError


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video (frames and duration are claims, not facts)."""

    path: str
    width: int
    height: int
    fps: float
    frames_claimed: int | None
    duration_claimed: float | None
    codec: str
    backend: str


@dataclass
class FrameBatch:
    """Consecutive decoded frames: indices, timestamps (s) and BGR images (B, H, W, 3) uint8."""

    frames: np.ndarray
    t: np.ndarray
    images: np.ndarray

    def __len__(self) -> int:
        return len(self.frames)


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def quiet_ffmpeg() -> None:
    """Silence FFmpeg's own log lines (errors reach the user through MediaError instead)."""
    try:
        import av.logging

        av.logging.set_level(None)
    except Exception:  # noqa: BLE001 - logging is cosmetic
        pass


def _check_file(path: Path) -> None:
    if not path.exists():
        raise MediaError(f"{path}: no such file")
    if path.is_dir():
        raise MediaError(f"{path}: is a directory, not a video file")
    if path.stat().st_size == 0:
        raise MediaError(f"{path}: file is empty (0 bytes)")
    try:
        with open(path, "rb"):
            pass
    except OSError as e:
        raise MediaError(f"{path}: cannot read ({e.strerror})") from e


class VideoReader:
    """Decode ``path`` between ``start`` and ``end`` seconds, keeping every ``stride``-th frame."""

    def __init__(
        self,
        path: str | os.PathLike,
        start: float | None = None,
        end: float | None = None,
        stride: int = 1,
        backend: str = "auto",
        threads: int = 0,
    ) -> None:
        self.path = Path(path)
        _check_file(self.path)
        quiet_ffmpeg()
        if stride < 1:
            raise MediaError(f"{self.path}: stride must be at least 1, got {stride}")
        if start is not None and end is not None and end <= start:
            raise MediaError(f"{self.path}: end ({end}s) must be after start ({start}s)")
        self.start, self.end, self.stride, self.threads = start, end, stride, threads
        self.decoded = 0
        self.last_t: float | None = None
        self.stopped: str | None = None  # why decoding stopped early, if it did
        errors: list[MediaError] = []
        order = {"auto": ("pyav", "opencv"), "pyav": ("pyav",), "opencv": ("opencv",)}[backend]
        self.backend = ""
        for b in order:
            try:
                self.info = self._probe_pyav() if b == "pyav" else self._probe_opencv()
                self.backend = b
                break
            except MediaError as e:
                errors.append(e)
                if "Invalid data" in str(e) or "no video stream" in str(e):
                    break  # the file itself is bad: another backend will not read it either
        if not self.backend:
            raise errors[0]

    # -- probing ------------------------------------------------------------------
    def _probe_pyav(self) -> VideoInfo:
        import av

        try:
            with av.open(str(self.path)) as c:
                if not c.streams.video:
                    raise MediaError(f"{self.path}: has no video stream")
                s = c.streams.video[0]
                ctx = s.codec_context
                if not ctx.width or not ctx.height:
                    raise MediaError(f"{self.path}: video stream has no frame size")
                rate = s.average_rate or s.guessed_rate or s.base_rate
                fps = float(rate) if rate else 25.0
                dur = float(s.duration * s.time_base) if s.duration and s.time_base else None
                if dur is None and c.duration:
                    dur = c.duration / 1_000_000
                return VideoInfo(str(self.path), ctx.width, ctx.height, fps, s.frames or None, dur,
                                 ctx.name, "pyav")
        except MediaError:
            raise
        except (av.error.FFmpegError, ValueError, OSError) as e:
            raise MediaError(f"{self.path}: not a readable video ({_short(e)})") from e

    def _probe_opencv(self) -> VideoInfo:
        import cv2

        cap = cv2.VideoCapture(str(self.path))
        try:
            if not cap.isOpened():
                raise MediaError(f"{self.path}: not a readable video (OpenCV cannot open it)")
            w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
            if not w or not h:
                raise MediaError(f"{self.path}: video stream has no frame size")
            fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
            n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None
            return VideoInfo(str(self.path), w, h, float(fps), n, n / fps if n else None, "unknown", "opencv")
        finally:
            cap.release()

    @property
    def expected_frames(self) -> int | None:
        """A rough frame count for progress bars only (from the claimed duration)."""
        dur = self.info.duration_claimed
        if not dur:
            return None
        lo = self.start or 0.0
        hi = min(self.end, dur) if self.end is not None else dur
        return max(0, int((hi - lo) * self.info.fps / self.stride))

    # -- decoding -----------------------------------------------------------------
    def __iter__(self) -> Iterator[tuple[int, float, np.ndarray]]:
        """Yield ``(frame_index, t_seconds, bgr_image)`` for every kept frame."""
        src = self._iter_pyav() if self.backend == "pyav" else self._iter_opencv()
        for i, t, img in src:
            if self.start is not None and t < self.start - 1e-6:
                continue
            if self.end is not None and t >= self.end - 1e-6:
                break
            self.decoded += 1
            self.last_t = t
            if i % self.stride == 0:
                yield i, t, img

    def check_complete(self, tolerance: float = 0.5) -> str | None:
        """After decoding to the end: why the file looks cut short, or None.

        A decode error mid-stream is reported as such; a file whose last decoded frame lies well
        before the duration its container claims (and before ``end``) is reported as truncated.
        """
        if self.stopped:
            return self.stopped
        claimed = self.info.duration_claimed
        if claimed is None or self.last_t is None:
            return None
        goal = min(claimed, self.end) if self.end is not None else claimed
        if goal - self.last_t > tolerance + 1.0 / self.info.fps:
            return (f"truncated: decoded {self.decoded} frames up to t={self.last_t:.2f}s "
                    f"of {claimed:.2f}s the container claims")
        return None

    def batches(self, size: int = 16) -> Iterator[FrameBatch]:
        """Decoded frames in batches of at most ``size`` (memory stays bounded)."""
        buf: list[tuple[int, float, np.ndarray]] = []
        for item in self:
            buf.append(item)
            if len(buf) == size:
                yield _to_batch(buf)
                buf = []
        if buf:
            yield _to_batch(buf)

    def _iter_pyav(self) -> Iterator[tuple[int, float, np.ndarray]]:
        import av

        try:
            container = av.open(str(self.path))
        except av.error.FFmpegError as e:
            raise MediaError(f"{self.path}: not a readable video ({_short(e)})") from e
        with container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            if self.threads:
                stream.codec_context.thread_count = self.threads
            tb = stream.time_base or Fraction(1, 90000)
            t0 = stream.start_time if stream.start_time is not None else 0
            fps = self.info.fps
            seeked = False
            if self.start:
                container.seek(int((self.start) / tb) + t0, stream=stream, backward=True)
                seeked = True
            index = 0
            last_pts = None
            try:
                for frame in container.decode(stream):
                    pts = frame.pts if frame.pts is not None else frame.dts
                    if pts is None:
                        pts = (last_pts + int(1 / (fps * tb))) if last_pts is not None else t0
                    last_pts = pts
                    t = float((pts - t0) * tb)
                    i = int(round(t * fps)) if seeked else index
                    index += 1
                    yield i, t, frame.to_ndarray(format="bgr24")
            except (av.error.FFmpegError, ValueError) as e:
                self.stopped = f"decode error after {self.decoded} frames at t={self.last_t or 0:.2f}s: {_short(e)}"

    def _iter_opencv(self) -> Iterator[tuple[int, float, np.ndarray]]:
        import cv2

        cap = cv2.VideoCapture(str(self.path))
        try:
            if self.start:
                cap.set(cv2.CAP_PROP_POS_MSEC, self.start * 1000)
            index = 0
            seeked = bool(self.start)
            while True:
                ok, img = cap.read()
                if not ok:
                    break
                t = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000
                i = int(round(t * self.info.fps)) if seeked else index
                index += 1
                yield i, t, img
        finally:
            cap.release()


def _to_batch(buf: list[tuple[int, float, np.ndarray]]) -> FrameBatch:
    return FrameBatch(
        frames=np.array([b[0] for b in buf], dtype=np.int64),
        t=np.array([b[1] for b in buf], dtype=np.float64),
        images=np.stack([b[2] for b in buf]),
    )


def _short(e: BaseException) -> str:
    msg = str(e).strip().splitlines()
    msg = msg[0] if msg else type(e).__name__
    msg = re.sub(r"^\[Errno -?\d+\]\s*", "", msg)
    # FFmpeg errors repeat the file name: keep the reason
    return msg.split(": '")[0][:200]


def write_video(path: str | os.PathLike, frames: Iterator[np.ndarray] | list[np.ndarray], fps: float = 25.0,
                codec: str = "libx264", crf: int = 23) -> int:
    """Encode BGR frames to ``path`` with PyAV (H.264, yuv420p); returns the number written."""
    import av

    n = 0
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as out:
        stream = None
        for img in frames:
            if stream is None:
                h, w = img.shape[:2]
                stream = out.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
                stream.width, stream.height = w - w % 2, h - h % 2
                stream.pix_fmt = "yuv420p"
                stream.options = {"crf": str(crf), "preset": "veryfast"}
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img[: stream.height, : stream.width]),
                                               format="bgr24")
            for packet in stream.encode(frame):
                out.mux(packet)
            n += 1
        if stream is not None:
            for packet in stream.encode():
                out.mux(packet)
    return n
