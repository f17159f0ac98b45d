"""A small match simulator: two teams in shape shifting with the ball, passes, pressing runs, goalkeepers, referees.

Not football intelligence, just plausible movement of any length: carriers dribble and pass (some passes
lofted, some intercepted, some shots that the goalkeeper collects), the teams slide and compress with the
ball, the nearest defenders press the carrier, the referee follows play and the assistants hold the offside line.
"""

from __future__ import annotations

import numpy as np

from cv.pitch import DEFAULT_PITCH
from pitchlens.synth.motion import Motion

L, W = DEFAULT_PITCH.half_length, DEFAULT_PITCH.half_width

# base shapes for a team attacking +x, (x, y) in metres when the block is centred on the halfway line
FORMATIONS: dict[str, list[tuple[float, float]]] = {
    "4-4-2": [(-30, -24), (-32, -8), (-32, 8), (-30, 24), (-12, -22), (-14, -7), (-14, 7), (-12, 22), (4, -7), (5, 7)],
    "4-3-3": [(-30, -24), (-32, -8), (-32, 8), (-30, 24), (-16, 0), (-10, -12), (-10, 12), (4, -22), (6, 0), (4, 22)],
    "4-2-3-1": [(-30, -24), (-32, -8), (-32, 8), (-30, 24), (-18, -7), (-18, 7), (-4, -20), (-3, 0), (-4, 20),
                (7, 0)],
    "3-5-2": [(-32, -14), (-33, 0), (-32, 14), (-14, -27), (-16, -8), (-18, 0), (-16, 8), (-14, 27), (4, -7),
              (5, 7)],
}


def _smooth_noise(rng: np.random.Generator, n: int, k: int, scale: float, period: float) -> np.ndarray:
    """(n, k) smooth random wander, unit ``scale`` metres, varying over about ``period`` frames."""
    knots = max(2, int(n / period) + 3)
    pts = rng.normal(0, scale, (knots, k))
    t = np.linspace(0, knots - 1.001, n)
    i = t.astype(int)
    f = t - i
    f = f * f * (3 - 2 * f)
    return pts[i] * (1 - f)[:, None] + pts[i + 1] * f[:, None]


