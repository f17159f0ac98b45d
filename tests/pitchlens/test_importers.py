"""Importing real tracking data (kloppy) into the store's tracks and matches tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest

from pitchlens.errors import InputError
from pitchlens.importers import import_tracking
from pitchlens.schema import MATCHES, TRACKS
from pitchlens.store import Store
from tests.conftest import shared_data


def kloppy_file(name: str) -> Path:
    import kloppy

    p = Path(kloppy.__file__).parent / "tests" / "files" / name
    if not p.exists():
        pytest.skip(f"kloppy's test file is not installed: {p}")
    return p


def keeper_x_by_period(im) -> dict[tuple[str, int], float]:  # noqa: ANN001
    """Median x of each team's keeper per period (periods told apart by the half-time hole in t)."""
    tb = im.tracks.filter(pc.equal(im.tracks.column("role"), "goalkeeper"))
    t = tb.column("t").to_numpy()
    order = np.argsort(np.unique(im.tracks.column("t").to_numpy()))
    tt = np.unique(im.tracks.column("t").to_numpy())[order]
    starts = np.r_[tt[0], tt[1:][np.diff(tt) > 600]]  # the importer leaves 900 s between periods
    period = np.searchsorted(starts, t, side="right")
    team = np.asarray(tb.column("team").to_pylist())
    x = tb.column("x").to_numpy()
    return {(tm, int(p)): float(np.median(x[(team == tm) & (period == p)]))
            for tm in ("home", "away") for p in np.unique(period) if ((team == tm) & (period == p)).any()}


def test_skillcorner_broadcast_match(tmp_path):
    raw = kloppy_file("skillcorner_structured_data.json")
    meta = kloppy_file("skillcorner_match_data.json")
    im = import_tracking("skillcorner", raw, meta, sample_rate=1 / 25)
    assert im.tracks.schema == TRACKS and im.matches.schema == MATCHES
    assert set(im.tracks.column("provenance").to_pylist()) == {"imported"}
    assert im.periods == 2 and im.fps == pytest.approx(10 / 25)
    roles = set(im.tracks.column("role").to_pylist())
    assert roles == {"player", "goalkeeper", "ball"}
    x, y = im.tracks.column("x").to_numpy(), im.tracks.column("y").to_numpy()
    assert np.percentile(np.abs(x), 99) <= 53 and np.percentile(np.abs(y), 99) <= 35  # metres about the centre
    # frames are consistent with time and unique per track
    f, t = im.tracks.column("frame").to_numpy(), im.tracks.column("t").to_numpy()
    np.testing.assert_allclose(f, np.round(t * im.fps))
    # the convention: home attacks +x in period 1 and -x in period 2 (so its keeper stands at -x, then +x)
    gk = keeper_x_by_period(im)
    assert gk[("home", 1)] < -30 and gk[("away", 1)] > 30
    assert gk[("home", 2)] > 30 and gk[("away", 2)] < -30
    st = Store(tmp_path / "store")
    st.commit(im.match_id, {"tracks": im.tracks, "matches": im.matches})
    assert st.read("tracks", im.match_id).num_rows == im.tracks.num_rows
    assert st.read("matches", im.match_id).column("status").to_pylist() == ["imported"]


def test_pff_four_periods_match_kloppys_home_away_orientation():
    """Our vectorised flip gives exactly kloppy's own HOME_AWAY transform, in all four periods."""
    from kloppy.domain import Orientation

    from pitchlens.importers import dataset_to_tracks, load_kloppy

    d = shared_data("tracking", "pff_wc2022_final")
    ds = load_kloppy("pff", d / "pff_10517.jsonl", d / "pff_metadata_10517.json", d / "pff_rosters_10517.json")
    cols, fps, periods = dataset_to_tracks(ds, "wc-final")
    assert periods == 4 and fps == pytest.approx(29.97)
    ref = ds.transform(to_orientation=Orientation.HOME_AWAY)
    rx, ry = [], []
    for fr in ref.frames:
        for _, pdat in fr.players_data.items():
            co = pdat.coordinates
            if co is not None and co.x is not None and np.isfinite(co.x) and np.isfinite(co.y):
                rx.append(co.x)
                ry.append(co.y)
        b = fr.ball_coordinates
        if b is not None and b.x is not None and np.isfinite(b.x) and np.isfinite(b.y):
            rx.append(b.x)
            ry.append(b.y)
    np.testing.assert_allclose(cols["x"], rx, atol=1e-9)
    np.testing.assert_allclose(cols["y"], ry, atol=1e-9)
    # and the data did need turning in some periods
    raw = [co.x for fr in ds.frames for _, p in fr.players_data.items() if (co := p.coordinates) is not None]
    assert len(raw) and not np.allclose(raw[: len(raw) // 2], np.asarray(rx[: len(raw) // 2]))


def test_import_with_match_id_and_ball_height():
    d = shared_data("tracking", "pff_wc2022_final")
    im = import_tracking("pff", d / "pff_10517.jsonl", d / "pff_metadata_10517.json",
                         roster=d / "pff_rosters_10517.json", match_id="wc-final")
    assert im.match_id == "wc-final" and im.periods == 4
    assert set(im.tracks.column("match_id").to_pylist()) == {"wc-final"}
    ball = im.tracks.filter(pc.equal(im.tracks.column("role"), "ball"))
    assert ball.num_rows > 0 and pc.max(ball.column("z")).as_py() >= 0


@pytest.mark.parametrize("provider,raw,meta", [
    ("metrica", "metrica_epts_game3/epts_metrica_tracking.txt", "metrica_epts_game3/epts_metrica_metadata.xml"),
    ("metrica", "metrica_csv/metrica_home.csv", "metrica_csv/metrica_away.csv"),
    ("sportec", "sportec/sportec_positional.xml", "sportec/sportec_meta.xml"),
])
def test_other_providers_load_in_metres(provider, raw, meta):
    d = shared_data("tracking")
    im = import_tracking(provider, d / raw, d / meta)
    tb = im.tracks
    assert tb.num_rows > 0
    x, y = tb.column("x").to_numpy(), tb.column("y").to_numpy()
    assert np.abs(x).max() <= 65 and np.abs(y).max() <= 45  # metres about the centre spot, not 0-1
    assert np.abs(x).max() > 5  # and not still normalised
    assert set(tb.column("team").drop_null().to_pylist()) <= {"home", "away"}


def test_bad_inputs_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="unknown provider"):
        import_tracking("statsbomb", tmp_path / "a", tmp_path / "b")
    with pytest.raises(InputError, match="not found"):
        import_tracking("skillcorner", tmp_path / "missing.json", tmp_path / "meta.json")
    bad = tmp_path / "raw.json"
    bad.write_text("{not json")
    meta = tmp_path / "meta.json"
    meta.write_text("{}")
    with pytest.raises(InputError, match="cannot read as skillcorner"):
        import_tracking("skillcorner", bad, meta)
    d = shared_data("tracking", "pff_wc2022_final")
    with pytest.raises(InputError, match="roster"):
        import_tracking("pff", d / "pff_10517.jsonl", d / "pff_metadata_10517.json")
