"""Train the demo detector (ball / goalkeeper / player / referee) on synthetic frames.

Frames are rendered at native broadcast size (1280x720) by the synthetic renderer and cut into square crops
(e.g. 320x320) at native resolution, so the ball keeps its real 5-10 px size; the model (a slim YOLOv8-style
network, ``configs/pitchlens-demo-model.yaml``) is trained from scratch on the crops with ultralytics and, being
fully convolutional, runs on whole frames at native size.

Seeds. Training scenes come from ``render_frames(seed)`` (each scene's renderer seed is derived from
``SeedSequence([seed, k])``, 32-bit values), validation scenes from ``render_frames(seed + 1)``. Scene seeds
equal to a benchmark seed (:data:`BENCHMARK_SEEDS`, used by ``bench/accuracy.py``) are skipped, so no benchmark
clip's seed is ever trained on.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path

import cv2
import numpy as np

from cv.detect import CLASSES

ROOT = Path(__file__).resolve().parents[1]

#: Seeds of the fixed accuracy benchmark (bench/accuracy.py); never used for training.
BENCHMARK_SEEDS = (9001, 9002, 9003, 9004, 9005, 9006)

#: Truth boxes more hidden than this, or smaller than these sizes (pixels), are neither trained on nor scored.
MAX_OCCLUDED = 0.6
MIN_PERSON_HEIGHT = 8.0
MIN_BALL_SIDE = 2.0


def keep_truth_box(role: str, x1: float, y1: float, x2: float, y2: float, occluded: float | None) -> bool:
    """Whether a visible truth box is a fair target: not mostly occluded and not tiny (same rule for eval)."""
    if occluded is not None and occluded > MAX_OCCLUDED:
        return False
    w, h = x2 - x1, y2 - y1
    if role == "ball":
        return min(w, h) >= MIN_BALL_SIDE
    return h >= MIN_PERSON_HEIGHT and w >= 2


@dataclass
class TrainSettings:
    """Everything a training run is made from (written beside the weights)."""

    images: int = 1200  # training crops
    epochs: int = 8
    imgsz: int = 320  # crop side and training size
    seed: int = 1000
    crops_per_frame: int = 3
    val_fraction: float = 0.1
    batch: int = 16
    device: str = "cpu"
    workers: int = 1
    frame_size: tuple[int, int] = (1280, 720)
    scene_frames: int = 6
    scene_stride: int = 15
    hours: float | None = None  # wall-clock training budget; when set it overrides epochs (ultralytics' ``time``)
    lr0: float = 0.002  # AdamW learning rate
    warmup_epochs: float = 0.0  # short CPU runs: every optimiser step counts
    init: str | None = None  # start from these weights (an earlier run of this command) instead of from scratch
    scale: float = 0.25  # scale augmentation: crops are resized by a random factor in [1 - scale, 1 + scale]
    mosaic: float = 1.0  # probability of a four-crop mosaic
    close_mosaic: int | None = None  # last epochs without mosaic (default: a quarter of the epochs, at least one)
    model: str = "pitchlens-demo-model.yaml"  # network YAML: a file under configs/ or a path
    amp: bool | None = None  # mixed precision; None: on for CUDA devices, off on the CPU
    deterministic: bool = True  # deterministic algorithms (slower on CUDA)


def model_yaml(name: str) -> Path:
    """The network YAML a :class:`TrainSettings.model` names: a path, or a file under ``configs/``."""
    p = Path(name)
    return p if p.is_file() else ROOT / "configs" / name


def _scene_seed(base: int, k: int) -> int:
    return int(np.random.SeedSequence([int(base), k]).generate_state(1)[0])


def render_training_frames(seed: int, n: int, size: tuple[int, int] = (1280, 720), scene_frames: int = 6,
                           stride: int = 15) -> Iterator[tuple[np.ndarray, dict]]:
    """``n`` frames with truth from fresh scenes (kits, light, camera, cut-aways decided per scene seed)."""
    from pitchlens.synth.render import render_frames

    done = 0
    for img, truth in render_frames(seed, 10**9, size=size, cutaways=None, scene_frames=scene_frames,
                                    stride=stride, randomize=True):
        if truth["frame"].get("scene_seed") in BENCHMARK_SEEDS:
            continue
        yield img, truth
        done += 1
        if done >= n:
            return


#: Frames taken from each cut-away scene, by plan kind (graphics cards: frames with no object to detect).
CUTAWAY_FRAMES = (("closeup", 2), ("replay", 2), ("graphics", 1), ("main", 1))
CUTAWAY_SCENE_FRAMES = 250  # a 10 s scene at 25 fps: room for a close-up, a replay and a graphics card


def _cutaway_scenes(seed: int, salt: tuple[int, ...], size: tuple[int, int]) -> Iterator[tuple]:
    """Fresh cut-away scenes (renderer seed ``SeedSequence([seed, k])``, benchmark seeds skipped), each as
    (scene seed, its generator, lens k1, JPEG quality, renderer); k1 and JPEG are drawn per scene as in
    ``pitchlens.synth.render.render_frames``."""
    from pitchlens.synth.render import ClipRenderer

    k = 0
    while True:
        sub = _scene_seed(seed, k)
        k += 1
        if sub in BENCHMARK_SEEDS:
            continue
        rng = np.random.default_rng([sub, *salt] if salt else sub)
        k1 = float(rng.uniform(-0.08, 0.08)) if rng.random() < 0.5 else 0.0
        jpeg = int(rng.integers(35, 90)) if rng.random() < 0.5 else None
        yield sub, rng, k1, jpeg, ClipRenderer(sub, CUTAWAY_SCENE_FRAMES, size, 25.0, "sim", True, k1=k1,
                                               jpeg_quality=jpeg)


def _picked_frames(rng: np.random.Generator, r, per_kind: tuple[tuple[str, int], ...]) -> Iterator[tuple]:
    """Frames of renderer ``r`` picked at random inside each segment kind, ``per_kind`` = ((kind, count), ...)."""
    kinds = np.array([p.kind for p in r.plans])
    for kind, m in per_kind:
        idx = np.flatnonzero(kinds == kind)
        for i in sorted(rng.choice(idx, size=min(m, len(idx)), replace=False).tolist()):
            yield r.frame(int(i))


def render_cutaway_frames(seed: int, n: int, size: tuple[int, int] = (1280, 720)) -> Iterator[tuple[np.ndarray, dict]]:
    """``n`` frames from fresh scenes that all have cut-aways: per scene (renderer seed ``SeedSequence([seed, k])``)
    close-ups, replay frames, a graphics card and a main-camera frame (:data:`CUTAWAY_FRAMES`), picked at random
    inside each segment. Lens distortion and JPEG artefacts are drawn per scene as in
    ``pitchlens.synth.render.render_frames``; benchmark seeds are skipped."""

    def frames() -> Iterator[tuple[np.ndarray, dict]]:
        for sub, rng, k1, jpeg, r in _cutaway_scenes(seed, (), size):
            for img, frow, orows in _picked_frames(rng, r, CUTAWAY_FRAMES):
                yield img, {"frame": frow | {"scene_seed": sub, "k1": k1, "jpeg_quality": jpeg}, "objects": orows}

    return islice(frames(), n)


#: Frames taken from each zoomed scene, by plan kind: mostly the tight main camera, plus close-ups and a replay.
ZOOMED_FRAMES = (("main", 3), ("closeup", 2), ("replay", 1))
#: Range of the zoomed main camera's average view width (metres of pitch across the image; people 80-170 px tall).
ZOOMED_VIEW_WIDTH = (12.0, 22.0)


def render_zoomed_frames(seed: int, n: int, size: tuple[int, int] = (1280, 720)) -> Iterator[tuple[np.ndarray, dict]]:
    """``n`` frames from fresh cut-away scenes whose main camera is zoomed in (average view width drawn from
    :data:`ZOOMED_VIEW_WIDTH`, so people are large and often cut by the frame edge): per scene (renderer seed
    ``SeedSequence([seed, k])``) main-camera frames, close-ups and a replay frame (:data:`ZOOMED_FRAMES`).
    The renderer is built as usual and its frames re-planned with the narrower main camera; benchmark seeds
    are skipped."""
    from dataclasses import replace

    from pitchlens.synth.director import plan_frames

    def frames() -> Iterator[tuple[np.ndarray, dict]]:
        for sub, rng, k1, jpeg, r in _cutaway_scenes(seed, (11,), size):
            main = replace(r.main, view_width=float(rng.uniform(*ZOOMED_VIEW_WIDTH)))
            r.plans, r.main = plan_frames(rng, r.motion, r.n_frames, r.size, True, main=main)
            for img, frow, orows in _picked_frames(rng, r, ZOOMED_FRAMES):
                yield img, {"frame": frow | {"scene_seed": sub, "k1": k1, "jpeg_quality": jpeg,
                                             "view_width": main.view_width}, "objects": orows}

    return islice(frames(), n)


#: Frame sources of a dataset split: ``broadcast`` (six frames of each fresh scene, a third with cut-aways),
#: ``cutaway`` (scenes that all have cut-aways; :func:`render_cutaway_frames`) and ``zoomed`` (cut-away scenes with
#: a zoomed-in main camera; :func:`render_zoomed_frames`).
SOURCES = ("broadcast", "cutaway", "zoomed")


def crop_windows(rng: np.random.Generator, objects: list[dict], size: tuple[int, int], crop: int,
                 n: int) -> list[tuple[int, int]]:
    """Top-left corners of ``n`` crops: the first around the ball (or a person), the rest anywhere.
    ``crop`` 0 is the whole frame (one window at the origin)."""
    w, h = size
    if crop == 0:
        return [(0, 0)]
    out = []
    vis = [o for o in objects if o.get("visible")]
    ball = [o for o in vis if o["role"] == "ball"]
    for i in range(n):
        anchor = (ball or vis)[0] if i == 0 and (ball or vis) else None
        if anchor is None and i == 1 and vis:
            anchor = vis[int(rng.integers(len(vis)))]
        if anchor is not None:
            cx = (anchor["x1"] + anchor["x2"]) / 2 + rng.uniform(-0.4, 0.4) * crop
            cy = (anchor["y1"] + anchor["y2"]) / 2 + rng.uniform(-0.4, 0.4) * crop
            x0, y0 = int(cx - crop / 2), int(cy - crop / 2)
        else:
            x0, y0 = int(rng.integers(0, max(1, w - crop + 1))), int(rng.integers(0, max(1, h - crop + 1)))
        out.append((int(np.clip(x0, 0, max(0, w - crop))), int(np.clip(y0, 0, max(0, h - crop)))))
    return out


def yolo_labels(objects: list[dict], x0: int, y0: int, crop: int | tuple[int, int]) -> list[str]:
    """YOLO label lines (class cx cy w h, normalised) for the fair truth boxes inside a crop (``crop`` pixels
    square, or ``(width, height)``)."""
    cw, ch = (crop, crop) if isinstance(crop, int) else crop
    lines = []
    for o in objects:
        if not o.get("visible") or o.get("x1") is None:
            continue
        if not keep_truth_box(o["role"], o["x1"], o["y1"], o["x2"], o["y2"], o.get("occluded")):
            continue
        a = np.array([o["x1"] - x0, o["y1"] - y0, o["x2"] - x0, o["y2"] - y0], dtype=float)
        b = np.clip(a, 0, [cw, ch, cw, ch])
        area = (a[2] - a[0]) * (a[3] - a[1])
        if area <= 0 or (b[2] - b[0]) * (b[3] - b[1]) < 0.5 * area:
            continue
        cls = CLASSES.index(o["role"])
        cx, cy = (b[0] + b[2]) / 2 / cw, (b[1] + b[3]) / 2 / ch
        lines.append(f"{cls} {cx:.6f} {cy:.6f} {(b[2] - b[0]) / cw:.6f} {(b[3] - b[1]) / ch:.6f}")
    return lines


def build_split(root: Path | str, split: str, n_img: int, base_seed: int, s: TrainSettings,
                progress: Callable[[str], None] | None = None, source: str = "broadcast", crop: int | None = None,
                crops_per_frame: int | None = None) -> int:
    """Render frames from ``base_seed`` and write ``n_img`` crops with labels under ``root/{images,labels}/split``.

    ``source`` picks the frames (:data:`SOURCES`); crops are ``crop`` pixels square (default ``s.imgsz``; 0: the
    whole frame, one per frame) at native resolution, ``crops_per_frame`` (default ``s.crops_per_frame``) per frame.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    root = Path(root)
    crop = s.imgsz if crop is None else int(crop)
    per = 1 if crop == 0 else int(crops_per_frame or s.crops_per_frame)
    tile_size = s.frame_size if crop == 0 else crop
    (root / "images" / split).mkdir(parents=True, exist_ok=True)
    (root / "labels" / split).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([int(base_seed), 7])
    n_frames = math.ceil(n_img / per)
    if source == "broadcast":
        frames = render_training_frames(base_seed, n_frames, s.frame_size, s.scene_frames, s.scene_stride)
    elif source == "cutaway":
        frames = render_cutaway_frames(base_seed, n_frames, s.frame_size)
    else:
        frames = render_zoomed_frames(base_seed, n_frames, s.frame_size)
    tag = "" if source == "broadcast" else f"{source}_"
    written = 0
    for fi, (img, truth) in enumerate(frames):
        objects = truth["objects"]
        for ci, (x0, y0) in enumerate(crop_windows(rng, objects, s.frame_size, crop, per)):
            if written >= n_img:
                break
            name = f"{split}_{tag}{base_seed}_{fi:05d}_{ci}"
            tile = img if crop == 0 else img[y0:y0 + crop, x0:x0 + crop]
            cv2.imwrite(str(root / "images" / split / f"{name}.jpg"), tile, [cv2.IMWRITE_JPEG_QUALITY, 92])
            (root / "labels" / split / f"{name}.txt").write_text("\n".join(yolo_labels(objects, x0, y0, tile_size)))
            written += 1
        if progress and (fi + 1) % 20 == 0:
            progress(f"{split}: rendered {fi + 1}/{n_frames} frames")
    return written


