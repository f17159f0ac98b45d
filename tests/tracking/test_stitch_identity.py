"""Stitching identities across cut-aways (the common shift) and between teammates (skin tone)."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from cv.camera import Camera
from pitchlens.synth.people import HAIR, PALETTE, SKIN, Kit, Look, draw_person
from tracking.appearance import skin_tone
from tracking.config import OfflineConfig, TeamConfig
from tracking.offline import Tracklet, blind_series, blind_stretches, cut_shift, relabel, stitch


def _formation(rng: np.random.Generator) -> np.ndarray:
    """Ten outfield positions on a lattice of 10 m lines (the ambiguity a shift of one line spacing creates)."""
    x = np.array([-30, -30, -30, -30, -15, -15, -15, -15, 0, 0], float)
    y = np.array([-24, -8, 8, 24, -24, -8, 8, 24, -6, 6], float)
    return np.stack([x, y], axis=1) + rng.normal(0, 0.5, (10, 2))


def test_cut_shift_recovers_the_common_shift_of_a_formation():
    rng = np.random.default_rng(3)
    before = _formation(rng)
    true = np.array([7.0, -3.0])
    after = before + true + rng.normal(0, 1.0, before.shape)  # each player also moves on his own
    # only 7 of the 10 are seen after the cut, in another order
    seen = rng.permutation(10)[:7]
    d = after[seen][None, :, :] - before[:, None, :]
    ok = np.ones(d.shape[:2], bool)
    c = cut_shift(d, ok, radius=3.0, min_pairs=3, prior_m=4.0)
    assert c is not None and np.linalg.norm(c - true) < 1.0
    # pairs of different kits never vote: with only two same-kit pairs left there is no estimate
    ok2 = np.zeros_like(ok)
    ok2[0, 0] = ok2[1, 1] = True
    assert cut_shift(d, ok2, radius=3.0, min_pairs=3, prior_m=4.0) is None


def test_blind_stretches_are_the_cut_aways():
    t = np.arange(0.0, 20.0, 0.04)
    usable = ~(((t >= 4.0) & (t < 7.0)) | ((t >= 10.0) & (t < 10.4)))
    s = blind_stretches(blind_series(t, usable), 1.0)
    assert len(s) == 1 and s[0][0] == pytest.approx(3.96, abs=1e-6) and s[0][1] == pytest.approx(7.0, abs=1e-6)


def test_players_come_back_from_a_cut_away_with_their_own_ids():
    """A team moves 8 m forward and 3 m across during a 4 s cut-away. Player A comes back exactly where teammate
    B stood before the cut (B is not seen again): without the common shift A continues B's track, with the shift
    (estimated from the whole team) he continues his own."""
    t = np.arange(0.0, 12.0, 0.04)
    blind = blind_series(t, ~((t >= 4.0) & (t < 8.0)))
    rng = np.random.default_rng(0)
    shift = np.array([8.0, -3.0])
    team = _formation(rng)[:8]
    team = team[np.linalg.norm(team - np.array([-15.0, 16.0]), axis=1) > 10]  # room for A and B
    back = team + shift + rng.normal(0, 1.0, team.shape)
    a_end = np.array([-15.0, 16.0])
    b_end = a_end + shift + np.array([0.3, 0.2])
    ends = [Tracklet(i + 1, 0.0, 3.96, p, p, None, "player") for i, p in enumerate(team)]
    starts = [Tracklet(i + 101, 8.0, 12.0, p, p, None, "player") for i, p in enumerate(back)]
    ends += [Tracklet(50, 0.0, 3.96, a_end, a_end, None, "player"), Tracklet(60, 0.0, 3.96, b_end, b_end, None,
                                                                             "player")]
    starts += [Tracklet(150, 8.0, 12.0, a_end + shift, a_end + shift, None, "player")]
    cfg = OfflineConfig()
    m = stitch(ends + starts, cfg, blind=blind)
    assert m[150] == 50 and all(m[i + 101] == i + 1 for i in range(len(team)))
    assert stitch(ends + starts, replace(cfg, stitch_cut_shift=False), blind=blind)[150] == 60


def _person_image(skin: tuple[int, int, int], phase: float, dist: float = 40.0,
                  shirt: str = "white") -> tuple[np.ndarray, np.ndarray]:
    """One rendered player (given shirt colour and skin) on grass; returns the image and his box."""
    img = np.zeros((360, 640, 3), np.uint8)
    img[:] = (40, 130, 50)
    ids = np.zeros(img.shape[:2], np.int32)
    cam = Camera(position=(0.0, -dist, 12.0), focal=900.0, width=640, height=360).look_at((0.0, 0.0, 1.0))
    kit = Kit(PALETTE[shirt], PALETTE[shirt], PALETTE["navy"], PALETTE[shirt], (30, 30, 30))
    look = Look(kit=kit, skin=skin, hair=HAIR[0], height=1.8, build=1.0)
    draw_person(img, ids, 1, cam, look, np.zeros(2), np.array([2.0, 0.5]), phase, "7")
    ys, xs = np.nonzero(ids == 1)
    return img, np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], float)


def test_skin_tone_tells_teammates_apart_and_stays_put_while_running():
    cfg = TeamConfig()
    light = np.array([skin_tone(*_person_image(SKIN[0], ph), cfg)[0] for ph in np.linspace(0, 6, 6)])
    dark = np.array([skin_tone(*_person_image(SKIN[4], ph), cfg)[0] for ph in np.linspace(0, 6, 6)])
    assert np.isfinite(light).all() and np.isfinite(dark).all()
    # value (brightness) of the skin: far apart between the two, consistent over the gait
    assert light[:, 1].min() - dark[:, 1].max() > 40
    assert np.ptp(light[:, 1]) < 20 and np.ptp(dark[:, 1]) < 20
    # a box of grass only has no skin
    grass = np.zeros((100, 100, 3), np.uint8)
    grass[:] = (40, 130, 50)
    assert np.isnan(skin_tone(grass, np.array([[10, 10, 60, 90]], float), cfg)).all()


def _chroma_420(img: np.ndarray) -> np.ndarray:
    """The image as a video codec keeps it: colour at half the resolution (4:2:0), brightness whole."""
    ycc = cv2.cvtColor(img, cv2.COLOR_BGR2YCrCb)
    h, w = img.shape[:2]
    for c in (1, 2):
        half = cv2.resize(ycc[..., c], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        ycc[..., c] = cv2.resize(half, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.cvtColor(ycc, cv2.COLOR_YCrCb2BGR)


def test_skin_tone_is_not_taken_from_a_red_kit():
    """A small player (27 px) in a red kit, as a codec stores him: his shirt's edges blend into skin-like hues, but
    the pure reds are not skin, so his tone stays near the one he has in a white kit."""
    cfg = TeamConfig()
    for skin in (SKIN[0], SKIN[3]):
        tones = {}
        for shirt in ("white", "red"):
            v = [skin_tone(_chroma_420(img), box, cfg)[0]
                 for img, box in (_person_image(skin, ph, 60.0, shirt) for ph in np.linspace(0, 6, 4))]
            tones[shirt] = np.median(v, axis=0)
        assert np.isfinite(tones["red"]).all()
        assert np.abs(tones["red"] - tones["white"]).max() < 50


def _tracklet(tid: int, t0: float, t1: float, xy0, xy1, skin=None, n: int = 0) -> Tracklet:
    app = np.full(4, 0.5, np.float32)  # one kit for everybody
    return Tracklet(tid, t0, t1, np.asarray(xy0, float), np.asarray(xy1, float), app, "player",
                    None if skin is None else np.asarray(skin, float), n)


def test_skin_tone_links_teammates_that_motion_confuses():
    """Two teammates leave 4 m apart and come back 3 s later where the other one would be: their skin tones
    link each to himself, and a short piece never sampled cannot bridge one player to the other."""
    light, dark = (60.0, 200.0), (130.0, 90.0)
    a = _tracklet(1, 0.0, 5.0, (0, 0), (0, 0), light, 30)
    b = _tracklet(2, 0.0, 5.0, (4, 0), (4, 0), dark, 30)
    a2 = _tracklet(3, 8.0, 12.0, (3.5, 0), (0, 0), light, 20)  # nearer b's end
    b2 = _tracklet(4, 8.0, 12.0, (0.5, 0), (0, 0), dark, 20)
    cfg = OfflineConfig()
    m = stitch([a, b, a2, b2], cfg)
    assert m[3] == 1 and m[4] == 2
    assert stitch([a, b, a2, b2], replace(cfg, stitch_w_skin=0.0))[3] == 2  # motion alone swaps them
    # the bridge: a 0.3 s unsampled piece right after a's end, then the dark player's piece near it
    br = _tracklet(5, 5.2, 5.5, (0.3, 0), (0.4, 0), None, 0)
    d2 = _tracklet(6, 6.0, 9.0, (0.8, 0), (0, 0), dark, 20)
    m = stitch([a, br, d2], cfg)
    assert m[5] == 1 and m[6] == 6
    assert stitch([a, br, d2], replace(cfg, stitch_rounds=1))[6] == 1  # one round: the bridge joins them


def _frame_with_people(boxes: np.ndarray, colours: list[tuple[int, int, int]]) -> np.ndarray:
    img = np.zeros((360, 640, 3), np.uint8)
    img[:] = (40, 130, 50)
    for (x1, y1, x2, y2), col in zip(boxes.astype(int), colours, strict=True):
        img[y1:y2, x1:x2] = col
        img[y1:y2, x1 + (x2 - x1) * 3 // 5:x2] = (235, 235, 235)  # both kits partly white: shirts 0.8 apart, not 1
    return img


def _swap_clip(cfg, red: tuple[int, int, int] = (30, 30, 200), blue: tuple[int, int, int] = (200, 90, 30),
               at: int = 60):
    """Four players in a row (two kits, ``red`` and ``blue``, BGR); from frame ``at`` the second box shows the
    other kit. Returns (columns, tracker)."""
    import supervision as sv

    from tracking import MatchTracker

    tracker = MatchTracker(cfg, fps=25.0, app_every=1)
    xs = [60.0, 200.0, 340.0, 480.0]
    for f in range(120):
        boxes = np.array([[x + 0.3 * f, 120.0, x + 0.3 * f + 30, 200.0] for x in xs])
        colours = [red, red if f < at else blue, blue, blue]
        det = sv.Detections(xyxy=boxes, confidence=np.full(4, 0.9), class_id=np.zeros(4, int))
        det.data["class_name"] = np.array(["player"] * 4, dtype=object)
        tracker.update(frame=f, t=f / 25.0, detections=det, image=_frame_with_people(boxes, colours))
    return tracker.finish(), tracker


def test_a_track_that_passes_to_a_player_in_the_other_kit_is_cut():
    """A track follows a red-and-white player; from frame 60 its box shows the other team's blue-and-white shirt (an
    online swap at a crossing, close enough in colour to pass the association gate): the offline pass cuts it
    there, so the two people get different ids."""
    from tracking import TrackingConfig

    cols, tracker = _swap_clip(TrackingConfig())
    second = (cols["x1"] > 190) & (cols["x1"] < 260)  # the box that changed shirt
    before = np.unique(cols["track_id"][second & (cols["frame"] < 58)])
    after = np.unique(cols["track_id"][second & (cols["frame"] > 64)])
    assert len(before) == 1 and len(after) == 1 and before[0] != after[0]
    assert tracker.players.breaks and abs(next(iter(tracker.players.breaks.values()))[0] - 60 / 25.0) < 0.2
    # without the cut the track keeps one id through the change
    cols, _ = _swap_clip(TrackingConfig.from_dict({"player": {"app_break_n": 0}}))
    second = (cols["x1"] > 190) & (cols["x1"] < 260)
    assert len(np.unique(cols["track_id"][second])) == 1


def test_a_swap_soon_after_a_track_starts_is_cut():
    """The swap comes half a second after the players appear: a dozen shirt samples are enough to see it."""
    from tracking import TrackingConfig

    # the piece before the swap lasts 0.56 s: kept here (by default pieces under a second linked to no one go)
    cols, tracker = _swap_clip(TrackingConfig.from_dict({"offline": {"min_track_s": 0.4}}), at=14)
    second = (cols["x1"] > 190) & (cols["x1"] < 260)
    before = np.unique(cols["track_id"][second & (cols["frame"] < 12)])
    after = np.unique(cols["track_id"][second & (cols["frame"] > 18)])
    assert len(before) == 1 and len(after) == 1 and before[0] != after[0]
    assert abs(next(iter(tracker.players.breaks.values()))[0] - 14 / 25.0) < 0.2
    # a track must have that many samples before its shirt is judged: with 20 the cut comes frames too late
    _, tracker = _swap_clip(TrackingConfig.from_dict({"player": {"app_break_min_samples": 20}}), at=14)
    assert all(t > 18 / 25.0 for ts in tracker.players.breaks.values() for t in ts)


def test_a_swap_between_kits_of_one_hue_is_cut_by_their_lightness():
    """Navy and a bright blue of the same hue and saturation fill the same histogram bins; their lightness tells
    them apart, and the swap is cut."""
    from tracking import TrackingConfig

    navy, bright = (110, 40, 20), (235, 85, 42)
    cols, tracker = _swap_clip(TrackingConfig(), navy, bright)
    second = (cols["x1"] > 190) & (cols["x1"] < 260)
    before = np.unique(cols["track_id"][second & (cols["frame"] < 58)])
    after = np.unique(cols["track_id"][second & (cols["frame"] > 64)])
    assert len(before) == 1 and len(after) == 1 and before[0] != after[0]
    assert abs(next(iter(tracker.players.breaks.values()))[0] - 60 / 25.0) < 0.2
    cols, tracker = _swap_clip(TrackingConfig.from_dict({"player": {"lab_break": 0.0}}), navy, bright)
    assert not tracker.players.breaks  # the histograms alone see no change
    second = (cols["x1"] > 190) & (cols["x1"] < 260)
    assert len(np.unique(cols["track_id"][second])) == 1


def test_a_swap_between_two_close_kits_is_cut_by_the_team_evidence():
    """Two kits one shade apart: the histograms are the same and the mean colours 4 apart, below the Lab check.
    Four players wear each; from frame 60 one track's box shows the other kit. Each of its samples is likelier
    under the other team's colours than under its own, and the track is cut where that evidence began."""
    import supervision as sv

    from tracking import MatchTracker, TrackingConfig

    a, b = (110, 40, 20), (120, 40, 20)

    def run(cfg):
        tracker = MatchTracker(cfg, fps=25.0, app_every=1)
        xs = [40.0, 180.0, 320.0, 460.0]
        for f in range(120):
            boxes = np.array([[x + 0.3 * f, y, x + 0.3 * f + 30, y + 70] for y in (60.0, 220.0) for x in xs])
            colours = [a, a if f < 60 else b, a, a, b, b, b, b]
            det = sv.Detections(xyxy=boxes, confidence=np.full(8, 0.9), class_id=np.zeros(8, int))
            det.data["class_name"] = np.array(["player"] * 8, dtype=object)
            tracker.update(frame=f, t=f / 25.0, detections=det, image=_frame_with_people(boxes, colours))
        return tracker.finish(), tracker

    cols, tracker = run(TrackingConfig())
    assert len(tracker.players.breaks) == 1
    assert abs(next(iter(tracker.players.breaks.values()))[0] - 60 / 25.0) < 0.1
    second = (cols["x1"] > 170) & (cols["x1"] < 240) & (cols["y1"] < 100)
    before = np.unique(cols["track_id"][second & (cols["frame"] < 58)])
    after = np.unique(cols["track_id"][second & (cols["frame"] > 70)])
    assert len(before) == 1 and len(after) == 1 and before[0] != after[0]
    _, tracker = run(TrackingConfig.from_dict({"player": {"team_break": 0.0}}))
    assert not tracker.players.breaks  # the shirt checks alone see nothing


