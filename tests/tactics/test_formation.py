import numpy as np
import pytest

from tactics.config import FormationConfig, TacticsConfig
from tactics.formation import detect_formation
from tactics.match import analyse
from tactics.templates import TEMPLATES, central_mf_count, template

from .synth import Tracks, keepers


def rotate(p: np.ndarray, deg: float) -> np.ndarray:
    a = np.deg2rad(deg)
    r = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return p @ r.T


def test_rotated_scaled_442_is_still_442():
    rng = np.random.default_rng(1)
    _, q, _ = template("4-4-2")
    for deg, scale in ((0, 1.0), (12, 0.6), (-15, 1.4)):
        p = rotate(q * scale, deg) + np.array([13.0, -4.0]) + rng.normal(0, 0.8 * scale, q.shape)
        fit = detect_formation(p)
        assert fit.formation == "4-4-2", (deg, scale, fit)
        assert (fit.defenders, fit.midfielders, fit.forwards) == (4, 4, 2)


def test_every_template_recognises_itself_with_noise():
    rng = np.random.default_rng(2)
    for label in TEMPLATES:
        _, q, _ = template(label)
        p = q + rng.normal(0, 0.5, q.shape)
        perm = rng.permutation(10)
        fit = detect_formation(p[perm])
        assert fit.formation == label
        roles, _, _ = template(label)
        assert list(fit.roles) == list(roles[perm])


@pytest.mark.parametrize("label,expected", [("4-3-3", 3), ("4-2-3-1", 3), ("4-4-2", 2), ("3-5-2", 3),
                                            ("4-1-2-1-2", 4)])
def test_central_midfield_count(label, expected):
    _, q, _ = template(label)
    fit = detect_formation(q)
    assert fit.formation == label
    assert fit.central_mf_count == expected
    assert central_mf_count(fit.roles) == expected


def test_labels_are_hyphenated():
    for label in FormationConfig().templates:
        assert label in TEMPLATES
        assert all(part.isdigit() for part in label.split("-"))


def test_too_few_players_is_unknown():
    _, q, _ = template("4-3-3")
    fit = detect_formation(q[:5])
    assert fit.formation == "unknown"
    assert fit.central_mf_count is None


def test_window_pipeline_turns_an_attacking_minus_x_block():
    """Home plays 4-4-2 attacking -x (second half): normalised by direction, LB is on the team's left."""
    fps = 5.0
    tr = Tracks(fps)
    f = np.arange(0, int(130 * fps))
    keepers(tr, f, home_attacks_plus_x=False)
    roles, q, _ = template("4-4-2")
    for i, (x, y) in enumerate(q):  # home attacks -x: turn the template by 180 degrees
        tr.add(10 + i, "home", "player", f, -x + 0.5 * np.sin(f / 7.0 + i), -y)
    _, q2, _ = template("4-3-3")
    for i, (x, y) in enumerate(q2):  # away attacks +x
        tr.add(110 + i, "away", "player", f, x - 5, y)
    # away keeps the ball at its no. 110's feet (LB)
    tr.add(-1, None, "ball", f, q2[0, 0] - 5 + 0.3, q2[0, 1])
    out = analyse(tr.columns(), fps, TacticsConfig())
    form = out["formations"]
    rows = [i for i in range(len(form["team"])) if form["window_kind"][i] == "fixed"]
    home = [form["formation"][i] for i in rows if form["team"][i] == "home"]
    away = [form["formation"][i] for i in rows if form["team"][i] == "away"]
    assert home and set(home) == {"4-4-2"}
    assert away and set(away) == {"4-3-3"}
    assert all(form["in_possession"][i] for i in rows if form["team"][i] == "away")
    r = out["formation_roles"]
    lb = [r["role"][i] for i in range(len(r["role"])) if r["track_id"][i] == 10]
    assert lb and set(lb) == {"LB"}


def test_simulated_match_formations_in_and_out_of_possession():
    from .synth import simulated_match

    out = analyse(simulated_match(300.0, 5.0, home="4-2-3-1", away="3-5-2"), 5.0)
    fm = out["formations"]
    labels = {(fm["team"][i], fm["in_possession"][i]) : set() for i in range(len(fm["team"]))}
    for i in range(len(fm["team"])):
        labels[(fm["team"][i], fm["in_possession"][i])].add(fm["formation"][i])
    assert labels == {("home", True): {"4-2-3-1"}, ("home", False): {"4-2-3-1"},
                      ("away", True): {"3-5-2"}, ("away", False): {"3-5-2"}}
    kinds = set(fm["window_kind"])
    assert kinds == {"fixed", "possession"}
