"""The notebook API: the same computations on pandas / dicts, returning schema-conformed Arrow tables."""

import numpy as np
import pyarrow as pa
import pytest

from pitchlens.analysis import (
    compute_tactics,
    config_from_mapping,
    formation_of,
    possession_phases,
    pressing_matrices,
)
from pitchlens.errors import ConfigError, InputError
from pitchlens.schema import TABLES
from tactics.templates import template

from .synth import simulated_match


def test_compute_tactics_on_pandas_matches_arrow():
    cols = simulated_match(60.0, 5.0)
    table = pa.table(cols)
    a = compute_tactics(table, "m", 5.0)
    b = compute_tactics(table.to_pandas(), "m", 5.0)
    for name, t in a.items():
        assert t.schema == TABLES[name]
        assert t.equals(b[name]), name
    assert set(a) == {"possession", "pressing", "pressing_1s", "formations", "formation_roles", "shape",
                      "shape_windows"}


def test_pressing_matrices_direction_and_phases():
    cols = simulated_match(60.0, 5.0, spell_s=20.0)
    m = pressing_matrices(cols, 5.0, frames=[10, 150])
    assert list(m["frame"]) == [10, 150]
    assert list(m["pressing_team"]) == [1, 0]  # home has the ball first, away from 20 s
    # movers are the pressing team's players: away ids (2xx) in frame 10
    assert set(m["mover_ids"][0][m["mover_ids"][0] >= 0]) >= {200, 205}
    assert set(m["target_ids"][0][m["target_ids"][0] >= 0]) >= {100, 105}
    assert m["tti"].shape[1:] == (m["mover_ids"].shape[1], m["target_ids"].shape[1])
    ph = possession_phases(cols, 5.0)
    assert ph.column("team").to_pylist() == ["home", "away", "home"]


def test_formation_of_and_config():
    _, q, _ = template("4-2-3-1")
    f = formation_of(q)
    assert f["formation"] == "4-2-3-1" and f["central_mf_count"] == 3
    cfg = config_from_mapping({"pressing": {"sigma": 0.6}, "formation": {"min_players": 9}})
    assert cfg.pressing.sigma == 0.6 and cfg.formation.min_players == 9
    with pytest.raises(ConfigError, match="tactics.pressing.sgima"):
        config_from_mapping({"pressing": {"sgima": 1}})
    with pytest.raises(InputError, match="missing columns"):
        compute_tactics(pa.table({"frame": np.arange(3)}), "m", 5.0)
    with pytest.raises(InputError, match="fps"):
        compute_tactics(pa.table(simulated_match(5.0, 5.0)), "m", 0.0)
