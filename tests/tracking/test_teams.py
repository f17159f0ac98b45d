"""Roles of colour outliers from what officials and goalkeepers do: assistants on the touchlines, one referee,
one goalkeeper per goal, and players whose shirt colour was badly measured."""

from __future__ import annotations

import numpy as np

from tracking.config import TeamConfig
from tracking.teams import TrackSummary, assign_roles_teams

FPS = 25.0
N_FRAMES = 150
TEAM_A = (130.0, 124.0, 125.0)  # Lab: a pale, nearly neutral kit
TEAM_B = (150.0, 152.0, 175.0)  # an orange one
REFEREE = (128.0, 130.0, 138.0)  # grey: close to team A's kit, but off it in a/b


class _Scene:
    """Twenty outfield players seen on every frame (team A on -x, team B on +x) plus whatever a test adds."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.tracks: list[TrackSummary] = []
        self.rows: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        for k in range(20):
            base, side = (TEAM_A, -1.0) if k < 10 else (TEAM_B, 1.0)
            lab = np.asarray(base) + self.rng.normal(0, 1.0, 3) * (10.0, 1.0, 1.0)  # shadows change lightness
            self.add(k + 1, lab, {"player": 100.0}, side * self.rng.uniform(5, 30), self.rng.uniform(-25, 25))

    def add(self, tid: int, lab, votes: dict[str, float], x: float, y: float, frames: slice = slice(None),
            samples: int = 40) -> None:
        t = (np.arange(N_FRAMES) / FPS)[frames]
        self.tracks.append(TrackSummary(tid, np.asarray(lab, float), samples, votes, x))
        self.rows.append((t, np.full(len(t), x), np.full(len(t), y), np.full(len(t), tid)))

    def assign(self, with_y: bool = True, cfg: TeamConfig | None = None
               ) -> tuple[dict[int, str], dict[int, str | None]]:
        rows_t, rows_x, rows_y, rows_id = (np.concatenate([r[i] for r in self.rows]) for i in range(4))
        return assign_roles_teams(self.tracks, cfg or TeamConfig(), rows_t, rows_x, rows_id.astype(np.int64),
                                  rows_y=rows_y if with_y else None)


def test_assistant_referee_on_the_touchline_is_no_goalkeeper():
    """An assistant referee runs the touchline in one half, often within the goalkeeper's distance of the goal
    line; the detector hesitates between player, goalkeeper and referee."""
    s = _Scene()
    s.add(50, REFEREE, {"player": 200.0, "referee": 150.0}, -5.0, 3.0, samples=140)
    s.add(51, (40.0, 144.0, 93.0), {"player": 100.0}, -48.0, 1.0)  # the goalkeeper (navy)
    s.add(52, (132.0, 131.0, 140.0), {"player": 39.0, "goalkeeper": 28.0, "referee": 39.0}, -38.0, 34.8,
          samples=6)
    roles, teams = s.assign()
    assert roles[52] == "referee" and teams[52] is None
    assert roles[50] == "referee" and roles[51] == "goalkeeper"
    assert all(roles[i] == "player" for i in range(1, 21))


def test_goalkeeper_in_a_kit_close_to_his_team_is_a_goalkeeper():
    """A keeper whose kit differs from his team's mostly in hue: the team's spread is measured without the
    referee (whose kit is also close to it), so the keeper stands out; near his goal, seen while the referee is
    elsewhere, he is the goalkeeper."""
    s = _Scene()
    s.add(50, REFEREE, {"player": 200.0, "referee": 150.0}, -5.0, 3.0, samples=140)
    s.add(51, (139.0, 129.0, 135.0), {"player": 177.0, "referee": 5.0}, -47.7, 2.7, samples=47)
    roles, teams = s.assign()
    assert roles[51] == "goalkeeper", roles
    assert teams[51] == teams[1] == "home"  # the team defending -x
    assert roles[50] == "referee"
    assert all(roles[i] == "player" for i in range(1, 21))


def test_badly_measured_player_is_not_a_second_referee():
    """A player whose shirt reads dark and dull (shadow), seen in midfield while the referee is on the pitch:
    a player of the team whose colour is clearly the nearer, not a referee."""
    s = _Scene()
    s.add(50, REFEREE, {"player": 200.0, "referee": 150.0}, -5.0, 3.0, samples=140)
    s.add(60, (100.0, 140.0, 160.0), {"player": 70.0}, -20.9, 18.9, samples=19)
    roles, teams = s.assign()
    assert roles[60] == "player" and teams[60] == teams[11] == "away", (roles[60], teams[60])
    assert roles[50] == "referee" and teams[50] is None


def test_one_goalkeeper_per_goal():
    """A player near the goal whose box also holds the referee's shirt is no second goalkeeper at that goal:
    the keeper is there at the same time. Its colour is the referee's, so it gets no team."""
    s = _Scene()
    s.add(50, REFEREE, {"player": 200.0, "referee": 150.0}, -5.0, 3.0, samples=140)
    s.add(51, (40.0, 144.0, 93.0), {"player": 100.0}, -46.0, 1.0)
    s.add(61, (125.0, 131.0, 134.0), {"player": 44.0}, -40.0, 12.0, frames=slice(40, 130), samples=12)
    roles, teams = s.assign()
    assert roles[51] == "goalkeeper" and teams[51] == "home"
    assert roles[61] == "player" and teams[61] is None, (roles[61], teams[61])


