"""Annotated broadcast video: tracked players by team with ids, the ball, the pitch model, and a radar.

Reads a processed match from the store and its source video; draws with supervision's
annotators (ellipses under players, labels, a triangle over the ball) and adds a top-down radar
of the pitch in metres (the store's coordinates) in a corner.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pyarrow as pa
import supervision as sv

from cv.pitch import DEFAULT_PITCH, PitchModel
from cv.video import VideoReader, write_video
from pitchlens.errors import InputError
from pitchlens.store import Store

TEAM_COLOURS = {"home": sv.Color.from_hex("#1f77b4"), "away": sv.Color.from_hex("#d62728"),
                None: sv.Color.from_hex("#bbbbbb")}
ROLE_COLOURS = {"referee": sv.Color.from_hex("#222222"), "goalkeeper": sv.Color.from_hex("#2ca02c")}
_PALETTE = ["home", "away", None, "referee", "goalkeeper"]


def _colour_index(team: str | None, role: str | None) -> int:
    if role in ("referee", "goalkeeper"):
        return _PALETTE.index(role)
    return _PALETTE.index(team if team in ("home", "away") else None)


def radar(points: list[tuple[float, float, int]], size: tuple[int, int] = (315, 204),
          pitch: PitchModel = DEFAULT_PITCH, colours: list[sv.Color] | None = None) -> np.ndarray:
    """A top-down pitch image (BGR) with ``points`` (x m, y m, colour index); +y drawn up."""
    w, h = size
    pad = 8
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = (40, 110, 40)
    sx = (w - 2 * pad) / pitch.length
    sy = (h - 2 * pad) / pitch.width

    def to_px(xy: np.ndarray) -> np.ndarray:
        return np.stack([pad + (xy[:, 0] + pitch.half_length) * sx, pad + (pitch.half_width - xy[:, 1]) * sy], 1)

    for m in pitch.markings:
        pts = to_px(m.points).round().astype(np.int32)
        cv2.polylines(img, [pts], m.closed, (235, 235, 235), 1, cv2.LINE_AA)
    palette = colours or [TEAM_COLOURS["home"], TEAM_COLOURS["away"], TEAM_COLOURS[None],
                          ROLE_COLOURS["referee"], ROLE_COLOURS["goalkeeper"]]
    for x, y, c in points:
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        u, v = to_px(np.array([[x, y]]))[0]
        col = palette[c].as_bgr()
        cv2.circle(img, (int(round(u)), int(round(v))), 4, col, -1, cv2.LINE_AA)
        cv2.circle(img, (int(round(u)), int(round(v))), 4, (255, 255, 255), 1, cv2.LINE_AA)
    return img


def annotate_match(store: str | os.PathLike, match_id: str, out: str | os.PathLike, video: str | None = None,
                   start: float | None = None, end: float | None = None, draw_pitch: bool = True,
                   with_radar: bool = True) -> int:
    """Write an annotated copy of a processed match's video to ``out``; returns the frames written."""
    st = Store(store)
    if st.manifest(match_id) is None:
        raise InputError(f"{store}: no match {match_id!r} in the store (see `pitchlens matches`)")
    m = st.read("matches", match_id).to_pylist()
    src = video or (m[0]["source"] if m else None)
    if not src or not Path(src).exists():
        raise InputError(f"{src}: source video of match {match_id} not found; pass --video PATH")
    tracks = st.read("tracks", match_id)
    frames = st.read("frames", match_id)
    by_frame = _group(tracks)
    H_by_frame = {f: h for f, h in zip(frames.column("frame").to_pylist(), frames.column("homography").to_pylist())
                  if h is not None}
    ellipse = sv.EllipseAnnotator(color=sv.ColorPalette([TEAM_COLOURS[k] if k in TEAM_COLOURS else ROLE_COLOURS[k]
                                                         for k in _PALETTE]), color_lookup=sv.ColorLookup.CLASS)
    label = sv.LabelAnnotator(color=sv.ColorPalette([TEAM_COLOURS[k] if k in TEAM_COLOURS else ROLE_COLOURS[k]
                                                     for k in _PALETTE]), color_lookup=sv.ColorLookup.CLASS,
                              text_scale=0.4, text_padding=3, text_position=sv.Position.BOTTOM_CENTER)
    ball = sv.TriangleAnnotator(color=sv.Color.from_hex("#ffd700"), base=14, height=12)
    reader = VideoReader(src, start=start, end=end)

    def frames_out():
        for i, _t, img in reader:
            img = img.copy()
            rows = by_frame.get(i)
            if draw_pitch and i in H_by_frame:
                _draw_pitch(img, np.asarray(H_by_frame[i]).reshape(3, 3))
            pts = []
            if rows is not None:
                is_ball = rows["role"] == "ball"
                people = ~is_ball & np.isfinite(rows["x1"])
                if people.any():
                    det = sv.Detections(xyxy=rows["box"][people], class_id=rows["colour"][people],
                                        tracker_id=rows["id"][people])
                    img = ellipse.annotate(img, det)
                    img = label.annotate(img, det, labels=[f"#{k}" for k in rows["id"][people]])
                b = is_ball & np.isfinite(rows["x1"])
                if b.any():
                    img = ball.annotate(img, sv.Detections(xyxy=rows["box"][b], class_id=np.zeros(b.sum(), int)))
                pts = [(x, y, c) for x, y, c, r in zip(rows["x"], rows["y"], rows["colour"], rows["role"])
                       if r != "ball"]
                pts += [(x, y, 2) for x, y, r in zip(rows["x"], rows["y"], rows["role"]) if r == "ball"]
            if with_radar:
                _paste_radar(img, radar(pts))
            yield img

    return write_video(out, frames_out(), fps=reader.info.fps)


