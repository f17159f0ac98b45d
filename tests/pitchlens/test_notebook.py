"""The analyst's notebook runs top to bottom on a small store."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pyarrow as pa
import pytest
from nbclient import NotebookClient

from pitchlens.analysis import compute_tactics
from pitchlens.store import Store
from tests.tactics.synth import simulated_match

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "tactics_analyst.ipynb"


@pytest.fixture()
def small_store(tmp_path) -> Path:
    st = Store(tmp_path / "store")
    fps = 5.0
    cols = simulated_match(seconds=300.0, fps=fps, home="4-4-2", away="4-3-3")
    n = len(cols["frame"])
    tracks = {"match_id": ["sim-1"] * n, **cols, "provenance": ["imported"] * n}
    tables = compute_tactics(pa.table(tracks), "sim-1", fps)
    st.commit("sim-1", {"tracks": tracks, "matches": {"match_id": ["sim-1"], "fps": [fps], "source": ["synthetic"],
                                                      "frames": [int(cols["frame"].max()) + 1], "duration": [300.0]},
                        **tables})
    return st.root


def test_notebook_runs(small_store, monkeypatch):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    monkeypatch.setenv("PITCHLENS_STORE", str(small_store))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    outputs = "\n".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "match: sim-1" in outputs
    assert "three_man_midfield" in outputs
    assert "'formations':" in outputs or "formations" in outputs
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert images >= 3
