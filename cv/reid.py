"""Person re-identification embeddings: each person box cut out, scaled to a small crop and mapped by a small
convolutional network to a point on the unit sphere, near the points of the same person's other crops and far
from his teammates' (skin, hair, build and shirt number, where the kit is the same).

The network is the project's own (trained on synthetic footage by ``pitchlens.reid_training``); a file holds its
weights and the crop geometry, so a model trained with other settings or on other footage loads the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from cv.model_file import inference_net, load_model
from cv.model_file import save_model as save_model  # the file layout, re-exported


@dataclass(frozen=True)
class CropGeometry:
    """Crop size in pixels (height, width) and the embedding's length."""

    height: int = 64
    width: int = 32
    dim: int = 64
    min_box_h: float = 30.0  # boxes shorter than this (pixels) are not embedded ...
    edge_px: float = 2.0  # ... nor boxes this close to the picture's edge (cut off: part of the person is missing)


def crops(image: np.ndarray, xyxy: np.ndarray, geo: CropGeometry = CropGeometry()) -> np.ndarray:
    """Whole-box crops of boxes ``xyxy`` (N, 4) from BGR ``image``: (N, height, width, 3) uint8 (zeros where a box
    lies outside the image)."""
    xyxy = np.asarray(xyxy, dtype=float).reshape(-1, 4)
    out = np.zeros((len(xyxy), geo.height, geo.width, 3), np.uint8)
    h, w = image.shape[:2]
    for k, (x1, y1, x2, y2) in enumerate(np.round(xyxy).astype(int)):
        x1, y1, x2, y2 = max(x1, 0), max(y1, 0), min(x2, w), min(y2, h)
        if x2 - x1 < 2 or y2 - y1 < 2:
            continue
        out[k] = cv2.resize(image[y1:y2, x1:x2], (geo.width, geo.height), interpolation=cv2.INTER_AREA)
    return out


def build_net(geo: CropGeometry = CropGeometry()):
    """A fresh, untrained embedding network."""
    import torch.nn as nn

    def block(a: int, b: int) -> list:
        return [nn.Conv2d(a, b, 3, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True)]

    return nn.Sequential(*block(3, 32), nn.MaxPool2d(2), *block(32, 64), nn.MaxPool2d(2), *block(64, 128),
                         nn.MaxPool2d(2), *block(128, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(128, geo.dim))


def to_tensor(c: np.ndarray):
    """uint8 crops (N, h, w, 3) BGR -> float tensor (N, 3, h, w) in [0, 1], RGB."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(c[..., ::-1])).permute(0, 3, 1, 2).float().div_(255.0)


def embed_tensor(net, x):
    """Unit embeddings of a crop batch. One pass: the training mirrors half the crops, so a crop and its mirror
    image land within about 0.01 (cosine) of each other and averaging the two would only double the cost."""
    import torch.nn.functional as F

    return F.normalize(net(x), dim=1)


class ReidEmbedder:
    """Embeds person boxes with a trained re-identification network (a ``.pt`` file)."""

    def __init__(self, weights: Path | str, device: str = "cpu"):
        self.net, self.geo = load_model(weights, "re-identification", CropGeometry, build_net, device)
        self.device = device
        self._fast = inference_net(self.net)

    def embed(self, image: np.ndarray, xyxy: np.ndarray) -> np.ndarray:
        """Unit embeddings (N, dim) float32 of boxes ``xyxy`` (N, 4); NaN rows for boxes too small or too near the
        picture's edge to embed."""
        import torch

        xyxy = np.asarray(xyxy, dtype=float).reshape(-1, 4)
        out = np.full((len(xyxy), self.geo.dim), np.nan, np.float32)
        h, w = image.shape[:2]
        m = self.geo.edge_px
        inside = (xyxy[:, 0] > m) & (xyxy[:, 1] > m) & (xyxy[:, 2] < w - m) & (xyxy[:, 3] < h - m)
        big = np.flatnonzero((xyxy[:, 3] - xyxy[:, 1] >= self.geo.min_box_h) & inside)
        if len(big):
            with torch.inference_mode():
                x = to_tensor(crops(image, xyxy[big], self.geo)).to(self.device)
                e = embed_tensor(self._fast, x.contiguous(memory_format=torch.channels_last))
            out[big] = e.cpu().numpy()
        return out
