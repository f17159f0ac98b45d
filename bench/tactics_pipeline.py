"""kloppy's full SkillCorner match through import-tracking and every tactics table: wall time per stage and
peak memory (max RSS of this process).

Usage: ``.venv/bin/python bench/tactics_pipeline.py --store DIR [--out FILE]``
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    import kloppy

    from pitchlens.analysis import SCHEMAS, _table
    from pitchlens.importers import dataset_to_tracks, load_kloppy
    from pitchlens.schema import MATCHES, TRACKS, conform
    from pitchlens.store import Store
    from tactics.frames import build_frames
    from tactics.possession import compute_possession, possession_columns
    from tactics.pressing import compute_pressing, pressing_columns, pressing_per_second
    from tactics.shape import shape_columns, team_shape
    from tactics.windows import window_tables

    files = Path(kloppy.__file__).parent / "tests" / "files"
    stages: dict[str, float] = {}
    t_all = time.perf_counter()

    def lap(name: str, t0: float) -> float:
        stages[name] = time.perf_counter() - t0
        return time.perf_counter()

    t = time.perf_counter()
    ds = load_kloppy("skillcorner", files / "skillcorner_structured_data.json", files / "skillcorner_match_data.json")
    t = lap("kloppy load", t)
    cols, fps, periods = dataset_to_tracks(ds, "skillcorner-2417")
    del ds
    tracks = conform(cols, TRACKS)
    t = lap("to tracks table", t)
    mid = "skillcorner-2417"
    from pitchlens.analysis import track_columns

    tc = track_columns(tracks, mid)
    fd = build_frames(tc, fps)
    t = lap("frames + smoothing", t)
    poss = compute_possession(fd)
    t = lap("possession", t)
    pf = compute_pressing(fd, poss)
    t = lap("pressing", t)
    shapes = {k: team_shape(fd, k) for k in (0, 1)}
    shape = shape_columns(fd, poss.team)
    t = lap("shape", t)
    form, roles, shp = window_tables(fd, poss, shapes)
    t = lap("formations + shape windows", t)
    raw = {"possession": possession_columns(fd, poss), "pressing": pressing_columns(fd, pf),
           "pressing_1s": pressing_per_second(fd, pf), "formations": form, "formation_roles": roles,
           "shape": shape, "shape_windows": shp}
    tables = {k: _table(k, v, mid) for k, v in raw.items()}
    assert set(tables) == set(SCHEMAS)
    t = lap("conform", t)
    matches = conform({"match_id": [mid], "fps": [fps], "status": ["imported"]}, MATCHES)
    Store(args.store).commit(mid, {"tracks": tracks, "matches": matches, **tables})
    lap("commit", t)
    total = time.perf_counter() - t_all
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for k, v in stages.items():
        print(f"{k:28s} {v:7.2f} s")
    print(f"{'total':28s} {total:7.2f} s   peak RSS {peak_mb:.0f} MiB   frames {fd.n_frames}, periods {periods}")
    print({k: v.num_rows for k, v in tables.items()})
    if args.out:
        args.out.write_text(json.dumps({"stages_s": stages, "total_s": total, "peak_rss_mib": peak_mb,
                                        "frames": int(fd.n_frames), "rows": {k: v.num_rows for k, v in tables.items()}},
                                       indent=1))


if __name__ == "__main__":
    main()
