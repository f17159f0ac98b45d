"""Calibrating a whole video in a pool of processes, one time window each.

The calibrator follows the camera from frame to frame, so one video is one sequential chain. Split into windows it
is many: each worker decodes its own window (seeking in the file) and calibrates it with a calibrator of its own,
starting ``warmup_s`` early so that the camera is found and settled by the window's first frame. The windows meet
where two independent fits of the same camera meet: a few centimetres apart. Person boxes, where the caller has
them, go to each window's worker; without them the line evidence keeps its people unmasked and the shot type is
judged from the picture alone, which on clips with cut-aways costs shot accuracy (``bench/RESULTS.md``).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

import numpy as np

from cv.calibration.base import CalibrationConfig, FrameCalibration


def windows(t0: float, t1: float, window_s: float) -> list[tuple[float, float]]:
    """``[t0, t1)`` cut into consecutive windows of ``window_s`` seconds (the last one shorter)."""
    n = max(1, math.ceil((t1 - t0) / window_s - 1e-9))
    return [(t0 + k * window_s, min(t0 + (k + 1) * window_s, t1)) for k in range(n)]


def calibrate_window(path: str, cfg: dict, start: float, end: float, warmup_s: float, stride: int,
                     last: bool,
                     boxes: dict[int, tuple[np.ndarray, np.ndarray | None]] | None = None) -> list[FrameCalibration]:
    """Calibrations of the frames of ``path`` in ``[start, end)`` (to the end of the file when ``last``), found by a
    fresh calibrator that starts ``warmup_s`` earlier; revisions of earlier frames are applied. ``boxes``: person
    boxes and confidences by frame, where known."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import cv2

    from cv.calibration import build_calibrator
    from cv.video import VideoReader

    cv2.setNumThreads(1)
    cal = build_calibrator(CalibrationConfig.from_dict(cfg))
    reader = VideoReader(path, start=max(start - warmup_s, 0.0) if start > 0 else None,
                         end=None if last else end, stride=stride)
    out: dict[int, FrameCalibration] = {}
    boxes = boxes or {}
    for i, t, img in reader:
        b, conf = boxes.get(i, (None, None))
        res = cal.update(img, frame=i, t=t, boxes=b, confidences=conf)
        out[i] = res
        for rev in cal.revisions():
            if rev.frame in out:
                out[rev.frame] = rev
    return [r for i, r in sorted(out.items()) if r.t >= start - 1e-6]


class WindowPool:
    """Calibrate ``path`` in ``workers`` processes, ``window_s`` seconds a task; iterate :meth:`results` for every
    frame's :class:`FrameCalibration` in order (each window's as soon as it and those before it are done).

    A window whose calibrator has not found the camera by the window's first frame while the previous window ends on
    it (a view with too few lines to start from, which one calibrator running through carries by camera motion) is
    calibrated again from three, then nine times as far back. ``boxes`` (frame -> person boxes xyxy and
    confidences, with ``fps``) mask the people out of the line evidence and inform the shot type, as in one
    calibrator's run. With ``wait_for_boxes`` the caller is still filling ``boxes`` (a detector running through
    the video): a window is started by :meth:`boxes_until` once the boxes reach its end, or when its results are
    asked for."""

    def __init__(self, path: str | os.PathLike, cfg: CalibrationConfig, duration: float, workers: int,
                 window_s: float = 20.0, warmup_s: float = 4.0, start: float | None = None, end: float | None = None,
                 stride: int = 1, boxes: dict[int, tuple[np.ndarray, np.ndarray | None]] | None = None,
                 fps: float = 25.0, wait_for_boxes: bool = False) -> None:
        t0 = start or 0.0
        t1 = duration if end is None else min(end, duration)
        self.windows = windows(t0, max(t1, t0 + 1e-3), window_s)
        self.retried = 0  # windows calibrated again from the previous window's camera
        self._path, self._stride, self._fps, self._boxes = str(Path(path)), stride, fps, boxes
        self._last = [k == len(self.windows) - 1 and end is None for k in range(len(self.windows))]
        self._cfg = asdict(cfg)
        self._pool = ProcessPoolExecutor(max_workers=max(1, workers), mp_context=mp.get_context("spawn"))
        self._warmup = warmup_s
        self._lock = threading.Lock()
        self._retry: dict[int, Future] = {}  # window -> its calibration from farther back, asked as soon as known
        self._futures: list[Future | None] = [None] * len(self.windows)
        if not wait_for_boxes:
            self.boxes_until(float("inf"))

    def boxes_until(self, t: float) -> None:
        """The boxes of every frame before ``t`` (s) are in: start the windows that end by then."""
        for k, (_, b) in enumerate(self.windows):
            if self._futures[k] is None and (b <= t or t == float("inf")):
                self._start(k)

    def _start(self, k: int) -> Future:
        fut = self._futures[k] = self._submit(k, self._warmup)
        fut.add_done_callback(lambda _, k=k: self._check(k))
        return fut

    def _lost_start(self, k: int, rows: list[FrameCalibration] | None = None) -> bool:
        """Window ``k`` starts without the camera that window ``k - 1`` ends on (both finished)."""
        prev = self._futures[k - 1].result()
        rows = self._futures[k].result() if rows is None else rows
        return bool(prev and rows and prev[-1].usable and not rows[0].usable and rows[0].shot == "main"
                    and not rows[0].cut)

    def _check(self, k: int) -> None:
        """After window ``k`` finished: ask for a retry of ``k`` or ``k + 1`` where both it and the one before are
        done and it started without the camera."""
        with self._lock:
            for j in (k, k + 1):
                if not 0 < j < len(self._futures) or j in self._retry:
                    continue
                a, b = self._futures[j - 1], self._futures[j]
                if a is None or b is None or not (a.done() and b.done()):
                    continue
                if a.cancelled() or b.cancelled() or a.exception() or b.exception():
                    continue
                if self._lost_start(j):
                    try:
                        self._retry[j] = self._submit(j, 3 * self._warmup)
                    except RuntimeError:  # the pool is shutting down
                        return

    def _submit(self, k: int, warmup_s: float) -> Future:
        a, b = self.windows[k]
        sub = None
        if self._boxes is not None:  # only this window's frames travel to its worker
            lo, hi = math.floor((a - warmup_s) * self._fps) - 1, math.ceil(b * self._fps) + 1
            sub = {f: v for f, v in self._boxes.items() if lo <= f <= hi or (self._last[k] and f >= lo)}
        return self._pool.submit(calibrate_window, self._path, self._cfg, a, b, warmup_s, self._stride,
                                 self._last[k], sub)

    def results(self) -> Iterator[FrameCalibration]:
        """Every frame's calibration, in frame order."""
        for k in range(len(self.windows)):
            rows = (self._futures[k] or self._start(k)).result()
            if k > 0:
                self._check(k)
                for far in (None, 9 * self._warmup):  # the retry asked already, then one from farther still
                    if k not in self._retry or not self._lost_start(k, rows):
                        break
                    again = (self._retry[k] if far is None else self._submit(k, far)).result()
                    self.retried += 1
                    if sum(r.usable for r in again) > sum(r.usable for r in rows):
                        rows = again
            yield from rows

    def close(self) -> None:
        """Stop the workers (pending windows are cancelled)."""
        for fut in [*self._futures, *self._retry.values()]:
            if fut is not None:
                fut.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> WindowPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