def test_tracklet_velocities_come_from_their_first_and_last_rows():
    from tracking.offline import DETECTED, tracklets_from_rows

    t = np.arange(0.0, 2.0, 0.04)
    xy = np.stack([1.0 + 3.0 * t, 2.0 - 1.0 * t], axis=1)  # 3 m/s along x, -1 m/s along y
    rows = {"t": t, "track_id": np.full(len(t), 7), "xy": xy, "prov": np.full(len(t), DETECTED)}
    (tr,) = tracklets_from_rows(rows, {}, {})
    assert np.allclose(tr.v_start, [3.0, -1.0], atol=1e-6) and np.allclose(tr.v_end, [3.0, -1.0], atol=1e-6)
    (short,) = tracklets_from_rows({k: v[:5] for k, v in rows.items()}, {}, {})
    assert np.allclose(short.v_end, 0.0)  # too few rows: no velocity


def test_a_running_player_continues_where_his_run_takes_him():
    """A runs at 5 m/s and is lost for 1 s. B starts 5 m further on, running the same way; C, a teammate standing
    still, starts 1.5 m behind A's end. By distance alone A continues as C; carried on at their velocities, A and B
    meet and C keeps his own id."""
    v = np.array([5.0, 0.0])
    a = replace(_tracklet(1, 0.0, 10.0, (-50, 0), (0, 0)), v_end=v)
    b = replace(_tracklet(2, 11.0, 15.0, (5, 0), (25, 0)), v_start=v)
    c = _tracklet(3, 11.0, 15.0, (-1.5, 0), (-1.5, 0))
    cfg = OfflineConfig()
    m = stitch([a, b, c], cfg)
    assert m[2] == 1 and m[3] == 3
    assert stitch([a, b, c], replace(cfg, stitch_velocity_s=0.0))[3] == 1


