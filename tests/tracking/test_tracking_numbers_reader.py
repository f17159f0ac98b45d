"""The match tracker reads shirt numbers with the trained reader and fills the ``jersey`` column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import supervision as sv

from cv.camera import Camera
from cv.jersey import JerseyReader
from pitchlens.synth.people import HAIR, PALETTE, SKIN, Kit, Look, draw_person
from tracking import MatchTracker, TrackingConfig

WEIGHTS = Path(__file__).resolve().parents[2] / "weights" / "pitchlens-jersey.pt"


@pytest.mark.skipif(not WEIGHTS.is_file(), reason="weights/pitchlens-jersey.pt not present")
def test_two_players_running_away_get_their_numbers():
    cam = Camera(position=(0.0, -18.0, 12.0), focal=900.0, width=640, height=360).look_at((0.0, 0.0, 1.0))
    kit = Kit(PALETTE["blue"], PALETTE["blue"], PALETTE["white"], PALETTE["blue"], (245, 245, 245))
    looks = [Look(kit=kit, skin=SKIN[k], hair=HAIR[0], height=1.8, build=1.0) for k in (1, 4)]
    tracker = MatchTracker(TrackingConfig(), fps=25.0, numbers=JerseyReader(WEIGHTS))
    for f in range(40):
        img = np.zeros((360, 640, 3), np.uint8)
        img[:] = (40, 130, 50)
        ids = np.zeros(img.shape[:2], np.int32)
        boxes = []
        for k, (x0, num) in enumerate(((-4.0, "23"), (4.0, "8"))):
            xy = np.array([x0, 0.1 * f])
            draw_person(img, ids, k + 1, cam, looks[k], xy, np.array([0.0, 2.5]), 0.6 * f, num)
            ys, xs = np.nonzero(ids == k + 1)
            boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
        det = sv.Detections(xyxy=np.array(boxes, float), confidence=np.full(2, 0.9), class_id=np.zeros(2, int),
                            data={"class_name": np.array(["player", "player"])})
        tracker.update(frame=f, t=f / 25.0, detections=det, image=img)
    cols = tracker.finish()
    people = cols["track_id"] != 0
    left = people & (cols["x1"] < 320)
    right = people & (cols["x1"] >= 320)
    assert set(cols["jersey"][left]) == {"23"}
    assert set(cols["jersey"][right]) == {"8"}
