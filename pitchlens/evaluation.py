"""Score a processed match in the store against the synthetic truth rendered beside its clip.

Frames scored: those the store's ``frames`` table holds (all truth frames when it has none). Rules:

- Detection AP50 per class with ``supervision.metrics.MeanAveragePrecision``. Truth boxes that are mostly occluded
  or tiny (:func:`pitchlens.detector_training.keep_truth_box`, the rule the demo detector is trained with) are
  ignored: detections overlapping them (IoU >= 0.5) are dropped rather than counted as false positives.
- Tracking (people: players, goalkeepers, referee) with motmetrics (IDF1, MOTA, ID switches) and TrackEval (HOTA):
  in image space (IoU >= 0.5, same ignore rule) and in pitch space (hit within 2 m) on main-camera frames, over
  truth objects and track rows whose pitch position lies inside the frame (projected with the truth homography).
- Position error: per main-camera frame, truth people and track positions are matched one-to-one (Hungarian,
  gate 5 m); median and p95 of the matched distances. Ball: one ball row per frame against the truth ball on
  frames where the ball is visible; ``ball_seen_share`` is the share of those frames with a reported ball.
- Calibration error: per main-camera frame with an estimated homography, pitch points on a 5 m grid are projected
  into the image with the truth homography, those inside the frame are back-projected with the estimate, and the
  frame's error is the mean distance in metres; median and p95 over frames.
- Usable-homography share: main-camera frames whose stored homography is present and flagged usable.
- Team accuracy: over per-frame matched (truth, track) pairs of outfield players and goalkeepers with a team;
  the better of the two label assignments (home/away as is, or swapped) is reported, since team labels from
  colour clustering carry no name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import supervision as sv
from scipy.optimize import linear_sum_assignment

from cv.detect import CLASSES
from pitchlens.detector_training import keep_truth_box
from pitchlens.errors import StoreError
from pitchlens.store import Store
from pitchlens.synth.truth import Truth, load_truth

KEYS = ("det_ap50_player", "det_ap50_ball", "hota_pitch", "idf1_pitch", "mota_pitch", "id_switches", "idf1_image",
        "pos_err_median_m", "pos_err_p95_m", "ball_err_median_m", "ball_seen_share", "calib_err_median_m",
        "calib_err_p95_m", "usable_homography_share", "shot_accuracy", "team_accuracy")
PEOPLE = ("player", "goalkeeper", "referee")
HIT_M = 2.0
POS_GATE_M = 5.0
IOU_HIT = 0.5
GRID_STEP_M = 5.0
CALIB_CAP_M = 100.0


@dataclass
class _Rows:
    """Columns of a table as numpy arrays (floats with NaN for nulls)."""

    cols: dict[str, np.ndarray]

    @staticmethod
    def of(table: pa.Table) -> _Rows:
        out = {}
        for name in table.column_names:
            col = table.column(name)
            if pa.types.is_floating(col.type) or pa.types.is_integer(col.type) and col.null_count:
                out[name] = np.asarray(col.to_numpy(zero_copy_only=False), dtype=float)
            elif pa.types.is_integer(col.type):
                out[name] = col.to_numpy(zero_copy_only=False)
            else:
                out[name] = np.array(col.to_pylist(), dtype=object)
        return _Rows(out)

    def __getitem__(self, k: str) -> np.ndarray:
        return self.cols[k]

    def __len__(self) -> int:
        return len(next(iter(self.cols.values()))) if self.cols else 0

    def by_frame(self) -> dict[int, np.ndarray]:
        f = np.asarray(self.cols["frame"], dtype=np.int64)
        order = np.argsort(f, kind="stable")
        groups: dict[int, np.ndarray] = {}
        if len(f) == 0:
            return groups
        cuts = np.flatnonzero(np.diff(f[order])) + 1
        for g in np.split(order, cuts):
            groups[int(f[g[0]])] = g
        return groups


def _boxes(r: _Rows, idx: np.ndarray) -> np.ndarray:
    return np.stack([r[c][idx].astype(float) for c in ("x1", "y1", "x2", "y2")], axis=1) if len(idx) else \
        np.zeros((0, 4))


def _in_view(H: np.ndarray, xy: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Which pitch points project inside the image with ``H``."""
    if len(xy) == 0:
        return np.zeros(0, bool)
    p = np.c_[xy, np.ones(len(xy))] @ H.T
    w = p[:, 2]
    ok = w > 1e-9
    u = np.where(ok, p[:, 0] / np.where(ok, w, 1), -1)
    v = np.where(ok, p[:, 1] / np.where(ok, w, 1), -1)
    return ok & (u >= 0) & (u < size[0]) & (v >= 0) & (v < size[1]) & np.isfinite(xy).all(axis=1)


