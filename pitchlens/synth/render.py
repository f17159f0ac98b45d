"""Render synthetic broadcast clips (H.264 + truth Parquet) and training frames with exact ground truth.

Pixel convention: pixel centres at integer coordinates (OpenCV's); a truth homography maps pitch metres
``(x, y, 1)`` to those pixel coordinates. Visible boxes are tight boxes of the drawn pixels of each object
(``x2``/``y2`` exclusive: one past the last drawn column/row).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
from scipy import ndimage

from cv.camera import Camera
from pitchlens.schema import TRUTH_FRAMES, TRUTH_OBJECTS, conform, write_parquet
from pitchlens.synth.ball import ball_shadow, draw_ball
from pitchlens.synth.director import FramePlan, plan_frames
from pitchlens.synth.effects import Effects
from pitchlens.synth.geometry import NEAR, prepare, to_cam
from pitchlens.synth.motion import Motion
from pitchlens.synth.overlay import Broadcast
from pitchlens.synth.people import draw_person, sample_extras, sample_kits, sample_looks, shadow_polygons
from pitchlens.synth.scene import Stadium, Style, _hsv_to_bgr, darken

STRIDE_M = 2.1  # metres per gait cycle at running pace


def _rngs(seed: int, n: int) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(n)]


def make_motion(kind: str, seed: int, n_frames: int, fps: float, data_dir: Path | str | None = None) -> Motion:
    """``sim``: the match simulator; ``real``: real tracking data from ``data_dir`` (default ``../shared/data``)."""
    if kind == "sim":
        from pitchlens.synth.motion_sim import simulate

        return simulate(seed, n_frames, fps)
    if kind == "real":
        from pitchlens.synth.motion_real import load_real

        return load_real(seed, n_frames, fps, data_dir)
    raise ValueError(f"motion must be 'sim' or 'real', not {kind!r}")


class ClipRenderer:
    """Everything needed to render one clip, built from a seed; ``frame(i)`` renders output frame ``i``."""

    def __init__(self, seed: int, n_frames: int, size: tuple[int, int] = (1280, 720), fps: float = 25.0,
                 motion: str | Motion = "sim", cutaways: bool | None = None, k1: float = 0.0,
                 jpeg_quality: int | None = None, data_dir: Path | str | None = None) -> None:
        w, h = size
        if w % 2 or h % 2 or w < 64 or h < 36:
            raise ValueError(f"size must be even and at least 64x36, not {w}x{h}")
        r = _rngs(seed, 8)
        self.seed, self.size, self.fps = int(seed), (int(w), int(h)), float(fps)
        self.motion = motion if isinstance(motion, Motion) else make_motion(motion, seed, n_frames, fps, data_dir)
        self.n_frames = min(n_frames, self.motion.n_frames)
        if cutaways is None:
            cutaways = bool(r[0].random() < 0.35)
        self.cutaways = bool(cutaways)
        self.style = s = Style.sample(r[1])
        grass = _hsv_to_bgr(*s.grass_hsv)
        self.kits = sample_kits(r[2], grass)
        self.looks = sample_looks(r[2], self.motion.role, self.motion.team, self.kits)
        colors = (np.array(self.kits["home"].shirt), np.array(self.kits["away"].shirt))
        self.stadium = Stadium(r[3], s, team_colors=colors, detail=float(np.clip(w / 1280, 0.4, 1.0)))
        self.plans, self.main = plan_frames(r[4], self.motion, self.n_frames, self.size, self.cutaways)
        self.broadcast = Broadcast.sample(r[5], self.kits["home"].shirt, self.kits["away"].shirt)
        self.effects = Effects(r[6], self.size, s.blur_sigma, s.noise_sigma, s.motion_blur, jpeg_quality, k1)
        self.k1 = float(k1)
        self.ball_color = tuple(int(v) for v in r[7].choice([[235, 235, 235], [120, 235, 245], [230, 230, 210]]))
        # gait phase from the distance each person has run
        step = np.linalg.norm(np.nan_to_num(np.diff(self.motion.xy, axis=0)), axis=2)
        dist = np.vstack([np.zeros((1, step.shape[1])), np.cumsum(step, axis=0)])
        self.phase = 2 * np.pi * dist / STRIDE_M + r[7].uniform(0, 2 * np.pi, step.shape[1])
        self.vel = self.motion.velocity
        if s.night:
            self.lights = [(a, 0.95, 0.1) for a in (0.6, 2.5, -0.6, -2.5)]
        else:
            self.lights = [(s.sun_azimuth, s.sun_elevation, 0.42)]
        self.match_id = f"synth-{seed}"
        st = self.stadium
        self.extras_xy, self.extras = sample_extras(r[7], st.far_y, st.end_x, st.pitch.half_length,
                                                    st.pitch.half_width)

    # --- one frame ---------------------------------------------------------------------------------------------

    def frame(self, i: int) -> tuple[np.ndarray, dict, list[dict]]:
        """Render output frame ``i``: the BGR image, its frame truth row and its object truth rows."""
        plan: FramePlan = self.plans[i]
        t = i / self.fps
        w, h = self.size
        row = {"match_id": self.match_id, "frame": i, "t": t, "shot": plan.shot, "homography": None}
        if plan.camera is None:
            img = self.broadcast.card(self.size, t, self.seed)
            return self.effects.finish(img, i), row, []
        if plan.shot == "main":
            row["homography"] = [float(v) for v in plan.camera.homography.ravel()]
        cam = prepare(plan.camera)
        mi = plan.motion_index
        img = np.empty((h, w, 3), np.uint8)
        ids = np.zeros((h, w), np.uint8)
        st = self.stadium
        st.draw_background(img, cam)
        st.draw_markings(img, cam)
        xy = self.motion.xy[mi]
        ball = self.motion.ball[mi]
        present = np.isfinite(xy).all(axis=1)
        self._shadows(img, cam, xy, present, ball)
        # back to front
        items = []
        for k in np.flatnonzero(present):
            items.append((float(to_cam(cam, np.array([[xy[k, 0], xy[k, 1], 0.9]]))[0, 2]), k))
        n = len(self.looks)
        if np.isfinite(ball).all():
            items.append((float(to_cam(cam, ball[None])[0, 2]), n))
        for e, exy in enumerate(self.extras_xy):  # people around the pitch: drawn, not in the truth
            items.append((float(to_cam(cam, np.array([[exy[0], exy[1], 0.9]]))[0, 2]), -1 - e))
        goals = {}
        for sgn in (-1.0, 1.0):  # each goal at the depth of the middle of its net
            d = float(to_cam(cam, np.array([[sgn * (st.pitch.half_length + 1.0), 0.0, 1.2]]))[0, 2])
            goals[10_000 + int(sgn)] = sgn
            items.append((d, 10_000 + int(sgn)))
        items.sort(key=lambda d: -d[0])
        drawn = np.zeros(n + 1, np.int64)
        number_px = np.full(n, np.nan)
        light = float(np.sign(np.cos(self.style.sun_azimuth - cam.pan))) * (0.0 if self.style.night else 1.0)
        for depth, k in items:
            if k in goals:
                st.draw_goals(img, cam, (goals[k],))
                continue
            if depth <= NEAR:
                continue
            if k < 0:
                e = -1 - k
                draw_person(img, ids, 0, cam, self.extras[e], self.extras_xy[e], np.zeros(2), 0.0, None, light,
                            self.style.exposure)
            elif k == n:
                drawn[k] = draw_ball(img, ids, k + 1, cam, ball, self.ball_color, self._ball_trail(mi))
            else:
                num: list[float] = []
                drawn[k] = draw_person(img, ids, k + 1, cam, self.looks[k], xy[k], self.vel[mi, k],
                                       float(self.phase[mi, k]), self.motion.jersey[k], light, self.style.exposure,
                                       num)
                if num:
                    number_px[k] = num[0]
        st.draw_foreground(img, cam, ids)
        img = self.effects.camera_blur(img, plan.blur_px)
        img, ids = self.effects.distort(img, ids)
        self.broadcast.score_bug(img, t, ids, replay=plan.kind == "replay")
        if plan.wipe is not None:
            self.broadcast.wipe(img, plan.wipe, ids)
        img = self.effects.finish(img, i)
        return img, row, self._object_rows(i, t, mi, ids, drawn, present, ball, number_px)

    def _ball_trail(self, mi: int) -> np.ndarray | None:
        """Where the ball was when the shutter opened (half a frame times the clip's shutter factor earlier)."""
        b = self.motion.ball
        if len(b) < 2:
            return None
        j = mi - 1 if mi > 0 else 1
        step = (b[mi] - b[j]) * (1 if mi > 0 else -1)
        return b[mi] - step * 0.5 * self.style.motion_blur

    def _shadows(self, img: np.ndarray, cam: Camera, xy: np.ndarray, present: np.ndarray, ball: np.ndarray) -> None:
        h, w = img.shape[:2]
        polys: list[tuple[np.ndarray, float]] = []
        for k in np.flatnonzero(present):
            polys += shadow_polygons(cam, xy[k], self.looks[k].height, self.lights)
        if np.isfinite(ball).all():
            bs = ball_shadow(cam, ball)
            if bs is not None:
                polys.append(bs)
        if not polys:
            return
        mask = np.zeros((h, w), np.uint8)
        for p, s in polys:
            if np.abs(p).max() > 1e5:
                continue
            cv2.fillPoly(mask, [np.round(p * 16).astype(np.int32)], int(255 * s), cv2.LINE_AA, 4)
        darken(img, mask)

    def _object_rows(self, i: int, t: float, mi: int, ids: np.ndarray, drawn: np.ndarray, present: np.ndarray,
                     ball: np.ndarray, number_px: np.ndarray) -> list[dict]:
        n = len(self.looks)
        counts = np.bincount(ids.ravel(), minlength=n + 2)
        slices = ndimage.find_objects(ids, max_label=n + 1)
        m = self.motion
        rows = []
        for k in range(n + 1):
            if k < n and not present[k]:
                continue
            if k == n and not np.isfinite(ball).all():
                continue
            vis = int(counts[k + 1])
            sl = slices[k] if k < len(slices) else None
            row = {"match_id": self.match_id, "frame": i, "t": t}
            if k == n:
                row.update(object_id=int(m.ball_id), role="ball", team=None, jersey=None, x=float(ball[0]),
                           y=float(ball[1]), z=float(ball[2]))
            else:
                row.update(object_id=int(m.object_id[k]), role=m.role[k], team=m.team[k], jersey=m.jersey[k],
                           x=float(m.xy[mi, k, 0]), y=float(m.xy[mi, k, 1]), z=None,
                           number_px=float(number_px[k]) if np.isfinite(number_px[k]) else None)
            if vis > 0 and sl is not None:
                ys, xs = sl
                row.update(x1=float(xs.start), y1=float(ys.start), x2=float(xs.stop), y2=float(ys.stop), visible=True)
            else:
                row.update(x1=None, y1=None, x2=None, y2=None, visible=False)
            row["occluded"] = float(np.clip(1 - vis / drawn[k], 0, 1)) if drawn[k] > 0 else None
            rows.append(row)
        return rows

    def meta(self) -> dict:
        """What the clip was made from: seed, sizes, style, main camera, and every frame's camera."""
        cams = []
        for i, p in enumerate(self.plans):
            c = p.camera
            cams.append({"frame": i, "kind": p.kind, "motion_index": p.motion_index} |
                        ({} if c is None else {"position": list(c.position), "pan": c.pan, "tilt": c.tilt,
                                               "roll": c.roll, "focal": c.focal,
                                               "homography": c.homography.ravel().tolist()}))
        return {
            "seed": self.seed, "fps": self.fps, "width": self.size[0], "height": self.size[1],
            "frames": self.n_frames, "seconds": self.n_frames / self.fps, "motion": self.motion.source,
            "cutaways": self.cutaways, "match_id": self.match_id, "k1": self.k1,
            "conventions": {
                "homography": "pitch metres (x, y, 1) -> pixels (u, v, 1), 9 floats row-major; pixel centres at "
                              "integer coordinates; null off the main camera",
                "bbox": "tight box of the drawn pixels, x2/y2 exclusive; null when not visible",
                "occluded": "share of the object's drawn in-image pixels hidden by nearer objects, boards or "
                            "graphics; null when the object is outside the image",
                "z": "ball centre height in metres (0.11 on the ground); null for people",
                "number_px": "height in pixels of the shirt number as drawn on the back (before blur, graphics and "
                             "occlusion); null where no number is drawn (the person faces the camera, or it would "
                             "be under 6 px)",
                "objects": "no object rows on graphics-card frames; replay rows hold the replayed positions; "
                           "people around the pitch (extras_xy) are drawn but are not objects",
            },
            "style": asdict(self.style), "main_camera": asdict(self.main),
            "kits": {k: asdict(v) for k, v in self.kits.items()},
            "extras_xy": self.extras_xy.tolist(),  # stewards, photographers, ball kids: drawn, not objects
            "cameras": cams,
        }


# --- clips --------------------------------------------------------------------------------------------------------


@functools.cache
def _x264_cpu_options() -> dict[str, str]:
    """x264's AVX-512 code encodes the same frames to different bytes from run to run (seen with PyAV 18's x264);
    on a CPU that has AVX-512, x264 is held to AVX2 so that a clip renders to the same file every time."""
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return {}
    return {"x264-params": "asm=AVX2"} if {"avx2", "avx512f"} <= flags else {}


class VideoWriter:
    """H.264 (yuv420p) writer on PyAV."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float, crf: int = 23) -> None:
        import av

        self._frame = av.VideoFrame  # PyAV is imported where video is written only
        self.container = av.open(str(path), mode="w", format="mp4")
        rate = Fraction(fps).limit_denominator(1001)
        self.stream = self.container.add_stream("libx264", rate=rate)
        self.stream.width, self.stream.height = size
        self.stream.pix_fmt = "yuv420p"
        self.stream.options = {"crf": str(int(crf)), "preset": "veryfast", **_x264_cpu_options()}

    def write(self, img_bgr: np.ndarray) -> None:
        frame = self._frame.from_ndarray(img_bgr, format="bgr24")
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()


_WORKER: dict = {}


def default_workers() -> int:
    """Rendering processes to use by default: one per core, at most 8."""
    return max(1, min(8, os.cpu_count() or 1))


def _init_worker(kwargs: dict) -> None:
    """Build this worker process's own renderer (same seed, same frames)."""
    cv2.setNumThreads(1)
    _WORKER["r"] = ClipRenderer(**kwargs)


def _render_one(i: int) -> tuple[np.ndarray, dict, list[dict]]:
    return _WORKER["r"].frame(i)


def render_clip(out_dir: Path | str, seconds: float = 10.0, seed: int = 0, size: tuple[int, int] = (1280, 720),
                fps: float = 25.0, motion: str = "sim", cutaways: bool | None = None,
                data_dir: Path | str | None = None, crf: int | None = None,
                progress: Callable[[int, int], None] | None = None, workers: int = 1) -> Path:
    """Render a clip to ``out_dir/clip.mp4`` with truth in ``out_dir/truth/`` (frames, objects, meta.json).

    ``cutaways=None`` lets the seed decide (about a third of clips have them); ``progress(done, total)`` is
    called after each frame. ``workers`` > 1 renders frames in that many processes (each frame depends only on the
    seed and its index, so the files are the same as with one) while this process encodes. Returns ``out_dir``.
    """
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    n = max(1, int(round(seconds * fps)))
    spec = {"seed": seed, "n_frames": n, "size": size, "fps": fps, "motion": motion, "cutaways": cutaways,
            "data_dir": data_dir}
    r = ClipRenderer(**spec)
    frames: list[dict] = []
    objects: list[dict] = []
    tmp = out / "clip.mp4.part"
    writer = VideoWriter(tmp, r.size, fps, crf if crf is not None else r.style.crf)
    pool = None
    try:
        if workers > 1 and r.n_frames > 1:
            from multiprocessing import get_context

            pool = get_context("spawn").Pool(workers, _init_worker, (spec,))
            rendered = pool.imap(_render_one, range(r.n_frames), chunksize=4)
        else:
            rendered = (r.frame(i) for i in range(r.n_frames))
        for i, (img, frow, orows) in enumerate(rendered):
            writer.write(img)
            frames.append(frow)
            objects.extend(orows)
            if progress is not None:
                progress(i + 1, r.n_frames)
    finally:
        if pool is not None:
            pool.terminate()
        writer.close()
    tmp.replace(out / "clip.mp4")
    write_truth(out / "truth", frames, objects, r.meta())
    return out


def _columns(rows: list[dict], names: list[str]) -> dict:
    return {k: [r.get(k) for r in rows] for k in names}


def write_truth(truth_dir: Path, frames: list[dict], objects: list[dict], meta: dict) -> None:
    """Write the truth tables (conformed to the project's schemas) and meta.json."""
    truth_dir.mkdir(parents=True, exist_ok=True)
    write_parquet(conform(_columns(frames, TRUTH_FRAMES.names), TRUTH_FRAMES), truth_dir / "frames.parquet")
    write_parquet(conform(_columns(objects, TRUTH_OBJECTS.names), TRUTH_OBJECTS), truth_dir / "objects.parquet")
    (truth_dir / "meta.json").write_text(json.dumps(meta, indent=1, default=_json_default))


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(type(o))


# --- training frames ----------------------------------------------------------------------------------------------


def render_frames(seed: int, n: int, size: tuple[int, int] = (640, 384), fps: float = 25.0, motion: str = "sim",
                  cutaways: bool | None = False, scene_frames: int = 40, stride: int = 5,
                  randomize: bool = True) -> Iterator[tuple[np.ndarray, dict]]:
    """Yield ``n`` rendered frames with their truth, for training: ``(image_bgr, {"frame": row, "objects": rows})``.

    Every ``scene_frames`` frames a new scene is drawn (new kits, light, grass, camera, motion), taking every
    ``stride``-th frame of it. With ``randomize`` each scene also gets small lens distortion and JPEG artefacts.
    """
    done, k = 0, 0
    while done < n:
        sub = int(np.random.SeedSequence([int(seed), k]).generate_state(1)[0])
        rng = np.random.default_rng(sub)
        k1 = float(rng.uniform(-0.08, 0.08)) if randomize and rng.random() < 0.5 else 0.0
        jpeg = int(rng.integers(35, 90)) if randomize and rng.random() < 0.5 else None
        r = ClipRenderer(sub, scene_frames * stride, size, fps, motion, cutaways, k1=k1, jpeg_quality=jpeg)
        for i in range(0, r.n_frames, stride):
            img, frow, orows = r.frame(i)
            # k1: radial distortion applied to the image (normalised by the image width); with k1 != 0 the
            # homography is the undistorted camera's and the boxes are measured on the distorted image
            frow = frow | {"scene_seed": sub, "k1": k1, "jpeg_quality": jpeg}
            yield img, {"frame": frow, "objects": orows}
            done += 1
            if done >= n:
                return
        k += 1
