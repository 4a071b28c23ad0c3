"""Reads for thematic reviews, one module per area of work.

Import from here: `from throughcare import selectors; selectors.reviews_visible_to(...)`.
"""

from throughcare.selectors.areas import *  # noqa: F403
from throughcare.selectors.interviews import *  # noqa: F403
from throughcare.selectors.outputs import *  # noqa: F403
from throughcare.selectors.recommendations import *  # noqa: F403
from throughcare.selectors.reviews import *  # noqa: F403
from throughcare.selectors.surveys import *  # noqa: F403
from throughcare.selectors.themes import *  # noqa: F403
from throughcare.selectors.triangulation import *  # noqa: F403