def simulate(seed: int, n_frames: int, fps: float = 25.0, warmup_s: float = 4.0) -> Motion:
    """Simulate ``n_frames`` frames of play at ``fps``; the same seed gives the same motion."""
    rng = np.random.default_rng([seed, 1])
    dt = 1.0 / fps
    warm = int(warmup_s * fps)
    total = n_frames + warm
    home_dir = 1.0 if rng.random() < 0.5 else -1.0  # direction home attacks
    forms = [FORMATIONS[k] for k in rng.choice(list(FORMATIONS), 2)]

    # people: 0..10 home (0 = goalkeeper), 11..21 away (11 = goalkeeper), 22 referee, 23/24 assistants
    n = 25
    ids = np.arange(1, n + 1, dtype=np.int64)
    roles = (["goalkeeper"] + ["player"] * 10) * 2 + ["referee"] * 3
    teams: list[str | None] = ["home"] * 11 + ["away"] * 11 + [None] * 3
    jerseys: list[str | None] = []
    for _ in range(2):
        nums = [1] + sorted(rng.choice(np.arange(2, 40), 10, replace=False).tolist())
        jerseys += [str(v) for v in nums]
    jerseys += [None] * 3
    team_dir = np.array([home_dir] * 11 + [-home_dir] * 11)
    base = np.zeros((22, 2))
    for t_i in range(2):
        d = team_dir[t_i * 11]
        base[t_i * 11] = (-d * (L - 4), 0)
        shape = np.array(forms[t_i], dtype=float)
        shape *= rng.uniform(0.9, 1.1, 2)
        base[t_i * 11 + 1: t_i * 11 + 11] = shape * np.array([d, 1.0])
    vmax = np.concatenate([rng.uniform(6.5, 8.6, 22), [6.5, 6.0, 6.0]])
    wander = _smooth_noise(rng, total, n * 2, 2.5, 3 * fps).reshape(total, n, 2)

    pos = np.zeros((total, n, 2))
    ball = np.zeros((total, 3))
    vel = np.zeros((n, 2))

    # initial state
    p = base.copy()
    p[:, 0] += rng.uniform(-10, 10)
    cur = np.vstack([p, [[0, -10], [0, -W - 0.8], [0, W + 0.8]]]).astype(float)
    carrier = int(rng.integers(1, 22))
    if carrier == 11:
        carrier = 12
    b = np.array([*cur[carrier], 0.0])
    flight: dict | None = None  # ball in flight: start, end, t, duration, apex, receiver
    hold = rng.uniform(0.6, 2.5)
    dribble_dir = np.array([team_dir[carrier], 0.0])
    pressers_n = int(rng.integers(1, 3))

    def team_of(i: int) -> int:
        return 0 if i < 11 else 1

    for f in range(total):
        poss_team = team_of(carrier) if carrier is not None else None
        tgt = np.zeros((n, 2))
        bxy = b[:2]
        for t_i in range(2):
            sl = slice(t_i * 11, t_i * 11 + 11)
            d = team_dir[t_i * 11]
            in_poss = poss_team == t_i
            shift = bxy[0] * 0.65 + d * (8.0 if in_poss else -6.0)
            comp = 1.0 if in_poss else 0.8
            width = 1.0 if in_poss else 0.72
            bt = base[sl].copy()
            tx = bt[1:, 0] * comp + shift
            ty = bt[1:, 1] * width + bxy[1] * (0.25 if in_poss else 0.4)
            tgt[sl][1:, 0] = np.clip(tx, -L + 2, L - 2)
            tgt[sl][1:, 1] = np.clip(ty, -W + 1, W - 1)
            # goalkeeper: near goal, on the ball's side
            gx = -d * (L - 2.5) + d * np.clip(abs(bxy[0] + d * L) * 0.06, 0, 6)
            tgt[t_i * 11] = (gx, np.clip(bxy[1] * 0.18, -5, 5))
        tgt[:22] += wander[f, :22] * np.array([1.0, 0.8])
        # pressing: the nearest defenders run at the ball
        if poss_team is not None:
            opp = slice(11, 22) if poss_team == 0 else slice(0, 11)
            off = 11 if poss_team == 0 else 0
            dist = np.linalg.norm(cur[opp] - bxy, axis=1)
            dist[0] = 1e9  # not the goalkeeper
            for j in np.argsort(dist)[:pressers_n]:
                tgt[off + j] = bxy + (cur[off + j] - bxy) * 0.08
        # referee and assistants
        tgt[22] = bxy + np.array([-9.0 * home_dir, 9.0 if bxy[1] < 10 else -9.0]) + wander[f, 22] * 0.5
        lx_home = np.sort(cur[1:11, 0] * home_dir)[1] * home_dir  # second-last home defender
        lx_away = np.sort(-cur[12:22, 0] * home_dir)[1] * -home_dir
        tgt[23] = (np.clip(lx_home, -L, 0) if home_dir > 0 else np.clip(lx_home, 0, L), -W - 0.8)
        tgt[24] = (np.clip(lx_away, 0, L) if home_dir > 0 else np.clip(lx_away, -L, 0), W + 0.8)

        if flight is not None:  # receiver runs to the ball's landing point
            tgt[flight["receiver"]] = flight["end"]
        elif carrier is not None:
            goal = np.array([team_dir[carrier] * L, 0.0])
            to_goal = goal - cur[carrier]
            dgoal = np.linalg.norm(to_goal)
            want = to_goal / max(dgoal, 1e-6)
            dribble_dir = dribble_dir * 0.97 + 0.03 * (want + rng.normal(0, 0.6, 2))
            dribble_dir /= max(np.linalg.norm(dribble_dir), 1e-6)
            tgt[carrier] = cur[carrier] + dribble_dir * 6

        # movement with speed and acceleration limits
        desired = (tgt - cur) * 0.9
        sp = np.linalg.norm(desired, axis=1, keepdims=True)
        lim = vmax[:, None] * (np.where(np.arange(n) == carrier, 0.75, 1.0)[:, None])
        desired = np.where(sp > lim, desired / np.maximum(sp, 1e-9) * lim, desired)
        dv = desired - vel
        dvn = np.linalg.norm(dv, axis=1, keepdims=True)
        amax = 5.0 * dt
        dv = np.where(dvn > amax, dv / np.maximum(dvn, 1e-9) * amax, dv)
        vel = vel + dv
        # light repulsion so that players do not merge
        diff = cur[:, None, :] - cur[None, :, :]
        dd = np.linalg.norm(diff, axis=2) + np.eye(n) * 1e3
        push = (diff / dd[..., None] * np.clip(1.2 - dd, 0, None)[..., None]).sum(axis=1)
        cur = cur + vel * dt + push * 0.15
        cur[:, 0] = np.clip(cur[:, 0], -L - 1.5, L + 1.5)
        cur[:, 1] = np.clip(cur[:, 1], -W - 1.5, W + 1.5)

        # ball
        if flight is not None:
            flight["t"] += dt
            s = min(1.0, flight["t"] / flight["dur"])
            xy = flight["start"] + (flight["end"] - flight["start"]) * s
            z = 4 * flight["apex"] * s * (1 - s)
            b = np.array([xy[0], xy[1], z])
            if s >= 1.0:
                carrier = flight["receiver"]
                flight = None
                hold = rng.uniform(0.5, 2.5) if roles[carrier] == "player" else rng.uniform(1.5, 3.0)
                dribble_dir = np.array([team_dir[carrier], 0.0])
        else:
            sp_c = np.linalg.norm(vel[carrier])
            lead = vel[carrier] / sp_c * 0.45 if sp_c > 0.3 else np.zeros(2)
            b = np.array([*(cur[carrier] + lead), 0.0])
            hold -= dt
            if hold <= 0:
                flight = _kick(rng, carrier, cur, team_dir, vel)
                pressers_n = int(rng.integers(1, 3))
                carrier = None
        pos[f] = cur
        ball[f] = b
    ball[:, 2] = np.maximum(ball[:, 2], 0.0) + 0.11  # centre of the ball above the ground
    return Motion(fps=fps, object_id=ids, role=roles, team=teams, jersey=jerseys, xy=pos[warm:], ball=ball[warm:],
                  ball_id=0, source="sim")


