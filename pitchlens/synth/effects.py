"""Camera and transmission effects: motion blur, optics softness, sensor noise, JPEG blocking, lens distortion."""

from __future__ import annotations

import cv2
import numpy as np


class Effects:
    """Per-clip effect settings with pre-computed noise, applied to each finished frame."""

    def __init__(self, rng: np.random.Generator, size: tuple[int, int], blur_sigma: float, noise_sigma: float,
                 motion_blur: float, jpeg_quality: int | None = None, k1: float = 0.0) -> None:
        w, h = size
        self.blur_sigma = blur_sigma * min(1.0, w / 1280) ** 0.5
        self.motion_blur = motion_blur
        self.jpeg_quality = jpeg_quality
        self.k1 = k1
        self.noise = [np.repeat(rng.normal(0, noise_sigma, (h, w, 1)).round().astype(np.int16), 3, axis=2)
                      for _ in range(3)] if noise_sigma else []
        self.maps = _distortion_maps(w, h, k1) if k1 else None
        # colour grading: white balance, gamma and contrast as one lookup table; optional vignette
        gains = rng.uniform(0.92, 1.08, 3)
        gamma = rng.uniform(0.85, 1.15)
        contrast = rng.uniform(0.9, 1.12)
        x = np.arange(256, dtype=np.float64) / 255.0
        lut = [np.clip(((x ** gamma - 0.5) * contrast + 0.5) * g, 0, 1) * 255 for g in gains]
        self.lut = np.stack(lut, axis=1).astype(np.uint8)[:, None, :]  # (256, 1, 3) for cv2.LUT
        vig = rng.uniform(0.0, 0.3) if rng.random() < 0.6 else 0.0
        if vig > 0.02:
            yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
            r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
            v = np.clip(1 - vig * r2 / 2, 0, 1) * 255
            self.vignette = cv2.cvtColor(v.astype(np.uint8), cv2.COLOR_GRAY2BGR)
        else:
            self.vignette = None

    def camera_blur(self, img: np.ndarray, px: float) -> np.ndarray:
        """Horizontal smear of ``px`` pixels (times the clip's shutter factor) from a panning camera."""
        k = int(round(px * self.motion_blur))
        if k >= 2:
            img = cv2.blur(img, (min(k, 25), 1))
        return img

    def finish(self, img: np.ndarray, index: int) -> np.ndarray:
        """Colour grading, vignette, optics softness, sensor noise and (optionally) a JPEG round trip."""
        img = cv2.LUT(img, self.lut)
        if self.vignette is not None:
            img = cv2.multiply(img, self.vignette, scale=1 / 255.0)
        if self.blur_sigma > 0.25:
            img = cv2.GaussianBlur(img, (0, 0), self.blur_sigma)
        if self.noise:
            n = self.noise[index % len(self.noise)]
            img = cv2.add(img, n, dtype=cv2.CV_8U)  # saturating
        if self.jpeg_quality:
            ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(self.jpeg_quality)])
            img = cv2.imdecode(buf, cv2.IMREAD_COLOR)
        return img

    def distort(self, img: np.ndarray, ids: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Radial lens distortion (k1) of the image and of its identity map (nearest neighbour)."""
        if self.maps is None:
            return img, ids
        mx, my = self.maps
        img = cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if ids is not None:
            ids = cv2.remap(ids, mx, my, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return img, ids


def _distortion_maps(w: int, h: int, k1: float) -> tuple[np.ndarray, np.ndarray]:
    """Maps for ``cv2.remap``: each distorted output pixel samples the undistorted render.

    The model is the camera's: x_d = x_u (1 + k1 r_u^2) with normalised coordinates (focal = w here, which only
    rescales k1). The inverse is found with a few fixed-point steps.
    """
    f = float(w)
    u, v = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    xd, yd = (u - w / 2) / f, (v - h / 2) / f
    xu, yu = xd.copy(), yd.copy()
    for _ in range(5):
        d = 1 + k1 * (xu * xu + yu * yu)
        xu, yu = xd / d, yd / d
    return (xu * f + w / 2).astype(np.float32), (yu * f + h / 2).astype(np.float32)
