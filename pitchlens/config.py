"""Configuration: typed dataclasses loaded from YAML, with errors that name the key and the file.

``configs/default.yaml`` holds every tunable. A user's file only needs the keys it changes; it is
merged over the defaults. Unknown keys and values of the wrong type are errors.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pitchlens.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT / "configs" / "default.yaml"
WEIGHTS_DIR = ROOT / "weights"

PROFILES = ("coco", "football", "demo")


@dataclass
class VideoConfig:
    """How frames are decoded."""

    backend: str = "auto"  # auto | pyav | opencv | device
    batch_size: int = 16
    threads: int = 0  # decoder threads, 0 = let FFmpeg choose
    prefetch: int = 2  # batches decoded and detected ahead in a background thread (0 = all in one thread)


@dataclass
class DetectorConfig:
    """Which YOLO model runs and how."""

    profile: str = "coco"
    weights: str | None = None  # None = the profile's default
    imgsz: int = 1280
    conf: float = 0.1
    iou: float = 0.6
    max_det: int = 100
    half: bool = True  # fp16 on CUDA (ignored on CPU)
    device: str = "auto"
    class_map: dict[str, str] | None = None  # model class name -> role; None = the profile's map
    profile_weights: dict[str, str | None] = field(
        default_factory=lambda: {"coco": "yolo11m.pt", "football": None, "demo": "pitchlens-demo.pt"}
    )


@dataclass
class JobConfig:
    """How a processing job runs."""

    chunk_frames: int = 500  # detections are checkpointed every this many frames (resume unit)
    stride: int = 1
    calibration_workers: int = 0  # 0: calibrate inline, frame by frame; N >= 2: calibrate time windows in N processes
    calibration_window_s: float = 60.0  # ... of this many seconds each (fed the detections; the video is decoded again)


@dataclass
class Config:
    """The whole configuration."""

    video: VideoConfig = field(default_factory=VideoConfig)
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    job: JobConfig = field(default_factory=JobConfig)
    calibration: Any = None
    tracking: Any = None
    tactics: Any = None
    source: str = ""

    def to_dict(self) -> dict:
        d = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "source":
                continue
            d[f.name] = dataclasses.asdict(v) if dataclasses.is_dataclass(v) else v
        return d

    def hash(self) -> str:
        """A short stable hash of every setting (recorded with each processed match)."""
        blob = json.dumps(self.to_dict(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _section_types() -> dict[str, type | None]:
    """Dataclass types of the sections owned by the calibration, tracking and tactics packages."""
    out: dict[str, type | None] = {"video": VideoConfig, "detector": DetectorConfig, "job": JobConfig}
    try:
        from cv.calibration import CalibrationConfig

        out["calibration"] = CalibrationConfig
    except ImportError:
        out["calibration"] = None
    try:
        from tracking import TrackingConfig

        out["tracking"] = TrackingConfig
    except ImportError:
        out["tracking"] = None
    try:
        from tactics.config import TacticsConfig

        out["tactics"] = TacticsConfig
    except ImportError:
        out["tactics"] = None
    return out


def _check_type(value: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _check_type(value, a, where)
            except ConfigError as e:
                errors.append(e)
        raise errors[0] if errors else ConfigError(f"{where}: bad value {value!r}")
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return _build(tp, value, where)
    if origin in (dict,):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        kt, vt = args if args else (Any, Any)
        return {_check_type(k, kt, where): _check_type(v, vt, f"{where}.{k}") for k, v in value.items()}
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        et = args[0] if args else Any
        seq = [_check_type(v, et, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(seq) if origin is tuple else seq
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(f"{where}: must be one of {list(args)}, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    if isinstance(tp, type) and not isinstance(value, tp):
        raise ConfigError(f"{where}: expected {tp.__name__}, got {value!r}")
    return value


def _build(cls: type, data: dict, where: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(sorted(names))})")
    kwargs = {k: _check_type(v, hints.get(k, Any), f"{where}.{k}") for k, v in data.items()}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{where}: {e}") from e


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k not in ("class_map",):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _read_yaml(path: Path) -> dict:
    try:
        text = path.read_text()
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: no such config file") from e
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror})") from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{at}") from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of sections at the top level")
    return data


def load_config(path: str | Path | None = None, overrides: dict | None = None) -> Config:
    """Load ``configs/default.yaml``, merge ``path`` over it and then ``overrides``; validate all keys."""
    data = _read_yaml(DEFAULT_CONFIG) if DEFAULT_CONFIG.exists() else {}
    src = str(path) if path else str(DEFAULT_CONFIG)
    if path is not None:
        data = _merge(data, _read_yaml(Path(path)))
    if overrides:
        data = _merge(data, overrides)
    sections = _section_types()
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise ConfigError(f"{src}: unknown section {unknown[0]!r} (known: {', '.join(sections)})")
    built: dict[str, Any] = {}
    for name, cls in sections.items():
        raw = data.get(name) or {}
        if not isinstance(raw, dict):
            raise ConfigError(f"{src}: {name}: expected a mapping")
        try:
            built[name] = _build(cls, raw, name) if cls is not None else (raw or None)
        except ConfigError as e:
            raise ConfigError(f"{src}: {e}") from None
    cfg = Config(**built, source=src)
    _validate(cfg, src)
    return cfg


def _validate(cfg: Config, src: str) -> None:
    d = cfg.detector
    if d.profile not in PROFILES:
        raise ConfigError(f"{src}: detector.profile: must be one of {list(PROFILES)}, got {d.profile!r}")
    for key, val, lo in (("detector.imgsz", d.imgsz, 32), ("video.batch_size", cfg.video.batch_size, 1),
                         ("video.prefetch", cfg.video.prefetch, 0),
                         ("job.chunk_frames", cfg.job.chunk_frames, 1), ("job.stride", cfg.job.stride, 1)):
        if val < lo:
            raise ConfigError(f"{src}: {key}: must be at least {lo}, got {val}")
    for key, val in (("detector.conf", d.conf), ("detector.iou", d.iou)):
        if not 0.0 <= val <= 1.0:
            raise ConfigError(f"{src}: {key}: must be between 0 and 1, got {val}")
    if cfg.video.backend not in ("auto", "pyav", "opencv", "device"):
        raise ConfigError(f"{src}: video.backend: must be auto, pyav, opencv or device, got {cfg.video.backend!r}")
