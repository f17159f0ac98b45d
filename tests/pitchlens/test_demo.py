"""The demo: a synthetic clip through the real decoder, demo detector, calibration, tracking and store."""

from __future__ import annotations

import pytest

from pitchlens.store import Store
from tests.conftest import DEMO_WEIGHTS
from tests.pitchlens.test_cli import run


def test_demo_end_to_end(tmp_path, capsys):
    if not DEMO_WEIGHTS.exists():
        pytest.fail(f"{DEMO_WEIGHTS} is part of the project and must exist")
    code, out, err = run(["demo", "--workdir", tmp_path, "--seconds", "2", "--device", "cpu"], capsys)
    assert code == 0, err
    st = Store(tmp_path / "store")
    assert st.match_ids() == ["demo"]
    tracks = st.read("tracks", "demo")
    assert tracks.num_rows > 0 and "player" in set(tracks.column("role").to_pylist())
    assert "player" in out and "det_ap50_player" in out  # the SQL answer and the accuracy table
    page = (tmp_path / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 3 and "report.html" in out  # the match report
    lines = (tmp_path / "cdf" / "tracking.jsonl").read_text().splitlines()  # the Common Data Format export
    assert 0 < len(lines) <= len(set(tracks.column("frame").to_pylist())) and (tmp_path / "cdf" / "meta.json").exists()
