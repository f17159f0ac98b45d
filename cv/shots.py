"""Shot types (main wide camera / close-up / other) from cheap evidence, cut detection, and one label per shot.

Per frame: grass share, the grass area, person sizes and non-grass blobs vote for a shot type. Cuts split the
video into shots (segments); a broadcaster's shot has one type, so the label of a segment is voted over its
frames (:class:`ShotSegment`) and earlier frames of the segment follow when the vote changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from cv.masks import components


@dataclass
class ShotFeatures:
    """Cheap per-frame evidence for the shot type."""

    grass_share: float  # share of grass-coloured pixels in the frame
    field_share: float  # share of the frame inside the grass area
    person_height: float  # median detected person height / frame height (0 when unknown)
    blob_share: float  # largest non-grass blob inside the grass area / frame area
    line_share: float  # share of painted-line pixels
    person_max: float = 0.0  # tallest detected person / frame height (0 when unknown)


def shot_features(grass: np.ndarray, field: np.ndarray, lines: np.ndarray | None, boxes: np.ndarray | None,
                  frame_height: int) -> ShotFeatures:
    """Compute :class:`ShotFeatures` from working-resolution masks and detection boxes (original pixels)."""
    n = grass.size
    person = tallest = 0.0
    if boxes is not None and len(boxes):
        b = np.asarray(boxes, dtype=float)
        person = float(np.median(b[:, 3] - b[:, 1])) / frame_height
        tallest = float(np.max(b[:, 3] - b[:, 1])) / frame_height
    holes = cv2.bitwise_and(field, cv2.bitwise_not(grass))
    holes = cv2.morphologyEx(holes, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))[::2, ::2]  # blobs: half size is plenty
    blob = 0.0
    k, _, stats = components(holes)
    if k > 1:
        blob = float(stats[1:, cv2.CC_STAT_AREA].max()) / holes.size
    return ShotFeatures(
        grass_share=cv2.countNonZero(grass) / n,
        field_share=cv2.countNonZero(field) / n,
        person_height=person,
        person_max=tallest,
        blob_share=blob,
        line_share=0.0 if lines is None else cv2.countNonZero(lines) / n,
    )


def classify_shot(f: ShotFeatures, min_grass_share: float = 0.35, closeup_person_height: float = 0.3,
                  closeup_blob_share: float = 0.04) -> str:
    """``main`` / ``closeup`` / ``other`` from :class:`ShotFeatures`."""
    if f.grass_share < min_grass_share * 0.5 or f.field_share < min_grass_share:
        return "other"
    # the main camera never shows a person a third of the frame tall; a close-up does (even when the detector
    # finds only that one person among smaller false detections)
    if (f.person_height > closeup_person_height or f.person_max > closeup_person_height * 1.2
            or f.blob_share > closeup_blob_share):
        return "closeup"
    if f.grass_share < min_grass_share:
        return "other"
    return "main"


BUSY_CHANGE = 8.0  # mean change of the thumbnail's brightness (0..255) above which the picture itself changed
SOFT_DISTANCE = 0.15  # colour-histogram distance that, with a changed picture, makes a cut


class CutDetector:
    """Cuts from the change of a coarse colour histogram and of a brightness thumbnail between consecutive frames.

    A cut between two pitch views keeps the colours (grass) but changes the picture: a histogram distance above
    ``threshold``, or above ``SOFT_DISTANCE`` together with a thumbnail change above ``BUSY_CHANGE``, is a cut.
    ``busy`` tells that the picture changed (a cut or a frame of a gradual transition such as a wipe); a pan of
    the main camera moves the thumbnail by a few levels only.
    """

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self.prev: np.ndarray | None = None
        self.prev_thumb: np.ndarray | None = None
        self.last_distance = 0.0
        self.last_change = 0.0
        self.busy = False

    def reset(self) -> None:
        self.prev = None
        self.prev_thumb = None

    def update(self, hsv: np.ndarray) -> bool:
        """True when ``hsv`` (an HSV frame, any size) starts a new shot."""
        small = hsv[::4, ::4]
        hist = cv2.calcHist([small], [0, 1, 2], None, [18, 4, 4], [0, 180, 0, 256, 0, 256])
        cv2.normalize(hist, hist, 1.0, 0.0, cv2.NORM_L1)
        thumb = cv2.resize(np.ascontiguousarray(hsv[..., 2]), (40, 20), interpolation=cv2.INTER_AREA)
        thumb = thumb.astype(np.float32)
        cut = False
        self.busy = False
        self.last_change = BUSY_CHANGE  # unknown: neither still nor changed
        if self.prev is not None:
            self.last_distance = float(cv2.compareHist(self.prev, hist, cv2.HISTCMP_BHATTACHARYYA))
            self.last_change = float(np.mean(np.abs(thumb - self.prev_thumb)))
            self.busy = self.last_change > BUSY_CHANGE
            cut = self.last_distance > self.threshold or (self.busy and self.last_distance > SOFT_DISTANCE)
        self.prev, self.prev_thumb = hist, thumb
        return cut


@dataclass
class ShotSegment:
    """The frames since the last cut and their evidence; :meth:`label` is the one shot type of the segment.

    ``after_transition``: the segment follows a gradual transition (a wipe): a replay, unless the main camera
    is found in it. ``found``: the main camera was calibrated on one of its frames.
    """

    start: int
    after_transition: bool = False
    cut_in: bool = True  # False for the segment the video starts with
    n: int = 0
    main: int = 0
    closeup: int = 0
    other: int = 0
    busy: int = 0
    still: int = 0
    t_first: float | None = None  # time (s) of the first and the last frame counted, when given
    t_last: float | None = None
    found: bool = False
    replay: bool = False
    misfit: int = 0  # frames with plenty of line evidence that the known main camera contradicts at every pose

    def add(self, raw: str, busy: bool, change: float, t: float | None = None) -> None:
        """Count one frame's per-frame shot type and picture change (``t``: its time in seconds)."""
        if t is not None:
            self.t_first = t if self.t_first is None else self.t_first
            self.t_last = t
        self.n += 1
        self.main += raw == "main"
        self.closeup += raw == "closeup"
        self.other += raw == "other"
        self.busy += bool(busy)
        self.still += change < STILL_CHANGE

    def replay_seen(self) -> None:
        """A search found a camera behind a goal explaining the frame: the segment is a replay, unless the main
        camera was already found in it (a replay starts at a cut or a transition, i.e. a new segment)."""
        self.replay = self.replay or not self.found

    @property
    def duration(self) -> float:
        """Seconds from the first to the last frame counted (frames at 25 per second when no times were given)."""
        if self.t_first is None or self.t_last is None or (self.n > 1 and self.t_last <= self.t_first):
            return (self.n - 1) / 25.0
        return self.t_last - self.t_first

    @property
    def transition(self) -> bool:
        """A wipe or another gradual transition: the picture keeps changing from frame to frame, for a moment
        only (a shot whose picture keeps changing for longer is a moving camera, e.g. a close-up following a
        player)."""
        return (self.n >= 2 and self.busy >= 2 and self.busy >= 0.6 * self.n
                and self.duration <= TRANSITION_MAX_S)

    @property
    def is_still(self) -> bool:
        """A still picture cut in (a graphics card, even one over green): the main camera always shows play."""
        return self.cut_in and self.n >= 3 and self.still >= 0.8 * self.n

    def label(self) -> str:
        """The segment's shot type from the evidence so far."""
        if self.transition or self.other >= 0.5 * self.n:
            return "other"
        if self.closeup >= max(1.0, 0.25 * self.n) and (not self.found or self.closeup >= 0.5 * self.n):
            return "closeup"
        if self.replay:
            return "other"
        if self.is_still and (not self.found or self.n >= STILL_FOUND_FRAMES):
            return "other"  # a still picture: a camera "found" on its bars or edges is no main camera
        if self.found:
            return "main"
        if self.after_transition or self.is_still or (self.cut_in and self.misfit >= 2):
            return "other"  # a replay after a wipe or from another camera, or a still picture
        return "main"

    def may_be_main(self) -> bool:
        """Whether the main camera is worth looking for in this segment."""
        lab = self.label()
        return lab == "main" or (lab == "other" and (self.after_transition or self.misfit > 0) and not self.transition
                                 and not self.replay and not self.is_still and self.other < 0.5 * self.n)


STILL_CHANGE = 0.3  # thumbnail change below which a frame is still (a graphics card; the main camera shows play)
STILL_FOUND_FRAMES = 12  # frames a segment where the main camera was found must stand still to be a still picture
TRANSITION_MAX_S = 1.0  # longest gradual transition (a wipe); a picture changing for longer is a moving shot