# --- detection ------------------------------------------------------------------------------------------------------


def _truth_split(objs: _Rows, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of scored and ignored visible truth boxes among ``idx``."""
    vis = idx[np.asarray([bool(v) for v in objs["visible"][idx]], bool)] if len(idx) else idx
    vis = vis[np.isfinite(objs["x1"][vis])] if len(vis) else vis
    keep = np.array([keep_truth_box(objs["role"][i], objs["x1"][i], objs["y1"][i], objs["x2"][i], objs["y2"][i],
                                    None if not np.isfinite(objs["occluded"][i]) else float(objs["occluded"][i]))
                     for i in vis], bool)
    return (vis[keep], vis[~keep]) if len(vis) else (vis, vis)


def _drop_ignored(pred: np.ndarray, pred_cls: np.ndarray, kept: np.ndarray, kept_cls: np.ndarray,
                  ign: np.ndarray, ign_cls: np.ndarray) -> np.ndarray:
    """Mask of predictions to keep: those overlapping an ignored truth box (same class) more than any kept one go."""
    if len(pred) == 0 or len(ign) == 0:
        return np.ones(len(pred), bool)
    iou_i = sv.box_iou_batch(pred, ign) * (pred_cls[:, None] == ign_cls[None])
    iou_k = sv.box_iou_batch(pred, kept) * (pred_cls[:, None] == kept_cls[None]) if len(kept) else \
        np.zeros((len(pred), 1))
    return ~((iou_i.max(axis=1) >= IOU_HIT) & (iou_i.max(axis=1) > iou_k.max(axis=1)))


def detection_ap50(objs: _Rows, dets: _Rows, frames: list[int]) -> dict[str, float | None]:
    """AP50 per class over ``frames`` (None for a class with no truth box)."""
    tg, dg = objs.by_frame(), dets.by_frame() if len(dets) else {}
    empty = np.zeros(0, np.int64)
    preds, targets = [], []
    n_truth = np.zeros(len(CLASSES), int)
    for f in frames:
        kept, ign = _truth_split(objs, tg.get(f, empty))
        kb, kc = _boxes(objs, kept), np.array([CLASSES.index(r) for r in objs["role"][kept]], int)
        ib, ic = _boxes(objs, ign), np.array([CLASSES.index(r) for r in objs["role"][ign]], int)
        di = dg.get(f, empty)
        db = _boxes(dets, di)
        dc = np.array([CLASSES.index(c) for c in dets["cls"][di]], int) if len(di) else empty.astype(int)
        conf = dets["conf"][di].astype(float) if len(di) else np.zeros(0)
        m = _drop_ignored(db, dc, kb, kc, ib, ic)
        n_truth += np.bincount(kc, minlength=len(CLASSES))
        targets.append(sv.Detections(xyxy=kb.reshape(-1, 4).astype(np.float32), class_id=kc))
        preds.append(sv.Detections(xyxy=db[m].reshape(-1, 4).astype(np.float32), class_id=dc[m],
                                   confidence=np.nan_to_num(conf[m], nan=1.0).astype(np.float32)))
    out: dict[str, float | None] = {c: None for c in CLASSES}
    if not frames or n_truth.sum() == 0:
        return out
    from supervision.metrics import MeanAveragePrecision

    res = MeanAveragePrecision().update(preds, targets).compute()
    for cid, ap in zip(res.matched_classes, res.ap_per_class[:, 0], strict=True):
        if n_truth[int(cid)] > 0:
            out[CLASSES[int(cid)]] = float(ap)
    for c in range(len(CLASSES)):
        if n_truth[c] > 0 and out[CLASSES[c]] is None:
            out[CLASSES[c]] = 0.0
    return out


# --- tracking -------------------------------------------------------------------------------------------------------


def _mot(per_frame: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]) -> dict:
    """motmetrics + TrackEval HOTA from per-frame (frame, truth ids, pred ids, similarity in [0, 1]).

    A pair is a hit when its similarity is >= 0.5 (IoU >= 0.5, or within 2 m for similarity 1 - d / 4 m)."""
    import motmetrics as mm

    acc = mm.MOTAccumulator(auto_id=False)
    for f, tid, pid, sim in per_frame:
        dist = np.where(sim >= 0.5, 1.0 - sim, np.nan)
        acc.update(tid.tolist(), pid.tolist(), dist, frameid=f)
    mh = mm.metrics.create()
    s = mh.compute(acc, metrics=["idf1", "mota", "num_switches"], name="a")
    out = {"idf1": float(s["idf1"].iloc[0]), "mota": float(s["mota"].iloc[0]),
           "id_switches": int(s["num_switches"].iloc[0]), "hota": None}
    try:
        from trackeval.metrics import HOTA
    except ImportError:  # pragma: no cover - TrackEval is optional
        return out
    gts = [t for _, t, _, _ in per_frame]
    trs = [p for _, _, p, _ in per_frame]
    gall = np.unique(np.concatenate(gts)) if gts else np.zeros(0, int)
    tall = np.unique(np.concatenate(trs)) if trs else np.zeros(0, int)
    gmap = {int(v): i for i, v in enumerate(gall)}
    tmap = {int(v): i for i, v in enumerate(tall)}
    seq = {"num_timesteps": len(per_frame), "num_gt_ids": len(gall), "num_tracker_ids": len(tall),
           "num_gt_dets": int(sum(len(g) for g in gts)), "num_tracker_dets": int(sum(len(t) for t in trs)),
           "gt_ids": [np.array([gmap[int(v)] for v in g], int) for g in gts],
           "tracker_ids": [np.array([tmap[int(v)] for v in t], int) for t in trs],
           "similarity_scores": [s for _, _, _, s in per_frame]}
    if seq["num_gt_dets"] and seq["num_tracker_dets"]:
        out["hota"] = float(np.mean(HOTA().eval_sequence(seq)["HOTA"]))
    else:
        out["hota"] = 0.0
    return out


def _nan_to_none(v: float | None) -> float | None:
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v


def evaluate(truth: Truth | str | Path, store: Store | str | Path, match_id: str) -> dict:
    """All figures of one match: the flat :data:`KEYS` plus extras (``det_ap50`` per class) in one dict."""
    tr = truth if isinstance(truth, Truth) else load_truth(truth)
    st = store if isinstance(store, Store) else Store(store)
    manifest = st.manifest(match_id)
    if manifest is None:
        raise StoreError(f"{st.root}: no match '{match_id}' in the store")
    have = set((manifest.get("tables") or {}).keys())
    size = (int(tr.meta["width"]), int(tr.meta["height"]))

    tframes = _Rows.of(tr.frames)
    objs = _Rows.of(tr.objects)
    sframes = _Rows.of(st.read("frames", match_id)) if "frames" in have else None
    truth_frames = [int(f) for f in tframes["frame"]]
    if sframes is not None and len(sframes):
        done = {int(f) for f in sframes["frame"]}
        frames = [f for f in truth_frames if f in done]
    else:
        frames = truth_frames
    shot_of = {int(f): s for f, s in zip(tframes["frame"], tframes["shot"], strict=True)}
    H_true = {int(f): (None if h is None else np.asarray(h, float).reshape(3, 3))
              for f, h in zip(tframes["frame"], tr.frames.column("homography").to_pylist(), strict=True)}
    main = [f for f in frames if shot_of.get(f) == "main" and H_true.get(f) is not None]
    out: dict = {k: None for k in KEYS}

    # detection
    if "detections" in have:
        ap = detection_ap50(objs, _Rows.of(st.read("detections", match_id)), frames)
        out["det_ap50_player"], out["det_ap50_ball"] = ap["player"], ap["ball"]
        out["det_ap50"] = ap

    # tracks
    tracks = _Rows.of(st.read("tracks", match_id)) if "tracks" in have else None
    if tracks is not None and len(tracks):
        out.update(_track_scores(objs, tracks, frames, main, H_true, size, float(tr.meta.get("fps") or 25.0)))

    # calibration, shots
    if sframes is not None and len(sframes):
        out.update(_frame_scores(sframes, frames, main, shot_of, H_true, size))
    out["frames_scored"] = len(frames)
    out["main_frames_scored"] = len(main)
    return {k: _nan_to_none(v) if isinstance(v, float) else v for k, v in out.items()}


def _track_scores(objs: _Rows, tracks: _Rows, frames: list[int], main: list[int], H_true: dict,
                  size: tuple[int, int], fps: float = 25.0) -> dict:
    tg, pg = objs.by_frame(), tracks.by_frame()
    empty = np.zeros(0, np.int64)
    t_people = np.isin(objs["role"], PEOPLE)
    p_people = ~np.isin(tracks["role"], ("ball",))
    out: dict = {}

    # image space
    img_frames = []
    for f in frames:
        kept, ign = _truth_split(objs, tg.get(f, empty))
        kept, ign = kept[t_people[kept]], ign[t_people[ign]]
        pi = pg.get(f, empty)
        pi = pi[p_people[pi]] if len(pi) else pi
        pi = pi[np.isfinite(_boxes(tracks, pi)).all(axis=1)] if len(pi) else pi
        pb, kb, ib = _boxes(tracks, pi), _boxes(objs, kept), _boxes(objs, ign)
        zc = np.zeros(len(pb), int)
        m = _drop_ignored(pb, zc, kb, np.zeros(len(kb), int), ib, np.zeros(len(ib), int))
        pi, pb = pi[m], pb[m]
        sim = sv.box_iou_batch(kb, pb) if len(kb) and len(pb) else np.zeros((len(kb), len(pb)))
        img_frames.append((f, objs["object_id"][kept].astype(np.int64), tracks["track_id"][pi].astype(np.int64), sim))
    if img_frames and any(len(t) for _, t, _, _ in img_frames):
        out["idf1_image"] = _mot(img_frames)["idf1"]

    # pitch space (main camera), position error and teams
    pitch_frames, errs, ball_errs = [], [], []
    team_pairs: list[tuple[str, str]] = []
    ball_frames = ball_seen = 0
    person_frames = 0
    for f in main:
        H = H_true[f]
        ti = tg.get(f, empty)
        pi = pg.get(f, empty)
        txy = np.stack([objs["x"][ti], objs["y"][ti]], axis=1).astype(float) if len(ti) else np.zeros((0, 2))
        pxy = np.stack([tracks["x"][pi], tracks["y"][pi]], axis=1).astype(float) if len(pi) else np.zeros((0, 2))
        tv, pv = _in_view(H, txy, size), _in_view(H, pxy, size)
        tp = t_people[ti] & tv if len(ti) else np.zeros(0, bool)
        pp = p_people[pi] & pv if len(pi) else np.zeros(0, bool)
        a, b = ti[tp], pi[pp]
        person_frames += len(a)
        d = np.linalg.norm(txy[tp][:, None] - pxy[pp][None], axis=2) if len(a) and len(b) else \
            np.zeros((len(a), len(b)))
        pitch_frames.append((f, objs["object_id"][a].astype(np.int64), tracks["track_id"][b].astype(np.int64),
                             np.clip(1.0 - d / (2 * HIT_M), 0.0, 1.0)))
        if d.size:
            r, c = linear_sum_assignment(np.where(d <= POS_GATE_M, d, 1e6))
            ok = d[r, c] <= POS_GATE_M
            errs.extend(d[r[ok], c[ok]].tolist())
            for i, j in zip(r[ok], c[ok], strict=True):
                tt, pt = objs["team"][a[i]], tracks["team"][b[j]]
                if objs["role"][a[i]] in ("player", "goalkeeper") and tt and pt in ("home", "away"):
                    team_pairs.append((tt, pt))
        # ball
        tb = ti[(objs["role"][ti] == "ball") & np.asarray([bool(v) for v in objs["visible"][ti]], bool)] \
            if len(ti) else empty
        if len(tb):
            ball_frames += 1
            pb = pi[(tracks["role"][pi] == "ball") & np.isfinite(pxy).all(axis=1)] if len(pi) else empty
            if len(pb):
                ball_seen += 1
                ball_errs.append(float(np.hypot(objs["x"][tb[0]] - tracks["x"][pb[0]],
                                                objs["y"][tb[0]] - tracks["y"][pb[0]])))
    if main:
        m = _mot(pitch_frames)
        out.update(hota_pitch=m["hota"], idf1_pitch=m["idf1"], mota_pitch=m["mota"], id_switches=m["id_switches"])
        out["person_minutes"] = person_frames / fps / 60.0
        out["id_switches_per_person_min"] = m["id_switches"] / out["person_minutes"] if person_frames else None
    if errs:
        out["pos_err_median_m"] = float(np.median(errs))
        out["pos_err_p95_m"] = float(np.percentile(errs, 95))
    if ball_frames:
        out["ball_seen_share"] = ball_seen / ball_frames
        out["ball_err_median_m"] = float(np.median(ball_errs)) if ball_errs else None
    if team_pairs:
        same = float(np.mean([t == p for t, p in team_pairs]))
        out["team_accuracy"] = max(same, 1.0 - same)
        out["team_labels_swapped"] = same < 0.5
    return out


def pitch_grid(step: float = GRID_STEP_M) -> np.ndarray:
    """Pitch points every ``step`` metres over the whole 105 x 68 m pitch."""
    xs = np.arange(-52.5, 52.5 + 1e-9, step)
    ys = np.arange(-34.0, 34.0 + 1e-9, step)
    gx, gy = np.meshgrid(xs, ys)
    return np.c_[gx.ravel(), gy.ravel()]


def calibration_error(H_true: np.ndarray, H_est: np.ndarray, size: tuple[int, int],
                      grid: np.ndarray | None = None) -> float | None:
    """Mean distance (m) between grid points in view and their back-projection through the estimate."""
    g = pitch_grid() if grid is None else grid
    g = g[_in_view(H_true, g, size)]
    if len(g) == 0:
        return None
    px = np.c_[g, np.ones(len(g))] @ H_true.T
    try:
        back = px @ np.linalg.inv(H_est).T
    except np.linalg.LinAlgError:
        return CALIB_CAP_M
    with np.errstate(divide="ignore", invalid="ignore"):
        xy = back[:, :2] / back[:, 2:3]
    d = np.linalg.norm(xy - g, axis=1)
    d = np.where(np.isfinite(d) & (back[:, 2] * px[:, 2] > 0), np.minimum(d, CALIB_CAP_M), CALIB_CAP_M)
    return float(d.mean())


def _frame_scores(sframes: _Rows, frames: list[int], main: list[int], shot_of: dict, H_true: dict,
                  size: tuple[int, int]) -> dict:
    out: dict = {}
    idx = {int(f): i for i, f in enumerate(sframes["frame"])}
    hs = sframes["homography"]
    usable = sframes["usable"]
    shots = sframes["shot"]
    errs, n_usable = [], 0
    for f in main:
        i = idx.get(f)
        if i is None or hs[i] is None:
            continue
        H = np.asarray(hs[i], float).reshape(3, 3)
        if usable[i] is not False:
            n_usable += 1
            e = calibration_error(H_true[f], H, size)
            if e is not None:
                errs.append(e)
    if main and any(h is not None for h in hs):
        out["usable_homography_share"] = n_usable / len(main)
    if errs:
        out["calib_err_median_m"] = float(np.median(errs))
        out["calib_err_p95_m"] = float(np.percentile(errs, 95))
    known = [f for f in frames if f in idx and shots[idx[f]] not in (None, "unknown")]
    if known:
        out["shot_accuracy"] = float(np.mean([shots[idx[f]] == shot_of[f] for f in frames if f in idx]))
    return out