def _group(tracks: pa.Table) -> dict[int, dict[str, np.ndarray]]:
    if tracks.num_rows == 0:
        return {}
    t = tracks.sort_by("frame")
    f = t.column("frame").to_numpy()
    cols = {
        "id": t.column("track_id").to_numpy(),
        "role": np.array(t.column("role").to_pylist(), dtype=object),
        "x1": t.column("x1").to_numpy(zero_copy_only=False).astype(float),
        "x": t.column("x").to_numpy(zero_copy_only=False).astype(float),
        "y": t.column("y").to_numpy(zero_copy_only=False).astype(float),
        "box": np.stack([t.column(c).to_numpy(zero_copy_only=False).astype(float)
                         for c in ("x1", "y1", "x2", "y2")], 1),
        "colour": np.array([_colour_index(tm, r) for tm, r in zip(t.column("team").to_pylist(),
                                                                  t.column("role").to_pylist())]),
    }
    cuts = np.flatnonzero(np.diff(f)) + 1
    out = {}
    for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(f)]):
        out[int(f[a])] = {k: v[a:b] for k, v in cols.items()}
    return out


def _draw_pitch(img: np.ndarray, H: np.ndarray, pitch: PitchModel = DEFAULT_PITCH) -> None:
    from cv.camera import apply_homography

    for m in pitch.markings:
        pts = np.vstack([m.points, m.points[:1]]) if m.closed else m.points
        # densify so that straight pitch lines stay right under perspective
        dense = np.concatenate([np.linspace(a, b, 12, endpoint=False) for a, b in zip(pts[:-1], pts[1:])] + [pts[-1:]])
        uv = apply_homography(H, dense)
        ok = np.isfinite(uv).all(1) & (np.abs(uv) < 1e5).all(1)
        if ok.sum() >= 2:
            cv2.polylines(img, [uv[ok].round().astype(np.int32)], False, (255, 0, 255), 1, cv2.LINE_AA)


def _paste_radar(img: np.ndarray, rad: np.ndarray, margin: int = 12) -> None:
    h, w = img.shape[:2]
    rh, rw = rad.shape[:2]
    if rh + margin > h or rw + margin > w:
        scale = min((h - margin) / rh, (w - margin) / rw) * 0.4
        rad = cv2.resize(rad, (int(rw * scale), int(rh * scale)))
        rh, rw = rad.shape[:2]
    y0, x0 = h - rh - margin, (w - rw) // 2
    roi = img[y0:y0 + rh, x0:x0 + rw]
    cv2.addWeighted(rad, 0.85, roi, 0.15, 0, dst=roi)
