"""The match report: figures with known answers from a made-up match, plots, the HTML page and the command."""

from __future__ import annotations

from datetime import datetime, timezone

import cv2
import numpy as np
import pyarrow as pa
import pytest

from pitchlens.analysis import compute_tactics
from pitchlens.errors import InputError
from pitchlens.report import build_report, write_report
from pitchlens.store import Store
from tests.pitchlens.test_cli import run
from tests.tactics.synth import simulated_match

FPS = 5.0


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    cols = simulated_match(120.0, FPS, home="4-4-2", away="4-3-3")
    n = len(cols["t"])
    cols["jersey"] = np.array([str(int(i) % 40) for i in cols["track_id"]], dtype=object)
    tracks = pa.table({"match_id": ["sim"] * n, **cols, "provenance": ["imported"] * n})
    root = tmp_path_factory.mktemp("report") / "store"
    tables = compute_tactics(tracks, "sim", FPS)
    Store(root).commit("sim", {"tracks": tracks, **tables,
                               "matches": {"match_id": ["sim"], "fps": [FPS], "frames": [int(120 * FPS)],
                                           "status": ["imported"], "processed_at": [datetime.now(timezone.utc)]}})
    return root, cols


def test_team_and_player_figures(store):
    root, cols = store
    rep = build_report(root, "sim", plots=False)
    assert rep.facts["fps"] == FPS and rep.facts["frames"] == 600
    home, away = rep.teams["home"], rep.teams["away"]
    assert home["players"] == away["players"] == 11
    assert home["formation_in_possession"] == home["formation_out_of_possession"] == "4-4-2"
    assert away["formation_in_possession"] == "4-3-3"
    assert home["possession"] == pytest.approx(0.5, abs=0.05) and away["possession"] == pytest.approx(0.5, abs=0.05)
    assert home["mean_pressure"] > 0
    # one player's distance, straight from his positions
    tid = 105
    sel = np.asarray(cols["track_id"]) == tid
    order = np.argsort(cols["t"][sel])
    xy = np.c_[cols["x"][sel], cols["y"][sel]][order]
    want = np.hypot(*np.diff(xy, axis=0).T).sum()
    got = next(p for p in rep.players if p["track_id"] == tid)
    assert got["distance_m"] == pytest.approx(want, rel=1e-9) and got["minutes"] == pytest.approx(119.8 / 60)
    assert got["shirt"] == str(tid % 40)  # the shirt number the track shows
    assert home["distance_km"] == pytest.approx(sum(p["distance_m"] for p in rep.players if p["team"] == "home")
                                                / 1000)


def test_plots_and_the_page(store, tmp_path):
    root, _ = store
    rep = build_report(root, "sim")
    assert set(rep.figures) == {"average_positions", "ball_heatmap", "pressing_timeline"}
    for png in rep.figures.values():
        img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
        assert img is not None and img.shape[0] > 200 and img.std() > 10  # a real picture, not a blank one
    out = write_report(root, "sim", tmp_path / "r" / "report.html")
    page = out.read_text()
    assert "Match sim" in page and page.count("data:image/png;base64,") == 3 and "4-3-3" in page
    assert not list(out.parent.glob(".*.tmp"))


def test_unknown_match_is_a_clear_error(store):
    root, _ = store
    with pytest.raises(InputError, match="no match nope"):
        build_report(root, "nope")


def test_report_command(store, tmp_path, capsys):
    root, _ = store
    out = tmp_path / "rep.html"
    code, stdout, err = run(["report", "--match-id", "sim", "--store", root, "--out", out], capsys)
    assert code == 0, err
    assert out.exists() and "4-4-2" in out.read_text() and str(out) in stdout
    code, stdout, err = run(["report", "--match-id", "nope", "--store", root, "--out", out], capsys)
    assert code != 0 and "no match nope" in err and "Traceback" not in err
