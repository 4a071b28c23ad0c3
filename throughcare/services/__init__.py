"""Writes for thematic reviews, one module per area of work.

Import from here: `from throughcare import services; services.review_create(...)`.
"""

from throughcare.services.areas import *  # noqa: F403
from throughcare.services.interviews import *  # noqa: F403
from throughcare.services.outputs import *  # noqa: F403
from throughcare.services.recommendations import *  # noqa: F403
from throughcare.services.reviews import *  # noqa: F403
from throughcare.services.surveys import *  # noqa: F403
from throughcare.services.themes import *  # noqa: F403