def test_pieces_of_a_frame_or_two_are_left_out_of_the_linking():
    """A blip of one frame between a player's two pieces would take a link of its own; it is left out and the
    player's pieces link directly."""
    a = _tracklet(1, 0.0, 5.0, (0, 0), (0, 0))
    blip = _tracklet(2, 5.2, 5.24, (0.6, 0), (0.6, 0))
    b = _tracklet(3, 5.6, 9.0, (0.5, 0), (0.5, 0))
    cfg = OfflineConfig()
    m = stitch([a, blip, b], cfg)
    assert m[3] == 1 and m[2] == 2
    m0 = stitch([a, blip, b], replace(cfg, stitch_min_s=0.0))
    assert m0[2] == 1  # with every piece in, the blip joins the chain


def test_a_piece_that_starts_a_frame_before_the_last_one_ends_continues_it():
    """A new online track picks a player up one frame before the old one lets him go: the two pieces overlap by a
    frame and are linked, and the overlapping frame keeps one row, the later piece's. A piece that overlaps for
    longer is someone else (two people seen at once) and a piece never continues one that started after it."""
    a = _tracklet(1, 0.0, 5.0, (0, 0), (0.2, 0))
    b = _tracklet(2, 4.96, 9.0, (0.3, 0), (3, 0))
    other = _tracklet(3, 4.0, 9.0, (0.4, 0), (5, 0))
    cfg = OfflineConfig()
    m = stitch([a, b], cfg)
    assert m[2] == 1
    assert stitch([a, b], replace(cfg, stitch_overlap_s=0.0))[2] == 2
    assert stitch([a, other], cfg)[3] == 3
    short = _tracklet(4, 4.94, 4.98, (0.2, 0), (0.2, 0))  # within a's span: it never continues a
    assert stitch([a, short], replace(cfg, stitch_min_s=0.0))[4] == 4
    frames = np.array([123, 124, 125, 124, 125, 126])
    rows = {"frame": frames, "t": frames * 0.04, "track_id": np.array([1, 1, 1, 2, 2, 2]),
            "xy": np.arange(12, dtype=float).reshape(6, 2)}
    out = relabel(rows, m)
    assert out["track_id"].tolist() == [1, 1, 1, 1] and out["frame"].tolist() == [123, 124, 125, 126]
    assert out["xy"][1:3, 0].tolist() == [6.0, 8.0]  # frames 124 and 125 from the later piece


