"""Search of a pan-tilt-zoom camera at a known position.

Once the main camera's position is known (from any well-determined frame of the video), every later search for it
has three unknowns (pan, tilt, zoom) instead of six: a bank of poses at exactly that position is rendered once,
the frame's line evidence picks the most similar few, and each is aligned with the lines with the position held
(:func:`cv.calibration.ptz.refine_ptz`). Much cheaper than the search from nothing, and well posed on narrow shots
(a piece of the centre circle and one line) where a free homography is not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cv.calibration import dictionary
from cv.calibration.lines import LineEvidence, RefineResult, model_points
from cv.calibration.ptz import refine_ptz
from cv.calibration.verify import Agreement, agreement
from cv.pitch import DEFAULT_PITCH, PitchModel

PTZ_INIT_TAUS = (30.0, 20.0, 12.0, 8.0, 5.0, 3.0, 3.0)
HOLD = 1e4  # position prior: the camera stays where it is


@dataclass
class PTZBank:
    """Poses of one camera position: unit feature vectors (C, D), homographies at feature size (C, 3, 3) and
    pose parameters (C, 6)."""

    position: np.ndarray
    feats: np.ndarray
    H: np.ndarray
    params: np.ndarray
    size: tuple[int, int]


_PTZ_BANKS: dict[tuple, PTZBank] = {}


def ptz_bank(position: np.ndarray, fw: int, fh: int, pitch: PitchModel = DEFAULT_PITCH) -> PTZBank:
    """The bank of pan / tilt / zoom poses at ``position`` (kept in memory per position rounded to 0.5 m)."""
    pos = tuple(float(v) for v in np.round(np.asarray(position, dtype=float) * 2) / 2)
    key = (pos, fw, fh, pitch.length, pitch.width)
    if key in _PTZ_BANKS:
        return _PTZ_BANKS[key]
    Hs, params = dictionary._grid(pos, dictionary.HFOVS, 0.0, dictionary.PAN_MAX, fw, fh, pitch)
    Hs, params = np.concatenate(Hs), np.concatenate(params)
    feats, keep = [], []
    for hf in np.unique(params[:, 5]):
        sel = np.flatnonzero(params[:, 5] == hf)
        sp = float(np.clip(0.2 * hf / dictionary.HFOVS[0], 0.2, 1.0))
        f = dictionary.render_features(Hs[sel], fw, fh, pitch, spacing=sp, params=params[sel])
        seen = np.einsum("ij,ij->i", f, f) > 0.25  # drop poses that see no marking at all
        feats.append(f[seen])
        keep.append(sel[seen])
    k = np.concatenate(keep)
    bank = PTZBank(np.asarray(pos), np.concatenate(feats), Hs[k], params[k], (fw, fh))
    if len(_PTZ_BANKS) > 8:
        _PTZ_BANKS.clear()
    _PTZ_BANKS[key] = bank
    return bank


@dataclass
class PTZResult:
    """The best pan / tilt / zoom of the known camera for one frame."""

    refined: RefineResult
    agreement: Agreement
    similarity: float


def _candidates(ev: LineEvidence, position: np.ndarray, pitch: PitchModel, k: int
                ) -> tuple[PTZBank, list[int], np.ndarray, np.ndarray]:
    """The bank at ``position``, its ``k`` most similar distinct poses, their similarities and the scaling of
    feature px to working px."""
    h, w = ev.shape
    fw, fh = dictionary.feature_size((h, w))
    bank = ptz_bank(position, fw, fh, pitch)
    q = dictionary.query_features(ev.lines, fw, fh)
    sims = bank.feats @ q
    pool = min(200, len(sims))
    top = np.argpartition(-sims, pool - 1)[:pool]
    top = top[np.argsort(-sims[top])]
    S = np.array([[w / fw, 0, 0.5 * w / fw - 0.5], [0, h / fh, 0.5 * h / fh - 0.5], [0, 0, 1.0]])
    chosen: list[int] = []
    for i in top:
        if any(dictionary._same(bank.params[i], bank.params[j]) for j in chosen):
            continue
        chosen.append(int(i))
        if len(chosen) >= k:
            break
    return bank, chosen, sims, S


def _align(ev: LineEvidence, C: np.ndarray, starts: list[tuple[np.ndarray, float]], pitch: PitchModel,
           best: PTZResult | None = None) -> PTZResult | None:
    """Each start (working-px homography, similarity) aligned with the lines at ``C``; the best of them and
    ``best`` by agreement."""
    mp = model_points(pitch)
    for H0, sim in starts:
        r, _ = refine_ptz(H0 / H0[2, 2], C, ev, mp, taus=PTZ_INIT_TAUS, ridge_iters=2, position_prior=HOLD)
        if not np.isfinite(r.residual):
            continue
        a = agreement(r.H, ev, pitch, tol_px=1.5)
        if best is None or a.f1 > best.agreement.f1:
            best = PTZResult(r, a, sim)
    return best


def search_ptz(ev: LineEvidence, position: np.ndarray, pitch: PitchModel = DEFAULT_PITCH, k: int = 6
               ) -> PTZResult | None:
    """The pan / tilt / zoom at ``position`` (m) that best explains ``ev`` (working px); None without evidence.
    The ``k`` most similar distinct poses of the bank are aligned with the lines."""
    if ev.line_share <= 0:
        return None
    bank, chosen, sims, S = _candidates(ev, position, pitch, k)
    return _align(ev, bank.position, [(S @ bank.H[i], float(sims[i])) for i in chosen], pitch)


def search_ptz_closer(ev: LineEvidence, position: np.ndarray, pitch: PitchModel = DEFAULT_PITCH, k: int = 6,
                      refine_top: int = 3, best: PTZResult | None = None) -> PTZResult | None:
    """:func:`search_ptz` for when its poses leave the lines poorly explained (a grid pose a step off in zoom
    and pan may align with the wrong markings): the same ``k`` poses are first moved by a pattern search of pan,
    tilt and zoom on sharper features (:func:`cv.calibration.dictionary.local_search`, the position held), and
    the ``refine_top`` most similar after it are aligned. Returns the better of that and ``best``."""
    if ev.line_share <= 0:
        return best
    h, w = ev.shape
    bank, chosen, _, _ = _candidates(ev, position, pitch, k)
    fw, fh = dictionary.FINE_W, max(8, int(round(dictionary.FINE_W * h / w)))
    q = dictionary.query_features(ev.lines, fw, fh, sigma=dictionary.FINE_SIGMA)
    found = [dictionary.local_search(bank.params[i], q, fw, fh, pitch, fixed_position=True) for i in chosen]
    found = sorted(found, key=lambda ps: -ps[1])[:refine_top]
    return _align(ev, bank.position, [(dictionary.pose_homography(p, w, h), sim) for p, sim in found], pitch, best)


_END_FEATS: dict[tuple, tuple[dictionary.Bank, np.ndarray, np.ndarray]] = {}


def fit_end_camera(ev: LineEvidence, pitch: PitchModel = DEFAULT_PITCH, k: int = 4
                   ) -> tuple[Agreement, np.ndarray] | None:
    """The best fit of a camera behind a goal (a replay camera) to ``ev``: its agreement and position (m).

    The bank's behind-the-goal poses most similar to the evidence are aligned with the lines as cameras whose
    position may move (weakly held); a clear fit there means the frame is not from the main camera.
    """
    h, w = ev.shape
    if ev.line_share <= 0:
        return None
    fw, fh = dictionary.feature_size((h, w))
    bank = dictionary.get_bank(fw, fh, pitch)
    key = (fw, fh, pitch.length, pitch.width)
    if key not in _END_FEATS or _END_FEATS[key][0] is not bank:
        idx = np.flatnonzero(bank.end)
        _END_FEATS[key] = (bank, idx, np.ascontiguousarray(bank.feats[idx]))  # a tenth of the bank, copied once
    _, idx, feats = _END_FEATS[key]
    if not len(idx):
        return None
    sims = feats @ dictionary.query_features(ev.lines, fw, fh)
    order = idx[np.argsort(-sims)[:100]]
    S = np.array([[w / fw, 0, 0.5 * w / fw - 0.5], [0, h / fh, 0.5 * h / fh - 0.5], [0, 0, 1.0]])
    chosen: list[int] = []
    for i in order:
        if not any(dictionary._same(bank.params[i], bank.params[j]) for j in chosen):
            chosen.append(int(i))
        if len(chosen) >= k:
            break
    mp = model_points(pitch)
    best = None
    for i in chosen:
        H0 = S @ bank.H[i]
        r, pos = refine_ptz(H0 / H0[2, 2], bank.params[i, :3], ev, mp, taus=PTZ_INIT_TAUS, ridge_iters=1,
                            position_prior=0.05)
        if not np.isfinite(r.residual):
            continue
        a = agreement(r.H, ev, pitch, tol_px=1.5)
        if best is None or a.f1 > best[0].f1:
            best = (a, pos)
    return best
