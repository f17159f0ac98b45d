"""Broadcast graphics: the score bug in a corner, the replay tag, and full-screen graphics cards."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_ABBR = ["ARS", "BAR", "BAY", "CEL", "DOR", "FCP", "INT", "JUV", "LIV", "MCI", "MIL", "NAP", "OLY", "PSG", "RMA",
         "ROM", "SEV", "TOT", "VAL", "AJA", "BEN", "LEV", "ATA", "RBL"]


@dataclass
class Broadcast:
    """The graphics package of one clip: team names and colours, score, clock, bug position and style."""

    home: str
    away: str
    home_color: tuple[int, int, int]
    away_color: tuple[int, int, int]
    score: tuple[int, int]
    minute0: float
    corner: str
    scale: float
    panel: tuple[int, int, int]
    logo: str = ""
    logo_alpha: float = 0.0

    @staticmethod
    def sample(rng: np.random.Generator, home_color, away_color) -> Broadcast:
        a, b = rng.choice(_ABBR, 2, replace=False)
        return Broadcast(str(a), str(b), tuple(int(v) for v in home_color), tuple(int(v) for v in away_color),
                         (int(rng.integers(0, 4)), int(rng.integers(0, 4))), float(rng.uniform(1, 88)),
                         str(rng.choice(["tl", "tl", "tr"])), float(rng.uniform(0.8, 1.2)),
                         tuple(int(v) for v in rng.integers(10, 70, 3)),
                         "".join(rng.choice(list("ABCDEFGHKLMNPRSTUVXZ"), int(rng.integers(2, 5)))) + " HD",
                         float(rng.uniform(0.35, 0.8)) if rng.random() < 0.6 else 0.0)

    def score_bug(self, img: np.ndarray, t: float, ids: np.ndarray | None = None, replay: bool = False) -> None:
        """Draw the score bug (and REPLAY tag); identities under it are erased."""
        h, w = img.shape[:2]
        s = self.scale * h / 720
        bw, bh = int(300 * s), int(34 * s)
        x0 = int(40 * s) if self.corner == "tl" else w - bw - int(40 * s)
        y0 = int(30 * s)
        m, sec = divmod(int(self.minute0 * 60 + t), 60)
        boxes = [(x0, y0, x0 + bw, y0 + bh)]
        cv2.rectangle(img, (x0, y0), (x0 + bw, y0 + bh), self.panel, -1)
        cv2.rectangle(img, (x0, y0), (x0 + int(6 * s), y0 + bh), self.home_color, -1)
        cv2.rectangle(img, (x0 + int(150 * s), y0), (x0 + int(156 * s), y0 + bh), self.away_color, -1)
        font, fs, th = cv2.FONT_HERSHEY_SIMPLEX, 0.7 * s, max(1, int(2 * s))
        text = f"{self.home} {self.score[0]}-{self.score[1]} {self.away}"
        cv2.putText(img, text, (x0 + int(14 * s), y0 + int(24 * s)), font, fs, (245, 245, 245), th, cv2.LINE_AA)
        cv2.putText(img, f"{m:02d}:{sec:02d}", (x0 + int(215 * s), y0 + int(24 * s)), font, fs, (245, 245, 245), th,
                    cv2.LINE_AA)
        if self.logo_alpha > 0:  # a translucent channel logo in the opposite top corner
            lx = w - int(150 * s) if self.corner == "tl" else int(40 * s)
            over = img.copy()
            cv2.putText(over, self.logo, (lx, int(60 * s)), cv2.FONT_HERSHEY_DUPLEX, 0.9 * s, (250, 250, 250),
                        max(1, int(2 * s)), cv2.LINE_AA)
            (tw, th), _ = cv2.getTextSize(self.logo, cv2.FONT_HERSHEY_DUPLEX, 0.9 * s, max(1, int(2 * s)))
            y0l, y1l, x0l, x1l = max(int(60 * s) - th - 2, 0), int(60 * s) + 4, max(lx - 2, 0), lx + tw + 2
            img[y0l:y1l, x0l:x1l] = cv2.addWeighted(over[y0l:y1l, x0l:x1l], self.logo_alpha,
                                                   img[y0l:y1l, x0l:x1l], 1 - self.logo_alpha, 0)
        if replay:
            rx0, ry0 = w - int(170 * s), int(30 * s)
            boxes.append((rx0, ry0, rx0 + int(130 * s), ry0 + bh))
            cv2.rectangle(img, (rx0, ry0), (rx0 + int(130 * s), ry0 + bh), (30, 30, 200), -1)
            cv2.putText(img, "REPLAY", (rx0 + int(12 * s), ry0 + int(25 * s)), font, fs, (255, 255, 255), th,
                        cv2.LINE_AA)
        if ids is not None:
            for bx0, by0, bx1, by1 in boxes:
                ids[max(by0, 0):by1 + 1, max(bx0, 0):bx1 + 1] = 0

    def card(self, size: tuple[int, int], t: float, rng_seed: int) -> np.ndarray:
        """A full-screen graphics card (line-ups or match statistics) on a gradient."""
        w, h = size
        rng = np.random.default_rng(rng_seed)
        top = np.array(self.panel, np.float32)
        bot = np.array(self.home_color, np.float32) * 0.5
        g = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
        img = (top * (1 - g) + bot * g) * np.ones((1, w, 1), np.float32)
        img = np.clip(img, 0, 255).astype(np.uint8)
        s = h / 720
        font = cv2.FONT_HERSHEY_DUPLEX
        cv2.putText(img, f"{self.home}  {self.score[0]} - {self.score[1]}  {self.away}", (int(w * 0.2), int(120 * s)),
                    font, 1.6 * s, (255, 255, 255), max(1, int(3 * s)), cv2.LINE_AA)
        for k, label in enumerate(["POSSESSION", "SHOTS", "CORNERS", "PASSES", "DISTANCE"]):
            y = int((220 + 80 * k) * s)
            a, b = int(rng.integers(1, 70)), int(rng.integers(1, 70))
            cv2.putText(img, label, (int(w * 0.42), y), font, 0.9 * s, (230, 230, 230), max(1, int(2 * s)), cv2.LINE_AA)
            cv2.putText(img, str(a), (int(w * 0.2), y), font, 1.1 * s, (255, 255, 255), max(1, int(2 * s)), cv2.LINE_AA)
            cv2.putText(img, str(b), (int(w * 0.75), y), font, 1.1 * s, (255, 255, 255), max(1, int(2 * s)),
                        cv2.LINE_AA)
            frac = a / (a + b)
            x0, x1 = int(w * 0.2), int(w * 0.8)
            cv2.rectangle(img, (x0, y + int(14 * s)), (x0 + int((x1 - x0) * frac), y + int(22 * s)), self.home_color,
                          -1)
            cv2.rectangle(img, (x0 + int((x1 - x0) * frac), y + int(14 * s)), (x1, y + int(22 * s)), self.away_color,
                          -1)
        return img

    def wipe(self, img: np.ndarray, progress: float, ids: np.ndarray | None = None) -> None:
        """A replay transition: a slanted band in the team colours sweeping across the picture, with a logo."""
        h, w = img.shape[:2]
        cx = -0.3 * w + progress * 1.6 * w
        half = 0.22 * w
        slant = 0.25 * w
        poly = np.array([[cx - half + slant, 0], [cx + half + slant, 0], [cx + half - slant, h],
                         [cx - half - slant, h]], np.int32)
        inner = np.array([[cx - half * 0.55 + slant, 0], [cx + half * 0.55 + slant, 0],
                          [cx + half * 0.55 - slant, h], [cx - half * 0.55 - slant, h]], np.int32)
        cv2.fillConvexPoly(img, poly, self.home_color)
        cv2.fillConvexPoly(img, inner, self.panel)
        s = h / 720
        cv2.putText(img, self.logo or "REPLAY", (int(cx - 80 * s), h // 2), cv2.FONT_HERSHEY_DUPLEX, 1.4 * s,
                    (255, 255, 255), max(1, int(3 * s)), cv2.LINE_AA)
        if ids is not None:
            cv2.fillConvexPoly(ids, poly, 0)