def test_chains_link_again_with_their_pooled_shirt_colours():
    """A player's last piece before a gap caught a teammate's colours at a crossing: too far in colour from the
    piece after the gap to be linked to it. His chain's colours, pooled over its long first piece, are near
    enough, and the chain pass links them; the chain of a player in the other kit stays apart."""
    def hist(*weights: float) -> np.ndarray:
        return np.sqrt(np.asarray(weights, float)).astype(np.float32)

    a1 = replace(_tracklet(1, 0.0, 4.0, (0, 0), (0, 0)), app=hist(1, 0, 0, 0))
    a2 = replace(_tracklet(2, 4.2, 5.0, (0.5, 0), (0.5, 0)), app=hist(0.6, 0.4, 0, 0))  # spoilt by a crossing
    b = replace(_tracklet(3, 6.0, 10.0, (1.0, 0), (1.0, 0)), app=hist(0.6, 0, 0.4, 0))
    other = replace(_tracklet(4, 6.0, 10.0, (-1.0, 0), (-1.0, 0)), app=hist(0, 0, 0, 1))  # the other kit
    cfg = OfflineConfig()
    m0 = stitch([a1, a2, b, other], replace(cfg, stitch_chain_pass=False))
    assert m0[2] == 1 and m0[3] == 3  # piece by piece: a2 -> b is refused by the colour gate
    m = stitch([a1, a2, b, other], cfg)
    assert m[2] == 1 and m[3] == 1 and m[4] == 4
    assert stitch([a1, a2, b, other], replace(cfg, stitch_chain_max_app=0.4))[3] == 3  # a tight gate refuses it


