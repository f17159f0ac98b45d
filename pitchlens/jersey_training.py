"""Train the shirt-number reader (``cv.jersey``) on synthetic frames.

Samples are the upper-back patches of the people in rendered frames (broadcast, cut-away and zoomed scenes of
``pitchlens.detector_training``; benchmark seeds skipped), each box jittered as a detector's would be. A patch is
labelled with the person's number where the renderer drew it (truth ``number_px``) and "no number" otherwise
(the front, a referee, a number too small to draw).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from cv.jersey import PatchGeometry, build_net, decode, label_of, patches, save_model, to_tensor

PERSON_ROLES = ("player", "goalkeeper", "referee")


@dataclass
class JerseySettings:
    """Everything a training run is made from (saved in the model file)."""

    broadcast_frames: int = 600
    zoomed_frames: int = 900
    cutaway_frames: int = 300
    seed: int = 2000
    shards: int = 4  # frames are rendered in this many shards (shard k: seed + 1000 k), the counts above each
    jitter: float = 0.06  # each box edge moved by up to this share of the box height (width for x)
    copies: int = 2  # jittered patches per person
    max_occluded: float = 0.15
    epochs: int = 14
    batch: int = 128
    lr: float = 0.002
    val_fraction: float = 0.1


def frames(s: JerseySettings) -> Iterator[tuple[np.ndarray, dict]]:
    """The training frames: broadcast, zoomed and cut-away scenes, in that order."""
    from pitchlens.detector_training import render_cutaway_frames, render_training_frames, render_zoomed_frames

    yield from render_training_frames(s.seed, s.broadcast_frames)
    yield from render_zoomed_frames(s.seed + 1, s.zoomed_frames)
    yield from render_cutaway_frames(s.seed + 2, s.cutaway_frames)


def samples_of(img: np.ndarray, objects: list[dict], s: JerseySettings, geo: PatchGeometry,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Patches (N, size, size, 3), targets (N, 3) and drawn number heights (N,, NaN for none) of one frame."""
    boxes, labels, hpx = [], [], []
    for o in objects:
        if o.get("role") not in PERSON_ROLES or not o.get("visible"):
            continue
        x1, y1, x2, y2 = o["x1"], o["y1"], o["x2"], o["y2"]
        bw, bh = x2 - x1, y2 - y1
        if bh < geo.min_box_h * 0.8 or (o.get("occluded") or 0.0) > s.max_occluded:
            continue
        shown = o.get("number_px")
        lab = label_of(o.get("jersey") if shown is not None else None)
        for _ in range(s.copies):
            j = rng.uniform(-s.jitter, s.jitter, 4) * np.array([bw, bh, bw, bh])
            boxes.append([x1 + j[0], y1 + j[1], x2 + j[2], y2 + j[3]])
            labels.append(lab)
            hpx.append(np.nan if shown is None else float(shown))
    if not boxes:
        z = np.zeros((0, geo.size, geo.size, 3), np.uint8)
        return z, np.zeros((0, 3), np.int64), np.zeros(0)
    return patches(img, np.asarray(boxes), geo), np.asarray(labels, np.int64), np.asarray(hpx)


def shard_settings(s: JerseySettings) -> list[JerseySettings]:
    """One settings per shard (its own seed, one shard each)."""
    return [replace(s, seed=s.seed + 1000 * k, shards=1) for k in range(max(1, s.shards))]


