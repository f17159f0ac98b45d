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
import threading
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import cv2
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
    backend: str = "auto"  # auto | torch (own batched pre/post-processing on the device) | ultralytics (predict)


class Detector:
    """A YOLO model that returns role-labelled ``sv.Detections`` for batches of BGR images."""

    def __init__(
        self,
        weights: str,
        profile: str = "coco",
        class_map: dict[str, str] | None = None,
        settings: DetectorSettings | None = None,
    ) -> None:
        import torchvision  # noqa: F401  ultralytics' NMS runs torchvision's kernel only once torchvision is imported

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
        backend = self.settings.backend
        if backend not in ("auto", "torch", "ultralytics"):
            raise WeightsError(f"detector.backend: must be auto, torch or ultralytics, got {backend!r}")
        self._fast = None
        if backend in ("auto", "torch") and is_torch_module(self.model):
            self._fast = BatchedYOLO(self.model, self.device, self.half, self.settings, self.model_classes)
        elif backend == "torch":
            raise WeightsError(f"{weights}: the torch backend needs a PyTorch (.pt) model")
        self.backend = "torch" if self._fast is not None else "ultralytics"
        # the job detects in a background thread while the ball tracker asks for crops in its own: the batched
        # torch path is a pure function of its input and runs concurrently, ultralytics' predictor keeps state
        # between calls and takes turns
        self._lock = threading.Lock() if self._fast is None else nullcontext()

    def __call__(self, images: Sequence[np.ndarray] | np.ndarray) -> list[sv.Detections]:
        """Detect on a batch of BGR uint8 images; returns one Detections per image."""
        with self._lock:
            return self._detect(images)

    def _detect(self, images: Sequence[np.ndarray] | np.ndarray) -> list[sv.Detections]:
        if not isinstance(images, (np.ndarray, list, tuple)):  # a torch batch (B, H, W, 3) uint8, e.g. from NVDEC
            if self._fast is not None:
                return [self._from_tensor(t) for t in self._fast(images)] if len(images) else []
            images = images.cpu().numpy()
        if isinstance(images, np.ndarray) and images.ndim == 4 and self._fast is not None:
            if len(images) == 0:
                return []
            return [self._from_tensor(t) for t in self._fast(images)]
        imgs = list(images)
        if not imgs:
            return []
        if self._fast is not None:
            return [self._from_tensor(t) for t in self._fast(np.stack(imgs))]
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

    def _from_tensor(self, t) -> sv.Detections:
        a = t.float().cpu().numpy()
        if len(a) == 0:
            return empty_detections()
        cls = a[:, 5].astype(int)
        keep = np.array([c in self.lut for c in cls], dtype=bool)
        a, cls = a[keep], cls[keep]
        if len(a) == 0:
            return empty_detections()
        roles = np.array([self.lut[c] for c in cls], dtype=int)
        return sv.Detections(xyxy=a[:, :4].astype(np.float32), confidence=a[:, 4].astype(np.float32),
                             class_id=roles, data={"class_name": np.array([CLASSES[r] for r in roles], dtype=object)})

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


def crop_redetector(detector: Detector, upscale: float = 2.0,
                    role: str = "ball") -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A second, closer look for the ball tracker: runs ``detector`` on an image crop enlarged ``upscale`` times
    (a far ball a few pixels wide becomes the size the model knows) and returns the ``role`` boxes (N, 4) in crop
    pixels and their confidences (N,)."""
    def run(crop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        big = cv2.resize(crop, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_LINEAR) if upscale != 1 else crop
        det = detector([big])[0]
        keep = det.data["class_name"] == role
        return np.asarray(det.xyxy, float)[keep] / upscale, np.asarray(det.confidence, float)[keep]

    return run


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


def is_torch_module(model) -> bool:
    """Whether an ultralytics model wraps a plain PyTorch network (a .pt or YAML model)."""
    import torch

    return isinstance(getattr(model, "model", None), torch.nn.Module)


class BatchedYOLO:
    """YOLO inference with pre- and post-processing done as batched tensor ops on the model's device.

    Letterboxing, BGR->RGB, normalisation and box rescaling run on whole batches (on the GPU when
    there is one), leaving no per-frame Python in the hot path; NMS is ultralytics' own. Input is a
    uint8 BGR batch (B, H, W, 3), as a numpy array or a torch tensor already on the device (for
    frames decoded on the GPU). Output: one (N, 6) tensor per image: x1, y1, x2, y2, conf, class.
    """

    def __init__(self, yolo, device: str, half: bool, settings: DetectorSettings, classes: list[int]) -> None:
        import torch

        self.torch = torch
        net = yolo.model
        net = net.fuse() if hasattr(net, "fuse") else net
        self.net = net.to(device).eval()
        self.device = torch.device(device)
        self.half = half
        if half:
            self.net = self.net.half()
        self.stride = int(max(getattr(net, "stride", torch.tensor([32])).max().item(), 32))
        self.end2end = bool(getattr(net, "end2end", False))
        self.settings = settings
        self.classes = classes
        self.nc = len(getattr(yolo, "names", {}) or {})

    def letterbox(self, x, imgsz: int):
        """Resize a float (B, 3, H, W) batch to fit ``imgsz`` keeping aspect, pad to a stride multiple.

        Returns the padded batch, the scale ratio and the (left, top) padding, matching ultralytics'
        LetterBox with ``auto=True``.
        """
        import torch.nn.functional as F

        h, w = x.shape[-2:]
        r = min(imgsz / h, imgsz / w)
        nh, nw = int(round(h * r)), int(round(w * r))
        dw, dh = (imgsz - nw) % self.stride / 2, (imgsz - nh) % self.stride / 2
        if (nh, nw) != (h, w):
            x = F.interpolate(x, size=(nh, nw), mode="bilinear", align_corners=False)
        top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
        left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
        if top or bottom or left or right:
            x = F.pad(x, (left, right, top, bottom), value=114 / 255)
        return x, r, (left, top)

    def __call__(self, images) -> list:
        from ultralytics.utils.nms import non_max_suppression

        torch = self.torch
        s = self.settings
        with torch.inference_mode():
            x = images if isinstance(images, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(images))
            x = x.to(self.device, non_blocking=True).permute(0, 3, 1, 2).flip(1)
            x = (x.half() if self.half else x.float()).div_(255)
            h, w = x.shape[-2:]
            imgsz = min(s.imgsz, int(np.ceil(max(h, w) / 32) * 32))
            x, r, (left, top) = self.letterbox(x, imgsz)
            preds = self.net(x)
            out = non_max_suppression(preds, s.conf, s.iou, self.classes, max_det=s.max_det, end2end=self.end2end)
            res = []
            for d in out:
                d = d[:, :6].clone()
                d[:, [0, 2]] = ((d[:, [0, 2]] - left) / r).clamp(0, w)
                d[:, [1, 3]] = ((d[:, [1, 3]] - top) / r).clamp(0, h)
                res.append(d)
            return res
