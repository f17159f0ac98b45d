"""Formations: pitchlens vs unravelsports 1.2.1 EFPI on the same 2-minute windows of kloppy's SkillCorner match.

Both get identical inputs: unravelsports' own dataset (ball-owning orientation), split per period, 2-minute
window (timestamp truncated, as EFPI does) and team in possession, with each player's mean position over
the window. EFPI raises ``KeyError: 11`` on this broadcast match (windows where 11 non-goalkeepers of a team
appear, which its substitution rule does not reduce to 10), so both run on windows pre-filtered the way EFPI
needs: per team the 10 most-seen outfielders, and 8-10 of them for both teams.

Usage: ``.venv/bin/python bench/tactics_formations.py [--cache DIR] [--out FILE]`` (the cache is the one
written by bench/tactics_pressing.py).
"""

from __future__ import annotations

import argparse
import collections
import json
import time
from datetime import datetime
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    import kloppy
    import polars as pl
    from kloppy import skillcorner
    from unravel.soccer import KloppyPolarsDataset
    from unravel.soccer.models.formations.efpi import EFPI

    from tactics.config import FormationConfig
    from tactics.formation import detect_formation

    files = Path(kloppy.__file__).parent / "tests" / "files"
    if args.cache and (args.cache / "unravel_data.parquet").exists():
        ds = skillcorner.load(meta_data=str(files / "skillcorner_match_data.json"),
                              raw_data=str(files / "skillcorner_structured_data.json"), limit=50)
        kpd = KloppyPolarsDataset(kloppy_dataset=ds)
        df = pl.read_parquet(args.cache / "unravel_data.parquet")
    else:
        ds = skillcorner.load(meta_data=str(files / "skillcorner_match_data.json"),
                              raw_data=str(files / "skillcorner_structured_data.json"))
        kpd = KloppyPolarsDataset(kloppy_dataset=ds)
        df = kpd.data
    base = datetime(2000, 1, 1)
    df = df.with_columns((pl.lit(base) + pl.col("timestamp")).dt.truncate("2m").alias("seg"))
    outfield = (pl.col("team_id") != "ball") & (pl.col("position_name") != "GK")
    rank = pl.col("n").rank("ordinal", descending=True).over(["period_id", "seg", "team_id"]).alias("rk")
    cnt = df.filter(outfield).group_by(["period_id", "seg", "team_id", "id"]).agg(pl.len().alias("n"))
    cnt = cnt.with_columns(rank)
    df = df.join(cnt.filter(pl.col("rk") > 10).select(["period_id", "seg", "team_id", "id"]),
                 on=["period_id", "seg", "team_id", "id"], how="anti")
    grp = ["period_id", "seg", "ball_owning_team_id"]
    per = df.filter(outfield).group_by([*grp, "team_id"]).agg(pl.col("id").n_unique().alias("k"))
    total_groups = per.select(grp).unique().height
    ok = (per.group_by(grp).agg(pl.col("k").min().alias("kmin"), pl.col("k").max().alias("kmax"),
                                pl.len().alias("teams"))
          .filter((pl.col("kmin") >= 8) & (pl.col("kmax") <= 10) & (pl.col("teams") == 2)))
    df = df.join(ok.select(grp), on=grp, how="semi")
    kpd.data = df.drop("seg")
    t0 = time.perf_counter()
    ef = EFPI(dataset=kpd).fit(every="2m", substitutions="drop")
    t_efpi = time.perf_counter() - t0
    theirs = (ef.output.filter(pl.col("team_id") != "ball")
              .group_by(["period_id", "ball_owning_team_id", "2m_id", "team_id"])
              .agg(pl.col("formation").first()))
    lab = {(r["period_id"], r["ball_owning_team_id"], r["2m_id"], r["team_id"]): r["formation"]
           for r in theirs.iter_rows(named=True)}

    # ours: the same windows, the same mean positions, our templates and assignment
    cfg = FormationConfig()
    means = (df.filter(outfield).group_by([*grp, "team_id", "id"])
             .agg(pl.col("x").mean(), pl.col("y").mean()))
    t0 = time.perf_counter()
    rows = []
    for (period, seg, owner, team), g in means.group_by([*grp, "team_id"], maintain_order=True):
        xy = g.select(["x", "y"]).to_numpy()
        if team != owner:  # ball-owning orientation: the defending team attacks -x, turn it round
            xy = -xy
        fit = detect_formation(xy, cfg)
        key = (period, owner, seg - base, team)
        rows.append((key, fit.formation, lab.get(key), team == owner, len(xy)))
    t_ours = time.perf_counter() - t0
    same = [r for r in rows if r[2] is not None and r[1].replace("-", "") == r[2]]
    compared = [r for r in rows if r[2] is not None]
    in_set = [r for r in compared if r[2] in {t.replace("-", "") for t in cfg.templates}]
    same_in_set = [r for r in in_set if r[1].replace("-", "") == r[2]]
    pairs = collections.Counter((r[1], r[2]) for r in compared if r[1].replace("-", "") != r[2])
    from tactics.templates import TEMPLATES, central_mf_count, template

    def cmf(label: str) -> int | None:
        for k in TEMPLATES:
            if k.replace("-", "") == label:
                return central_mf_count(template(k)[0])
        return None

    agree_cmf = [r for r in in_set if cmf(r[2]) == cmf(r[1].replace("-", ""))]
    print(f"windows (period x 2 min x team in possession): {total_groups}; EFPI can run on {ok.height}")
    print(f"team-windows compared: {len(compared)}; same label: {len(same)} ({len(same) / max(len(compared), 1):.0%})")
    print(f"EFPI label among our templates: {len(in_set)}; same label there: {len(same_in_set)} "
          f"({len(same_in_set) / max(len(in_set), 1):.0%}); same central-midfield count there: {len(agree_cmf)} "
          f"({len(agree_cmf) / max(len(in_set), 1):.0%})")
    print(f"EFPI labels outside our template set: {collections.Counter(r[2] for r in compared if r not in in_set)}")
    print(f"most frequent disagreements (ours, EFPI): {pairs.most_common(8)}")
    print(f"time: EFPI fit {t_efpi:.2f} s, ours {t_ours:.2f} s")
    res = {"windows": total_groups, "efpi_windows": ok.height, "compared": len(compared), "same": len(same),
           "in_template_set": len(in_set), "same_in_set": len(same_in_set), "same_central_mf_in_set": len(agree_cmf),
           "disagreements": [[a, b, n] for (a, b), n in pairs.most_common(12)], "efpi_s": t_efpi, "ours_s": t_ours,
           "players_per_window": float(np.mean([r[4] for r in rows]))}
    if args.out:
        args.out.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