def test_referee_pieces_in_his_kit_stay_referee_and_keepers_need_their_goal():
    """Pieces of the referee (one after the other) stay referee; without y nothing is taken for an assistant."""
    s = _Scene()
    for j in range(3):
        s.add(70 + j, np.asarray(REFEREE) + (0.0, 0.5 * j, -0.5 * j), {"player": 60.0, "referee": 20.0},
              -5.0 + 10 * j, 0.0, frames=slice(j * 50, (j + 1) * 50))
    s.add(51, (40.0, 144.0, 93.0), {"player": 100.0}, -46.0, 1.0)
    s.add(52, (220.0, 122.0, 209.0), {"player": 100.0}, 47.0, -2.0)  # the other goalkeeper (yellow)
    for with_y in (True, False):
        roles, teams = s.assign(with_y)
        assert [roles[70 + j] for j in range(3)] == ["referee"] * 3, roles
        assert roles[51] == roles[52] == "goalkeeper"
        assert teams[51] == "home" and teams[52] == "away"


def test_referee_is_the_outlier_the_detector_calls_referee():
    """A track that joined a player of each team (its mean shirt lies between the kits) holds more samples than
    the referee and is on the pitch all the time, as he is: the referee is still the outlier voted referee, and
    the joined track stays a player."""
    s = _Scene()
    mixed = 0.5 * (np.asarray(TEAM_A) + np.asarray(TEAM_B))
    s.add(70, mixed, {"player": 600.0}, -3.0, 4.0, samples=166)
    s.add(50, REFEREE, {"player": 190.0, "referee": 480.0}, 1.5, 7.5, samples=155)
    roles, _ = s.assign()
    assert roles[50] == "referee", roles
    assert roles[70] == "player"


def test_robust_two_refits_from_given_centres():
    """A refit from the last centres (the online kit model) finds the split the full search finds, even where the
    starting centres are a few units off."""
    from tracking.teams import colour_features, robust_two

    cfg = TeamConfig()
    rng = np.random.default_rng(4)
    lab = np.vstack([np.asarray(TEAM_A) + rng.normal(0, 2, (10, 3)), np.asarray(TEAM_B) + rng.normal(0, 2, (10, 3)),
                     [REFEREE]])
    x = colour_features(lab, cfg)
    w = np.full(len(x), 30.0)
    lab_full, _, c_full = robust_two(x, w, 15.0)
    lab_warm, _, c_warm = robust_two(x, w, 15.0, init=c_full + 3.0)
    assert (lab_full[:10] != lab_full[10:20]).all() and (lab_warm == lab_full).all()
    assert np.allclose(c_warm, c_full)


def test_referee_near_a_teams_kit_is_kept_when_the_detector_mostly_says_so():
    """The referee's grey sits close to a team's white-and-grey kit: about three of that team's spreads off it,
    short of a colour outlier on its own. The detector calls him referee on 60 % of his boxes, short of being
    believed on its own. The two cues together make him the referee; a player the detector mislabels as often,
    whose colour is his team's, stays a player."""
    from dataclasses import replace

    s = _Scene()
    s.add(50, np.asarray(TEAM_A) + (0.0, 0.0, 9.5), {"player": 40.0, "referee": 60.0}, 0.0, 5.0, samples=100)
    s.add(51, np.asarray(TEAM_A) + (2.0, 0.5, 0.5), {"player": 40.0, "referee": 60.0}, -10.0, 8.0, samples=100)
    roles, _ = s.assign()
    assert roles[50] == "referee" and roles[51] == "player"
    assert all(roles[i] == "player" for i in range(1, 21))
    roles, _ = s.assign(cfg=replace(TeamConfig(), outlier_z_voted=3.5))
    assert roles[50] == "player"  # either cue alone is not enough


def test_referee_in_a_teams_kit_takes_the_role_from_a_dark_player_the_detector_doubts_more():
    """The referee's shirt reads like team A's (no colour outlier) and the detector calls him referee on 30 % of
    his boxes; a team-A player whose shirt reads dark and off the kit (a colour outlier) it calls referee on 16 %.
    One referee is on the pitch: the more referee-like of the two, seen together, is he."""
    from dataclasses import replace

    s = _Scene()
    s.add(50, np.asarray(TEAM_A) + (4.0, 0.3, -0.3), {"player": 70.0, "referee": 30.0}, -3.0, 2.0, samples=80)
    s.add(60, np.asarray(TEAM_A) + (-60.0, 4.0, 9.0), {"player": 84.0, "referee": 16.0}, -14.0, -6.0, samples=80)
    roles, teams = s.assign()
    assert roles[50] == "referee" and teams[50] is None, (roles[50], teams[50])
    assert roles[60] == "player" and teams[60] == teams[1], (roles[60], teams[60])
    assert all(roles[i] == "player" for i in range(1, 21))
    roles, _ = s.assign(cfg=replace(TeamConfig(), referee_vote_ratio=0.0))
    assert roles[60] == "referee" and roles[50] == "player"  # colours alone pick the dark player