def test_a_chain_inside_another_chains_gap_is_put_in_it():
    """A player is seen, lost at the edge of the picture, seen for a moment with his colours half spoilt (too far
    from his first piece for a link of its own), lost again and seen for good. The first and the last pieces
    link over the gap; the short piece, wholly inside it, cannot take an end-to-start link from that chain, and
    is put in the gap. A piece of another kit in the same gap is not."""
    from tracking.offline import insert_chains

    def piece(tid, t0, t1, x0, x1, app):
        return Tracklet(tid, t0, t1, np.array([x0, 0.0]), np.array([x1, 0.0]), np.asarray(app, float), "player")

    a = piece(1, 0.0, 5.0, 0.0, 5.0, [1.0, 0.0, 0.0, 0.0])
    mid = piece(2, 6.0, 6.6, 6.0, 6.5, [0.7, 0.714, 0.0, 0.0])  # 0.55 from his kit: over the piece gate
    b = piece(3, 8.0, 14.0, 8.0, 14.0, [1.0, 0.0, 0.0, 0.0])
    cfg = OfflineConfig()
    m = stitch([a, mid, b], cfg)
    assert m[3] == 1 and m[2] == 1
    m0 = stitch([a, mid, b], replace(cfg, stitch_insert=False))
    assert m0[3] == 1 and m0[2] == 2
    other = piece(4, 6.0, 6.6, 6.0, 6.5, [0.0, 0.0, 1.0, 0.0])
    assert insert_chains([a, other, b], {1: 1, 3: 1, 4: 4}, cfg)[4] == 4


def test_a_chain_put_into_a_chain_that_is_put_into_a_gap_goes_along():
    """Nested gaps: chain Y (pieces 3 and 5) fits a gap of chain X (pieces 1 and 6), and chain Z (piece 4) fits the
    gap of Y. Both are put in, whichever is decided first: all five pieces end up in X, none in a chain that no
    longer exists."""
    from tracking.offline import insert_chains

    kit = [1.0, 0.0, 0.0, 0.0]

    def piece(tid, t0, t1, x0, x1):
        return Tracklet(tid, t0, t1, np.array([x0, 0.0]), np.array([x1, 0.0]), np.asarray(kit, float), "player")

    pieces = [piece(1, 0.0, 4.0, 0.0, 4.0), piece(3, 5.0, 6.0, 5.0, 6.0), piece(4, 6.5, 7.0, 6.5, 7.0),
              piece(5, 7.5, 8.5, 7.5, 8.5), piece(6, 9.5, 14.0, 9.5, 14.0)]
    cfg = OfflineConfig()
    m = insert_chains(pieces, {1: 1, 3: 3, 4: 4, 5: 3, 6: 1}, cfg)
    assert {m[k] for k in (1, 3, 4, 5, 6)} == {1}, m


def test_a_chain_in_a_gap_is_judged_on_its_looks_once():
    """A short piece at the picture's edge, its shirt half spoilt and its two skin samples dark, fits a player's
    gap: both links into and out of it compare the same pooled colours and skin, so that evidence counts once and
    the piece is put in the gap. A piece far darker than him (another man) is not; nor is the first one when
    leaving it alone costs what an unlinked end costs in the assignment."""

    def piece(tid, t0, t1, x0, x1, value, n, app=(1.0, 0.0, 0.0, 0.0)):
        return Tracklet(tid, t0, t1, np.array([x0, 0.0]), np.array([x1, 0.0]), np.asarray(app, float), "player",
                        np.array([90.0 if n > 2 else 85.0, value]), n)

    a = piece(1, 0.0, 5.0, 0.0, 5.0, 170.0, 40)
    b = piece(3, 10.0, 16.0, 12.0, 18.0, 170.0, 40)
    spoilt = (0.7, 0.714, 0.0, 0.0)  # 0.55 from his kit: over the piece gate, under the chain gate
    cfg = OfflineConfig()
    assert stitch([a, piece(2, 7.0, 7.8, 9.0, 10.0, 110.0, 2, spoilt), b], cfg)[2] == 1
    assert stitch([a, piece(2, 7.0, 7.8, 9.0, 10.0, 60.0, 2, spoilt), b], cfg)[2] == 2
    low = replace(cfg, stitch_insert_new_cost=cfg.stitch_new_cost)
    assert stitch([a, piece(2, 7.0, 7.8, 9.0, 10.0, 110.0, 2, spoilt), b], low)[2] == 2


def test_a_piece_that_fits_a_gap_is_put_there_before_another_chain_takes_it():
    """Two teammates leave the picture together; 18 s later one comes back, seen for half a second with his shirt
    half spoilt (over the piece gate), then for good. The chain pass would link the other man's open end to the
    short piece; the piece fits the gap of the first man's chain and his skin, and is put there first."""

    def piece(tid, t0, t1, xy0, xy1, value, n, app=(1.0, 0.0, 0.0, 0.0)):
        return Tracklet(tid, t0, t1, np.array(xy0, float), np.array(xy1, float), np.asarray(app, float), "player",
                        np.array([77.0, value]), n)

    a = piece(1, 0.0, 2.9, (28, 4), (30, 3.5), 110.0, 14)
    b = piece(2, 22.4, 23.0, (39.6, 8.3), (41, 8.5), 112.0, 8)
    other = piece(3, 0.1, 2.7, (25, -9), (26, -8.5), 138.0, 13)
    back = piece(4, 20.7, 21.2, (32.5, 6), (33.4, 6.5), 113.0, 2, (0.7, 0.714, 0.0, 0.0))
    cfg = OfflineConfig()
    m = stitch([a, b, other, back], cfg)
    assert m[2] == 1 and m[4] == 1 and m[3] == 3
    assert stitch([a, b, other, back], replace(cfg, stitch_insert=False))[4] == 3


