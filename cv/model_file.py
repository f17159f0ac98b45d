"""The file layout of the project's small networks (shirt-number reader, re-identification embedding): the
weights, the geometry the inputs are cut with, and free-form metadata (the training recipe), in one torch file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from cv.errors import WeightsError


def load_model(path: Path | str, what: str, geometry: type, build: Callable[[Any], Any], device: str = "cpu"):
    """(network in eval mode on ``device``, geometry) from ``path``; ``what`` names the kind of model in errors.

    Raises ``WeightsError`` naming the file where it is missing or not such a model."""
    import torch

    p = Path(path)
    if not p.is_file():
        raise WeightsError(f"{p}: {what} model not found")
    try:
        ck = torch.load(p, map_location="cpu", weights_only=True)
        geo = geometry(**ck["geometry"])
        net = build(geo)
        net.load_state_dict(ck["state_dict"])
    except Exception as e:  # noqa: BLE001 - any unreadable file is the same problem to the user
        raise WeightsError(f"{p}: not a pitchlens {what} model ({type(e).__name__}: {e})") from None
    return net.eval().to(device), geo


def inference_net(net):
    """The same function as a ``torch.nn.Sequential`` in eval mode, faster to run: each batch norm folded into
    the convolution before it, and the weights laid out channels-last (feed it channels-last input). On one CPU
    core the embedding's crops run about twice as fast alone; the number reader, compute-bound, gains 10 %."""
    import torch
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    mods, out = list(net), []
    while mods:
        m = mods.pop(0)
        if isinstance(m, torch.nn.Conv2d) and mods and isinstance(mods[0], torch.nn.BatchNorm2d):
            m = fuse_conv_bn_eval(m, mods.pop(0))
        out.append(m)
    return torch.nn.Sequential(*out).eval().to(memory_format=torch.channels_last)


def save_model(net, path: Path | str, geo, meta: dict | None = None) -> Path:
    """Write a trained network with its input geometry (a dataclass) and any ``meta`` to ``path``."""
    import torch

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": net.state_dict(), "geometry": asdict(geo), "meta": meta or {}}, p)
    return p
