"""Decoding straight into device memory: NVDEC on a GPU, batches handed over by DLPack.

With a CUDA device, PyAV decodes on the GPU's NVDEC (``HWAccel('cuda', is_hw_owned=True)``) and
the frames never leave the GPU: their planes go to torch through DLPack and are converted from
YUV to BGR on the GPU, batched. Without one (or if the hardware decoder refuses the stream), the
same code decodes on the CPU and the conversion runs on the CPU: the colour maths and the
batching are the same either way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from cv.errors import MediaError
from cv.video import VideoReader, _short

# Y'CbCr -> R'G'B' matrices (rows R, G, B; columns Y, Cb, Cr) for limited-range input scaled to [0, 1]
_KR_KB = {"bt601": (0.299, 0.114), "bt709": (0.2126, 0.0722)}


def _matrix(standard: str):
    kr, kb = _KR_KB[standard]
    kg = 1 - kr - kb
    return np.array([
        [1.0, 0.0, 2 * (1 - kr)],
        [1.0, -2 * kb * (1 - kb) / kg, -2 * kr * (1 - kr) / kg],
        [1.0, 2 * (1 - kb), 0.0],
    ], dtype=np.float32)


def yuv_to_bgr(y, u, v, standard: str = "bt601", full_range: bool = False):
    """Convert batched planes to BGR uint8 (B, H, W, 3) on their device.

    ``y``: (B, H, W) uint8; ``u``, ``v``: (B, H/2, W/2) uint8 (4:2:0 chroma, upsampled here).
    """
    import torch
    import torch.nn.functional as F

    yf = y.float()
    uv = torch.stack([u, v], dim=1).float()  # (B, 2, h, w)
    uv = F.interpolate(uv, size=yf.shape[-2:], mode="nearest")
    if full_range:
        yn = yf / 255.0
        cb, cr = (uv[:, 0] - 128.0) / 255.0, (uv[:, 1] - 128.0) / 255.0
    else:
        yn = (yf - 16.0) / 219.0
        cb, cr = (uv[:, 0] - 128.0) / 224.0, (uv[:, 1] - 128.0) / 224.0
    m = torch.from_numpy(_matrix(standard)).to(y.device)
    ycc = torch.stack([yn, cb, cr], dim=-1)  # (B, H, W, 3)
    rgb = ycc @ m.T
    bgr = rgb.flip(-1)
    return (bgr * 255.0).round_().clamp_(0, 255).to(torch.uint8)


@dataclass
class DeviceBatch:
    """Consecutive frames on a device: indices, timestamps (s) and BGR uint8 images (B, H, W, 3) as torch."""

    frames: np.ndarray
    t: np.ndarray
    images: object  # torch.Tensor

    def __len__(self) -> int:
        return len(self.frames)

    def numpy(self) -> np.ndarray:
        """The images as a numpy array in host memory."""
        return self.images.cpu().numpy()


class DeviceVideoReader(VideoReader):
    """A :class:`VideoReader` whose batches live on ``device`` (``cuda:N`` decodes on NVDEC)."""

    def __init__(self, path, device: str = "cpu", start: float | None = None, end: float | None = None,
                 stride: int = 1) -> None:
        super().__init__(path, start=start, end=end, stride=stride, backend="pyav")
        self.device = device
        self.hardware = False  # whether frames came from the hardware decoder (NVDEC), set while decoding

    def _open(self):
        import av

        if self.device.startswith("cuda"):
            from av.codec.hwaccel import HWAccel

            index = self.device.split(":")[1] if ":" in self.device else "0"
            try:
                hw = HWAccel("cuda", device=index, allow_software_fallback=True, is_hw_owned=True)
                return av.open(str(self.path), hwaccel=hw)
            except (av.error.FFmpegError, ValueError, RuntimeError):
                pass  # no NVDEC here: decode on the CPU, convert on the GPU
        return av.open(str(self.path))

    def device_batches(self, size: int = 16) -> Iterator[DeviceBatch]:
        """Decoded frames in batches of at most ``size``, as torch tensors on the device."""
        import av
        import torch

        try:
            container = self._open()
        except av.error.FFmpegError as e:
            raise MediaError(f"{self.path}: not a readable video ({_short(e)})") from e
        dev = torch.device(self.device)
        buf: list[tuple[int, float, object, object, object]] = []
        fmt = None
        with container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            tb = stream.time_base or Fraction(1, 90000)
            t0 = stream.start_time if stream.start_time is not None else 0
            fps = self.info.fps
            seeked = bool(self.start)
            if seeked:
                container.seek(int(self.start / tb) + t0, stream=stream, backward=True)
            index = 0
            try:
                for frame in container.decode(stream):
                    pts = frame.pts if frame.pts is not None else frame.dts
                    t = float(((pts if pts is not None else t0) - t0) * tb)
                    i = int(round(t * fps)) if seeked else index
                    index += 1
                    if self.start is not None and t < self.start - 1e-6:
                        continue
                    if self.end is not None and t >= self.end - 1e-6:
                        break
                    self.decoded += 1
                    self.last_t = t
                    if i % self.stride:
                        continue
                    y, u, v, fmt, hardware = _planes(frame, dev)
                    self.hardware = self.hardware or hardware
                    buf.append((i, t, y, u, v))
                    if len(buf) == size:
                        yield _device_batch(buf, fmt)
                        buf = []
            except (av.error.FFmpegError, ValueError) as e:
                self.stopped = f"decode error after {self.decoded} frames at t={self.last_t or 0:.2f}s: {_short(e)}"
            if buf:
                yield _device_batch(buf, fmt)


def _planes(frame, dev):
    """Y, U, V planes of a decoded frame as torch tensors on ``dev`` (via DLPack, no copy on the GPU)."""
    import torch

    name = frame.format.name
    hardware = name == "cuda"
    if hardware:  # hardware frame: its software layout is NV12 (or P010 for 10-bit)
        name = frame.sw_format.name if getattr(frame, "sw_format", None) else "nv12"
    if name not in ("yuv420p", "yuvj420p", "nv12"):
        frame = frame.reformat(format="yuv420p")
        name = "yuv420p"
    # The capsule is asked for without a stream: PyAV refuses the stream torch would pass for CUDA planes. NVDEC
    # writes on the legacy default stream, which torch's own default stream waits for.
    planes = [torch.from_dlpack(p.__dlpack__()) for p in frame.planes]
    planes = [p if p.device == dev else p.to(dev, non_blocking=True) for p in planes]
    h, w = frame.height, frame.width
    if name == "nv12":
        y, uv = planes[0][:h, :w], planes[1][: h // 2, : w // 2]
        u, v = uv[..., 0], uv[..., 1]
    else:
        y, u, v = planes[0][:h, :w], planes[1][: h // 2, : w // 2], planes[2][: h // 2, : w // 2]
    standard = "bt709" if int(frame.colorspace) == 1 else "bt601"  # unspecified: FFmpeg's default, BT.601
    full = int(frame.color_range) == 2 or name == "yuvj420p"
    return y, u, v, (standard, full), hardware


def _device_batch(buf, fmt) -> DeviceBatch:
    import torch

    standard, full = fmt
    y = torch.stack([b[2] for b in buf])
    u = torch.stack([b[3] for b in buf])
    v = torch.stack([b[4] for b in buf])
    return DeviceBatch(frames=np.array([b[0] for b in buf], dtype=np.int64),
                       t=np.array([b[1] for b in buf], dtype=np.float64),
                       images=yuv_to_bgr(y, u, v, standard, full))


def cuda_available() -> bool:
    """Whether torch sees a CUDA device (and NVDEC may be used)."""
    try:
        import torch

        return torch.cuda.is_available() and os.environ.get("PITCHLENS_NO_NVDEC") != "1"
    except ImportError:  # pragma: no cover
        return False