def test_a_chain_in_a_gap_across_a_cut_away_is_put_there():
    """The player is seen before a 3 s cut-away, for a moment after it (shirt half spoilt) and for good 2 s later:
    the short piece is put in his gap; a piece of another kit at the same place is not."""
    def piece(tid, t0, t1, x0, x1, app=(1.0, 0.0, 0.0, 0.0)):
        return Tracklet(tid, t0, t1, np.array([x0, 0.0]), np.array([x1, 0.0]), np.asarray(app, float), "player",
                        np.array([80.0, 150.0]), 10)

    t = np.arange(0.0, 20.0, 0.04)
    blind = blind_series(t, ~((t > 5.0) & (t < 8.0)))
    a, b = piece(1, 0.0, 5.0, 0.0, 5.0), piece(3, 11.0, 16.0, 12.0, 18.0)
    cfg = OfflineConfig()
    assert stitch([a, piece(2, 8.1, 8.8, 9.0, 10.0, (0.7, 0.714, 0.0, 0.0)), b], cfg, None, blind) == {1: 1, 2: 1, 3: 1}
    assert stitch([a, piece(4, 8.1, 8.8, 9.0, 10.0, (0.0, 0.0, 1.0, 0.0)), b], cfg, None, blind)[4] == 4


KIT, SPOILT = (1.0, 0.0, 0.0, 0.0), (0.0, 1.0, 0.0, 0.0)  # a shirt histogram, and one the gate keeps apart from it


def _kit_piece(tid: int, t0: float, t1: float, xy0, xy1, app) -> Tracklet:
    """A player's piece with a given shirt histogram (one skin tone for all)."""
    return Tracklet(tid, t0, t1, np.array(xy0, float), np.array(xy1, float), np.asarray(app, float), "player",
                    np.array([120.0, 106.0]), 20)


def test_a_piece_right_after_an_end_where_it_left_off_continues_it_whatever_its_colours():
    """The online tracker lost a player for a frame at the picture's edge and his shirt crop is spoilt from then on
    (over the colour gate): the piece that starts one frame later, 0.3 m on, continues him. Where another man's
    piece starts as close, colours decide again."""

    a = _kit_piece(1, 0.0, 4.0, (0, 0), (4, 0), KIT)
    b = _kit_piece(2, 4.04, 8.0, (4.3, 0), (8, 0), SPOILT)
    cfg = OfflineConfig()
    assert stitch([a, b], cfg) == {1: 1, 2: 1}
    assert stitch([a, b], replace(cfg, stitch_chain_pass=False)) == {1: 1, 2: 1}
    assert stitch([a, b], replace(cfg, stitch_adjacent_s=0.0)) == {1: 1, 2: 2}
    assert stitch([a, replace(b, t_start=4.2)], cfg)[2] == 2  # not right after
    assert stitch([a, replace(b, xy_start=np.array([6.0, 0.0]))], cfg)[2] == 2  # not where he left off
    other = _kit_piece(3, 4.04, 8.0, (4.0, 1.0), (8, 1), SPOILT)
    assert stitch([a, b, other], cfg) == {1: 1, 2: 2, 3: 3}


def test_the_piece_right_after_an_end_is_linked_before_a_teammate_further_on_can_take_the_end():
    """The player's piece after a one-frame loss has spoilt colours; a teammate in the same kit appears 2 s later,
    3 m on. The first assignment already waives the colour gate for the adjacent piece, so it is not the teammate
    who takes the player's end (a link the later passes could not undo)."""

    a = _kit_piece(1, 0.0, 4.0, (0, 0), (4, 0), KIT)
    b = _kit_piece(2, 4.04, 8.0, (4.3, 0), (8, 0), SPOILT)
    mate = _kit_piece(3, 6.0, 10.0, (7.0, 1.0), (9, 1), KIT)
    cfg = OfflineConfig()
    assert stitch([a, b, mate], cfg) == {1: 1, 2: 1, 3: 3}
    assert stitch([a, mate], cfg) == {1: 1, 3: 1}  # without the adjacent piece, the teammate would be taken


def test_chain_tracklets_pool_their_pieces():
    from tracking.offline import chain_tracklets

    a = replace(_tracklet(1, 0.0, 3.0, (0, 0), (5, 0), (60.0, 200.0), 30), v_start=np.array([1.0, 0.0]))
    b = replace(_tracklet(2, 4.0, 5.0, (6, 0), (8, 1), (90.0, 170.0), 10), v_end=np.array([0.0, 2.0]))
    (ch,) = chain_tracklets([a, b], {1: 1, 2: 1})
    assert (ch.track_id, ch.t_start, ch.t_end) == (1, 0.0, 5.0)
    assert np.allclose(ch.xy_start, [0, 0]) and np.allclose(ch.xy_end, [8, 1])
    assert np.allclose(ch.v_start, [1, 0]) and np.allclose(ch.v_end, [0, 2])
    assert np.allclose(ch.skin, [67.5, 192.5]) and ch.skin_n == 40


def _random_tracklets(n: int, seconds: float, seed: int = 0) -> list[Tracklet]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        t0 = float(rng.uniform(0, seconds))
        xy = rng.uniform([-50, -30], [50, 30])
        app = np.sqrt(rng.dirichlet(np.ones(4) * 5)).astype(np.float32)
        out.append(Tracklet(k + 1, t0, t0 + float(rng.exponential(3.0)) + 0.2, xy, xy + rng.normal(0, 2, 2), app,
                            "player", np.array([80.0, 150.0]) + rng.normal(0, 20, 2), 10))
    return out


