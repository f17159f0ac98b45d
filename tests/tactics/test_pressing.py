import numpy as np
import pytest

from tactics.config import PressingConfig, TacticsConfig
from tactics.frames import build_frames
from tactics.match import analyse
from tactics.possession import compute_possession
from tactics.pressing import compute_pressing, pressing_matrices, probability_to_intercept, time_to_intercept

from .synth import Tracks, keepers

P = PressingConfig()


def logistic(tti: float) -> float:
    return 1.0 / (1.0 + np.exp(-np.pi / np.sqrt(3.0) / P.sigma * (P.time_threshold - tti)))


def test_time_to_intercept_straight_run():
    # a presser 10 m away running at 5 m/s straight at a standing target
    tti = time_to_intercept(np.array([[10.0, 0.0]]), np.array([[-5.0, 0.0]]), np.array([[0.0, 0.0]]),
                            np.array([[0.0, 0.0]]), 0.7, 12.0)
    assert tti.shape == (1, 1)
    assert tti[0, 0] == pytest.approx(0.7 + (10.0 - 5.0 * 0.7) / 12.0)


def test_turn_penalty_running_away():
    # same distance, but running away from the target: turning costs |v| * pi / pi seconds
    tti = time_to_intercept(np.array([[10.0, 0.0]]), np.array([[5.0, 0.0]]), np.zeros((1, 2)), np.zeros((1, 2)),
                            0.7, 12.0)
    assert tti[0, 0] == pytest.approx(5.0 + 0.7 + (10.0 + 5.0 * 0.7) / 12.0)


def test_matrix_direction_movers_are_rows():
    # rows = movers (pressing team), columns = targets (team in possession)
    movers = np.array([[0.0, 0.0], [20.0, 30.0]])
    mv = np.array([[6.0, 0.0], [0.0, 0.0]])  # mover 0 chases along +x
    targets = np.array([[10.0, 0.0], [10.0, 5.0], [-10.0, 0.0]])
    tv = np.array([[3.0, 0.0], [0.0, 0.0], [0.0, 0.0]])  # target 0 runs away along +x
    tti = time_to_intercept(movers, mv, targets, tv, 0.7, 12.0)
    assert tti.shape == (2, 3)
    assert tti[0, 0] == pytest.approx(0.7 + (13.0 - 4.2) / 12.0)  # mover 0 -> target 0
    assert tti[0, 0] < tti[0, 2]  # the target behind the chaser takes longer (turn)
    # the reverse question (target 0 catching mover 0) is another number: it must turn round
    back = time_to_intercept(targets, tv, movers, mv, 0.7, 12.0)
    assert back.shape == (3, 2)
    assert back[0, 0] == pytest.approx(3.0 + 0.7 + (12.1 - 6.0) / 12.0)
    assert back[0, 0] > tti[0, 0]


def test_probability_logistic_midpoint():
    assert probability_to_intercept(np.array(P.time_threshold), P.sigma, P.time_threshold) == pytest.approx(0.5)
    assert probability_to_intercept(np.array(0.0), P.sigma, P.time_threshold) > 0.99


def lone_presser(fps: float = 10.0) -> tuple[Tracks, float]:
    """Home no. 7 stands on the ball at (0, 0); away no. 107 runs at him along -x at 5 m/s."""
    tr = Tracks(fps)
    f = np.arange(0, 31)
    keepers(tr, f)
    tr.add(7, "home", "player", f, 0.0, 0.0)
    tr.add(-1, None, "ball", f, 0.3, 0.0)
    x0 = 20.0
    tr.add(107, "away", "player", f, x0 - 5.0 * f / fps, 0.0)
    return tr, x0


def test_lone_presser_closing_at_5ms():
    tr, x0 = lone_presser()
    fd = build_frames(tr.columns(), tr.fps)
    poss = compute_possession(fd)
    assert (poss.team[5:] == 0).all()  # home has the ball
    pf = compute_pressing(fd, poss)
    k = 15  # a middle frame: the local fit is exact for uniform motion
    row = np.flatnonzero(fd.frame[pf.index] == k)[0]
    dist = x0 - 5.0 * k / tr.fps
    # movers are the pressing (away) team: the away outfielder runs at the carrier; ball 0.3 m in front
    tti_player = 0.7 + (dist - 5.0 * 0.7) / 12.0
    tti_ball = 0.7 + (dist - 0.3 - 5.0 * 0.7) / 12.0
    keeper = logistic(0.7 + (50.0 - 0.3) / 12.0)  # the away keeper, standing 49.7 m from the ball
    expected = logistic(min(tti_player, tti_ball)) + keeper
    assert pf.team[row] == 1
    assert pf.carrier_pressure[row] == pytest.approx(expected, abs=1e-6)
    m = pressing_matrices(fd, poss, pf.index[row:row + 1])
    movers = list(m["mover_ids"][0])
    targets = list(m["target_ids"][0])
    i, j = movers.index(107), targets.index(7)
    assert m["tti"][0, i, j] == pytest.approx(tti_player, abs=1e-9)
    assert pf.visible_pressers[row] == 2 and pf.visible_targets[row] == 2
    # pressure rises as the presser closes in
    cp = pf.carrier_pressure[(fd.frame[pf.index] >= 5) & (fd.frame[pf.index] <= 25)]
    assert (np.diff(cp) > 0).all()


def test_no_ball_no_pressing_rows_and_no_crash():
    tr = Tracks()
    f = np.arange(20)
    tr.add(7, "home", "player", f, 0.0, 0.0)
    tr.add(107, "away", "player", f, 5.0, 0.0)
    out = analyse(tr.columns(), tr.fps)
    assert len(out["pressing"]["frame"]) == 0
    assert set(out["possession"]["state"]) == {"none"}
    assert len(out["shape"]["frame"]) == 40


def test_empty_tracks():
    cols = {k: np.zeros(0) for k in ("frame", "t", "track_id", "x", "y", "z")}
    cols["role"] = np.zeros(0, dtype=object)
    cols["team"] = np.zeros(0, dtype=object)
    out = analyse(cols, 25.0)
    assert all(len(next(iter(v.values()), [])) == 0 for v in out.values())


def test_counter_press_after_losing_the_ball():
    fps = 10.0
    tr = Tracks(fps)
    f = np.arange(0, 120)
    keepers(tr, f)
    # home no. 7 has the ball for 2 s, then away no. 107 wins it at 10 m and keeps it
    bx = np.where(f < 20, 0.0, 10.0)
    tr.add(-1, None, "ball", f, bx, 0.0)
    tr.add(7, "home", "player", f, np.where(f < 20, 0.0, 8.0), 0.0)
    tr.add(107, "away", "player", f, 10.0, 0.5)
    fd = build_frames(tr.columns(), fps)
    poss = compute_possession(fd)
    pf = compute_pressing(fd, poss, TacticsConfig().pressing)
    t = fd.t[pf.index]
    home_pressing = pf.team == 0
    cp = pf.counter_press
    assert cp[home_pressing & (t > 2.2) & (t < 6.5)].all()
    assert not cp[home_pressing & (t > 7.5)].any()
    assert not cp[~home_pressing].any()
