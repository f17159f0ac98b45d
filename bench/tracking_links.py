"""Why was one person's track left in pieces, or joined to another's? The stitcher's missed and wrong links.

Re-runs the tracking stage (as ``bench/tracking_replay.py`` does) and keeps what the offline pass saw
(``MatchTracker.finish(inspect=...)``). Each piece is given the truth person it follows (nearest within 2 m in most
of its rows, at least ``--purity`` of them). Two consecutive pieces of one person that end in different tracks,
both of which survive (``--min-track-s``), are a missed link. Each is put down to one cause:

* ``gated``: the link was never a candidate; the gates that, relaxed one at a time, would let it through are named
  (``colour``: the shirt histograms, ``role``: referee against player, ``motion``: distance and speed, ``overlap``:
  the second piece starts too long before the first ends, ``number``: different shirt numbers);
* ``out-scored``: it was a candidate, but the assignment chose other links for its end and start; its cost terms
  are printed next to theirs (and the truth person they join).

A wrong link is the opposite error: two consecutive pieces of one final track that follow different people; its
cost terms are printed.

Costs are computed for the pair alone, so the shift across a cut-away (estimated from several pairs) and the
waiver for adjacent pieces are not in them.

Usage::

    .venv/bin/python bench/tracking_links.py --store bench/out/store-fresh5 --clips 9053 9054 --clip-suffix 30s
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tracking_replay import replay  # noqa: E402

from pitchlens.store import Store  # noqa: E402
from tracking.config import OfflineConfig  # noqa: E402
from tracking.offline import Tracklet, _link_cost_terms, kit_cost, looks_cost, reid_cost, skin_cost  # noqa: E402

ROOT = Path(__file__).resolve().parent
#: one gate relaxed at a time
GATES = {
    "colour": {"stitch_max_app": 1.01, "stitch_role_app": 1.01},
    "role": {"stitch_role_app": 1.01},
    "motion": {"stitch_gate_chi2": 1e12, "stitch_max_speed": 1e6},
    "overlap": {"stitch_overlap_s": 1e3},
    "number": {"stitch_numbers": False},
}


def piece_owners(pieces: dict, truth_dir: Path, purity: float) -> dict[int, int]:
    """Piece id -> the truth person (players, goalkeepers, referees) nearest its position (within 2 m) in at least
    ``purity`` of its rows."""
    obj = pq.read_table(truth_dir / "objects.parquet").to_pandas()
    obj = obj[obj["role"] != "ball"]
    by_frame = {int(f): (g["x"].to_numpy(), g["y"].to_numpy(), g["object_id"].to_numpy(int))
                for f, g in obj.groupby("frame")}
    votes: dict[int, list[int]] = {}
    for f, tid, xy in zip(pieces["frame"], pieces["track_id"], pieces["xy"], strict=True):
        g = by_frame.get(int(f))
        if g is None or not np.isfinite(xy).all():
            continue
        d = np.hypot(g[0] - xy[0], g[1] - xy[1])
        k = int(np.argmin(d))
        if d[k] < 2.0:
            votes.setdefault(int(tid), []).append(int(g[2][k]))
    out = {}
    for pid, v in votes.items():
        ids, cnt = np.unique(v, return_counts=True)
        if cnt.max() >= purity * len(v):
            out[pid] = int(ids[np.argmax(cnt)])
    return out


def link_terms(a: Tracklet, b: Tracklet, cfg: OfflineConfig, drift, blind) -> dict[str, float]:
    """Cost terms of the link end ``a`` -> start ``b`` alone: ``motion`` (displacement likelihood), ``colour``
    (shirt histograms), ``skin``, ``kit``, ``reid`` and ``total`` (all the stitcher's terms, standing heights
    included; inf where a gate rules it out)."""
    pair = [a, b]
    cost, colour = _link_cost_terms(pair, cfg, drift, blind)
    i, j = np.array([0]), np.array([1])
    looks = {"skin": float(skin_cost(pair, cfg, i, j)[0]), "kit": float(kit_cost(pair, cfg, i, j)[0]),
             "reid": float(reid_cost(pair, cfg, i, j)[0])}
    base = float(cost[0, 1])
    if base >= 1e6:
        return {"motion": np.inf, "colour": float(colour[0, 1]), **looks, "total": np.inf}
    return {"motion": base - float(colour[0, 1]), "colour": float(colour[0, 1]), **looks,
            "total": base + float(looks_cost(pair, cfg, i, j)[0])}


def blocking_gates(a: Tracklet, b: Tracklet, cfg: OfflineConfig, drift, blind) -> list[str]:
    """The gates that, relaxed one at a time, make the link ``a`` -> ``b`` possible."""
    return [name for name, change in GATES.items()
            if _link_cost_terms([a, b], replace(cfg, **change), drift, blind)[0][0, 1] < 1e6]


def _fmt(terms: dict[str, float]) -> str:
    return f"{terms['total']:.1f} (" + " ".join(f"{k} {v:.1f}" for k, v in terms.items() if k != "total") + ")"


def link_errors(seed: int, clip_dir: Path, store: Store, copy: Store, cfg: OfflineConfig, min_track_s: float,
                purity: float, overrides: dict | None) -> list[dict]:
    """The missed and the wrong links of one clip (see the module's docstring)."""
    seen: dict = {}
    cols, _ = replay(clip_dir, store, copy, f"bench-{seed}", overrides=overrides, inspect=seen)
    mapping, drift, blind = seen["mapping"], seen["drift"], seen["blind"]
    owner = piece_owners(seen["pieces"], clip_dir / "truth", purity)
    people = np.asarray(cols["role"], dtype=object) != "ball"
    tid, t = cols["track_id"][people], cols["t"][people]
    order = np.argsort(tid, kind="stable")
    ids, first = np.unique(tid[order], return_index=True)
    last = np.r_[first[1:], len(order)] - 1
    span = dict(zip(ids.tolist(), (t[order][last] - t[order][first]).tolist(), strict=True))
    roles = dict(zip(tid.tolist(), np.asarray(cols["role"], dtype=object)[people].tolist(), strict=True))
    pieces = [tr for tr in seen["tracklets"] if tr.t_end - tr.t_start >= cfg.stitch_min_s]
    by_id = {tr.track_id: tr for tr in pieces}
    nxt: dict[int, int] = {}  # piece -> next piece in its final track
    chains: dict[int, list[Tracklet]] = {}
    for tr in pieces:
        chains.setdefault(mapping.get(tr.track_id, tr.track_id), []).append(tr)
    for trs in chains.values():
        trs.sort(key=lambda tr: tr.t_start)
        nxt.update({x.track_id: y.track_id for x, y in zip(trs, trs[1:])})
    prev = {v: k for k, v in nxt.items()}

    def record(person: int, a: Tracklet, b: Tracklet, cause: str, **more) -> dict:
        return {"seed": seed, "person": person, "a": a.track_id, "b": b.track_id, "t": round(a.t_end, 2),
                "gap_s": round(b.t_start - a.t_end, 2),
                "dist_m": round(float(np.linalg.norm(b.xy_start - a.xy_end)), 1),
                "role": roles.get(mapping.get(a.track_id, a.track_id)), "cause": cause,
                "terms": link_terms(a, b, cfg, drift, blind), **more}

    per_person: dict[int, list[Tracklet]] = {}
    for tr in pieces:
        if tr.track_id in owner:
            per_person.setdefault(owner[tr.track_id], []).append(tr)
    out = []
    for person, trs in sorted(per_person.items()):
        trs.sort(key=lambda tr: tr.t_start)
        for a, b in zip(trs, trs[1:]):
            ra, rb = mapping.get(a.track_id, a.track_id), mapping.get(b.track_id, b.track_id)
            if ra == rb or span.get(ra, 0.0) < min_track_s or span.get(rb, 0.0) < min_track_s:
                continue
            rec = record(person, a, b, "out-scored")
            if not np.isfinite(rec["terms"]["total"]):
                rec["cause"] = "gated"
                rec["gates"] = blocking_gates(a, b, cfg, drift, blind) or ["several"]
            else:
                rivals = []
                if a.track_id in nxt:
                    c = by_id[nxt[a.track_id]]
                    rivals.append(("end took", c.track_id, owner.get(c.track_id), link_terms(a, c, cfg, drift, blind)))
                if b.track_id in prev:
                    c = by_id[prev[b.track_id]]
                    rivals.append(("start took", c.track_id, owner.get(c.track_id),
                                   link_terms(c, b, cfg, drift, blind)))
                rec["rivals"] = rivals
            out.append(rec)
    for a_id, b_id in sorted(nxt.items()):  # links made between two people's pieces
        pa, pb = owner.get(a_id), owner.get(b_id)
        if pa is None or pb is None or pa == pb:
            continue
        out.append(record(pa, by_id[a_id], by_id[b_id], "wrong", other=pb))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", required=True)
    ap.add_argument("--clips", nargs="+", type=int, required=True)
    ap.add_argument("--clip-suffix", default="30s")
    ap.add_argument("--min-track-s", type=float, default=1.0, help="both tracks must last this long (s)")
    ap.add_argument("--purity", type=float, default=0.8, help="share of a piece's rows on its person")
    ap.add_argument("--set", dest="overrides", type=json.loads, default=None,
                    help="configuration overrides as JSON, as in tracking_replay.py")
    ap.add_argument("--quiet", action="store_true", help="only the counts")
    a = ap.parse_args()
    from pitchlens.config import load_config

    cfg = load_config(overrides=a.overrides).tracking.offline
    store = Store(a.store)
    totals: Counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(a.store, Path(tmp) / "copy")
        copy = Store(Path(tmp) / "copy")
        for seed in a.clips:
            recs = link_errors(seed, ROOT / "out" / f"clip-{seed}-{a.clip_suffix}", store, copy, cfg,
                                a.min_track_s, a.purity, a.overrides)
            counts = Counter(r["cause"] for r in recs)
            gates = Counter(g for r in recs if r["cause"] == "gated" for g in r["gates"])
            totals.update(counts)
            totals.update({f"gate {g}": n for g, n in gates.items()})
            print(f"== {seed}: {counts['gated'] + counts['out-scored']} missed links; gated {counts['gated']} "
                  f"({', '.join(f'{g} {n}' for g, n in sorted(gates.items())) or '-'}), "
                  f"out-scored {counts['out-scored']}; wrong links {counts['wrong']}")
            if a.quiet:
                continue
            for r in recs:
                head = (f"  person {r['person']:3d} ({r['role']}) t {r['t']:5.1f}: piece {r['a']} -> {r['b']} "
                        f"gap {r['gap_s']:5.2f} s {r['dist_m']:5.1f} m: ")
                if r["cause"] == "gated":
                    print(head + "gated by " + ", ".join(r["gates"]))
                    continue
                if r["cause"] == "wrong":
                    print(head + f"wrongly linked to person {r['other']}, link " + _fmt(r["terms"]))
                    continue
                print(head + "out-scored, link " + _fmt(r["terms"]))
                for what, pid, who, terms in r["rivals"]:
                    print(f"      {what} {pid} (person {who}): {_fmt(terms)}")
    print("total: " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))


if __name__ == "__main__":
    main()