def test_links_found_window_by_window_are_those_of_the_whole_match():
    """Ends taken a window at a time (with cut-aways whose common shift is estimated) give the same links and costs
    as all pieces at once."""
    from tracking.offline import _link_costs, candidate_links

    trs = _random_tracklets(300, 240.0)
    # a formation seen until a cut-away that starts right after a window's edge (0.2 + 4 x 30 = 120.2): two of its
    # pieces end after the edge, too few to find the shift alone; all come back 3.5 s later, shifted alike
    pos = _formation(np.random.default_rng(3))[:8]
    trs.append(_tracklet(1000, 0.0, 0.2, (0, 0), (0, 0)))  # the first end: the windows' origin
    for k, p in enumerate(pos):
        t_end = 120.5 if k < 2 else 119.9
        trs.append(_tracklet(1001 + k, t_end - 5.0, t_end, p, p))
        trs.append(_tracklet(1101 + k, 124.05, 130.0, p + (6.0, 2.0), p + (6.0, 2.0)))
    t = np.arange(0.0, 240.0, 0.04)
    usable = ~(((t > 50) & (t < 53)) | ((t > 120.55) & (t < 124)))
    blind = blind_series(t, usable)
    cfg = OfflineConfig()
    dense = _link_costs(trs, cfg, None, blind)
    ends = [trs.index(tr) for tr in trs if 1001 <= tr.track_id <= 1008]
    assert (dense[ends] < 1e6).sum() >= 8  # the shift across the cut-away is found: the formation links
    di, dj = np.nonzero(dense < 1e6)
    i, j, c = candidate_links(trs, cfg, None, blind, window_s=30.0)
    order = np.lexsort((j, i))
    assert len(i) == len(di) > 500
    assert np.array_equal(i[order], di) and np.array_equal(j[order], dj)
    assert np.allclose(c[order], dense[di, dj])


def test_sparse_assignment_costs_what_the_dense_one_does():
    from scipy.optimize import linear_sum_assignment

    from tracking.offline import _assign_links, _link_costs, candidate_links

    trs = _random_tracklets(150, 60.0, seed=1)
    cfg = OfflineConfig()
    tau = cfg.stitch_new_cost
    i, j, c = candidate_links(trs, cfg)
    nxt = _assign_links(len(trs), i, j, c, tau)
    cost = dict(zip(zip(i.tolist(), j.tolist(), strict=True), c.tolist(), strict=True))
    sparse_total = sum(cost[a, b] for a, b in nxt.items()) + tau * (len(trs) - len(nxt))
    n = len(trs)
    dense = _link_costs(trs, cfg, None, None)
    big = np.full((n, n), 1e6)
    np.fill_diagonal(big, 0.5 * tau)
    r, k = linear_sum_assignment(np.block([[dense, big], [big, np.zeros((n, n))]]))
    links = [(a, b) for a, b in zip(r, k, strict=True) if a < n and b < n and dense[a, b] < 1e6]
    dense_total = sum(dense[a, b] for a, b in links) + tau * (n - len(links))
    assert len(nxt) > 50
    assert sparse_total == pytest.approx(dense_total, rel=1e-9)
    assert len(set(nxt.values())) == len(nxt)  # each start taken once


def test_mean_shirt_chroma_keeps_apart_kits_the_histograms_confuse():
    """Two players of the two teams whose shirt histograms are alike (one histogram for both here) leave 4 m apart
    and come back where the other would be: the mean chroma of their shirts links each to himself; a piece whose
    shirt was never sampled costs nothing either way."""
    yellow, grey = np.array([150.0, 110.0, 170.0]), np.array([100.0, 128.0, 122.0])
    a = replace(_tracklet(1, 0.0, 5.0, (0, 0), (0, 0)), lab=yellow, lab_n=20)
    b = replace(_tracklet(2, 0.0, 5.0, (4, 0), (4, 0)), lab=grey, lab_n=20)
    a2 = replace(_tracklet(3, 8.0, 12.0, (3.5, 0), (0, 0)), lab=yellow + [0, 3, -4], lab_n=6)
    b2 = replace(_tracklet(4, 8.0, 12.0, (0.5, 0), (0, 0)), lab=grey + [0, -2, 5], lab_n=6)
    cfg = OfflineConfig()
    assert stitch([a, b, a2, b2], cfg) == {1: 1, 2: 2, 3: 1, 4: 2}
    assert stitch([a, b, a2, b2], replace(cfg, stitch_w_kit=0.0))[3] == 2  # motion alone swaps them
    from tracking.offline import kit_cost

    c = kit_cost([a, b, a2, replace(b2, lab=None, lab_n=0)], cfg, np.array([0, 0, 1, 0]), np.array([2, 1, 2, 3]))
    assert c[0] < 1.0 and c[1] == cfg.stitch_kit_cap and 1.0 < c[2] and c[3] == 0.0


