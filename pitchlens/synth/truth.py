"""Read the truth written beside a rendered clip."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pitchlens.errors import InputError
from pitchlens.schema import TRUTH_FRAMES, TRUTH_OBJECTS, conform


@dataclass
class Truth:
    """A clip's truth: per-frame table (shot, homography), per-object table, and meta (seed, fps, size, cameras)."""

    frames: pa.Table
    objects: pa.Table
    meta: dict

    def homography(self, frame: int) -> np.ndarray | None:
        """The 3x3 pitch-to-pixel homography of ``frame`` (None off the main camera)."""
        col = self.frames.column("frame").to_numpy()
        idx = np.flatnonzero(col == frame)
        if len(idx) == 0:
            return None
        h = self.frames.column("homography")[int(idx[0])].as_py()
        return None if h is None else np.asarray(h, dtype=float).reshape(3, 3)


def load_truth(path: Path | str) -> Truth:
    """Load ``path/truth`` (or ``path`` itself when it is the truth folder)."""
    p = Path(path)
    d = p / "truth" if (p / "truth").is_dir() else p
    for name in ("frames.parquet", "objects.parquet", "meta.json"):
        if not (d / name).is_file():
            raise InputError(f"{d / name}: missing (not a rendered clip's truth folder)")
    frames = conform(pq.read_table(d / "frames.parquet"), TRUTH_FRAMES)
    objects = conform(pq.read_table(d / "objects.parquet"), TRUTH_OBJECTS)
    return Truth(frames, objects, json.loads((d / "meta.json").read_text()))
