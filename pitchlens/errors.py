"""User-facing errors: one line that names the file or key and the reason."""

from __future__ import annotations

from cv.errors import MediaError, SettingsError, UserError, WeightsError


class PitchlensError(UserError):
    """An error caused by user input; the CLI prints it as one line, without a traceback."""


class InputError(PitchlensError, MediaError):
    """A video, weights or data file that cannot be used."""


class ConfigError(PitchlensError, SettingsError):
    """A bad configuration key or value."""


class StoreError(PitchlensError):
    """The store cannot be read or written."""


class QueryError(PitchlensError):
    """A SQL statement that cannot be run."""


__all__ = ["UserError", "MediaError", "WeightsError", "SettingsError", "PitchlensError", "InputError", "ConfigError",
           "StoreError", "QueryError"]
