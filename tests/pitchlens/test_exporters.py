"""A stored match out to kloppy: periods, teams, players, ball; back through the importer unchanged."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest

from pitchlens.errors import InputError
from pitchlens.exporters import to_kloppy
from pitchlens.importers import dataset_to_tracks
from pitchlens.schema import MATCHES, TRACKS, conform
from pitchlens.store import Store
from tests.conftest import pff_final_in_store

FPS = 25.0


def _store(tmp_path):
    """Two periods of 1 s (a 900 s break), two home tracks (one a goalkeeper), an away track, a referee, the ball."""
    rows = {k: [] for k in ("frame", "t", "track_id", "role", "team", "jersey", "x", "y", "z", "speed", "provenance")}
    for t0 in (0.0, 960.0):
        for i in range(25):
            t = t0 + i / FPS
            for tid, role, team, jersey in ((1, "player", "home", None), (2, "goalkeeper", "home", "1"),
                                            (3, "player", "away", "9"), (4, "referee", None, None),
                                            (-1, "ball", None, None)):
                rows["frame"].append(round(t * FPS))
                rows["t"].append(t)
                rows["track_id"].append(tid)
                rows["role"].append(role)
                rows["team"].append(team)
                rows["jersey"].append(jersey)
                rows["x"].append(tid * 3.0 + i * 0.1 + (t0 > 0))
                rows["y"].append(-tid * 2.0 + i * 0.05)
                rows["z"].append(0.5 + i * 0.01 if tid == -1 else None)
                rows["speed"].append(2.5 if tid > 0 else None)
                rows["provenance"].append("detected")
    n = len(rows["t"])
    st = Store(tmp_path / "s")
    st.commit("m", {"tracks": conform({"match_id": ["m"] * n, **rows}, TRACKS),
                    "matches": conform({"match_id": ["m"], "fps": [FPS], "status": ["complete"],
                                        "processed_at": [datetime.now(timezone.utc)]}, MATCHES)})
    return tmp_path / "s", rows


def test_a_stored_match_as_a_kloppy_dataset(tmp_path):
    store, rows = _store(tmp_path)
    ds = to_kloppy(store, "m")
    md = ds.metadata
    assert [p.id for p in md.periods] == [1, 2] and md.frame_rate == FPS and md.game_id == "m"
    home, away = md.teams
    assert [p.player_id for p in home.players] == ["1", "2"] and [p.player_id for p in away.players] == ["3"]
    assert str(home.players[1].starting_position).lower().endswith("goalkeeper") and away.players[0].jersey_no == 9
    assert len(ds.frames) == 50
    second = ds.frames[25]
    assert second.period.id == 2 and second.timestamp.total_seconds() == pytest.approx(0.0)
    assert ds.frames[24].timestamp.total_seconds() == pytest.approx(24 / FPS)
    by_id = {p.player_id: d for p, d in second.players_data.items()}
    assert set(by_id) == {"1", "2", "3"}  # the referee is not a player
    assert by_id["3"].coordinates.x == pytest.approx(3 * 3.0 + 1) and by_id["3"].speed == pytest.approx(2.5)
    assert second.ball_coordinates.z == pytest.approx(0.5) and second.ball_coordinates.x == pytest.approx(-2.0)
    df = ds.to_df(engine="pandas")
    assert len(df) == 50 and {"1_x", "3_y", "ball_z"} <= set(df.columns)


def test_back_through_the_importer_unchanged(tmp_path):
    store, rows = _store(tmp_path)
    cols, fps, periods = dataset_to_tracks(to_kloppy(store, "m"), "m")
    assert periods == 2 and fps == FPS
    for tid in (1, 2, 3, -1):
        mine = [(x, y) for k, x, y in zip(rows["track_id"], rows["x"], rows["y"], strict=True) if k == tid]
        back = cols["track_id"] == tid
        order = np.argsort(cols["t"][back])
        assert np.allclose(np.c_[cols["x"][back], cols["y"][back]][order], mine)
    assert 4 not in set(cols["track_id"].tolist())  # the referee stayed behind
    ball_z = np.asarray(cols["z"][cols["track_id"] == -1], float)
    assert np.allclose(np.sort(ball_z), np.sort([z for z in rows["z"] if z is not None]))


def test_a_missing_match_is_a_clear_error(tmp_path):
    Store(tmp_path / "s").ensure()
    with pytest.raises(InputError, match="nope has no tracks"):
        to_kloppy(tmp_path / "s", "nope")


def test_real_tracking_data_round_trips(tmp_path):
    """The PFF World Cup final excerpt: imported, stored, exported to kloppy, imported again: the same tracks."""
    im, starts = pff_final_in_store(tmp_path / "s")
    assert len(starts) == 3
    ds = to_kloppy(tmp_path / "s", "wc", period_starts=starts)
    assert len(ds.metadata.periods) == im.periods == 4
    cols, _, periods = dataset_to_tracks(ds, "wc")
    assert periods == 4
    a = im.tracks.to_pydict()
    key = lambda k, t: (int(k), round(float(t), 3))  # noqa: E731
    want = {key(k, t): (x, y) for k, t, x, y in zip(a["track_id"], a["t"], a["x"], a["y"], strict=True)}
    got = {key(k, t): (x, y) for k, t, x, y in zip(cols["track_id"], cols["t"], cols["x"], cols["y"], strict=True)}
    assert len(got) == len(want) > 1000
    err = [np.hypot(got[k][0] - x, got[k][1] - y) for k, (x, y) in want.items()]
    assert max(err) < 1e-9
