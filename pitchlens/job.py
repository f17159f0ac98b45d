"""The processing job: video -> detections -> calibration -> tracks -> tactics -> store.

Stages run frame by frame over bounded batches. Detections (the expensive stage) are
checkpointed every ``job.chunk_frames`` frames under ``<store>/_work/<match_id>/``; a job that
was interrupted resumes from there (same video and same settings), re-decoding but not
re-detecting the frames already done. The match lands in the store in one atomic commit at the end.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import supervision as sv

from cv.detect import CLASSES, Detector, DetectorSettings, crop_redetector, empty_detections, resolve_weights
from cv.video import VideoReader, sha256_file
from pitchlens import __version__
from pitchlens.config import WEIGHTS_DIR, Config
from pitchlens.errors import InputError, StoreError
from pitchlens.prefetch import run_ahead
from pitchlens.schema import DETECTIONS, FRAMES, MATCHES, conform
from pitchlens.store import Store, check_match_id

ProgressFn = Callable[[int, float | None], None]


@dataclass
class ProcessResult:
    """What a job did."""

    match_id: str
    frames: int
    detections: int
    tracks: int
    status: str
    seconds: float
    stage_seconds: dict[str, float] = field(default_factory=dict)
    resumed_frames: int = 0


def default_match_id(video: str | os.PathLike) -> str:
    """A match id from a file name: letters, digits, '.', '_' and '-' only."""
    stem = re.sub(r"[^A-Za-z0-9_.\-]+", "_", Path(video).stem).strip("._-")
    return stem[:128] or "match"


def detector_device(cfg: Config) -> str:
    """The device detection (and device-side decoding) runs on."""
    from cv.detect import pick_device

    return pick_device(cfg.detector.device)


def build_detector(cfg: Config) -> Detector:
    """The detector the config asks for, weights resolved locally first."""
    d = cfg.detector
    name = d.weights or d.profile_weights.get(d.profile)
    if not name:
        raise InputError(f"detector.weights: profile '{d.profile}' has no default weights; pass --weights PATH")
    weights = resolve_weights(name, [WEIGHTS_DIR])
    settings = DetectorSettings(imgsz=d.imgsz, conf=d.conf, iou=d.iou, max_det=d.max_det, half=d.half,
                                device=d.device)
    return Detector(weights, d.profile, d.class_map, settings)


class _Checkpoint:
    """Detection chunks of an unfinished job, keyed by video hash and settings."""

    def __init__(self, store: Store, match_id: str, key: dict) -> None:
        self.dir = store.root / "_work" / match_id
        self.key = key
        self._lock_fh = _job_lock(store.root / "_work" / f".{match_id}.job.lock", match_id)
        meta = self.dir / "job.json"
        try:
            old = json.loads(meta.read_text()) if meta.exists() else None
        except (OSError, ValueError):
            old = None
        if old != key:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = meta.with_suffix(".tmp")
        tmp.write_text(json.dumps(key))
        os.replace(tmp, meta)
        self.done: dict[int, sv.Detections] = {}
        self.done_frames: set[int] = set()
        for p in sorted(self.dir.glob("chunk-*.parquet")):
            a, b = (int(x) for x in p.stem.split("-")[1:3])
            table = pq.read_table(p)
            frames = np.array(table.schema.metadata.get(b"frames", b"").decode().split(","), dtype=object)
            frame_list = [int(f) for f in frames if f]
            self.done_frames.update(frame_list)
            by_frame = detections_by_frame(table)
            for f in frame_list:
                self.done[f] = by_frame.get(f, empty_detections())
        self._pending: list[pa.Table] = []
        self._pending_frames: list[int] = []

    def add(self, table: pa.Table, frames: list[int]) -> None:
        self._pending.append(table)
        self._pending_frames += frames

    def flush(self) -> None:
        if not self._pending_frames:
            return
        table = pa.concat_tables(self._pending) if self._pending else DETECTIONS.empty_table()
        a, b = min(self._pending_frames), max(self._pending_frames)
        meta = {b"frames": ",".join(map(str, self._pending_frames)).encode()}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
        path = self.dir / f"chunk-{a:09d}-{b:09d}.parquet"
        tmp = path.with_suffix(".tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, path)
        self._pending, self._pending_frames = [], []

    def close(self) -> None:
        """Release the job lock (the checkpoint files stay for a resume)."""
        if self._lock_fh is not None:
            self._lock_fh.close()
            self._lock_fh = None

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        lock = self.dir.parent / f".{self.dir.name}.job.lock"
        lock.unlink(missing_ok=True)
        self.close()
        try:
            self.dir.parent.rmdir()  # the _work folder, when no other job is running
        except OSError:
            pass


class _DelayLine:
    """A bounded FIFO of per-frame work whose calibration may still be revised."""

    def __init__(self, size: int) -> None:
        self.size = max(0, size)
        self.items: deque[list] = deque()

    def push(self, f: int, t: float, det: sv.Detections, img: np.ndarray, row: dict) -> list[tuple]:
        self.items.append([f, t, det, img, row])
        out = []
        while len(self.items) > self.size:
            out.append(tuple(self.items.popleft()))
        return out

    def revise(self, frame: int, row: dict) -> None:
        for item in self.items:
            if item[0] == frame:
                item[4] = row
                return

    def drain(self) -> list[tuple]:
        out = [tuple(i) for i in self.items]
        self.items.clear()
        return out


def _calib_row(res) -> dict:
    H = res.H
    return {"shot": res.shot, "calib_method": res.method, "calib_residual": res.residual,
            "calib_inliers": res.inliers, "usable": bool(res.usable and H is not None),
            "H": None if H is None else np.asarray(H, float).reshape(3, 3)}


def _calibration_pool(video: Path, cfg: Config, cal_cfg, info, duration: float, start: float | None,
                      end: float | None, stride: int, boxes: dict[int, tuple[np.ndarray, np.ndarray]]):
    """A pool of ``cfg.job.calibration_workers`` processes calibrating the video's time windows with ``cal_cfg``;
    a window starts once ``boxes`` (filled by the detection pass) reach its end."""
    from cv.calibration.parallel import WindowPool

    return WindowPool(video, cal_cfg, duration=duration, workers=cfg.job.calibration_workers,
                      window_s=cfg.job.calibration_window_s, start=start, end=end, stride=stride, boxes=boxes,
                      fps=info.fps, wait_for_boxes=True)


def _track_pooled(video: Path, cfg: Config, pool, start: float | None, end: float | None, stride: int,
                  kept: dict[int, tuple[float, sv.Detections]], emit: Callable[[tuple], None],
                  timing: dict[str, float], progress: Callable[[str, int, int | None], None] | None = None) -> None:
    """As each window's calibrations arrive from ``pool``, decode its frames again and hand them with their
    detections to ``emit`` (frames table and tracker), in order; ``progress`` gets a second start."""
    pool.boxes_until(float("inf"))
    if progress:
        progress("start", 0, len(kept))
    reader = VideoReader(video, start=start, end=end, stride=stride,
                         backend="auto" if cfg.video.backend == "device" else cfg.video.backend,
                         threads=cfg.video.threads)
    results = pool.results()
    t_wait = 0.0
    # the frames are decoded again a few ahead in a thread, as in the detection pass
    for f, _, img in run_ahead(iter(reader), cfg.video.prefetch * cfg.video.batch_size, "pitchlens-redecode"):
        if f not in kept:
            continue
        t0 = time.perf_counter()
        res = next(results, None)
        while res is not None and res.frame < f:  # a frame the detection pass did not keep
            res = next(results, None)
        t_wait += time.perf_counter() - t0
        if res is None or res.frame != f:
            raise InputError(f"{video}: frame {f} decoded again but not calibrated (the file changed?)")
        emit((f, kept[f][0], kept[f][1], img, _calib_row(res)))
        if progress:
            progress("advance", 1, len(kept))
    timing["calibrate"] += t_wait


def _job_lock(path: Path, match_id: str):
    """Hold an exclusive lock for the job on ``match_id``; a second job on the same match is refused."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        where = path.parent.parent
        raise StoreError(f"{where}: match {match_id} is being processed by another job right now") from None
    return fh


