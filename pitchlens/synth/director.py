"""The broadcast director: the main camera in the stand following play, and the cut-aways.

The main camera stands at a fixed point in the main stand (real heights and distances) and pans, tilts and
zooms smoothly after the ball with a lag. Cut-aways: a pitch-side close-up of the player on the ball, a slow
replay from a high camera behind the goal, and a full-screen graphics card.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cv.camera import Camera
from cv.pitch import DEFAULT_PITCH
from pitchlens.synth.motion import Motion

L, W = DEFAULT_PITCH.half_length, DEFAULT_PITCH.half_width


@dataclass
class FramePlan:
    """What one output frame shows: shot type, the camera (None for a graphics card) and the motion frame."""

    shot: str  # main / closeup / other (the truth's shot type)
    kind: str  # main / closeup / replay / graphics
    camera: Camera | None
    motion_index: int
    blur_px: float = 0.0  # horizontal camera-motion blur in pixels
    wipe: float | None = None  # replay wipe transition progress (0..1) on the first and last replay frames


def _damp(x: np.ndarray, fps: float, period_s: float, cuts: list[int] | None = None) -> np.ndarray:
    """Critically damped follow of a signal (T, ...) with natural period ``period_s``: smooth and lagging.

    At the frames in ``cuts`` the follower jumps to the signal (a hard cut).
    """
    w = 2 * np.pi / period_s
    dt = 1.0 / fps
    y = np.empty_like(x)
    pos, vel = x[0].astype(float), np.zeros_like(x[0], dtype=float)
    cut = set(cuts or [])
    for i in range(len(x)):
        if i in cut:
            pos, vel = x[i].astype(float), np.zeros_like(x[i], dtype=float)
        acc = w * w * (x[i] - pos) - 2 * w * vel
        vel = vel + acc * dt
        pos = pos + vel * dt
        y[i] = pos
    return y


def _fill_nan(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    ok = np.isfinite(a).all(axis=1)
    if not ok.any():
        return np.zeros_like(a)
    idx = np.arange(len(a))
    for k in range(a.shape[1]):
        a[:, k] = np.interp(idx, idx[ok], a[ok, k])
    return a


@dataclass
class MainCamera:
    """The main camera's fixed position and its following behaviour, drawn from a seed."""

    position: tuple[float, float, float]
    view_width: float  # metres of pitch across the image at the target, on average
    zoom_swing: float
    zoom_period: float
    follow_period: float
    y_follow: float
    roll: float
    lead_s: float

    @staticmethod
    def sample(rng: np.random.Generator) -> MainCamera:
        back = float(W + rng.uniform(18, 50))  # horizontal distance from the centre spot
        elev = float(np.radians(rng.uniform(11, 25)))  # elevation of the camera seen from the centre spot
        return MainCamera(
            position=(float(rng.uniform(-8, 8)), -back, float(back * np.tan(elev))),
            view_width=float(rng.uniform(17, 40) if rng.random() < 0.8 else rng.uniform(40, 65)),
            zoom_swing=float(rng.uniform(0.05, 0.3)),
            zoom_period=float(rng.uniform(6, 20)),
            follow_period=float(rng.uniform(1.2, 2.8)),
            y_follow=float(rng.uniform(0.35, 0.75)),
            roll=float(rng.normal(0, 0.004)),
            lead_s=float(rng.uniform(0.0, 0.6)),
        )

    def track(self, motion: Motion, size: tuple[int, int], rng: np.random.Generator) -> list[Camera]:
        """One camera per motion frame, following the ball."""
        fps = motion.fps
        ball = _fill_nan(motion.ball[:, :2])
        vel = np.gradient(ball, axis=0) * fps if len(ball) > 1 else np.zeros_like(ball)
        target = ball + vel * self.lead_s
        tgt = _damp(target, fps, self.follow_period, motion.cuts)
        t = np.arange(len(ball)) / fps
        phase = rng.uniform(0, 2 * np.pi)
        vw = self.view_width * (1 + self.zoom_swing * np.sin(2 * np.pi * t / self.zoom_period + phase))
        # zoom in a little when play is near a goal, out when it crosses midfield fast
        speed = np.linalg.norm(vel, axis=1)
        vw = vw * (1 + 0.15 * np.clip(speed / 15, 0, 1)) * (1 - 0.15 * np.clip((np.abs(ball[:, 0]) - 30) / 20, 0, 1))
        vw = _damp(vw[:, None], fps, self.follow_period * 1.5, motion.cuts)[:, 0]
        w, h = size
        cams = []
        base = Camera(position=self.position, roll=self.roll, width=w, height=h)
        for i in range(len(ball)):
            tx = float(np.clip(tgt[i, 0], -L + vw[i] * 0.3, L - vw[i] * 0.3))
            ty = float(np.clip(tgt[i, 1] * self.y_follow, -W * 0.6, W * 0.6))
            dist = float(np.linalg.norm(np.subtract(self.position, (tx, ty, 0.0))))
            focal = w * dist / vw[i]
            cams.append(base.with_(focal=focal).look_at((tx, ty, 0.0)))
        return cams


