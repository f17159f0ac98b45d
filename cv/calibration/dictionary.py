"""Calibration from nothing by dictionary search over synthetic broadcast camera poses.

A bank of main-camera poses (camera in the stand behind the near touchline, a few distances and heights, pan,
tilt and field of view on grids that scale with the field of view) is rendered once as small blurred images of
the projected pitch markings. A frame's line evidence, reduced to the same size and blurred the same way, is
compared with every entry at once (cosine similarity, one matrix-vector product); the best few distinct poses
are refined on the lines and the one that explains the evidence best wins. The camera-position prior of the
bank (near side only) settles the symmetry of the pitch: a far-side or mirrored camera is never a candidate.

The bank is deterministic and built in a few seconds; it is kept in memory and cached under
``~/.cache/pitchlens`` (``PITCHLENS_CACHE`` overrides the folder).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from cv.pitch import DEFAULT_PITCH, PitchModel

VERSION = 4
FEAT_W = 64  # feature image width (px); height follows the frame's aspect ratio
SIGMA = 2.0  # blur of the feature images (feature px): wide enough to bridge half a grid step
#: camera positions: horizontal distance from the centre spot (m) and elevation seen from it
DISTANCES = (54.0, 72.0, 96.0)
ELEVATIONS = tuple(np.radians((10.0, 17.0, 25.0)))
MAX_HEIGHT = 40.0
HFOVS = tuple(np.geomspace(np.radians(7.5), np.radians(72.0), 14))  # horizontal fields of view
PAN_MAX = np.radians(68.0)
TILT_RANGE = (np.radians(4.0), np.radians(40.0))
#: cameras behind a goal (replays): not calibrated, but a frame that matches them better than any main-camera
#: pose is not from the main camera. (x, y, z) for the right goal; mirrored for the left one.
END_POSITIONS = ((52.5 + 25.0, 0.0, 16.0), (52.5 + 40.0, 0.0, 26.0))
END_HFOVS = tuple(np.geomspace(np.radians(14.0), np.radians(60.0), 6))
END_PAN = np.radians(40.0)
STEP = 0.2  # grid step in pan / tilt, as a share of the horizontal / vertical field of view
MARGIN_M = 6.0  # the image centre must look at the pitch or this close to it


@dataclass
class Bank:
    """The rendered poses: unit feature vectors (C, D), homographies at feature size (C, 3, 3), pose parameters
    (C, 6: camera x, y, z, pan, tilt, hfov) and the feature image size."""

    feats: np.ndarray
    H: np.ndarray
    params: np.ndarray
    size: tuple[int, int]
    end: np.ndarray  # (C,) the pose is a camera behind a goal (never a calibration candidate)


def _positions() -> list[tuple[float, float, float]]:
    out = []
    for d in DISTANCES:
        for e in ELEVATIONS:
            z = d * float(np.tan(e))
            if z <= MAX_HEIGHT:
                out.append((0.0, -d, z))
    return out


def _homographies(pos: tuple[float, float, float] | np.ndarray, pan: np.ndarray, tilt: np.ndarray,
                  f: float | np.ndarray, fw: int, fh: int) -> np.ndarray:
    """Pitch homographies (C, 3, 3) of cameras at ``pos`` (as :class:`cv.camera.Camera`, no roll), vectorised;
    ``pos`` may be one position (3,) or one per pose (C, 3), ``f`` one focal length or one per pose."""
    cp, sp, ct, st = np.cos(pan), np.sin(pan), np.cos(tilt), np.sin(tilt)
    fwd = np.stack([sp * ct, cp * ct, -st], axis=1)
    right = np.stack([cp, -sp, np.zeros_like(cp)], axis=1)
    down = np.cross(fwd, right)
    R = np.stack([right, down, fwd], axis=1)  # (C, 3, 3) rows
    pos = np.broadcast_to(np.asarray(pos, dtype=float), (len(R), 3))
    t = -np.einsum("cij,cj->ci", R, pos)
    M = np.stack([R[:, :, 0], R[:, :, 1], t], axis=2)
    f = np.broadcast_to(np.asarray(f, dtype=float), (len(R),))[:, None]
    H = np.stack([f * M[:, 0] + fw / 2 * M[:, 2], f * M[:, 1] + fh / 2 * M[:, 2], M[:, 2]], axis=1)
    return H / H[:, 2:3, 2:3]


def _grid(pos: tuple[float, float, float], hfovs: tuple, pan_c: float, pan_half: float, fw: int, fh: int,
          pitch: PitchModel) -> tuple[list[np.ndarray], list[np.ndarray]]:
    Hs, params = [], []
    for hfov in hfovs:
        f = fw / 2 / np.tan(hfov / 2)
        vfov = 2 * np.arctan(fh / 2 / f)
        pans = np.arange(pan_c - pan_half, pan_c + pan_half + 1e-9, STEP * hfov)
        tilts = np.arange(TILT_RANGE[0], TILT_RANGE[1] + 1e-9, STEP * vfov)
        P, T = np.meshgrid(pans, tilts, indexing="ij")
        P, T = P.ravel(), T.ravel()
        # where the optical axis meets the ground
        fwd = np.stack([np.sin(P) * np.cos(T), np.cos(P) * np.cos(T), -np.sin(T)], axis=1)
        s = pos[2] / np.maximum(-fwd[:, 2], 1e-9)
        gx, gy = pos[0] + s * fwd[:, 0], pos[1] + s * fwd[:, 1]
        ok = (np.abs(gx) <= pitch.half_length + MARGIN_M) & (np.abs(gy) <= pitch.half_width + MARGIN_M)
        if not ok.any():
            continue
        Hs.append(_homographies(pos, P[ok], T[ok], f, fw, fh))
        n = int(ok.sum())
        params.append(np.column_stack([np.tile(pos, (n, 1)), P[ok], T[ok], np.full(n, hfov)]))
    return Hs, params


def _poses(fw: int, fh: int, pitch: PitchModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pose of the grid whose image centre looks at the pitch: homographies (C, 3, 3), parameters (C, 6)
    and whether the camera is behind a goal (C,)."""
    Hs, params, end = [], [], []
    for pos in _positions():
        h, p = _grid(pos, HFOVS, 0.0, PAN_MAX, fw, fh, pitch)
        Hs += h
        params += p
        end += [np.zeros(len(x), bool) for x in p]
    for x, y, z in END_POSITIONS:
        for sgn in (1.0, -1.0):
            h, p = _grid((sgn * x, y, z), END_HFOVS, -sgn * np.pi / 2, END_PAN, fw, fh, pitch)
            Hs += h
            params += p
            end += [np.ones(len(q), bool) for q in p]
    return np.concatenate(Hs), np.concatenate(params), np.concatenate(end)