def detections_by_frame(table: pa.Table) -> dict[int, sv.Detections]:
    """A ``detections`` table (store schema) as one ``sv.Detections`` per frame (one sort, no per-frame scan)."""
    if table.num_rows == 0:
        return {}
    table = table.sort_by("frame")
    frames = table.column("frame").to_numpy()
    xyxy = np.stack([table.column(c).to_numpy(zero_copy_only=False) for c in ("x1", "y1", "x2", "y2")], 1)
    xyxy = xyxy.astype(np.float32)
    conf = table.column("conf").to_numpy(zero_copy_only=False).astype(np.float32)
    names = np.array(table.column("cls").to_pylist(), dtype=object)
    class_id = np.array([CLASSES.index(n) for n in names], dtype=int)
    starts = np.flatnonzero(np.r_[True, frames[1:] != frames[:-1]])
    ends = np.r_[starts[1:], len(frames)]
    return {int(frames[a]): sv.Detections(xyxy=xyxy[a:b], confidence=conf[a:b], class_id=class_id[a:b],
                                          data={"class_name": names[a:b]})
            for a, b in zip(starts, ends, strict=True)}


def _detections_table(match_id: str, frames: list[int], ts: list[float], dets: list[sv.Detections]) -> pa.Table:
    n = [len(d) for d in dets]
    if sum(n) == 0:
        return DETECTIONS.empty_table()
    xyxy = np.concatenate([d.xyxy for d in dets if len(d)]).astype(np.float32)
    return conform({
        "match_id": [match_id] * sum(n),
        "frame": np.repeat(np.asarray(frames, dtype=np.int64), n),
        "t": np.repeat(np.asarray(ts, dtype=np.float64), n),
        "cls": np.concatenate([d.data["class_name"] for d in dets if len(d)]).astype(str),
        "x1": xyxy[:, 0], "y1": xyxy[:, 1], "x2": xyxy[:, 2], "y2": xyxy[:, 3],
        "conf": np.concatenate([d.confidence for d in dets if len(d)]).astype(np.float32),
    }, DETECTIONS)


