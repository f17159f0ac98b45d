"""Shared fixtures: real video files, a real YOLO model, real stores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

# ultralytics binds its log handler to sys.stderr when first imported: imported here, before any test captures
# the output, it writes to the real stream, not to a test's capture closed after that test
import ultralytics  # noqa: F401, E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DEMO_WEIGHTS = ROOT / "weights" / "pitchlens-demo.pt"


def pff_final_in_store(root: Path):
    """The PFF World Cup final excerpt (real data), imported into a store at ``root`` as match ``wc``; returns the
    import and the start times of its second to fourth periods (the importer leaves exactly 900 s before each, and
    the excerpt's runs lie far apart within a period too, so the starts are given rather than found)."""
    from pitchlens.importers import import_tracking
    from pitchlens.store import Store

    d = shared_data("tracking", "pff_wc2022_final")
    im = import_tracking("pff", d / "pff_10517.jsonl", d / "pff_metadata_10517.json",
                         roster=d / "pff_rosters_10517.json", match_id="wc")
    Store(root).commit("wc", {"tracks": im.tracks, "matches": im.matches})
    t = np.unique(im.tracks.column("t").to_numpy())
    return im, [float(t[k + 1]) for k in np.flatnonzero(np.abs(np.diff(t) - 900.0) < 1e-6)]


def _devices() -> list[str]:
    """Devices the device-path tests run on: the CPU always, the first CUDA GPU as well where there is one."""
    try:
        import torch

        return ["cpu"] + (["cuda:0"] if torch.cuda.is_available() else [])
    except ImportError:  # pragma: no cover
        return ["cpu"]


DEVICES = _devices()


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, skipping the test when it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real data not present: {p}")
    return p


@pytest.fixture(scope="session")
def yolo_weights(tmp_path_factory) -> Path:
    """The project's demo model when present, else a small untrained YOLO built from ultralytics' YAML."""
    if DEMO_WEIGHTS.exists():
        return DEMO_WEIGHTS
    from ultralytics import YOLO
    from ultralytics.nn.tasks import DetectionModel

    model = YOLO("yolov8n.yaml")
    net = DetectionModel("yolov8n.yaml", nc=4, verbose=False)
    net.names = {0: "ball", 1: "goalkeeper", 2: "player", 3: "referee"}
    model.model = net
    path = tmp_path_factory.mktemp("weights") / "tiny-untrained.pt"
    model.save(str(path))
    return path


def make_clip(path: Path, n: int = 30, size: tuple[int, int] = (320, 192), fps: float = 25.0, seed: int = 0) -> Path:
    """Write a small H.264 clip of moving coloured blobs on green."""
    from cv.video import write_video

    w, h = size
    rng = np.random.default_rng(seed)
    pos = rng.uniform([20, 20], [w - 20, h - 20], size=(6, 2))
    vel = rng.uniform(-3, 3, size=(6, 2))
    frames = []
    for i in range(n):
        img = np.zeros((h, w, 3), np.uint8)
        img[:] = (40, 140, 50)
        for p in pos + vel * i:
            x, y = int(p[0]) % w, int(p[1]) % h
            img[max(0, y - 12): y + 12, max(0, x - 4): x + 4] = (30, 30, 200)
        img[:, :, 0] = (img[:, :, 0].astype(int) + i) % 256
        frames.append(img)
    write_video(path, frames, fps=fps)
    return path


@pytest.fixture(scope="session")
def small_clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clips") / "small.mp4")
