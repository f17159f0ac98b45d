"""Scores of tracks against truth in pitch space: IDF1 / MOTA / ID switches (motmetrics) and HOTA (TrackEval).

A hypothesis matches a truth object when their pitch positions are within ``max_dist`` metres.
"""

from __future__ import annotations

import numpy as np


def _group(frame: np.ndarray) -> dict[int, np.ndarray]:
    order = np.argsort(frame, kind="stable")
    f = frame[order]
    cuts = np.flatnonzero(np.diff(f)) + 1
    return {int(frame[g[0]]): g for g in (order[s:e] for s, e in zip(np.r_[0, cuts], np.r_[cuts, len(f)], strict=True))}


def pitch_scores(truth: dict, pred: dict, max_dist: float = 2.0, fps: float = 25.0, hota: bool = True) -> dict:
    """Scores of ``pred`` (frame, track_id, x, y) against ``truth`` (frame, object_id, x, y).

    Rows with NaN positions are ignored. Returns idf1, idp, idr, mota, id_switches, switches_per_player_minute,
    fragmentations, and hota / deta / assa (similarity 1 - d / max_dist) when TrackEval is installed.
    """
    import motmetrics as mm

    tf = np.asarray(truth["frame"], np.int64)
    tid = np.asarray(truth["object_id"], np.int64)
    txy = np.stack([np.asarray(truth["x"], float), np.asarray(truth["y"], float)], axis=1)
    pf = np.asarray(pred["frame"], np.int64)
    pid = np.asarray(pred["track_id"], np.int64)
    pxy = np.stack([np.asarray(pred["x"], float), np.asarray(pred["y"], float)], axis=1)
    tk = np.isfinite(txy).all(axis=1)
    pk = np.isfinite(pxy).all(axis=1)
    tf, tid, txy = tf[tk], tid[tk], txy[tk]
    pf, pid, pxy = pf[pk], pid[pk], pxy[pk]
    tg, pg = _group(tf), _group(pf)
    frames = sorted(set(tg) | set(pg))
    acc = mm.MOTAccumulator(auto_id=False)
    empty = np.zeros(0, int)
    hota_data = {"gt_ids": [], "tracker_ids": [], "similarity_scores": []}
    for f in frames:
        ti = tg.get(f, empty)
        pi = pg.get(f, empty)
        d = np.linalg.norm(txy[ti][:, None] - pxy[pi][None], axis=2) if len(ti) and len(pi) else \
            np.zeros((len(ti), len(pi)))
        dm = np.where(d <= max_dist, d, np.nan)
        acc.update(tid[ti].tolist(), pid[pi].tolist(), dm, frameid=f)
        hota_data["gt_ids"].append(tid[ti])
        hota_data["tracker_ids"].append(pid[pi])
        hota_data["similarity_scores"].append(np.clip(1.0 - d / max_dist, 0.0, 1.0))
    mh = mm.metrics.create()
    s = mh.compute(acc, metrics=["idf1", "idp", "idr", "mota", "num_switches", "num_fragmentations"], name="a")
    player_minutes = len(tf) / fps / 60.0
    out = {
        "idf1": float(s["idf1"].iloc[0]), "idp": float(s["idp"].iloc[0]), "idr": float(s["idr"].iloc[0]),
        "mota": float(s["mota"].iloc[0]), "id_switches": int(s["num_switches"].iloc[0]),
        "fragmentations": int(s["num_fragmentations"].iloc[0]),
        "switches_per_player_minute": float(s["num_switches"].iloc[0]) / max(player_minutes, 1e-9),
        "player_minutes": player_minutes,
    }
    if hota:
        out.update(_hota(hota_data))
    return out


def _hota(data: dict) -> dict:
    try:
        from trackeval.metrics import HOTA
    except ImportError:  # optional
        return {}
    gt_all = np.unique(np.concatenate(data["gt_ids"])) if data["gt_ids"] else np.zeros(0, int)
    tr_all = np.unique(np.concatenate(data["tracker_ids"])) if data["tracker_ids"] else np.zeros(0, int)
    gmap = {int(v): i for i, v in enumerate(gt_all)}
    tmap = {int(v): i for i, v in enumerate(tr_all)}
    seq = {
        "num_timesteps": len(data["gt_ids"]),
        "num_gt_ids": len(gt_all), "num_tracker_ids": len(tr_all),
        "num_gt_dets": int(sum(len(g) for g in data["gt_ids"])),
        "num_tracker_dets": int(sum(len(t) for t in data["tracker_ids"])),
        "gt_ids": [np.array([gmap[int(v)] for v in g], int) for g in data["gt_ids"]],
        "tracker_ids": [np.array([tmap[int(v)] for v in t], int) for t in data["tracker_ids"]],
        "similarity_scores": data["similarity_scores"],
    }
    res = HOTA().eval_sequence(seq)
    return {"hota": float(np.mean(res["HOTA"])), "deta": float(np.mean(res["DetA"])),
            "assa": float(np.mean(res["AssA"]))}


def ball_scores(truth: dict, pred: dict) -> dict:
    """Ball: median / p90 position error (m) on frames where truth marks the ball visible, and the share of
    those frames with a reported ball position. ``truth``: frame, x, y, visible; ``pred``: frame, x, y."""
    tf = np.asarray(truth["frame"], np.int64)
    vis = np.asarray(truth["visible"], bool)
    txy = np.stack([truth["x"], truth["y"]], axis=1).astype(float)
    pf = np.asarray(pred["frame"], np.int64)
    pxy = np.stack([pred["x"], pred["y"]], axis=1).astype(float)
    lut = {int(f): i for i, f in enumerate(pf)}
    errs = []
    reported = 0
    for i in np.flatnonzero(vis):
        j = lut.get(int(tf[i]))
        if j is None or not np.isfinite(pxy[j]).all():
            continue
        reported += 1
        errs.append(np.linalg.norm(pxy[j] - txy[i]))
    errs = np.array(errs)
    nvis = int(vis.sum())
    return {"ball_median_m": float(np.median(errs)) if len(errs) else float("nan"),
            "ball_p90_m": float(np.percentile(errs, 90)) if len(errs) else float("nan"),
            "ball_reported_share": reported / max(nvis, 1), "ball_visible_frames": nvis}
