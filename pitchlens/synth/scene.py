"""The stadium: grass with mowing stripes, every marking through the camera, goals, boards, crowd, light.

Everything static is built once per clip (textures laid on world planes) and warped per frame through the
camera, so a frame costs a handful of OpenCV warps and polygon fills.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from cv.camera import Camera
from cv.pitch import DEFAULT_PITCH, GOAL_HEIGHT, GOAL_WIDTH, LINE_WIDTH, PitchModel
from pitchlens.synth.geometry import NEAR, TexturedPlane, cam_to_px, densify, strip_polygons, to_cam

GROUND_PPM = 10.0  # texture pixels per metre of the ground plane
CROWD_PPM = 16.0  # texture pixels per metre of the stands


@dataclass
class Style:
    """The look of one clip, drawn from its seed."""

    grass_hsv: tuple[float, float, float]
    stripe_width: float
    stripe_delta: float
    stripe_axis: str
    line_bgr: tuple[int, int, int]
    line_alpha: float
    surround: str
    night: bool
    sun_azimuth: float
    sun_elevation: float
    shadow_split: tuple[float, float] | None
    shadow_strength: float
    exposure: float
    saturation: float
    board_margin_far: float
    board_margin_end: float
    board_margin_near: float
    blur_sigma: float
    noise_sigma: float
    crf: int
    motion_blur: float

    @staticmethod
    def sample(rng: np.random.Generator) -> Style:
        night = bool(rng.random() < 0.35)
        split = None
        if not night and rng.random() < 0.55:
            # shadow of the main stand: the part of the pitch with y > a + b*x lies in shadow
            split = (float(rng.uniform(-25, 30)), float(rng.uniform(-0.35, 0.35)))
        return Style(
            grass_hsv=(float(rng.uniform(34, 52)), float(rng.uniform(110, 210)), float(rng.uniform(95, 185))),
            stripe_width=float(105.0 / rng.integers(14, 26)),
            stripe_delta=float(rng.uniform(0.025, 0.11)),
            stripe_axis=str(rng.choice(["x"] * 10 + ["y", "y", "check"])),
            line_bgr=tuple(int(v) for v in rng.uniform(215, 250, 3)),
            line_alpha=float(rng.uniform(0.7, 0.95)),
            surround=str(rng.choice(["grass", "grass", "grass", "track"])),
            night=night,
            sun_azimuth=float(rng.uniform(0, 2 * np.pi)),
            sun_elevation=float(rng.uniform(0.35, 1.0)),
            shadow_split=split,
            shadow_strength=float(rng.uniform(0.5, 0.78)),
            exposure=float(rng.uniform(0.85, 1.12)),
            saturation=float(rng.uniform(0.8, 1.2)),
            board_margin_far=float(rng.uniform(3.5, 7.0)),
            board_margin_end=float(rng.uniform(3.5, 6.0)),
            board_margin_near=float(rng.uniform(3.0, 6.0)),
            blur_sigma=float(rng.uniform(0.3, 0.9)),
            noise_sigma=float(rng.uniform(1.0, 4.0)),
            crf=int(rng.integers(19, 29)),
            motion_blur=float(rng.uniform(0.3, 1.0)),
        )


def _hsv_to_bgr(h: float, s: float, v: float) -> np.ndarray:
    px = np.uint8([[[np.clip(h, 0, 179), np.clip(s, 0, 255), np.clip(v, 0, 255)]]])
    return cv2.cvtColor(px, cv2.COLOR_HSV2BGR)[0, 0].astype(np.float32)


def _low_freq(rng: np.random.Generator, shape: tuple[int, int], cells: tuple[int, int]) -> np.ndarray:
    small = rng.normal(0, 1, cells).astype(np.float32)
    return cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)


def _grade(img: np.ndarray, style: Style) -> np.ndarray:
    """Apply the clip's exposure and saturation to a BGR texture."""
    hsv = cv2.cvtColor(img[..., :3], cv2.COLOR_BGR2HSV).astype(np.float32)
    hsv[..., 1] *= style.saturation
    hsv[..., 2] *= style.exposure
    out = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2BGR)
    if img.shape[2] == 4:
        out = np.dstack([out, img[..., 3]])
    return out


