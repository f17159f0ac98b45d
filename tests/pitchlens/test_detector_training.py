"""Demo detector training: labels from truth, and a tiny end-to-end training run that loads as profile demo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from cv.detect import CLASSES, Detector, DetectorSettings
from pitchlens.detector_training import (
    BENCHMARK_SEEDS,
    TrainSettings,
    crop_windows,
    keep_truth_box,
    train_detector,
    yolo_labels,
)


def test_labels_follow_truth_boxes_and_skip_hidden_ones():
    objs = [
        {"role": "player", "visible": True, "x1": 110.0, "y1": 50.0, "x2": 120.0, "y2": 80.0, "occluded": 0.1},
        {"role": "ball", "visible": True, "x1": 150.0, "y1": 60.0, "x2": 156.0, "y2": 66.0, "occluded": 0.0},
        {"role": "referee", "visible": True, "x1": 130.0, "y1": 50.0, "x2": 140.0, "y2": 80.0, "occluded": 0.9},
        {"role": "player", "visible": False, "x1": None, "y1": None, "x2": None, "y2": None, "occluded": None},
        {"role": "goalkeeper", "visible": True, "x1": 500.0, "y1": 50.0, "x2": 510.0, "y2": 80.0, "occluded": 0.0},
    ]
    lines = [list(map(float, s.split())) for s in yolo_labels(objs, 100, 40, 160)]
    assert [int(v[0]) for v in lines] == [CLASSES.index("player"), CLASSES.index("ball")]
    np.testing.assert_allclose(lines[0][1:], [15 / 160, 25 / 160, 10 / 160, 30 / 160], atol=1e-6)
    np.testing.assert_allclose(lines[1][1:], [53 / 160, 23 / 160, 6 / 160, 6 / 160], atol=1e-6)
    assert not keep_truth_box("player", 0, 0, 3, 5, 0.0) and keep_truth_box("ball", 0, 0, 3, 3, 0.0)


def test_first_crop_holds_the_ball():
    ball = {"role": "ball", "visible": True, "x1": 1200.0, "y1": 700.0, "x2": 1206.0, "y2": 706.0}
    (x0, y0), = crop_windows(np.random.default_rng(0), [ball], (1280, 720), 320, 1)
    assert x0 <= 1200 and 1206 <= x0 + 320 and y0 <= 700 and 706 <= y0 + 320


def test_tiny_training_run_gives_demo_weights(tmp_path):
    s = TrainSettings(images=8, epochs=1, imgsz=160, seed=77, crops_per_frame=4, batch=8, workers=0, scene_frames=2,
                      scene_stride=5, scale=0.5, mosaic=0.0, close_mosaic=0)
    summary = train_detector(tmp_path / "w.pt", tmp_path / "work", s)
    import yaml

    args = yaml.safe_load((tmp_path / "work" / "train" / "args.yaml").read_text())
    assert (args["scale"], args["mosaic"], args["close_mosaic"]) == (0.5, 0.0, 0)  # the settings reach the trainer
    assert summary["images"] == {"train": 8, "val": 1}
    assert 0 < (tmp_path / "w.pt").stat().st_size < 15e6
    labels = list((tmp_path / "work" / "dataset" / "labels" / "train").glob("*.txt"))
    assert sum(len(p.read_text().split()) for p in labels) > 0  # rendered frames produced boxes
    det = Detector(str(tmp_path / "w.pt"), profile="demo", settings=DetectorSettings(device="cpu", imgsz=320))
    assert [det.model.names[i] for i in range(4)] == list(CLASSES)
    out = det([np.zeros((180, 320, 3), np.uint8)])
    assert len(out) == 1 and set(out[0].data["class_name"]) <= set(CLASSES)

    # fine-tuning starts from the given weights: a step this small leaves them as they were
    s.init, s.lr0, s.images = str(tmp_path / "w.pt"), 1e-12, 4
    train_detector(tmp_path / "b.pt", tmp_path / "b", s, dataset=tmp_path / "work" / "dataset")

    def convs(p: Path) -> dict:
        sd = torch.load(p, weights_only=False)["model"].float().state_dict()
        return {k: v for k, v in sd.items() if k.endswith("conv.weight")}

    a, b = convs(tmp_path / "w.pt"), convs(tmp_path / "b.pt")
    assert a.keys() == b.keys() and len(a) > 50
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_benchmark_seeds_are_never_training_scenes():
    from pitchlens.detector_training import _scene_seed

    assert not {_scene_seed(1000, k) for k in range(5000)} & set(BENCHMARK_SEEDS)


def _recipe(tmp_path: Path, splits: str) -> Path:
    p = tmp_path / "r.recipe.yaml"
    p.write_text("out: w.pt\ntrain: {imgsz: 192, epochs: 1, batch: 4, seed: 5, frame_size: [640, 360], init: v1.pt}\n"
                 "splits:\n" + splits)
    return p


def test_cutaway_frames_are_closeups_replays_and_graphics():
    from pitchlens.detector_training import render_cutaway_frames

    got = list(render_cutaway_frames(31, 6, (640, 360)))
    shots = [t["frame"]["shot"] for _, t in got]
    assert shots.count("closeup") == 2 and shots.count("other") == 3 and shots.count("main") == 1
    assert all(img.shape == (360, 640, 3) for img, _ in got)
    assert all(t["frame"]["scene_seed"] not in BENCHMARK_SEEDS for _, t in got)
    tallest = {}
    for _, t in got:
        hs = [o["y2"] - o["y1"] for o in t["objects"]
              if o.get("visible") and o["role"] != "ball" and o["x1"] is not None]
        if hs:
            tallest[t["frame"]["shot"]] = max(tallest.get(t["frame"]["shot"], 0), max(hs))
    assert tallest["closeup"] > 2 * tallest["main"]  # close-ups hold people far bigger than the main camera's


def test_zoomed_frames_are_tight_main_views_closeups_and_a_replay():
    from pitchlens.detector_training import ZOOMED_VIEW_WIDTH, render_cutaway_frames, render_zoomed_frames

    got = list(render_zoomed_frames(31, 6, (640, 360)))
    shots = [t["frame"]["shot"] for _, t in got]
    assert shots.count("main") == 3 and shots.count("closeup") == 2 and shots.count("other") == 1
    assert all(t["frame"]["scene_seed"] not in BENCHMARK_SEEDS for _, t in got)
    assert all(ZOOMED_VIEW_WIDTH[0] <= t["frame"]["view_width"] <= ZOOMED_VIEW_WIDTH[1] for _, t in got)

    def main_heights(frames: list) -> list[float]:
        return [o["y2"] - o["y1"] for _, t in frames if t["frame"]["shot"] == "main" for o in t["objects"]
                if o.get("visible") and o["role"] != "ball" and o["x1"] is not None]

    # the zoomed main camera shows people larger than the ordinary one of the same scenes
    plain = [f for f in render_cutaway_frames(31, 12, (640, 360)) if f[1]["frame"]["shot"] == "main"]
    assert np.median(main_heights(got)) > 1.3 * np.median(main_heights(plain))


def test_recipe_builds_the_dataset_it_states(tmp_path):
    from PIL import Image

    from pitchlens.detector_training import build_recipe_dataset, load_recipe

    path = _recipe(tmp_path, "  - {split: train, source: broadcast, seed: 3, crops: 4, crop: 160, crops_per_frame: 2}\n"
                             "  - {split: train, source: cutaway, seed: 4, crops: 3, crop: 256, crops_per_frame: 1}\n"
                             "  - {split: val, source: cutaway, seed: 6, crops: 2, crop: 256, crops_per_frame: 1}\n")
    r = load_recipe(path)
    assert r.out == tmp_path / "w.pt" and r.settings.init == str(tmp_path / "v1.pt") and r.settings.imgsz == 192
    data = build_recipe_dataset(tmp_path / "ds", r)
    imgs = {sp: sorted((data.parent / "images" / sp).glob("*.jpg")) for sp in ("train", "val")}
    assert len(imgs["train"]) == 7 and len(imgs["val"]) == 2
    sizes = sorted(Image.open(p).size for p in imgs["train"])
    assert sizes == [(160, 160)] * 4 + [(256, 256)] * 3
    assert sum("cutaway" in p.name for p in imgs["train"]) == 3
    for p in imgs["train"] + imgs["val"]:
        lab = (data.parent / "labels" / p.parent.name / f"{p.stem}.txt").read_text().split("\n")
        for line in filter(None, lab):
            c, *box = map(float, line.split())
            assert int(c) in range(len(CLASSES)) and all(0 <= v <= 1 for v in box)
    again = build_recipe_dataset(tmp_path / "ds2", r)  # the recipe states the dataset exactly: same bytes again
    assert [p.read_bytes() for p in sorted((again.parent / "labels" / "train").glob("*.txt"))] == \
        [p.read_bytes() for p in sorted((data.parent / "labels" / "train").glob("*.txt"))]


def test_bad_recipes_are_one_line_errors(tmp_path):
    import pytest

    from cv.errors import SettingsError
    from pitchlens.detector_training import load_recipe

    with pytest.raises(SettingsError, match="no such recipe file"):
        load_recipe(tmp_path / "nope.yaml")
    with pytest.raises(SettingsError, match="train and val parts"):
        load_recipe(_recipe(tmp_path, "  - {split: train, source: broadcast, seed: 3, crops: 4}\n"))
    with pytest.raises(SettingsError, match="not a training recipe"):
        load_recipe(_recipe(tmp_path, "  - {split: train, source: broadcast, seed: 3, crops: 4, colour: red}\n"))


def test_shipped_recipes_load():
    from pitchlens.detector_training import ROOT, load_recipe

    w = ROOT / "weights"
    v1, v2, v3, v4, v5 = (load_recipe(w / f"pitchlens-demo{n}.recipe.yaml") for n in ("-v1", "-v2", "-v3", "-v4", ""))
    assert v1.settings.init is None and sum(sp.crops for sp in v1.splits if sp.split == "train") == 1080
    assert v2.out.name == "pitchlens-demo-v2.pt" and v2.settings.init == str(v1.out.resolve())
    assert v3.out.name == "pitchlens-demo-v3.pt" and v3.settings.init == str(v2.out.resolve())
    assert "zoomed" in {sp.source for sp in v3.splits} and v3.settings.scale == 0.5 and v3.settings.close_mosaic == 1
    assert v4.settings.init == str(v3.out.resolve()) and v4.settings.imgsz == 1280
    assert v5.out.name == "pitchlens-demo.pt" and v5.settings.init == str(v4.out.resolve())
    # v5 goes on training v4 on the very same dataset; the nano model trains from scratch on it too
    n = load_recipe(w / "pitchlens-demo-n.recipe.yaml")
    assert v5.splits == v4.splits == n.splits and n.settings.init is None
    assert all(sp.crop == 0 and sp.crops_per_frame == 1 for sp in v5.splits)
    assert all(r.out.exists() for r in (v1, v2, v3, v4, v5, n))


def test_whole_frame_labels_are_normalised_by_width_and_height():
    obj = {"role": "player", "visible": True, "x1": 640.0, "y1": 360.0, "x2": 660.0, "y2": 420.0, "occluded": 0.0}
    (x0, y0), = crop_windows(np.random.default_rng(0), [obj], (1280, 720), 0, 3)  # crop 0: the whole frame, once
    assert (x0, y0) == (0, 0)
    (line,) = yolo_labels([obj], 0, 0, (1280, 720))
    np.testing.assert_allclose(list(map(float, line.split()))[1:], [650 / 1280, 390 / 720, 20 / 1280, 60 / 720],
                               atol=1e-6)


def test_split_parts_render_in_parallel_and_resume(tmp_path):
    from dataclasses import replace

    from PIL import Image

    from pitchlens.detector_training import build_recipe_dataset, load_recipe, split_jobs

    path = _recipe(tmp_path, "  - {split: train, source: broadcast, seed: 3, crops: 5, crop: 0, crops_per_frame: 1,"
                             " parts: 3}\n"
                             "  - {split: val, source: zoomed, seed: 6, crops: 1, crop: 0, crops_per_frame: 1}\n")
    r = load_recipe(path)
    jobs = split_jobs(r.splits[0])
    assert [j.crops for j in jobs] == [2, 2, 1] and len({j.seed for j in jobs}) == 3
    lines: list[str] = []
    data = build_recipe_dataset(tmp_path / "ds", r, progress=lines.append, jobs=2)
    imgs = sorted((data.parent / "images" / "train").glob("*.jpg"))
    assert len(imgs) == 5 and {Image.open(p).size for p in imgs} == {(640, 360)}
    assert len(list((data.parent / "images" / "val").glob("*.jpg"))) == 1
    one = build_recipe_dataset(tmp_path / "ds1", r, jobs=1)  # one process writes the same bytes
    assert [p.read_bytes() for p in sorted((one.parent / "labels" / "train").glob("*.txt"))] == \
        [p.read_bytes() for p in sorted((data.parent / "labels" / "train").glob("*.txt"))]

    # an interrupted rendering resumes: only the unfinished part is rendered again
    (data.parent / "done" / f"{jobs[1].key}.json").unlink()
    lines.clear()
    build_recipe_dataset(tmp_path / "ds", r, progress=lines.append)
    assert lines[0].startswith("rendering 1 dataset part") and lines[1] == f"done: {jobs[1].key}"
    # another recipe's dataset replaces the folder's contents
    r.splits = [replace(r.splits[0], crops=2, parts=1), r.splits[1]]
    build_recipe_dataset(tmp_path / "ds", r)
    assert len(list((data.parent / "images" / "train").glob("*.jpg"))) == 2
