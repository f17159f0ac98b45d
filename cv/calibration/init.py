"""Calibration from nothing: dictionary search of broadcast camera poses, local pose search, line alignment.

1. :func:`cv.calibration.dictionary.search` ranks a bank of synthetic main-camera poses by the similarity of
   their rendered markings to the frame's line evidence and returns the best distinct ones;
2. each is improved by a pattern search of the camera pose on sharper features;
3. then aligned with the painted lines (:func:`cv.calibration.lines.refine`, wide-basin then tight);
4. the winner explains the evidence best both ways (:func:`cv.calibration.verify.agreement`), with a penalty
   for homographies no real camera produces and no main-camera candidate outside the stand behind the near
   touchline.

When the winner is not good enough, :func:`refit` fits a full camera (:mod:`cv.calibration.camera_fit`) from the
best poses instead of a free homography; the caller judges its result on the same terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cv.calibration import dictionary
from cv.calibration.camera_fit import camera_from_pose, fit_best
from cv.calibration.lines import LineEvidence, RefineResult, model_points, refine, score
from cv.calibration.verify import Agreement, agreement, plausible_main_camera
from cv.pitch import DEFAULT_PITCH, PitchModel

INIT_TAUS = (40.0, 30.0, 20.0, 15.0, 10.0, 7.0, 5.0, 4.0, 3.0, 3.0, 3.0)
GAP_WEIGHT = 0.003  # score penalty per px of distance to the nearest real camera (at 640 px width)


@dataclass
class InitResult:
    """The best calibration from nothing of one frame, with the evidence it rests on."""

    refined: RefineResult
    agreement: Agreement
    camera_gap: float  # px (working), distance of the homography to the nearest real camera
    position: np.ndarray | None  # recovered camera centre (m)
    plausible: bool  # the camera is where a main camera stands
    similarity: float  # dictionary similarity of the starting pose
    main_similarity: float = 0.0  # best dictionary similarity of a main-camera pose
    end_similarity: float = 0.0  # best dictionary similarity of a camera behind a goal
    poses: list[np.ndarray] = field(default_factory=list)  # locally searched poses of the candidates, best first

    @property
    def score(self) -> float:
        return self.agreement.f1 - GAP_WEIGHT * min(self.camera_gap, 100.0)


def initialise(ev: LineEvidence, pitch: PitchModel = DEFAULT_PITCH, k: int = 10,
               prior_position: tuple[float, float, float] | None = None, refine_top: int = 0) -> InitResult | None:
    """Find the camera of a frame from its line evidence alone (working px); None when there is no evidence.

    ``refine_top`` > 0: of the ``k`` poses found, only that many, the most similar after the local pose search,
    are aligned with the lines (the alignment costs about as much as the local search)."""
    h, w = ev.shape
    if ev.line_share <= 0:
        return None
    cands = dictionary.search(ev.lines, k=k, pitch=pitch, prior_position=prior_position)
    main_sim, end_sim = getattr(dictionary.search, "similarities", (0.0, 0.0))
    if not cands:
        return None
    fw, fh = dictionary.FINE_W, max(8, int(round(dictionary.FINE_W * h / w)))
    q = dictionary.query_features(ev.lines, fw, fh, sigma=dictionary.FINE_SIGMA)
    mp = model_points(pitch)
    scale = 640.0 / w
    best: InitResult | None = None
    ranked: list[tuple[tuple[bool, float], np.ndarray]] = []
    found = [(c, *dictionary.local_search(c.params, q, fw, fh, pitch)) for c in cands]
    if refine_top > 0:  # only the poses most similar to the evidence after the local search are aligned
        found = sorted(found, key=lambda cps: -cps[2])[:refine_top]
    for c, p, _ in found:
        H0 = dictionary.pose_homography(p, w, h)
        r = refine(H0, ev, mp, taus=INIT_TAUS, ridge_iters=0, pitch=pitch)
        if not np.isfinite(r.residual):
            continue
        r = refine(r.H, ev, mp, taus=(3.0, 3.0), pitch=pitch)
        a = agreement(r.H, ev, pitch, tol_px=1.0)
        cam = dictionary.camera_from_homography(r.H, w, h)
        pos = None if cam is None else cam[0]
        res = InitResult(r, a, dictionary.camera_gap(r.H, w, h) * scale, pos, plausible_main_camera(pos, pitch),
                         c.similarity, main_sim, end_sim)
        ranked.append(((res.plausible, res.score), p))
        if best is None or (res.plausible, res.score) > (best.plausible, best.score):
            best = res
    if best is not None:
        best.poses = [p for _, p in sorted(ranked, key=lambda kp: kp[0], reverse=True)]
    return best


def refit(ir: InitResult, ev: LineEvidence, pitch: PitchModel = DEFAULT_PITCH, starts: int = 3,
          max_nfev: int = 30) -> InitResult | None:
    """The full camera (position, pan, tilt, roll, focal; no distortion: a homography holds none) fitted to the
    line evidence from the ``starts`` best poses of ``ir`` (:func:`cv.calibration.camera_fit.fit_best`), scored
    like a candidate of :func:`initialise`; None when no fit sees enough of the pitch."""
    h, w = ev.shape
    cams = [camera_from_pose(p, w, h) for p in ir.poses[:starts]]
    if not cams:
        return None
    fit = fit_best(cams, ev.lines, ev.field, ev.players, pitch, fit_k1=False, max_nfev=max_nfev)
    if fit is None:
        return None
    H = fit.camera.with_(k1=0.0).homography
    r = score(H / H[2, 2], ev, model_points(pitch))
    if not np.isfinite(r.residual):
        return None
    a = agreement(r.H, ev, pitch, tol_px=1.0)
    cam = dictionary.camera_from_homography(r.H, w, h)
    pos = None if cam is None else cam[0]
    return InitResult(r, a, dictionary.camera_gap(r.H, w, h) * 640.0 / w, pos, plausible_main_camera(pos, pitch),
                      ir.similarity, ir.main_similarity, ir.end_similarity, ir.poses)