def plan_frames(rng: np.random.Generator, motion: Motion, n_frames: int, size: tuple[int, int],
                cutaways: bool, main: MainCamera | None = None) -> tuple[list[FramePlan], MainCamera]:
    """Plan every output frame: the main camera throughout, with cut-aways spliced in when asked."""
    main = main or MainCamera.sample(rng)
    fps = motion.fps
    cams = main.track(motion, size, rng)
    plans = [FramePlan("main", "main", cams[i], i) for i in range(n_frames)]
    if cutaways and n_frames >= 20:
        def seg(frac_at: float, frac_len: float, max_s: float) -> tuple[int, int]:
            ln = int(max(5, min(max_s * fps, n_frames * frac_len)))
            at = int(n_frames * frac_at + rng.uniform(-0.05, 0.05) * n_frames)
            at = int(np.clip(at, 1, max(1, n_frames - ln - 1)))
            return at, min(n_frames, at + ln)
        a0, a1 = seg(0.25, 0.10, 3.5)
        b0, b1 = seg(0.55, 0.16, 5.0)
        c0, c1 = seg(0.86, 0.07, 2.5)
        if b0 < a1:
            b0, b1 = a1 + 2, min(n_frames, a1 + 2 + (b1 - b0))
        if c0 < b1:
            c0, c1 = b1 + 2, min(n_frames, b1 + 2 + (c1 - c0))
        for i, cam in zip(range(a0, a1), _closeup(rng, motion, range(a0, a1), size), strict=False):
            plans[i] = FramePlan("closeup", "closeup", cam, i)
        # replay: the seconds before the cut, slowed down, from a high camera behind the goal
        slow = float(rng.choice([0.5, 0.5, 1.0]))
        src_len = max(1, int((b1 - b0) * slow))
        src0 = max(0, b0 - src_len - int(rng.integers(0, int(fps))))
        idx = [min(n_frames - 1, src0 + int(j * slow)) for j in range(b1 - b0)]
        for i, cam, mi in zip(range(b0, b1), _replay(rng, motion, idx, size), idx, strict=False):
            k = min(i - b0, b1 - 1 - i)
            wipe = (k + 0.5) / 6 if k < 6 and b1 - b0 >= 16 else None
            plans[i] = FramePlan("other", "replay", cam, mi, wipe=wipe)
        for i in range(c0, min(c1, n_frames)):
            plans[i] = FramePlan("other", "graphics", None, i)
    # camera-motion blur: how far the image centre moves between frames
    for i in range(1, n_frames):
        p, q = plans[i - 1].camera, plans[i].camera
        if p is not None and q is not None and plans[i - 1].kind == plans[i].kind:
            plans[i].blur_px = float(abs(q.pan - p.pan) * q.focal + abs(q.tilt - p.tilt) * q.focal * 0.3)
    return plans, main


def _closeup(rng: np.random.Generator, motion: Motion, frames: range, size: tuple[int, int]) -> list[Camera]:
    """A pitch-side camera low and close, tight on the player nearest the ball."""
    if len(frames) == 0:
        return []
    f0 = frames[0]
    ball = _fill_nan(motion.ball[:, :2])
    players = [i for i, r in enumerate(motion.role) if r in ("player", "goalkeeper")]
    d = np.linalg.norm(motion.xy[f0, players] - ball[f0], axis=1)
    d = np.where(np.isfinite(d), d, 1e9)
    who = players[int(np.argmin(d))]
    track = _fill_nan(motion.xy[list(frames), who])
    track = _damp(track, motion.fps, 0.8)
    w, h = size
    pos = (float(track[0, 0] + rng.uniform(-12, 12)), float(-W - rng.uniform(4, 10)), float(rng.uniform(2.5, 6)))
    view = float(rng.uniform(2.5, 6.0))
    out = []
    for p in track:
        dist = float(np.linalg.norm(np.subtract(pos, (p[0], p[1], 1.1))))
        cam = Camera(position=pos, width=w, height=h, focal=w * dist / view, roll=float(rng.normal(0, 0.002)))
        out.append(cam.look_at((float(p[0]), float(p[1]), 1.1)))
    return out


def _replay(rng: np.random.Generator, motion: Motion, idx: list[int], size: tuple[int, int]) -> list[Camera]:
    """A high camera behind one goal, following the ball during the replayed frames."""
    ball = _fill_nan(motion.ball[:, :2])[idx]
    sgn = 1.0 if np.nanmean(ball[:, 0]) >= 0 else -1.0
    pos = (float(sgn * (L + rng.uniform(18, 40))), float(rng.uniform(-15, 15)), float(rng.uniform(12, 26)))
    tgt = _damp(ball, motion.fps, 1.5)
    view = float(rng.uniform(22, 40))
    w, h = size
    out = []
    for p in tgt:
        dist = float(np.linalg.norm(np.subtract(pos, (p[0], p[1], 0.0))))
        cam = Camera(position=pos, width=w, height=h, focal=w * dist / view)
        out.append(cam.look_at((float(p[0]), float(p[1]), 0.0)))
    return out
