"""Scenario queries on a small store with known answers, through pitchlens.query and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from pitchlens.analysis import compute_tactics
from pitchlens.errors import InputError, QueryError
from pitchlens.scenarios import get_scenario, list_scenarios, run_scenario
from pitchlens.store import Store
from tests.pitchlens.test_cli import run


def formation_row(window_id, team, inpos, t0, t1, label, central, kind="fixed"):
    return {"window_id": window_id, "window_kind": kind, "team": team, "in_possession": inpos, "t_start": t0,
            "t_end": t1, "formation": label, "central_mf_count": central, "players_seen": 10}


@pytest.fixture()
def store(tmp_path):
    st = Store(tmp_path / "store")
    forms = [
        formation_row(0, "away", True, 0.0, 119.9, "4-3-3", 3),
        formation_row(1, "away", True, 120.0, 239.9, "4-4-2", 2),
        formation_row(0, "home", True, 0.0, 119.9, "3-5-2", 3),  # home's own shape: must not count
        formation_row(1, "home", False, 120.0, 239.9, "4-4-2", 2),
    ]
    p1s = {"second": list(range(10)) + list(range(130, 135)) + [300],
           "t": [float(s) for s in list(range(10)) + list(range(130, 135)) + [300]],
           "team": ["home"] * 16, "total_pressure": [2.0] * 10 + [4.0] * 5 + [9.0],
           "carrier_pressure": [0.5] * 16, "active_pressers": [1.0] * 16, "frames": [10] * 16}
    # one decoy row of the other team
    for k, v in {"second": 5, "t": 5.0, "team": "away", "total_pressure": 100.0, "carrier_pressure": 1.0,
                 "active_pressers": 5.0, "frames": 10}.items():
        p1s[k].append(v)
    pressing = {"frame": np.arange(10), "t": np.arange(10) / 10.0, "team": ["home"] * 10,
                "total_pressure": [3.0] * 3 + [1.0] * 7, "counter_press": [True] * 3 + [False] * 7,
                "active_pressers": [2] * 10, "visible_pressers": [8] * 10}
    shape_w = {"window_id": [0, 1], "team": ["home", "home"], "in_possession": [False, False],
               "t_start": [0.0, 120.0], "t_end": [119.9, 239.9], "def_line_x": [-30.0, -20.0],
               "length": [30.0, 25.0], "width": [40.0, 42.0]}
    for mid in ("m1", "m2"):
        st.commit(mid, {
            "matches": {"match_id": [mid], "fps": [10.0]},
            "formations": {"match_id": [mid] * len(forms), **{k: [r[k] for r in forms] for k in forms[0]}},
            "pressing_1s": {"match_id": [mid] * len(p1s["t"]), **p1s},
            "pressing": {"match_id": [mid] * 10, **pressing},
            "shape_windows": {"match_id": [mid] * 2, **shape_w},
        })
    return st.root


def rows(table: pa.Table, key: str) -> dict:
    return {r[key]: r for r in table.to_pylist()}


def test_every_scenario_has_a_description_and_runs(store):
    names = {s.name for s in list_scenarios()}
    assert {"pressing_vs_three_man_midfield", "pressing_after_losing_ball", "def_line_by_opponent_formation",
            "formation_timeline"} <= names
    for s in list_scenarios():
        assert s.description
        params = {p.name: ("m1" if p.name == "match_id" else "home") for p in s.params if p.required}
        run_scenario(s.name, params, store)


def test_pressing_vs_three_man_midfield_known_answer(store):
    r = rows(run_scenario("pressing_vs_three_man_midfield", {"team": "home"}, store), "condition")
    assert r["three_man_midfield"]["mean_pressure"] == pytest.approx(2.0)
    assert r["three_man_midfield"]["seconds"] == pytest.approx(20.0)  # 10 s in each of 2 matches
    assert r["other"]["mean_pressure"] == pytest.approx(4.0)
    assert r["other"]["seconds"] == pytest.approx(10.0)
    assert r["unknown"]["mean_pressure"] == pytest.approx(9.0)  # second 300: after every window
    assert r["three_man_midfield"]["matches"] == 2
    # parameters change the answer: with central_mf=2 the 4-4-2 window is the condition
    r2 = rows(run_scenario("pressing_vs_three_man_midfield", {"team": "home", "central_mf": "2"}, store), "condition")
    assert r2["three_man_midfield"]["mean_pressure"] == pytest.approx(4.0)


def test_pressing_after_losing_ball_known_answer(store):
    r = rows(run_scenario("pressing_after_losing_ball", {"team": "home", "match_id": "m1"}, store), "condition")
    assert r["after_losing_ball"]["mean_pressure"] == pytest.approx(3.0)
    assert r["after_losing_ball"]["seconds"] == pytest.approx(0.3)
    assert r["settled"]["mean_pressure"] == pytest.approx(1.0)
    assert r["settled"]["frames"] == 7


def test_def_line_by_opponent_formation_known_answer(store):
    r = rows(run_scenario("def_line_by_opponent_formation", {"team": "home"}, store), "opponent_formation")
    assert r["4-3-3"]["def_line_height"] == pytest.approx(-30 + 52.5)
    assert r["4-4-2"]["def_line_height"] == pytest.approx(-20 + 52.5)
    assert r["4-3-3"]["windows"] == 2
    r = rows(run_scenario("def_line_by_opponent_formation", {"team": "home", "pitch_length": "100"}, store),
             "opponent_formation")
    assert r["4-3-3"]["def_line_height"] == pytest.approx(20.0)


def test_formation_timeline(store):
    t = run_scenario("formation_timeline", {"match_id": "m1", "team": "away"}, store)
    assert t.column("formation").to_pylist() == ["4-3-3", "4-4-2"]
    assert t.column("t_start").to_pylist() == [0.0, 120.0]
    both = run_scenario("formation_timeline", {"match_id": "m1"}, store)
    assert both.num_rows == 4


def test_parameters_are_bound_not_pasted(store):
    evil = "home' OR '1'='1"
    r = run_scenario("pressing_vs_three_man_midfield", {"team": evil}, store)
    assert r.num_rows == 0
    assert "$team" in get_scenario("pressing_vs_three_man_midfield").sql


def test_bad_scenario_and_params(store):
    with pytest.raises(QueryError, match="no such scenario"):
        run_scenario("nope", {}, store)
    with pytest.raises(InputError, match="required"):
        run_scenario("pressing_vs_three_man_midfield", {}, store)
    with pytest.raises(InputError, match="no such parameter"):
        run_scenario("pressing_vs_three_man_midfield", {"team": "home", "colour": "red"}, store)
    with pytest.raises(InputError, match="expected int"):
        run_scenario("pressing_vs_three_man_midfield", {"team": "home", "central_mf": "three"}, store)





def test_cli_scenario_run_and_list(store, tmp_path, capsys):
    code, out, _ = run(["scenario", "run", "pressing_vs_three_man_midfield", "--param", "team=home", "--store", store,
                        "--format", "json"], capsys)
    assert code == 0
    got = {r["condition"]: r for r in json.loads(out)}
    assert got["other"]["mean_pressure"] == pytest.approx(4.0)
    dest = tmp_path / "out.parquet"
    code, _, _ = run(["scenario", "run", "formation_timeline", "--param", "match_id=m2", "--store", store,
                      "--format", "parquet", "--out", dest], capsys)
    assert code == 0
    import pyarrow.parquet as pq

    assert pq.read_table(dest).num_rows == 4
    code, out, _ = run(["scenario", "list", "--format", "csv"], capsys)
    assert code == 0 and "pressing_vs_three_man_midfield" in out
    code, _, err = run(["scenario", "run", "formation_timeline", "--store", store], capsys)
    assert code != 0 and "match_id" in err and "Traceback" not in err


def test_tactics_command_recomputes_a_stored_match(tmp_path, capsys):
    from tests.tactics.synth import Tracks, keepers

    fps = 10.0
    tr = Tracks(fps)
    f = np.arange(0, 200)
    keepers(tr, f)
    for i in range(10):
        tr.add(10 + i, "home", "player", f, -20 + 4 * (i % 4), -15 + 3 * i)
        tr.add(110 + i, "away", "player", f, 20 - 4 * (i % 4), -15 + 3 * i)
    tr.add(-1, None, "ball", f, -16.3, 12.0)  # at home no. 19's feet
    cols = tr.columns()
    st = Store(tmp_path / "s")
    st.commit("syn", {"tracks": {"match_id": ["syn"] * len(cols["frame"]), **cols},
                      "matches": {"match_id": ["syn"], "fps": [fps]}})
    code, _, err = run(["tactics", "--match-id", "syn", "--store", st.root], capsys)
    assert code == 0, err
    assert st.read("tracks", "syn").num_rows == len(cols["frame"])  # kept
    poss = st.read("possession", "syn")
    assert poss.num_rows == 200 and set(poss.column("team").drop_null().to_pylist()) == {"home"}
    direct = compute_tactics(st.read("tracks", "syn"), "syn", fps)
    for name, table in direct.items():
        assert st.read(name, "syn").num_rows == table.num_rows, name
    code, _, err = run(["tactics", "--match-id", "other", "--store", st.root], capsys)
    assert code != 0 and "other" in err