_MARKS: dict[tuple[float, float, float], np.ndarray] = {}


def _marking_points(pitch: PitchModel, spacing: float = 0.2) -> np.ndarray:
    """Points every ``spacing`` metres along every marking (N, 2; float32, cached)."""
    key = (pitch.length, pitch.width, float(spacing))
    if key not in _MARKS:
        seg = np.concatenate([m.segments() for m in pitch.markings])  # (M, 2, 2)
        a, d = seg[:, 0], seg[:, 1] - seg[:, 0]
        n = np.maximum(1, np.ceil(np.linalg.norm(d, axis=1) / spacing).astype(int))
        k = np.repeat(np.arange(len(seg)), n)
        t = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n, n)
        _MARKS[key] = (a[k] + t[:, None] * d[k]).astype(np.float32)
    return _MARKS[key]


def _in_view(pts: np.ndarray, params: np.ndarray, fw: int) -> np.ndarray:
    """Which marking points (N, 2) can land inside the image of any of the poses ``params`` (C, 6: one camera
    position and field of view, pan / tilt ranges, no roll): a conservative test on each point's bearing (the
    image x of a ground point grows with its bearing off the pan; points far from the camera's foot behind it
    are never in view)."""
    C = params[0, :3]
    t = 1.1 * np.tan(params[0, 5] / 2) * (1 + 1 / fw)  # half-width of the image (with its half-pixel border)
    pmin, pmax = params[:, 3].min(), params[:, 3].max()
    tmin, tmax = params[:, 4].min(), params[:, 4].max()
    dx, dy = pts[:, 0] - C[0], pts[:, 1] - C[1]
    dh = np.hypot(dx, dy)
    beta = np.arctan2(dx, dy)  # bearing, measured like the pan
    off = np.maximum(np.maximum(pmin - beta, beta - pmax), 0.0)  # bearing off the nearest pan of the range
    front = (off <= np.pi / 2) & (dh * np.sin(off) <= t * (np.cos(tmin) * dh * np.cos(off) + np.sin(tmax) * C[2]))
    foot = dh < 1.5 * C[2] * np.tan(tmax) * max(t, 1.0)
    return front | foot