def _optional_calibrator(cfg: Config):
    try:
        from cv.calibration import CalibrationConfig, build_calibrator
    except ImportError:
        return None
    return build_calibrator(cfg.calibration if cfg.calibration is not None else CalibrationConfig())


#: The project's shirt-number model, trained on the same synthetic footage as the demo detector.
DEMO_NUMBERS = "pitchlens-jersey.pt"


def _tracking_model(cfg: Config, section: str, demo: str) -> str:
    """The model file ``tracking.<section>.weights`` asks for ("" for none), where "auto" means ``demo`` (the
    project's synthetic-footage model) with the demo detector and none otherwise."""
    from tracking import TrackingConfig

    w = getattr(cfg.tracking if cfg.tracking is not None else TrackingConfig(), section).weights
    if w == "auto":
        return demo if cfg.detector.profile == "demo" else ""
    return w


def number_weights(cfg: Config) -> str:
    """The shirt-number model the config asks for ("" for none): ``tracking.numbers.weights`` (see
    :func:`_tracking_model`)."""
    return _tracking_model(cfg, "numbers", DEMO_NUMBERS)


def build_number_reader(weights: str, device: str = "cpu"):
    """The shirt-number reader for model file ``weights`` (as given, then under weights/); None for "".

    Raises ``WeightsError`` naming the file where it is missing or not a number model."""
    if not weights:
        return None
    from cv.jersey import JerseyReader

    return JerseyReader(resolve_weights(weights, [WEIGHTS_DIR]), device=device)


#: The project's re-identification model, trained on the same synthetic footage as the demo detector.
DEMO_REID = "pitchlens-reid.pt"


def reid_weights(cfg: Config) -> str:
    """The re-identification model the config asks for ("" for none): ``tracking.reid.weights`` (see
    :func:`_tracking_model`)."""
    return _tracking_model(cfg, "reid", DEMO_REID)


def build_reid(weights: str, device: str = "cpu"):
    """The re-identification embedder for model file ``weights`` (as given, then under weights/); None for "".

    Raises ``WeightsError`` naming the file where it is missing or not a re-identification model."""
    if not weights:
        return None
    from cv.reid import ReidEmbedder

    return ReidEmbedder(resolve_weights(weights, [WEIGHTS_DIR]), device=device)


def _optional_tracker(cfg: Config, fps: float, detector: Detector | None = None):
    try:
        from tracking import MatchTracker, TrackingConfig
    except ImportError:
        return None
    tcfg = cfg.tracking if cfg.tracking is not None else TrackingConfig()
    redetect = None
    if detector is not None and tcfg.ball.redetect:
        redetect = crop_redetector(detector, tcfg.ball.redetect_upscale)
    # numbers are read on the detector's device
    numbers = build_number_reader(number_weights(cfg), detector_device(cfg))
    reid = build_reid(reid_weights(cfg), detector_device(cfg))
    return MatchTracker(tcfg, fps=fps, redetect=redetect, numbers=numbers, reid=reid)


def _optional_tactics(tracks: pa.Table, match_id: str, fps: float, cfg: Config) -> dict[str, pa.Table]:
    try:
        from pitchlens.analysis import compute_tactics
    except ImportError:
        return {}
    if tracks.num_rows == 0:
        return {}
    return compute_tactics(tracks, match_id=match_id, fps=fps, config=cfg.tactics)


