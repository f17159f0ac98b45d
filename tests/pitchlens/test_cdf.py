"""A stored match out to the Common Data Format: valid by the format's own validator, and every position back."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from pitchlens.cdf import NO_JERSEY, write_cdf
from pitchlens.cli import app
from pitchlens.errors import InputError
from pitchlens.schema import MATCHES, TRACKS, conform
from pitchlens.store import Store
from tests.conftest import pff_final_in_store

cdf = pytest.importorskip("cdf", reason="the CDF validator (common-data-format-validator) is a dev dependency")

FPS = 25.0
KICKOFF = "2026-05-16T16:00:00Z"


PEOPLE = ((1, "player", "home", None, -20.0), (2, "goalkeeper", "home", "1", -50.0), (3, "player", "away", "9", 15.0),
          (4, "referee", None, None, 0.0), (-1, "ball", None, None, 5.0))  # id, role, team, shirt, x in the first half


def _store(tmp_path, ball_everywhere: bool = True, away_second_half: bool = True):
    """Two periods of 1 s, 900 s apart. Home defends the left side first (at -x), then the right (+x): the sides
    change at half time. A home outfield player, the home goalkeeper (shirt 1), an away player (shirt 9), a
    referee and the ball; one home position far off the pitch; the away player interpolated in one frame."""
    points = []
    for half, t0 in enumerate((0.0, 960.0)):
        side = 1.0 if half == 0 else -1.0  # -x for home in the first half
        for i in range(25):
            t = t0 + i / FPS
            for tid, role, team, jersey, x in PEOPLE:
                if (tid == -1 and not ball_everywhere and half == 0 and i == 3) or (
                        team == "away" and not away_second_half and half == 1):
                    continue
                far = tid == 1 and half == 0 and i == 5
                points.append({"frame": round(t * FPS), "t": t, "track_id": tid, "role": role, "team": team,
                               "jersey": jersey, "x": 120.0 if far else side * x + i * 0.1,
                               "y": -tid * 2.0 + i * 0.05, "z": 0.5 + i * 0.01 if tid == -1 else None,
                               "speed": 2.5 if tid > 0 else None, "accel": 0.25 if tid > 0 else None,
                               "provenance": "interpolated" if tid == 3 and i == 7 else "detected"})
    rows = {k: [p[k] for p in points] for k in points[0]}
    n = len(points)
    st = Store(tmp_path / "s")
    st.commit("m", {"tracks": conform({"match_id": ["m"] * n, **rows}, TRACKS),
                    "matches": conform({"match_id": ["m"], "fps": [FPS], "status": ["complete"],
                                        "pipeline_version": ["0.1.0"],
                                        "processed_at": [datetime.now(timezone.utc)]}, MATCHES)})
    return tmp_path / "s", rows


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_valid_for_the_format_s_own_validator(tmp_path):
    store, _ = _store(tmp_path)
    r = write_cdf(store, "m", tmp_path / "cdf", kickoff=KICKOFF, competition_id="friendly")
    # "extreme": schema errors, unknown keys, non-UTC times, out-of-range coordinates, frame ids not rising from 0
    cdf.MetaSchemaValidator().validate_schema(sample=str(r.meta), mode="extreme")
    cdf.TrackingSchemaValidator().validate_schema(sample=str(r.tracking), mode="extreme", limit=None)
    assert (r.frames, r.players, r.officials) == (50, 3, 1)


def test_every_position_comes_back(tmp_path):
    store, rows = _store(tmp_path)
    r = write_cdf(store, "m", tmp_path / "cdf", kickoff=KICKOFF)
    lines = _lines(r.tracking)
    assert [ln["frame_id"] for ln in lines[:3]] == [0, 1, 2] and lines[25]["frame_id"] == 24000
    assert lines[0]["timestamp"] == "2026-05-16T16:00:00.000Z" and lines[25]["timestamp"] == "2026-05-16T16:16:00.000Z"
    assert {ln["period"] for ln in lines[:25]} == {"first_half"} and {ln["period"] for ln in lines[25:]} == {
        "second_half"}
    got = {}
    for ln in lines:
        t = (datetime.fromisoformat(ln["timestamp"]) - datetime.fromisoformat(KICKOFF)).total_seconds()
        for side in ("home", "away"):
            assert ln["teams"][side]["id"] == side
            for p in ln["teams"][side]["players"]:
                got[(int(p["id"].split()[1]), round(t, 3))] = (p["x"], p["y"], p["is_visible"], p["vel"])
        for p in ln.get("officials", []):
            got[(int(p["id"].split()[1]), round(t, 3))] = (p["x"], p["y"], p["is_visible"], p["vel"])
        got[(-1, round(t, 3))] = (ln["ball"]["x"], ln["ball"]["y"], ln["ball"]["z"], None)
    want = {}
    for k, t, x, y, z, prov in zip(rows["track_id"], rows["t"], rows["x"], rows["y"], rows["z"], rows["provenance"],
                                   strict=True):
        if abs(x) > 65:  # off CDF's area: left out
            continue
        want[(k, round(t, 3))] = (x, y, z if k == -1 else prov == "detected", None if k == -1 else 2.5)
    assert set(got) == set(want)
    for key, (x, y, third, vel) in want.items():
        gx, gy, gthird, gvel = got[key]
        assert (gx, gy) == pytest.approx((x, y), abs=1e-3) and gvel == vel
        assert gthird == (pytest.approx(third, abs=1e-3) if key[0] == -1 else third)
    assert got[(3, round(7 / FPS, 3))][2] is False  # interpolated: not seen in that frame


def test_meta_data_periods_directions_and_roster(tmp_path):
    store, _ = _store(tmp_path)
    meta = json.loads(write_cdf(store, "m", tmp_path / "cdf", kickoff=KICKOFF, venue_id="v1").meta.read_text())
    p1, p2 = meta["match"]["periods"]
    # home defends -x in the first half: plays left to right; the sides change at half time
    assert (p1["play_direction"], p1["left_team_id"], p1["right_team_id"]) == ("left_right", "home", "away")
    assert (p2["play_direction"], p2["left_team_id"], p2["right_team_id"]) == ("right_left", "away", "home")
    assert (p1["frame_id_start"], p1["frame_id_end"], p2["frame_id_start"], p2["frame_id_end"]) == (0, 24, 24000,
                                                                                                    24024)
    assert p2["start_time"] == "2026-05-16T16:16:00.000Z"
    assert meta["match"]["kickoff_time"] == "2026-05-16T16:00:00.000Z"
    assert [w["sub_type"] for w in meta["match"]["whistles"]] == ["start", "end", "start", "end"]
    home = {p["id"]: p for p in meta["teams"]["home"]["players"]}
    away = {p["id"]: p for p in meta["teams"]["away"]["players"]}
    assert set(home) == {"track 1", "track 2"} and set(away) == {"track 3"}
    assert home["track 2"]["jersey_number"] == 1 and home["track 1"]["jersey_number"] == NO_JERSEY
    assert away["track 3"]["jersey_number"] == 9 and all(p["is_starter"] for p in (*home.values(), *away.values()))
    assert meta["officials"] == [{"id": "track 4"}] and meta["venue"]["id"] == "v1"
    assert meta["meta"]["tracking"]["fps"] == 25 and meta["meta"]["cdf"]["version"] == "0.3.2"


def test_a_frame_without_the_ball_keeps_its_players(tmp_path):
    store, _ = _store(tmp_path, ball_everywhere=False)
    r = write_cdf(store, "m", tmp_path / "cdf")
    line = _lines(r.tracking)[3]
    assert line["ball"] == {"x": None, "y": None, "z": None} and len(line["teams"]["home"]["players"]) == 2
    schema = cdf.TrackingSchemaValidator().validator  # null coordinates are what the schema allows
    assert not list(schema.iter_errors(line))
    assert _lines(r.tracking)[0]["timestamp"] == "1970-01-01T00:00:00.000Z"  # no kickoff given


def test_bad_input_is_a_clear_error(tmp_path):
    store, _ = _store(tmp_path)
    with pytest.raises(InputError, match="nope has no tracks"):
        write_cdf(store, "nope", tmp_path / "cdf")
    with pytest.raises(InputError, match="time zone"):
        write_cdf(store, "m", tmp_path / "cdf", kickoff="2026-05-16T16:00:00")
    with pytest.raises(InputError, match="not an ISO 8601"):
        write_cdf(store, "m", tmp_path / "cdf", kickoff="yesterday")
    with pytest.raises(InputError, match="at most 5"):
        write_cdf(store, "m", tmp_path / "cdf", period_starts=[0.2, 0.4, 0.6, 0.8, 960.5])
    assert not (tmp_path / "cdf" / "tracking.jsonl").exists()


def test_the_export_command(tmp_path):
    store, _ = _store(tmp_path)
    res = CliRunner().invoke(app, ["export", "--match-id", "m", "--store", str(store), "--out",
                                   str(tmp_path / "out"), "--kickoff", KICKOFF, "--period-start", "960"])
    assert res.exit_code == 0, res.output
    assert "50 frames, 3 players, 1 officials" in res.output
    cdf.MetaSchemaValidator().validate_schema(sample=str(tmp_path / "out" / "meta.json"), mode="extreme")


def test_real_tracking_data_exports_valid_cdf(tmp_path):
    """The PFF World Cup final excerpt, imported and exported: valid, four periods, every stored position."""
    im, starts = pff_final_in_store(tmp_path / "s")
    r = write_cdf(tmp_path / "s", "wc", tmp_path / "cdf", kickoff="2022-12-18T15:00:00Z", period_starts=starts)
    cdf.MetaSchemaValidator().validate_schema(sample=str(r.meta), mode="extreme")
    # frames where the ball was not tracked hold null ball coordinates: the schema allows them, the validator's
    # own coordinate check asks for numbers; everything else passes it
    lines = _lines(r.tracking)
    no_ball = {f"line_{n}" for n, ln in enumerate(lines, start=1) if ln["ball"]["x"] is None}
    assert 0 < len(no_ball) < len(lines)
    schema = cdf.TrackingSchemaValidator().validator
    assert not [e for ln in lines for e in schema.iter_errors(ln)]
    with pytest.warns(cdf.validators.custom.ValidationWarning) as caught:
        cdf.TrackingSchemaValidator().validate_schema(sample=str(r.tracking), mode="soft", limit=None)
    msgs = [str(w.message) for w in caught]
    assert msgs and all(" must be a number at path 'tracking.jsonl/" in m and m.split("/")[1].split(".")[0] in no_ball
                        and ".ball." in m for m in msgs)
    meta = json.loads(r.meta.read_text())
    assert [p["period"] for p in meta["match"]["periods"]] == ["first_half", "second_half", "first_half_extratime",
                                                               "second_half_extratime"]
    a = im.tracks.to_pydict()
    people = sum(1 for role, team, x in zip(a["role"], a["team"], a["x"], strict=True)
                 if role in ("player", "goalkeeper") and team in ("home", "away") and x is not None and abs(x) <= 65)
    out = sum(len(ln["teams"]["home"]["players"]) + len(ln["teams"]["away"]["players"]) for ln in lines)
    assert out == people > 1000


def test_a_period_without_one_team_takes_the_other_ends(tmp_path):
    from pitchlens.cdf import _home_directions

    store, _ = _store(tmp_path, away_second_half=False)  # the second half's direction cannot be seen
    r = write_cdf(store, "m", tmp_path / "cdf")
    cdf.MetaSchemaValidator().validate_schema(sample=str(r.meta), mode="extreme")  # a direction for every period
    p1, p2 = json.loads(r.meta.read_text())["match"]["periods"]
    assert (p1["play_direction"], p2["play_direction"]) == ("left_right", "right_left")
    assert _home_directions([1, None, None, -1]) == [1, -1, 1, -1]
    assert _home_directions([None, -1]) == [1, -1]
    assert _home_directions([None, None]) == [1, 1]