class Stadium:
    """The static world of one clip: ground, stands, boards, goals, and how to draw them through a camera."""

    def __init__(self, rng: np.random.Generator, style: Style, pitch: PitchModel = DEFAULT_PITCH,
                 team_colors: tuple[np.ndarray, np.ndarray] | None = None, detail: float = 1.0) -> None:
        self.gppm, self.cppm = GROUND_PPM * detail, CROWD_PPM * detail  # texture resolution (small frames: less)
        self.style, self.pitch = style, pitch
        L, W = pitch.half_length, pitch.half_width
        s = style
        self.far_y = W + s.board_margin_far
        self.end_x = L + s.board_margin_end
        self.near_y = -W - s.board_margin_near
        # ground: covers the pitch and the surrounds up to the boards and a little beyond
        gx0, gx1, gy0, gy1 = -self.end_x - 2, self.end_x + 2, self.near_y - 6, self.far_y + 2
        tw, th = int((gx1 - gx0) * self.gppm), int((gy1 - gy0) * self.gppm)
        self.ground = TexturedPlane(_grade(self._grass(rng, gx0, gy1, tw, th), s),
                                    origin=(gx0, gy1, 0.0), u=(1 / self.gppm, 0, 0), v=(0, -1 / self.gppm, 0))
        colors = team_colors or (rng.uniform(0, 255, 3), rng.uniform(0, 255, 3))
        self.stands = [_grade_plane(p, s) for p in self._stands(rng, colors)]
        self.boards_far = [_grade_plane(p, s) for p in self._boards(rng, far=True)]
        self.boards_near = [_grade_plane(p, s) for p in self._boards(rng, far=False)]
        self.markings = [(densify(m.points, 1.0, m.closed), m.closed) for m in pitch.markings]
        spots = [pitch.keypoints[k] for k in ("centre_spot", "penalty_spot_left", "penalty_spot_right")]
        a = np.linspace(0, 2 * np.pi, 14)[:-1]
        self.spots = [np.stack([x + 0.11 * np.cos(a), y + 0.11 * np.sin(a), 0 * a], axis=1) for x, y in spots]
        if s.night:
            sky = np.array([35, 30, 28])
        elif rng.random() < 0.7:  # the structure of the stadium (roof, corners) rather than open sky
            sky = rng.uniform(35, 90) * rng.uniform(0.9, 1.1, 3)
        else:
            sky = rng.uniform([150, 140, 120], [235, 215, 200])
        sky = np.clip(sky, 0, 255).astype(np.uint8)
        self.sky = sky
        self.net_alpha = float(rng.uniform(0.35, 0.6))

    # --- static textures ---------------------------------------------------------------------------------------

    def _grass(self, rng: np.random.Generator, x0: float, y1: float, tw: int, th: int) -> np.ndarray:
        s, L, W = self.style, self.pitch.half_length, self.pitch.half_width
        base = _hsv_to_bgr(*s.grass_hsv)
        xs = x0 + np.arange(tw) / self.gppm
        ys = y1 - np.arange(th) / self.gppm
        X, Y = np.meshgrid(xs, ys)
        band_x = np.floor((X + L) / s.stripe_width).astype(int) % 2
        band_y = np.floor((Y + W) / s.stripe_width).astype(int) % 2
        band = {"x": band_x, "y": band_y, "check": band_x ^ band_y}[s.stripe_axis]
        f = 1.0 + s.stripe_delta * (band * 2 - 1)
        f = f * (1 + 0.05 * _low_freq(rng, X.shape, (th // 40 + 2, tw // 40 + 2)))
        f = f * (1 + 0.025 * _low_freq(rng, X.shape, (th // 6 + 2, tw // 6 + 2)))
        grain = rng.normal(0, 0.035, X.shape).astype(np.float32)
        f = f * (1 + cv2.GaussianBlur(grain, (0, 0), 0.7))
        img = base[None, None, :] * f[..., None]
        # worn patches in the goalmouths and the centre
        for cx, cy, r in ((-L + 6, 0, 7), (L - 6, 0, 7), (0, 0, 6)):
            wear = np.exp(-(((X - cx) / r) ** 2 + ((Y - cy) / (r * 0.8)) ** 2)) * rng.uniform(0.0, 0.35)
            img = img * (1 - wear[..., None]) + np.array([95, 120, 130])[None, None] * wear[..., None]
        outside = (np.abs(X) > L + 2.5) | (np.abs(Y) > W + 2.5)
        if s.surround == "track":
            track = rng.uniform([50, 60, 120], [90, 100, 180])
            img[outside] = track * (1 + 0.04 * rng.normal(0, 1, (int(outside.sum()), 1)))
        else:
            img[outside] *= rng.uniform(0.75, 0.95)
        if s.shadow_split is not None:
            a, b = s.shadow_split
            edge = np.clip((Y - (a + b * X)) / 0.8 + 0.5, 0, 1)  # 0.8 m soft edge
            img *= (1 - (1 - s.shadow_strength) * edge)[..., None]
        if s.night:  # floodlight pools
            pools = np.ones_like(X, dtype=np.float32) * 0.85
            for cx, cy in ((-L, -W - 10), (L, -W - 10), (-L, W + 10), (L, W + 10)):
                pools += 0.12 * np.exp(-((X - cx) ** 2 + (Y - cy) ** 2) / (2 * 45.0 ** 2))
            img *= pools[..., None]
        return np.clip(img, 0, 255).astype(np.uint8)

    def _stands(self, rng: np.random.Generator, colors: tuple[np.ndarray, np.ndarray]) -> list[TexturedPlane]:
        out = []
        rise = float(rng.uniform(0.5, 0.75))  # slope of the tiers
        depth = float(rng.uniform(28, 45))
        wall = float(rng.uniform(1.2, 3.0))  # front wall below the first row
        length = 2 * self.end_x + 30
        far = _crowd(rng, length, depth, colors, self.style.night, self.cppm)
        du = np.array([1.0, 0, 0]) / self.cppm
        dv = np.array([0, -np.cos(np.arctan(rise)), -np.sin(np.arctan(rise))]) / self.cppm
        top = np.array([-length / 2, self.far_y + 1.5 + depth * np.cos(np.arctan(rise)),
                        wall + depth * np.sin(np.arctan(rise))])
        out.append(TexturedPlane(far, top, du, dv))
        out.append(TexturedPlane(_wall(rng, length, wall), (-length / 2, self.far_y + 1.5, wall), (0.1, 0, 0),
                                 (0, 0, -0.1)))
        for sgn in (-1.0, 1.0):
            span = 2 * self.far_y + 20
            tex = _crowd(rng, span, depth * 0.8, colors, self.style.night, self.cppm)
            x_top = sgn * (self.end_x + 1.5 + depth * 0.8 * np.cos(np.arctan(rise)))
            z_top = wall + depth * 0.8 * np.sin(np.arctan(rise))
            u = np.array([0, -sgn, 0]) / self.cppm
            v = np.array([-sgn * np.cos(np.arctan(rise)), 0, -np.sin(np.arctan(rise))]) / self.cppm
            out.append(TexturedPlane(tex, (x_top, sgn * span / 2 - sgn * 8, z_top), u, v))
            out.append(TexturedPlane(_wall(rng, span, wall), (sgn * (self.end_x + 1.5), sgn * span / 2 - sgn * 8,
                                                              wall), u * self.cppm / 10, (0, 0, -0.1)))
        return out

    def _boards(self, rng: np.random.Generator, far: bool) -> list[TexturedPlane]:
        hgt = float(rng.uniform(0.8, 1.0))
        ppm = 30.0
        out = []
        if far:
            length = 2 * self.end_x
            tex = _board_texture(rng, length, hgt, ppm)
            out.append(TexturedPlane(tex, (-length / 2, self.far_y, hgt), (1 / ppm, 0, 0), (0, 0, -1 / ppm)))
            for sgn in (-1.0, 1.0):
                span = 2 * self.far_y - 20
                tex = _board_texture(rng, span, hgt, ppm)
                out.append(TexturedPlane(tex, (sgn * self.end_x, sgn * span / 2, hgt), (0, -sgn / ppm, 0),
                                         (0, 0, -1 / ppm)))
        else:
            length = 2 * self.end_x
            tex = _board_texture(rng, length, hgt, ppm)
            out.append(TexturedPlane(tex, (-length / 2, self.near_y, hgt), (1 / ppm, 0, 0), (0, 0, -1 / ppm),
                                     front=None))
        return out

    # --- drawing -------------------------------------------------------------------------------------------------

    def draw_background(self, img: np.ndarray, cam: Camera) -> None:
        """Sky, ground, stands and far boards (everything behind the people)."""
        img[:] = self.sky
        self.ground.draw(img, cam)
        for p in self.stands:
            p.draw(img, cam)
        for p in self.boards_far:
            p.draw(img, cam)

    def draw_markings(self, img: np.ndarray, cam: Camera) -> None:
        """Every painted line at its true width (12 cm) through the camera, anti-aliased and blended."""
        h, w = img.shape[:2]
        mask = np.zeros((h, w), np.uint8)
        for pts, closed in self.markings:
            for group in strip_polygons(cam, pts, LINE_WIDTH / 2, closed):
                if not all(np.isfinite(c).all() and np.abs(c).max() < 1e5 for c in group):
                    continue
                cv2.fillPoly(mask, [np.round(c * 16).astype(np.int32) for c in group], 255, cv2.LINE_AA, 4)
        for spot in self.spots:
            pc = to_cam(cam, spot)
            if (pc[:, 2] > NEAR).all():
                cv2.fillPoly(mask, [np.round(cam_to_px(cam, pc) * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)
        _blend_color(img, mask, np.array(self.style.line_bgr, np.float32) * self.style.exposure, self.style.line_alpha)

    def draw_goals(self, img: np.ndarray, cam: Camera, sides: tuple[float, ...] = (-1.0, 1.0)) -> None:
        """Goals (``sides``: -1 left, +1 right): net (blended) then posts and crossbar at their true thickness."""
        L = self.pitch.half_length
        for sgn in sides:
            gx = sgn * L
            back = gx + sgn * 2.0
            y0, y1 = -GOAL_WIDTH / 2, GOAL_WIDTH / 2
            net = []
            for yy in np.linspace(y0, y1, 15):
                net.append([(gx, yy, GOAL_HEIGHT), (back, yy, GOAL_HEIGHT * 0.75), (back, yy, 0)])
            for zz in np.linspace(0, GOAL_HEIGHT, 7):
                zb = min(zz, GOAL_HEIGHT * 0.75)
                net.append([(back, y0, zb), (back, y1, zb)])
                net.append([(gx, y0, zz), (back, y0, zb)])
                net.append([(gx, y1, zz), (back, y1, zb)])
            for xx in np.linspace(gx, back, 4):
                net.append([(xx, y0, GOAL_HEIGHT), (xx, y1, GOAL_HEIGHT)])
            lines = _project_lines(cam, net)
            if lines:
                over = img.copy()
                cv2.polylines(over, lines, False, (235, 235, 235), 1, cv2.LINE_AA, 4)
                cv2.addWeighted(over, self.net_alpha, img, 1 - self.net_alpha, 0, dst=img)
            frame = [[(gx, y0, 0), (gx, y0, GOAL_HEIGHT), (gx, y1, GOAL_HEIGHT), (gx, y1, 0)]]
            pc = to_cam(cam, np.array([(gx, 0, GOAL_HEIGHT / 2)]))
            if pc[0, 2] <= 0.3:
                continue
            thick = max(1, int(round(0.12 * cam.focal / pc[0, 2])))
            lines = _project_lines(cam, frame)
            if lines:
                cv2.polylines(img, lines, False, (248, 248, 248), thick, cv2.LINE_AA, 4)

    def draw_foreground(self, img: np.ndarray, cam: Camera, ids: np.ndarray | None) -> None:
        """The near boards, which hide whatever lies behind them (identities under them are erased)."""
        for p in self.boards_near:
            p.draw(img, cam, ids)


def _grade_plane(p: TexturedPlane, style: Style) -> TexturedPlane:
    p.texture = _grade(p.texture, style)
    return p


def _project_lines(cam: Camera, lines: list) -> list[np.ndarray]:
    out = []
    for ln in lines:
        pc = to_cam(cam, np.array(ln, dtype=float))
        if (pc[:, 2] > NEAR).all():
            out.append(np.round(cam_to_px(cam, pc) * 16).astype(np.int32))
    return out


def _blend_color(img: np.ndarray, mask: np.ndarray, color: np.ndarray, alpha: float) -> None:
    """Blend a flat ``color`` into ``img`` with per-pixel weight ``mask/255 * alpha`` (only where mask > 0)."""
    pts = cv2.findNonZero(mask)
    if pts is None:
        return
    pts = pts.reshape(-1, 2)
    xs, ys = pts[:, 0], pts[:, 1]
    a = mask[ys, xs].astype(np.float32)[:, None] * (alpha / 255.0)
    img[ys, xs] = (img[ys, xs] * (1 - a) + np.clip(color, 0, 255).astype(np.float32) * a).astype(np.uint8)


def darken(img: np.ndarray, mask: np.ndarray) -> None:
    """Multiply ``img`` by ``1 - mask/255`` (shadows), only where mask > 0."""
    pts = cv2.findNonZero(mask)
    if pts is None:
        return
    pts = pts.reshape(-1, 2)
    xs, ys = pts[:, 0], pts[:, 1]
    f = 1.0 - mask[ys, xs].astype(np.float32)[:, None] / 255.0
    img[ys, xs] = (img[ys, xs] * f).astype(np.uint8)


def _crowd(rng: np.random.Generator, length: float, depth: float, colors, night: bool,
           ppm: float = CROWD_PPM) -> np.ndarray:
    """A crowd texture (``ppm`` px per metre): rows of seated spectators (head and shoulders) in everyday and
    team colours, clusters of fans, empty blocks, aisles, and the shadow of the roof."""
    cw, ch = max(4, round(ppm * 0.5)), max(6, round(ppm * 0.8))  # cell: 0.5 m wide, 0.8 m deep
    cols, rows = int(length * ppm / cw), int(depth * ppm / ch)
    palette = np.array([[25, 25, 25], [50, 45, 40], [70, 60, 50], [200, 200, 200], [110, 110, 110], [90, 50, 30],
                        [40, 40, 110], [60, 90, 120], [150, 150, 160], [30, 60, 30]], np.float32)
    shirt = palette[rng.integers(0, len(palette), (rows, cols))]
    fan = _low_freq(rng, (rows, cols), (3, max(2, cols // 40)))
    home = rng.random((rows, cols)) < np.clip(0.35 + 0.4 * np.tanh(fan), 0, 0.9)
    away = ~home & (rng.random((rows, cols)) < np.clip(0.25 - 0.4 * np.tanh(fan), 0, 0.6))
    shirt[home] = np.asarray(colors[0], np.float32) * rng.uniform(0.6, 1.0, (int(home.sum()), 1))
    shirt[away] = np.asarray(colors[1], np.float32) * rng.uniform(0.6, 1.0, (int(away.sum()), 1))
    skin = np.array([[180, 200, 230], [130, 160, 200], [80, 110, 150], [50, 70, 100]], np.float32)
    head = skin[rng.integers(0, len(skin), (rows, cols))]
    hair = rng.random((rows, cols)) < 0.6
    head[hair] = head[hair] * 0.25
    empty = _low_freq(rng, (rows, cols), (4, max(2, cols // 30))) > rng.uniform(0.5, 1.8)
    seat = rng.uniform(40, 200, 3).astype(np.float32)
    H, Wd = rows * ch, cols * cw
    up = lambda a: cv2.resize(a, (Wd, H), interpolation=cv2.INTER_NEAREST)  # noqa: E731
    tile_torso = np.zeros((ch, cw), np.float32)
    cv2.ellipse(tile_torso, (cw // 2, ch - 1), (cw // 2, ch // 2), 0, 180, 360, 1.0, -1)
    tile_head = np.zeros((ch, cw), np.float32)
    cv2.circle(tile_head, (cw // 2, round(ch * 0.3)), max(1, round(cw * 0.25)), 1.0, -1)
    torso_m = np.tile(tile_torso, (rows, cols))
    head_m = np.tile(tile_head, (rows, cols))
    for r in range(rows):  # a little disorder: each row shifted
        sh = int(rng.integers(-3, 4))
        torso_m[r * ch:(r + 1) * ch] = np.roll(torso_m[r * ch:(r + 1) * ch], sh, axis=1)
        head_m[r * ch:(r + 1) * ch] = np.roll(head_m[r * ch:(r + 1) * ch], sh, axis=1)
    occ = up((~empty).astype(np.float32))
    torso_m *= occ
    head_m *= occ
    seats = np.empty((H, Wd, 3), np.float32)
    seats[:] = seat
    seats *= np.where((np.arange(H) % ch) > ch - 4, 0.45, 0.8)[:, None, None]
    seats[occ > 0] *= 0.35  # the dark gaps between seated people
    img = seats * (1 - torso_m[..., None]) + up(shirt) * torso_m[..., None]
    img = img * (1 - head_m[..., None]) + up(head) * head_m[..., None]
    img *= rng.uniform(0.75, 1.05, (1, Wd, 1)).astype(np.float32) ** 0.3
    for x in rng.uniform(0, Wd, int(length / 18)).astype(int):  # aisles
        img[:, x: x + int(ppm)] = img[:, x: x + int(ppm)] * 0.15 + 120
    shade = np.linspace(0.35 if not night else 0.25, 1.0, H)[:, None, None]  # roof shadow at the back
    img *= shade * (0.75 if night else 1.0)
    img = cv2.GaussianBlur(img, (0, 0), 0.7)
    return np.clip(img, 0, 255).astype(np.uint8)


def _wall(rng: np.random.Generator, length: float, height: float) -> np.ndarray:
    c = rng.uniform(30, 140, 3)
    img = np.ones((max(2, int(height * 10)), int(length * 10), 3), np.float32) * c
    img *= 1 + 0.05 * rng.normal(0, 1, (1, img.shape[1], 1))
    return np.clip(img, 0, 255).astype(np.uint8)


_LETTERS = np.array(list("ABCDEFGHIKLMNOPRSTUVWXYZ"))


def _board_texture(rng: np.random.Generator, length: float, height: float, ppm: float) -> np.ndarray:
    """Advertising boards: panels of 6-14 m with a background colour and a word in a contrasting colour."""
    th, tw = max(4, int(height * ppm)), int(length * ppm)
    img = np.zeros((th, tw, 3), np.uint8)
    x = 0
    while x < tw:
        pw = int(rng.uniform(6, 14) * ppm)
        bg = rng.integers(0, 256, 3)
        fg = np.where(bg.mean() > 128, rng.integers(0, 70, 3), rng.integers(190, 256, 3))
        img[:, x: x + pw] = bg
        word = "".join(rng.choice(_LETTERS, int(rng.integers(3, 9))))
        scale = th / 30.0
        (tw_, th_), _ = cv2.getTextSize(word, cv2.FONT_HERSHEY_DUPLEX, scale, 2)
        scale *= min(1.0, 0.85 * pw / max(tw_, 1))
        (tw_, th_), _ = cv2.getTextSize(word, cv2.FONT_HERSHEY_DUPLEX, scale, 2)
        org = (x + (pw - tw_) // 2, (th + th_) // 2)
        cv2.putText(img[:, :], word, org, cv2.FONT_HERSHEY_DUPLEX, scale, tuple(int(v) for v in fg),
                    max(1, int(scale * 2)), cv2.LINE_AA)
        x += pw
    img[:2] = 30
    return img