def _kick(rng: np.random.Generator, carrier: int, cur: np.ndarray, team_dir: np.ndarray, vel: np.ndarray) -> dict:
    """Choose a pass (or a shot) from ``carrier``: landing point, receiver, duration and apex height."""
    t0 = 0 if carrier < 11 else 11
    d = team_dir[carrier]
    start = cur[carrier].copy()
    goal = np.array([d * L, 0.0])
    if np.linalg.norm(goal - start) < 24 and rng.random() < 0.5 and carrier not in (0, 11):
        end = goal + np.array([0.0, rng.uniform(-3.0, 3.0)])
        keeper = 11 if carrier < 11 else 0
        speed = rng.uniform(18, 26)
        dur = np.linalg.norm(end - start) / speed
        return {"start": start, "end": end, "t": 0.0, "dur": dur, "apex": rng.uniform(0.3, 1.8), "receiver": keeper}
    mates = [i for i in range(t0, t0 + 11) if i != carrier]
    vec = cur[mates] - start
    dist = np.linalg.norm(vec, axis=1)
    forward = vec[:, 0] * d
    score = -np.abs(dist - 18) / 10 + forward / 25 + rng.normal(0, 0.6, len(mates))
    score[dist < 5] -= 5
    recv = mates[int(np.argmax(score))]
    end = cur[recv] + vel[recv] * 0.6
    lofted = dist[mates.index(recv)] > 25 and rng.random() < 0.5 or rng.random() < 0.08
    speed = rng.uniform(10, 15) if lofted else rng.uniform(11, 20)
    dur = max(0.25, float(np.linalg.norm(end - start)) / speed)
    apex = rng.uniform(3, 12) if lofted else rng.uniform(0.0, 0.3)
    if rng.random() < 0.18:  # intercepted: the nearest opponent to the line takes it
        opp = list(range(11, 22)) if carrier < 11 else list(range(0, 11))
        mid = start + (end - start) * rng.uniform(0.4, 0.9)
        j = opp[int(np.argmin(np.linalg.norm(cur[opp] - mid, axis=1)))]
        end, recv = mid, j
        dur = max(0.25, float(np.linalg.norm(end - start)) / speed)
    end = np.clip(end, [-L + 0.5, -W + 0.5], [L - 0.5, W - 0.5])
    return {"start": start, "end": end, "t": 0.0, "dur": dur, "apex": apex, "receiver": recv}
