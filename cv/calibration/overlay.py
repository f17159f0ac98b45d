"""Drawing the projected pitch model on a frame, for eyeballing a calibration."""

from __future__ import annotations

import cv2
import numpy as np

from cv.pitch import DEFAULT_PITCH, PitchModel


def draw_pitch(image: np.ndarray, H: np.ndarray | None, pitch: PitchModel = DEFAULT_PITCH,
               color: tuple[int, int, int] = (255, 0, 255), thickness: int = 2, label: str | None = None) -> np.ndarray:
    """A copy of ``image`` with every marking projected through ``H`` (pitch m -> px) and an optional label."""
    out = image.copy()
    if H is not None:
        H = np.asarray(H, dtype=float)
        for m in pitch.markings:
            for a, b in m.segments():
                t = np.linspace(0, 1, max(2, int(np.linalg.norm(b - a) / 0.5)))[:, None]
                p = a + t * (b - a)
                q = np.hstack([p, np.ones((len(p), 1))]) @ H.T
                ok = q[:, 2] > 1e-6
                if ok.sum() < 2:
                    continue
                uv = q[ok, :2] / q[ok, 2:3]
                if np.abs(uv).max() > 1e5:
                    continue
                cv2.polylines(out, [np.round(uv * 4).astype(np.int32)], False, color, thickness, cv2.LINE_AA, shift=2)
    if label:
        cv2.putText(out, label, (10, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 4, cv2.LINE_AA)
        cv2.putText(out, label, (10, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2, cv2.LINE_AA)
    return out
