"""Calibration accuracy, shot types and cost on rendered clips with exact truth; overlay on the real frame.

    OMP_NUM_THREADS=1 python bench/calib_accuracy.py [--clip-dir DIR ...] [--seeds 9002 9003 9004]
        [--seconds 10] [--seeded] [--out bench/RESULTS_calibration.md]

The real frame alone: ``--seeds --out OUT.md`` (no clips).

Mode ``nothing`` (always): the line calibrator finds the camera on its own at the start and after every cut.
Mode ``seeded`` (``--seeded``): at each (re-)initialisation it is handed the truth homography moved 1-2 m, as a
keypoint model would give. Person boxes come from the truth. Cost: wall and CPU time of ``update`` per frame on
one thread (decoding excluded); the first search of a process also loads or builds the pose bank (reported apart).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cv.calibration import CalibrationConfig, build_calibrator  # noqa: E402
from cv.calibration.lines import line_evidence, model_points  # noqa: E402
from cv.camera import apply_homography  # noqa: E402
from cv.video import VideoReader  # noqa: E402
from pitchlens.synth.render import render_clip  # noqa: E402
from tests.cv.calib_render import error_m  # noqa: E402

NUDGE = np.array([[1.0, 0.0, 1.5], [0.0, 1.0, -1.0], [0.0, 0.0, 1.0]])  # 1.5 m / 1 m off


def detector_boxes(store: Path, clip: Path) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Person boxes per frame from a pipeline run's ``detections`` table (match ``bench-SEED`` of clip-SEED-...)."""
    from pitchlens.store import Store

    seed = clip.name.split("-")[1]
    d = Store(store).read("detections", f"bench-{seed}").to_pandas()
    d = d[d.cls != "ball"]
    return {int(f): (g[["x1", "y1", "x2", "y2"]].to_numpy(float), g["conf"].to_numpy(float))
            for f, g in d.groupby("frame")}


def run_clip(clip: Path, mode: str, refine_every: int, log: list | None = None, store: Path | None = None,
             fit_every: int | None = None) -> dict:
    frames = pq.read_table(clip / "truth" / "frames.parquet").to_pylist()
    objs = pq.read_table(clip / "truth" / "objects.parquet").to_pandas()
    by_frame = {f: g for f, g in objs.groupby("frame")}
    det = None if store is None else detector_boxes(store, clip)
    cfg = CalibrationConfig(refine_every=refine_every)
    if fit_every is not None:
        cfg.fit_every = fit_every
    cal = build_calibrator(cfg)
    cal_err, foot_err, shots_ok, main_n, usable_n, cost, cpu = [], [], 0, 0, 0, 0.0, 0.0
    bad_usable = 0
    results: dict = {}
    h = w = 0
    for i, t, img in VideoReader(clip / "clip.mp4"):
        tr = frames[i]
        Ht = None if tr["homography"] is None else np.array(tr["homography"]).reshape(3, 3)
        g = by_frame.get(i)
        boxes = conf = None
        if g is not None:
            v = g[g.visible & (g.role != "ball")]
            boxes = v[["x1", "y1", "x2", "y2"]].to_numpy(float)
        if det is not None:
            boxes, conf = det.get(i, (None, None))
        hint = Ht @ NUDGE if (mode == "seeded" and Ht is not None) else None
        t0, c0 = time.perf_counter(), time.process_time()
        results[i] = cal.update(img, frame=i, t=t, boxes=boxes, hint_H=hint, confidences=conf)
        for r in cal.revisions():  # earlier frames the camera found now was carried back to
            results[r.frame] = r
        cost += time.perf_counter() - t0
        cpu += time.process_time() - c0
        h, w = img.shape[:2]
    for i, res in sorted(results.items()):
        tr = frames[i]
        Ht = None if tr["homography"] is None else np.array(tr["homography"]).reshape(3, 3)
        g = by_frame.get(i)
        shots_ok += res.shot == tr["shot"]
        if log is not None and not (tr["shot"] == "main" and res.usable and res.H is not None):
            log.append((clip.name, i, tr["shot"], res.shot, res.method + ("" if res.usable else "-unusable"), np.nan))
        if tr["shot"] != "main":
            continue
        main_n += 1
        if not (res.usable and res.H is not None):
            continue
        usable_n += 1
        e = error_m(Ht, res.H, w, h, step=2.0)
        cal_err.append(e)
        bad_usable += bool(len(e) and np.median(e) > 1.0)
        if log is not None:
            log.append((clip.name, i, tr["shot"], res.shot, res.method, float(np.median(e)) if len(e) else np.nan))
        if g is not None:
            p = g[(g.role != "ball") & g.visible][["x", "y"]].to_numpy(float)
            if len(p):
                uv = apply_homography(Ht, p)
                back = apply_homography(np.linalg.inv(res.H), uv)
                foot_err.append(np.linalg.norm(back - p, axis=1))
    n = len(frames)
    ce = np.concatenate(cal_err) if cal_err else np.array([np.nan])
    fe = np.concatenate(foot_err) if foot_err else np.array([np.nan])
    return dict(frames=n, main=main_n, usable=usable_n, shots_ok=shots_ok, cal_med=float(np.median(ce)),
                cal_p95=float(np.percentile(ce, 95)), foot_med=float(np.median(fe)), ms=1000 * cost / max(n, 1),
                cpu_ms=1000 * cpu / max(n, 1), bad_usable=bad_usable, ce=ce, fe=fe)


