"""Object detection with ultralytics YOLO: batched, mapped onto pitchlens' roles.

Three kinds of model are accepted, chosen by *profile*:

- ``coco``: any COCO-trained YOLO (``person`` -> player, ``sports ball`` -> ball);
- ``football``: four-class football models (ball, goalkeeper, player, referee);
- ``demo``: the project's own model trained on synthetic footage (same four classes).

Output is one ``supervision.Detections`` per image with ``class_id`` indexing :data:`CLASSES`
and ``data["class_name"]`` holding the role name.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import supervision as sv

from cv.errors import WeightsError

try:
    from ultralytics.cfg import DEFAULT_CFG_DICT as _ULTRA_CFG

    _HAS_QUANTIZE = "quantize" in _ULTRA_CFG
except ImportError:  # pragma: no cover - older ultralytics
    _HAS_QUANTIZE = False

CLASSES = ("ball", "goalkeeper", "player", "referee")

PROFILE_CLASS_MAPS: dict[str, dict[str, str]] = {
    "coco": {"person": "player", "sports ball": "ball"},
    "football": {c: c for c in CLASSES},
    "demo": {c: c for c in CLASSES},
}


def pick_device(device: str = "auto") -> str:
    """``auto`` -> ``cuda:0`` when a GPU is present, else ``cpu``; other values pass through."""
    if device != "auto":
        return device
    import torch

    return "cuda:0" if torch.cuda.is_available() else "cpu"


def resolve_weights(name: str, search: Sequence[Path] = ()) -> str:
    """A local path for ``name`` if one exists (as given or in ``search``), else ``name`` itself.

    A bare name that exists nowhere locally is returned unchanged so that ultralytics can
    download it by name (its own hub lookup) on a machine with a network.
    """
    p = Path(name).expanduser()
    if p.exists():
        return str(p)
    for d in search:
        q = Path(d) / name
        if q.exists():
            return str(q)
    return name


@dataclass
class DetectorSettings:
    imgsz: int = 1280
    conf: float = 0.1
    iou: float = 0.6
    max_det: int = 100
    half: bool = True
    device: str = "auto"


class Detector:
    """A YOLO model that returns role-labelled ``sv.Detections`` for batches of BGR images."""

    def __init__(
        self,
        weights: str,
        profile: str = "coco",
        class_map: dict[str, str] | None = None,
        settings: DetectorSettings | None = None,
    ) -> None:
        self.settings = settings or DetectorSettings()
        self.profile = profile
        self.weights = weights
        self.device = pick_device(self.settings.device)
        self.model = load_yolo(weights, profile)
        names = {int(k): str(v) for k, v in self.model.names.items()}
        cmap = {k.lower(): v for k, v in (class_map or PROFILE_CLASS_MAPS[profile]).items()}
        bad = set(cmap.values()) - set(CLASSES)
        if bad:
            raise WeightsError(f"{weights}: class map targets {sorted(bad)} are not roles {list(CLASSES)}")
        # model class id -> role index
        self.lut = {i: CLASSES.index(cmap[n.lower()]) for i, n in names.items() if n.lower() in cmap}
        if not self.lut:
            raise WeightsError(
                f"{weights}: model classes {sorted(names.values())[:8]} match none of profile "
                f"'{profile}' ({', '.join(sorted(cmap))}); pick the right --profile or set detector.class_map"
            )
        self.model_classes = sorted(self.lut)
        self.half = bool(self.settings.half and self.device.startswith("cuda"))

    def __call__(self, images: Sequence[np.ndarray] | np.ndarray) -> list[sv.Detections]:
        """Detect on a batch of BGR uint8 images; returns one Detections per image."""
        imgs = list(images)
        if not imgs:
            return []
        s = self.settings
        h, w = imgs[0].shape[:2]
        imgsz = min(s.imgsz, int(np.ceil(max(h, w) / 32) * 32))  # never upsample small frames
        kw = {}
        if self.half:
            kw = {"quantize": 16} if _HAS_QUANTIZE else {"half": True}
        results = self.model.predict(
            imgs, imgsz=imgsz, conf=s.conf, iou=s.iou, max_det=s.max_det, device=self.device,
            classes=self.model_classes, verbose=False, batch=len(imgs), **kw,
        )
        return [self._convert(r) for r in results]

    def _convert(self, result) -> sv.Detections:
        det = sv.Detections.from_ultralytics(result)
        if len(det) == 0:
            return empty_detections()
        keep = np.array([int(c) in self.lut for c in det.class_id], dtype=bool)
        det = det[keep]
        roles = np.array([self.lut[int(c)] for c in det.class_id], dtype=int)
        det.class_id = roles
        det.data = {"class_name": np.array([CLASSES[r] for r in roles], dtype=object)}
        return det


def empty_detections() -> sv.Detections:
    """An empty Detections with the ``class_name`` data key."""
    d = sv.Detections.empty()
    d.data = {"class_name": np.array([], dtype=object)}
    return d


def load_yolo(weights: str, profile: str = "coco"):
    """Load an ultralytics YOLO model, turning every failure into one clear ``WeightsError``."""
    from ultralytics import YOLO

    p = Path(weights)
    is_local = p.exists()
    if is_local:
        if p.is_dir():
            raise WeightsError(f"{weights}: is a directory, not a weights file")
        if p.stat().st_size == 0:
            raise WeightsError(f"{weights}: weights file is empty (0 bytes)")
        if not os.access(p, os.R_OK):
            raise WeightsError(f"{weights}: weights file is not readable")
    elif os.sep in weights or not weights.endswith((".pt", ".yaml", ".onnx", ".engine", ".torchscript")):
        raise WeightsError(f"{weights}: no such weights file")
    try:
        model = YOLO(weights, task="detect")
    except Exception as e:  # noqa: BLE001 - ultralytics raises many kinds; the user needs one line
        if not is_local:
            raise WeightsError(
                f"{weights}: weights not found locally and could not be downloaded (offline?); "
                "pass --weights PATH to a local .pt file, or use --profile demo"
            ) from e
        reason = str(e).strip().splitlines()[0][:160] if str(e).strip() else type(e).__name__
        raise WeightsError(f"{weights}: not a YOLO model ({reason})") from e
    if getattr(model, "task", "detect") != "detect":
        raise WeightsError(f"{weights}: a '{model.task}' model, pitchlens needs a detection model")
    if not getattr(model, "names", None):
        raise WeightsError(f"{weights}: model has no class names")
    return model
