"""The embedded default for `make run`: SQLite, in-process background work, console email."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DEBUG", default=True)
