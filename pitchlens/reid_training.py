"""Train the re-identification embedding (``cv.reid``) on synthetic clips.

Each training clip is rendered with its truth (``pitchlens.synth.render.render_clip``; seeds apart from the
benchmark's). The crops are the players' and goalkeepers' truth boxes in main-camera frames, each box jittered as
a detector's would be, labelled by person (clip and object id). The network learns a cosine softmax over those
people: a person's crops gather on the unit sphere, away from everybody else's, teammates in the same kit included.
The command is ``pitchlens train-reid``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cv.reid import CropGeometry, build_net, crops, embed_tensor, save_model, to_tensor

if TYPE_CHECKING:
    import pandas as pd

ROLES = ("player", "goalkeeper")
#: the first training clip's seed (the benchmark's are 9001-9006, 9021-9026 and 9100)
FIRST_SEED = 9201


@dataclass
class ReidSettings:
    """Everything a training run is made from (saved in the model file)."""

    seeds: list[int] = field(default_factory=lambda: list(range(FIRST_SEED, FIRST_SEED + 16)))
    seconds: float = 12.0
    every: int = 3  # every n-th main-camera frame is cut into crops
    min_box_h: float = 40.0
    max_occluded: float = 0.2
    jitter: float = 0.05  # each box edge moved by up to this share of the box height (width for x)
    epochs: int = 10
    batch: int = 128
    lr: float = 3e-3
    scale: float = 16.0  # cosine softmax temperature
    seed: int = 0


def truth_frames(clip_dir: Path, s: ReidSettings) -> Iterator[tuple[int, float, np.ndarray, pd.DataFrame]]:
    """(frame, t, BGR image, truth rows) of every ``s.every``-th main-camera frame of a rendered clip that shows
    players or goalkeepers whole enough to learn from (at least ``s.min_box_h`` tall, at most ``s.max_occluded``
    hidden)."""
    import pyarrow.parquet as pq

    from cv.video import VideoReader

    fr = pq.read_table(clip_dir / "truth" / "frames.parquet").to_pandas()
    main = set(fr.loc[fr["shot"] == "main", "frame"].astype(int))
    ob = pq.read_table(clip_dir / "truth" / "objects.parquet").to_pandas()
    ob = ob[ob["role"].isin(ROLES) & ob["visible"].astype(bool)]
    ob = ob[(ob["occluded"].fillna(0) <= s.max_occluded) & (ob["y2"] - ob["y1"] >= s.min_box_h)]
    by = {int(f): g for f, g in ob.groupby("frame")}
    for f, t, img in VideoReader(clip_dir / "clip.mp4"):
        f = int(f)
        if f % s.every == 0 and f in main and f in by:
            yield f, float(t), img, by[f]


def clip_crops(clip_dir: Path, s: ReidSettings, geo: CropGeometry,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Crops (N, h, w, 3) of the truth boxes of one rendered clip, each jittered, and their person ids (N,)."""
    cs, ids = [], []
    for _, _, img, g in truth_frames(clip_dir, s):
        box = g[["x1", "y1", "x2", "y2"]].to_numpy(float)
        wh = np.stack([box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]] * 2, axis=1)
        cs.append(crops(img, box + rng.uniform(-s.jitter, s.jitter, box.shape) * wh, geo))
        ids.append(g["object_id"].to_numpy(int))
    if not cs:
        return np.zeros((0, geo.height, geo.width, 3), np.uint8), np.zeros(0, int)
    return np.concatenate(cs), np.concatenate(ids)


def render_clips(work: Path, s: ReidSettings) -> list[Path]:
    """The training clips under ``work`` (rendered where missing, without cut-aways)."""
    from pitchlens.synth.render import render_clip

    out = []
    for seed in s.seeds:
        d = work / f"clip-{seed}"
        if not (d / "clip.mp4").is_file():
            render_clip(d, seconds=s.seconds, seed=seed, cutaways=False)
        out.append(d)
    return out


def train(x: np.ndarray, labels: np.ndarray, s: ReidSettings, geo: CropGeometry, log=print):
    """Train the embedding on crops ``x`` labelled by person (0..P-1); returns the network in eval mode."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(s.seed)
    rng = np.random.default_rng(s.seed)
    net = build_net(geo)
    proto = torch.nn.Parameter(torch.randn(int(labels.max()) + 1, geo.dim) * 0.1)
    opt = torch.optim.AdamW([*net.parameters(), proto], lr=s.lr, weight_decay=1e-4)
    per_epoch = max(len(x) // s.batch, 1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=s.lr, total_steps=s.epochs * per_epoch)
    y_all = torch.from_numpy(labels.astype(np.int64))
    net.train()
    for ep in range(s.epochs):
        order = rng.permutation(len(x))
        t0, tot = time.perf_counter(), 0.0
        for k in range(per_epoch):
            idx = order[k * s.batch:(k + 1) * s.batch]
            xb = to_tensor(x[idx])
            flip = torch.from_numpy(rng.random(len(idx)) < 0.5)
            xb[flip] = xb[flip].flip(3)
            light = torch.from_numpy(rng.uniform(0.75, 1.25, (len(idx), 1, 1, 1))).float()
            xb = (xb * light).clamp_(0, 1)  # sun and shadow
            e = F.normalize(net(xb), dim=1)
            loss = F.cross_entropy(s.scale * e @ F.normalize(proto, dim=1).T, y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item()
        log(f"epoch {ep + 1}/{s.epochs}: loss {tot / per_epoch:.3f} ({time.perf_counter() - t0:.0f} s)")
    return net.eval()


def embed_all(net, x: np.ndarray) -> np.ndarray:
    """Unit embeddings of crops ``x`` (N, h, w, 3)."""
    import torch

    out = []
    with torch.inference_mode():
        for k in range(0, len(x), 512):
            out.append(embed_tensor(net, to_tensor(x[k:k + 512])).numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def train_embedder(out: Path | str, clips: Iterable[Path], s: ReidSettings | None = None,
                   geo: CropGeometry | None = None, log=print) -> Path:
    """Cut the crops of ``clips``, train, and write the model to ``out``."""
    s, geo = s or ReidSettings(), geo or CropGeometry()
    rng = np.random.default_rng(s.seed)
    xs, ids = [], []
    for k, d in enumerate(clips):
        x, obj = clip_crops(Path(d), s, geo, rng)
        xs.append(x)
        ids.append(obj + 1000 * k)
    x = np.concatenate(xs)
    _, labels = np.unique(np.concatenate(ids), return_inverse=True)
    log(f"{len(x)} crops of {labels.max() + 1} people")
    net = train(x, labels, s, geo, log)
    return save_model(net, out, geo, {"settings": asdict(s), "crops": int(len(x)), "people": int(labels.max() + 1)})
