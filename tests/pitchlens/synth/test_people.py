"""Kits and looks of the synthetic people."""

from __future__ import annotations

import numpy as np

from pitchlens.synth.people import PALETTE, sample_kits

GRASS = np.array([40, 140, 60])


def _d(a, b) -> float:
    return float(np.linalg.norm(np.subtract(a, b, dtype=float)))


def test_goalkeepers_never_wear_an_outfield_shirt():
    """Law 4: a goalkeeper's colours stand apart from the other players'. Where no palette colour is far from
    everything (the random fallback once dressed a goalkeeper in the home team's black), his shirt is swapped."""
    worst = []
    for seed in range(600):
        k = sample_kits(np.random.default_rng(seed), GRASS)
        for gk in ("gk_home", "gk_away"):
            worst.append(min(_d(k[gk].shirt, k[t].shirt) for t in ("home", "away")))
        assert k["gk_home"].shirt in PALETTE.values() and k["gk_away"].shirt in PALETTE.values()
    assert min(worst) >= 75


def test_kits_follow_the_seed():
    a = sample_kits(np.random.default_rng(9025), GRASS)
    b = sample_kits(np.random.default_rng(9025), GRASS)
    assert a == b
    assert a["home"].shirt != a["away"].shirt
