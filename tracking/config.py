"""Every tracking parameter, as typed dataclasses with defaults (the constructors double as the config).

``TrackingConfig.from_dict`` builds one from the ``tracking:`` section of a YAML config; unknown keys raise
``ValueError`` naming the key.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from typing import Any, get_type_hints


@dataclass
class PlayerConfig:
    """Online player tracker (players, goalkeepers, referees)."""

    high_conf: float = 0.5  # first BYTE stage: detections at or above this confidence
    low_conf: float = 0.1  # second BYTE stage: detections in [low_conf, high_conf); below is dropped
    dup_iou: float = 0.7  # a box overlapping a more confident one this much is the same person (merged; 1 = off)
    new_track_conf: float = 0.6  # an unmatched detection starts a track only at or above this confidence
    min_hits: int = 3  # consecutive matched frames before a tentative track is confirmed (birth)
    max_lost_s: float = 6.0  # a lost track can be re-identified for this long, then it is deleted
    accel_std: float = 4.0  # process noise: white acceleration std (m/s^2) of the constant-velocity model
    image_accel_std: float = 200.0  # same for image-space state (px/s^2) where no homography is usable
    foot_std_frac: float = 0.06  # foot-point measurement std as a fraction of the box height (px)
    foot_std_min_px: float = 1.5  # floor of that std (px)
    # a box touching the picture's bottom edge has its feet below it: the person is placed from the box's top as
    # this tall (m; 0 = off), with the foot std times head_std_factor
    head_height: float = 1.8
    head_std_factor: float = 2.0
    # standing heights of whole figures standing alone, relative to the frame's median, are sampled with the shirt
    # colours where at least this many are in the frame (0 = off); the offline pass can compare pieces by them
    # (stitch_w_stature). Off by default: the boxes of the demo detector give heights too noisy to gain from them
    stature_min_people: int = 0
    stature_min_px: float = 55.0  # ... on boxes at least this tall (a box's top is good to a pixel or two)
    max_speed: float = 2.0  # m/s; bounds the re-identification radius of lost tracks (relative to the group drift)
    group_drift: bool = False  # look for lost tracks at their last position plus the drift of the tracks seen since
    reid_defer_s: float = 0.5  # lost longer than this: re-identify online only when unambiguous, else new track
    reid_ratio: float = 0.6  # unambiguous: distance to the chosen pair at most this times the nearest rival's
    lost_velocity_decay_s: float = 0.5  # velocity of an unmatched track decays with this time constant (s)
    gate_chi2: float = 13.8  # Mahalanobis gate in pitch space (chi^2, 2 dof; 13.8 = 99.9 %)
    gate_min_m: float = 0.8  # gate radius never smaller than this (m), whatever the covariance
    w_maha: float = 1.0  # cost weight of the normalised Mahalanobis distance
    w_iou: float = 0.5  # cost weight of (1 - IoU) of predicted and detected boxes
    w_app: float = 1.0  # cost weight of the appearance (Bhattacharyya) distance
    app_gate: float = 0.9  # appearance distance above which a pair is rejected (1 = disables)
    app_momentum: float = 0.9  # exponential average of a track's appearance histogram
    app_break: float = 0.6  # shirt samples farther than this from a track's appearance ...
    app_break_n: int = 3  # ... this many in a row ...
    app_break_match: float = 0.25  # ... their mean that close to another track's: a swap (cut there; n 0 = off) ...
    lab_break: float = 15.0  # ... or mean shirt colours farther than this (Lab, lightness weighted) ... (0 = off)
    lab_break_match: float = 10.0  # ... whose mean is this close to another track's: also a swap
    app_break_min_samples: int = 8  # ... of a track with at least this many shirt samples
    reid_max_samples: int = 10  # re-identification embeddings (tracking.reid) taken per track segment at most
    team_break: float = 5.0  # a swap to the other team: cumulative evidence (nats) of samples for it (0 = off) ...
    team_break_drift: float = 0.25  # ... less this much per sample (the test's drift) ...
    team_model_every_s: float = 2.0  # ... against the two kits' colours, refitted this often from the tracks
    max_cost: float = 2.0  # pairs above this total cost are never matched
    min_iou_image: float = 0.2  # image-space association (no homography): minimum IoU to match
    low_max_cost: float = 1.2  # second stage (low-confidence detections): maximum cost, motion terms only
    end_at_cut: bool = True  # end every track where the shot type changes (a cut), when the caller gives it


@dataclass
class BallConfig:
    """Ball tracker: constant-acceleration Kalman, candidate selection, re-detection on crops."""

    min_conf: float = 0.1  # ball candidates below this confidence are ignored
    init_conf: float = 0.5  # a (re)started ball track needs a chain with a candidate at least this confident
    init_frames: int = 3  # ... and that many candidates in a chain moving like a ball (below max_speed)
    init_max_gap_s: float = 0.2  # a chain breaks when no candidate joins it for this long
    accel_std: float = 30.0  # process noise: white jerk-driven acceleration std (m/s^2)
    image_accel_std: float = 3000.0  # same in image space (px/s^2) where no homography is usable
    meas_std_px: float = 2.0  # ball centre measurement std (px)
    gate_chi2: float = 16.0  # Mahalanobis gate for candidates (chi^2, 2 dof)
    gate_min_m: float = 1.5  # gate radius floor (m)
    max_lost_s: float = 1.0  # after this long unmatched the ball track restarts on the best candidate
    max_gap_s: float = 1.0  # offline: gaps up to this long are interpolated (provenance "interpolated")
    max_speed: float = 45.0  # m/s; a ground projection faster than this is not a rolling ball
    air_accel: float = 25.0  # m/s^2; smoothed ground-projection acceleration above this: in-air candidate
    air_window_s: float = 0.3  # Savitzky-Golay window of the ground-projection speed/acceleration (s)
    air_min_frames: int = 4  # in-air candidate runs shorter than this are dropped
    air_min_rise_m: float = 1.0  # a flight's ground projection bulges at least this far away from the camera (m) ...
    air_min_height_m: float = 1.0  # ... or, where the camera is known, as far as a ball this high would (m; 0 = off)
    air_side_ratio: float = 0.5  # ... with sideways deviation (rms) at most this times the bulge
    crop_size: int = 320  # px side of the re-detection crop around the predicted position
    redetect_after: int = 1  # call the re-detection hook after this many frames without a candidate
    redetect: bool = True  # the job gives the tracker a re-detection hook: the detector on an enlarged crop ...
    redetect_upscale: float = 2.0  # ... enlarged this many times
    static_px: float = 3.0  # ball candidates within this many pixels of an earlier one share a screen spot
    static_frames: int = 10  # a spot hit this often is screen-fixed (a graphic) once the camera has moved ...
    static_min_s: float = 1.5  # ... and first hit at least this long ago (a ball the camera follows stays put briefly)
    static_pitch_m: float = 1.0  # ... so far that the spot's ground point shifted this much (m) ...
    static_s: float = 3.0  # ... or once hit over this long without a usable homography
    static_forget_s: float = 2.0  # a spot not hit for this long is forgotten


@dataclass
class TeamConfig:
    """Shirt colours, team clustering, goalkeepers and referees."""

    torso_top: float = 0.15  # torso crop: from this fraction of the box height ...
    torso_bottom: float = 0.5  # ... to this one
    torso_side: float = 0.2  # fraction of the width cut on each side
    crop_w: int = 12  # torso crop is resized to this size before histograms (speed)
    crop_h: int = 16
    crop_supersample: int = 2  # each cell of that crop averages k x k sampled pixels (like an area resize)
    hue_bins: int = 16  # HSV histogram bins
    sat_bins: int = 4
    val_bins: int = 4
    grass_hue: tuple[float, float] = (30.0, 90.0)  # OpenCV hue range (0-180) treated as grass ...
    grass_min_sat: float = 60.0  # ... when saturation is at least this
    min_samples: int = 3  # tracks with fewer colour samples get their team from the stitched track or none
    gk_goal_dist: float = 25.0  # m; colour outlier with mean |x| this close to a goal line: goalkeeper (one per goal)
    outlier_factor: float = 2.5  # colour outlier: farther from both team centres than this times the spread
    outlier_min_lab: float = 6.0  # floor of that spread (scaled Lab units)
    colour_std_min: float = 3.0  # floor of a team's per-axis colour std (scaled Lab units)
    outlier_z: float = 3.5  # colour outlier: normalised distance (per-axis team MAD spread) to its team above this
    outlier_z_voted: float = 3.0  # ... or above this for a track the detector votes mostly referee / goalkeeper
    outlier_min_samples: int = 5  # tracks with fewer colour samples join the nearest team, never an outlier
    lab_l_weight: float = 0.3  # weight of Lab lightness against a/b in the colour distance (shadows change L)
    weight_cap: float = 50.0  # a track's weight in the clustering: its colour samples, capped at this
    role_keep_share: float = 0.85  # detector goalkeeper/referee votes at least this share: kept whatever the colour
    special_vote_share: float = 0.1  # a colour outlier's goalkeeper+referee votes from this share decide its role
    ar_touchline_dist: float = 2.0  # m; colour outlier with median |y| this close to a touchline: assistant referee
    exclusive_share: float = 0.1  # two tracks seen at once on at most this share of the shorter can be one person
    outlier_team_ratio: float = 0.8  # an outlier player joins the nearer team only if this much nearer (else none)
    # a referee (not on a touchline) whose shirt is off a team's in lightness only gives the role to a player seen
    # with him whose share of referee votes is at least this many times his (a referee in a kit close to a team's is
    # no colour outlier; 0 = off)
    referee_vote_ratio: float = 1.5
    # no referee on the pitch at all (assistants on the touchlines aside): the player in a team's chroma with the
    # highest share of referee votes becomes the referee when that share is at least this and referee_vote_ratio
    # times every other player's (0 = off)
    referee_min_share: float = 0.25
    home_rule: str = "left"  # "left": the team defending -x (centroid x < 0) in the first usable frames is home


@dataclass
class OfflineConfig:
    """Offline pass over a whole match."""

    split_gap_s: float = 0.5  # online tracks are cut where undetected longer than this, then stitched again
    stitch_max_gap_s: float = 30.0  # tracklets separated by at most this long may be stitched
    stitch_overlap_s: float = 0.08  # a start may overlap the end it continues by this long (its rows there win)
    stitch_max_speed: float = 4.0  # m/s; required average speed across the gap must stay below this
    stitch_slack_m: float = 3.0  # extra distance allowed across a gap (m)
    stitch_max_app: float = 0.5  # appearance distance above which tracklets are never stitched
    stitch_role_app: float = 0.25  # closer in appearance than this: may be stitched whatever the detector roles
    stitch_adjacent_s: float = 0.09  # a start this soon after an end ...
    stitch_adjacent_m: float = 1.5  # ... and this close to it, no other piece as close to either: the colour gate is
    # waived (one person lost by the online tracker for a frame or two)
    stitch_min_s: float = 0.1  # shorter pieces are left out of the linking (and dropped with min_track_s)
    stitch_velocity_s: float = 0.5  # a link carries the end on at its velocity, and the start back, up to this long (s)
    stitch_sigma0_m: float = 1.5  # link likelihood: displacement std across a zero gap (m) ...
    stitch_sigma_rate: float = 12.0  # ... and its variance growth per second of gap (m^2/s) ...
    stitch_blind_rate: float = 0.0  # ... plus this per second of the gap without a usable homography (m^2/s)
    stitch_gate_chi2: float = 13.8  # links with a larger normalised squared displacement are impossible (2 dof)
    stitch_w_app: float = 2.0  # weight of the appearance distance in the link cost
    stitch_new_cost: float = 10.0  # cost of leaving a tracklet end unlinked (a link must cost less to be made)
    stitch_drift: bool = True  # compare tracklet ends after adding the group drift across the gap
    stitch_cut_shift: bool = True  # estimate the people's common shift across each cut-away and add it
    stitch_cut_min_s: float = 1.0  # cut-aways (no usable homography) at least this long get a shift
    stitch_cut_window_s: float = 1.0  # track ends / starts this close before / after the cut-away estimate it
    stitch_cut_radius_m: float = 3.0  # pairs agreeing with a shift within this many metres vote for it
    stitch_cut_min_pairs: int = 3  # at least this many pairs must agree
    stitch_cut_prior_speed: float = 0.75  # prior std of the shift per second of cut-away (m/s)
    stitch_cut_sigma_rate: float = 4.0  # variance growth per second of a cut-away after the shift (m^2/s)
    stitch_w_skin: float = 1.0  # weight of the skin-tone term in the link cost (0 = off) ...
    stitch_skin_std: tuple[float, float] = (20.0, 15.0)  # ... per-sample std of skin saturation and value ...
    stitch_skin_floor: tuple[float, float] = (10.0, 10.0)  # ... floor of the std of a tracklet's mean (lighting) ...
    stitch_skin_cap: float = 12.0  # ... and the largest cost it adds
    stitch_w_kit: float = 1.0  # weight of the shirts' mean chroma (Lab a, b) in the link cost (0 = off) ...
    stitch_kit_std: tuple[float, float] = (10.0, 14.0)  # ... per-sample std of a and b ...
    stitch_kit_floor: tuple[float, float] = (9.0, 9.0)  # ... floor of the std of a tracklet's mean ...
    stitch_kit_cap: float = 12.0  # ... and the largest cost it adds ...
    stitch_kit_min_samples: int = 5  # ... between tracklets with at least this many shirt samples each
    # weight of the standing-height term in the link cost (0 = off; needs player.stature_min_people) ...
    stitch_w_stature: float = 0.0
    stitch_stature_std: float = 0.05  # ... std of one relative height sample, scaled for a median ...
    stitch_stature_floor: float = 0.02  # ... floor of the std of a tracklet's median height ...
    stitch_stature_cap: float = 12.0  # ... and the largest cost it adds
    # re-identification embeddings (cv.reid; only where the job has a model): cosine distance of two pieces' means
    stitch_w_reid: float = 2.0  # ... weight (0 = off) ...
    stitch_reid_free: float = 0.1  # ... distances up to this cost nothing (one person's pieces) ...
    stitch_reid_spread: float = 0.15  # ... plus this times sqrt(1 / n_i + 1 / n_j) (n: the pieces' samples) ...
    stitch_reid_scale: float = 0.1  # ... beyond it, each this much costs stitch_w_reid ...
    stitch_reid_cap: float = 6.0  # ... up to this many times ...
    stitch_reid_min_samples: int = 2  # ... between pieces with at least this many embedded samples each
    stitch_chain_pass: bool = True  # the chains are linked once more as wholes (pooled colours and skin) ...
    stitch_chain_max_app: float = 0.6  # ... with this appearance gate (pooled colours are surer than a piece's)
    stitch_insert: bool = True  # a chain that fits in a gap of another chain is put in it (around the chain pass) ...
    stitch_insert_new_cost: float = 15.0  # ... when that costs less than this plus the gap's own link
    stitch_rounds: int = 2  # assignments made; after each, unsampled pieces take their chain's skin tone
    stitch_numbers: bool = True  # pieces showing different shirt numbers are never joined; the same number
    # waives the shirt-colour term and gate up to stitch_number_max_app (the other team may wear the same number)
    stitch_number_max_app: float = 0.8
    # an online track is cut where its reads show this many of one shirt number in a row, then as many of another
    # (a swap between teammates at a crossing; 0 = off)
    number_break_reads: int = 5
    number_votes: float = 2.9  # a piece's number: the summed probability of its reads of it reaches this ...
    number_share: float = 0.8  # ... and is at least this share of all its reads
    interp_max_gap_s: float = 3.0  # gaps up to this long are filled by interpolation
    fill_positions: bool = True  # also interpolate positions missing for want of a usable homography (same limit)
    smoother: str = "savgol"  # "savgol", "rts" or "none"
    savgol_window_s: float = 0.6  # Savitzky-Golay window (s)
    savgol_order: int = 2
    rts_accel_std: float = 3.0  # RTS smoother process noise (m/s^2)
    rts_meas_std: float = 0.3  # RTS smoother measurement std (m)
    # tracks shorter than this (detected frames) after stitching are dropped: a piece under a second that links to
    # no one carries no identity (typically a box on two people merged at a crossing, or one cut by the picture's edge)
    min_track_s: float = 1.0


@dataclass
class NumberConfig:
    """Shirt numbers read from the person boxes (``cv.jersey``): they keep teammates apart when pieces are joined
    and fill the ``jersey`` column."""

    # number model file (as given, then under weights/); "" = not read; "auto": the project's model
    # (pitchlens-jersey.pt, trained on synthetic footage) with the demo detector, none otherwise
    weights: str = "auto"
    every: int = 2  # read the boxes of every k-th frame
    min_prob: float = 0.995  # reads less sure than this are dropped


@dataclass
class ReidConfig:
    """Re-identification embeddings of the person boxes (``cv.reid``), sampled with the shirt colours: they tell
    teammates apart when pieces are joined (``offline.stitch_w_reid``)."""

    # embedding model file (as given, then under weights/); "" = none; "auto": the project's model
    # (pitchlens-reid.pt, trained on synthetic footage) with the demo detector, none otherwise
    weights: str = "auto"


@dataclass
class TrackingConfig:
    """All tracking parameters."""

    player: PlayerConfig = field(default_factory=PlayerConfig)
    ball: BallConfig = field(default_factory=BallConfig)
    teams: TeamConfig = field(default_factory=TeamConfig)
    offline: OfflineConfig = field(default_factory=OfflineConfig)
    numbers: NumberConfig = field(default_factory=NumberConfig)
    reid: ReidConfig = field(default_factory=ReidConfig)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> TrackingConfig:
        """Build from a nested dict (the ``tracking:`` YAML section); unknown keys raise ``ValueError``."""
        return _build(cls, d or {}, "tracking")

    def to_dict(self) -> dict[str, Any]:
        """Nested plain dict of every field (for config hashing and YAML)."""
        return _dump(self)


def _build(cls: type, d: dict[str, Any], path: str) -> Any:
    if not isinstance(d, dict):
        raise ValueError(f"{path}: expected a mapping, got {type(d).__name__}")
    hints = get_type_hints(cls)
    names = {f.name: f for f in fields(cls)}
    kw: dict[str, Any] = {}
    for key, value in d.items():
        if key not in names:
            raise ValueError(f"{path}.{key}: unknown key (known: {', '.join(sorted(names))})")
        typ = hints[key]
        if is_dataclass(typ):
            kw[key] = _build(typ, value, f"{path}.{key}")
            continue
        default = names[key].default
        if default is MISSING:
            default = names[key].default_factory()  # type: ignore[misc]
        try:
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise TypeError
                kw[key] = value
            elif isinstance(default, tuple):
                kw[key] = tuple(type(default[0])(v) for v in value)
                if len(kw[key]) != len(default):
                    raise TypeError
            else:
                kw[key] = type(default)(value)
        except (TypeError, ValueError):
            raise ValueError(f"{path}.{key}: expected {type(default).__name__}, got {value!r}") from None
    return cls(**kw)


def _dump(obj: Any) -> Any:
    if is_dataclass(obj):
        return {f.name: _dump(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, tuple):
        return list(obj)
    return obj