def write_data_yaml(root: Path | str) -> Path:
    """The ultralytics ``data.yaml`` of a dataset folder (train/val splits, the four class names)."""
    import yaml

    root = Path(root)
    data = {"path": str(root.resolve()), "train": "images/train", "val": "images/val",
            "names": dict(enumerate(CLASSES))}
    (root / "data.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return root / "data.yaml"


def build_dataset(root: Path | str, s: TrainSettings, progress: Callable[[str], None] | None = None) -> Path:
    """Render frames, cut crops and write a YOLO dataset under ``root``; returns its ``data.yaml``.

    Training crops come from scenes of ``s.seed``, validation crops (``val_fraction`` of them) from ``s.seed + 1``.
    """
    root = Path(root)
    shutil.rmtree(root, ignore_errors=True)
    n_val = max(1, int(round(s.images * s.val_fraction)))
    build_split(root, "train", s.images, s.seed, s, progress)
    build_split(root, "val", n_val, s.seed + 1, s, progress)
    return write_data_yaml(root)


@dataclass
class SplitSpec:
    """One part of a recipe's dataset: ``crops`` crops of ``crop`` px from ``source`` frames of scenes of ``seed``."""

    split: str  # train | val
    source: str  # broadcast | cutaway | zoomed (:data:`SOURCES`)
    seed: int
    crops: int
    crop: int = 320  # 0: whole frames
    crops_per_frame: int = 3
    parts: int = 1  # rendered as this many independent parts (own scene seeds, :func:`split_jobs`), in parallel


@dataclass(frozen=True)
class SplitJob:
    """One unit of dataset rendering: ``crops`` crops from scenes of ``seed`` (see :func:`build_split`)."""

    split: str
    source: str
    seed: int
    crops: int
    crop: int
    crops_per_frame: int

    @property
    def key(self) -> str:
        return f"{self.split}_{self.source}_{self.seed}_{self.crops}_{self.crop}_{self.crops_per_frame}"


def split_jobs(sp: SplitSpec) -> list[SplitJob]:
    """The rendering jobs of a recipe row: itself, or with ``parts`` > 1 that many parts whose base seeds are
    derived from the row's (``SeedSequence([seed, 100000 + i])``) and whose crops add up to the row's."""
    if sp.parts <= 1:
        return [SplitJob(sp.split, sp.source, sp.seed, sp.crops, sp.crop, sp.crops_per_frame)]
    q, r = divmod(sp.crops, sp.parts)
    return [SplitJob(sp.split, sp.source, _scene_seed(sp.seed, 100_000 + i), q + (i < r), sp.crop, sp.crops_per_frame)
            for i in range(sp.parts) if q + (i < r) > 0]


@dataclass
class Recipe:
    """How a set of weights is made: its dataset (splits) and its training settings. Paths are relative to the
    recipe file's folder."""

    out: Path
    settings: TrainSettings
    splits: list[SplitSpec]
    path: Path | None = None


def load_recipe(path: Path | str) -> Recipe:
    """Read a recipe YAML (``out``, ``train``: :class:`TrainSettings` fields, ``splits``: :class:`SplitSpec` rows)."""
    import yaml

    from cv.errors import SettingsError

    path = Path(path)
    if not path.is_file():
        raise SettingsError(f"{path}: no such recipe file")
    try:
        doc = yaml.safe_load(path.read_text()) or {}
        train = dict(doc.get("train") or {})
        if train.get("init"):
            train["init"] = str((path.parent / train["init"]).resolve())
        if "frame_size" in train:
            train["frame_size"] = tuple(train["frame_size"])
        settings = TrainSettings(**train)
        splits = [SplitSpec(**row) for row in doc["splits"]]
        out = path.parent / doc["out"]
    except (KeyError, TypeError, yaml.YAMLError) as e:
        raise SettingsError(f"{path}: not a training recipe ({type(e).__name__}: {str(e).splitlines()[0][:120]})") \
            from e
    bad = [sp for sp in splits if sp.split not in ("train", "val") or sp.source not in SOURCES]
    if bad or not {sp.split for sp in splits} >= {"train", "val"}:
        raise SettingsError(f"{path}: splits need train and val parts, each with source in {list(SOURCES)}")
    return Recipe(out=out, settings=settings, splits=splits, path=path)


def _run_job(root: str, job: SplitJob, s: TrainSettings) -> str:
    """Render one :class:`SplitJob` (in a worker process) and mark it done."""
    cv2.setNumThreads(1)
    n = build_split(root, job.split, job.crops, job.seed, s, source=job.source, crop=job.crop,
                    crops_per_frame=job.crops_per_frame)
    (Path(root) / "done" / f"{job.key}.json").write_text(json.dumps({"crops": n}))
    return job.key


def build_recipe_dataset(root: Path | str, recipe: Recipe, progress: Callable[[str], None] | None = None,
                         jobs: int = 1) -> Path:
    """Render exactly the recipe's dataset under ``root``; returns its ``data.yaml``.

    Resumable: ``root/dataset.json`` states what the folder holds and ``root/done/`` which parts are complete, so
    a second call with the same recipe renders only the parts an interrupted call left unfinished (a folder made
    for another dataset is emptied first). ``jobs`` processes render parts in parallel (same bytes as one).
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    root = Path(root)
    s = recipe.settings
    manifest = {"splits": [asdict(sp) for sp in recipe.splits], "frame_size": list(s.frame_size),
                "scene_frames": s.scene_frames, "scene_stride": s.scene_stride}
    mpath = root / "dataset.json"
    if not (mpath.is_file() and json.loads(mpath.read_text()) == manifest):
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        mpath.write_text(json.dumps(manifest, indent=1))
    (root / "done").mkdir(exist_ok=True)
    todo = [j for sp in recipe.splits for j in split_jobs(sp) if not (root / "done" / f"{j.key}.json").is_file()]
    if progress and todo:
        progress(f"rendering {len(todo)} dataset part(s) with {min(jobs, len(todo))} process(es)")

    def finished() -> Iterator[str]:
        if jobs <= 1 or len(todo) <= 1:
            yield from (_run_job(str(root), j, s) for j in todo)
            return
        with ProcessPoolExecutor(min(jobs, len(todo)), mp_context=get_context("spawn")) as ex:
            yield from (fut.result() for fut in as_completed([ex.submit(_run_job, str(root), j, s) for j in todo]))

    for key in finished():
        if progress:
            progress(f"done: {key}")
    return write_data_yaml(root)


def train_recipe(recipe: Recipe | Path | str, workdir: Path | str, out: Path | str | None = None,
                 device: str | None = None, progress: Callable[[str], None] | None = None, jobs: int = 1) -> dict:
    """Rebuild a recipe's dataset under ``workdir/dataset`` (``jobs`` rendering processes; parts already rendered
    there by an interrupted run are kept) and train on it (:func:`train_detector`); the weights go to ``out``
    (default: the recipe's). The summary also holds the recipe and the dataset's rendering time."""
    r = recipe if isinstance(recipe, Recipe) else load_recipe(recipe)
    s = TrainSettings(**asdict(r.settings))
    if device:
        s.device = device
    t0 = time.perf_counter()
    data = build_recipe_dataset(Path(workdir) / "dataset", r, progress, jobs=jobs)
    t_data = time.perf_counter() - t0
    if progress:
        progress(f"dataset rendered in {t_data:.0f} s")
    summary = train_detector(out or r.out, workdir, s, progress, dataset=data.parent)
    summary["recipe"] = {"path": str(r.path), "splits": [asdict(sp) for sp in r.splits]}
    summary["dataset_seconds"] = round(t_data, 1)
    summary["total_seconds"] = round(summary["total_seconds"] + t_data, 1)
    (Path(workdir) / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def train_detector(out: Path | str, workdir: Path | str, settings: TrainSettings | None = None,
                   progress: Callable[[str], None] | None = None, dataset: Path | str | None = None) -> dict:
    """Build the dataset (or use ``dataset``, a folder written by :func:`build_split`), train the model (from
    scratch, or from ``settings.init``) and copy the best weights to ``out``.

    Returns a summary (settings, image counts, seconds, validation mAP50 and per-class AP50), also written to
    ``workdir/summary.json``.
    """
    os.environ.setdefault("YOLO_OFFLINE", "1")
    from ultralytics import YOLO

    s = settings or TrainSettings()
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    data = build_dataset(workdir / "dataset", s, progress) if dataset is None else write_data_yaml(dataset)
    counts = {sp: len(list((data.parent / "images" / sp).glob("*.jpg"))) for sp in ("train", "val")}
    t_data = time.perf_counter() - t0
    if progress:
        progress(f"dataset ready in {t_data:.0f} s; training")
    model = YOLO(str(model_yaml(s.model)), task="detect")
    amp = (not str(s.device).startswith("cpu")) if s.amp is None else s.amp
    model.train(
        data=str(data), epochs=s.epochs, imgsz=s.imgsz, batch=s.batch, nbs=s.batch, device=s.device,
        workers=s.workers, seed=s.seed, deterministic=s.deterministic, project=str(workdir), name="train",
        exist_ok=True,
        # the trainer builds a fresh network from the YAML and loads ``pretrained`` into it (weights loaded into
        # ``model`` beforehand would be dropped): False trains from scratch
        plots=False, pretrained=str(Path(s.init).resolve()) if s.init else False,
        amp=amp, cache="ram", optimizer="AdamW", lr0=s.lr0,
        warmup_epochs=s.warmup_epochs,
        close_mosaic=max(1, s.epochs // 4) if s.close_mosaic is None else s.close_mosaic,
        hsv_h=0.03, hsv_s=0.6, hsv_v=0.4, fliplr=0.5, scale=s.scale, translate=0.1, mosaic=s.mosaic, verbose=False,
        **({"time": s.hours} if s.hours else {}),
    )
    run = workdir / "train" / "weights"
    best = run / "best.pt" if (run / "best.pt").exists() else run / "last.pt"
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(best, out)
    summary = {"settings": asdict(s), "images": counts, "dataset_seconds": round(t_data, 1),
               "total_seconds": round(time.perf_counter() - t0, 1), "weights": str(out),
               "weights_bytes": out.stat().st_size, "validation": validate(out, data, s)}
    (workdir / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def validate(weights: Path | str, data: Path | str, s: TrainSettings) -> dict:
    """mAP50 and per-class AP50 of ``weights`` on the validation crops."""
    from ultralytics import YOLO

    m = YOLO(str(weights), task="detect").val(data=str(data), imgsz=s.imgsz, batch=s.batch, device=s.device,
                                             plots=False, verbose=False, workers=0)
    per = {m.names[int(c)] if hasattr(m, "names") else CLASSES[int(c)]: round(float(a), 4)
           for c, a in zip(m.box.ap_class_index, m.box.ap50, strict=True)}
    return {"map50": round(float(m.box.map50), 4), "ap50": per}
