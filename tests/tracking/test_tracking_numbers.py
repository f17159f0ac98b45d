"""Shirt numbers in the offline pass: votes land on the right pieces, and numbers rule links in or out."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tracking.config import OfflineConfig
from tracking.offline import Tracklet, decided_number, piece_numbers, split_tracks, stitch


def test_decided_number_needs_enough_and_consistent_reads():
    assert decided_number({}, 1.8, 0.75) is None
    assert decided_number({"7": 0.95}, 1.8, 0.75) is None  # one read is not enough
    assert decided_number({"7": 2.8}, 1.8, 0.75) == "7"
    assert decided_number({"7": 2.8, "1": 1.9}, 1.8, 0.75) is None  # two numbers read: undecided
    assert decided_number({"7": 3.8, "1": 0.9}, 1.8, 0.75) == "7"


def test_reads_land_on_the_piece_holding_that_frame():
    # one online track (id 4) seen in frames 0-9 and 30-39: split into two pieces at the gap
    frames = np.r_[np.arange(10), np.arange(30, 40)]
    rows = {"frame": frames, "t": frames * 0.04, "track_id": np.full(20, 4), "box": np.zeros((20, 4)),
            "xy": np.zeros((20, 2)), "prov": np.zeros(20, np.int8)}
    rows, parent = split_tracks(rows, 0.5, first_id=100)
    assert parent == {4: 4, 100: 4}
    reads = (np.array([2, 5, 31, 35, 20]), np.array([4, 4, 4, 4, 4]), np.array(["7", "7", "9", "9", "3"], object),
             np.array([0.95, 0.9, 0.99, 0.97, 0.99]))
    votes = piece_numbers(rows, parent, reads)
    assert set(votes) == {4, 100}
    assert votes[4] == {"7": 0.95 + 0.9}
    assert set(votes[100]) == {"9"}  # the read in frame 20 matches no row: dropped


def _piece(tid: int, t0: float, t1: float, xy0, xy1, app, numbers=None) -> Tracklet:
    return Tracklet(tid, t0, t1, np.asarray(xy0, float), np.asarray(xy1, float), np.asarray(app, np.float32),
                    "player", numbers=numbers or {})


def test_numbers_keep_teammates_apart_and_join_one_player_across_a_colour_change():
    """Two teammates (one kit) leave 4 m apart and come back 3 s later where the other one would be: motion alone
    swaps them, their numbers do not. And one player whose shirt histogram changed (a graphic over him) is joined
    to himself by his number, past the colour gate."""
    kit = np.array([0.6, 0.8, 0.0, 0.0])
    a = _piece(1, 0.0, 5.0, (0, 0), (0, 0), kit, {"7": 3.0})
    b = _piece(2, 0.0, 5.0, (4, 0), (4, 0), kit, {"11": 3.0})
    a2 = _piece(3, 8.0, 12.0, (3.5, 0), (0, 0), kit, {"7": 3.0})
    b2 = _piece(4, 8.0, 12.0, (0.5, 0), (0, 0), kit, {"11": 3.0})
    cfg = OfflineConfig()
    m = stitch([a, b, a2, b2], cfg)
    assert m[3] == 1 and m[4] == 2
    assert stitch([a, b, a2, b2], replace(cfg, stitch_numbers=False))[3] == 2
    # a colour change past both colour gates (distance 0.72 > 0.6): joined only with the numbers
    odd = np.array([0.0, 0.6, 0.8, 0.0])
    c = _piece(5, 5.5, 9.0, (0.5, 0), (1, 0), odd, {"7": 3.0})
    assert stitch([a, c], cfg)[5] == 1
    assert stitch([a, c], replace(cfg, stitch_numbers=False))[5] == 5
    # the other team's number 7 (another kit altogether) stays apart
    other = _piece(6, 5.5, 9.0, (0.5, 0), (1, 0), np.array([0.0, 0.0, 0.6, 0.8]), {"7": 3.0})
    assert stitch([a, other], cfg)[6] == 6