def test_referee_in_his_own_colour_keeps_the_role_however_often_a_dark_team_is_called_referee():
    """The detector calls team A's players referee on 35 % of their boxes and the real referee, in a blue of his
    own, on 22 %: his colour, not the votes, makes him the referee."""
    s = _Scene()
    for k in range(1, 11):  # team A, the one the detector mistakes for officials
        s.tracks[k - 1].votes = {"player": 65.0, "referee": 35.0}
    s.add(50, np.asarray(TEAM_A) + (-20.0, 2.0, -30.0), {"player": 78.0, "referee": 22.0}, 0.0, 4.0, samples=80)
    roles, teams = s.assign()
    assert roles[50] == "referee" and teams[50] is None, (roles[50], teams[50])
    assert all(roles[i] == "player" for i in range(1, 21))


def test_the_only_referee_on_the_pitch_hidden_in_a_teams_kit_is_the_one_the_detector_calls_referee():
    """A grey referee reads like team A's pale kit (no colour outlier) and the detector calls him referee on 43 %
    of his boxes, the players on at most 10 %; an assistant runs the touchline. With no referee left on the pitch,
    he is the referee; called referee as rarely as the players are, he stays a player."""
    from dataclasses import replace

    s = _Scene()
    for k in range(1, 5):
        s.tracks[k - 1].votes = {"player": 90.0, "referee": 10.0}
    s.add(40, REFEREE, {"referee": 100.0}, 10.0, 34.0, samples=80)  # the assistant on the touchline
    s.add(50, np.asarray(TEAM_A) + (4.0, 0.3, -0.3), {"player": 57.0, "referee": 43.0}, -3.0, 2.0, samples=80)
    roles, teams = s.assign()
    assert roles[40] == "referee" and roles[50] == "referee" and teams[50] is None, (roles[50], teams[50])
    assert all(roles[i] == "player" for i in range(1, 21))
    roles, _ = s.assign(cfg=replace(TeamConfig(), referee_min_share=0.0))
    assert roles[50] == "player"
    s.tracks[-1].votes = {"player": 88.0, "referee": 12.0}  # no more referee-like than the players
    roles, teams = s.assign()
    assert roles[50] == "player" and teams[50] == teams[1]


def test_a_well_measured_keeper_beats_a_short_dark_box_near_his_goal():
    """Near team A's goal, the keeper in red (34 colour samples) and, seen with him, a short box (7 samples) that
    reads darker than any kit: the box's colour is the least team-like, but from too few samples to outweigh him."""
    s = _Scene()
    s.add(80, (105.0, 170.0, 158.0), {"player": 100.0}, -46.8, 3.0, samples=34)
    s.add(81, (30.0, 118.0, 140.0), {"player": 100.0}, -54.0, -5.0, frames=slice(40, 80), samples=7)
    roles, _ = s.assign()
    assert roles[80] == "goalkeeper" and roles[81] == "player", (roles[80], roles[81])


def test_a_keeper_joins_the_team_defending_his_goal_though_attackers_crowd_the_picture():
    """While team A's keeper is seen (the first 1.2 s), the picture holds team B's attackers near him and three of
    his teammates far up the pitch; over the clip team A plays on -x. He is team A's."""
    s = _Scene()
    s.tracks, s.rows = [], []
    rng = np.random.default_rng(1)
    for k in range(10):
        s.add(k + 1, np.asarray(TEAM_A) + rng.normal(0, 1.0, 3), {"player": 100.0}, -rng.uniform(5, 30),
              rng.uniform(-25, 25), frames=slice(30, None))
        s.add(k + 11, np.asarray(TEAM_B) + rng.normal(0, 1.0, 3), {"player": 100.0}, rng.uniform(5, 30),
              rng.uniform(-25, 25), frames=slice(30, None))
    for k in range(3):
        s.add(k + 31, np.asarray(TEAM_A) + rng.normal(0, 1.0, 3), {"player": 100.0}, -5.0 + k, 10.0 * k,
              frames=slice(0, 30))
    for k in range(4):
        s.add(k + 41, np.asarray(TEAM_B) + rng.normal(0, 1.0, 3), {"player": 100.0}, -40.0 + k, 5.0 * k - 8.0,
              frames=slice(0, 30))
    s.add(80, (105.0, 170.0, 158.0), {"player": 100.0}, -47.0, 0.0, frames=slice(0, 30))
    roles, teams = s.assign()
    assert roles[80] == "goalkeeper"
    assert teams[1] != teams[11] and teams[80] == teams[1], (teams[80], teams[1], teams[11])