def real_overlay(out_png: Path, starts: int = 6) -> str:
    """Calibrate the real frame; then the final camera fit (position, pan, tilt, roll, focal, k1) from the best
    poses of the search from nothing, drawn on the frame; distances of the model to the painted lines, both ways."""
    from cv.calibration import dictionary
    from cv.calibration.camera_fit import camera_from_homography, camera_from_pose, fit_best, line_distances

    src = ROOT.parent / "shared" / "data" / "frames" / "broadcast_sample.png"
    if not src.exists():
        return "real frame not present"
    img = cv2.imread(str(src))
    cal = build_calibrator(CalibrationConfig())
    t0 = time.perf_counter()
    res = cal.update(img, frame=0, t=0.0)
    dt = time.perf_counter() - t0
    li = cal.last_init
    ws = cal.cfg.work_width
    hs = int(round(img.shape[0] * ws / img.shape[1]))
    small = cv2.resize(img, (ws, hs), interpolation=cv2.INTER_AREA)
    ev = line_evidence(small)
    up = img.shape[1] / ws

    def dist_txt(d: dict) -> str:
        return (f"model->lines median {d['model_median'] * up:.1f} / p90 {d['model_p90'] * up:.1f} px, "
                f"{d['model_within_2px']:.0%} within 2 working px; lines->model median {d['evidence_median'] * up:.1f}"
                f" / p90 {d['evidence_p90'] * up:.1f} px")

    before = ""
    if li is not None:
        c0 = camera_from_homography(li.refined.H, ws, hs)
        a = li.agreement
        before = (f"search from nothing: best candidate {'accepted' if res.usable else 'REJECTED'} (precision "
                  f"{a.precision:.2f}, recall {a.recall:.2f}, camera gap {li.camera_gap:.0f} px)"
                  + ("" if c0 is None else "; as a camera: " + dist_txt(line_distances(c0, ev.lines, ev.field))))
    if li is not None and li.poses:
        # what the tracker tries after a rejected search: the camera without distortion from its best poses
        from cv.calibration.init import refit
        from cv.calibration.tracker import FIT_NFEV, FIT_STARTS

        t2 = time.perf_counter()
        fr = refit(li, ev, starts=FIT_STARTS, max_nfev=FIT_NFEV)
        dt_re = time.perf_counter() - t2
        if fr is not None:
            a, c1 = fr.agreement, camera_from_homography(fr.refined.H, ws, hs)
            before += (f"; tracker's full camera fit without k1 ({dt_re:.1f} s): "
                       f"{'accepted' if cal._accept(fr, up) else 'REJECTED'} (precision {a.precision:.2f}, recall "
                       f"{a.recall:.2f}, F1 {a.f1:.2f}, camera gap {fr.camera_gap:.0f} px, "
                       f"{fr.refined.inliers} inliers)"
                       + ("" if c1 is None else ", " + dist_txt(line_distances(c1, ev.lines, ev.field))))
    cands = dictionary.search(ev.lines, k=starts)
    fw, fh = dictionary.FINE_W, max(8, int(round(dictionary.FINE_W * hs / ws)))
    q = dictionary.query_features(ev.lines, fw, fh, sigma=dictionary.FINE_SIGMA)
    t1 = time.perf_counter()
    cams = [camera_from_pose(dictionary.local_search(c.params, q, fw, fh)[0], ws, hs) for c in cands]
    fit = fit_best(cams, ev.lines, ev.field, ev.players)
    dt_fit = time.perf_counter() - t1
    if fit is None:
        cv2.imwrite(str(out_png), img)
        return before + "; camera fit: none"
    cam = fit.camera
    d = line_distances(cam, ev.lines, ev.field, ev.players)
    full = cam.with_(focal=cam.focal * up, width=img.shape[1], height=img.shape[0])
    out = img.copy()
    uv, _ = full.ground_to_image(model_points(spacing=0.05)[:, :2])
    ok = np.isfinite(uv).all(axis=1) & (uv[:, 0] >= 0) & (uv[:, 0] < img.shape[1] - 0.5)
    ok &= (uv[:, 1] >= 0) & (uv[:, 1] < img.shape[0] - 0.5)
    for u, v in np.round(uv[ok]).astype(int):
        cv2.circle(out, (int(u), int(v)), 1, (255, 0, 255), -1, cv2.LINE_AA)
    lab = (f"camera fit: model->lines median {d['model_median'] * up:.1f}px p90 {d['model_p90'] * up:.0f}px, "
           f"k1 {cam.k1:+.3f}")
    cv2.putText(out, lab, (10, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 4, cv2.LINE_AA)
    cv2.putText(out, lab, (10, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2, cv2.LINE_AA)
    cv2.imwrite(str(out_png), out)
    x, y, z = cam.position
    return (f"shot={res.shot} usable={res.usable} ({dt:.2f} s). {before}. Final camera fit from the {len(cams)} best "
            f"poses ({dt_fit:.1f} s): camera at ({x:.1f}, {y:.1f}, {z:.1f}) m, pan {np.degrees(cam.pan):.1f}, tilt "
            f"{np.degrees(cam.tilt):.1f}, roll {np.degrees(cam.roll):.1f} deg, focal {cam.focal * up:.0f} px, "
            f"k1 {cam.k1:+.3f}; " + dist_txt(d) + " (measured on the working-resolution evidence, scaled to frame px)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip-dir", type=Path, nargs="*", default=[], help="pre-rendered clips (pitchlens synth)")
    ap.add_argument("--seeds", type=int, nargs="*", default=[9002, 9003, 9004], help="clips to render otherwise")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--refine-every", type=int, default=None, help="default: the config's")
    ap.add_argument("--seeded", action="store_true", help="also run the seeded mode")
    ap.add_argument("--boxes-store", type=Path, default=None,
                    help="take the person boxes from this store's detections (match bench-SEED) instead of the truth")
    ap.add_argument("--fit-every", type=int, default=None,
                    help="frames between full camera fits after rejected searches (default: the config's; 0: never)")
    ap.add_argument("--skip-real", action="store_true", help="leave out the real frame (and its overlay)")
    ap.add_argument("--overlay", type=Path, default=ROOT / "bench" / "broadcast_sample_overlay.png",
                    help="where the real frame's overlay goes")
    ap.add_argument("--log", type=Path, default=None, help="per-frame CSV of shots and errors")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS_calibration.md")
    a = ap.parse_args()
    cv2.setNumThreads(1)
    re = a.refine_every or CalibrationConfig().refine_every
    modes = ("nothing", "seeded") if a.seeded else ("nothing",)
    # the pose bank is built (or loaded from the cache) once per process: timed apart from the per-frame cost
    from cv.calibration.dictionary import get_bank

    t0, c0 = time.perf_counter(), time.process_time()
    get_bank(64, 36)
    bank_s = (time.perf_counter() - t0, time.process_time() - c0)
    tot: dict[str, list[dict]] = {m: [] for m in modes}
    rows, log = [], []
    with tempfile.TemporaryDirectory() as tmp:
        clips = list(a.clip_dir) or [render_clip(Path(tmp) / f"c{s}", seconds=a.seconds, seed=s, size=(1280, 720),
                                                 cutaways=True) for s in a.seeds]
        for clip in clips:
            for mode in modes:
                r = run_clip(clip, mode, re, log, a.boxes_store, a.fit_every)
                tot[mode].append(r)
                share = r["usable"] / max(r["main"], 1)
                rows.append(f"| {clip.name} | {mode} | {r['frames']} | {r['main']} | {share:.1%} | {r['bad_usable']} "
                            f"| {r['shots_ok'] / r['frames']:.1%} | {r['cal_med']:.3f} / {r['cal_p95']:.3f} "
                            f"| {r['foot_med']:.3f} | {r['ms']:.1f} | {r['cpu_ms']:.1f} |")
                print(rows[-1], flush=True)
    for mode, rs in tot.items():
        if not rs:  # no clips (``--seeds`` with none): the real frame alone
            continue
        f = sum(r["frames"] for r in rs)
        m = sum(r["main"] for r in rs)
        ce = np.concatenate([r["ce"] for r in rs])
        fe = np.concatenate([r["fe"] for r in rs])
        rows.append(f"| **all** | {mode} | {f} | {m} | {sum(r['usable'] for r in rs) / max(m, 1):.1%} "
                    f"| {sum(r['bad_usable'] for r in rs)} | {sum(r['shots_ok'] for r in rs) / f:.1%} "
                    f"| {np.nanmedian(ce):.3f} / {np.nanpercentile(ce, 95):.3f} | {np.nanmedian(fe):.3f} "
                    f"| {sum(r['ms'] * r['frames'] for r in rs) / f:.1f} "
                    f"| {sum(r['cpu_ms'] * r['frames'] for r in rs) / f:.1f} |")
    if a.log:
        a.log.write_text("clip,frame,truth_shot,shot,method,err_med\n" + "".join(
            f"{c},{i},{ts},{s},{m},{e:.3f}\n" for c, i, ts, s, m, e in log))
    lines = ["# Calibration bench", "",
             f"Clips: {', '.join(c.name for c in clips)} "
             + ("(as rendered)" if a.clip_dir else f"({a.seconds:g} s, 1280x720, cut-aways on)") + "; one thread "
             f"(OMP_NUM_THREADS=1, cv2.setNumThreads(1)); refine_every={re}; "
             + ("truth person boxes" if a.boxes_store is None else f"detector boxes from {a.boxes_store}")
             + " as the player mask."
             f" Pose bank load/build: {bank_s[0]:.1f} s wall, {bank_s[1]:.1f} s CPU (once per process, not in "
             "ms/frame).",
             "",
             "| clip | mode | frames | main | usable share | usable but > 1 m off | shot acc "
             "| calib err med / p95 (m) | foot err med (m) | wall ms/frame | CPU ms/frame |",
             "|---|---|---|---|---|---|---|---|---|---|---|", *rows]
    if not a.skip_real:
        lines += ["", "Real frame `../shared/data/frames/broadcast_sample.png` (lines method, no hint): "
                  + real_overlay(a.overlay), ""]
    a.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