def build_samples(s: JerseySettings, geo: PatchGeometry, progress: Callable[[int], None] | None = None,
                  jobs: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render the frames of every shard (``jobs`` shards at once) and cut the labelled patches."""
    shards = shard_settings(s)
    if len(shards) > 1:
        if jobs > 1:
            from concurrent.futures import ProcessPoolExecutor
            from multiprocessing import get_context

            with ProcessPoolExecutor(min(jobs, len(shards)), mp_context=get_context("spawn")) as ex:
                parts = list(ex.map(build_samples, shards, [geo] * len(shards)))
        else:
            parts = [build_samples(sh, geo, progress) for sh in shards]
        return tuple(np.concatenate(x) for x in zip(*parts, strict=True))  # type: ignore[return-value]
    rng = np.random.default_rng(s.seed)
    ps, ls, hs = [], [], []
    for k, (img, truth) in enumerate(frames(s)):
        p, lab, h = samples_of(img, truth["objects"], s, geo, rng)
        ps.append(p)
        ls.append(lab)
        hs.append(h)
        if progress:
            progress(k + 1)
    return np.concatenate(ps), np.concatenate(ls), np.concatenate(hs)


def _loss(out, y):
    import torch.nn.functional as F

    count, d1, d2 = out
    loss = F.cross_entropy(count, y[:, 0])
    has1 = y[:, 0] >= 1
    has2 = y[:, 0] == 2
    if has1.any():
        loss = loss + F.cross_entropy(d1[has1], y[has1, 1])
    if has2.any():
        loss = loss + F.cross_entropy(d2[has2], y[has2, 2])
    return loss


def _augment(x, rng: np.random.Generator):
    """Brightness, contrast and colour-channel order changes (kits come in every colour)."""
    import torch

    n = x.shape[0]
    g = torch.from_numpy(rng.uniform(0.6, 1.4, (n, 1, 1, 1)).astype(np.float32))
    b = torch.from_numpy(rng.uniform(-0.15, 0.15, (n, 1, 1, 1)).astype(np.float32))
    x = ((x - 0.5) * g + 0.5 + b).clamp_(0, 1)
    perm = rng.permutation(3)
    return x[:, perm]


def train(patches_: np.ndarray, labels: np.ndarray, s: JerseySettings, geo: PatchGeometry,
          log: Callable[[str], None] = print):
    """Train a number network on the patches; returns (network, validation metrics)."""
    import torch

    torch.manual_seed(s.seed)
    rng = np.random.default_rng(s.seed + 7)
    n = len(labels)
    order = rng.permutation(n)
    nv = int(n * s.val_fraction)
    val, tr = order[:nv], order[nv:]
    x = to_tensor(patches_)
    y = torch.from_numpy(labels)
    net = build_net(geo)
    opt = torch.optim.AdamW(net.parameters(), lr=s.lr, weight_decay=1e-4)
    steps = s.epochs * max(1, len(tr) // s.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=s.lr, total_steps=steps)
    step = 0
    for ep in range(s.epochs):
        net.train()
        perm = rng.permutation(tr)
        tot = 0.0
        for b in range(len(tr) // s.batch):
            idx = perm[b * s.batch:(b + 1) * s.batch]
            xb = _augment(x[idx], rng)
            loss = _loss(net(xb), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step < steps - 1:
                sched.step()
            step += 1
            tot += float(loss.detach())
        m = evaluate(net, x[val], labels[val])
        log(f"epoch {ep + 1}/{s.epochs}: loss {tot / max(1, len(tr) // s.batch):.3f}, "
            f"val exact {m['exact']:.3f}, numbers read right {m['number_recall']:.3f}")
    return net, evaluate(net, x[val], labels[val])


def evaluate(net, x, labels: np.ndarray, threshold: float = 0.9) -> dict:
    """Exact-answer share, and for patches with a number: the share read right and wrongly at ``threshold``."""
    import torch

    net.eval()
    got: list[str | None] = []
    prob = []
    with torch.inference_mode():
        for b in range(0, len(labels), 1024):
            g, p = decode(*net(x[b:b + 1024]))
            got += g
            prob.append(p)
    p = np.concatenate(prob) if prob else np.zeros(0)
    want = [None if c == 0 else (str(a) if c == 1 else f"{a}{b}") for c, a, b in labels.tolist()]
    exact = np.array([g == w for g, w in zip(got, want)])
    has = np.array([w is not None for w in want])
    sure = p >= threshold
    read = np.array([g is not None for g in got])
    return {
        "n": int(len(labels)), "with_number": int(has.sum()),
        "exact": float(exact.mean()) if len(exact) else float("nan"),
        "number_recall": float((exact & has & sure).sum() / max(1, has.sum())),
        "wrong_sure_reads": float((~exact & read & sure).sum() / max(1, (read & sure).sum())),
    }


def train_reader(out: Path | str, s: JerseySettings | None = None, geo: PatchGeometry | None = None,
                 log: Callable[[str], None] = print, jobs: int = 1) -> dict:
    """Render, cut, train and save the shirt-number model to ``out``; returns its validation metrics."""
    s = s or JerseySettings()
    geo = geo or PatchGeometry()
    t0 = time.perf_counter()
    total = s.broadcast_frames + s.zoomed_frames + s.cutaway_frames
    log(f"rendering {s.shards} shard(s) of {total} frames, {min(jobs, s.shards)} at a time")
    p, lab, _ = build_samples(s, geo, lambda k: log(f"rendered {k}/{total}") if k % 100 == 0 else None, jobs)
    log(f"{len(lab)} patches, {int((lab[:, 0] > 0).sum())} with a number ({time.perf_counter() - t0:.0f} s)")
    net, m = train(p, lab, s, geo, log)
    m["seconds"] = round(time.perf_counter() - t0, 1)
    save_model(net, out, geo, {"settings": asdict(s), "validation": m})
    return m

