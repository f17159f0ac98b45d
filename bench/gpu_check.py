"""One-call GPU check: the device-path tests on a CUDA GPU, then decode, detection and end-to-end speeds.

    python bench/gpu_check.py --out OUTDIR [--seconds 10] [--loop 12]

Renders a 1080p synthetic clip (all cores), loops it by remuxing (no re-encode), and measures on the first
CUDA GPU:

- the tests that run on every device (``tests/conftest.py: DEVICES``) with the GPU among them;
- decoding: PyAV on the CPU, PyAV on NVDEC into torch (one decoder, then several processes in parallel);
- detection at imgsz 1280: the network's forward alone (fp16), the project's batched GPU path
  (``BatchedYOLO``: letterbox, forward, NMS, boxes to ``sv.Detections``) and ultralytics' own ``predict``;
  for the demo model and for a yolov8m-sized network (untrained, class biases set so that it finds no boxes:
  the speed of a real yolov8m minus its NMS work on real boxes);
- NVDEC decoding and detection in one loop, one after the other and overlapped (decoder in a thread);
- the whole ``process_video`` job (demo model) with the device backend and with CPU decoding, with decoding and
  detection run ahead in a thread (``video.prefetch`` 2) and inline (0);
- the whole job on ``--pooled-seconds`` of video with the calibration inline and in a pool of processes
  (``job.calibration_workers``: all cores but one, up to 15; 10 s windows).

Every step writes its figures to ``OUTDIR/gpu.json`` as soon as it ends, so a run cut short keeps them.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS: dict = {}
OUTDIR = Path(".")
DEV = "cuda:0"
ONLY: list[str] = []


def _save() -> None:
    (OUTDIR / "gpu.json").write_text(json.dumps(RESULTS, indent=1, default=str))


def step(name: str):
    """Run the decorated function now, keeping its result (or its error) under ``name``."""

    def wrap(fn):
        if ONLY and name != "render" and not any(name.startswith(o) for o in ONLY):
            return fn
        t0 = time.perf_counter()
        try:
            RESULTS[name] = fn()
        except Exception as e:  # a failed step is a result too; the next steps still run
            RESULTS[name] = {"error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-2000:]}
        RESULTS.setdefault("_step_seconds", {})[name] = round(time.perf_counter() - t0, 2)
        print(f"== {name} ({time.perf_counter() - t0:.1f} s): {json.dumps(RESULTS[name], default=str)[:1500]}",
              flush=True)
        _save()
        return fn

    return wrap


def remux_loop(src: Path, times: int, dst: Path) -> Path:
    """Write ``src`` ``times`` times over into ``dst`` by copying its packets (no decoding, no encoding)."""
    import av

    with av.open(str(src)) as probe:
        st = probe.streams.video[0]
        packets = [p for p in probe.demux(st) if p.dts is not None]
        step_pts = int(round(1 / (float(st.average_rate) * st.time_base)))
        span = max(p.pts for p in packets) - min(p.pts for p in packets) + step_pts
    with av.open(str(dst), "w") as out:
        ost = None
        for k in range(times):
            with av.open(str(src)) as inp:
                ist = inp.streams.video[0]
                if ost is None:
                    ost = out.add_stream_from_template(ist)
                for p in inp.demux(ist):
                    if p.dts is None:
                        continue
                    p.pts += k * span
                    p.dts += k * span
                    p.stream = ost
                    out.mux(p)
    return dst


def _decode_child(video: str, device: str, barrier, results) -> None:
    import torch

    from cv.video_device import DeviceVideoReader

    r = DeviceVideoReader(video, device=device)
    barrier.wait()
    t0 = time.perf_counter()
    n = sum(len(b) for b in r.device_batches(16))
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    results.put((n, time.perf_counter() - t0, r.hardware))


def _coco_model(path: Path, yaml: str = "yolov8m.yaml") -> Path:
    """An untrained COCO-shaped YOLO saved as .pt whose class biases make it find nothing."""
    import torch
    from ultralytics import YOLO
    from ultralytics.nn.tasks import DetectionModel
    from ultralytics.utils import YAML
    from ultralytics.utils.checks import check_yaml

    names = YAML.load(check_yaml("coco.yaml"))["names"]
    model = YOLO(yaml)
    net = DetectionModel(yaml, nc=80, verbose=False)
    net.names = dict(names)
    head = net.model[-1]
    with torch.no_grad():
        for seq in head.cv3:
            seq[-1].bias.fill_(-12.0)
    model.model = net
    model.save(str(path))
    return path


def main() -> None:
    global OUTDIR, DEV, ONLY
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--loop", type=int, default=12)
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--skip-tests", action="store_true")
    ap.add_argument("--device", default=DEV, help="cpu for a dry run of the script itself")
    ap.add_argument("--only", nargs="*", default=[], help="run only the steps whose names start so")
    ap.add_argument("--job-seconds", type=float, default=30.0, help="seconds of the looped clip the job runs on")
    ap.add_argument("--pooled-seconds", type=float, default=120.0,
                    help="seconds of the looped clip the inline / pooled calibration jobs run on")
    args = ap.parse_args()
    OUTDIR = args.out
    ONLY = args.only
    OUTDIR.mkdir(parents=True, exist_ok=True)
    work = ROOT / ".gpu"
    work.mkdir(exist_ok=True)
    os.environ.setdefault("YOLO_OFFLINE", "1")

    import numpy as np
    import torch

    DEV = args.device

    gpu_run = DEV.startswith("cuda")
    sizes = (16, 32) if gpu_run else (2,)  # batch sizes (a dry run on the CPU stays short)
    nb = 32 if gpu_run else 2
    reps = 10 if gpu_run else 1

    def sync() -> None:
        if DEV.startswith("cuda"):
            torch.cuda.synchronize()

    @step("env")
    def _():
        import av
        import ultralytics
        from av.codec.hwaccel import hwdevices_available

        try:
            smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total,clocks.max.sm",
                                  "--format=csv,noheader"], capture_output=True, text=True).stdout.strip()
        except OSError:
            smi = None
        gpu = torch.cuda.get_device_name(0) if DEV.startswith("cuda") else None
        return {"torch": torch.__version__, "cuda": torch.version.cuda, "gpu": gpu,
                "nvidia_smi": smi, "av": av.__version__, "ffmpeg": av.library_versions.get("libavcodec"),
                "hwdevices": hwdevices_available(), "ultralytics": ultralytics.__version__,
                "cpus": os.cpu_count(), "python": sys.version.split()[0]}

    clip_dir = work / f"clip1080-{args.seconds:g}s"
    clip = clip_dir / "clip.mp4"
    looped = work / f"clip1080-x{args.loop}.mp4"

    @step("render")
    def _():
        from pitchlens.synth.render import render_clip

        t0 = time.perf_counter()
        if not clip.exists():
            render_clip(clip_dir, seconds=args.seconds, seed=9100, size=(1920, 1080),
                        workers=max(1, (os.cpu_count() or 2) - 2))
        t_render = time.perf_counter() - t0
        t0 = time.perf_counter()
        remux_loop(clip, args.loop, looped)
        return {"render_s": round(t_render, 1), "remux_s": round(time.perf_counter() - t0, 2),
                "clip_mb": round(clip.stat().st_size / 2**20, 1), "looped_mb": round(looped.stat().st_size / 2**20, 1),
                "mbit_per_s": round(clip.stat().st_size * 8 / 1e6 / args.seconds, 1)}

    if not args.skip_tests:
        @step("tests_on_gpu")
        def _():
            cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/cv/test_video_device.py",
                   "tests/cv/test_detect.py", "tests/cv/test_jersey.py", "tests/cv/test_reid.py",
                   "tests/pitchlens/test_job.py", "tests/pitchlens/test_prefetch.py", "-k",
                   "device or batched or letterbox or torchvision or ahead or producer or inline or lead or reader"
                   " or teammates"]
            p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)
            (OUTDIR / "tests.log").write_text(p.stdout + p.stderr)
            return {"rc": p.returncode, "tail": (p.stdout + p.stderr).strip().splitlines()[-12:]}

    from cv.video import VideoReader
    from cv.video_device import DeviceVideoReader

    @step("decode_cpu")
    def _():
        t0 = time.perf_counter()
        n = sum(len(b) for b in VideoReader(looped).batches(16))
        dt = time.perf_counter() - t0
        return {"frames": n, "fps": round(n / dt, 1)}

    @step("decode_nvdec")
    def _():
        r = DeviceVideoReader(looped, device=DEV)
        t0 = time.perf_counter()
        n = 0
        for b in r.device_batches(16):
            n += len(b)
        sync()
        dt = time.perf_counter() - t0
        return {"frames": n, "fps": round(n / dt, 1), "hardware": r.hardware,
                "note": "includes NV12->BGR on the GPU and batching"}

    @step("decode_nvdec_match_cpu")
    def _():
        cpu = np.stack([img for _, _, img in VideoReader(clip, end=1.0)])
        gpu = np.concatenate([b.numpy() for b in DeviceVideoReader(clip, device=DEV, end=1.0).device_batches(8)])
        d = np.abs(cpu.astype(int) - gpu.astype(int))
        return {"frames": len(gpu), "mean_abs_diff": round(float(d.mean()), 3), "p99": float(np.percentile(d, 99))}

    @step("decode_nvdec_parallel")
    def _():
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        barrier, results = ctx.Barrier(args.parallel), ctx.Queue()
        procs = [ctx.Process(target=_decode_child, args=(str(looped), DEV, barrier, results))
                 for _ in range(args.parallel)]
        for p in procs:
            p.start()
        got = [results.get(timeout=300) for _ in procs]
        for p in procs:
            p.join()
        frames = sum(g[0] for g in got)
        wall = max(g[1] for g in got)
        return {"decoders": args.parallel, "frames": frames, "fps_total": round(frames / wall, 1),
                "hardware": all(g[2] for g in got)}

    from cv.detect import Detector, DetectorSettings

    demo_w = str(ROOT / "weights" / "pitchlens-demo.pt")
    m_w = str(_coco_model(work / "yolov8m-untrained.pt"))
    models = {"demo": (demo_w, "demo"), "yolov8m": (m_w, "coco")}
    first = next(iter(DeviceVideoReader(clip, device=DEV).device_batches(nb)))
    frames_gpu = first.images  # 32 decoded frames on the device
    frames_host = first.numpy()

    def _time(fn, reps: int) -> float:
        fn()
        sync()
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        sync()
        return (time.perf_counter() - t0) / reps

    for key, (w, profile) in models.items():
        @step(f"detect_{key}")
        def _(w=w, profile=profile):
            det = Detector(w, profile, settings=DetectorSettings(imgsz=1280, device=DEV, backend="torch"))
            out = {"params_m": round(sum(p.numel() for p in det._fast.net.parameters()) / 1e6, 2)}
            net = det._fast.net
            for bs in sizes:
                x = torch.rand(bs, 3, 736, 1280, device=DEV)
                x = x.half() if det._fast.half else x
                with torch.inference_mode():
                    s = _time(lambda x=x: net(x), reps)
                out[f"forward_b{bs}_fps"] = round(bs / s, 1)
            out["fp16"] = det._fast.half
            s = _time(lambda: det(frames_gpu), reps)
            out[f"batched_device_frames_b{nb}_fps"] = round(len(frames_gpu) / s, 1)
            s = _time(lambda: det(frames_host), reps)
            out[f"batched_host_frames_b{nb}_fps"] = round(len(frames_host) / s, 1)
            out["boxes_per_frame"] = round(float(np.mean([len(d) for d in det(frames_gpu)])), 1)
            slow = Detector(w, profile, settings=DetectorSettings(imgsz=1280, device=DEV, backend="ultralytics"))
            s = _time(lambda: slow(list(frames_host)), max(1, reps // 2))
            out[f"ultralytics_predict_b{nb}_fps"] = round(len(frames_host) / s, 1)
            return out

        @step(f"detect_breakdown_{key}")
        def _(w=w, profile=profile):
            from ultralytics.utils.nms import non_max_suppression

            det = Detector(w, profile, settings=DetectorSettings(imgsz=1280, device=DEV, backend="torch"))
            fast, st = det._fast, det.settings

            def pre():
                x = frames_gpu.permute(0, 3, 1, 2).flip(1)
                x = (x.half() if fast.half else x.float()).div_(255)
                return fast.letterbox(x, 1280)[0]

            with torch.inference_mode():
                x = pre()
                preds = fast.net(x)
                p0 = preds[0] if isinstance(preds, (list, tuple)) else preds
                cand = (p0[:, 4:].amax(1) > st.conf).sum(1).float().mean().item()
                nms = lambda: non_max_suppression(preds, st.conf, st.iou, fast.classes,  # noqa: E731
                                                  max_det=st.max_det, end2end=fast.end2end)
                out = nms()
                ms = {"pre": _time(pre, reps), "forward": _time(lambda: fast.net(x), reps), "nms": _time(nms, reps),
                      "to_detections": _time(lambda: [det._from_tensor(o[:, :6]) for o in out], reps),
                      "whole_call": _time(lambda: det(frames_gpu), reps)}
            return {"batch": len(frames_gpu), "candidates_per_frame": round(cand, 1),
                    "ms_per_frame": {k: round(1000 * v / len(frames_gpu), 3) for k, v in ms.items()},
                    "torchvision_loaded": "torchvision" in sys.modules}

        @step(f"decode_detect_{key}")
        def _(w=w, profile=profile):
            det = Detector(w, profile, settings=DetectorSettings(imgsz=1280, device=DEV, backend="torch"))
            out = {}
            for bs in sizes:
                t0 = time.perf_counter()
                n = 0
                for b in DeviceVideoReader(looped, device=DEV).device_batches(bs):
                    det(b.images)
                    n += len(b)
                sync()
                out[f"sequential_b{bs}_fps"] = round(n / (time.perf_counter() - t0), 1)
            q: queue.Queue = queue.Queue(maxsize=4)

            def produce():
                for b in DeviceVideoReader(looped, device=DEV).device_batches(sizes[-1]):
                    q.put(b)
                q.put(None)

            t0 = time.perf_counter()
            th = threading.Thread(target=produce, daemon=True)
            th.start()
            n = 0
            while (b := q.get()) is not None:
                det(b.images)
                n += len(b)
            sync()
            out[f"overlapped_b{sizes[-1]}_fps"] = round(n / (time.perf_counter() - t0), 1)
            out["frames"] = n
            return out

    @step("numbers_read")
    def _():
        from cv.jersey import JerseyReader

        det = Detector(demo_w, "demo", settings=DetectorSettings(imgsz=1280, device=DEV, backend="torch"))
        boxes = [d.xyxy[d.class_id != 0] for d in det(frames_gpu)]  # every person box (class 0 is the ball)
        out = {"frames": len(frames_host), "boxes_per_frame": round(float(np.mean([len(b) for b in boxes])), 1)}
        for dev in dict.fromkeys((DEV, "cpu")):
            reader = JerseyReader(ROOT / "weights" / "pitchlens-jersey.pt", device=dev)
            s = _time(lambda r=reader: [r.read(img, b) for img, b in zip(frames_host, boxes)], max(1, reps // 2))
            out[f"{dev}_ms_per_frame"] = round(1000 * s / len(frames_host), 2)
        return out

    for backend, ahead in (("device", 2), ("auto", 2), ("device", 0), ("auto", 0)):
        @step(f"job_demo_{backend}_prefetch{ahead}")
        def _(backend=backend, ahead=ahead):
            from pitchlens.config import load_config
            from pitchlens.job import process_video

            cfg = load_config(overrides={"detector": {"profile": "demo", "device": DEV},
                                         "video": {"backend": backend, "prefetch": ahead}})
            t0 = time.perf_counter()
            res = process_video(looped, cfg, store=work / f"store-{backend}-{ahead}", match_id="gpu",
                                end=args.job_seconds)
            dt = time.perf_counter() - t0
            n = res.frames
            return {"frames": n, "fps": round(n / dt, 1), "tracks_rows": res.tracks,
                    "stage_ms_per_frame": {k: round(1000 * v / n, 2) for k, v in res.stage_seconds.items()}}

    workers = max(2, min(15, (os.cpu_count() or 2) - 1))
    for pooled in (0, workers):
        @step(f"job_demo_auto_calibration_workers{pooled}")
        def _(pooled=pooled):
            from pitchlens.config import load_config
            from pitchlens.job import process_video

            cfg = load_config(overrides={"detector": {"profile": "demo", "device": DEV},
                                         "job": {"calibration_workers": pooled, "calibration_window_s": 10.0}})
            t0 = time.perf_counter()
            res = process_video(looped, cfg, store=work / f"store-pooled-{pooled}", match_id="gpu",
                                end=args.pooled_seconds)
            dt = time.perf_counter() - t0
            n = res.frames
            return {"frames": n, "fps": round(n / dt, 1), "tracks_rows": res.tracks, "workers": pooled,
                    "stage_ms_per_frame": {k: round(1000 * v / n, 2) for k, v in res.stage_seconds.items()}}

    print("done", flush=True)


if __name__ == "__main__":
    main()