def test_standing_heights_link_teammates_that_motion_confuses():
    """The same with the two teammates' standing heights (histograms of heights relative to the frame's median):
    a piece never measured costs what a matching one does on average."""
    from tracking.offline import stature_cost
    from tracking.stature import STATURE_EDGES, histogram_median, stature_bins

    rng = np.random.default_rng(0)

    def hist(centre: float, n: int) -> np.ndarray:
        return np.bincount(stature_bins(centre + rng.normal(0, 0.02, n)), minlength=len(STATURE_EDGES) - 1)

    a = replace(_tracklet(1, 0.0, 5.0, (0, 0), (0, 0)), stature=hist(0.95, 30))
    b = replace(_tracklet(2, 0.0, 5.0, (4, 0), (4, 0)), stature=hist(1.06, 30))
    a2 = replace(_tracklet(3, 8.0, 12.0, (3.5, 0), (0, 0)), stature=hist(0.95, 12))
    b2 = replace(_tracklet(4, 8.0, 12.0, (0.5, 0), (0, 0)), stature=hist(1.06, 12))
    assert abs(histogram_median(a.stature)[0] - 0.95) < 0.01 and histogram_median(a.stature)[1] == 30
    cfg = replace(OfflineConfig(), stitch_w_stature=1.0)
    assert stitch([a, b, a2, b2], cfg) == {1: 1, 2: 2, 3: 1, 4: 2}
    assert stitch([a, b, a2, b2], replace(cfg, stitch_w_stature=0.0))[3] == 2
    c = stature_cost([a, b, replace(a2, stature=None)], cfg, np.array([0, 0, 0]), np.array([1, 2, 2]))
    assert c[0] > 5.0 and c[1] == 0.5 * cfg.stitch_w_stature


def test_reid_embeddings_link_teammates_that_motion_and_skin_confuse():
    """Two teammates with the same kit and skin leave 4 m apart and come back 3 s later where the other one would
    be: motion alone swaps them. Their re-identification embeddings (a piece's mean over its samples) link each
    to himself once the term is on; with fewer samples than ``stitch_reid_min_samples`` it is not counted."""
    e1, e2 = np.eye(8)[0], np.eye(8)[1]
    skin = (90.0, 150.0)

    def pieces(n: int) -> list[Tracklet]:
        a = replace(_tracklet(1, 0.0, 5.0, (0, 0), (0, 0), skin, 30), reid=e1, reid_n=n)
        b = replace(_tracklet(2, 0.0, 5.0, (4, 0), (4, 0), skin, 30), reid=e2, reid_n=n)
        a2 = replace(_tracklet(3, 8.0, 12.0, (3.5, 0), (0, 0), skin, 20), reid=e1, reid_n=n)
        b2 = replace(_tracklet(4, 8.0, 12.0, (0.5, 0), (0, 0), skin, 20), reid=e2, reid_n=n)
        return [a, b, a2, b2]

    off = stitch(pieces(5), OfflineConfig(stitch_w_reid=0.0))
    assert off[3] == 2 and off[4] == 1  # motion alone: swapped
    on = OfflineConfig()
    m = stitch(pieces(5), on)
    assert m[3] == 1 and m[4] == 2
    assert stitch(pieces(1), on)[3] == 2  # one sample each: not trusted
    assert stitch([replace(p, role="referee") for p in pieces(5)], on)[3] == 2  # the model learnt players only


def test_a_piece_under_a_second_that_links_to_no_one_is_dropped():
    """Two people seen once each, away from the others: 0.72 s (a box on two people merged at a crossing, or one
    cut by the picture's edge, looks like this) and 1.6 s. The short one carries no identity and is dropped; the
    longer one is kept; with min_track_s 0.4 both are."""
    import supervision as sv

    from tracking import MatchTracker, TrackingConfig

    def run(cfg):
        tracker = MatchTracker(cfg, fps=25.0, app_every=1)
        for f in range(120):
            xs = [60.0, 200.0] + ([340.0] if 40 <= f < 58 else []) + ([480.0] if 20 <= f < 60 else [])
            boxes = np.array([[x + 0.3 * f, 120.0, x + 0.3 * f + 30, 200.0] for x in xs])
            colours = [(30, 30, 200) if x in (60.0, 340.0) else (200, 90, 30) for x in xs]
            det = sv.Detections(xyxy=boxes, confidence=np.full(len(xs), 0.9), class_id=np.zeros(len(xs), int))
            det.data["class_name"] = np.array(["player"] * len(xs), dtype=object)
            tracker.update(frame=f, t=f / 25.0, detections=det, image=_frame_with_people(boxes, colours))
        cols = tracker.finish()
        people = cols["role"] != "ball"
        return {int(round(x)) for x in cols["x1"][people & (cols["frame"] == 50)]}

    assert run(TrackingConfig()) == {75, 215, 495}
    assert run(TrackingConfig.from_dict({"offline": {"min_track_s": 0.4}})) == {75, 215, 355, 495}


def test_a_track_whose_shirt_number_changes_is_cut_between_the_reads():
    """Teammates share the kit, so a swap between them at a crossing leaves the colours alone; the shirt numbers
    read on the track show it: five reads of 7, then five of 11, cut halfway between the last 7 and the first 11.
    Fewer reads in a row (a misread) cut nothing; another track's reads are its own."""
    from tracking.offline import number_breaks

    frames = np.r_[np.arange(0, 20, 2), np.arange(30, 40, 2), [50, 52, 54, 60, 62, 64]]
    track = np.r_[np.full(10, 1), np.full(5, 1), np.full(6, 2)]
    nums = np.array(["7"] * 5 + ["11"] * 5 + ["11"] * 5 + ["9", "9", "4", "9", "9", "9"], dtype=object)
    reads = (frames, track, nums, np.full(len(frames), 0.999))
    t_of = {int(f): f / 25.0 for f in range(80)}
    assert number_breaks(reads, t_of, 5) == {1: [0.5 * (8 + 10) / 25.0]}
    assert number_breaks(reads, t_of, 0) == {}
    assert number_breaks(reads, t_of, 11) == {}