def render_features(Hs: np.ndarray, fw: int, fh: int, pitch: PitchModel = DEFAULT_PITCH, spacing: float = 0.2,
                    chunk: int = 256, sigma: float = SIGMA, params: np.ndarray | None = None) -> np.ndarray:
    """Blurred, unit-norm images (C, fh * fw) of the markings projected through each homography (feature px).

    ``params`` (C, 6), when all poses share one camera position and field of view (consecutive poses close in
    pan): each chunk projects only the marking points that can be in its view (same images, less work)."""
    pts = _marking_points(pitch, spacing)
    X_all = np.hstack([pts, np.ones((len(pts), 1), np.float32)])
    out = np.zeros((len(Hs), fh * fw), np.float32)
    pad = int(np.ceil(2.5 * sigma)) + 1
    for i0 in range(0, len(Hs), chunk):
        Hc = Hs[i0 : i0 + chunk].astype(np.float32)
        c = len(Hc)
        X = X_all if params is None else X_all[_in_view(pts, params[i0 : i0 + chunk], fw)]
        p = (X @ Hc.reshape(-1, 3).T).reshape(len(X), c, 3)  # one matrix product for the whole chunk
        z = p[..., 2]
        zi = 1.0 / np.where(z > 1e-6, z, -1.0)
        u = p[..., 0] * zi
        v = p[..., 1] * zi
        ok = (zi > 0) & (u > -0.5) & (u < fw - 0.5) & (v > -0.5) & (v < fh - 0.5)
        c_idx = np.broadcast_to(np.arange(c, dtype=np.intp), ok.shape)[ok]
        flat = c_idx * ((fh + pad) * fw) + (v[ok] + 0.5).astype(np.intp) * fw + (u[ok] + 0.5).astype(np.intp)
        img = np.zeros(c * (fh + pad) * fw, np.float32)
        img[flat] = 1.0
        # blur the images stacked in one tall image; ``pad`` empty rows between them keep them apart
        tall = np.vstack([np.zeros((pad, fw), np.float32), img.reshape(c * (fh + pad), fw)])
        tall = cv2.GaussianBlur(tall, (0, 0), sigma, borderType=cv2.BORDER_CONSTANT)
        out[i0 : i0 + c] = tall[pad:].reshape(c, fh + pad, fw)[:, :fh].reshape(c, -1)
    return _normalise(out, out=out)  # in place: the bank is large


