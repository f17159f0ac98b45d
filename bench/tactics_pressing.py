"""Pressing intensity: pitchlens vs unravelsports 1.2.1 ``PressingIntensity`` on kloppy's SkillCorner match.

1. unravelsports builds its dataset (positions, smoothed velocities, inferred ball carrier) and fits on the
   frames it can handle (a ball, a ball carrier and a defender present: it raises IndexError otherwise).
2. The same per-frame inputs go through ``tactics.pressing.time_to_intercept``; its matrices are compared
   pair by pair with unravelsports' after accounting for orientation (see ORIENTATION below).
3. Wall time: unravelsports' ``fit`` vs our kernel on the same inputs (one padded numpy pass) and vs our whole
   pressing stage on the match's store tracks (frames, smoothing, possession, pressing).

ORIENTATION. unravelsports 1.2.1 passes the *ball-owning* team (plus the ball) as the movers ``p1`` and the
defenders as targets; its matrix rows are defenders and columns attackers, so ``tti[i, j]`` is the time
attacker ``j`` needs to reach defender ``i``. pitchlens deliberately does the opposite (the paper's reading):
the pressing team's players are the movers, ``tti[i, j]`` = defender ``i`` to attacker ``j``. To compare like
with like we call our kernel with unravelsports' movers and transpose; we also report how far the two
directions differ on the same frames.

Usage: ``.venv/bin/python bench/tactics_pressing.py [--frames N] [--cache DIR]``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def kloppy_file(name: str) -> Path:
    import kloppy

    return Path(kloppy.__file__).parent / "tests" / "files" / name


def unravel_dataset(cache: Path | None):
    import polars as pl

    if cache and (cache / "unravel_data.parquet").exists():
        return pl.read_parquet(cache / "unravel_data.parquet"), json.loads((cache / "unravel_meta.json").read_text())
    from kloppy import skillcorner
    from unravel.soccer import KloppyPolarsDataset

    ds = skillcorner.load(meta_data=str(kloppy_file("skillcorner_match_data.json")),
                          raw_data=str(kloppy_file("skillcorner_structured_data.json")))
    t0 = time.perf_counter()
    kpd = KloppyPolarsDataset(kloppy_dataset=ds)
    meta = {"dataset_s": time.perf_counter() - t0, "max_player_speed": kpd.settings.max_player_speed}
    if cache:
        cache.mkdir(parents=True, exist_ok=True)
        kpd.data.write_parquet(cache / "unravel_data.parquet")
        (cache / "unravel_meta.json").write_text(json.dumps(meta))
    return kpd, meta


def handled_frames(df):
    """Frames unravelsports 1.2.1 can fit: one ball, a carrier on the ball-owning team, a defender."""
    import polars as pl

    owning = pl.col("team_id") == pl.col("ball_owning_team_id")
    ok = (df.group_by(["period_id", "frame_id"]).agg(
        (pl.col("team_id") == "ball").sum().alias("nb"),
        (pl.col("is_ball_carrier") & owning).sum().alias("nc"),
        ((~owning) & (pl.col("team_id") != "ball")).sum().alias("nd"),
    ).filter((pl.col("nb") == 1) & (pl.col("nc") >= 1) & (pl.col("nd") >= 1)))
    return df.join(ok.select(["period_id", "frame_id"]), on=["period_id", "frame_id"], how="semi")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=0, help="Use only the first N handled frames (0: all).")
    ap.add_argument("--cache", type=Path, default=None, help="Keep unravelsports' dataset here between runs.")
    ap.add_argument("--out", type=Path, default=None, help="Write the figures as JSON here.")
    args = ap.parse_args()
    import polars as pl
    from unravel.soccer import KloppyPolarsDataset, PressingIntensity

    from tactics.pressing import probability_to_intercept, time_to_intercept

    kpd, meta = unravel_dataset(args.cache)
    if isinstance(kpd, KloppyPolarsDataset):
        df = kpd.data
    else:  # from the cache: rebuild a dataset object around the stored frame
        df = kpd
        kpd = None
    all_frames = df.select(["period_id", "frame_id"]).unique().height
    df = handled_frames(df)
    if args.frames:
        keep = df.select(["period_id", "frame_id"]).unique(maintain_order=True).head(args.frames)
        df = df.join(keep, on=["period_id", "frame_id"], how="semi")
    n_frames = df.select(["period_id", "frame_id"]).unique().height
    print(f"frames: {all_frames} in the match, {n_frames} that unravelsports can fit")

    if kpd is None:
        from kloppy import skillcorner

        ds = skillcorner.load(meta_data=str(kloppy_file("skillcorner_match_data.json")),
                              raw_data=str(kloppy_file("skillcorner_structured_data.json")), limit=50)
        kpd = KloppyPolarsDataset(kloppy_dataset=ds)
    kpd.data = df
    pi = PressingIntensity(dataset=kpd)
    t0 = time.perf_counter()
    pi.fit(method="teams", ball_method="max", orient="ball_owning", reaction_time=0.7, time_threshold=1.5,
           sigma=0.45, speed_threshold=None)
    t_unravel = time.perf_counter() - t0
    out = pi.output
    print(f"unravelsports fit: {t_unravel:.2f} s")

    # --- our kernel on the same inputs, one padded pass -------------------------------------------------
    d = df.sort(["period_id", "frame_id"]).with_columns(
        ((pl.col("team_id") == pl.col("ball_owning_team_id")) | (pl.col("team_id") == "ball")).alias("att"))
    d = d.with_columns(pl.int_range(pl.len()).over(["period_id", "frame_id", "att"]).alias("slot"))
    keys = d.select(["period_id", "frame_id"]).unique(maintain_order=True)
    keys = keys.with_row_index("fi")
    d = d.join(keys, on=["period_id", "frame_id"])
    F = keys.height
    KA = int(d.filter(pl.col("att"))["slot"].max()) + 1
    KD = int(d.filter(~pl.col("att"))["slot"].max()) + 1
    P1 = np.full((F, KA, 3), np.nan)
    V1 = np.full((F, KA, 3), np.nan)
    P2 = np.full((F, KD, 3), np.nan)
    V2 = np.full((F, KD, 3), np.nan)
    ids1 = np.full((F, KA), None, dtype=object)
    ids2 = np.full((F, KD), None, dtype=object)
    ball1 = np.full((F, KA), False)
    car1 = np.full((F, KA), False)
    for att, P, V, ids in ((True, P1, V1, ids1), (False, P2, V2, ids2)):
        s = d.filter(pl.col("att") == att)
        fi, sl = s["fi"].to_numpy(), s["slot"].to_numpy()
        P[fi, sl] = s.select(["x", "y", "z"]).to_numpy()
        V[fi, sl] = s.select(["vx", "vy", "vz"]).to_numpy()
        ids[fi, sl] = s["id"].to_numpy()
        if att:
            ball1[fi, sl] = (s["team_id"] == "ball").to_numpy()
            car1[fi, sl] = s["is_ball_carrier"].to_numpy()
    vmax = float(meta.get("max_player_speed", 12.0))
    t0 = time.perf_counter()
    tti = time_to_intercept(P1, V1, P2, V2, 0.7, vmax, angle_eps=1e-10)  # (F, attackers+ball, defenders)
    bi = ball1.argmax(axis=1)
    ci = car1.argmax(axis=1)
    r = np.arange(F)
    tti[r, ci, :] = np.minimum(tti[r, ci, :], tti[r, bi, :])  # unravelsports' "max": carrier and ball merged
    tti[r, bi, :] = np.nan
    pti = probability_to_intercept(tti, 0.45, 1.5)
    t_kernel = time.perf_counter() - t0
    tti_exact = time_to_intercept(P1, V1, P2, V2, 0.7, vmax)  # exact angle (no epsilon)
    tti_exact[r, ci, :] = np.minimum(tti_exact[r, ci, :], tti_exact[r, bi, :])
    pti_exact = probability_to_intercept(tti_exact, 0.45, 1.5)
    # the other direction (ours by default): defenders move, attackers are targets
    tti_press = time_to_intercept(P2, V2, P1, V1, 0.7, vmax)
    tti_press[r, :, ci] = np.minimum(tti_press[r, :, ci], tti_press[r, :, bi])
    pti_press = probability_to_intercept(tti_press, 0.45, 1.5)

    # --- compare pair by pair, by player id --------------------------------------------------------------
    fmap = {(int(p), int(f)): int(i) for p, f, i in zip(keys["period_id"], keys["frame_id"], keys["fi"], strict=True)}
    max_dp = max_dt = max_dp_exact = 0.0
    pairs = 0
    dirdiff = []
    for row in out.iter_rows(named=True):
        fi = fmap[(int(row["period_id"]), int(row["frame_id"]))]
        their_p = np.asarray(row["probability_to_intercept"], dtype=float)  # (defenders, attackers)
        their_t = np.asarray(row["time_to_intercept"], dtype=float)
        a_slot = {str(v): k for k, v in enumerate(ids1[fi]) if v is not None}
        d_slot = {str(v): k for k, v in enumerate(ids2[fi]) if v is not None}
        ai = np.array([a_slot[str(c)] for c in row["columns"]])
        di = np.array([d_slot[str(c)] for c in row["rows"]])
        ours_p = pti[fi][np.ix_(ai, di)].T
        ours_t = tti[fi][np.ix_(ai, di)].T
        max_dp = max(max_dp, float(np.abs(ours_p - their_p).max()))
        max_dt = max(max_dt, float(np.abs(ours_t - their_t).max()))
        max_dp_exact = max(max_dp_exact, float(np.abs(pti_exact[fi][np.ix_(ai, di)].T - their_p).max()))
        dirdiff.append(float(np.abs(pti_press[fi][np.ix_(di, ai)] - their_p).mean()))
        pairs += their_p.size
    print(f"pairs compared: {pairs} in {out.height} frames")
    print(f"max |p_ours - p_unravel| = {max_dp:.3g} (same epsilon), {max_dp_exact:.3g} (exact angle); "
          f"max |tti diff| = {max_dt:.3g} s")
    print(f"mean |p| difference between the two directions (defenders move vs attackers move): "
          f"{np.mean(dirdiff):.3f}")
    print(f"our kernel on the same inputs: {t_kernel:.3f} s ({t_unravel / t_kernel:.0f}x faster)")

    # --- our whole pressing stage from the store's tracks ------------------------------------------------
    from pitchlens.importers import dataset_to_tracks, load_kloppy
    from tactics.frames import build_frames
    from tactics.possession import compute_possession
    from tactics.pressing import compute_pressing

    ds = load_kloppy("skillcorner", kloppy_file("skillcorner_structured_data.json"),
                     kloppy_file("skillcorner_match_data.json"))
    cols, fps, _ = dataset_to_tracks(ds, "skillcorner")
    del ds
    t0 = time.perf_counter()
    fd = build_frames(cols, fps)
    poss = compute_possession(fd)
    pf = compute_pressing(fd, poss)
    t_stage = time.perf_counter() - t0
    print(f"our pressing stage (smoothing + possession + pressing, {len(pf.index)} frames of {fd.n_frames}): "
          f"{t_stage:.2f} s ({t_unravel / t_stage:.0f}x faster than unravelsports' fit on {n_frames} frames)")
    res = {"frames_match": all_frames, "frames_unravel": n_frames, "pairs": pairs, "max_dp": max_dp,
           "max_dp_exact_angle": max_dp_exact, "max_dtti": max_dt, "direction_mean_abs_dp": float(np.mean(dirdiff)),
           "unravel_fit_s": t_unravel, "unravel_dataset_s": meta.get("dataset_s"), "ours_kernel_s": t_kernel,
           "ours_stage_s": t_stage, "ours_stage_frames": int(len(pf.index))}
    if args.out:
        args.out.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