def process_video(
    video: str | os.PathLike,
    cfg: Config,
    store: str | os.PathLike = "store",
    match_id: str | None = None,
    start: float | None = None,
    end: float | None = None,
    stride: int | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> ProcessResult:
    """Process one video into the store as one atomic match; see the module docstring."""
    t_start = time.perf_counter()
    video = Path(video)
    match_id = check_match_id(match_id or default_match_id(video))
    st = Store(store).ensure()
    stride = stride or cfg.job.stride
    if cfg.video.backend == "device":
        from cv.video_device import DeviceVideoReader

        reader = DeviceVideoReader(video, device=detector_device(cfg), start=start, end=end, stride=stride)
        batches = reader.device_batches(cfg.video.batch_size)
    else:
        reader = VideoReader(video, start=start, end=end, stride=stride, backend=cfg.video.backend,
                             threads=cfg.video.threads)
        batches = reader.batches(cfg.video.batch_size)
    detector = build_detector(cfg)
    info = reader.info
    sha = sha256_file(video)
    key = {"sha256": sha, "config": cfg.hash(), "start": start, "end": end, "stride": stride,
           "version": __version__}
    ckpt = _Checkpoint(st, match_id, key)
    pool = None
    try:
        calibrator = _optional_calibrator(cfg)
        tracker = _optional_tracker(cfg, info.fps / stride, detector)

        timing = {"decode": 0.0, "detect": 0.0, "calibrate": 0.0, "track": 0.0}
        frames_rows: dict[str, list] = {k: [] for k in ("frame", "t", "shot", "homography", "calib_method",
                                                        "calib_residual", "calib_inliers", "usable")}
        det_tables: list[pa.Table] = []
        n_frames = n_det = resumed = 0
        since_flush = 0
        expected = reader.expected_frames
        if progress:
            progress("start", 0, expected)
        # Frames wait in a short delay line before tracking, so that a camera the calibrator finds a little
        # later (and carries back over earlier frames) reaches the tracker and the frames table.
        lookback = int(getattr(cfg.calibration, "lookback", 0) or 0) if calibrator is not None else 0
        delay = _DelayLine(lookback)
        # with calibration workers, this pass only decodes and detects; the calibration runs afterwards in a pool
        # of processes fed the detections, and a last pass decodes again and tracks
        pooled = calibrator is not None and cfg.job.calibration_workers >= 2
        boxes: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        kept: dict[int, tuple[float, sv.Detections]] = {}
        if pooled and info.duration_claimed:  # windows start while detection goes on, as their boxes come in
            pool = _calibration_pool(video, cfg, calibrator.cfg, info, info.duration_claimed, start, end, stride,
                                     boxes)

        def _emit(item: tuple) -> None:
            f, t, det, img, row = item
            frames_rows["frame"].append(f)
            frames_rows["t"].append(t)
            for key in ("shot", "calib_method", "calib_residual", "calib_inliers", "usable"):
                frames_rows[key].append(row[key])
            frames_rows["homography"].append(None if row["H"] is None else row["H"].reshape(9).tolist())
            if tracker is not None:
                t0 = time.perf_counter()
                H = row["H"] if row["usable"] else None
                tracker.update(frame=f, t=t, detections=det, homography=H, usable=bool(row["usable"]), image=img,
                               shot=row["shot"])
                timing["track"] += time.perf_counter() - t0

        def detected():
            """Decoded batches with their host images and detections (checkpointed frames are not detected again)."""
            it = iter(batches)
            while True:
                t0 = time.perf_counter()
                batch = next(it, None)
                timing["decode"] += time.perf_counter() - t0
                if batch is None:
                    return
                host_images = batch.images if isinstance(batch.images, np.ndarray) else batch.numpy()
                frames = [int(f) for f in batch.frames]
                todo = [k for k, f in enumerate(frames) if f not in ckpt.done_frames]
                dets: list[sv.Detections] = [ckpt.done.get(f, empty_detections()) for f in frames]
                if todo:
                    t0 = time.perf_counter()
                    fresh = detector(batch.images[todo])
                    timing["detect"] += time.perf_counter() - t0
                    for k, d in zip(todo, fresh, strict=False):
                        dets[k] = d
                yield batch, host_images, frames, todo, dets

        # decoding and detection run ahead in a thread while this one calibrates and tracks
        for batch, host_images, frames, todo, dets in run_ahead(detected(), cfg.video.prefetch, "pitchlens-detect"):
            resumed += len(frames) - len(todo)
            table = _detections_table(match_id, frames, batch.t.tolist(), dets)
            det_tables.append(table)
            if todo:
                new_frames = [frames[k] for k in todo]
                if len(todo) < len(frames):  # part of the batch was resumed: checkpoint only the new frames
                    table = table.filter(pc.is_in(table.column("frame"), pa.array(new_frames, pa.int64())))
                ckpt.add(table, new_frames)
                since_flush += len(todo)
            for k, f in enumerate(frames):
                t = float(batch.t[k])
                img = host_images[k]
                if pooled:
                    d = dets[k]
                    kept[f] = (t, d)
                    if len(d):
                        boxes[f] = (d.xyxy, d.confidence)
                    continue
                t0 = time.perf_counter()
                if calibrator is not None:
                    d = dets[k]
                    res = calibrator.update(img, frame=f, t=t, boxes=d.xyxy if len(d) else None,
                                            confidences=d.confidence if len(d) else None)
                    row = _calib_row(res)
                    for rev in getattr(calibrator, "revisions", lambda: [])():
                        delay.revise(int(rev.frame), _calib_row(rev))
                else:
                    row = {"shot": "unknown", "calib_method": None, "calib_residual": None, "calib_inliers": None,
                           "H": None, "usable": False}
                timing["calibrate"] += time.perf_counter() - t0
                for item in delay.push(f, t, dets[k], img, row):
                    _emit(item)
            if pool is not None:
                pool.boxes_until(float(batch.t[-1]) + 0.5 * stride / info.fps)
            n_frames += len(frames)
            n_det += sum(len(d) for d in dets)
            if since_flush >= cfg.job.chunk_frames:
                ckpt.flush()
                since_flush = 0
            if progress:
                progress("advance", len(frames), expected)
        ckpt.flush()
        for item in delay.drain():
            _emit(item)
        if n_frames == 0:
            why = reader.stopped or "no frames in the requested range"
            raise InputError(f"{video}: no frame could be decoded ({why})")
        if pooled:
            if pool is None:
                last_t = kept[max(kept)][0]
                pool = _calibration_pool(video, cfg, calibrator.cfg, info, last_t + stride / info.fps, start, end,
                                         stride, boxes)
            _track_pooled(video, cfg, pool, start, end, stride, kept, _emit, timing, progress)

        t0 = time.perf_counter()
        tracks_table = None
        tables: dict[str, pa.Table] = {}
        if tracker is not None:
            from pitchlens.schema import TRACKS

            cols = tracker.finish()
            n = len(cols.get("frame", []))
            tracks_table = conform({"match_id": [match_id] * n, **cols}, TRACKS)
            tables["tracks"] = tracks_table
        timing["track"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        if tracks_table is not None:
            tables.update(_optional_tactics(tracks_table, match_id, info.fps / stride, cfg))
        timing["tactics"] = time.perf_counter() - t0

        why = reader.check_complete()
        status = "complete" if why is None else f"partial: {why}"
        decoded_t = reader.last_t or 0.0
        first_t = frames_rows["t"][0]
        n_fr = len(frames_rows["frame"])
        tables["frames"] = conform({"match_id": [match_id] * n_fr, **frames_rows}, FRAMES)
        tables["detections"] = pa.concat_tables(det_tables) if det_tables else DETECTIONS.empty_table()
        tables["matches"] = conform({
            "match_id": [match_id], "source": [str(video.resolve())], "source_sha256": [sha], "fps": [info.fps],
            "width": [info.width], "height": [info.height], "frames": [n_frames],
            "duration": [decoded_t - first_t + 1.0 / info.fps * stride],
            "pipeline_version": [__version__], "config_hash": [cfg.hash()],
            "processed_at": [datetime.now(timezone.utc)], "status": [status],
        }, MATCHES)
        t0 = time.perf_counter()
        try:
            st.commit(match_id, tables, replace=True)
        except OSError as e:
            raise StoreError(f"{st.root}: cannot write match {match_id} ({e.strerror or e})") from e
        timing["store"] = time.perf_counter() - t0
        ckpt.remove()
        return ProcessResult(match_id=match_id, frames=n_frames, detections=n_det,
                             tracks=0 if tracks_table is None else tracks_table.num_rows, status=status,
                             seconds=time.perf_counter() - t_start, stage_seconds=timing, resumed_frames=resumed)
    finally:
        if pool is not None:
            pool.close()
        ckpt.close()
