"""Movement sources: the match simulator and the real-data loader (kloppy)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pitchlens.synth.motion_real import load_real
from pitchlens.synth.motion_sim import simulate
from pitchlens.synth.render import ClipRenderer

DATA = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
PFF = DATA / "tracking" / "pff_wc2022_final" / "pff_10517.jsonl"


def test_simulator_is_plausible_and_deterministic():
    m = simulate(4, 250, 25.0)
    assert m.xy.shape == (250, 25, 2) and m.ball.shape == (250, 3)
    assert np.array_equal(m.xy, simulate(4, 250, 25.0).xy)
    assert not np.array_equal(m.xy, simulate(5, 250, 25.0).xy)
    assert m.role.count("goalkeeper") == 2 and m.role.count("referee") == 3
    assert m.team.count("home") == 11 and m.team.count("away") == 11
    speed = np.linalg.norm(np.diff(m.xy, axis=0), axis=2) * 25
    assert speed.max() < 11.0  # nobody runs faster than a sprinter
    assert np.abs(m.xy[..., 0]).max() <= 54.5 and np.abs(m.xy[..., 1]).max() <= 36
    # goalkeepers stay near their own goals, on opposite ends
    gk = [i for i, r in enumerate(m.role) if r == "goalkeeper"]
    gx = m.xy[:, gk, 0].mean(axis=0)
    assert np.all(np.abs(gx) > 40) and np.sign(gx[0]) != np.sign(gx[1])
    # the ball moves between players: it travels well beyond one player's reach
    assert np.ptp(m.ball[:, 0]) + np.ptp(m.ball[:, 1]) > 15
    assert (m.ball[:, 2] >= 0.11 - 1e-9).all()


@pytest.mark.skipif(not PFF.is_file(), reason=f"real tracking data absent: {PFF}")
def test_real_motion_from_pff_in_store_convention():
    m = load_real(0, 60, 25.0, DATA)
    assert m.source == "real" and m.xy.shape[0] == 60
    present = np.isfinite(m.xy).all(axis=2)
    assert (present.sum(axis=1) >= 20).all()  # both teams on the pitch in every frame
    assert set(m.team) == {"home", "away"} and m.role.count("goalkeeper") >= 2
    xy = m.xy[present]
    assert np.abs(xy[:, 0]).max() <= 56 and np.abs(xy[:, 1]).max() <= 37
    # the two goalkeepers on the pitch defend opposite goals (sides swap between periods)
    gk = [i for i, r in enumerate(m.role) if r == "goalkeeper" and present[:, i].any()]
    assert len(gk) == 2
    gx = m.xy[:, gk, 0]
    apart = (np.abs(gx) > 20).all(axis=1) & (np.sign(gx[:, 0]) != np.sign(gx[:, 1]))
    assert apart.mean() > 0.5
    assert np.isfinite(m.ball).all() and (m.ball[:, 2] >= 0.11 - 1e-9).all()
    # resampled to 25 fps from 29.97 Hz: smooth within a run
    run = m.xy[: (m.cuts[0] if m.cuts else 60)]
    step = np.linalg.norm(np.diff(run, axis=0), axis=2)
    assert np.nanmax(step) < 0.8  # under 20 m/s between frames
    r = ClipRenderer(seed=0, n_frames=3, size=(320, 180), motion=m, cutaways=False)
    img, row, objs = r.frame(0)
    assert any(o["visible"] for o in objs if o["role"] != "ball")


def test_real_motion_missing_data_is_a_clear_error(tmp_path):
    from pitchlens.errors import InputError

    with pytest.raises(InputError, match="tracking"):
        load_real(0, 10, 25.0, tmp_path)
