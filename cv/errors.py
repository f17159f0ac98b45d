"""Errors caused by user input, raised below the app layer (which prints them as one line)."""

from __future__ import annotations


class UserError(Exception):
    """An error the user can fix: the message names the file or key and the reason."""


class MediaError(UserError):
    """A video or image that cannot be decoded."""


class WeightsError(UserError):
    """A model weights file that is missing or not a usable model."""


class SettingsError(UserError):
    """A bad parameter passed to a pixel-level component (e.g. manual calibration points)."""