def _normalise(f: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Unit-norm rows (``out=f`` divides in place)."""
    n = np.sqrt(np.einsum("...i,...i->...", f, f))[..., None]
    return np.divide(f, np.maximum(n, 1e-6), out=out)


def _cache_dir() -> Path:
    return Path(os.environ.get("PITCHLENS_CACHE") or Path.home() / ".cache" / "pitchlens")


_BANKS: dict[tuple, Bank] = {}


def get_bank(fw: int = FEAT_W, fh: int = 36, pitch: PitchModel = DEFAULT_PITCH) -> Bank:
    """The bank for feature images of ``fw`` x ``fh`` (built once; kept in memory and on disk)."""
    key = (fw, fh, pitch.length, pitch.width)
    if key in _BANKS:
        return _BANKS[key]
    tag = hashlib.sha1(repr((VERSION, key, DISTANCES, ELEVATIONS, MAX_HEIGHT, HFOVS, PAN_MAX, TILT_RANGE, STEP,
                             SIGMA, MARGIN_M, END_POSITIONS, END_HFOVS, END_PAN)).encode()).hexdigest()[:12]
    path = _cache_dir() / f"calib_bank_{tag}.npz"
    bank = None
    if path.is_file():
        try:
            with np.load(path) as z:
                bank = Bank(z["feats"], z["H"], z["params"], (fw, fh), z["end"])
        except (OSError, ValueError, KeyError):
            bank = None
    if bank is None:
        Hs, params, end = _poses(fw, fh, pitch)
        feats = np.empty((len(Hs), fw * fh), np.float32)
        for hf in np.unique(params[:, 5]):  # sparser marking points for the wider fields of view
            sel = np.flatnonzero(params[:, 5] == hf)
            feats[sel] = render_features(Hs[sel], fw, fh, pitch, spacing=float(np.clip(0.2 * hf / HFOVS[0], 0.2, 1.0)))
        keep = np.linalg.norm(feats, axis=1) > 0.5  # drop poses that see no marking at all
        bank = Bank(np.ascontiguousarray(feats[keep]), Hs[keep], params[keep], (fw, fh), end[keep])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + f".{os.getpid()}.tmp.npz")
            np.savez(tmp, feats=bank.feats, H=bank.H, params=bank.params, end=bank.end)
            tmp.replace(path)
        except OSError:
            pass
    _BANKS[key] = bank
    return bank


def feature_size(shape: tuple[int, int]) -> tuple[int, int]:
    """Feature image size (w, h) for a frame of ``shape`` (h, w)."""
    h, w = shape
    return FEAT_W, max(8, int(round(FEAT_W * h / w)))


def query_features(lines: np.ndarray, fw: int, fh: int, sigma: float = SIGMA) -> np.ndarray:
    """The feature vector of a line-evidence mask (uint8 0/255, any size): presence per cell, blurred, unit norm."""
    cell = cv2.resize(lines, (fw, fh), interpolation=cv2.INTER_AREA).astype(np.float32) * (1.0 / 255.0)
    img = (cell > 0.04).astype(np.float32)
    img = cv2.GaussianBlur(img, (0, 0), sigma, borderType=cv2.BORDER_CONSTANT)
    return _normalise(img.ravel())


def similarities(lines: np.ndarray, pitch: PitchModel = DEFAULT_PITCH) -> tuple[float, float]:
    """Best similarity of a line-evidence mask to a main-camera pose and to a camera behind a goal."""
    fw, fh = feature_size(lines.shape[:2])
    bank = get_bank(fw, fh, pitch)
    sims = bank.feats @ query_features(lines, fw, fh)
    return float(sims[~bank.end].max(initial=0.0)), float(sims[bank.end].max(initial=0.0))


@dataclass
class Candidate:
    """A bank pose: its index, similarity, homography at the working size and pose parameters."""

    index: int
    similarity: float
    H: np.ndarray
    params: np.ndarray


def search(lines: np.ndarray, k: int = 12, pitch: PitchModel = DEFAULT_PITCH,
           prior_position: tuple[float, float, float] | None = None, pool: int = 400) -> list[Candidate]:
    """The ``k`` most similar distinct bank poses for a line-evidence mask (homographies at the mask's size).

    ``prior_position`` (a camera position recovered earlier) restricts the search to the two nearest bank
    positions. Distinct: two candidates must differ by more than half a grid step in pan, tilt or zoom.
    """
    h, w = lines.shape[:2]
    fw, fh = feature_size((h, w))
    bank = get_bank(fw, fh, pitch)
    q = query_features(lines, fw, fh)
    sims = bank.feats @ q
    search.similarities = (float(sims[~bank.end].max(initial=0.0)), float(sims[bank.end].max(initial=0.0)))
    sims = np.where(bank.end, -1.0, sims)
    if prior_position is not None:
        pos = bank.params[:, :3]
        d = np.linalg.norm(pos[:, 1:] - np.asarray(prior_position, dtype=float)[1:], axis=1)
        near = np.unique(np.round(d, 3))[:2]
        sims = np.where(np.isin(np.round(d, 3), near), sims, -1.0)
    pool = min(pool, len(sims))
    top = np.argpartition(-sims, pool - 1)[:pool]
    top = top[np.argsort(-sims[top])]
    S = np.array([[w / fw, 0, 0.5 * w / fw - 0.5], [0, h / fh, 0.5 * h / fh - 0.5], [0, 0, 1.0]])
    out: list[Candidate] = []
    for i in top:
        p = bank.params[i]
        if any(_same(p, c.params) for c in out):
            continue
        Hw = S @ bank.H[i]
        out.append(Candidate(int(i), float(sims[i]), Hw / Hw[2, 2], p))
        if len(out) >= k:
            break
    return out


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if not np.allclose(a[:3], b[:3]):
        return False
    f = min(a[5], b[5])
    return bool(abs(a[3] - b[3]) < 1.01 * STEP * f and abs(a[4] - b[4]) < 1.01 * STEP * f * 0.6
                and max(a[5], b[5]) / f < 1.25)


def camera_from_homography(H: np.ndarray, width: int, height: int) -> tuple[np.ndarray, float] | None:
    """Camera centre (x, y, z, metres) and focal length (px) of a pitch homography, principal point at the image
    centre and square pixels assumed; None when ``H`` is no camera looking at the ground from above."""
    r = _camera(H, width, height)
    return None if r is None else (r[0], r[1])


def camera_gap(H: np.ndarray, width: int, height: int) -> float:
    """How far (px, largest image-corner shift) ``H`` is from the homography of the nearest-fitting real camera
    (square pixels, centred principal point); inf when none fits."""
    from cv.calibration.filter import corner_shift

    r = _camera(H, width, height)
    if r is None:
        return float("inf")
    C, f, R = r
    K = np.array([[f, 0, width / 2], [0, f, height / 2], [0, 0, 1.0]])
    t = -R.T @ C  # R here maps camera axes to world: world->camera rotation is R.T
    Hc = K @ np.stack([R.T[:, 0], R.T[:, 1], t], axis=1)
    Hc = Hc / Hc[2, 2]
    return corner_shift(np.asarray(H, dtype=float) / H[2, 2], Hc, (height, width))


def _camera(H: np.ndarray, width: int, height: int) -> tuple[np.ndarray, float, np.ndarray] | None:
    s = float(width)
    K0 = np.array([[s, 0, width / 2], [0, s, height / 2], [0, 0, 1.0]])
    M = np.linalg.solve(K0, np.asarray(H, dtype=float))
    m1, m2 = M[:, 0], M[:, 1]
    # unknowns: w = 1 / g^2 with focal = g * s; orthogonality and equal norm of the first two rotation columns
    a = np.array([m1[0] * m2[0] + m1[1] * m2[1], m1[0] ** 2 + m1[1] ** 2 - m2[0] ** 2 - m2[1] ** 2])
    b = np.array([m1[2] * m2[2], m1[2] ** 2 - m2[2] ** 2])
    den = float(a @ a)
    if den <= 1e-18:
        return None
    wv = -float(a @ b) / den
    if not np.isfinite(wv) or wv <= 1e-6:
        return None
    g = 1.0 / np.sqrt(wv)
    Kg = np.diag([1 / g, 1 / g, 1.0])
    r1, r2, t = Kg @ m1, Kg @ m2, Kg @ M[:, 2]
    lam = 2.0 / (np.linalg.norm(r1) + np.linalg.norm(r2))
    r1, r2, t = r1 * lam, r2 * lam, t * lam
    if t[2] < 0:  # the pitch origin must lie in front of the camera... or the camera below: flip the sign
        r1, r2, t = -r1, -r2, -t
    R = np.stack([r1, r2, np.cross(r1, r2)], axis=1)
    U, _, Vt = np.linalg.svd(R)
    R = U @ Vt
    C = -R.T @ t
    if C[2] < 0:
        return None
    return C, g * s, R.T


FINE_W = 128  # width of the feature images of the local search
FINE_SIGMA = 1.5


def pose_homography(params: np.ndarray, width: int, height: int) -> np.ndarray:
    """The pitch homography of pose parameters (x, y, z, pan, tilt, hfov) for an image of ``width`` x ``height``."""
    return _poses_homographies(np.asarray(params, dtype=float)[None], width, height)[0]


def _poses_homographies(P: np.ndarray, width: int, height: int) -> np.ndarray:
    """Homographies (C, 3, 3) of pose parameters (C, 6), vectorised."""
    f = width / 2 / np.tan(P[:, 5] / 2)
    return _homographies(P[:, :3], P[:, 3], P[:, 4], f, width, height)


def local_search(params: np.ndarray, q: np.ndarray, fw: int, fh: int, pitch: PitchModel = DEFAULT_PITCH,
                 iters: int = 10, fixed_position: bool = False) -> tuple[np.ndarray, float]:
    """Pattern search of the pose around ``params`` that maximises the similarity to query features ``q``
    (of size ``fw`` x ``fh``, blurred by ``FINE_SIGMA``); returns the pose and its similarity.
    ``fixed_position``: only pan, tilt and the field of view move (a camera whose position is known)."""
    p = np.asarray(params, dtype=float).copy()
    hfov = p[5]
    vfov = 2 * np.arctan(np.tan(hfov / 2) * fh / fw)
    # steps: x, y, z (m), pan, tilt (rad), log hfov
    step = np.array([6.0, 10.0, 5.0, 0.5 * STEP * hfov, 0.5 * STEP * vfov, 0.5 * np.log(HFOVS[1] / HFOVS[0])])
    best = float(render_features(pose_homography(p, fw, fh)[None], fw, fh, pitch, sigma=FINE_SIGMA)[0] @ q)
    for _ in range(iters):
        moves = []
        for k in range(3 if fixed_position else 0, 6):
            for sgn in (-1.0, 1.0):
                m = p.copy()
                if k == 5:
                    m[5] = np.clip(p[5] * np.exp(sgn * step[5]), np.radians(3.0), np.radians(100.0))
                else:
                    m[k] += sgn * step[k]
                if fixed_position or (m[2] > 2.0 and m[1] < -pitch.half_width - 3.0):
                    moves.append(m)
        P = np.array(moves)
        s = render_features(_poses_homographies(P, fw, fh), fw, fh, pitch, sigma=FINE_SIGMA) @ q
        j = int(np.argmax(s))
        if s[j] > best:
            best, p = float(s[j]), P[j]
        else:
            step *= 0.5
    return p, best
