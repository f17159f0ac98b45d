"""Shirt numbers read from person boxes: the upper back cut out, scaled to a small patch and classified by a
small convolutional network (number of digits 0/1/2, then each digit), so any number from 0 to 99 can be read.

The network is the project's own (trained on synthetic footage by ``pitchlens.jersey_training``); a file holds
its weights and the patch geometry, so a model trained with other settings or on other footage loads the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from cv.model_file import inference_net, load_model
from cv.model_file import save_model as save_model  # the file layout, re-exported


@dataclass(frozen=True)
class PatchGeometry:
    """Where the number is looked for, as fractions of the person box, and the patch size in pixels."""

    x0: float = 0.05
    x1: float = 0.95
    y0: float = 0.10
    y1: float = 0.55
    size: int = 32
    min_box_h: float = 45.0  # boxes shorter than this (pixels) are not read: the number would be under ~5 px


def patches(image: np.ndarray, xyxy: np.ndarray, geo: PatchGeometry = PatchGeometry()) -> np.ndarray:
    """Upper-back patches of boxes ``xyxy`` (N, 4) from BGR ``image``: (N, size, size, 3) uint8."""
    n = len(xyxy)
    if n and (image.shape[0] == 0 or image.shape[1] == 0):
        raise ValueError("empty image")
    out = np.zeros((n, geo.size, geo.size, 3), np.uint8)
    for k in range(n):
        x1, y1, x2, y2 = (float(v) for v in xyxy[k])
        bw, bh = x2 - x1, y2 - y1
        if bw <= 1 or bh <= 1:
            continue
        src = np.float32([[x1 + geo.x0 * bw, y1 + geo.y0 * bh], [x1 + geo.x1 * bw, y1 + geo.y0 * bh],
                          [x1 + geo.x0 * bw, y1 + geo.y1 * bh]])
        s = geo.size
        dst = np.float32([[0, 0], [s, 0], [0, s]])
        M = cv2.getAffineTransform(src, dst)
        interp = cv2.INTER_AREA if (geo.x1 - geo.x0) * bw > s else cv2.INTER_LINEAR
        out[k] = cv2.warpAffine(image, M, (s, s), flags=interp, borderMode=cv2.BORDER_REPLICATE)
    return out


def build_net(geo: PatchGeometry = PatchGeometry()):
    """A fresh, untrained number network for patches of ``geo.size``."""
    import torch.nn as nn

    size = geo.size

    def block(a: int, b: int) -> list:
        return [nn.Conv2d(a, b, 3, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True)]

    class JerseyNet(nn.Module):
        """Patch -> logits of the digit count (3) and of the first and second digits (10 each)."""

        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(*block(3, 24), *block(24, 24), nn.MaxPool2d(2), *block(24, 48),
                                      *block(48, 48), nn.MaxPool2d(2), *block(48, 96), nn.MaxPool2d(2),
                                      nn.Flatten(), nn.Linear(96 * (size // 8) ** 2, 192), nn.ReLU(inplace=True),
                                      nn.Dropout(0.2))
            self.count = nn.Linear(192, 3)
            self.d1 = nn.Linear(192, 10)
            self.d2 = nn.Linear(192, 10)

        def forward(self, x):
            f = self.body(x)
            return self.count(f), self.d1(f), self.d2(f)

    return JerseyNet()


def to_tensor(p: np.ndarray):
    """uint8 patches (N, s, s, 3) BGR -> float tensor (N, 3, s, s) in [0, 1], RGB."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(p[..., ::-1])).permute(0, 3, 1, 2).float().div_(255.0)


def decode(count, d1, d2) -> tuple[list[str | None], np.ndarray]:
    """Logits -> (number or None per patch, probability of that answer)."""
    import torch

    pc = torch.softmax(count, 1)
    p1 = torch.softmax(d1, 1)
    p2 = torch.softmax(d2, 1)
    c = pc.argmax(1)
    a = p1.argmax(1)
    b = p2.argmax(1)
    prob = pc.gather(1, c[:, None])[:, 0].clone()
    one = c == 1
    two = c == 2
    prob[one | two] *= p1.gather(1, a[:, None])[:, 0][one | two]
    prob[two] *= p2.gather(1, b[:, None])[:, 0][two]
    nums: list[str | None] = []
    for ci, ai, bi in zip(c.tolist(), a.tolist(), b.tolist()):
        nums.append(None if ci == 0 else (str(ai) if ci == 1 else f"{ai}{bi}"))
    return nums, prob.numpy().astype(np.float32)


def label_of(number: str | None) -> tuple[int, int, int]:
    """Training targets (count, first digit, second digit) of a number string (None: no number shows)."""
    if not number:
        return 0, 0, 0
    s = str(int(number))
    if len(s) == 1:
        return 1, int(s), 0
    return 2, int(s[0]), int(s[1])


class JerseyReader:
    """Reads shirt numbers from person boxes with a trained number network (a ``.pt`` file)."""

    def __init__(self, weights: Path | str, device: str = "cpu"):
        self.net, self.geo = load_model(weights, "shirt-number", PatchGeometry, build_net, device)
        self.device = device
        self._body = inference_net(self.net.body)  # the convolutions, folded (cv.model_file.inference_net)

    def read(self, image: np.ndarray, xyxy: np.ndarray) -> tuple[list[str | None], np.ndarray]:
        """Numbers (None where none is read or the box is too small) and their probabilities, one per box."""
        import torch

        xyxy = np.asarray(xyxy, dtype=float).reshape(-1, 4)
        n = len(xyxy)
        nums: list[str | None] = [None] * n
        prob = np.zeros(n, np.float32)
        big = np.flatnonzero(xyxy[:, 3] - xyxy[:, 1] >= self.geo.min_box_h)
        if not len(big):
            return nums, prob
        with torch.inference_mode():
            x = to_tensor(patches(image, xyxy[big], self.geo)).to(self.device)
            f = self._body(x.contiguous(memory_format=torch.channels_last))
            out = (self.net.count(f), self.net.d1(f), self.net.d2(f))
        got, p = decode(*(o.cpu() for o in out))
        for k, g, q in zip(big.tolist(), got, p.tolist()):
            nums[k] = g
            prob[k] = q
        return nums, prob
