"""Identities: Kalman tracking of players and ball in pitch metres, teams and roles, the offline pass."""

from tracking.ball import BALL_TRACK_ID, BallTracker
from tracking.config import BallConfig, NumberConfig, OfflineConfig, PlayerConfig, TeamConfig, TrackingConfig
from tracking.match import MatchTracker
from tracking.tracker import PlayerTracker

__all__ = ["BALL_TRACK_ID", "BallConfig", "BallTracker", "MatchTracker", "NumberConfig", "OfflineConfig",
           "PlayerConfig", "PlayerTracker", "TeamConfig", "TrackingConfig"]
