"""Where do identity switches happen? One line per motmetrics switch on a processed benchmark clip.

Scores the store's ``tracks`` like :func:`pitchlens.evaluation.evaluate` (people, main-camera frames, truth and
track positions inside the frame by the truth homography, hit within 2 m) and, for every SWITCH event, prints the
truth object, the time since it was last matched, whether a cut-away (non-main shot) or a stretch out of view lies
in between, its distance to the frame edge, whether the new track id is new (a fragmentation) or was matched to
someone else before (a cross-link), and the old id's fate.

Usage::

    .venv/bin/python bench/tracking_switches.py --store /tmp/replay-run4 --clips 9002 9005 --clip-suffix 30s
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import motmetrics as mm
import numpy as np
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cv.camera import apply_homography  # noqa: E402
from pitchlens.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parent
PEOPLE = ("player", "goalkeeper", "referee")


def switches(truth_dir: Path, tracks, size: tuple[int, int]) -> list[dict]:
    """Switch events with their context."""
    fr = pq.read_table(truth_dir / "frames.parquet").to_pandas()
    obj = pq.read_table(truth_dir / "objects.parquet").to_pandas()
    obj = obj[obj["role"].isin(PEOPLE)]
    shot = dict(zip(fr["frame"].astype(int), fr["shot"], strict=True))
    Hs = {int(f): (None if h is None else np.asarray(h, float).reshape(3, 3))
          for f, h in zip(fr["frame"], fr["homography"], strict=True)}
    tr = tracks[tracks["role"] != "ball"]
    tg = {int(f): g for f, g in obj.groupby("frame")}
    pg = {int(f): g for f, g in tr.groupby("frame")}
    acc = mm.MOTAccumulator(auto_id=False)
    info: dict[tuple[int, int], tuple[float, float]] = {}  # (frame, object) -> (edge distance px, t)
    inview: dict[int, set[int]] = {}
    frames = sorted(shot)
    for f in frames:
        if shot[f] != "main" or Hs[f] is None:
            continue
        H = Hs[f]
        g, p = tg.get(f), pg.get(f)
        tid, pid = np.zeros(0, int), np.zeros(0, int)
        d = np.zeros((0, 0))
        txy = pxy = np.zeros((0, 2))
        if g is not None:
            txy = g[["x", "y"]].to_numpy(float)
            uv = apply_homography(H, txy)
            ok = (uv[:, 0] >= 0) & (uv[:, 0] < size[0]) & (uv[:, 1] >= 0) & (uv[:, 1] < size[1])
            tid = g["object_id"].to_numpy(int)[ok]
            edge = np.minimum.reduce([uv[ok, 0], size[0] - uv[ok, 0], uv[ok, 1], size[1] - uv[ok, 1]])
            for o, e in zip(tid, edge, strict=True):
                info[(f, int(o))] = (float(e), float(g["t"].iloc[0]))
            inview[f] = set(tid.tolist())
            txy = txy[ok]
        if p is not None:
            pxy = p[["x", "y"]].to_numpy(float)
            uv = apply_homography(H, pxy)
            ok = np.isfinite(uv).all(axis=1) & (uv[:, 0] >= 0) & (uv[:, 0] < size[0]) & (uv[:, 1] >= 0) & \
                (uv[:, 1] < size[1])
            pid = p["track_id"].to_numpy(int)[ok]
            pxy = pxy[ok]
        if len(tid) and len(pid):
            d = np.linalg.norm(txy[:, None] - pxy[None], axis=2)
        else:
            d = np.zeros((len(tid), len(pid)))
        sim = np.clip(1.0 - d / 4.0, 0, 1)
        acc.update(tid.tolist(), pid.tolist(), np.where(sim >= 0.5, 1.0 - sim, np.nan), frameid=f)
    ev = acc.mot_events.reset_index()
    matches = ev[ev["Type"].isin(["MATCH", "SWITCH"])]
    out = []
    first_seen_h = matches.groupby("HId")["FrameId"].min().to_dict()
    last_seen_h = matches.groupby("HId")["FrameId"].max().to_dict()
    for _, e in ev[ev["Type"] == "SWITCH"].iterrows():
        f, o, h = int(e["FrameId"]), int(e["OId"]), int(e["HId"])
        prev = matches[(matches["OId"] == o) & (matches["FrameId"] < f)]
        pf = int(prev["FrameId"].max()) if len(prev) else -1
        old_h = int(prev.loc[prev["FrameId"].idxmax(), "HId"]) if len(prev) else -1
        between = [k for k in frames if pf < k < f]
        cut = any(shot[k] != "main" for k in between)
        away = sum(1 for k in between if shot[k] == "main" and o not in inview.get(k, set()))
        h_prev = matches[(matches["HId"] == h) & (matches["FrameId"] < f)]
        kind = "new" if int(first_seen_h[h]) == f else \
            f"was {Counter(h_prev['OId'].astype(int)).most_common(1)[0][0]}" if len(h_prev) else "unmatched"
        edge, t = info.get((f, o), (np.nan, np.nan))
        out.append({"frame": f, "t": t, "object": o, "old": old_h, "new": h, "gap_s": (f - pf) / 25.0,
                    "cut": cut, "out_frames": away, "edge_px": edge, "kind": kind,
                    "old_last": int(last_seen_h.get(old_h, -1))})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--clips", nargs="+", type=int, default=[9001, 9002, 9003, 9004, 9005, 9006])
    ap.add_argument("--clip-suffix", default="30s")
    a = ap.parse_args()
    st = Store(a.store)
    for c in a.clips:
        truth = ROOT / "out" / f"clip-{c}-{a.clip_suffix}" / "truth"
        meta = json.loads((truth / "meta.json").read_text())
        tracks = st.read("tracks", f"bench-{c}").to_pandas()
        evs = switches(truth, tracks, (int(meta["width"]), int(meta["height"])))
        print(f"== {c}: {len(evs)} switches; after a cut-away {sum(e['cut'] for e in evs)}, "
              f"new ids {sum(e['kind'] == 'new' for e in evs)}")
        for e in evs:
            print(f"  f{e['frame']:4d} obj {e['object']:3d} {e['old']:4d}->{e['new']:4d} gap {e['gap_s']:5.2f}s "
                  f"cut={int(e['cut'])} out={e['out_frames']:3d} edge={e['edge_px']:6.1f}px {e['kind']:10s} "
                  f"old last f{e['old_last']}")


if __name__ == "__main__":
    main()
