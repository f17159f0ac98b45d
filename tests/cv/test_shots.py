"""Shot types: cuts between pitch views, one label per cut segment, replays and close-ups cut into the main camera."""

from __future__ import annotations

import cv2
import numpy as np

from cv.calibration import CalibrationConfig, build_calibrator
from cv.camera import Camera
from cv.shots import CutDetector, ShotSegment
from tests.cv.calib_render import error_m, render

W, H = 960, 540
MAIN = (2.0, -70.0, 24.0)


def _main(x: float) -> Camera:
    return Camera(position=MAIN, width=W, height=H, focal=1500.0).look_at((x, 6.0, 0.0))


def _behind_goal(x: float) -> Camera:
    # a high camera behind the right-hand goal, looking down the pitch (a replay camera)
    return Camera(position=(80.0, 4.0, 20.0), width=W, height=H, focal=900.0).look_at((x, 0.0, 0.0))


def _hsv(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(cv2.resize(img, (320, 180), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2HSV)


def test_a_cut_between_two_pitch_views_is_found_and_a_pan_is_not():
    cd = CutDetector(0.5)
    rng = np.random.default_rng(1)
    frames = [render(_main(x), seed=2, rng=rng)[0] for x in (-10.0, -9.0, -8.0)]
    frames.append(render(_behind_goal(30.0), seed=2, rng=rng)[0])
    cuts = [cd.update(_hsv(f)) for f in frames]
    assert cuts == [False, False, False, True]
    # the colours hardly change (grass on both sides of the cut): the picture does
    assert cd.last_distance < 0.5 and cd.busy


def test_segment_label_is_voted_and_a_found_main_camera_wins_over_stray_votes():
    seg = ShotSegment(0, cut_in=True)
    for raw in ["main"] * 7 + ["closeup"]:
        seg.add(raw, busy=False, change=2.0)
    assert seg.label() == "main"
    for _ in range(3):
        seg.add("closeup", busy=False, change=2.0)
    assert seg.label() == "closeup"  # 4 of 11 frames show a person a third of the frame tall
    seg.found = True
    assert seg.label() == "main"  # the main camera calibrated on the segment outweighs a minority of votes
    for _ in range(3):
        seg.add("closeup", busy=False, change=2.0)
    assert seg.label() == "closeup"  # but not half the frames (a close-up's touchline can fit the main camera)
    # a wipe (the picture changes on every frame) is "other"; a still picture cut in is "other"
    wipe = ShotSegment(5)
    for _ in range(3):
        wipe.add("main", busy=True, change=30.0)
    assert wipe.transition and wipe.label() == "other"
    card = ShotSegment(9)
    for _ in range(4):
        card.add("main", busy=False, change=0.0)
    assert card.label() == "other"
    start = ShotSegment(0, cut_in=False)  # a still picture the video starts with is not called a card
    for _ in range(4):
        start.add("main", busy=False, change=0.0)
    assert start.label() == "main"


def _run(cal, frames):
    got = {}
    for i, (img, boxes, hint) in enumerate(frames):
        got[i] = cal.update(img, frame=i, t=i / 25, boxes=boxes, hint_H=hint)
        for r in cal.revisions():
            got[r.frame] = r
    return got


def test_a_close_up_segment_gets_one_label_from_its_first_frame_and_the_main_camera_relocks_after_it():
    rng = np.random.default_rng(5)
    frames, truth = [], []
    for i, x in enumerate(np.linspace(-12.0, -8.0, 8)):
        img, Ht, boxes = render(_main(float(x)), seed=2, rng=rng)
        frames.append((img, boxes, Ht if i == 0 else None))
        truth.append(Ht)
    # a close-up from pitch side: a low camera a few metres from the player; the detector finds the player on
    # some frames only
    low = Camera(position=(-6.0, -40.0, 3.0), width=W, height=H, focal=2400.0)
    for i in range(8):
        img, _, _ = render(low.look_at((-6.0 + 0.2 * i, -30.0, 0.0)), seed=2, players=0, rng=rng)
        big = np.array([[380.0, 60.0, 560.0, 520.0]]) if i % 3 == 2 else None
        frames.append((img, big, None))
        truth.append(None)
    # back to the main camera, which kept following play: a pan / tilt / zoom search relocks
    for x in np.linspace(-6.0, -4.0, 4):
        img, Ht, boxes = render(_main(float(x)), seed=2, rng=rng)
        frames.append((img, boxes, None))
        truth.append(Ht)
    got = _run(build_calibrator(CalibrationConfig()), frames)
    assert [got[i].shot for i in range(8)] == ["main"] * 8
    assert [got[i].shot for i in range(8, 16)] == ["closeup"] * 8  # one label, from the cut on
    assert all(got[i].H is None and not got[i].usable for i in range(8, 16))
    assert [got[i].shot for i in range(16, 20)] == ["main"] * 4
    relocked = [i for i in range(16, 20) if got[i].usable]
    assert relocked and relocked[0] <= 17
    for i in relocked:
        assert np.median(error_m(truth[i], got[i].H, W, H)) < 0.5


def test_a_replay_from_a_camera_behind_the_goal_is_other_for_the_whole_segment():
    rng = np.random.default_rng(9)
    frames = []
    for i, x in enumerate(np.linspace(10.0, 14.0, 8)):
        img, Ht, boxes = render(_main(float(x)), seed=2, rng=rng)
        frames.append((img, boxes, Ht if i == 0 else None))
    for x in np.linspace(28.0, 32.0, 10):
        img, _, boxes = render(_behind_goal(float(x)), seed=2, rng=rng)
        frames.append((img, boxes, None))
    got = _run(build_calibrator(CalibrationConfig()), frames)
    assert all(got[i].shot == "main" and got[i].usable for i in range(8))
    assert [got[i].shot for i in range(8, 18)] == ["other"] * 10
    assert all(got[i].H is None and not got[i].usable for i in range(8, 18))


def test_a_segment_that_showed_the_main_camera_is_not_made_a_replay():
    fresh = ShotSegment(10)
    fresh.add("main", False, 5.0)
    fresh.replay_seen()
    assert fresh.replay and fresh.label() == "other"
    found = ShotSegment(10)
    found.add("main", False, 5.0)
    found.found = True
    found.replay_seen()  # a later search taking a frame for a replay: replays start at a cut, not mid-segment
    assert not found.replay and found.label() == "main"


def test_a_close_up_whose_picture_keeps_changing_is_no_transition_once_longer_than_a_wipe():
    # a close-up camera following a running player: the picture changes on every frame, as on a wipe, but for
    # longer than any wipe lasts
    follow = ShotSegment(100)
    for i in range(40):
        follow.add("closeup", busy=i >= 5, change=12.0, t=4.0 + i / 25)
        if i == 20:
            assert follow.transition and follow.label() == "other"  # a moment of changes: maybe a wipe
    assert not follow.transition and follow.label() == "closeup"
    wipe = ShotSegment(5)
    for i in range(12):
        wipe.add("main", busy=True, change=30.0, t=i / 50)  # half a second of changes at 50 frames/s
    assert wipe.transition and wipe.label() == "other"


def test_a_still_picture_is_other_even_where_a_camera_was_fitted_to_its_bars():
    card = ShotSegment(600)
    card.add("main", busy=True, change=40.0)  # the cut in
    card.found = True  # a pan / tilt / zoom of the main camera fitted to the card's straight bars
    for _ in range(4):
        card.add("main", busy=False, change=0.1)
    assert card.label() == "main"  # a few still frames alone do not outvote a found camera
    for _ in range(20):
        card.add("main", busy=False, change=0.1)
    assert card.label() == "other" and not card.may_be_main()
    play = ShotSegment(700)  # the main camera shows play: the picture moves a little on every frame
    play.found = True
    for _ in range(30):
        play.add("main", busy=False, change=1.2)
    assert play.label() == "main"
