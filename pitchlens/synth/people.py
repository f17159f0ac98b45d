"""Human figures: torso, shorts, socks, limbs, head, running gait and shirt numbers, drawn through the camera.

A figure is laid out in body coordinates (metres across, metres up) and mapped to pixels along the projected
body axis (foot point to head point), so size, perspective and camera roll follow from the camera.
Each figure is also painted into an identity image, from which visible boxes and occlusion are measured.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from cv.camera import Camera
from pitchlens.synth.geometry import NEAR, cam_to_px, to_cam

# kit colours (BGR)
PALETTE = {
    "white": (238, 238, 238), "red": (40, 30, 200), "blue": (170, 70, 20), "navy": (90, 35, 20),
    "sky": (230, 180, 110), "yellow": (40, 215, 245), "black": (30, 30, 30), "orange": (20, 120, 245),
    "claret": (60, 30, 120), "purple": (130, 40, 100), "grey": (140, 140, 140), "green": (60, 120, 20),
    "pink": (180, 120, 250), "maroon": (40, 20, 90), "teal": (130, 130, 20), "lime": (60, 250, 190),
}
SKIN = [(180, 210, 240), (150, 185, 225), (120, 160, 205), (90, 130, 180), (60, 95, 140), (45, 70, 105)]
HAIR = [(20, 20, 25), (30, 45, 70), (40, 70, 110), (90, 140, 180), (25, 25, 30)]


@dataclass
class Kit:
    """Colours of one kit (BGR) and its pattern (plain, stripes, hoops, sleeves)."""

    shirt: tuple[int, int, int]
    second: tuple[int, int, int]
    shorts: tuple[int, int, int]
    socks: tuple[int, int, int]
    number: tuple[int, int, int]
    pattern: str = "plain"


@dataclass
class Look:
    """How one person looks: kit, skin, hair, height (m) and build."""

    kit: Kit
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    height: float
    build: float
    gloves: tuple[int, int, int] | None = None
    hair_style: str = "short"
    long_sleeves: bool = False
    trousers: bool = False


def _dist(a, b) -> float:
    return float(np.linalg.norm(np.subtract(a, b, dtype=float)))


def _pick(rng: np.random.Generator, avoid: list, names: list[str] | None = None, min_d: float = 120) -> tuple:
    names = names or list(PALETTE)
    order = rng.permutation(len(names))
    for i in order:
        c = PALETTE[names[i]]
        if all(_dist(c, a) >= min_d for a in avoid):
            return c
    return PALETTE[names[order[0]]]


def _kit(rng: np.random.Generator, avoid: list, grass: np.ndarray) -> Kit:
    shirt = _pick(rng, avoid + [tuple(grass)], min_d=150)
    second = _pick(rng, [shirt], min_d=140)
    pattern = str(rng.choice(["plain"] * 5 + ["stripes", "hoops", "sleeves"]))
    shorts = shirt if rng.random() < 0.35 else _pick(rng, [shirt], ["white", "black", "navy", "red", "blue"], 60)
    socks = shorts if rng.random() < 0.5 else shirt
    return Kit(shirt, second, shorts, socks, _number_colour(shirt), pattern)


def _number_colour(shirt: tuple) -> tuple[int, int, int]:
    return (30, 30, 30) if np.mean(shirt) > 140 else (240, 240, 240)


def _clear_of_outfield(gk: Kit, home: Kit, away: Kit, grass: np.ndarray, others: tuple = (),
                       min_d: float = 75) -> Kit:
    """A goalkeeper's kit whose shirt stands clear of both outfield shirts (Law 4), drawing nothing from the rng.

    When no palette colour is far enough from everything a kit avoids, :func:`_pick` falls back to any colour, which
    can be an outfield shirt itself; that shirt is swapped for the palette colour farthest from both, the grass and
    ``others`` (the other goalkeeper's shirt).
    """
    outfield = [home.shirt, away.shirt]
    if min(_dist(gk.shirt, c) for c in outfield) >= min_d:
        return gk
    avoid = outfield + [tuple(grass), *others]
    shirt = max(PALETTE.values(), key=lambda c: min(_dist(c, a) for a in avoid))
    return replace(gk, shirt=shirt, number=_number_colour(shirt))


def sample_kits(rng: np.random.Generator, grass_bgr: np.ndarray) -> dict[str, Kit]:
    """Home, away, both goalkeepers and the referee, each distinct from the others and from the grass."""
    home = _kit(rng, [], grass_bgr)
    away = _kit(rng, [home.shirt], grass_bgr)
    gk_h = _clear_of_outfield(_kit(rng, [home.shirt, away.shirt], grass_bgr), home, away, grass_bgr)
    gk_a = _clear_of_outfield(_kit(rng, [home.shirt, away.shirt, gk_h.shirt], grass_bgr), home, away, grass_bgr,
                              (gk_h.shirt,))
    ref_c = _pick(rng, [home.shirt, away.shirt, gk_h.shirt, gk_a.shirt, tuple(grass_bgr)],
                  ["black", "yellow", "lime", "pink", "grey", "red", "blue", "orange"], 90)
    ref = Kit(ref_c, ref_c, (25, 25, 25), (25, 25, 25), (240, 240, 240), "plain")
    return {"home": home, "away": away, "gk_home": gk_h, "gk_away": gk_a, "referee": ref}


def sample_looks(rng: np.random.Generator, roles: list[str], teams: list[str | None],
                 kits: dict[str, Kit]) -> list[Look]:
    """One look per person: kit by role and team, skin, hair, height and build drawn from ``rng``."""
    out = []
    for role, team in zip(roles, teams, strict=False):
        if role == "referee":
            kit = kits["referee"]
        elif role == "goalkeeper":
            kit = kits["gk_home" if team == "home" else "gk_away"]
        else:
            kit = kits[team or "home"]
        gloves = tuple(int(v) for v in rng.integers(0, 256, 3)) if role == "goalkeeper" else None
        out.append(Look(kit=kit, skin=SKIN[int(rng.integers(len(SKIN)))], hair=HAIR[int(rng.integers(len(HAIR)))],
                        height=float(rng.normal(1.82 if role == "goalkeeper" else 1.79, 0.06)),
                        build=float(rng.uniform(0.9, 1.12)), gloves=gloves,
                        hair_style=str(rng.choice(["short", "short", "short", "long", "bald", "dark"])),
                        long_sleeves=bool(role == "goalkeeper" or rng.random() < 0.1)))
    return out


def sample_extras(rng: np.random.Generator, far_y: float, end_x: float, half_length: float, half_width: float
                  ) -> tuple[np.ndarray, list[Look]]:
    """People around the pitch who are not in the truth: stewards, photographers behind the goals, ball kids.

    Returns their pitch positions (M, 2) and looks; they stand between the lines and the boards.
    """
    n = int(rng.integers(3, 14))
    xy, looks = [], []
    vests = [PALETTE["yellow"], PALETTE["orange"], PALETTE["lime"], (40, 40, 40), (120, 60, 30)]
    for _ in range(n):
        kind = rng.choice(["steward", "photographer", "kid"])
        if kind == "photographer" or rng.random() < 0.3:
            sx = rng.choice([-1.0, 1.0])
            p = (sx * rng.uniform(half_length + 1.5, max(half_length + 1.6, end_x - 0.6)),
                 rng.uniform(-half_width * 0.6, half_width * 0.6))
        else:
            p = (rng.uniform(-half_length, half_length),
                 rng.uniform(half_width + 1.5, max(half_width + 1.6, far_y - 0.6)))
        vest = vests[int(rng.integers(len(vests)))] if kind != "photographer" else (35, 35, 35)
        trousers = tuple(int(v) for v in rng.choice([[30, 30, 30], [60, 50, 40], [90, 70, 50]]))
        kit = Kit(vest, vest, trousers, trousers, (0, 0, 0), "plain")
        looks.append(Look(kit=kit, skin=SKIN[int(rng.integers(len(SKIN)))], hair=HAIR[int(rng.integers(len(HAIR)))],
                          height=float(rng.uniform(1.05, 1.3) if kind == "photographer" else
                                       rng.uniform(1.3, 1.5) if kind == "kid" else rng.uniform(1.65, 1.9)),
                          build=float(rng.uniform(1.0, 1.25)), long_sleeves=True, trousers=True))
        xy.append(p)
    return np.array(xy, dtype=float).reshape(-1, 2), looks


def _shade(c, f: float) -> tuple[int, int, int]:
    return tuple(min(255, max(0, int(v * f))) for v in c)


def draw_person(img: np.ndarray, ids: np.ndarray, id_value: int, cam: Camera, look: Look, xy: np.ndarray,
                vel: np.ndarray, phase: float, jersey: str | None, light: float = 0.0,
                exposure: float = 1.0, number_px: list[float] | None = None) -> int:
    """Draw one person standing at pitch ``xy`` (running with ``vel`` m/s, gait ``phase`` rad) into ``img``.

    Paints ``id_value`` into ``ids`` where the figure is drawn; returns the number of pixels drawn in the image.
    Where the shirt number is drawn, its height in pixels is appended to ``number_px`` (when given).
    """
    H = look.height
    pts3 = np.array([[xy[0], xy[1], 0.0], [xy[0], xy[1], H]])
    pc = to_cam(cam, pts3)
    if (pc[:, 2] <= NEAR).any():
        return 0
    foot, head = cam_to_px(cam, pc)
    up = (head - foot) / H  # pixels per metre, pointing up the body
    ppm = float(np.linalg.norm(up))
    if ppm < 1.0:
        return 0
    right = np.array([-up[1], up[0]])
    h_img, w_img = img.shape[:2]
    reach = ppm * H * 0.7
    if foot[0] < -reach or foot[0] > w_img + reach or min(foot[1], head[1]) > h_img + 5 or \
            max(foot[1], head[1]) < -5:
        return 0
    # direction of travel as seen by the camera
    speed = float(np.hypot(*vel))
    amp = float(np.clip(speed / 7.0, 0, 1))
    if speed > 0.2:
        d = np.asarray(vel) / speed
        cr = cam.R[0, :2] / max(np.linalg.norm(cam.R[0, :2]), 1e-9)
        cf = cam.R[2, :2] / max(np.linalg.norm(cam.R[2, :2]), 1e-9)
        c = float(d @ cr)
        away = float(d @ cf)
    else:
        c, away = 0.0, 0.0
    k = H / 1.8
    ws = look.build
    lean = 0.08 * amp * c
    sep = 0.085 * ws * (1 - 0.6 * abs(c))

    def leg(side: float, ph: float):
        th = amp * 0.6 * np.sin(ph)
        bend = amp * (0.25 + 0.8 * max(0.0, -np.cos(ph)))
        hip = np.array([side * sep, 0.93])
        knee = hip + 0.47 * np.array([np.sin(th) * c, -np.cos(th) * (1 - 0.15 * amp * (1 - abs(c)) *
                                                                      max(0, np.sin(ph)))])
        ankle = knee + 0.45 * np.array([np.sin(th - bend) * c, -np.cos(th - bend)])
        toe = ankle + np.array([0.13 * (c if abs(c) > 0.3 else 0.3 * np.sign(c + 1e-9)), -0.03])
        return hip, knee, ankle, toe

    def arm(side: float, ph: float):
        ps = -amp * 0.7 * np.sin(ph)
        sh = np.array([side * 0.19 * ws + lean, 1.42])
        elbow = sh + 0.29 * np.array([np.sin(ps) * c + side * 0.05, -np.cos(ps)])
        fa = ps + 0.3 + 1.1 * amp
        hand = elbow + 0.26 * np.array([np.sin(fa) * c + side * 0.04, -np.cos(fa) * (1 - 0.5 * amp)])
        return sh, elbow, hand

    legs = [leg(-1.0, phase), leg(1.0, phase + np.pi)]
    arms = [arm(-1.0, phase + np.pi), arm(1.0, phase)]
    torso = np.array([[-0.2 * ws + lean, 1.46], [0.2 * ws + lean, 1.46], [0.16 * ws, 0.93], [-0.16 * ws, 0.93]])
    shorts = np.array([[-0.17 * ws, 0.98], [0.17 * ws, 0.98], [0.19 * ws, 0.72], [0.02, 0.74], [-0.02, 0.74],
                       [-0.19 * ws, 0.72]])
    head_c = np.array([lean * 1.2, 1.665])

    def px(p: np.ndarray) -> np.ndarray:
        p = np.atleast_2d(p) * k
        return foot + p[:, :1] * right + p[:, 1:2] * up

    all_pts = px(np.vstack([torso, shorts, *[np.array(g) for g in legs], *[np.array(a) for a in arms], [head_c]]))
    pad = int(ppm * 0.25 * k) + 3
    x0, y0 = np.floor(all_pts.min(axis=0)).astype(int) - pad
    x1, y1 = np.ceil(all_pts.max(axis=0)).astype(int) + pad
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w_img), min(y1, h_img)
    if x1 <= x0 or y1 <= y0:
        return 0
    roi = img[y0:y1, x0:x1]
    mask = np.zeros(roi.shape[:2], np.uint8)
    off = np.array([x0, y0], dtype=float)
    S = 8  # sub-pixel shift 3

    def q(p: np.ndarray) -> np.ndarray:
        return np.round((px(p) - off) * S).astype(np.int32)

    def t(m: float) -> int:
        return max(1, int(round(m * ppm * k)))

    kit = look.kit
    exp = exposure
    col = {n: _shade(getattr(kit, n), exp) for n in ("shirt", "second", "shorts", "socks", "number")}
    skin, hair = _shade(look.skin, exp), _shade(look.hair, exp)
    shoe = _shade((25, 25, 25), exp)

    fx, fy = float(foot[0] - off[0]), float(foot[1] - off[1])
    rx, ry, ux, uy = float(right[0]) * k, float(right[1]) * k, float(up[0]) * k, float(up[1]) * k

    def q1(a) -> tuple[int, int]:  # one body point to shifted integer pixels, in plain floats (hot path)
        a0, a1 = float(a[0]), float(a[1])
        return int(round((fx + a0 * rx + a1 * ux) * S)), int(round((fy + a0 * ry + a1 * uy) * S))

    def line(a, b, color, th):
        pa, pb = q1(a), q1(b)
        cv2.line(roi, pa, pb, color, th, cv2.LINE_8, 3)
        cv2.line(mask, pa, pb, 255, th, cv2.LINE_8, 3)

    def poly(p, color):
        cv2.fillPoly(roi, [q(p)], color, cv2.LINE_8, 3)
        cv2.fillPoly(mask, [q(p)], 255, cv2.LINE_8, 3)

    def draw_leg(g, dark: float):
        hip, knee, ankle, toe = g
        mid = knee + (ankle - knee) * 0.15
        leg_col = _shade(col["shorts"] if look.trousers else skin, dark)
        line(hip, knee, leg_col, t(0.15))
        line(knee, mid, leg_col, t(0.115))
        line(mid, ankle, _shade(col["socks"], dark), t(0.11))
        line(ankle, toe, shoe, t(0.085))

    def draw_arm(a, dark: float):
        sh, elbow, hand = a
        sleeve = sh + (elbow - sh) * 0.55
        line(sh, sleeve, _shade(col["second"] if kit.pattern == "sleeves" else col["shirt"], dark), t(0.1))
        arm_col = _shade(col["shirt"], dark) if look.long_sleeves else _shade(skin, dark)
        line(sleeve, elbow, arm_col, t(0.08))
        line(elbow, hand, arm_col, t(0.075))
        if look.gloves is not None:
            line(hand, hand + (hand - elbow) * 0.2, look.gloves, t(0.09))

    back_leg = 0 if np.sin(phase) > 0 else 1
    draw_leg(legs[back_leg], 0.78)
    draw_arm(arms[1 - back_leg], 0.78)
    poly(torso, col["shirt"])
    if kit.pattern in ("stripes", "hoops"):
        for s in np.linspace(-0.75, 0.75, 4 if kit.pattern == "stripes" else 3):
            if kit.pattern == "stripes":
                a, b = np.array([s * 0.18 * ws + lean, 1.44]), np.array([s * 0.15 * ws, 0.95])
            else:
                hb = 1.2 + s * 0.28
                a, b = np.array([-0.18 * ws, hb]), np.array([0.18 * ws, hb])
            line(a, b, col["second"], t(0.07))
    if light:  # the shadow side of the torso
        sl = np.sign(light)
        half = np.array([[lean, 1.46], [sl * 0.2 * ws + lean, 1.46], [sl * 0.16 * ws, 0.93], [0.0, 0.93]])
        poly(half, _shade(col["shirt"], 1 - 0.22 * abs(light)))
    poly(shorts, col["shorts"])
    draw_leg(legs[1 - back_leg], 1.0)
    draw_arm(arms[back_leg], 1.0)
    line(np.array([lean, 1.45]), np.array([lean * 1.1, 1.56]), skin, t(0.1))
    hc = np.array(q1(head_c))
    r = max(1, int(round(0.105 * ppm * k * S)))
    cv2.circle(roi, tuple(hc), r, skin, -1, cv2.LINE_8, 3)
    cv2.circle(mask, tuple(hc), r, 255, -1, cv2.LINE_8, 3)
    hair_face = away if abs(away) > 0.3 else 0.0
    if look.hair_style != "bald":
        hr = int(r * (0.8 + 0.3 * max(hair_face, 0)))
        cv2.ellipse(roi, tuple(hc - np.array([0, int(r * 0.25)])), (r, hr), 0, 180, 360, hair, -1, cv2.LINE_8, 3)
        if look.hair_style == "long":
            cv2.ellipse(roi, tuple(hc + np.array([0, int(r * 0.3)])), (int(r * 1.05), int(r * 0.9)), 0, 0, 360,
                        hair, -1, cv2.LINE_8, 3)
            cv2.ellipse(mask, tuple(hc + np.array([0, int(r * 0.3)])), (int(r * 1.05), int(r * 0.9)), 0, 0, 360,
                        255, -1, cv2.LINE_8, 3)
            if away <= 0.3:  # the face shows in front of long hair
                cv2.circle(roi, tuple(hc + np.array([0, int(r * 0.15)])), int(r * 0.75), skin, -1, cv2.LINE_8, 3)
        elif look.hair_style == "dark" and away > 0.3:
            cv2.circle(roi, tuple(hc), r, hair, -1, cv2.LINE_8, 3)
    if jersey and away > 0.2:  # the back faces the camera: the number shows
        hpx = 0.2 * ppm * k
        if hpx >= 6:
            scale = hpx / 22.0
            th = max(1, int(round(hpx / 7)))
            (tw, tht), _ = cv2.getTextSize(jersey, cv2.FONT_HERSHEY_SIMPLEX, scale, th)
            ctr = px(np.array([lean * 0.5, 1.22]))[0] - off
            org = (int(ctr[0] - tw / 2), int(ctr[1] + tht / 2))
            cv2.putText(roi, jersey, org, cv2.FONT_HERSHEY_SIMPLEX, scale, col["number"], th, cv2.LINE_AA)
            if number_px is not None:
                number_px.append(float(hpx))
    sel = mask > 0
    ids[y0:y1, x0:x1][sel] = id_value
    return int(sel.sum())


def shadow_polygons(cam: Camera, xy: np.ndarray, height: float, dirs: list[tuple[float, float, float]]
                    ) -> list[tuple[np.ndarray, float]]:
    """Ground shadows of a person at ``xy``: a contact blob plus one cast shadow per light (azimuth, elevation, k)."""
    out = []
    a = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    blob = np.stack([xy[0] + 0.35 * np.cos(a), xy[1] + 0.25 * np.sin(a), 0 * a], axis=1)
    pc = to_cam(cam, blob)
    if (pc[:, 2] > NEAR).all():
        out.append((cam_to_px(cam, pc), 0.35))
    for az, el, strength in dirs:
        d = np.array([np.cos(az), np.sin(az)])
        n = np.array([-d[1], d[0]])
        ln = height / np.tan(el)
        p = np.array([xy + n * 0.2, xy + d * ln + n * 0.13, xy + d * (ln + 0.15), xy + d * ln - n * 0.13,
                      xy - n * 0.2])
        pc = to_cam(cam, np.hstack([p, np.zeros((len(p), 1))]))
        if (pc[:, 2] > NEAR).all():
            out.append((cam_to_px(cam, pc), strength))
    return out
