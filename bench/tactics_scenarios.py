"""Scenario queries over a synthetic season: 38 copies of kloppy's SkillCorner match in one store.

Usage: ``.venv/bin/python bench/tactics_scenarios.py --store DIR [--copies 38]``. The match is imported
(with all tactics) once, then committed under 38 match ids; every scenario is timed through
``pitchlens.scenarios.run_scenario`` (a fresh DuckDB connection per query, as the CLI does).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import pyarrow as pa

from pitchlens.store import Store

PARAMS = {
    "pressing_vs_three_man_midfield": {"team": "home"},
    "pressing_after_losing_ball": {"team": "away"},
    "def_line_by_opponent_formation": {"team": "home"},
    "formation_timeline": {"match_id": "season-07", "team": "home"},
    "possession_share": {},
}


def build(store: Path, copies: int) -> None:
    import kloppy

    from pitchlens.analysis import compute_tactics
    from pitchlens.importers import import_tracking

    files = Path(kloppy.__file__).parent / "tests" / "files"
    im = import_tracking("skillcorner", files / "skillcorner_structured_data.json",
                         files / "skillcorner_match_data.json")
    tables = {"tracks": im.tracks, "matches": im.matches, **compute_tactics(im.tracks, im.match_id, im.fps)}
    st = Store(store)
    for i in range(copies):
        mid = f"season-{i:02d}"
        st.commit(mid, {name: t.set_column(t.schema.get_field_index("match_id"), "match_id",
                                           pa.array([mid] * t.num_rows))
                        for name, t in tables.items()})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--copies", type=int, default=38)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    from pitchlens.scenarios import run_scenario

    st = Store(args.store)
    if len(st.match_ids()) < args.copies:
        t0 = time.perf_counter()
        build(args.store, args.copies)
        print(f"built {args.copies} matches in {time.perf_counter() - t0:.1f} s")
    res = {}
    for name, params in PARAMS.items():
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            table = run_scenario(name, params, store=args.store)
            times.append(time.perf_counter() - t0)
        res[name] = {"median_s": statistics.median(times), "max_s": max(times), "rows": table.num_rows}
        print(f"{name}: median {statistics.median(times):.3f} s, max {max(times):.3f} s, {table.num_rows} rows")
        if name == "pressing_vs_three_man_midfield":
            print(table.to_pandas().to_string(index=False))
    if args.out:
        args.out.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
